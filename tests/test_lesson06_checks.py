"""Lesson 6 (06_backpropagation.ipynb) exercise checks: None is "your turn", wrong answers get a hint that
does not contain the answer, right answers (in every reasonable form) pass. Expected answers are computed
here from cnnmath and the exercise data.
"""

import numpy as np
import pytest

from cnnmath import conv2d_grad
from cnnmath.checks import (check_kernel_gradient, check_logit_gradient, check_update_step,
                            check_weight_inputs, kernel_gradient_exercise, logit_exercise, update_exercise,
                            weight_inputs_exercise)


def _kernel_answer():
    I, K, dO = kernel_gradient_exercise()
    return conv2d_grad(I, K, dO)[1]


def _pixels():
    (h, w), (kh, kw), (m, n) = weight_inputs_exercise()
    return [(i + m, j + n) for i in range(h - kh + 1) for j in range(w - kw + 1)]


def _logit_answer():
    p, label = logit_exercise()
    return p - np.eye(p.size)[label]


def _assert_hint_hides(feedback, *answers):
    assert feedback.ok is False
    for a in answers:
        assert a not in feedback.message, (a, feedback.message)


CASES = [
    (check_kernel_gradient, lambda: _kernel_answer().tolist()),
    (check_update_step, lambda: (lambda w, g, e: w - e * g)(*update_exercise())),
    (check_weight_inputs, _pixels),
    (check_logit_gradient, lambda: _logit_answer().tolist()),
]


@pytest.mark.parametrize(("check", "answer"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_none_is_not_answered_and_right_is_correct(check, answer):
    assert check(None).ok is None
    assert "Your turn" in check(None)._repr_html_()
    result = check(answer())
    assert result.ok is True and "Correct" in result._repr_html_()


def test_exercise_data_are_fresh_copies():
    I, K, dO = kernel_gradient_exercise()
    I[0, 0] = 99
    assert kernel_gradient_exercise()[0][0, 0] != 99


# --- exercise 1: the kernel's gradient by hand ---------------------------------------------------------------

def test_kernel_gradient_accepts_arrays_and_lists():
    want = _kernel_answer()
    assert check_kernel_gradient(want).ok is True
    assert check_kernel_gradient(want.astype(int).tolist()).ok is True


@pytest.mark.parametrize("wrong", ["flipped", "transposed", "kernel", "one_off", "shape", "text"])
def test_kernel_gradient_hints(wrong):
    I, K, dO = kernel_gradient_exercise()
    want = _kernel_answer()
    answer = {
        "flipped": conv2d_grad(I, K, dO[::-1, ::-1])[1],
        "transposed": want.T,
        "kernel": dO * K,
        "one_off": want + np.array([[0, 0], [0, 1]]),
        "shape": want.ravel(),
        "text": "six",
    }[wrong]
    fb = check_kernel_gradient(answer)
    _assert_hint_hides(fb, str(want.astype(int).tolist()), "[[1, 6]", "[4, 7]")
    expected_words = {"flipped": "flipped", "transposed": "swapped", "kernel": "use the image",
                      "one_off": "1 of the 4", "shape": "shape (2, 2)", "text": "numbers"}[wrong]
    assert expected_words in fb.message


# --- exercise 2: the sign of an update ------------------------------------------------------------------------

def test_update_step_hints():
    w, g, eta = update_exercise()
    want = w - eta * g
    with_gradient = check_update_step(w + eta * g)
    _assert_hint_hides(with_gradient, f"{want}", f"{want:g}")
    assert "direction of the gradient" in with_gradient.message
    step_only = check_update_step(-eta * g)
    _assert_hint_hides(step_only, f"{want:g}")
    assert "size of the step" in step_only.message
    other = check_update_step(7.0)
    _assert_hint_hides(other, f"{want:g}")
    for bad in ("0.8", [want], True):
        fb = check_update_step(bad)
        assert fb.ok is False and "one number" in fb.message
    assert check_update_step(np.float64(want)).ok is True
    assert check_update_step(want + 1e-12).ok is True


# --- exercise 3: the pixels one weight touches -----------------------------------------------------------------

def test_weight_inputs_accepts_pairs_sets_and_masks():
    pixels = _pixels()
    assert check_weight_inputs(set(pixels)).ok is True
    assert check_weight_inputs([list(p) for p in reversed(pixels)]).ok is True
    mask = np.zeros(weight_inputs_exercise()[0], dtype=int)
    for r, c in pixels:
        mask[r, c] = 1
    assert check_weight_inputs(mask).ok is True
    assert check_weight_inputs(mask.astype(bool)).ok is True
    assert check_weight_inputs(mask.tolist()).ok is True


def test_weight_inputs_hints():
    pixels = _pixels()
    shifted = [(r - 2, c - 1) for r, c in pixels]  # the top-left block: the (0, 0) weight's pixels
    fb = check_weight_inputs(shifted)
    _assert_hint_hides(fb, str(pixels), "range(2, 5)", "(2, 1)")
    assert "count is right but not the place" in fb.message
    fb = check_weight_inputs(pixels[:4])
    _assert_hint_hides(fb, str(pixels))
    assert "you gave 4 pixels" in fb.message
    fb = check_weight_inputs([(5, 5)] + pixels[1:])
    assert fb.ok is False and "outside" in fb.message
    for bad in ([(1, 2, 3)], [("a", "b")], [(1.0, 2.0)], 17):
        fb = check_weight_inputs(bad)
        assert fb.ok is False and "(row, col) pairs" in fb.message


# --- exercise 4: dL/dz -----------------------------------------------------------------------------------------

def test_logit_gradient_hints():
    want = _logit_answer()
    p, _ = logit_exercise()
    for wrong, words in [(-want, "signs are reversed"), (p, "p alone"), (want + 0.1, "p_c - y_c"),
                         ([1, 2], "shape (3,)")]:
        fb = check_logit_gradient(wrong)
        _assert_hint_hides(fb, "-0.8", str(want.tolist()))
        assert words in fb.message
    assert check_logit_gradient(np.array(want)).ok is True
