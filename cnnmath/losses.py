"""Softmax and cross-entropy, with the gradient ``p - y`` beside them (lesson 6).

``softmax(z)_c = exp(z_c) / sum_k exp(z_k)`` turns scores into probabilities; cross-entropy
``L = -sum_c y_c log p_c`` is, for a one-hot label y, minus the log-probability of the true class.
Subtracting the row maximum before ``exp`` changes nothing mathematically (it cancels in the ratio) and
keeps ``exp`` from overflowing, so logits of 1e4 are fine.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_array

__all__ = ["softmax", "log_softmax", "cross_entropy", "softmax_cross_entropy"]


def softmax(z, axis=-1):
    """Softmax along ``axis``, stable for large values (lesson 6).

    Parameters
    ----------
    z : array_like, any shape, for example (N, K) class scores
    axis : int, the class axis

    Returns
    -------
    ndarray, same shape as ``z``; entries in [0, 1] that sum to 1 along ``axis``
    """
    z = as_array(z, "z", allow_nonfinite=True)
    axis = _check_axis(axis, z.ndim)
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """Logarithm of :func:`softmax`, computed without ever taking ``log(0)`` (lesson 6).

    Parameters
    ----------
    z : array_like, any shape
    axis : int

    Returns
    -------
    ndarray, same shape as ``z``; all entries <= 0
    """
    z = as_array(z, "z", allow_nonfinite=True)
    axis = _check_axis(axis, z.ndim)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy(probs, labels):
    """Mean cross-entropy ``-log p[n, y_n]`` of given probabilities (lesson 6).

    Parameters
    ----------
    probs : array_like, shape (N, K), rows of probabilities
    labels : array_like of int, shape (N,), each in ``0 .. K-1``

    Returns
    -------
    float
    """
    probs = as_array(probs, "probs", 2, "(N, K)")
    labels = _check_labels(labels, probs.shape, "probs")
    picked = probs[np.arange(probs.shape[0]), labels]
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(picked)))


def softmax_cross_entropy(logits, labels):
    """Softmax followed by mean cross-entropy, and the gradient (lesson 6).

    ``L = -(1/N) sum_n log softmax(logits[n])[labels[n]]`` and ``dL/dlogits = (p - y) / N`` where ``p`` is
    the softmax and ``y`` the one-hot labels.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Class scores; large values (1e4) are fine.
    labels : array_like of int, shape (N,)
        The true class of each example, in ``0 .. K-1``.

    Returns
    -------
    loss : float
        The batch mean.
    dlogits : ndarray, shape (N, K)
    """
    logits = as_array(logits, "logits", 2, "(N, K)")
    labels = _check_labels(labels, logits.shape, "logits")
    return _softmax_cross_entropy(logits, labels)


def _softmax_cross_entropy(logits, labels):
    """:func:`softmax_cross_entropy` on checked inputs (the network's inner loop calls this)."""
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    # log p of the true class = shifted - log(sum exp(shifted)), never log(0)
    loss = float(np.log(total[:, 0]).sum() - shifted[rows, labels].sum()) / n
    dlogits = e / total  # p
    dlogits[rows, labels] -= 1  # p - y
    dlogits /= n  # the loss is the batch mean
    return loss, dlogits


def _check_labels(labels, shape, against):
    n, k = shape
    if isinstance(labels, numbers.Integral):
        labels = [labels]
    arr = np.asarray(labels)
    if arr.dtype.kind == "f" and arr.size and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.intp)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"labels has dtype {arr.dtype} but needs integers (class indices 0..{k - 1})")
    if arr.shape != (n,):
        raise ValueError(f"labels has shape {arr.shape} but needs ({n},), one class index per row of "
                         f"{against} {shape}")
    if arr.min() < 0 or arr.max() >= k:
        raise ValueError(f"labels has values from {arr.min()} to {arr.max()} but needs class indices "
                         f"0..{k - 1} for {against} with {k} columns")
    return arr


def _check_axis(axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis is {axis!r} but needs an int")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis is {axis} but z has only {ndim} dimension(s): needs -{ndim} <= axis < {ndim}")
    return int(axis)
