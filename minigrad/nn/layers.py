"""Layers without running state: Linear, the activations, Flatten, Dropout and Identity."""
import math

import numpy as np

from .. import ops
from ..tensor import DEFAULT_DTYPE, Tensor
from . import functional as F, init
from .module import Module, Parameter


def register_weight_and_bias(module, weight_shape, bias: bool, dtype=None):
    """Give ``module`` a Parameter ``weight`` of weight_shape and a ``bias`` of weight_shape[0]
    (or None), uninitialised; Linear and Conv1d/2d/3d share this."""
    dtype = np.dtype(DEFAULT_DTYPE if dtype is None else dtype)
    module.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty(weight_shape[0], dtype=dtype))
    else:
        module.register_parameter("bias", None)


def reset_weight_and_bias(weight, bias):
    """PyTorch's default initialisation of Linear and Conv*d: kaiming_uniform_ with a = sqrt(5)
    for the weight, which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the
    bias; fan_in = weight.shape[1] * prod(kernel size) (in_features for Linear)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = init._fan_in_and_fan_out(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x W^T + b, as ``torch.nn.Linear``.

    weight: (out_features, in_features), bias: (out_features,). Both start as
    U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default (kaiming_uniform_ with
    a = sqrt(5) gives exactly that bound for the weight).
    Input (N, *, in_features) -> output (N, *, out_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        register_weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x):
        if not isinstance(x, (Tensor, np.ndarray)):
            raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(x).__name__}: make one with minigrad.tensor(...)")
        if x.shape[-1:] != (self.in_features,):
            raise self._shape_error(x.shape)
        return ops.Linear.apply(x, self.weight, self.bias)

    def _shape_error(self, shape):
        """PyTorch's message, with this layer's name and the likely fix."""
        n_in, n_out = self.in_features, self.out_features
        if len(shape) > 2 and math.prod(shape[1:]) == n_in:
            fix = "flatten each sample first: x.flatten(1), or nn.Flatten() before this layer"
        elif not shape:
            fix = f"the input must have shape (N, {n_in})"
        else:
            fix = (f"in_features must equal the size of the input's last dimension: "
                   f"make this layer Linear({shape[-1]}, {n_out}), or change the layer before it")
            if len(shape) == 2 and shape[0] == n_in:
                fix += f"; if axis 0 holds the features, transpose the input (x.T): (N, {n_in})"
        mat1 = f"{math.prod(shape[:-1])}x{shape[-1]}" if shape else "0-d"
        return RuntimeError(
            f"{type(self).__name__}(in_features={n_in}, out_features={n_out}) expected input with "
            f"last dimension {n_in}, got input of shape {tuple(shape)} (mat1 and mat2 shapes "
            f"cannot be multiplied ({mat1} and {n_in}x{n_out})): {fix}")

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    def forward(self, x):
        return ops.ReLU.apply(x)


class Sigmoid(Module):
    def forward(self, x):
        return ops.Sigmoid.apply(x)


class Tanh(Module):
    def forward(self, x):
        return ops.Tanh.apply(x)


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout, as ``torch.nn.Dropout``: in training mode each element is zeroed with
    probability p and the rest are scaled by 1 / (1 - p) (see :func:`functional.dropout`);
    in eval mode the input passes through unchanged. Input and output have any, equal shape.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        F._check_dropout_probability(p)
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        # minigrad has no in-place ops; the flag is shown so the repr reads as PyTorch's
        return f"p={self.p}, inplace=False"


class Identity(Module):
    """Returns its input, as ``torch.nn.Identity``: a placeholder where a layer is optional.
    Any arguments are accepted and ignored, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
