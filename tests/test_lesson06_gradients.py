"""Every gradient lesson 6 (06_backpropagation.ipynb) shows, checked against numerical_gradient.

Bound: relative error at most 1e-7 (``rel_error``, float64, central differences with h = 1e-5). Observed:
about 1e-10 for the smooth pieces. The worked example's inputs keep every pre-ReLU value at least 1 away
from 0 and every pooling window's maximum at least 1 above the runner-up, while a nudge of 1e-5 moves an
output by at most 25e-5, so no nudge crosses a corner. The two places where the lesson *shows* a corner
(the tied zeros of dL/dA, and the mirrored kernel whose map is constant) are tested for what the lesson
says about them instead: backprop's value lies between the one-sided slopes, and the central difference
disagrees.

The helpers here rebuild the notebook's worked example from cnnmath alone; the other lesson-6 test files
import them.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from cnnmath import (avg_pool2d, conv2d, conv2d_backward, conv2d_forward, conv2d_grad, dense_backward,
                     dense_forward, flatten_backward, flatten_forward, get_kernel, load_photo,
                     maxpool2d_backward, maxpool2d_forward, numerical_gradient, rel_error, relu_backward,
                     relu_forward, seed_image, seed_kernel, softmax, softmax_cross_entropy)
from cnnmath.checks import kernel_gradient_exercise

BOUND = 1e-7

# --- the worked example of section 3, exactly as the notebook builds it -------------------------------

W = np.round(np.random.default_rng(0).normal(0, 0.5, size=(4, 3)), 2)
C = np.zeros(3)
LABEL = 2
X = seed_image()[None, None]
B_LIVE = -9.0


def live_kernel():
    k = seed_kernel()
    k[1, 1] = 1.0
    return k


def forward_backward(K, b):
    v = {}
    v["O"], conv_cache = conv2d_forward(X, K[None, None], np.array([b]))
    v["A"], relu_cache = relu_forward(v["O"])
    v["P"], pool_cache = maxpool2d_forward(v["A"], size=2, stride=1)
    v["f"], flat_cache = flatten_forward(v["P"])
    v["z"], dense_cache = dense_forward(v["f"], W, C)
    v["p"] = softmax(v["z"])
    v["L"], v["dz"] = softmax_cross_entropy(v["z"], [LABEL])
    v["df"], v["dW"], v["dc"] = dense_backward(v["dz"], dense_cache)
    v["dP"] = flatten_backward(v["df"], flat_cache)
    v["dA"] = maxpool2d_backward(v["dP"], pool_cache)
    v["dO"] = relu_backward(v["dA"], relu_cache)
    _, dw, db = conv2d_backward(v["dO"], conv_cache)
    v["dK"], v["db"] = dw[0, 0], db[0]
    return v


def loss_from_z(z):
    return softmax_cross_entropy(z, [LABEL])[0]


def loss_from_f(f):
    return loss_from_z(dense_forward(f, W, C)[0])


def loss_from_P(P):
    return loss_from_f(flatten_forward(P)[0])


def loss_from_A(A):
    return loss_from_P(maxpool2d_forward(A, size=2, stride=1)[0])


def loss_from_O(O):
    return loss_from_A(relu_forward(O)[0])


def loss_only(K, b):
    return loss_from_O(conv2d_forward(X, K[None, None], np.array([b]))[0])


# --- learning a kernel, section 5 -----------------------------------------------------------------------

def learning_setup():
    photo = load_photo(normalize=True)
    small = avg_pool2d(photo, size=20, stride=20)
    img = small - small.mean()
    K_target = get_kernel("vertical edge")
    T = conv2d(img, K_target)
    K0 = np.random.default_rng(0).normal(size=(3, 3))

    def mse_and_grad(kernel):
        O = conv2d(img, kernel)
        N = O.size
        return np.sum((O - T) ** 2) / N, conv2d_grad(img, kernel, 2 * (O - T) / N)[1]

    return img, T, K_target, K0, mse_and_grad


@pytest.fixture(scope="module")
def learning():
    return learning_setup()


# --- section 1: softmax and cross-entropy ---------------------------------------------------------------

def test_logit_gradient_is_p_minus_y_and_numerical():
    z = np.array([2.0, 1.0, 0.1])
    loss, dz = softmax_cross_entropy(z[None, :], [0])
    p = softmax(z)
    np.testing.assert_allclose(dz[0], p - np.eye(3)[0], rtol=1e-14)
    num = numerical_gradient(lambda zz: softmax_cross_entropy(zz[None, :], [0])[0], z.copy())
    assert rel_error(num, dz[0]) <= BOUND
    assert loss == pytest.approx(-np.log(p[0]), rel=1e-14)


# --- section 2: the kernel's gradient for a given upstream gradient ------------------------------------

G = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0], [-1.0, 0.0, 1.0]])


def test_section2_kernel_gradient_numerically_and_by_formula():
    I, K = seed_image(), seed_kernel()
    _, dK = conv2d_grad(I, K, G)
    num = numerical_gradient(lambda k: np.sum(G * conv2d(I, k)), K.copy())
    assert rel_error(num, dK) <= BOUND
    # the ramp image makes every entry 12 + 2 (5m + n + 1): the numbers the lesson prints
    m, n = np.indices((3, 3))
    np.testing.assert_array_equal(dK, 12 + 2 * (5 * m + n + 1))
    np.testing.assert_array_equal(dK, conv2d(I, G))
    # dL/db = sum of G, through the layer-level bias gradient
    _, cache = conv2d_forward(I[None, None], K[None, None], np.zeros(1))
    assert conv2d_backward(G[None, None], cache)[2][0] == G.sum()


# --- section 3: the worked example ------------------------------------------------------------------------

def test_dead_kernel_has_exactly_zero_gradient_both_ways():
    v = forward_backward(seed_kernel(), 0.0)
    assert np.all(v["O"] == -6) and np.all(v["dO"] == 0) and np.all(v["dK"] == 0)
    assert np.all(numerical_gradient(lambda k: loss_only(k, 0.0), seed_kernel()) == 0)
    assert v["L"] == pytest.approx(np.log(3), rel=1e-15)


def test_worked_example_kernel_and_bias_gradients():
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    assert rel_error(numerical_gradient(lambda k: loss_only(k, B_LIVE), K.copy()), v["dK"]) <= BOUND
    db_num = numerical_gradient(lambda bb: loss_only(K, float(bb[0])), np.array([B_LIVE]))[0]
    assert rel_error(np.array([db_num]), np.array([v["db"]])) <= BOUND
    # the two-term formula the notebook prints, and the lesson-level function
    dO = v["dO"][0, 0]
    I = seed_image()
    np.testing.assert_allclose(v["dK"], dO[2, 1] * I[2:5, 1:4] + dO[2, 2] * I[2:5, 2:5], rtol=1e-14)
    np.testing.assert_allclose(v["dK"], conv2d_grad(I, K, dO)[1], rtol=1e-14)


@pytest.mark.parametrize(("name", "fn"), [("z", loss_from_z), ("f", loss_from_f), ("P", loss_from_P),
                                          ("O", loss_from_O)])
def test_worked_example_intermediate_gradients(name, fn):
    v = forward_backward(live_kernel(), B_LIVE)
    num = numerical_gradient(fn, v[name].copy())
    assert rel_error(num, v["d" + name]) <= BOUND


def test_worked_example_gradient_at_A_away_from_ties_and_between_slopes_at_ties():
    v = forward_backward(live_kernel(), B_LIVE)
    A, dA = v["A"], v["dA"]
    num = numerical_gradient(loss_from_A, A.copy())
    positive = A > 0  # the bottom row 2, 3, 4: no window has a tie there
    assert rel_error(num[positive], dA[positive]) <= BOUND
    h = 1e-6
    for idx in zip(*np.nonzero(~positive)):
        up, down = A.copy(), A.copy()
        up[idx] += h
        down[idx] -= h
        right = (loss_from_A(up) - loss_from_A(A)) / h
        left = (loss_from_A(A) - loss_from_A(down)) / h
        lo, hi = min(left, right), max(left, right)
        assert lo - 1e-6 <= dA[idx] <= hi + 1e-6, idx


def test_mirrored_kernel_ties_make_the_check_disagree():
    K = seed_kernel()[:, ::-1].copy()
    v = forward_backward(K, 0.0)
    assert np.all(v["O"] == 6)
    num = numerical_gradient(lambda k: loss_only(k, 0.0), K.copy())
    assert rel_error(num, v["dK"]) > 0.1


def test_margins_keep_the_nudges_away_from_every_corner():
    v = forward_backward(live_kernel(), B_LIVE)
    O = v["O"][0, 0]
    assert np.abs(O).min() >= 1  # every pre-ReLU value at least 1 from the ReLU corner
    windows = sliding_window_view(v["A"][0, 0], (2, 2)).reshape(4, 4)
    for w in windows:
        top2 = np.sort(w)[-2:]
        assert w.max() == 0 or top2[1] - top2[0] >= 1  # a unique maximum, or the all-zero (dead) window


def test_update_lowers_the_loss_close_to_the_first_order_prediction():
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    K_new = K - 0.001 * v["dK"]
    change = loss_only(K_new, B_LIVE) - v["L"]
    assert change < 0
    assert change == pytest.approx(-0.001 * np.sum(v["dK"] ** 2), rel=0.1)


# --- section 4: the central differences the widget shows --------------------------------------------------

@pytest.mark.parametrize("weight", list(np.ndindex(3, 3)))
def test_central_difference_at_the_default_step_for_every_weight(weight):
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    e = np.zeros((3, 3))
    e[weight] = 1.0
    eps = 1e-5
    slope = (loss_only(K + eps * e, B_LIVE) - loss_only(K - eps * e, B_LIVE)) / (2 * eps)
    assert abs(slope - v["dK"][weight]) / (abs(slope) + abs(v["dK"][weight])) <= BOUND


def test_truncation_error_falls_like_eps_squared():
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    e = np.zeros((3, 3))
    e[2, 2] = 1.0

    def err(eps):
        return abs((loss_only(K + eps * e, B_LIVE) - loss_only(K - eps * e, B_LIVE)) / (2 * eps) - v["dK"][2, 2])

    ratio = err(1e-2) / err(1e-3)
    assert 90 < ratio < 110  # tenfold smaller step, hundredfold smaller error
    assert err(1e-1) > 100 * err(1e-2)  # the 0.1 step crosses a ReLU corner: far off the eps^2 trend


# --- section 5: learning a kernel ----------------------------------------------------------------------------

def test_mse_gradient_numerically(learning):
    *_, K0, mse_and_grad = learning
    for K in (K0, np.random.default_rng(1).normal(size=(3, 3))):
        num = numerical_gradient(lambda k: mse_and_grad(k)[0], K.copy())
        assert rel_error(num, mse_and_grad(K)[1]) <= BOUND


def test_mse_upstream_gradient_is_2_o_minus_t_over_n(learning):
    img, T, _, K0, _ = learning
    O = conv2d(img, K0)
    # The loss is quadratic in O: central differences have no truncation error at any step, so a step
    # of 1e-2 is exact up to rounding, which h = 1e-5 would magnify on the entries where O is within
    # about 1e-6 of T.
    num = numerical_gradient(lambda o: np.sum((o - T) ** 2) / o.size, O.copy(), h=1e-2)
    assert rel_error(num, 2 * (O - T) / O.size) <= BOUND


def test_learning_rate_limit_from_the_exact_hessian(learning):
    img, T, K_target, K0, mse_and_grad = learning
    # The notebook builds H from gradient differences; the exact Hessian of the MSE is (2/N) A^T A.
    A = sliding_window_view(img, (3, 3)).reshape(-1, 9)
    H_exact = 2 * A.T @ A / A.shape[0]
    g0 = mse_and_grad(K0)[1]
    H = np.zeros((9, 9))
    for k in range(9):
        nudged = K0.copy()
        nudged.flat[k] += 1.0
        H[:, k] = (mse_and_grad(nudged)[1] - g0).ravel()
    np.testing.assert_allclose(H, H_exact, atol=1e-12)
    eta_max = 2 / np.linalg.eigvalsh(H_exact).max()

    def final_loss(eta, steps=40):
        K = K0.copy()
        for _ in range(steps):
            K = K - eta * mse_and_grad(K)[1]
        return mse_and_grad(K)[0]

    start = mse_and_grad(K0)[0]
    assert final_loss(0.9 * eta_max) < start / 100
    assert final_loss(1.1 * eta_max) > start * 100


def test_two_hundred_steps_find_the_edge_detector(learning):
    *_, K_target, K0, mse_and_grad = learning
    K = K0.copy()
    for _ in range(200):
        K = K - 2.0 * mse_and_grad(K)[1]
    assert np.abs(K - K_target).max() < 0.02
    assert mse_and_grad(K)[0] < 1e-5


# --- the exercise ------------------------------------------------------------------------------------------

def test_exercise_kernel_gradient_numerically():
    I, K, dO = kernel_gradient_exercise()
    _, dK = conv2d_grad(I, K, dO)
    num = numerical_gradient(lambda k: np.sum(dO * conv2d(I, k)), K.copy())
    assert rel_error(num, dK) <= BOUND
    np.testing.assert_array_equal(dK, [[1, 6], [4, 7]])
