"""Lesson 6 (06_backpropagation.ipynb) exercise checks: None is "your turn", wrong answers get a hint that
does not contain the answer, right answers (in every reasonable form) pass, and no answer makes a check
raise. Expected answers are computed here from cnnmath and the exercise data.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from cnnmath import conv2d, conv2d_backward, conv2d_forward, conv2d_grad, softmax_cross_entropy
from cnnmath.checks import (batch_logit_exercise, check_batch_logit_gradient, check_image_gradient,
                            check_kernel_gradient, check_logit_gradient, check_update_step,
                            check_weight_inputs, image_gradient_exercise, kernel_gradient_exercise,
                            logit_exercise, update_exercise, weight_inputs_exercise)

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "06_backpropagation.md"


def _kernel_answer():
    I, K, dO = kernel_gradient_exercise()
    return conv2d_grad(I, K, dO)[1]


def _pixels():
    (h, w), (kh, kw), (m, n) = weight_inputs_exercise()
    return [(i + m, j + n) for i in range(h - kh + 1) for j in range(w - kw + 1)]


def _logit_answer():
    p, label = logit_exercise()
    return p - np.eye(p.size)[label]


def _image_answer():
    I, K, dO = image_gradient_exercise()
    return conv2d_grad(I, K, dO)[0]


def _batch_answer():
    n, p, label = batch_logit_exercise()
    return (p - np.eye(p.size)[label]) / n


def _assert_hint_hides(feedback, *answers):
    assert feedback.ok is False
    for a in answers:
        assert a not in feedback.message, (a, feedback.message)


CASES = [
    (check_kernel_gradient, lambda: _kernel_answer().tolist()),
    (check_update_step, lambda: (lambda w, g, e: w - e * g)(*update_exercise())),
    (check_weight_inputs, _pixels),
    (check_logit_gradient, lambda: _logit_answer().tolist()),
    (check_image_gradient, lambda: _image_answer().tolist()),
    (check_batch_logit_gradient, lambda: _batch_answer().tolist()),
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
    for bad in ("0.8", True, [want, want], float("nan"), [[1, 2], [3]]):
        fb = check_update_step(bad)
        assert fb.ok is False and "one number" in fb.message, (bad, fb.message)
    assert "text" in check_update_step("0.8").message
    assert "True and False" in check_update_step(True).message
    # DESIGN.md: a number, any numpy scalar, float32, a 0-d or one-element array or list are the same answer
    for same in (np.float64(want), np.float32(want), np.array(want), [want], (want,), np.array([[want]]),
                 want + 1e-12):
        assert check_update_step(same).ok is True, same


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
    assert "output positions themselves" in fb.message
    fb = check_weight_inputs([(r, c - 1) for r, c in pixels])  # shifted by one column only
    assert "count is right but not the place" in fb.message
    fb = check_weight_inputs(pixels[:4])
    _assert_hint_hides(fb, str(pixels))
    assert "you gave 4 pixels" in fb.message
    fb = check_weight_inputs([(5, 5)] + pixels[1:])
    assert fb.ok is False and "outside" in fb.message
    assert "you gave 1 pixel" in check_weight_inputs([(1.0, 2.0)]).message  # whole floats are the same pair
    for bad in ([(1, 2, 3)], [("a", "b")], [(1.5, 2.0)], 17):
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


# --- every check: never raises, whatever it is given --------------------------------------------------------

ODD_ANSWERS = ["six", b"6", True, np.bool_(False), float("nan"), float("inf"), [[1, 2], [3]], {"a": 1},
               object(), lambda x: x, [None, None], np.array([np.nan, 1.0, 2.0]), 10 ** 400, [], ()]


@pytest.mark.parametrize("check", [c for c, _ in CASES], ids=lambda c: c.__name__)
@pytest.mark.parametrize("odd", ODD_ANSWERS, ids=range(len(ODD_ANSWERS)))
def test_checks_never_raise_and_never_accept_odd_answers(check, odd):
    fb = check(odd)
    assert fb.ok is False and fb.message


# --- exercise 5: dL/dI by hand -----------------------------------------------------------------------------------

def test_image_gradient_is_the_full_convolution_with_the_turned_kernel():
    I, K, dO = image_gradient_exercise()
    want = _image_answer()
    np.testing.assert_array_equal(want, conv2d(np.pad(dO, 1), K[::-1, ::-1]))
    _, cache = conv2d_forward(I[None, None], K[None, None], np.zeros(1))
    np.testing.assert_array_equal(want, conv2d_backward(dO[None, None], cache)[0][0, 0])
    np.testing.assert_array_equal(want, [[2, 4, 0], [-1, 7, -2], [-1, 4, -3]])
    # the data tell every slip apart from the right answer and from each other
    slips = [conv2d(np.pad(dO, 1), K), want.T, want[::-1, ::-1], -want]
    for k, slip in enumerate(slips):
        assert not np.allclose(slip, want)
        assert all(not np.allclose(slip, other) for other in slips[k + 1:])


@pytest.mark.parametrize("wrong", ["unturned", "turned_result", "transposed", "negated", "dK", "valid",
                                   "pixels", "one_off", "text"])
def test_image_gradient_hints(wrong):
    I, K, dO = image_gradient_exercise()
    want = _image_answer()
    answer = {
        "unturned": conv2d(np.pad(dO, 1), K),
        "turned_result": want[::-1, ::-1],
        "transposed": want.T,
        "negated": -want,
        "dK": conv2d(I, dO),
        "valid": np.ones((2, 2)),                        # a 2 x 2 answer that is not dL/dK
        "pixels": I * conv2d(np.pad(dO, 1), np.ones((2, 2))),
        "one_off": want + np.eye(3) * [1, 0, 0],
        "text": "[[2, 4, 0], ...]",
    }[wrong]
    fb = check_image_gradient(answer)
    _assert_hint_hides(fb, str(want.astype(int).tolist()), "[2, 4, 0]", "[-1, 7, -2]", "[-1, 4, -3]", "7")
    expected_words = {"unturned": "turned by 180 degrees", "turned_result": "turn the kernel, not",
                      "transposed": "swapped", "negated": "sign", "dK": "that is dL/dK",
                      "valid": "pad it", "pixels": "not a pixel value", "one_off": "1 of the 9",
                      "text": "text"}[wrong]
    assert expected_words in fb.message, fb.message


def test_image_gradient_accepts_every_form():
    want = _image_answer()
    for same in (want, want.astype(int).tolist(), want.astype(np.float32), want[None], tuple(map(tuple, want)),
                 want + 1e-12):
        assert check_image_gradient(same).ok is True


# --- exercise 6: the 1/N of a batch ------------------------------------------------------------------------------

def test_batch_answer_is_what_softmax_cross_entropy_returns():
    n, p, label = batch_logit_exercise()
    logits = np.tile(np.log(p), (n, 1))          # every example with these probabilities
    _, dlogits = softmax_cross_entropy(logits, [label] * n)
    np.testing.assert_allclose(dlogits[0], _batch_answer(), rtol=1e-12)
    np.testing.assert_allclose(_batch_answer(), [0.025, 0.15, -0.175], rtol=1e-12)


@pytest.mark.parametrize("wrong", ["forgot_n", "times_n", "reversed", "reversed_no_n", "p_over_n", "other",
                                   "shape", "rounded", "only_p_over_n"])
def test_batch_logit_hints(wrong):
    n, p, label = batch_logit_exercise()
    y = np.eye(p.size)[label]
    want = _batch_answer()
    answer = {"forgot_n": p - y, "times_n": (p - y) * n, "reversed": (y - p) / n, "reversed_no_n": y - p,
              "p_over_n": p / n, "other": want + 0.01, "shape": [0.025, 0.15], "rounded": [0.03, 0.15, -0.18],
              "only_p_over_n": p / n - y}[wrong]
    fb = check_batch_logit_gradient(answer)
    _assert_hint_hides(fb, "0.025", "-0.175", str(want.tolist()))
    expected_words = {"forgot_n": "this example alone", "times_n": "divides by N", "reversed": "reversed",
                      "reversed_no_n": "reversed", "p_over_n": "label", "other": "start from",
                      "shape": "shape (3,)", "rounded": "rounding",
                      "only_p_over_n": "whole of p - y"}[wrong]
    assert expected_words in fb.message, fb.message
    assert check_batch_logit_gradient(np.array([want])).ok is True


# --- the guide quotes the data of exercises 5 and 6 as the checks use them ------------------------------------------

def _guide_item(check):
    text = " ".join(GUIDE.read_text().split())
    return text.split(f"(`{check}`)", 1)[1].split("6. **", 1)[0] if check == "check_image_gradient" \
        else text.split(f"(`{check}`)", 1)[1]


def test_guide_quotes_exercise_5_data():
    item = _guide_item("check_image_gradient")
    I, K, dO = image_gradient_exercise()
    quoted = re.findall(r"`(\[\[[^`]*\]\])`", item)[:3]
    for text, data in zip(quoted, (I, K, dO)):
        np.testing.assert_array_equal(np.array(eval(text), dtype=float), data)  # noqa: S307 - our own guide


def test_guide_quotes_exercise_6_data():
    item = _guide_item("check_batch_logit_gradient")
    n, p, label = batch_logit_exercise()
    assert f"N = {n}, p = ({', '.join(f'{v:g}' for v in p)}), true class {label}" in item
