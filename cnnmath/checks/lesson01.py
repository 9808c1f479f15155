"""Exercise feedback of lesson 1 (``01_image_as_matrix.ipynb``): read pixels, predict a shape, convert to grey.

The questions' data live here (the notebook's questions quote them, and a test keeps the two in step):
:data:`EXAMPLE_MATRIX` is the lesson's 5x5 example image, :data:`MATRIX_QUESTION` and
:data:`PHOTO_QUESTION` the positions asked about, :data:`SHAPE_QUESTION` the photo size to predict.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..data import GRAY_WEIGHTS, load_photo
from .common import Feedback, correct, incorrect, not_answered

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


def _as_number(answer):
    if isinstance(answer, np.ndarray) and answer.size == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    return float(answer)


def _read_entry(answer, M, position, name):
    """Feedback for reading ``M[position]``: names the usual slips (swapped, counted from 1) without the value."""
    if answer is None:
        return not_answered()
    value = _as_number(answer)
    if value is None:
        return incorrect(f"the answer should be one number, not {type(answer).__name__}.")
    i, j = position
    if value == M[i, j]:
        return correct(f"{name}[{i}, {j}] = {value:g}: row {i} first, then column {j}, both counted from 0.")
    if value == M[j, i]:
        return incorrect(f"that is {name}[{j}, {i}]: the first index is the row (down), the second the column "
                         "(across).")
    if i >= 1 and j >= 1 and value == M[i - 1, j - 1]:
        return incorrect("that is the entry one row up and one column to the left: Python counts rows and "
                         "columns from 0, so the top-left entry is [0, 0].")
    if i + 1 < M.shape[0] and j + 1 < M.shape[1] and value == M[i + 1, j + 1]:
        return incorrect("that is one row down and one column to the right: the first row and the first "
                         "column are number 0.")
    return incorrect(f"{value:g} is not the value at row {i}, column {j}. Count rows down from 0 at the top "
                     "and columns across from 0 at the left.")


def check_matrix_entry(answer) -> Feedback:
    """Exercise 1: the value of ``A[2, 3]`` in the 5x5 example matrix, read by eye (lesson 1)."""
    return _read_entry(answer, example_matrix(), MATRIX_QUESTION, "A")


def check_photo_pixel(answer) -> Feedback:
    """Exercise 2: the photo's grayscale value ``I[300, 260]``, read with the zoom widget (lesson 1)."""
    return _read_entry(answer, load_photo(), PHOTO_QUESTION, "I")


def check_photo_shape(answer) -> Feedback:
    """Exercise 3: the shape of a colour photo :data:`SHAPE_QUESTION` pixels in size, as numpy holds it (lesson 1)."""
    if answer is None:
        return not_answered()
    try:
        shape = tuple(int(v) for v in answer)
        if any(float(v) != int(v) for v in answer):
            raise ValueError
    except (TypeError, ValueError):
        return incorrect("write the shape as a tuple of whole numbers, such as (2, 3, 4).")
    h, w = SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]
    if shape == (h, w, 3):
        return correct(f"{shape}: rows (height) first, then columns (width), then the three colour channels; "
                       f"{h * w * 3:,} numbers in all.")
    if len(shape) == 2:
        return incorrect("two numbers describe a grayscale image; a colour photo has one more axis.")
    if len(shape) != 3:
        return incorrect(f"a colour photo has three axes, your shape has {len(shape)}.")
    if sorted(shape) == sorted((h, w, 3)) and shape[2] == 3:
        return incorrect("numpy gives the number of rows first: which of the two is the number of rows?")
    if sorted(shape) == sorted((h, w, 3)):
        return incorrect("the right numbers in the wrong places: here, as in load_photo_rgb(), the three "
                         "channels come last (some libraries put them first, but not this one).")
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


def check_to_gray(func) -> Feedback:
    """Exercise 4: ``func(rgb)`` must return the weighted sum ``0.299 R + 0.587 G + 0.114 B`` (lesson 1).

    It is called on hidden images (8-bit and float, square and not, one pixel) and must return an array of
    shape (H, W) equal to the weighted sum to 1e-9, without changing its input and without calling
    ``rgb_to_gray``.
    """
    if func is None:
        return not_answered()
    if not callable(func):
        return incorrect("pass the function itself (its name, without brackets), not its result.")
    code = getattr(func, "__code__", None)
    if code is not None and "rgb_to_gray" in code.co_names:
        return incorrect("write the weighted sum yourself instead of calling rgb_to_gray: that is the "
                         "function you are rebuilding.")
    for rgb in _hidden_cases():
        given = rgb.copy()
        try:
            out = func(given)
        except Exception as err:  # the student's code: say what went wrong, in their terms
            return incorrect(f"your function raised {type(err).__name__}: {err} "
                             f"(on an image of shape {rgb.shape}, dtype {rgb.dtype}).")
        if out is None:
            return not_answered("your function returns None: finish it with `return` and the grey image.")
        if not np.array_equal(given, rgb):
            return incorrect("your function changed the image it was given; compute a new array instead.")
        try:
            out = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            return incorrect("your function should return a numpy array of numbers.")
        expected = _reference(rgb)
        if out.shape != expected.shape:
            return incorrect(f"for an image of shape {rgb.shape} your function returned shape {out.shape}; "
                             "a grey image has one number per pixel, so the channel axis must go.")
        if np.allclose(out, expected, rtol=0, atol=1e-9):
            continue
        as_float = rgb.astype(np.float64)
        if np.allclose(out, as_float.mean(axis=2), atol=1e-9):
            return incorrect("that is the plain average of R, G and B: the three channels need different "
                             "weights, in the order of GRAY_WEIGHTS.")
        if np.allclose(out, as_float[:, :, ::-1] @ np.asarray(GRAY_WEIGHTS), atol=1e-9):
            return incorrect("the weights are in the wrong order: channel 0 is red, channel 2 is blue.")
        if np.allclose(out, np.round(expected), atol=1e-9):
            return incorrect("close: do not round the result; return the weighted sum as it is.")
        if rgb.dtype == np.uint8 and np.allclose(out, rgb.sum(axis=2, dtype=np.uint8) / 3, atol=1e-9):
            return incorrect(f"on an 8-bit (uint8) image of shape {rgb.shape} your sum wrapped around: uint8 "
                             "numbers cannot go above 255. And the channels need different weights, in the "
                             "order of GRAY_WEIGHTS.")
        return incorrect(f"on a hidden image of shape {rgb.shape} (dtype {rgb.dtype}) your result differs "
                         "from the weighted sum of the channels. Check the weights and which axis you sum over.")
    return correct("your function matches the weighted sum on every hidden image: 8-bit and float, "
                   "square and not, a single pixel.")
