"""Every gradient lesson 4 (04_pooling.ipynb) shows, checked against numerical_gradient.

Bound: relative error below 1e-8 (central differences with h = 1e-5 on inputs whose entries are at least
1/36 apart, so no nudge changes which entry wins a window; observed errors are about 1e-10).
"""

import numpy as np
import pytest

from cnnmath import (max_pool2d, maxpool2d_backward, maxpool2d_forward, numerical_gradient, pool_example_inputs,
                     rel_error, relu, seed_pool_input)
from cnnmath.checks import pool_exercise_input

BOUND = 1e-8


def _backward(x, dout, size, stride):
    _, cache = maxpool2d_forward(x[None, None], size, stride)
    return maxpool2d_backward(dout[None, None], cache)[0, 0]


def _numeric(x, dout, size, stride):
    def f(v):
        return float(np.sum(dout * max_pool2d(v, size, stride)))
    return numerical_gradient(f, np.array(x, dtype=float))


@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 1), (3, 2), (2, 1)])
def test_notebook_check_input(size, stride):
    # the notebook's own check: 36 distinct values scaled to 1/36 steps, random dout
    rng = np.random.default_rng(0)
    x = rng.permutation(36).reshape(1, 1, 6, 6) / 36
    out, cache = maxpool2d_forward(x, size, stride)
    dout = rng.normal(size=out.shape)
    dx = maxpool2d_backward(dout, cache)

    def f(v):
        return np.sum(dout * maxpool2d_forward(v, size, stride)[0])

    assert rel_error(dx, numerical_gradient(f, x)) < BOUND


@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 1)])
def test_seed_example_gradients(size, stride):
    # the 4x4 example has no tie inside any window it is pooled over in the lesson
    x = seed_pool_input()
    h = (4 - size) // stride + 1
    dout = np.arange(1.0, h * h + 1).reshape(h, h)
    assert rel_error(_backward(x, dout, size, stride), _numeric(x, dout, size, stride)) < BOUND


def test_seed_example_values():
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = _backward(seed_pool_input(), dout, 2, 2)
    want = np.zeros((4, 4))
    want[1, 1], want[1, 2], want[2, 0], want[3, 2] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx, want)
    dx3 = _backward(seed_pool_input(), dout, 3, 1)
    assert dx3[1, 1] == 10 and np.count_nonzero(dx3) == 1


def test_exercise_map_gradient():
    dout = np.array([[1.0, 5.0], [-2.0, 0.5]])
    x = pool_exercise_input()  # distinct values in every window
    dx = _backward(x, dout, 2, 2)
    assert rel_error(dx, _numeric(x, dout, 2, 2)) < BOUND
    assert dx[0, 3] == 5.0  # exercise 3: window (0, 1)'s gradient lands on its maximum


def test_ties_go_to_the_first_maximum_and_the_numerical_gradient_splits_them():
    # What the notebook says about the tie example: the package gives each tied window's gradient to
    # its first maximum; a central difference instead gives half of it to every tied entry, which is why
    # the numerical check needs an input without ties.
    x_tie = pool_example_inputs()["4x4 after ReLU (ties)"]
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = _backward(x_tie, dout, 2, 2)
    assert dx[0, 2] == 2.0 and dx[0, 3] == dx[1, 2] == dx[1, 3] == 0.0
    assert dx[2, 0] == 3.0 and dx[2, 1] == 0.0
    assert dx.sum() == dout.sum()
    numeric = _numeric(x_tie, dout, 2, 2)
    np.testing.assert_allclose(numeric[0:2, 2:4], np.full((2, 2), 1.0), atol=1e-6)  # 2 / 2 each
    np.testing.assert_allclose(numeric[2, 0:2], [1.5, 1.5], atol=1e-6)


def test_relu_then_pool_gradient_without_ties():
    # A ReLU'd map whose positive entries are distinct and whose windows each hold a positive entry.
    rng = np.random.default_rng(0)
    z = rng.permutation(np.arange(-18, 18)).reshape(6, 6) / 6 + 0.05
    x = relu(z)
    assert np.count_nonzero(x == 0) == 18  # half the map is ReLU's zeros ...
    for i in range(3):
        for j in range(3):
            assert x[2 * i:2 * i + 2, 2 * j:2 * j + 2].max() > 0  # ... but no window's maximum is one
    dout = rng.normal(size=(3, 3))
    assert rel_error(_backward(x, dout, 2, 2), _numeric(x, dout, 2, 2)) < BOUND
