"""Run a program of tests/programs/ as it is, or with its imports swapped for PyTorch.

A program keeps its imports between two lines that start with ``# ---``. For the PyTorch
run only that block changes: ``minigrad.vision`` becomes ``torchvision`` and ``minigrad``
becomes ``torch``; every other line is executed as written. torchvision is not installed
here, so :func:`torchvision_stand_in` provides the little of it the programs use (MNIST and
three transforms), built with torch from the very arrays minigrad reads.
"""
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "data"


def load(name, library="minigrad"):
    """The program ``name`` (a file of this folder, without .py) as a fresh module."""
    path = HERE / f"{name}.py"
    source = path.read_text()
    if library == "torch":
        head, imports, tail = re.split(r"^# ---.*$", source, maxsplit=2, flags=re.M)
        imports = imports.replace("minigrad.vision", "torchvision").replace("minigrad", "torch")
        source = "".join([head, "# ---", imports, "# ---", tail])
    module = types.ModuleType(f"{name}_{library}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def torchvision_stand_in():
    """{module name: module} for sys.modules: torchvision.datasets.MNIST and
    torchvision.transforms.{Compose, ToTensor, Normalize}, as torchvision defines them."""
    import torch
    from minigrad.vision import datasets as ours

    class MNIST(torch.utils.data.Dataset):
        """Ours underneath (the same bytes, the same uint8 (28, 28) images), torch around."""

        def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
            self.source = ours.MNIST(root, train, transform, target_transform, download)
            self.data = torch.from_numpy(self.source.data.numpy().copy())
            self.targets = torch.from_numpy(self.source.targets.numpy().copy())

        def __getitem__(self, index):
            return self.source[index]

        def __len__(self):
            return len(self.source)

    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, img):
            for t in self.transforms:
                img = t(img)
            return img

    class ToTensor:                    # torchvision: HxW uint8 -> 1xHxW float32, divided by 255
        def __call__(self, pic):
            return torch.from_numpy(np.ascontiguousarray(pic[None])).to(torch.float32).div(255)

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = torch.tensor(mean).view(-1, 1, 1), torch.tensor(std).view(-1, 1, 1)

        def __call__(self, tensor):
            return tensor.sub(self.mean).div(self.std)

    datasets = types.ModuleType("torchvision.datasets")
    datasets.MNIST = MNIST
    transforms = types.ModuleType("torchvision.transforms")
    transforms.Compose, transforms.ToTensor, transforms.Normalize = Compose, ToTensor, Normalize
    torchvision = types.ModuleType("torchvision")
    torchvision.datasets, torchvision.transforms = datasets, transforms
    return {"torchvision": torchvision, "torchvision.datasets": datasets,
            "torchvision.transforms": transforms}


def to_torch(state_dict):
    """A minigrad state_dict as torch tensors, to start a torch model from the same weights."""
    import torch
    return {k: torch.from_numpy(np.array(v)) for k, v in state_dict.items()}


@pytest.fixture
def both(monkeypatch):
    """Test fixture: name -> (the program on minigrad, the same program with its imports swapped
    for torch, torchvision stood in for by ours)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    for name, module in torchvision_stand_in().items():
        monkeypatch.setitem(sys.modules, name, module)
    return lambda name: (load(name), load(name, "torch"))
