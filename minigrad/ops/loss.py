"""Losses, fused so that forward and backward are each one numerically stable step. Their
checks and messages are in :mod:`minigrad.validation`, one call at the top of each forward."""
import numpy as np

from .. import validation
from ..autograd import Function
from .elementwise import unbroadcast


def _log_softmax(x, axis):
    # log softmax(x)_j = x_j - max - log sum_k exp(x_k - max): subtracting the max keeps
    # every exponent <= 0, so nothing overflows even for logits of +-1e4
    # (the reductions as ufunc calls: ndarray.max and .sum would add a Python wrapper each)
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


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


class CrossEntropyLoss(Function):
    """L = -log softmax(logits)[target], averaged (or summed) over the batch, as
    ``torch.nn.functional.cross_entropy``; with PyTorch's options:

    logits: (N, C) float; target: (N,) integer class indices in [0, C), or ``ignore_index``
    (that sample adds nothing and is not counted); weight: (C,) per-class weights or None
    (all 1); label_smoothing: eps in [0, 1], the share of the target spread over all classes.
    Per sample, with logp = log softmax(logits_n) and w_y = weight[target_n]:
      (CE.2) L_n = (1 - eps) w_y (-logp[target_n]) + eps / C  sum_c w_c (-logp[c])
      (CE.3) mean: L = sum_n L_n / sum_n w_y over the samples not ignored (PyTorch's weighted
             mean: both terms share that divisor); sum: L = sum_n L_n.
    Without weight, ignore_index or smoothing this is the mean of -logp[target_n].
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean", weight=None, ignore_index=-100,
                label_smoothing=0.0):
        some_ignored = validation.check_cross_entropy(logits, target, reduction, weight, ignore_index,
                                                      label_smoothing)
        logp = _log_softmax(logits, axis=1)
        ctx.reduction, ctx.smoothing, ctx.weight = reduction, label_smoothing, weight
        if weight is None and not label_smoothing and not some_ignored:
            # every sample weighs 1 (w_y = None below): the mean of -logp[target_n]
            ctx.save_for_backward(logp, target, None)
            return _reduced(-logp[np.arange(len(target)), target], None, reduction)  # (CE.1)
        rows, target, w_y = _picked(target, weight, ignore_index, logits.dtype)
        losses = -logp[rows, target] * (w_y * (1 - label_smoothing))               # (CE.2)
        if label_smoothing:
            w_c = np.ones(logp.shape[1], logp.dtype) if weight is None else weight.astype(logp.dtype)
            spread = label_smoothing / logp.shape[1]
            losses -= (logp @ w_c) * spread * (w_y != 0)                           # (CE.2)
        ctx.save_for_backward(logp, target, w_y)
        return _reduced(losses, w_y, reduction)                                    # (CE.3)

    @staticmethod
    def backward(ctx, grad):
        # d(-logp[k]) / dlogits_j = p_j - [j = k], so by (CE.2)
        #   dL_n/dlogits_n = (1 - eps) w_y (p - onehot(target_n)) + eps / C (sum_c w_c  p - w)
        # and with neither weights nor smoothing, (CE.1):
        logp, target, w_y = ctx.saved_tensors
        n, classes = logp.shape
        p = np.exp(logp)   # (CE.1) softmax(logits)
        dlogits = p.copy() if ctx.smoothing else p
        dlogits[np.arange(n), target] -= 1                                        # (CE.1)
        if w_y is not None:
            dlogits *= (w_y * (1 - ctx.smoothing))[:, None]
        if ctx.smoothing:
            w_c = np.ones(classes, p.dtype) if ctx.weight is None else ctx.weight.astype(p.dtype)
            spread = (ctx.smoothing / classes) * (w_y != 0)[:, None]
            dlogits += spread * (p * w_c.sum() - w_c)
        dlogits *= _reduction_scale(grad, w_y, ctx.reduction, n)
        return dlogits, None


class MSELoss(Function):
    """L = mean((x - y)^2) (or the sum, or elementwise)."""

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        validation.check_mse_loss(x, y, reduction)
        diff = _difference(ctx, x, y, reduction)
        ctx.save_for_backward(diff)
        return _pointwise_reduced(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        # dl/dx = 2 (x - y), times g (divided by n for the mean);  dl/dy = -dl/dx
        (diff,) = ctx.saved_tensors
        return _difference_grads(ctx, 2 * diff, grad)


# ---------------------------------------------------------------- binary, L1 and NLL losses, and the reductions
def _pointwise_reduced(losses, reduction):
    """The elementwise losses, their mean or their sum."""
    if reduction == "none":
        return losses
    return np.asarray(losses.mean() if reduction == "mean" else losses.sum(), dtype=losses.dtype)


def _pointwise_scale(grad, size, reduction):
    """dL/dl_i for each reduction: g per element, g / size for the mean, g for the sum."""
    return grad / size if reduction == "mean" else grad


def _difference(ctx, x, y, reduction):
    """x - y for a loss of the difference (mse, l1, smooth l1), noting on ctx what
    :func:`_difference_grads` needs."""
    ctx.reduction, ctx.shapes = reduction, (np.shape(x), np.shape(y))
    return x - y


def _difference_grads(ctx, slope, grad):
    """(dL/dx, dL/dy) of a loss of the difference x - y (mse, l1, smooth l1), from its slope
    dl/dx per element: dl/dy = -dl/dx, each summed back over any broadcast of x or y."""
    dx = slope * _pointwise_scale(grad, slope.size, ctx.reduction)
    return (unbroadcast(dx, ctx.shapes[0]) if ctx.needs_input_grad[0] else None,
            unbroadcast(-dx, ctx.shapes[1]) if ctx.needs_input_grad[1] else None)


class BCELoss(Function):
    """Binary cross-entropy of probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    x: probabilities in [0, 1], any shape; y: targets in [0, 1], the same shape; weight: an
    array broadcasting against x, or None.
      (BCE.1) l = -w (y log x + (1 - y) log(1 - x)), each log clamped to >= -100 (PyTorch's
              guard: x = 0 or 1 gives a finite loss of 100, not inf)
      (BCE.2) dl/dx = w (x - y) / (x (1 - x)), the denominator kept >= 1e-12 as PyTorch does
      (BCE.3) dl/dy = w (log(1 - x) - log x), unclamped as in PyTorch: infinite at x = 0 or 1
    """

    @staticmethod
    def forward(ctx, x, y, weight=None, reduction="mean"):
        validation.check_binary_cross_entropy(x, y, reduction)
        with np.errstate(divide="ignore"):
            log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
        w = 1 if weight is None else weight.astype(x.dtype)
        losses = -w * (y * log_x + (1 - y) * log_1mx)                            # (BCE.1)
        ctx.reduction = reduction
        ctx.save_for_backward(x, y, w)
        return _pointwise_reduced(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, w = ctx.saved_tensors
        g = _pointwise_scale(grad, x.size, ctx.reduction)
        # (BCE.2) dl/dx = w (x - y) / (x (1 - x)), the denominator kept >= 1e-12 as PyTorch does
        dx = g * w * (x - y) / np.maximum(x * (1 - x), 1e-12) if ctx.needs_input_grad[0] else None  # (BCE.2)
        dy = None
        if ctx.needs_input_grad[1]:
            # (BCE.3) dl/dy = w (log(1 - x) - log x): PyTorch does not clamp these logs, so at
            # x = 0 or 1 this gradient is infinite
            with np.errstate(divide="ignore"):
                dy = g * w * (np.log1p(-x) - np.log(x))   # (BCE.3)
        return dx, dy


class BCEWithLogitsLoss(Function):
    """Sigmoid and binary cross-entropy in one stable step, as
    ``torch.nn.functional.binary_cross_entropy_with_logits``.

    x: logits, any shape; y: targets in [0, 1], the same shape; weight: broadcasts against x;
    pos_weight: the weight of the positive term, broadcasting against x's last axis (classes).
    With log sigmoid(x) = -softplus(-x) and log(1 - sigmoid(x)) = -x - softplus(-x):
      (BCE.4) l = w ((1 - y) x + (1 + (pos_weight - 1) y) softplus(-x)),
              softplus(-x) = max(-x, 0) + log(1 + e^-|x|), which never overflows.
      (BCE.5) dl/dx = w ((1 - y) - (1 + (pos_weight - 1) y) sigmoid(-x))
      (BCE.6) dl/dy = w (-x + (pos_weight - 1) softplus(-x))
    """

    @staticmethod
    def forward(ctx, x, y, weight=None, pos_weight=None, reduction="mean"):
        validation.check_binary_cross_entropy_with_logits(x, y, reduction)
        softplus = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        w = 1 if weight is None else weight.astype(x.dtype)
        extra = 0 if pos_weight is None else pos_weight.astype(x.dtype) - 1      # pos_weight - 1
        losses = w * ((1 - y) * x + (1 + extra * y) * softplus)                   # (BCE.4)
        ctx.reduction = reduction
        ctx.save_for_backward(x, y, w, extra, softplus)
        return _pointwise_reduced(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, w, extra, softplus = ctx.saved_tensors
        g = _pointwise_scale(grad, x.size, ctx.reduction)
        # (BCE.5) dl/dx = w ((1 - y) - (1 + (pos_weight - 1) y) sigmoid(-x)); without
        # pos_weight that is w (sigmoid(x) - y)
        dx = None
        if ctx.needs_input_grad[0]:
            sigmoid_neg = 0.5 * (1 - np.tanh(0.5 * x))
            dx = g * w * ((1 - y) - (1 + extra * y) * sigmoid_neg)   # (BCE.5)
        # (BCE.6) dl/dy = w (-x + (pos_weight - 1) softplus(-x))
        dy = g * w * (extra * softplus - x) if ctx.needs_input_grad[1] else None   # (BCE.6)
        return dx, dy


class L1Loss(Function):
    """The absolute error, as ``torch.nn.functional.l1_loss``.

      (L1.1) l = |x - y|
      (L1.2) dl/dx = sign(x - y) (0 where x = y, as PyTorch), dl/dy = -dl/dx
    """

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        validation.check_l1_loss(x, y, reduction)
        diff = _difference(ctx, x, y, reduction)
        ctx.save_for_backward(np.sign(diff))
        return _pointwise_reduced(np.abs(diff), reduction)   # (L1.1)

    @staticmethod
    def backward(ctx, grad):
        # (L1.2) dl/dx = sign(x - y) (0 where x = y, as PyTorch), dl/dy = -dl/dx
        (sign,) = ctx.saved_tensors
        return _difference_grads(ctx, sign, grad)   # (L1.2)


class SmoothL1Loss(Function):
    """The Huber-like loss of Fast R-CNN, as ``torch.nn.functional.smooth_l1_loss``:
      (SL1.1) l = (x - y)^2 / (2 beta) where |x - y| < beta, else |x - y| - beta / 2
    (beta = 0 is the L1 loss). Quadratic near 0 and linear far away: large errors pull with a
    bounded gradient.
      (SL1.2) dl/dx = (x - y) / beta where |x - y| < beta, else sign(x - y); dl/dy = -dl/dx
    """

    @staticmethod
    def forward(ctx, x, y, reduction="mean", beta=1.0):
        validation.check_smooth_l1_loss(x, y, reduction, beta)
        diff = _difference(ctx, x, y, reduction)
        near = np.abs(diff) < beta
        quadratic = 0.5 * diff * diff / beta if beta > 0 else 0
        losses = np.where(near, quadratic, np.abs(diff) - 0.5 * beta)             # (SL1.1)
        # (SL1.2) dl/dx = (x - y) / beta where |x - y| < beta, else sign(x - y); dl/dy = -dl/dx
        ctx.save_for_backward(np.where(near, diff / (beta if beta > 0 else 1), np.sign(diff)))
        return _pointwise_reduced(losses.astype(diff.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_tensors
        return _difference_grads(ctx, slope, grad)                               # (SL1.2)


class NLLLoss(Function):
    """L = -input[target], the negative log-likelihood of log-probabilities, as
    ``torch.nn.functional.nll_loss``: cross-entropy is log_softmax followed by this.

    input: (N, C) log-probabilities; target: (N,) class indices or ``ignore_index``;
    weight: (C,) or None.
      (NLL.1) L_n = -w_y input[n, target_n]; the mean is (CE.3)
      (NLL.2) dL_n/dinput[n, c] = -w_y where c = target_n, and 0 elsewhere
    """

    @staticmethod
    def forward(ctx, input, target, reduction="mean", weight=None, ignore_index=-100):
        validation.check_cross_entropy(input, target, reduction, weight, ignore_index, name="nll_loss")
        rows, target, w_y = _picked(target, weight, ignore_index, input.dtype)
        ctx.shape, ctx.reduction = input.shape, reduction
        ctx.save_for_backward(target, w_y)
        return _reduced(-input[rows, target] * w_y, w_y, reduction)              # (NLL.1)

    @staticmethod
    def backward(ctx, grad):
        # (NLL.2) dL_n/dinput[n, c] = -w_y where c = target_n, and 0 elsewhere
        target, w_y = ctx.saved_tensors
        dinput = np.zeros(ctx.shape, dtype=w_y.dtype)
        dinput[np.arange(len(target)), target] = -w_y   # (NLL.2)
        return dinput * _reduction_scale(grad, w_y, ctx.reduction, len(target)), None


def _picked(target, weight, ignore_index, dtype):
    """(rows, safe target, w_y): w_y[n] = weight[target_n] (1 without weights), 0 where the
    target is ignore_index; the ignored targets are replaced by class 0 so they index safely."""
    ignored = target == ignore_index
    safe = np.where(ignored, 0, target)
    w_y = np.ones(len(target), dtype) if weight is None else weight.astype(dtype)[safe]
    w_y[ignored] = 0
    return np.arange(len(target)), safe, w_y


def _reduced(losses, w_y, reduction):
    """(CE.3) the per-sample losses, their sum, or their sum over sum_n w_y (w_y None: every
    sample weighs 1, and the divisor is N)."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return np.asarray(total, dtype=losses.dtype)
    divisor = _weight_total(w_y, len(losses))
    if not divisor:
        with np.errstate(invalid="ignore", divide="ignore"):   # every target ignored: nan, as PyTorch
            return np.asarray(total / divisor, dtype=losses.dtype)
    return np.asarray(total / divisor, dtype=losses.dtype)


def _weight_total(w_y, n):
    """sum_n w_y, the divisor of the mean (CE.3); n when every sample weighs 1 (w_y None)."""
    return n if w_y is None else w_y.sum()


def _reduction_scale(grad, w_y, reduction, n):
    """What dL/dL_n is for each of n samples and each reduction, shaped to multiply an (N, C)
    gradient."""
    if reduction == "none":
        return grad[:, None]
    return grad / _weight_total(w_y, n) if reduction == "mean" else grad

