"""Lesson 1 (01_image_as_matrix.ipynb) exercise checks, and the notebook's questions and solutions kept in
step with them: None is "not answered", wrong answers get a hint without the answer, right ones pass.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cnnmath import GRAY_WEIGHTS, rgb_to_gray
from cnnmath.checks import (EXAMPLE_MATRIX, MATRIX_QUESTION, PHOTO_QUESTION, SHAPE_QUESTION,
                            check_matrix_entry, check_photo_pixel, check_photo_shape, check_to_gray,
                            example_matrix)

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_image_as_matrix.ipynb"


def _mentions(message, value):
    """Does the message contain ``value`` as a number of its own (not as part of a longer one)?"""
    return re.search(rf"(?<![\d.]){re.escape(format(value, 'g'))}(?![\d])", message) is not None


# --- exercise 1 and 2: reading entries -------------------------------------------------------------

def test_example_matrix_is_a_fresh_copy():
    a = example_matrix()
    a[0, 0] = -1
    assert example_matrix()[0, 0] == EXAMPLE_MATRIX[0][0]
    assert example_matrix().shape == (5, 5) and example_matrix().dtype == np.float64


def test_matrix_entry_check():
    A = example_matrix()
    i, j = MATRIX_QUESTION
    right = A[i, j]
    assert check_matrix_entry(None).ok is None
    assert check_matrix_entry(right).ok is True
    assert check_matrix_entry(int(right)).ok is True
    assert check_matrix_entry(np.float64(right)).ok is True
    swapped, one_based = A[j, i], A[i - 1, j - 1]
    assert len({right, swapped, one_based}) == 3  # the question tells these slips apart
    hints = {}
    for wrong in (swapped, one_based, A[i + 1, j + 1], 0, -3.5, "245", [right, right], True):
        feedback = check_matrix_entry(wrong)
        assert feedback.ok is False, wrong
        assert not _mentions(feedback.message, right), feedback.message
        hints[str(wrong)] = feedback.message
    assert "row" in hints[str(swapped)] and "column" in hints[str(swapped)]
    assert "from 0" in hints[str(one_based)]


def test_photo_pixel_check(photo):
    i, j = PHOTO_QUESTION
    right = photo[i, j]
    assert check_photo_pixel(None).ok is None
    assert check_photo_pixel(right).ok is True
    assert check_photo_pixel(int(right)).ok is True
    for wrong in (photo[j, i], photo[i - 1, j - 1], photo[i + 1, j + 1], right + 1, "x"):
        if wrong == right:
            continue
        feedback = check_photo_pixel(wrong)
        assert feedback.ok is False, wrong
        assert not _mentions(feedback.message, right), feedback.message


# --- exercise 3: the shape ---------------------------------------------------------------------------

def test_photo_shape_check():
    h, w = SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]
    right = (h, w, 3)
    assert check_photo_shape(None).ok is None
    assert check_photo_shape(right).ok is True
    assert check_photo_shape([h, w, 3]).ok is True
    assert check_photo_shape(np.array(right)).ok is True
    for wrong in ((w, h, 3), (3, h, w), (h, w), (h, w, 1), (h, w, 3, 1), "480x640", 7, (h, w, 3.5)):
        feedback = check_photo_shape(wrong)
        assert feedback.ok is False, wrong
        assert str(right) not in feedback.message and f"{h}, {w}, 3" not in feedback.message


# --- exercise 4: the conversion ----------------------------------------------------------------------

def _good_loop(rgb):
    w_r, w_g, w_b = GRAY_WEIGHTS
    rgb = rgb.astype(float)
    return w_r * rgb[:, :, 0] + w_g * rgb[:, :, 1] + w_b * rgb[:, :, 2]


def _good_matmul(rgb):
    return rgb.astype(float) @ np.array(GRAY_WEIGHTS)


@pytest.mark.parametrize("func", [_good_loop, _good_matmul, lambda rgb: np.dot(rgb, GRAY_WEIGHTS)])
def test_to_gray_accepts_correct_functions(func):
    assert check_to_gray(func).ok is True


def _calls_the_answer(rgb):
    return rgb_to_gray(rgb)


def _mutates(rgb):
    rgb[...] = 0
    return rgb[:, :, 0] * 0.0


def _wrapping_sum(rgb):
    return (rgb[:, :, 0] + rgb[:, :, 1] + rgb[:, :, 2]) / 3  # uint8 wraps above 255


@pytest.mark.parametrize(("func", "hint"), [
    (lambda rgb: rgb.mean(axis=2), "plain average"),
    (lambda rgb: rgb[..., ::-1].astype(float) @ np.array(GRAY_WEIGHTS), "wrong order"),
    (lambda rgb: np.round(rgb.astype(float) @ np.array(GRAY_WEIGHTS)), "do not round"),
    (lambda rgb: rgb * 0.3, "shape"),
    (lambda rgb: rgb.sum(axis=0), "shape"),
    (lambda rgb: rgb[:, :, 1], "differs"),
    (lambda rgb: 1 / 0, "ZeroDivisionError"),
    (lambda rgb: "grey", "numpy array"),
    (_calls_the_answer, "rgb_to_gray"),
    (_mutates, "changed the image"),
    (_wrapping_sum, "plain average"),
    (np.array([1, 2]), "function itself"),
])
def test_to_gray_hints(func, hint):
    feedback = check_to_gray(func)
    assert feedback.ok is False
    assert hint in feedback.message, feedback.message
    for weight in GRAY_WEIGHTS:  # the hint never spells out the weights
        assert str(weight) not in feedback.message


def test_to_gray_not_answered():
    assert check_to_gray(None).ok is None

    def stub(rgb):
        return None

    assert check_to_gray(stub).ok is None


def test_wrapping_sum_really_wraps_on_a_hidden_case():
    # the hint about uint8 applies only if some hidden 8-bit image overflows a plain channel sum
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    assert (rgb.astype(int).sum(axis=2) > 255).any()


# --- the notebook quotes the checks, and its solutions agree with them ------------------------------

@pytest.fixture(scope="module")
def notebook():
    if not NOTEBOOK.exists():
        pytest.skip("01_image_as_matrix.ipynb not generated yet")
    return nbformat.read(NOTEBOOK, as_version=4)


def _cells(nb, kind):
    return [c for c in nb.cells if c.cell_type == kind]


def test_notebook_questions_quote_the_checks(notebook):
    text = re.sub(r"\s+", " ", " ".join(c.source for c in _cells(notebook, "markdown")))
    i, j = MATRIX_QUESTION
    assert f"`A[{i}, {j}]`" in text
    i, j = PHOTO_QUESTION
    assert f"`I[{i}, {j}]`" in text and f"set **top row i** to {i} and **left column j** to {j}" in text
    assert f"{SHAPE_QUESTION['height']} pixels tall and {SHAPE_QUESTION['width']} pixels wide" in text


def test_notebook_matrix_is_the_checks_matrix(notebook):
    code = "\n".join(c.source for c in _cells(notebook, "code"))
    rows = re.findall(r"\[\s*([\d,\s]+?)\]", code.split("A = np.array(")[1].split("dtype")[0])
    assert [tuple(int(v) for v in row.split(",")) for row in rows] == [tuple(r) for r in EXAMPLE_MATRIX]


def test_notebook_solutions_agree_with_the_checks(notebook, photo):
    solutions = [c for c in notebook.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == 4
    assert all("<details><summary>Solution</summary>" in c.source for c in solutions)
    assert all(c.metadata["slideshow"]["slide_type"] == "skip" for c in solutions)
    A = example_matrix()
    i, j = MATRIX_QUESTION
    assert check_matrix_entry(A[i, j]).ok and f"`A[{i}, {j}] = {A[i, j]:g}`" in solutions[0].source
    assert f"`A[{j}, {i}] = {A[j, i]:g}`" in solutions[0].source
    i, j = PHOTO_QUESTION
    assert f"`I[{i}, {j}] = {photo[i, j]:g}`" in solutions[1].source
    assert f"`I[{j}, {i}]`, is {photo[j, i]:g}" in solutions[1].source
    h, w = SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]
    assert check_photo_shape((h, w, 3)).ok and f"`({h}, {w}, 3)`" in solutions[2].source
    assert f"{h * w * 3:,} numbers" in solutions[2].source
    # the solution's code really passes the check
    code = re.search(r"```python\n(.*?)```", solutions[3].source, re.S).group(1)
    namespace = {"GRAY_WEIGHTS": GRAY_WEIGHTS, "np": np}
    exec(code, namespace)  # noqa: S102 - our own notebook's solution
    assert check_to_gray(namespace["to_gray"]).ok is True


def test_notebook_exercise_cells_start_unanswered(notebook):
    code = [c.source for c in _cells(notebook, "code")]
    for name in ("check_matrix_entry", "check_photo_pixel", "check_photo_shape"):
        cell = next(src for src in code if f"{name}(answer)" in src)
        assert cell.startswith("answer = None  # your answer here")
    assert any("return None" in src and "check_to_gray(to_gray)" in src for src in code)


# --- the teacher's guide gives the same answers ------------------------------------------------------

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "01_image_as_matrix.md"


def test_guide_answers_match_the_checks(photo):
    text = GUIDE.read_text()
    answers = text.split("## Answers to the exercises")[1]
    A = example_matrix()
    i, j = MATRIX_QUESTION
    assert f"**{A[i, j]:g}**" in answers and check_matrix_entry(A[i, j]).ok
    assert f"{A[j, i]:g} is `A[{j}, {i}]`" in answers
    i, j = PHOTO_QUESTION
    assert f"**{photo[i, j]:g}**" in answers and f"`I[{i}, {j}] = {photo[i, j]:g}`" in answers
    assert f"{photo[j, i]:g} is `I[{j}, {i}]`" in answers
    assert f"{photo[i - 1, j - 1]:g} is `I[{i - 1}, {j - 1}]`" in answers
    assert f"{photo[i + 1, j + 1]:g} is `I[{i + 1}, {j + 1}]`" in answers
    h, w = SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]
    assert f"**`({h}, {w}, 3)`**" in answers and f"{h * w * 3:,} numbers" in answers
    code = re.search(r"```python\n(.*?)```", answers, re.S).group(1)
    namespace = {"GRAY_WEIGHTS": GRAY_WEIGHTS, "np": np}
    exec(__import__("textwrap").dedent(code), namespace)  # noqa: S102 - our own guide's answer
    assert check_to_gray(namespace["to_gray"]).ok is True
