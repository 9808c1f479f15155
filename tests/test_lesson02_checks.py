"""Lesson 2 (02_convolution.ipynb) exercise checks: None is "not answered", wrong answers get a hint that
does not give the answer away, right answers pass; check_my_conv2d catches the usual loop bugs and names
the case that failed. The notebook's own solutions must pass their checks.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cnnmath import conv2d, conv_output_size, convolve2d
from cnnmath.checks import (EXERCISE_IMAGE, EXERCISE_KERNEL, EXERCISE_POSITION, SIZE_QUESTION, Feedback,
                            check_my_conv2d, check_output_by_hand, check_output_size, check_true_convolution)
from cnnmath.checks import lesson02 as lesson02_checks

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_convolution.ipynb"

E = np.array(EXERCISE_IMAGE, dtype=float)
F = np.array(EXERCISE_KERNEL, dtype=float)
RIGHT_BY_HAND = conv2d(E, F)[EXERCISE_POSITION]
RIGHT_TRUE_CONV = convolve2d(E, F)[EXERCISE_POSITION]
RIGHT_SIZE = conv_output_size(SIZE_QUESTION["size"], SIZE_QUESTION["kernel"], SIZE_QUESTION["stride"],
                              SIZE_QUESTION["padding"])


def _numbers_in(text):
    return {float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)}


def _assert_hint_hides(feedback, answer):
    assert isinstance(feedback, Feedback)
    assert feedback.ok is False
    assert float(answer) not in _numbers_in(feedback.message), feedback.message


# --- the questions themselves ---------------------------------------------------------------------

def test_exercise_data_make_distinct_answers():
    i, j = EXERCISE_POSITION
    candidates = {
        "right": RIGHT_BY_HAND,
        "flipped": RIGHT_TRUE_CONV,
        "swapped position": conv2d(E, F)[j, i],
        "one too early": conv2d(E, F)[i - 1, j - 1],
        "window sum": E[i:i + 3, j:j + 3].sum(),
    }
    assert len(set(candidates.values())) == len(candidates), candidates
    assert not np.array_equal(F, F[::-1, ::-1])          # flipping must change exercise 4's answer
    h, k, s, p = (SIZE_QUESTION[key] for key in ("size", "kernel", "stride", "padding"))
    assert (h + 2 * p - k) % s != 0                      # the size question exercises the floor


# --- exercise 1: one output by hand ---------------------------------------------------------------

def test_output_by_hand():
    assert check_output_by_hand(None).ok is None
    assert check_output_by_hand(RIGHT_BY_HAND).ok is True
    assert check_output_by_hand(int(RIGHT_BY_HAND)).ok is True
    assert check_output_by_hand(np.float64(RIGHT_BY_HAND)).ok is True
    assert check_output_by_hand("a number").ok is False


@pytest.mark.parametrize(("wrong", "words"), [
    (RIGHT_TRUE_CONV, "true convolution"),
    (conv2d(E, F)[2, 1], "first index is the row"),
    (conv2d(E, F)[0, 1], "one row and one column too early"),
    (E[1:4, 2:5].sum(), "plain sum"),
    (-RIGHT_BY_HAND, "sign is reversed"),
    (1234, "not quite"),
])
def test_output_by_hand_hints(wrong, words):
    feedback = check_output_by_hand(wrong)
    _assert_hint_hides(feedback, RIGHT_BY_HAND)
    assert words in feedback.message


# --- exercise 2: output size ----------------------------------------------------------------------

def test_output_size():
    assert check_output_size(None).ok is None
    assert check_output_size(RIGHT_SIZE).ok is True
    assert check_output_size((RIGHT_SIZE, RIGHT_SIZE)).ok is True
    assert check_output_size(np.array([RIGHT_SIZE, RIGHT_SIZE])).ok is True
    assert check_output_size(float(RIGHT_SIZE)).ok is True
    assert check_output_size((RIGHT_SIZE, RIGHT_SIZE - 1)).ok is False
    assert check_output_size("fourteen").ok is False


def _size_mistakes():
    h, k, s, p = (SIZE_QUESTION[key] for key in ("size", "kernel", "stride", "padding"))
    exact = (h + 2 * p - k) / s
    return [
        (exact + 1, "whole number"),                     # no floor
        (int(exact) + 2, "rounds down"),                 # rounded up
        (int(exact), "+ 1"),                             # forgot the +1
        ((h - k) // s + 1, "without padding"),
        (h + 2 * p - k + 1, "stride"),
        (99, "not quite"),
    ]


@pytest.mark.parametrize(("wrong", "words"), _size_mistakes())
def test_output_size_hints(wrong, words):
    feedback = check_output_size(wrong)
    _assert_hint_hides(feedback, RIGHT_SIZE)
    assert words in feedback.message


# --- exercise 4: the true convolution -------------------------------------------------------------

def test_true_convolution():
    assert check_true_convolution(None).ok is None
    assert check_true_convolution(RIGHT_TRUE_CONV).ok is True
    assert check_true_convolution([1, 2]).ok is False


@pytest.mark.parametrize(("wrong", "words"), [
    (RIGHT_BY_HAND, "flip the kernel first"),
    (conv2d(E, F[::-1, :])[EXERCISE_POSITION], "both its rows and its columns"),
    (conv2d(E, F[:, ::-1])[EXERCISE_POSITION], "both its rows and its columns"),
    (conv2d(E, F.T)[EXERCISE_POSITION], "both its rows and its columns"),
    (777, "not quite"),
])
def test_true_convolution_hints(wrong, words):
    feedback = check_true_convolution(wrong)
    _assert_hint_hides(feedback, RIGHT_TRUE_CONV)
    assert words in feedback.message


# --- exercise 3: my_conv2d -------------------------------------------------------------------------

def good(image, kernel, stride=1):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    h_out = (image.shape[0] - kh) // stride + 1
    w_out = (image.shape[1] - kw) // stride + 1
    out = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[i, j] = np.sum(image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def good_four_loops_lists(image, kernel, stride=1):
    kh, kw = len(kernel), len(kernel[0])
    rows = range(0, len(image) - kh + 1, stride)
    cols = range(0, len(image[0]) - kw + 1, stride)
    return [[sum(image[r + m][c + n] * kernel[m][n] for m in range(kh) for n in range(kw)) for c in cols]
            for r in rows]


def off_by_one(image, kernel, stride=1):
    kh, kw = kernel.shape
    rows = range(0, image.shape[0] - kh, stride)          # the classic: misses the last position
    cols = range(0, image.shape[1] - kw, stride)
    return np.array([[np.sum(image[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])


def one_too_many(image, kernel, stride=1):
    kh, kw = kernel.shape
    h_out = (image.shape[0] - kh) // stride + 2
    w_out = (image.shape[1] - kw) // stride + 2
    out = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = np.zeros((kh, kw))
            part = image[i * stride:i * stride + kh, j * stride:j * stride + kw]
            window[:part.shape[0], :part.shape[1]] = part
            out[i, j] = np.sum(window * kernel)
    return out


def ignores_stride(image, kernel, stride=1):
    return good(image, kernel, 1)


def window_not_strided(image, kernel, stride=1):
    kh, kw = kernel.shape
    h_out = (image.shape[0] - kh) // stride + 1
    w_out = (image.shape[1] - kw) // stride + 1
    return np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel) for j in range(w_out)] for i in range(h_out)])


def flips(image, kernel, stride=1):
    return good(image, np.asarray(kernel)[::-1, ::-1], stride)


def kh_kw_swapped(image, kernel, stride=1):
    kw, kh = kernel.shape                                 # height and width mixed up: only a non-square kernel shows it
    h_out = (image.shape[0] - kh) // stride + 1
    w_out = (image.shape[1] - kw) // stride + 1
    out = np.zeros((h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[i, j] = np.sum(image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def rounds_up(image, kernel, stride=1):
    kh, kw = kernel.shape
    h_out = -(-(image.shape[0] - kh) // stride) + 1
    w_out = -(-(image.shape[1] - kw) // stride) + 1
    padded = np.pad(image, ((0, kh), (0, kw)))
    return np.array([[np.sum(padded[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
                      for j in range(w_out)] for i in range(h_out)])


def transposes(image, kernel, stride=1):
    return good(image, kernel, stride).T


def sums_windows(image, kernel, stride=1):
    return good(image, np.ones_like(kernel), stride)


def integer_output(image, kernel, stride=1):
    return good(image, kernel, stride).astype(int)


def mutates(image, kernel, stride=1):
    image *= 1.0
    image[0, 0] = 42.0
    return good(image, kernel, stride)


def no_stride_argument(image, kernel):
    return good(image, kernel)


def calls_the_library(image, kernel, stride=1):
    return conv2d(image, kernel, stride=stride)


def crashes(image, kernel, stride=1):
    raise ZeroDivisionError("oops")


def stub(image, kernel, stride=1):
    return None


def test_my_conv2d_accepts_correct_loops():
    for func in (good, good_four_loops_lists):
        feedback = check_my_conv2d(func)
        assert feedback.ok is True, feedback.message
        assert "all 9 hidden cases pass" in feedback.message


def test_my_conv2d_not_answered():
    assert check_my_conv2d(None).ok is None
    assert check_my_conv2d(stub).ok is None                # the committed stub returns None
    assert "returned None" in check_my_conv2d(stub).message
    assert check_my_conv2d(5).ok is False


@pytest.mark.parametrize(("func", "case", "words"), [
    (off_by_one, "case 1 of 9", "off-by-one"),
    (one_too_many, "case 1 of 9", "too many"),
    (ignores_stride, "case 4 of 9 (a 7x7 image, 3x3 kernel, stride 2)", "size for stride 1"),
    (window_not_strided, "case 4 of 9", "starts at row i*stride"),
    (flips, "case 1 of 9", "flipped the kernel"),
    (kh_kw_swapped, "case 3 of 9 (a 5x7 image with a non-square 2x3 kernel", "rows and columns are mixed up"),
    (rounds_up, "case 5 of 9", "Rounded up"),
    (transposes, "case 2 of 9", "Rows and columns are swapped"),
    (sums_windows, "case 1 of 9", "multiply each pixel"),
    (integer_output, "case 9 of 9", "float dtype"),
    (mutates, "case 1 of 9", "changed its input"),
    (no_stride_argument, "case 1 of 9", "stride=1"),
    (calls_the_library, "", "calls conv2d"),
    (crashes, "case 1 of 9", "ZeroDivisionError"),
])
def test_my_conv2d_catches_bugs_and_names_the_case(func, case, words):
    feedback = check_my_conv2d(func)
    assert feedback.ok is False
    assert case in feedback.message, feedback.message
    assert words in feedback.message, feedback.message


def test_my_conv2d_hints_never_contain_the_expected_output():
    for func in (off_by_one, ignores_stride, window_not_strided, flips, sums_windows, transposes):
        message = check_my_conv2d(func).message
        for what, image, kernel, stride in lesson02_checks._hidden_cases():
            expected = conv2d(image, kernel, stride=stride)
            assert np.array2string(expected) not in message
            assert str(expected.tolist()) not in message


def test_hidden_cases_cover_stride_two_non_square_kernels_and_uneven_strides():
    cases = lesson02_checks._hidden_cases()
    strides = {stride for _, _, _, stride in cases}
    assert {1, 2, 3} <= strides
    assert any(k.shape[0] != k.shape[1] for _, _, k, _ in cases)
    assert any(im.shape[0] != im.shape[1] for _, im, _, _ in cases)
    assert any((im.shape[0] - k.shape[0]) % s or (im.shape[1] - k.shape[1]) % s for _, im, k, s in cases)
    assert any(im.shape == k.shape for _, im, k, _ in cases)
    # the hidden cases are fixed: the same numbers every time
    again = lesson02_checks._hidden_cases()
    for (_, a, ka, _), (_, b, kb, _) in zip(cases, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ka, kb)


# --- the notebook's solutions pass their checks ---------------------------------------------------

def _solution_code(nb):
    blocks = []
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            blocks.append("\n".join(re.findall(r"```python\n(.*?)```", cell.source, flags=re.S)))
    return blocks


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_solutions_pass_their_checks():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    blocks = _solution_code(nb)
    assert len(blocks) == 4
    checks = [check_output_by_hand, check_output_size, None, check_true_convolution]
    for block, check in zip(blocks, checks):
        namespace = {"np": np}
        exec(block, namespace)  # noqa: S102 - our own notebook's solution
        if check is None:
            feedback = check_my_conv2d(namespace["my_conv2d"])
        else:
            feedback = check(namespace["answer"])
        assert feedback.ok is True, (block, feedback.message)


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_notebook_answer_cells_are_committed_unanswered():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    answer_cells = [c for c in nb.cells if c.cell_type == "code" and "check_" in c.source and "(answer)" in c.source]
    assert len(answer_cells) == 3
    assert all("answer = None  # your answer here" in c.source for c in answer_cells)
    stub = next(c for c in nb.cells if c.cell_type == "code" and "def my_conv2d" in c.source)
    assert "return None" in stub.source and "check_my_conv2d(my_conv2d)" in stub.source
