#!/usr/bin/env python3
"""Build nbgrader assignments from the lessons: an instructor (source) and a student (release) version.

    python tools/make_assignments.py            # every lesson into build/nbgrader (this is `make assignments`)
    python tools/make_assignments.py --out DIR notebooks/02_convolution.ipynb

The committed lessons carry no nbgrader metadata; this script derives it from their structure, so the
lessons stay as students and presenters see them. In a lesson, every exercise is a code cell ending in a
call of a ``check_...`` function from ``cnnmath.checks`` (after an ``answer = None`` line or a function
stub), directly followed by its worked solution: a markdown cell tagged ``solution`` holding a
``<details>`` block. The worked answer is the solution's first fenced ```` ```python ```` block, or, where
it has none, its first inline ```answer = ...``` span.

The script writes one nbgrader course directory, with one assignment per lesson::

    DIR/nbgrader_config.py
    DIR/source/<lesson>/<lesson>.ipynb     the instructor version: worked answers between solution markers
    DIR/release/<lesson>/<lesson>.ipynb    what students get, made by `nbgrader generate_assignment`
    DIR/gradebook.db                       nbgrader's database (assignments, cells, points)

In the instructor version each exercise becomes two cells:

* an answer cell (nbgrader "autograded answer"): the exercise's stub, then the worked answer between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``, then the check call, so the student still gets the
  check's feedback; nbgrader replaces the marked region by an empty line, so the release cell is the
  lesson's exercise cell again, with one blank line more;
* a locked test cell (nbgrader "autograder tests", 1 point) that calls the same check and asserts its
  result. A check returns a ``Feedback`` that is truthy only when the answer is right (see
  ``cnnmath/checks/common.py``), so a right answer scores and a wrong or missing one raises
  ``AssertionError`` with the check's hint, which never contains the answer.

The ``solution``-tagged cells and any ``<details>`` solution are left out of both versions (the same
rule as ``make student``, imported from ``make_student_version.py``), and all outputs are cleared.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_student_version import clean_cell, is_solution  # noqa: E402  (one rule for "a solution")

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
DEFAULT_OUT = REPO_ROOT / "build" / "nbgrader"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
POINTS = 1  # per exercise
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
INLINE_ANSWER = re.compile(r"`(answer = [^`]+)`")
# Seconds one cell may run under `nbgrader autograde` (nbgrader's own default is 30). Lessons 7 and 8 train
# networks: lesson 8's slowest cell took 20.5 s under the autograder on a 2-core machine busy with other work.
CELL_TIMEOUT = 120

NOTE = ("*Homework version (nbgrader). Each exercise is followed by a locked test cell that the "
        "autograder runs: it raises `AssertionError` until your answer above it is right, so **Run All** "
        "stops at the first exercise you have not solved yet; run the cells below it one by one, or with "
        "**Run Selected Cell and All Below**. The check under your answer tells you when you are right.*")

CONFIG = """\
# Written by tools/make_assignments.py (make assignments); rebuilt on every run.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
# The answer cells keep the exercise's own stub (answer = None, or a function returning None) in front
# of the solution markers, so the marked region is replaced by nothing instead of nbgrader's
# "raise NotImplementedError()".
c.ClearSolutions.code_stub = {{"python": ""}}
c.Execute.timeout = {timeout}
"""


class ExerciseFormatError(ValueError):
    """A lesson's exercise does not have the shape this script reads; the message names the cell."""


@dataclass
class Exercise:
    index: int          # position of the exercise cell in the lesson
    stub: str           # the exercise cell without its check call
    check_call: str     # e.g. "check_output_by_hand(answer)"
    check_name: str     # e.g. "check_output_by_hand"
    solution_code: str  # the worked answer, e.g. "answer = -3"


def _where(path, index):
    return f"{Path(path).name}, cell {index + 1}"


def solution_code(solution_source: str) -> str | None:
    """The worked answer in a folded solution: its first ```python block, else its first `answer = ...`."""
    block = PYTHON_BLOCK.search(solution_source)
    if block:
        return block.group(1).strip("\n")
    inline = INLINE_ANSWER.search(solution_source)
    return inline.group(1).strip() if inline else None


def _split_check_call(source: str, where: str) -> tuple[str, str, str]:
    """``(stub, check_call, check_name)``: the cell's last statement must be a call of ``check_...``."""
    try:
        body = ast.parse(source).body
    except SyntaxError as err:
        raise ExerciseFormatError(f"{where}: the exercise cell is not valid Python ({err})") from None
    last = body[-1] if body else None
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Name) and last.value.func.id.startswith("check_")):
        raise ExerciseFormatError(f"{where}: an exercise cell (the cell before a 'solution'-tagged cell) "
                                  f"must end with a call of a check_... function")
    lines = source.split("\n")
    stub = "\n".join(lines[:last.lineno - 1]).rstrip()
    call = "\n".join(lines[last.lineno - 1:last.end_lineno]).strip()
    return stub, call, last.value.func.id


def find_exercises(nb, path="notebook") -> list[Exercise]:
    """Every exercise of a lesson: a code cell directly followed by a ``solution``-tagged cell."""
    exercises = []
    for k, cell in enumerate(nb.cells):
        if not is_solution(cell):
            continue
        if k == 0 or nb.cells[k - 1].cell_type != "code":
            raise ExerciseFormatError(f"{_where(path, k)}: a 'solution'-tagged cell must follow its exercise's "
                                      f"code cell")
        exercise = nb.cells[k - 1]
        stub, call, name = _split_check_call(exercise.source, _where(path, k - 1))
        code = solution_code(cell.source)
        if code is None:
            raise ExerciseFormatError(f"{_where(path, k)}: the solution has no ```python block and no inline "
                                      f"`answer = ...` to use as the worked answer")
        exercises.append(Exercise(k - 1, stub, call, name, code))
    names = [e.check_name for e in exercises]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ExerciseFormatError(f"{Path(path).name}: {repeated} checked by more than one exercise; the "
                                  f"autograder needs one name per exercise")
    return exercises


def _grade_id(exercise: Exercise, kind: str) -> str:
    return f"{exercise.check_name.removeprefix('check_')}_{kind}"


def answer_cell(exercise: Exercise):
    source = "\n".join(part for part in (exercise.stub, BEGIN, exercise.solution_code, END, exercise.check_call)
                       if part)
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": _grade_id(exercise, "answer"), "locked": False,
                                 "schema_version": 3, "solution": True, "task": False}
    return cell


def test_cell(exercise: Exercise):
    source = (f"# Autograder test ({POINTS} point, read-only): passes when the check above says \"Correct\".\n"
              f"_feedback = {exercise.check_call}\n"
              f"assert _feedback, repr(_feedback)")
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": _grade_id(exercise, "test"), "locked": True,
                                 "points": POINTS, "schema_version": 3, "solution": False, "task": False}
    return cell


def instructor_version(nb, path="notebook"):
    """The nbgrader source version of a lesson (a new notebook; ``nb`` is not changed)."""
    exercises = {e.index: e for e in find_exercises(nb, path)}
    out = nbformat.from_dict(nb)  # a deep copy
    cells = []
    for k, cell in enumerate(out.cells):
        if is_solution(cell):
            continue
        if k in exercises:
            new = answer_cell(exercises[k])
            new.metadata["slideshow"] = cell.metadata.get("slideshow", {"slide_type": "-"})
            cells += [new, test_cell(exercises[k])]
            continue
        if clean_cell(cell) is not None:
            cells.append(cell)
    if cells and cells[0].cell_type == "markdown":
        cells.insert(1, nbformat.v4.new_markdown_cell(NOTE))
    out.cells = cells
    for i, cell in enumerate(out.cells):  # new cells get random ids; numbered, a rebuild changes nothing
        cell["id"] = f"cell-{i + 1}"
    return out


def write_source(course_dir: Path, notebooks) -> list[str]:
    """Write ``source/<lesson>/<lesson>.ipynb`` for each lesson; return the assignment names."""
    names = []
    for path in notebooks:
        path = Path(path)
        nb = nbformat.read(path, as_version=4)
        target = course_dir / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(instructor_version(nb, path), target)
        names.append(path.stem)
    return names


def write_config(course_dir: Path) -> Path:
    config = course_dir / "nbgrader_config.py"
    config.write_text(CONFIG.format(root=str(course_dir.resolve()), timeout=CELL_TIMEOUT))
    return config


def nbgrader(course_dir: Path, *args: str, check=True, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in ``course_dir`` (where its nbgrader_config.py is read)."""
    env = dict(kwargs.pop("env", None) or os.environ)
    # nbgrader creates its database by running the `alembic` command, which sits beside this interpreter
    # in the virtual environment; `make` does not put .venv/bin on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, check=check, env=env,
                          **kwargs)


def build(course_dir: Path = DEFAULT_OUT, notebooks=None, quiet=False) -> list[str]:
    """Write the instructor versions and generate the release versions; return the assignment names."""
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    write_config(course_dir)
    notebooks = list(notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb")))
    names = write_source(course_dir, notebooks)
    # One nbgrader run takes a few seconds to start, so when source/ holds exactly these lessons one run
    # with nbgrader's "*" pattern does them all; otherwise only the named ones are generated.
    present = {p.name for p in (course_dir / "source").iterdir() if p.is_dir()}
    patterns = ["*"] if present == set(names) else names
    for pattern in patterns:
        nbgrader(course_dir, "generate_assignment", pattern, "--force", *(["--quiet"] if quiet else []),
                 capture_output=quiet, text=True)
    return names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to build (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the nbgrader course directory")
    args = parser.parse_args(argv)
    try:
        names = build(args.out, args.notebooks, quiet=True)
    except ExerciseFormatError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as err:
        print(f"error: nbgrader failed ({err}):\n{err.stdout}{err.stderr}", file=sys.stderr)
        return 1
    out = args.out.resolve()
    shown = out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out
    for name in names:
        print(f"wrote {shown}/source/{name}/{name}.ipynb and {shown}/release/{name}/{name}.ipynb")
    if not names:
        print("no notebooks found in notebooks/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
