"""NumPy's argument names, which PyTorch accepts beside its own: ``x.sum(axis=0, keepdims=True)``
is ``x.sum(dim=0, keepdim=True)`` (d2l writes ``y_hat.argmax(axis=1)``)."""
import functools

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_names(function):
    """``function`` also taking ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        if kwargs:
            for numpy_name, torch_name in _ALIASES.items():
                if numpy_name in kwargs:
                    kwargs[torch_name] = kwargs.pop(numpy_name)
            for unused in ("out", "dtype"):     # np.all(t), np.mean(t) pass out=None, dtype=None
                if unused in kwargs and kwargs[unused] is None:
                    del kwargs[unused]
        return function(*args, **kwargs)

    return call
