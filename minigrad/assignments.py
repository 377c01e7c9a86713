"""Class mode: build the student and instructor versions of the lessons, without nbgrader.

``python -m minigrad assignments OUT_DIR`` reads every notebook of ``lessons/`` and writes

  OUT_DIR/student/      each lesson with every solution block blanked, outputs cleared;
  OUT_DIR/instructor/   each lesson whole, outputs cleared, with the model answers to its
                        written exercises (``lessons/answers/<lesson>.md``) after its exercises;

and the helper modules of ``lessons/`` (``*.py``) beside both, so the notebooks run from either
folder as from ``lessons/`` (they find minigrad's data and source through the package itself).

The lessons follow nbgrader's conventions, so an instructor who uses nbgrader can run
``nbgrader generate_assignment`` on them instead:
  - a solution block is the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in a
    code cell whose metadata ``nbgrader`` has ``solution: true`` and a ``grade_id``;
  - a check cell (it calls :mod:`minigrad.check`) has ``grade: true``, ``locked: true``, a
    ``grade_id`` and ``points``.
The cell metadata ``minigrad`` of a solution cell names its exercise, ``{"exercise": "4.2",
"task": "..."}``; the student version replaces each block by
``raise NotImplementedError("exercise 4.2: <task>")`` at the block's indentation, as nbgrader
replaces it by ``raise NotImplementedError()``.
"""
import copy
import json
import shutil
import sys
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
NBGRADER_SCHEMA = 3


class AssignmentError(RuntimeError):
    """A lesson's solution blocks are malformed, or OUT_DIR cannot be written."""


def default_lessons() -> Path:
    """The repository's lessons/ folder (beside the minigrad package)."""
    return Path(__file__).resolve().parent.parent / "lessons"


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _lines(text: str) -> list:
    return text.splitlines(keepends=True)


def solution_blocks(text: str) -> list:
    """(begin, end) line numbers of each block: lines begin+1 .. end-1 are the solution."""
    blocks, begin = [], None
    for i, line in enumerate(text.splitlines()):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise AssignmentError(f"line {i + 1}: {BEGIN} inside another solution block")
            begin = i
        elif marker == END:
            if begin is None:
                raise AssignmentError(f"line {i + 1}: {END} without {BEGIN}")
            blocks.append((begin, i))
            begin = None
    if begin is not None:
        raise AssignmentError(f"line {begin + 1}: {BEGIN} is never closed by {END}")
    return blocks


def exercise_of(cell) -> str:
    """'exercise 4.2: <task>', from the cell's ``minigrad`` metadata."""
    info = cell.get("metadata", {}).get("minigrad", {})
    if "exercise" not in info:
        raise AssignmentError(f"a solution cell has no metadata minigrad.exercise: "
                              f"{_source(cell)[:60]!r}")
    return f"exercise {info['exercise']}: {info.get('task', '')}".rstrip(": ")


def blank(cell) -> str:
    """The cell's source with every solution block replaced by a NotImplementedError."""
    text, label = _source(cell), exercise_of(cell)
    lines, out, last = _lines(text), [], 0
    for begin, end in solution_blocks(text):
        indent = lines[begin][:len(lines[begin]) - len(lines[begin].lstrip())]
        out += lines[last:begin]
        out.append(f"{indent}raise NotImplementedError({label!r})\n" if cell["cell_type"] == "code"
                   else f"*Your answer here ({label}).*\n")      # a written answer (markdown)
        last = end + 1
    out += lines[last:]
    return "".join(out).rstrip("\n")


def is_solution(cell) -> bool:
    return bool(solution_blocks(_source(cell)))


def _cleared(cell):
    cell = copy.deepcopy(cell)
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return cell


def _checked_metadata(cell, path):
    """A solution cell must carry nbgrader's solution metadata, so nbgrader sees the same blocks."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not (meta.get("solution") and meta.get("grade_id")):
        raise AssignmentError(f"{path.name}: a cell with {BEGIN} lacks nbgrader metadata "
                              f"(solution: true and a grade_id): {_source(cell)[:60]!r}")
    exercise_of(cell)


def student_notebook(notebook: dict, path: Path) -> dict:
    """The student version: solution blocks blanked, outputs cleared, model answers absent."""
    student = copy.deepcopy(notebook)
    cells = []
    for cell in notebook["cells"]:
        cell = _cleared(cell)
        if is_solution(cell):
            _checked_metadata(cell, path)
            cell["source"] = blank(cell)
        cells.append(cell)
    student["cells"] = cells
    return student


def _answers_cell(text: str, lesson: str) -> dict:
    return {"cell_type": "markdown", "id": f"{lesson}-model-answers",
            "metadata": {"nbgrader": {"grade": False, "grade_id": f"{lesson}-model-answers",
                                      "locked": True, "schema_version": NBGRADER_SCHEMA,
                                      "solution": False, "task": False}},
            "source": "## Model answers (instructor version)\n\n" + text.strip() + "\n"}


def instructor_notebook(notebook: dict, path: Path, answers: Path) -> dict:
    """The whole lesson, outputs cleared, with its model answers after the exercises."""
    instructor = copy.deepcopy(notebook)
    instructor["cells"] = [_cleared(c) for c in notebook["cells"]]
    for cell in instructor["cells"]:
        if is_solution(cell):
            _checked_metadata(cell, path)
    if answers.exists():
        where = max((i for i, c in enumerate(instructor["cells"])
                     if c["cell_type"] == "markdown" and "## Exercises" in _source(c)),
                    default=len(instructor["cells"]) - 1)
        instructor["cells"].insert(where + 1, _answers_cell(answers.read_text(), path.stem))
    return instructor


def _refuse_unless_empty(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise AssignmentError(f"{out_dir} is a file, not a folder: give a new or empty folder")
    if out_dir.exists():
        held = sorted(p.name for p in out_dir.iterdir())
        if held:
            shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
            raise AssignmentError(
                f"{out_dir} is not empty (it holds {shown}): give a new or empty folder; "
                "nothing was written, and nothing in it was touched")


def build(out_dir, lessons_dir=None) -> list:
    """Write OUT_DIR/student/ and OUT_DIR/instructor/; return the paths written.

    Every notebook is checked before anything is written, so a malformed lesson or a
    non-empty OUT_DIR leaves the disk as it was."""
    out_dir, lessons = Path(out_dir), Path(lessons_dir) if lessons_dir else default_lessons()
    _refuse_unless_empty(out_dir)
    notebooks = sorted(lessons.glob("*.ipynb"))
    if not notebooks:
        raise AssignmentError(f"no lessons (*.ipynb) in {lessons}")
    versions = {"student": [], "instructor": []}
    for path in notebooks:
        notebook = json.loads(path.read_text())
        versions["student"].append((path.name, student_notebook(notebook, path)))
        versions["instructor"].append(
            (path.name, instructor_notebook(notebook, path, lessons / "answers" / f"{path.stem}.md")))
    written = []
    for version, items in versions.items():
        folder = out_dir / version
        folder.mkdir(parents=True)
        for name, notebook in items:
            target = folder / name
            target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
            written.append(target)
        for helper in sorted(lessons.glob("*.py")):
            written.append(Path(shutil.copy2(helper, folder / helper.name)))
    return written


def main(out_dir, lessons_dir=None) -> int:
    """The command line's ``assignments`` subcommand: build, then say what was written."""
    try:
        written = build(out_dir, lessons_dir)
    except AssignmentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(out_dir)
    blanks = sum(len(solution_blocks(_source(c))) for p in written if p.suffix == ".ipynb"
                 and p.parent.name == "instructor" for c in json.loads(p.read_text())["cells"])
    print(f"wrote {out / 'student'} and {out / 'instructor'}: "
          f"{sum(p.suffix == '.ipynb' for p in written) // 2} lessons, {blanks} solution blocks blanked "
          "for the students")
    return 0
