"""Feedback for the exercises of lesson 3 (``03_relu.ipynb``): ReLU of a small matrix, the derivative at
given points (0 among them), the mask of pixels that pass the gradient, the bias that lets a whole map pass.

The exercises' inputs come from the functions below, so the notebook prints them instead of typing them;
every hint names the kind of mistake, never the expected numbers.
"""

from __future__ import annotations

import numpy as np

from ..activations import relu, relu_derivative
from ..conv import conv2d
from ..data import seed_image, seed_kernel
from .common import (RTOL, Feedback, arrangement_hint, close, correct, incorrect, is_unanswered, never_raises,
                     not_answered, read_array, read_number, snap)

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


_CONVENTION = ("cnnmath's relu_derivative uses f'(0) = 0 (like PyTorch, TensorFlow and JAX), but any value "
               "from 0 to 1 is a valid choice at the corner.")

_UNDEFINED = ("at x = 0 you wrote that the slope is undefined. In the strict sense it is: the slope just left "
              "of 0 is 0, just right of it 1, so the ramp has a corner and no single tangent there. But "
              "backpropagation needs a number at every point, so a value is chosen: any number from 0 to 1 "
              "(the slope of a line that touches the corner and stays below the ramp, a subgradient) is "
              "defensible. Give a number at x = 0 too.")


@never_raises
def check_relu_matrix(answer) -> Feedback:
    """Exercise 1: ``answer`` should be ReLU applied to :func:`relu_exercise_matrix`, shape (3, 4)."""
    if is_unanswered(answer):
        return not_answered()
    M = relu_exercise_matrix()
    arr, problem = read_array(answer, "a 3 x 4 list of lists of numbers")
    if problem is not None:
        return problem
    if arr.shape == M.shape[::-1]:
        return incorrect(f"Your answer has shape {arr.shape}: rows and columns are swapped. ReLU works entry "
                         f"by entry and keeps the shape of its input, {M.shape}.")
    if arrangement_hint(arr, M.shape) is not None:
        return arrangement_hint(arr, M.shape)
    if arr.shape != M.shape:
        return incorrect(f"Your answer has shape {arr.shape}, but ReLU works entry by entry and keeps "
                         f"the shape of its input, {M.shape}.")
    expected = relu(M)
    if close(arr, expected):
        return correct("every negative entry became 0 and every positive one passed unchanged.")
    if close(arr, M):
        return incorrect("That is the input unchanged: ReLU sets every negative entry to 0.")
    if close(arr, np.abs(M)):
        return incorrect("That is the absolute value: ReLU does not flip negative numbers, it sets them to 0.")
    if close(arr, np.minimum(M, 0)) or close(arr, -relu(-M)):
        return incorrect("That keeps the negative part: ReLU is max(0, x), which keeps the positive part.")
    if close(arr, relu_derivative(M)):
        return incorrect("That is the derivative (1 where x > 0, else 0), the mask of exercise 3; here ReLU's "
                         "output itself is wanted: positive entries pass with their own value.")
    if (arr < 0).any():
        return incorrect("There is a negative number in your answer, but max(0, x) is never negative.")
    if not close(arr[M > 0], M[M > 0]):
        return incorrect("An entry that was positive has changed: for x > 0, ReLU gives x itself, "
                         "unchanged.")
    return incorrect("An entry whose input was negative or zero is not 0 in your answer. "
                     "ReLU does not take the absolute value.")


def _undefined_at_zero(answer, x):
    """Whether the answer is a list of ``x.size`` entries whose entry at x = 0 says "undefined" (None, NaN
    or text) while the others are numbers."""
    if isinstance(answer, np.ndarray):
        answer = answer.tolist()
    if not isinstance(answer, (list, tuple)) or len(answer) != x.size:
        return False
    zero = int(np.flatnonzero(x == 0)[0])
    item = answer[zero]
    said_undefined = item is None or isinstance(item, str) or \
        (isinstance(item, (float, np.floating)) and np.isnan(item))
    others = [a for k, a in enumerate(answer) if k != zero]
    return said_undefined and read_array(others, "numbers")[1] is None


@never_raises
def check_relu_derivative_values(answer) -> Feedback:
    """Exercise 2: ``answer`` should list f'(x) at each of :func:`relu_derivative_points`, in order.

    At x = 0 any value in [0, 1] is accepted (lesson 3: each is a subgradient); cnnmath uses 0.
    """
    if is_unanswered(answer):
        return not_answered()
    x = relu_derivative_points()
    if _undefined_at_zero(answer, x):
        return incorrect(_UNDEFINED)
    arr, problem = read_array(answer, f"{x.size} numbers, f'(x) at each point in order")
    if problem is not None:
        return problem
    arr = arr.reshape(-1)
    if arr.size != x.size:
        return incorrect(f"Give one value per point: {x.size} values in the same order as the points, "
                         f"you gave {arr.size}.")
    zero = x == 0
    expected = relu_derivative(x)
    away_ok = close(arr[~zero], expected[~zero])
    at_zero = float(arr[zero][0])
    zero_ok = -RTOL <= at_zero <= 1 + RTOL
    if away_ok and zero_ok:
        if close(at_zero, 0.0):
            return correct("slope 1 where the ramp rises, 0 where it is flat, and 0 at the corner x = 0: "
                           "the value cnnmath's relu_derivative uses (any value from 0 to 1 would be "
                           "accepted there).")
        return correct(f"slope 1 where the ramp rises, 0 where it is flat, and at the corner {at_zero:g}, a "
                       f"value between the two one-sided slopes: accepted. {_CONVENTION}")
    if close(arr, relu(x)):
        return incorrect("Those are the values f(x) = max(0, x), not the slopes f'(x): the slope of the "
                         "rising line is the same everywhere on it.")
    if close(arr[~zero], 1 - expected[~zero]):
        return incorrect("Your slopes are the wrong way round: ReLU is flat (slope 0) for x < 0 and rises "
                         "(slope 1) for x > 0.")
    if close(arr[~zero], np.sign(x[~zero])):
        return incorrect("For x < 0 ReLU is flat, so its slope is 0, not -1: the value stays at 0 as x "
                         "changes.")
    if close(arr[~zero], np.abs(x[~zero])) or close(arr[~zero], x[~zero]):
        return incorrect("Those are values of x (or |x|), not slopes: the slope of ReLU is 0 on the flat part "
                         "and 1 on the rising line, whatever x is.")
    if away_ok:
        return incorrect(f"Your values away from 0 are right. At x = 0 you gave {at_zero:g}, outside the two "
                         "one-sided slopes 0 (from the left) and 1 (from the right); at the corner any value "
                         "from 0 to 1 is a valid choice, and a slope outside that range is not.")
    if not np.isin(arr[~zero], (0.0, 1.0)).all():
        return incorrect("A slope of ReLU away from the corner is either that of the flat part or that of "
                         "the rising line; some of your values are neither.")
    away = int((~np.isclose(arr[~zero], expected[~zero])).sum())
    return incorrect(f"{away} value{'s' if away != 1 else ''} away from 0 {'are' if away != 1 else 'is'} not "
                     "right: at each point ask whether x > 0 (slope 1) or x < 0 (slope 0).")


@never_raises
def check_relu_gradient_mask(answer) -> Feedback:
    """Exercise 3: ``answer`` should be the boolean mask of the pixels of :func:`relu_mask_exercise_map`
    through which ReLU passes the gradient (where its derivative is 1). Shape (4, 5)."""
    if is_unanswered(answer):
        return not_answered()
    F = relu_mask_exercise_map()
    arr, problem = read_array(answer, "a mask of True/False (or 1/0), one per pixel of F", allow_bool=True)
    if problem is not None:
        return problem
    if arr.shape == F.shape[::-1]:
        return incorrect(f"Your mask has shape {arr.shape}: rows and columns are swapped; it needs one entry "
                         f"per pixel of the map, {F.shape}.")
    if arrangement_hint(arr, F.shape) is not None:
        return arrangement_hint(arr, F.shape)
    if arr.shape != F.shape:
        return incorrect(f"Your mask has shape {arr.shape} but needs one entry per pixel of the map, "
                         f"{F.shape}.")
    arr = snap(arr)
    if close(arr, relu(F)):
        return incorrect("That is the ReLU output itself; a mask only says pass (True/1) or not (False/0).")
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
    if np.array_equal(got, F < 0) or np.array_equal(got, F <= 0):
        return incorrect("Your mask is the wrong way round: the gradient passes where ReLU rises (x > 0), "
                         "and is blocked where it is flat.")
    if np.array_equal(got, F != 0):
        return incorrect("Your mask lets the negative pixels pass too; ReLU is flat there, so their gradient "
                         "is 0.")
    if (got & (F < 0)).any():
        return incorrect("Some pixel with a negative value passes in your mask, but ReLU is flat there.")
    n = int((got != expected).sum())
    return incorrect(f"{n} pixel{'s are' if n != 1 else ' is'} wrong: a pixel passes the gradient where the "
                     "slope of ReLU at its value is 1.")


@never_raises
def check_relu_bias(answer) -> Feedback:
    """Exercise 4: ``answer`` should be the smallest whole number b for which every entry of
    ``conv2d(seed_image(), seed_kernel()) + b`` passes the gradient through ReLU."""
    if is_unanswered(answer):
        return not_answered()
    b, problem = read_number(answer, "one whole number, the bias b (for example 3)")
    if problem is not None:
        return problem
    b = float(snap(b))
    if b != round(b):
        return incorrect("Give a whole number: the question asks for the smallest integer b.")
    z = conv2d(seed_image(), seed_kernel())
    if relu_derivative(z + b).all():
        if relu_derivative(z + b - 1).all():
            return incorrect("With your b every entry passes, but a smaller whole number works too.")
        return correct("every entry of the map becomes positive, so ReLU passes all of them and their "
                       "gradient; one less would put every entry on the corner, where nothing passes.")
    if (z + b == 0).all():
        return incorrect("With your b every entry lands exactly on the corner, 0, where this course's "
                         "derivative is 0: nothing passes yet.")
    if relu_derivative(z - b).all():
        return incorrect("The sign of b is reversed: the bias is added to the map, z + b, so a negative map "
                         "needs a positive b to move up.")
    return incorrect("With your b the entries are still negative, so ReLU sets them to 0 and passes no "
                     "gradient. Shift them further up.")
