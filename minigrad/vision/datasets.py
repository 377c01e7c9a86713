"""MNIST as a torchvision-shaped dataset, read from the files that ship with minigrad.

``datasets.MNIST(root, train=True, transform=None, target_transform=None, download=False)``
looks for the four gzipped IDX files in ``root/MNIST/raw`` (torchvision's layout) and then
in ``root`` itself (the layout of the repository's data/ folder), and reads them with
:func:`minigrad.data.load_mnist`. Nothing is ever downloaded: ``download=True`` only checks
that the files are there and, if they are not, says where they are expected.

A sample is ``(image, label)``: the image a (28, 28) uint8 array (torchvision gives a PIL
image of the same pixels; ``transforms.ToTensor()`` turns either into a (1, 28, 28) float
Tensor in [0, 1]), the label an int. ``.data`` (N, 28, 28) uint8 and ``.targets`` (N,)
int64 hold the whole split as Tensors, as in torchvision.
"""
import os
from pathlib import Path

from ..data import _FILES, ROWS, COLS, default_root, load_mnist
from ..tensor import Tensor
from ..utils.data import Dataset


class MNIST(Dataset):
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root, self.train = os.fspath(root), train
        self.transform, self.target_transform = transform, target_transform
        folder = _find_files(Path(self.root), train, download)
        pixels, labels = load_mnist(train=train, flatten=False, root=folder, raw=True)
        # copies: the reader's cached arrays are shared and read-only, a dataset's are its own
        self.data = Tensor(pixels.reshape(-1, ROWS, COLS).copy())
        self.targets = Tensor(labels.copy())

    def __getitem__(self, index):
        img, target = self.data._data[index], int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append(f"    StandardTransform\nTransform: {self.transform}")
        return "\n".join(lines)


def _find_files(root, train, download):
    """The folder under ``root`` that holds the split's files, or a RuntimeError that says
    where they are expected and where minigrad's own copy is."""
    candidates = [root / "MNIST" / "raw", root]
    for folder in candidates:
        if all((folder / name).is_file() for name in _FILES[bool(train)]):
            return folder
    asked = " (download=True never goes online in minigrad)" if download else ""
    raise RuntimeError(
        f"Dataset not found{asked}: expected {' and '.join(_FILES[bool(train)])} in "
        f"{candidates[0]} or {candidates[1]}. minigrad ships MNIST in {default_root()}: pass "
        f"root={str(default_root())!r}, or copy the four .gz files into one of those folders")
