"""minigrad.optim against torch.optim: AdamW, RMSprop, Adagrad, Adadelta, amsgrad, maximize,
param groups, the schedulers and gradient clipping (cases in tests/fixtures/make_optim_fixtures.py).

Golden values from tests/fixtures/optim.npz are checked without torch; the live tests rerun
every case in torch itself, and check that optimiser and scheduler state_dicts cross over.
Tolerances: 1e-10 in float64, 1e-5 in float32 (relative and absolute).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
from test_parity_core import TOL, _ids, _stored

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import make_optim_fixtures as cases  # noqa: E402


@pytest.fixture(scope="module")
def golden():
    with np.load(cases.FIXTURE) as data:
        return dict(data)


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def assert_same(actual, expected, dtype):
    assert sorted(actual) == sorted(expected)
    for key, want in expected.items():
        np.testing.assert_allclose(actual[key], want, rtol=TOL[dtype], atol=TOL[dtype], err_msg=key)
        if key.startswith(("step/", "grad/")):
            assert actual[key].dtype == want.dtype, key


# ------------------------------------------------------------------- golden values
@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, make", cases.OPTIM_CASES, ids=_ids(cases.OPTIM_CASES))
def test_optimizer_matches_golden(golden, name, make, dtype):
    expected = _stored(golden, f"optim/{name}/{dtype}/")
    assert_same(cases.evaluate_optimizer(minigrad, make, dtype), expected, dtype)


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, make_opt, make_sched", cases.SCHEDULE_CASES, ids=_ids(cases.SCHEDULE_CASES))
def test_schedule_matches_golden(golden, name, make_opt, make_sched, dtype):
    expected = _stored(golden, f"schedule/{name}/{dtype}/")
    actual = cases.evaluate_schedule(minigrad, make_opt, make_sched, dtype)
    np.testing.assert_allclose(actual["lr"], expected["lr"], rtol=1e-13, atol=1e-15)      # Python floats
    np.testing.assert_allclose(actual["momentum"], expected["momentum"], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(actual["loss"], expected["loss"], rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, clip", cases.CLIP_CASES, ids=_ids(cases.CLIP_CASES))
def test_clipping_matches_golden(golden, name, clip, dtype):
    expected = _stored(golden, f"clip/{name}/{dtype}/")
    assert_same(cases.evaluate_clip(minigrad, clip, dtype), expected, dtype)


def test_the_cases_exercise_what_they_name(golden):
    """Schedules really change the rate, clipping really clips, optimisers really differ."""
    lr = {name: golden[f"schedule/{name}/float64/lr"] for name, *_ in cases.SCHEDULE_CASES}
    assert all(len(np.unique(v)) > 2 for v in lr.values())
    assert len(np.unique(golden["schedule/OneCycleLR_sgd/float64/momentum"])) > 3
    plain = [golden[f"optim/{name}/float64/step/0.weight"][-1] for name, _ in cases.OPTIM_CASES]
    assert min(np.abs(a - b).max() for i, a in enumerate(plain) for b in plain[i + 1:]) > 1e-4
    unclipped = golden["clip/norm_not_reached/float64/norm"]
    assert np.all(golden["clip/norm2/float64/norm"][1:] != unclipped[1:])


# ------------------------------------------------------------------- live
@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, make", cases.OPTIM_CASES, ids=_ids(cases.OPTIM_CASES))
def test_optimizer_matches_torch_live(torch, name, make, dtype):
    expected = cases.evaluate_optimizer(torch, make, dtype, steps=25)
    assert_same(cases.evaluate_optimizer(minigrad, make, dtype, steps=25), expected, dtype)


@pytest.mark.parametrize("name, make_opt, make_sched", cases.SCHEDULE_CASES, ids=_ids(cases.SCHEDULE_CASES))
def test_schedule_matches_torch_live(torch, name, make_opt, make_sched):
    expected = cases.evaluate_schedule(torch, make_opt, make_sched, "float64")
    actual = cases.evaluate_schedule(minigrad, make_opt, make_sched, "float64")
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=1e-10, atol=1e-15, err_msg=key)


def test_golden_values_are_current(torch, golden):
    fresh = cases.all_cases(torch)
    for key, value in fresh.items():
        np.testing.assert_allclose(value, golden[key], rtol=1e-12, atol=1e-14, err_msg=key)


TORCH_ONLY_OPTIONS = {"foreach", "fused", "differentiable", "capturable"}   # speed and graph options


def _to_torch(torch, obj):
    """A minigrad state_dict with every Tensor turned into a torch tensor (and back with _to_ours)."""
    if isinstance(obj, dict):
        return {k: _to_torch(torch, v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_torch(torch, v) for v in obj]
    return torch.from_numpy(obj.numpy().copy()) if isinstance(obj, minigrad.Tensor) else obj


def _to_ours(obj, torch):
    if isinstance(obj, dict):
        return {k: _to_ours(v, torch) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_ours(v, torch) for v in obj]
    return minigrad.tensor(obj.numpy()) if isinstance(obj, torch.Tensor) else obj


@pytest.mark.parametrize("name, make", cases.OPTIM_CASES, ids=_ids(cases.OPTIM_CASES))
def test_optimizer_state_dict_has_torchs_layout_and_crosses_over(torch, name, make):
    """Train 4 steps in torch, carry its state_dict into minigrad, train 4 more in each:
    the same parameters. And our own state_dict has torch's keys, buffer by buffer."""
    def four_steps(lib, model, opt, x, y):
        for _ in range(4):
            cases._train_step(lib, model, opt, x, y)
            opt.step()

    t_model, tx, ty = cases._start(torch, "float64")
    t_opt = make(torch, t_model)
    four_steps(torch, t_model, t_opt, tx, ty)
    m_model, mx, my = cases._start(minigrad, "float64")
    m_model.load_state_dict({k: v.numpy() for k, v in t_model.state_dict().items()})
    m_opt = make(minigrad, m_model)
    m_opt.load_state_dict(_to_ours(t_opt.state_dict(), torch))

    ours, theirs = m_opt.state_dict(), t_opt.state_dict()
    assert ours["state"].keys() == theirs["state"].keys()
    for i in theirs["state"]:
        assert list(ours["state"][i]) == list(theirs["state"][i])
        for key, value in theirs["state"][i].items():
            np.testing.assert_array_equal(ours["state"][i][key].numpy(), value.numpy())
    for our_group, their_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert our_group.keys() | TORCH_ONLY_OPTIONS == their_group.keys() | TORCH_ONLY_OPTIONS
        assert our_group["params"] == their_group["params"]

    four_steps(torch, t_model, t_opt, tx, ty)
    four_steps(minigrad, m_model, m_opt, mx, my)
    for key, value in t_model.state_dict().items():
        np.testing.assert_allclose(m_model.state_dict()[key], value.numpy(), rtol=1e-10, atol=1e-12)

    # and the other way: minigrad's state_dict loads into torch
    t_opt2 = make(torch, t_model)
    t_opt2.load_state_dict(_to_torch(torch, m_opt.state_dict()))
    assert t_opt2.state_dict()["state"].keys() == m_opt.state_dict()["state"].keys()


@pytest.mark.parametrize("name, make_opt, make_sched", cases.SCHEDULE_CASES, ids=_ids(cases.SCHEDULE_CASES))
def test_scheduler_state_dict_resumes_like_torch(torch, name, make_opt, make_sched):
    """Step a scheduler 5 times, save, rebuild, load, step on: the same rates as never stopping;
    the saved dict holds torch's public keys."""
    def run(lib, steps_before, steps_after):
        model, x, y = cases._start(lib, "float64")
        opt = make_opt(lib, model)
        sched = make_sched(lib, opt)
        metric = iter(cases.PLATEAU_METRIC)
        for _ in range(steps_before):
            opt.step()
            cases.step_schedule(lib, sched, next(metric))
        saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
        opt = make_opt(lib, model)
        sched = make_sched(lib, opt)
        opt.load_state_dict(saved_opt)
        sched.load_state_dict(saved_sched)
        rates = []
        for _ in range(steps_after):
            opt.step()
            cases.step_schedule(lib, sched, next(metric))
            rates.append(sched.get_last_lr())
        return saved_sched, rates

    their_saved, theirs = run(torch, 5, 6)
    our_saved, ours = run(minigrad, 5, 6)
    _, straight = run(minigrad, 0, 11)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ours, straight[5:], rtol=1e-12)
    public = {k for k in their_saved if not k.startswith("_") or k == "_last_lr"}
    assert public <= set(our_saved)
