"""BatchNorm: finite differences, the two backwards, properties, errors and the module API.

Equation labels (BN.k) refer to the docstring of minigrad/ops/batchnorm.py (tests/test_labels.py
checks that each is defined once and tags the line that computes it).
Parity with PyTorch is in test_batchnorm_parity.py.
"""
import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import GradcheckError, Tensor, gradcheck
from minigrad.ops.batchnorm import BatchNorm, BatchNormStaged

# (module, input shape): every accepted input rank, 3 channels
LAYERS = [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (4, 3, 2)),
          (nn.BatchNorm2d, (3, 3, 2, 2)), (nn.BatchNorm3d, (2, 3, 2, 2, 2))]
LAYER_IDS = ["1d-2D", "1d-3D", "2d-4D", "3d-5D"]


def channel_data(shape, rng, dtype=np.float64):
    """Data whose channels (axis 1) have different offsets and spreads."""
    per_channel = (1, shape[1]) + (1,) * (len(shape) - 2)
    offset = rng.uniform(-3, 3, shape[1]).reshape(per_channel)
    spread = rng.uniform(0.5, 3, shape[1]).reshape(per_channel)
    return (rng.standard_normal(shape) * spread + offset).astype(dtype)


def make_layer(cls, rng, affine=True, track=True, channels=3):
    """A float64 layer with random weight, bias and running statistics (where it has them)."""
    layer = cls(channels, affine=affine, track_running_stats=track, dtype=np.float64)
    if affine:
        layer.weight._data[...] = 1 + 0.5 * rng.standard_normal(channels)
        layer.bias._data[...] = rng.standard_normal(channels)
    if track:
        layer.running_mean._data[...] = rng.standard_normal(channels)
        layer.running_var._data[...] = rng.uniform(0.5, 2, channels)
    return layer


def reduced_axes(ndim):
    return (0,) + tuple(range(2, ndim))


# ------------------------------------------------------------------ finite differences
@pytest.mark.parametrize("cls, shape", LAYERS, ids=LAYER_IDS)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
def test_gradcheck_modules(cls, shape, training, affine):
    rng = np.random.default_rng(0)
    layer = make_layer(cls, rng, affine=affine).train(training)
    x = Tensor(channel_data(shape, rng), requires_grad=True)
    params = list(layer.parameters())
    names = ["x", "weight", "bias"][:1 + len(params)]
    assert gradcheck(lambda x, *_: layer(x), (x, *params), names=names)


@pytest.mark.parametrize("cls, shape", LAYERS[:1] + LAYERS[2:3], ids=["1d-2D", "2d-4D"])
def test_gradcheck_eval_without_running_stats_uses_batch_statistics(cls, shape):
    rng = np.random.default_rng(1)
    layer = make_layer(cls, rng, track=False).eval()
    x = Tensor(channel_data(shape, rng), requires_grad=True)
    assert gradcheck(lambda x, w, b: layer(x), (x, layer.weight, layer.bias), names=["x", "weight", "bias"])


def test_gradcheck_staged_backward_and_weight_without_bias():
    rng = np.random.default_rng(2)
    x = Tensor(channel_data((5, 3, 2), rng), requires_grad=True)
    w = Tensor(1 + rng.standard_normal(3), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: BatchNormStaged.apply(x, w, b), (x, w, b), names=["x", "weight", "bias"])
    assert gradcheck(lambda x, w: BatchNorm.apply(x, w, None), (x, w), names=["x", "weight"])


# ------------------------------------------------------------------ gradcheck catches broken backwards
def dx_terms(ctx, grad):
    """The three terms of (BN.11), dx = k*g - k*dbias/n - k*x_hat*dweight/n with k = weight*inv_std,
    and the parameter gradients (BN.9), (BN.10)."""
    x_hat, inv_std, weight = ctx.saved_tensors
    g = grad.reshape(x_hat.shape)
    n = x_hat.shape[0] * x_hat.shape[2]
    k = (weight * inv_std)[:, None]
    dbias, dweight = g.sum(axis=(0, 2)), (g * x_hat).sum(axis=(0, 2))
    terms = {"x_hat": k * g,                                    # through x_hat alone: (BN.8), 1st term
             "mean": -k * dbias[:, None] / n,                   # through the mean:   (BN.8), 3rd term
             "variance": -k * x_hat * dweight[:, None] / n}     # through the variance: (BN.8), 2nd term
    return terms, dweight, dbias, ctx.shape


def backward_without(dropped):
    """A test-only BatchNorm whose backward leaves out one term of dx (or none)."""

    class Broken(BatchNorm):
        @staticmethod
        def backward(ctx, grad):
            terms, dweight, dbias, shape = dx_terms(ctx, grad)
            dx = sum(v for name, v in terms.items() if name != dropped)
            return dx.reshape(shape), dweight, dbias

    return Broken


def bn_inputs(shape=(6, 3), seed=3):
    rng = np.random.default_rng(seed)
    x = Tensor(channel_data(shape, rng), requires_grad=True)
    w = Tensor(1 + 0.5 * rng.standard_normal(shape[1]), requires_grad=True)
    b = Tensor(rng.standard_normal(shape[1]), requires_grad=True)
    return x, w, b


def test_the_three_terms_of_dx_pass_gradcheck_together():
    fn = backward_without(None)
    assert gradcheck(lambda x, w, b: fn.apply(x, w, b), bn_inputs(), names=["x", "weight", "bias"])


@pytest.mark.parametrize("dropped", ["x_hat", "mean", "variance"])
def test_gradcheck_fails_usefully_without_a_term_of_dx(dropped):
    fn = backward_without(dropped)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, w, b: fn.apply(x, w, b), bn_inputs(), names=["x", "weight", "bias"])
    message = str(info.value)
    assert re.search(r"Gradient mismatch for x \(shape \(6, 3\)\) at index \(\d, \d\)", message), message
    for part in ("numerical:", "analytical:", "relative error:", "backward"):
        assert part in message, message


# ------------------------------------------------------------------ the two backwards
@pytest.mark.parametrize("shape", [(7, 3), (4, 3, 5), (3, 2, 4, 3), (2, 3, 2, 3, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_closed_form_and_staged_backward_agree(shape, affine):
    rng = np.random.default_rng(4)
    x, g = channel_data(shape, rng), rng.standard_normal(shape)
    weight = 1 + 0.5 * rng.standard_normal(shape[1]) if affine else None
    bias = rng.standard_normal(shape[1]) if affine else None
    results = []
    for fn in (BatchNorm, BatchNormStaged):
        xt = Tensor(x.copy(), requires_grad=True)
        params = [Tensor(p.copy(), requires_grad=True) if p is not None else None for p in (weight, bias)]
        y = fn.apply(xt, *params)
        y.backward(g)
        results.append([y._data, xt.grad] + [p.grad for p in params if p is not None])
    for closed, staged in zip(*results):
        assert np.max(np.abs(closed - staged)) < 1e-12


def test_training_saves_x_hat_and_inv_std_not_x():
    rng = np.random.default_rng(5)
    layer = make_layer(nn.BatchNorm2d, rng)
    x = Tensor(channel_data((3, 3, 2, 2), rng), requires_grad=True)
    y = layer(x)
    x_hat, inv_std, weight = y.grad_fn.saved_tensors
    assert x_hat.size == x._data.size and not np.shares_memory(x_hat, x._data)
    assert inv_std.shape == (3,) and weight is layer.weight._data
    mean, var = x._data.mean(axis=(0, 2, 3)), x._data.var(axis=(0, 2, 3))
    expected = (x._data - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
    np.testing.assert_allclose(x_hat.reshape(3, 3, 2, 2), expected, atol=1e-14)


# ------------------------------------------------------------------ properties
shapes = st.tuples(st.integers(2, 5), st.integers(1, 4), st.lists(st.integers(1, 3), max_size=3))


@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(0, 2**32 - 1))
def test_dx_sums_to_zero_over_the_reduced_axes(shape, seed):
    n, c, spatial = shape
    shape = (n, c, *spatial)
    rng = np.random.default_rng(seed)
    x, w, b = (Tensor(v, requires_grad=True) for v in (
        channel_data(shape, rng), rng.standard_normal(c), rng.standard_normal(c)))
    F.batch_norm(x, None, None, w, b, training=True).backward(rng.standard_normal(shape))
    # (BN.11): sum_i dx_i = k * (dbias - dbias - dweight * sum_i x_hat_i / n) = 0
    dx = np.asarray(x.grad)
    per_channel = dx.sum(axis=reduced_axes(len(shape)))
    scale = np.abs(dx).sum(axis=reduced_axes(len(shape)))
    assert np.all(np.abs(per_channel) <= 1e-12 * (1 + scale))


@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(0, 2**32 - 1), st.floats(0.1, 10), st.floats(-100, 100))
def test_training_output_is_invariant_to_shift_and_scale(shape, seed, a, b):
    n, c, spatial = shape
    shape = (n, c, *spatial)
    rng = np.random.default_rng(seed)
    x = channel_data(shape, rng)
    if np.min(x.var(axis=reduced_axes(len(shape)))) < 1e-3:
        return                                   # (near-)constant channel: eps dominates
    # exactly: BN(a x + b; eps) = BN(x; eps / a^2), because var(a x + b) = a^2 var(x)
    y = F.batch_norm(Tensor(a * x + b), None, None, training=True, eps=1e-5)._data
    y_ref = F.batch_norm(Tensor(x), None, None, training=True, eps=1e-5 / a ** 2)._data
    np.testing.assert_allclose(y, y_ref, atol=1e-9 * (1 + abs(b) / a))


def test_module_output_is_unchanged_by_per_channel_shift_and_scale_within_eps():
    rng = np.random.default_rng(6)
    layer = make_layer(nn.BatchNorm2d, rng)
    x = channel_data((4, 3, 3, 3), rng)
    a = rng.uniform(0.5, 4, 3)[None, :, None, None]            # a positive scale per channel
    b = rng.uniform(-50, 50, 3)[None, :, None, None]
    y, y_moved = layer(Tensor(x))._data, layer(Tensor(a * x + b))._data
    # the only difference is eps against var (>= 0.25 here): a relative effect below ~eps/var
    assert np.max(np.abs(y - y_moved)) < 1e-3
    assert np.max(np.abs(y - y_moved)) > 0, "eps does have an effect"


@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (1, 20)), (nn.BatchNorm1d, (1, 20, 1)),
                                        (nn.BatchNorm2d, (1, 20, 1, 1)), (nn.BatchNorm3d, (1, 20, 1, 1, 1))])
def test_batch_of_one_raises_in_training_only(cls, shape):
    layer = cls(20)
    with pytest.raises(ValueError) as info:
        layer(minigrad.randn(*shape))
    assert str(info.value).startswith(
        f"Expected more than 1 value per channel when training, got input size {shape}: ")
    assert "model.eval()" in str(info.value)
    assert layer.eval()(minigrad.randn(*shape)).shape == shape


def test_one_sample_with_two_positions_is_enough():
    assert nn.BatchNorm1d(20)(minigrad.randn(1, 20, 2)).shape == (1, 20, 2)


def test_float32_channel_with_mean_1000_and_std_001_is_normalised_accurately():
    rng = np.random.default_rng(7)
    x32 = (1000 + 0.01 * rng.standard_normal((256, 2))).astype(np.float32)
    g32 = rng.standard_normal((256, 2)).astype(np.float32)
    x64, g64 = x32.astype(np.float64), g32.astype(np.float64)
    # the data is hard: the one-pass float32 variance E[x^2] - E[x]^2 is far off
    naive = (x32 * x32).mean(axis=0) - x32.mean(axis=0) ** 2
    assert np.all(np.abs(naive - x64.var(axis=0)) > 0.5 * x64.var(axis=0))

    layer = nn.BatchNorm1d(2)
    x = Tensor(x32, requires_grad=True)
    y = layer(x)
    y.backward(g32)
    x_hat = (x64 - x64.mean(axis=0)) / np.sqrt(x64.var(axis=0) + 1e-5)
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert np.max(np.abs(y._data - x_hat)) < 1e-5
    inv_std = 1 / np.sqrt(x64.var(axis=0) + 1e-5)
    dx = inv_std * (g64 - g64.mean(axis=0) - x_hat * (g64 * x_hat).mean(axis=0))      # (BN.11)
    assert np.max(np.abs(x.grad - dx)) < 1e-5 * np.max(np.abs(dx))
    np.testing.assert_allclose(layer.running_mean._data, 0.1 * x64.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(layer.running_var._data, 0.9 + 0.1 * x64.var(axis=0, ddof=1), rtol=1e-6)


# ------------------------------------------------------------------ running statistics
def train_steps(layer, batches):
    for x in batches:
        layer(Tensor(x))
    return layer


def test_momentum_is_the_weight_of_the_new_batch():
    x = channel_data((8, 3, 4), np.random.default_rng(8))
    layer = train_steps(nn.BatchNorm1d(3, dtype=np.float64), [x])
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2), ddof=1)        # unbiased: n = 8 * 4 = 32
    np.testing.assert_allclose(layer.running_mean._data, 0.9 * 0 + 0.1 * mean, rtol=1e-14)   # (BN.12)
    np.testing.assert_allclose(layer.running_var._data, 0.9 * 1 + 0.1 * var, rtol=1e-14)     # (BN.13)
    assert layer.num_batches_tracked._data == 1


def test_momentum_none_is_the_cumulative_average():
    rng = np.random.default_rng(9)
    batches = [channel_data((5, 3), rng) for _ in range(4)]
    layer = train_steps(nn.BatchNorm1d(3, momentum=None, dtype=np.float64), batches)
    np.testing.assert_allclose(layer.running_mean._data, np.mean([b.mean(axis=0) for b in batches], axis=0))
    np.testing.assert_allclose(layer.running_var._data, np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0))
    assert layer.num_batches_tracked._data == 4 and layer.num_batches_tracked.dtype == np.int64


def test_momentum_one_keeps_only_the_last_batch():
    rng = np.random.default_rng(10)
    batches = [channel_data((3, 3, 2, 2), rng) for _ in range(3)]
    layer = train_steps(nn.BatchNorm2d(3, momentum=1.0, dtype=np.float64), batches)
    np.testing.assert_allclose(layer.running_mean._data, batches[-1].mean(axis=(0, 2, 3)), rtol=1e-14)
    np.testing.assert_allclose(layer.running_var._data, batches[-1].var(axis=(0, 2, 3), ddof=1), rtol=1e-14)


def test_eval_uses_the_running_statistics_and_does_not_change_them():
    rng = np.random.default_rng(11)
    layer = make_layer(nn.BatchNorm3d, rng).eval()
    before = layer.state_dict()
    x = channel_data((2, 3, 2, 2, 2), rng)
    y = layer(Tensor(x))._data
    c = (1, 3, 1, 1, 1)
    expected = ((x - before["running_mean"].reshape(c)) / np.sqrt(before["running_var"].reshape(c) + 1e-5)
                * before["weight"].reshape(c) + before["bias"].reshape(c))                    # (BN.14)
    np.testing.assert_allclose(y, expected, atol=1e-13)
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_without_tracking_there_are_no_buffers_and_eval_uses_batch_statistics():
    rng = np.random.default_rng(12)
    layer = make_layer(nn.BatchNorm1d, rng, track=False)
    assert layer.running_mean is None and layer.running_var is None and layer.num_batches_tracked is None
    assert list(layer.state_dict()) == ["weight", "bias"]
    x = Tensor(channel_data((6, 3), rng))
    np.testing.assert_array_equal(layer.train()(x)._data, layer.eval()(x)._data)


def test_training_without_tracking_and_momentum_none():
    layer = nn.BatchNorm1d(3, momentum=None, track_running_stats=False)
    assert layer(minigrad.randn(4, 3)).shape == (4, 3)


def test_functional_updates_the_running_statistics_in_place():
    x = channel_data((6, 3), np.random.default_rng(13))
    running_mean, running_var = minigrad.zeros(3, dtype=np.float64), minigrad.ones(3, dtype=np.float64)
    mean_array = running_mean._data
    F.batch_norm(Tensor(x), running_mean, running_var, training=True, momentum=0.5)
    assert running_mean._data is mean_array
    np.testing.assert_allclose(running_mean._data, 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(running_var._data, 0.5 + 0.5 * x.var(axis=0, ddof=1))


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("cls, shape, message", [
    (nn.BatchNorm1d, (2, 3, 4, 4), "expected 2D or 3D input (got 4D input)"),
    (nn.BatchNorm1d, (3,), "expected 2D or 3D input (got 1D input)"),
    (nn.BatchNorm2d, (2, 3, 4), "expected 4D input (got 3D input)"),
    (nn.BatchNorm2d, (2, 3, 4, 4, 4), "expected 4D input (got 5D input)"),
    (nn.BatchNorm3d, (2, 3, 4, 4), "expected 5D input (got 4D input)"),
])
def test_wrong_rank(cls, shape, message):
    with pytest.raises(ValueError) as info:
        cls(3)(minigrad.randn(*shape))
    assert str(info.value).startswith(message + "; ")
    assert "BatchNorm" in str(info.value).removeprefix(message)


def test_wrong_num_features_says_what_was_expected():
    with pytest.raises(RuntimeError) as info:
        nn.BatchNorm1d(3)(minigrad.randn(5, 4))
    assert str(info.value) == ("running_mean should contain 4 elements not 3: BatchNorm1d(3) expects "
                               "input with C == num_features == 3 on axis 1, got input size (5, 4)")
    with pytest.raises(RuntimeError, match="^weight should contain 4 elements not 3: BatchNorm2d"):
        nn.BatchNorm2d(3, track_running_stats=False)(minigrad.randn(5, 4, 2, 2))
    # PyTorch, too, has nothing to check without weight and running statistics
    assert nn.BatchNorm1d(3, affine=False, track_running_stats=False)(minigrad.randn(5, 4)).shape == (5, 4)


def test_eps_must_be_positive_in_training_and_non_negative_in_eval():
    with pytest.raises(ValueError, match=r"^batch_norm eps must be positive during training, but got 0$"):
        nn.BatchNorm1d(3, eps=0)(minigrad.randn(5, 3))
    with pytest.raises(ValueError, match=r"^batch_norm eps must be non-negative, but got -1$"):
        nn.BatchNorm1d(3, eps=-1).eval()(minigrad.randn(5, 3))
    assert nn.BatchNorm1d(3, eps=0).eval()(minigrad.randn(5, 3)).shape == (5, 3)


def test_integer_input_asks_for_a_float_cast():
    with pytest.raises(NotImplementedError) as info:           # PyTorch's type, a RuntimeError
        nn.BatchNorm1d(3)(minigrad.ones(5, 3, dtype=minigrad.int64))
    assert isinstance(info.value, RuntimeError)
    assert str(info.value).startswith("\"batch_norm\" not implemented for 'Long'")
    assert "x.float()" in str(info.value)


def test_mixed_dtypes_are_refused():
    with pytest.raises(RuntimeError, match=r"^mixed dtype \(CPU\): all inputs must share same datatype\."):
        nn.BatchNorm1d(3)(minigrad.randn(5, 3, dtype=minigrad.float64))
    assert nn.BatchNorm1d(3).double()(minigrad.randn(5, 3, dtype=minigrad.float64)).dtype == np.float64


def test_functional_argument_errors():
    x = minigrad.randn(5, 3)
    with pytest.raises(RuntimeError, match="^running_mean must be defined in evaluation mode$"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match="^running_mean and running_var must either both be None or neither"):
        F.batch_norm(x, minigrad.zeros(3), None, training=True)
    with pytest.raises(TypeError, match="^batch_norm\\(\\): argument 'momentum' must be float, not NoneType"):
        F.batch_norm(x, minigrad.zeros(3), minigrad.ones(3), training=True, momentum=None)
    with pytest.raises(RuntimeError, match="^bias should contain 3 elements not 2$"):
        F.batch_norm(x, None, None, minigrad.ones(3), minigrad.zeros(2), training=True)


# ------------------------------------------------------------------ module API
def test_parameters_buffers_and_state_dict_keys():
    layer = nn.BatchNorm2d(4)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(layer.weight._data, np.ones(4, np.float32))
    np.testing.assert_array_equal(layer.bias._data, np.zeros(4, np.float32))
    np.testing.assert_array_equal(layer.running_mean._data, np.zeros(4, np.float32))
    np.testing.assert_array_equal(layer.running_var._data, np.ones(4, np.float32))
    tracked = layer.state_dict()["num_batches_tracked"]
    assert tracked.shape == () and tracked.dtype == np.int64 and tracked == 0
    assert list(nn.BatchNorm1d(4, affine=False).state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    net = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4))
    assert [k for k in net.state_dict() if k.startswith("1.")] == [
        "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]


def test_state_dict_round_trip_and_double():
    rng = np.random.default_rng(14)
    source = train_steps(nn.BatchNorm1d(3), [channel_data((4, 3), rng, np.float32) for _ in range(2)])
    target = nn.BatchNorm1d(3)
    target.load_state_dict(source.state_dict())
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key], value)
    target.double()
    assert target.running_var.dtype == np.float64 and target.num_batches_tracked.dtype == np.int64


def test_reset_running_stats_and_parameters():
    rng = np.random.default_rng(15)
    layer = train_steps(make_layer(nn.BatchNorm1d, rng), [channel_data((4, 3), rng)])
    layer.reset_running_stats()
    assert np.all(layer.running_mean._data == 0) and np.all(layer.running_var._data == 1)
    assert layer.num_batches_tracked._data == 0 and np.any(layer.weight._data != 1)
    layer.reset_parameters()
    assert np.all(layer.weight._data == 1) and np.all(layer.bias._data == 0)


def test_repr_like_pytorch():
    assert repr(nn.BatchNorm1d(20)) == (
        "BatchNorm1d(20, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)")
    assert repr(nn.BatchNorm3d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False)) == (
        "BatchNorm3d(4, eps=0.001, momentum=None, affine=False, bias=False, track_running_stats=False)")


def test_bias_false_learns_only_a_weight():
    layer = nn.BatchNorm1d(3, bias=False)
    assert layer.bias is None and list(layer.state_dict())[:1] == ["weight"]
    x = minigrad.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    assert layer.weight.grad.shape == (3,) and x.grad.shape == (4, 3)


def test_command_line_gradcheck_lists_batchnorm_in_train_and_eval():
    from minigrad.__main__ import CASES, run_gradchecks
    rows = [case for case in CASES if case[0].startswith("BatchNorm")]
    assert sorted(name for name, _ in rows) == sorted(
        f"BatchNorm{d}d ({mode})" for d in (1, 2, 3) for mode in ("train", "eval"))
    out = io.StringIO()
    assert run_gradchecks(rows, out=out), out.getvalue()
