"""Reductions. Each output element is built from a set of input elements; the backward
sends the upstream gradient back to that set (expanding over the reduced axes).
"""
import numpy as np

from ..autograd import Function


def normalize_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    low, high = -max(ndim, 1), max(ndim, 1) - 1     # a 0-d tensor accepts dim 0 and -1
    for a in axis:
        # checked, not wrapped: a % ndim would quietly turn dim=2 of a matrix into dim=0
        if not low <= a <= high:
            raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                             f"but got {a})")
    return tuple(a % ndim for a in axis) if ndim else ()


def _note_axes(ctx, x, axis, keepdims):
    """Keep on ctx what every reduction's backward needs to send g back over x: x's shape, the
    reduced axes (checked, as PyTorch's dims) and keepdims. Returns the axes."""
    ctx.shape, ctx.axes, ctx.keepdims = x.shape, normalize_axis(axis, x.ndim), keepdims
    return ctx.axes


def _expand(grad, axes, keepdims):
    """Put back the reduced axes as size-1 axes so ``grad`` broadcasts over the input (a 0-d
    gradient, every axis reduced, broadcasts as it is)."""
    return grad if keepdims or grad.ndim == 0 else np.expand_dims(grad, axes)


def _spread(g, shape):
    """g broadcast to ``shape``, written into a new array: NumPy's read-only broadcast_to view
    costs more to make than this copy for small arrays, and what reads it next (a matmul, a
    leaf's .grad) wants contiguous memory anyway."""
    out = np.empty(shape, g.dtype)
    out[...] = g
    return out


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        return np.sum(x, axis=_note_axes(ctx, x, axis, keepdims), keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        # z = sum_i x_i:  dz/dx_i = 1, so every summed element gets g
        return _spread(_expand(grad, ctx.axes, ctx.keepdims), ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = _note_axes(ctx, x, axis, keepdims)
        ctx.count = int(np.prod([x.shape[a] for a in axes]))
        return np.mean(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        # z = (1/n) sum_i x_i:  dz/dx_i = 1/n
        return _spread(_expand(grad, ctx.axes, ctx.keepdims) / ctx.count, ctx.shape)


class Max(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = _note_axes(ctx, x, axis, keepdims)
        z = np.max(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x == z)
        return z if keepdims else np.squeeze(z, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        # z = max_i x_i:  dz/dx_i = 1 for the maximum, 0 elsewhere; ties share it equally
        (is_max,) = ctx.saved_tensors
        share = (is_max / is_max.sum(axis=ctx.axes, keepdims=True)).astype(grad.dtype)
        return _expand(grad, ctx.axes, ctx.keepdims) * share
