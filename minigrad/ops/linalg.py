"""Matrix products. For Z = X @ W with upstream G = dL/dZ:
    dL/dX = G @ W^T        dL/dW = X^T @ G
(both follow from Z_ij = sum_k X_ik W_kj).
"""
import numpy as np

from .. import validation
from ..autograd import Function
from .elementwise import needs_grad, unbroadcast


class MatMul(Function):
    @staticmethod
    def forward(ctx, x, w):
        validation.check_matmul(x, w)
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
        validation.check_linear(x, weight)
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
        if needs_grad(ctx, 2):
            # (L.3) written as the product 1^T G: for a tall, narrow G (4096 samples, 2 outputs)
            # BLAS sums its rows about ten times faster than g2.sum(axis=0) does
            db = np.ones(len(g2), g2.dtype) @ g2   # (L.3)
        return dx, dw, db
