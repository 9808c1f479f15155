"""Convolution: the lesson formula, its fast twin, and the batched layer with its backward pass.

Taught in ``02_convolution.ipynb`` (the formula, stride, padding, flipping), ``05_feature_maps.ipynb``
(channels and filter banks) and ``06_backpropagation.ipynb`` (the gradients).

The formula of the lessons is cross-correlation, as in every deep-learning library::

    (I * K)[i, j] = sum_m sum_n I[i*S + m, j*S + n] * K[m, n]

with output size ``H_out = (H + 2P - KH) // S + 1`` (and the same for W), where P is the zero padding
on each side and S the stride. ``convolve2d`` flips the kernel first: that is the convolution of
signal processing.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_int, out_shape2d, shape_str

__all__ = [
    "conv_output_size",
    "conv2d_naive", "conv2d", "convolve2d",
    "conv2d_grad_naive", "conv2d_grad",
    "conv2d_forward_naive", "conv2d_forward", "conv2d_backward_naive", "conv2d_backward",
]


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution or pooling along one axis (lesson 2).

    ``out = (size + 2*padding - kernel_size) // stride + 1``

    Parameters
    ----------
    size, kernel_size, stride, padding : int
        Input length, window length, step between windows (>= 1), zeros added on each side (>= 0).

    Returns
    -------
    int
        The number of positions where the window fits entirely inside the padded input.
    """
    size = check_int(size, "size")
    kernel_size = check_int(kernel_size, "kernel_size")
    stride = check_int(stride, "stride")
    padding = check_int(padding, "padding", minimum=0)
    return out_shape2d(size, 1, kernel_size, 1, stride, padding)[0]


# ----------------------------------------------------------------------------------------------------
# Lesson level: one 2-D image (H, W) and one 2-D kernel (KH, KW).
# ----------------------------------------------------------------------------------------------------

def _lesson_inputs(image, kernel, stride, padding):
    image = as_array(image, "image", 2, "(H, W)")
    kernel = as_array(kernel, "kernel", 2, "(KH, KW)")
    stride = check_int(stride, "stride")
    padding = check_int(padding, "padding", minimum=0)
    h_out, w_out = out_shape2d(*image.shape, *kernel.shape, stride, padding)
    dtype = np.result_type(image, kernel)
    if padding:
        image = np.pad(image, padding)
    return image.astype(dtype, copy=False), kernel.astype(dtype, copy=False), stride, h_out, w_out


def conv2d_naive(image, kernel, stride=1, padding=0):
    """Cross-correlate one image with one kernel, written as the lesson's double sum (lesson 2).

    ``out[i, j] = sum_m sum_n I[i*stride + m, j*stride + n] * K[m, n]``, with I zero-padded by
    ``padding`` on each side. Four nested loops: slow, but each line is a piece of the formula.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    stride : int, >= 1
    padding : int, >= 0

    Returns
    -------
    out : ndarray, shape (H_out, W_out)
        ``H_out = (H + 2*padding - KH) // stride + 1``, ``W_out = (W + 2*padding - KW) // stride + 1``.
    """
    I, K, stride, h_out, w_out = _lesson_inputs(image, kernel, stride, padding)
    kh, kw = K.shape
    out = np.zeros((h_out, w_out), dtype=I.dtype)
    for i in range(h_out):
        for j in range(w_out):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += I[i * stride + m, j * stride + n] * K[m, n]
            out[i, j] = total
    return out


def conv2d(image, kernel, stride=1, padding=0):
    """Cross-correlate one image with one kernel: the lesson's formula, vectorised (lesson 2).

    ``out[i, j] = sum_m sum_n I[i*stride + m, j*stride + n] * K[m, n]`` (zero padding), exactly
    :func:`conv2d_naive`, computed as ``KH*KW`` whole-image multiply-adds: for each kernel weight
    ``K[m, n]``, the strided view of the image that it meets at every output position.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    stride : int, >= 1
    padding : int, >= 0
        Zeros added on each side of the image.

    Returns
    -------
    out : ndarray, shape (H_out, W_out)
        ``H_out = (H + 2*padding - KH) // stride + 1``, ``W_out = (W + 2*padding - KW) // stride + 1``.

    Raises
    ------
    ValueError
        Wrong rank, empty or non-finite input, non-positive stride, negative padding, or a kernel larger
        than the padded image.
    TypeError
        Non-numeric input, or a stride/padding that is not a whole number.

    Examples
    --------
    The worked example of the lessons: the image 1..25 and the kernel with rows [1, 0, -1].

    >>> import numpy as np
    >>> conv2d(np.arange(1, 26).reshape(5, 5), [[1, 0, -1]] * 3)
    array([[-6., -6., -6.],
           [-6., -6., -6.],
           [-6., -6., -6.]])
    """
    I, K, stride, h_out, w_out = _lesson_inputs(image, kernel, stride, padding)
    kh, kw = K.shape
    out = np.zeros((h_out, w_out), dtype=I.dtype)
    scratch = np.empty_like(out)
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    for m in range(kh):
        for n in range(kw):
            if K[m, n] == 0:  # edge kernels are a third zeros: skip the work, the sum is the same
                continue
            np.multiply(I[m:m + row_end:stride, n:n + col_end:stride], K[m, n], out=scratch)
            out += scratch
    return out


def convolve2d(image, kernel, stride=1, padding=0):
    """True convolution: :func:`conv2d` with the kernel flipped in both axes (lesson 2).

    ``out[i, j] = sum_m sum_n I[i*stride + m, j*stride + n] * K[KH-1-m, KW-1-n]``. With ``padding = KH-1``
    and stride 1 this equals ``scipy.signal.convolve2d(image, kernel, mode="full")``; with no padding it
    equals ``mode="valid"``.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    stride : int, >= 1
    padding : int, >= 0

    Returns
    -------
    out : ndarray, shape (H_out, W_out)
        ``H_out = (H + 2*padding - KH) // stride + 1``, and the same for W.
    """
    kernel = as_array(kernel, "kernel", 2, "(KH, KW)")
    return conv2d(image, kernel[::-1, ::-1], stride=stride, padding=padding)


def conv2d_grad_naive(image, kernel, dout, stride=1, padding=0):
    """Gradients of a lesson-level :func:`conv2d`, written as the lesson's sums (lesson 6).

    ``dK[m, n] = sum_i sum_j dL/dO[i, j] * I[i*stride + m, j*stride + n]`` and every input pixel collects
    ``dL/dO[i, j] * K[m, n]`` from each output it took part in.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    dout : array_like, shape (H_out, W_out)
        The upstream gradient dL/dO.
    stride, padding : int

    Returns
    -------
    dimage : ndarray, shape (H, W)
    dkernel : ndarray, shape (KH, KW)
    """
    I, K, stride, h_out, w_out = _lesson_inputs(image, kernel, stride, padding)
    dout = _check_dout2d(dout, h_out, w_out)
    kh, kw = K.shape
    dI = np.zeros_like(I)
    dK = np.zeros_like(K)
    for i in range(h_out):
        for j in range(w_out):
            for m in range(kh):
                for n in range(kw):
                    dK[m, n] += dout[i, j] * I[i * stride + m, j * stride + n]
                    dI[i * stride + m, j * stride + n] += dout[i, j] * K[m, n]
    return _unpad(dI, padding), dK


def conv2d_grad(image, kernel, dout, stride=1, padding=0):
    """Gradients of a lesson-level :func:`conv2d`, vectorised (lesson 6).

    ``dK[m, n] = sum_i sum_j dL/dO[i, j] * I[i*stride + m, j*stride + n]``: the kernel's gradient is the
    image cross-correlated with the upstream gradient. ``dI`` spreads ``dL/dO[i, j] * K`` back over each
    window. Same results as :func:`conv2d_grad_naive`.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    dout : array_like, shape (H_out, W_out)
        The upstream gradient dL/dO, shaped like ``conv2d(image, kernel, stride, padding)``.
    stride, padding : int

    Returns
    -------
    dimage : ndarray, shape (H, W)
    dkernel : ndarray, shape (KH, KW)
    """
    I, K, stride, h_out, w_out = _lesson_inputs(image, kernel, stride, padding)
    dout = _check_dout2d(dout, h_out, w_out).astype(I.dtype, copy=False)
    kh, kw = K.shape
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    dI = np.zeros_like(I)
    dK = np.empty_like(K)
    for m in range(kh):
        for n in range(kw):
            window = I[m:m + row_end:stride, n:n + col_end:stride]
            dK[m, n] = np.vdot(window, dout)
            dI[m:m + row_end:stride, n:n + col_end:stride] += K[m, n] * dout
    return _unpad(dI, padding), dK


def _check_dout2d(dout, h_out, w_out):
    dout = as_array(dout, "dout", 2, "(H_out, W_out)")
    if dout.shape != (h_out, w_out):
        raise ValueError(f"dout has shape {shape_str(dout.shape)} but needs {shape_str((h_out, w_out))}, "
                         f"the shape of the convolution's output")
    return dout


def _unpad(a, padding):
    if not padding:
        return a
    return a[..., padding:-padding, padding:-padding]


# ----------------------------------------------------------------------------------------------------
# Layer level: a batch x (N, C, H, W), a filter bank w (F, C, KH, KW) and biases b (F,).
# ----------------------------------------------------------------------------------------------------

def _layer_inputs(x, w, b, stride, padding):
    x = as_array(x, "x", 4, "(N, C, H, W)")
    w = as_array(w, "w", 4, "(F, C, KH, KW)")
    b = as_array(b, "b", 1, "(F,)")
    stride = check_int(stride, "stride")
    padding = check_int(padding, "padding", minimum=0)
    n, c, h, wd = x.shape
    f, cw, kh, kw = w.shape
    if cw != c:
        raise ValueError(f"w has shape {w.shape} with {cw} input channel(s) but x has shape {x.shape} with "
                         f"{c} channel(s): w needs shape ({f}, {c}, {kh}, {kw})")
    if b.shape != (f,):
        raise ValueError(f"b has shape {b.shape} but needs ({f},), one bias per filter of w {w.shape}")
    h_out, w_out = out_shape2d(h, wd, kh, kw, stride, padding, image="input x", kernel="kernel of w")
    dtype = np.result_type(x, w, b)
    return (x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False),
            stride, padding, h_out, w_out)


def conv2d_forward_naive(x, w, b, stride=1, padding=0):
    """Batched convolution layer, as loops over every index (lessons 5 and 7; a reference for tests).

    ``out[n, f, i, j] = b[f] + sum_c sum_m sum_k x_pad[n, c, i*S + m, j*S + k] * w[f, c, m, k]``

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, C, KH, KW)
    b : array_like, shape (F,)
    stride, padding : int

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        ``H_out = (H + 2*padding - KH) // stride + 1``, and the same for W.
    cache : tuple
        What :func:`conv2d_backward_naive` needs.
    """
    x, w, b, stride, padding, h_out, w_out = _layer_inputs(x, w, b, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n_img, f_num = x.shape[0], w.shape[0]
    kh, kw = w.shape[2:]
    out = np.zeros((n_img, f_num, h_out, w_out), dtype=x.dtype)
    for n in range(n_img):
        for f in range(f_num):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, padding)


def conv2d_backward_naive(dout, cache):
    """Backward pass of :func:`conv2d_forward_naive`, as loops (a reference for tests).

    Parameters
    ----------
    dout : array_like, shape (N, F, H_out, W_out)
    cache : tuple from :func:`conv2d_forward_naive`

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    x, w, b, stride, padding = cache
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = w.shape[2:]
    dout = np.asarray(dout, dtype=x.dtype)
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros_like(b)
    n_img, f_num, h_out, w_out = dout.shape
    for n in range(n_img):
        for f in range(f_num):
            db[f] += dout[n, f].sum()
            for i in range(h_out):
                for j in range(w_out):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    dw[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    return _unpad(dxp, padding), dw, db


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Batched convolution layer, vectorised with im2col and one matrix product (lessons 5 and 7).

    ``out[n, f, i, j] = b[f] + sum_c sum_m sum_k x_pad[n, c, i*S + m, j*S + k] * w[f, c, m, k]``

    Every window of the padded input becomes one column of a matrix ``cols`` of shape
    ``(C*KH*KW, N*H_out*W_out)``; then ``out = w.reshape(F, C*KH*KW) @ cols + b``. The same numbers as
    :func:`conv2d_forward_naive`.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        A batch of N images with C channels.
    w : array_like, shape (F, C, KH, KW)
        A bank of F filters, each with one KH x KW kernel per input channel.
    b : array_like, shape (F,)
        One bias per filter, added to every position of its feature map.
    stride : int, >= 1
    padding : int, >= 0

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        ``H_out = (H + 2*padding - KH) // stride + 1``, ``W_out = (W + 2*padding - KW) // stride + 1``.
    cache : tuple
        What :func:`conv2d_backward` needs.

    Raises
    ------
    ValueError
        Wrong rank, mismatched channels (``w.shape[1] != x.shape[1]``) or biases (``b.shape != (F,)``),
        a kernel larger than the padded input, non-positive stride, negative padding, NaN or inf.
    TypeError
        Non-numeric arrays, or a stride/padding that is not a whole number.
    """
    x, w, b, stride, padding, h_out, w_out = _layer_inputs(x, w, b, stride, padding)
    return _forward(x, w, b, stride, padding, h_out, w_out)


def _forward(x, w, b, stride, padding, h_out, w_out):
    """:func:`conv2d_forward` on inputs already checked (the network calls this once per batch)."""
    n_img = x.shape[0]
    f_num, c, kh, kw = w.shape
    if stride == 1:
        cols = _im2col_wide(x, kh, kw, padding, h_out)
        out = w.reshape(f_num, -1) @ cols
        out += b[:, None]
        # every output row has `pitch` entries on the wide grid; the view leaves out those past W_out
        pitch = _wide_pitch(x.shape[3], kw, padding)
        out = out.reshape(f_num, n_img, h_out, pitch)[..., :w_out].transpose(1, 0, 2, 3)
        return out, (x.shape, cols, w, stride, padding)
    cols = _im2col(x, kh, kw, stride, padding, h_out, w_out)
    out = w.reshape(f_num, -1) @ cols
    out += b[:, None]
    out = out.reshape(f_num, n_img, h_out, w_out).transpose(1, 0, 2, 3)
    return out, (x.shape, cols, w, stride, padding)


def conv2d_backward(dout, cache):
    """Backward pass of :func:`conv2d_forward` (lessons 6 and 7).

    ``db[f] = sum_{n,i,j} dout[n, f, i, j]``;
    ``dw[f, c, m, k] = sum_{n,i,j} dout[n, f, i, j] * x_pad[n, c, i*S + m, j*S + k]`` (one matrix product
    with the forward pass's columns); ``dx`` collects ``dout * w`` back from every window that used each
    pixel (col2im: KH*KW strided adds).

    Parameters
    ----------
    dout : array_like, shape (N, F, H_out, W_out)
        Upstream gradient dL/dout.
    cache : tuple from :func:`conv2d_forward`

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    x_shape, cols, w, stride, padding = cache
    n_img, c, h, wd = x_shape
    f_num, _, kh, kw = w.shape
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (wd + 2 * padding - kw) // stride + 1
    dout = as_array(dout, "dout", 4, "(N, F, H_out, W_out)")
    if dout.shape != (n_img, f_num, h_out, w_out):
        raise ValueError(f"dout has shape {dout.shape} but needs {(n_img, f_num, h_out, w_out)}, "
                         f"the shape of the forward pass's output")
    return _backward(dout.astype(w.dtype, copy=False), cache)


def _backward(dout, cache, need_dx=True):
    """:func:`conv2d_backward` on a checked ``dout``; ``need_dx=False`` skips dx (a first layer's input)."""
    x_shape, cols, w, stride, padding = cache
    if stride == 1:
        return _backward_wide(dout, cache, need_dx)
    n_img, c, h, wd = x_shape
    f_num, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    dout_mat = dout.transpose(1, 0, 2, 3).reshape(f_num, -1)  # (F, N*H_out*W_out)
    db = dout_mat.sum(axis=1)
    dw = (dout_mat @ cols.T).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = (w.reshape(f_num, -1).T @ dout_mat).reshape(c, kh, kw, n_img, h_out, w_out)
    # col2im: every kernel offset adds its slice of dcols back onto the windows it read. Accumulating in
    # (C, N, H, W) order matches dcols' layout, so each add walks both arrays in memory order; dx is
    # returned as a (N, C, H, W) view of that buffer.
    dxp = np.zeros((c, n_img, h + 2 * padding, wd + 2 * padding), dtype=w.dtype)
    row_end, col_end = stride * (h_out - 1) + 1, stride * (w_out - 1) + 1
    for m in range(kh):
        for k in range(kw):
            dxp[:, :, m:m + row_end:stride, k:k + col_end:stride] += dcols[:, m, k]
    return _unpad(dxp, padding).transpose(1, 0, 2, 3), dw, db


def _backward_wide(dout, cache, need_dx):
    """Backward pass for stride 1, whose columns come from :func:`_im2col_wide`.

    The upstream gradient is laid out on the same wide grid, with zeros at the extra entries of every row:
    they multiply the extra columns of ``cols`` by exactly zero (dw), and make the matching columns of
    ``dcols`` exactly zero (dx), so the extra entries add nothing anywhere.
    """
    x_shape, cols, w, _, padding = cache
    n_img, c, h, wd = x_shape
    f_num, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    gap, pitch = _wide_gap(kw, padding), _wide_pitch(wd, kw, padding)
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


def _im2col(x, kh, kw, stride, padding, h_out, w_out):
    """Columns of every window: shape (C*KH*KW, N*H_out*W_out), rows ordered (c, m, k).

    The padded batch is viewed, without copying, as an array of shape (C, KH, KW, N, H_out, W_out) whose
    entry [c, m, k, n, i, j] is x_pad[n, c, i*S + m, j*S + k]; one reshape then copies it into GEMM order.
    """
    n_img, c, h, w = x.shape
    if padding:
        xp = np.zeros((n_img, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype)
        xp[:, :, padding:padding + h, padding:padding + w] = x
    else:
        xp = np.ascontiguousarray(x)
    s_n, s_c, s_h, s_w = xp.strides
    windows = np.ndarray((c, kh, kw, n_img, h_out, w_out), dtype=xp.dtype, buffer=xp,
                         strides=(s_c, s_h, s_w, s_n, s_h * stride, s_w * stride))
    return windows.reshape(c * kh * kw, n_img * h_out * w_out)


def _wide_gap(kw, padding):
    """Zeros between two rows of the wide grid's input: ``padding`` (shared by both rows), or more when a
    row of outputs would otherwise be longer than a row of input."""
    return max(padding, 2 * padding - kw + 1)


def _wide_pitch(w, kw, padding):
    """Entries per row of the wide grid: the image width plus the zeros between rows."""
    return w + _wide_gap(kw, padding)


def _im2col_wide(x, kh, kw, padding, h_out):
    """Columns of every window for stride 1, on the wide grid: shape (C*KH*KW, N*H_out*pitch), rows (c, m, k).

    With stride 1, the windows of one output row at kernel offset (m, k) read one contiguous run of the
    flattened padded map, and so do all H_out rows together if every output row is given as many entries
    as a row of the flattened input has (``pitch``) instead of W_out: the extra ones are windows that wrap
    around the row's end, computed and then left out. The input rows are laid out with only ``padding``
    zeros between them, shared as the right padding of one row and the left padding of the next, so that
    there are as few extra entries as possible (1 in 15 for a 3x3 kernel on 14x14 maps). Copying runs of
    H_out*pitch numbers instead of W_out is several times faster; the matrix products do a little more.
    """
    n_img, c, h, w = x.shape
    gap, pitch = _wide_gap(kw, padding), _wide_pitch(w, kw, padding)
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
