"""Flatten, dense, softmax and cross-entropy: values by hand, stability, gradients."""

import numpy as np
import pytest

from cnnmath import (cross_entropy, dense_backward, dense_forward, flatten_backward, flatten_forward,
                     log_softmax, numerical_gradient, rel_error, softmax, softmax_cross_entropy)

GRAD_BOUND = 1e-7


def test_softmax_by_hand():
    p = softmax([0.0, np.log(3.0)])
    np.testing.assert_allclose(p, [0.25, 0.75], rtol=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_softmax_rows_sum_to_one_and_ignore_a_constant(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=5, size=(4, 7))
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(z + 123.4), p, rtol=1e-12)
    np.testing.assert_allclose(softmax(z, axis=0).sum(axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.exp(log_softmax(z)), p, rtol=1e-12)


def test_softmax_and_cross_entropy_stay_finite_for_huge_logits():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], [1, 0, 0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3)
    loss, d = softmax_cross_entropy(z, np.array([1, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    np.testing.assert_allclose(loss, (2e4 + np.log(3)) / 2, rtol=1e-12)


def test_cross_entropy_by_hand_and_gradient_is_p_minus_y():
    logits = np.array([[2.0, 1.0, 0.1]])
    p = softmax(logits)
    loss, d = softmax_cross_entropy(logits, [0])
    np.testing.assert_allclose(loss, -np.log(p[0, 0]), rtol=1e-14)
    np.testing.assert_allclose(d, p - [[1, 0, 0]], rtol=1e-14)
    assert cross_entropy(p, [0]) == pytest.approx(loss, rel=1e-14)


def test_uniform_logits_give_log_k():
    loss, _ = softmax_cross_entropy(np.zeros((5, 10)), np.arange(5))
    assert loss == pytest.approx(np.log(10), rel=1e-15)


def test_softmax_cross_entropy_gradient_numerically():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    _, d = softmax_cross_entropy(logits, labels)
    num = numerical_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits)
    assert rel_error(d, num) < GRAD_BOUND


def test_flatten_round_trip():
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    out, cache = flatten_forward(x)
    assert out.shape == (2, 60)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    np.testing.assert_array_equal(flatten_backward(out, cache), x)


def test_dense_by_hand():
    out, _ = dense_forward([[1.0, 2.0]], [[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]], [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(out, [[2.0, 5.0, 0.0]])


def test_dense_gradients_numerically():
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    out, cache = dense_forward(x, w, b)
    dout = rng.normal(size=out.shape)
    dx, dw, db = dense_backward(dout, cache)
    loss = lambda xx, ww, bb: float(np.sum(dense_forward(xx, ww, bb)[0] * dout))
    assert rel_error(dx, numerical_gradient(lambda v: loss(v, w, b), x)) < GRAD_BOUND
    assert rel_error(dw, numerical_gradient(lambda v: loss(x, v, b), w)) < GRAD_BOUND
    assert rel_error(db, numerical_gradient(lambda v: loss(x, w, v), b)) < GRAD_BOUND


def test_numerical_gradient_and_rel_error():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    g = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-9)
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    # a function that reads x through a closure sees the nudges too, and x ends unchanged
    before = x.copy()
    g2 = numerical_gradient(lambda _: float(np.sum(x ** 2)), x)
    np.testing.assert_allclose(g2, 2 * before, rtol=1e-9)
    np.testing.assert_array_equal(x, before)
    # integer input is read as float
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v @ v), np.array([1, 2])), [2, 4])
