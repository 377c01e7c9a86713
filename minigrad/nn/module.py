"""Module: the bookkeeping layer. It holds parameters, buffers and sub-modules, the
train/eval flag, and converts to and from a ``state_dict``. The mathematics lives in the
ops; a module's ``forward`` only calls them.
"""
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from ..autograd import no_grad
from ..device import cuda_error, parse_to
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that a Module registers as trainable (requires_grad=True by default)."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer, as ``torch.nn.Module``.

    Assigning a Parameter, a Module or (through ``register_buffer``) a buffer to an
    attribute registers it, so ``self.fc1 = Linear(10, 20)`` in ``__init__`` is all a
    network needs for ``parameters()``, ``state_dict()`` and ``train()``/``eval()`` to find it.
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())

    # ------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                "cannot assign attributes before Module.__init__() call: "
                "call super().__init__() first in your __init__")
        if isinstance(value, (Parameter, Module)):
            table = self._parameters if isinstance(value, Parameter) else self._modules
            self._forget(name, keep=table)       # a replaced entry keeps its place, as in PyTorch
            table[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(minigrad.nn.Parameter or None expected)")
            self._parameters[name] = None
        elif name in self._buffers:
            self._buffers[name] = value if value is None or isinstance(value, Tensor) else Tensor(value)
        else:
            self._forget(name)
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Remove ``name`` from every table but ``keep``."""
        for table in (self._parameters, self._buffers, self._modules, self.__dict__):
            if table is not keep:
                table.pop(name, None)

    def __getattr__(self, name):
        for table in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(table)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(minigrad.nn.Parameter or None required)")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor) -> None:
        """A buffer is state that is saved in the state_dict but not trained (running_mean...)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(np.asarray(tensor))
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor

    def add_module(self, name: str, module) -> None:
        self._modules[name] = module

    # ------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        try:
            return self.forward(*args, **kwargs)
        except Exception as error:          # a try costs nothing until something is raised
            _note_module(error, self)
            raise

    # ------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and every sub-module. A module registered twice is listed once, under
        its first name, unless ``remove_duplicate=False`` (what ``state_dict`` uses), as in PyTorch."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named(self, table, prefix, recurse):
        """(dotted name, value) of each entry of ``table`` ("_parameters" or "_buffers") in this
        module (and, with ``recurse``, its sub-modules); one shared tensor is listed once."""
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield _join(module_prefix, name), value

    def named_parameters(self, prefix="", recurse=True):
        return self._named("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True):
        return self._named("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        return (b for _, b in self.named_buffers(recurse=recurse))

    # ------------------------------------------------------------ state
    def train(self, mode: bool = True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter; see zero_grads."""
        zero_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def state_dict(self, destination=None, prefix="") -> "OrderedDict[str, np.ndarray]":
        """Every parameter and buffer by PyTorch's dotted name (``fc1.weight``,
        ``bn1.running_mean``), as a tensor sharing its memory (detached), as in PyTorch: a
        snapshot that later training must not change is ``copy.deepcopy(model.state_dict())``."""
        out = OrderedDict() if destination is None else destination
        for key, value in self._state_entries(prefix).items():
            out[key] = value.detach()
        return out

    def _state_entries(self, prefix=""):
        """Every parameter and buffer Tensor by its state_dict key."""
        entries = {}
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            for table in (module._parameters, module._buffers):
                for name, value in table.items():
                    if value is not None:
                        entries[_join(module_prefix, name)] = value
        return entries

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy arrays into parameters and buffers by name; returns (missing_keys, unexpected_keys).

        Shapes must match exactly. With ``strict`` (the default) a missing or unexpected
        key is an error too; every problem is reported at once, in PyTorch's words.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}. To "
                            "load a file, use model.load_state_dict(minigrad.load(path))")
        entries = self._state_entries()
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict if k not in entries]
        arrays = {}                     # the values to copy, each converted to an ndarray once
        for key in entries:
            if key in state_dict:
                value = state_dict[key]
                arrays[key] = value._data if isinstance(value, Tensor) else np.asarray(value)
        errors = []
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        for key, value in arrays.items():
            target = entries[key]
            if value.shape != target._data.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {_size(value.shape)} from "
                    f"checkpoint, the shape in current model is {_size(target._data.shape)}.")
            elif value.dtype.kind not in "biuf":
                errors.append(f"dtype mismatch for {key}: copying a param of dtype {value.dtype} "
                              f"from checkpoint, the model needs numbers ({target._data.dtype}).")
        if errors:
            errors.append("Build the model with the same layers, names and sizes as the one "
                          "whose state_dict was saved" + ("; strict=False loads only the keys "
                          "both have" if missing or unexpected else ""))
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for key, value in arrays.items():
                entries[key].copy_(value)
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ dtype
    def _apply_dtype(self, dtype):
        """Convert floating parameters and buffers to ``dtype`` in place (integer buffers
        such as ``num_batches_tracked`` keep their dtype, as in PyTorch)."""
        for module in self.modules():
            for table in (module._parameters, module._buffers):
                for value in table.values():
                    if value is not None and value._data.dtype.kind == "f":
                        value._data = value._data.astype(dtype)
                        if value.grad is not None:
                            value.grad = value.grad.astype(dtype)
        return self

    def double(self):
        return self._apply_dtype(np.float64)

    def float(self):
        return self._apply_dtype(np.float32)

    # ------------------------------------------------------------ devices
    def to(self, *args, **kwargs):
        """``model.to(device)``, ``model.to(dtype)``, ``model.to(tensor)``, as in PyTorch: the
        device must be the CPU (minigrad's only one); a floating dtype converts the floating
        parameters and buffers in place. Returns the module itself."""
        _, dtype, _ = parse_to(args, dict(kwargs))
        if dtype is None:
            return self
        if np.dtype(dtype).kind not in "fc":
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype=minigrad.{np.dtype(dtype).name}: the parameters stay floating; "
                            "convert the input instead (x.float())")
        return self._apply_dtype(dtype)

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise cuda_error(device, "modules")

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first, depth first) and then on this one,
        as PyTorch does: ``model.apply(init_weights)``. Returns the module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        # PyTorch's layout: a one-line extra_repr alone stays inline, e.g. Linear(in_features=...);
        # otherwise the extra_repr lines and then the children, one per line, indented by two
        extra_repr = self.extra_repr()
        extra = extra_repr.split("\n") if extra_repr else []
        children = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        main = f"{type(self).__name__}("
        if len(extra) == 1 and not children:
            main += extra[0]
        elif extra or children:
            main += "\n  " + "\n  ".join(extra + children) + "\n"
        return main + ")"


def zero_grads(params, set_to_none: bool = True) -> None:
    """Forget every gradient (``set_to_none=True``, PyTorch's default) or fill them with
    zeros, so the next backward starts from nothing instead of adding to the last one.
    ``Module.zero_grad`` and ``Optimizer.zero_grad`` both call this."""
    if set_to_none:
        for p in params:
            p._grad = None                   # what the .grad setter does with None, without the call
        return
    for p in params:
        if p.grad is not None:
            p.grad.zero_()                   # in place, the gradient's own memory


def _join(prefix: str, name: str) -> str:
    """The dotted name of ``name`` inside ``prefix`` ("fc1" + "weight" -> "fc1.weight")."""
    return f"{prefix}.{name}" if prefix else name


def _note_module(error, module):
    """Add a note naming the sub-module that raised: "in module 'fc2' of Net: Linear(...)".

    The innermost module the error passes through marks it; each enclosing module rewrites
    the note with the path from itself, so the outermost call names the whole path
    (``encoder.2``). The error keeps its type and message.
    """
    inner = getattr(error, "_minigrad_module", None)
    if inner is None:
        error._minigrad_module = module
        return
    path = next((name for name, m in module.named_modules() if m is inner and name), None)
    if path is None:
        return
    old = getattr(error, "_minigrad_note", None)
    if old in getattr(error, "__notes__", ()):
        error.__notes__.remove(old)
    error._minigrad_note = (f"in module '{path}' of {type(module).__name__}: "
                            f"{type(inner).__name__}({inner.extra_repr()})")
    error.add_note(error._minigrad_note)


def _size(shape):
    return f"minigrad.Size([{', '.join(map(str, shape))}])"


class _IncompatibleKeys(tuple):
    def __new__(cls, missing, unexpected):
        return super().__new__(cls, (missing, unexpected))

    @property
    def missing_keys(self):
        return self[0]

    @property
    def unexpected_keys(self):
        return self[1]

    def __repr__(self):
        if not self[0] and not self[1]:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self[0]}, unexpected_keys={self[1]})"


def per_rank(base, name: str, doc=None, **attributes):
    """The subclass ``name`` of ``base`` that sets only class attributes (the rank of its
    input): how a family's 1d, 2d and 3d members are made, one line each."""
    return type(base)(name, (base,), {"__doc__": doc, "__module__": base.__module__,
                                       "__qualname__": name, **attributes})
