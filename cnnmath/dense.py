"""Flatten and the dense (fully connected) layer, forward beside backward (lesson 7).

``Flatten`` turns each image's stack of feature maps into one vector; ``Dense`` computes ``x @ w + b``.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_array

__all__ = ["flatten_forward", "flatten_backward", "dense_forward", "dense_backward"]


def flatten_forward(x):
    """Flatten each example to a vector (lesson 7).

    Parameters
    ----------
    x : array_like, shape (N, d1, d2, ...), at least 2-D

    Returns
    -------
    out : ndarray, shape (N, D) with ``D = d1 * d2 * ...``, in C (row-major) order
    cache : tuple, the input's shape, for :func:`flatten_backward`
    """
    x = as_array(x, "x", None, "(N, ...)")
    if x.ndim < 2:
        raise ValueError(f"x has shape {x.shape} ({x.ndim}-D) but needs at least 2-D, (N, ...): a batch of "
                         f"examples, each flattened to one vector")
    return x.reshape(x.shape[0], -1), x.shape


def flatten_backward(dout, cache):
    """Backward pass of :func:`flatten_forward`: the gradient reshaped back (lesson 7).

    Parameters
    ----------
    dout : array_like, shape (N, D)
    cache : the input shape from :func:`flatten_forward`

    Returns
    -------
    dx : ndarray, shape (N, d1, d2, ...)
    """
    shape = tuple(cache)
    dout = as_array(dout, "dout", 2, "(N, D)")
    need = (shape[0], math.prod(shape[1:]))
    if dout.shape != need:
        raise ValueError(f"dout has shape {dout.shape} but needs {need}, the shape of the flattened output")
    return dout.reshape(shape)


def dense_forward(x, w, b):
    """Dense (fully connected) layer: ``out = x @ w + b`` (lesson 7).

    Parameters
    ----------
    x : array_like, shape (N, D)
    w : array_like, shape (D, M)
    b : array_like, shape (M,)

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : tuple ``(x, w)`` for :func:`dense_backward`
    """
    x = as_array(x, "x", 2, "(N, D)")
    w = as_array(w, "w", 2, "(D, M)")
    b = as_array(b, "b", 1, "(M,)")
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"w has shape {w.shape} but x has shape {x.shape}: w needs {x.shape[1]} rows, "
                         f"one per input feature, shape ({x.shape[1]}, M)")
    if b.shape != (w.shape[1],):
        raise ValueError(f"b has shape {b.shape} but needs ({w.shape[1]},), one bias per output of w "
                         f"{w.shape}")
    dtype = np.result_type(x, w, b)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    return x @ w + b, (x, w)


def dense_backward(dout, cache):
    """Backward pass of :func:`dense_forward` (lessons 6 and 7).

    ``dx = dout @ w.T``, ``dw = x.T @ dout``, ``db = dout.sum(axis=0)``.

    Parameters
    ----------
    dout : array_like, shape (N, M)
    cache : tuple from :func:`dense_forward`

    Returns
    -------
    dx : ndarray, shape (N, D)
    dw : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    x, w = cache
    dout = as_array(dout, "dout", 2, "(N, M)")
    need = (x.shape[0], w.shape[1])
    if dout.shape != need:
        raise ValueError(f"dout has shape {dout.shape} but needs {need}, the shape of the forward output")
    dout = dout.astype(w.dtype, copy=False)
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
