"""Numerics: no overflow, no silent NaN, accurate BatchNorm statistics, and anomaly mode.

Tests that must not warn turn every warning into an error (``warnings.simplefilter("error")``);
tests that expect NumPy's warning assert it with ``pytest.warns``. None silences one.
"""
import re
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


DTYPES = [np.float32, np.float64]


# ---- stable softmax family -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_finite_and_exact_for_logits_of_1e4(dtype, no_warnings):
    logits = minigrad.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype),
                             requires_grad=True)
    loss = F.cross_entropy(logits, minigrad.tensor([1, 0]), reduction="none")
    # sample 0: -log softmax = 1e4 - (-1e4) = 2e4;  sample 1: log(2) + 2e4
    np.testing.assert_allclose(loss._data, [2e4, 2e4 + np.log(2)], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(logits.grad).all()
    np.testing.assert_allclose(logits.grad, [[1, -1, 0], [-1, 0.5, 0.5]], atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_and_softmax_are_finite_for_logits_of_1e4(dtype, no_warnings):
    x = minigrad.tensor(np.array([[1e4, -1e4], [-1e4, -1e4]], dtype=dtype), requires_grad=True)
    logp = F.log_softmax(x, dim=1)
    np.testing.assert_allclose(logp._data, [[0, -2e4], [-np.log(2), -np.log(2)]], rtol=1e-6)
    np.testing.assert_allclose(F.softmax(x, dim=1)._data, [[1, 0], [0.5, 0.5]], rtol=1e-6)
    logp.sum().backward()
    assert np.isfinite(x.grad).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_tanh_saturate_without_overflow(dtype, no_warnings):
    x = minigrad.tensor(np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=dtype), requires_grad=True)
    s = x.sigmoid()
    np.testing.assert_allclose(s._data, [0, 0, 0.5, 1, 1], atol=1e-30)
    s.sum().backward()
    np.testing.assert_allclose(x.grad, [0, 0, 0.25, 0, 0], atol=1e-30)
    x.grad = None
    t = x.tanh()
    np.testing.assert_array_equal(t._data, [-1, -1, 0, 1, 1])
    t.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 1, 0, 0])


def test_sigmoid_of_the_largest_float32_values(no_warnings):
    big = np.finfo(np.float32).max
    s = minigrad.tensor(np.array([-big, big], dtype=np.float32)).sigmoid()
    np.testing.assert_array_equal(s._data, [0, 1])


# ---- BatchNorm ---------------------------------------------------------------------------------

def test_batchnorm_of_a_constant_channel_gives_the_bias_and_finite_gradients(no_warnings):
    bn = nn.BatchNorm1d(2)
    bn.bias._data[...] = [0.5, -2.0]
    x = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    x[:, 1] = 3.0                                                   # channel 1 is constant
    x = minigrad.tensor(x, requires_grad=True)
    y = bn(x)
    np.testing.assert_array_equal(y._data[:, 1], np.full(8, -2.0, np.float32))
    (y * minigrad.randn(8, 2)).sum().backward()
    for grad in (x.grad, bn.weight.grad, bn.bias.grad):
        assert np.isfinite(grad).all()
    # sum_i dx_i = 0 (BN.11), to float32 rounding of terms of size 1/sqrt(eps) ~ 316
    dx = x.grad[:, 1]
    assert abs(dx.sum()) <= 1e-6 * np.abs(dx).sum()


def test_batchnorm_float32_statistics_of_mean_1000_std_001_are_accurate(no_warnings):
    rng = np.random.default_rng(0)
    x = (1000 + 0.01 * rng.standard_normal((256, 3))).astype(np.float32)
    x[:, 1] = rng.standard_normal(256)
    x[:, 2] = -5 + 1e-3 * rng.standard_normal(256)
    bn = nn.BatchNorm1d(3)
    y = bn(minigrad.tensor(x))

    # reference: the same float32 numbers, every statistic in float64
    x64 = x.astype(np.float64)
    mean, var = x64.mean(0), x64.var(0)
    expected = (x64 - mean) / np.sqrt(var + 1e-5)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y._data, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean._data, 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.running_var._data, 0.9 + 0.1 * var * 256 / 255, rtol=1e-6)
    # normalised output: mean 0 and the std the eps allows, channel by channel
    np.testing.assert_allclose(y._data.mean(0, dtype=np.float64), 0, atol=1e-5)
    np.testing.assert_allclose(y._data.std(0, dtype=np.float64), np.sqrt(var / (var + 1e-5)), rtol=1e-5)


# ---- anomaly mode ---------------------------------------------------------------------------------

def test_anomaly_mode_names_the_op_whose_forward_made_nan():
    x = minigrad.tensor([1.0, -1.0], requires_grad=True)
    with minigrad.detect_anomaly():
        y = x * 2
        with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
            with pytest.raises(RuntimeError, match=re.escape(
                    "Function 'Log' returned nan values in its forward output: its inputs were "
                    "finite, so this op made them")) as info:
                y.log()
    message = str(info.value)
    assert "test_numerics.py" in message and "y.log()" in message      # the user's line


def test_anomaly_mode_says_when_nan_came_in_with_the_data():
    data = minigrad.tensor([1.0, np.nan])
    with minigrad.detect_anomaly():
        with pytest.raises(RuntimeError, match=re.escape(
                "Function 'Mul' returned nan values in its forward output: its input 0 already "
                "held nan or inf, so it came from outside the graph: check the data")):
            data * 3


def test_anomaly_mode_names_the_op_whose_backward_made_inf():
    x = minigrad.tensor([0.0, 4.0], requires_grad=True)
    with minigrad.detect_anomaly():
        loss = x.sqrt().sum()                       # finite forward; d sqrt(x)/dx is inf at 0
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            with pytest.raises(RuntimeError, match=re.escape(
                    "Function 'PowBackward' returned inf values in its 0th output.")) as info:
                loss.backward()
    assert "loss = x.sqrt().sum()" in str(info.value)


def test_anomaly_mode_in_a_training_step_names_the_layer_op():
    model = nn.Sequential(nn.Linear(3, 2))
    model[0].weight._data[0, 0] = np.inf
    with minigrad.detect_anomaly():
        with pytest.raises(RuntimeError, match="Function 'Linear' returned inf values"):
            F.cross_entropy(model(minigrad.randn(4, 3)), minigrad.tensor([0, 1, 0, 1]))


def test_without_anomaly_mode_nan_propagates_with_numpys_warning_only():
    x = minigrad.tensor([-1.0], requires_grad=True)
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        y = x.log()
    assert np.isnan(y._data).all()


def test_anomaly_mode_switches_off_on_exit_even_after_an_error():
    with pytest.raises(RuntimeError):
        with minigrad.detect_anomaly():
            minigrad.tensor([np.inf]) * 1
    assert (minigrad.tensor([np.inf]) * 1)._data[0] == np.inf        # no error outside


def test_anomaly_mode_passes_a_finite_training_step(no_warnings):
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    x, y = minigrad.randn(16, 4), minigrad.tensor(np.arange(16) % 3)
    with minigrad.detect_anomaly():
        F.cross_entropy(model(x), y).backward()
    assert all(np.isfinite(p.grad).all() for p in model.parameters())
