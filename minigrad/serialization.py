"""Checkpoints: ``minigrad.save(model.state_dict(), path)`` and ``minigrad.load(path)``.

A checkpoint is an ``.npz`` file: a zip archive holding one ``.npy`` file per entry of the
state dict (``fc1.weight.npy``, ``bn1.num_batches_tracked.npy``, ...), so ``numpy.load`` can
read it too. Each array keeps its dtype and shape; ``num_batches_tracked`` stays int64.

Two promises:
- Never pickle. A pickled object runs code when it is loaded, so a checkpoint from a stranger
  could do anything. Both directions pass ``allow_pickle=False`` and accept only numeric
  arrays; ``load`` refuses an object array with an error that says why.
- Never half-written. ``save`` writes a temporary file beside ``path`` and renames it into
  place (``os.replace`` is atomic), so a save interrupted by an error, Ctrl-C or a full disk
  leaves an existing checkpoint exactly as it was.
"""
import os
import secrets
import zipfile
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .tensor import Tensor

_NUMERIC = "biufc"   # dtype kinds a checkpoint may hold: bool, int, uint, float, complex


def save(state_dict, path) -> None:
    """Write ``state_dict`` (a dict of name -> array or Tensor) to ``path`` as ``.npz``.

    The file name is used as given (``torch.save`` style: ``model.npz``, ``ckpt.pt``...).
    Raises TypeError for anything that is not a flat dict of numeric arrays, before any file
    is touched.
    """
    arrays = _checked_state_dict(state_dict)
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse an existing file; mode 0o666 lets the umask decide, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for key, array in arrays.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())       # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:              # also Ctrl-C: remove the partial file, keep the old one
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path) -> "OrderedDict[str, np.ndarray]":
    """Read a checkpoint written by :func:`save`: an OrderedDict of name -> ndarray, in the
    order they were saved, ready for ``model.load_state_dict``.

    Raises ValueError, naming the file, if it is not an ``.npz`` of numeric arrays (a pickle,
    a ``torch.save`` file, a truncated download) or if it holds an object array.
    """
    path = os.fspath(path)
    out = OrderedDict()
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                key = member.filename
                if not key.endswith(".npy"):
                    raise ValueError(
                        f"{path}: not a minigrad checkpoint: it holds {key!r}, and a minigrad "
                        "checkpoint holds only .npy arrays (a file written by torch.save cannot "
                        "be read; save it again with minigrad.save)")
                name = key[:-len(".npy")]
                with archive.open(member) as f:
                    out[name] = _read_array(path, name, f)
    except (zipfile.BadZipFile, EOFError) as e:
        raise ValueError(
            f"{path}: not a minigrad checkpoint (an .npz file written by minigrad.save): {e}. "
            "A pickle (pickle.dump, torch.save of old) is never loaded, and a truncated "
            "file cannot be") from None
    return out


def _read_array(path, key, f) -> np.ndarray:
    try:
        array = np.lib.format.read_array(f, allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(
                f"{path}: entry {key!r} is an object array, which could only be read by "
                "unpickling it, and unpickling can run arbitrary code: minigrad.load refuses "
                "it. A checkpoint written by minigrad.save holds only numeric arrays") from None
        raise ValueError(f"{path}: entry {key!r} is damaged: {e}") from None
    if array.dtype.kind not in _NUMERIC:
        raise ValueError(f"{path}: entry {key!r} has dtype {array.dtype}; a checkpoint holds "
                         "only numeric arrays")
    return array


def _checked_state_dict(state_dict) -> "OrderedDict[str, np.ndarray]":
    """name -> ndarray for every entry, or a TypeError that says what to pass instead."""
    if not isinstance(state_dict, Mapping):
        hint = (" call minigrad.save(model.state_dict(), path)"
                if hasattr(state_dict, "state_dict") else " pass model.state_dict()")
        raise TypeError(f"minigrad.save expects a state_dict (a dict of name -> array), got "
                        f"{type(state_dict).__name__}:{hint}")
    arrays = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"minigrad.save: state_dict keys must be str, got {key!r}")
        if isinstance(value, Mapping):
            raise TypeError(
                f"minigrad.save stores a flat dict of arrays, but entry {key!r} is a dict: "
                "save each state_dict to its own file, or flatten it, e.g. "
                f"{{'{key}.' + k: v for k, v in ...items()}}")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in _NUMERIC:
            raise TypeError(
                f"minigrad.save: entry {key!r} has dtype {array.dtype} (from "
                f"{type(value).__name__}); a checkpoint holds only numeric arrays, never "
                "pickled objects")
        arrays[key] = array
    return arrays
