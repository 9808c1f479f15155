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

from dataclasses import dataclass

import numpy as np

from ._fast import conv as _fast_conv
from ._validate import as_array, check_int, check_position, out_shape2d, shape_str

__all__ = [
    "conv_output_size",
    "conv2d_naive", "conv2d", "convolve2d", "ConvStep", "conv_step",
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


@dataclass(frozen=True, eq=False)
class ConvStep:
    """What one step of the sliding window shows: the result of :func:`conv_step` (lesson 2).

    Attributes
    ----------
    padded : ndarray, shape (H + 2*padding, W + 2*padding)
        The image with its zero padding (a copy; the image itself when ``padding`` is 0).
    kernel : ndarray, shape (KH, KW)
        The kernel (a copy).
    stride, padding : int
    position : int
        The output position in reading order, ``0 <= position < count``.
    index : (int, int)
        ``(i, j) = divmod(position, W_out)``, the output entry this step computes.
    corner : (int, int)
        ``(i*stride, j*stride)``: the window's top-left entry, in the coordinates of ``padded``.
    window : ndarray, shape (KH, KW)
        ``padded[i*stride : i*stride + KH, j*stride : j*stride + KW]`` (a copy).
    products : ndarray, shape (KH, KW)
        ``window * kernel``, element by element.
    value : float
        ``output[i, j]``, the sum of ``products`` (as :func:`conv2d` adds them up; equal to
        ``products.sum()`` up to floating-point rounding, exactly for whole numbers).
    output : ndarray, shape (H_out, W_out)
        The whole map, ``conv2d(image, kernel, stride, padding)``.
    count : int
        ``H_out * W_out``, the number of positions.
    done : ndarray of bool, shape (H_out, W_out)
        True for the outputs computed so far: positions ``0..position`` in reading order.
    """

    padded: np.ndarray
    kernel: np.ndarray
    stride: int
    padding: int
    position: int
    index: tuple
    corner: tuple
    window: np.ndarray
    products: np.ndarray
    value: float
    output: np.ndarray
    count: int
    done: np.ndarray


def conv_step(image, kernel, position, stride=1, padding=0):
    """One step of the sliding window: output ``position`` and everything the lesson-2 explorer shows of it.

    ``output[i, j] = sum_m sum_n I[i*stride + m, j*stride + n] * K[m, n]`` with I zero-padded and
    ``(i, j) = divmod(position, W_out)``.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    position : int
        Output position in reading order (row by row), ``0 <= position < H_out * W_out``.
    stride : int, >= 1
    padding : int, >= 0

    Returns
    -------
    ConvStep
        ``output`` has shape (H_out, W_out), ``H_out = (H + 2*padding - KH) // stride + 1`` and the same for
        W; ``window`` and ``products`` have shape (KH, KW). See :class:`ConvStep` for every field.

    Raises
    ------
    ValueError
        Bad image, kernel, stride or padding (as :func:`conv2d`), or a ``position`` outside
        ``0..H_out*W_out - 1``.
    TypeError
        A ``position`` that is not a whole number.

    Examples
    --------
    >>> import numpy as np
    >>> step = conv_step(np.arange(1, 26).reshape(5, 5), [[1, 0, -1]] * 3, 4)
    >>> step.index, step.corner, step.value, step.count
    ((1, 1), (1, 1), -6.0, 9)
    """
    output = conv2d(image, kernel, stride=stride, padding=padding)  # checks every argument but position
    padded, K, stride, h_out, w_out = _lesson_inputs(image, kernel, stride, padding)
    padding = int(padding)
    count = h_out * w_out
    position = check_position(position, count, output.shape)
    i, j = divmod(position, w_out)
    kh, kw = K.shape
    r, c = i * stride, j * stride
    window = padded[r:r + kh, c:c + kw].copy()
    done = (np.arange(count) <= position).reshape(h_out, w_out)
    return ConvStep(padded=np.array(padded), kernel=np.array(K), stride=stride, padding=padding,
                    position=position, index=(i, j), corner=(r, c), window=window, products=window * K,
                    value=float(output[i, j]), output=output, count=count, done=done)


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
    cache : tuple ``(method, data)``
        What :func:`conv2d_backward` needs: ``method`` names the path that made ``data``: ``"im2col"``, the
        version described here, or one of its fast twins in ``cnnmath/_fast/conv.py``, ``"gather"`` (small
        maps: the same columns from a cached index) or ``"wide"`` (stride 1, several channels).

    Raises
    ------
    ValueError
        Wrong rank, mismatched channels (``w.shape[1] != x.shape[1]``) or biases (``b.shape != (F,)``),
        a kernel larger than the padded input, non-positive stride, negative padding, NaN or inf.
    TypeError
        Non-numeric arrays, or a stride/padding that is not a whole number.
    """
    x, w, b, stride, padding, h_out, w_out = _layer_inputs(x, w, b, stride, padding)
    n_img, c = x.shape[:2]
    kh, kw = w.shape[2:]
    # The fast twins (cnnmath/_fast/conv.py), each tested equal to _forward_im2col, when they pay:
    if c * kh * kw * n_img * h_out * w_out <= _GATHER_MAX:
        # small maps (a network's batch of digits): the columns from one gather with a cached index
        out, cols = _fast_conv.forward_gather(x, w, b, stride, padding, h_out, w_out)
        return out, ("gather", (x.shape, cols, w, stride, padding))
    if stride == 1:
        # large maps: the wide grid's contiguous copies
        out, cols = _fast_conv.forward(x, w, b, padding, h_out, w_out)
        return out, ("wide", (x.shape, cols, w, stride, padding))
    return _forward_im2col(x, w, b, stride, padding, h_out, w_out)


_GATHER_MAX = 1 << 17  # entries of the columns up to which a cached gather index beats copying strided views


def _forward_im2col(x, w, b, stride, padding, h_out, w_out):
    """The vectorised forward pass as the docstring of :func:`conv2d_forward` describes it, any stride."""
    n_img = x.shape[0]
    f_num = w.shape[0]
    cols = _im2col(x, *w.shape[2:], stride, padding, h_out, w_out)
    out = w.reshape(f_num, -1) @ cols
    out += b[:, None]
    out = out.reshape(f_num, n_img, h_out, w_out).transpose(1, 0, 2, 3)
    return out, ("im2col", (x.shape, cols, w, stride, padding))


def conv2d_backward(dout, cache, need_dx=True):
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
    need_dx : bool
        False skips ``dx`` (returned as None): the first layer of a network needs no gradient of its input
        images, and this is a third of the work.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), or None when ``need_dx`` is False
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    method, (x_shape, cols, w, stride, padding) = cache
    n_img, c, h, wd = x_shape
    f_num, _, kh, kw = w.shape
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (wd + 2 * padding - kw) // stride + 1
    dout = as_array(dout, "dout", 4, "(N, F, H_out, W_out)")
    if dout.shape != (n_img, f_num, h_out, w_out):
        raise ValueError(f"dout has shape {dout.shape} but needs {(n_img, f_num, h_out, w_out)}, "
                         f"the shape of the forward pass's output")
    dout = dout.astype(w.dtype, copy=False)
    if method == "wide":
        return _fast_conv.backward(dout, x_shape, cols, w, padding, bool(need_dx))
    if method == "gather":  # the same columns as im2col: only dx is gathered back differently
        _, dw, db = _backward_im2col(dout, x_shape, cols, w, stride, padding, need_dx=False)
        return (_fast_conv.dx_gather(dout, x_shape, w, stride, padding) if need_dx else None), dw, db
    return _backward_im2col(dout, x_shape, cols, w, stride, padding, bool(need_dx))


def _backward_im2col(dout, x_shape, cols, w, stride, padding, need_dx=True):
    """The vectorised backward pass of :func:`_forward_im2col`, as :func:`conv2d_backward` describes it."""
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


