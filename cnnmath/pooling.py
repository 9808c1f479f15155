"""Max and average pooling, forward beside backward (lesson 4: ``04_pooling.ipynb``).

``P[i, j] = max_{m, n} I[i*S + m, j*S + n]`` over a ``size x size`` window moved by ``stride``; output
size ``(H - size) // stride + 1`` (no padding). Pooling has no weights: nothing in it is learned.

Ties in max pooling: when several entries of a window share the maximum (the zeros ReLU leaves behind
are the common case), the backward pass sends that window's gradient to exactly one of them, the first
in reading order (row by row, left to right), as PyTorch does. An equality mask would instead copy the
gradient to every tied entry and multiply it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._fast import pool as _fast_pool
from ._validate import as_array, check_int, check_position, out_shape2d, shape_str

__all__ = [
    "pool_output_size",
    "max_pool2d_naive", "max_pool2d", "avg_pool2d_naive", "avg_pool2d",
    "max_pool2d_switches",
    "maxpool2d_forward_naive", "maxpool2d_forward", "maxpool2d_backward_naive", "maxpool2d_backward",
    "avgpool2d_forward", "avgpool2d_backward",
    "POOL_MODES", "pooled_by_mode", "relative_l2_change",
    "PoolStep", "pool_step",
    "TIE_RULES", "pool_routes", "pool_gradient_dx", "PoolGradientStep", "pool_gradient_step",
    "shifted_pooling",
]

#: The ways lesson 4 reduces a map window by window: "max" and "average" pooling, and "subsample" (each
#: window's top-left entry), the control of the shift test that looks at one entry only.
POOL_MODES = ("max", "average", "subsample")

#: How max pooling's backward pass may treat a window whose maximum appears more than once: "first" (the
#: package's rule, as :func:`maxpool2d_backward`), "split" (equal shares, also a valid subgradient),
#: "mask" (every tied entry gets the whole gradient: the equality-mask mistake).
TIE_RULES = ("first", "split", "mask")


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


# ----------------------------------------------------------------------------------------------------
# Lesson 4's pictures and explorers: one step of pooling, the shift test, where the gradient goes.
# ----------------------------------------------------------------------------------------------------

def pooled_by_mode(x, size=2, stride=2, mode="max"):
    """Reduce ``x`` by "max", "average" or "subsample" (each window's top-left entry) (lesson 4).

    "subsample" is the fair control of the shift test: an output of the same size as pooling's, made
    without looking at the rest of the window.

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int, >= 1
    mode : {"max", "average", "subsample"}

    Returns
    -------
    ndarray, shape (H_out, W_out)
        ``H_out = (H - size) // stride + 1``, and the same for W. "max" is :func:`max_pool2d`, "average"
        :func:`avg_pool2d`, "subsample" ``x[i*stride, j*stride]`` as float64.
    """
    if mode == "max":
        return max_pool2d(x, size, stride)
    if mode == "average":
        return avg_pool2d(x, size, stride)
    if mode == "subsample":
        x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
        x = x.astype(np.float64, copy=False)
        return x[:(h_out - 1) * stride + 1:stride, :(w_out - 1) * stride + 1:stride].copy()
    raise ValueError(f"mode is {mode!r} but needs one of {list(POOL_MODES)}")


def relative_l2_change(before, after) -> float:
    """How much a map changed: ``||after - before|| / ||before||`` (Frobenius norms) (lesson 4).

    0 means unchanged; for two non-negative maps with no overlap at all it is about ``sqrt(2)``.

    Parameters
    ----------
    before, after : array_like, the same shape, for example (H, W)

    Returns
    -------
    float
    """
    before = as_array(before, "before").astype(np.float64, copy=False)
    after = as_array(after, "after").astype(np.float64, copy=False)
    if before.shape != after.shape:
        raise ValueError(f"before has shape {before.shape} but after has {after.shape}; they need the same")
    # sums of squares rather than np.linalg.norm: norm calls BLAS, whose threads can stall for
    # milliseconds on a busy machine, and these maps are small
    norm = np.sqrt(np.sum(before * before))
    if norm == 0:
        raise ValueError("before is all zeros, so a relative change is undefined")
    diff = after - before
    return float(np.sqrt(np.sum(diff * diff)) / norm)


def _done_mask(shape, position):
    """Boolean (H_out, W_out): True for the outputs computed up to and including ``position``."""
    return (np.arange(shape[0] * shape[1]) <= position).reshape(shape)


@dataclass(frozen=True, eq=False)
class PoolStep:
    """What one step of pooling shows: the result of :func:`pool_step` (lesson 4).

    Attributes
    ----------
    x : ndarray, shape (H, W)
        The input (a copy).
    size, stride : int
    mode : str
        "max" or "average".
    position : int
        The window number in reading order, ``0 <= position < count``.
    index : (int, int)
        ``(i, j)``, the output entry this window makes: ``divmod(position, W_out)``.
    corner : (int, int)
        ``(i*stride, j*stride)``, the window's top-left entry in ``x``.
    window : ndarray, shape (size, size)
        ``x[i*stride : i*stride + size, j*stride : j*stride + size]`` (a copy).
    value : float
        ``output[i, j]``: the window's maximum or mean.
    switch : (int, int) or None
        Max mode: where in ``x`` the window's first maximum (reading order) sits, as
        :func:`max_pool2d_switches`; the entry the backward pass sends the gradient to. None in average mode.
    ties : int or None
        Max mode: how many entries of the window equal its maximum. None in average mode.
    output : ndarray, shape (H_out, W_out)
        The whole pooled map, :func:`max_pool2d` or :func:`avg_pool2d`.
    count : int
        ``H_out * W_out``, the number of windows.
    done : ndarray of bool, shape (H_out, W_out)
        True for the outputs computed so far: positions ``0..position`` in reading order.
    """

    x: np.ndarray
    size: int
    stride: int
    mode: str
    position: int
    index: tuple
    corner: tuple
    window: np.ndarray
    value: float
    switch: tuple | None
    ties: int | None
    output: np.ndarray
    count: int
    done: np.ndarray


def pool_step(x, size=2, stride=2, position=0, mode="max"):
    """One step of pooling: window number ``position`` and everything the lesson-4 explorer shows of it.

    ``output[i, j] = max`` (or mean) of ``x[i*stride + m, j*stride + n]`` over ``0 <= m, n < size``, with
    ``(i, j) = divmod(position, W_out)``.

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int, >= 1
    position : int
        Window number in reading order, ``0 <= position < H_out * W_out``.
    mode : {"max", "average"}

    Returns
    -------
    PoolStep
        ``output`` has shape (H_out, W_out), ``H_out = (H - size) // stride + 1`` and the same for W;
        ``window`` has shape (size, size); see :class:`PoolStep` for every field.

    Raises
    ------
    ValueError
        Bad ``x``, ``size`` or ``stride`` (as :func:`max_pool2d`), an unknown ``mode``, or a ``position``
        outside ``0..H_out*W_out - 1``.
    TypeError
        A ``position`` that is not a whole number.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode is {mode!r} but needs 'max' or 'average'")
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    output = max_pool2d(x, size, stride) if mode == "max" else avg_pool2d(x, size, stride)
    count = h_out * w_out
    position = check_position(position, count, output.shape)
    i, j = divmod(position, w_out)
    r0, c0 = i * stride, j * stride
    window = x[r0:r0 + size, c0:c0 + size].copy()
    switch = ties = None
    if mode == "max":
        rows, cols = max_pool2d_switches(x, size, stride)
        switch = (int(rows[i, j]), int(cols[i, j]))
        ties = int(np.count_nonzero(window == window.max()))
    return PoolStep(x=np.array(x), size=size, stride=stride, mode=mode, position=position, index=(i, j),
                    corner=(r0, c0), window=window, value=float(output[i, j]), switch=switch, ties=ties,
                    output=output, count=count, done=_done_mask(output.shape, position))


def pool_routes(x, size=2, stride=2, rule="first"):
    """Which input entries each max-pooling window sends its upstream gradient to (lesson 4).

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int, >= 1
    rule : {"first", "split", "mask"}
        "first": the window's first maximum in reading order, what :func:`maxpool2d_backward` does.
        "split": every entry equal to the maximum, each receiving an equal share of the gradient (also a
        valid subgradient). "mask": every entry equal to the maximum, each receiving the whole gradient
        (the equality-mask mistake: with a tie, the gradient is copied).

    Returns
    -------
    list of ((i, j), [(row, col), ...])
        One item per window, in reading order (H_out * W_out items); positions in the coordinates of
        ``x``. With "split" each position receives ``1 / len(positions)`` of the window's gradient (see
        :func:`pool_gradient_dx`).
    """
    if rule not in TIE_RULES:
        raise ValueError(f"rule is {rule!r} but needs one of {TIE_RULES}")
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    rows, cols = max_pool2d_switches(x, size, stride)
    routes = []
    for i in range(h_out):
        for j in range(w_out):
            if rule == "first":
                routes.append(((i, j), [(int(rows[i, j]), int(cols[i, j]))]))
            else:
                r0, c0 = i * stride, j * stride
                win = x[r0:r0 + size, c0:c0 + size]
                hits = np.argwhere(win == win.max())
                routes.append(((i, j), [(r0 + int(a), c0 + int(b)) for a, b in hits]))
    return routes


def pool_gradient_dx(x, dout, size=2, stride=2, rule="first"):
    """dx of max pooling under a tie rule (lesson 4): "first" is :func:`maxpool2d_backward` itself.

    "split" gives each of a window's n tied maxima ``dout / n`` (a valid subgradient too: dx still sums to
    what dout sent); "mask" gives each of them the whole ``dout`` (the mistake: dx sums to more).

    Parameters
    ----------
    x : array_like, shape (H, W)
    dout : array_like, shape (H_out, W_out)
        The upstream gradient, ``H_out = (H - size) // stride + 1`` and the same for W.
    size, stride : int, >= 1
    rule : {"first", "split", "mask"}

    Returns
    -------
    ndarray, shape (H, W), float64
    """
    if rule not in TIE_RULES:
        raise ValueError(f"rule is {rule!r} but needs one of {TIE_RULES}")
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    x = x.astype(np.float64, copy=False)
    dout = as_array(dout, "dout", 2, "(H_out, W_out)").astype(np.float64, copy=False)
    if dout.shape != (h_out, w_out):
        raise ValueError(f"dout has shape {shape_str(dout.shape)} but needs {shape_str((h_out, w_out))}, "
                         f"the shape of the pooled output")
    if rule == "first":
        _, cache = maxpool2d_forward(x[None, None], size, stride)
        return maxpool2d_backward(dout[None, None], cache)[0, 0]
    dx = np.zeros_like(x)
    for (i, j), targets in pool_routes(x, size, stride, rule):
        share = dout[i, j] / len(targets) if rule == "split" else dout[i, j]
        for r, c in targets:
            dx[r, c] += share
    return dx


@dataclass(frozen=True, eq=False)
class PoolGradientStep:
    """Where max pooling's backward pass sends each upstream gradient: the result of
    :func:`pool_gradient_step` (lesson 4).

    Attributes
    ----------
    x : ndarray, shape (H, W)
        The input (a copy).
    dout : ndarray, shape (H_out, W_out)
        The upstream gradient (a copy).
    size, stride : int
    rule : str
        One of :data:`TIE_RULES`.
    routes : list of ((i, j), [(row, col), ...])
        :func:`pool_routes` under ``rule``: one item per window, in reading order.
    dx : ndarray, shape (H, W)
        :func:`pool_gradient_dx` under ``rule``.
    received : dict of (row, col) -> list of float
        For every input entry some window sends to, the gradients it receives, in the windows' reading
        order: ``dout[i, j]`` from each window (i, j) routed to it, or ``dout[i, j] / n`` under "split"
        when that window shares among n tied maxima. Each list sums to ``dx[row, col]``.
    ties : list of ((i, j), int)
        The windows whose maximum appears more than once, with how many times, whatever the rule (reading
        order).
    """

    x: np.ndarray
    dout: np.ndarray
    size: int
    stride: int
    rule: str
    routes: list
    dx: np.ndarray
    received: dict
    ties: list

    @property
    def collectors(self):
        """The entries of :attr:`received` that receive more than one gradient (overlapping windows)."""
        return {pos: parts for pos, parts in self.received.items() if len(parts) > 1}


def pool_gradient_step(x, dout=None, size=2, stride=2, rule="first"):
    """Everything lesson 4's gradient explorer shows of max pooling's backward pass, computed once.

    Parameters
    ----------
    x : array_like, shape (H, W)
    dout : array_like, shape (H_out, W_out), optional
        The upstream gradient, ``H_out = (H - size) // stride + 1`` and the same for W. Default
        ``1, 2, ..., H_out * W_out`` in reading order, so that each number in dx tells which windows it
        came from.
    size, stride : int, >= 1
    rule : {"first", "split", "mask"}
        As :func:`pool_routes`.

    Returns
    -------
    PoolGradientStep
        ``routes``, ``dx`` (shape (H, W)), ``received`` and ``ties``; see :class:`PoolGradientStep`.

    Raises
    ------
    ValueError
        Bad ``x``, ``size``, ``stride`` or ``rule``, or a ``dout`` whose shape is not (H_out, W_out).
    """
    if rule not in TIE_RULES:
        raise ValueError(f"rule is {rule!r} but needs one of {TIE_RULES}")
    x, size, stride, h_out, w_out = _pool_inputs(x, size, stride)
    x = x.astype(np.float64)  # a copy: the step keeps it
    if dout is None:
        dout = np.arange(1, h_out * w_out + 1, dtype=np.float64).reshape(h_out, w_out)
    else:
        dout = as_array(dout, "dout", 2, "(H_out, W_out)").astype(np.float64)
        if dout.shape != (h_out, w_out):
            raise ValueError(f"dout has shape {shape_str(dout.shape)} but needs {shape_str((h_out, w_out))}, "
                             f"the shape of the pooled output")
    routes = pool_routes(x, size, stride, rule)
    every_max = routes if rule != "first" else pool_routes(x, size, stride, "split")
    ties = [((i, j), len(targets)) for (i, j), targets in every_max if len(targets) > 1]
    received: dict = {}
    for (i, j), targets in routes:
        part = float(dout[i, j]) / len(targets) if rule == "split" else float(dout[i, j])
        for pos in targets:
            received.setdefault(pos, []).append(part)
    dx = pool_gradient_dx(x, dout, size, stride, rule)
    return PoolGradientStep(x=x, dout=dout, size=size, stride=stride, rule=rule, routes=routes, dx=dx,
                            received=received, ties=ties)


def shifted_pooling(x, shifts=(0, 1, 2), size=2, stride=2, mode="max"):
    """The shift test on a small map: ``x`` moved right by each of ``shifts`` pixels, pooled, and which pooled
    entries differ from pooling the unmoved ``x`` (lesson 4).

    Parameters
    ----------
    x : array_like, shape (H, W)
        Its last ``max(shifts)`` columns must be zero, so that moving right loses nothing.
    shifts : sequence of int, each ``0 <= s < W``
    size, stride : int, >= 1
    mode : {"max", "average", "subsample"}
        As :func:`pooled_by_mode`.

    Returns
    -------
    list of (moved, pooled, changed), one per shift
        ``moved`` shape (H, W), ``x`` with its columns moved ``s`` to the right (zeros come in on the
        left); ``pooled`` shape (H_out, W_out), ``pooled_by_mode(moved, size, stride, mode)``; ``changed``
        bool, shape (H_out, W_out), True where ``pooled`` differs (beyond float rounding, ``np.isclose``)
        from ``pooled_by_mode(x, size, stride, mode)``.

    Raises
    ------
    ValueError
        A shift outside ``0..W-1``, non-zero entries in the columns a shift would push out, or bad ``x``,
        ``size``, ``stride``, ``mode`` (as :func:`pooled_by_mode`).
    """
    x = as_array(x, "x", 2, "(H, W)").astype(np.float64)
    shifts = [check_int(s, "shift", -x.shape[1]) for s in shifts]  # whole numbers; the range is checked next
    if not shifts or min(shifts) < 0 or max(shifts) >= x.shape[1]:
        raise ValueError(f"shifts are {shifts} but need at least one shift, each 0 <= shift < {x.shape[1]} "
                         f"(the width of x)")
    if max(shifts) and np.any(x[:, x.shape[1] - max(shifts):]):
        raise ValueError(f"x has non-zero entries in its last {max(shifts)} columns; shifting it right by "
                         f"{max(shifts)} would push them out")
    ref = pooled_by_mode(x, size, stride, mode)
    rows = []
    for s in shifts:
        moved = np.zeros_like(x)
        moved[:, s:] = x[:, :x.shape[1] - s]
        pooled = pooled_by_mode(moved, size, stride, mode)
        rows.append((moved, pooled, ~np.isclose(pooled, ref)))
    return rows
