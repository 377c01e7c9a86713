"""The one place that records the computation graph.

Every differentiable operation is a subclass of :class:`Function` with two static
methods on plain NumPy arrays::

    class Mul(Function):
        @staticmethod
        def forward(ctx, x, y):          # arrays in, array out
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):         # dL/dout in, one dL/dinput per input out
            x, y = ctx.saved_tensors
            return grad * y, grad * x

``Mul.apply(a, b)`` unwraps the tensors, runs ``forward``, and (when gradients are
wanted) attaches the context to the result as its ``grad_fn``. The context *is* the
graph node: it remembers its input tensors (``ctx.inputs``) and whatever forward
saved. ``Tensor.backward`` walks these nodes in reverse topological order.
"""
from __future__ import annotations

import contextlib
import linecache
import os
import sys

import numpy as np

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class set_grad_enabled:
    """Turn recording on or off, as in PyTorch: at once when called
    (``set_grad_enabled(False)``), or for a block (``with set_grad_enabled(is_train):``),
    after which the previous mode is restored."""

    def __init__(self, mode: bool):
        global _grad_enabled
        self.previous = _grad_enabled
        _grad_enabled = bool(mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self.previous


@contextlib.contextmanager
def no_grad():
    """Context manager (and decorator) under which no graph is recorded, as in PyTorch."""
    with set_grad_enabled(False):
        yield


@contextlib.contextmanager
def enable_grad():
    with set_grad_enabled(True):
        yield


# ----------------------------------------------------------------- anomaly mode
_anomaly_enabled = False


@contextlib.contextmanager
def detect_anomaly():
    """Debug mode, as ``torch.autograd.detect_anomaly``: inside ``with minigrad.detect_anomaly():``
    the first op whose forward output or backward gradient holds NaN or Inf raises a
    RuntimeError naming the op and the line of your code that called it.

    Off, it costs one boolean test per op; on, every op also scans its output (slow: debug only).
    """
    global _anomaly_enabled
    previous = _anomaly_enabled
    _anomaly_enabled = True
    try:
        yield
    finally:
        _anomaly_enabled = previous


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller() -> str:
    """The innermost line outside minigrad on the stack: the user's line that made the op."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    source = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f'File "{frame.f_code.co_filename}", line {frame.f_lineno}: {source}'


def _nonfinite(array):
    """Return "nan" or "inf" if a floating array holds one, else None."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


def _check_forward(ctx, inputs, output):
    ctx.called_at = _caller()
    found = _nonfinite(output)
    if found:
        dirty = [i for i, a in enumerate(inputs) if _nonfinite(a)]
        cause = (f"its input {dirty[0]} already held nan or inf, so it came from outside the "
                 "graph: check the data" if dirty else
                 "its inputs were finite, so this op made them (log of 0 or of a negative "
                 "number? division by 0? exp of a large number?)")
        raise RuntimeError(f"Function '{type(ctx).__name__}' returned {found} values in its "
                           f"forward output: {cause}. It was called at {ctx.called_at}")


def _check_backward(ctx, grads):
    for i, grad in enumerate(grads):
        found = _nonfinite(grad)
        if found:
            called_at = getattr(ctx, "called_at", "a line run before detect_anomaly() was on")
            raise RuntimeError(f"Function '{ctx.name()}' returned {found} values in its {i}th "
                               f"output. Its forward was called at {called_at}")


_FREED = "freed"


class Function:
    """Base class of every op. Subclasses define ``forward`` and ``backward``.

    Positional arguments of ``apply`` that are Tensors become graph inputs (forward
    receives their ``.data``); anything else (Python numbers, arrays, keyword
    arguments) is passed through unchanged and gets no gradient.
    ``backward`` returns one gradient per positional argument (``None`` where there is
    none); its ``grad`` has the shape of forward's output.
    """

    def __init__(self):
        self.inputs = ()              # the Tensor arguments, in order (None for non-tensors)
        self.needs_input_grad = ()    # bool per positional argument
        self.saved_tensors = ()

    def save_for_backward(self, *arrays):
        self.saved_tensors = arrays

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls()
        raw = [a._data if isinstance(a, Tensor) else a for a in args]
        out = Tensor._wrap(cls.forward(ctx, *raw, **kwargs))
        if _anomaly_enabled:
            _check_forward(ctx, raw, out._data)
        if _grad_enabled:
            needs = tuple([isinstance(a, Tensor) and a.requires_grad for a in args])
            if True in needs:
                ctx.inputs = tuple([a if isinstance(a, Tensor) else None for a in args])
                ctx.needs_input_grad = needs
                out.requires_grad = True
                out.grad_fn = ctx
        return out

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    def name(self) -> str:
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def release(self):
        """Drop what forward saved; a second backward through this node then raises.
        A node that saved nothing keeps working, as in PyTorch (``y = x.sum()`` twice)."""
        if self.saved_tensors:
            self.saved_tensors = _FREED

    def run_backward(self, grad):
        if self.saved_tensors is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate values "
                "of the graph are freed when you call .backward(). Specify retain_graph=True "
                "if you need to backward through the graph a second time.")
        grads = type(self).backward(self, grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if _anomaly_enabled:
            _check_backward(self, grads)
        return grads


# tensor.py imports this module, so Tensor can only be imported once Function exists; apply
# looks it up at call time (an import inside apply would cost a lookup on every op)
from .tensor import Tensor  # noqa: E402
