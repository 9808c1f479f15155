"""Exercise feedback of lesson 2 (``02_convolution.ipynb``): one output by hand, an output size, your own
double loop, and one output of a true (flipped) convolution.

The questions' data live here (the notebook quotes them from code, and a test keeps the two in step):
:data:`EXERCISE_IMAGE`, :data:`EXERCISE_KERNEL` and :data:`EXERCISE_POSITION` for the outputs by hand,
:data:`SIZE_QUESTION` for the output size. The hidden cases of :func:`check_my_conv2d` are not shown to
the student; a failing case is named (its shapes and stride), never its expected numbers.
"""

from __future__ import annotations

import math

import numpy as np

from ..conv import conv2d, conv_output_size, convolve2d
from ..data import seed_image, seed_kernel
from .common import (Feedback, close, correct, count_off, incorrect, is_unanswered, never_raises, not_answered,
                     read_array, read_number, snap, student_array)

__all__ = ["EXERCISE_IMAGE", "EXERCISE_KERNEL", "EXERCISE_POSITION", "SIZE_QUESTION",
           "check_output_by_hand", "check_output_size", "check_my_conv2d", "check_true_convolution"]

#: Exercise 1's 5x5 image (small whole numbers, so the sum is quick by hand).
EXERCISE_IMAGE = ((3, 1, 0, 2, 5),
                  (4, 6, 2, 1, 0),
                  (1, 2, 7, 3, 2),
                  (0, 5, 1, 4, 6),
                  (2, 3, 2, 0, 1))
#: Exercise 1's 3x3 kernel: no symmetry, so flipping it (exercise 4) changes the answer.
EXERCISE_KERNEL = ((1, 2, 0),
                   (0, 1, 0),
                   (0, -1, -1))
#: The output position asked for in exercises 1 and 4: row 1, column 2 (counted from 0).
EXERCISE_POSITION = (1, 2)
#: Exercise 2: a 28 x 28 image (a handwritten digit), a 5 x 5 kernel, stride 2, zero padding 2.
SIZE_QUESTION = {"size": 28, "kernel": 5, "stride": 2, "padding": 2}

# Names that would do the student's work for them in check_my_conv2d.
_LIBRARY_NAMES = frozenset({"conv2d", "conv2d_naive", "convolve2d", "correlate2d", "correlate", "convolve",
                            "fftconvolve", "sliding_window_view", "conv2d_forward"})


def _image():
    return np.array(EXERCISE_IMAGE, dtype=np.float64)


def _kernel():
    return np.array(EXERCISE_KERNEL, dtype=np.float64)


def _at(out, position):
    """``out[position]``, or NaN (equal to no answer) for a position outside ``out``."""
    i, j = position
    if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
        return float("nan")
    return float(out[i, j])


def _close(a, b):
    return close(a, b)


def _hand_number(answer, what):
    """One number for a hand computation; nine numbers get their own hint (the products, not added)."""
    arr, problem = read_array(answer, what)
    if problem is not None:
        return None, problem
    if arr.size == 9:
        return None, incorrect("those look like the nine products (or the window): the output is one number, "
                               "their sum.")
    return read_number(arr, what)


# ----------------------------------------------------------------------------------------------------
# Exercise 1: one output by hand
# ----------------------------------------------------------------------------------------------------

def _window_sum(image, position, shape):
    i, j = position
    return float(image[i:i + shape[0], j:j + shape[1]].sum())


@never_raises
def check_output_by_hand(answer) -> Feedback:
    """Exercise 1: ``conv2d(EXERCISE_IMAGE, EXERCISE_KERNEL)[1, 2]``, computed by hand (lesson 2)."""
    if is_unanswered(answer):
        return not_answered()
    value, problem = _hand_number(answer, "one number (the sum of nine products)")
    if problem is not None:
        return problem
    I, K = _image(), _kernel()
    i, j = EXERCISE_POSITION
    out = conv2d(I, K)
    if _close(value, _at(out, EXERCISE_POSITION)):
        return correct(f"output[{i}, {j}] = {value:g}: the window starts at row {i}, column {j}, and each of its "
                       "nine pixels is multiplied by the kernel weight lying on it.")
    if _close(value, _at(convolve2d(I, K), EXERCISE_POSITION)):
        return incorrect("that is the true convolution (kernel turned by 180 degrees); the lesson's formula "
                         "lays K on the window as written: K[0, 0] on the window's top-left pixel.")
    if _close(value, _at(out, (j, i))):
        return incorrect(f"that is output[{j}, {i}]: the first index is the row. Start the window at row {i}, "
                         f"column {j}.")
    if _close(value, _at(out, (i - 1, j - 1))):
        return incorrect("that window starts one row and one column too early (as if the kernel were centred "
                         f"on ({i}, {j})): the kernel's top-left corner lies on pixel ({i}, {j}), so "
                         f"output[{i}, {j}] uses rows {i} to {i + 2} and columns {j} to {j + 2}.")
    if _close(value, _at(out, (i + 1, j + 1))):
        return incorrect("that window starts one row and one column too late: positions count from 0, so "
                         f"output[{i}, {j}] uses rows {i} to {i + 2} and columns {j} to {j + 2}.")
    if any(_close(value, _at(out, pos)) for pos in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))):
        return incorrect("that is the output next to the one asked for (one row or one column off): the "
                         f"window of output[{i}, {j}] starts at row {i}, column {j}, counted from 0.")
    if _close(value, _window_sum(I, EXERCISE_POSITION, K.shape)):
        return incorrect("that is the plain sum of the window's pixels: multiply each pixel by the kernel weight "
                         "on top of it first, then add the nine products.")
    if _close(value, -_at(out, EXERCISE_POSITION)):
        return incorrect("every sign is reversed: the products are added as they are (the negative kernel "
                         "weights give the negative products).")
    if _close(value, float(K.sum())) or _close(value, _at(conv2d(I, np.abs(K)), EXERCISE_POSITION)):
        return incorrect("check the signs: the bottom row of the kernel is negative, so those two products "
                         "are subtracted.")
    return incorrect(f"not quite. Write the 3x3 window (rows {i} to {i + 2}, columns {j} to {j + 2}) under the "
                     "kernel, multiply the pairs, and add the nine products; the step-through explorer shows "
                     "the same steps for the worked example.")


# ----------------------------------------------------------------------------------------------------
# Exercise 2: an output size
# ----------------------------------------------------------------------------------------------------

@never_raises
def check_output_size(answer) -> Feedback:
    """Exercise 2: the output side for :data:`SIZE_QUESTION` (an int, or a pair of equal ints) (lesson 2)."""
    if is_unanswered(answer):
        return not_answered()
    what = "one whole number: the side of the square output (or two equal numbers, its shape)"
    arr, problem = read_array(answer, what)
    if problem is not None:
        return problem
    if arr.size == 2 and not close(arr.ravel()[0], arr.ravel()[1]):
        return incorrect("the image and the kernel are square, so the output is square too: one number "
                         "(or two equal numbers).")
    if arr.size not in (1, 2):
        return incorrect(f"give {what}; your answer has {arr.size} numbers.")
    value, problem = read_number(arr.ravel()[0], what)
    if problem is not None:
        return problem
    value = float(snap(value))
    h, k, s, p = (SIZE_QUESTION[key] for key in ("size", "kernel", "stride", "padding"))
    right = conv_output_size(h, k, s, p)
    exact = (h + 2 * p - k) / s
    if value == right:
        return correct(f"({h} + 2*{p} - {k}) // {s} + 1 = {right}: the division is not whole, and the floor "
                       "drops the window that would stick out of the padded image.")
    if close(value, exact + 1) or close(value, exact):
        return incorrect("an output has a whole number of rows: the // in the formula rounds the fraction "
                         "down before the + 1.")
    if value != int(value):
        return incorrect("an output has a whole number of rows. What does the // in the formula do to a "
                         "fraction?")
    if value == math.ceil(exact) + 1:
        return incorrect("one too many: rounding up would count a window that sticks out past the padded "
                         "border. The formula rounds down.")
    if value == int(exact):
        return incorrect("one too few: did you forget the + 1 (the first window, at position 0), or add the "
                         "padding on one side only?")
    if value == (h - k) // s + 1:
        return incorrect("that is the size without padding: padding adds P zeros on each side, 2P in all.")
    if value == h + 2 * p - k + 1:
        return incorrect("that would be right for stride 1; with stride S the window jumps S pixels, so divide "
                         "by S (and round down) before adding 1.")
    if value == (h + 2 * p) // s + 1 or value == (h + 2 * p) // s:
        return incorrect("the kernel size is missing: the last window must fit inside the padded image, so "
                         "subtract K before dividing by the stride.")
    return incorrect("not quite: put the four numbers into H_out = (H + 2P - K) // S + 1, and check with the "
                     "output-size explorer.")


# ----------------------------------------------------------------------------------------------------
# Exercise 3: your own double loop
# ----------------------------------------------------------------------------------------------------

def _hidden_cases():
    """(description, image, kernel, stride): the cases check_my_conv2d tries, none of them shown in the lesson."""
    rng = np.random.default_rng(2)

    def ints(shape):
        return rng.integers(-4, 6, size=shape).astype(np.float64)

    return [
        ("the worked example: 5x5 image 1..25, 3x3 kernel with rows [1, 0, -1], stride 1",
         seed_image(), seed_kernel(), 1),
        ("a 4x6 image (wider than tall), 3x3 kernel, stride 1", ints((4, 6)), ints((3, 3)), 1),
        ("a 5x7 image with a non-square 2x3 kernel (2 rows, 3 columns), stride 1", ints((5, 7)), ints((2, 3)), 1),
        ("a 7x7 image, 3x3 kernel, stride 2", ints((7, 7)), ints((3, 3)), 2),
        ("a 6x8 image, 3x3 kernel, stride 2 (the windows do not fit evenly)", ints((6, 8)), ints((3, 3)), 2),
        ("an 8x9 image, non-square 3x2 kernel, stride 3", ints((8, 9)), ints((3, 2)), 3),
        ("a 3x4 image with a 3x4 kernel (exactly one window)", ints((3, 4)), ints((3, 4)), 1),
        ("a 4x5 image with a 1x1 kernel (every pixel times one weight), stride 2", ints((4, 5)), ints((1, 1)), 2),
        ("a 6x6 image of decimals with a 3x3 kernel of decimals, stride 1",
         rng.random((6, 6)), rng.normal(size=(3, 3)), 1),
    ]


def _uses_library(func) -> str | None:
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions and comprehensions keep their own names
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    used = sorted(names & _LIBRARY_NAMES)
    return used[0] if used else None


def _shape_hint(got, image, kernel, stride):
    (h, w), (kh, kw) = image.shape, kernel.shape
    need = ((h - kh) // stride + 1, (w - kw) // stride + 1)
    if stride > 1 and got == (-(-(h - kh) // stride) + 1, -(-(w - kw) // stride) + 1):
        return "Rounded up: a window that would stick out past the border is not computed, so round down (//)."
    if got == (need[0] - 1, need[1]) or got == (need[0], need[1] - 1) or got == (need[0] - 1, need[1] - 1):
        return ("One row or column too few: an off-by-one in the loop bounds. There are (H - KH) // S + 1 "
                "window positions down (range stops before its end), and likewise across.")
    if got == (need[0] + 1, need[1]) or got == (need[0], need[1] + 1) or got == (need[0] + 1, need[1] + 1):
        return ("One row or column too many: the last window would stick out of the image. There are "
                "(H - KH) // S + 1 window positions down, and likewise across.")
    if stride > 1 and got == (h - kh + 1, w - kw + 1):
        return "That is the size for stride 1: with stride S there are (H - KH) // S + 1 positions down."
    if got == need[::-1]:
        return "Rows and columns are swapped: the output has (H - KH) // S + 1 rows and (W - KW) // S + 1 columns."
    if kh != kw and got == ((h - kw) // stride + 1, (w - kh) // stride + 1):
        return ("The kernel's height and width are mixed up: the number of rows of the output uses the "
                "kernel's rows (KH = kernel.shape[0]), the columns its columns (KW = kernel.shape[1]).")
    return ("The output-size formula gives the shape: (H - KH) // S + 1 rows and (W - KW) // S + 1 columns, "
            "where H, W is image.shape and KH, KW is kernel.shape.")


def _value_hint(got, image, kernel, stride, expected):
    if close(got, convolve2d(image, kernel, stride=stride)) and close(got, -expected):
        return ("every output has the wrong sign. For this kernel two bugs give exactly that: either you "
                "flipped the kernel (true convolution; the lesson's formula multiplies image[i*S + m, j*S + n] "
                "by kernel[m, n], unflipped), or there is a minus sign in the sum.")
    if close(got, convolve2d(image, kernel, stride=stride)):
        return ("you flipped the kernel (that is true convolution); the lesson's formula multiplies "
                "image[i*S + m, j*S + n] by kernel[m, n], unflipped.")
    if close(got, -expected):
        return "every sign is reversed: add the products as they are, with no minus sign."
    if stride > 1:
        no_stride = conv2d(image, kernel)[:got.shape[0], :got.shape[1]]
        if close(got, no_stride):
            return ("the window for output [i, j] starts at row i*stride and column j*stride, not at row i, "
                    "column j.")
    kh, kw = kernel.shape
    sums = conv2d(image, np.ones((kh, kw)), stride=stride)
    if close(got, sums):
        return "multiply each pixel by its kernel weight before adding."
    if kh == kw and close(got, conv2d(image, kernel.T, stride=stride)):
        return ("the kernel is used transposed: kernel[m, n] has m down (rows) and n across (columns), like "
                "image[i*S + m, j*S + n].")
    if got.shape[0] == got.shape[1] and close(got.T, expected):
        return "rows and columns of the output are swapped: out[i, j] has i down and j across."
    n, entries = count_off(got, expected)
    wrong = np.argwhere(np.abs(got - expected) > 1e-6 * max(1.0, float(np.abs(expected).max())))
    i, j = (int(v) for v in wrong[0]) if len(wrong) else (0, 0)
    return (f"the shape is right but {entries} wrong (of {expected.size}), the first at output[{i}, {j}]. "
            f"Work that one out by hand with the formula and compare it with your loop's indices.")


@never_raises
def check_my_conv2d(func) -> Feedback:
    """Exercise 3: test the student's ``my_conv2d(image, kernel, stride=1)`` on hidden cases (lesson 2).

    The cases include stride 2 and 3, non-square images and kernels, a kernel as large as the image and
    a stride that does not divide evenly. A failure names the case (its shapes and stride) and the likely
    bug (off-by-one bounds, stride ignored, flipped kernel, ...), never the expected numbers. The output is
    compared within the tolerance of :mod:`cnnmath.checks.common`, whatever its dtype (float32, ints, a
    list of rows).
    """
    if is_unanswered(func):
        return not_answered("define my_conv2d and run the cell again.")
    if not callable(func):
        return incorrect(f"pass the function itself, check_my_conv2d(my_conv2d), not a {type(func).__name__}.")
    library = _uses_library(func)
    if library is not None:
        return incorrect(f"your function calls {library}: the point is to write the two loops over output "
                         "positions yourself (plain Python and numpy sums are fine).")
    cases = _hidden_cases()
    for number, (what, image, kernel, stride) in enumerate(cases, start=1):
        name = f"case {number} of {len(cases)} ({what})"
        image_in, kernel_in = image.copy(), kernel.copy()
        try:
            got = func(image_in, kernel_in, stride=stride)
        except TypeError as err:
            if "stride" in str(err):
                return incorrect(f"{name}: your function does not accept stride=...; keep the signature "
                                 "my_conv2d(image, kernel, stride=1).")
            return incorrect(f"{name} raised TypeError: {err}")
        except IndexError as err:
            return incorrect(f"{name} raised IndexError ({err}): a loop runs past the image. The last window "
                             "must end inside the image: count the positions with (H - KH) // S + 1.")
        except ValueError as err:
            if "broadcast" in str(err):
                return incorrect(f"{name}: a window and the kernel have different shapes ({err}). Either a "
                                 "window runs past the edge of the image (check the loop bounds), or the "
                                 "kernel's rows and columns are mixed up (KH = kernel.shape[0] rows, "
                                 "KW = kernel.shape[1] columns).")
            return incorrect(f"{name} raised ValueError: {err}")
        except Exception as err:  # the student's code: any error is a hint
            return incorrect(f"{name} raised {type(err).__name__}: {err}")
        if got is None:
            if number == 1:
                return not_answered("my_conv2d returned None: fill in the loops and return the output array.")
            return incorrect(f"{name}: your function returned None.")
        if not (np.array_equal(image_in, image) and np.array_equal(kernel_in, kernel)):
            return incorrect(f"{name}: your function changed its input arrays; build a new output array "
                             "instead.")
        whole_numbers = getattr(np.asarray(got, dtype=object) if isinstance(got, (list, tuple)) else
                                np.asarray(got), "dtype", None)
        whole_numbers = whole_numbers is not None and whole_numbers.kind in "iu"
        got, problem = student_array(got, name, "a 2-D array of numbers (a numpy array or a list of rows)")
        if problem is not None:
            return problem
        expected = conv2d(image, kernel, stride=stride)
        if got.shape != expected.shape:
            hint = _shape_hint(got.shape, image, kernel, stride)
            return incorrect(f"{name}: your output has shape {got.shape}. {hint}")
        if not close(got, expected):
            if whole_numbers and close(got, np.trunc(expected)):
                return incorrect(f"{name}: your output holds whole numbers only, so the decimals are cut off. "
                                 "Create the output array with a float dtype, e.g. np.zeros((h_out, w_out)).")
            return incorrect(f"{name}: {_value_hint(got, image, kernel, stride, expected)}")
    return correct(f"all {len(cases)} hidden cases pass, including strides 2 and 3, non-square kernels and a "
                   "stride that does not divide evenly.")


# ----------------------------------------------------------------------------------------------------
# Exercise 4: the same window, true convolution
# ----------------------------------------------------------------------------------------------------

@never_raises
def check_true_convolution(answer) -> Feedback:
    """Exercise 4: ``convolve2d(EXERCISE_IMAGE, EXERCISE_KERNEL)[1, 2]``, by hand (lesson 2)."""
    if is_unanswered(answer):
        return not_answered()
    value, problem = _hand_number(answer, "one number (the sum of nine products)")
    if problem is not None:
        return problem
    I, K = _image(), _kernel()
    right = _at(convolve2d(I, K), EXERCISE_POSITION)
    if _close(value, right):
        return correct(f"{value:g}: turn K by 180 degrees (flip its rows and its columns), then lay it on the "
                       "same window as in exercise 1.")
    if _close(value, _at(conv2d(I, K), EXERCISE_POSITION)):
        return incorrect("that is the cross-correlation of exercise 1: flip the kernel first.")
    i, j = EXERCISE_POSITION
    if _close(value, _at(convolve2d(I, K), (j, i))):
        return incorrect(f"the flip is right, but that is output[{j}, {i}]: the window starts at row {i}, "
                         f"column {j}.")
    if _close(value, -right):
        return incorrect("every sign is reversed: flipping the kernel moves its weights, it does not change "
                         "their signs.")
    half_flips = (K[::-1, :], K[:, ::-1], K.T, K[::-1, ::-1].T)
    if any(_close(value, _at(conv2d(I, k), EXERCISE_POSITION)) for k in half_flips):
        return incorrect("a flip turns K by 180 degrees: both its rows and its columns reversed, "
                         "K_flipped[m, n] = K[2 - m, 2 - n]. Reversing one direction only, or mirroring along "
                         "the diagonal, gives a different kernel.")
    return incorrect("not quite: write the flipped kernel K[2 - m, 2 - n] first, then multiply it with the same "
                     "window as in exercise 1 and add the nine products.")
