"""Devices, as ``torch.device``: minigrad computes with NumPy, on the CPU, and nowhere else.

Course code is written to run on a GPU when there is one::

    device = "cuda" if minigrad.cuda.is_available() else "cpu"
    model = Net().to(device)
    x, y = x.to(device), y.to(device)

so minigrad answers the questions PyTorch answers (``cuda.is_available()`` is False, a tensor's
``device`` is ``device(type='cpu')``) and moving to the CPU is a no-op. Asking for any other
device is an error that says so, with PyTorch's error type (an AssertionError, as a PyTorch
built without CUDA raises) and what to write instead.
"""

_builtin_type = type

# the device types torch.device accepts (its error message lists them in this order)
_KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:
    """``device('cpu')``, ``device('cuda:1')``, ``device('cuda', 0)``: a name and an optional index.

    Any device PyTorch knows can be named (so ``device('cuda')`` in a script is no error by
    itself); only ``cpu`` can hold tensors and modules.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: expected a "
                            f"string such as 'cpu', got {_builtin_type(type).__name__}")
        elif ":" in type and index is None:
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{number}'")
            index = int(number)
        if type not in _KNOWN_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN_TYPES)} device type at start of "
                               f"device string: {type}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'minigrad.device' objects is not writable")

    def __eq__(self, other):
        # as in PyTorch, a device equals a device, never a string: device('cpu') != 'cpu'
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = device("cpu")


def cpu_only(where=None, what="tensors") -> device:
    """The device named by ``where`` (a string, a device or None), which must be the CPU.

    Every ``device=`` argument and every ``.to(...)`` passes through here, so the error for
    ``'cuda'`` (or ``'mps'``...) is written once.
    """
    if where is None:
        return CPU
    if isinstance(where, int) and not isinstance(where, bool):
        where = device("cuda", where)       # PyTorch reads a bare integer as a CUDA device index
    named = where if isinstance(where, device) else device(where)
    if named.type != "cpu":
        raise not_compiled(named, what)
    return CPU


def not_compiled(named, what="tensors") -> AssertionError:
    backend = {"cuda": "CUDA", "mps": "MPS"}.get(named.type, named.type)
    return AssertionError(
        f"minigrad not compiled with {backend} enabled: minigrad computes with NumPy on the CPU, "
        f"so it cannot put {what} on device '{named}'. Write device='cpu' (or leave it out), or "
        "choose the device as portable code does: device = 'cuda' if "
        "minigrad.cuda.is_available() else 'cpu'")


def cuda_error(where=None, what="tensors") -> AssertionError:
    """What ``x.cuda(where)`` and ``model.cuda(where)`` raise; ``where`` is None, an index, a
    name or a device, as PyTorch takes it."""
    if where is None or (isinstance(where, int) and not isinstance(where, bool)):
        named = device("cuda", where)
    else:
        named = device(where)
    return not_compiled(named, what)


class _Backend:
    """What ``torch.cuda``, ``torch.backends.mps`` and ``torch.accelerator`` answer on a
    machine without that hardware: nothing is available, there are no devices, and seeding
    such a device's generator does nothing (there is none to seed)."""

    def __init__(self, name):
        self.__name__ = name

    def is_available(self) -> bool:
        return False

    def is_built(self) -> bool:
        return False

    def device_count(self) -> int:
        return 0

    def current_accelerator(self, check_available=False):
        return None

    def manual_seed(self, seed) -> None:
        return None

    manual_seed_all = manual_seed

    def __repr__(self):
        return f"<minigrad.{self.__name__}: not available, minigrad runs on the CPU>"


class _Cudnn:
    """``torch.backends.cudnn``: the flags course code sets for reproducibility, kept as
    plain attributes (there is no cuDNN, so they change nothing)."""

    deterministic = False
    benchmark = False
    enabled = True

    @staticmethod
    def is_available() -> bool:
        return False


class _Backends:
    def __init__(self):
        self.mps = _Backend("backends.mps")
        self.cudnn = _Cudnn()


cuda = _Backend("cuda")
accelerator = _Backend("accelerator")
backends = _Backends()


def parse_to(args, kwargs):
    """What ``x.to(...)`` and ``model.to(...)`` ask for, as PyTorch reads their arguments:
    (device, dtype or None, copy). Positional arguments may be a device (a string, a device,
    an integer), a dtype, or a tensor (its dtype and device); keywords device=, dtype=,
    copy=, non_blocking= and memory_format= (the last two change nothing on the CPU)."""
    where, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for arg in args:
        if isinstance(arg, (str, device)) or _builtin_type(arg) is int:
            where = arg
        elif isinstance(arg, _builtin_type) or not hasattr(arg, "dtype"):   # minigrad.float64, np.dtype
            dtype = arg
        else:                                                   # a tensor: its dtype, on the CPU
            dtype = arg.dtype
    return cpu_only(where), dtype, copy
