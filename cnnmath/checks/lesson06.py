"""Feedback for the exercises of lesson 6 (``06_backpropagation.ipynb``): the kernel's gradient of a
2x2 example by hand, the sign of an update, the pixels one weight touches, dL/dz = p - y, the gradient
with respect to the input image (dL/dI, a full convolution with the kernel turned by 180 degrees), and the
1/N that a batch mean puts into every gradient.

The exercises' inputs come from the functions below, so the notebook prints them instead of typing them;
every hint names the kind of mistake, never the expected numbers, and a check never raises.

Numeric answers are read by the readers of :mod:`cnnmath.checks.common` (one rule for the course:
``np.asarray(answer, dtype=float)`` with size-1 dimensions squeezed, right within the tolerance stated
there). Text, booleans, NaN and ragged lists get a hint that says what kind of answer is wanted.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d, convolve2d
from .common import (arrangement_hint, close, correct, count_off, incorrect, is_unanswered, never_raises, not_answered,
                     read_array, read_number, read_numbers)

__all__ = ["kernel_gradient_exercise", "update_exercise", "weight_inputs_exercise", "logit_exercise",
           "image_gradient_exercise", "batch_logit_exercise",
           "check_kernel_gradient", "check_update_step", "check_weight_inputs", "check_logit_gradient",
           "check_image_gradient", "check_batch_logit_gradient"]


_EX_IMAGE = np.array([[1, 2, 0],
                      [3, 1, 2],
                      [0, 1, 4]], dtype=np.float64)
# The kernel's values do not enter dL/dK (the forward pass is linear in K): a deliberate distractor.
_EX_KERNEL = np.array([[2, 0],
                       [-1, 1]], dtype=np.float64)
_EX_DOUT = np.array([[1, -1],
                     [0, 2]], dtype=np.float64)

# Exercise "sign of an update": a weight's value, its gradient and the learning rate.
UPDATE_EXERCISE = {"weight": 0.5, "gradient": -3.0, "eta": 0.1}
# Exercise "which inputs does a weight touch": image and kernel sizes, the weight (m, n), stride 1.
WEIGHT_INPUTS_EXERCISE = {"image_shape": (5, 5), "kernel_shape": (3, 3), "weight": (2, 1)}
# Exercise "the gradient of softmax + cross-entropy": probabilities p and the true class.
LOGIT_EXERCISE = {"p": (0.2, 0.7, 0.1), "label": 0}

# Exercise "dL/dI by hand": O = I * K (stride 1, no padding) on a 3x3 input with a 2x2 kernel. The image
# does not enter dL/dI (the forward pass is linear in I): a distractor, as the kernel is in exercise 1.
# The kernel is chosen so that every common slip (kernel not turned, result transposed or turned, signs
# reversed) gives a different 3x3 matrix from the right one.
_IG_IMAGE = np.array([[3, 1, 0],
                      [2, 4, 1],
                      [0, 1, 2]], dtype=np.float64)
_IG_KERNEL = np.array([[1, 2],
                       [-1, 3]], dtype=np.float64)
_IG_DOUT = np.array([[2, 0],
                     [1, -1]], dtype=np.float64)

# Exercise "the 1/N of a batch": a batch of N examples through softmax_cross_entropy; one example's
# probabilities p and its true class. Question: that example's row of dlogits.
BATCH_LOGIT_EXERCISE = {"N": 4, "p": (0.1, 0.6, 0.3), "label": 2}


def kernel_gradient_exercise():
    """The data of the "gradient by hand" exercise: a 3x3 image, a 2x2 kernel and dL/dO (2x2).

    Returns
    -------
    image : ndarray, shape (3, 3)
    kernel : ndarray, shape (2, 2)
    dout : ndarray, shape (2, 2)
        The upstream gradient dL/dO for the output O = image * kernel (stride 1, no padding).
    """
    return _EX_IMAGE.copy(), _EX_KERNEL.copy(), _EX_DOUT.copy()


def update_exercise():
    """The data of the "sign of an update" exercise: ``(weight, gradient, eta)``, three floats."""
    return UPDATE_EXERCISE["weight"], UPDATE_EXERCISE["gradient"], UPDATE_EXERCISE["eta"]


def weight_inputs_exercise():
    """The data of the "which pixels does a weight touch" exercise (stride 1, no padding).

    Returns
    -------
    image_shape : tuple (H, W)
    kernel_shape : tuple (KH, KW)
    weight : tuple (m, n)
    """
    e = WEIGHT_INPUTS_EXERCISE
    return e["image_shape"], e["kernel_shape"], e["weight"]


def logit_exercise():
    """The data of the "dL/dz" exercise: probabilities p (ndarray, shape (3,)) and the true class (int)."""
    return np.array(LOGIT_EXERCISE["p"]), LOGIT_EXERCISE["label"]


def image_gradient_exercise():
    """The data of the "dL/dI by hand" exercise: a 3x3 image, a 2x2 kernel and dL/dO (2x2).

    Returns
    -------
    image : ndarray, shape (3, 3)
    kernel : ndarray, shape (2, 2)
    dout : ndarray, shape (2, 2)
        The upstream gradient dL/dO for the output O = image * kernel (stride 1, no padding). The question
        asks for dL/dI, shape (3, 3).
    """
    return _IG_IMAGE.copy(), _IG_KERNEL.copy(), _IG_DOUT.copy()


def batch_logit_exercise():
    """The data of the "1/N of a batch" exercise: ``(N, p, label)``.

    Returns
    -------
    N : int
        The batch size given to ``softmax_cross_entropy``.
    p : ndarray, shape (3,)
        The softmax probabilities of one example of the batch.
    label : int
        That example's true class.
    """
    e = BATCH_LOGIT_EXERCISE
    return e["N"], np.array(e["p"]), e["label"]


# ---------------------------------------------------------------------------------------------- readers

def _as_float_array(answer, shape, what):
    """The answer as a float array of ``shape`` (a (1, 3) row counts as 3 numbers), or a Feedback."""
    return read_array(answer, f"{what} (numbers, shape {shape})", shape)


@never_raises
def check_kernel_gradient(answer):
    """Check dL/dK for :func:`kernel_gradient_exercise` (2x2): ``dK[m, n] = sum_ij dL/dO[i,j] I[i+m, j+n]``."""
    if is_unanswered(answer):
        return not_answered()
    arr, problem = _as_float_array(answer, (2, 2), "dL/dK")
    if problem is not None:
        return problem
    expected = conv2d(_EX_IMAGE, _EX_DOUT)
    if close(arr, expected):
        return correct("each entry is the sum of dL/dO times the image pixels that weight met: "
                       "the image cross-correlated with dL/dO.")
    # The common slips: multiplying by the kernel instead of the image, or pairing I[i+m, j+n] with
    # the wrong offsets (a flipped dL/dO, or swapped rows and columns); the data make these differ.
    if close(arr, _EX_DOUT * _EX_KERNEL):
        return incorrect("dO[i,j]/dK[m,n] is the pixel that K[m,n] multiplies, not a kernel value: "
                         "use the image.")
    if close(arr, conv2d(_EX_IMAGE, _EX_DOUT[::-1, ::-1])):
        return incorrect("close: you flipped dL/dO. K[m,n] meets I[i+m, j+n] at output (i, j), so pair "
                         "dL/dO[i,j] with I[i+m, j+n] without flipping.")
    if close(arr, expected.T):
        return incorrect("rows and columns seem swapped: m moves down the image, n moves right.")
    if close(arr, -expected):
        return incorrect("every sign is reversed: dL/dK[m, n] is the sum of dL/dO[i, j] times the pixel, with no "
                         "minus sign (the minus belongs to the update step, not to the gradient).")
    if close(arr, conv2d(_EX_IMAGE, np.ones_like(_EX_DOUT))):
        return incorrect("those are the sums of the pixels each weight meets: weight each pixel by the "
                         "dL/dO of its output position first.")
    wrong, _ = count_off(arr, expected)
    return incorrect(f"{wrong} of the 4 entries {'is' if wrong == 1 else 'are'} off. For K[m,n], place the 2x2 dL/dO over the image "
                     f"starting at row m, column n, multiply cell by cell and add the four products.")


@never_raises
def check_update_step(answer):
    """Check the new weight after one step ``K_new = K_old - eta * dL/dK`` of :data:`UPDATE_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    answer, problem = read_number(answer, "one number, the weight's new value")
    if problem is not None:
        return problem
    old, grad, eta = UPDATE_EXERCISE["weight"], UPDATE_EXERCISE["gradient"], UPDATE_EXERCISE["eta"]
    expected = old - eta * grad
    if close(answer, expected):
        return correct("the gradient is negative, so the loss falls as the weight grows: the step "
                       "moves the weight up.")
    if close(answer, old + eta * grad):
        return incorrect("you moved the weight in the direction of the gradient, which makes the loss "
                         "grow. Gradient descent steps against the gradient: mind the minus signs.")
    if close(answer, -eta * grad) or close(answer, eta * grad):
        return incorrect("that is the size of the step alone; add it to the old value of the weight.")
    if close(answer, old - grad) or close(answer, old + grad):
        return incorrect("the learning rate is missing: the step is eta times the gradient, not the whole "
                         "gradient.")
    if close(answer, -expected):
        return incorrect("the sign of the whole result is reversed: start from the old weight, then subtract "
                         "eta times the gradient (a negative gradient makes that a step up).")
    return incorrect("use K_new = K_old - eta * dL/dK with the three numbers given, and be careful with "
                     "the two minus signs.")


def _expected_touched():
    h, w = WEIGHT_INPUTS_EXERCISE["image_shape"]
    kh, kw = WEIGHT_INPUTS_EXERCISE["kernel_shape"]
    m, n = WEIGHT_INPUTS_EXERCISE["weight"]
    h_out, w_out = h - kh + 1, w - kw + 1
    return {(i + m, j + n) for i in range(h_out) for j in range(w_out)}


def _as_pixel_set(answer):
    """``(set of (row, col) pairs, None)`` from a 0/1 (or bool) image-shaped mask or a list of pairs, or
    ``(None, Feedback)``."""
    shape = WEIGHT_INPUTS_EXERCISE["image_shape"]
    if isinstance(answer, (set, frozenset)):
        answer = sorted(answer, key=repr)
    what = "a list of (row, col) pairs, for example [(0, 0), (0, 1)], or a 5x5 array of 0s and 1s"
    arr, problem = read_array(answer, what, allow_bool=True)
    if problem is not None:
        return None, problem
    if arr.shape == shape:
        if not np.isin(arr, (0.0, 1.0)).all():
            return None, incorrect("a mask holds only 0s and 1s (or False and True): 1 for each pixel the "
                                   "weight multiplies.")
        return {(int(r), int(c)) for r, c in zip(*np.nonzero(arr))}, None
    arr = arr.reshape(-1, 2) if arr.ndim == 1 and arr.size == 2 else arr
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.allclose(arr, np.round(arr)):
        return None, incorrect(f"give {what}.")
    return {(int(round(r)), int(round(c))) for r, c in arr}, None


@never_raises
def check_weight_inputs(answer):
    """Check which pixels the weight of :data:`WEIGHT_INPUTS_EXERCISE` multiplies (stride 1, no padding).

    Accepts a list (or set) of (row, col) pairs, or a 0/1 mask of the image's shape.
    """
    if is_unanswered(answer):
        return not_answered()
    given, problem = _as_pixel_set(answer)
    if problem is not None:
        return problem
    expected = _expected_touched()
    if given == expected:
        return correct("one pixel per output position: the weight's 'view' of the image is as large as "
                       "the output, shifted by (m, n). These are exactly the pixels summed in dL/dK[m,n].")
    h, w = WEIGHT_INPUTS_EXERCISE["image_shape"]
    kh, kw = WEIGHT_INPUTS_EXERCISE["kernel_shape"]
    m, n = WEIGHT_INPUTS_EXERCISE["weight"]
    if any(not (0 <= r < h and 0 <= c < w) for r, c in given):
        return incorrect("some of your pixels lie outside the 5x5 image (rows and columns run 0..4).")
    outputs = {(i, j) for i in range(h - kh + 1) for j in range(w - kw + 1)}
    if given == outputs:
        return incorrect("those are the output positions themselves: at output (i, j) the weight K[m, n] "
                         "multiplies pixel (i + m, j + n), so shift them by (m, n).")
    if given == {(i + n, j + m) for i, j in outputs}:
        return incorrect("rows and columns are swapped: m moves down the image (rows), n moves across "
                         "(columns).")
    if given == {(i + m - 1, j + n - 1) for i, j in outputs} or given == {(i + m + 1, j + n + 1) for i, j in outputs}:
        return incorrect("the block is one row and one column off: rows, columns and (m, n) all count from 0.")
    n_out = len(expected)
    if len(given) != n_out:
        plural = "" if len(given) == 1 else "s"
        return incorrect(f"you gave {len(given)} pixel{plural}. A weight multiplies one pixel for each output "
                         f"position: how many outputs does a 3x3 kernel give on a 5x5 image?")
    return incorrect("the count is right but not the place. At output (i, j), K[m, n] multiplies "
                     "I[i+m, j+n]: let i and j run over every output position with this m and n.")


@never_raises
def check_logit_gradient(answer):
    """Check dL/dz = p - y for the probabilities and label of :data:`LOGIT_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    p = np.array(LOGIT_EXERCISE["p"])
    arr, problem = _as_float_array(answer, p.shape, "dL/dz")
    if problem is not None:
        return problem
    y = np.zeros_like(p)
    y[LOGIT_EXERCISE["label"]] = 1.0
    if close(arr, p - y):
        return correct("p - y: the true class is pushed up (negative gradient), every other class down, "
                       "each in proportion to its probability.")
    if close(arr, y - p):
        return incorrect("the signs are reversed: the loss falls when the true class's score rises, so its "
                         "gradient is negative.")
    if close(arr, p):
        return incorrect("that is p alone; the one-hot label still has to come in.")
    if any(close(arr, (p - y) / k) or close(arr, (y - p) / k) for k in range(2, 101)):
        return incorrect("there is no mean to take here: one example, so dL/dz = p - y as it is, not divided "
                         "by anything. (A batch mean divides by the number of examples, exercise 6; here there "
                         "is one.)")
    for other in range(p.size):
        if other != LOGIT_EXERCISE["label"] and close(arr, p - np.eye(p.size)[other]):
            label = LOGIT_EXERCISE["label"]
            return incorrect(f"the 1 of the one-hot y is at the wrong class: the true class is {label}, counted "
                             f"from 0 (entry {label} of y is 1).")
    if close(arr, np.log(p)) or close(arr, -np.log(p)):
        return incorrect("that is (minus) the log of p, the loss's ingredient; its gradient with respect to z "
                         "is simpler: p - y.")
    return incorrect("work it out from the derivation: dL/dz_c = p_c - y_c, where y is 1 for the true "
                     "class and 0 for the others.")


def _full_with_turned_kernel(dout, kernel):
    """dL/dI of ``O = I * K`` (stride 1, no padding, a square kernel): the full convolution of dL/dO with K,
    which is lesson 2's true convolution with padding KH - 1."""
    return convolve2d(dout, kernel, padding=kernel.shape[0] - 1)


@never_raises
def check_image_gradient(answer):
    """Check dL/dI for :func:`image_gradient_exercise` (3x3): the full convolution of dL/dO with the kernel
    turned by 180 degrees, ``dI[u, v] = sum_ij dL/dO[i, j] K[u - i, v - j]``."""
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_numbers(answer, "dL/dI as a 3 x 3 list of lists, one number per pixel")
    if problem is not None:
        return problem
    expected = _full_with_turned_kernel(_IG_DOUT, _IG_KERNEL)
    if arrangement_hint(arr, expected.shape) is not None:
        return arrangement_hint(arr, expected.shape)
    if arr.shape != expected.shape:
        if arr.shape == _IG_KERNEL.shape and close(arr, conv2d(_IG_IMAGE, _IG_DOUT)):
            return incorrect("that is dL/dK, the kernel's gradient (exercise 1's question). Here the gradient "
                             "of each input pixel is wanted: one number per pixel of the 3 x 3 image.")
        return incorrect(f"dL/dI has one entry per pixel of the input, so shape {expected.shape}; yours has "
                         f"shape {arr.shape}. Sliding over dL/dO without padding gives too few: pad it with "
                         f"KH - 1 rows and KW - 1 columns of zeros on every side first (the full convolution).")
    if close(arr, expected):
        return correct("every output sends dL/dO[i, j] times the kernel back onto the pixels of its window; "
                       "gathered per pixel, that is the full convolution with the kernel turned by 180 "
                       "degrees.")
    if close(arr, _full_with_turned_kernel(_IG_DOUT, _IG_KERNEL[::-1, ::-1])):
        return incorrect("close: you slid the kernel over the padded dL/dO as it is. Pixel (u, v) meets "
                         "dL/dO[i, j] through K[u - i, v - j]: as i grows the kernel index falls, so the "
                         "kernel has to be turned by 180 degrees (rows and columns reversed).")
    if close(arr, expected[::-1, ::-1]):
        return incorrect("your matrix is the right one turned by 180 degrees: turn the kernel, not dL/dO or "
                         "the result.")
    if close(arr, expected.T):
        return incorrect("rows and columns seem swapped: u counts rows (down), v counts columns (across).")
    if close(arr, -expected):
        return incorrect("every sign is reversed: the gradient is dL/dO[i, j] times K[u - i, v - j], with no "
                         "minus sign (the minus belongs to the update step, not to the gradient).")
    if close(arr, _full_with_turned_kernel(_IG_DOUT[::-1, ::-1], _IG_KERNEL)):
        return incorrect("each output's gradient goes back to the window that output read: output (0, 0) read "
                         "the top-left window. Check which value of dL/dO goes to which corner.")
    # pixels in the place of weights: each output sent dL/dO[i, j] times its window of the image back
    pixels_instead = _IG_IMAGE * _full_with_turned_kernel(_IG_DOUT, np.ones_like(_IG_KERNEL))
    if close(arr, pixels_instead) or close(arr, _IG_IMAGE):
        return incorrect("dO[i,j]/dI[u,v] is the kernel weight that multiplied pixel (u, v) at output (i, j), "
                         "not a pixel value: the image does not appear in dL/dI.")
    wrong, _ = count_off(arr, expected)
    return incorrect(f"{wrong} of the 9 entries {'is' if wrong == 1 else 'are'} off. For pixel (u, v), add dL/dO[i, j] times K[u - i, "
                     f"v - j] over every output (i, j) whose 2 x 2 window covers that pixel (a corner pixel "
                     f"is covered by one window, the centre by all four).")


@never_raises
def check_batch_logit_gradient(answer):
    """Check the row of ``dlogits`` that ``softmax_cross_entropy`` returns for one example of a batch of N:
    ``(p - y) / N`` for :data:`BATCH_LOGIT_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    n, p, label = batch_logit_exercise()
    arr, problem = _as_float_array(answer, p.shape, "the row of dlogits")
    if problem is not None:
        return problem
    y = np.zeros_like(p)
    y[label] = 1.0
    if close(arr, (p - y) / n):
        return correct("the loss is the mean of N losses, so each example's p - y arrives divided by N, and "
                       "every gradient after it inherits the 1/N.")
    if close(arr, p - y):
        return incorrect("that is p - y of this example alone. The batch's loss is the mean over its N "
                         "examples: what does the mean do to each example's share of the gradient?")
    if close(arr, (p - y) * n):
        return incorrect("the batch size enters the other way round: a mean divides by N.")
    if close(arr, (y - p) / n) or close(arr, y - p):
        return incorrect("the signs are reversed: the true class's entry is negative (its score should rise).")
    if close(arr, p / n) or close(arr, p):
        return incorrect("the one-hot label still has to come in: start from p - y.")
    for other in range(p.size):
        if other != label and (close(arr, (p - np.eye(p.size)[other]) / n) or
                               close(arr, p - np.eye(p.size)[other])):
            return incorrect(f"the 1 of the one-hot y is at the wrong class: the true class is {label}, "
                             f"counted from 0.")
    if close(arr, (p - y) / p.size):
        return incorrect("you divided by the number of classes; the mean is over the N examples of the "
                         "batch.")
    if close(arr, p / n - y) or close(arr, p - y / n):
        return incorrect("only part of p - y was divided by N: the mean divides the whole of p - y, both p "
                         "and y, by N.")
    if close(arr, (p - y) / n, decimals=2):
        return incorrect("very nearly: every entry is within rounding of the right value. Keep all the "
                         "decimals (dividing by N gives a third decimal here).")
    return incorrect("start from this example's p - y (y is 1 for the true class, 0 elsewhere), then think "
                     "about what taking the mean over the batch does to it.")
