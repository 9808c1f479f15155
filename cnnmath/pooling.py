"""Max and average pooling, forward beside backward (lesson 4: ``04_pooling.ipynb``).

``P[i, j] = max_{m, n} I[i*S + m, j*S + n]`` over a ``size x size`` window moved by ``stride``; output
size ``(H - size) // stride + 1`` (no padding). Pooling has no weights: nothing in it is learned.

Ties in max pooling: when several entries of a window share the maximum (the zeros ReLU leaves behind
are the common case), the backward pass sends that window's gradient to exactly one of them, the first
in reading order (row by row, left to right), as PyTorch does. An equality mask would instead copy the
gradient to every tied entry and multiply it.
"""

from __future__ import annotations

import numpy as np

from ._fast import pool as _fast_pool
from ._validate import as_array, check_int, out_shape2d

__all__ = [
    "pool_output_size",
    "max_pool2d_naive", "max_pool2d", "avg_pool2d_naive", "avg_pool2d",
    "max_pool2d_switches",
    "maxpool2d_forward_naive", "maxpool2d_forward", "maxpool2d_backward_naive", "maxpool2d_backward",
    "avgpool2d_forward", "avgpool2d_backward",
]


def pool_output_size(size: int, window: int = 2, stride: int = 2) -> int:
    """Output length of pooling along one axis: ``(size - window) // stride + 1`` (lesson 4)."""
    size, window, stride = check_int(size, "size"), check_int(window, "window"), check_int(stride, "stride")
    return out_shape2d(size, 1, window, 1, stride, image="input", kernel="window")[0]


def _pooled_shape(x_shape, size, stride):
    """(N, C, H_out, W_out): the shape a layer-level pooling pass gives an input of ``x_shape`` (whose
    size and stride the forward pass has already checked)."""
    return (x_shape[0], x_shape[1], (x_shape[2] - size) // stride + 1, (x_shape[3] - size) // stride + 1)


def _pool_inputs(x, size, stride, name="x", ndim=2, layout="(H, W)"):
    x = as_array(x, name, ndim, layout)
    size = check_int(size, "size")
    stride = check_int(stride, "stride")
    h_out, w_out = out_shape2d(x.shape[-2], x.shape[-1], size, size, stride,
                               image=f"input {name}", kernel="pooling window")
    return x, size, stride, h_out, w_out


def _taps(x, size, stride, h_out, w_out):
    """Yield ``(m, n, view)``: for each window offset, the strided view it reads at every output position."""
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    for m in range(size):
        for n in range(size):
            yield m, n, x[..., m:m + row_end:stride, n:n + col_end:stride]


# ----------------------------------------------------------------------------------------------------
# Lesson level: one 2-D feature map (H, W).
# ----------------------------------------------------------------------------------------------------

def max_pool2d_naive(x, size=2, stride=2):
    """Max pooling of one feature map, as the lesson's loops (lesson 4).

    ``P[i, j] = max over 0 <= m, n < size of x[i*stride + m, j*stride + n]``

    Parameters
    ----------
    x : array_like, shape (H, W)
    size : int, window side, >= 1
    stride : int, step between windows, >= 1

    Returns
    -------
    ndarray, shape (H_out, W_out)
        ``H_out = (H - size) // stride + 1``, ``W_out = (W - size) // stride + 1``.
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    out = np.empty((h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out


def max_pool2d(x, size=2, stride=2):
    """Max pooling of one feature map, vectorised (lesson 4).

    ``P[i, j] = max over 0 <= m, n < size of x[i*stride + m, j*stride + n]``; the same numbers as
    :func:`max_pool2d_naive`, computed as a running maximum over the ``size*size`` strided views.

    Parameters
    ----------
    x : array_like, shape (H, W)
    size : int, window side, >= 1
    stride : int, step between windows, >= 1 (``stride < size`` gives overlapping windows)

    Returns
    -------
    ndarray, shape (H_out, W_out)
        ``H_out = (H - size) // stride + 1``, ``W_out = (W - size) // stride + 1``.

    Examples
    --------
    >>> max_pool2d([[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 3]])
    array([[6., 5.],
           [3., 4.]])
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    return _max_over_taps(x, size, stride, h_out, w_out)


def avg_pool2d_naive(x, size=2, stride=2):
    """Average pooling of one feature map, as loops (lesson 4).

    ``P[i, j] = mean over 0 <= m, n < size of x[i*stride + m, j*stride + n]``

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int, >= 1

    Returns
    -------
    ndarray, shape (H_out, W_out), ``H_out = (H - size) // stride + 1`` and the same for W.
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    out = np.empty((h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].mean()
    return out


def avg_pool2d(x, size=2, stride=2):
    """Average pooling of one feature map, vectorised (lesson 4).

    ``P[i, j] = mean over 0 <= m, n < size of x[i*stride + m, j*stride + n]``

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int, >= 1

    Returns
    -------
    ndarray, shape (H_out, W_out), ``H_out = (H - size) // stride + 1`` and the same for W.
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    total = np.zeros((h_out, w_out), dtype=x.dtype)
    for _, _, view in _taps(x, size, stride, h_out, w_out):
        total += view
    return total / (size * size)


def max_pool2d_switches(x, size=2, stride=2):
    """Where each window's maximum sits: the "switches" that route max pooling's gradient (lesson 4).

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int, >= 1

    Returns
    -------
    rows, cols : ndarray of int, each shape (H_out, W_out)
        ``x[rows[i, j], cols[i, j]]`` is the maximum of window (i, j); with ties, the first in reading
        order.
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    _, arg = _max_and_arg(x, size, stride, h_out, w_out)
    m, n = np.divmod(arg, size)
    rows = np.arange(h_out)[:, None] * stride + m
    cols = np.arange(w_out)[None, :] * stride + n
    return rows, cols


def _max_over_taps(x, size, stride, h_out, w_out):
    out = None
    for _, _, view in _taps(x, size, stride, h_out, w_out):
        out = view.copy() if out is None else np.maximum(out, view, out=out)
    return out


def _max_and_arg(x, size, stride, h_out, w_out):
    """Running max over the window offsets, and the offset ``m*size + n`` of the first maximum."""
    best = arg = None
    for m, n, view in _taps(x, size, stride, h_out, w_out):
        if best is None:
            best = view.copy()
            arg = np.zeros(best.shape, dtype=np.intp)
            continue
        better = view > best  # strictly greater: on a tie the earlier offset keeps the gradient
        np.copyto(best, view, where=better)
        arg[better] = m * size + n
    return best, arg


# ----------------------------------------------------------------------------------------------------
# Layer level: a batch (N, C, H, W); pooling acts on each channel of each image separately.
# ----------------------------------------------------------------------------------------------------

def maxpool2d_forward_naive(x, size=2, stride=2):
    """Max pooling layer, as loops over every index (a reference for tests).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size, stride : int, >= 1

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out), ``H_out = (H - size) // stride + 1``
    cache : tuple for :func:`maxpool2d_backward_naive`
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride, ndim=4, layout="(N, C, H, W)")
    n_img, c = x.shape[:2]
    out = np.empty((n_img, c, h_out, w_out), dtype=x.dtype)
    for n in range(n_img):
        for ch in range(c):
            out[n, ch] = max_pool2d_naive(x[n, ch], size, stride)
    return out, (x, size, stride)


def maxpool2d_backward_naive(dout, cache):
    """Backward pass of max pooling, as loops: each window's gradient goes to its first maximum.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
    cache : tuple from :func:`maxpool2d_forward_naive`

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    x, size, stride = cache
    dout = np.asarray(dout, dtype=x.dtype)
    dx = np.zeros_like(x)
    n_img, c, h_out, w_out = dout.shape
    for n in range(n_img):
        for ch in range(c):
            for i in range(h_out):
                for j in range(w_out):
                    window = x[n, ch, i * stride:i * stride + size, j * stride:j * stride + size]
                    m, k = np.unravel_index(np.argmax(window), window.shape)  # argmax: first maximum
                    dx[n, ch, i * stride + m, j * stride + k] += dout[n, ch, i, j]
    return dx


def maxpool2d_forward(x, size=2, stride=2):
    """Max pooling layer, vectorised (lessons 4 and 7).

    ``out[n, c, i, j] = max over 0 <= m, k < size of x[n, c, i*stride + m, j*stride + k]``

    Computed separably: the maximum over each window's columns first, then over its rows (a window's
    maximum is the maximum of its row maxima), each as a running ``np.maximum`` over strided views: no
    Python loop over images or pixels, and no copy of the windows.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int, window side, >= 1
    stride : int, >= 1 (``stride < size``: overlapping windows)

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``H_out = (H - size) // stride + 1``, ``W_out = (W - size) // stride + 1``.
    cache : tuple ``(method, (x, size, stride, state))``
        For :func:`maxpool2d_backward`. ``method`` names the path that computed the output and ``state``
        is what that path's backward needs: ``"strided"`` (the version described here; ``state`` is the
        pooled output), or one of its fast twins in ``cnnmath/_fast/pool.py``: for 2x2 windows with stride 2
        on maps that lie contiguously in memory, ``"quarters"`` (a small batch, gathered window quarter by
        window quarter) or ``"pairs"`` (a large one, by neighbouring pairs); ``"wide"`` for stride 1.
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride, ndim=4, layout="(N, C, H, W)")
    if size == 2 == stride and x.shape[2] % 2 == 0 and x.shape[3] % 2 == 0 and _fast_pool.memory_order(x):
        if x.size <= _QUARTERS_MAX:  # a batch of small maps, as in the networks of lessons 7 and 8
            out, state = _fast_pool.forward_quarters(x)
            return out, ("quarters", (x, size, stride, state))
        out, state = _fast_pool.forward_2x2(x)
        return out, ("pairs", (x, size, stride, state))
    if stride == 1 and size > 1:
        out, state = _fast_pool.forward_wide(x, size, h_out, w_out)
        return out, ("wide", (x, size, stride, state))
    out = _max_forward_strided(x, size, stride, h_out, w_out)
    return out, ("strided", (x, size, stride, out))


_QUARTERS_MAX = 1 << 16  # entries up to which gathering the windows' quarters beats working on pairs


def _max_forward_strided(x, size, stride, h_out, w_out):
    """The running maximum of :func:`maxpool2d_forward`'s docstring, columns first, then rows."""
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    cols = x[:, :, :, 0:col_end:stride].copy()  # (N, C, H, W_out): maxima over window columns
    for k in range(1, size):
        np.maximum(cols, x[:, :, :, k:k + col_end:stride], out=cols)
    out = cols[:, :, 0:row_end:stride].copy()
    for m in range(1, size):
        np.maximum(out, cols[:, :, m:m + row_end:stride], out=out)
    return out


def maxpool2d_backward(dout, cache):
    """Backward pass of max pooling (lessons 4, 6 and 7).

    Each window's upstream gradient goes to the one input entry that was its maximum (the first in
    reading order when several tie); every other entry of the window gets nothing. With overlapping
    windows an entry that is the maximum of several windows collects the sum of their gradients.

    The window offsets are visited in reading order; each claims the windows whose maximum it holds and
    that no earlier offset has claimed. That is the tie rule, and it needs only comparisons of whole
    strided views.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
    cache : tuple from :func:`maxpool2d_forward`

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    method, (x, size, stride, state) = cache
    dout = as_array(dout, "dout", 4, "(N, C, H_out, W_out)")
    need = _pooled_shape(x.shape, size, stride)
    if dout.shape != need:
        raise ValueError(f"dout has shape {dout.shape} but needs {need}, the shape of the forward "
                         f"pass's output")
    dout = dout.astype(x.dtype, copy=False)
    if method == "quarters":
        return _fast_pool.backward_quarters(dout, x, *state)
    if method == "pairs":
        return _fast_pool.backward_2x2(dout, x, *state)
    if method == "wide":
        return _fast_pool.backward_wide(dout, x, size, *state)
    return _max_backward_strided(dout, x, size, stride, state)


def _max_backward_strided(dout, x, size, stride, out):
    """The claiming walk of :func:`maxpool2d_backward`'s docstring, for the output of the strided path."""
    dx = np.zeros_like(x)
    unclaimed = np.ones(out.shape, dtype=bool)
    hit = np.empty(out.shape, dtype=bool)
    share = np.empty_like(dout)
    overlapping = stride < size
    last = size * size - 1
    h_out, w_out = out.shape[2:]
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    for t, (m, n, view) in enumerate(_taps(x, size, stride, h_out, w_out)):
        if t == last:
            hit = unclaimed  # whatever is left must hold its window's maximum here
        else:
            np.equal(view, out, out=hit)
            hit &= unclaimed
            unclaimed ^= hit  # hit is a subset of unclaimed: xor removes exactly the claimed windows
        np.multiply(dout, hit, out=share)
        target = dx[:, :, m:m + row_end:stride, n:n + col_end:stride]
        if overlapping:
            target += share
        else:
            target[...] = share  # windows do not overlap: each entry belongs to one window at most
    return dx


def avgpool2d_forward(x, size=2, stride=2):
    """Average pooling layer (lesson 4).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size, stride : int, >= 1

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out), ``H_out = (H - size) // stride + 1``
    cache : tuple for :func:`avgpool2d_backward`
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride, ndim=4, layout="(N, C, H, W)")
    total = np.zeros(x.shape[:2] + (h_out, w_out), dtype=x.dtype)
    for _, _, view in _taps(x, size, stride, h_out, w_out):
        total += view
    return total / (size * size), (x.shape, x.dtype, size, stride)


def avgpool2d_backward(dout, cache):
    """Backward pass of average pooling: every entry of a window gets ``dout / size**2`` (lesson 4).

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
    cache : tuple from :func:`avgpool2d_forward`

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    x_shape, dtype, size, stride = cache
    dout = as_array(dout, "dout", 4, "(N, C, H_out, W_out)").astype(dtype, copy=False)
    h_out, w_out = dout.shape[2:]
    need = _pooled_shape(x_shape, size, stride)
    if dout.shape != need:
        raise ValueError(f"dout has shape {dout.shape} but needs {need}, the shape of the forward output")
    dx = np.zeros(x_shape, dtype=dtype)
    share = dout / (size * size)
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    for m in range(size):
        for n in range(size):
            dx[:, :, m:m + row_end:stride, n:n + col_end:stride] += share
    return dx
