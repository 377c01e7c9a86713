"""The engine behaves like PyTorch's: Tensors all the way, node-to-node graphs, retain_grad,
hooks, autograd.grad, version counters and in-place writes (including __setitem__).

Each behaviour is pinned here on its own; where torch is installed the same steps run under
torch and the numbers (and error texts) are compared.
"""
import ast
import gc
import pathlib
import weakref

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import AccumulateGrad

PACKAGE = pathlib.Path(mg.__file__).resolve().parent


def both(build):
    """Run ``build(lib)`` with minigrad and, where installed, with torch; return both results."""
    torch = pytest.importorskip("torch")
    return build(mg), build(torch)


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a.detach()), b.detach().numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ Tensors all the way
def test_grad_and_data_are_tensors_and_support_the_course_idioms():
    w = mg.tensor(np.random.standard_normal((27, 10)), requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.grad, mg.Tensor) and isinstance(w.data, mg.Tensor)
    assert not w.data.requires_grad and w.data.grad_fn is None
    np.testing.assert_allclose(w.grad.std().item(), np.std(np.asarray(w.grad), ddof=1))
    assert w.grad.norm().item() == pytest.approx(np.linalg.norm(np.asarray(w.grad)))
    w.grad.data.zero_()
    assert not np.asarray(w.grad).any()
    w.grad.zero_()
    w.data.uniform_(-1, 1)                       # writes through .data reach w
    assert np.abs(w.detach().numpy()).max() <= 1 and w._version == 0


def test_data_update_with_a_tensor_gradient_keeps_the_parameter_an_array_of_numbers():
    """``p.data += -lr * p.grad`` (makemore's update) and then the next forward."""
    layer = nn.Linear(3, 2)
    x = mg.randn(4, 3)
    layer(x).sum().backward()
    before = layer.weight.detach().numpy().copy()
    for p in layer.parameters():
        p.data += -0.1 * p.grad
    np.testing.assert_allclose(layer.weight.detach().numpy(), before - 0.1 * np.asarray(layer.weight.grad))
    assert layer.weight._data.dtype == np.float32
    assert layer(x).shape == (4, 2)


def test_numpy_array_tolist_and_index():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(x) is x.numpy() and np.asarray(x, dtype=np.float64).dtype == np.float64
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert [10, 20, 30][mg.tensor(2)] == 30 and range(10)[mg.tensor(3)] == 3
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][mg.tensor(1.0)]
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        np.asarray(mg.tensor([1.0], requires_grad=True))


def test_grad_and_data_setters_take_tensors_as_in_pytorch():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        p.grad = np.ones(2)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        p.grad = mg.ones(3)
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        p.data = np.ones(2)
    p.data = mg.tensor([5.0, 6.0])
    assert p.tolist() == [5.0, 6.0] and p.requires_grad


def test_detach_shares_the_version_counter_and_data_does_not():
    x = mg.tensor([1.0, 2.0])
    x.detach().add_(1)
    assert x._version == 1
    x.data.add_(1)
    assert x._version == 1 and x.tolist() == [3.0, 4.0]


def test_deepcopy_makes_an_independent_leaf():
    """A copied model must not send its gradients to the original's accumulator."""
    import copy
    layer = nn.Linear(2, 1)
    graph = layer(mg.ones(1, 2)).sum()              # the original's accumulators are alive
    twin = copy.deepcopy(layer)
    twin(mg.ones(1, 2)).sum().backward()
    assert layer.weight.grad is None and twin.weight.grad.tolist() == [[1.0, 1.0]]
    assert isinstance(twin.weight, nn.Parameter) and twin.weight._version_counter is not layer.weight._version_counter
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(graph)


def test_astype_to_an_integer_dtype_is_long_and_leaves_the_graph():
    x = mg.tensor([[1.7, -2.2], [0.4, 3.9]], requires_grad=True)
    for cast in (x.astype(np.int64), x.long(), x.to(mg.int64)):
        assert cast.dtype == np.int64 and cast.tolist() == [[1, -2], [0, 3]]
        assert not cast.requires_grad and cast.grad_fn is None
    y = x.astype(np.float64)                        # a floating cast stays in the graph
    y.sum().backward()
    assert y.grad_fn is not None and x.grad.dtype == np.float32


# ------------------------------------------------------------------ PyTorch's graph
def test_nodes_link_to_nodes_and_leaves_through_accumulate_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0, 4.0])
    y = (w * c).sum()
    (mul, zero), = y.grad_fn.next_functions
    assert repr(mul) == "<MulBackward>" and zero == 0
    (acc, _), (none, _) = mul.next_functions
    assert isinstance(acc, AccumulateGrad) and acc.variable is w and none is None
    assert (w * 2).grad_fn.next_functions[0][0] is acc        # one accumulator per leaf
    assert not hasattr(mul, "inputs")


def parameter_names_reached(loss, names):
    """The parameters a loss reaches through its graph, by name (AccumulateGrad.variable)."""
    reached, stack, seen = set(), [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if hasattr(node, "variable"):
            reached.add(names[id(node.variable)])
        stack.extend(child for child, index in node.next_functions if index == 0)
    return reached


def test_seed_net_graph_reaches_the_same_leaves_as_pytorch():
    def build(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(10, 20), lib.nn.BatchNorm1d(20), lib.nn.ReLU(),
                                lib.nn.Linear(20, 2))
        loss = lib.nn.functional.cross_entropy(net(lib.randn(5, 10)), lib.tensor([0, 1, 0, 1, 1]))
        names = {id(p): name for name, p in net.named_parameters()}
        return parameter_names_reached(loss, names), loss
    (mine, loss), (theirs, _) = both(build)
    assert mine == theirs == {"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}
    names = [node.name() for node in _chain(loss.grad_fn)]
    assert names == ["CrossEntropyLossBackward", "LinearBackward", "ReLUBackward", "BatchNormBackward",
                     "LinearBackward"]


def _chain(node):
    """Follow each node's first input that is itself an op: the path back to the network input."""
    while node is not None and not isinstance(node, AccumulateGrad):
        yield node
        node = next((n for n, _ in node.next_functions if n is not None and not isinstance(n, AccumulateGrad)), None)


def test_a_batchnorm_node_keeps_only_what_it_saved():
    """The input of a BatchNorm layer is freed when the network drops it: the node holds
    x_hat (one input-sized array) and (C,) vectors, 1.0x the input, not 2.0x."""
    x = mg.randn(256, 64, requires_grad=True)
    h = x + 0.0
    alive = weakref.ref(h._data)
    node = nn.BatchNorm1d(64)(h).grad_fn
    del h
    gc.collect()
    assert alive() is None
    saved = sum(a.nbytes for a in node.saved_tensors if isinstance(a, np.ndarray))
    assert saved <= x._data.nbytes + 64 * 8 * 2


# ------------------------------------------------------------------ retain_grad, hooks, grad
def test_retain_grad_matches_pytorch_on_a_composed_batchnorm():
    """makemore part 4's check: every intermediate of a hand-written BatchNorm against autograd."""
    rng = np.random.default_rng(3)
    x_np, g_np = rng.standard_normal((8, 5)), rng.standard_normal((8, 5))

    def build(lib):
        x = lib.tensor(x_np, requires_grad=True)
        mean = x.mean(0, keepdim=True)
        diff = x - mean
        var = (diff * diff).mean(0, keepdim=True)
        inv_std = (var + 1e-5) ** -0.5
        x_hat = diff * inv_std
        inter = [mean, diff, var, inv_std, x_hat]
        for t in inter:
            t.retain_grad()
        (x_hat * lib.tensor(g_np)).sum().backward()
        return [x] + inter
    mine, theirs = both(build)
    for a, b in zip(mine, theirs):
        assert a.retains_grad == b.retains_grad
        close(a.grad, b.grad, 1e-10)


def test_retain_grad_accumulates_and_a_leaf_ignores_it():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()
    h = x * 3
    h.retain_grad()
    h.sum().backward(retain_graph=True)
    h.sum().backward()
    assert h.grad.tolist() == [2.0, 2.0] and x.grad.tolist() == [6.0, 6.0]
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        mg.ones(2).retain_grad()


# ------------------------------------------------------------------ a leaf's first gradient
class _Handed(mg.autograd.Function):
    """y = 2x, whose backward hands out an array it made (and says where it is)."""
    made = None
    keep = False

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        out = 2 * grad
        _Handed.made = out if _Handed.keep else weakref.ref(out)
        return out


def test_a_leaf_keeps_a_gradient_nothing_else_refers_to():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    _Handed.keep = False
    _Handed.apply(x).sum().backward()
    assert _Handed.made() is x.grad._data          # not copied (PyTorch steals it too)
    assert x.grad.tolist() == [2.0, 2.0]


def test_a_gradient_someone_else_holds_is_copied():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    _Handed.keep = True
    try:
        _Handed.apply(x).sum().backward()
        assert not np.shares_memory(_Handed.made, x.grad._data)
    finally:
        _Handed.keep, _Handed.made = False, None


def test_leaves_sharing_one_gradient_array_get_their_own():
    a, b = mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor([3.0, 4.0], requires_grad=True)
    y = ((a + b) * 1).sum()        # Add hands both inputs the array Mul's backward made
    y.backward(retain_graph=True)
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 1.0]
    y.backward()
    assert a.grad.tolist() == [11.0, 11.0] and b.grad.tolist() == [2.0, 2.0]


def test_a_saved_array_handed_back_as_a_gradient_stays_intact():
    class Scale(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(np.full_like(x, 3.0))
            return 3 * x

        @staticmethod
        def backward(ctx, grad):
            (three,) = ctx.saved_tensors
            return three                           # d(3x)/dx for a sum: the saved array itself

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply(x).sum()
    y.backward(retain_graph=True)
    x.grad.zero_()
    y.backward()
    assert x.grad.tolist() == [3.0, 3.0]


class _Reshaped(mg.autograd.Function):
    """y = 2x of a (2, 3) x, whose backward hands out a view of an array: a reshape of a fresh
    one, a reshape of one it saved, or a slice of a larger fresh one (``how``)."""
    how = "fresh"
    made = None

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(np.full(6, 2.0, x.dtype))
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        (two,) = ctx.saved_tensors
        if _Reshaped.how == "fresh":
            flat = two * grad.reshape(-1)
        elif _Reshaped.how == "saved":
            flat = two
        else:
            flat = np.concatenate([two * grad.reshape(-1), [0.0]]).astype(grad.dtype)[:6]
        _Reshaped.made = weakref.ref(flat) if flat.base is None else None
        return flat.reshape(2, 3)


@pytest.mark.parametrize("how", ["fresh", "saved", "slice"])
def test_a_view_is_kept_only_when_nothing_else_refers_to_its_memory(how):
    x = mg.tensor(np.ones((2, 3)), requires_grad=True)
    _Reshaped.how = how
    y = _Reshaped.apply(x).sum()
    y.backward(retain_graph=True)
    base = x.grad._data.base
    if how == "fresh":
        assert base is _Reshaped.made()              # kept, view and all
    else:
        assert base is None                          # copied: the saved array, or a larger one
    x.grad.add_(1)                                   # the leaf's own memory: nothing else moves
    y.backward()
    assert x.grad.tolist() == [[5.0] * 3] * 2


def test_a_gradient_given_to_backward_or_seen_by_a_hook_is_not_the_leafs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    g = mg.tensor([5.0, 6.0])
    x.backward(g)
    x.grad.add_(1)
    assert g.tolist() == [5.0, 6.0]
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_hook(seen.append)
    (w * 2).sum().backward()
    w.grad.add_(1)
    assert seen[0].tolist() == [2.0, 2.0] and w.grad.tolist() == [3.0, 3.0]


def test_hooks_see_and_replace_the_gradient_and_can_be_removed():
    def build(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 2
        seen = []
        h.register_hook(lambda g: seen.append(g.clone()))
        handle = h.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: g + 1)
        (h * h).sum().backward(retain_graph=True)
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        (h * h).sum().backward()
        return first, x.grad, seen[0]
    mine, theirs = both(build)
    for a, b in zip(mine, theirs):
        close(a, b)


def test_autograd_grad_returns_without_accumulating():
    def build(lib):
        x = lib.tensor(np.array([1.0, 2.0]), requires_grad=True)
        w = lib.tensor(np.array([3.0, -1.0]), requires_grad=True)
        h = (x * w).tanh()
        y = (h * h).sum()
        gx, gh = lib.autograd.grad(y, [x, h], retain_graph=True)
        gw, = lib.autograd.grad(y, w, grad_outputs=lib.tensor(np.array(2.0)))
        return gx, gh, gw, x.grad, w.grad
    (gx, gh, gw, x_grad, w_grad), (tgx, tgh, tgw, _, _) = both(build)
    close(gx, tgx), close(gh, tgh), close(gw, tgw)
    assert x_grad is None and w_grad is None


def test_autograd_grad_errors_as_pytorch():
    x, unused = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph. Set allow_unused=True"):
        mg.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = mg.autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0] and gu is None
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        mg.autograd.grad(y, x, create_graph=True)


def test_backward_inputs_accumulates_only_into_those():
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None


def test_max_along_a_dim_sends_the_gradient_to_the_index_it_returns():
    """Ties: max(dim) gives the whole gradient to the returned index, max() splits it (amax)."""
    def build(lib):
        x = lib.tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), requires_grad=True)
        values, indices = x.max(1)
        (values * lib.tensor(np.array([1.0, 2.0]))).sum().backward()
        along = x.grad.clone()
        x.grad = None
        x.max().backward()
        return along, x.grad, indices
    (along, full, indices), (t_along, t_full, t_indices) = both(build)
    close(along, t_along), close(full, t_full)
    assert indices.tolist() == t_indices.tolist()


# ------------------------------------------------------------------ in place and versions
def test_changing_a_saved_tensor_raises_pytorchs_error_at_backward():
    def build(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * 2
        y = h.exp()                  # Exp saves its output
        y.add_(1)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        return str(info.value)
    mine, theirs = both(build)
    expected = "is at version 1; expected version 0 instead"
    assert "modified by an inplace operation" in mine and expected in mine and expected in theirs
    assert "which is output 0 of Exp, is at version" in mine and "output 0 of Exp," in theirs


def test_an_optimizer_step_before_backward_is_caught():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()                          # Mul saves w
    with mg.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match=r"\[minigrad.FloatTensor \[2\]\] is at version 1"):
        loss.backward()


def test_backward_after_an_optimizer_step_is_caught():
    layer = nn.Linear(2, 1)
    loss = layer(mg.ones(3, 2)).sum()               # Linear saves its weight
    opt = mg.optim.SGD(layer.parameters(), lr=0.1)
    layer(mg.ones(3, 2)).sum().backward()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_in_place_rules_for_leaves():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    for write in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.clamp_(0, 1), lambda: w.zero_(), lambda: w.fill_(3),
                  lambda: w.copy_(mg.ones(2)), lambda: w.normal_(), lambda: w.uniform_(),
                  lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            write()
    with mg.no_grad():
        w.add_(1).mul_(2).sub_(1, alpha=2).div_(2)
    assert w.tolist() == [1.0, 2.0] and w._version == 4 and w.is_leaf
    i = mg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        i += 0.5


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "clamp_", "clamp_ tensor"])
def test_in_place_arithmetic_in_the_graph_matches_pytorch(op):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(4) + 3, rng.standard_normal(4) + 3

    def build(lib):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        h = x * 1.5
        if op == "clamp_":
            h.clamp_(4.0, 5.0)
        elif op == "clamp_ tensor":
            h.clamp_(min=y)
        else:
            getattr(h, op)(y)
        (h * h).sum().backward()
        return h, x.grad, y.grad
    for mine, theirs in zip(*both(build)):
        if mine is None and theirs is None:      # y is not used by clamp_ with number bounds
            continue
        close(mine, theirs)


INDICES = {"int": 1, "slice": (slice(None), slice(1, 3)), "negative": (-1, 0),
           "mask": "mask", "int array": "int array", "tensor index": "tensor"}


def _index(lib, kind):
    if kind == "mask":
        return lib.tensor([True, False, True])
    if kind == "int array":
        return (lib.tensor([0, 2]), lib.tensor([1, 3]))
    if kind == "tensor":
        return lib.tensor([2, 0])
    return kind


@pytest.mark.parametrize("name", list(INDICES))
def test_setitem_forward_and_backward_match_pytorch(name):
    rng = np.random.default_rng(2)
    x_np = rng.standard_normal((3, 4))

    def build(lib):
        index = _index(lib, INDICES[name])
        x = lib.tensor(x_np, requires_grad=True)
        region = x.detach()[index]
        v = lib.tensor(rng.standard_normal(tuple(region.shape)), requires_grad=True)
        z = x * 2
        z[index] = v * 3
        z[index] += 1
        (z * z).sum().backward()
        return z, x.grad, v.grad
    rng = np.random.default_rng(2)
    mine = build(mg)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    theirs = build(torch)
    for a, b in zip(mine, theirs):
        close(a, b)


def test_setitem_outside_the_graph_is_a_plain_write():
    x = mg.zeros(2, 3)
    x[0] = mg.tensor([1.0, 2.0, 3.0])
    x[1, 1:] += 5
    x[x > 2] = -1
    assert x.tolist() == [[1.0, 2.0, -1.0], [0.0, 5.0, 5.0]][0:1] + [[0.0, -1.0, -1.0]]
    assert x._version == 4 and x.grad_fn is None
    assert repr(_setitem_node()) == "<CopySlices>"


def _setitem_node():
    z = mg.tensor([1.0, 2.0], requires_grad=True) * 1
    z[0] = 0.0
    return z.grad_fn


def test_a_view_shares_its_base_version():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x * 1
    y = h.relu()                                   # ReLU saves its output y
    y[0].mul_(2)                                   # through a view of y
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()



@pytest.mark.parametrize("view", [lambda t: t[1:], lambda t: t.T, lambda t: t[1:][:, ::2],
                                  lambda t: t.reshape(-1), lambda t: t.expand(2, 3, 4)],
                         ids=["slice", "transpose", "view of a view", "reshape", "expand"])
def test_every_kind_of_view_counts_the_writes_to_its_base(view):
    base = mg.arange(12.0).reshape(3, 4)
    seen = view(base)
    before = seen._version
    base.add_(1)
    assert seen._version == before + 1 and np.shares_memory(seen._data, base._data)
    fresh = base * 1                              # not a view: a counter of its own
    base.add_(1)
    assert fresh._version == 0


def test_a_view_of_a_strided_input_counts_its_writes():
    """An input made with as_strided has no plain owner: the bounds test finds the sharing."""
    memory = np.arange(12.0)
    x = mg.from_numpy(np.lib.stride_tricks.as_strided(memory, (3, 4), (32, 8)))
    seen = x.reshape(-1)                            # a view of the strided view
    x.mul_(2)
    assert seen._version == 1 and seen._version_counter is x._version_counter

# ------------------------------------------------------------------ one home for the engine
def module_imports(path: pathlib.Path, modules) -> set:
    """The minigrad modules that ``path`` imports at module level (not inside functions):
    ``from . import x`` depends on the module x, ``from .m import name`` on the module m."""
    name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def test_no_import_cycle_in_the_package():
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    graph = {m: module_imports(p, modules) for m, p in modules.items()}
    state, path = {}, []

    def visit(m):
        state[m] = "open"
        path.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if d not in state:
                visit(d)
        path.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert "minigrad.autograd" in graph and graph["minigrad.autograd"] == set()


def test_a_graph_is_freed_by_reference_counting_alone():
    """No node, saved array or leaf is held in a reference cycle: with the garbage collector
    off, dropping the last tensor frees the graph at once (as PyTorch's C++ graph is freed)."""
    gc.disable()
    try:
        leaf = mg.randn(4, 3, requires_grad=True)
        model = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.Sigmoid(), nn.Linear(5, 2))
        out = F.cross_entropy(model(leaf), mg.tensor([0, 1, 1, 0]))
        nodes = [weakref.ref(out.grad_fn)]
        frontier = [out.grad_fn]
        while frontier:                      # every node of the graph, accumulators included
            node = frontier.pop()
            for child, _ in node.next_functions:
                if child is not None:
                    nodes.append(weakref.ref(child))
                    frontier.append(child)
        assert any(isinstance(n(), AccumulateGrad) for n in nodes)
        del node, child, frontier
        out.backward()
        leaf_ref = weakref.ref(leaf)
        del out, leaf
        assert [n for n in nodes if n() is not None] == []
        assert leaf_ref() is None                           # a temporary leaf goes with its graph
        sigmoid_node = weakref.ref(model(mg.randn(4, 3)).grad_fn)    # dropped without backward
        assert sigmoid_node() is None
    finally:
        gc.enable()
