"""What the PyTorch parity tests share: the tolerance, the comparison, the live runs.

Each fixture script in tests/fixtures/ (make_*_fixtures.py) defines layer_cases, layer_inputs
and run_torch_layer; the tests import it, when torch is installed, to run the same cases live.
"""
import importlib.util
import pathlib

import numpy as np
import pytest

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}      # absolute and relative


def assert_same(ours, theirs, dtype, label):
    """The same keys, dtypes and values (to TOLERANCE[dtype]) in two dicts of arrays."""
    assert sorted(ours) == sorted(theirs), label
    for key, expected in theirs.items():
        assert ours[key].dtype == expected.dtype, f"{label}: {key} dtype"
        np.testing.assert_allclose(ours[key], expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype],
                                   err_msg=f"{label}: {key}")


def load_maker(name):
    """The fixture script tests/fixtures/make_<name>_fixtures.py as a module (skips without torch)."""
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location(f"make_{name}_fixtures",
                                                  FIXTURES / f"make_{name}_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_live(maker, run_ours, cases, first_seed):
    """Run every case on fresh inputs (seeds first_seed, first_seed + 1, ...) in both libraries."""
    for seed, case in enumerate(cases, start=first_seed):
        inputs = maker.layer_inputs(case, seed=seed)
        assert_same(run_ours(case, inputs), maker.run_torch_layer(case, inputs), case["dtype"], case["name"])
