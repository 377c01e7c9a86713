"""Learning-rate schedules: the closed forms in their docstrings, chaining, state_dicts, errors.
(Agreement with torch.optim.lr_scheduler itself is in test_optim_parity.py.)"""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adagrad, Adam
from minigrad.optim import lr_scheduler as S


def sgd(lr=1.0, **options):
    return SGD([mg.nn.Parameter(np.zeros(1))], lr=lr, **options)


def rates(scheduler, steps):
    """The rate at epochs 0..steps-1 (construction writes epoch 0)."""
    out = [scheduler.get_last_lr()[0]]
    for _ in range(steps - 1):
        scheduler.optimizer.step()
        scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return out


@pytest.mark.parametrize("make, closed_form", [
    (lambda o: S.StepLR(o, step_size=3, gamma=0.5), lambda t: 0.5 ** (t // 3)),
    (lambda o: S.MultiStepLR(o, milestones=[4, 2, 4], gamma=0.1), lambda t: 0.1 ** ((t >= 2) + 2 * (t >= 4))),
    (lambda o: S.ExponentialLR(o, gamma=0.9), lambda t: 0.9 ** t),
    (lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.1), lambda t: 0.1 + 0.9 * (1 + math.cos(math.pi * t / 5)) / 2),
    (lambda o: S.LambdaLR(o, lambda e: 1 / (e + 1)), lambda t: 1 / (t + 1)),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR"])
def test_schedules_follow_their_closed_forms(make, closed_form):
    np.testing.assert_allclose(rates(make(sgd()), 14), [closed_form(t) for t in range(14)], rtol=1e-12)


def test_construction_records_initial_lr_and_base_lrs():
    opt = sgd(0.3)
    sched = S.StepLR(opt, step_size=2)
    assert opt.param_groups[0]["initial_lr"] == 0.3 and sched.base_lrs == [0.3] and sched.last_epoch == 0


def test_chainable_schedules_carry_on_from_a_rate_set_by_hand():
    opt = sgd(1.0)
    sched = S.ExponentialLR(opt, gamma=0.5)
    sched.step()
    opt.param_groups[0]["lr"] = 10.0
    sched.step()
    assert sched.get_last_lr() == [5.0]


def test_two_schedulers_on_one_optimiser_multiply():
    opt = sgd(1.0)
    a, b = S.StepLR(opt, step_size=1, gamma=0.5), S.ExponentialLR(opt, gamma=0.1)
    a.step()
    b.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


def test_onecycle_shape_and_momentum():
    opt = sgd(0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs, momenta = [], []
    for t in range(10):
        if t:
            opt.step()
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
    assert lrs[0] == pytest.approx(1.0 / 25) and max(lrs) == pytest.approx(1.0) and np.argmax(lrs) == 2
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert momenta[0] == 0.95 and min(momenta) == pytest.approx(0.85) and np.argmin(momenta) == 2
    sched.step()                                            # step 10 of 10 is still allowed
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total steps is 10"):
        sched.step()


def test_onecycle_moves_adams_beta1():
    opt = Adam([mg.nn.Parameter(np.zeros(1))])
    S.OneCycleLR(opt, max_lr=0.01, epochs=2, steps_per_epoch=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)


def test_reduce_on_plateau_waits_for_patience_then_cools_down_and_floors():
    opt = sgd(1.0)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    seen = []
    for _ in range(10):
        sched.step(mg.tensor(1.0))                         # a loss tensor works, as in PyTorch
        seen.append(sched.get_last_lr()[0])
    # epoch 1 sets the best; 2 bad epochs (> patience) cut the rate; the cooldown epoch after
    # a cut does not count; the floor min_lr stops the last cut at 0.2 instead of 0.125
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2]
    improving = S.ReduceLROnPlateau(sgd(1.0), patience=0)
    for metric in [3.0, 2.0, 1.0]:
        improving.step(metric)
    assert improving.get_last_lr() == [1.0]


def test_lambda_state_dict_stores_none_for_functions_and_attributes_of_objects():
    class Warmup:
        def __init__(self):
            self.steps = 4

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.steps)

    fn = Warmup()
    sched = S.LambdaLR(SGD([{"params": [mg.nn.Parameter(np.zeros(1))]},
                            {"params": [mg.nn.Parameter(np.zeros(1))]}], lr=1.0), [lambda e: 1.0, fn])
    assert sched.state_dict()["lr_lambdas"] == [None, {"steps": 4}]
    saved = sched.state_dict()
    saved["lr_lambdas"][1]["steps"] = 8
    sched.load_state_dict(saved)
    assert fn.steps == 8


@pytest.mark.parametrize("make, error, message", [
    (lambda: S.StepLR("opt", 2), TypeError, "str is not an Optimizer"),
    (lambda: S.StepLR(sgd(), 2).step(3), TypeError, "takes no epoch"),
    (lambda: S.StepLR(sgd(), 2, last_epoch=3), KeyError, "param 'initial_lr' is not specified"),
    (lambda: S.OneCycleLR(Adagrad([mg.nn.Parameter(np.zeros(1))]), 0.1, total_steps=5), ValueError,
     "optimizer must support momentum or beta1"),
    (lambda: S.OneCycleLR(sgd(momentum=0.9), 0.1), ValueError, "You must define either total_steps OR"),
    (lambda: S.OneCycleLR(sgd(momentum=0.9), 0.1, total_steps=5, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear'"),
    (lambda: S.ReduceLROnPlateau(sgd(), factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda: S.ReduceLROnPlateau(sgd(), mode="low"), ValueError, "mode low is unknown!"),
    (lambda: S.LambdaLR(sgd(), [lambda e: 1, lambda e: 1]), ValueError, "Expected 1 lr_lambdas, but got 2"),
])
def test_mistakes_are_reported_in_pytorchs_words(make, error, message):
    with pytest.raises(error, match=message):
        make()
