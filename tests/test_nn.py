"""nn: the Module API, Linear and the activations, Dropout, Identity and ModuleList, the losses,
the initialisers."""
import copy
import math
import re
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn import init


def make_net(lib):
    """The seed example's network without BatchNorm, for either library."""
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(10, 20)
            self.fc2 = lib.nn.Linear(20, 2)

        def forward(self, x):
            return self.fc2(lib.relu(self.fc1(x)))

    return Net()


def make_nested(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Linear(4, 6), nn_.ReLU(),
                          nn_.Sequential(nn_.Linear(6, 2, bias=False), nn_.Sigmoid()),
                          nn_.Flatten(), nn_.Tanh())


def make_with_buffers_and_extra_repr(lib):
    """A module with a buffer, an extra_repr and children: PyTorch's layout puts the extra first."""
    class Scaled(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", lib.ones(3))
            self.body = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Tanh())
            self.head = lib.nn.Linear(3, 1)

        def extra_repr(self):
            return "scale=3"

        def forward(self, x):
            return self.head(self.body(x * self.scale))

    return Scaled()


def make_with_module_list(lib):
    """Layers held in a ModuleList (three equal ones, so the repr compresses them), a Dropout
    and an Identity."""
    class Stack(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = lib.nn.ModuleList([lib.nn.Linear(4, 4) for _ in range(3)])
            self.layers.append(lib.nn.Linear(4, 2))
            self.drop = lib.nn.Dropout(0.25)
            self.skip = lib.nn.Identity()

        def forward(self, x):
            for layer in self.layers:
                x = self.drop(lib.tanh(layer(x)))
            return self.skip(x)

    return Stack()


def x64(*shape):
    return mg.tensor(np.random.standard_normal(shape), requires_grad=True)


# ------------------------------------------------------------------- traversal
def test_parameters_in_registration_order():
    net = make_net(mg)
    names = [name for name, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    params = list(net.parameters())
    assert params[0] is net.fc1.weight and len(params) == 4
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    assert [n for n, _ in net.named_parameters(prefix="net")][0] == "net.fc1.weight"
    assert list(net.fc1.parameters()) == [net.fc1.weight, net.fc1.bias]
    assert list(net.named_parameters(recurse=False)) == []


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2


def test_buffers():
    model = make_with_buffers_and_extra_repr(mg)
    assert [name for name, _ in model.named_buffers()] == ["scale"]
    assert list(model.buffers())[0] is model.scale and not model.scale.requires_grad
    outer = nn.Sequential(model)
    assert [name for name, _ in outer.named_buffers()] == ["0.scale"]
    assert "scale" not in [name for name, _ in model.named_parameters()]


def test_children_and_modules():
    model = make_nested(mg)
    children = list(model.children())
    assert len(children) == 5 and isinstance(children[2], nn.Sequential)
    modules = list(model.modules())
    assert modules[0] is model and len(modules) == 1 + 5 + 2
    assert [name for name, _ in model.named_modules()] == ["", "0", "1", "2", "2.0", "2.1", "3", "4"]
    assert [name for name, _ in model.named_children()] == ["0", "1", "2", "3", "4"]


def test_train_and_eval_reach_every_submodule():
    model = make_nested(mg)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    assert model.train() is model and all(m.training for m in model.modules())
    model[2].eval()
    assert model.training and not model[2][0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("no")


def test_zero_grad():
    net = make_net(mg)
    net(mg.randn(3, 10)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.asarray(p.grad).any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_switch():
    net = make_net(mg)
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    assert not net(mg.randn(2, 10)).requires_grad


# ------------------------------------------------------------------- registration
def test_registration_rules():
    layer = nn.Linear(2, 2)
    layer.bias = None
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = mg.tensor([1.0])
    layer.weight = nn.Parameter(np.zeros((2, 2), dtype=np.float32))
    assert not layer.weight._data.any()

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="cannot assign attributes before Module.__init__"):
        Forgot()


def test_reassigning_a_submodule_name_to_a_plain_value_unregisters_it():
    net = make_net(mg)
    net.fc2 = "gone"
    assert [n for n, _ in net.named_children()] == ["fc1"] and net.fc2 == "gone"
    del net.fc1
    assert list(net.children()) == []


def test_parameter():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(np.ones(3), requires_grad=False).requires_grad
    assert nn.Parameter(mg.tensor([1.0, 2.0]))._data.tolist() == [1.0, 2.0]


def test_missing_forward():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(mg.randn(1))


def test_sequential_container():
    model = make_nested(mg)
    assert len(model) == 5 and isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.Tanh)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Sequential", "Flatten", "Tanh"]
    x = mg.randn(3, 4)
    expected = x
    for layer in model:
        expected = layer(expected)
    np.testing.assert_array_equal(model(x)._data, expected._data)
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]


def test_sequential_slice_is_a_sequential_with_the_same_layers_and_names():
    model = make_nested(mg)
    head = model[:2]                              # the features of the first layers, as in PyTorch
    assert isinstance(head, nn.Sequential) and list(head) == list(model)[:2]
    x = mg.randn(3, 4)
    np.testing.assert_array_equal(head(x)._data, model[1](model[0](x))._data)
    assert [name for name, _ in model[1:].named_children()] == ["1", "2", "3", "4"]
    assert list(model[2:].state_dict()) == ["2.0.weight"]     # the keys of the full model


# ------------------------------------------------------------------- state_dict
def test_state_dict_keys_and_shared_tensors():
    """As in PyTorch: detached tensors that share the module's memory; deepcopy for a snapshot."""
    model = make_with_buffers_and_extra_repr(mg)
    state = model.state_dict()
    snapshot = copy.deepcopy(state)
    assert list(state) == ["scale", "body.0.weight", "body.0.bias", "head.weight", "head.bias"]
    assert all(isinstance(v, mg.Tensor) and not v.requires_grad for v in state.values())
    state["head.bias"][...] = 42.0
    assert (model.head.bias._data == 42.0).all()
    assert not (snapshot["head.bias"]._data == 42.0).any()


def test_load_state_dict_round_trip():
    source, target = make_net(mg), make_net(mg)
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = mg.randn(4, 10)
    np.testing.assert_array_equal(source(x)._data, target(x)._data)
    target.load_state_dict({k: mg.tensor(v * 0) for k, v in source.state_dict().items()})
    assert not target.fc1.weight._data.any()


def test_load_state_dict_keeps_the_models_dtype():
    model = nn.Linear(2, 2)
    model.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(2)})       # float64 arrays
    assert model.weight.dtype == np.float32


@pytest.mark.parametrize("state, message", [
    ({"weight": np.zeros((3, 4))},
     'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '),
    ({"weight": np.zeros((3, 4)), "bias": np.zeros(3), "extra": np.zeros(1), "more": np.zeros(1)},
     'Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: "extra", "more". '),
    ({"weight": np.zeros((2, 4)), "bias": np.zeros(3)},
     "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
     "minigrad.Size([2, 4]) from checkpoint, the shape in current model is minigrad.Size([3, 4])."),
    ({"weight": np.zeros((2, 4)), "foo": np.zeros(1)},
     'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". \n\t'
     'Unexpected key(s) in state_dict: "foo". \n\tsize mismatch for weight: copying a param with shape '
     "minigrad.Size([2, 4]) from checkpoint, the shape in current model is minigrad.Size([3, 4])."),
], ids=["missing", "unexpected", "size", "all_three"])
def test_load_state_dict_errors_in_pytorchs_words(state, message):
    model = nn.Linear(4, 3)
    before = model.weight._data.copy()
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    assert str(info.value).startswith(message)          # a hint for students may follow
    np.testing.assert_array_equal(model.weight._data, before)   # nothing was half-loaded


def test_load_state_dict_not_strict():
    model = nn.Linear(4, 3)
    result = model.load_state_dict({"weight": np.ones((3, 4)), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])"
    assert (model.weight._data == 1).all()
    with pytest.raises(RuntimeError, match="size mismatch for weight"):      # even when not strict
        model.load_state_dict({"weight": np.ones((2, 4))}, strict=False)


# ------------------------------------------------------------------- dtype
def test_double_and_float():
    net = make_net(mg)
    net(mg.randn(2, 10)).sum().backward()
    assert net.double() is net
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in net.parameters())
    assert net(mg.randn(2, 10, dtype=mg.float64)).dtype == np.float64
    assert net.float() is net and all(p.dtype == np.float32 for p in net.parameters())
    model = make_with_buffers_and_extra_repr(mg).double()
    assert model.scale.dtype == np.float64


# ------------------------------------------------------------------- repr
EXPECTED_REPRS = {
    make_net: (
        "Net(\n"
        "  (fc1): Linear(in_features=10, out_features=20, bias=True)\n"
        "  (fc2): Linear(in_features=20, out_features=2, bias=True)\n"
        ")"),
    make_nested: (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=6, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=6, out_features=2, bias=False)\n"
        "    (1): Sigmoid()\n"
        "  )\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        "  (4): Tanh()\n"
        ")"),
    make_with_buffers_and_extra_repr: (
        "Scaled(\n"
        "  scale=3\n"
        "  (body): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=3, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        "  (head): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"),
    make_with_module_list: (
        "Stack(\n"
        "  (layers): ModuleList(\n"
        "    (0-2): 3 x Linear(in_features=4, out_features=4, bias=True)\n"
        "    (3): Linear(in_features=4, out_features=2, bias=True)\n"
        "  )\n"
        "  (drop): Dropout(p=0.25, inplace=False)\n"
        "  (skip): Identity()\n"
        ")"),
}


@pytest.mark.parametrize("make", EXPECTED_REPRS, ids=lambda f: f.__name__)
def test_module_repr(make):
    assert repr(make(mg)) == EXPECTED_REPRS[make]


@pytest.mark.parametrize("make", EXPECTED_REPRS, ids=lambda f: f.__name__)
def test_module_repr_and_state_dict_keys_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(mg), make(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_simple_module_reprs():
    assert repr(nn.ReLU()) == "ReLU()" and repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss()) == "MSELoss()" and repr(nn.Sequential()) == "Sequential()"


def test_load_state_dict_messages_match_torch():
    torch = pytest.importorskip("torch")
    bad = {"weight": np.zeros((2, 4), dtype=np.float32), "foo": np.zeros(1, dtype=np.float32)}
    with pytest.raises(RuntimeError) as ours:
        nn.Linear(4, 3).load_state_dict(bad)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.Linear(4, 3).load_state_dict({k: torch.tensor(v) for k, v in bad.items()})
    assert str(ours.value).startswith(str(theirs.value).replace("torch.", "minigrad."))


# ------------------------------------------------------------------- Linear
def test_linear_shapes_and_forward():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=True)"
    for shape in [(5, 4), (2, 5, 4), (4,)]:
        x = mg.randn(*shape)
        out = layer(x)
        assert out.shape == shape[:-1] + (3,) and out.dtype == np.float32
        np.testing.assert_allclose(out._data, x._data @ layer.weight._data.T + layer.bias._data, rtol=1e-6)
    no_bias = nn.Linear(4, 3, bias=False)
    assert no_bias.bias is None and len(list(no_bias.parameters())) == 1
    x = mg.randn(5, 4)
    np.testing.assert_allclose(no_bias(x)._data, x._data @ no_bias.weight._data.T, rtol=1e-6)
    assert nn.Linear(2, 2, dtype=mg.float64).weight.dtype == np.float64


@pytest.mark.parametrize("fan_in, fan_out", [(256, 128), (10, 400), (1, 1000)])
def test_linear_init_statistics(fan_in, fan_out):
    """PyTorch's default: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))."""
    layer = nn.Linear(fan_in, fan_out)
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight._data, layer.bias._data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.98 * bound                       # the whole interval is used
    assert abs(w.mean()) < 0.05 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.04)    # std of U(-b, b)


def test_reset_parameters_draws_new_values():
    layer = nn.Linear(5, 5)
    before = layer.weight._data.copy()
    layer.reset_parameters()
    assert not np.array_equal(before, layer.weight._data)


# ------------------------------------------------------------------- gradients through layers
def _check_module(module, *shape):
    module = module.double()
    x = x64(*shape)
    params = list(module.parameters())
    names = ["x"] + [name for name, _ in module.named_parameters()]
    assert mg.gradcheck(lambda inp, *_: module(inp), (x, *params), names=names)


@pytest.mark.parametrize("build, shape", [
    (lambda: nn.Linear(4, 3), (5, 4)),
    (lambda: nn.Linear(4, 3, bias=False), (5, 4)),
    (lambda: nn.Linear(4, 3), (2, 5, 4)),
    (lambda: nn.ReLU(), (3, 4)),
    (lambda: nn.Sigmoid(), (3, 4)),
    (lambda: nn.Tanh(), (3, 4)),
    (lambda: nn.Flatten(), (2, 3, 4)),
    (lambda: make_nested(mg), (5, 4)),
    (lambda: make_net(mg), (3, 10)),
    (lambda: make_with_buffers_and_extra_repr(mg), (4, 3)),
    (lambda: nn.Dropout().eval(), (3, 4)),
    (lambda: nn.Identity(), (3, 4)),
], ids=["Linear", "Linear_no_bias", "Linear_3d", "ReLU", "Sigmoid", "Tanh", "Flatten", "nested", "Net",
        "with_buffer", "Dropout_eval", "Identity"])
def test_module_gradcheck(build, shape):
    _check_module(build(), *shape)


@pytest.mark.parametrize("start_dim, end_dim, expected", [(1, -1, (2, 60)), (0, -1, (120,)), (1, 2, (2, 12, 5))])
def test_flatten(start_dim, end_dim, expected):
    layer = nn.Flatten(start_dim, end_dim)
    assert layer(mg.randn(2, 3, 4, 5)).shape == expected
    assert repr(layer) == f"Flatten(start_dim={start_dim}, end_dim={end_dim})"


def test_activation_modules_equal_functions():
    x = mg.randn(3, 4)
    for module, function in ((nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh)):
        np.testing.assert_array_equal(module(x)._data, function(x)._data)


# ------------------------------------------------------------------- Dropout
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics(p):
    """About p of the elements are zeroed, the rest scaled by 1 / (1 - p): E[y] = x."""
    mg.manual_seed(0)
    x = (mg.rand(200_000) + 1.0).requires_grad_()        # in [1, 2): never 0 before dropout
    y = F.dropout(x, p)
    kept = y._data != 0
    assert y.shape == x.shape and y.dtype == np.float32
    assert 1 - kept.mean() == pytest.approx(p, abs=0.01)          # the std of the fraction is ~0.001
    np.testing.assert_allclose(y._data[kept], x._data[kept] / (1 - p), rtol=1e-6)
    ones = F.dropout(mg.ones(200_000), p)
    assert ones._data.mean() == pytest.approx(1.0, abs=0.03)       # ~5 standard errors at p = 0.8
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / (1 - p), rtol=1e-6)   # (D.2): dy/dx = m / (1 - p)


def test_dropout_mask_follows_manual_seed():
    x = mg.ones(100)
    mg.manual_seed(3)
    first = F.dropout(x)._data
    mg.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x)._data, first)
    assert not np.array_equal(F.dropout(x)._data, first)          # the next call draws a new mask


def test_dropout_edge_cases_and_eval_mode():
    x = mg.randn(4, 5, requires_grad=True)
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.5, training=False) is x
    zeros = F.dropout(x, 1.0)
    assert not zeros._data.any()
    zeros.sum().backward()
    assert not np.asarray(x.grad).any()
    layer = nn.Dropout(0.3)
    assert layer.p == 0.3 and repr(layer) == "Dropout(p=0.3, inplace=False)"
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert (layer(x)._data == 0).any()
    assert layer.eval()(x) is x                                      # identity in eval mode


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_is_checked_in_pytorchs_words(p):
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError, match=re.escape(message)):
        F.dropout(mg.ones(3), p)
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.Dropout(p)


def test_dropout_messages_and_repr_match_torch():
    torch = pytest.importorskip("torch")
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError) as ours:
            nn.Dropout(p)
        with pytest.raises(ValueError) as theirs:
            torch.nn.Dropout(p)
        assert str(ours.value) == str(theirs.value)
    for p in (0, 0.25, 0.5, 1):
        assert repr(nn.Dropout(p)) == repr(torch.nn.Dropout(p))


@pytest.mark.parametrize("dropout", [lambda t: F.dropout(t, 0.4), nn.Dropout(0.5)], ids=["F.dropout", "nn.Dropout"])
def test_dropout_gradcheck_with_a_fixed_mask(dropout):
    def same_mask(t):                 # gradcheck calls this many times: each call must draw the same mask
        mg.manual_seed(1)
        return dropout(t)

    x = x64(4, 5)
    assert (same_mask(x)._data == 0).any() and mg.gradcheck(same_mask, (x,))


# ------------------------------------------------------------------- Identity and ModuleList
def test_identity():
    x = mg.randn(2, 3)
    layer = nn.Identity(54, unused="ignored")                  # arguments are ignored, as in PyTorch
    assert layer(x) is x and repr(layer) == "Identity()" and list(layer.parameters()) == []


def test_module_list_operations():
    a, b, c, d = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh()
    layers = nn.ModuleList([a, b])
    assert layers.append(c) is layers and layers.extend([d]) is layers
    assert len(layers) == 4 and list(layers) == [a, b, c, d]
    assert layers[0] is a and layers[-1] is d and layers[-4] is a
    with pytest.raises(IndexError, match="index 4 is out of range"):
        layers[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        layers[-5]
    head = layers[1:3]
    assert isinstance(head, nn.ModuleList) and list(head) == [b, c]
    assert [name for name, _ in head.named_children()] == ["0", "1"]   # a slice is numbered afresh
    e = nn.Sigmoid()
    layers.insert(1, e)
    assert list(layers) == [a, e, b, c, d]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3", "4"]
    f = nn.Identity()
    layers.insert(-1, f)                                               # as list.insert
    assert list(layers) == [a, e, b, c, f, d]
    g = nn.Linear(2, 2)
    layers[0] = g
    layers[-1] = a
    assert list(layers) == [g, e, b, c, f, a]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2", "3", "4", "5"]
    assert nn.ModuleList().append(a)[0] is a and len(nn.ModuleList()) == 0
    with pytest.raises(NotImplementedError, match="ModuleList"):
        layers(mg.randn(1, 2))                     # no forward: the holder decides how to call them


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1, bias=False)])
    assert list(layers.state_dict()) == ["0.weight", "0.bias", "2.weight"]
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "2.weight"]
    model = make_with_module_list(mg)
    assert list(model.state_dict()) == [f"layers.{i}.{k}" for i in range(4) for k in ("weight", "bias")]
    assert len(list(model.parameters())) == 8
    assert not model.eval().layers[0].training and not model.drop.training
    model.load_state_dict(make_with_module_list(mg).state_dict())
    x = mg.randn(5, 4)
    expected = x
    for layer in model.layers:
        expected = layer(expected).tanh()
    np.testing.assert_array_equal(model(x)._data, expected._data)     # eval: Dropout is the identity
    _check_module(model, 5, 4)


def test_module_list_repr():
    assert repr(nn.ModuleList()) == "ModuleList()"
    layers = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(2, 2), nn.ReLU(),
                            nn.Sequential(nn.Tanh()), nn.Sequential(nn.Tanh())])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-1): 2 x ReLU()\n"
        "  (2): Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3): ReLU()\n"
        "  (4-5): 2 x Sequential(\n"
        "    (0): Tanh()\n"
        "  )\n"
        ")")


def test_module_list_operations_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        layers = lib.nn.ModuleList([lib.nn.Linear(2, 3), lib.nn.Linear(2, 3)])
        layers.append(lib.nn.ReLU())
        layers.extend([lib.nn.Dropout(0.2), lib.nn.Identity(), lib.nn.Sequential(lib.nn.Linear(3, 1))])
        layers.insert(1, lib.nn.Linear(2, 3))
        layers[0] = lib.nn.Linear(2, 4)
        return layers

    ours, theirs = build(mg), build(torch)
    for a, b in ((ours, theirs), (ours[1:4], theirs[1:4]), (ours[::2], theirs[::2]), (ours[-2:], theirs[-2:])):
        assert repr(a) == repr(b)
        assert list(a.state_dict()) == list(b.state_dict())


# ------------------------------------------------------------------- losses
def test_cross_entropy_loss_module():
    logits = np.random.standard_normal((5, 4))
    target = np.array([3, 0, 1, 1, 2])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    per_sample = -logp[np.arange(5), target]
    for reduction, expected in (("mean", per_sample.mean()), ("sum", per_sample.sum()), ("none", per_sample)):
        loss = nn.CrossEntropyLoss(reduction=reduction)(mg.tensor(logits), mg.tensor(target))
        np.testing.assert_allclose(loss._data, expected, rtol=1e-12)
    z = x64(5, 4)
    assert mg.gradcheck(lambda t: nn.CrossEntropyLoss()(t, target), (z,))
    loss = nn.CrossEntropyLoss()(mg.tensor(logits.astype(np.float32), requires_grad=True), target)
    assert loss.dtype == np.float32 and repr(loss.grad_fn) == "<CrossEntropyLossBackward>"


def test_mse_loss_module():
    a, b = np.random.standard_normal((4, 3)), np.random.standard_normal((4, 3))
    for reduction, expected in (("mean", ((a - b) ** 2).mean()), ("sum", ((a - b) ** 2).sum()),
                                ("none", (a - b) ** 2)):
        loss = nn.MSELoss(reduction=reduction)(mg.tensor(a), mg.tensor(b))
        np.testing.assert_allclose(loss._data, expected, rtol=1e-12)
    assert mg.gradcheck(lambda p, q: nn.MSELoss()(p, q), (x64(4, 3), x64(4, 3)))


def test_training_a_tiny_classifier_reduces_the_loss():
    mg.manual_seed(0)
    x = mg.randn(64, 2)
    y = mg.tensor((x._data[:, 0] * x._data[:, 1] > 0).astype(np.int64))     # XOR of the signs
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = mg.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(150):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
    accuracy = (model(x).argmax(1)._data == y._data).mean()
    assert accuracy > 0.9


# ------------------------------------------------------------------- init
def test_init_bounds_and_gains():
    w = mg.zeros(300, 200)
    init.kaiming_uniform_(w, nonlinearity="relu")
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 200)
    assert np.abs(w._data).max() <= bound and np.abs(w._data).max() > 0.98 * bound
    init.xavier_uniform_(w)
    bound = math.sqrt(6.0 / (200 + 300))
    assert np.abs(w._data).max() <= bound and np.abs(w._data).max() > 0.98 * bound
    init.normal_(w, mean=1.0, std=2.0)
    assert w._data.mean() == pytest.approx(1.0, abs=0.03) and w._data.std() == pytest.approx(2.0, rel=0.02)
    assert init.zeros_(w) is w and not w._data.any()
    assert init.ones_(w) is w and (w._data == 1).all()
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(mg.zeros(3))


def test_replacing_a_submodule_keeps_its_place_in_the_order():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4)
            self.fc2 = nn.Linear(4, 2)

    net = Net()
    net.fc1 = nn.Linear(3, 4, bias=False)
    assert [name for name, _ in net.named_children()] == ["fc1", "fc2"]
    assert list(net.state_dict()) == ["fc1.weight", "fc2.weight", "fc2.bias"]
