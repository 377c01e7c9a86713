"""Ops that move elements without changing them: the backward moves the gradient back."""
import numpy as np

from ..autograd import Function
from .elementwise import unbroadcast


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        # z = x (a copy): dz/dx = 1
        return grad


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        # the same numbers in a new arrangement: undo the arrangement
        return grad.reshape(ctx.shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        # apply the inverse permutation
        return np.transpose(grad, np.argsort(ctx.axes))


class Index(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        # scatter-add: an element picked k times (fancy indexing) receives k gradients
        dx = np.zeros(ctx.shape, dtype=ctx.dtype)
        np.add.at(dx, ctx.index, grad)
        return dx


class Cat(Function):
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # each input gets back its own slice of the gradient
        parts = np.split(grad, ctx.splits, axis=ctx.axis)
        return tuple(part if need else None for part, need in zip(parts, ctx.needs_input_grad))


class Stack(Function):
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # input i is the slice i of the output along the new axis
        return tuple(np.take(grad, i, axis=ctx.axis) if need else None
                     for i, need in enumerate(ctx.needs_input_grad))


class SetItem(Function):
    """``x[index] = value`` as an op, out of place: ``Tensor.__setitem__`` writes the result
    back into x's memory and makes this node x's grad_fn. PyTorch calls the node CopySlices.

    x: any shape; value: broadcastable to ``x[index]``; returns x with the region replaced.
    """

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, ctx.value_shape = index, np.shape(value)
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        # out = x outside the region and value inside it: the overwritten part of x gets no
        # gradient, and value gets the region's gradient (summed back over any broadcast)
        dx = dvalue = None
        if ctx.needs_input_grad[0]:
            dx = grad.copy()
            dx[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            dvalue = unbroadcast(grad[ctx.index], ctx.value_shape)
        return dx, dvalue

    def name(self) -> str:
        return "CopySlices"


# ---------------------------------------------------------------- expand, repeat, gather, embedding
class Expand(Function):
    """A broadcast view of x at ``shape`` (new leading axes, size-1 axes stretched)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        # every copy of an element contributes: the adjoint of broadcasting is summing
        return unbroadcast(grad, ctx.shape)


class Repeat(Function):
    """x tiled ``repeats[i]`` times along axis i (``repeats`` may add leading axes), as np.tile."""

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.shape, ctx.repeats = x.shape, repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        # view the gradient as (r0, s0, r1, s1, ...): axis 2i counts the copies along axis i,
        # and every copy of an element contributes, so sum over the copies
        shape = (1,) * (len(ctx.repeats) - len(ctx.shape)) + ctx.shape
        pairs = [n for r, s in zip(ctx.repeats, shape) for n in (r, s)]
        summed = grad.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2)))
        return summed.reshape(ctx.shape)


class Gather(Function):
    """z = x[..., index, ...] along ``axis``, index an integer array of z's shape
    (np.take_along_axis): what sort and topk return as their values."""

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.shape, ctx.index, ctx.axis = x.shape, index, axis
        return np.take_along_axis(x, index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # scatter-add back to the positions read (a position read twice gets both gradients)
        dx = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(dx, _along(ctx.index, ctx.axis), grad)
        return dx


def _along(index, axis):
    """The full index tuple that np.take_along_axis(x, index, axis) reads."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


class Embedding(Function):
    """(EMB.1) z = weight[index]: row index[...] of the table for every index.

    weight: (num_embeddings, dim); index: integer array of any shape -> z: index.shape + (dim,).
    padding_idx: a row that receives no gradient (its embedding stays as it is), or None.
    """

    @staticmethod
    def forward(ctx, weight, index, padding_idx=None):
        ctx.shape, ctx.index, ctx.padding_idx = weight.shape, index, padding_idx
        return weight[index]

    @staticmethod
    def backward(ctx, grad):
        # (EMB.2) dL/dweight[k] = sum of g over the positions where index == k (scatter-add)
        dweight = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(dweight, ctx.index.reshape(-1), grad.reshape(-1, ctx.shape[1]))
        if ctx.padding_idx is not None:
            dweight[ctx.padding_idx] = 0
        return dweight
