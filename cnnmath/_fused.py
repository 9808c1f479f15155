"""The network's fast path: convolution, ReLU and 2x2 max pooling as one pass (lesson 7's TinyCNN).

Mathematically this is exactly ``maxpool2d_forward(relu_forward(conv2d_forward(x, w, b, 1, p)))`` and the
matching backward passes; the tests compare the two. The only difference is where the convolution puts its
outputs. The im2col matrix's columns can be listed in any order; here they are grouped by their place in
their 2x2 pooling window, quarter by quarter (top-left, top-right, bottom-left, bottom-right: reading
order), so every quarter of every feature map is one contiguous block. Max pooling then compares four
blocks, and routing its gradient is two multiplications and two subtractions, with no strided or
per-window work at all. On the digits this halves the time of a training step.

Used only when the pooling window and stride are 2, the convolution keeps the image size (stride 1,
"same" padding) and the sides are even.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def forward(x, w, b, padding):
    """Conv (stride 1, ``padding``), ReLU and 2x2 max pooling of x (N, C, H, W) with w (F, C, K, K).

    Returns
    -------
    pool : ndarray, shape (N, F, H/2, W/2)
    cache : tuple for :func:`backward` and :func:`stage_maps`
    """
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    h2, w2 = h // 2, wd // 2
    xp = np.zeros((n, c, h + 2 * padding, wd + 2 * padding), dtype=x.dtype)
    xp[:, :, padding:padding + h, padding:padding + wd] = x
    s_n, s_c, s_h, s_w = xp.strides
    # entry [c, m, k, di, dj, n, i, j] = xp[n, c, 2i + di + m, 2j + dj + k]
    windows = np.ndarray((c, kh, kw, 2, 2, n, h2, w2), dtype=xp.dtype, buffer=xp,
                         strides=(s_c, s_h, s_w, s_h, s_w, s_n, 2 * s_h, 2 * s_w))
    cols = windows.reshape(c * kh * kw, 4 * n * h2 * w2)
    z = w.reshape(f, -1) @ cols
    z += b[:, None]
    z = z.reshape(f, 4, n * h2 * w2)  # z[:, q] is quarter q of every window of every map
    act = np.maximum(z, 0.0)
    top = np.maximum(act[:, 0], act[:, 1])
    bottom = np.maximum(act[:, 2], act[:, 3])
    pool = np.maximum(top, bottom)
    # the tie rule of max pooling: the first maximum in reading order (left, then top) gets the gradient
    switches = (act[:, 0] >= act[:, 1], act[:, 2] >= act[:, 3], top >= bottom)
    pool = pool.reshape(f, n, h2, w2).transpose(1, 0, 2, 3)
    return pool, (cols, z, act, switches, w.shape, (n, h, wd))


def backward(dpool, cache):
    """Gradients of the weights and biases from dL/dpool (N, F, H/2, W/2); the input needs none."""
    cols, z, act, (left_top, left_bottom, top_wins), w_shape, _ = cache
    f = w_shape[0]
    g = dpool.transpose(1, 0, 2, 3).reshape(f, -1)
    dact = np.empty_like(act)
    to_top = g * top_wins
    np.subtract(g, to_top, out=dact[:, 3])  # borrow quarter 3 as scratch for the bottom row's share
    to_bottom = dact[:, 3].copy()
    np.multiply(to_top, left_top, out=dact[:, 0])
    np.subtract(to_top, dact[:, 0], out=dact[:, 1])
    np.multiply(to_bottom, left_bottom, out=dact[:, 2])
    np.subtract(to_bottom, dact[:, 2], out=dact[:, 3])
    dact *= z > 0  # ReLU: the gradient passes only where the convolution's output was positive
    dz = dact.reshape(f, -1)
    return (dz @ cols.T).reshape(w_shape), dz.sum(axis=1)


def stage_maps(cache):
    """The convolution and ReLU outputs as ordinary (N, F, H, W) arrays, for pictures."""
    _, z, act, _, w_shape, (n, h, wd) = cache
    f = w_shape[0]

    def unshuffle(a):  # (F, [di, dj], [n, i, j]) -> (N, F, H, W) with row 2i + di, column 2j + dj
        a = a.reshape(f, 2, 2, n, h // 2, wd // 2)
        return a.transpose(3, 0, 4, 1, 5, 2).reshape(n, f, h, wd)

    return unshuffle(z), unshuffle(act)
