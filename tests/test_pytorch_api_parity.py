"""minigrad against PyTorch for the API course code reaches for (issue 12, part B).

One set of cases (tests/fixtures/make_pytorch_api_fixtures.py), two sources of truth: the
golden values in tests/fixtures/pytorch_api.npz, checked without torch, and torch itself,
live, when it is installed. Tolerances as in test_parity_core: 1e-10 in float64, 1e-5 in float32.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import make_pytorch_api_fixtures as cases  # noqa: E402
from test_parity_core import assert_same, _ids, _stored  # noqa: E402


@pytest.fixture(scope="module")
def golden():
    with np.load(cases.FIXTURE) as data:
        return dict(data)


def assert_same_values(actual: dict, expected: dict):
    """Exactly equal values of the same dtype (floats to float32 rounding: histogram edges)."""
    assert sorted(actual) == sorted(expected)
    for key, want in expected.items():
        got = actual[key]
        assert got.dtype == want.dtype, f"{key}: dtype {got.dtype}, PyTorch {want.dtype}"
        assert got.shape == want.shape, key
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)


# ------------------------------------------------------------------- golden values, no torch needed
def test_fixture_file_is_small_and_covers_every_case(golden):
    assert cases.FIXTURE.stat().st_size < 1_000_000
    names = {k.split("/")[1] for k in golden if "/" in k}
    assert names == {case[0] for case in cases.OP_CASES + cases.VALUE_CASES}, \
        "rerun tests/fixtures/make_pytorch_api_fixtures.py"


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, func, specs", cases.OP_CASES, ids=_ids(cases.OP_CASES))
def test_op_matches_golden(golden, name, func, specs, dtype):
    stored = _stored(golden, f"op/{name}/{dtype}/")
    inputs = [stored.pop(f"x{i}") for i in range(len(specs))]
    actual = cases.core.evaluate_op(minigrad, func, inputs, v=stored["v"])
    assert_same(actual, stored, dtype)


@pytest.mark.parametrize("name, func, specs", cases.VALUE_CASES, ids=_ids(cases.VALUE_CASES))
def test_values_match_golden(golden, name, func, specs):
    stored = _stored(golden, f"value/{name}/")
    inputs = [stored.pop(f"x{i}") for i in range(len(specs))]
    assert_same_values(cases.evaluate_values(minigrad, func, inputs), stored)


# ------------------------------------------------------------------- live, when torch is installed
@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return torch


@pytest.mark.parametrize("dtype", cases.DTYPES)
@pytest.mark.parametrize("name, func, specs", cases.OP_CASES, ids=_ids(cases.OP_CASES))
def test_op_matches_torch_live(torch, name, func, specs, dtype):
    inputs = cases.op_inputs(name, specs, dtype)
    expected = cases.core.evaluate_op(torch, func, inputs, name=name)
    assert_same(cases.core.evaluate_op(minigrad, func, inputs, v=expected["v"]), expected, dtype)


@pytest.mark.parametrize("name, func, specs", cases.VALUE_CASES, ids=_ids(cases.VALUE_CASES))
def test_values_match_torch_live(torch, name, func, specs):
    inputs = cases.op_inputs(name, specs, "float32")
    assert_same_values(cases.evaluate_values(minigrad, func, inputs), cases.evaluate_values(torch, func, inputs))


def test_golden_values_are_current(torch, golden):
    """The stored numbers are what this torch computes now (the fixture script is not stale)."""
    for name, func, specs in cases.OP_CASES[::7]:
        stored = _stored(golden, f"op/{name}/float64/")
        inputs = [stored.pop(f"x{i}") for i in range(len(specs))]
        assert_same(cases.core.evaluate_op(torch, func, inputs, name=name), stored, "float64")
