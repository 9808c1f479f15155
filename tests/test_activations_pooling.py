"""ReLU and pooling: the lesson's examples, loops against vectorised, ties, gradients."""


import numpy as np
import pytest

from cnnmath import (avg_pool2d, avg_pool2d_naive, avgpool2d_backward, avgpool2d_forward, max_pool2d,
                     max_pool2d_naive, max_pool2d_switches, maxpool2d_backward, maxpool2d_backward_naive,
                     maxpool2d_forward, maxpool2d_forward_naive, numerical_gradient, pool_output_size,
                     rel_error, relu, relu_backward, relu_derivative, relu_forward, seed_pool_input)

GRAD_BOUND = 1e-7


def test_relu_and_derivative_by_hand_including_zero():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 0.5, 3])
    np.testing.assert_array_equal(relu_derivative(x), [0, 0, 0, 1, 1])
    assert relu_derivative(0.0) == 0.0 and relu_derivative(1e-300) == 1.0
    assert not np.signbit(relu(-0.0)), "ReLU of -0.0 is written as 0, not -0"


def test_relu_of_minus_six_map_is_zero():
    np.testing.assert_array_equal(relu(np.full((3, 3), -6.0)), np.zeros((3, 3)))


def test_relu_layer_gradient_numerically():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the corner at 0 where the derivative jumps
    out, cache = relu_forward(x)
    dout = rng.normal(size=out.shape)
    dx = relu_backward(dout, cache)
    num = numerical_gradient(lambda v: float(np.sum(relu_forward(v)[0] * dout)), x)
    assert rel_error(dx, num) < GRAD_BOUND
    np.testing.assert_array_equal(dx, dout * relu_derivative(x))


def test_seed_max_pool_4x4_to_2x2():
    x = seed_pool_input()
    out = max_pool2d(x, size=2, stride=2)
    assert out.shape == (2, 2)
    expected = [[x[:2, :2].max(), x[:2, 2:].max()], [x[2:, :2].max(), x[2:, 2:].max()]]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(max_pool2d([[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 3]]),
                                  [[6, 5], [3, 4]])
    np.testing.assert_array_equal(avg_pool2d(x), [[3.5, 2.0], [1.5, 2.5]])


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (3, 2), (2, 1), (1, 1), (4, 3)])
@pytest.mark.parametrize("shape", [(4, 4), (7, 5), (9, 9), (6, 11)])
def test_pooling_vectorised_equals_loops(size, stride, shape):
    rng = np.random.default_rng(size * 100 + stride * 10 + shape[0])
    x = rng.integers(-3, 4, size=shape).astype(float)  # small integers: many ties
    if size > min(shape):
        pytest.skip("window larger than the input: covered by the bad-input tests")
    np.testing.assert_array_equal(max_pool2d(x, size, stride), max_pool2d_naive(x, size, stride))
    np.testing.assert_allclose(avg_pool2d(x, size, stride), avg_pool2d_naive(x, size, stride), atol=1e-12)
    assert max_pool2d(x, size, stride).shape == (pool_output_size(shape[0], size, stride),
                                                 pool_output_size(shape[1], size, stride))
    xb = np.stack([x, -x])[:, None]  # (2, 1, H, W)
    out, cache = maxpool2d_forward(xb, size, stride)
    ref, ref_cache = maxpool2d_forward_naive(xb, size, stride)
    np.testing.assert_array_equal(out, ref)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), maxpool2d_backward_naive(dout, ref_cache),
                               atol=1e-12)


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (3, 2)])
def test_maxpool_gradient_numerically(size, stride):
    rng = np.random.default_rng(size + stride)
    # distinct values spaced far apart: a nudge of 1e-5 never changes which entry is the maximum
    x = rng.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7).astype(float) * 0.1
    out, cache = maxpool2d_forward(x, size, stride)
    dout = rng.normal(size=out.shape)
    dx = maxpool2d_backward(dout, cache)
    num = numerical_gradient(lambda v: float(np.sum(maxpool2d_forward(v, size, stride)[0] * dout)), x)
    assert rel_error(dx, num) < GRAD_BOUND


def test_avgpool_gradient_numerically():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 2, 6, 5))
    out, cache = avgpool2d_forward(x, 3, 1)
    dout = rng.normal(size=out.shape)
    num = numerical_gradient(lambda v: float(np.sum(avgpool2d_forward(v, 3, 1)[0] * dout)), x)
    assert rel_error(avgpool2d_backward(dout, cache), num) < GRAD_BOUND


def test_ties_send_each_window_gradient_to_exactly_one_position():
    # ReLU leaves zeros: a window of all zeros ties four ways
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[5, 5], [1, 5]]  # a three-way tie at 5 in the last window
    _, cache = maxpool2d_forward(x, 2, 2)
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx.sum() == 4.0, "one unit of gradient per window, never duplicated over tied entries"
    assert np.count_nonzero(dx) == 4
    # the first maximum in reading order receives it
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])


def test_ties_with_overlapping_windows():
    x = np.zeros((1, 1, 4, 4))
    _, cache = maxpool2d_forward(x, 3, 1)
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx.sum() == 4.0 and np.count_nonzero(dx) == 4  # each window's top-left corner


def test_overlapping_windows_accumulate_at_a_shared_maximum():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = 9.0  # inside all four 3x3 windows
    _, cache = maxpool2d_forward(x, 3, 1)
    dx = maxpool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    assert dx[0, 0, 1, 1] == 10.0 and dx.sum() == 10.0


def test_switches_point_at_the_maxima():
    x = seed_pool_input()
    rows, cols = max_pool2d_switches(x)
    np.testing.assert_array_equal(x[rows, cols], max_pool2d(x))


def test_pooling_has_no_parameters_and_stride_floor():
    x = np.arange(25, dtype=float).reshape(5, 5)
    # (5 - 2)//2 + 1 = 2: the last row and column are not covered by any window
    assert max_pool2d(x).shape == (2, 2)
    assert max_pool2d(x)[1, 1] == x[3, 3]


# ----------------------------------------------------------------------------------------------------
# Stride-1 max pooling of a batch: the flat "wide" path, split over threads (cnnmath/_fast/threads.py)
# ----------------------------------------------------------------------------------------------------

def _batch(shape, layout, seed):
    """Small integers (many ties) in (N, C, H, W) order, laid out in memory as asked."""
    x = np.random.default_rng(seed).integers(-2, 3, size=shape).astype(float)
    if layout == "channel-major":  # the network's convolution leaves its output like this
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "fortran":  # neither order: the path copies it first
        return np.asfortranarray(x)
    return x


@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("shape", [(1, 1, 4, 4), (5, 3, 7, 6), (3, 1, 9, 5), (2, 2, 4, 11)])
@pytest.mark.parametrize("layout", ["c", "channel-major", "fortran"])
def test_stride_one_max_pooling_equals_loops_with_ties(size, shape, layout):
    x = _batch(shape, layout, seed=size + sum(shape))
    before = x.copy()
    out, cache = maxpool2d_forward(x, size, 1)
    ref, ref_cache = maxpool2d_forward_naive(x, size, 1)
    np.testing.assert_array_equal(out, ref)
    dout = np.random.default_rng(size).integers(-3, 4, size=out.shape).astype(float)  # exact sums
    np.testing.assert_array_equal(maxpool2d_backward(dout, cache), maxpool2d_backward_naive(dout, ref_cache))
    np.testing.assert_array_equal(x, before)  # the input is never modified


def test_stride_one_max_pooling_keeps_float32():
    x = _batch((3, 2, 6, 6), "c", seed=1).astype(np.float32)
    out, cache = maxpool2d_forward(x, 3, 1)
    dx = maxpool2d_backward(np.ones(out.shape, np.float32), cache)
    assert out.dtype == dx.dtype == np.float32
    np.testing.assert_array_equal(out, maxpool2d_forward_naive(x.astype(float), 3, 1)[0])
    assert dx.sum() == out.size  # one unit of gradient per window
