"""Losses, fused so that forward and backward are each one numerically stable step."""
import warnings

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


def _check_cross_entropy(logits, target):
    """One cheap test for the usual case; the diagnosis runs only when it fails."""
    if (logits.ndim != 2 or logits.dtype.kind != "f" or target.dtype.kind not in "iu"
            or target.shape != logits.shape[:1]):
        raise _cross_entropy_error(logits, target)
    classes = logits.shape[1]
    if target.size and (target.min() < 0 or target.max() >= classes):
        bad = target[(target < 0) | (target >= classes)][0]
        raise IndexError(
            f"Target {bad} is out of bounds. The logits have {classes} classes, so targets must "
            f"be in [0, {classes - 1}]: give the last layer out_features equal to the number "
            "of classes")


def _cross_entropy_error(logits, target):
    if logits.ndim != 2:
        fix = ("did you swap them? The call is cross_entropy(logits, target)"
               if logits.ndim == 1 and target.ndim == 2 else
               "for one sample use logits.unsqueeze(0) and a target of shape (1,)"
               if logits.ndim == 1 else "flatten the extra axes into N first")
        return RuntimeError(f"cross_entropy expects logits of shape (N, C), got shape "
                            f"{tuple(logits.shape)}: {fix}")
    if logits.dtype.kind != "f":
        return NotImplementedError(f"\"log_softmax\" not implemented for {logits.dtype}: "
                                   "cross_entropy needs floating-point logits; convert them with .float()")
    if target.dtype.kind not in "iu" and target.ndim == 2:
        return RuntimeError(
            f"cross_entropy expects class indices of shape (N,) as target, got a {target.dtype} "
            f"array of shape {tuple(target.shape)}: if its rows are one-hot, use target.argmax(1)")
    if target.dtype.kind not in "iu":
        return RuntimeError(
            f"expected target dtype to be Long or Byte, but got {target.dtype}: the target of "
            "cross_entropy holds class indices; convert it with target.long() (a NumPy array "
            "with target.astype(np.int64))")
    if target.ndim == 1:
        return ValueError(f"Expected input batch_size ({logits.shape[0]}) to match target "
                          f"batch_size ({target.shape[0]}).")
    return ValueError(f"cross_entropy expects a target of shape (N,) = ({logits.shape[0]},), "
                      f"got shape {tuple(target.shape)}")


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
        _check_cross_entropy(logits, target)
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
        if x.dtype.kind != "f":
            raise NotImplementedError(f"\"mse_loss\" not implemented for {x.dtype}: the input (the "
                                      "model's output) must be floating point; convert it with .float()")
        if isinstance(y, np.ndarray) and y.shape != x.shape:
            # broadcasting (N, 1) against (N,) gives an (N, N) loss: almost always a bug
            warnings.warn(f"Using a target size {y.shape} that is different to the input size "
                          f"{x.shape}. This will likely lead to incorrect results due to "
                          "broadcasting. Please ensure they have the same size.", stacklevel=4)
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
