"""Exercise feedback of lesson 1 (``01_image_as_matrix.ipynb``): read pixels, predict a shape, convert to grey.

The questions' data live here (the notebook's questions quote them, and a test keeps the two in step):
:data:`EXAMPLE_MATRIX` is the lesson's 5x5 example image, :data:`MATRIX_QUESTION` and
:data:`PHOTO_QUESTION` the positions asked about, :data:`SHAPE_QUESTION` the photo size to predict.
"""

from __future__ import annotations

import numpy as np

from ..data import GRAY_WEIGHTS, load_photo
from .common import (Feedback, call_student, close, correct, incorrect, is_unanswered, never_raises,
                     not_answered, read_array, read_number, read_shape, student_array)

__all__ = ["EXAMPLE_MATRIX", "MATRIX_QUESTION", "PHOTO_QUESTION", "SHAPE_QUESTION", "example_matrix",
           "check_matrix_entry", "check_photo_pixel", "check_photo_shape", "check_to_gray"]

#: The lesson's 5x5 example: a bright ring around a darker centre, values 0..255.
EXAMPLE_MATRIX = ((12, 40, 200, 38, 15),
                  (30, 210, 255, 205, 25),
                  (190, 250, 90, 245, 180),
                  (35, 215, 240, 220, 28),
                  (10, 45, 195, 42, 18))

#: Exercise 1 asks for ``A[2, 3]`` of the example matrix (row 2, column 3, counting from 0).
MATRIX_QUESTION = (2, 3)
#: Exercise 2 asks for the photo's ``I[300, 260]``.
PHOTO_QUESTION = (300, 260)
#: Exercise 3: a colour photo this many pixels tall and wide; predict the array's shape.
SHAPE_QUESTION = {"height": 480, "width": 640}


def example_matrix() -> np.ndarray:
    """The lesson's 5x5 example image as a fresh float64 array, shape (5, 5)."""
    return np.array(EXAMPLE_MATRIX, dtype=np.float64)


def _read_entry(answer, M, position, name):
    """Feedback for reading ``M[position]``: names the usual slips (swapped, counted from 1, one row or one
    column off, the value divided by 255) without the value."""
    if is_unanswered(answer):
        return not_answered()
    value, problem = read_number(answer, f"one number, the value of {name}[{position[0]}, {position[1]}]")
    if problem is not None:
        return problem
    i, j = position
    h, w = M.shape

    def at(r, c):
        return 0 <= r < h and 0 <= c < w and close(value, M[r, c])

    if at(i, j):
        return correct(f"{name}[{i}, {j}] = {value:g}: row {i} first, then column {j}, both counted from 0.")
    if at(j, i):
        return incorrect(f"that is {name}[{j}, {i}]: the first index is the row (down), the second the column "
                         "(across).")
    if at(i - 1, j - 1):
        return incorrect("that is the entry one row up and one column to the left: Python counts rows and "
                         "columns from 0, so the top-left entry is [0, 0].")
    if at(i + 1, j + 1):
        return incorrect("that is one row down and one column to the right: the first row and the first "
                         "column are number 0.")
    if at(i - 1, j) or at(i + 1, j):
        return incorrect("the column is right but the row is one off: count the rows down from 0 at the "
                         "top, the row of index 0 included.")
    if at(i, j - 1) or at(i, j + 1):
        return incorrect("the row is right but the column is one off: count the columns across from 0 at "
                         "the left, the column of index 0 included.")
    if 0 <= value <= 1 and close(value * 255, M[i, j]):
        return incorrect("that is the value scaled to [0, 1]; the matrix holds the intensities 0..255 as "
                         "they are.")
    return incorrect(f"{value:g} is not the value at row {i}, column {j}. Count rows down from 0 at the top "
                     "and columns across from 0 at the left.")


@never_raises
def check_matrix_entry(answer) -> Feedback:
    """Exercise 1: the value of ``A[2, 3]`` in the 5x5 example matrix, read by eye (lesson 1)."""
    return _read_entry(answer, example_matrix(), MATRIX_QUESTION, "A")


@never_raises
def check_photo_pixel(answer) -> Feedback:
    """Exercise 2: the photo's grayscale value ``I[300, 260]``, read with the zoom widget (lesson 1)."""
    return _read_entry(answer, load_photo(), PHOTO_QUESTION, "I")


@never_raises
def check_photo_shape(answer) -> Feedback:
    """Exercise 3: the shape of a colour photo :data:`SHAPE_QUESTION` pixels in size, as numpy holds it (lesson 1)."""
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_array(answer, "the shape as a tuple of whole numbers, such as (2, 3, 4)")
    if problem is not None:
        return problem
    arr = np.atleast_1d(arr)
    if arr.ndim == 1 and arr.size == 2:
        return incorrect("two numbers describe a grayscale image; a colour photo has one more axis.")
    shape, problem = read_shape(arr, 3, "the shape as a tuple, such as (2, 3, 4)")
    if problem is not None:
        if arr.ndim == 1 and arr.size not in (2, 3):
            return incorrect(f"a colour photo has three axes, your shape has {arr.size}.")
        return problem
    h, w = SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]
    if shape == (h, w, 3):
        return correct(f"{shape}: rows (height) first, then columns (width), then the three colour channels; "
                       f"{h * w * 3:,} numbers in all.")
    if sorted(shape) == sorted((h, w, 3)) and shape[2] == 3:
        return incorrect("numpy gives the number of rows first: which of the two is the number of rows?")
    if sorted(shape) == sorted((h, w, 3)):
        return incorrect("the right numbers in the wrong places: here, as in load_photo_rgb(), the three "
                         "channels come last (some libraries put them first, but not this one).")
    if 4 in shape:
        return incorrect("a colour photo here has three channels (red, green, blue), not four: no alpha.")
    if shape[2] == 3 and (shape[0] * shape[1] == h * w):
        return incorrect("the height and the width are the photo's pixel counts as given: rows first, then "
                         "columns.")
    return incorrect("each axis counts something: rows, columns, and the colour channels. Count each one.")


def _hidden_cases():
    """The hidden images check_to_gray tries: shapes and value ranges the student did not see."""
    rng = np.random.default_rng(1)
    return [
        np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8),  # pure colours, 1 x 3
        rng.integers(0, 256, size=(4, 6, 3), dtype=np.uint8),                  # wide, 8-bit
        rng.integers(0, 256, size=(7, 2, 3)).astype(np.float64),               # tall, float
        rng.random((5, 5, 3)),                                                 # normalised 0..1
        np.full((1, 1, 3), 200, dtype=np.uint8),                               # one bright pixel
    ]


def _reference(rgb):
    return rgb.astype(np.float64) @ np.asarray(GRAY_WEIGHTS, dtype=np.float64)


def _gray_slip(out, rgb, expected):
    """The hint for a to_gray result of the right shape but the wrong values (None when no slip fits)."""
    as_float = rgb.astype(np.float64)
    weights = np.asarray(GRAY_WEIGHTS, dtype=np.float64)
    if close(out, as_float.mean(axis=2)):
        return ("that is the plain average of R, G and B: the three channels need different weights, in the "
                "order of GRAY_WEIGHTS.")
    if close(out, as_float[:, :, ::-1] @ weights):
        return "the weights are in the wrong order: channel 0 is red, channel 2 is blue."
    if close(out, np.round(expected)) or close(out, np.trunc(expected)):
        return "close: do not round the result (or cut it to whole numbers); return the weighted sum as it is."
    if rgb.dtype == np.uint8 and close(out, rgb.sum(axis=2, dtype=np.uint8) / 3):
        return (f"on an 8-bit (uint8) image of shape {rgb.shape} your sum wrapped around: uint8 numbers cannot "
                "go above 255. And the channels need different weights, in the order of GRAY_WEIGHTS.")
    if rgb.dtype == np.uint8 and close(out, expected % 256):
        return (f"on an 8-bit (uint8) image of shape {rgb.shape} your result wrapped around past 255: convert "
                "to float (rgb.astype(float)) before multiplying and adding.")
    if close(out, expected / 255.0) or close(out, expected * 255.0):
        return ("your result is scaled: return the weighted sum in the image's own units, without dividing "
                "or multiplying by 255.")
    if close(out, as_float.sum(axis=2)):
        return "that is the plain sum of R, G and B: each channel needs its own weight from GRAY_WEIGHTS."
    for c in range(3):
        if close(out, expected - weights[c] * as_float[:, :, c]):
            return f"one channel is missing from your sum (channel {c}): add all three weighted channels."
    return None


@never_raises
def check_to_gray(func) -> Feedback:
    """Exercise 4: ``func(rgb)`` must return the weighted sum ``0.299 R + 0.587 G + 0.114 B`` (lesson 1).

    It is called on hidden images (8-bit and float, square and not, one pixel) and must return an array of
    shape (H, W) equal to the weighted sum within the tolerance of :mod:`cnnmath.checks.common`, whatever
    its dtype (float32 too), without changing its input and without calling ``rgb_to_gray``.
    """
    if is_unanswered(func):
        return not_answered()
    if not callable(func):
        return incorrect("pass the function itself (its name, without brackets), not its result.")
    code = getattr(func, "__code__", None)
    if code is not None and "rgb_to_gray" in code.co_names:
        return incorrect("write the weighted sum yourself instead of calling rgb_to_gray: that is the "
                         "function you are rebuilding.")
    for rgb in _hidden_cases():
        case = f"on a hidden image of shape {rgb.shape} (dtype {rgb.dtype})"
        given = rgb.copy()
        out, problem = call_student(func, case.capitalize(), given)
        if problem is not None:
            if "index" in problem.message.lower() and "axis" in problem.message.lower():
                problem.message += " The colour channels are the last axis: rgb[:, :, 0] is red."
            return problem
        if out is None:
            return not_answered("your function returns None: finish it with `return` and the grey image.")
        if not np.array_equal(given, rgb):
            return incorrect("your function changed the image it was given; compute a new array instead.")
        out, problem = student_array(out, case.capitalize(), "a numpy array of numbers, shape (H, W)")
        if problem is not None:
            return problem
        expected = _reference(rgb)
        if out.shape != expected.shape:
            if out.shape == rgb.shape[1:] or out.shape == (rgb.shape[0], 3):
                return incorrect(f"{case} your function returned shape {out.shape}: the colour channels are "
                                 "the last axis (rgb[:, :, 0] is red), so weight and sum over axis 2.")
            return incorrect(f"{case} your function returned shape {out.shape}; a grey image has one number "
                             "per pixel, so the channel axis must go.")
        if close(out, expected):
            continue
        hint = _gray_slip(out, rgb, expected)
        if hint is not None:
            return incorrect(hint)
        return incorrect(f"{case} your result differs from the weighted sum of the channels. Check the "
                         "weights and which axis you sum over.")
    return correct("your function matches the weighted sum on every hidden image: 8-bit and float, "
                   "square and not, a single pixel.")
