"""Feedback for the exercises of lesson 3 (``03_relu.ipynb``): ReLU of a small matrix, the derivative at
given points (0 among them), the mask of pixels that pass the gradient, the bias that lets a whole map pass.

The exercises' inputs come from the functions below, so the notebook prints them instead of typing them;
every hint names the kind of mistake, never the expected numbers.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..activations import relu, relu_derivative
from ..conv import conv2d
from ..data import seed_image, seed_kernel
from .common import Feedback, correct, incorrect, not_answered

__all__ = ["relu_exercise_matrix", "relu_derivative_points", "relu_mask_exercise_map",
           "check_relu_matrix", "check_relu_derivative_values", "check_relu_gradient_mask",
           "check_relu_bias"]


def relu_exercise_matrix() -> np.ndarray:
    """The 3x4 matrix of exercise 1 (lesson 3): positives, negatives, a 0 and fractions. Shape (3, 4)."""
    return np.array([[3.0, -1.0, 0.0, 2.5],
                     [-2.0, 5.0, -4.0, 0.5],
                     [1.0, -0.5, -3.0, 6.0]])


def relu_derivative_points() -> np.ndarray:
    """The points x of exercise 2 (lesson 3), the corner 0 among them. Shape (5,)."""
    return np.array([-2.0, -0.1, 0.0, 0.1, 3.0])


def relu_mask_exercise_map() -> np.ndarray:
    """The small feature map of exercise 3 (lesson 3), with several entries exactly 0. Shape (4, 5)."""
    return np.array([[4.0, -2.0, 0.0, 7.0, -1.0],
                     [0.0, 3.0, -5.0, 0.0, 2.0],
                     [-3.0, 0.0, 6.0, -2.0, 0.0],
                     [1.0, -4.0, 0.0, 5.0, -6.0]])


def _as_numbers(answer, what):
    """(array, None) or (None, Feedback) when the answer cannot be read as numbers."""
    if isinstance(answer, (str, bytes)):
        return None, incorrect(f"{what} should be numbers (a list or a numpy array), not text.")
    try:
        arr = np.array(answer, dtype=float)
    except (TypeError, ValueError):
        return None, incorrect(f"{what} could not be read as an array of numbers: check that every row "
                               f"has the same length and holds only numbers.")
    if not np.all(np.isfinite(arr)):
        return None, incorrect(f"{what} holds NaN or infinity; ReLU of finite numbers is finite.")
    return arr, None


def check_relu_matrix(answer) -> Feedback:
    """Exercise 1: ``answer`` should be ReLU applied to :func:`relu_exercise_matrix`, shape (3, 4)."""
    if answer is None:
        return not_answered()
    M = relu_exercise_matrix()
    arr, problem = _as_numbers(answer, "Your answer")
    if problem is not None:  # a Feedback is falsy when not ok
        return problem
    if arr.shape != M.shape:
        return incorrect(f"Your answer has shape {arr.shape}, but ReLU works entry by entry and keeps "
                         f"the shape of its input, {M.shape}.")
    expected = relu(M)
    if np.array_equal(arr, expected):
        return correct("every negative entry became 0 and every positive one passed unchanged.")
    if (arr < 0).any():
        return incorrect("There is a negative number in your answer, but max(0, x) is never negative.")
    if not np.array_equal(arr[M > 0], M[M > 0]):
        return incorrect("An entry that was positive has changed: for x > 0, ReLU gives x itself, "
                         "unchanged.")
    return incorrect("An entry whose input was negative or zero is not 0 in your answer. "
                     "ReLU does not take the absolute value.")


def check_relu_derivative_values(answer) -> Feedback:
    """Exercise 2: ``answer`` should list f'(x) at each of :func:`relu_derivative_points`, in order."""
    if answer is None:
        return not_answered()
    x = relu_derivative_points()
    arr, problem = _as_numbers(answer, "Your answer")
    if problem is not None:  # a Feedback is falsy when not ok
        return problem
    arr = arr.reshape(-1)
    if arr.size != x.size:
        return incorrect(f"Give one value per point: {x.size} values in the same order as the points, "
                         f"you gave {arr.size}.")
    expected = relu_derivative(x)
    if np.array_equal(arr, expected):
        return correct("slope 1 where the ramp rises, 0 where it is flat, and 0 at the corner x = 0 by "
                       "the course's convention (the same as every deep-learning library).")
    if not np.isin(arr, (0.0, 1.0)).all():
        return incorrect("A slope of ReLU is either that of the flat part or that of the rising line; "
                         "some of your values are neither. (Are you giving f(x) instead of f'(x)?)")
    wrong = arr != expected
    at_zero = bool(wrong[x == 0].any())
    away = int(wrong[x != 0].sum())
    if away and at_zero:
        return incorrect(f"{away} value(s) away from 0 are not right (ask at each point whether x > 0), "
                         f"and look again at x = 0 too.")
    if away:
        return incorrect(f"{away} value(s) away from 0 are not right: at each point ask whether x > 0.")
    return incorrect("Your values away from 0 are right. Look again at x = 0: the ramp has a corner "
                     "there; which value does the course (like every library) use?")


def check_relu_gradient_mask(answer) -> Feedback:
    """Exercise 3: ``answer`` should be the boolean mask of the pixels of :func:`relu_mask_exercise_map`
    through which ReLU passes the gradient (where its derivative is 1). Shape (4, 5)."""
    if answer is None:
        return not_answered()
    F = relu_mask_exercise_map()
    arr, problem = _as_numbers(answer, "Your mask")
    if problem is not None:  # a Feedback is falsy when not ok
        return problem
    if arr.shape != F.shape:
        return incorrect(f"Your mask has shape {arr.shape} but needs one entry per pixel of the map, "
                         f"{F.shape}.")
    if not np.isin(arr, (0.0, 1.0)).all():
        return incorrect("Your mask holds values other than True/False (or 1/0). A mask only says pass or "
                         "not; it is not the ReLU output itself.")
    got = arr.astype(bool)
    expected = F > 0
    if np.array_equal(got, expected):
        if np.asarray(answer).dtype != bool:
            return correct("the right pixels. (A comparison such as F > 0 gives the same mask as True and "
                           "False, which numpy can index with directly.)")
        return correct("exactly the pixels with a positive value pass the gradient; the zeros and the "
                       "negatives block it.")
    if np.array_equal(got, F >= 0):
        return incorrect("You let the pixels that are exactly 0 pass. At the corner the course uses "
                         "f'(0) = 0: do they pass?")
    if (got & (F < 0)).any():
        return incorrect("Some pixel with a negative value passes in your mask, but ReLU is flat there.")
    return incorrect(f"{int((got != expected).sum())} pixel(s) are wrong: a pixel passes the gradient "
                     f"where the slope of ReLU at its value is 1.")


def check_relu_bias(answer) -> Feedback:
    """Exercise 4: ``answer`` should be the smallest whole number b for which every entry of
    ``conv2d(seed_image(), seed_kernel()) + b`` passes the gradient through ReLU."""
    if answer is None:
        return not_answered()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not np.isfinite(answer):
        return incorrect("Give one number, the bias b (for example 3).")
    b = float(answer)
    if b != round(b):
        return incorrect("Give a whole number: the question asks for the smallest integer b.")
    z = conv2d(seed_image(), seed_kernel()) + b
    if relu_derivative(z).all():
        if relu_derivative(z - 1).all():
            return incorrect("With your b every entry passes, but a smaller whole number works too.")
        return correct("every entry of the map becomes positive, so ReLU passes all of them and their "
                       "gradient; one less would put every entry on the corner, where nothing passes.")
    if (z == 0).all():
        return incorrect("With your b every entry lands exactly on the corner, 0, where this course's "
                         "derivative is 0: nothing passes yet.")
    return incorrect("With your b the entries are still negative, so ReLU sets them to 0 and passes no "
                     "gradient. Shift them further up.")
