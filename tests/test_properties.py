"""Properties over many generated inputs (hypothesis): fast equals loops, shapes follow the formula."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cnnmath import (conv2d, conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive,
                     conv2d_naive, conv_output_size, max_pool2d, max_pool2d_naive, maxpool2d_backward,
                     maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive, relu, softmax)

finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def conv_cases(draw):
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    padding = draw(st.integers(0, 2))
    kh = draw(st.integers(1, h + 2 * padding))
    kw = draw(st.integers(1, w + 2 * padding))
    stride = draw(st.integers(1, 3))
    image = draw(arrays(np.float64, (h, w), elements=finite))
    kernel = draw(arrays(np.float64, (kh, kw), elements=finite))
    return image, kernel, stride, padding


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_equals_the_double_sum(case):
    image, kernel, stride, padding = case
    out = conv2d(image, kernel, stride, padding)
    assert out.shape == (conv_output_size(image.shape[0], kernel.shape[0], stride, padding),
                         conv_output_size(image.shape[1], kernel.shape[1], stride, padding))
    np.testing.assert_allclose(out, conv2d_naive(image, kernel, stride, padding), rtol=1e-9, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.data())
def test_max_pool_equals_loops_and_routes_one_gradient_per_window(size, stride, data):
    h = data.draw(st.integers(size, 9))
    w = data.draw(st.integers(size, 9))
    x = data.draw(arrays(np.float64, (h, w), elements=st.integers(-2, 2).map(float)))  # many ties
    np.testing.assert_array_equal(max_pool2d(x, size, stride), max_pool2d_naive(x, size, stride))
    out, cache = maxpool2d_forward(x[None, None], size, stride)
    dx = maxpool2d_backward(np.ones_like(out), cache)
    assert dx.sum() == out.size  # exactly one unit of gradient per window


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)),
              elements=st.floats(-1e4, 1e4, allow_nan=False)), st.floats(-1e3, 1e3))
def test_softmax_is_a_distribution_and_shift_invariant(z, c):
    p = softmax(z)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(z + c), p, atol=1e-9)


@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_relu_is_idempotent_and_non_negative(x):
    r = relu(x)
    assert np.all(r >= 0)
    np.testing.assert_array_equal(relu(r), r)
    np.testing.assert_array_equal(r[x > 0], x[x > 0])


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(2, 4), st.data())
def test_batched_stride_one_max_pool_equals_loops(n, c, size, data):
    """The flat whole-batch path of stride-1 pooling: same maxima, same gradient routing, with many ties."""
    h = data.draw(st.integers(size, 9))
    w = data.draw(st.integers(size, 9))
    x = data.draw(arrays(np.float64, (n, c, h, w), elements=st.integers(-2, 2).map(float)))
    out, cache = maxpool2d_forward(x, size, 1)
    ref, ref_cache = maxpool2d_forward_naive(x, size, 1)
    np.testing.assert_array_equal(out, ref)
    dout = data.draw(arrays(np.float64, out.shape, elements=st.integers(-3, 3).map(float)))  # exact sums
    np.testing.assert_array_equal(maxpool2d_backward(dout, cache), maxpool2d_backward_naive(dout, ref_cache))


@st.composite
def stride_one_layers(draw):
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    padding = draw(st.integers(0, 2))
    kh = draw(st.integers(1, min(5, h + 2 * padding)))
    kw = draw(st.integers(1, min(5, w + 2 * padding)))
    x = draw(arrays(np.float64, (n, c, h, w), elements=finite))
    wts = draw(arrays(np.float64, (f, c, kh, kw), elements=finite))
    b = draw(arrays(np.float64, (f,), elements=finite))
    return x, wts, b, padding


@settings(max_examples=100, deadline=None)
@given(stride_one_layers(), st.data())
def test_stride_one_conv_layer_equals_loops(case, data):
    x, wts, b, padding = case
    out, cache = conv2d_forward(x, wts, b, 1, padding)
    ref, ref_cache = conv2d_forward_naive(x, wts, b, 1, padding)
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-7)
    dout = data.draw(arrays(np.float64, out.shape, elements=finite))
    for fast, slow in zip(conv2d_backward(dout, cache), conv2d_backward_naive(dout, ref_cache)):
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-7)
