"""Tensor factories and the function forms of ops (``minigrad.relu(x)`` and friends)."""
import builtins
import functools
import inspect

import numpy as np

from . import autograd, ops
from .compat import numpy_names
from .device import cpu_only
from .random import default_generator
from .tensor import DEFAULT_DTYPE, Tensor, _sizes, as_array


# device= on every factory: tensors are made on the CPU, the only device
def _made_on_cpu(factory):
    """``factory`` also taking ``device=`` (and ``pin_memory=False``), which must name the CPU."""

    @functools.wraps(factory)
    def make(*args, device=None, pin_memory=False, **kwargs):
        cpu_only(device)
        return factory(*args, **kwargs)

    # so that help(minigrad.zeros) lists device= and pin_memory= too
    signature = inspect.signature(factory)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
             for name, default in (("device", None), ("pin_memory", False))]
    make.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])
    return make


def _dtype(dtype):
    return np.dtype(DEFAULT_DTYPE if dtype is None else dtype)


@_made_on_cpu
def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    """Copy ``data`` into a new leaf tensor (float lists -> float32, ndarrays keep their dtype)."""
    return Tensor(np.array(as_array(data, dtype)), requires_grad=requires_grad)


@_made_on_cpu
def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator().standard_normal(_sizes(size), dtype=np.float64).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


@_made_on_cpu
def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator().random(_sizes(size)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


@_made_on_cpu
def randint(low, high, size=None, dtype=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64): ``randint(low, high, size)`` or
    ``randint(high, size)``, as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    data = default_generator().integers(low, high, size=_sizes((size,)))
    return Tensor(data.astype(np.int64 if dtype is None else dtype), requires_grad=requires_grad)


@_made_on_cpu
def randn_like(t, dtype=None, requires_grad=False) -> Tensor:
    a = as_array(t)
    return randn(a.shape, dtype=a.dtype if dtype is None else dtype, requires_grad=requires_grad)


@_made_on_cpu
def rand_like(t, dtype=None, requires_grad=False) -> Tensor:
    a = as_array(t)
    return rand(a.shape, dtype=a.dtype if dtype is None else dtype, requires_grad=requires_grad)


@_made_on_cpu
def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.full(_sizes((size,)), fill_value, dtype=_dtype(dtype)), requires_grad=requires_grad)


@_made_on_cpu
def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` and keeping its dtype, as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


@_made_on_cpu
def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros(_sizes(size), dtype=_dtype(dtype)), requires_grad=requires_grad)


@_made_on_cpu
def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones(_sizes(size), dtype=_dtype(dtype)), requires_grad=requires_grad)


@_made_on_cpu
def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.zeros_like(as_array(t), dtype=dtype), requires_grad=requires_grad)


@_made_on_cpu
def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(np.ones_like(as_array(t), dtype=dtype), requires_grad=requires_grad)


@_made_on_cpu
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


@numpy_names
def min(x, dim=None, keepdim=False):
    return _t(x).min(dim, keepdim)


@numpy_names
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


@numpy_names
def sum(x, dim=None, keepdim=False):
    return _t(x).sum(dim, keepdim)


@numpy_names
def mean(x, dim=None, keepdim=False):
    return _t(x).mean(dim, keepdim)


@numpy_names
def max(x, dim=None, keepdim=False):
    return _t(x).max(dim, keepdim)


def cat(tensors, dim=0):
    return ops.Cat.apply(*[_t(t) for t in tensors], axis=dim)


def stack(tensors, dim=0):
    return ops.Stack.apply(*[_t(t) for t in tensors], axis=dim)


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return builtins.bool(np.allclose(as_array(a), as_array(b), rtol=rtol, atol=atol))


# ---- PyTorch functions course code reaches for: each is its tensor method
@numpy_names
def all(input, dim=None, keepdim=False):
    return _t(input).all(dim, keepdim)


@numpy_names
def any(input, dim=None, keepdim=False):
    return _t(input).any(dim, keepdim)


@numpy_names
def softmax(input, dim, dtype=None):
    return _t(input).softmax(dim, dtype)


@numpy_names
def log_softmax(input, dim, dtype=None):
    return _t(input).log_softmax(dim, dtype)


def clamp(input, min=None, max=None):
    return _t(input).clamp(min, max)


clip = clamp


def pow(input, exponent):
    """``input ** exponent``; either may be a number (``minigrad.pow(2, x)``)."""
    return input ** exponent if isinstance(input, Tensor) else _t(exponent).__rpow__(input)


def abs(input):
    return _t(input).abs()


def rsqrt(input):
    return _t(input).rsqrt()


def log2(input):
    return _t(input).log2()


def log10(input):
    return _t(input).log10()


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (either may be a number); with the
    condition alone, the indices where it holds, one index tensor per axis (``nonzero``)."""
    if input is None and other is None:
        return tuple(Tensor._wrap(i) for i in np.nonzero(as_array(condition)))
    if not isinstance(input, Tensor):
        input = Tensor(np.asarray(input, dtype=as_array(other).dtype if isinstance(other, Tensor) else None))
    return input.where(condition, other)


def eq(input, other):
    return _t(input) == other


def ne(input, other):
    return _t(input) != other


def lt(input, other):
    return _t(input) < other


def le(input, other):
    return _t(input) <= other


def gt(input, other):
    return _t(input) > other


def ge(input, other):
    return _t(input) >= other


def equal(input, other):
    return _t(input).equal(other)


def numel(input):
    return _t(input).numel()


def flatten(input, start_dim=0, end_dim=-1):
    return _t(input).flatten(start_dim, end_dim)


def chunk(input, chunks, dim=0):
    return _t(input).chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    return _t(tensor).split(split_size_or_sections, dim)


def sort(input, dim=-1, descending=False, stable=False):
    return _t(input).sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return _t(input).argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True):
    return _t(input).topk(k, dim, largest, sorted)


def histc(input, bins=100, min=0, max=0):
    return _t(input).histc(bins, min, max)


def histogram(input, bins, range=None, weight=None, density=False):
    return _t(input).histogram(bins, range=range, weight=weight, density=density)


class inference_mode:
    """``with minigrad.inference_mode():`` or ``@minigrad.inference_mode()``: evaluation
    without a graph. minigrad has no separate inference tensors, so this is ``no_grad``
    (``inference_mode(False)`` changes nothing, as in PyTorch)."""

    def __new__(cls, mode=True):
        if callable(mode):                  # used bare, as @minigrad.inference_mode
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        self._grad_mode = autograd.set_grad_enabled(autograd.is_grad_enabled() and not self.mode)

    def __exit__(self, *exc_info):
        self._grad_mode.__exit__(*exc_info)

    def __call__(self, function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            with inference_mode(self.mode):
                return function(*args, **kwargs)

        return run


@_made_on_cpu
def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included (float32 by default)."""
    return Tensor(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad=requires_grad)


@_made_on_cpu
def empty(*size, dtype=None, requires_grad=False) -> Tensor:
    """A tensor to be filled (by an initialiser, say). PyTorch leaves its memory as it was;
    minigrad fills it with zeros, so that a forgotten fill shows the same values every run."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


@_made_on_cpu
def empty_like(t, dtype=None, requires_grad=False) -> Tensor:
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad)
