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

from cnnmath import (avg_pool2d, avgpool2d_backward, avgpool2d_forward, conv2d, conv2d_backward,
                     conv2d_forward, conv2d_grad, convolve2d, dense_backward, dense_forward, flatten_backward,
                     flatten_forward, get_kernel, load_photo, maxpool2d_backward, maxpool2d_forward,
                     numerical_gradient, rel_error, relu_backward, relu_forward, seed_image, seed_kernel,
                     seed_pool_input, softmax, softmax_cross_entropy)
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


def forward_backward(K, b, W=W, C=C, images=X, labels=(LABEL,)):
    v = {}
    v["O"], conv_cache = conv2d_forward(images, K[None, None], np.array([b]))
    v["A"], relu_cache = relu_forward(v["O"])
    v["P"], pool_cache = maxpool2d_forward(v["A"], size=2, stride=1)
    v["f"], flat_cache = flatten_forward(v["P"])
    v["z"], dense_cache = dense_forward(v["f"], W, C)
    v["p"] = softmax(v["z"])
    v["L"], v["dz"] = softmax_cross_entropy(v["z"], list(labels))
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


def loss_only(K, b, images=X, labels=(LABEL,)):
    if images is X and tuple(labels) == (LABEL,):
        return loss_from_O(conv2d_forward(X, K[None, None], np.array([b]))[0])
    O = conv2d_forward(images, K[None, None], np.array([b]))[0]
    P = maxpool2d_forward(relu_forward(O)[0], size=2, stride=1)[0]
    return softmax_cross_entropy(dense_forward(flatten_forward(P)[0], W, C)[0], list(labels))[0]


# --- section 4's batch, and its filter bank ---------------------------------------------------------------

def batch_of_three():
    I = seed_image()
    return np.stack([I, I[:, ::-1], I[::-1, :]])[:, None], [2, 0, 1]


def bank_example():
    rng = np.random.default_rng(24)
    X_bank = rng.integers(0, 5, size=(2, 2, 4, 4)).astype(float)
    W_bank = rng.integers(-1, 2, size=(2, 2, 3, 3)).astype(float)
    O_bank, cache = conv2d_forward(X_bank, W_bank, np.zeros(2), stride=2, padding=1)
    G_bank = rng.integers(-2, 3, size=O_bank.shape).astype(float)
    return X_bank, W_bank, G_bank, cache


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


# --- section 1: huge logits -----------------------------------------------------------------------------------

def test_subtracting_the_maximum_changes_nothing_and_avoids_nan():
    z = np.array([1000.0, 999.0, 998.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.exp(z).sum()
    assert np.all(np.isnan(naive))
    np.testing.assert_allclose(softmax(z), softmax(z - 998), rtol=1e-15)
    np.testing.assert_allclose(softmax(z), softmax(np.array([2.0, 1.0, 0.0])), rtol=1e-15)
    loss, dz = softmax_cross_entropy(z[None, :], [0])
    assert loss == pytest.approx(np.log(1 + np.exp(-1) + np.exp(-2)), rel=1e-14)
    num = numerical_gradient(lambda zz: softmax_cross_entropy(zz[None, :], [0])[0], z.copy())
    assert rel_error(num, dz[0]) <= BOUND


# --- section 3: which parameters a dead kernel leaves stuck ----------------------------------------------------

def test_dead_kernel_only_the_dense_biases_learn():
    K, b, Wd, Cd = seed_kernel(), 0.0, W.copy(), C.copy()
    v0 = forward_backward(K, b, Wd, Cd)
    assert np.all(v0["dK"] == 0) and v0["db"] == 0 and np.all(v0["dW"] == 0)
    np.testing.assert_allclose(v0["dc"], [1 / 3, 1 / 3, -2 / 3], rtol=1e-12)
    for _ in range(100):
        v = forward_backward(K, b, Wd, Cd)
        K, b, Wd, Cd = K - 0.1 * v["dK"], b - 0.1 * v["db"], Wd - 0.1 * v["dW"], Cd - 0.1 * v["dc"]
    final = forward_backward(K, b, Wd, Cd)
    assert np.array_equal(K, seed_kernel()) and b == 0.0 and np.array_equal(Wd, W)
    assert f"{final['L']:.4f}" == "0.0773" and f"{v0['L']:.4f}" == "1.0986"
    # the prediction no longer depends on the image at all: f = 0 for every image this kernel kills
    assert np.all(final["f"] == 0)


# --- section 4: the rest of the backward pass -------------------------------------------------------------------

def test_dense_gradients_by_formula_and_numerically():
    v = forward_backward(live_kernel(), B_LIVE)
    g = v["p"] - np.eye(3)[LABEL]
    np.testing.assert_allclose(v["dW"], v["f"].T @ g, rtol=1e-14)
    np.testing.assert_allclose(v["dc"], g[0], rtol=1e-14)
    np.testing.assert_allclose(v["df"], g @ W.T, rtol=1e-14)

    def dense_loss(w, c, f):
        return softmax_cross_entropy(dense_forward(f, w, c)[0], [LABEL])[0]

    assert rel_error(numerical_gradient(lambda w: dense_loss(w, C, v["f"]), W.copy()), v["dW"]) <= BOUND
    assert rel_error(numerical_gradient(lambda c: dense_loss(W, c, v["f"]), C.copy()), v["dc"]) <= BOUND
    assert rel_error(numerical_gradient(lambda f: dense_loss(W, C, f), v["f"].copy()), v["df"]) <= BOUND
    assert np.all(v["dW"][:2] == 0)  # the rows of the two zero features


def test_input_gradient_is_the_full_convolution_with_the_turned_kernel():
    I, K = seed_image(), seed_kernel()
    full = conv2d(np.pad(G, 2), K[::-1, ::-1])
    np.testing.assert_allclose(full, conv2d_grad(I, K, G)[0], rtol=1e-14)
    np.testing.assert_allclose(full, convolve2d(G, K, padding=2), rtol=1e-14)
    _, cache = conv2d_forward(I[None, None], K[None, None], np.zeros(1))
    np.testing.assert_allclose(full, conv2d_backward(G[None, None], cache)[0][0, 0], rtol=1e-14)
    num = numerical_gradient(lambda image: np.sum(G * conv2d(image, K)), I.copy())
    assert rel_error(num, full) <= BOUND
    assert full[3, 2] == 2                                  # the pixel the lesson works by hand
    np.testing.assert_array_equal(conv2d(np.pad(G, 2), K), -full)   # the seed's kernel turned is -K


def test_input_gradient_of_the_worked_chain_numerically():
    # The same rule one layer down: dL/dx of section 3's chain, against nudging the image's pixels.
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    dx_full = conv2d(np.pad(v["dO"][0, 0], 2), K[::-1, ::-1])
    num = numerical_gradient(lambda img: loss_from_O(conv2d_forward(img[None, None], K[None, None],
                                                                    np.array([B_LIVE]))[0]), seed_image())
    assert rel_error(num, dx_full) <= BOUND


def test_batch_gradients_are_means_and_carry_one_over_n():
    images, labels = batch_of_three()
    batch = forward_backward(live_kernel(), B_LIVE, images=images, labels=labels)
    singles = [forward_backward(live_kernel(), B_LIVE, images=images[e:e + 1], labels=[labels[e]])
               for e in range(3)]
    assert batch["L"] == pytest.approx(np.mean([s["L"] for s in singles]), rel=1e-14)
    np.testing.assert_allclose(batch["dz"], (batch["p"] - np.eye(3)[labels]) / 3, rtol=1e-14)
    for name in ["dK", "db", "dW", "dc"]:
        np.testing.assert_allclose(batch[name], np.mean([s[name] for s in singles], axis=0), rtol=1e-12)
    num = numerical_gradient(lambda k: loss_only(k, B_LIVE, images=images, labels=labels), live_kernel())
    assert rel_error(num, batch["dK"]) <= BOUND
    # the same margins as the worked example: no nudge crosses a ReLU or pooling corner
    O = batch["O"][:, 0]
    assert np.abs(O).min() >= 1
    for example in batch["A"][:, 0]:
        for w in sliding_window_view(example, (2, 2)).reshape(4, 4):
            top2 = np.sort(w)[-2:]
            assert w.max() == 0 or top2[1] - top2[0] >= 1


def test_filter_bank_gradient_formula_slices_and_numerically():
    X_bank, W_bank, G_bank, cache = bank_example()
    dx, dw, db = conv2d_backward(G_bank, cache)
    S, P = 2, 1
    Xp = np.pad(X_bank, ((0, 0), (0, 0), (P, P), (P, P)))
    formula = np.einsum("efij,ecijmn->fcmn", G_bank,
                        np.stack([[[[Xp[e, c, S * i:S * i + 3, S * j:S * j + 3] for j in range(2)]
                                    for i in range(2)] for c in range(2)] for e in range(2)]))
    np.testing.assert_allclose(dw, formula, rtol=1e-14)
    for f in range(2):
        for c in range(2):
            per_example = [conv2d_grad(X_bank[e, c], W_bank[f, c], G_bank[e, f], stride=S, padding=P)[1]
                           for e in range(2)]
            np.testing.assert_allclose(dw[f, c], sum(per_example), rtol=1e-14)
    np.testing.assert_allclose(db, G_bank.sum(axis=(0, 2, 3)))
    num = numerical_gradient(lambda w: np.sum(G_bank * conv2d_forward(X_bank, w, np.zeros(2), stride=S,
                                                                       padding=P)[0]), W_bank.copy())
    assert rel_error(num, dw) <= BOUND
    assert np.abs(dw).min() >= 1  # no zero entries: rel_error's floor cannot hide a disagreement
    assert dw[1, 1, 0, 1] == 12   # the weight the lesson writes out: 7 + 5


def test_average_pooling_backward_spreads_evenly():
    A = seed_pool_input()
    dP = np.array([[4.0, -2.0], [1.0, 8.0]])
    _, cache = avgpool2d_forward(A[None, None], size=2, stride=2)
    dA = avgpool2d_backward(dP[None, None], cache)[0, 0]
    np.testing.assert_array_equal(dA, dP.repeat(2, axis=0).repeat(2, axis=1) / 4)
    num = numerical_gradient(lambda a: np.sum(dP * avg_pool2d(a)), A.copy())
    assert rel_error(num, dA) <= BOUND


# --- section 5 and 6: the numbers the prose quotes ----------------------------------------------------------------

def test_the_large_nudge_crosses_relu_corners_both_ways():
    K, I = live_kernel(), seed_image()
    e = np.zeros((3, 3))
    e[2, 2] = 1.0
    up, down = conv2d(I, K + 0.1 * e) + B_LIVE, conv2d(I, K - 0.1 * e) + B_LIVE
    base = conv2d(I, K) + B_LIVE
    assert base[1, 2] < 0 < up[1, 2] and base[2, 0] > 0 > down[2, 0]


def test_divergence_factor_and_overflow(learning):
    *_, K0, mse_and_grad = learning
    g0 = mse_and_grad(K0)[1]
    H = np.array([(mse_and_grad(K0 + np.eye(9)[k].reshape(3, 3))[1] - g0).ravel() for k in range(9)]).T
    lam = np.linalg.eigvalsh((H + H.T) / 2).max()
    eta = 1.1 * 2 / lam
    K, history = K0.copy(), []
    for _ in range(41):
        loss, dK = mse_and_grad(K)
        history.append(loss)
        K = K - eta * dK
    assert [s for s in range(1, 41) if history[s] < history[s - 1]] == [1]
    assert history[31] / history[30] == pytest.approx(1.44, abs=1e-3)


def test_centring_makes_learning_faster(learning):
    img, _, K_target, K0, _ = learning
    small = avg_pool2d(load_photo(normalize=True), size=20, stride=20)            # not centred

    def steps(image):
        target = conv2d(image, K_target)

        def grad(k):
            O = conv2d(image, k)
            return conv2d_grad(image, k, 2 * (O - target) / O.size)[1]

        A = sliding_window_view(image, (3, 3)).reshape(-1, 9)
        lam = np.linalg.eigvalsh(2 * A.T @ A / A.shape[0]).max()
        K, n = K0.copy(), 0
        while np.abs(K - K_target).max() > 0.02:
            K, n = K - 0.9 * 2 / lam * grad(K), n + 1
        return n

    assert (steps(img), steps(small)) == (116, 457)
