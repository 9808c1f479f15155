"""Max pooling's fast twins: 2x2 stride 2 on neighbouring pairs, and stride 1 on the flat batch.

Reference: ``cnnmath.pooling._max_forward_strided`` and ``cnnmath.pooling._max_backward_strided`` (the
running maximum over strided views that ``pooling.py`` describes), and through them the loops of
:func:`cnnmath.maxpool2d_forward_naive`. Each function here gives bit for bit the same output and the
same gradient, with the same tie rule (the first maximum in reading order gets the window's gradient),
signed zeros included; the one exception is stride 1 where overlapping windows share a maximum: that entry
collects their gradients in another order (rows first, then columns), so it equals the reference to
rounding. ``tests/test_fast_paths.py`` and ``tests/test_activations_pooling.py`` check it.
:func:`cnnmath.maxpool2d_forward` chooses a twin when the shapes allow and tags its cache with its name.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import threads

__all__: list[str] = []


def memory_order(x):
    """The axis order (images and channels only) in which ``x`` is C-contiguous, or None.

    Pooling treats every (image, channel) map alike, so it may walk them in whatever order they lie in
    memory: the network's convolution leaves its output filter-major, as a transposed view.
    """
    for order in ((0, 1, 2, 3), (1, 0, 2, 3)):
        if x.transpose(order).flags.c_contiguous:
            return order
    return None


@lru_cache(maxsize=16)
def _quarter_index(maps, h, w):
    """Flat positions that gather a batch of 2x2 windows quarter by quarter: shape (4, maps*H/2*W/2).

    Row q = 2*di + dj (top-left, top-right, bottom-left, bottom-right: reading order) lists, for every
    window in memory order, the position of its entry in row di and column dj. Cached per shape: one
    gather from it is several times faster than numpy's walk over strided views whose innermost runs are
    only W/2 numbers long (2 on the 4x4 maps of a second block).
    """
    flat = np.arange(maps * h * w).reshape(maps, h // 2, 2, w // 2, 2)
    index = np.ascontiguousarray(flat.transpose(2, 4, 0, 1, 3).reshape(4, -1))
    index.flags.writeable = False
    return index


@lru_cache(maxsize=16)
def _quarter_inverse(maps, h, w):
    """The inverse permutation of :func:`_quarter_index`: ``blocks.reshape(-1).take(it)`` puts the four
    quarter blocks back in the maps' own order (a gather, several times faster than the scatter
    ``out[index] = blocks``)."""
    inverse = np.empty(maps * h * w, dtype=np.intp)
    inverse[_quarter_index(maps, h, w).reshape(-1)] = np.arange(maps * h * w)
    inverse.flags.writeable = False
    return inverse


def forward_quarters(x):
    """2x2 stride-2 max pooling of a small batch whose maps lie contiguously in memory (even H and W).

    The four entries of every window are gathered into four contiguous blocks, quarter by quarter, so
    every maximum and comparison is one operation on long 1-D runs. Ties go to the left column within a
    row and to the top row between rows: the first maximum in reading order, as the reference. The
    comparisons are kept for the backward pass.

    Returns
    -------
    out : ndarray, shape (N, C, H/2, W/2)
    state : tuple ``(order, hits)`` for :func:`backward_quarters`; ``hits`` (4, windows) marks the quarter that
        holds each window's first maximum.
    """
    order = memory_order(x)
    xm = x.transpose(order)  # C-contiguous: the reshape below is a view, not a copy
    a, b, h, w = xm.shape
    q = xm.reshape(-1).take(_quarter_index(a * b, h, w))
    top = np.maximum(q[0], q[1])
    bottom = np.maximum(q[2], q[3])
    out = np.maximum(top, bottom)
    hits = np.empty(q.shape, dtype=bool)
    top_wins = np.greater_equal(top, bottom, out=hits[0])
    np.logical_not(top_wins, out=hits[2])
    left_top = q[0] >= q[1]
    left_bottom = q[2] >= q[3]
    np.logical_and(hits[2], left_bottom, out=hits[2])
    np.logical_xor(hits[2], ~top_wins, out=hits[3])  # bottom row wins and its right entry is first
    np.logical_and(top_wins, ~left_top, out=hits[1])
    np.logical_and(top_wins, left_top, out=hits[0])
    return out.reshape(a, b, h // 2, w // 2).transpose(order), (order, hits)


def backward_quarters(dout, x, order, hits):
    """Backward of :func:`forward_quarters`: each window's gradient goes to the quarter that holds its first
    maximum; the other three get ``dout * False``, exactly as the reference's products (signed zeros too)."""
    dm = dout.transpose(order)
    a, b, h_out, w_out = dm.shape
    dq = np.multiply(dm.reshape(-1), hits)  # (4, windows)
    dx = dq.reshape(-1).take(_quarter_inverse(a * b, 2 * h_out, 2 * w_out))
    # the two orders memory_order allows are their own inverses
    return dx.reshape(a, b, 2 * h_out, 2 * w_out).transpose(order)


def forward_2x2(x):
    """2x2 stride-2 max pooling of a batch whose maps lie contiguously in memory (even H and W), by pairs.

    Every horizontal pair of neighbours is one row of ``x.reshape(-1, 2)``, so the column maximum is one
    operation on long 1-D views; the row maximum is one more on the halved array. Ties go to the left
    column and then to the top row: the first maximum in reading order. On large maps this is faster than
    :func:`forward_quarters` (no gather); on small ones the halved rows are too short for numpy to run fast.

    Returns
    -------
    out : ndarray, shape (N, C, H/2, W/2)
    state : tuple ``(order, left_wins, top_wins)`` for :func:`backward_2x2`
    """
    order = memory_order(x)
    xm = x.transpose(order)  # C-contiguous: the reshapes below are views, not copies
    a, b, h, w = xm.shape
    pairs = xm.reshape(-1, 2)
    row_max = np.maximum(pairs[:, 0], pairs[:, 1]).reshape(a, b, h // 2, 2, w // 2)
    left_wins = pairs[:, 0] >= pairs[:, 1]
    top, bottom = row_max[:, :, :, 0], row_max[:, :, :, 1]
    out = np.maximum(top, bottom)
    top_wins = top >= bottom
    return out.transpose(order), (order, left_wins, top_wins)


def backward_2x2(dout, x, order, left_wins, top_wins):
    """Backward of :func:`forward_2x2`: each gradient to the winning row, then to the winning column.

    Every entry gets ``dout`` times its own "first maximum" flags, so the entries that lose get
    ``dout * False`` exactly as in the reference (a negative gradient leaves -0.0 there).
    """
    dm = dout.transpose(order)
    a, b, h_out, w_out = dm.shape
    per_row = np.empty((a, b, h_out, 2, w_out), dtype=x.dtype)
    np.multiply(dm, top_wins, out=per_row[:, :, :, 0])
    np.multiply(dm, ~top_wins, out=per_row[:, :, :, 1])
    per_row = per_row.reshape(-1)
    dxm = np.empty((a, b, 2 * h_out, 2 * w_out), dtype=x.dtype)
    dpairs = dxm.reshape(-1, 2)
    np.multiply(per_row, left_wins, out=dpairs[:, 0])
    np.multiply(per_row, ~left_wins, out=dpairs[:, 1])
    return dxm.transpose(order)  # the two orders memory_order allows are their own inverses


def forward_wide(x, size, h_out, w_out):
    """Stride-1 max pooling (overlapping windows) on the whole batch as one flat array, split over threads.

    With stride 1, the windows at offset (m, n) of every output of every map read one contiguous run of
    the flattened batch, if every map is given outputs at all its H*W positions: those beyond the last
    row or column of outputs are windows that wrap around into the next row or map, computed and never
    shown. So every step below is one operation on long 1-D runs, which numpy does several times faster
    than the same work on strided 4-D views, and the maps can be split over threads
    (:mod:`cnnmath._fast.threads`): each thread takes whole maps and stops before its last map's wrapped
    windows, so no thread writes where another does.

    Separable, as in ``cnnmath.pooling._max_forward_strided``: ``colmax`` holds the maximum over each window's columns at every
    position, the output the maximum over ``size`` rows of it. Both are kept for the backward pass.
    """
    order = memory_order(x)
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

    threads.split_rows(work, a * b, flat.size)
    out = best.reshape(a, b, h, w)[:, :, :h_out, :w_out].transpose(order)
    return out, (order, flat, colmax, best)


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


def backward_wide(dout, x, size, order, flat, colmax, best):
    """Backward of :func:`forward_wide`, separably and with the tie rule of ``cnnmath.pooling._max_backward_strided``.

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
        end_c, end_o = stop - (size - 1), stop - (size - 1) * (w + 1)  # as in forward_wide
        dcol[start:stop] = 0
        dx[start:stop] = 0
        scratch = (np.empty(stop - start, dtype=x.dtype), np.empty(stop - start, dtype=bool))
        _route_first_max(colmax[start:stop], best[start:end_o], grad[start:end_o], dcol[start:stop], w, size,
                         scratch)
        _route_first_max(flat[start:stop], colmax[start:end_c], dcol[start:end_c], dx[start:stop], 1, size,
                         scratch)

    threads.split_rows(work, a * b, flat.size)
    return dx.reshape(a, b, h, w).transpose(order)
