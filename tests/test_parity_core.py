"""minigrad against PyTorch: ops, Linear, losses, SGD and Adam.

Two sources of truth, one set of cases (tests/fixtures/make_core_fixtures.py):
  - golden values in tests/fixtures/core.npz, made with torch and checked without it;
  - live comparisons with torch itself, skipped when torch is not installed.
Tolerances: 1e-10 in float64, 1e-5 in float32 (relative and absolute).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import make_core_fixtures as cases  # noqa: E402

TOL = {"float64": 1e-10, "float32": 1e-5}


@pytest.fixture(scope="module")
def golden():
    with np.load(cases.FIXTURE) as data:
        return dict(data)


def _stored(golden, prefix):
    """The arrays under ``prefix`` as a dict keyed by the rest of their names."""
    return {k[len(prefix):]: v for k, v in golden.items() if k.startswith(prefix)}


def assert_same(actual: dict, expected: dict, dtype: str):
    """Every expected array is matched, in value and dtype, by the array of the same key."""
    assert sorted(actual) == sorted(expected)
    for key, want in expected.items():
        got = actual[key]
        assert got.dtype == want.dtype, f"{key}: dtype {got.dtype}, PyTorch {want.dtype}"
        np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype], err_msg=key)


def _ids(table):
    return [case[0] for case in table]


# ------------------------------------------------------------------- golden values, no torch needed
def test_fixture_file_is_small_and_covers_every_case(golden):
    assert cases.FIXTURE.stat().st_size < 1_000_000
    names = {k.split("/")[1] for k in golden if k.count("/") >= 2}
    tables = cases.OP_CASES + cases.MODULE_CASES + cases.OPTIM_CASES
    assert names == {case[0] for case in tables}, "rerun tests/fixtures/make_core_fixtures.py"


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, func, specs", cases.OP_CASES, ids=_ids(cases.OP_CASES))
def test_op_matches_golden(golden, name, func, specs, dtype):
    stored = _stored(golden, f"op/{name}/{dtype}/")
    inputs = [stored.pop(f"x{i}") for i in range(len(specs))]
    actual = cases.evaluate_op(minigrad, func, inputs, v=stored["v"])
    assert_same(actual, stored, dtype)


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, build, shape", cases.MODULE_CASES, ids=_ids(cases.MODULE_CASES))
def test_module_matches_golden(golden, name, build, shape, dtype):
    stored = _stored(golden, f"module/{name}/{dtype}/")
    state = {k[len("state/"):]: stored.pop(k) for k in list(stored) if k.startswith("state/")}
    x = stored.pop("x")
    actual = cases.evaluate_module(minigrad, build, state, x, v=stored["v"])
    assert_same(actual, stored, dtype)


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, make", cases.OPTIM_CASES, ids=_ids(cases.OPTIM_CASES))
def test_optimizer_matches_golden(golden, name, make, dtype):
    stored = _stored(golden, f"optim/{name}/{dtype}/")
    state = {k[len("state/"):]: stored.pop(k) for k in list(stored) if k.startswith("state/")}
    x, y = stored.pop("x"), stored.pop("y")
    actual = cases.evaluate_optimizer(minigrad, make, state, x, y)
    # the loss is recorded as a Python float (float64) whatever the dtype
    assert_same(actual, stored, dtype)


def test_optimizer_cases_really_differ(golden):
    """Each option changes the trajectory, so a parity test cannot pass by ignoring it."""
    finals = [golden[f"optim/{name}/float64/step/0.weight"][-1] for name, _ in cases.OPTIM_CASES]
    for i in range(len(finals)):
        for j in range(i):
            names = cases.OPTIM_CASES[i][0], cases.OPTIM_CASES[j][0]
            assert not np.allclose(finals[i], finals[j], atol=1e-6), names


# ------------------------------------------------------------------- live, when torch is installed
@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)        # tiny tensors: a thread pool costs ~50x more than it saves
    return torch


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, func, specs", cases.OP_CASES, ids=_ids(cases.OP_CASES))
def test_op_matches_torch_live(torch, name, func, specs, dtype):
    inputs = cases.op_inputs(name, specs, dtype)
    expected = cases.evaluate_op(torch, func, inputs, name=name)
    assert_same(cases.evaluate_op(minigrad, func, inputs, v=expected["v"]), expected, dtype)


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, build, shape", cases.MODULE_CASES, ids=_ids(cases.MODULE_CASES))
def test_module_matches_torch_live(torch, name, build, shape, dtype):
    shapes = cases.module_shapes(minigrad, build)
    assert shapes == cases.module_shapes(torch, build)          # same state_dict keys and shapes
    state = cases.seeded_state(name, shapes, dtype)
    x = cases.rng_for(name + "/x").standard_normal(shape).astype(dtype)
    expected = cases.evaluate_module(torch, build, state, x, name=name)
    assert_same(cases.evaluate_module(minigrad, build, state, x, v=expected["v"]), expected, dtype)


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, make", cases.OPTIM_CASES, ids=_ids(cases.OPTIM_CASES))
def test_optimizer_matches_torch_live(torch, name, make, dtype):
    x, y = cases.classifier_data(dtype)
    state = cases.seeded_state("classifier", cases.module_shapes(minigrad, cases._classifier), dtype)
    expected = cases.evaluate_optimizer(torch, make, state, x, y, steps=20)
    assert_same(cases.evaluate_optimizer(minigrad, make, state, x, y, steps=20), expected, dtype)


def test_golden_values_are_current(torch, golden):
    """The stored numbers are what this torch computes now (the fixture script is not stale)."""
    for name, func, specs in cases.OP_CASES[:10]:
        stored = _stored(golden, f"op/{name}/float64/")
        inputs = [stored.pop(f"x{i}") for i in range(len(specs))]
        assert_same(cases.evaluate_op(torch, func, inputs, name=name), stored, "float64")


def test_linear_default_init_matches_torch_statistics(torch):
    """Same distribution as torch's default (the generators differ, so compare moments)."""
    ours = minigrad.nn.Linear(400, 300)
    theirs = torch.nn.Linear(400, 300)
    for mine, ref in ((ours.weight._data, theirs.weight.detach().numpy()),
                      (ours.bias._data, theirs.bias.detach().numpy())):
        assert mine.dtype == ref.dtype == np.float32
        bound = 1 / np.sqrt(400)
        assert np.abs(mine).max() <= bound and np.abs(ref).max() <= bound
        # U(-b, b): std b / sqrt(3); the two samples' std agree to a few percent
        assert abs(mine.std() - ref.std()) < 0.1 * bound / np.sqrt(3)
