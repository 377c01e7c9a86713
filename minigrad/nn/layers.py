"""Layers without running state: Linear, Embedding, the activations, Flatten, Dropout and Identity."""
import math

import numpy as np

from .. import validation
from ..device import cpu_only
from ..tensor import dtype_or_default, _raw
from . import functional as F, init
from .module import Module, Parameter


def register_weight_and_bias(module, weight_shape, bias: bool, dtype=None):
    """Give ``module`` a Parameter ``weight`` of weight_shape and a ``bias`` of weight_shape[0]
    (or None), uninitialised; Linear and Conv1d/2d/3d share this."""
    dtype = dtype_or_default(dtype)
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
    Input (N, *, in_features) -> output (N, *, out_features); a wrong last dimension raises
    PyTorch's message, which also says how to fix the layer or the input (minigrad.validation).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        cpu_only(device, "modules")
        self.in_features, self.out_features = in_features, out_features
        register_weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """max(x, 0). ``inplace=True`` is accepted and shown, as PyTorch's, but the result is a new
    tensor all the same (see :func:`functional.relu`)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.relu(x, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


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

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        validation.check_dropout_probability(p)
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Identity(Module):
    """Returns its input, as ``torch.nn.Identity``: a placeholder where a layer is optional.
    Any arguments are accepted and ignored, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


# ---- embeddings and more activations
class Embedding(Module):
    """A lookup table, as ``torch.nn.Embedding``: row i of ``weight`` is the vector of token i.

    weight: (num_embeddings, embedding_dim), initialised N(0, 1) as in PyTorch (the row
    ``padding_idx``, if given, is zeros and receives no gradient).
    Input: integer tensor of any shape -> output: input.shape + (embedding_dim,).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None, max_norm=None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight=None, _freeze: bool = False, device=None, dtype=None):
        super().__init__()
        cpu_only(device, "modules")
        validation.check_embedding_table(num_embeddings, embedding_dim, padding_idx, _weight)
        if padding_idx is not None:
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            dtype = dtype_or_default(dtype)
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            self.weight = Parameter(np.array(_raw(_weight)), requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx=None, **options):
        """An Embedding holding a copy of ``embeddings`` (rows, dim); frozen unless freeze=False."""
        validation.check_pretrained_embeddings(embeddings)
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze, **options)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.silu(x, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class _AlongDim(Module):
    """A layer over one axis ``dim`` of its input (Softmax, LogSoftmax). dim=None is PyTorch's
    deprecated implicit choice, with its warning (see :func:`functional.softmax`)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    def forward(self, x):
        return F.softmax(x, self.dim, _stacklevel=5)


class LogSoftmax(_AlongDim):
    def forward(self, x):
        return F.log_softmax(x, self.dim, _stacklevel=5)
