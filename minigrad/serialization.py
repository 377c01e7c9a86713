"""Checkpoints: ``minigrad.save(obj, path)`` and ``minigrad.load(path)``, as torch.save/load.

``obj`` is what course code saves: a state dict, or a dict of them with numbers and
strings beside, ``{'model': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3}``;
in general any nesting of dicts (str or int keys), lists and tuples whose leaves are
Tensors, arrays, Python numbers, strings, bools or None.

A checkpoint is an ``.npz`` file: a zip archive with one ``.npy`` file per array, named by
its path of keys (``fc1.weight.npy`` for a flat state dict, ``model/fc1.weight.npy`` inside
a dict), so ``numpy.load`` can read the arrays too; and one JSON entry, ``__structure__.json``,
that records the nesting, the keys, the plain values, and for each array its file and
whether it was a Tensor (and required grad) or an ndarray. ``load`` rebuilds the same
object. Each array keeps its dtype and shape; ``num_batches_tracked`` stays int64.

Two promises:
- Never pickle. A pickled object runs code when it is loaded, so a checkpoint from a stranger
  could do anything. Arrays are written and read with ``allow_pickle=False`` and must be
  numeric; the structure is JSON, which only ever parses into data. ``load`` refuses an
  object array with an error that says why.
- Never half-written. ``save`` writes a temporary file beside ``path`` and renames it into
  place (``os.replace`` is atomic), so a save interrupted by an error, Ctrl-C or a full disk
  leaves an existing checkpoint exactly as it was.

A file from before the structure entry (only ``.npy`` members) loads as an OrderedDict of
name -> ndarray, as it always did.
"""
import json
import os
import secrets
import zipfile
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .tensor import Tensor

_NUMERIC = "biufc"   # dtype kinds a checkpoint may hold: bool, int, uint, float, complex
STRUCTURE = "__structure__.json"


def save(obj, path) -> None:
    """Write ``obj`` (see the module docstring for what it may hold) to ``path``.

    The file name is used as given (``torch.save`` style: ``model.npz``, ``ckpt.pt``...).
    Raises TypeError, naming the entry, for anything else (a Module, a function, an object
    array), before any file is touched.
    """
    arrays = {}
    structure = _encode(obj, (), arrays)
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse an existing file; mode 0o666 lets the umask decide, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for member, array in arrays.items():
                    with archive.open(member, "w", force_zip64=True) as out:
                        np.lib.format.write_array(out, array, allow_pickle=False)
                archive.writestr(STRUCTURE, json.dumps(structure))
            f.flush()
            os.fsync(f.fileno())       # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:              # also Ctrl-C: remove the partial file, keep the old one
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path, map_location=None, weights_only=True):
    """Read a checkpoint written by :func:`save` and rebuild the object that was saved
    (dicts, lists, tuples, Tensors, arrays, numbers, strings), ready for
    ``model.load_state_dict(ckpt['model'])``.

    ``map_location`` and ``weights_only`` are accepted as torch.load takes them: every
    tensor lands on the CPU (the only device), and nothing but data is ever read, whatever
    weights_only says.

    Raises ValueError, naming the file, if it is not a minigrad checkpoint (a pickle, a
    ``torch.save`` file, a truncated download) or if it holds an object array.
    """
    if map_location is not None and not callable(map_location) and not str(map_location).startswith("cpu"):
        raise RuntimeError(f"map_location={map_location!r}: minigrad runs on the CPU only, and "
                           "every tensor it loads is on the CPU; drop map_location or pass 'cpu'")
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            for key in names:
                if not key.endswith(".npy") and key != STRUCTURE:
                    raise ValueError(
                        f"{path}: not a minigrad checkpoint: it holds {key!r}, and a minigrad "
                        "checkpoint holds only .npy arrays and its structure entry (a file "
                        "written by torch.save cannot be read; save it again with minigrad.save)")
            arrays = OrderedDict()
            for key in names:
                if key != STRUCTURE:
                    with archive.open(key) as f:
                        arrays[key] = _read_array(path, key[:-len(".npy")], f)
            if STRUCTURE not in names:                 # a flat checkpoint of before
                return OrderedDict((key[:-len(".npy")], a) for key, a in arrays.items())
            structure = json.loads(archive.read(STRUCTURE))
    except (zipfile.BadZipFile, EOFError) as e:
        raise ValueError(
            f"{path}: not a minigrad checkpoint (an .npz file written by minigrad.save): {e}. "
            "A pickle (pickle.dump, torch.save of old) is never loaded, and a truncated "
            "file cannot be") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: the structure entry {STRUCTURE} is damaged: {e}") from None
    return _decode(path, structure, arrays)


# ---- the structure: a JSON tree whose leaves are plain values or references to arrays -----

def _encode(obj, keys, arrays):
    """The JSON node for ``obj`` found at ``keys``; arrays go into ``arrays`` (member -> array)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        return _encode_array(obj, keys, arrays)
    if isinstance(obj, Mapping):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"minigrad.save: dict keys must be str or int, got {key!r} at {_where(keys)}")
            items.append([key, _encode(value, keys + (key,), arrays)])
        return {"dict": items, "ordered": isinstance(obj, OrderedDict)}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, keys + (i,), arrays) for i, v in enumerate(obj)]}
    hint = (": call minigrad.save(model.state_dict(), path)" if hasattr(obj, "state_dict")
            else "; a checkpoint never pickles objects")
    raise TypeError(f"minigrad.save stores Tensors, arrays, numbers, strings and dicts, lists and "
                    f"tuples of them, but {_where(keys)} is {type(obj).__name__}{hint}")


def _encode_array(obj, keys, arrays):
    array = obj._data if isinstance(obj, Tensor) else np.asarray(obj)
    if array.dtype.kind not in _NUMERIC:
        raise TypeError(f"minigrad.save: {_where(keys)} has dtype {array.dtype} (from "
                        f"{type(obj).__name__}); a checkpoint holds only numeric arrays, never "
                        "pickled objects")
    stem = "/".join(map(str, keys)) or "root"
    member, n = stem + ".npy", 1
    while member in arrays:                       # "a/b" as a key and a -> b as nesting
        member, n = f"{stem}~{n}.npy", n + 1
    arrays[member] = array
    if isinstance(obj, Tensor):
        return {"tensor": member, "requires_grad": bool(obj.requires_grad)}
    return {"ndarray" if isinstance(obj, np.ndarray) else "scalar": member}


def _decode(path, node, arrays):
    if not isinstance(node, dict):
        return node
    try:
        if "dict" in node:
            pairs = [(key, _decode(path, value, arrays)) for key, value in node["dict"]]
            return OrderedDict(pairs) if node["ordered"] else dict(pairs)
        if "list" in node:
            return [_decode(path, v, arrays) for v in node["list"]]
        if "tuple" in node:
            return tuple(_decode(path, v, arrays) for v in node["tuple"])
        if "tensor" in node:
            array = arrays[node["tensor"]]
            return Tensor(array, requires_grad=node["requires_grad"] and array.dtype.kind in "fc")
        if "ndarray" in node:
            return arrays[node["ndarray"]]
        if "scalar" in node:
            return arrays[node["scalar"]][()]
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: the structure entry {STRUCTURE} does not match the arrays "
                         f"in the file ({type(e).__name__}: {e}): the file is damaged") from None
    raise ValueError(f"{path}: the structure entry {STRUCTURE} holds an unknown node {node!r}")


def _where(keys):
    return "the object" if not keys else "entry " + "".join(f"[{k!r}]" for k in keys)


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
