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
        return tuple(np.split(grad, ctx.splits, axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        n = grad.shape[ctx.axis]
        return tuple(np.take(grad, i, axis=ctx.axis) for i in range(n))


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
