"""Convolution's fast twins: columns gathered with a cached index, and stride 1 on the wide grid.

Reference: ``cnnmath.conv._forward_im2col`` and ``cnnmath.conv._backward_im2col`` (the readable im2col
version in ``conv.py``), and through them :func:`cnnmath.conv2d_forward_naive`. ``tests/test_fast_paths.py``
checks that every function here gives the same numbers (the gather path bit for bit, forward, dw and dx;
the wide grid to rounding: its sums run in another order).

The gather path (:func:`forward_gather`) builds exactly the reference's columns with one ``take``; it pays
on small maps, where numpy's copy of a strided view has very short innermost runs. The wide grid
(:func:`forward`): with stride 1, the windows of one output row at kernel offset (m, k) read one contiguous
run of the flattened padded map, and so do all H_out rows together if every output row is given as many
entries as a row of the flattened input has (``pitch``) instead of W_out. The extra ones are windows that
wrap around the row's end, computed and then left out. Copying runs of H_out*pitch numbers is several times
faster than the strided copy of the readable version on large maps; the matrix products do a little more.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__: list[str] = []


def wide_gap(kw, padding):
    """Zeros between two rows of the wide grid's input: ``padding`` (shared by both rows), or more when a
    row of outputs would otherwise be longer than a row of input."""
    return max(padding, 2 * padding - kw + 1)


def wide_pitch(w, kw, padding):
    """Entries per row of the wide grid: the image width plus the zeros between rows."""
    return w + wide_gap(kw, padding)


def im2col_wide(x, kh, kw, padding, h_out):
    """Columns of every window for stride 1, on the wide grid: shape (C*KH*KW, N*H_out*pitch), rows (c, m, k).

    Twin of ``cnnmath.conv._im2col(x, kh, kw, 1, padding, h_out, w_out)``: dropping the ``pitch - W_out``
    extra entries of every output row gives exactly its columns. The input rows are laid out with only
    ``padding`` zeros between them, shared as the right padding of one row and the left padding of the
    next, so that there are as few extra entries as possible (1 in 15 for a 3x3 kernel on 14x14 maps).
    """
    n_img, c, h, w = x.shape
    gap, pitch = wide_gap(kw, padding), wide_pitch(w, kw, padding)
    plane = (h + 2 * padding) * pitch
    # spare zeros at the end: the last map's wrapped windows read them (they are never outputs)
    spare = kw - 1 + gap - padding
    buf = np.zeros(n_img * c * plane + spare, dtype=x.dtype)
    xp = buf[:n_img * c * plane].reshape(n_img, c, h + 2 * padding, pitch)
    xp[:, :, padding:padding + h, gap:gap + w] = x
    size = buf.itemsize
    # padded pixel (r, col) of map (n, c) is at flat r*pitch + (gap - padding) + col of that map, so entry
    # [c, m, k, n, t] = the flat map (n, c) at (gap - padding) + m*pitch + k + t, for t < H_out*pitch
    windows = np.ndarray((c, kh, kw, n_img, h_out * pitch), dtype=buf.dtype, buffer=buf,
                         offset=(gap - padding) * size,
                         strides=(plane * size, pitch * size, size, c * plane * size, size))
    return windows.reshape(c * kh * kw, n_img * h_out * pitch)


def forward(x, w, b, padding, h_out, w_out):
    """Stride-1 convolution layer of checked inputs; twin of ``conv._forward_im2col(x, w, b, 1, padding)``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W); w : ndarray, shape (F, C, KH, KW); b : ndarray, shape (F,)

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        A view of the wide grid that leaves out the extra entries of every row (no copy).
    cols : ndarray, shape (C*KH*KW, N*H_out*pitch), for :func:`backward`
    """
    n_img = x.shape[0]
    f_num, c, kh, kw = w.shape
    cols = im2col_wide(x, kh, kw, padding, h_out)
    wide = w.reshape(f_num, -1) @ cols
    wide += b[:, None]
    pitch = wide_pitch(x.shape[3], kw, padding)
    return wide.reshape(f_num, n_img, h_out, pitch)[..., :w_out].transpose(1, 0, 2, 3), cols


def backward(dout, x_shape, cols, w, padding, need_dx=True):
    """Backward pass of :func:`forward`; twin of ``conv._backward_im2col`` for stride 1.

    The upstream gradient is laid out on the same wide grid, with zeros at the extra entries of every row:
    they multiply the extra columns of ``cols`` by exactly zero (dw), and make the matching columns of
    ``dcols`` exactly zero (dx), so the extra entries add nothing anywhere.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), or None when ``need_dx`` is False
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    n_img, c, h, wd = x_shape
    f_num, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    gap, pitch = wide_gap(kw, padding), wide_pitch(wd, kw, padding)
    lead = gap - padding  # flat offset of padded column 0 within a row's `pitch` entries
    span = h_out * pitch  # one image's outputs on the wide grid
    total = n_img * span
    g = np.zeros((f_num, n_img, h_out, pitch), dtype=w.dtype)
    g[..., :w_out] = dout.transpose(1, 0, 2, 3)
    g = g.reshape(f_num, total)
    db = g @ np.ones(total, dtype=w.dtype)  # the row sums, as one matrix-vector product
    dw = (cols @ g.T).T.reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = (w.reshape(f_num, -1).T @ g).reshape(c, kh, kw, total)
    # col2im on the flat wide grid. Kernel column k reads the input k places further along the flat index,
    # so its gradient is dcols shifted by k: for each kernel row m, the KW shifts are summed first, each one
    # contiguous add in dcols' own buffer. Then the sum is added m rows further down. An entry pushed past
    # the end of its row (or its image) lands where the input has the zeros between rows: padding, whose
    # gradient is dropped; the extra entries of each row are exactly zero.
    same = h_out == h
    if same:
        # "same" padding: keep only the H real rows of every map, so an image's rows follow each other at
        # the same pitch as in dcols and every kernel row's add is one contiguous shift of the whole batch.
        # The rows that would land on the padding (a neighbouring image's territory here) are zeroed first.
        acc = np.zeros((c, total), dtype=w.dtype)
    else:
        acc = np.zeros((c, n_img, (h + 2 * padding) * pitch + lead), dtype=w.dtype)
    for m in range(kh):
        if same:
            first, stop = max(0, padding - m), min(h, h + padding - m)  # rows of dcols that land on x
            if first >= stop:
                continue
        row = dcols[:, m, 0]
        for k in range(1, min(kw, total)):  # a shift past the whole batch lands on padding only
            np.add(row[:, k:], dcols[:, m, k, :total - k], out=row[:, k:])
        if same:
            grid = row.reshape(c, n_img, h_out, pitch)
            grid[:, :, :first] = 0
            grid[:, :, stop:] = 0
            shift = (m - padding) * pitch + lead
            if shift < 0:
                np.add(acc[:, :total + shift], row[:, -shift:], out=acc[:, :total + shift])
            else:
                np.add(acc[:, shift:], row[:, :total - shift], out=acc[:, shift:])
        else:
            start = m * pitch + lead
            acc[:, :, start:start + span] += row.reshape(c, n_img, span)
    if same:
        dx = acc.reshape(c, n_img, h, pitch)[..., gap:gap + wd]
    else:
        rows = acc[:, :, :(h + 2 * padding) * pitch].reshape(c, n_img, h + 2 * padding, pitch)
        dx = rows[:, :, padding:padding + h, gap:gap + wd]
    return dx.transpose(1, 0, 2, 3), dw, db


@lru_cache(maxsize=8)
def _gather_index(n_img, c, hp, wp, kh, kw, stride, h_out, w_out):
    """Flat positions in the zero-padded batch (N, C, Hp, Wp) of every window entry, in im2col order.

    Entry [(c, m, k), (n, i, j)] is the flat position of x_pad[n, c, i*S + m, j*S + k]: ``take`` with it
    builds exactly the columns of ``cnnmath.conv._im2col``. Cached per shape, read-only.
    """
    flat = np.arange(n_img * c * hp * wp).reshape(n_img, c, hp, wp)
    s_n, s_c, s_h, s_w = flat.strides
    windows = np.ndarray((c, kh, kw, n_img, h_out, w_out), dtype=flat.dtype, buffer=flat,
                         strides=(s_c, s_h, s_w, s_n, s_h * stride, s_w * stride))
    index = np.ascontiguousarray(windows.reshape(c * kh * kw, -1))
    index.flags.writeable = False
    return index


def forward_gather(x, w, b, stride, padding, h_out, w_out):
    """Convolution layer of checked inputs with the columns gathered from a cached index.

    Twin of ``cnnmath.conv._forward_im2col``: the same columns in the same order, so the same matrix
    product and the same bits. One ``take`` is faster than numpy's copy of the strided window view when
    the maps are small (its innermost runs are only W_out numbers long).

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out), a transposed view of a C-contiguous (F, N, H_out, W_out) array
    cols : ndarray, shape (C*KH*KW, N*H_out*W_out), for the backward pass (dx: :func:`dx_gather`)
    """
    n_img, c, h, wd = x.shape
    f_num, _, kh, kw = w.shape
    if padding:
        xp = np.zeros((n_img, c, h + 2 * padding, wd + 2 * padding), dtype=x.dtype)
        xp[:, :, padding:padding + h, padding:padding + wd] = x
    else:
        xp = np.ascontiguousarray(x)
    cols = xp.reshape(-1).take(_gather_index(n_img, c, *xp.shape[2:], kh, kw, stride, h_out, w_out))
    out = w.reshape(f_num, -1) @ cols
    out += b[:, None]
    return out.reshape(f_num, n_img, h_out, w_out).transpose(1, 0, 2, 3), cols


@lru_cache(maxsize=8)
def _scatter_index(n_img, c, h, wd, kh, kw, stride, padding, h_out, w_out):
    """For every input pixel, where its gradient's KH*KW terms lie in ``dcols``: shape (KH*KW, C*N*H*W).

    Row ``m*KW + k``, column (c, n, y, x) (channel-major, the layout of the network's feature maps) is the
    flat position in ``dcols`` (C*KH*KW, N*H_out*W_out) of entry [(c, m, k), (n, i, j)] for the window (i, j)
    that read pixel (y, x) at kernel offset (m, k), that is ``i*S + m - padding = y`` and the same for x; where
    no window did (edges, strides), the position ``dcols.size``: one zero kept after dcols. Cached per
    shape, read-only. It is the inverse of :func:`_gather_index` without the padding.
    """
    size = c * kh * kw * n_img * h_out * w_out
    ch, im, y, x = np.ogrid[:c, :n_img, :h, :wd]
    index = np.empty((kh, kw, c, n_img, h, wd), dtype=np.intp)
    for m in range(kh):
        i, i_off = np.divmod(y + padding - m, stride)
        rows = (i_off == 0) & (i >= 0) & (i < h_out)
        for k in range(kw):
            j, j_off = np.divmod(x + padding - k, stride)
            used = rows & (j_off == 0) & (j >= 0) & (j < w_out)
            flat = ((ch * kh + m) * kw + k) * (n_img * h_out * w_out) + (im * h_out + i) * w_out + j
            index[m, k] = np.where(used, flat, size)
    index = index.reshape(kh * kw, -1)
    index.flags.writeable = False
    return index


def dx_gather(dout, x_shape, w, stride, padding):
    """dL/dx of :func:`forward_gather`; twin of the col2im part of ``cnnmath.conv._backward_im2col``.

    ``dcols = w^T @ dout`` as in the reference. Then every pixel gathers its KH*KW terms from ``dcols``
    with one ``take`` (:func:`_scatter_index`; a zero where no window read it) and adds them in kernel
    order (m, k) starting from +0.0: the reference's own additions in its own order, so the same bits,
    signed zeros included. The padding's gradient, which the reference drops, is never computed. dw and
    db are the reference's own.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), a transposed view of a C-contiguous (C, N, H, W) array (channel-major,
        as the network's feature maps lie)
    """
    n_img, c, h, wd = x_shape
    f_num, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    size = c * kh * kw * n_img * h_out * w_out
    index = _scatter_index(n_img, c, h, wd, kh, kw, stride, padding, h_out, w_out)
    dcols = np.empty(size + 1, dtype=w.dtype)
    dcols[size] = 0
    np.matmul(w.reshape(f_num, -1).T, dout.transpose(1, 0, 2, 3).reshape(f_num, -1),
              out=dcols[:size].reshape(c * kh * kw, n_img * h_out * w_out))
    dx = np.add.reduce(dcols.take(index), axis=0, initial=0.0)
    return dx.reshape(c, n_img, h, wd).transpose(1, 0, 2, 3)
