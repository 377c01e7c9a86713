"""Reductions. Each output element is built from a set of input elements; the backward
sends the upstream gradient back to that set (expanding over the reduced axes).
"""
import numpy as np

from ..autograd import Function


def _normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _expand(grad, axes, keepdims):
    """Put back the reduced axes as size-1 axes so ``grad`` broadcasts over the input."""
    return grad if keepdims else np.expand_dims(grad, axes)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        ctx.axes = _normalize_axis(axis, x.ndim)
        ctx.keepdims = keepdims
        return np.sum(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        # z = sum_i x_i:  dz/dx_i = 1, so every summed element gets g
        return np.broadcast_to(_expand(grad, ctx.axes, ctx.keepdims), ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        ctx.axes = _normalize_axis(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        # z = (1/n) sum_i x_i:  dz/dx_i = 1/n
        g = _expand(grad, ctx.axes, ctx.keepdims) / ctx.count
        return np.broadcast_to(g, ctx.shape)


class Max(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = _normalize_axis(axis, x.ndim)
        ctx.keepdims = keepdims
        z = np.max(x, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x == z)
        return z if keepdims else np.squeeze(z, axis=ctx.axes)

    @staticmethod
    def backward(ctx, grad):
        # z = max_i x_i:  dz/dx_i = 1 for the maximum, 0 elsewhere; ties share it equally
        (is_max,) = ctx.saved_tensors
        share = (is_max / is_max.sum(axis=ctx.axes, keepdims=True)).astype(grad.dtype)
        return _expand(grad, ctx.axes, ctx.keepdims) * share
