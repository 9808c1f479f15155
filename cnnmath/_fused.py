"""The network's fast path: convolution, ReLU and 2x2 max pooling as one pass (lesson 7's TinyCNN).

Mathematically this is exactly ``maxpool2d_forward(relu_forward(conv2d_forward(x, w, b, 1, p)))`` and the
matching backward passes; the tests compare the two. The main difference is where the convolution puts its
outputs. The im2col matrix's columns can be listed in any order; here they are grouped by their place in
their 2x2 pooling window, quarter by quarter (top-left, top-right, bottom-left, bottom-right: reading
order), so every quarter of every feature map is one contiguous block. Max pooling then compares four
blocks, and routing its gradient is a few multiplications and subtractions of whole blocks, with no
strided or per-window work at all. On the digits this halves the time of a training step. Two smaller
ones: the biases ride along in the matrix products (a row of ones under the columns), and ReLU is applied
after pooling, to a quarter of the numbers (see :func:`forward`).

Used only when the pooling window and stride are 2, the convolution keeps the image size (stride 1,
"same" padding) and the sides are even.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__: list[str] = []


@lru_cache(maxsize=8)
def _gather_index(n, c, h, wd, kh, kw, padding):
    """Flat positions that build the columns: ``buffer.take(index)`` is the im2col matrix, quarter by quarter.

    The buffer is the zero-padded batch, flattened, followed by one entry 1.0. Entry [q, (c, m, k), (n, i, j)]
    of the result, for the window quarter q = 2*di + dj, is x_pad[n, c, 2i + di + m, 2j + dj + k]; row C*KH*KW
    of every quarter points at the 1.0, so that the matrix products add the biases (and sum the biases'
    gradient) on their own. One gather from a cached index is faster than numpy's copy of the equivalent
    8-D strided view, whose innermost runs are only W/2 numbers long.
    """
    hp, wp = h + 2 * padding, wd + 2 * padding
    h2, w2 = h // 2, wd // 2
    flat = np.arange(n * c * hp * wp).reshape(n, c, hp, wp)
    s_n, s_c, s_h, s_w = flat.strides
    windows = np.ndarray((2, 2, c, kh, kw, n, h2, w2), dtype=flat.dtype, buffer=flat,
                         strides=(s_h, s_w, s_c, s_h, s_w, s_n, 2 * s_h, 2 * s_w))
    index = np.empty((4, c * kh * kw + 1, n * h2 * w2), dtype=np.intp)
    index[:, :-1] = windows.reshape(4, c * kh * kw, -1)
    index[:, -1] = flat.size
    index.flags.writeable = False
    return index


def forward(x, w, b, padding):
    """Conv (stride 1, ``padding``), ReLU and 2x2 max pooling of x (N, C, H, W) with w (F, C, K, K).

    Pooling comes before ReLU here: the maximum of four ReLU outputs is the ReLU of their maximum, and the
    first maximum in reading order is the same entry either way whenever that maximum is positive (when it
    is not, ReLU's gradient is zero and it does not matter which entry was first). So ReLU touches a
    quarter of the numbers, forward and backward.

    Returns
    -------
    pool : ndarray, shape (N, F, H/2, W/2)
    cache : tuple for :func:`backward` and :func:`stage_maps`
    """
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    hp, wp = h + 2 * padding, wd + 2 * padding
    size = n * c * hp * wp
    buf = np.zeros(size + 1, dtype=x.dtype)
    buf[size] = 1.0
    buf[:size].reshape(n, c, hp, wp)[:, :, padding:padding + h, padding:padding + wd] = x
    cols = buf.take(_gather_index(n, c, h, wd, kh, kw, padding))  # (4, C*K*K + 1, N*H/2*W/2)
    wb = np.empty((f, c * kh * kw + 1), dtype=x.dtype)
    wb[:, :-1] = w.reshape(f, -1)
    wb[:, -1] = b
    z = np.matmul(wb, cols)  # (4, F, N*H/2*W/2): z[q] is quarter q of every window of every map, contiguous
    top = np.maximum(z[0], z[1])
    bottom = np.maximum(z[2], z[3])
    zmax = np.maximum(top, bottom)
    # the tie rule of max pooling: the first maximum in reading order (left, then top) gets the gradient
    switches = (z[0] >= z[1], z[2] >= z[3], top >= bottom)
    positive = zmax > 0  # where ReLU passes the gradient
    pool = np.maximum(zmax, np.zeros_like(zmax), out=zmax)  # ReLU (numpy is slower with the scalar 0.0)
    pool = pool.reshape(f, n, h // 2, wd // 2).transpose(1, 0, 2, 3)
    return pool, (cols, z, switches, positive, w.shape, (n, h, wd))


def backward(dpool, cache):
    """Gradients of the weights and biases from dL/dpool (N, F, H/2, W/2); the input needs none."""
    cols, z, (left_top, left_bottom, top_wins), positive, w_shape, _ = cache
    f = w_shape[0]
    g = dpool.transpose(1, 0, 2, 3).reshape(f, -1)
    dz = np.empty_like(z)
    # Each product with a switch is exactly its input or exactly 0, so each difference is exactly the other
    # one: t = g * top_wins goes to the top row, u = g - t to the bottom row, and so on within each row.
    # Quarters 1 and 3 hold t and u until they are overwritten last.
    t, u = dz[1], dz[3]
    np.multiply(g, positive, out=u)  # ReLU
    np.multiply(u, top_wins, out=t)
    np.subtract(u, t, out=u)
    np.multiply(t, left_top, out=dz[0])
    np.subtract(t, dz[0], out=t)
    np.multiply(u, left_bottom, out=dz[2])
    np.subtract(u, dz[2], out=u)
    # sum over the quarters of dz[q] @ cols[q].T: (F, C*K*K + 1), the last column the biases' gradient
    grads = np.matmul(dz, cols.transpose(0, 2, 1)).sum(axis=0)
    return grads[:, :-1].reshape(w_shape), grads[:, -1].copy()


def stage_maps(cache):
    """The convolution and ReLU outputs as ordinary (N, F, H, W) arrays, for pictures."""
    _, z, _, _, w_shape, (n, h, wd) = cache
    f = w_shape[0]

    def unshuffle(a):  # ([di, dj], F, [n, i, j]) -> (N, F, H, W) with row 2i + di, column 2j + dj
        a = a.reshape(2, 2, f, n, h // 2, wd // 2)
        return a.transpose(3, 2, 4, 0, 5, 1).reshape(n, f, h, wd)

    return unshuffle(z), unshuffle(np.maximum(z, 0.0))
