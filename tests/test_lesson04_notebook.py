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


# --- the shift test's small example (pool_shift_plot draws shifted_pooling's rows) ------------------

import numpy as np  # noqa: E402

from cnnmath import pooled_by_mode  # noqa: E402
from cnnmath.pooling import shifted_pooling  # noqa: E402


def _strokes():
    strokes = np.zeros((4, 8))
    strokes[0:2, 0] = 1.0
    strokes[2:4, 3] = 1.0
    return strokes


@pytest.mark.parametrize("mode", ["max", "average", "subsample"])
def test_shifted_pooling_moves_pools_and_compares(mode):
    x = _strokes()
    copy = x.copy()
    rows = shifted_pooling(x, (0, 1, 2, 3), 2, 2, mode)
    ref = pooled_by_mode(x, 2, 2, mode)
    for s, (moved, pooled, changed) in zip((0, 1, 2, 3), rows):
        np.testing.assert_array_equal(moved, np.roll(x, s, axis=1))  # nothing falls off the right edge
        np.testing.assert_array_equal(pooled, pooled_by_mode(moved, 2, 2, mode))
        np.testing.assert_array_equal(changed, ~np.isclose(pooled, ref))
    np.testing.assert_array_equal(x, copy)
    assert not rows[0][2].any()  # no shift, no change


def test_shifted_pooling_counts_the_lessons_example():
    counts = [int(c.sum()) for _, _, c in shifted_pooling(_strokes(), (0, 1, 2))]
    assert counts == [0, 2, 4]  # shift 1: only the stroke at column 3 crosses a window edge


@pytest.mark.parametrize(("shifts", "match"), [((-1, 0), "shifts are"), ((0, 8), "shifts are"), ((), "shifts are"),
                                               ((0, 5), "last 5 columns")])
def test_shifted_pooling_refuses_shifts_that_lose_entries(shifts, match):
    with pytest.raises(ValueError, match=match):
        shifted_pooling(_strokes(), shifts)
