"""minigrad.set_num_threads / get_num_threads, and that the lessons and the demo use them."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

import minigrad
from minigrad import experiment
from minigrad.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


def blas_threads():
    """Read the thread count from the BLAS libraries themselves, not through minigrad."""
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def restore_threads():
    before = minigrad.get_num_threads()
    yield
    minigrad.set_num_threads(before)


@pytest.mark.parametrize("n", [1, 2])
def test_set_num_threads_sets_every_blas_pool(n, restore_threads):
    minigrad.set_num_threads(n)
    assert minigrad.get_num_threads() == n
    assert blas_threads() == {n}         # NumPy's BLAS was found, and set


@pytest.mark.parametrize("n, message", [
    (0, "set_num_threads expects a positive integer"),
    (-1, "set_num_threads expects a positive integer"),
    (1.5, "set_num_threads expects an int, but got float"),
    ("2", "set_num_threads expects an int, but got str"),
    (True, "set_num_threads expects an int, but got bool"),
])
def test_set_num_threads_rejects_what_pytorch_rejects(n, message, restore_threads):
    with pytest.raises(RuntimeError, match=message):
        minigrad.set_num_threads(n)


def _setup_cell(path):
    return "".join(next(c for c in json.loads(path.read_text())["cells"]
                        if c["cell_type"] == "code")["source"])


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_setup_leaves_blas_at_one_thread(path):
    """Run the lesson's first code cell in a fresh Python whose BLAS starts with two threads,
    as a kernel opened by `jupyter lab` does on a 2-core machine, then ask BLAS."""
    pytest.importorskip("IPython")                    # the set-up cells import IPython.display
    pytest.importorskip("matplotlib")
    program = (_setup_cell(path) + "\nfrom threadpoolctl import threadpool_info\n"
               "print(sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))\n")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2", MKL_NUM_THREADS="2",
               MINIGRAD_QUICK="1", MPLBACKEND="Agg",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", program], cwd=path.parent, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[1]", (
        f"{path.name}'s set-up cell leaves BLAS at {result.stdout.splitlines()[-1]} threads: "
        "call torch.set_num_threads(1) there")


class _Stop(Exception):
    pass


def test_demo_trains_on_one_blas_thread(monkeypatch, restore_threads):
    seen = []

    def compare(**_):
        seen.append(minigrad.get_num_threads())
        raise _Stop                       # before any training

    minigrad.set_num_threads(2)
    monkeypatch.setattr(experiment, "compare", compare)
    with pytest.raises(_Stop):
        main(["demo", "--steps", "10"])
    assert seen == [1]
