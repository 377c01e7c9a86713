"""The BatchNorm variants of Santurkar et al. (2018): minigrad/nn/batchnorm_variants.py.

Labels (NB.k) and (LP.k) refer to that module's docstring.
"""
import math

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import Tensor, gradcheck
from minigrad.nn.batchnorm_variants import LpBatchNorm1d, NoisyBatchNorm1d, lp_batch_norm


def batch(rng, shape=(12, 4), dtype=np.float64):
    """Units with different offsets and spreads."""
    return (rng.standard_normal(shape) * rng.uniform(0.5, 3, shape[1]) +
            rng.uniform(-3, 3, shape[1])).astype(dtype)


def test_noisy_batchnorm_with_zero_noise_is_batchnorm_forward_backward_and_running_stats():
    rng = np.random.default_rng(1)
    x = batch(rng, dtype=np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    plain, noisy = nn.BatchNorm1d(4), NoisyBatchNorm1d(4, n_m=0.0, n_v=1.0, r_m=0.0, r_v=0.0)
    outputs, grads = [], []
    for layer in (plain, noisy):
        layer.weight._data[...] = [0.5, 1.0, 2.0, -1.0]
        xt = Tensor(x, requires_grad=True)
        y = layer(xt)
        (y * Tensor(g)).sum().backward()
        outputs.append(y.detach().numpy())
        grads.append([np.asarray(xt.grad), np.asarray(layer.weight.grad), np.asarray(layer.bias.grad)])
    np.testing.assert_array_equal(outputs[0], outputs[1])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain.running_var.detach().numpy(), noisy.running_var.detach().numpy())


def test_noisy_batchnorm_noise_follows_algorithm_1():
    layer = NoisyBatchNorm1d(50)
    minigrad.manual_seed(3)
    centres = []
    for _ in range(200):
        scale, shift = layer.noise((40, 50), np.float64)                          # (NB.1)-(NB.2)
        assert scale.shape == shift.shape == (40, 50)
        assert np.ptp(shift) <= 2 * layer.r_m and np.ptp(scale) <= 2 * layer.r_v
        centres.append(((shift.max() + shift.min()) / 2, (scale.max() + scale.min()) / 2))
    mu, sigma = np.array(centres).T
    assert -layer.n_m - 0.01 < mu.min() < -0.3 and 0.3 < mu.max() < layer.n_m + 0.01
    assert 1 - 0.01 < sigma.min() < 1.05 and 1.2 < sigma.max() < layer.n_v + 0.01


def test_noisy_batchnorm_applies_the_drawn_noise_in_training_and_none_in_eval():
    rng = np.random.default_rng(2)
    x = Tensor(batch(rng, dtype=np.float32))
    noisy, plain = NoisyBatchNorm1d(4), nn.BatchNorm1d(4)
    minigrad.manual_seed(5)
    y = noisy(x).detach().numpy()
    minigrad.manual_seed(5)
    scale, shift = noisy.noise(y.shape, y.dtype)
    np.testing.assert_allclose(y, scale * plain(x).detach().numpy() + shift, rtol=1e-6, atol=1e-6)  # (NB.3)
    noisy.eval(), plain.eval()
    np.testing.assert_array_equal(noisy(x).detach().numpy(), plain(x).detach().numpy())


def test_noisy_batchnorm_gradcheck():
    rng = np.random.default_rng(3)
    layer = NoisyBatchNorm1d(4, dtype=np.float64)
    x = Tensor(batch(rng), requires_grad=True)

    def f(x, w, b):
        minigrad.manual_seed(7)          # the same noise at every evaluation
        return layer(x)

    assert gradcheck(f, (x, layer.weight, layer.bias))


@pytest.mark.parametrize("p", [1, 2, 3, math.inf], ids=["l1", "l2", "l3", "linf"])
def test_lp_batch_norm_gradcheck(p):
    rng = np.random.default_rng(4)
    x = Tensor(batch(rng), requires_grad=True)
    w = Tensor(rng.uniform(0.5, 2, 4), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w, b: lp_batch_norm(x, p, w, b), (x, w, b))


def test_lp_with_p_2_is_batchnorm_in_training():
    rng = np.random.default_rng(5)
    x = batch(rng)
    lp, bn = LpBatchNorm1d(4, p=2, dtype=np.float64), nn.BatchNorm1d(4, dtype=np.float64)
    np.testing.assert_allclose(lp(Tensor(x)).detach().numpy(), bn(Tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("p", [1, 2, math.inf], ids=["l1", "l2", "linf"])
def test_lp_normalisation_makes_the_p_spread_one_and_is_shift_and_scale_invariant(p):
    rng = np.random.default_rng(6)
    x = batch(rng, (50, 4))
    layer = LpBatchNorm1d(4, p=p, eps=0.0, dtype=np.float64)
    y = layer(Tensor(x)).detach().numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-12)                        # (LP.1)
    spread = np.abs(y).max(0) if math.isinf(p) else (np.abs(y) ** p).mean(0) ** (1 / p)
    np.testing.assert_allclose(spread, 1, rtol=1e-12)                           # (LP.2)
    moved = layer(Tensor(3.5 * x - 7.0)).detach().numpy()
    np.testing.assert_allclose(moved, y, rtol=1e-10, atol=1e-10)


def test_lp_batchnorm_checks_its_input_and_p():
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 4\)"):
        LpBatchNorm1d(4)(Tensor(np.zeros((3, 5), np.float32)))
    with pytest.raises(ValueError, match="p >= 1"):
        LpBatchNorm1d(4, p=0.5)
    assert repr(LpBatchNorm1d(3, p=math.inf)) == "LpBatchNorm1d(3, p=inf, eps=1e-05, affine=True)"
    assert [name for name, _ in LpBatchNorm1d(3).named_parameters()] == ["weight", "bias"]
