"""ReLU, the non-linearity of the course, beside its derivative (lesson 3: ``03_relu.ipynb``).

``f(x) = max(0, x)``, that is ``x`` for ``x > 0`` and ``0`` for ``x <= 0``; its derivative is ``1`` for
``x > 0`` and ``0`` for ``x <= 0``. At exactly 0 the ramp has a corner and no derivative; like every
deep-learning library, the course uses 0 there (the left-hand slope).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, shape_str

__all__ = ["relu", "relu_derivative", "relu_forward", "relu_backward", "best_line_fit"]


def relu(x):
    """Rectified linear unit, ``max(0, x)`` element-wise (lesson 3).

    Parameters
    ----------
    x : array_like, any shape
        A scalar is accepted and gives a 0-D array.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = as_array(x, "x")
    return np.where(x > 0, x, 0).astype(x.dtype, copy=False)  # where, not maximum: no "-0." entries


def relu_derivative(x):
    """Derivative of :func:`relu`: 1 where ``x > 0``, else 0 (0 at exactly ``x == 0``) (lesson 3).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``x``, float values 0.0 or 1.0
    """
    x = as_array(x, "x")
    return (x > 0).astype(x.dtype)


def relu_forward(x):
    """ReLU layer, forward (lessons 3 and 7).

    Parameters
    ----------
    x : array_like, any shape, for example (N, F, H, W)

    Returns
    -------
    out : ndarray, same shape as ``x``
    cache : ndarray
        The boolean mask ``x > 0``: where the gradient will pass.
    """
    x = as_array(x, "x")
    out = np.maximum(x, 0)
    out += 0  # max(-0.0, 0) is -0.0; adding 0 makes it 0.0, so no "-0." is ever printed
    return out, x > 0


def relu_backward(dout, cache):
    """ReLU layer, backward: ``dx = dout * (x > 0)`` (lessons 6 and 7).

    Parameters
    ----------
    dout : array_like, same shape as the forward input
    cache : ndarray of bool, from :func:`relu_forward`

    Returns
    -------
    dx : ndarray, same shape as ``dout``
    """
    mask = cache
    dout = as_array(dout, "dout")
    if dout.shape != mask.shape:
        raise ValueError(f"dout has shape {shape_str(dout.shape)} but needs {shape_str(mask.shape)}, "
                         f"the shape of the forward pass's input")
    dx = dout * mask
    dx += 0  # a negative gradient times False is -0.0; adding 0 makes it 0.0, as printed in the lessons
    return dx


def best_line_fit(x, y):
    """Least-squares straight line ``a x + c`` through the points (x, y): the best any stack of linear
    maps can do in one dimension, the baseline that sums of ReLUs beat (lesson 3).

    Parameters
    ----------
    x, y : array_like, shape (N,)

    Returns
    -------
    ndarray, shape (N,), float64
        The line's values at ``x``.
    """
    x = as_array(x, "x", 1, "(N,)").astype(np.float64, copy=False)
    y = as_array(y, "y", 1, "(N,)").astype(np.float64, copy=False)
    if y.shape != x.shape:
        raise ValueError(f"y has shape {y.shape} but needs {x.shape}, one value per entry of x")
    A = np.stack([x, np.ones_like(x)], axis=1)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return A @ coef
