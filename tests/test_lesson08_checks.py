"""Lesson 8 (08_deeper.ipynb) exercise checks, and their agreement with the notebook.

For every check: None -> not answered; every equivalent form of the right answer -> ok True; each common
slip -> ok False with its own hint (asserted by key words) that does not contain the answer; odd objects ->
a hint, never an exception. The expected values are computed here from cnnmath (the network itself, the
receptive-field rule, the lesson-level gradient), never copied from the checks.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import cnnmath.checks as checks
from cnnmath import TinyCNN, conv2d, conv2d_grad, convolve2d, numerical_gradient, receptive_field
from cnnmath.checks import (BATCH_EXERCISE, DEEP_STACK_EXERCISE, DENSE_EXERCISE, check_conv2_dx_shape,
                            check_deep_receptive_field, check_dense1_params, check_input_gradient,
                            input_gradient_exercise)

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_deeper.ipynb"

E = DENSE_EXERCISE
BIG = TinyCNN(blocks=2, hidden=E["hidden"], input_shape=(1, E["side"], E["side"]),
              num_filters=list(E["filters"]), kernel_size=E["kernel"], pool_size=E["pool"])
DENSE1 = BIG.params["dense1_w"].size + BIG.params["dense1_b"].size
FLAT = BIG.params["dense1_w"].shape[0]
FIELD = receptive_field(DEEP_STACK_EXERCISE)
K_EX, DOUT_EX = input_gradient_exercise()
DI = conv2d_grad(np.zeros((4, 4)), K_EX, DOUT_EX)[0]


def _dx_shape():
    b = BATCH_EXERCISE
    net = TinyCNN(blocks=2, hidden=64, num_filters=list(b["filters"]))
    x = np.random.default_rng(0).random((b["N"], 1, b["side"], b["side"]))
    stages = net.forward(x)
    return stages["pool1"].shape  # conv2's input: dx has its shape


DX_SHAPE = _dx_shape()


def _no_answer_in(feedback, *answers):
    for answer in answers:
        pattern = r"(?<![\d.])" + re.escape(str(answer)) + r"(?![\d]|\.\d)"
        assert not re.search(pattern, feedback.message), (answer, feedback.message)


ODD_OBJECTS = [object(), {"a": 1}, {1, 2}, [[1, 2], [3]], "", b"12", float("inf"), -float("inf"), float("nan"),
               [None], [[None] * 4] * 4, np.array([]), lambda: 1, 1j, [1j, 2], np.ones((2, 2, 2)), 10 ** 400]


def test_the_exercise_data_are_what_the_network_and_the_rule_give():
    assert (FLAT, DENSE1) == (512, 32832)
    assert FIELD == 18
    assert DX_SHAPE == (5, 16, 4, 4)
    # dL/dI three ways: the lesson-level gradient, the full convolution with the turned kernel, numerically
    np.testing.assert_allclose(DI, conv2d(DOUT_EX, np.rot90(K_EX, 2), padding=2))
    np.testing.assert_allclose(DI, convolve2d(DOUT_EX, K_EX, padding=2))
    image = np.random.default_rng(0).normal(size=(4, 4))
    np.testing.assert_allclose(numerical_gradient(lambda i: np.sum(DOUT_EX * conv2d(i, K_EX)), image), DI,
                               atol=1e-8)
    # the kernel's 180-degree turn differs from it, so a turned answer can be told apart
    assert not np.array_equal(np.rot90(K_EX, 2), K_EX)


def test_the_exercise_data_cannot_be_changed_through_the_accessor():
    k, d = input_gradient_exercise()
    k[:] = 0
    d[:] = 0
    k2, d2 = input_gradient_exercise()
    assert k2.any() and d2.any()


# --- exercise 1: dense1's learned numbers ---------------------------------------------------------

@pytest.mark.parametrize("answer", [DENSE1, float(DENSE1), np.int64(DENSE1), np.float32(DENSE1), [DENSE1],
                                    (DENSE1,), np.array(DENSE1), np.array([DENSE1])])
def test_dense1_params_right_in_every_form(answer):
    assert check_dense1_params(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    (FLAT * 64, "You counted the weights"),
    (FLAT * 64 + FLAT, "one bias per output"),
    (FLAT, "length of the flattened vector"),
    (2048 * 64 + 64, "Count the poolings"),
    (2048 * 64, "Count the poolings"),
    (1024 * 64 + 64, "Count the poolings"),
    (128 * 64, "without padding"),
    (8192 * 64 + 64, "each block's pooling halves it"),
    (256 * 64 + 64, "second block's"),
    (128 * 64 + 64, "8x8 digits"),
    (64 * 10 + 10, "dense2"),
    (7, "Follow the shapes"),
    (DENSE1 + 0.5, "whole number"),
    (str(DENSE1), "text"),
    (True, "True and False"),
    (float("nan"), "NaN"),
    ([DENSE1, DENSE1], "one number"),
])
def test_dense1_params_slips_get_their_hint(answer, words):
    fb = check_dense1_params(answer)
    assert fb.ok is False
    assert words in fb.message, fb.message
    _no_answer_in(fb, DENSE1, FLAT)


def test_dense1_params_not_answered():
    assert check_dense1_params(None).ok is None


# --- exercise 2: the receptive field of a third block ----------------------------------------------

@pytest.mark.parametrize("answer", [FIELD, float(FIELD), np.int64(FIELD), [FIELD], np.array(FIELD),
                                    (FIELD, FIELD), [FIELD, FIELD]])
def test_deep_receptive_field_right(answer):
    assert check_deep_receptive_field(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    (9, "You added (k - 1) for every layer"),
    (13, "Adding the kernel sizes"),
    (14, "the jump doubles again"),
    (21, "not its own"),
    (10, "a unit of the second block"),
    (8, "a unit of the second block"),
    (22, "includes the third pooling"),
    (15, "counts as a layer too"),
    (17, "One pixel off"),
    (19, "One pixel off"),
    (18 * 18, "asks for its side"),
    (5, "Too small"),
    (40, "Too large"),
    (18.5, "whole number"),
    ((18, 17), "one number"),
    ("18", "text"),
])
def test_deep_receptive_field_slips_get_their_hint(answer, words):
    fb = check_deep_receptive_field(answer)
    assert fb.ok is False
    assert words in fb.message, fb.message
    _no_answer_in(fb, FIELD)


def test_deep_receptive_field_not_answered():
    assert check_deep_receptive_field(None).ok is None


# --- exercise 3: dL/dI by hand ----------------------------------------------------------------------

def _scatter(kernel, dout, add=True, backwards=False):
    out = np.zeros((4, 4))
    items = list(np.ndenumerate(dout))
    for (i, j), g in (items[::-1] if backwards else items):
        if g:
            if add:
                out[i:i + 3, j:j + 3] += g * kernel
            else:
                out[i:i + 3, j:j + 3] = g * kernel
    return out


@pytest.mark.parametrize("answer", [DI, DI.tolist(), DI.astype(np.float32), DI.astype(int).tolist(),
                                    DI[None], tuple(map(tuple, DI)), DI + 1e-9])
def test_input_gradient_right_in_every_form(answer):
    assert check_input_gradient(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    (_scatter(np.rot90(K_EX, 2), DOUT_EX), "turned the kernel"),
    (_scatter(K_EX, DOUT_EX, add=False), "add them, do not overwrite"),
    (_scatter(K_EX, DOUT_EX, add=False, backwards=True), "add them, do not overwrite"),
    (_scatter(K_EX, DOUT_EX[::-1, ::-1]), "which corner"),
    (_scatter(K_EX, np.abs(DOUT_EX)), "signs"),
    (-DI, "signs"),
    (_scatter(K_EX, np.sign(DOUT_EX)), "not the kernel alone"),
    (DI.T, "Rows and columns"),
    (conv2d(DOUT_EX, K_EX, padding=2), "without turning it"),
    (conv2d(np.zeros((4, 4)) + 1, DOUT_EX), "kernel's shape"),
    (np.zeros((3, 3)), "kernel's shape"),
    (DOUT_EX, "output's shape"),
    (np.zeros((4, 5)), "shape of the input"),
    (DI + np.eye(4), "entries are off"),
    ("[[2, 0, 4, 0]]", "text"),
    ([[True] * 4] * 4, "True and False"),
    ([[1, 2, 3, 4], [1, 2]], "could not be read"),
    (np.full((4, 4), np.nan), "NaN"),
])
def test_input_gradient_slips_get_their_hint(answer, words):
    fb = check_input_gradient(answer)
    assert fb.ok is False
    assert words in fb.message, fb.message
    text = fb.message.replace(" ", "")
    assert str(DI.astype(int).tolist()[0]).replace(" ", "") not in text


def test_input_gradient_check_does_not_change_the_answer():
    answer = DI.copy()
    check_input_gradient(answer)
    np.testing.assert_array_equal(answer, DI)


def test_input_gradient_not_answered():
    assert check_input_gradient(None).ok is None


# --- exercise 4: the shape of conv2's dx -------------------------------------------------------------

@pytest.mark.parametrize("answer", [DX_SHAPE, list(DX_SHAPE), np.array(DX_SHAPE), tuple(np.int64(v) for v in DX_SHAPE),
                                    tuple(float(v) for v in DX_SHAPE), [list(DX_SHAPE)]])
def test_conv2_dx_shape_right(answer):
    assert check_conv2_dx_shape(answer).ok is True


@pytest.mark.parametrize(("answer", "words"), [
    ((5, 32, 4, 4), "conv2's output"),
    ((5, 16, 6, 6), "padding ring"),
    ((32, 16, 3, 3), "dw"),
    ((5, 16, 8, 8), "before pool1"),
    ((5, 1, 8, 8), "digits themselves"),
    ((5, 32, 2, 2), "after the second pooling"),
    ((1, 16, 4, 4), "batch size"),
    ((5, 4, 4, 16), "order of the axes"),
    ((16, 4, 4), "4 whole numbers"),
    (5, "not a single number"),
    ((5, 16, 4.5, 4), "whole number"),
    ((5, 16, -4, 4), "whole number"),
    ((5, 16, 4, 3), "shape of the layer's input"),
    ("(5, 16, 4, 4)", "text"),
])
def test_conv2_dx_shape_slips_get_their_hint(answer, words):
    fb = check_conv2_dx_shape(answer)
    assert fb.ok is False
    assert words in fb.message, fb.message
    assert str(DX_SHAPE) not in fb.message and "(5, 16, 4, 4)" not in fb.message


def test_conv2_dx_shape_not_answered():
    assert check_conv2_dx_shape(None).ok is None


# --- every check, any object: a hint, never an exception ----------------------------------------------

@pytest.mark.parametrize("check", [check_dense1_params, check_deep_receptive_field, check_input_gradient,
                                   check_conv2_dx_shape])
@pytest.mark.parametrize("answer", ODD_OBJECTS, ids=lambda a: type(a).__name__)
def test_checks_never_raise(check, answer):
    fb = check(answer)
    assert fb.ok is False
    assert fb.message
    assert "Traceback" not in fb.message


# --- the notebook and the checks agree ----------------------------------------------------------------

CHECK_CALL = re.compile(r"^(check_\w+)\(answer\)\s*$", re.MULTILINE)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.fixture(scope="module")
def nb():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_every_folded_solution_passes_its_check(nb):
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
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "Your turn" in html  # committed unanswered
        found.append(check.__name__)
    assert found == ["check_dense1_params", "check_deep_receptive_field", "check_input_gradient",
                     "check_conv2_dx_shape"]


def test_the_questions_quote_the_exercise_definitions(nb):
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    side, (f1, f2) = E["side"], E["filters"]
    assert f"input_shape=(1, {side}, {side})" in text and f"hidden={E['hidden']}" in text
    assert f"{f1} and then {f2} filters of {E['kernel']}x{E['kernel']} (padding {E['padding']}, stride 1)" in text
    assert DEEP_STACK_EXERCISE == ((3, 1), (2, 2), (3, 1), (2, 2), (3, 1))
    assert ("conv1 (3x3, stride 1), pool1 (2x2, stride 2), conv2 (3x3, stride 1), pool2 (2x2, stride 2) and "
            "conv3 itself (3x3, stride 1)") in text
    assert f"A batch of {BATCH_EXERCISE['N']} digits" in text
    # exercise 3's data are printed from the checks module, not typed into the notebook
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "input_gradient_exercise()" in code
