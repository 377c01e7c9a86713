"""Matrix products. For Z = X @ W with upstream G = dL/dZ:
    dL/dX = G @ W^T        dL/dW = X^T @ G
(both follow from Z_ij = sum_k X_ik W_kj).
"""
import math

import numpy as np

from ..autograd import Function
from .elementwise import unbroadcast


def _matmul_shape_error(a_shape, b_shape):
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied "
        f"({'x'.join(map(str, a_shape))} and {'x'.join(map(str, b_shape))})")


class MatMul(Function):
    @staticmethod
    def forward(ctx, x, w):
        if x.ndim == 0 or w.ndim == 0:
            raise RuntimeError("both arguments to matmul need to be at least 1D, "
                               f"but they are {x.ndim}D and {w.ndim}D")
        if x.shape[-1] != w.shape[-2 if w.ndim > 1 else 0]:
            raise _matmul_shape_error(x.shape, w.shape)
        ctx.save_for_backward(x, w)
        return np.matmul(x, w)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        # promote 1-D operands to matrices, as matmul itself does, then undo it
        x2 = x[None, :] if x.ndim == 1 else x
        w2 = w[:, None] if w.ndim == 1 else w
        # restore the axes matmul dropped: w's trailing one first, so that for vector @ vector
        # (a 0-d output) g becomes (1,) and then (1, 1)
        g = grad
        if w.ndim == 1:
            g = np.expand_dims(g, -1)
        if x.ndim == 1:
            g = np.expand_dims(g, -2)
        dx = dw = None
        if ctx.needs_input_grad[0]:
            dx = unbroadcast(np.matmul(g, np.swapaxes(w2, -1, -2)), x2.shape)   # G @ W^T
            dx = dx.reshape(x.shape)
        if ctx.needs_input_grad[1]:
            dw = unbroadcast(np.matmul(np.swapaxes(x2, -1, -2), g), w2.shape)   # X^T @ G
            dw = dw.reshape(w.shape)
        return dx, dw


class Linear(Function):
    """(L.0) y = x @ W^T + b, fused (PyTorch stores W as (out_features, in_features)).

    x: (N, *, in), W: (out, in), b: (out,) or None  ->  y: (N, *, out)
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if x.shape[-1] != weight.shape[1]:
            # PyTorch names the input as a matrix: every leading axis folded into rows
            raise _matmul_shape_error((math.prod(x.shape[:-1]), x.shape[-1]), weight.shape[::-1])
        if x.dtype.kind != "f":
            raise RuntimeError(
                f"mat1 and mat2 must have the same dtype, but got {x.dtype} and {weight.dtype}: "
                "a linear layer needs floating-point input; convert it with x.float() "
                "(a NumPy array with x.astype(np.float32))")
        ctx.save_for_backward(x, weight)
        y = x @ weight.T   # (L.0)
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        # (L.1) dL/dx = G @ W     (L.2) dL/dW = G^T @ x     (L.3) dL/db = sum_n G
        g2 = grad.reshape(-1, grad.shape[-1])
        dx = grad @ weight if ctx.needs_input_grad[0] else None   # (L.1)
        dw = g2.T @ x.reshape(-1, x.shape[-1]) if ctx.needs_input_grad[1] else None   # (L.2)
        db = None
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            # (L.3) written as the product 1^T G: for a tall, narrow G (4096 samples, 2 outputs)
            # BLAS sums its rows about ten times faster than g2.sum(axis=0) does
            db = np.ones(len(g2), g2.dtype) @ g2   # (L.3)
        return dx, dw, db
