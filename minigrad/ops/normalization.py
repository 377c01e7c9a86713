"""The normalisation family as one autograd Function: the normalisation of
:mod:`minigrad.ops.batchnorm` over a chosen set of axes.

The family. Every member computes (BN.1)-(BN.4): subtract a mean, divide by a standard
deviation, scale and shift. They differ only in the set S of values that share one mean and
one variance (the reduced axes of a view of the input) and in the shape of weight and bias:

  member        view of the input    reduced axes S        one mean per        weight, bias
  BatchNorm     (N, C, L)            (0, 2): N and L       channel             (C,)
  InstanceNorm  (N, C, L)            (2,): L               sample, channel     (C,)
  GroupNorm     (N, G, C/G, L)       (2, 3): C/G and L     sample, group       (C,)
  LayerNorm     (*, D1, ..., Dk)     the last k            sample              (D1, ..., Dk)
  RMSNorm       (*, D1, ..., Dk)     the last k, no mean   sample              (D1, ..., Dk)

(L = prod(*) of an (N, C, *) input; C channels in G groups.) BatchNorm keeps its own ops, the
ones lessons 3 and 4 derive; :class:`Normalization` is the same mathematics for any S, and
``Normalization.apply(x3, w, b, axes=(0, 2))`` on the (N, C, L) view with (C, 1) parameters is
BatchNorm without running statistics (the tests check it).

Equations. With n = |S|, the number of values that share a mean, (BN.1)-(BN.3) hold as written
with every sum over S, and (BN.4) with weight and bias broadcast against x. The staged backward
(BN.5)-(BN.8) holds too. Substituting it as for (BN.11), but leaving weight inside the sums
(in GroupNorm and LayerNorm weight changes along S: one per channel, one per element):

    (NF.1)  dx_i    = inv_std * (dx_hat_i - (sum_j dx_hat_j + x_hat_i * sum_j dx_hat_j x_hat_j) / n),
            dx_hat  = g * weight  (BN.5),  sums over j in S.
            Where weight is constant on S (BatchNorm, InstanceNorm), sum_j dx_hat_j = weight *
            sum_j g_j and sum_j dx_hat_j x_hat_j = weight * sum_j g_j x_hat_j: (NF.1) is (BN.11).
    (NF.2)  dbias = (BN.9) and dweight = (BN.10), each summed over the axes along which the
            parameter is broadcast (the adjoint of broadcasting): N and L for a (C,) parameter,
            the leading axes * for LayerNorm's. These are not S in general.

  RMSNorm (Zhang & Sennrich 2019, arXiv:1910.07467) is the member without the mean: drop (BN.1),
  so mean = 0 in (BN.2)-(BN.3), and the dmean path (BN.7) disappears from the backward.
    (NF.3)  inv_rms = 1 / sqrt(1/n sum_j x_j^2 + eps),   x_hat_i = x_i * inv_rms
    (NF.4)  dx_i    = inv_rms * (dx_hat_i - x_hat_i * sum_j dx_hat_j x_hat_j / n)
  Derived in two lines: d inv_rms / dx_i = -1/2 (1/n sum_j x_j^2 + eps)^(-3/2) * 2 x_i / n
  = -inv_rms^3 x_i / n, so dx_i = dx_hat_i * inv_rms + sum_j dx_hat_j x_j * (-inv_rms^3 x_i / n),
  which is (NF.4) once x_j * inv_rms is written x_hat_j: (NF.1) without its sum_j dx_hat_j term.

  Running statistics of InstanceNorm (PyTorch's convention):
    (NF.5)  (BN.12)-(BN.13) for each sample, averaged over the N samples: the (C,) running
            statistics take the batch average of the per-instance mean and unbiased variance,
            with n = L in n / (n - 1).

  Batch Renormalization (Ioffe 2017, arXiv:1702.03275, Algorithm 1), on BatchNorm's S:
    (NF.6)  r = clip(sigma_B / sigma, 1/r_max, r_max),   d = clip((mu_B - mu) / sigma, -d_max, d_max),
            sigma_B = sqrt(var + eps) of the batch (BN.2), mu = running_mean and
            sigma = sqrt(running_var + eps) as they stand before this step's update (BN.12)-(BN.13).
    (NF.7)  y = weight * (x_hat * r + d) + bias = x_hat * (weight * r) + (weight * d + bias):
            BatchNorm's (BN.4) with weight * r for weight and weight * d + bias for bias. r and
            d are constants to the backward (the paper's stop_gradient), so dx is (BN.11) with
            weight * r, and the chain rule through the two products gives
            dweight = r * sum_i g_i x_hat_i + d * sum_i g_i.

Precision, as in :mod:`minigrad.ops.batchnorm`: the mean is found in two passes (a first
estimate, then the mean of what is left), the other sums run in the input's dtype, and the
per-group results (mean, var, inv_std) are kept in float64. Outputs have the input's dtype.

Speed. In every member's view but BatchNorm's, S is the trailing axes, so the sets are the rows
of an (M, n) matrix: their sums are a matrix-vector product with a vector of ones, and the sums
of products a row-wise dot product (``np.vecdot``), both about three times as fast as
``np.sum`` in float32 and without temporaries (:func:`_sum`, :func:`_dot`). Any other S takes
``np.sum``; the numbers are the same to rounding.
"""
import math

import numpy as np

from ..autograd import Function
from .elementwise import needs_grad as _needs
from .elementwise import unbroadcast


def _sum(a: np.ndarray, axes: tuple) -> np.ndarray:
    """sum_j a_j over S = ``axes``, with size 1 kept on them, in a's dtype.

    When S is the trailing axes (every member's view but BatchNorm's), the sets are the rows
    of an (M, n) view, and their sums one matrix-vector product with ones: BLAS does it about
    three times as fast as ``a.sum(axis)`` for float32.
    """
    rows = _rows(a, axes)
    if rows is None:
        return a.sum(axis=axes, keepdims=True)
    return (rows @ np.ones(rows.shape[1], a.dtype)).reshape(_kept(a.shape, axes))


def _dot(a: np.ndarray, b: np.ndarray, axes: tuple) -> np.ndarray:
    """sum_j a_j b_j over S, as :func:`_sum` (a row-wise dot product, without a temporary)."""
    rows_a, rows_b = _rows(a, axes), _rows(b, axes)
    if rows_a is None or rows_b is None:
        return np.sum(a * b, axis=axes, keepdims=True)
    return np.vecdot(rows_a, rows_b).reshape(_kept(a.shape, axes))


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a down to a parameter's ``shape``: :func:`unbroadcast`, with the leading axes summed
    by BLAS (ones times the (M, rest) view), as :func:`_sum` does for the trailing ones."""
    extra = a.ndim - len(shape)
    if extra and a.flags.c_contiguous:
        lead = math.prod(a.shape[:extra])
        a = (np.ones(lead, a.dtype) @ a.reshape(lead, math.prod(a.shape[extra:]))).reshape(a.shape[extra:])
    return unbroadcast(a, shape)


def _rows(a, axes):
    """a as an (M, n) view whose rows are the sets S, if S is a's trailing axes; else None."""
    first = a.ndim - len(axes)
    if axes != tuple(range(first, a.ndim)) or not a.flags.c_contiguous:
        return None
    return a.reshape(math.prod(a.shape[:first]), math.prod(a.shape[first:]))


def _kept(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def moments(x: np.ndarray, axes: tuple) -> tuple:
    """(x - mean, mean, var) over ``axes`` (kept as size-1 axes): (BN.1)-(BN.2).

    x - mean has x's dtype; mean and var are float64. The mean is found in two passes, so that
    no digit of the spread is lost (see Precision in :mod:`minigrad.ops.batchnorm`).
    """
    n = math.prod(x.shape[a] for a in axes)
    estimate = _sum(x, axes) / x.dtype.type(n)                         # (BN.1) first estimate
    centered = x - estimate
    correction = _sum(centered, axes) / n                              # (BN.1) mean of the rest
    centered -= correction.astype(x.dtype)                             # x - mean
    mean = estimate.astype(np.float64) + correction                    # (BN.1)
    var = _dot(centered, centered, axes).astype(np.float64) / n        # (BN.2)
    return centered, mean, var


def update_running_stats(running_mean, running_var, mean, var, n, momentum) -> None:
    """(BN.12)-(BN.13) in place on the caller's (C,) arrays; var is the biased variance of n values."""
    running_mean[...] = (1 - momentum) * running_mean + momentum * mean              # (BN.12)
    running_var[...] = (1 - momentum) * running_var + momentum * var * n / (n - 1)   # (BN.13)


def renorm_correction(mean, var, running_mean, running_var, eps, r_max, d_max) -> tuple:
    """Batch Renormalization's r and d (NF.6), per channel, float64: constants to the backward.

    mean, var: the batch's (BN.1)-(BN.2); running_mean, running_var: before this step's update.
    """
    sigma_batch = np.sqrt(var + eps)
    sigma = np.sqrt(running_var.astype(np.float64) + eps)
    r = np.clip(sigma_batch / sigma, 1 / r_max, r_max)                                 # (NF.6)
    d = np.clip((mean - running_mean.astype(np.float64)) / sigma, -d_max, d_max)       # (NF.6)
    return r, d


class Normalization(Function):
    """Normalise x over the axes ``axes``, then scale and shift: the family's one op.

    forward(x, weight=None, bias=None, *, axes, eps=1e-5, centered=True, stats=None) -> y
        x:      float array of any shape; ``axes`` (non-negative ints) is the reduced set S,
                n = prod of x's sizes on them.
        weight, bias: arrays that broadcast against x, of x's dtype, or None (1 and 0).
        centered: True subtracts the mean, (BN.1)-(BN.4); False is RMSNorm, (NF.3) and (BN.4).
        stats:  None, or a dict that forward fills with the batch's "mean" and "var" (float64,
                x's shape with size 1 on S), for a caller that keeps running statistics.
        y:      the shape and dtype of x.
    backward(g) -> (dx, dweight, dbias): (NF.1) (or (NF.4)) and (NF.2).
    Saves x_hat (the shape of x), inv_std (one per mean, float64) and weight: not x.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, axes, eps=1e-5, centered=True, stats=None):
        if centered:
            x_hat, mean, var = moments(x, axes)                           # (BN.1)-(BN.2)
            inv_std = 1.0 / np.sqrt(var + eps)                            # (BN.3)
            x_hat *= inv_std.astype(x.dtype)                              # (BN.3), in place
            if stats is not None:
                stats.update(mean=mean, var=var)
        else:
            n = math.prod(x.shape[a] for a in axes)
            inv_std = 1.0 / np.sqrt(_dot(x, x, axes).astype(np.float64) / n + eps)   # (NF.3) inv_rms
            x_hat = x * inv_std.astype(x.dtype)                           # (NF.3)
        y = x_hat * weight if weight is not None else x_hat.copy()        # (BN.4)
        if bias is not None:
            y += bias                                                     # (BN.4)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.axes, ctx.centered = axes, centered
        ctx.bias_shape = None if bias is None else bias.shape
        return y

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        axes = ctx.axes
        n = math.prod(x_hat.shape[a] for a in axes)
        dweight = dbias = None
        if weight is not None and _needs(ctx, 1):
            dweight = _sum_to(grad * x_hat, weight.shape)                         # (NF.2) (BN.10)
        if ctx.bias_shape is not None and _needs(ctx, 2):
            dbias = _sum_to(grad, ctx.bias_shape)                                 # (NF.2) (BN.9)
        dx_hat = grad if weight is None else grad * weight                            # (BN.5)
        # the / n divides the small per-mean sums, not a whole array
        projection = _dot(dx_hat, x_hat, axes) / grad.dtype.type(n)
        dx = x_hat * projection
        np.subtract(dx_hat, dx, out=dx)                                               # (NF.4)
        if ctx.centered:
            dx -= _sum(dx_hat, axes) / grad.dtype.type(n)                             # (NF.1)
        dx *= inv_std.astype(grad.dtype)                                              # (NF.1) (NF.4)
        return dx, dweight, dbias
