"""SGD and Adam: the update rules written out in NumPy, step by step, and their checks.
(Agreement with torch.optim itself is in test_parity_core.py.)"""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adam

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.25, 1.0, -1.0]), np.array([-0.5, 0.0, 0.75])]
START = np.array([1.0, -2.0, 0.5])


def run(make, grads=GRADS, start=START):
    """Apply the optimiser to one parameter fed the given gradients; return p after each step."""
    p = mg.nn.Parameter(start.copy())
    opt = make([p])
    history = []
    for g in grads:
        p.grad = g.copy()
        opt.step()
        history.append(p.data.copy())
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
        a.grad = np.ones(2)
        opt.step()
        np.testing.assert_array_equal(b.data, 1.0)
        assert b not in opt.state


def test_momentum_state_is_per_parameter():
    a, b = mg.nn.Parameter(np.zeros(1)), mg.nn.Parameter(np.zeros(1))
    opt = SGD([a, b], lr=1.0, momentum=0.5)
    a.grad, b.grad = np.array([1.0]), np.array([-2.0])
    opt.step()
    opt.step()
    np.testing.assert_allclose(a.data, [-(1 + 1.5)])
    np.testing.assert_allclose(b.data, [2 + 3])


def test_zero_grad():
    p = mg.nn.Parameter(np.ones(2))
    opt = SGD([p], lr=0.1)
    p.grad = np.ones(2)
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
    weight = model.weight.data
    opt = SGD(model.parameters(), lr=0.1)
    model(mg.randn(4, 3)).sum().backward()
    opt.step()
    assert model.weight.data is weight and model.weight.grad_fn is None and model.weight.is_leaf


def test_sgd_minimises_a_quadratic():
    target = np.array([3.0, -1.0])
    p = mg.nn.Parameter(np.zeros(2))
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    for _ in range(200):
        opt.zero_grad()
        ((p - mg.tensor(target)) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.data, target, atol=1e-6)


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
        p.grad = np.array([2.0])
        opt.step()
    # a constant gradient: m_hat = g and v_hat = g^2 at every step, so each step moves by lr
    np.testing.assert_allclose(p.data, [-3.0])
    assert opt.state[p]["step"].item() == 3
    assert math.isclose(opt.state[p]["exp_avg"].numpy()[0], 2.0 * (1 - 0.5 ** 3))
