"""Pooling (minigrad/ops/pool.py, minigrad/nn/pooling.py): a loop-based reference written
from PyTorch's documented formulas (window positions clipped to the input, not padded),
finite differences in float64, PyTorch (fixtures and live), the tie rule, properties, errors."""
import importlib.util
import inspect
import itertools
import math
import pathlib
import re

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.ops import pool as pool_ops
from parity import assert_error

_spec = importlib.util.spec_from_file_location(
    "make_conv_fixtures", pathlib.Path(__file__).parent / "fixtures" / "make_conv_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)
CASES, STORE = fixtures.load()
POOL_CASES = [c for c in CASES if "pool" in c["fn"]]


# ------------------------------------------------------------------ the loop reference
def _out(n, k, s, p, r, ceil_mode):
    """The output length from PyTorch's documentation of MaxPool2d / AvgPool2d."""
    span = (n + 2 * p - r * (k - 1) - 1) / s
    out = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    if ceil_mode and (out - 1) * s >= n + p:        # the last window must start inside
        out -= 1
    return out


def reference_pool(kind, x, kernel_size, stride, padding, dilation=None, ceil_mode=False,
                   count_include_pad=True, divisor_override=None):
    """y and dx(g), one window at a time: each window is the list of input positions it covers."""
    d, kernel = x.ndim - 2, kernel_size
    dilation = dilation or (1,) * d
    out = [_out(n, k, s, p, r, ceil_mode) for n, k, s, p, r in zip(x.shape[2:], kernel, stride, padding, dilation)]
    windows = {}
    for o in itertools.product(*map(range, out)):
        axes = [[s * oj - p + r * kj for kj in range(k)]
                for oj, k, s, p, r in zip(o, kernel, stride, padding, dilation)]
        inside = [[i for i in axis if 0 <= i < n] for axis, n in zip(axes, x.shape[2:])]
        # PyTorch's average divisor: the window clipped to the padded input, or to the input
        starts = [s * oj - p for oj, s, p in zip(o, stride, padding)]
        with_pad = math.prod(min(a + k, n + p) - a for a, k, n, p in zip(starts, kernel, x.shape[2:], padding))
        windows[o] = (list(itertools.product(*inside)), with_pad)
    y = np.zeros(x.shape[:2] + tuple(out))
    picks = {}
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o, (positions, with_pad) in windows.items():
            values = [x[(n, c) + i] for i in positions]
            if kind == "max":
                best = int(np.argmax(values))                # the first maximum in scan order
                picks[(n, c) + o] = [(positions[best], 1.0)]
                y[(n, c) + o] = values[best]
            else:
                divisor = divisor_override or (with_pad if count_include_pad else len(positions))
                picks[(n, c) + o] = [(i, 1.0 / divisor) for i in positions]
                y[(n, c) + o] = sum(values) / divisor

    return y, lambda g: _send_back(picks, g, x.shape)


def _send_back(picks, g, shape):
    """dx: each output's gradient g[where], times each share, to the input positions it took."""
    dx = np.zeros(shape)
    for where, shares in picks.items():
        for i, share in shares:
            dx[where[:2] + i] += share * g[where]
    return dx


def reference_adaptive(kind, x, output_size):
    """PyTorch's adaptive windows, start = floor(o I / O), end = ceil((o + 1) I / O), one by one."""
    picks, y = {}, np.zeros(x.shape[:2] + tuple(output_size))
    for where in np.ndindex(*y.shape):
        o = where[2:]
        ranges = [range(oj * n // out, -(-(oj + 1) * n // out)) for oj, n, out in zip(o, x.shape[2:], output_size)]
        positions = list(itertools.product(*ranges))
        values = [x[where[:2] + i] for i in positions]
        if kind == "max":
            best = int(np.argmax(values))
            picks[where], y[where] = [(positions[best], 1.0)], values[best]
        else:
            picks[where], y[where] = [(i, 1.0 / len(values)) for i in positions], np.mean(values)

    return y, lambda g: _send_back(picks, g, x.shape)


# (function, x shape, keyword arguments as per-axis tuples)
GRID = [
    ("max_pool1d", (2, 2, 11), dict(kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), ceil_mode=True)),
    ("max_pool2d", (2, 2, 7, 8), dict(kernel_size=(2, 3), stride=(2, 2), padding=(1, 1), dilation=(1, 1))),
    ("max_pool2d", (1, 2, 9, 9), dict(kernel_size=(3, 3), stride=(2, 3), padding=(1, 0), dilation=(2, 1), ceil_mode=True)),
    ("max_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=(2, 2, 3), stride=(1, 2, 2), padding=(1, 0, 1), dilation=(1, 1, 1))),
    ("avg_pool1d", (2, 2, 10), dict(kernel_size=(4,), stride=(3,), padding=(2,), ceil_mode=True)),
    ("avg_pool2d", (2, 2, 7, 9), dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (2, 2, 7, 9), dict(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True)),
    ("avg_pool2d", (1, 2, 6, 6), dict(kernel_size=(3, 3), stride=(1, 2), padding=(0, 0), divisor_override=4)),
    ("avg_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=(2, 3, 2), stride=(2, 1, 2), padding=(1, 1, 0),
                                         count_include_pad=False)),
]
GRID_IDS = [f"{fn}-{i}" for i, (fn, _, _) in enumerate(GRID)]


@pytest.mark.parametrize("fn, shape, kwargs", GRID, ids=GRID_IDS)
def test_forward_and_backward_match_the_loop_reference(fn, shape, kwargs):
    x = np.random.default_rng(0).standard_normal(shape)
    y_ref, backward = reference_pool(fn[:3], x, **kwargs)
    xt = minigrad.tensor(x, requires_grad=True)
    y = getattr(F, fn)(xt, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), y_ref, rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(y_ref.shape)
    y.backward(minigrad.tensor(g))
    np.testing.assert_allclose(np.asarray(xt.grad), backward(g), rtol=1e-12, atol=1e-12)


ADAPTIVE = [("avg", (2, 2, 10), (4,)), ("avg", (2, 2, 10, 7), (3, 4)), ("avg", (1, 2, 5, 6, 7), (2, 4, 3)),
            ("max", (2, 2, 10), (4,)), ("max", (2, 2, 10, 7), (3, 4)), ("max", (1, 2, 5, 6, 7), (2, 4, 3)),
            ("max", (2, 1, 5, 5), (5, 5)), ("avg", (2, 1, 4, 6), (1, 1))]


@pytest.mark.parametrize("kind, shape, output_size", ADAPTIVE)
def test_adaptive_pools_match_the_loop_reference(kind, shape, output_size):
    x = np.random.default_rng(0).standard_normal(shape)
    y_ref, backward = reference_adaptive(kind, x, output_size)
    xt = minigrad.tensor(x, requires_grad=True)
    y = getattr(F, f"adaptive_{kind}_pool{len(shape) - 2}d")(xt, output_size)
    np.testing.assert_allclose(y.detach().numpy(), y_ref, rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(y_ref.shape)
    y.backward(minigrad.tensor(g))
    np.testing.assert_allclose(np.asarray(xt.grad), backward(g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn, shape, kwargs", GRID, ids=GRID_IDS)
def test_gradcheck_float64(fn, shape, kwargs):
    # distinct, well-separated values: a max that changes under the finite difference's step
    # would not be differentiable there
    values = np.random.default_rng(2).permutation(math.prod(shape)).reshape(shape) * 0.1
    x = minigrad.tensor(values.astype(np.float64), requires_grad=True)
    assert minigrad.gradcheck(lambda x: getattr(F, fn)(x, **kwargs), (x,))


@pytest.mark.parametrize("kind, shape, output_size", ADAPTIVE)
def test_gradcheck_adaptive_float64(kind, shape, output_size):
    values = np.random.default_rng(2).permutation(math.prod(shape)).reshape(shape) * 0.1
    x = minigrad.tensor(values.astype(np.float64), requires_grad=True)
    fn = getattr(F, f"adaptive_{kind}_pool{len(shape) - 2}d")
    assert minigrad.gradcheck(lambda x: fn(x, output_size), (x,))


# ------------------------------------------------------------------ PyTorch
def _stored(case, keys):
    return {k: STORE[f"{case['name']}/{k}"] for k in keys if f"{case['name']}/{k}" in STORE}


@pytest.mark.parametrize("case", POOL_CASES, ids=[c["name"] for c in POOL_CASES])
def test_matches_pytorch_fixture(case):
    expected = _stored(case, ("y", "dx"))
    assert set(expected) == {"y", "dx"}
    fixtures.assert_same(case, expected, fixtures.run(case, _stored(case, ("x",)), 0, "minigrad"))


@pytest.mark.parametrize("case", POOL_CASES, ids=[c["name"] for c in POOL_CASES])
def test_matches_pytorch_live(case):
    pytest.importorskip("torch")
    arrays = fixtures.inputs(case, seed=7)
    fixtures.assert_same(case, fixtures.run(case, arrays, 7, "torch"), fixtures.run(case, arrays, 7, "minigrad"))


def test_ties_route_the_gradient_to_the_first_maximum():
    """(PL.1) a constant window: the whole gradient goes to its first entry, as in PyTorch."""
    x = minigrad.ones(1, 1, 4, 4, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(np.asarray(x.grad)[0, 0], expected)


MODULES = [("MaxPool1d", (3,), dict(stride=2, padding=1)), ("MaxPool2d", (2,), {}),
           ("MaxPool2d", ((3, 2),), dict(stride=1, padding=1, dilation=2, ceil_mode=True)),
           ("MaxPool3d", (2,), dict(stride=1)), ("AvgPool1d", (3,), dict(stride=2, padding=1)),
           ("AvgPool2d", (2,), {}), ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True,
                                                             count_include_pad=False)),
           ("AvgPool3d", ((2, 1, 2),), {}), ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveAvgPool2d", ((1, 1),), {}),
           ("AdaptiveAvgPool2d", ((None, 2),), {}), ("AdaptiveAvgPool3d", (2,), {}),
           ("AdaptiveMaxPool1d", (3,), {}), ("AdaptiveMaxPool2d", (3,), {}), ("AdaptiveMaxPool3d", ((1, 2, 2),), {})]


@pytest.mark.parametrize("name, args, kwargs", MODULES)
def test_modules_match_pytorch_repr_and_output(name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == []
    d = int(name[-2])
    x = np.random.default_rng(0).standard_normal((2, 3) + (7,) * d).astype(np.float32)
    np.testing.assert_allclose(ours(minigrad.tensor(x)).numpy(), theirs(torch.from_numpy(x)).numpy(),
                               rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ properties
def test_average_pooling_is_a_depthwise_convolution_with_a_constant_kernel():
    x = minigrad.randn(2, 3, 8, 8, dtype=np.float64)
    kernel = minigrad.full((3, 1, 2, 2), 0.25, dtype=np.float64)
    np.testing.assert_allclose(F.avg_pool2d(x, 2).numpy(), F.conv2d(x, kernel, stride=2, groups=3).numpy(),
                               rtol=1e-12)


def test_global_average_pooling_is_the_mean_over_positions():
    x = minigrad.randn(2, 3, 5, 7, dtype=np.float64)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 1).numpy()[..., 0, 0], x.numpy().mean(axis=(2, 3)),
                               rtol=1e-12)


def test_max_pooling_commutes_with_an_increasing_function():
    x = minigrad.randn(2, 3, 6, 6)
    np.testing.assert_allclose(F.max_pool2d(x.exp(), 2).numpy(), F.max_pool2d(x, 2).exp().numpy(), rtol=1e-6)


def test_one_sample_without_a_batch_axis():
    x = minigrad.randn(3, 8, 8)
    np.testing.assert_array_equal(F.max_pool2d(x, 2).numpy(), F.max_pool2d(x.reshape(1, 3, 8, 8), 2).numpy()[0])
    assert F.adaptive_avg_pool1d(minigrad.randn(3, 10), 2).shape == (3, 2)


# ------------------------------------------------------------------ errors
ERRORS = [
    (lambda: F.max_pool2d(minigrad.randn(1, 1, 8, 8), 2, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1",
     "padding <= kernel_size // 2"),
    (lambda: F.max_pool2d(minigrad.randn(1, 1, 2, 2), 3), RuntimeError,
     "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small", "smaller kernel_size"),
    (lambda: F.avg_pool2d(minigrad.randn(1, 1, 2, 2), 3), RuntimeError,
     "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small", "larger input"),
    (lambda: F.max_pool2d(minigrad.randn(1, 1, 8, 8), 2, stride=0), RuntimeError, "stride should not be zero", "None"),
    (lambda: F.max_pool2d(minigrad.randn(8, 8), 2), RuntimeError,
     "max_pool2d(): Expected 3D or 4D (batch mode) tensor, but got [8, 8]", "(N, C, H, W)"),
    (lambda: F.adaptive_avg_pool2d(minigrad.randn(8, 8), 2), RuntimeError,
     "adaptive_avg_pool2d(): Expected 3D or 4D", "one sample without N"),
    (lambda: F.max_pool2d(minigrad.randn(1, 1, 8, 8), 2, return_indices=True), NotImplementedError,
     "max_pool2d(return_indices=True) is not implemented in minigrad", "without return_indices"),
]


@pytest.mark.parametrize("make, kind, message, fix", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors_say_what_pytorch_says_then_what_to_change(make, kind, message, fix):
    assert_error(make, kind, message, fix)


def test_every_equation_label_is_listed_once_in_order_and_tags_a_line_of_code():
    listed = re.findall(r"^\s+\((PL\.\d+)\)", pool_ops.__doc__, re.MULTILINE)
    assert listed == [f"PL.{i}" for i in range(1, 7 + 1)]
    code = inspect.getsource(pool_ops).split('"""', 2)[2]
    assert set(re.findall(r"\((PL\.\d+)", code)) == set(listed)
