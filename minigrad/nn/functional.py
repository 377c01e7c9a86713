"""The ``F`` namespace (``import minigrad.nn.functional as F``): thin names over the ops."""
import math

import numpy as np

from .. import ops
from ..ops.batchnorm import BatchNorm, BatchNormEval
from ..random import default_generator
from ..tensor import Tensor, _raw


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias; input (N, *, in), weight (out, in), bias (out,)."""
    return ops.Linear.apply(input, weight, bias)


def relu(input):
    return ops.ReLU.apply(input)


def sigmoid(input):
    return ops.Sigmoid.apply(input)


def tanh(input):
    return ops.Tanh.apply(input)


def dropout(input, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1 / (1 - p), as
    ``torch.nn.functional.dropout``; equation (D.1) in :mod:`minigrad.ops.elementwise`.

    input: Tensor of any shape; returns a Tensor of the same shape. The mask comes from
    ``minigrad.random.default_generator()``, so ``manual_seed`` makes it reproducible.
    With ``training=False`` or ``p=0`` the input itself is returned; ``p=1`` gives zeros.
    """
    _check_dropout_probability(p)
    if not training or p == 0:
        return input
    mask = default_generator().random(input.shape) < 1 - p    # True (kept) with probability 1 - p
    return ops.Dropout.apply(input, p, mask)


def _check_dropout_probability(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def log_softmax(input, dim=-1):
    return ops.LogSoftmax.apply(input, axis=dim)


def softmax(input, dim=-1):
    return log_softmax(input, dim).exp()


def cross_entropy(input, target, reduction="mean"):
    """Mean (or sum, or per-sample) of -log softmax(input)[target].

    input: (N, C) logits, float; target: (N,) integer class indices in [0, C).
    """
    target = target.data if isinstance(target, Tensor) else np.asarray(target)
    return ops.CrossEntropy.apply(input, target, reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    return ops.MSELoss.apply(input, target, reduction=reduction)


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


# PyTorch's names for integer dtypes, used in its "not implemented" message
_TORCH_DTYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                      "uint8": "Byte", "bool": "Bool"}


def _check_batch_norm_args(input, running_mean, running_var, weight, bias):
    """PyTorch's checks, with its error types and messages."""
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got 1)")
    dtype = np.dtype(input.dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"batch_norm\" not implemented for '{_TORCH_DTYPE_NAMES.get(dtype.name, dtype.name)}': "
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
