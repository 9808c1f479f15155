"""Numerical gradients by central differences, to check every backward pass (lesson 6).

``df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)``: its error shrinks like ``h**2``, until floating-point
rounding (about ``1e-16 / h``) takes over, so ``h = 1e-5`` is a good middle in float64.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._validate import as_array

__all__ = ["numerical_gradient", "central_difference", "CentralDifference", "rel_error", "EPS_GRID",
           "gradient_check", "GradientCheck", "gradient_check_curves", "GradientCheckCurves"]

#: The steps epsilon of lesson 6's error curve: 1e-1 down to 1e-9, four per decade (33 steps, largest first).
EPS_GRID = np.logspace(-1, -9, 33)
EPS_GRID.flags.writeable = False

#: How far :func:`gradient_check_curves` moves the chosen entry either way, by default (61 points).
ALONG_RANGE = 0.15


class CentralDifference(NamedTuple):
    """The result of :func:`central_difference`: the slope and the two values it came from (lesson 6)."""

    slope: float
    """``(f_plus - f_minus) / (2 eps)``, the estimate of ``df/dx[index]``."""
    f_plus: float
    """``f`` with ``x[index]`` nudged up by ``eps``."""
    f_minus: float
    """``f`` with ``x[index]`` nudged down by ``eps``."""


def _check_f_and_step(f, h, name):
    if not callable(f):
        raise TypeError(f"f is {type(f).__name__} but needs a function f(x) -> float")
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not np.isfinite(h) or h <= 0:
        raise ValueError(f"{name} is {h!r} but needs a small positive number such as 1e-5")


def _work_array(x):
    """The array to nudge: ``x`` itself if it is a writable float64 array (so that ``f`` may read it through
    a closure), otherwise a float64 copy."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable:
        as_array(x, "x")  # validate without copying: x is nudged in place and restored
        return x
    return np.array(as_array(x, "x"), dtype=np.float64)


def _two_sided(f, work, idx, h):
    """``(f(work + h e_idx), f(work - h e_idx))``, nudging ``work`` in place and restoring it bit for bit."""
    old = work[idx]
    try:
        work[idx] = old + h
        f_plus = _scalar(f(work))
        work[idx] = old - h
        f_minus = _scalar(f(work))
    finally:
        work[idx] = old  # the very same float: x ends bit-for-bit as it started
    return f_plus, f_minus


def central_difference(f, x, index, eps=1e-5):
    """One entry's two-sided difference ``(f(x + eps e_index) - f(x - eps e_index)) / (2 eps)`` (lesson 6).

    The building block of :func:`numerical_gradient`, which does this for every entry (with the same
    nudging, so the same numbers).

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, called with an array of ``x``'s shape. If ``x`` is a writable float64 array, that
        array itself is nudged and restored exactly (as in :func:`numerical_gradient`); otherwise a float64
        copy is nudged.
    x : array_like, any shape
    index : tuple of int, one per axis of ``x`` (an int for a 1-D ``x``)
        The entry that is nudged; ``0 <= index[k] < x.shape[k]``.
    eps : float > 0
        The step.

    Returns
    -------
    CentralDifference
        ``(slope, f_plus, f_minus)``, three floats.

    Notes
    -----
    ``x`` has the same values when this returns as before the call.
    """
    _check_f_and_step(f, eps, "eps")
    work = _work_array(x)
    return _central_difference(f, work, _check_index(index, work.shape), eps)


def _central_difference(f, work, idx, h):
    f_plus, f_minus = _two_sided(f, work, idx, h)
    return CentralDifference((f_plus - f_minus) / (2 * h), f_plus, f_minus)


def _check_index(index, shape):
    """``index`` as a tuple of ints inside ``shape``, or an error that names the valid range."""
    raw = index
    if isinstance(index, (numbers.Integral, np.integer)) and not isinstance(index, bool):
        index = (index,)
    valid = " x ".join(f"0..{n - 1}" for n in shape) or "() for a scalar x"
    if (not isinstance(index, tuple) or len(index) != len(shape)
            or any(isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)) for k in index)):
        raise TypeError(f"index is {raw!r} but needs a tuple of {len(shape)} whole number(s), one per axis of "
                        f"x (shape {shape}): {valid}")
    index = tuple(int(k) for k in index)
    if any(not 0 <= k < n for k, n in zip(index, shape)):
        raise ValueError(f"index is {index} but needs {valid}, an entry of x (shape {shape})")
    return index


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
    _check_f_and_step(f, h, "h")
    work = _work_array(x)
    grad = np.zeros(work.shape, dtype=np.float64)
    flat_grad = grad.reshape(-1)
    for flat_index in range(work.size):
        idx = np.unravel_index(flat_index, work.shape)
        flat_grad[flat_index] = _central_difference(f, work, idx, h).slope  # x and h checked once, above
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


class GradientCheck(NamedTuple):
    """The result of :func:`gradient_check`: one entry's gradient check at one step (lesson 6)."""

    index: tuple
    """The entry checked, one int per axis of ``x``."""
    eps: float
    """The step."""
    analytic: float
    """``grad[index]``, the gradient from backpropagation."""
    numerical: float
    """The central difference ``(f_plus - f_minus) / (2 eps)``."""
    f_plus: float
    """``f`` with ``x[index]`` nudged up by ``eps``."""
    f_minus: float
    """``f`` with ``x[index]`` nudged down by ``eps``."""
    abs_error: float
    """``|numerical - analytic|``."""
    rel_error: float
    """:func:`rel_error` of the two (about 1e-7 or less: they agree)."""


def _check_grad(x, grad):
    grad = as_array(grad, "grad")
    if grad.shape != x.shape:
        raise ValueError(f"grad has shape {grad.shape} but needs {x.shape}, the shape of x")
    return grad


def gradient_check(f, x, grad, index, eps=1e-5):
    """Compare backprop's gradient of one entry with its central difference at step ``eps`` (lesson 6).

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, called with an array of ``x``'s shape (as in :func:`central_difference`).
    x : array_like, any shape
        The point where the gradient is checked; it has the same values when this returns.
    grad : array_like, same shape as ``x``
        The analytic gradient at ``x`` (from backpropagation).
    index : tuple of int, one per axis of ``x`` (an int for a 1-D ``x``)
    eps : float > 0

    Returns
    -------
    GradientCheck
        ``(index, eps, analytic, numerical, f_plus, f_minus, abs_error, rel_error)``; every number a float.
    """
    _check_f_and_step(f, eps, "eps")
    work = _work_array(x)
    grad = _check_grad(work, grad)
    idx = _check_index(index, work.shape)
    numerical, f_plus, f_minus = _central_difference(f, work, idx, eps)
    analytic = float(grad[idx])
    return GradientCheck(idx, float(eps), analytic, numerical, f_plus, f_minus, abs(numerical - analytic),
                         rel_error(numerical, analytic))


class GradientCheckCurves(NamedTuple):
    """The result of :func:`gradient_check_curves`: what one entry's check looks like over many steps and
    along the entry (lesson 6)."""

    index: tuple
    """The entry, one int per axis of ``x``."""
    value: float
    """``x[index]``, where the entry sits."""
    loss: float
    """``f(x)``."""
    eps: np.ndarray
    """shape (S,): the steps tried."""
    errors: np.ndarray
    """shape (S,): ``|central difference at eps[s] - grad[index]|``."""
    offsets: np.ndarray
    """shape (T,): how far the entry is moved from ``value``."""
    losses: np.ndarray
    """shape (T,): ``f`` with ``x[index]`` moved to ``value + offsets[t]``."""


def gradient_check_curves(f, x, grad, index, *, eps=None, offsets=None):
    """The error of the central difference for each step in ``eps``, and the loss along one entry (lesson 6).

    The error falls like ``eps**2`` (truncation) for large steps and grows like ``1e-16 / eps`` (rounding)
    for tiny ones; the loss along the entry shows the curve whose secant and tangent are compared.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, called with an array of ``x``'s shape.
    x : array_like, any shape
        It has the same values when this returns.
    grad : array_like, same shape as ``x``
        The analytic gradient at ``x``.
    index : tuple of int, one per axis of ``x`` (an int for a 1-D ``x``)
    eps : array_like, shape (S,), optional
        Positive steps; default :data:`EPS_GRID` (1e-1 down to 1e-9, 33 steps).
    offsets : array_like, shape (T,), optional
        Finite moves of the entry; default 61 from -0.15 to 0.15 (0 included).

    Returns
    -------
    GradientCheckCurves
        ``(index, value, loss, eps (S,), errors (S,), offsets (T,), losses (T,))``, float64 arrays.
    """
    if not callable(f):
        raise TypeError(f"f is {type(f).__name__} but needs a function f(x) -> float")
    work = _work_array(x)
    grad = _check_grad(work, grad)
    idx = _check_index(index, work.shape)
    steps = EPS_GRID if eps is None else as_array(eps, "eps", ndim=1, layout="(S,)")
    if not np.all(steps > 0):
        raise ValueError(f"eps has {steps[steps <= 0][0]!r} but needs positive steps such as 1e-5")
    moves = (np.linspace(-ALONG_RANGE, ALONG_RANGE, 61) if offsets is None
             else as_array(offsets, "offsets", ndim=1, layout="(T,)"))
    analytic = float(grad[idx])
    errors = np.array([abs(_central_difference(f, work, idx, float(h)).slope - analytic) for h in steps])
    old = work[idx]
    losses = np.empty(moves.shape)
    try:
        loss = _scalar(f(work))
        for t, move in enumerate(moves):
            work[idx] = old + move
            losses[t] = _scalar(f(work))
    finally:
        work[idx] = old  # the very same float: x ends bit-for-bit as it started
    return GradientCheckCurves(idx, float(old), loss, np.array(steps, dtype=np.float64), errors,
                               np.array(moves, dtype=np.float64), losses)
