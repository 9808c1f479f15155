"""Lesson 3 (03_relu.ipynb) exercise checks: None is not answered, wrong answers get a hint that does not
give the answer away, right answers pass. Also the gradient the lesson shows, checked numerically.
"""

import numpy as np
import pytest

from cnnmath import conv2d, numerical_gradient, rel_error, relu, relu_derivative, seed_image, seed_kernel
from cnnmath.checks import (check_relu_bias, check_relu_derivative_values, check_relu_gradient_mask,
                            check_relu_matrix, relu_derivative_points, relu_exercise_matrix,
                            relu_mask_exercise_map)
from cnnmath.checks.common import Feedback

GRAD_BOUND = 1e-8  # rel_error of the central difference against f'(x), away from the corner


def _assert_hint(fb, *forbidden):
    assert isinstance(fb, Feedback)
    assert fb.ok is False, fb
    assert fb.message.strip()
    for text in forbidden:
        assert text not in fb.message, f"the hint gives away {text!r}: {fb.message}"


def _printed(a):
    """Ways the expected answer could be written into a hint."""
    a = np.asarray(a)
    return [str(a), str(a.tolist()), repr(a), str(a.astype(int).tolist())]


# --- exercise 1: ReLU of a matrix ---------------------------------------------------------------

def test_relu_matrix_none_is_not_answered():
    fb = check_relu_matrix(None)
    assert fb.ok is None and not fb


def test_relu_matrix_right_answers():
    M = relu_exercise_matrix()
    assert check_relu_matrix(relu(M)).ok is True
    assert check_relu_matrix(np.maximum(M, 0).tolist()).ok is True
    assert check_relu_matrix(np.where(M > 0, M, 0).astype(np.float32)).ok is True


@pytest.mark.parametrize("wrong", [
    lambda M: M,                        # nothing done
    lambda M: np.abs(M),                # absolute value
    lambda M: (M > 0).astype(float),    # the derivative instead of the function
    lambda M: relu(M)[:2],              # wrong shape
    lambda M: relu(M).T,                # transposed
    lambda M: np.minimum(M, 0),         # the other side
    lambda M: "relu(M)",                # text
    lambda M: [[1, 2], [3]],            # ragged
    lambda M: np.full(M.shape, np.nan),  # not finite
])
def test_relu_matrix_wrong_answers_get_hints(wrong):
    M = relu_exercise_matrix()
    _assert_hint(check_relu_matrix(wrong(M)), *_printed(relu(M)))


def test_relu_matrix_hints_name_the_mistake():
    M = relu_exercise_matrix()
    assert "absolute value" in check_relu_matrix(np.abs(M)).message
    assert "negative" in check_relu_matrix(M).message
    assert "shape" in check_relu_matrix(relu(M)[:2]).message
    assert "positive" in check_relu_matrix((M > 0).astype(float)).message


# --- exercise 2: the derivative at given points -------------------------------------------------

def test_derivative_values_none_is_not_answered():
    assert check_relu_derivative_values(None).ok is None


def test_derivative_values_right_answers():
    x = relu_derivative_points()
    assert 0.0 in x, "the exercise must include the corner"
    assert check_relu_derivative_values(relu_derivative(x)).ok is True
    assert check_relu_derivative_values([int(v > 0) for v in x]).ok is True
    assert check_relu_derivative_values(tuple(float(v > 0) for v in x)).ok is True


def test_derivative_values_any_value_in_0_1_at_the_corner_is_accepted():
    """Lesson 3 calls every value from 0 to 1 at the corner defensible (issue 14); cnnmath's own is 0."""
    x = relu_derivative_points()
    for at_zero in (1.0, 0.5, 0.3):
        answer = relu_derivative(x)
        answer[x == 0] = at_zero
        fb = check_relu_derivative_values(answer)
        assert fb.ok is True, fb.message
        assert "f'(0) = 0" in fb.message
    answer = relu_derivative(x)
    answer[x == 0] = 1.5
    fb = check_relu_derivative_values(answer)
    assert fb.ok is False and "x = 0" in fb.message and "corner" in fb.message


@pytest.mark.parametrize("wrong", [
    lambda x: relu(x),                      # f instead of f'
    lambda x: (x >= 0).astype(float) * 0,   # all zeros
    lambda x: np.ones_like(x),              # all ones
    lambda x: 1 - relu_derivative(x),       # flipped
    lambda x: relu_derivative(x)[:3],       # too few
    lambda x: np.full_like(x, 0.5),         # the central difference everywhere
    lambda x: "0 0 0 1 1",                  # text
])
def test_derivative_values_wrong_answers_get_hints(wrong):
    x = relu_derivative_points()
    _assert_hint(check_relu_derivative_values(wrong(x)), *_printed(relu_derivative(x)))


# --- exercise 3: the gradient mask --------------------------------------------------------------

def test_gradient_mask_none_is_not_answered():
    assert check_relu_gradient_mask(None).ok is None


def test_gradient_mask_right_answers():
    F = relu_mask_exercise_map()
    assert (F == 0).sum() >= 3, "the exercise must have pixels exactly at 0"
    assert check_relu_gradient_mask(F > 0).ok is True
    assert check_relu_gradient_mask((F > 0).tolist()).ok is True
    fb = check_relu_gradient_mask(relu_derivative(F))  # 0/1 floats: right, with a note on booleans
    assert fb.ok is True and "True" in fb.message


def test_gradient_mask_letting_zeros_pass_gets_the_corner_hint():
    F = relu_mask_exercise_map()
    fb = check_relu_gradient_mask(F >= 0)
    _assert_hint(fb, *_printed(F > 0))
    assert "exactly 0" in fb.message


@pytest.mark.parametrize("wrong", [
    lambda F: F < 0,
    lambda F: F != 0,
    lambda F: relu(F),              # the output, not a mask
    lambda F: (F > 0)[:, :4],       # wrong shape
    lambda F: np.ones_like(F, dtype=bool),
    lambda F: (F > 1),              # one pixel of value 1 wrongly blocked
])
def test_gradient_mask_wrong_answers_get_hints(wrong):
    F = relu_mask_exercise_map()
    _assert_hint(check_relu_gradient_mask(wrong(F)), *_printed(F > 0))


# --- exercise 4: the bias that lets the -6 map pass ---------------------------------------------

def test_bias_none_is_not_answered():
    assert check_relu_bias(None).ok is None


def test_bias_right_answer_is_the_smallest_whole_number():
    fmap = conv2d(seed_image(), seed_kernel())
    smallest = next(b for b in range(100) if relu_derivative(fmap + b).all())
    assert check_relu_bias(smallest).ok is True
    assert check_relu_bias(float(smallest)).ok is True
    assert check_relu_bias(np.int64(smallest)).ok is True


@pytest.mark.parametrize("wrong", [-6, 0, 5, 6, 8, 20, 6.5, "7", True, float("nan"), [7, 7]])
def test_bias_wrong_answers_get_hints(wrong):
    fb = check_relu_bias(wrong)
    _assert_hint(fb, "7")


def test_bias_six_gets_the_corner_hint():
    assert "corner" in check_relu_bias(6).message


# --- the gradient shown in the lesson, checked numerically ----------------------------------------

def test_relu_derivative_matches_numerical_gradient_away_from_the_corner():
    rng = np.random.default_rng(0)
    x = rng.normal(scale=3, size=200)
    x = x[np.abs(x) > 1e-3]  # the central difference straddles the corner within h of 0
    numerical = numerical_gradient(lambda v: relu(v).sum(), x)
    assert rel_error(numerical, relu_derivative(x)) < GRAD_BOUND


def test_central_difference_at_the_corner_is_one_half():
    # the notebook shows this: neither one-sided slope, which is why the course fixes f'(0) = 0 instead
    assert numerical_gradient(lambda v: relu(v).sum(), np.array([0.0]))[0] == pytest.approx(0.5)
    assert relu_derivative(0.0) == 0.0


def test_linear_maps_collapse_and_relu_breaks_it():
    rng = np.random.default_rng(0)
    W1, W2, x = rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=3)
    np.testing.assert_allclose(W2 @ (W1 @ x), (W2 @ W1) @ x)
    assert np.abs(W2 @ relu(W1 @ x) + W2 @ relu(W1 @ -x)).max() > 0.1
