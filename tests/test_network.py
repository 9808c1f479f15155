"""TinyCNN, fit and the digits: loss at the start, gradients, overfitting, the default training run."""

import numpy as np
import pytest

from cnnmath import (TinyCNN, accuracy, conv2d, conv2d_grad, fit, load_digits, numerical_gradient, rel_error,
                     seed_image, seed_kernel, sgd_step)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_load_digits_shapes_range_and_stratified_split(digits):
    X_train, y_train, X_test, y_test = digits
    assert X_train.shape == (1437, 1, 8, 8) and X_test.shape == (360, 1, 8, 8)
    assert X_train.dtype == np.float64 and 0.0 <= X_train.min() and X_train.max() <= 1.0
    assert y_train.dtype.kind == "i" and set(np.unique(y_test)) == set(range(10))
    # stratified: each class is 9-11 % of the test set, as in the whole data set
    counts = np.bincount(y_test, minlength=10) / len(y_test)
    assert counts.min() > 0.09 and counts.max() < 0.11
    again = load_digits()
    np.testing.assert_array_equal(again[0], X_train)
    assert not np.array_equal(load_digits(seed=1)[1], y_train)


def test_initial_loss_is_close_to_log_10(digits):
    X_train, y_train = digits[:2]
    loss, grads = TinyCNN(seed=0).loss(X_train[:200], y_train[:200])
    assert abs(loss - np.log(10)) < 0.05


def test_grads_have_the_params_keys_and_shapes(digits):
    model = TinyCNN(seed=1)
    _, grads = model.loss(digits[0][:4], digits[1][:4])
    assert grads.keys() == model.params.keys()
    for key in grads:
        assert grads[key].shape == model.params[key].shape
    scores = model.loss(digits[0][:4])
    assert scores.shape == (4, 10)
    assert model.predict(digits[0][:4]).shape == (4,)


def test_network_gradients_numerically():
    rng = np.random.default_rng(0)
    model = TinyCNN(seed=2, num_filters=3)
    X = rng.random((3, 1, 8, 8))
    y = np.array([1, 7, 3])
    _, grads = model.loss(X, y)
    for key, param in model.params.items():
        num = numerical_gradient(lambda _: model.loss(X, y)[0], param)
        # ReLU and max pooling have kinks; with random inputs none lies within 1e-5 of a nudge
        assert rel_error(grads[key], num) < 1e-6, key


def test_overfits_twenty_examples(digits):
    X, y = digits[0][:20], digits[1][:20]
    model = TinyCNN(seed=0)
    history = fit(model, X, y, epochs=60, lr=0.05, batch_size=20, lr_decay=1.0)
    assert accuracy(model, X, y) == 1.0
    assert history["loss"][-1] < 0.05


def test_fit_defaults_reach_97_percent(digits):
    X_train, y_train, X_test, y_test = digits
    model = TinyCNN(seed=0)
    seen = []
    history = fit(model, X_train, y_train, X_val=X_test, y_val=y_test, callback=seen.append)
    assert history["val_acc"][-1] >= 0.97
    assert accuracy(model, X_test, y_test) == history["val_acc"][-1]
    assert [info["epoch"] for info in seen] == list(range(1, len(history["loss"]) + 1))
    assert history["loss"][-1] < history["loss"][0]


def test_fit_is_deterministic_and_callback_can_stop(digits):
    X, y = digits[0][:200], digits[1][:200]
    a, b = TinyCNN(seed=3), TinyCNN(seed=3)
    fit(a, X, y, epochs=2, seed=5)
    fit(b, X, y, epochs=2, seed=5)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    stopped = fit(TinyCNN(), X, y, epochs=5, callback=lambda info: info["epoch"] < 2)
    assert len(stopped["loss"]) == 2


def test_too_large_learning_rate_fails_to_learn(digits):
    # big steps throw the weights far out; ReLUs die and the network guesses at chance
    X, y = digits[0][:300], digits[1][:300]
    model = TinyCNN()
    history = fit(model, X, y, epochs=3, lr=100.0)
    assert history["train_acc"][-1] < 0.3
    assert history["loss"][0] > 10 * np.log(10)


class _ExplodingModel:
    """Stands in for a network whose loss overflowed."""

    def __init__(self):
        self.params = {"w": np.zeros(2)}

    def loss(self, X, y):
        return float("inf"), {"w": np.zeros(2)}

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_non_finite_loss_stops_with_an_explanation():
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(_ExplodingModel(), np.zeros((4, 1, 8, 8)), np.zeros(4, dtype=int), epochs=1)


def test_one_gradient_descent_step_with_eta_0_001():
    # the lesson's update K_new = K_old - eta * dL/dK, on the worked example with L = sum(O)
    image, kernel = seed_image(), seed_kernel()
    dout = np.ones((3, 3))
    _, dkernel = conv2d_grad(image, kernel, dout)
    # dL/dK_mn = sum_ij I_(i+m, j+n): the sum of the 3x3 block starting at (m, n)
    expected_grad = np.array([[sum(image[m:m + 3, n:n + 3].ravel()) for n in range(3)] for m in range(3)])
    np.testing.assert_allclose(dkernel, expected_grad)
    assert dkernel[0, 0] == 63.0
    params = {"K": kernel.copy()}
    sgd_step(params, {"K": dkernel}, lr=0.001)
    np.testing.assert_allclose(params["K"], kernel - 0.001 * expected_grad, rtol=0, atol=1e-15)
    assert params["K"][0, 0] == pytest.approx(1 - 0.063)
    assert conv2d(image, params["K"]).sum() < conv2d(image, kernel).sum()  # the loss went down


@pytest.mark.parametrize("config", [dict(), dict(num_filters=4, pool_size=3, input_shape=(1, 9, 9)),
                                    dict(num_filters=5, kernel_size=5, input_shape=(2, 6, 10))])
def test_network_equals_the_chain_of_public_layers(config):
    """TinyCNN's fast path gives the same numbers as calling the lessons' layer functions in turn."""
    from cnnmath import (conv2d_backward, conv2d_forward, dense_backward, dense_forward, flatten_backward,
                         flatten_forward, maxpool2d_backward, maxpool2d_forward, relu_backward, relu_forward,
                         softmax_cross_entropy)
    rng = np.random.default_rng(7)
    model = TinyCNN(seed=4, **config)
    X = rng.random((6,) + model.input_shape)
    X[0, 0, :3, :3] = 0.0  # flat patches: ties in the pooling windows after ReLU
    y = rng.integers(0, 10, size=6)
    p = model.params
    conv, c1 = conv2d_forward(X, p["conv_w"], p["conv_b"], 1, model.padding)
    act, c2 = relu_forward(conv)
    pool, c3 = maxpool2d_forward(act, model.pool_size, model.pool_size)
    flat, c4 = flatten_forward(pool)
    scores, c5 = dense_forward(flat, p["dense_w"], p["dense_b"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dflat, ddw, ddb = dense_backward(dscores, c5)
    _, dcw, dcb = conv2d_backward(relu_backward(maxpool2d_backward(flatten_backward(dflat, c4), c3), c2), c1)
    got_loss, grads = model.loss(X, y)
    assert got_loss == pytest.approx(loss, rel=1e-12)
    for key, ref in [("conv_w", dcw), ("conv_b", dcb), ("dense_w", ddw), ("dense_b", ddb)]:
        np.testing.assert_allclose(grads[key], ref, rtol=1e-10, atol=1e-13)
    stages = model.forward(X)
    np.testing.assert_allclose(stages["conv"], conv, atol=1e-13)
    np.testing.assert_allclose(stages["relu"], act, atol=1e-13)
    np.testing.assert_allclose(stages["pool"], pool, atol=1e-13)
    np.testing.assert_allclose(stages["scores"], scores, rtol=1e-12)


@pytest.mark.parametrize("bias", [0.3, -0.2, 0.0])
def test_fused_path_ties_and_dead_windows_match_the_chain(bias):
    """The fused path pools before ReLU and routes ties itself: blank patches give four equal conv outputs
    (positive, negative or zero with the bias), and they must get the gradient exactly as the chain does."""
    from cnnmath import (conv2d_backward, conv2d_forward, maxpool2d_backward, maxpool2d_forward, relu_backward,
                         relu_forward)
    rng = np.random.default_rng(11)
    model = TinyCNN(seed=5)
    assert model._fused
    model.params["conv_b"] = np.full(model.num_filters, bias)
    X = rng.random((7, 1, 8, 8))
    X[:, :, :4, :4] = 0.0  # blank quarter in every image: ties in its pooling windows
    X[3] = 0.0  # and one blank image
    p = model.params
    conv, c1 = conv2d_forward(X, p["conv_w"], p["conv_b"], 1, model.padding)
    act, c2 = relu_forward(conv)
    pool, c3 = maxpool2d_forward(act, 2, 2)
    got, cache = model._forward(X, maps=True)
    np.testing.assert_allclose(got["pool"], pool, atol=1e-13)
    np.testing.assert_allclose(got["conv"], conv, atol=1e-13)
    np.testing.assert_array_equal(got["relu"] > 0, got["conv"] > 0)
    dpool = rng.normal(size=pool.shape)
    _, dw, db = conv2d_backward(relu_backward(maxpool2d_backward(dpool, c3), c2), c1)
    from cnnmath import _fused
    fw, fb = _fused.backward(dpool, cache)
    np.testing.assert_allclose(fw, dw, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(fb, db, rtol=1e-10, atol=1e-13)


def test_fused_backward_leaves_its_inputs_alone():
    from cnnmath import _fused
    rng = np.random.default_rng(2)
    model = TinyCNN(seed=1)
    X = rng.random((5, 1, 8, 8))
    X_before = X.copy()
    _, cache = _fused.forward(X, model.params["conv_w"], model.params["conv_b"], model.padding)
    dpool = rng.normal(size=(model.num_filters, 5, 4, 4)).transpose(1, 0, 2, 3)  # filter-major: a view
    dpool_before = dpool.copy()
    _fused.backward(dpool, cache)
    _fused.backward(dpool, cache)
    np.testing.assert_array_equal(dpool, dpool_before)
    np.testing.assert_array_equal(X, X_before)
