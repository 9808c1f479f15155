"""Lesson 4's notebook and its checks agree: every folded solution's answer passes the exercise's check,
and every exercise cell is committed unanswered.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

import cnnmath.checks as checks

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_pooling.ipynb"
CHECK_CALL = re.compile(r"^(check_\w+)\(answer(.*)\)\s*$", re.MULTILINE)
SOLUTION_ANSWER = re.compile(r"`answer = ([^`]+)`")


def _exercises():
    if not NOTEBOOK.exists():
        return []
    nb = nbformat.read(NOTEBOOK, as_version=4)
    pairs = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            solution = nb.cells[k + 1]
            pairs.append((cell, solution))
    return pairs


EXERCISES = _exercises()


def test_the_lesson_has_at_least_three_exercises():
    assert len(EXERCISES) >= 3


@pytest.mark.parametrize(("cell", "solution"), EXERCISES, ids=lambda v: None)
def test_solution_passes_the_check(cell, solution):
    assert "solution" in solution.metadata.get("tags", [])
    assert solution.source.startswith("<details><summary>Solution</summary>")
    assert "answer = None  # your answer here" in cell.source
    name, extra = CHECK_CALL.search(cell.source).groups()
    check = getattr(checks, name)
    kwargs = {}
    if extra.strip(", "):
        kwargs = {kw.arg: ast.literal_eval(kw.value)
                  for kw in ast.parse(f"f({extra.strip(', ')})").body[0].value.keywords}
    answer = ast.literal_eval(SOLUTION_ANSWER.search(solution.source).group(1))
    assert check(answer, **kwargs).ok is True
    assert check(None, **kwargs).ok is None


def test_committed_exercise_outputs_say_your_turn():
    for cell, _ in EXERCISES:
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "Your turn" in html
