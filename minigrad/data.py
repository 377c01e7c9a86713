"""MNIST from the IDX files in data/, and a seeded DataLoader.

The reader follows the IDX format described on the MNIST page: a big-endian header
(magic number, item count, and for images the row and column counts) followed by the raw
uint8 values. The files are read gzipped, exactly as they ship.
"""

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .random import default_generator

IMAGES_MAGIC = 0x00000803  # IDX: unsigned byte data, 3 dimensions (count, rows, cols)
LABELS_MAGIC = 0x00000801  # IDX: unsigned byte data, 1 dimension (count)
ROWS = COLS = 28

_FILES = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# (path, reader) -> ((mtime_ns, size), array). Decompressing and scaling the training images
# takes about a second; the lessons call load_mnist() in many cells, so each file is parsed
# once per reader and parsed again only if it changes on disk. One entry per path and reader
# keeps a stale array from outliving its file.
_CACHE = {}


def default_root():
    """The folder load_mnist reads when no root is given.

    Returns:
    - Path: $MINIGRAD_DATA if that environment variable is set, otherwise the data/ folder
      of the repository this file belongs to (the MNIST files ship there).
    """
    env = os.environ.get("MINIGRAD_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def _read_gzip(path):
    """Return the decompressed bytes of path, or raise a ValueError that names the file."""
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    # A truncated download ends in EOFError, a bad header or CRC in BadGzipFile, damaged
    # compressed data in zlib.error: to the caller all three mean "this file is corrupt".
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise ValueError(f"{path}: not a valid gzip file ({e})") from e


def _parse_idx(path, raw, magic, header_fields):
    """Check an IDX header and return (header values after the magic, payload bytes).

    Inputs:
    - path: Path of the file, for error messages
    - raw: bytes, the decompressed file
    - magic: int, the expected magic number
    - header_fields: int, number of big-endian uint32 values after the magic
    """
    header_len = 4 * (1 + header_fields)
    if len(raw) < header_len:
        raise ValueError(
            f"{path}: expected an IDX header of {header_len} bytes, "
            f"found a file of {len(raw)} bytes"
        )
    found_magic, *fields = struct.unpack(f">{1 + header_fields}I", raw[:header_len])
    if found_magic != magic:
        raise ValueError(
            f"{path}: expected IDX magic number 0x{magic:08x}, found 0x{found_magic:08x}"
        )
    payload = raw[header_len:]
    expected = math.prod(fields)
    if len(payload) != expected:
        raise ValueError(
            f"{path}: header {' x '.join(map(str, fields))} promises {expected} bytes of "
            f"data, found {len(payload)}"
        )
    return fields, payload


def _load_pixels(path):
    """Images of an IDX3 file as the stored uint8 array of shape (N, 784), values 0..255."""
    (count, rows, cols), payload = _parse_idx(path, _read_gzip(path), IMAGES_MAGIC, 3)
    if (rows, cols) != (ROWS, COLS):
        raise ValueError(f"{path}: expected {ROWS}x{COLS} images, found {rows}x{cols}")
    return np.frombuffer(payload, dtype=np.uint8).reshape(count, rows * cols)


def _load_images(path):
    """Images of an IDX3 file as a float32 array of shape (N, 784), values in [0, 1]."""
    return _load_pixels(path).astype(np.float32) / np.float32(255)


def _load_labels(path):
    """Labels of an IDX1 file as an int64 array of shape (N,)."""
    _, payload = _parse_idx(path, _read_gzip(path), LABELS_MAGIC, 1)
    return np.frombuffer(payload, dtype=np.uint8).astype(np.int64)


def _cached(path, load):
    """Return load(path) from the cache, or call it, freeze the result and store it."""
    if not path.is_file():
        raise FileNotFoundError(
            f"MNIST file not found: {path} (looked in {path.parent}). The four MNIST files "
            f"ship in the data/ folder of the minigrad repository; pass root=... or set the "
            f"MINIGRAD_DATA environment variable to the folder that holds them."
        )
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = _CACHE.get((path, load))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    array = load(path)
    # Read-only because every caller shares this one array: an in-place edit in one lesson
    # cell would otherwise silently change the data every later cell sees.
    array.flags.writeable = False
    _CACHE[(path, load)] = (stamp, array)
    return array


def load_mnist(train=True, flatten=True, root=None, raw=False):
    """Load the MNIST training or test set.

    Inputs:
    - train: bool, True for the 60,000 training images, False for the 10,000 test images
    - flatten: bool, True for images of shape (N, 784), False for (N, 1, 28, 28), the
      (batch, channel, height, width) layout convolutions expect
    - root: folder holding the four gzipped IDX files; default: default_root(), i.e.
      $MINIGRAD_DATA if set, else the repository's data/ folder
    - raw: bool, True for the stored uint8 pixel values 0..255 instead of floats (what
      minigrad.vision.datasets.MNIST serves, as torchvision does)

    Returns a tuple of:
    - images: float32 array, (N, 784) or (N, 1, 28, 28), pixel values / 255, so in [0, 1]
      (uint8 values 0..255 with raw=True)
    - labels: int64 array of shape (N,), digits 0..9

    Both arrays are cached and READ-ONLY (writing to them raises ValueError); call .copy()
    before modifying them in place. Arithmetic such as (images - mean) / std makes new
    arrays and needs no copy.

    Raises FileNotFoundError if a file is missing, ValueError if a file is corrupt or its
    header disagrees with its contents, both naming the file.
    """
    root = Path(root) if root is not None else default_root()
    images_path, labels_path = (root / name for name in _FILES[bool(train)])
    images = _cached(images_path, _load_pixels if raw else _load_images)
    labels = _cached(labels_path, _load_labels)
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels; expected the same number"
        )
    if not flatten:
        images = images.reshape(-1, 1, ROWS, COLS)  # a view, so still read-only
    return images, labels


def _default_seed():
    """A seed for a DataLoader built with seed=None, drawn from minigrad's global generator.

    Drawing from the generator that minigrad.manual_seed seeds makes `manual_seed(0)` fix
    the batch order as well as the initial weights.
    """
    return int(default_generator().integers(2**63))


class DataLoader:
    """Iterate over (x, y) in mini-batches, reshuffled every epoch.

    Inputs:
    - x: array of shape (N, ...), e.g. images (N, 784)
    - y: array of shape (N, ...), e.g. labels (N,)
    - batch_size: positive int, number of samples per batch
    - shuffle: bool, visit the samples in a new random order on every pass (epoch)
    - drop_last: bool, skip the final batch if it holds fewer than batch_size samples
    - seed: int or None; the loader owns np.random.default_rng(seed), so two loaders with
      the same seed yield the same batches epoch after epoch. None draws the seed from
      minigrad's global generator (see minigrad.manual_seed).

    Iterating yields tuples (xb, yb) of arrays with shapes (B, ...) and (B, ...), B <=
    batch_size; len(loader) is the number of batches per epoch.
    """

    def __init__(self, x, y, batch_size, shuffle=True, drop_last=False, seed=None):
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y):
            raise ValueError(
                f"x and y must have the same length, got len(x)={len(x)} and len(y)={len(y)}"
            )
        # bool is an int subclass, but batch_size=True is a bug, not a batch of one.
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size!r}"
            )
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = np.random.default_rng(_default_seed() if seed is None else seed)

    def __len__(self):
        n, b = len(self.x), self.batch_size
        return n // b if self.drop_last else -(-n // b)  # -(-n // b) is ceil(n / b)

    def __iter__(self):
        n = len(self.x)
        # One permutation per call to iter(), i.e. per epoch, drawn from the loader's own
        # generator: the sequence of epochs depends only on the seed.
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.x[idx], self.y[idx]
