"""Tensor factories, as PyTorch's: ``minigrad.tensor``, ``zeros``, ``ones``, ``arange``,
``randn``, ``rand``, ``randint``, ``randperm``, ``normal``, ``multinomial``, ``eye``, ``full``,
``linspace``, ``empty`` and the ``*_like`` forms. Each makes a new leaf tensor on the CPU; the
random ones draw from ``minigrad.random``'s generator (or the ``generator=`` given)."""
import functools
import inspect

import numpy as np

from . import validation
from .device import cpu_only
from .random import default_generator
from .tensor import DEFAULT_DTYPE, Tensor, _sizes, as_array
from .tensor import dtype_or_default as _dtype


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


@_made_on_cpu
def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    """Copy ``data`` into a new leaf tensor (float lists -> float32, ndarrays keep their dtype)."""
    return Tensor(np.array(as_array(data, dtype)), requires_grad=requires_grad)


@_made_on_cpu
def randn(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator(generator).standard_normal(_sizes(size), dtype=np.float64).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


@_made_on_cpu
def rand(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator(generator).random(_sizes(size)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


@_made_on_cpu
def randint(low, high, size=None, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64): ``randint(low, high, size)`` or
    ``randint(high, size)``, as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    data = default_generator(generator).integers(low, high, size=_sizes((size,)))
    return Tensor(data.astype(np.int64 if dtype is None else dtype), requires_grad=requires_grad)


@_made_on_cpu
def randperm(n, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1 (int64), as ``torch.randperm``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    data = default_generator(generator).permutation(int(n))
    return Tensor(data.astype(np.int64 if dtype is None else dtype), requires_grad=requires_grad)


def multinomial(input, num_samples, replacement=False, generator=None) -> Tensor:
    """Draw ``num_samples`` category indices (int64) from each row of ``input``, as
    ``torch.multinomial``.

    input: (C,) or (N, C) non-negative weights, not necessarily summing to 1; row i draws
    index c with probability input[i, c] / sum(input[i]). Returns (num_samples,) or
    (N, num_samples).

    With replacement each draw inverts the cumulative distribution at a uniform u. Without
    replacement the draws are the ``num_samples`` smallest of E_c / w_c with E_c ~ Exp(1):
    the smallest is category c with probability w_c / sum(w), and by memorylessness the
    next smallest is a draw from the rest, so this is sampling one by one without putting
    back (a zero weight gives infinity: drawn only after every positive one, as in PyTorch).
    """
    weights = np.asarray(as_array(input), dtype=np.float64)
    validation.check_multinomial(weights, num_samples, replacement)
    rows = weights.reshape(-1, weights.shape[-1])
    rng = default_generator(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((len(rows), num_samples)) * cdf[:, -1:]
        out = np.stack([np.searchsorted(c, ui, side="right") for c, ui in zip(cdf, u)])
        out = np.minimum(out, rows.shape[1] - 1)     # u * total can round up to the total itself
    else:
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        out = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor(out.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))


@_made_on_cpu
def normal(mean, std=1.0, size=None, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Samples of N(mean, std^2), as ``torch.normal``: ``normal(mean_tensor, std_tensor)``
    (the two broadcast; a float for either), or ``normal(mean, std, size)`` with floats.

    The result is float32 unless a tensor argument brings its own float dtype. It is a
    fresh tensor outside the graph (PyTorch also passes gradients to mean and std).
    """
    if size is None and not isinstance(mean, (Tensor, np.ndarray)) and not isinstance(std, (Tensor, np.ndarray)):
        raise TypeError("normal() received an invalid combination of arguments: with float mean "
                        "and std pass a size too, e.g. normal(0.0, 1.0, size=(3,))")
    means, stds = np.asarray(as_array(mean)), np.asarray(as_array(std))
    if np.any(stds < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {stds.min()}")
    shape = _sizes((size,)) if size is not None else np.broadcast_shapes(means.shape, stds.shape)
    if dtype is None:
        floats = [a.dtype for a in (means, stds) if a.dtype.kind == "f" and a.ndim]
        dtype = floats[0] if floats else DEFAULT_DTYPE
    data = means + stds * default_generator(generator).standard_normal(shape)
    return Tensor(data.astype(dtype), requires_grad=requires_grad)


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
