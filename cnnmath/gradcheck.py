"""Numerical gradients by central differences, to check every backward pass (lesson 6).

``df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)``: its error shrinks like ``h**2``, until floating-point
rounding (about ``1e-16 / h``) takes over, so ``h = 1e-5`` is a good middle in float64.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_array

__all__ = ["numerical_gradient", "rel_error"]


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by central differences (lesson 6).

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with an array of the same shape as ``x``, one entry nudged by
        ``+h`` or ``-h``. If ``x`` is a writable float64 array, that array itself is nudged and restored
        exactly after each call, so ``f`` may also read ``x`` through a closure (for example a model's
        parameter array); otherwise a float64 copy is nudged.
    x : array_like, any shape
    h : float > 0
        The step.

    Returns
    -------
    grad : ndarray, float64, same shape as ``x``

    Notes
    -----
    ``x`` has the same values when this returns as before the call.
    """
    if not callable(f):
        raise TypeError(f"f is {type(f).__name__} but needs a function f(x) -> float")
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not np.isfinite(h) or h <= 0:
        raise ValueError(f"h is {h!r} but needs a small positive number such as 1e-5")
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable:
        as_array(x, "x")  # validate without copying: x is nudged in place and restored below
        work = x
    else:
        work = np.array(as_array(x, "x"), dtype=np.float64)
    grad = np.zeros(work.shape, dtype=np.float64)
    flat_grad = grad.reshape(-1)
    for flat_index in range(work.size):
        idx = np.unravel_index(flat_index, work.shape)
        old = work[idx]
        try:
            work[idx] = old + h
            f_plus = _scalar(f(work))
            work[idx] = old - h
            f_minus = _scalar(f(work))
        finally:
            work[idx] = old  # the very same float: x ends bit-for-bit as it started
        flat_grad[flat_index] = (f_plus - f_minus) / (2 * h)
    return grad


def _scalar(value):
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        raise ValueError(f"f returned an array of shape {arr.shape} but needs to return one number")
    return float(arr.reshape(()))


def rel_error(a, b):
    """Largest relative difference ``|a - b| / max(1e-8, |a| + |b|)`` between two arrays (lesson 6).

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        About 1e-7 or less means two gradients agree in float64.
    """
    a = as_array(a, "a")
    b = as_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}: they need the same shape")
    a, b = a.astype(np.float64), b.astype(np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
