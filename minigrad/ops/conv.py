"""Convolution over 1, 2 or 3 spatial axes: one N-d Function on a strided view of the windows.

Shapes. d = 1, 2 or 3 spatial axes; o, k and i are d-tuples (multi-indices) and every
product of tuples below is taken axis by axis (s*o means (s_1 o_1, ..., s_d o_d)).
  x:      (N, C, *I)        input: N samples, C channels, spatial size I = (I_1, .., I_d)
  weight: (F, C/G, *K)      F filters of size K; G groups
  bias:   (F,) or None
  y:      (N, F, *O)        O_j = floor((P_j - r_j (K_j - 1) - 1) / s_j) + 1
stride s and dilation r are d-tuples of positive ints; padding is d pairs (lo_j, hi_j) of
zeros added before and after axis j (the two differ only for padding='same' with an even
kernel), so the padded size is P_j = lo_j + I_j + hi_j. With G groups the C channels and the
F filters are cut into G equal, consecutive blocks: filter f of block g reads only the C/G
channels of block g (G = C is a depthwise convolution).

Equations. Numbered once, here; the tests and lessons 7 and 8 cite these labels.
  Forward: a correlation (the kernel is not flipped, as in PyTorch).
    (CV.1)  xp[n, c, lo + i] = x[n, c, i], and 0 in the padding
    (CV.2)  X[n, c, k, o] = xp[n, c, s*o + r*k]               the windows: a view of xp, no copy
    (CV.3)  y[n, f, o] = b[f] + sum_{c in block(f)} sum_k W[f, c, k] X[n, c, k, o]
  With X reshaped to cols[n, g, (c, k), o] (the one copy: "im2col") and W to
  w[g, f, (c, k)], (CV.3) is one batched matrix product: y[n, g] = w[g] @ cols[n, g].

  Backward. G = dL/dy, shaped like y. y is linear in b, W and X, so each gradient is
  dL/dtheta = sum_{n, f, o} G[n, f, o] * dy[n, f, o]/dtheta, read off (CV.3):
    (CV.4)  db[f]         = sum_n sum_o G[n, f, o]
            b was broadcast over samples and positions: a broadcast in the forward is a sum
            in the backward.
    (CV.5)  dW[f, c, k]   = sum_n sum_o G[n, f, o] X[n, c, k, o]
            the windows correlated with the upstream gradient: dw[g] = sum_n G[n, g] @ cols[n, g]^T.
    (CV.6)  dX[n, c, k, o] = sum_{f in block(c)} W[f, c, k] G[n, f, o]
            dcols[n, g] = w[g]^T @ G[n, g]: the transpose of the forward's product.
    (CV.7)  dxp[n, c, t] = sum over (k, o) with s*o + r*k = t of dX[n, c, k, o]
            the transpose of the view (CV.2): every window sends its gradient back to the
            positions it was read from; a position read by several windows sums theirs. For a
            fixed kernel offset k the positions s*o + r*k, over all o, are the strided slice
            r*k : r*k + s*(O - 1) + 1 : s of every axis, so (CV.7) is prod(K) strided
            additions of whole (N, C, *O) arrays (see fold_windows), not a loop over positions.
    (CV.8)  dx[n, c, i] = dxp[n, c, lo + i]                    the padding is a constant: dropped

Saved for backward: cols (prod(K) times the input's size, the price of not copying the windows
a second time) and the weight. Validation and PyTorch's error messages live in
``minigrad.nn.functional``; the functions here assume valid arguments.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function


def output_size(padded, kernel, stride, dilation):
    """O_j = floor((P_j - r_j (K_j - 1) - 1) / s_j) + 1 for every spatial axis j."""
    return tuple((p - r * (k - 1) - 1) // s + 1 for p, k, s, r in zip(padded, kernel, stride, dilation))


def pad(x, padding, value=0.0):
    """(CV.1) x (N, C, *I) with padding[j] = (lo, hi) values ``value`` around spatial axis j.
    Returns x itself when there is no padding."""
    if not any(lo or hi for lo, hi in padding):
        return x
    shape = x.shape[:2] + tuple(lo + n + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    xp = np.full(shape, value, dtype=x.dtype)
    xp[_interior(x.shape[2:], padding)] = x
    return xp


def unpad(xp, padding):
    """(CV.8) The inverse of pad: the interior of xp (a view)."""
    shape = tuple(n - lo - hi for n, (lo, hi) in zip(xp.shape[2:], padding))
    return xp[_interior(shape, padding)]


def _interior(spatial, padding):
    return (slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, padding))


def window_view(xp, kernel, stride, dilation):
    """(CV.2) X[n, c, k, o] = xp[n, c, s*o + r*k] as a read-only view of xp (N, C, *P):
    shape (N, C, *K, *O). Stepping o by one moves s elements along an axis, stepping k by
    one moves r: the view's strides are xp's times s and times r, and no value is copied."""
    out = output_size(xp.shape[2:], kernel, stride, dilation)
    step = xp.strides[2:]
    strides = (xp.strides[:2] + tuple(t * r for t, r in zip(step, dilation))
               + tuple(t * s for t, s in zip(step, stride)))
    return as_strided(xp, xp.shape[:2] + tuple(kernel) + out, strides, writeable=False)


def fold_windows(dX, padded, stride, dilation):
    """(CV.7) The transpose of window_view: dX (N, C, *K, *O) -> dxp (N, C, *padded), where each
    position receives the sum of the gradients of every window entry that read it.
    One strided addition per kernel offset k: prod(K) additions of (N, C, *O) arrays."""
    d = len(stride)
    kernel, out = dX.shape[2:2 + d], dX.shape[2 + d:]
    dxp = np.zeros(dX.shape[:2] + tuple(padded), dtype=dX.dtype)
    for k in itertools.product(*map(range, kernel)):
        # the positions s*o + r*k for o = 0 .. O-1, on every axis at once
        target = tuple(slice(r * kj, r * kj + s * (o - 1) + 1, s)
                       for kj, o, s, r in zip(k, out, stride, dilation))
        dxp[(slice(None), slice(None)) + target] += dX[(slice(None), slice(None)) + k]
    return dxp


class ConvNd(Function):
    """Convolution (a correlation, as in PyTorch) over the d = x.ndim - 2 spatial axes.

    forward(x, weight, bias=None, *, stride, padding, dilation, groups) -> y
        x: (N, C, *I);  weight: (F, C/G, *K);  bias: (F,) or None
        stride, dilation: d-tuples of ints >= 1;  padding: d pairs (lo, hi) of ints >= 0
        groups: G, dividing C and F.   y: (N, F, *O), the dtype of x.
    backward(G) -> (dx, dweight, dbias), equations (CV.4)-(CV.8).
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, *, stride, padding, dilation, groups):
        n, c = x.shape[:2]
        f, kernel = weight.shape[0], weight.shape[2:]
        xp = pad(x, padding)                                           # (CV.1)
        X = window_view(xp, kernel, stride, dilation)                  # (CV.2) (N, C, *K, *O)
        out = X.shape[2 + len(kernel):]
        # reshaping the strided view copies it: the im2col matrix, (N, G, C/G * prod K, prod O)
        cols = X.reshape(n, groups, c // groups * math.prod(kernel), math.prod(out))
        w = weight.reshape(groups, f // groups, -1)                    # (G, F/G, C/G * prod K)
        y = np.matmul(w, cols).reshape((n, f) + out)                   # (CV.3)
        if bias is not None:
            y += bias.reshape((f,) + (1,) * len(out))                  # (CV.3) + b[f]
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (x.shape, xp.shape, padding, stride, dilation, groups)
        return y

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        x_shape, padded_shape, padding, stride, dilation, groups = ctx.geometry
        n, f = grad.shape[:2]
        g = grad.reshape(n, groups, f // groups, -1)                   # (N, G, F/G, prod O)
        dx = dweight = dbias = None
        if ctx.needs_input_grad[0]:
            w = weight.reshape(groups, f // groups, -1)
            dcols = np.matmul(w.transpose(0, 2, 1), g)                 # (CV.6) (N, G, C/G prod K, prod O)
            dX = dcols.reshape(x_shape[:2] + weight.shape[2:] + grad.shape[2:])
            dx = unpad(fold_windows(dX, padded_shape[2:], stride, dilation), padding)   # (CV.7), (CV.8)
        if ctx.needs_input_grad[1]:
            # (CV.5) one product per sample, G[n, g] @ cols[n, g]^T, then the sum over n
            dweight = np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            dbias = grad.sum(axis=(0, *range(2, grad.ndim)))           # (CV.4)
        return dx, dweight, dbias
