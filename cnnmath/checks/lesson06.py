"""Feedback for the exercises of lesson 6 (``06_backpropagation.ipynb``): the kernel's gradient of a
2x2 example by hand, the sign of an update, the pixels one weight touches, and dL/dz = p - y.

The exercises' inputs come from the functions below, so the notebook prints them instead of typing them;
every hint names the kind of mistake, never the expected numbers.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..conv import conv2d
from .common import correct, incorrect, not_answered

__all__ = ["kernel_gradient_exercise", "update_exercise", "weight_inputs_exercise", "logit_exercise",
           "check_kernel_gradient", "check_update_step", "check_weight_inputs", "check_logit_gradient"]

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


def _as_float_array(answer, shape, what):
    """The answer as a float array of ``shape``, or a Feedback explaining why it is not one."""
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, incorrect(f"{what} needs to be numbers, for example a nested list or a numpy array.")
    if arr.shape != shape:
        return None, incorrect(f"{what} needs shape {shape}, but yours has shape {arr.shape}.")
    return arr, None


def check_kernel_gradient(answer):
    """Check dL/dK for :func:`kernel_gradient_exercise` (2x2): ``dK[m, n] = sum_ij dL/dO[i,j] I[i+m, j+n]``."""
    if answer is None:
        return not_answered()
    arr, problem = _as_float_array(answer, (2, 2), "dL/dK")
    if problem is not None:
        return problem
    expected = conv2d(_EX_IMAGE, _EX_DOUT)
    if np.allclose(arr, expected, atol=1e-9):
        return correct("each entry is the sum of dL/dO times the image pixels that weight met: "
                       "the image cross-correlated with dL/dO.")
    # The common slips: multiplying by the kernel instead of the image, or pairing I[i+m, j+n] with
    # the wrong offsets (a flipped dL/dO, or swapped rows and columns); the data make these differ.
    if np.allclose(arr, _EX_DOUT * _EX_KERNEL):
        return incorrect("dO[i,j]/dK[m,n] is the pixel that K[m,n] multiplies, not a kernel value: "
                         "use the image.")
    if np.allclose(arr, conv2d(_EX_IMAGE, _EX_DOUT[::-1, ::-1])):
        return incorrect("close: you flipped dL/dO. K[m,n] meets I[i+m, j+n] at output (i, j), so pair "
                         "dL/dO[i,j] with I[i+m, j+n] without flipping.")
    if np.allclose(arr, expected.T):
        return incorrect("rows and columns seem swapped: m moves down the image, n moves right.")
    wrong = int(np.sum(~np.isclose(arr, expected)))
    return incorrect(f"{wrong} of the 4 entries are off. For K[m,n], place the 2x2 dL/dO over the image "
                     f"starting at row m, column n, multiply cell by cell and add the four products.")


def check_update_step(answer):
    """Check the new weight after one step ``K_new = K_old - eta * dL/dK`` of :data:`UPDATE_EXERCISE`."""
    if answer is None:
        return not_answered()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return incorrect("the answer needs to be one number: the weight's new value.")
    old, grad, eta = UPDATE_EXERCISE["weight"], UPDATE_EXERCISE["gradient"], UPDATE_EXERCISE["eta"]
    expected = old - eta * grad
    if abs(answer - expected) < 1e-9:
        return correct("the gradient is negative, so the loss falls as the weight grows: the step "
                       "moves the weight up.")
    if abs(answer - (old + eta * grad)) < 1e-9:
        return incorrect("you moved the weight in the direction of the gradient, which makes the loss "
                         "grow. Gradient descent steps against the gradient: mind the minus signs.")
    if abs(answer - (-eta * grad)) < 1e-9 or abs(answer - eta * grad) < 1e-9:
        return incorrect("that is the size of the step alone; add it to the old value of the weight.")
    return incorrect("use K_new = K_old - eta * dL/dK with the three numbers given, and be careful with "
                     "the two minus signs.")


def _expected_touched():
    h, w = WEIGHT_INPUTS_EXERCISE["image_shape"]
    kh, kw = WEIGHT_INPUTS_EXERCISE["kernel_shape"]
    m, n = WEIGHT_INPUTS_EXERCISE["weight"]
    h_out, w_out = h - kh + 1, w - kw + 1
    return {(i + m, j + n) for i in range(h_out) for j in range(w_out)}


def _as_pixel_set(answer):
    """A set of (row, col) pairs from a 0/1 (or bool) image-shaped mask, or from a list of pairs."""
    shape = WEIGHT_INPUTS_EXERCISE["image_shape"]
    arr = np.asarray(answer, dtype=object)
    if arr.shape == shape:
        mask = np.asarray(answer).astype(bool)
        return {(int(r), int(c)) for r, c in zip(*np.nonzero(mask))}
    pairs = set()
    for item in answer:
        if len(item) != 2:
            raise ValueError
        r, c = item
        if isinstance(r, bool) or isinstance(c, bool) or not isinstance(r, numbers.Integral) \
                or not isinstance(c, numbers.Integral):
            raise ValueError
        pairs.add((int(r), int(c)))
    return pairs


def check_weight_inputs(answer):
    """Check which pixels the weight of :data:`WEIGHT_INPUTS_EXERCISE` multiplies (stride 1, no padding).

    Accepts a list (or set) of (row, col) pairs, or a 0/1 mask of the image's shape.
    """
    if answer is None:
        return not_answered()
    try:
        given = _as_pixel_set(answer)
    except (TypeError, ValueError):
        return incorrect("give a list of (row, col) pairs, for example [(0, 0), (0, 1)], or a 5x5 array "
                         "of 0s and 1s.")
    expected = _expected_touched()
    if given == expected:
        return correct("one pixel per output position: the weight's 'view' of the image is as large as "
                       "the output, shifted by (m, n). These are exactly the pixels summed in dL/dK[m,n].")
    h, w = WEIGHT_INPUTS_EXERCISE["image_shape"]
    if any(not (0 <= r < h and 0 <= c < w) for r, c in given):
        return incorrect("some of your pixels lie outside the 5x5 image (rows and columns run 0..4).")
    n_out = len(expected)
    if len(given) != n_out:
        plural = "" if len(given) == 1 else "s"
        return incorrect(f"you gave {len(given)} pixel{plural}. A weight multiplies one pixel for each output "
                         f"position: how many outputs does a 3x3 kernel give on a 5x5 image?")
    return incorrect("the count is right but not the place. At output (i, j), K[m, n] multiplies "
                     "I[i+m, j+n]: let i and j run over every output position with this m and n.")


def check_logit_gradient(answer):
    """Check dL/dz = p - y for the probabilities and label of :data:`LOGIT_EXERCISE`."""
    if answer is None:
        return not_answered()
    p = np.array(LOGIT_EXERCISE["p"])
    arr, problem = _as_float_array(answer, p.shape, "dL/dz")
    if problem is not None:
        return problem
    y = np.zeros_like(p)
    y[LOGIT_EXERCISE["label"]] = 1.0
    if np.allclose(arr, p - y, atol=1e-9):
        return correct("p - y: the true class is pushed up (negative gradient), every other class down, "
                       "each in proportion to its probability.")
    if np.allclose(arr, y - p, atol=1e-9):
        return incorrect("the signs are reversed: the loss falls when the true class's score rises, so its "
                         "gradient is negative.")
    if np.allclose(arr, p, atol=1e-9):
        return incorrect("that is p alone; the one-hot label still has to come in.")
    return incorrect("work it out from the derivation: dL/dz_c = p_c - y_c, where y is 1 for the true "
                     "class and 0 for the others.")
