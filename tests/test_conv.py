"""Convolution: the seed's worked example, SciPy as a reference, loops against vectorised, gradients, and
one step of the sliding window (conv_step) against the whole map."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from cnnmath import (ConvStep, conv2d, conv2d_backward, conv2d_backward_naive, conv2d_forward,
                     conv2d_forward_naive, conv2d_grad, conv2d_grad_naive, conv2d_naive, conv_output_size,
                     conv_step, convolve2d, numerical_gradient, rel_error, seed_image, seed_kernel)

GRAD_BOUND = 1e-7  # relative error of analytic vs central-difference gradients, float64


def test_seed_worked_example_is_all_minus_six():
    image = np.arange(1, 26).reshape(5, 5)
    kernel = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]
    out = conv2d(image, kernel)
    assert out.shape == (3, 3)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.full((3, 3), -6.0))
    # the first output, term by term, as the lesson writes it
    terms = [image[m, n] * kernel[m][n] for m in range(3) for n in range(3)]
    assert terms[:3] == [1, 0, -3] and sum(terms) == -6
    np.testing.assert_array_equal(conv2d(seed_image(), seed_kernel()), out)


def test_hand_worked_stride_and_padding():
    image = np.array([[1., 2.], [3., 4.]])
    kernel = np.array([[1., 1.], [1., 1.]])
    # padding 1 puts the 2x2 in a ring of zeros; each output sums the window it covers
    np.testing.assert_array_equal(conv2d(image, kernel, padding=1),
                                  [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    np.testing.assert_array_equal(conv2d(image, kernel, stride=2, padding=1), [[1, 2], [3, 4]])


def _random_case(rng):
    h, w = rng.integers(1, 13, size=2)
    kh = int(rng.integers(1, h + 1)) if rng.random() < 0.5 else int(rng.integers(1, 6))
    kw = int(rng.integers(1, 6))
    stride = int(rng.integers(1, 4))
    padding = int(rng.integers(0, 3))
    kh = min(kh, h + 2 * padding)
    kw = min(kw, w + 2 * padding)
    return rng.normal(size=(h, w)), rng.normal(size=(kh, kw)), stride, padding


@pytest.mark.parametrize("seed", range(40))
def test_conv2d_matches_scipy_and_loops(seed):
    rng = np.random.default_rng(seed)
    image, kernel, stride, padding = _random_case(rng)
    padded = np.pad(image, padding)
    ref = signal.correlate2d(padded, kernel, mode="valid")[::stride, ::stride]
    out = conv2d(image, kernel, stride=stride, padding=padding)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv2d_naive(image, kernel, stride, padding), ref, rtol=1e-12, atol=1e-12)
    ref_conv = signal.convolve2d(padded, kernel, mode="valid")[::stride, ::stride]
    np.testing.assert_allclose(convolve2d(image, kernel, stride, padding), ref_conv, rtol=1e-12, atol=1e-12)


def test_convolve2d_full_mode_equals_scipy():
    rng = np.random.default_rng(1)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    # "full" convolution pads by K-1; with a non-square kernel, pad each axis by its own amount
    ours = convolve2d(np.pad(image, ((2, 2), (1, 1))), kernel)
    np.testing.assert_allclose(ours, signal.convolve2d(image, kernel, mode="full"), atol=1e-12)


def test_non_square_kernel_stride_that_does_not_divide():
    image = np.arange(7 * 8, dtype=float).reshape(7, 8)
    kernel = np.array([[1., -1., 2.]])
    out = conv2d(image, kernel, stride=3)
    # H_out = (7 - 1)//3 + 1 = 3, W_out = (8 - 3)//3 + 1 = 2: the last column is skipped by the floor
    assert out.shape == (3, 2)
    assert out[1, 1] == image[3, 3] - image[3, 4] + 2 * image[3, 5]


@pytest.mark.parametrize("size,k,s,p,expected", [
    (5, 3, 1, 0, 3), (5, 3, 1, 1, 5), (5, 3, 2, 0, 2), (6, 3, 2, 0, 2), (7, 3, 2, 1, 4),
    (28, 3, 1, 0, 26), (28, 5, 1, 2, 28), (8, 3, 1, 1, 8), (4, 4, 1, 0, 1), (1, 1, 1, 0, 1),
    (600, 3, 1, 0, 598), (10, 3, 3, 0, 3),
])
def test_output_size_table(size, k, s, p, expected):
    assert conv_output_size(size, k, s, p) == expected
    assert conv2d(np.ones((size, size)), np.ones((k, k)), stride=s, padding=p).shape == (expected, expected)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (1, 2), (3, 0)])
def test_lesson_gradients_numerically(stride, padding):
    rng = np.random.default_rng(stride * 10 + padding)
    image, kernel = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    dout = rng.normal(size=conv2d(image, kernel, stride, padding).shape)
    dimage, dkernel = conv2d_grad(image, kernel, dout, stride, padding)
    loss = lambda img, ker: float(np.sum(conv2d(img, ker, stride, padding) * dout))
    num_k = numerical_gradient(lambda k: loss(image, k), kernel)
    num_i = numerical_gradient(lambda i: loss(i, kernel), image)
    assert rel_error(dkernel, num_k) < GRAD_BOUND
    assert rel_error(dimage, num_i) < GRAD_BOUND
    loop_i, loop_k = conv2d_grad_naive(image, kernel, dout, stride, padding)
    np.testing.assert_allclose(loop_i, dimage, atol=1e-12)
    np.testing.assert_allclose(loop_k, dkernel, atol=1e-12)


def test_kernel_gradient_is_image_correlated_with_upstream():
    # the lesson's formula dL/dK_mn = sum_ij dL/dO_ij I_(i+m, j+n), written with SciPy
    rng = np.random.default_rng(3)
    image, kernel = rng.normal(size=(7, 7)), rng.normal(size=(3, 3))
    dout = rng.normal(size=(5, 5))
    _, dkernel = conv2d_grad(image, kernel, dout)
    np.testing.assert_allclose(dkernel, signal.correlate2d(image, dout, mode="valid"), atol=1e-12)


LAYER_CASES = [
    # (N, C, H, W, F, KH, KW, stride, padding)
    (2, 1, 6, 6, 3, 3, 3, 1, 0),
    (2, 3, 7, 6, 4, 3, 2, 2, 1),
    (1, 2, 5, 5, 2, 3, 3, 2, 0),
    (3, 2, 4, 5, 2, 1, 1, 1, 0),
    (2, 2, 5, 4, 3, 2, 3, 3, 2),
]


@pytest.mark.parametrize("case", LAYER_CASES)
def test_conv_layer_against_loops_and_scipy(case):
    n, c, h, w, f, kh, kw, stride, padding = case
    rng = np.random.default_rng(sum(case))
    x, wts, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    out, cache = conv2d_forward(x, wts, b, stride, padding)
    ref, ref_cache = conv2d_forward_naive(x, wts, b, stride, padding)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    # SciPy reference: each map is a sum over channels of 2-D correlations, plus the bias
    for i in range(n):
        for k in range(f):
            maps = [signal.correlate2d(np.pad(x[i, ch], padding), wts[k, ch], mode="valid")
                    for ch in range(c)]
            np.testing.assert_allclose(out[i, k], (sum(maps) + b[k])[::stride, ::stride], atol=1e-12)
    dout = rng.normal(size=out.shape)
    for fast, slow in zip(conv2d_backward(dout, cache), conv2d_backward_naive(dout, ref_cache)):
        np.testing.assert_allclose(fast, slow, atol=1e-12)


@pytest.mark.parametrize("case", LAYER_CASES)
def test_conv_layer_gradients_numerically(case):
    n, c, h, w, f, kh, kw, stride, padding = case
    rng = np.random.default_rng(100 + sum(case))
    x, wts, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    out, cache = conv2d_forward(x, wts, b, stride, padding)
    dout = rng.normal(size=out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    loss = lambda xx, ww, bb: float(np.sum(conv2d_forward(xx, ww, bb, stride, padding)[0] * dout))
    assert rel_error(dx, numerical_gradient(lambda v: loss(v, wts, b), x)) < GRAD_BOUND
    assert rel_error(dw, numerical_gradient(lambda v: loss(x, v, b), wts)) < GRAD_BOUND
    assert rel_error(db, numerical_gradient(lambda v: loss(x, wts, v), b)) < GRAD_BOUND


def test_bias_adds_to_every_position_of_its_map():
    x = np.zeros((1, 1, 4, 4))
    out, _ = conv2d_forward(x, np.zeros((2, 1, 3, 3)), np.array([1.5, -2.0]))
    np.testing.assert_array_equal(out[0, 0], np.full((2, 2), 1.5))
    np.testing.assert_array_equal(out[0, 1], np.full((2, 2), -2.0))


def test_float32_stays_float32():
    x = np.ones((1, 1, 5, 5), dtype=np.float32)
    w = np.ones((2, 1, 3, 3), dtype=np.float32)
    b = np.zeros(2, dtype=np.float32)
    out, cache = conv2d_forward(x, w, b)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv2d_backward(np.ones_like(out), cache))
    assert conv2d(np.ones((4, 4), np.float32), np.ones((2, 2), np.float32)).dtype == np.float32


# Stride 1 goes through a fast twin of the readable im2col (cnnmath/_fast/conv.py: the cached gather index for
# small maps like these, the wide grid for large multi-channel ones; each tested against the readable version
# in tests/test_fast_paths.py); here, against the loops. Kernel rows that land entirely on the padding, 1x1
# kernels, non-square kernels and images narrower than the kernel plus padding are the edge cases.
STRIDE_ONE_CASES = [
    # (N, C, H, W, F, KH, KW, padding)
    (3, 2, 6, 6, 4, 3, 3, 1),   # same padding
    (2, 1, 5, 7, 3, 5, 5, 2),   # same padding, wider kernel
    (1, 2, 1, 1, 2, 5, 5, 2),   # same padding on a 1x1 image: most kernel rows read only padding
    (2, 3, 4, 6, 2, 3, 5, 1),   # same rows, not same columns
    (2, 2, 7, 5, 3, 3, 3, 0),   # no padding
    (3, 1, 6, 4, 2, 2, 3, 2),   # more padding than "same"
    (2, 2, 5, 5, 3, 1, 1, 0),   # 1x1 kernel
    (1, 1, 2, 9, 2, 4, 2, 1),
]


@pytest.mark.parametrize("case", STRIDE_ONE_CASES)
@pytest.mark.parametrize("layout", ["c", "transposed"])
def test_stride_one_layer_equals_loops(case, layout):
    n, c, h, w, f, kh, kw, padding = case
    rng = np.random.default_rng(sum(case))
    x, wts, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    if layout == "transposed":  # a view, as the network's own arrays often are
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    saved = [a.copy() for a in (x, wts, b)]
    out, cache = conv2d_forward(x, wts, b, 1, padding)
    ref, ref_cache = conv2d_forward_naive(x, wts, b, 1, padding)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    dout = rng.normal(size=out.shape)
    dout_saved = dout.copy()
    for fast, slow in zip(conv2d_backward(dout, cache), conv2d_backward_naive(dout, ref_cache)):
        assert fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, atol=1e-11)
    for a, before in zip((x, wts, b, dout), saved + [dout_saved]):
        np.testing.assert_array_equal(a, before)  # inputs are never modified


def test_stride_one_float32_layer_is_close_to_float64():
    rng = np.random.default_rng(3)
    x, wts, b = rng.normal(size=(4, 3, 9, 9)), rng.normal(size=(5, 3, 3, 3)), rng.normal(size=5)
    out, cache = conv2d_forward(x, wts, b, 1, 1)
    dout = rng.normal(size=out.shape)
    out32, cache32 = conv2d_forward(x.astype(np.float32), wts.astype(np.float32), b.astype(np.float32), 1, 1)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out, rtol=1e-4, atol=1e-4)
    for g32, g in zip(conv2d_backward(dout.astype(np.float32), cache32), conv2d_backward(dout, cache)):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("case", LAYER_CASES)
def test_readable_im2col_reference_equals_loops(case):
    """The readable im2col pair (conv._forward_im2col / _backward_im2col), the reference that every fast twin
    is tested against, equals the loops itself, whatever path the public function takes for these shapes."""
    from cnnmath import conv as conv_module
    n, c, h, w, f, kh, kw, stride, padding = case
    rng = np.random.default_rng(200 + sum(case))
    x, wts, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    h_out, w_out = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    out, (method, (x_shape, cols, _, _, _)) = conv_module._forward_im2col(x, wts, b, stride, padding, h_out, w_out)
    assert method == "im2col"
    ref, ref_cache = conv2d_forward_naive(x, wts, b, stride, padding)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    dout = rng.normal(size=out.shape)
    got = conv_module._backward_im2col(dout, x_shape, cols, wts, stride, padding)
    for mine, slow in zip(got, conv2d_backward_naive(dout, ref_cache)):
        np.testing.assert_allclose(mine, slow, atol=1e-12)


# ----------------------------------------------------------------------------------------------------
# conv_step: what one step of lesson 2's explorer shows
# ----------------------------------------------------------------------------------------------------

def test_conv_step_seed_worked_example_by_hand():
    step = conv_step(seed_image(), seed_kernel(), 0)
    assert isinstance(step, ConvStep)
    assert step.index == (0, 0) and step.corner == (0, 0) and step.count == 9 and step.value == -6.0
    assert step.window.tolist() == [[1, 2, 3], [6, 7, 8], [11, 12, 13]]
    assert step.products.tolist() == [[1, 0, -3], [6, 0, -8], [11, 0, -13]]
    assert step.done.tolist() == [[True, False, False], [False] * 3, [False] * 3]
    np.testing.assert_array_equal(step.output, np.full((3, 3), -6.0))
    padded = conv_step(seed_image(), seed_kernel(), 7, stride=2, padding=1)  # 3x3 output, cell (2, 1)
    assert padded.index == (2, 1) and padded.corner == (4, 2) and padded.padded.shape == (7, 7)
    np.testing.assert_array_equal(padded.window, np.pad(seed_image(), 1)[4:7, 2:5])
    assert padded.value == float(conv2d(seed_image(), seed_kernel(), 2, 1)[2, 1])


@st.composite
def step_cases(draw):
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    padding = draw(st.integers(0, 2))
    kh, kw = draw(st.integers(1, h + 2 * padding)), draw(st.integers(1, w + 2 * padding))
    stride = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    whole = draw(st.booleans())  # whole numbers: products.sum() and conv2d agree exactly
    image = rng.integers(-9, 10, size=(h, w)).astype(float) if whole else rng.normal(size=(h, w))
    kernel = rng.integers(-3, 4, size=(kh, kw)).astype(float) if whole else rng.normal(size=(kh, kw))
    return image, kernel, stride, padding, whole


@settings(max_examples=150, deadline=None)
@given(step_cases())
def test_conv_step_at_every_position_agrees_with_conv2d(case):
    image, kernel, stride, padding, whole = case
    copies = image.copy(), kernel.copy()
    out = conv2d(image, kernel, stride, padding)
    padded = np.pad(image, padding)
    kh, kw = kernel.shape
    h_out, w_out = out.shape
    for position in range(out.size):
        step = conv_step(image, kernel, position, stride, padding)
        i, j = divmod(position, w_out)
        r, c = i * stride, j * stride
        assert step.position == position and step.index == (i, j) and step.corner == (r, c)
        assert (step.stride, step.padding, step.count) == (stride, padding, h_out * w_out)
        np.testing.assert_array_equal(step.output, out)
        np.testing.assert_array_equal(step.padded, padded)
        np.testing.assert_array_equal(step.kernel, kernel)
        np.testing.assert_array_equal(step.window, padded[r:r + kh, c:c + kw])
        np.testing.assert_array_equal(step.products, step.window * kernel)
        assert step.value == out[i, j]
        if whole:
            assert step.value == step.products.sum()
        else:
            assert step.value == pytest.approx(step.products.sum(), rel=1e-12, abs=1e-12)
        assert step.done.shape == out.shape and step.done.dtype == bool
        assert step.done.sum() == position + 1 and step.done[i, j]
        assert step.done.ravel()[:position + 1].all() and not step.done.ravel()[position + 1:].any()
    np.testing.assert_array_equal(image, copies[0])
    np.testing.assert_array_equal(kernel, copies[1])


def test_conv_step_results_do_not_share_memory_with_the_inputs():
    image, kernel = seed_image(), seed_kernel()
    step = conv_step(image, kernel, 0)
    for field in (step.padded, step.kernel, step.window, step.products):
        field[...] = 0
    np.testing.assert_array_equal(image, seed_image())
    np.testing.assert_array_equal(kernel, seed_kernel())


def test_conv_step_bad_input_names_the_argument_and_the_range():
    image, kernel = seed_image(), seed_kernel()
    with pytest.raises(ValueError, match=r"position is 9 but needs 0\.\.8.*3x3, 9 position"):
        conv_step(image, kernel, 9)
    with pytest.raises(ValueError, match=r"position is -1 but needs 0\.\.8"):
        conv_step(image, kernel, -1)
    with pytest.raises(ValueError, match=r"position is 4 but needs 0\.\.3"):
        conv_step(image, kernel, 4, stride=2)
    with pytest.raises(TypeError, match="position"):
        conv_step(image, kernel, 2.5)
    with pytest.raises(TypeError, match="position"):
        conv_step(image, kernel, (0, 1))
    with pytest.raises(ValueError, match="kernel"):
        conv_step(image, np.ones((7, 7)), 0)
    with pytest.raises(ValueError, match="image has shape"):
        conv_step(np.ones(5), kernel, 0)
    with pytest.raises(ValueError, match="stride"):
        conv_step(image, kernel, 0, stride=0)
