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

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


def set_grad_enabled(mode: bool) -> None:
    global _grad_enabled
    _grad_enabled = bool(mode)


@contextlib.contextmanager
def no_grad():
    """Context manager (and decorator) under which no graph is recorded, as in PyTorch."""
    previous = _grad_enabled
    set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)


@contextlib.contextmanager
def enable_grad():
    previous = _grad_enabled
    set_grad_enabled(True)
    try:
        yield
    finally:
        set_grad_enabled(previous)


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
        from .tensor import Tensor

        ctx = cls()
        raw = [a.data if isinstance(a, Tensor) else a for a in args]
        out = Tensor._wrap(cls.forward(ctx, *raw, **kwargs))
        if _grad_enabled:
            needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
            if any(needs):
                ctx.inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
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
        """Drop what forward saved; a second backward through this node then raises."""
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
        return grads
