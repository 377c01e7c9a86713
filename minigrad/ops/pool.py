"""Pooling over 1, 2 or 3 spatial axes, on the same strided view of the windows as the convolution.

Shapes and notation as in :mod:`minigrad.ops.conv`: x (N, C, *I), padding d pairs (lo, hi),
X[n, c, k, o] = xp[n, c, s*o + r*k] the windows (CV.2), y (N, C, *O); each channel is pooled
on its own. G = dL/dy. The window functions of the convolution are reused by reading x as
one sample of N*C channels: their layout (C, *P, N) is then (N*C, *P, 1), x's own order.
Both directions loop over the kernel offsets k, as (CV.7) does: prod(K) passes over whole
arrays, never a loop over positions. Validation and PyTorch's messages live in
``minigrad.nn.conv_arguments``, which also turns ceil_mode into extra padding after the input (hi).

Equations (labels cited by lessons 7 and 8):
  Max pooling (the padding is -inf, so it never wins):
    (PL.1)  a[n, c, o] = argmax_k X[n, c, k, o],   y[n, c, o] = X[n, c, a, o]
            ties go to the first maximal k in row-major order of the kernel, as PyTorch's
            CPU kernel (it replaces the maximum only when a value is strictly larger, or NaN)
    (PL.2)  dX[n, c, k, o] = G[n, c, o] if k = a[n, c, o] else 0;  dx = fold(dX) (CV.7)
            y is a copy of one input, so only that input moves it: the gradient is routed.
  Average pooling:
    (PL.3)  y[n, c, o] = (1 / D[o]) sum_k X[n, c, k, o]
            D[o] counts the window's entries: all prod(K) with count_include_pad, else only
            those inside x; positions added by ceil_mode never count (PyTorch's rule).
    (PL.4)  dX[n, c, k, o] = G[n, c, o] / D[o] for every k;  dx = fold(dX) (CV.7)
            a sum in the forward is a broadcast in the backward: each entry gets an equal share.
  Adaptive average pooling: window o_j of axis j covers [start, end) with
    start = floor(o_j I_j / O_j), end = ceil((o_j + 1) I_j / O_j)   (PyTorch's windows).
    (PL.5)  Averaging a box is averaging along each axis in turn, and averaging along axis j
            is a matrix A_j (O_j, I_j) with A_j[o, i] = 1 / (end - start) on the window:
            y = x A_1^T ... A_d^T, axis by axis.
    (PL.6)  dx = G A_1 ... A_d: the adjoint of a linear map is its transpose.
  Adaptive max pooling: the windows above, each padded to the longest by repeating its last
  index (a repeat cannot change a maximum, nor win a tie, since it comes later).
    (PL.7)  y[n, c, o] = max over the window;  dx[n, c, i] = sum of G[n, c, o] over the windows
            o whose (first) maximum is at i (windows overlap when O_j does not divide I_j).
"""
import itertools
import math

import numpy as np

from ..autograd import Function
from .conv import fold_windows, pad_batch_last, unpad_batch_first, window_view


def _one_sample(x, padding, value):
    """(CV.1) x (N, C, *I), padded, as the conv's layout for ONE sample of N*C channels:
    (N*C, *P, 1). Pooling treats every channel of every sample alike, and in this layout it
    needs no transposes: moving the batch axis of size 1 last moves nothing."""
    return pad_batch_last(x.reshape((1, x.shape[0] * x.shape[1]) + x.shape[2:]), padding, value)


def _offsets(kernel):
    """Every kernel offset k, as index tuples into a (N*C, *K, *O, 1) window view."""
    return [(slice(None),) + k for k in itertools.product(*map(range, kernel))]


def _window_sum(X, kernel):
    """sum_k X[:, k]: one addition of a whole (N*C, *O, 1) array per kernel offset (NumPy's
    reduction over the strided kernel axes takes several times longer)."""
    offsets = _offsets(kernel)
    total = X[offsets[0]].copy()
    for k in offsets[1:]:
        total += X[k]
    return total


class MaxPoolNd(Function):
    """forward(x, *, kernel, stride, padding, dilation) -> y (N, C, *O); backward (PL.2).
    Saves the argmax a (the index of k in row-major order of the kernel), int64."""

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, dilation):
        xp = _one_sample(x, padding, -np.inf)                         # (N*C, *P, 1)
        X = window_view(xp, kernel, stride, dilation)                  # (N*C, *K, *O, 1)
        offsets = _offsets(kernel)
        y = X[offsets[0]].copy()
        argmax = np.zeros(y.shape, dtype=np.int64)
        for i, k in enumerate(offsets[1:], start=1):
            # (PL.1) replace only on a strictly larger value (or a NaN): ties keep the first
            larger = X[k] > y   # (PL.1)
            larger |= np.isnan(X[k])
            np.copyto(y, X[k], where=larger)
            np.copyto(argmax, i, where=larger)
        ctx.save_for_backward(argmax)
        ctx.geometry = (x.shape, xp.shape, kernel, padding, stride, dilation)
        return y.reshape(x.shape[:2] + y.shape[1:-1])

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        x_shape, padded_shape, kernel, padding, stride, dilation = ctx.geometry
        g = grad.reshape(argmax.shape)                                 # (N*C, *O, 1)
        dflat = np.zeros(g.shape[:1] + (math.prod(kernel),) + g.shape[1:], dtype=grad.dtype)
        np.put_along_axis(dflat, argmax[:, None], g[:, None], axis=1)  # (PL.2) routed
        dX = dflat.reshape(g.shape[:1] + tuple(kernel) + g.shape[1:])
        dx = unpad_batch_first(fold_windows(dX, padded_shape[1:-1], stride, dilation), padding)
        return dx.reshape(x_shape)


class AvgPoolNd(Function):
    """forward(x, *, kernel, stride, padding, counted, divisor=None) -> y (N, C, *O).

    padding: d pairs (lo, hi) of zeros (hi includes ceil_mode's extra); counted: d pairs, how
    much of that padding counts in the divisor D (padding itself with count_include_pad, else
    zeros). divisor: a number that replaces D (PyTorch's divisor_override). backward (PL.4).
    """

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, counted, divisor=None):
        d = len(kernel)
        ones = (1,) * d
        X = window_view(_one_sample(x, padding, 0.0), kernel, stride, ones)   # (N*C, *K, *O, 1)
        if divisor is None:
            # (PL.3) D[o]: pool a mask that is 1 on x and on the padding that counts
            inside = np.ones((1, 1) + tuple(lo + n + hi for n, (lo, hi) in zip(x.shape[2:], counted)), x.dtype)
            mask = pad_batch_last(inside, [(lo - clo, hi - chi) for (lo, hi), (clo, chi) in zip(padding, counted)])
            divisor = _window_sum(window_view(mask, kernel, stride, ones), kernel)    # (1, *O, 1)
        ctx.geometry = (x.shape, kernel, padding, stride, divisor)
        y = _window_sum(X, kernel) / divisor                           # (PL.3) (N*C, *O, 1)
        return y.astype(x.dtype, copy=False).reshape(x.shape[:2] + y.shape[1:-1])

    @staticmethod
    def backward(ctx, grad):
        x_shape, kernel, padding, stride, divisor = ctx.geometry
        d = len(kernel)
        g = grad.reshape((-1,) + grad.shape[2:] + (1,))                # (N*C, *O, 1)
        share = (g / divisor).astype(grad.dtype, copy=False)           # (PL.4) G / D
        # the same share for every k: a broadcast view, so fold_windows reads it without copying
        dX = np.broadcast_to(share.reshape(share.shape[:1] + (1,) * d + share.shape[1:]),
                             share.shape[:1] + tuple(kernel) + share.shape[1:])       # (N*C, *K, *O, 1)
        padded = tuple(lo + n + hi for n, (lo, hi) in zip(x_shape[2:], padding))
        return unpad_batch_first(fold_windows(dX, padded, stride, (1,) * d), padding).reshape(x_shape)


def adaptive_windows(size, out):
    """PyTorch's adaptive windows along one axis: (start, end) arrays of length ``out``."""
    o = np.arange(out)
    return (o * size) // out, -((-(o + 1) * size) // out)


def _averaging_matrix(size, out, dtype):
    """(PL.5) A (out, size): row o averages the window [start_o, end_o)."""
    start, end = adaptive_windows(size, out)
    i = np.arange(size)
    inside = (i >= start[:, None]) & (i < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _apply_along_spatial_axes(x, matrices):
    """Contract spatial axis j of x (N, C, *S) with matrices[j] (new, old): axis j becomes 'new'."""
    for j, m in enumerate(matrices):
        x = np.moveaxis(np.tensordot(x, m, axes=([2 + j], [1])), -1, 2 + j)
    return x


class AdaptiveAvgPoolNd(Function):
    """forward(x, *, output_size) -> y (N, C, *output_size); (PL.5), backward (PL.6)."""

    @staticmethod
    def forward(ctx, x, *, output_size):
        matrices = [_averaging_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], output_size)]
        ctx.save_for_backward(*matrices)
        return _apply_along_spatial_axes(x, matrices)                  # (PL.5)

    @staticmethod
    def backward(ctx, grad):
        return _apply_along_spatial_axes(grad, [m.T for m in ctx.saved_tensors])   # (PL.6)


class AdaptiveMaxPoolNd(Function):
    """forward(x, *, output_size) -> y (N, C, *output_size); (PL.7). Saves the flat index of
    each output's maximum in x."""

    @staticmethod
    def forward(ctx, x, *, output_size):
        d = len(output_size)
        windows = []                # per axis: (O_j, M_j) input positions, the last one repeated
        for size, out in zip(x.shape[2:], output_size):
            start, end = adaptive_windows(size, out)
            windows.append(np.minimum(start[:, None] + np.arange((end - start).max()), end[:, None] - 1))
        # gather (N, C, O_1, .., O_d, M_1, .., M_d): axis j's window indices broadcast on its own axes
        grids = [w.reshape(tuple(w.shape[0] if a == j else 1 for a in range(d))
                           + tuple(w.shape[1] if a == j else 1 for a in range(d))) for j, w in enumerate(windows)]
        lengths = tuple(w.shape[1] for w in windows)
        flat = x[(slice(None), slice(None)) + tuple(grids)].reshape(x.shape[:2] + tuple(output_size) + (-1,))
        best = flat.argmax(axis=-1)                                    # (PL.7) first maximum
        y = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
        # where each maximum sits in x: along axis j, windows[j][o_j, m_j]
        picked = np.unravel_index(best, lengths)
        o = np.indices(x.shape[:2] + tuple(output_size), sparse=True)
        positions = [windows[j][o[2 + j], picked[j]] for j in range(d)]
        ctx.save_for_backward(np.ravel_multi_index((o[0], o[1], *positions), x.shape))
        ctx.x_shape = x.shape
        return y

    @staticmethod
    def backward(ctx, grad):
        (where,) = ctx.saved_tensors
        # (PL.7) a scatter-add: overlapping windows may share their maximum
        dx = np.bincount(where.ravel(), weights=grad.ravel(), minlength=math.prod(ctx.x_shape))
        return dx.reshape(ctx.x_shape).astype(grad.dtype, copy=False)
