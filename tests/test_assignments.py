"""python -m minigrad assignments: the student and instructor versions of the lessons.

The student notebooks are executed from OUT_DIR/student/: each stops at its first blank with
the NotImplementedError naming that exercise; pasting that solution back (programmatically)
lets it run on to the next blank, and so on to the end, so every check passes. No solution
text and no model answer survives in a student file.

Lessons 07-10 train networks for 40-130 s each in quick mode (tests/test_lessons.py runs them
whole), so their student versions run only their exercise cells: the set-up cell, every cell up
to and including the last check cell before the "## Exercises" heading, and every cell from that
heading on (the answers to the exercises are written to need nothing the experiments between
compute). The cells skipped are those experiments: no solution block, no check cell."""
import ast
import json
import re
from pathlib import Path

import pytest

from minigrad import assignments
from minigrad.__main__ import main

LESSONS = assignments.default_lessons()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("course") / "out"          # a new folder
    assignments.build(out)
    return out


def _strings(value):
    """Every string in a notebook's JSON: sources, outputs and metadata alike."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _solution_lines(cell):
    text = assignments._source(cell)
    lines = text.splitlines()
    for begin, end in assignments.solution_blocks(text):
        for line in lines[begin + 1:end]:
            code = line.split("#")[0].strip()
            if code and not re.fullmatch(r"\w+:", code):       # not bare syntax such as else:
                yield code, line.strip()


EXPERIMENTS_SKIPPED = ("07_", "08_", "09_", "10_")      # lessons whose experiments are long


def _is_check(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _skipped_cells(path, cells):
    """The experiment cells of a long lesson (see the module docstring); none for the others."""
    if not path.name.startswith(EXPERIMENTS_SKIPPED):
        return set()
    heading = max(i for i, c in enumerate(cells)
                  if c["cell_type"] == "markdown" and "## Exercises" in assignments._source(c))
    setup = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    last = max([setup] + [i for i in range(heading) if _is_check(cells[i])])
    skipped = set(range(last + 1, heading))
    assert not any(assignments.is_solution(cells[i]) or _is_check(cells[i]) for i in skipped)
    return skipped


def _lessons_with_blanks():
    return [p for p in sorted(LESSONS.glob("*.ipynb"))
            if any(assignments.is_solution(c) for c in json.loads(p.read_text())["cells"])]


def test_both_versions_are_written_with_the_helpers(built):
    lessons = sorted(p.name for p in LESSONS.glob("*.ipynb"))
    for version in ("student", "instructor"):
        folder = built / version
        assert sorted(p.name for p in folder.glob("*.ipynb")) == lessons
        for helper in ("seed_net.py", "course.py"):          # the modules the notebooks import
            assert (folder / helper).read_text() == (LESSONS / helper).read_text()
        for path in folder.glob("*.ipynb"):
            for cell in json.loads(path.read_text())["cells"]:
                assert not cell.get("outputs") and not cell.get("execution_count"), path.name


def test_the_lessons_mark_the_required_exercises_with_nbgrader_metadata():
    grade_ids = {}
    for path in LESSONS.glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta:
                grade_ids[meta["grade_id"]] = meta
    for name in ("linear_backward", "relu_backward", "sigmoid_backward", "cross_entropy_backward",
                 "bn_forward", "bn_backward_staged", "bn_backward_closed", "conv_backward",
                 "layernorm_backward"):
        assert grade_ids[name]["solution"] and not grade_ids[name]["locked"]
        checker = grade_ids[f"check-{name}"]
        assert checker["grade"] and checker["locked"] and checker["points"] > 0
    assert len(set(grade_ids)) == len(grade_ids)


def test_the_staged_exercise_names_each_gradient_on_its_own_line():
    cell = next(c for c in json.loads((LESSONS / "04_batchnorm_backward.ipynb").read_text())["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "bn_backward_staged")
    text = assignments._source(cell)
    (begin, end), = assignments.solution_blocks(text)
    assigned = [node.targets[0].id for node in ast.walk(ast.parse(text))
                if isinstance(node, ast.Assign) and begin < node.lineno - 1 < end]
    assert assigned == ["dx_hat", "dvar", "dmean", "dx"]        # one statement each, in order


def test_no_solution_text_survives_in_a_student_file(built):
    for path in LESSONS.glob("*.ipynb"):
        student = json.loads((built / "student" / path.name).read_text())
        text = "\n".join(_strings(student))
        for cell in json.loads(path.read_text())["cells"]:
            for code, line in _solution_lines(cell):
                assert code not in text, f"{path.name}: the solution line {line!r} survives"
        answers = LESSONS / "answers" / f"{path.stem}.md"
        if answers.exists():
            assert "Model answers" not in text
            for paragraph in answers.read_text().split("\n\n"):
                if len(paragraph) > 40:
                    assert paragraph.strip() not in text


def test_the_instructor_version_has_the_model_answers(built):
    for answers in (LESSONS / "answers").glob("*.md"):
        notebook = json.loads((built / "instructor" / f"{answers.stem}.ipynb").read_text())
        cells = [assignments._source(c) for c in notebook["cells"]]
        assert any(answers.read_text().strip() in c for c in cells), answers.name


def test_every_lesson_with_exercises_has_model_answers():
    missing = [p.stem for p in _lessons_with_blanks() if not (LESSONS / "answers" / f"{p.stem}.md").exists()]
    assert not missing


def test_a_blank_names_its_exercise_at_its_indentation():
    cell = {"cell_type": "code", "metadata": {"minigrad": {"exercise": "9.9", "task": "a task"},
                                              "nbgrader": {"solution": True, "grade_id": "x"}},
            "source": "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"}
    assert assignments.blank(cell) == "def f(x):\n    raise NotImplementedError('exercise 9.9: a task')"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
])
def test_malformed_blocks_are_refused(source, message):
    with pytest.raises(assignments.AssignmentError, match=message):
        assignments.solution_blocks(source)


def test_a_solution_cell_without_metadata_is_refused(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"}
    (lessons / "99_x.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                    "nbformat_minor": 5}))
    with pytest.raises(assignments.AssignmentError, match="lacks nbgrader metadata"):
        assignments.build(tmp_path / "out", lessons)
    assert not (tmp_path / "out").exists()


def test_an_empty_out_dir_is_fine(tmp_path, capsys):
    assert main(["assignments", str(tmp_path)]) == 0
    assert (tmp_path / "student").is_dir() and (tmp_path / "instructor").is_dir()
    assert "solution blocks blanked" in capsys.readouterr().out


def test_an_out_dir_holding_files_is_refused_and_left_untouched(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "sub").mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["assignments", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "notes.txt" in err and "nothing was written" in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("path", _lessons_with_blanks(), ids=lambda p: p.stem)
def test_a_student_notebook_stops_at_each_blank_and_passes_once_the_solution_is_pasted_back(
        path, built, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MINIGRAD_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    folder = built / "student"
    student = nbformat.read(folder / path.name, as_version=4)
    lesson = json.loads(path.read_text())["cells"]
    blanks = [i for i, c in enumerate(lesson) if assignments.is_solution(c)]
    pending = list(blanks)
    skipped = _skipped_cells(path, lesson)
    # allow_errors: nbclient then sends each cell with stop_on_error=False. With the default, a
    # cell that raises makes ipykernel abort the requests that reach it before it has finished
    # with the error, and an aborted reply is no error to nbclient: under ipykernel 6.25 the
    # pasted-back solution was once skipped without a word. Errors are read from the outputs
    # instead, and every reply that comes must say "ok" or "error".
    client = nbclient.NotebookClient(student, timeout=300, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(folder)}})
    replies = []
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.append(
        execute_reply["content"]["status"])

    def run(index):
        """Runs cell `index` (nbclient passes over markdown and empty cells); returns its error output or None."""
        replies.clear()
        cell = student.cells[index]
        client.execute_cell(cell, index)
        assert replies in ([], ["ok"], ["error"]), f"{path.name} cell {index}: the kernel replied {replies}"
        return next((out for out in cell.get("outputs", []) if out.output_type == "error"), None)

    with client.setup_kernel():
        i = 0
        while i < len(student.cells):
            if i in skipped:
                i += 1
                continue
            error = run(i)
            if error is not None:
                where = f"{path.name} cell {i}: {error.ename}: {error.evalue}"
                assert error.ename == "NotImplementedError", where
                assert pending and pending[0] <= i, f"{where}: a blank raised twice"
                first = pending.pop(0)
                assert assignments.exercise_of(lesson[first]) in error.evalue, where
                student.cells[first].source = assignments._source(lesson[first])   # paste it back
                pasted = run(first)
                assert pasted is None, f"{path.name} cell {first}, the solution: {pasted.ename}: {pasted.evalue}"
                i = first
            i += 1
    assert not pending, f"{path.name}: blanks never reached: cells {pending}"
