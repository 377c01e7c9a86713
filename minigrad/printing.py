"""How a tensor prints: PyTorch's layout, ``tensor([[ 0.1235, -1.0000]], grad_fn=<LinearBackward>)``."""
import numpy as np


def tensor_repr(data: np.ndarray, requires_grad: bool, grad_fn) -> str:
    extras = []
    if data.size == 0 and data.ndim != 1:
        extras.append(f"size={data.shape}")
    if data.dtype not in (np.float32, np.int64, np.bool_):
        extras.append(f"dtype=minigrad.{data.dtype.name}")
    if grad_fn is not None:
        extras.append(f"grad_fn={grad_fn!r}")
    elif requires_grad:
        extras.append("requires_grad=True")
    return _with_suffixes("tensor(" + _format_array(data, indent=len("tensor(")), extras)


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
