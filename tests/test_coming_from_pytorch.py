"""The README's "Coming from PyTorch" tables say what each unsupported call says: every quoted
error is checked here."""
import io
import re
import zipfile
from pathlib import Path

import pytest

import minigrad as torch
import minigrad.optim as optim
from minigrad.vision import datasets, transforms

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Coming from PyTorch"


def _params():
    return [torch.nn.Parameter(torch.zeros(1))]


def _torch_file():
    """What torch.save writes (a zip holding a pickle), as the file f of the current folder."""
    with zipfile.ZipFile("f", "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x04N.")
    return "f"


# first words of the row's "call" cell -> the call, made as the row says, in an empty folder
CALLS = {
    "`scheduler.step(epoch)`": lambda: optim.lr_scheduler.StepLR(optim.SGD(_params()), 2).step(3),
    "`CyclicLR`": lambda: optim.lr_scheduler.CyclicLR,
    "`LBFGS`": lambda: optim.LBFGS,
    "`foreach=`": lambda: optim.Adam(_params(), foreach=False),
    "`DataLoader(batch_size=None)`": lambda: torch.utils.data.DataLoader(range(3), batch_size=None),
    "`DataLoader(batch_sampler=...)`": lambda: torch.utils.data.DataLoader(range(3), batch_sampler=[[0]]),
    "`IterableDataset`": lambda: torch.utils.data.IterableDataset,
    "`datasets.CIFAR10`": lambda: datasets.CIFAR10,
    "`datasets.MNIST(root, download=True)`": lambda: datasets.MNIST("root", download=True),
    "`torch.Generator(device='cuda')`": lambda: torch.Generator(device="cuda"),
    "`torch.save(model, path)`": lambda: torch.save(torch.nn.Linear(2, 2), "m.pt"),
    "`torch.save(obj, io.BytesIO())`": lambda: torch.save({}, io.BytesIO()),
    "`torch.load(f)`": lambda: torch.load(_torch_file()),
    "`torch.load(path, map_location='cuda')`": lambda: torch.load("m.pt", map_location="cuda"),
    "`x.cuda()`": lambda: torch.ones(2).cuda(),
    "`nn.Embedding(..., max_norm=1.0)`": lambda: torch.nn.Embedding(3, 2, max_norm=1.0)(torch.tensor([0])),
    "`cross_entropy` / `nll_loss` of (N, C, d1, ...) input": lambda: torch.nn.functional.cross_entropy(
        torch.randn(2, 3, 4), torch.zeros(2, 4, dtype=torch.long)),
    "`cross_entropy` with class probabilities": lambda: torch.nn.functional.cross_entropy(
        torch.randn(2, 3), torch.rand(2, 3)),
    "`nn.PReLU`": lambda: torch.nn.PReLU,
    "`nn.init.trunc_normal_`": lambda: torch.nn.init.trunc_normal_,
    "`x.new_zeros(...)`": lambda: torch.ones(2).new_zeros(3),
}


def quoted_errors():
    """(call cell, quoted 'XError: message' up to its first '...') for each row that quotes one."""
    text = README.read_text()
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ")]
    rows = []
    for line in section.splitlines():
        cells = line.split(" | ")
        match = len(cells) == 2 and re.search(r"`(\w+(?:Error|Exception)): (.*?)`", cells[1])
        if match:
            rows.append((cells[0].lstrip("| "), match.group(1), match.group(2).split("...")[0].rstrip(", ")))
    return rows


def test_the_table_quotes_errors():
    assert len(quoted_errors()) >= 12


@pytest.mark.parametrize("call, error, message", quoted_errors(), ids=lambda v: v[:40])
def test_each_quoted_error_is_what_the_call_raises(tmp_path, monkeypatch, call, error, message):
    monkeypatch.chdir(tmp_path)
    make = next(f for start, f in CALLS.items() if call.startswith(start))
    with pytest.raises(Exception) as info:
        make()
    said = f"{type(info.value).__name__}: {info.value}"
    assert said.startswith(f"{error}: {message}"), said
