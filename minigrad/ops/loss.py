"""Losses, fused so that forward and backward are each one numerically stable step."""
import numpy as np

from ..autograd import Function
from .elementwise import unbroadcast

_REDUCTIONS = ("mean", "sum", "none")


def _log_softmax(x, axis):
    # log softmax(x)_j = x_j - max - log sum_k exp(x_k - max): subtracting the max keeps
    # every exponent <= 0, so nothing overflows even for logits of +-1e4
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, axis=-1):
        z = _log_softmax(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad):
        # z = x - logsumexp(x):  dL/dx = g - softmax(x) * sum_j g_j
        (z,) = ctx.saved_tensors
        return grad - np.exp(z) * grad.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Function):
    """L = -log softmax(logits)[target], averaged (or summed) over the batch.

    logits: (N, C) float; target: (N,) integer class indices in [0, C).
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean"):
        _check_reduction(reduction)
        n = logits.shape[0]
        logp = _log_softmax(logits, axis=1)
        losses = -logp[np.arange(n), target]
        ctx.reduction = reduction
        ctx.save_for_backward(logp, target)
        if reduction == "none":
            return losses
        total = losses.sum()
        return np.asarray(total / n if reduction == "mean" else total, dtype=logits.dtype)

    @staticmethod
    def backward(ctx, grad):
        # (CE.1) dL_n/dlogits_n = softmax(logits_n) - onehot(target_n)
        logp, target = ctx.saved_tensors
        n = logp.shape[0]
        dlogits = np.exp(logp)
        dlogits[np.arange(n), target] -= 1
        if ctx.reduction == "none":
            return dlogits * grad[:, None], None
        scale = grad / n if ctx.reduction == "mean" else grad
        return dlogits * scale, None


class MSELoss(Function):
    """L = mean((x - y)^2) (or the sum, or elementwise)."""

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        _check_reduction(reduction)
        diff = x - y
        ctx.reduction, ctx.shapes = reduction, (np.shape(x), np.shape(y))
        ctx.save_for_backward(diff)
        sq = diff * diff
        if reduction == "none":
            return sq
        return np.asarray(sq.mean() if reduction == "mean" else sq.sum(), dtype=sq.dtype)

    @staticmethod
    def backward(ctx, grad):
        # dL/dx = 2 (x - y) * g  (divided by n for the mean);  dL/dy = -dL/dx
        (diff,) = ctx.saved_tensors
        dx = 2 * diff * grad
        if ctx.reduction == "mean":
            dx = dx / diff.size
        return unbroadcast(dx, ctx.shapes[0]), unbroadcast(-dx, ctx.shapes[1])
