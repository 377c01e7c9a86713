"""Batch normalization (Ioffe & Szegedy, 2015, arXiv:1502.03167) as autograd Functions.

Shapes. The input x is (N, C, *): (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W).
Channel c is axis 1 and its statistics reduce every other axis, so each channel has
n = N * prod(*) values x_i. The code views x as (N, C, L), L = prod(*), and reduces axes
(0, 2). weight (gamma in the paper) and bias (beta) have shape (C,); None means 1 and 0.

Equations. Numbered once, here; the code, the tests and lessons 3 and 4 use these labels.
Every sum runs over the n values of one channel; g_i = dL/dy_i is the upstream gradient.

  Forward in training: Algorithm 1 of the paper.
    (BN.1)  mean     = 1/n sum_i x_i                            mini-batch mean
    (BN.2)  var      = 1/n sum_i (x_i - mean)^2                 mini-batch variance (biased)
    (BN.3)  inv_std  = 1 / sqrt(var + eps),
            x_hat_i  = (x_i - mean) * inv_std                   normalize
    (BN.4)  y_i      = weight * x_hat_i + bias                  scale and shift

  Backward, staged: the paper's chain rule (Section 3), one gradient per forward variable.
    (BN.5)  dx_hat_i = g_i * weight
    (BN.6)  dvar     = sum_i dx_hat_i * (x_i - mean) * (-1/2) * (var + eps)^(-3/2)
    (BN.7)  dmean    = sum_i dx_hat_i * (-inv_std)  +  dvar * sum_i -2 (x_i - mean) / n
    (BN.8)  dx_i     = dx_hat_i * inv_std  +  dvar * 2 (x_i - mean) / n  +  dmean / n

  Backward, closed form: (BN.5)-(BN.7) substituted into (BN.8). The second term of (BN.7)
  is zero, because sum_i (x_i - mean) = 0 by (BN.1). With x_i - mean = x_hat_i / inv_std,
  sum_i dx_hat_i = weight * dbias and sum_i dx_hat_i * x_hat_i = weight * dweight:
      dmean / n                 = -inv_std * weight * dbias / n
      dvar * 2 (x_i - mean) / n = -inv_std * weight * x_hat_i * dweight / n
    (BN.9)  dbias    = sum_i g_i
    (BN.10) dweight  = sum_i g_i * x_hat_i
    (BN.11) dx_i     = weight * inv_std * (g_i - (dbias + x_hat_i * dweight) / n)

  Running statistics (PyTorch's convention), updated in place, outside the graph:
    (BN.12) running_mean = (1 - momentum) * running_mean + momentum * mean
    (BN.13) running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)
  momentum is the weight of the NEW batch (PyTorch's default 0.1); running_var takes the
  unbiased variance. PyTorch's momentum=None (a cumulative average) is momentum = 1/k at the
  k-th batch: the module passes that number. (Keras uses momentum = weight of the OLD value.)

  Evaluation: the running statistics are constants, so the layer is affine per channel.
    (BN.14) y_i  = x_i * scale + shift,   scale = weight / sqrt(running_var + eps),
                                          shift = bias - running_mean * scale
    (BN.15) dx_i = g_i * scale,  dweight = sum_i g_i * x_hat_i,  dbias = sum_i g_i,
            with x_hat_i = (x_i - running_mean) / sqrt(running_var + eps)

Precision. A channel with mean 1000 and std 0.01 must be normalised correctly, yet in float32
1000 has only about 4 significant digits below the decimal point, so a float32 sum of the raw
x_i loses the very digits that carry the spread. The mean is therefore found in two passes
(the corrected two-pass algorithm): a first estimate, then the mean of what is left after
subtracting it, which is small and so summed accurately. Every other sum (var, dbias, dweight,
and the staged backward's dvar and dmean) adds centred terms, with no large common offset to
lose digits to, and runs in the input's dtype, as every elementwise pass does, in the closed,
staged and eval paths alike (one helper, :func:`_per_channel_sum`, does them all); the per-channel
results (mean, var, inv_std) are kept in float64. Outputs and gradients have the input's dtype.
On the mean-1000 channel this matches a float64 computation to float32 rounding (~1e-7).
"""
import math

import numpy as np

from ..autograd import Function
from .elementwise import needs_grad

_AXES = (0, 2)      # the reduced axes of the (N, C, L) view: everything except the channel


def _channels(x: np.ndarray) -> np.ndarray:
    """View x (N, C, *) as (N, C, L), L = prod(*) (1 for (N, C) input)."""
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _values_per_channel(x3: np.ndarray) -> int:
    """n of the equations, for the (N, C, L) view. An empty batch (N * L = 0) counts as 1: its
    sums are all 0, so nothing divides 0 by 0, and its output and dx are empty, as PyTorch's."""
    return max(x3.shape[0] * x3.shape[2], 1)                 # the sizes of the axes _AXES


def _per_channel_sum(a: np.ndarray, b: np.ndarray = None) -> np.ndarray:
    """sum_i a_i, or sum_i a_i * b_i, over the n values of each channel (the axes _AXES of
    the (N, C, L) view): (N, C, L) -> (C,), in the input's dtype (see Precision above).

    np.einsum names the axes n, c, l and sums those missing after "->"; with two operands it
    multiplies them on the way, without making the product array. On (N, C, H, W) input it
    is about three times as fast as a.sum(axis=_AXES), and twice as fast as (a * b).sum(...)."""
    return np.einsum("ncl->c", a) if b is None else np.einsum("ncl,ncl->c", a, b)


def _column(v: np.ndarray, dtype) -> np.ndarray:
    """A per-channel vector (C,) as a (C, 1) column of ``dtype``: it broadcasts over (N, C, L)."""
    return v.astype(dtype, copy=False)[:, None]


def _x_hat_in_place(x_mu: np.ndarray, inv_std: np.ndarray) -> np.ndarray:
    """(BN.3) x_hat = (x - mean) * inv_std, written over the array of x - mean, which is
    returned: x - mean is needed only to make x_hat, so the two share one (N, C, L) array."""
    x_mu *= _column(inv_std, x_mu.dtype)
    return x_mu


def _parameter_grads(g: np.ndarray, x_hat: np.ndarray):
    """(dweight, dbias) of y = weight * x_hat + bias, each (C,) in g's dtype: the closed, staged
    and eval backwards all take them from here."""
    dweight = _per_channel_sum(g, x_hat)                                          # (BN.10)
    dbias = _per_channel_sum(g)                                                   # (BN.9)
    return dweight, dbias


class BatchNorm(Function):
    """Training mode: normalise each channel with the batch's own mean and variance.

    forward(x, weight=None, bias=None, *, running_mean=None, running_var=None,
            momentum=0.1, eps=1e-5) -> y
        x:      (N, C, *) float array, N * prod(*) > 1, or 0: an empty batch gives an empty y
                and leaves the running statistics alone, as in PyTorch.
        weight: (C,) or None (1);  bias: (C,) or None (0).
        running_mean, running_var: (C,) arrays updated in place by (BN.12)-(BN.13), or None.
        momentum: a number, the weight of the new batch.  eps: > 0, added to the variance.
        y:      the shape and dtype of x.
    backward(g) -> (dx, dweight, dbias), closed form (BN.9)-(BN.11).
    Saves x_hat (the (N, C, L) view: as many values as x), inv_std (C,) and weight: not x.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, running_mean=None, running_var=None,
                momentum=0.1, eps=1e-5):
        x3 = _channels(x)
        n = _values_per_channel(x3)
        # two passes, so that no digit of the spread is lost (see Precision above)
        estimate = _per_channel_sum(x3) / n                            # (BN.1) first estimate
        x_mu = x3 - _column(estimate, x.dtype)
        correction = _per_channel_sum(x_mu) / n                        # (BN.1) mean of the rest
        x_mu -= _column(correction, x.dtype)                           # x - mean
        mean = estimate.astype(np.float64) + correction                # (BN.1)
        var = _per_channel_sum(x_mu, x_mu).astype(np.float64) / n      # (BN.2)
        inv_std = 1.0 / np.sqrt(var + eps)                             # (BN.3)
        x_hat = _x_hat_in_place(x_mu, inv_std)                         # (BN.3)
        y = x_hat * _column(weight, x.dtype) if weight is not None else x_hat.copy()   # (BN.4)
        if bias is not None:
            y += _column(bias, x.dtype)                                # (BN.4)
        if running_mean is not None and x.size:       # an empty batch leaves them alone (PyTorch)
            # in place, on the caller's arrays; NumPy casts the float64 result on assignment
            running_mean[...] = (1 - momentum) * running_mean + momentum * mean             # (BN.12)
            running_var[...] = (1 - momentum) * running_var + momentum * var * n / (n - 1)  # (BN.13)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.shape, ctx.n = x.shape, n
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        g, n = grad.reshape(x_hat.shape), ctx.n
        # (BN.11) needs both sums, so they are computed even when weight and bias need no gradient
        dweight, dbias = _parameter_grads(g, x_hat)                        # (BN.9)-(BN.10)
        dx = None
        if ctx.needs_input_grad[0]:
            scale = inv_std if weight is None else weight * inv_std
            # the / n is applied to the (C,) vectors, not to a whole (N, C, L) array
            dx = _column(scale, g.dtype) * (
                g - (_column(dbias / n, g.dtype) + x_hat * _column(dweight / n, g.dtype)))   # (BN.11)
            dx = dx.reshape(ctx.shape)
        return dx, dweight, dbias


class BatchNormStaged(BatchNorm):
    """The same forward as :class:`BatchNorm`; the backward follows the paper's chain rule,
    one named gradient per forward variable, (BN.5)-(BN.8).

    It gives the same numbers as the closed form (to ~1e-15 in float64) with more passes over
    the data: use it to read the derivation, and :class:`BatchNorm` to train. Per-channel
    quantities (inv_std, dvar, dmean) are (C,) vectors, broadcast over (N, C, L) as columns.
    """

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        g, n = grad.reshape(x_hat.shape), ctx.n
        dweight, dbias = _parameter_grads(g, x_hat)                                     # (BN.9)-(BN.10)
        if not ctx.needs_input_grad[0]:
            return None, dweight, dbias
        inv_std_c = _column(inv_std, g.dtype)
        x_mu = x_hat / inv_std_c                                # x - mean, from (BN.3): x itself was not saved
        dx_hat = g if weight is None else g * _column(weight, g.dtype)                  # (BN.5)
        dvar = _per_channel_sum(dx_hat, x_mu) * -0.5 * inv_std ** 3                     # (BN.6)
        # (BN.7) The second term is the path mean -> var -> L. Its factor sum_i -2 (x_i - mean)
        # is exactly zero: the mean is the average of the x_i (BN.1), so moving the mean does
        # not change the variance to first order. Computed, it is rounding noise (~1e-16 of
        # sum_i |x_i - mean|); it stays so that this line is the paper's equation. The factors
        # -inv_std and -2 are one number per channel, so they multiply the sums.
        dmean = (_per_channel_sum(dx_hat) * -inv_std
                 + dvar * -2.0 * _per_channel_sum(x_mu) / n)                             # (BN.7)
        dx = (dx_hat * inv_std_c + _column(dvar, g.dtype) * 2.0 * x_mu / n
              + _column(dmean, g.dtype) / n)                                             # (BN.8)
        return dx.reshape(ctx.shape), dweight, dbias


class BatchNormEval(Function):
    """Evaluation mode: normalise with the running statistics, which are constants here.

    forward(x, weight=None, bias=None, *, running_mean, running_var, eps=1e-5) -> y
        x: (N, C, *) float array (any N, even 1);  weight, bias: (C,) or None (1 and 0).
        running_mean, running_var: (C,) arrays, read only.  y: the shape and dtype of x.
    The layer is then one affine map per channel (BN.14), and its backward (BN.15) is that of
    y = x * scale + shift: no mean or variance terms, because nothing depends on the batch.
    Saves x (the (N, C, L) view, for dweight), running_mean, inv_std and scale.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, running_mean, running_var, eps=1e-5):
        x3 = _channels(x)
        mean = running_mean.astype(np.float64)
        inv_std = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
        scale = inv_std if weight is None else weight * inv_std               # (BN.14)
        shift = -mean * scale if bias is None else bias - mean * scale         # (BN.14)
        y = x3 * _column(scale, x.dtype) + _column(shift, x.dtype)            # (BN.14)
        ctx.save_for_backward(x3, mean, inv_std, scale)
        ctx.shape = x.shape
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x3, mean, inv_std, scale = ctx.saved_tensors
        g = grad.reshape(x3.shape)
        dx = (g * _column(scale, g.dtype)).reshape(ctx.shape) if ctx.needs_input_grad[0] else None  # (BN.15)
        dweight = dbias = None
        if needs_grad(ctx, 1) or needs_grad(ctx, 2):
            x_hat = _x_hat_in_place(x3 - _column(mean, x3.dtype), inv_std)    # x_hat of (BN.15)
            dweight, dbias = _parameter_grads(g, x_hat)                        # (BN.15)
        return dx, dweight, dbias
