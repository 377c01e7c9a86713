"""Tensor: a NumPy array that remembers how it was made.

``data`` and ``grad`` are plain ``numpy.ndarray``s, so what a student prints is exactly
what the derivation talks about. ``grad_fn`` is the :class:`~minigrad.autograd.Function`
context that produced the tensor (``None`` for leaves).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import autograd

DEFAULT_DTYPE = np.float32


def as_array(data, dtype=None) -> np.ndarray:
    """Convert ``data`` to an ndarray with PyTorch's dtype rules.

    Python floats and lists of them become float32 (PyTorch's default); NumPy arrays keep
    their dtype (so float64 stays float64); Python ints become int64, bools stay bool.
    """
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    arr = np.asarray(data)
    if arr.dtype == np.float64:
        return arr.astype(DEFAULT_DTYPE)
    if arr.dtype.kind == "i":
        return arr.astype(np.int64)
    return arr


# what x.max(dim) returns, as torch.return_types.max: unpacks as (values, indices)
MaxResult = namedtuple("max", ("values", "indices"))


class Tensor:
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "__weakref__")
    __array_priority__ = 1000  # so ``ndarray * Tensor`` calls Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self._data = as_array(data, dtype)
        if self._data.dtype.kind not in "biufc":
            raise _not_numeric(self._data.dtype)
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array):
        """Make a tensor around an op's output without copying or converting it."""
        t = cls.__new__(cls)
        t._data = array if isinstance(array, np.ndarray) else np.asarray(array)
        t.grad = None
        t.grad_fn = None
        t.requires_grad = False
        return t

    # ----------------------------------------------------------------- basics
    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        self._data = value

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``, ``plt.imshow(t)``: the array itself, as ``numpy()`` (so, as in
        PyTorch, not for a tensor that requires grad: ``np.asarray(t.detach())``)."""
        array = self.numpy()
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def T(self):
        return self.transpose()

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def __len__(self):
        return len(self._data)

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def detach(self) -> "Tensor":
        return Tensor._wrap(self._data)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients (this one is "
                f"{self._data.dtype}): make it float first, e.g. x.float() or dtype=minigrad.float32")
        self.requires_grad = requires_grad
        return self

    def zero_(self) -> "Tensor":
        self._data[...] = 0
        return self

    def astype(self, dtype) -> "Tensor":
        return ops.Cast.apply(self, dtype=np.dtype(dtype))

    def double(self):
        return self.astype(np.float64)

    def float(self):
        return self.astype(np.float32)

    def long(self):
        return Tensor(self._data.astype(np.int64))

    def __repr__(self):
        """PyTorch's print: ``tensor([[ 0.1235, -1.0000]], grad_fn=<LinearBackward>)``."""
        extras = []
        if self._data.size == 0 and self._data.ndim != 1:
            extras.append(f"size={self._data.shape}")
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype=minigrad.{self._data.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return _with_suffixes("tensor(" + _format_array(self._data, indent=len("tensor(")), extras)

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    # ----------------------------------------------------------------- backward
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) * grad into ``leaf.grad`` for every leaf that requires grad.

        The graph is walked in reverse topological order, built iteratively so that a
        chain of any length works. A node used twice (``b = a + a``) receives the sum of
        the gradients from all its uses before its own backward runs.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn: no "
                "input of the computation requires grad. Create the inputs to differentiate with "
                "requires_grad=True (module parameters already are), and do not compute the loss "
                "under no_grad() or from .detach()")
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs: this tensor has "
                    f"shape {tuple(self._data.shape)}; reduce it to a scalar first (loss.mean() or "
                    ".sum()), or pass backward() a gradient of the same shape")
            grad = np.ones_like(self._data)
        else:
            grad = as_array(grad, dtype=self._data.dtype)
            if grad.shape != self._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {tuple(grad.shape)} and "
                    f"output[0] has a shape of {tuple(self._data.shape)}.")

        order = _topological_order(self)
        grads = {id(self): grad}
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            fn = node.grad_fn
            if fn is None:                      # (AD.3) a leaf: grad += g, adding up until zero_grad
                # a copy on first arrival: g may be a read-only broadcast view or the very array
                # another input received (Add hands the same g to both sides)
                node.grad = g.copy() if node.grad is None else node.grad + g
                continue
            input_grads = fn.run_backward(g)
            # more gradients than inputs is fine: an op such as Linear returns one for its
            # optional bias even when it was called without one; fewer is a bug in the op
            if len(input_grads) < len(fn.inputs):
                raise RuntimeError(f"function {fn.name()} returned an incorrect number of gradients "
                                   f"(expected {len(fn.inputs)}, got {len(input_grads)})")
            for i, (parent, needs, pg) in enumerate(zip(fn.inputs, fn.needs_input_grad, input_grads)):
                if not needs or pg is None:
                    continue
                pg = _checked_grad(fn, i, pg, parent)
                key = id(parent)
                # (AD.2) a tensor used several times receives the sum of the gradients of its uses
                grads[key] = pg if key not in grads else grads[key] + pg
            if not retain_graph:
                fn.release()

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return ops.Add.apply(*_promoted(self, _operand(other, self)))

    def __radd__(self, other):
        return ops.Add.apply(*_promoted(_operand(other, self), self))

    def __sub__(self, other):
        return ops.Sub.apply(*_promoted(self, _operand(other, self)))

    def __rsub__(self, other):
        return ops.Sub.apply(*_promoted(_operand(other, self), self))

    def __mul__(self, other):
        return ops.Mul.apply(*_promoted(self, _operand(other, self)))

    def __rmul__(self, other):
        return ops.Mul.apply(*_promoted(_operand(other, self), self))

    def __truediv__(self, other):
        return ops.Div.apply(*_promoted(self, _operand(other, self), division=True))

    def __rtruediv__(self, other):
        return ops.Div.apply(*_promoted(_operand(other, self), self, division=True))

    def __pow__(self, other):
        return ops.Pow.apply(self, _operand(other, self))

    def __rpow__(self, other):
        return ops.Pow.apply(_operand(other, self), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __matmul__(self, other):
        return ops.MatMul.apply(self, _operand(other, self))

    def __rmatmul__(self, other):
        return ops.MatMul.apply(_operand(other, self), self)

    def __getitem__(self, index):
        # index tensors (x[idx], logp[arange(n), y]) index by their arrays
        index = tuple(map(_raw, index)) if isinstance(index, tuple) else _raw(index)
        return ops.Index.apply(self, index=index)

    # in place, on .data, as PyTorch's ``with no_grad(): w -= lr * w.grad``. Without these,
    # Python would run ``w = w - lr * w.grad``: w would become a new tensor, and a parameter
    # updated in a loop (``for p in model.parameters(): p -= ...``) would never change
    def __iadd__(self, other):
        return self._in_place(np.add, ops.Add, other)

    def __isub__(self, other):
        return self._in_place(np.subtract, ops.Sub, other)

    def __imul__(self, other):
        return self._in_place(np.multiply, ops.Mul, other)

    def __itruediv__(self, other):
        return self._in_place(np.divide, ops.Div, other)

    def _in_place(self, ufunc, op, other):
        if self.grad_fn is not None:
            # inside a graph, which may have saved these very values for backward: a new
            # tensor instead (``h += b`` is ``h = h + b``), so the gradients stay right
            return op.apply(self, _operand(other, self))
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation: "
                "update parameters inside `with minigrad.no_grad():`, or write w = w + z for a "
                "new tensor that is part of the graph")
        ufunc(self._data, _raw(other), out=self._data)
        return self

    # comparisons give plain boolean tensors (no gradient), as in PyTorch
    def __eq__(self, other):
        return Tensor._wrap(self._data == _raw(other))

    def __ne__(self, other):
        return Tensor._wrap(self._data != _raw(other))

    def __lt__(self, other):
        return Tensor._wrap(self._data < _raw(other))

    def __le__(self, other):
        return Tensor._wrap(self._data <= _raw(other))

    def __gt__(self, other):
        return Tensor._wrap(self._data > _raw(other))

    def __ge__(self, other):
        return Tensor._wrap(self._data >= _raw(other))

    # ----------------------------------------------------------------- methods
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def relu(self):
        return ops.ReLU.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self)

    def sqrt(self):
        return self ** 0.5

    def abs(self):
        return ops.Abs.apply(self)

    def matmul(self, other):
        return self @ other

    def sum(self, dim=None, keepdim=False):
        return ops.Sum.apply(self, axis=_axes(dim), keepdims=keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.Mean.apply(self, axis=_axes(dim), keepdims=keepdim)

    def var(self, dim=None, keepdim=False, unbiased=True):
        mean = self.mean(dim, keepdim=True)
        n = self._data.size // mean._data.size             # values averaged into each mean
        centred = self - mean
        return (centred * centred).sum(dim, keepdim=keepdim) / (n - 1 if unbiased else n)

    def std(self, dim=None, keepdim=False, unbiased=True):
        return self.var(dim, keepdim, unbiased).sqrt()

    def max(self, dim=None, keepdim=False):
        """The largest element; along one ``dim``, as in PyTorch, the pair (values, indices),
        so ``_, pred = logits.max(1)`` and ``x.max(1, keepdim=True).values`` work; over a
        tuple of dims, the values alone (PyTorch's ``amax``). The gradient goes to the
        maximum, split evenly between ties (the ``amax`` rule)."""
        values = ops.Max.apply(self, axis=_axes(dim), keepdims=keepdim)
        if not isinstance(dim, int):
            return values
        return MaxResult(values, self.argmax(dim, keepdim))

    def min(self, dim=None, keepdim=False):
        """The smallest element, as ``max``: min(x) = -max(-x), and so is its gradient."""
        largest = (-self).max(dim, keepdim)
        if not isinstance(dim, int):
            return -largest
        return MaxResult(-largest.values, self.argmin(dim, keepdim))

    def argmax(self, dim=None, keepdim=False):
        return Tensor._wrap(np.argmax(self._data, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False):
        return Tensor._wrap(np.argmin(self._data, axis=dim, keepdims=keepdim))

    def clone(self):
        """A copy of the data that stays in the graph (the gradient flows back unchanged)."""
        return ops.Clone.apply(self)

    def reshape(self, *shape):
        return ops.Reshape.apply(self, shape=_sizes(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        shape = self._data.shape
        end = end_dim % len(shape) if shape else 0
        new = shape[:start_dim] + (-1,) + shape[end + 1:] if shape else (1,)
        return self.reshape(new)

    def transpose(self, dim0=None, dim1=None):
        axes = list(range(self._data.ndim))
        if dim0 is None:
            axes.reverse()
        else:
            axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return ops.Permute.apply(self, axes=tuple(axes))

    def t(self):
        return self.transpose()

    def permute(self, *dims):
        return ops.Permute.apply(self, axes=_sizes(dims))

    def unsqueeze(self, dim):
        shape = list(self._data.shape)
        shape.insert(dim if dim >= 0 else len(shape) + dim + 1, 1)
        return self.reshape(tuple(shape))

    def squeeze(self, dim=None):
        shape = self._data.shape
        if dim is None:
            new = tuple(s for s in shape if s != 1)
        else:
            new = tuple(s for i, s in enumerate(shape) if not (i == dim % len(shape) and s == 1))
        return self.reshape(new)

    # ---- PyTorch methods course code reaches for (issue 12)
    # Devices: minigrad computes with NumPy on the CPU (minigrad/device.py explains).
    is_cuda = False

    @property
    def device(self):
        from .device import CPU
        return CPU

    def to(self, *args, **kwargs):
        """``x.to(device)``, ``x.to(dtype)``, ``x.to(other)`` (other's dtype), ``x.to(device,
        dtype)`` and the keyword forms, as in PyTorch. The device must be the CPU; a new
        floating dtype is a cast the gradient flows through; when nothing changes (and not
        ``copy=True``) the result is x itself."""
        from .device import parse_to
        _, dtype, copy = parse_to(args, kwargs)
        out = self
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            # to an integer or bool dtype the result is outside the graph, as in PyTorch
            out = self.astype(dtype) if np.dtype(dtype).kind in "fc" else Tensor(self._data.astype(dtype))
        return out.clone() if copy and out is self else out

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        from .device import cuda_error
        raise cuda_error(device)

    def type(self, dtype=None, non_blocking=False):
        """No argument: the legacy type name ('minigrad.FloatTensor'); a dtype or such a name:
        the tensor converted to it, as ``x.to(dtype)``."""
        from .dtypes import from_type_name, legacy_name
        if dtype is None:
            return f"minigrad.{legacy_name(self._data.dtype)}Tensor"
        return self.to(from_type_name(dtype) if isinstance(dtype, str) else dtype)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    # Layout: a NumPy array may be a strided view; contiguous() copies one into C order.
    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else ops.Clone.apply(self)

    nelement = numel

    # Shapes
    def view_as(self, other):
        return self.view(other.shape)

    def expand(self, *sizes):
        """A broadcast view: -1 keeps a size, size-1 axes stretch, new axes go in front."""
        sizes, shape = _sizes(sizes), self._data.shape
        lead = len(sizes) - len(shape)
        if lead < 0:
            raise RuntimeError(f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the number "
                               f"of sizes provided ({len(sizes)}) must be greater or equal to the "
                               f"number of dimensions in the tensor ({len(shape)})")
        target = tuple(shape[i - lead] if size == -1 and i >= lead else size for i, size in enumerate(sizes))
        for i, (old, new) in enumerate(zip(shape, target[lead:])):
            if old != 1 and old != new:
                raise RuntimeError(
                    f"The expanded size of the tensor ({new}) must match the existing size ({old}) at "
                    f"non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                    f"{list(shape)}")
        return ops.Expand.apply(self, shape=target)

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        """Tile: ``x.repeat(2, 1)`` stacks two copies of x along axis 0 (NumPy's tile)."""
        sizes = _sizes(sizes)
        if len(sizes) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                               f"dimensions of tensor: give {self._data.ndim} or more counts, one per axis")
        return ops.Repeat.apply(self, repeats=sizes)

    def split(self, split_size_or_sections, dim=0):
        """Pieces along ``dim``: of ``split_size`` each (the last may be shorter), or of the
        listed sizes, which must add up to the axis. Each piece is a slice (a view in PyTorch)."""
        n = self._data.shape[dim]
        sections = split_size_or_sections
        if isinstance(sections, int):
            sections = [min(sections, n - start) for start in range(0, n, max(sections, 1))] or [0]
        elif sum(sections) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {dim}), but got split_sizes={list(sections)}")
        before = (slice(None),) * (dim % self._data.ndim)
        starts = np.cumsum([0, *sections])
        return tuple(self[before + (slice(a, b),)] for a, b in zip(starts[:-1], starts[1:]))

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces of ceil(n / chunks) along ``dim``, as PyTorch."""
        return self.split(max(-(-self._data.shape[dim] // chunks), 1), dim)

    # Elementwise
    def clamp(self, min=None, max=None):
        """Each element held inside [min, max]; bounds are numbers or tensors, either may be
        None. The gradient passes where the element was already inside (bounds included)."""
        if min is None and max is None:
            raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None: give a bound, "
                               "e.g. x.clamp(min=0)")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            # a tensor bound is a choice per element between x and the bound: where
            out = self if min is None else ops.Where.apply(min, self, condition=_raw(self < min))
            return out if max is None else ops.Where.apply(max, out, condition=_raw(out > max))
        return ops.Clamp.apply(self, low=min, high=max)

    clip = clamp

    def pow(self, exponent):
        return self ** exponent

    def rsqrt(self):
        return self ** -0.5

    def log2(self):
        return self.log() / np.log(2)

    def log10(self):
        return self.log() / np.log(10)

    def where(self, condition, other):
        """``x.where(condition, y)`` is ``minigrad.where(condition, x, y)``."""
        condition = np.asarray(_raw(condition))
        if condition.dtype != np.bool_:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                               f"with dtype {condition.dtype}: write a comparison such as x > 0")
        chosen, other = _promoted(self, _operand(other, self))
        # PyTorch's promotion: an integer tensor meeting a floating one takes the floating dtype
        if isinstance(other, Tensor) and (other._data.dtype.kind == "f") != (chosen._data.dtype.kind == "f"):
            floating = (other if other._data.dtype.kind == "f" else chosen)._data.dtype
            chosen, other = chosen.to(floating), other.to(floating)
        return ops.Where.apply(chosen, other, condition=condition)

    def softmax(self, dim, dtype=None):
        from .nn import functional as F
        return F.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        from .nn import functional as F
        return F.log_softmax(self, dim, dtype=dtype)

    # Comparisons and truth values (no gradient)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def all(self, dim=None, keepdim=False):
        return Tensor._wrap(np.all(self._data, axis=_axes(dim), keepdims=keepdim))

    def any(self, dim=None, keepdim=False):
        return Tensor._wrap(np.any(self._data, axis=_axes(dim), keepdims=keepdim))

    def equal(self, other):
        """True when both have the same shape and the same elements."""
        return self._data.shape == np.shape(_raw(other)) and bool(np.all(self._data == _raw(other)))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._data, _raw(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    # Ordering: the values are gathered from x, so the gradient flows back to where each came from
    def argsort(self, dim=-1, descending=False, stable=False):
        """Indices that sort ``dim`` (ties keep their order; descending ties too)."""
        data = self._data.astype(np.int64) if self._data.dtype.kind in "bu" else self._data
        return Tensor._wrap(np.argsort(-data if descending else data, axis=dim, kind="stable"))

    def sort(self, dim=-1, descending=False, stable=False):
        from .return_types import sort
        indices = self.argsort(dim, descending)
        return sort(ops.Gather.apply(self, index=indices._data, axis=dim), indices)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The k largest (or smallest) along ``dim``, largest first, and their indices."""
        from .return_types import topk
        if not 0 <= k <= self._data.shape[dim]:
            raise RuntimeError(f"selected index k out of range: k={k} but dimension {dim} has size "
                               f"{self._data.shape[dim]}")
        order = self.argsort(dim, descending=largest)._data
        indices = np.take(order, np.arange(k), axis=dim)
        return topk(ops.Gather.apply(self, index=indices, axis=dim), Tensor._wrap(indices))

    # Histograms (no gradient), of floating tensors as in PyTorch
    def histc(self, bins=100, min=0, max=0):
        """Counts in ``bins`` equal bins over [min, max] (the data's range when min == max);
        elements outside are ignored and the last bin includes max."""
        data = self._float_data_for("histc")
        if min == max and data.size:
            min, max = data.min(), data.max()
        if min == max:
            min, max = min - 1, max + 1
        counts, _ = np.histogram(data, bins=bins, range=(min, max))
        return Tensor._wrap(counts.astype(data.dtype))

    def histogram(self, bins, range=None, weight=None, density=False):
        """(hist, bin_edges) of ``bins`` equal bins (or the given edges), as ``torch.histogram``."""
        from .return_types import histogram
        data = self._float_data_for("histogram")
        counts, edges = np.histogram(data, bins=_raw(bins), range=range, weights=_raw(weight),
                                     density=density)
        return histogram(Tensor._wrap(counts.astype(data.dtype)), Tensor._wrap(edges.astype(data.dtype)))

    def _float_data_for(self, name):
        if self._data.dtype.kind != "f":
            from .dtypes import legacy_name
            raise NotImplementedError(f"\"{name}\" not implemented for '{legacy_name(self._data.dtype)}': "
                                      "convert the tensor with .float() first")
        return self._data

    # NumPy's argument names, which PyTorch accepts too: x.sum(axis=0, keepdims=True)
    from .compat import numpy_names as _numpy_names
    sum, mean, var, std, max, min, argmax, argmin, all, any, softmax, log_softmax = map(
        _numpy_names, (sum, mean, var, std, max, min, argmax, argmin, all, any, softmax, log_softmax))
    del _numpy_names


def _topological_order(root: Tensor) -> list:
    """Tensors reachable from ``root`` through grad_fn, each after all of its inputs.

    An explicit stack instead of recursion, so a 10,000-op chain needs no deep Python stack.
    A tensor is appended only when every input has been appended (post-order DFS).
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node.grad_fn is not None:
            for parent, needs in zip(node.grad_fn.inputs, node.grad_fn.needs_input_grad):
                if needs and id(parent) not in visited:
                    stack.append((parent, False))
    return order


# ----------------------------------------------------------------- printing
# PyTorch's print options: 4 decimals, lines of at most 80 characters, and a tensor of more
# than 1000 elements summarised by its first and last 3 entries along every axis.
_PRECISION, _LINEWIDTH, _THRESHOLD, _EDGEITEMS = 4, 80, 1000, 3


def _format_array(data: np.ndarray, indent: int) -> str:
    if data.size == 0:
        return "[]"
    summarize = data.size > _THRESHOLD
    spell, width = _number_format(_summarized(data) if summarize else data)
    return _layout(data, spell, width, indent, summarize)


def _summarized(data):
    """The entries a summarised print shows: the first and last _EDGEITEMS along every axis."""
    if data.shape[0] > 2 * _EDGEITEMS:
        data = np.concatenate([data[:_EDGEITEMS], data[-_EDGEITEMS:]])
    return np.stack([_summarized(row) for row in data]) if data.ndim > 1 else data


def _number_format(shown):
    """(spell, width): how PyTorch writes each number, right-aligned to the widest one.

    Floats are all written alike: ``1.`` when every value is whole, ``1.2346e+05`` when the
    nonzero magnitudes span more than 1000x (or pass 1e8, or fall below 1e-4), else ``0.1235``.
    """
    if shown.dtype.kind != "f":
        width = max(len(str(v)) for v in shown.flat)
        return (lambda v: str(v).rjust(width)), width
    values = shown[np.isfinite(shown) & (shown != 0)].astype(np.float64)
    magnitudes = np.abs(values)
    if values.size and (magnitudes.max() / magnitudes.min() > 1000 or magnitudes.max() > 1e8
                        or magnitudes.min() < 1e-4):
        text = "{:.%de}" % _PRECISION
    elif np.all(values == np.ceil(values)):
        text = "{:.0f}."
    else:
        text = "{:.%df}" % _PRECISION
    width = max((len(text.format(v)) for v in values), default=1)

    def spell(v):
        s = text.format(float(v))
        return (s.rstrip(".") if not np.isfinite(v) else s).rjust(width)

    return spell, width


def _layout(data, spell, width, indent, summarize):
    """Nested brackets; rows line up under the first (one blank line per extra dimension)."""
    if data.ndim == 0:
        return spell(data.item())
    n = data.shape[0]
    rows = range(n)
    if summarize and n > 2 * _EDGEITEMS:
        rows = [*range(_EDGEITEMS), None, *range(n - _EDGEITEMS, n)]
    if data.ndim == 1:
        items = [" ..." if i is None else spell(data[i]) for i in rows]
        per_line = max(1, (_LINEWIDTH - indent) // (width + 2))
        lines = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if i is None else _layout(data[i], spell, width, indent + 1, summarize) for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text, suffixes):
    """Append ``, dtype=...`` and the like; one that would pass 80 characters starts a new line."""
    indent = len("tensor(")
    last = len(text) - text.rfind("\n") + 1          # PyTorch's count for the last line
    for suffix in suffixes:
        if last + len(suffix) + 2 > _LINEWIDTH:
            text += ",\n" + " " * indent + suffix
            last = indent + len(suffix)
        else:
            text += ", " + suffix
            last += len(suffix) + 2
    return text + ")"


# ----------------------------------------------------------------- helpers
def _checked_grad(fn, i, grad, parent: Tensor) -> np.ndarray:
    """PyTorch's check on what a backward returns: dL/dx has x's shape and x's dtype.

    A wrong shape (typically a forgotten ``unbroadcast``) is an error here, where the op
    can be named, rather than a silent broadcast further down the graph.
    """
    grad = np.asarray(grad)
    if grad.shape != parent._data.shape:
        raise RuntimeError(f"Function {fn.name()} returned an invalid gradient at index {i} - got "
                           f"{list(grad.shape)} but expected shape compatible with {list(parent._data.shape)}")
    return grad.astype(parent._data.dtype, copy=False)


def _not_numeric(dtype) -> TypeError:
    hint = ("These are strings: convert them to numbers first, e.g. np.asarray(data, "
            "dtype=np.float32)" if dtype.kind in "US" else
            "An object array usually means rows of different lengths, or a None or a string "
            "among the numbers: np.asarray(data, dtype=np.float32) shows which")
    return TypeError(f"can't convert np.ndarray of type numpy.{dtype.type.__name__}. The only "
                     f"supported types are numbers and bool. {hint}")


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _operand(other, like: Tensor):
    """A Python number stays a number (NumPy keeps the tensor's dtype); anything else becomes a Tensor.

    ``numpy.float64`` subclasses ``float`` but, unlike a Python float, promotes float32 arrays
    to float64; ``float()`` makes it a plain number, so ``x * np.sqrt(2.0)`` stays float32 as in PyTorch.
    """
    if isinstance(other, Tensor):
        return other
    if isinstance(other, float):
        return float(other)
    if isinstance(other, int) and not isinstance(other, bool):
        return other
    return Tensor(as_array(other, dtype=like._data.dtype if isinstance(other, (list, tuple)) else None))


def _promoted(a, b, division=False):
    """PyTorch's type promotion where it differs from NumPy's: an integer (or bool) tensor that
    meets a Python float, or is divided, gives float32 (the default dtype), not float64."""
    if division or isinstance(a, float) or isinstance(b, float):
        a, b = (x.float() if isinstance(x, Tensor) and x._data.dtype.kind in "biu" else x for x in (a, b))
    return a, b


def _sizes(args):
    """``f(2, 3)`` and ``f((2, 3))`` both mean (2, 3), as in PyTorch's reshape, permute, zeros."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _axes(dim):
    if isinstance(dim, list):
        return tuple(dim)
    return dim


from . import ops  # noqa: E402  (ops import Tensor lazily through autograd.Function.apply)
