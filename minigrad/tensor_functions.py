"""The functions of PyTorch's namespace that are a tensor's method or operator, called
on a tensor (or on anything ``minigrad.tensor`` accepts): ``minigrad.exp(x)`` is ``x.exp()``,
``minigrad.cat`` and ``stack`` call their ops; and ``inference_mode``, which is ``no_grad``
under PyTorch's other name. (``minigrad.relu``, ``sigmoid`` and ``tanh`` are the functions of
``minigrad.nn.functional``: one definition each.)

Several names shadow Python's built-ins inside this module (min, max, sum, abs, all, any,
pow): its own code never needs the built-ins.
"""
import functools

import numpy as np

from . import autograd, ops
from .compat import numpy_names
from .tensor import Tensor, as_array


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _reduction(name):
    """``minigrad.<name>(input, dim=None, keepdim=False)``: the tensor method of that name, with
    NumPy's axis= and keepdims= accepted too."""

    @numpy_names
    def reduce(input, dim=None, keepdim=False):
        return getattr(_t(input), name)(dim, keepdim)

    reduce.__name__ = reduce.__qualname__ = name
    return reduce


sum, mean, max, min, argmax, all, any = map(_reduction, ("sum", "mean", "max", "min", "argmax", "all", "any"))


def exp(x):
    return ops.Exp.apply(_t(x))


def sqrt(x):
    return _t(x).sqrt()


def log(x):
    return ops.Log.apply(_t(x))


def matmul(a, b):
    return _t(a) @ _t(b)


def cat(tensors, dim=0):
    return ops.Cat.apply(*[_t(t) for t in tensors], axis=dim)


def stack(tensors, dim=0):
    return ops.Stack.apply(*[_t(t) for t in tensors], axis=dim)


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return bool(np.allclose(as_array(a), as_array(b), rtol=rtol, atol=atol))


# ---- PyTorch functions course code reaches for: each is its tensor method
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


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one, as ``torch.flatten``: flatten(x, 1) turns the
    (N, C, H, W) feature maps of a conv net into (N, C*H*W) rows for a Linear layer."""
    return _t(input).flatten(start_dim, end_dim)
