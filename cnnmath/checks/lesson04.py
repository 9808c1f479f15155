"""Exercise feedback for lesson 4 (``04_pooling.ipynb``): pooling by hand, output sizes, gradient routing.

Each check returns a :class:`Feedback`: "not answered" for None, a hint that does not give the answer
away for a wrong one, a confirmation for the right one. The exercises' inputs come from the functions
below, so the notebook prints exactly what is checked.
"""

from __future__ import annotations

import numpy as np

from ..pooling import avg_pool2d, max_pool2d, max_pool2d_switches, pool_output_size
from .common import (arrangement_hint, close, correct, incorrect, is_unanswered, never_raises, not_answered, read_array,
                     read_number, read_pair, snap)

__all__ = ["ROUTE_QUESTION", "TIE_QUESTION", "pool_exercise_input", "pool_tie_exercise_input", "check_pooled_by_hand",
           "check_pool_output_size", "check_pool_gradient_position", "check_pool_tie_position",
           "check_pool_param_counts"]

#: Exercise 2: a feature map of this size, pooled with this window and stride (overlapping windows).
OUTPUT_SIZE_QUESTION = {"input": 28, "size": 3, "stride": 2}

#: Exercise 3: the window (row, column of the pooled output) whose gradient is traced back. Its maximum's
#: position inside the window, the window's own index and the transposed position all differ, so each
#: slip gets its own hint.
ROUTE_QUESTION = (1, 0)
#: Exercise 4: the window with a tie in :func:`pool_tie_exercise_input`.
TIE_QUESTION = (1, 0)

#: Exercise 5: a convolution layer (filters, channels, kernel side, with one bias per filter) and a
#: max-pooling layer (window, stride).
PARAM_QUESTION = {"filters": 6, "channels": 3, "kernel": 3, "pool_size": 2, "pool_stride": 2}


def pool_exercise_input() -> np.ndarray:
    """The 4x4 map of exercises 1 and 3 (lesson 4). Shape (4, 4), float64."""
    return np.array([[2, 0, 1, 5],
                     [7, 3, 4, 2],
                     [1, 8, 6, 0],
                     [4, 2, 3, 9]], dtype=np.float64)


def pool_tie_exercise_input() -> np.ndarray:
    """The 4x4 map of exercise 4: a ReLU output with ties (lesson 4). Shape (4, 4), float64."""
    return np.array([[0, 3, 0, 0],
                     [1, 0, 0, 0],
                     [2, 6, 0, 6],
                     [6, 1, 5, 0]], dtype=np.float64)


def _as_matrix(answer, shape):
    arr, problem = read_array(answer, f"a {shape[0]}x{shape[1]} array of numbers, for example a list of "
                                      f"{shape[0]} lists")
    if problem is not None:
        return None, problem
    if arrangement_hint(arr, shape) is not None:
        return None, arrangement_hint(arr, shape)
    if arr.shape != shape:
        return None, incorrect(f"your answer has shape {arr.shape}, but pooling a 4x4 map with a 2x2 window "
                               f"and stride 2 gives (4 - 2) // 2 + 1 rows and as many columns.")
    return arr, None


def check_pooled_by_hand(answer, mode="max"):
    """Exercise 1: :func:`pool_exercise_input` pooled by hand with a 2x2 window and stride 2.

    Parameters
    ----------
    answer : array_like, shape (2, 2), or None
    mode : {"max", "average"}
        A ``mode`` other than these raises ValueError (it is the notebook's argument, not the student's).
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode is {mode!r} but needs 'max' or 'average'")
    return _pooled_by_hand(answer, mode)


@never_raises
def _pooled_by_hand(answer, mode):
    if is_unanswered(answer):
        return not_answered()
    x = pool_exercise_input()
    want = max_pool2d(x) if mode == "max" else avg_pool2d(x)
    arr, problem = _as_matrix(answer, want.shape)
    if problem is not None:  # a wrong answer's Feedback is falsy: test for None
        return problem
    if close(arr, want):
        return correct(f"each entry is the {'largest' if mode == 'max' else 'mean'} value of its 2x2 window.")
    other = avg_pool2d(x) if mode == "max" else max_pool2d(x)
    if close(arr, other):
        return incorrect(f"those are the {'averages' if mode == 'max' else 'maxima'} of the windows; this "
                         f"exercise asks for the {'maximum' if mode == 'max' else 'average'}.")
    if mode == "average" and close(arr, want * 4):
        return incorrect("those are the sums of the windows: an average divides the sum by the number of "
                         "entries, 4.")
    if close(arr, -max_pool2d(-x)):
        return incorrect("those are the smallest values of the windows; max pooling keeps the largest.")
    overlapping = (max_pool2d(x, 2, 1) if mode == "max" else avg_pool2d(x, 2, 1))[:2, :2]
    if close(arr, overlapping):
        return incorrect("the windows move by the stride, 2: they do not overlap, so window (0, 1) starts "
                         "at column 2, not column 1.")
    if close(arr, want.T):
        return incorrect("rows and columns are swapped: output (0, 1) comes from the window to the right "
                         "(columns 2-3 of rows 0-1), not from the one below.")
    wrong = [(i, j) for i, j in np.ndindex(want.shape) if not close(arr[i, j], want[i, j])]
    i, j = wrong[0]
    verb = "is" if len(wrong) == 1 else "are"
    return incorrect(f"{len(wrong)} of 4 entries {verb} off; look again at output[{i}, {j}]: it comes "
                     f"from rows {2 * i}-{2 * i + 1} and columns {2 * j}-{2 * j + 1} of the input.")


@never_raises
def check_pool_output_size(answer):
    """Exercise 2: rows of the output when a 28x28 map is pooled with a 3x3 window and stride 2.

    Parameters
    ----------
    answer : int (or a pair of equal ints: the output shape), or None
    """
    if is_unanswered(answer):
        return not_answered()
    q = OUTPUT_SIZE_QUESTION
    want = pool_output_size(q["input"], q["size"], q["stride"])
    arr, problem = read_array(answer, "one whole number: the number of rows of the output (the map is square)")
    if problem is not None:
        return problem
    if arr.size == 2 and close(arr.ravel()[0], arr.ravel()[1]):
        arr = arr.ravel()[0]
    value, problem = read_number(arr, "one whole number: the number of rows of the output (the map is "
                                      "square)")
    if problem is not None:
        return problem
    value = float(snap(value))
    if not close(value, round(value)):
        return incorrect("a number of rows is a whole number: the formula rounds (H - size) / stride down "
                         "before adding 1.")
    answer = int(round(value))
    if answer == want:
        return correct("(28 - 3) // 2 + 1: the floor drops the half step, and the windows overlap by one "
                       "row because the stride is smaller than the window.")
    if answer == -(-(q["input"] - q["size"]) // q["stride"]) + 1:
        return incorrect("close: (H - size) / stride is not a whole number here, and the formula rounds "
                         "it down, not up (a window that does not fit entirely is not used). "
                         "(H / stride would count steps, not windows.)")
    if answer == q["input"] // q["stride"]:
        return incorrect("H / stride counts steps, not windows: each window needs size rows, so use "
                         "(H - size) // stride + 1.")
    if answer == (q["input"] - q["size"]) // q["stride"]:
        return incorrect("you counted the steps between windows; add 1 for the first window.")
    if answer == q["input"] - q["size"] + 1:
        return incorrect("that is the count for stride 1: the window jumps 2 rows at a time, so divide by "
                         "the stride (rounding down) before adding 1.")
    if answer == q["input"] // q["size"]:
        return incorrect("H / size would be right for windows that do not overlap (stride = size); here the "
                         "stride is 2 and the window 3, so use (H - size) // stride + 1.")
    return incorrect("use the output-size formula (H - size) // stride + 1 with H = 28, size = 3 and "
                     "stride = 2.")


@never_raises
def check_pool_gradient_position(answer):
    """Exercise 3: which entry of :func:`pool_exercise_input` receives window :data:`ROUTE_QUESTION`'s
    gradient.

    Parameters
    ----------
    answer : (row, col) in the input's coordinates, or None
    """
    return _check_route(answer, pool_exercise_input(), ROUTE_QUESTION, tie=False)


@never_raises
def check_pool_tie_position(answer):
    """Exercise 4: which entry of :func:`pool_tie_exercise_input` receives window (1, 0)'s gradient (a tie).

    Parameters
    ----------
    answer : (row, col) in the input's coordinates, or None
    """
    return _check_route(answer, pool_tie_exercise_input(), TIE_QUESTION, tie=True)


def _check_route(answer, x, window, tie):
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_array(answer, "one position (row, column) in the 4x4 input, for example (1, 2)")
    if problem is not None:
        return problem
    if arr.ndim == 2 and arr.shape[1] == 2:
        return incorrect("give one position, not several: in cnnmath a max-pooling window sends its "
                         "gradient to a single entry.")
    pos, problem = read_pair(arr, "a position (row, column) in the 4x4 input, for example (1, 2)")
    if problem is not None:
        return problem
    i, j = window
    rows, cols = max_pool2d_switches(x)
    want = (int(rows[i, j]), int(cols[i, j]))
    if pos == want:
        if tie:
            return correct("the window holds its maximum more than once; cnnmath (like PyTorch) sends the "
                           "whole gradient to the first of them in reading order, and the others get 0. That "
                           "is a convention: sharing it equally between the tied entries would be valid too.")
        return correct("the gradient goes to the window's largest entry; the other three get 0.")
    r0, c0 = 2 * i, 2 * j
    if pos == (want[0] - r0, want[1] - c0):
        return incorrect("that is the position inside the window; give it in the coordinates of the whole "
                         "4x4 input (window (i, j) starts at row 2i, column 2j).")
    if pos == (i, j):
        return incorrect(f"({i}, {j}) is the window's own index, its position in the pooled output; the "
                         "question asks where in the 4x4 input the gradient lands.")
    if pos == want[::-1]:
        return incorrect("rows and columns are swapped: give (row, column), the row counted down from 0.")
    if not (0 <= pos[0] < 4 and 0 <= pos[1] < 4):
        return incorrect("that position is outside the 4x4 input: rows and columns run from 0 to 3.")
    if pos == (want[0] + 1, want[1] + 1):
        return incorrect("one row and one column too far: rows and columns count from 0, so the top-left "
                         "entry is (0, 0).")
    if not (r0 <= pos[0] < r0 + 2 and c0 <= pos[1] < c0 + 2):
        return incorrect(f"({pos[0]}, {pos[1]}) is outside window ({i}, {j}): that window covers rows "
                         f"{r0}-{r0 + 1} and columns {c0}-{c0 + 1}.")
    win = x[r0:r0 + 2, c0:c0 + 2]
    if tie and x[pos] == win.max():
        return incorrect("that entry does hold the maximum, but so does another one, and cnnmath sends the "
                         "gradient to only one of them. Which comes first when you read row by row, left to "
                         "right?")
    return incorrect("that entry is not the largest in its window, so it gets no gradient: max pooling "
                     "passed only the maximum forward.")


@never_raises
def check_pool_param_counts(answer):
    """Exercise 5: learnable numbers in a 6-filter 3x3 conv layer on RGB (with biases) and a 2x2 max pool.

    Parameters
    ----------
    answer : (conv_count, pool_count), or None
    """
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_array(answer, "two numbers, (conv_count, pool_count)")
    if problem is not None:
        return problem
    q = PARAM_QUESTION
    weights = q["filters"] * q["channels"] * q["kernel"] ** 2
    if arr.size == 1:
        total = float(arr)
        if close(total, weights + q["filters"]) or close(total, weights):
            return incorrect("give two numbers, (conv_count, pool_count): one for each layer, the pooling "
                             "layer's count included.")
        return incorrect("give two numbers, (conv_count, pool_count).")
    if arr.shape != (2,):
        return incorrect("give two numbers, (conv_count, pool_count).")
    conv, pool = (float(v) for v in snap(arr))
    want = (weights + q["filters"], 0)
    if close(conv, want[0]) and close(pool, 0):
        return correct("F*C*KH*KW weights plus F biases for the convolution; pooling only takes a max, "
                       "so it has nothing to learn. Its window and stride are chosen by us, not learned.")
    if close(conv, 0) and close(pool, want[0]):
        return incorrect("the two counts are in the wrong order: (conv_count, pool_count).")
    if not close(pool, 0):
        return incorrect("what would a max-pooling layer learn? Its window size and stride are fixed "
                         "settings, and taking a maximum needs no weights.")
    if close(conv, weights):
        return incorrect("the pooling count is right. For the convolution you counted the weights; each "
                         "filter also has a bias.")
    if close(conv, weights + q["filters"] * q["channels"]):
        return incorrect("the pooling count is right. The bias is added once per filter, after the sum over "
                         "the channels, not once per channel.")
    if close(conv, q["filters"] * q["kernel"] ** 2 + q["filters"]) or close(conv, q["filters"] * q["kernel"] ** 2):
        return incorrect("the pooling count is right. An RGB input has 3 channels, and each filter has a "
                         "3x3 slice of weights for every channel.")
    return incorrect("the pooling count is right. For the convolution count the weights of one filter "
                     "(channels x 3 x 3), times the filters, plus one bias per filter.")
