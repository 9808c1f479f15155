"""Lesson 5 (05_feature_maps.ipynb) exercise checks, and their agreement with the notebook.

For every check: None -> not answered; wrong answers -> ok False with a hint that does not contain the
answer; right answers -> ok True. The notebook's questions quote the exercise definitions, and every folded
solution passes its check.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import cnnmath.checks as checks
from cnnmath import conv2d, conv2d_forward, conv_output_size, get_kernel
from cnnmath.checks import (LAYER_EXERCISE, STACK_EXERCISE, check_horizontal_edge_filter,
                            check_layer_output_shape, check_layer_param_count, check_receptive_field)
from cnnmath.checks.lesson05 import _edge_images
from cnnmath import receptive_field

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_feature_maps.ipynb"
E = LAYER_EXERCISE
SHAPE = (E["N"], E["F"], conv_output_size(E["H"], E["KH"], E["stride"], E["padding"]),
         conv_output_size(E["W"], E["KW"], E["stride"], E["padding"]))
PARAMS = E["F"] * E["C"] * E["KH"] * E["KW"] + E["F"]


def _no_answer_in(feedback, *answers):
    for answer in answers:
        # as a whole number: the student's own 15.5 echoed back gives nothing away
        pattern = r"(?<![\d.])" + re.escape(str(answer)) + r"(?![\d]|\.\d)"
        assert not re.search(pattern, feedback.message), (answer, feedback.message)


def test_the_exercise_numbers_are_what_the_layer_computes():
    x = np.zeros((E["N"], E["C"], E["H"], E["W"]))
    w = np.zeros((E["F"], E["C"], E["KH"], E["KW"]))
    out, _ = conv2d_forward(x, w, np.zeros(E["F"]), stride=E["stride"], padding=E["padding"])
    assert out.shape == SHAPE == (8, 16, 15, 15)
    assert w.size + E["F"] == PARAMS == 1216
    assert receptive_field(STACK_EXERCISE) == 10


# --- exercise 1: a horizontal edge filter --------------------------------------------------------

@pytest.mark.parametrize("answer", [
    [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    get_kernel("sobel y"),
    -0.01 * get_kernel("sobel y"),
    [[1, 1, 1], [-1, -1, -1], [0, 0, 0]],
    [[-1, -1, -1], [2, 2, 2], [-1, -1, -1]],     # a line detector answers on edges too
    np.array([[1, 1, 0.5], [0, 0, 0], [-1, -1, -0.5]]),
    [(1, 2, 1), (0, 0, 0), (-1, -2, -1)],
    [[1, 1, 0], [0, 0, 0], [-1, -1, 0]],         # two columns are enough: each row is the same pattern
])
def test_horizontal_filters_pass(answer):
    fb = check_horizontal_edge_filter(answer)
    assert fb.ok is True, fb.message


@pytest.mark.parametrize(("answer", "words"), [
    (get_kernel("vertical edge"), "as much (or more) on vertical edges"),
    (get_kernel("sobel x"), "as much (or more) on vertical edges"),
    (get_kernel("diagonal edge"), "as much (or more) on vertical edges"),
    (get_kernel("anti-diagonal edge"), "as much (or more) on vertical edges"),
    (get_kernel("box blur"), "plain image"),
    (get_kernel("identity"), "plain image"),
    (get_kernel("sharpen"), "plain image"),
    ([[1, 1, 1], [0, 0, 0], [0, 0, 0]], "plain image"),
    ([[1.5, 1, 0.5], [0.5, 0, -0.5], [-0.5, -1, -1.5]], "not 4 times more"),
    (np.zeros((3, 3)), "all zeros"),
    ([[1, 1], [-1, -1]], "shape (2, 2)"),
    ([1, 1, 1, 0, 0, 0, -1, -1, -1], "as one flat list"),
    ("1 1 1 0 0 0 -1 -1 -1", "text (in quotes)"),
    ([[1, 1, np.nan], [0, 0, 0], [-1, -1, -1]], "NaN"),
    ([[1, 1], [1]], "could not be read"),
])
def test_other_filters_get_a_hint(answer, words):
    fb = check_horizontal_edge_filter(answer)
    assert fb.ok is False
    assert words in fb.message
    # the hints never write out a working filter
    for giveaway in ("1, 1, 1", "-1, -1, -1", "[1, 2, 1]", "sobel", "horizontal edge\""):
        assert giveaway not in fb.message.lower()


def test_horizontal_filter_not_answered():
    assert check_horizontal_edge_filter(None).ok is None


def test_hidden_images_cover_both_directions_and_polarities():
    horizontal, vertical, plain = _edge_images()
    K = get_kernel("horizontal edge")
    # a passing filter answers with both signs on the horizontal edges, so |value| is what counts
    signs = {np.sign(conv2d(img, K)[np.abs(conv2d(img, K)).argmax() // 7, 0]) for img in horizontal}
    assert signs == {1.0, -1.0}
    assert all(np.array_equal(v, h.T) for h, v in zip(horizontal, vertical))
    assert len(plain) >= 2 and all(np.ptp(p) == 0 for p in plain)


def test_horizontal_filter_check_does_not_change_the_answer():
    answer = np.array([[1.0, 2, 1], [0, 0, 0], [-1, -2, -1]])
    before = answer.copy()
    check_horizontal_edge_filter(answer)
    np.testing.assert_array_equal(answer, before)


# --- exercise 2: output shape --------------------------------------------------------------------

@pytest.mark.parametrize("answer", [SHAPE, list(SHAPE), np.array(SHAPE), tuple(np.int64(v) for v in SHAPE),
                                    tuple(float(v) for v in SHAPE)])
def test_output_shape_right(answer):
    assert check_layer_output_shape(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    ((8, 16, 16, 16), "rounded down"),                 # ceil instead of floor
    ((8, 16, 14, 14), "leave out the padding"),
    ((8, 16, 30, 30), "ignore the stride"),
    ((8, 3, 15, 15), "one feature map"),               # input channels instead of filters
    ((1, 16, 15, 15), "batch size"),
    ((16, 15, 15), "Give 4 numbers"),
    ((8, 16, 15.5, 15.5), "whole number"),
    ((8, 16, 20, 20), "H_out = (H + 2P - KH) // S + 1"),
    ((8, 16, 15, 14), "H_out = (H + 2P - KH) // S + 1"),
    ("(8, 16, 15, 15)", "tuple"),
    (15, "tuple"),
])
def test_output_shape_wrong(answer, words):
    fb = check_layer_output_shape(answer)
    assert fb.ok is False
    assert words in fb.message
    _no_answer_in(fb, SHAPE, "15")


def test_output_shape_not_answered():
    assert check_layer_output_shape(None).ok is None


# --- exercise 3: parameter count -----------------------------------------------------------------

@pytest.mark.parametrize("answer", [PARAMS, np.int64(PARAMS), float(PARAMS)])
def test_param_count_right(answer):
    assert check_layer_param_count(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    (PARAMS - E["F"], "What else does each filter learn"),
    (E["F"] * E["KH"] * E["KW"] + E["F"], "one KH x KW kernel per input channel"),
    (E["F"] * E["KH"] * E["KW"], "one KH x KW kernel per input channel"),
    (PARAMS - E["F"] + E["F"] * E["C"], "once per filter"),
    (PARAMS * SHAPE[2] * SHAPE[3], "shared"),
    ((PARAMS - E["F"]) * E["N"], "shared"),
    (7, "Count the numbers"),
    (1216.5, "whole number"),
    ("1216", "whole number"),
    (True, "whole number"),
])
def test_param_count_wrong(answer, words):
    fb = check_layer_param_count(answer)
    assert fb.ok is False
    assert words in fb.message
    _no_answer_in(fb, PARAMS)


def test_param_count_not_answered():
    assert check_layer_param_count(None).ok is None


# --- exercise 4: receptive field -------------------------------------------------------------------

@pytest.mark.parametrize("answer", [10, 10.0, np.int64(10), (10, 10)])
def test_receptive_field_right(answer):
    assert check_receptive_field(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    (8, "You added (k - 1) for every layer"),
    (11, "counts the overlaps twice"),  # and the pooling stride on its own step: both give 11 here
    (11, "not its own"),
    (7, "Too small"),
    (12, "Too large"),
    (9.5, "whole number"),
    ((10, 12), "whole number"),
    ("10", "whole number"),
])
def test_receptive_field_wrong(answer, words):
    fb = check_receptive_field(answer)
    assert fb.ok is False
    assert words in fb.message
    _no_answer_in(fb, "10")


def test_receptive_field_not_answered():
    assert check_receptive_field(None).ok is None


# --- the notebook and the checks agree ------------------------------------------------------------

CHECK_CALL = re.compile(r"^(check_\w+)\(answer\)\s*$", re.MULTILINE)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _notebook():
    if not NOTEBOOK.exists():
        pytest.skip("notebooks/05_feature_maps.ipynb not written yet")
    return nbformat.read(NOTEBOOK, as_version=4)


def test_every_folded_solution_passes_its_check():
    nb = _notebook()
    found = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not CHECK_CALL.search(cell.source):
            continue
        assert "answer = None  # your answer here" in cell.source
        solution = nb.cells[k + 1]
        assert solution.cell_type == "markdown" and "solution" in solution.metadata.get("tags", [])
        assert solution.source.startswith("<details><summary>Solution</summary>")
        namespace = {"np": np}
        exec(PYTHON_BLOCK.search(solution.source).group(1), namespace)
        check = getattr(checks, CHECK_CALL.search(cell.source).group(1))
        assert check(namespace["answer"]).ok is True, check.__name__
        # committed unanswered: the saved output is the "your turn" note
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "Your turn" in html
        found.append(check.__name__)
    assert found == ["check_horizontal_edge_filter", "check_layer_output_shape", "check_layer_param_count",
                     "check_receptive_field"]


def test_the_questions_quote_the_exercise_definitions():
    text = " ".join(" ".join(c.source.split()) for c in _notebook().cells if c.cell_type == "markdown")
    assert f"`x` of shape {(E['N'], E['C'], E['H'], E['W'])}" in text
    assert (f"{E['F']} filters of {E['KH']}x{E['KW']}, stride {E['stride']} and zero padding "
            f"{E['padding']}") in text
    assert STACK_EXERCISE == ((3, 1), (3, 1), (2, 2), (3, 1))
    assert ("a 3x3 convolution (stride 1), another 3x3 convolution (stride 1), a 2x2 max pooling with "
            "stride 2, and one more 3x3 convolution (stride 1)") in text
