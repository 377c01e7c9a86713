"""minigrad's BatchNorm1d/2d/3d against PyTorch.

Golden values: tests/fixtures/batchnorm.npz, made by tests/fixtures/make_batchnorm_fixtures.py
(every input rank x affine on/off x tracking on with momentum 0.1 / None / 1.0, or off x
float64/float32; three training steps, then one eval step). Live: the same cases on fresh data,
on larger shapes, and the error messages, when torch is installed.
Tolerance (absolute and relative): 1e-10 in float64, 1e-5 in float32.
"""
import json

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import Tensor
from parity import FIXTURES, assert_raises_as_pytorch, assert_same, check_live, load_maker

GOLDEN = np.load(FIXTURES / "batchnorm.npz")
CASES = json.loads(str(GOLDEN["cases"]))
INPUTS = ("x", "g", "weight", "bias")
FIELDS = ("y", "dx", "dweight", "dbias", "running_mean", "running_var", "num_batches_tracked")


def run_minigrad_layer(case, inputs):
    """minigrad's results for one case: the same steps as the fixture script's run_torch_layer.

    Every step but the last is a training step; the last is in eval mode.
    """
    layer = getattr(nn, case["module"])(
        case["shape"][1], momentum=case["momentum"], affine=case["affine"],
        track_running_stats=case["track"], dtype=case["dtype"])
    if case["affine"]:
        layer.weight._data[...] = inputs["weight"]
        layer.bias._data[...] = inputs["bias"]
    steps = len(inputs["x"])
    results = {}
    for step, (x, g) in enumerate(zip(inputs["x"], inputs["g"])):
        layer.train(step < steps - 1)
        x = Tensor(x.copy(), requires_grad=True)
        y = layer(x)
        y.backward(g)
        record = dict(y=y._data, dx=x.grad)
        if case["affine"]:
            record.update(dweight=layer.weight.grad, dbias=layer.bias.grad)
            layer.zero_grad()
        if case["track"]:
            record.update(running_mean=layer.running_mean._data, running_var=layer.running_var._data,
                          num_batches_tracked=layer.num_batches_tracked._data)
        for key, value in record.items():
            results.setdefault(key, []).append(np.array(value, copy=True))
    return {key: np.stack(values) for key, values in results.items()}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_pytorch_golden_values(case):
    inputs = {k: GOLDEN[f"{case['name']}/{k}"] for k in INPUTS}
    expected = {k: GOLDEN[f"{case['name']}/{k}"] for k in FIELDS if f"{case['name']}/{k}" in GOLDEN}
    assert_same(run_minigrad_layer(case, inputs), expected, case["dtype"], case["name"])


def test_golden_values_cover_every_rank_mode_momentum_and_dtype():
    assert {len(c["shape"]) for c in CASES} == {2, 3, 4, 5}
    assert {c["module"] for c in CASES} == {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d"}
    assert {(c["affine"], c["track"]) for c in CASES} == {(a, t) for a in (True, False) for t in (True, False)}
    assert {c["momentum"] for c in CASES if c["track"]} == {0.1, None, 1.0}
    assert {c["dtype"] for c in CASES} == {"float64", "float32"}
    full = next(c["name"] for c in CASES if c["affine"] and c["track"])
    assert all(f"{full}/{k}" in GOLDEN for k in FIELDS)
    assert len(GOLDEN[f"{full}/y"]) >= 3, "several training steps, then eval"
    assert (FIXTURES / "batchnorm.npz").stat().st_size < 1 << 20


# ------------------------------------------------------------------ live, with torch installed
@pytest.fixture(scope="module")
def maker():
    return load_maker("batchnorm")


LARGER = [("BatchNorm1d", (32, 16)), ("BatchNorm1d", (8, 5, 12)),
          ("BatchNorm2d", (8, 4, 7, 5)), ("BatchNorm3d", (4, 3, 3, 4, 5))]


@pytest.mark.parametrize("seed, case", list(enumerate(CASES)), ids=[c["name"] for c in CASES])
def test_matches_pytorch_live(maker, seed, case):
    check_live(maker, run_minigrad_layer, [case], 10_000 + seed)     # not the fixtures' data


def test_matches_pytorch_live_on_larger_inputs(maker):
    check_live(maker, run_minigrad_layer, maker.layer_cases(LARGER), 20_000)


def test_repr_and_state_dict_keys_match_pytorch(maker):
    import torch
    configs = [dict(), dict(affine=False), dict(track_running_stats=False), dict(momentum=None, eps=1e-3),
               dict(bias=False), dict(affine=False, track_running_stats=False)]
    for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"):
        for config in configs:
            ours, theirs = getattr(nn, name)(7, **config), getattr(torch.nn, name)(7, **config)
            assert repr(ours) == repr(theirs)
            assert list(ours.state_dict()) == list(theirs.state_dict())
            for key, value in theirs.state_dict().items():
                np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
                assert ours.state_dict()[key].dtype == value.numpy().dtype


ERRORS = {
    "4D input to BatchNorm1d": lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 4, 4)),
    "1D input to BatchNorm1d": lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(3)),
    "3D input to BatchNorm2d": lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3, 4)),
    "4D input to BatchNorm3d": lambda lib: lib.nn.BatchNorm3d(3)(lib.randn(2, 3, 4, 4)),
    "batch of one": lambda lib: lib.nn.BatchNorm1d(20)(lib.randn(1, 20)),
    "batch of one, length one": lambda lib: lib.nn.BatchNorm1d(20)(lib.randn(1, 20, 1)),
    "batch of one, 2d": lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(1, 3, 1, 1)),
    "wrong num_features": lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(5, 4)),
    "wrong num_features, eval": lambda lib: lib.nn.BatchNorm2d(3).eval()(lib.randn(5, 4, 2, 2)),
    "wrong num_features, no tracking": lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False)(lib.randn(5, 4)),
    "eps 0 in training": lambda lib: lib.nn.BatchNorm1d(3, eps=0)(lib.randn(5, 3)),
    "eps -1 in eval": lambda lib: lib.nn.BatchNorm1d(3, eps=-1).eval()(lib.randn(5, 3)),
    "integer input": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(5, 3, dtype=lib.int64)),
    "float64 input, float32 layer": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(5, 3, dtype=lib.float64)),
    "functional, eval without statistics": lambda lib: lib.nn.functional.batch_norm(lib.randn(5, 3), None, None),
    "functional, one statistic": lambda lib: lib.nn.functional.batch_norm(
        lib.randn(5, 3), lib.zeros(3), None, training=True),
    "functional, momentum None": lambda lib: lib.nn.functional.batch_norm(
        lib.randn(5, 3), lib.zeros(3), lib.ones(3), training=True, momentum=None),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_have_pytorchs_type_and_text(maker, name):
    assert_raises_as_pytorch(ERRORS[name], renames=[("batch_norm(): argument 'momentum' (position 7)",
                                                     "batch_norm(): argument 'momentum'")])
