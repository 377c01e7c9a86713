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

Precision. The sums run in the input's dtype and the per-set results (mean, var, inv_std) are
kept in float64; outputs have the input's dtype. mean and var come from one pass, the sums of
x and of x^2 (:func:`moments`), which loses no more than a digit while a set's mean is
no larger than its spread; a set with a larger mean (1000 +- 0.01, say) makes :func:`moments`
find the mean in two passes (:func:`two_pass_moments`), as :mod:`minigrad.ops.batchnorm` does
(see its Precision). Batch Renormalization's r and d take the two-pass statistics always: they
correct BatchNorm's normalisation, which is computed that way.

Speed. The code works on two views of one array, both without copies: the sets S as the rows of
an (M, n) matrix (M sets of n values; S is moved last first when it is not the trailing axes,
which happens only for BatchNorm's S), and the axes along which weight and bias vary as the
columns of an (A, B) matrix, with each parameter spread out to one vector of B (a small copy,
:func:`_columns`). Every pass is then a loop over long contiguous rows: a per-set number times
a row (:func:`_row_loops` keeps NumPy from copying that number out first), a parameter vector
times a row, or a sum. The sums over S are a matrix-vector product with a vector of ones and a
row-wise dot product (``np.vecdot``), the parameter gradients a product with ones and an
``einsum`` down the columns: loops that read without writing a temporary, several times as
fast as ``np.sum`` over axes. Each pass reads or writes the whole array, so their number sets
the time: the forward makes four (x - mean, x_hat, y, y + bias) and reads x twice, the backward
makes five and reads six times.
"""
import contextlib
import math

import numpy as np

from ..autograd import Function
from .elementwise import needs_grad as _needs
from .elementwise import unbroadcast

_LANE = 16384       # parameter vectors are repeated up to this length (see _columns)


def _sets_last(axes: tuple, ndim: int) -> tuple:
    """The axis order that puts S last (the identity when S is already the trailing axes)."""
    return tuple(i for i in range(ndim) if i not in axes) + tuple(axes)


def _ordered(a, order):
    """a (x, or a parameter that broadcasts against x) with its axes in ``order``."""
    if a is None or order == tuple(range(len(order))):
        return a
    return a.reshape((1,) * (len(order) - a.ndim) + a.shape).transpose(order)


def _columns(shape: tuple, weight, bias) -> tuple:
    """(k, t): weight and bias vary only along axes k, k+1, ... of x, and the (A, B) view has
    B = t * prod(shape[k:]) columns, each parameter vector repeated t times along axis k - 1.

    NumPy broadcasts a vector over rows shorter than its buffer (8192 elements) by copying it
    into that buffer row after row, which makes a product about twice as slow as over long
    rows. So the parameters are repeated (a small copy) into a vector of up to _LANE values,
    t a power of two that divides prod(shape[:k]).
    """
    params = [p.shape for p in (weight, bias) if p is not None]
    varying = (1,) * len(shape) + (np.broadcast_shapes(*params) if params else ())
    varying = varying[len(varying) - len(shape):]
    k = next((i for i, size in enumerate(varying) if size != 1), len(shape))
    per_copy = math.prod(shape[k:])
    most = _LANE // per_copy if per_copy else 1
    t = math.gcd(math.prod(shape[:k]), 1 << (most.bit_length() - 1)) if most else 1
    return k, t


def _view(shape, k, t) -> tuple:
    """(A, B) of :func:`_columns`."""
    return math.prod(shape[:k]) // t, t * math.prod(shape[k:])


def _along(param, shape, k, t):
    """param, broadcast against x's ``shape``, as one contiguous vector: axes k, k+1, ...
    flattened and repeated t times."""
    if param is None:
        return None
    full = param.reshape((1,) * (len(shape) - param.ndim) + param.shape)     # size 1 before k
    return np.tile(np.broadcast_to(full[(0,) * k], shape[k:]).reshape(-1), t)


def _summed_to(lane, shape, k, param_shape, order):
    """A parameter's gradient from that of its vector: (NF.2), the adjoint of broadcasting,
    i.e. the sums over the t copies and over the axes along which it was broadcast, then the
    parameter's own axis order and shape back."""
    full = (1,) * (len(order) - len(param_shape)) + tuple(param_shape)
    ordered = tuple(full[i] for i in order)
    grad = unbroadcast(lane.reshape((-1,) + shape[k:]), ordered[k:])
    return grad.reshape(ordered).transpose(np.argsort(order)).reshape(param_shape)


@contextlib.contextmanager
def _row_loops(n: int):
    """Run the block with NumPy's ufunc buffer no longer than a row of n (n >= 512).

    A ufunc that broadcasts one number per row over rows shorter than its buffer (8192
    elements) copies that number out into the buffer first, a pass more; with a buffer of at
    most a row it loops over the rows in place, about 1.4 times as fast. For rows shorter
    than 512 the many short loops cost more than the copy, so the default stays. The buffer
    size is scoped to ``np.errstate`` (NumPy >= 2.0), so it is restored on the way out.
    """
    with np.errstate():
        if n >= 512:
            np.setbufsize(min(n, 8192) // 16 * 16)
        yield


def moments(rows: np.ndarray) -> tuple:
    """(x - mean, mean, var) of every row of rows (M, n): (BN.1)-(BN.2), one set per row.

    x - mean (M, n) has x's dtype; mean and var (M,) are float64. One pass first: the sums of
    x and of x^2, var = mean(x^2) - mean^2. That difference loses the digits in which x^2 and
    mean^2 agree, none while mean^2 <= var; if a row's mean is larger than its spread, all
    rows take :func:`two_pass_moments` instead.
    """
    n = rows.shape[1]
    mean = (rows @ np.ones(n, rows.dtype)).astype(np.float64) / n      # (BN.1)
    var = np.vecdot(rows, rows).astype(np.float64) / n - mean * mean   # (BN.2), one pass
    if np.all(mean * mean <= var):
        return rows - mean.astype(rows.dtype)[:, None], mean, var
    centered, mean, var = two_pass_moments(rows, (1,))
    return centered, mean[:, 0], var[:, 0]


def two_pass_moments(x: np.ndarray, axes: tuple) -> tuple:
    """(x - mean, mean, var) over ``axes`` of x (kept as size-1 axes), with the mean found in
    two passes, so that no digit of the spread is lost however large the mean (see Precision
    in :mod:`minigrad.ops.batchnorm`). x - mean has x's dtype; mean and var are float64."""
    n = math.prod(x.shape[a] for a in axes)
    estimate = x.sum(axis=axes, keepdims=True) / x.dtype.type(n)       # (BN.1) first estimate
    centered = x - estimate
    correction = centered.sum(axis=axes, keepdims=True) / n            # (BN.1) mean of the rest
    centered -= correction.astype(x.dtype)                             # x - mean
    mean = estimate.astype(np.float64) + correction                    # (BN.1)
    var = np.sum(centered * centered, axis=axes, keepdims=True).astype(np.float64) / n   # (BN.2)
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
    Saves x_hat (as its (M, n) rows), inv_std (M, 1) in x's dtype and the weight's vector: not x.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, axes, eps=1e-5, centered=True, stats=None):
        ctx.param_shapes = [None if p is None else p.shape for p in (weight, bias)]
        order = _sets_last(axes, x.ndim)
        x, weight, bias = (_ordered(a, order) for a in (x, weight, bias))   # S last: rows of n
        sets = x.shape[:x.ndim - len(axes)]
        rows = x.reshape(math.prod(sets), math.prod(x.shape[len(sets):]))
        with _row_loops(rows.shape[1]):
            if centered:
                x_hat, mean, var = moments(rows)                              # (BN.1)-(BN.2)
                inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)[:, None]   # (BN.3)
                x_hat *= inv_std                                              # (BN.3), in place
                if stats is not None:
                    kept = sets + (1,) * len(axes)
                    stats.update({name: v.reshape(kept).transpose(np.argsort(order))
                                  for name, v in (("mean", mean), ("var", var))})
            else:
                n = rows.shape[1]
                inv_rms = 1.0 / np.sqrt(np.vecdot(rows, rows).astype(np.float64) / n + eps)   # (NF.3)
                inv_std = inv_rms.astype(x.dtype)[:, None]
                x_hat = rows * inv_std                                        # (NF.3)
            k, t = _columns(x.shape, weight, bias)
            weight = _along(weight, x.shape, k, t)
            columns = x_hat.reshape(_view(x.shape, k, t))                     # (A, B): a vector per row
            y = columns * weight if weight is not None else columns.copy()    # (BN.4)
            if bias is not None:
                y += _along(bias, x.shape, k, t)                              # (BN.4)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.centered, ctx.order, ctx.shape, ctx.columns = centered, order, x.shape, (k, t)
        return y.reshape(x.shape).transpose(np.argsort(order))

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors                # rows (M, n), (M, 1), (B,)
        (k, t), shape, order, n = ctx.columns, ctx.shape, ctx.order, x_hat.shape[1]
        g = _ordered(grad, order).reshape(x_hat.shape)
        columns, dweight, dbias = g.reshape(_view(shape, k, t)), None, None
        with _row_loops(n):
            if weight is not None and _needs(ctx, 1):
                dlane = np.einsum("ab,ab->b", columns, x_hat.reshape(columns.shape))      # (NF.2) (BN.10)
                dweight = _summed_to(dlane, shape, k, ctx.param_shapes[0], order)
            if ctx.param_shapes[1] is not None and _needs(ctx, 2):
                dlane = np.ones(len(columns), g.dtype) @ columns                          # (NF.2) (BN.9)
                dbias = _summed_to(dlane, shape, k, ctx.param_shapes[1], order)
            dx_hat = (columns * weight).reshape(g.shape) if weight is not None else g     # (BN.5)
            # the / n divides the small per-set sums, not a whole array
            dx = x_hat * (np.vecdot(dx_hat, x_hat) / g.dtype.type(n))[:, None]
            if ctx.centered:
                dx += ((dx_hat @ np.ones(n, g.dtype)) / g.dtype.type(n))[:, None]        # (NF.1)
            np.subtract(dx_hat, dx, out=dx)                                               # (NF.1) (NF.4)
            dx *= inv_std                                                                 # (NF.1) (NF.4)
        return dx.reshape(shape).transpose(np.argsort(order)), dweight, dbias
