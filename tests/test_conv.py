"""Convolution (minigrad/ops/conv.py, minigrad/nn/conv.py) three ways: a direct loop-based
reference implementation, finite differences in float64, and PyTorch (tests/fixtures/conv.npz
from make_conv_fixtures.py, and live when torch is installed); then properties and errors."""
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
from minigrad.ops import conv as conv_ops
from minigrad.ops.conv import ConvNd
from parity import assert_error

_spec = importlib.util.spec_from_file_location(
    "make_conv_fixtures", pathlib.Path(__file__).parent / "fixtures" / "make_conv_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)
CASES, STORE = fixtures.load()
CONV_CASES = [c for c in CASES if c["fn"].startswith("conv")]


# ------------------------------------------------------------------ the loop reference
def reference_conv(x, w, b, stride, pads, dilation, groups):
    """(CV.1)-(CV.3) and their gradients, one output position at a time: y, and a function
    g -> (dx, dw, db) that sends g[n, f, o] back to each input the position read."""
    d = x.ndim - 2
    xp = np.zeros(x.shape[:2] + tuple(lo + n + hi for n, (lo, hi) in zip(x.shape[2:], pads)))
    xp[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], pads))] = x
    f_total, cg, kernel = w.shape[0], w.shape[1], w.shape[2:]
    out = [(p - r * (k - 1) - 1) // s + 1 for p, k, s, r in zip(xp.shape[2:], kernel, stride, dilation)]

    def window(n, f, o):
        g = f // (f_total // groups)
        return (n, slice(g * cg, (g + 1) * cg)) + tuple(
            slice(s * oj, s * oj + r * (k - 1) + 1, r) for oj, k, s, r in zip(o, kernel, stride, dilation))

    positions = list(itertools.product(range(x.shape[0]), range(f_total), itertools.product(*map(range, out))))
    y = np.zeros((x.shape[0], f_total, *out))
    for n, f, o in positions:
        y[(n, f) + o] = (w[f] * xp[window(n, f, o)]).sum() + (b[f] if b is not None else 0.0)

    def backward(g):
        dxp, dw = np.zeros_like(xp), np.zeros_like(w)
        for n, f, o in positions:
            dxp[window(n, f, o)] += w[f] * g[(n, f) + o]
            dw[f] += xp[window(n, f, o)] * g[(n, f) + o]
        crop = (slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], pads))
        return dxp[crop], dw, g.sum(axis=(0, *range(2, g.ndim)))

    return y, backward


# (x shape, weight shape, stride, padding pairs, dilation, groups): 1d, 2d and 3d
GRID = [
    ((2, 3, 9), (4, 3, 3), (1,), ((0, 0),), (1,), 1),
    ((2, 4, 10), (6, 2, 2), (3,), ((1, 2),), (2,), 2),
    ((2, 2, 6, 7), (3, 2, 3, 2), (1, 2), ((1, 1), (0, 1)), (1, 1), 1),
    ((1, 4, 7, 8), (4, 1, 2, 3), (2, 1), ((0, 0), (2, 2)), (2, 1), 4),
    ((2, 6, 6, 6), (4, 3, 3, 3), (3, 2), ((1, 0), (1, 1)), (1, 2), 2),
    ((1, 2, 4, 5, 4), (2, 2, 2, 3, 2), (1, 1, 1), ((0, 0), (1, 1), (0, 1)), (1, 1, 1), 1),
    ((2, 4, 5, 5, 6), (4, 2, 2, 2, 3), (2, 1, 2), ((1, 1), (0, 0), (1, 0)), (1, 2, 1), 2),
]
GRID_IDS = [f"{len(g[0]) - 2}d-s{g[2]}-p{g[3]}-r{g[4]}-g{g[5]}" for g in GRID]


def _grid_arrays(case, seed=0):
    rng = np.random.default_rng(seed)
    x_shape, w_shape = case[0], case[1]
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])


@pytest.fixture(params=["batch last", "batch first"])
def layout(request, monkeypatch):
    """Run the test in both memory layouts of ConvNd (ops/conv.py, Memory layout), whatever
    samples_innermost would pick for the shape: M = N samples innermost, or M = 1."""
    innermost = {"batch last": lambda n, c, f, kernel: n, "batch first": lambda n, c, f, kernel: 1}
    monkeypatch.setattr(conv_ops, "samples_innermost", innermost[request.param])
    return request.param


@pytest.mark.parametrize("case", GRID, ids=GRID_IDS)
def test_forward_and_backward_match_the_loop_reference(case, layout):
    x, w, b = _grid_arrays(case)
    _, _, stride, pads, dilation, groups = case
    expected_y, reference_backward = reference_conv(x, w, b, stride, pads, dilation, groups)
    xt, wt, bt = (minigrad.tensor(a, requires_grad=True) for a in (x, w, b))
    y = ConvNd.apply(xt, wt, bt, stride=stride, padding=pads, dilation=dilation, groups=groups)
    np.testing.assert_allclose(y.detach().numpy(), expected_y, rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(expected_y.shape)
    y.backward(minigrad.tensor(g))
    for t, expected in zip((xt, wt, bt), reference_backward(g)):
        np.testing.assert_allclose(np.asarray(t.grad), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", GRID, ids=GRID_IDS)
def test_gradcheck_float64(case, layout):
    x, w, b = (minigrad.tensor(a, requires_grad=True) for a in _grid_arrays(case, seed=2))
    _, _, stride, pads, dilation, groups = case
    assert minigrad.gradcheck(
        lambda x, w, b: ConvNd.apply(x, w, b, stride=stride, padding=pads, dilation=dilation, groups=groups),
        (x, w, b))


@pytest.mark.parametrize("padding", [0, 2, (1, 0), "same", "valid"])
def test_gradcheck_of_the_module_and_its_padding_forms(padding):
    layer = nn.Conv2d(2, 4, (2, 3), padding=padding, groups=2).double()
    x = minigrad.tensor(np.random.default_rng(3).standard_normal((2, 2, 5, 6)), requires_grad=True)
    assert minigrad.gradcheck(lambda x, w, b: layer(x), (x, layer.weight, layer.bias))


# ------------------------------------------------------------------ PyTorch
def _stored(case, keys):
    return {k: STORE[f"{case['name']}/{k}"] for k in keys if f"{case['name']}/{k}" in STORE}


@pytest.mark.parametrize("case", CONV_CASES, ids=[c["name"] for c in CONV_CASES])
def test_matches_pytorch_fixture(case, layout):
    arrays = _stored(case, ("x", "weight", "bias"))
    expected = _stored(case, ("y", "dx", "dweight", "dbias"))
    assert set(expected) >= {"y", "dx", "dweight"}
    fixtures.assert_same(case, expected, fixtures.run(case, arrays, 0, "minigrad"))


@pytest.mark.parametrize("case", CONV_CASES, ids=[c["name"] for c in CONV_CASES])
def test_matches_pytorch_live(case, layout):
    pytest.importorskip("torch")
    arrays = fixtures.inputs(case, seed=7)
    fixtures.assert_same(case, fixtures.run(case, arrays, 7, "torch"), fixtures.run(case, arrays, 7, "minigrad"))


@pytest.mark.parametrize("c_in, c_out, kernel, expected", [
    (1, 6, (5, 5), "batch last"), (6, 16, (5, 5), "batch last"),          # LeNet conv1, conv2
    (3, 32, (3, 3), "batch first"), (32, 64, (3, 3), "batch last"),       # CIFAR conv1, conv2
    (1, 4, (3,), "batch first"), (4, 4, (3,), "batch last")])
def test_a_layer_runs_batch_first_when_its_output_is_wider_than_its_window(c_in, c_out, kernel, expected):
    # F > C prod K: transposing y and G would cost more than the short rows (Memory layout)
    m = conv_ops.samples_innermost(64, c_in, c_out, kernel)
    assert {64: "batch last", 1: "batch first"}[m] == expected


LAYERS = [("Conv1d", (3, 6, 5), {}), ("Conv1d", (4, 8, 4), dict(padding="same", dilation=2, groups=4)),
          ("Conv2d", (1, 6, 5), {}), ("Conv2d", (6, 16, 5), dict(stride=2, padding=1, bias=False)),
          ("Conv2d", (3, 6, (5, 3)), dict(stride=(2, 1), padding="valid", dilation=(1, 2), groups=3)),
          ("Conv3d", (2, 4, 3), dict(padding=(1, 0, 1)))]


@pytest.mark.parametrize("name, args, kwargs", LAYERS)
def test_module_repr_state_dict_and_output_match_pytorch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, args[0]) + (9,) * int(name[-2])).astype(np.float32)
    np.testing.assert_allclose(ours(minigrad.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_initialisation_is_pytorchs_uniform_with_bound_one_over_sqrt_fan_in():
    layer = nn.Conv2d(6, 16, 5, groups=2)
    fan_in = 3 * 5 * 5
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() > 0.95 * bound                        # uniform up to the bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound      # the std of U(-a, a) is a / sqrt(3)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad


def test_seeded_initialisation_is_deterministic():
    minigrad.manual_seed(5)
    a = nn.Conv1d(3, 4, 3).weight.detach().numpy()
    minigrad.manual_seed(5)
    b = nn.Conv1d(3, 4, 3).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ properties
def test_output_shape_follows_the_formula():
    x = minigrad.randn(2, 3, 17, 12)
    y = F.conv2d(x, minigrad.randn(5, 3, 4, 3), stride=(3, 2), padding=(2, 1), dilation=(2, 1))
    h = (17 + 4 - 2 * 3 - 1) // 3 + 1
    w = (12 + 2 - 1 * 2 - 1) // 2 + 1
    assert y.shape == (2, 5, h, w)


@pytest.mark.parametrize("kernel, dilation", [(4, 1), (3, 2), ((2, 5), (3, 1))])
def test_same_padding_keeps_the_size_even_for_even_kernels(kernel, dilation):
    layer = nn.Conv2d(2, 3, kernel, padding="same", dilation=dilation)
    assert layer(minigrad.randn(1, 2, 7, 8)).shape == (1, 3, 7, 8)


def test_a_shifted_input_gives_a_shifted_output():
    """Translation equivariance: the same filter is applied at every position."""
    x, w = np.random.default_rng(0).standard_normal((1, 2, 9, 10)), np.random.default_rng(1).standard_normal((3, 2, 3, 3))
    y = F.conv2d(minigrad.tensor(x), minigrad.tensor(w)).numpy()
    shifted = F.conv2d(minigrad.tensor(x[..., 1:]), minigrad.tensor(w)).numpy()
    np.testing.assert_allclose(shifted, y[..., 1:], rtol=1e-12, atol=1e-12)


def test_groups_are_separate_convolutions_side_by_side():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((6, 2, 3, 3))
    grouped = F.conv2d(minigrad.tensor(x), minigrad.tensor(w), groups=2).numpy()
    halves = [F.conv2d(minigrad.tensor(x[:, 2 * g:2 * g + 2]), minigrad.tensor(w[3 * g:3 * g + 3])).numpy()
              for g in range(2)]
    np.testing.assert_allclose(grouped, np.concatenate(halves, axis=1), rtol=1e-12, atol=1e-12)


def test_one_sample_without_a_batch_axis():
    layer = nn.Conv2d(3, 4, 3)
    x = minigrad.randn(3, 8, 8)
    np.testing.assert_allclose(layer(x).detach().numpy(), layer(x.reshape(1, 3, 8, 8)).detach().numpy()[0])


def test_float32_in_float32_out_and_gradients():
    layer = nn.Conv2d(1, 2, 3)
    x = minigrad.randn(2, 1, 6, 6, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and np.asarray(x.grad).dtype == np.float32
    assert np.asarray(layer.weight.grad).dtype == np.float32


def test_the_window_view_copies_nothing():
    from minigrad.ops.conv import window_view
    xp = np.arange(3 * 8 * 8 * 2, dtype=np.float64).reshape(3, 8, 8, 2)     # (C, *P, N)
    X = window_view(xp, (3, 2), (2, 1), (1, 3))
    assert np.shares_memory(X, xp) and not X.flags.writeable
    # (CV.2) X[n, c, k, o] = xp[n, c, s*o + r*k], stored batch last as X[c, k, o, n]
    assert X.shape == (3, 3, 2, 3, 5, 2)
    assert X[2, 2, 1, 1, 3, 1] == xp[2, 2 * 1 + 1 * 2, 1 * 3 + 3 * 1, 1]


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    x = minigrad.ones(8, 16, 5, 5)
    y = F.dropout2d(x, p=0.25).numpy()
    per_channel = y.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.75).all(-1))
    assert 0 < (per_channel[..., 0] == 0).mean() < 0.5
    assert nn.Dropout3d(0.5).eval()(x.reshape(8, 16, 1, 5, 5)) is not None
    np.testing.assert_array_equal(nn.Dropout2d(0.5).eval()(x).numpy(), x.numpy())


def test_dropout3d_zeroes_whole_channels_of_video():
    x = minigrad.ones(4, 6, 3, 4, 4, requires_grad=True)
    y = nn.Dropout3d(0.5)(x)
    y.sum().backward()
    kept = y.detach().numpy().reshape(4, 6, -1)
    assert np.all((kept == 0).all(-1) | (kept == 2).all(-1))
    np.testing.assert_array_equal(np.asarray(x.grad), y.detach().numpy())     # (D.2)


def test_flatten_is_torch_flatten():
    x = minigrad.randn(2, 3, 4, 5)
    assert minigrad.flatten(x).shape == (120,)
    assert minigrad.flatten(x, 1).shape == (2, 60)
    assert minigrad.flatten(x, 1, 2).shape == (2, 12, 5)


# ------------------------------------------------------------------ errors
ERRORS = [
    (lambda: nn.Conv2d(3, 6, 5)(minigrad.randn(2, 4, 28, 28)), RuntimeError,
     "Given groups=1, weight of size [6, 3, 5, 5], expected input[2, 4, 28, 28] to have 3 channels, "
     "but got 4 channels instead", "Conv2d(4, 6, ...)"),
    (lambda: nn.Conv2d(3, 6, 5)(minigrad.randn(2, 3, 4, 4)), RuntimeError,
     "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be "
     "greater than actual input size", "smaller kernel_size"),
    (lambda: nn.Conv2d(3, 6, 5)(minigrad.randn(2, 3, 4, 4, 4)), RuntimeError,
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3, 4, 4, 4]",
     "use conv3d / Conv3d"),
    (lambda: nn.Conv2d(3, 6, 5, groups=2), ValueError, "in_channels must be divisible by groups", "divisors"),
    (lambda: nn.Conv2d(4, 6, 5, groups=4), ValueError, "out_channels must be divisible by groups", "multiple"),
    (lambda: nn.Conv2d(4, 8, 5, groups=0), ValueError, "groups must be a positive integer", ""),
    (lambda: nn.Conv2d(3, 6, 5, padding="same", stride=2), ValueError,
     "padding='same' is not supported for strided convolutions", "stride=1"),
    (lambda: nn.Conv2d(3, 6, 5, padding="full"), ValueError,
     "Invalid padding string 'full', should be one of {'valid', 'same'}", ""),
    (lambda: nn.Conv2d(3, 6, 5, padding_mode="mirror"), ValueError,
     "padding_mode must be one of {'circular', 'zeros', 'reflect', 'replicate'}, but got padding_mode='mirror'", ""),
    (lambda: nn.Conv2d(3, 6, 5, padding_mode="reflect"), NotImplementedError,
     "padding_mode='reflect' is not implemented in minigrad", "padding=0"),
    (lambda: F.conv2d(minigrad.randn(2, 4, 8, 8), minigrad.randn(5, 2, 3, 3), groups=2), RuntimeError,
     "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size "
     "[[5, 2, 3, 3]] instead", "multiple of groups"),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8), minigrad.randn(6, 3, 3, 3), minigrad.randn(5)), RuntimeError,
     "Given weight of size [6, 3, 3, 3], expected bias to be 1-dimensional with 6 elements, but got "
     "bias of size [5] instead", ""),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8, dtype=np.float64), minigrad.randn(6, 3, 3, 3)), RuntimeError,
     "expected scalar type Double but found Float", "x.float()"),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8), minigrad.randn(6, 3, 3, 3), stride=0), RuntimeError,
     "non-positive stride is not supported", "1 or more"),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8), minigrad.randn(6, 3, 3, 3), padding=-1), RuntimeError,
     "negative padding is not supported", "0 or more"),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8), minigrad.randn(6, 3, 3, 3), dilation=0), RuntimeError,
     "non-positive dilation is not supported", ""),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8), minigrad.randn(6, 3, 3, 3), stride=(1, 1, 1)), RuntimeError,
     "expected stride to be a single integer value or a list of 2 values to match the convolution "
     "dimensions, but got stride=[1, 1, 1]", "one int"),
    (lambda: F.conv2d(minigrad.randn(2, 3, 8, 8), minigrad.randn(6, 3, 3, 3), padding="same", stride=2),
     RuntimeError, "padding='same' is not supported for strided convolutions", ""),
]


@pytest.mark.parametrize("make, kind, message, fix", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors_say_what_pytorch_says_then_what_to_change(make, kind, message, fix):
    assert_error(make, kind, message, fix)


@pytest.mark.parametrize("make, kind, message, fix", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_pytorch_raises_the_same_error(make, kind, message, fix):
    """The same call in PyTorch raises the same type and words (a set's order aside: PyTorch
    prints a Python set). PyTorch implements the other padding modes, so that case is ours only."""
    torch = pytest.importorskip("torch")
    if kind is NotImplementedError:
        pytest.skip("PyTorch implements padding_mode='reflect'")
    import warnings

    source = make.__code__
    namespace = {"minigrad": torch, "nn": torch.nn, "F": torch.nn.functional,
                 "np": type("np", (), {"float64": torch.float64})}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(kind) as info:
            eval(source, namespace)
    assert str(info.value).startswith(message.split(": ")[0].split("{")[0])


def test_every_equation_label_is_listed_once_in_order_and_tags_a_line_of_code():
    listed = re.findall(r"^\s+\((CV\.\d+)\)", conv_ops.__doc__, re.MULTILINE)
    assert listed == [f"CV.{i}" for i in range(1, 8 + 1)]
    code = inspect.getsource(conv_ops).split('"""', 2)[2]
    assert set(re.findall(r"\((CV\.\d+)", code)) == set(listed)
