"""Every equation label is defined once and tags the line of code that computes it.

A label is (FAMILY.n): BN.3, CV.7, AD.1, ... It is *defined* in one place:
  - in minigrad/, by a docstring line (of a module, class or function) that starts, indented,
    with the label and goes on with the equation, e.g. ``    (BN.1)  mean = 1/n sum_i x_i``;
  - or, for an equation the library does not state, in the one lesson that derives it, by a
    display equation tagged ``\\tag{FAMILY.n}`` (lesson 1's AD and GC, lesson 2's L, R and CE.1,
    lesson 6's BP, lesson 9's BR).
A lesson that displays an equation the library defines shows its label too (lessons 3 and 4
tag BatchNorm's); that repeats the definition, it does not make a second one.

A label *tags* a line of code when a comment at the end of that line cites it, as
``mean = x.mean(axis=axes)   # (BN.1)``: the line a student looks for, and the one the lessons'
``show_code`` prints. What no line of minigrad computes (a lesson's own derivation, or a
consequence such as (PR.9) that lesson 10 measures) tags the line of a citing lesson's code that
computes it. "(BN.9)-(BN.11)" cites BN.9, BN.10 and BN.11.
"""
import ast
import collections
import io
import json
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "minigrad").rglob("*.py"))
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))

FAMILY = r"[A-Z][A-Z0-9]*"
LABEL = re.compile(rf"(?<![\w.])({FAMILY})\.(\d+)(?![\w.])")
RANGE = re.compile(rf"\b({FAMILY})\.(\d+)\)?\s*[-–]\s*\(?\1\.(\d+)\b")
DEFINITION = re.compile(rf"^\s+\(({FAMILY}\.\d+)\)(?!\s*[-–])\s")
TAG = re.compile(r"\\tag\{([^}]*)\}")


def labels_in(text):
    """The labels a text cites, ranges expanded."""
    found = {f"{family}.{n}" for family, n in LABEL.findall(text)}
    for family, first, last in RANGE.findall(text):
        found |= {f"{family}.{n}" for n in range(int(first), int(last) + 1)}
    return found


def _cells(path, kind):
    return ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == kind]


def _lesson(path):
    return path.stem[:2]


def library_definitions():
    """label -> the files whose docstrings define it (once per definition)."""
    defined = collections.defaultdict(list)
    for path in LIBRARY:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                for line in (ast.get_docstring(node, clean=False) or "").splitlines():
                    match = DEFINITION.match(line)
                    if match:
                        defined[match.group(1)].append(path.relative_to(ROOT).as_posix())
    return defined


def lesson_definitions():
    """label -> the lessons whose display equations are tagged with it (once per tag)."""
    defined = collections.defaultdict(list)
    for path in LESSONS:
        for text in _cells(path, "markdown"):
            for tag in TAG.findall(text):
                defined[tag].append(_lesson(path))
    return defined


def tagged_lines(source):
    """The labels cited by comments that end a line of code."""
    tags, code_on_line = set(), set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            if token.start[0] in code_on_line:
                tags |= labels_in(token.string)
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                                tokenize.ENDMARKER):
            code_on_line.update(range(token.start[0], token.end[0] + 1))
    return tags


def library_tags():
    return set().union(*(tagged_lines(p.read_text(encoding="utf-8")) for p in LIBRARY))


def lesson_tags():
    """lesson -> the labels that tag lines of its own code cells."""
    return {_lesson(p): set().union(set(), *(tagged_lines(c) for c in _cells(p, "code"))) for p in LESSONS}


def cited_by_lessons():
    """label -> the lessons that cite it, in text or code."""
    cited = collections.defaultdict(set)
    for path in LESSONS:
        for kind in ("markdown", "code"):
            for text in _cells(path, kind):
                for label in labels_in(text):
                    cited[label].add(_lesson(path))
    return cited


def used_by_library():
    """The labels minigrad's source mentions anywhere: docstrings and comments."""
    return set().union(*(labels_in(p.read_text(encoding="utf-8")) for p in LIBRARY))


def _home(label, library, lessons):
    """Where the label is defined: one docstring line, or (if none) the lessons that tag it."""
    return library[label] or lessons[label]


def test_every_label_has_exactly_one_definition():
    library, lessons = library_definitions(), lesson_definitions()
    everything = set(library) | set(lessons) | set(cited_by_lessons()) | used_by_library()
    wrong = {label: _home(label, library, lessons) for label in sorted(everything)
             if len(_home(label, library, lessons)) != 1}
    assert not wrong, f"labels defined nowhere ([]) or more than once: {wrong}"


def test_every_label_a_lesson_cites_tags_a_line_of_code():
    in_library, in_lessons = library_tags(), lesson_tags()
    untagged = {}
    for label, citing in sorted(cited_by_lessons().items()):
        # what no library line computes (a lesson's own derivation, or a consequence such as
        # (PR.9) that a lesson measures) is tagged where a lesson that cites it computes it
        if label not in in_library and not any(label in in_lessons[lesson] for lesson in citing):
            untagged[label] = sorted(citing)
    assert not untagged, f"cited (by these lessons) but no line of code ends with a comment citing it: {untagged}"


def test_every_defined_label_is_cited_by_a_lesson_or_tags_a_line_of_code():
    cited, tags = cited_by_lessons(), library_tags()
    unused = sorted(label for label in library_definitions() if label not in cited and label not in tags)
    assert not unused, f"defined in a docstring, but no lesson cites them and no line of code is tagged: {unused}"


def test_every_family_is_numbered_without_gaps():
    numbers = collections.defaultdict(set)
    for label in set(library_definitions()) | set(lesson_definitions()):
        family, n = label.split(".")
        numbers[family].add(int(n))
    gaps = {family: sorted(ns) for family, ns in numbers.items()
            if ns != set(range(min(min(ns), 1), max(ns) + 1))}
    assert not gaps, f"families numbered with gaps: {gaps}"


def test_every_tag_in_a_lesson_names_a_family():
    untyped = {_lesson(p): tag for p in LESSONS for text in _cells(p, "markdown")
               for tag in TAG.findall(text) if not re.fullmatch(rf"{FAMILY}\.\d+", tag)}
    assert not untyped, f"\\tag without a family prefix such as (BN.1): {untyped}"


def test_the_readers_find_definitions_tags_and_ranges():
    docstring = '"""Equations.\n\n    (XY.1)  y = 2 x\n    (XY.1)-(XY.2) cited, not defined\n"""\n'
    assert DEFINITION.match("    (XY.1)  y = 2 x") and not DEFINITION.match("    (XY.1)-(XY.2) cited")
    assert not DEFINITION.match("(XY.1) at the left margin: prose that cites it")
    assert tagged_lines(docstring + "y = 2 * x   # (XY.1)\n# (XY.2) above a line\nz = y\n") == {"XY.1"}
    assert labels_in("(BN.9)-(BN.11), (CV.1–CV.3), PL.1–PL.2 and (AD.1); not F.relu or 0.5") == {
        "BN.9", "BN.10", "BN.11", "CV.1", "CV.2", "CV.3", "PL.1", "PL.2", "AD.1"}
