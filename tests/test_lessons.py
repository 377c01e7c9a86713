"""Execute every lesson notebook top to bottom in a fresh kernel, in quick mode.

MINIGRAD_QUICK=1 tells a lesson to shorten its training runs; each lesson asserts its own
key claims in code cells, so a claim that stops holding fails here. The tools the lessons share
(showing source, catching an error) live once, in lessons/course.py: no two lessons define a
function or class of the same name.
"""
import ast
import collections
import json
import os
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_top_to_bottom(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MINIGRAD_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_is_committed_with_outputs_cleared(path):
    cells = json.loads(path.read_text())["cells"]
    dirty = [i for i, c in enumerate(cells)
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; run `make clean-notebooks`"


def _top_level_definitions(path):
    """The names of the functions and classes that a lesson's code cells define at top level."""
    names = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            names += [node.name for node in ast.parse(source).body
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    return names


def test_no_two_lessons_define_a_function_or_class_of_the_same_name():
    defined_in = collections.defaultdict(set)
    for path in LESSONS:
        for name in _top_level_definitions(path):
            defined_in[name].add(path.stem)
    shared = {name: sorted(lessons) for name, lessons in defined_in.items() if len(lessons) > 1}
    assert not shared, (f"defined in more than one lesson: {shared}; a shared helper belongs in "
                        "lessons/course.py, and different functions need names that say what differs")


def test_the_duplicate_finder_finds_a_helper_defined_twice(tmp_path):
    for name in ("01_a", "02_b"):
        cell = {"cell_type": "code", "source": ["import numpy as np\n", "def show(obj):\n", "    return obj"]}
        (tmp_path / f"{name}.ipynb").write_text(json.dumps({"cells": [cell]}))
    assert [_top_level_definitions(p) for p in sorted(tmp_path.glob("*.ipynb"))] == [["show"], ["show"]]
