"""What the PyTorch parity tests share: the tolerance, the comparison, the live runs.

Each fixture script in tests/fixtures/ (make_*_fixtures.py) defines layer_cases, layer_inputs
and run_torch_layer; the tests import it, when torch is installed, to run the same cases live.
"""
import importlib.util
import pathlib
import warnings

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


def assert_error(make, kind, message, fix):
    """make() raises ``kind`` with PyTorch's ``message`` first, then ``fix`` (what to change)."""
    with pytest.raises(kind) as info:
        make()
    assert str(info.value).startswith(message)
    assert fix in str(info.value)


def raised(thunk):
    """The exception thunk() raises (its warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            thunk()
    return info.value


def assert_raises_as_pytorch(mistake, renames=()):
    """mistake(lib) raises the same type in both libraries, and our message starts with PyTorch's
    (a size written (1, 20), not torch.Size([1, 20]); each (PyTorch's words, ours) of
    ``renames`` replaced): ours may add a hint after it. Returns (our message, PyTorch's as
    compared)."""
    import torch
    import torch.nn.functional  # noqa: F401  (torch.nn.functional as an attribute)

    import minigrad
    import minigrad.nn.functional  # noqa: F401
    ours, theirs = raised(lambda: mistake(minigrad)), raised(lambda: mistake(torch))
    assert type(ours) is type(theirs), f"\nours:    {ours!r}\nPyTorch: {theirs!r}"
    expected = str(theirs).replace("torch.Size([", "(").replace("])", ")")
    for their_words, our_words in renames:
        expected = expected.replace(their_words, our_words)
    assert str(ours).startswith(expected), f"\nours:    {ours}\nPyTorch: {theirs}"
    return str(ours), expected


def check_live(maker, run_ours, cases, first_seed):
    """Run every case on fresh inputs (seeds first_seed, first_seed + 1, ...) in both libraries."""
    for seed, case in enumerate(cases, start=first_seed):
        inputs = maker.layer_inputs(case, seed=seed)
        assert_same(run_ours(case, inputs), maker.run_torch_layer(case, inputs), case["dtype"], case["name"])
