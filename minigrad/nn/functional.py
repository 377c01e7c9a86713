"""The ``F`` namespace (``import minigrad.nn.functional as F``): thin names over the ops."""
import math
import warnings

import numpy as np

from .. import ops
from ..dtypes import legacy_name
from ..ops.batchnorm import BatchNorm, BatchNormEval
from ..random import default_generator
from ..tensor import Tensor, _raw


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias; input (N, *, in), weight (out, in), bias (out,)."""
    return ops.Linear.apply(input, weight, bias)


def relu(input, inplace=False):
    """max(input, 0). ``inplace`` is accepted for PyTorch's signature; the result is always a
    new tensor (the input is left as it is)."""
    return ops.ReLU.apply(input)


def sigmoid(input):
    return ops.Sigmoid.apply(input)


def tanh(input):
    return ops.Tanh.apply(input)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p), as
    ``torch.nn.functional.dropout``; equation (D.1) in :mod:`minigrad.ops.elementwise`.

    input: Tensor of any shape; returns a Tensor of the same shape. The mask comes from
    ``minigrad.random.default_generator()``, so ``manual_seed`` makes it reproducible.
    With ``training=False`` or ``p=0`` the input itself is returned; ``p=1`` gives zeros.
    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor.
    """
    _check_dropout_probability(p)
    if not training or p == 0:
        return input
    mask = default_generator().random(input.shape) < 1 - p    # True (kept) with probability 1 - p
    return ops.Dropout.apply(input, p, mask)


def _check_dropout_probability(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log softmax(input) along ``dim``; ``dtype`` casts the input first, as in PyTorch."""
    dim = _softmax_dim(input, dim, "log_softmax", _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return ops.LogSoftmax.apply(input, axis=dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x_j / sum_k e^x_k along ``dim``: the exponential of log_softmax, which is stable."""
    return log_softmax(input, _softmax_dim(input, dim, "softmax", _stacklevel), dtype=dtype).exp()


def _softmax_dim(input, dim, name, stacklevel):
    """PyTorch's rule for a missing dim (deprecated, with a warning): 0 for 0-, 1- and 3-d
    input, else 1."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if input.ndim in (0, 1, 3) else 1


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Mean (or sum, or per-sample) of -log softmax(input)[target], as PyTorch's; equations
    (CE.1)-(CE.3) in :mod:`minigrad.ops.loss`.

    input: (N, C) logits, float; target: (N,) integer class indices in [0, C).
    weight: (C,) class weights; ignore_index: a target value that is skipped (and not counted
    in the mean); label_smoothing: the share eps of each target spread evenly over the C classes.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return ops.CrossEntropy.apply(input, _indices(target), reduction=reduction, weight=_raw(weight),
                                  ignore_index=ignore_index, label_smoothing=label_smoothing)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return ops.MSELoss.apply(input, target, reduction=_legacy_reduction(size_average, reduce, reduction))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over axis 1, as ``torch.nn.functional.batch_norm``.

    input: (N, C, *) float Tensor. running_mean, running_var: (C,) Tensors, or both None.
    weight, bias: (C,) Tensors or None (then 1 and 0). Returns a Tensor shaped like input.

    training=True: normalise each channel with the batch's mean and biased variance,
    equations (BN.1)-(BN.4) in :mod:`minigrad.ops.batchnorm`; if the running statistics are
    given, update them in place (BN.12)-(BN.13): ``momentum`` is the weight of the new batch,
    and running_var takes the unbiased variance (times n/(n-1), n = values per channel).
    momentum must be a number; for a cumulative average pass 1/k at the k-th batch (this is
    what ``BatchNorm1d(momentum=None)`` does).
    training=False: normalise with the running statistics (BN.14), which must be given.
    Gradients flow to input, weight and bias, never to the running statistics.
    """
    if training:
        _verify_batch_size(input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' must be float, not NoneType "
                        "(for a cumulative average pass 1/k at the k-th batch)")
    _check_batch_norm_args(input, running_mean, running_var, weight, bias)
    stats = dict(running_mean=_raw(running_mean), running_var=_raw(running_var), eps=eps)
    if training:
        return BatchNorm.apply(input, weight, bias, momentum=momentum, **stats)
    if running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    return BatchNormEval.apply(input, weight, bias, **stats)


def _verify_batch_size(shape):
    """Training needs two or more values per channel: with one, x - mean is 0 and var is 0."""
    if shape[0] * math.prod(shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {tuple(shape)}: "
            "a batch of one has zero variance; train with batches of 2 or more, or call "
            "model.eval() to use the running statistics for a single sample")


def _check_batch_norm_args(input, running_mean, running_var, weight, bias):
    """PyTorch's checks, with its error types and messages."""
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got 1)")
    dtype = np.dtype(input.dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"batch_norm\" not implemented for '{legacy_name(dtype)}': "
            "cast the input to floating point first, e.g. x.float()")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    channels = input.shape[1]
    named = dict(running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    for name, t in named.items():
        if t is not None and _raw(t).size != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {_raw(t).size}")
    for name, t in named.items():
        if t is not None and _raw(t).dtype != dtype:
            raise RuntimeError(
                f"mixed dtype (CPU): all inputs must share same datatype. (input is {dtype.name} "
                f"but {name} is {_raw(t).dtype.name}: convert the module with .double() or "
                ".float(), or the input with .double() or .float())")


# ---- activations, embeddings and losses
def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise, (ACT.1). ``inplace`` as in :func:`relu`."""
    return ops.LeakyReLU.apply(input, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise, (ACT.2). ``inplace`` as in :func:`relu`."""
    return ops.ELU.apply(input, alpha=alpha)


def gelu(input, approximate="none"):
    """x Phi(x) with Phi the standard normal CDF (ACT.3), or its tanh approximation (ACT.4)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh (got '{approximate}')")
    return ops.GELU.apply(input, approximate=approximate)


def silu(input, inplace=False):
    """x sigmoid(x), (ACT.5). ``inplace`` as in :func:`relu`."""
    return ops.SiLU.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold, (ACT.6)."""
    return ops.Softplus.apply(input, beta=beta, threshold=threshold)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer tensor ``input``: the
    output has shape input.shape + (dim,), (EMB.1). Row ``padding_idx`` gets no gradient."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported by minigrad; leave them at their defaults")
    index = np.asarray(_raw(input))
    if index.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got minigrad.{legacy_name(index.dtype)}Tensor instead "
                           "(while checking arguments for embedding): convert the indices with .long()")
    rows = weight.shape[0]
    if index.size and (index.min() < 0 or index.max() >= rows):
        raise IndexError(f"index out of range in self: the indices must be in [0, {rows - 1}] for an "
                         f"embedding of {rows} rows (got {index.min()}..{index.max()})")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += rows
    return ops.Embedding.apply(weight, index=index, padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    """(N, ...) class indices -> (N, ..., num_classes) int64 rows of 0 and 1; num_classes=-1
    means one more than the largest index."""
    index = np.asarray(_raw(tensor))
    if index.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if index.size and index.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(index.max()) + 1 if index.size else 0
    elif index.size and index.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((index[..., None] == np.arange(num_classes)).astype(np.int64))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[target] for log-probabilities (N, C), (NLL.1): log_softmax then nll_loss is
    cross_entropy. ``weight`` and ``ignore_index`` as in :func:`cross_entropy`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return ops.NLLLoss.apply(input, _indices(target), reduction=reduction, weight=_raw(weight),
                             ignore_index=ignore_index)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x, (BCE.1)."""
    return ops.BCELoss.apply(input, _target(target, input), weight=_raw(weight),
                             reduction=_legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy of sigmoid(input), computed stably from the logits, (BCE.4);
    ``pos_weight`` (one per class, the last axis) weighs the positive term."""
    return ops.BCEWithLogits.apply(input, _target(target, input), weight=_raw(weight),
                                   pos_weight=_raw(pos_weight),
                                   reduction=_legacy_reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|input - target|, (L1.1)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return ops.L1Loss.apply(input, _target(target, input), reduction=reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic for |input - target| < beta, linear beyond, (SL1.1)."""
    return ops.SmoothL1Loss.apply(input, _target(target, input), beta=beta,
                                  reduction=_legacy_reduction(size_average, reduce, reduction))


def _indices(target):
    """Class indices as an integer ndarray (they get no gradient)."""
    return np.asarray(_raw(target))


def _target(target, input):
    """A regression or binary target: a Tensor stays one (a gradient may flow to it); an array
    or a number becomes an array of the input's dtype."""
    return target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype)


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average``/``reduce`` pair, mapped to ``reduction`` as it does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                  "instead.", stacklevel=3)
    return reduction
