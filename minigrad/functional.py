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


def randn(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator(generator).standard_normal(_sizes(size), dtype=np.float64).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False) -> Tensor:
    data = default_generator(generator).random(_sizes(size)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randint(low, high, size=None, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64): ``randint(low, high, size)`` or
    ``randint(high, size)``, as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    data = default_generator(generator).integers(low, high, size=_sizes((size,)))
    return Tensor(data.astype(np.int64 if dtype is None else dtype), requires_grad=requires_grad)


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
    _check_multinomial(weights, num_samples, replacement)
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


def _check_multinomial(weights, num_samples, replacement):
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {weights.ndim} dims")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got num_samples={num_samples!r})")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(weights.sum(axis=-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0): "
                           "every row needs a positive weight")
    if not replacement and num_samples > weights.shape[-1]:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, {weights.shape[-1]} categories): "
                           "pass replacement=True")


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
