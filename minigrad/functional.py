"""Tensor factories and the function forms of ops (``minigrad.relu(x)`` and friends)."""
import builtins

import numpy as np

from . import ops
from .random import default_generator
from .tensor import DEFAULT_DTYPE, Tensor, _sizes, as_array


def _dtype(dtype):
    return np.dtype(DEFAULT_DTYPE if dtype is None else dtype)


def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    """Copy ``data`` into a new leaf tensor (float lists -> float32, ndarrays keep their dtype)."""
    return Tensor(np.array(as_array(data, dtype)), requires_grad=requires_grad)


def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator().standard_normal(_sizes(size), dtype=np.float64).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator().random(_sizes(size)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randint(low, high, size=None, dtype=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64): ``randint(low, high, size)`` or
    ``randint(high, size)``, as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    data = default_generator().integers(low, high, size=_sizes((size,)))
    return Tensor(data.astype(np.int64 if dtype is None else dtype), requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False) -> Tensor:
    a = as_array(t)
    return randn(a.shape, dtype=a.dtype if dtype is None else dtype, requires_grad=requires_grad)


def rand_like(t, dtype=None, requires_grad=False) -> Tensor:
    a = as_array(t)
    return rand(a.shape, dtype=a.dtype if dtype is None else dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.full(_sizes((size,)), fill_value, dtype=_dtype(dtype)), requires_grad=requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` and keeping its dtype, as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros(_sizes(size), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones(_sizes(size), dtype=_dtype(dtype)), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros_like(as_array(t), dtype=dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones_like(as_array(t), dtype=dtype), requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step)
    if dtype is None and values.dtype.kind == "f":
        dtype = DEFAULT_DTYPE
    return Tensor(values if dtype is None else values.astype(dtype), requires_grad=requires_grad)


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(x):
    return ops.ReLU.apply(_t(x))


def sigmoid(x):
    return ops.Sigmoid.apply(_t(x))


def tanh(x):
    return ops.Tanh.apply(_t(x))


def min(x, dim=None, keepdim=False):
    return _t(x).min(dim, keepdim)


def argmax(x, dim=None, keepdim=False):
    return _t(x).argmax(dim, keepdim)


def exp(x):
    return ops.Exp.apply(_t(x))


def sqrt(x):
    return _t(x).sqrt()


def log(x):
    return ops.Log.apply(_t(x))


def matmul(a, b):
    return _t(a) @ _t(b)


def sum(x, dim=None, keepdim=False):
    return _t(x).sum(dim, keepdim)


def mean(x, dim=None, keepdim=False):
    return _t(x).mean(dim, keepdim)


def max(x, dim=None, keepdim=False):
    return _t(x).max(dim, keepdim)


def cat(tensors, dim=0):
    return ops.Cat.apply(*[_t(t) for t in tensors], axis=dim)


def stack(tensors, dim=0):
    return ops.Stack.apply(*[_t(t) for t in tensors], axis=dim)


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return builtins.bool(np.allclose(as_array(a), as_array(b), rtol=rtol, atol=atol))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one, as ``torch.flatten``: flatten(x, 1) turns the
    (N, C, H, W) feature maps of a conv net into (N, C*H*W) rows for a Linear layer."""
    return _t(input).flatten(start_dim, end_dim)
