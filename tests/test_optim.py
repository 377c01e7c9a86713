"""SGD and Adam: the update rules written out in NumPy, step by step, and their checks.
(Agreement with torch.optim itself is in test_parity_core.py.)"""
import copy
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.25, 1.0, -1.0]), np.array([-0.5, 0.0, 0.75])]
START = np.array([1.0, -2.0, 0.5])


def run(make, grads=GRADS, start=START):
    """Apply the optimiser to one parameter fed the given gradients; return p after each step."""
    p = mg.nn.Parameter(start.copy())
    opt = make([p])
    history = []
    for g in grads:
        p.grad = mg.tensor(g)
        opt.step()
        history.append(p._data.copy())
    return history


def sgd_reference(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """torch.optim.SGD's documented algorithm."""
    p, buf, history = START.copy(), None, []
    for t, g in enumerate(GRADS):
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if t == 0 else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        history.append(p)
    return history


SGD_OPTIONS = [
    dict(),
    dict(weight_decay=0.1),
    dict(momentum=0.9),
    dict(momentum=0.9, dampening=0.5),
    dict(momentum=0.9, weight_decay=0.1),
    dict(momentum=0.9, nesterov=True),
    dict(momentum=0.5, nesterov=True, weight_decay=0.1),
    dict(momentum=0.5, dampening=0.25, weight_decay=0.01),
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_sgd_follows_the_documented_update(options):
    ours = run(lambda p: SGD(p, lr=0.1, **options))
    for got, want in zip(ours, sgd_reference(0.1, **options)):
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_plain_sgd_step_by_hand():
    (p,) = run(lambda p: SGD(p, lr=0.1), grads=GRADS[:1])
    np.testing.assert_allclose(p, START - 0.1 * GRADS[0])


def adam_reference(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """torch.optim.Adam's documented algorithm (amsgrad=False)."""
    beta1, beta2 = betas
    p, m, v, history = START.copy(), 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(p)
    return history


@pytest.mark.parametrize("options", [dict(), dict(lr=0.1), dict(weight_decay=0.1),
                                     dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.01)],
                         ids=lambda o: ",".join(o) or "defaults")
def test_adam_follows_the_documented_update(options):
    ours = run(lambda p: Adam(p, **options))
    for got, want in zip(ours, adam_reference(**options)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_adam_first_step_moves_each_coordinate_by_lr():
    """After bias correction, m_hat / sqrt(v_hat) = g / |g| on the first step."""
    (p,) = run(lambda p: Adam(p, lr=0.01), grads=GRADS[:1])
    np.testing.assert_allclose(START - p, 0.01 * np.sign(GRADS[0]), rtol=1e-6)


def test_defaults_match_pytorch():
    p = [mg.nn.Parameter(np.zeros(1))]
    assert SGD(p).defaults == dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                                   maximize=False)
    assert Adam(p).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                                    maximize=False, decoupled_weight_decay=False)


def test_parameters_without_gradient_are_left_alone():
    a, b = mg.nn.Parameter(np.ones(2)), mg.nn.Parameter(np.ones(2))
    for opt in (SGD([a, b], lr=0.1, momentum=0.9, weight_decay=0.1), Adam([a, b], lr=0.1, weight_decay=0.1)):
        a.grad = mg.ones(2, dtype=mg.float64)
        opt.step()
        np.testing.assert_array_equal(b.data, 1.0)
        assert b not in opt.state


def test_momentum_state_is_per_parameter():
    a, b = mg.nn.Parameter(np.zeros(1)), mg.nn.Parameter(np.zeros(1))
    opt = SGD([a, b], lr=1.0, momentum=0.5)
    a.grad, b.grad = mg.tensor(np.array([1.0])), mg.tensor(np.array([-2.0]))
    opt.step()
    opt.step()
    np.testing.assert_allclose(a._data, [-(1 + 1.5)])
    np.testing.assert_allclose(b._data, [2 + 3])


def test_zero_grad():
    p = mg.nn.Parameter(np.ones(2))
    opt = SGD([p], lr=0.1)
    p.grad = mg.ones(2, dtype=mg.float64)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, 0.0)
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                                  lambda p: Adam(p, lr=0.1, weight_decay=0.1)], ids=["SGD", "Adam"])
def test_float32_parameters_stay_float32(make):
    model = mg.nn.Linear(3, 2)
    opt = make(model.parameters())
    for _ in range(3):
        opt.zero_grad()
        model(mg.randn(4, 3)).sum().backward()
        opt.step()
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_step_updates_in_place_and_outside_the_graph():
    model = mg.nn.Linear(3, 2)
    weight = model.weight._data
    opt = SGD(model.parameters(), lr=0.1)
    model(mg.randn(4, 3)).sum().backward()
    opt.step()
    assert model.weight._data is weight and model.weight.grad_fn is None and model.weight.is_leaf


def test_sgd_minimises_a_quadratic():
    target = np.array([3.0, -1.0])
    p = mg.nn.Parameter(np.zeros(2))
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    for _ in range(200):
        opt.zero_grad()
        ((p - mg.tensor(target)) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p._data, target, atol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda p: SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: Adam(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: Adam(p, weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (lambda p: SGD([], lr=0.1), "optimizer got an empty parameter list"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_invalid_arguments_are_rejected_with_pytorchs_messages(make, message):
    with pytest.raises(ValueError) as info:
        make([mg.nn.Parameter(np.zeros(1))])
    assert str(info.value).startswith(message)


def test_adam_bias_correction_uses_the_step_count():
    p = mg.nn.Parameter(np.zeros(1))
    opt = Adam([p], lr=1.0, betas=(0.5, 0.5), eps=0.0)
    for _ in range(3):
        p.grad = mg.tensor(np.array([2.0]))
        opt.step()
    # a constant gradient: m_hat = g and v_hat = g^2 at every step, so each step moves by lr
    np.testing.assert_allclose(p.data, [-3.0])
    assert opt.state[p]["step"].item() == 3
    assert math.isclose(opt.state[p]["exp_avg"].numpy()[0], 2.0 * (1 - 0.5 ** 3))


# ---- param_groups, state_dict and the Optimizer base -----------------------------------------

def grads_of(params, values):
    """Give each parameter the gradient ``values[i]`` through a backward pass (engine-neutral)."""
    loss = sum((p * mg.tensor(np.asarray(v, dtype=p.dtype))).sum() for p, v in zip(params, values))
    loss.backward()


def test_setting_lr_in_param_groups_changes_the_next_step():
    p = mg.nn.Parameter(np.zeros(2))
    opt = SGD([p], lr=0.1)
    grads_of([p], [np.ones(2)])
    opt.step()
    opt.param_groups[0]["lr"] = 1.0
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [-1.1, -1.1])
    assert not hasattr(opt, "lr")                          # the options live in param_groups only


def test_each_group_keeps_its_own_options_and_the_rest_are_defaults():
    a, b = mg.nn.Parameter(np.zeros(1)), mg.nn.Parameter(np.zeros(1))
    opt = SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["params"] == [b]
    grads_of([a, b], [[1.0], [1.0]])
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [-0.1, -1.0])


def test_add_param_group_takes_the_defaults_and_refuses_a_parameter_twice():
    model = mg.nn.Sequential(mg.nn.Linear(2, 2), mg.nn.Linear(2, 1))
    opt = Adam(model[0].parameters(), lr=0.01)
    opt.add_param_group({"params": model[1].parameters(), "lr": 0.1})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999) and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [model[1].weight]})


def test_a_non_leaf_or_a_non_tensor_is_refused():
    p = mg.nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is ndarray"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got Parameter"):
        SGD(p, lr=0.1)


def test_zero_grad_without_set_to_none_zeroes_the_same_memory():
    p = mg.nn.Parameter(np.ones(3))
    opt = SGD([p], lr=0.1)
    grads_of([p], [[1.0, 2.0, 3.0]])
    before = np.asarray(p.grad)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(np.asarray(p.grad), 0.0)
    assert np.shares_memory(np.asarray(p.grad), before)
    opt.zero_grad()
    assert p.grad is None


def test_step_calls_the_closure_and_returns_its_loss():
    p = mg.nn.Parameter(np.array([2.0]))
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and p.item() == pytest.approx(2.0 - 0.25 * 4.0)


def test_state_dict_layout_numbers_parameters_across_groups():
    a, b, c = (mg.nn.Parameter(np.zeros(2)) for _ in range(3))
    opt = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.1}])
    grads_of([a, c], [np.ones(2), np.ones(2)])
    opt.step()
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert set(saved["state"]) == {0, 2}                     # b had no gradient: no state
    assert list(saved["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    assert saved["state"][0]["step"].item() == 1.0 and saved["state"][0]["step"].dtype == np.float32
    assert saved["param_groups"][1]["lr"] == 0.1 and "params" not in opt.defaults
    grads_of([a, c], [np.ones(2), np.ones(2)])
    opt.step()                                                # a saved dict does not move on
    assert saved["state"][0]["step"].item() == 1.0


def test_load_state_dict_restores_options_and_buffers_and_continues_identically():
    def make():
        mg.manual_seed(0)
        model = mg.nn.Linear(3, 2)
        return model, RMSprop(model.parameters(), lr=0.01, momentum=0.9, centered=True)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            (model(mg.ones(4, 3)) ** 2).sum().backward()
            opt.step()

    model, opt = make()
    train(model, opt, 3)
    # both share memory with the live objects, as in PyTorch: a snapshot is a deep copy
    weights, saved = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    train(model, opt, 2)                                     # the run that never stopped

    model2, opt2 = make()
    model2.load_state_dict(weights)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["params"] == list(model2.parameters())
    assert opt2.param_groups[0]["centered"] and opt2.param_groups[0]["momentum"] == 0.9
    train(model2, opt2, 2)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(model2.state_dict()[key], value)


def test_load_state_dict_of_another_shape_of_optimizer_says_so():
    a, b = mg.nn.Parameter(np.zeros(1)), mg.nn.Parameter(np.zeros(1))
    one_group = SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(one_group)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        SGD([a], lr=0.1).load_state_dict(one_group)


def test_loaded_buffers_take_the_parameter_dtype():
    p = mg.nn.Parameter(np.zeros(2, dtype=np.float32))
    opt = Adam([p])
    opt.load_state_dict({"state": {0: {"step": mg.tensor(2.0), "exp_avg": np.ones(2),
                                       "exp_avg_sq": np.ones(2)}},
                         "param_groups": [dict(opt.param_groups[0], params=[0])]})
    assert opt.state[p]["exp_avg"].dtype == np.float32 and opt.state[p]["step"].dtype == np.float32


def test_adagrad_has_its_sums_before_the_first_step():
    p = mg.nn.Parameter(np.zeros(2))
    state = Adagrad([p], initial_accumulator_value=0.5).state_dict()["state"]
    assert state[0]["step"].item() == 0 and state[0]["sum"].numpy().tolist() == [0.5, 0.5]


def test_repr_lists_each_group_like_torch():
    opt = SGD([mg.nn.Parameter(np.zeros(1))], lr=0.1)
    assert repr(opt).splitlines()[:3] == ["SGD (", "Parameter Group 0", "    dampening: 0"]


@pytest.mark.parametrize("make, message", [
    (lambda p: RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: RMSprop(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: AdamW(p, lr=-1), "Invalid learning rate: -1"),
])
def test_new_optimisers_check_their_options_in_pytorchs_words(make, message):
    with pytest.raises(ValueError) as info:
        make([mg.nn.Parameter(np.zeros(1))])
    assert str(info.value).startswith(message)


# ---- clipping --------------------------------------------------------------------------------

def test_clip_grad_norm_scales_every_gradient_by_the_same_factor():
    a, b = mg.nn.Parameter(np.zeros(2)), mg.nn.Parameter(np.zeros(1))
    grads_of([a, b], [[3.0, 0.0], [4.0]])                # joint norm 5
    norm = mg.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert norm.item() == pytest.approx(5.0)
    np.testing.assert_allclose(np.asarray(a.grad), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(b.grad), [0.8], rtol=1e-6)


def test_clip_grad_norm_skips_params_without_grad_and_can_refuse_nonfinite():
    a, b = mg.nn.Parameter(np.ones(1)), mg.nn.Parameter(np.ones(1))
    assert mg.nn.utils.clip_grad_norm_([a, b], 1.0).item() == 0.0
    grads_of([a], [[np.inf]])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        mg.nn.utils.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_clamps_in_place():
    p = mg.nn.Parameter(np.zeros(3))
    grads_of([p], [[-2.0, 0.5, 3.0]])
    assert mg.nn.utils.clip_grad_value_(p, 1.0) is None
    np.testing.assert_array_equal(np.asarray(p.grad), [-1.0, 0.5, 1.0])
