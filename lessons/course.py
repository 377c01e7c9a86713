"""The tools every lesson shares, so that a lesson opens with its subject, not with tooling.

A lesson imports what it uses in one line, ``from course import show, show_code, ...``. The
notebooks run in this folder, and ``python -m minigrad assignments`` copies this file beside
the student and instructor versions, so the import works from either.

  show(obj)              the source of obj as the installed library has it, with its file and lines
  source(obj)            that source as a string, for asserting what a cell claims about it
  show_code(label, obj)  only the statements of obj whose comment cites the equation (label)
  draw_graph(node, names) the graph behind a node, node by node along next_functions
  error_of(f)            the exception f() raises (and an AssertionError if it raises none)
"""
import ast
import inspect
import textwrap
from pathlib import Path

from IPython.display import Markdown, display

import minigrad
from minigrad.autograd import AccumulateGrad

REPO = Path(minigrad.__file__).resolve().parent.parent


def source(obj) -> str:
    return inspect.getsource(obj)


def _where(obj) -> Path:
    """obj's file relative to the repository; a copy of this module beside a student's notebook
    (``python -m minigrad assignments``) is outside it, and shown by its name."""
    path = Path(inspect.getsourcefile(obj)).resolve()
    return path.relative_to(REPO) if path.is_relative_to(REPO) else Path(path.name)


def show(obj):
    """Display obj's source as the installed library has it right now, with file and line numbers."""
    lines, first = inspect.getsourcelines(obj)
    display(Markdown(f"`{_where(obj)}`, lines {first}-{first + len(lines) - 1}:\n"
                     f"```python\n{''.join(lines)}```"))


def show_code(label, obj):
    """Print every statement of obj's source whose comment cites (label), with file:line.

    The comment block right above such a statement is printed too. Fails loudly if no line
    cites the label, so a renumbering of the equations breaks the lesson, not its reader.
    """
    lines, first = inspect.getsourcelines(obj)
    first = max(first, 1)                         # a whole module starts at line 0
    tag = f"({label})"
    keep = set()
    for node in ast.walk(ast.parse(textwrap.dedent("".join(lines)))):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):      # a simple statement
            span = range(node.lineno - 1, node.end_lineno)
            if any(tag in lines[i].partition("#")[2] for i in span):
                keep.update(span)
                above = node.lineno - 2
                while above >= 0 and lines[above].lstrip().startswith("#"):
                    keep.add(above)
                    above -= 1
    assert keep, f"no statement of {obj.__name__} cites {tag}"
    path = str(_where(obj))
    previous = None
    for i in sorted(keep):
        if previous is not None and i != previous + 1:
            print(" " * len(path) + "  ...")
        print(f"{path}:{first + i:<4}{lines[i].rstrip()}")
        previous = i


def draw_graph(node, names, indent=""):
    """Print node, then the nodes after it, one line per entry of its next_functions, down to
    the leaves; names maps id(leaf) to the name printed beside that leaf's AccumulateGrad node.

    Recursive, which is fine for the small graphs of the lessons (lesson 1, section 3, says why
    minigrad's own walk is not)."""
    if not indent:
        print(repr(node))
    for i, (child, _) in enumerate(node.next_functions):
        branch, below = ("└─ ", "   ") if i == len(node.next_functions) - 1 else ("├─ ", "│  ")
        if child is None:
            print(indent + branch + "None   (an input that needs no gradient)")
        elif isinstance(child, AccumulateGrad):
            print(indent + branch + f"{child!r}  .variable = {names[id(child.variable)]}")
        else:
            print(indent + branch + repr(child))
            draw_graph(child, names, indent + below)


def error_of(f):
    """The exception that calling f() raises."""
    try:
        f()
    except Exception as error:
        return error
    raise AssertionError("no error raised")
