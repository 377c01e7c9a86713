"""Tensor: a NumPy array that remembers how it was made, with PyTorch's data API.

Tensors all the way, as in PyTorch: ``t.grad`` is a Tensor (or None), ``t.data`` is a Tensor
that shares ``t``'s memory outside the graph (writes through it are invisible to autograd),
and ``t.numpy()`` / ``np.asarray(t)`` give the array itself. Inside an op's ``forward`` and
``backward`` everything is a plain ndarray: that is where the derivations live.

``grad_fn`` is the graph node that made the tensor (None for a leaf); the engine that records
and walks the graph is :mod:`minigrad.autograd`. Every tensor counts the in-place writes to its
memory (``t._version``): ``x += 1``, ``x[i] = v``, ``x.zero_()``... An in-place op on a tensor
in the graph is recorded as an op, so its gradient stays right; on a tensor that an op saved
for backward, that backward then raises instead of using the wrong numbers.
"""
from __future__ import annotations

import copy
import warnings
import weakref
from collections import namedtuple

import numpy as np

from . import autograd, ops
from .autograd import AccumulateGrad, RemovableHandle, VersionCounter, looks_into
from .compat import numpy_names
from .ops.reduce import normalize_axis
from .printing import tensor_repr
from .random import default_generator

DEFAULT_DTYPE = np.float32


def dtype_or_default(dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype; None means the default, float32, as in PyTorch."""
    return np.dtype(DEFAULT_DTYPE if dtype is None else dtype)


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

_LEAF_IN_PLACE = (
    "a leaf Variable that requires grad is being used in an in-place operation. Update "
    "parameters inside `with minigrad.no_grad():` (or through p.data), or write w = w + z for "
    "a new tensor that is part of the graph")


class Tensor:
    __array_priority__ = 1000  # so ``ndarray * Tensor`` calls Tensor.__rmul__

    # What a new tensor starts with, as class attributes: making a tensor (twice per op, for the
    # output and its gradient) then sets only its array and its version counter. No __slots__,
    # so that these defaults can exist (and, as in PyTorch, a tensor takes attributes of yours).
    _grad = None
    grad_fn = None
    requires_grad = False
    _accumulator = None               # weak reference to a leaf's AccumulateGrad node
    _hooks = None                     # hooks on a leaf (register_hook), made on first use
    _retains_grad = False

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        array = as_array(data, dtype)
        if array.dtype.kind not in "biufc":
            raise _not_numeric(array.dtype)
        self._data = array
        self._version_counter = VersionCounter()
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _wrap(array, cls=None) -> "Tensor":
        """A tensor around an op's output, without copying or converting it."""
        t = object.__new__(cls or Tensor)
        t._data = array if isinstance(array, np.ndarray) else np.asarray(array)
        t._version_counter = VersionCounter()
        return t

    # ----------------------------------------------------------------- data
    @property
    def data(self) -> "Tensor":
        """The same memory as a tensor outside the graph: no grad_fn, no requires_grad, and a
        version counter of its own, so writes through it are invisible to autograd."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}: "
                            "write p.data = minigrad.from_numpy(array), or copy values in with "
                            "p.data.copy_(minigrad.tensor(array))")
        self._data = value._data

    @property
    def grad(self):
        """dL/dself after ``backward()``: a Tensor of self's shape, added to by every backward
        until ``zero_grad()``. Filled in for leaves; for other tensors only after ``retain_grad()``."""
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}: wrap it, p.grad = minigrad.tensor(g)")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: "
                                   f"{tuple(value._data.shape)} for a tensor of {tuple(self._data.shape)}")
        self._grad = value

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``, ``plt.imshow(t)``: the array itself, as ``numpy()`` (so, as in
        PyTorch, not for a tensor that requires grad: ``np.asarray(t.detach())``)."""
        array = self.numpy()
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def numpy(self) -> np.ndarray:
        """The array itself (shared memory), as ``torch.Tensor.numpy``."""
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

    def __index__(self):
        if self._data.size != 1 or self._data.dtype.kind not in "iu":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __deepcopy__(self, memo):
        """A new leaf with a copy of the values (and of .grad), as ``copy.deepcopy`` of a torch
        tensor: no graph, no hooks, and a version counter and accumulator of its own."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment: deepcopy x.detach() instead")
        new = Tensor._wrap(self._data.copy(), type(self))
        new.requires_grad = self.requires_grad
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        return new

    def detach(self) -> "Tensor":
        """The same memory outside the graph. Unlike ``.data`` it shares the version counter,
        so an in-place write through it is still caught by a backward that needs the values."""
        t = Tensor._wrap(self._data)
        t._version_counter = self._version_counter
        return t

    # ----------------------------------------------------------------- basics
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

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (PyTorch's ``t._version``)."""
        return self._version_counter.value

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def __len__(self):
        return len(self._data)

    def astype(self, dtype) -> "Tensor":
        """A copy in ``dtype``. To a floating dtype it stays in the graph (the gradient goes back
        in self's dtype); to an integer or bool dtype it leaves it, as ``x.long()`` in PyTorch."""
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            return Tensor._wrap(self._data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def double(self):
        return self.astype(np.float64)

    def float(self):
        return self.astype(np.float32)

    def long(self):
        return self.astype(np.int64)

    def __repr__(self):
        return tensor_repr(self._data, self.requires_grad, self.grad_fn)

    __hash__ = object.__hash__        # by identity (``__eq__`` compares values), at C speed

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients (this one is "
                f"{self._data.dtype}): make it float first, e.g. x.float() or dtype=minigrad.float32")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) * gradient into ``leaf.grad`` for every leaf that requires
        grad (see :func:`minigrad.autograd.backward`)."""
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep this tensor's gradient in ``.grad`` at the next backward, though it is not a leaf
        (leaves keep theirs anyway). The graph node refers to the tensor only weakly."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self.grad_fn._retain_hook = _retainer(weakref.ref(self))
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` with this tensor's gradient when backward computes it; a Tensor it
        returns replaces the gradient. Returns a handle whose ``remove()`` takes the hook off."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            hooks = self.grad_fn._hook_list()
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks

        def on_array(grad):
            result = hook(Tensor._wrap(grad))
            return None if result is None else as_array(result, dtype=grad.dtype)

        hooks.append(on_array)
        return RemovableHandle(hooks, on_array)

    def _edge(self):
        """The node a gradient for this tensor goes to: its grad_fn, or a leaf's accumulator."""
        if self.grad_fn is not None:
            return self.grad_fn
        # one node for every op that reads the leaf while a graph holds it; the leaf refers to
        # it weakly (the node holds the leaf, as in PyTorch), so the two make no reference cycle
        node = self._accumulator() if self._accumulator is not None else None
        if node is None:
            if self._hooks is None:
                self._hooks = []
            node = AccumulateGrad(self)
            self._accumulator = weakref.ref(node)
        return node

    def _accumulate_grad(self, grad: np.ndarray, alone: bool = False) -> None:
        """(AD.3) grad += g, later gradients added in place into the first.

        The first is kept as it is when the engine says nothing else refers to it or to its
        memory (``alone``) and it is an ordinary array of self's dtype: writeable, C-ordered.
        Any other is copied: it may be a read-only broadcast view, an array an op saved, the
        very array another input received, or a gradient the caller passed and still holds.
        PyTorch's AccumulateGrad makes the same choice (it steals a gradient no one shares)."""
        if self._grad is None:
            flags = grad.flags
            if not (alone and flags.writeable and flags.c_contiguous and grad.dtype == self._data.dtype):
                grad = np.array(grad, dtype=self._data.dtype)
            self._grad = Tensor._wrap(grad)
        else:
            self._grad._data += grad
            self._grad._version_counter.value += 1

    def _share_version_of_input(self, args) -> None:
        """An op's output that views an input's memory counts that input's writes too (an op
        sees only its inputs, so its output views an input or that input's owner)."""
        for a in args:
            if isinstance(a, Tensor) and looks_into(self._data, a._data):
                self._version_counter = a._version_counter
                return

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

    def __abs__(self):
        return ops.Abs.apply(self)

    def __matmul__(self, other):
        return ops.MatMul.apply(self, _operand(other, self))

    def __rmatmul__(self, other):
        return ops.MatMul.apply(_operand(other, self), self)

    def __getitem__(self, index):
        return ops.Index.apply(self, index=_index(index))

    # ----------------------------------------------------------------- in place
    # ``w -= lr * w.grad`` must change w itself: without these, Python would run w = w - ...,
    # and a parameter updated in a loop (``for p in model.parameters(): p -= ...``) would not change
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def add_(self, other, alpha=1):
        other = _operand(other, self)
        return self._in_place(ops.Add, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1):
        other = _operand(other, self)
        return self._in_place(ops.Sub, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self._in_place(ops.Mul, _operand(other, self))

    def div_(self, other):
        return self._in_place(ops.Div, _operand(other, self))

    def clamp_(self, min=None, max=None):
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return self.copy_(self.clamp(min, max))
        if min is None and max is None:
            self.clamp(min, max)                 # raises PyTorch's error
        return self._in_place(ops.Clamp, low=min, high=max)

    clip_ = clamp_

    def __setitem__(self, index, value):
        self._assign(_index(index), value)

    def fill_(self, value):
        return self._assign(Ellipsis, value)

    def zero_(self):
        return self._assign(Ellipsis, 0)

    def copy_(self, src):
        return self._assign(Ellipsis, src if isinstance(src, Tensor) else as_array(src))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._assign(Ellipsis, default_generator(generator).normal(mean, std, self._data.shape))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return self._assign(Ellipsis, default_generator(generator).uniform(a, b, self._data.shape))

    def _records(self, args) -> bool:
        """Will an in-place op on self with ``args`` be recorded in the graph?"""
        if not autograd._grad_enabled:
            return False
        if self.requires_grad:
            return True
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                return True
        return False

    def _in_place(self, op, *args, **kwargs):
        """self = op(self, *args), written into self's memory.

        In the graph, ``op``'s node becomes self's grad_fn and reads the old values from a
        private copy, so the gradient stays right. Either way self's version goes up by one,
        which a backward that saved self's old values then reports.
        """
        records = self._records(args)
        if not records and op in _UFUNCS and not kwargs:
            try:                                 # outside the graph: one pass, in self's memory
                _UFUNCS[op](self._data, _raw(args[0]), out=self._data)   # casting: same_kind
            except (TypeError, ValueError):
                pass                             # a wrong shape or dtype: the general path says so
            else:
                self._version_counter.value += 1
                return self
        if records and self.grad_fn is None and self.requires_grad:
            raise RuntimeError(_LEAF_IN_PLACE)
        result = op.apply(self, *args, **kwargs)
        if result._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(result._data.shape)}")
        if not np.can_cast(result._data.dtype, self._data.dtype, "same_kind"):
            raise RuntimeError(f"result type {result._data.dtype} can't be cast to the desired "
                               f"output type {self._data.dtype}: convert first (x = x.float() + ...)")
        node = result.grad_fn
        if node is not None:
            node._private_copy_of(self._data, self._version_counter)
        np.copyto(self._data, result._data, casting="same_kind")
        self._version_counter.value += 1
        if node is not None:
            if self._retains_grad:
                node._retain_hook, self.grad_fn._retain_hook = self.grad_fn._retain_hook, None
            self.grad_fn = node
            self.requires_grad = True
        return self

    def _assign(self, index, value):
        """self[index] = value: recorded as an op in the graph, a plain write outside it."""
        if self._records((value,)):
            return self._in_place(ops.SetItem, value, index=index)
        self._data[index] = _raw(value)
        self._version_counter.value += 1
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

    @numpy_names  # also axis= and keepdims=, as PyTorch accepts
    def sum(self, dim=None, keepdim=False):
        return ops.Sum.apply(self, axis=_axes(dim), keepdims=keepdim)

    @numpy_names
    def mean(self, dim=None, keepdim=False):
        return ops.Mean.apply(self, axis=_axes(dim), keepdims=keepdim)

    @numpy_names
    def var(self, dim=None, keepdim=False, unbiased=True):
        mean = self.mean(dim, keepdim=True)
        n = self._data.size // mean._data.size             # values averaged into each mean
        centred = self - mean
        return (centred * centred).sum(dim, keepdim=keepdim) / (n - 1 if unbiased else n)

    @numpy_names
    def std(self, dim=None, keepdim=False, unbiased=True):
        return self.var(dim, keepdim, unbiased).sqrt()

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm, as ``torch.Tensor.norm``: (sum |x|^p)^(1/p); p = inf is max |x|."""
        if p == float("inf"):
            largest = self.abs().max(dim, keepdim)
            return largest.values if isinstance(dim, int) else largest
        if p == 2:
            return (self * self).sum(dim, keepdim).sqrt()
        return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)

    @numpy_names
    def max(self, dim=None, keepdim=False):
        """The largest element; along one ``dim``, as in PyTorch, the pair (values, indices),
        so ``_, pred = logits.max(1)`` and ``x.max(1, keepdim=True).values`` work; over all
        elements or a tuple of dims, the values alone (PyTorch's ``amax``). Along one dim the
        gradient goes to the index returned; otherwise it is split evenly between ties (the
        ``amax`` rule), as in PyTorch."""
        if not isinstance(dim, int):
            return ops.Max.apply(self, axis=_axes(dim), keepdims=keepdim)
        (dim,) = normalize_axis(dim, self._data.ndim) or (None,)   # PyTorch's range check
        if dim is None:                                 # a 0-d tensor: itself, at index 0
            return MaxResult(ops.Clone.apply(self), Tensor._wrap(np.array(0)))
        indices = self.argmax(dim, keepdim=True)
        values = ops.Gather.apply(self, index=indices._data, axis=dim)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return MaxResult(values, indices)

    @numpy_names
    def min(self, dim=None, keepdim=False):
        """The smallest element, as ``max``: min(x) = -max(-x), and so is its gradient."""
        largest = (-self).max(dim, keepdim)
        if not isinstance(dim, int):
            return -largest
        return MaxResult(-largest.values, largest.indices)

    @numpy_names
    def argmax(self, dim=None, keepdim=False):
        return Tensor._wrap(np.argmax(self._data, axis=dim, keepdims=keepdim))

    @numpy_names
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

    # ---- PyTorch methods course code reaches for
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

    @numpy_names
    def softmax(self, dim, dtype=None):
        from .nn import functional as F
        return F.softmax(self, dim, dtype=dtype)

    @numpy_names
    def log_softmax(self, dim, dtype=None):
        from .nn import functional as F
        return F.log_softmax(self, dim, dtype=dtype)

    # Comparisons and truth values (no gradient)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    @numpy_names
    def all(self, dim=None, keepdim=False):
        return Tensor._wrap(np.all(self._data, axis=_axes(dim), keepdims=keepdim))

    @numpy_names
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


# ----------------------------------------------------------------- helpers
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


# the in-place arithmetic that needs no graph runs as these ufuncs, writing into self
_UFUNCS = {ops.Add: np.add, ops.Sub: np.subtract, ops.Mul: np.multiply, ops.Div: np.divide}


def _retainer(tensor_ref):
    """The hook retain_grad puts on a node: add the gradient into the tensor's .grad, if the
    tensor still exists (the node holds it weakly, so the graph does not keep it alive)."""
    def retain(grad):
        tensor = tensor_ref()
        if tensor is not None:
            tensor._accumulate_grad(grad)
    return retain


def _index(index):
    """An index with tensors in it (x[idx], logp[arange(n), y]) indexes by their arrays."""
    return tuple(map(_raw, index)) if isinstance(index, tuple) else _raw(index)


# the engine sits below this module (ops subclass its Function, and Tensor's operators call
# the ops), so it cannot import Tensor: it is handed the class here
autograd.use_tensor_class(Tensor)
