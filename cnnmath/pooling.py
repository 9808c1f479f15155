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

from . import _parallel
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
    """(N, C, H_out, W_out): the shape a layer-level pooling pass gives an input of ``x_shape``."""
    return tuple(x_shape[:2]) + (pool_output_size(x_shape[2], size, stride),
                                 pool_output_size(x_shape[3], size, stride))


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
    cache : tuple
        The input, its pooled output, the window and the stride, for :func:`maxpool2d_backward`.
    """
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride, ndim=4, layout="(N, C, H, W)")
    return _max_forward(x, size, stride, h_out, w_out)


def _max_forward(x, size, stride, h_out, w_out):
    """:func:`maxpool2d_forward` on checked inputs."""
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    if size == 1:
        out = x[:, :, :row_end:stride, :col_end:stride].copy()
    elif size == 2 == stride and x.shape[2] % 2 == 0 and x.shape[3] % 2 == 0 and _memory_order(x):
        return _max_forward_2x2(x)
    elif stride == 1:
        return _max_forward_wide(x, size, h_out, w_out)
    else:
        cols = x[:, :, :, 0:col_end:stride].copy()  # (N, C, H, W_out): maxima over window columns
        for k in range(1, size):
            np.maximum(cols, x[:, :, :, k:k + col_end:stride], out=cols)
        out = cols[:, :, 0:row_end:stride].copy()
        for m in range(1, size):
            np.maximum(out, cols[:, :, m:m + row_end:stride], out=out)
    return out, (x, out, size, stride)


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
    x, out, size, stride = cache
    dout = as_array(dout, "dout", 4, "(N, C, H_out, W_out)")
    need = _pooled_shape(x.shape, size, stride)
    if dout.shape != need:
        raise ValueError(f"dout has shape {dout.shape} but needs {need}, the shape of the forward "
                         f"pass's output")
    return _max_backward(dout.astype(x.dtype, copy=False), cache)


def _memory_order(x):
    """The axis order (images and channels only) in which ``x`` is C-contiguous, or None.

    Pooling treats every (image, channel) map alike, so it may walk them in whatever order they lie in
    memory: the network's convolution leaves its output filter-major, as a transposed view.
    """
    for order in ((0, 1, 2, 3), (1, 0, 2, 3)):
        if x.transpose(order).flags.c_contiguous:
            return order
    return None


def _max_forward_2x2(x):
    """2x2 stride-2 max pooling of a batch whose maps are contiguous rows in memory.

    Every horizontal pair of neighbours is one row of ``x.reshape(-1, 2)``, so the column maximum is one
    operation on long 1-D views; the row maximum is one more on the halved array. Ties go to the left
    column and then to the top row: the first maximum in reading order. The two comparisons are kept
    for the backward pass.
    """
    order = _memory_order(x)
    xm = x.transpose(order)  # C-contiguous: the reshapes below are views, not copies
    a, b, h, w = xm.shape
    pairs = xm.reshape(-1, 2)
    row_max = np.maximum(pairs[:, 0], pairs[:, 1]).reshape(a, b, h // 2, 2, w // 2)
    left_wins = pairs[:, 0] >= pairs[:, 1]
    top, bottom = row_max[:, :, :, 0], row_max[:, :, :, 1]
    out = np.maximum(top, bottom)
    top_wins = top >= bottom
    return out.transpose(order), (x, ("2x2", order, left_wins, top_wins), 2, 2)


def _max_backward_2x2(dout, x, order, left_wins, top_wins):
    """Backward of :func:`_max_forward_2x2`: send each gradient to the winning row, then column."""
    dm = dout.transpose(order)
    a, b, h_out, w_out = dm.shape
    to_top = dm * top_wins
    per_row = np.empty((a, b, h_out, 2, w_out), dtype=x.dtype)
    per_row[:, :, :, 0] = to_top
    np.subtract(dm, to_top, out=per_row[:, :, :, 1])
    per_row = per_row.reshape(-1)
    dxm = np.empty((a, b, 2 * h_out, 2 * w_out), dtype=x.dtype)
    dpairs = dxm.reshape(-1, 2)
    np.multiply(per_row, left_wins, out=dpairs[:, 0])
    np.subtract(per_row, dpairs[:, 0], out=dpairs[:, 1])  # exactly the gradient or exactly 0
    return dxm.transpose(np.argsort(order))


def _max_forward_wide(x, size, h_out, w_out):
    """Stride-1 max pooling (overlapping windows) on the whole batch as one flat array, split over threads.

    With stride 1, the windows at offset (m, n) of every output of every map read one contiguous run of
    the flattened batch, if every map is given outputs at all its H*W positions: those beyond the last
    row or column of outputs are windows that wrap around into the next row or map, computed and never
    shown. So every step below is one operation on long 1-D runs, which numpy does several times faster
    than the same work on strided 4-D views, and the maps can be split over threads
    (:mod:`cnnmath._parallel`): each thread takes whole maps and stops before its last map's wrapped
    windows, so no thread writes where another does.

    Separable, as in :func:`_max_forward`: ``colmax`` holds the maximum over each window's columns at every
    position, the output the maximum over ``size`` rows of it. Both are kept for the backward pass.
    """
    order = _memory_order(x)
    xm = np.ascontiguousarray(x) if order is None else x.transpose(order)
    order = order or (0, 1, 2, 3)
    a, b, h, w = xm.shape
    flat = xm.reshape(-1)
    plane = h * w
    colmax = np.empty(flat.size, dtype=x.dtype)
    best = np.empty(flat.size, dtype=x.dtype)

    def work(lo, hi):
        start, stop = lo * plane, hi * plane
        end_c = stop - (size - 1)  # colmax at j needs x up to j + size - 1
        end_o = stop - (size - 1) * (w + 1)  # the output at j needs colmax up to j + (size - 1) * w
        cm, src = colmax[start:end_c], flat[start:stop]
        np.maximum(src[:end_c - start], src[1:1 + end_c - start], out=cm)
        for n in range(2, size):
            np.maximum(cm, src[n:n + end_c - start], out=cm)
        out = best[start:end_o]
        run = end_o - start
        np.maximum(cm[:run], cm[w:w + run], out=out)
        for m in range(2, size):
            np.maximum(out, cm[m * w:m * w + run], out=out)
        colmax[end_c:stop] = 0  # positions no window of these maps reaches: defined, never used
        best[end_o:stop] = 0

    _parallel.split_rows(work, a * b, flat.size)
    out = best.reshape(a, b, h, w)[:, :, :h_out, :w_out].transpose(order)
    return out, (x, ("wide", order, flat, colmax, best), size, 1)


def _route_first_max(values, best, grad, target, pitch, size, scratch):
    """Add each ``grad[j]`` to ``target[j + t*pitch]`` for the first t with ``values[j + t*pitch] == best[j]``.

    Candidate t takes the part of the gradient still left where it holds the maximum; what it takes is
    exactly that gradient or exactly 0 (a product with a comparison), so what is left after it is exactly
    0 or the whole gradient (a difference), and the last candidate takes whatever is left. ``scratch`` is
    two arrays of ``best``'s length for the float and bool temporaries.
    """
    run = best.size
    left, hit = scratch[0][:run], scratch[1][:run]
    share = None
    for t in range(size - 1):
        shifted = slice(t * pitch, t * pitch + run)
        np.equal(values[shifted], best, out=hit)
        share = np.multiply(grad if t == 0 else left, hit, out=share)
        target[shifted] += share
        np.subtract(grad if t == 0 else left, share, out=left)
    shifted = slice((size - 1) * pitch, (size - 1) * pitch + run)
    target[shifted] += left


def _max_backward_wide(dout, x, size, order, flat, colmax, best):
    """Backward of :func:`_max_forward_wide`, separably and with the tie rule of :func:`_max_backward`.

    The first maximum of a window in reading order lies in its first row whose column maximum equals the
    window's maximum, at the first column of that row that equals it. So the gradient goes first from each
    output to one of ``size`` rows of ``colmax``, then from each entry of ``colmax`` to one of ``size``
    columns of x: 2*size shifted adds instead of size**2. The positions that are not outputs carry a
    gradient of exactly zero, and every sum starts from +0.0 (so it is never -0.0, and adding a zero
    changes no bit), so where the batch is split between threads makes no difference to a single bit.
    """
    a, b, h, w = x.transpose(order).shape
    h_out, w_out = dout.shape[2:]
    plane = h * w
    grad = np.zeros(flat.size, dtype=x.dtype)
    grad.reshape(a, b, h, w)[:, :, :h_out, :w_out] = dout.transpose(order)
    dcol = np.empty(flat.size, dtype=x.dtype)
    dx = np.empty(flat.size, dtype=x.dtype)

    def work(lo, hi):
        start, stop = lo * plane, hi * plane
        end_c, end_o = stop - (size - 1), stop - (size - 1) * (w + 1)  # as in _max_forward_wide
        dcol[start:stop] = 0
        dx[start:stop] = 0
        scratch = (np.empty(stop - start, dtype=x.dtype), np.empty(stop - start, dtype=bool))
        _route_first_max(colmax[start:stop], best[start:end_o], grad[start:end_o], dcol[start:stop], w, size,
                         scratch)
        _route_first_max(flat[start:stop], colmax[start:end_c], dcol[start:end_c], dx[start:stop], 1, size,
                         scratch)

    _parallel.split_rows(work, a * b, flat.size)
    return dx.reshape(a, b, h, w).transpose(order)


def _max_backward(dout, cache):
    """:func:`maxpool2d_backward` on a checked ``dout``."""
    x, out, size, stride = cache
    if isinstance(out, tuple):  # a fast path's own cache
        if out[0] == "wide":
            return _max_backward_wide(dout, x, size, *out[1:])
        return _max_backward_2x2(dout, x, *out[1:])
    dx = np.zeros_like(x)
    unclaimed = np.ones(out.shape, dtype=bool)
    hit = np.empty(out.shape, dtype=bool)
    share = np.empty_like(dout)
    overlapping = stride < size
    last = size * size - 1
    for t, (m, n, view) in enumerate(_taps(x, size, stride, *out.shape[2:])):
        if t == last:
            hit = unclaimed  # whatever is left must hold its window's maximum here
        else:
            np.equal(view, out, out=hit)
            hit &= unclaimed
            unclaimed ^= hit  # hit is a subset of unclaimed: xor removes exactly the claimed windows
        np.multiply(dout, hit, out=share)
        target = dx[:, :, m:m + stride * (out.shape[2] - 1) + 1:stride, n:n + stride * (out.shape[3] - 1) + 1:stride]
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
