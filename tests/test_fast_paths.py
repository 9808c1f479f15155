"""The speed room (cnnmath/_fast) equals the readable versions its docstrings name as references.

- ``_fast/conv.py`` against ``cnnmath.conv._im2col``, ``_forward_im2col`` and ``_backward_im2col``: the
  gather path (cached indices) bit for bit, forward, dw and dx; the wide
  grid (stride 1) to rounding (the sums run in another order); both exactly when every sum is exact
  (small integers).
- ``_fast/pool.py`` (2x2 pairs and stride-1 wide max pooling) against ``cnnmath.pooling._max_forward_strided``
  and ``_max_backward_strided``: bit for bit (``.tobytes()``), ties and signed zeros included.

Inputs: several shapes including odd sizes, float64 and float32, C order and the channel-major (filter-major)
layout that a convolution leaves behind, small integers (ties), and -0.0 in the upstream gradient. The last
part checks that the public layer functions choose the path their docstrings promise (the cache's tag).
"""

import numpy as np
import pytest

from cnnmath import conv as conv_module
from cnnmath import conv2d_backward, conv2d_forward, maxpool2d_backward, maxpool2d_forward
from cnnmath import pooling as pool_module
from cnnmath._fast import conv as fast_conv
from cnnmath._fast import pool as fast_pool
from cnnmath._fast import threads


def _layout(x, layout):
    """``x`` with the same values, laid out in memory as asked."""
    if layout == "channel-major":  # what conv2d_forward returns: a transposed view of (F, N, H, W)
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "fortran":
        return np.asfortranarray(x)
    return np.ascontiguousarray(x)


def _values(rng, shape, kind, dtype):
    """Random inputs: "integers" (small, so ties and exact sums) or "normal"."""
    if kind == "integers":
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def _signed_zeros(a, rng):
    """Put -0.0 into the first entry and about a fifth of the others of ``a`` (in place); return it."""
    a[rng.random(a.shape) < 0.2] = -0.0
    a.reshape(-1)[0] = -0.0
    return a


# ----------------------------------------------------------------------------------------------------
# Convolution: cnnmath/_fast/conv.py against the im2col version in cnnmath/conv.py
# ----------------------------------------------------------------------------------------------------

CONV_CASES = [
    # (N, C, H, W, F, KH, KW, padding)
    (3, 2, 6, 6, 4, 3, 3, 1),   # "same" padding
    (2, 3, 7, 5, 3, 3, 3, 1),   # odd sizes, same padding
    (2, 1, 5, 7, 3, 5, 5, 2),   # wider kernel, same padding
    (1, 2, 1, 1, 2, 5, 5, 2),   # 1x1 image: most kernel rows read only padding
    (2, 3, 4, 6, 2, 3, 5, 1),   # same rows, not same columns
    (2, 2, 7, 5, 3, 3, 3, 0),   # no padding
    (3, 1, 6, 4, 2, 2, 3, 2),   # more padding than "same"
    (2, 2, 5, 5, 3, 1, 1, 0),   # 1x1 kernel
    (1, 1, 2, 9, 2, 4, 2, 1),   # kernel taller than the image
    (5, 4, 9, 11, 6, 3, 3, 1),  # a batch of odd-sized maps
]
CONV_IDS = ["x".join(map(str, c)) for c in CONV_CASES]


@pytest.mark.parametrize("w,kw,padding,gap,pitch", [
    (8, 3, 1, 1, 9),     # max(1, 2 - 3 + 1 = 0) = 1 zero between rows
    (14, 3, 1, 1, 15),   # the docstring's "1 in 15" extra entries
    (5, 1, 2, 4, 9),     # a 1x1 kernel with padding 2: W_out = 5 + 4 - 1 + 1 = 9 needs 4 zeros
    (6, 3, 0, 0, 6),     # no padding: rows follow each other directly
    (4, 5, 2, 2, 6),     # max(2, 4 - 5 + 1 = 0) = 2
])
def test_wide_grid_gap_and_pitch_by_hand(w, kw, padding, gap, pitch):
    """The zeros between rows are ``max(padding, 2*padding - KW + 1)``, worked out by hand."""
    assert fast_conv.wide_gap(kw, padding) == gap
    assert fast_conv.wide_pitch(w, kw, padding) == pitch


def test_wide_grid_rows_hold_a_whole_output_row():
    """For every width, kernel and padding, a wide row has room for all W_out outputs and the padding."""
    for w in range(1, 12):
        for kw in range(1, w + 5):
            for padding in range(0, 4):
                if kw > w + 2 * padding:
                    continue
                w_out = w + 2 * padding - kw + 1
                assert fast_conv.wide_pitch(w, kw, padding) >= w_out
                assert fast_conv.wide_gap(kw, padding) >= padding


@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_im2col_wide_is_im2col_plus_extra_entries(case, layout):
    """Dropping the ``pitch - W_out`` extra entries of every output row gives exactly ``conv._im2col``."""
    n, c, h, w, f, kh, kw, padding = case
    x = _layout(_values(np.random.default_rng(sum(case)), (n, c, h, w), "normal", np.float64), layout)
    h_out, w_out = h + 2 * padding - kh + 1, w + 2 * padding - kw + 1
    pitch = fast_conv.wide_pitch(w, kw, padding)
    wide = fast_conv.im2col_wide(x, kh, kw, padding, h_out)
    assert wide.shape == (c * kh * kw, n * h_out * pitch)
    ref = conv_module._im2col(x, kh, kw, 1, padding, h_out, w_out)
    got = wide.reshape(c * kh * kw, n, h_out, pitch)[..., :w_out]
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(
        ref.reshape(c * kh * kw, n, h_out, w_out)).tobytes()


def _conv_inputs(case, kind, dtype, layout):
    n, c, h, w, f, kh, kw, padding = case
    rng = np.random.default_rng(10 * sum(case) + len(kind))
    x = _layout(_values(rng, (n, c, h, w), kind, dtype), layout)
    wts = _values(rng, (f, c, kh, kw), kind, dtype)
    b = _values(rng, (f,), kind, dtype)
    return x, wts, b, padding, h + 2 * padding - kh + 1, w + 2 * padding - kw + 1


def _assert_close(got, ref, kind, dtype):
    """Exactly equal when every sum is exact (small integers); else equal to rounding."""
    assert got.shape == ref.shape and got.dtype == ref.dtype
    if kind == "integers":
        np.testing.assert_array_equal(got, ref)
        return
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    # sums of terms of both signs can cancel to near zero, where a relative bound means nothing
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * max(1.0, float(np.abs(ref).max())))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["normal", "integers"])
@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_fast_conv_forward_equals_im2col(case, layout, kind, dtype):
    """``_fast.conv.forward`` gives ``conv._forward_im2col``'s output, as a view of its wide grid."""
    x, wts, b, padding, h_out, w_out = _conv_inputs(case, kind, dtype, layout)
    out, cols = fast_conv.forward(x, wts, b, padding, h_out, w_out)
    ref, (tag, _) = conv_module._forward_im2col(x, wts, b, 1, padding, h_out, w_out)
    assert tag == "im2col"
    _assert_close(out, ref, kind, dtype)
    assert out.base is not None  # a view of the wide grid (no copy), as documented
    assert cols.dtype == dtype


@pytest.mark.parametrize("need_dx", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["normal", "integers"])
@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_fast_conv_backward_equals_im2col(case, layout, kind, dtype, need_dx):
    """``_fast.conv.backward`` gives ``conv._backward_im2col``'s dx, dw and db, with a filter-major upstream
    gradient holding signed zeros, and dx None when it is not needed."""
    x, wts, b, padding, h_out, w_out = _conv_inputs(case, kind, dtype, layout)
    _, cols = fast_conv.forward(x, wts, b, padding, h_out, w_out)
    _, (_, (x_shape, ref_cols, _, _, _)) = conv_module._forward_im2col(x, wts, b, 1, padding, h_out, w_out)
    rng = np.random.default_rng(sum(case))
    dout = _layout(_signed_zeros(_values(rng, (x.shape[0], wts.shape[0], h_out, w_out), kind, dtype), rng),
                   "channel-major" if layout == "c" else "c")
    dout_before = dout.copy()
    got = fast_conv.backward(dout, x.shape, cols, wts, padding, need_dx)
    ref = conv_module._backward_im2col(dout, x_shape, ref_cols, wts, 1, padding, need_dx)
    assert dout.tobytes() == dout_before.tobytes()
    if not need_dx:
        assert got[0] is None and ref[0] is None
    for name, g, r in zip(("dx", "dw", "db"), got, ref):
        if r is not None:
            _assert_close(g, r, kind, dtype)


GATHER_CASES = CONV_CASES + [
    # (N, C, H, W, F, KH, KW, padding) with a stride: the gather index serves any stride
    (2, 3, 7, 6, 4, 3, 2, 1, 2),
    (1, 2, 5, 5, 2, 3, 3, 0, 2),
    (2, 2, 5, 4, 3, 2, 3, 2, 3),
    (3, 1, 9, 9, 2, 3, 3, 1, 2),
]
GATHER_CASES = [c if len(c) == 9 else c + (1,) for c in GATHER_CASES]
GATHER_IDS = ["x".join(map(str, c[:8])) + f"-s{c[8]}" for c in GATHER_CASES]


def _gather_inputs(case, kind, dtype, layout):
    n, c, h, w, f, kh, kw, padding, stride = case
    rng = np.random.default_rng(10 * sum(case) + len(kind))
    x = _layout(_values(rng, (n, c, h, w), kind, dtype), layout)
    wts = _values(rng, (f, c, kh, kw), kind, dtype)
    b = _values(rng, (f,), kind, dtype)
    h_out, w_out = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    return x, wts, b, stride, padding, h_out, w_out


@pytest.mark.parametrize("case", GATHER_CASES, ids=GATHER_IDS)
def test_gather_index_by_hand(case):
    """Entry [(c, m, k), (n, i, j)] of the index is the flat position of x_pad[n, c, i*S + m, j*S + k]: the
    definition written as loops. Cached per shape, read-only."""
    n, c, h, w, f, kh, kw, padding, stride = case
    hp, wp = h + 2 * padding, w + 2 * padding
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    index = fast_conv._gather_index(n, c, hp, wp, kh, kw, stride, h_out, w_out)
    expected = [[((im * c + ch) * hp + i * stride + m) * wp + j * stride + k
                 for im in range(n) for i in range(h_out) for j in range(w_out)]
                for ch in range(c) for m in range(kh) for k in range(kw)]
    np.testing.assert_array_equal(index, expected)
    assert not index.flags.writeable
    assert fast_conv._gather_index(n, c, hp, wp, kh, kw, stride, h_out, w_out) is index


@pytest.mark.parametrize("case", GATHER_CASES, ids=GATHER_IDS)
def test_scatter_index_by_hand(case):
    """Row (m, k), column (c, n, y, x) of the scatter index is the flat position in dcols of the term that
    pixel (y, x) of map (n, c) gets from kernel offset (m, k): the window (i, j) with ``i*S + m - P = y`` and
    ``j*S + k - P = x``, or dcols' size (a zero) where no window read it. Written as loops over windows, the
    way col2im adds them. Cached per shape, read-only."""
    n, c, h, w, f, kh, kw, padding, stride = case
    h_out, w_out = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    size = c * kh * kw * n * h_out * w_out
    expected = np.full((kh, kw, c, n, h, w), size)
    for ch in range(c):
        for m in range(kh):
            for k in range(kw):
                for im in range(n):
                    for i in range(h_out):
                        for j in range(w_out):
                            y, x = i * stride + m - padding, j * stride + k - padding
                            if 0 <= y < h and 0 <= x < w:
                                expected[m, k, ch, im, y, x] = (((ch * kh + m) * kw + k) * n * h_out * w_out
                                                                + (im * h_out + i) * w_out + j)
    index = fast_conv._scatter_index(n, c, h, w, kh, kw, stride, padding, h_out, w_out)
    np.testing.assert_array_equal(index, expected.reshape(kh * kw, -1))
    assert not index.flags.writeable
    assert fast_conv._scatter_index(n, c, h, w, kh, kw, stride, padding, h_out, w_out) is index


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["normal", "integers"])
@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("case", GATHER_CASES, ids=GATHER_IDS)
def test_gather_forward_equals_im2col_bit_for_bit(case, layout, kind, dtype):
    """``forward_gather`` builds ``conv._im2col``'s columns in the same order, so the same matrix product
    gives the same bits, in the documented filter-major view."""
    x, wts, b, stride, padding, h_out, w_out = _gather_inputs(case, kind, dtype, layout)
    out, cols = fast_conv.forward_gather(x, wts, b, stride, padding, h_out, w_out)
    ref, (_, (_, ref_cols, _, _, _)) = conv_module._forward_im2col(x, wts, b, stride, padding, h_out, w_out)
    assert cols.dtype == dtype and cols.tobytes() == np.ascontiguousarray(ref_cols).tobytes()
    assert out.shape == ref.shape and out.dtype == dtype
    assert np.ascontiguousarray(out).tobytes() == np.ascontiguousarray(ref).tobytes()
    assert out.transpose(1, 0, 2, 3).flags.c_contiguous


@pytest.mark.parametrize("need_dx", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["normal", "integers"])
@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("case", GATHER_CASES, ids=GATHER_IDS)
def test_gather_backward_equals_im2col_bit_for_bit(case, layout, kind, dtype, need_dx):
    """The gather path's backward (``conv2d_backward`` on a "gather" cache): dw and db are the reference's
    own products and sums; dx (``dx_gather``) adds each pixel's terms in the reference's order from +0.0,
    so all three are the same bits, signed zeros included. The upstream gradient is filter-major and
    holds signed zeros."""
    x, wts, b, stride, padding, h_out, w_out = _gather_inputs(case, kind, dtype, layout)
    _, cols = fast_conv.forward_gather(x, wts, b, stride, padding, h_out, w_out)
    rng = np.random.default_rng(sum(case))
    dout = _layout(_signed_zeros(_values(rng, (x.shape[0], wts.shape[0], h_out, w_out), kind, dtype), rng),
                   "channel-major" if layout == "c" else "c")
    dout_before = dout.copy()
    cache = ("gather", (x.shape, cols, wts, stride, padding))
    dx, dw, db = conv_module.conv2d_backward(dout, cache, need_dx=need_dx)
    if need_dx:
        assert fast_conv.dx_gather(dout, x.shape, wts, stride, padding).tobytes() == dx.tobytes()
    ref_dx, ref_dw, ref_db = conv_module._backward_im2col(dout, x.shape, cols, wts, stride, padding, need_dx)
    assert dout.tobytes() == dout_before.tobytes()
    assert dw.tobytes() == ref_dw.tobytes() and db.tobytes() == ref_db.tobytes()
    if not need_dx:
        assert dx is None and ref_dx is None
        return
    assert dx.shape == x.shape and dx.dtype == dtype
    assert dx.tobytes() == ref_dx.tobytes()
    assert (np.signbit(dx) == np.signbit(ref_dx)).all()


# ----------------------------------------------------------------------------------------------------
# Max pooling: cnnmath/_fast/pool.py against the strided version in cnnmath/pooling.py, bit for bit
# ----------------------------------------------------------------------------------------------------

def _pool_input(shape, layout, dtype, seed):
    """Small integers (ties), one blank map (all ties), and some -0.0 entries (equal to +0.0)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    x[0, 0] = 0.0
    x[rng.random(shape) < 0.1] = -0.0
    return _layout(x, layout)


def _upstream(shape, kind, dtype, seed):
    """The upstream gradient: "integers" (every sum exact, a fifth of it -0.0), "positive" or "normal" floats,
    or "signed" (normal floats with -0.0 entries)."""
    rng = np.random.default_rng(seed)
    if kind == "integers":
        return _signed_zeros(rng.integers(-3, 4, size=shape).astype(dtype), rng)
    d = rng.normal(size=shape).astype(dtype)
    if kind == "positive":
        return np.abs(d) + dtype(0.5)
    if kind == "signed":
        return _signed_zeros(d, rng)
    return d


PAIR_SHAPES = [(1, 1, 2, 2), (2, 3, 4, 6), (3, 2, 8, 8), (1, 5, 10, 4), (4, 16, 8, 8)]


def test_memory_order_by_hand():
    """The (image, channel) order in which maps lie contiguously: C order, channel-major, or neither."""
    x = np.zeros((2, 3, 4, 4))
    assert fast_pool.memory_order(x) == (0, 1, 2, 3)
    assert fast_pool.memory_order(_layout(x, "channel-major")) == (1, 0, 2, 3)
    assert fast_pool.memory_order(np.asfortranarray(x)) is None
    assert fast_pool.memory_order(x[:, :, ::2]) is None


TWO_BY_TWO = {"pairs": ("forward_2x2", "backward_2x2"), "quarters": ("forward_quarters", "backward_quarters")}


@pytest.mark.parametrize("twin", sorted(TWO_BY_TWO))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("shape", PAIR_SHAPES)
def test_pairs_forward_equals_strided_bit_for_bit(shape, layout, dtype, twin):
    """``forward_2x2`` and ``forward_quarters`` give ``_max_forward_strided(x, 2, 2)``'s bytes, in the
    input's own layout."""
    x = _pool_input(shape, layout, dtype, seed=sum(shape))
    before = x.copy()
    out, _ = getattr(fast_pool, TWO_BY_TWO[twin][0])(x)
    ref = pool_module._max_forward_strided(x, 2, 2, shape[2] // 2, shape[3] // 2)
    assert out.dtype == dtype and out.shape == ref.shape
    assert np.ascontiguousarray(out).tobytes() == np.ascontiguousarray(ref).tobytes()
    assert x.tobytes() == before.tobytes()


@pytest.mark.parametrize("kind", ["positive", "integers", "signed"])
@pytest.mark.parametrize("dout_layout", ["c", "channel-major"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["c", "channel-major"])
@pytest.mark.parametrize("shape", PAIR_SHAPES)
@pytest.mark.parametrize("twin", sorted(TWO_BY_TWO))
def test_pairs_backward_equals_strided_bit_for_bit(shape, layout, dtype, dout_layout, kind, twin):
    """``backward_2x2`` gives ``_max_backward_strided``'s values (each window's gradient to its first
    maximum in reading order, ties included) and bytes (signed zeros included: for a negative or -0.0
    gradient the window's other entries get ``dout * False``, -0.0, in both), for an upstream gradient in
    either layout (in a network it comes C-ordered from flatten_backward while x is filter-major)."""
    x = _pool_input(shape, layout, dtype, seed=sum(shape))
    forward, backward = (getattr(fast_pool, name) for name in TWO_BY_TWO[twin])
    out, state = forward(x)
    ref_out = pool_module._max_forward_strided(x, 2, 2, shape[2] // 2, shape[3] // 2)
    dout = _layout(_upstream(out.shape, kind, dtype, seed=len(shape)), dout_layout)
    dout_before = dout.copy()
    dx = backward(dout, x, *state)
    ref = pool_module._max_backward_strided(dout, x, 2, 2, ref_out)
    assert dout.tobytes() == dout_before.tobytes()
    assert dx.dtype == dtype and dx.shape == x.shape
    np.testing.assert_array_equal(dx, ref)  # a failure here is wrong routing, not only a sign of zero
    assert np.ascontiguousarray(dx).tobytes() == np.ascontiguousarray(ref).tobytes()


@pytest.mark.parametrize("maps,h,w", [(1, 2, 4), (3, 4, 2), (2, 6, 8)])
def test_quarter_index_by_hand(maps, h, w):
    """Row q = 2*di + dj of the index lists, window by window in memory order, the flat position of the
    window's entry in row di and column dj: the definition written as loops. It is cached read-only."""
    index = fast_pool._quarter_index(maps, h, w)
    expected = [[m * h * w + (2 * i + di) * w + 2 * j + dj
                 for m in range(maps) for i in range(h // 2) for j in range(w // 2)]
                for di in (0, 1) for dj in (0, 1)]
    np.testing.assert_array_equal(index, expected)
    assert not index.flags.writeable
    assert fast_pool._quarter_index(maps, h, w) is index


WIDE_SHAPES = [(1, 1, 4, 4), (5, 3, 7, 6), (3, 1, 9, 5), (2, 2, 4, 11), (2, 16, 8, 8)]


@pytest.fixture(params=[1, 3], ids=["1-thread", "3-threads"])
def thread_count(request, monkeypatch):
    """Run the wide path on one thread, or split over 3 however small the arrays."""
    if request.param > 1:
        monkeypatch.setattr(threads, "MIN_ITEMS", 0)
        monkeypatch.setattr(threads, "threads_allowed", lambda: request.param)
    else:
        monkeypatch.setattr(threads, "threads_allowed", lambda: 1)
    return request.param


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["c", "channel-major", "fortran"])
@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("shape", WIDE_SHAPES)
def test_wide_forward_equals_strided_bit_for_bit(shape, size, layout, dtype, thread_count):
    """``forward_wide`` gives ``_max_forward_strided(x, size, 1)``'s bytes, on one thread or three."""
    if size > min(shape[2:]):
        pytest.skip("the window does not fit")
    x = _pool_input(shape, layout, dtype, seed=size + sum(shape))
    before = x.copy()
    h_out, w_out = shape[2] - size + 1, shape[3] - size + 1
    out, _ = fast_pool.forward_wide(x, size, h_out, w_out)
    ref = pool_module._max_forward_strided(x, size, 1, h_out, w_out)
    assert out.dtype == dtype and out.shape == ref.shape
    assert np.ascontiguousarray(out).tobytes() == np.ascontiguousarray(ref).tobytes()
    assert x.tobytes() == before.tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["c", "channel-major", "fortran"])
@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("shape", WIDE_SHAPES)
def test_wide_backward_equals_strided_bit_for_bit(shape, size, layout, dtype, thread_count):
    """``backward_wide`` gives ``_max_backward_strided``'s bytes (ties to the first maximum in reading order,
    overlapping windows summed, -0.0 in the upstream gradient), with an upstream gradient whose sums are
    exact: the two add a shared maximum's gradients in different orders."""
    if size > min(shape[2:]):
        pytest.skip("the window does not fit")
    x = _pool_input(shape, layout, dtype, seed=size + sum(shape))
    h_out, w_out = shape[2] - size + 1, shape[3] - size + 1
    out, state = fast_pool.forward_wide(x, size, h_out, w_out)
    ref_out = pool_module._max_forward_strided(x, size, 1, h_out, w_out)
    dout = _upstream(out.shape, "integers", dtype, seed=size)
    dout_before = dout.copy()
    dx = fast_pool.backward_wide(dout, x, size, *state)
    ref = pool_module._max_backward_strided(dout, x, size, 1, ref_out)
    assert dx.dtype == dtype and dx.shape == x.shape
    assert np.ascontiguousarray(dx).tobytes() == np.ascontiguousarray(ref).tobytes()
    assert dout.tobytes() == dout_before.tobytes()


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("shape", WIDE_SHAPES)
def test_wide_backward_with_float_gradients_equals_strided_to_rounding(shape, size, thread_count):
    """With arbitrary float gradients a maximum shared by overlapping windows sums them in another order
    than the reference: the same values to the last bit or two, and exactly the same positions."""
    x = _pool_input(shape, "channel-major", np.float64, seed=size * sum(shape))
    h_out, w_out = shape[2] - size + 1, shape[3] - size + 1
    out, state = fast_pool.forward_wide(x, size, h_out, w_out)
    ref_out = pool_module._max_forward_strided(x, size, 1, h_out, w_out)
    dout = _upstream(out.shape, "signed", np.float64, seed=size)
    dx = fast_pool.backward_wide(dout, x, size, *state)
    ref = pool_module._max_backward_strided(dout, x, size, 1, ref_out)
    np.testing.assert_allclose(dx, ref, rtol=1e-14, atol=1e-15)
    # a non-zero gradient lands exactly where the reference puts one (ties routed alike)
    np.testing.assert_array_equal(np.abs(dx) > 1e-12, np.abs(ref) > 1e-12)


@pytest.mark.parametrize("pitch,size", [(1, 2), (1, 3), (4, 2), (5, 3), (3, 4)])
def test_route_first_max_equals_a_loop(pitch, size):
    """``_route_first_max`` adds each gradient at the first candidate (``j + t*pitch``, t = 0, 1, ...) that
    holds the maximum: the same bytes as that rule written as a loop (integer gradients: exact sums)."""
    rng = np.random.default_rng(pitch * 10 + size)
    length = 40
    values = rng.integers(0, 3, size=length).astype(float)  # many ties
    run = length - (size - 1) * pitch
    best = np.max([values[t * pitch:t * pitch + run] for t in range(size)], axis=0)
    grad = _signed_zeros(rng.integers(-3, 4, size=run).astype(float), rng)
    expected = np.zeros(length)
    for j in range(run):
        t = next(t for t in range(size) if values[j + t * pitch] == best[j])
        expected[j + t * pitch] += grad[j]
    target = np.zeros(length)
    scratch = (np.empty(length), np.empty(length, dtype=bool))
    fast_pool._route_first_max(values, best, grad, target, pitch, size, scratch)
    assert target.tobytes() == expected.tobytes()


# ----------------------------------------------------------------------------------------------------
# The public layer functions choose the paths their docstrings promise, and give the reference's numbers
# ----------------------------------------------------------------------------------------------------

# (N, C, H, W, F, KH, KW, padding, stride) and the path: the gather index for columns of at most
# conv._GATHER_MAX entries (C*KH*KW * N*H_out*W_out), otherwise the wide grid for stride 1, otherwise the
# readable im2col
CONV_PATHS = [
    ((2, 2, 6, 6, 3, 3, 3, 1, 1), "gather"),       # 2*9 * 2*36 = 1296 entries
    ((3, 1, 8, 8, 4, 3, 3, 1, 1), "gather"),
    ((2, 3, 7, 6, 4, 3, 2, 1, 2), "gather"),
    ((32, 16, 8, 8, 8, 3, 3, 1, 1), "wide"),       # 16*9 * 32*64 = 294912 entries
    ((24, 4, 16, 15, 2, 3, 3, 0, 1), "wide"),      # no padding, odd width: 4*9 * 24*14*13 = 157248 entries
    ((64, 1, 28, 28, 2, 3, 3, 1, 1), "wide"),      # one channel: 9 * 64*784 = 451584 entries
    ((32, 4, 24, 24, 2, 3, 3, 1, 2), "im2col"),    # stride 2: 4*9 * 32*144 = 165888 entries
]


@pytest.mark.parametrize("case,method", CONV_PATHS, ids=["x".join(map(str, c)) for c, _ in CONV_PATHS])
def test_conv2d_forward_tags_its_path(case, method):
    """conv2d_forward takes the path its docstring promises for the size of the columns, the stride and
    the channels, and gives the im2col reference's numbers through it (small integers: exactly), forward
    and through ``conv2d_backward``, which follows the tag."""
    x, wts, b, stride, padding, h_out, w_out = _gather_inputs(case, "integers", np.float64, "channel-major")
    n, c, _, _, _, kh, kw, _, _ = case
    entries = c * kh * kw * n * h_out * w_out
    assert (entries <= conv_module._GATHER_MAX) == (method == "gather"), entries  # the case is on its side
    out, cache = conv2d_forward(x, wts, b, stride, padding)
    assert cache[0] == method
    ref, (_, (x_shape, ref_cols, _, _, _)) = conv_module._forward_im2col(x, wts, b, stride, padding, h_out, w_out)
    np.testing.assert_array_equal(out, ref)
    dout = _upstream(out.shape, "integers", np.float64, seed=stride)
    for g, r in zip(conv2d_backward(dout, cache),
                    conv_module._backward_im2col(dout, x_shape, ref_cols, wts, stride, padding)):
        np.testing.assert_array_equal(g, r)


@pytest.mark.parametrize("shape,size,stride,layout,method", [
    ((2, 3, 4, 6), 2, 2, "c", "quarters"),
    ((2, 3, 8, 8), 2, 2, "channel-major", "quarters"),
    ((16, 16, 8, 8), 2, 2, "channel-major", "quarters"),  # lesson 7's batch: 2**14 entries
    ((64, 8, 26, 26), 2, 2, "c", "pairs"),                # the benchmark's batch: too large to gather
    ((64, 8, 26, 26), 2, 2, "channel-major", "pairs"),
    ((2, 3, 8, 8), 2, 2, "fortran", "strided"),    # maps not contiguous: no pairs
    ((2, 3, 7, 8), 2, 2, "c", "strided"),          # odd height: the last row is in no window
    ((2, 3, 8, 7), 2, 2, "channel-major", "strided"),
    ((2, 3, 7, 6), 3, 1, "c", "wide"),
    ((2, 3, 7, 6), 2, 1, "fortran", "wide"),
    ((2, 3, 7, 6), 3, 2, "c", "strided"),
    ((2, 3, 9, 9), 3, 3, "channel-major", "strided"),
    ((2, 3, 8, 8), 2, 3, "c", "strided"),
    ((2, 3, 5, 5), 1, 1, "c", "strided"),          # a 1x1 window: nothing to be fast about
])
def test_maxpool2d_forward_tags_its_path(shape, size, stride, layout, method):
    """The path the docstring promises for each shape and layout, and through it the reference's bytes,
    with -0.0 and negative entries in the upstream gradient."""
    x = _pool_input(shape, layout, np.float64, seed=sum(shape) + size)
    out, cache = maxpool2d_forward(x, size, stride)
    assert cache[0] == method
    h_out, w_out = out.shape[2:]
    ref = pool_module._max_forward_strided(x, size, stride, h_out, w_out)
    assert np.ascontiguousarray(out).tobytes() == np.ascontiguousarray(ref).tobytes()
    dout = _upstream(out.shape, "integers", np.float64, seed=size)
    dx = maxpool2d_backward(dout, cache)
    ref_dx = pool_module._max_backward_strided(dout, x, size, stride, ref)
    assert np.ascontiguousarray(dx).tobytes() == np.ascontiguousarray(ref_dx).tobytes()
