"""The ``F`` namespace (``import minigrad.nn.functional as F``): thin names over the ops."""
import numpy as np

from .. import ops
from ..tensor import Tensor


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias; input (N, *, in), weight (out, in), bias (out,)."""
    return ops.Linear.apply(input, weight, bias)


def relu(input):
    return ops.ReLU.apply(input)


def sigmoid(input):
    return ops.Sigmoid.apply(input)


def tanh(input):
    return ops.Tanh.apply(input)


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
