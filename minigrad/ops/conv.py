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
  With X reshaped to the matrices cols[g, (c, k), (o, n)] (the one copy: "im2col") and W to
  w[g, f, (c, k)], (CV.3) is one matrix product per group: y[g] = w[g] @ cols[g].

  Backward. G = dL/dy, shaped like y. y is linear in b, W and X, so each gradient is
  dL/dtheta = sum_{n, f, o} G[n, f, o] * dy[n, f, o]/dtheta, read off (CV.3):
    (CV.4)  db[f]         = sum_n sum_o G[n, f, o]
            b was broadcast over samples and positions: a broadcast in the forward is a sum
            in the backward.
    (CV.5)  dW[f, c, k]   = sum_n sum_o G[n, f, o] X[n, c, k, o]
            the windows correlated with the upstream gradient: dw[g] = G[g] @ cols[g]^T, whose
            inner index (o, n) runs the double sum.
    (CV.6)  dX[n, c, k, o] = sum_{f in block(c)} W[f, c, k] G[n, f, o]
            dcols[g] = w[g]^T @ G[g]: the transpose of the forward's product.
    (CV.7)  dxp[n, c, t] = sum over (k, o) with s*o + r*k = t of dX[n, c, k, o]
            the transpose of the view (CV.2): every window sends its gradient back to the
            positions it was read from; a position read by several windows sums theirs. For a
            fixed kernel offset k the positions s*o + r*k, over all o, are the strided slice
            r*k : r*k + s*(O - 1) + 1 : s of every axis, so (CV.7) is prod(K) strided
            additions of whole (S*C, *O, M) arrays (see Memory layout and fold_windows), not a
            loop over positions.
    (CV.8)  dx[n, c, i] = dxp[n, c, lo + i]                    the padding is a constant: dropped

Memory layout. The equations index X[n, c, k, o]; the arrays store the batch axis cut in two,
N = S * M: S blocks of samples outermost and M samples innermost. xp is kept as (S*C, *P, M),
the windows X as (S*C, *K, *O, M), cols as (S, G, C/G * prod K, prod O * M) (one matrix product
per block and group, and "cols[g]" above is the S blocks side by side). samples_innermost
picks one of two cuts per layer:
  batch last, M = N (S = 1): a window's row for fixed (c, k) runs over (o, n), and for stride 1
      each run of the last output axis, times N, is one contiguous block of memory. The copy
      into cols, the matrix product and the prod(K) additions of (CV.7) stream long rows
      instead of rows as short as the last output axis (10 values for LeNet's second layer).
      The price: x, y, G and dx are transposed, and moving the batch axis is a slow copy (each
      value moves by a stride of N).
  batch first, M = 1 (S = N): x, y, G and dx keep PyTorch's (N, C, *S) order and nothing is
      transposed (x read as one sample of N*C channels, as pooling does), at the price of the
      short rows.
Per position, y and G have F channels and cols has C prod K rows: when F > C prod K the two
transposes cost more than the short rows save, and the layer runs batch first (CIFAR's first
layer, 3 -> 32 channels with a 3x3 kernel); every other layer runs batch last. The README
("Convolutions") gives the timings.

Saved for backward: cols (prod(K) times the input's size, the price of not copying the windows
a second time) and the weight. Validation and PyTorch's error messages live in
``minigrad.nn.conv_arguments``; the functions here assume valid arguments.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function


def output_size(padded, kernel, stride, dilation):
    """O_j = floor((P_j - r_j (K_j - 1) - 1) / s_j) + 1 for every spatial axis j."""
    return tuple((p - r * (k - 1) - 1) // s + 1 for p, k, s, r in zip(padded, kernel, stride, dilation))


def samples_innermost(n, c, f, kernel):
    """M, the samples the arrays keep innermost (see Memory layout): 1 (batch first) when the
    output has more channels than a window has entries, F > C prod K, else N (batch last)."""
    return 1 if f > c * math.prod(kernel) else n


def batch_last(a):
    """(N, C, *S) -> (C, *S, N), contiguous: one copy (see Memory layout)."""
    return np.ascontiguousarray(np.moveaxis(a, 0, -1))


def batch_first(a):
    """(C, *S, N) -> (N, C, *S), contiguous: the inverse of batch_last."""
    return np.ascontiguousarray(np.moveaxis(a, -1, 0))


def pad_batch_last(x, padding, value=0.0):
    """(CV.1) x (N, C, *I) copied into (C, *P, N): padding[j] = (lo, hi) values ``value``
    around spatial axis j, and the batch axis moved last (see Memory layout)."""
    if not any(lo or hi for lo, hi in padding):
        return batch_last(x)
    spatial = x.shape[2:]
    shape = (x.shape[1],) + tuple(lo + n + hi for n, (lo, hi) in zip(spatial, padding)) + (x.shape[0],)
    xp = np.full(shape, value, dtype=x.dtype)
    xp[_interior(spatial, padding)] = np.moveaxis(x, 0, -1)
    return xp


def unpad_batch_first(dxp, padding):
    """(CV.8) The inverse of pad_batch_last: dxp (C, *P, N) -> its interior as (N, C, *I)."""
    spatial = tuple(n - lo - hi for n, (lo, hi) in zip(dxp.shape[1:-1], padding))
    return batch_first(dxp[_interior(spatial, padding)])


def _interior(spatial, padding):
    return (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, padding)) + (slice(None),)


def window_view(xp, kernel, stride, dilation):
    """(CV.2) X[c, k, o, n] = xp[c, s*o + r*k, n] as a read-only view of xp (C, *P, N), shaped
    (C, *K, *O, N). Stepping o by one moves s elements along an axis, stepping k by one moves
    r: the view's strides are xp's times s and times r, and no value is copied."""
    out = output_size(xp.shape[1:-1], kernel, stride, dilation)
    step = xp.strides[1:-1]
    strides = ((xp.strides[0],) + tuple(t * r for t, r in zip(step, dilation))
               + tuple(t * s for t, s in zip(step, stride)) + (xp.strides[-1],))
    return as_strided(xp, (xp.shape[0],) + tuple(kernel) + out + (xp.shape[-1],), strides, writeable=False)


def fold_windows(dX, padded, stride, dilation):
    """(CV.7) The transpose of window_view: dX (C, *K, *O, N) -> dxp (C, *padded, N), where each
    position receives the sum of the gradients of every window entry that read it.
    One strided addition per kernel offset k: prod(K) additions of (C, *O, N) arrays."""
    d = len(stride)
    kernel, out = dX.shape[1:1 + d], dX.shape[1 + d:-1]
    dxp = np.zeros((dX.shape[0],) + tuple(padded) + (dX.shape[-1],), dtype=dX.dtype)
    for k in itertools.product(*map(range, kernel)):
        # the positions s*o + r*k for o = 0 .. O-1, on every axis at once
        target = tuple(slice(r * kj, r * kj + s * (o - 1) + 1, s)
                       for kj, o, s, r in zip(k, out, stride, dilation))
        dxp[(slice(None),) + target] += dX[(slice(None),) + k]
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
        m = samples_innermost(n, c, f, kernel)                         # M = N or 1 (Memory layout)
        s = n // m
        # x read as M samples of S*C channels: itself for M = N, one sample of N*C channels for M = 1
        xp = pad_batch_last(x.reshape((m, s * c) + x.shape[2:]), padding)     # (CV.1) (S*C, *P, M)
        X = window_view(xp, kernel, stride, dilation)                  # (CV.2) (S*C, *K, *O, M)
        out = X.shape[1 + len(kernel):-1]
        # reshaping the strided view copies it: the im2col matrices, (S, G, C/G * prod K, prod O * M)
        cols = X.reshape(s, groups, c // groups * math.prod(kernel), math.prod(out) * m)
        w = weight.reshape(groups, f // groups, -1)                    # (G, F/G, C/G * prod K)
        y = np.matmul(w, cols)                                         # (CV.3) (S, G, F/G, prod O * M)
        if bias is not None:
            y += bias.reshape(groups, f // groups, 1)                  # (CV.3) + b[f]
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (x.shape, xp.shape, m, padding, stride, dilation, groups)
        return batch_first(y.reshape((s * f,) + out + (m,))).reshape((n, f) + out)   # (N, F, *O)

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        x_shape, padded_shape, m, padding, stride, dilation, groups = ctx.geometry
        (n, f), out = grad.shape[:2], grad.shape[2:]
        s = n // m
        # G laid out as y was made: (S, G, F/G, prod O * M)
        g = batch_last(grad.reshape((m, s * f) + out)).reshape(s, groups, f // groups, -1)
        dx = dweight = dbias = None
        if ctx.needs_input_grad[0]:
            w = weight.reshape(groups, f // groups, -1)
            dcols = np.matmul(w.transpose(0, 2, 1), g)                 # (CV.6) (S, G, C/G prod K, prod O * M)
            dX = dcols.reshape(padded_shape[:1] + weight.shape[2:] + out + (m,))
            dxp = fold_windows(dX, padded_shape[1:-1], stride, dilation)           # (CV.7) (S*C, *P, M)
            dx = unpad_batch_first(dxp, padding).reshape(x_shape)                 # (CV.8)
        if ctx.needs_input_grad[1]:
            # (CV.5) one product per block of samples, summed over the blocks
            dweight = np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight.shape)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            dbias = g.sum(axis=(0, 3)).reshape(f)                      # (CV.4)
        return dx, dweight, dbias
