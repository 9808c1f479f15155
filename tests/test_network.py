"""TinyCNN, fit and the digits: loss at the start, gradients, overfitting, the default training run, the
network as the chain of the lessons' functions, the validation split and fit's plain gradient descent."""

import inspect

import numpy as np
import pytest

from cnnmath import (TinyCNN, accuracy, conv2d, conv2d_backward, conv2d_forward, conv2d_grad, dense_backward,
                     dense_forward, fit, flatten_backward, flatten_forward, load_digits, maxpool2d_backward,
                     maxpool2d_forward, numerical_gradient, rel_error, relu_backward, relu_forward, seed_image,
                     seed_kernel, sgd_step, softmax, softmax_cross_entropy)


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
    """Plain gradient descent (no momentum) drives the loss on twenty digits close to zero."""
    X, y = digits[0][:20], digits[1][:20]
    model = TinyCNN(seed=0)
    history = fit(model, X, y, epochs=60, lr=0.3, batch_size=20, lr_decay=1.0)
    assert accuracy(model, X, y) == 1.0
    assert history["loss"][-1] < 0.05


def test_fit_is_deterministic_and_callback_can_stop(digits):
    X, y = digits[0][:200], digits[1][:200]
    a, b = TinyCNN(seed=3), TinyCNN(seed=3)
    fit(a, X, y, epochs=2, seed=5)
    fit(b, X, y, epochs=2, seed=5)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    seen = []
    stopped = fit(TinyCNN(), X, y, epochs=5, callback=lambda info: seen.append(info) or info["epoch"] < 2)
    assert len(stopped["loss"]) == 2
    assert [info["epoch"] for info in seen] == [1, 2]  # called once per epoch, until it said stop
    assert seen[-1]["history"] is stopped and seen[-1]["loss"] == stopped["loss"][-1]
    assert a.params["conv_w"].tobytes() != TinyCNN(seed=3).params["conv_w"].tobytes()  # it did train


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



# ----------------------------------------------------------------------------------------------------
# The network is the chain of the lessons' layer functions: the same numbers as writing the chain out
# ----------------------------------------------------------------------------------------------------

def _one_block_chain(model, X, y):
    """Lesson 7's chain, written out with the public layer functions: loss, grads and every stage."""
    p = model.params
    conv, c1 = conv2d_forward(X, p["conv_w"], p["conv_b"], 1, model.padding)
    act, c2 = relu_forward(conv)
    pool, c3 = maxpool2d_forward(act, model.pool_size, model.pool_size)
    flat, c4 = flatten_forward(pool)
    scores, c5 = dense_forward(flat, p["dense_w"], p["dense_b"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dflat, ddw, ddb = dense_backward(dscores, c5)
    _, dcw, dcb = conv2d_backward(relu_backward(maxpool2d_backward(flatten_backward(dflat, c4), c3), c2), c1)
    stages = {"conv": conv, "relu": act, "pool": pool, "flat": flat, "dense": scores}
    return loss, {"conv_w": dcw, "conv_b": dcb, "dense_w": ddw, "dense_b": ddb}, stages


def _assert_model_is_the_chain(model, X, y, loss, grads, stages):
    got_loss, got = model.loss(X, y)
    assert got_loss == pytest.approx(loss, rel=1e-12)
    assert list(got) == list(grads) == list(model.params)
    for key in grads:
        np.testing.assert_allclose(got[key], grads[key], rtol=1e-10, atol=1e-13, err_msg=key)
    seen = model.forward(X)
    for name, value in stages.items():
        np.testing.assert_allclose(seen[name], value, rtol=1e-12, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(seen["scores"], list(stages.values())[-1], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("config", [dict(), dict(num_filters=4, pool_size=3, input_shape=(1, 9, 9)),
                                    dict(num_filters=5, kernel_size=5, input_shape=(2, 6, 10))])
def test_network_equals_the_chain_of_public_layers(config):
    """TinyCNN's loss, gradients and stages are the lessons' layer functions called in turn."""
    rng = np.random.default_rng(7)
    model = TinyCNN(seed=4, **config)
    X = rng.random((6,) + model.input_shape)
    X[0, 0, :3, :3] = 0.0  # flat patches: ties in the pooling windows after ReLU
    y = rng.integers(0, 10, size=6)
    _assert_model_is_the_chain(model, X, y, *_one_block_chain(model, X, y))


@pytest.mark.parametrize("bias", [0.3, -0.2, 0.0])
def test_ties_and_dead_windows_match_the_chain(bias):
    """Blank patches give four equal conv outputs in a pooling window (the bias: positive, negative or
    zero), and a blank image gives nothing but ties: the network routes their gradient exactly as the chain
    written out by hand does (a wrong tie rule would move whole units of gradient, far beyond rounding)."""
    rng = np.random.default_rng(11)
    model = TinyCNN(seed=5)
    model.params["conv_b"] = np.full(model.num_filters, bias)
    X = rng.random((7, 1, 8, 8))
    X[:, :, :4, :4] = 0.0  # blank quarter in every image: ties in its pooling windows
    X[3] = 0.0  # and one blank image
    y = np.arange(7)
    loss, grads, stages = _one_block_chain(model, X, y)
    window = stages["conv"][3, :, :2, :2]  # the blank image: every conv output is exactly the bias
    np.testing.assert_array_equal(window, np.full_like(window, bias))
    _assert_model_is_the_chain(model, X, y, loss, grads, stages)
    if bias > 0:
        # a blank image's pooled maps are the bias, and each window's gradient reaches one conv output:
        # the first of its four tied entries, so the conv bias gradient of that image is the pooled sum
        one = X[3:4]
        conv, c1 = conv2d_forward(one, model.params["conv_w"], model.params["conv_b"], 1, 1)
        act, c2 = relu_forward(conv)
        pool, c3 = maxpool2d_forward(act, 2, 2)
        dpool = rng.normal(size=pool.shape)
        dact = maxpool2d_backward(dpool, c3)
        np.testing.assert_array_equal(dact[..., ::2, ::2], dpool)  # top-left corner of each window
        assert np.count_nonzero(dact) == np.count_nonzero(dpool)
        np.testing.assert_allclose(conv2d_backward(relu_backward(dact, c2), c1)[2], dpool.sum(axis=(0, 2, 3)),
                                   rtol=1e-12)


def test_two_block_network_equals_the_chain_written_out():
    """TinyCNN(blocks=2, hidden=64) is conv-relu-pool twice, flatten, dense-relu, dense: written out here."""
    rng = np.random.default_rng(3)
    model = TinyCNN(seed=6, blocks=2, hidden=64)
    X = rng.random((5, 1, 8, 8))
    X[1] = 0.0  # a blank image: ties everywhere
    X[2, :, 4:, :] = 0.0
    y = rng.integers(0, 10, size=5)
    p = model.params
    conv1, k1 = conv2d_forward(X, p["conv1_w"], p["conv1_b"], 1, 1)
    relu1, k2 = relu_forward(conv1)
    pool1, k3 = maxpool2d_forward(relu1, 2, 2)
    conv2, k4 = conv2d_forward(pool1, p["conv2_w"], p["conv2_b"], 1, 1)
    relu2, k5 = relu_forward(conv2)
    pool2, k6 = maxpool2d_forward(relu2, 2, 2)
    flat, k7 = flatten_forward(pool2)
    dense1, k8 = dense_forward(flat, p["dense1_w"], p["dense1_b"])
    relu3, k9 = relu_forward(dense1)
    dense2, k10 = dense_forward(relu3, p["dense2_w"], p["dense2_b"])
    loss, dscores = softmax_cross_entropy(dense2, y)
    drelu3, dw4, db4 = dense_backward(dscores, k10)
    dflat, dw3, db3 = dense_backward(relu_backward(drelu3, k9), k8)
    dpool1, dw2, db2 = conv2d_backward(relu_backward(maxpool2d_backward(flatten_backward(dflat, k7), k6), k5), k4)
    _, dw1, db1 = conv2d_backward(relu_backward(maxpool2d_backward(dpool1, k3), k2), k1)
    assert conv1.shape == (5, 16, 8, 8) and pool1.shape == (5, 16, 4, 4)
    assert conv2.shape == (5, 32, 4, 4) and pool2.shape == (5, 32, 2, 2) and flat.shape == (5, 128)
    grads = {"conv1_w": dw1, "conv1_b": db1, "conv2_w": dw2, "conv2_b": db2,
             "dense1_w": dw3, "dense1_b": db3, "dense2_w": dw4, "dense2_b": db4}
    stages = {"conv1": conv1, "relu1": relu1, "pool1": pool1, "conv2": conv2, "relu2": relu2, "pool2": pool2,
              "flat": flat, "dense1": dense1, "relu3": relu3, "dense2": dense2}
    _assert_model_is_the_chain(model, X, y, loss, grads, stages)
    np.testing.assert_allclose(model.forward(X)["probs"], softmax(dense2, axis=1), rtol=1e-12)


def _frozen(value):
    """A comparable copy of a cache: arrays become (dtype, shape, bytes), tuples and lists are walked."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value


@pytest.mark.parametrize("config", [dict(), dict(blocks=2, hidden=64)], ids=["one-block", "two-blocks"])
def test_backward_twice_on_the_same_caches_gives_the_same_result(config):
    """The network's backward chain run twice on one forward pass's caches gives the same bits: a backward
    pass that changed its cache (or the gradient it was handed) would change the second run. X, the upstream
    gradient and every cache are unchanged afterwards."""
    rng = np.random.default_rng(2)
    model = TinyCNN(seed=1, **config)
    X = rng.random((5, 1, 8, 8))
    X[0] = 0.0  # ties: the pooling caches hold their routing decisions
    X[1, :, :4, :4] = 0.0
    X_before = X.copy()
    caches, out = [], X
    for name, layer in zip(model.names, model.layers):
        params = {key: model.params[f"{name}_{key}"] for key in layer.param_names}
        out, cache = layer.forward(out, params)
        caches.append(cache)
    frozen = _frozen(caches)
    dscores = rng.normal(size=out.shape)
    dscores_before = dscores.copy()

    def backward():
        results, dout = [], dscores
        for layer, cache in zip(reversed(model.layers), reversed(caches)):
            dout, grads = layer.backward(dout, cache)
            results.append(_frozen((dout, grads)))
        return results

    first, second = backward(), backward()
    assert first == second
    assert _frozen(caches) == frozen
    assert dscores.tobytes() == dscores_before.tobytes()
    assert X.tobytes() == X_before.tobytes()


# ----------------------------------------------------------------------------------------------------
# load_digits(validation=...): tune on validation data, read the test set once
# ----------------------------------------------------------------------------------------------------

def _rows(*arrays_and_labels):
    """Every (image, label) pair of the given (X, y) pairs, as a sorted list of bytes: a multiset."""
    rows = []
    for X, y in zip(arrays_and_labels[::2], arrays_and_labels[1::2]):
        rows += [x.tobytes() + bytes([int(label)]) for x, label in zip(X, y)]
    return sorted(rows)


def test_validation_split_keeps_the_test_set_and_splits_the_training_set(digits):
    """Six arrays; the test part is the four-array call's test part; train and validation together are the
    four-array training set, each example exactly once (so the three parts are disjoint); stratified."""
    X_train4, y_train4, X_test4, y_test4 = digits
    parts = load_digits(validation=0.15)
    assert len(parts) == 6
    X_train, y_train, X_val, y_val, X_test, y_test = parts
    np.testing.assert_array_equal(X_test, X_test4)
    np.testing.assert_array_equal(y_test, y_test4)
    # sklearn's split takes ceil(0.15 / 0.8 * 1437) = ceil(269.44) = 270 for validation
    assert X_val.shape == (270, 1, 8, 8) and y_val.shape == (270,)
    assert len(y_train) == 1437 - 270
    assert _rows(X_train, y_train, X_val, y_val) == _rows(X_train4, y_train4)
    assert X_val.dtype == np.float64 and y_val.dtype.kind == "i"
    counts = np.bincount(y_val, minlength=10) / len(y_val)
    assert counts.min() > 0.09 and counts.max() < 0.11  # every class about a tenth, as in the whole set
    again = load_digits(validation=0.15)
    for a, b in zip(parts, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(load_digits(seed=1, validation=0.15)[3], y_val)


@pytest.mark.parametrize("validation", [0, 0.0, 1, 0.8, 0.95, -0.1, float("nan"), True, "0.15", [0.1]])
def test_bad_validation_fractions_are_explained(validation):
    """A fraction outside (0, 1 - test_size), or not a number, raises ValueError naming `validation`."""
    with pytest.raises(ValueError, match="validation"):
        load_digits(validation=validation)


# ----------------------------------------------------------------------------------------------------
# fit's default update is lesson 6's rule p <- p - lr * dL/dp
# ----------------------------------------------------------------------------------------------------

def test_fit_defaults_are_plain_gradient_descent(digits):
    """Two whole-batch epochs of fit with its defaults are two steps p <- p - lr * dL/dp, computed here
    by hand with model.loss: no momentum (the second step does not remember the first) and no decay (the
    second step uses the same lr)."""
    X, y = digits[0][:12], digits[1][:12]
    lr = inspect.signature(fit).parameters["lr"].default
    by_hand = TinyCNN(seed=2)
    expected = {k: v.copy() for k, v in by_hand.params.items()}
    for _ in range(2):
        _, grads = by_hand.loss(X, y)
        for key in expected:
            expected[key] = expected[key] - lr * grads[key]
            by_hand.params[key] = expected[key]
    model = TinyCNN(seed=2)
    history = fit(model, X, y, epochs=2, batch_size=len(y))
    assert len(history["loss"]) == 2
    for key in expected:
        # the batch is shuffled, so the mean over it sums in another order: equal to rounding
        np.testing.assert_allclose(model.params[key], expected[key], rtol=1e-11, atol=1e-14, err_msg=key)


def test_momentum_is_an_option_that_changes_the_steps(digits):
    """momentum=0.9 gives v <- 0.9 v - lr g, p <- p + v (by hand), which is not the plain result."""
    X, y = digits[0][:12], digits[1][:12]
    lr = 0.3
    plain, moving = TinyCNN(seed=2), TinyCNN(seed=2)
    fit(plain, X, y, epochs=2, batch_size=len(y), lr=lr)
    fit(moving, X, y, epochs=2, batch_size=len(y), lr=lr, momentum=0.9)
    by_hand = TinyCNN(seed=2)
    velocity = {k: np.zeros_like(v) for k, v in by_hand.params.items()}
    for _ in range(2):
        _, grads = by_hand.loss(X, y)
        for key in velocity:
            velocity[key] = 0.9 * velocity[key] - lr * grads[key]
            by_hand.params[key] = by_hand.params[key] + velocity[key]
    for key in by_hand.params:
        np.testing.assert_allclose(moving.params[key], by_hand.params[key], rtol=1e-11, atol=1e-14, err_msg=key)
    assert max(np.abs(moving.params[k] - plain.params[k]).max() for k in plain.params) > 1e-3


def test_lr_decay_is_an_option_that_shrinks_later_steps(digits):
    """lr_decay=0.5 makes the second epoch's step lr * 0.5 (by hand)."""
    X, y = digits[0][:12], digits[1][:12]
    model = TinyCNN(seed=2)
    fit(model, X, y, epochs=2, batch_size=len(y), lr=0.3, lr_decay=0.5)
    by_hand = TinyCNN(seed=2)
    for step_lr in (0.3, 0.15):
        _, grads = by_hand.loss(X, y)
        for key in grads:
            by_hand.params[key] = by_hand.params[key] - step_lr * grads[key]
    for key in by_hand.params:
        np.testing.assert_allclose(model.params[key], by_hand.params[key], rtol=1e-11, atol=1e-14, err_msg=key)


def test_fit_trains_any_sequential(digits):
    """fit works with a hand-built Sequential as with TinyCNN: the loss falls, nothing breaks."""
    from cnnmath import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
    X, y = digits[0][:200], digits[1][:200]
    model = Sequential([Conv2D(1, 4, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(64, 10)], seed=0)
    history = fit(model, X, y, epochs=5, lr=0.3, X_val=digits[2][:100], y_val=digits[3][:100])
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_acc"][-1] > 0.5


def test_fit_trains_on_one_blas_thread_and_restores_the_setting(digits):
    """fit limits numpy's BLAS to blas_threads while it runs, and gives the process its setting back."""
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    X, y = digits[0][:48], digits[1][:48]
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        seen = []
        fit(TinyCNN(), X, y, epochs=1, callback=lambda info: seen.append(blas_threads()))
        assert seen == [[1] * len(before)]
        assert blas_threads() == before
        seen.clear()
        fit(TinyCNN(), X, y, epochs=1, blas_threads=None, callback=lambda info: seen.append(blas_threads()))
        assert seen == [before]
        with pytest.raises(ValueError, match="blas_threads"):
            fit(TinyCNN(), X, y, epochs=1, blas_threads=0)


# --- map_peaks and dead_filters (cnnmath.model): what the explorers of lessons 7 and 8 count ----------

from cnnmath.model import dead_filters, map_peaks  # noqa: E402


def test_map_peaks_is_each_maps_maximum():
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(5, 3, 4, 6))
    peaks = map_peaks(maps)
    assert peaks.shape == (5, 3)
    for n in range(5):
        for f in range(3):
            assert peaks[n, f] == maps[n, f].max()
    np.testing.assert_array_equal(map_peaks(maps[2]), peaks[2])      # one image's maps (F, H, W)
    before = maps.copy()
    map_peaks(maps)
    np.testing.assert_array_equal(maps, before)                      # the input is not changed


@pytest.mark.parametrize("bad", [np.zeros((4, 4)), np.zeros((1, 2, 3, 4, 5)), np.zeros((3, 0, 4))])
def test_map_peaks_names_the_shape_it_needs(bad):
    with pytest.raises(ValueError, match=r"maps has shape .* but needs \(F, H, W\) or \(N, F, H, W\)"):
        map_peaks(bad)


def test_dead_filters_counts_filters_that_answer_nothing(digits):
    X = digits[0][:50]  # training digits
    model = TinyCNN(seed=0, num_filters=4)
    assert dead_filters(model, X) == 0                               # He-initialised filters answer something
    model.params["conv_w"][1] = -1.0                                 # every weight and the bias negative:
    model.params["conv_b"][1] = -1.0                                 # on pixels in [0, 1] the map is <= 0
    model.params["conv_w"][3] = 0.0
    model.params["conv_b"][3] = 0.0                                  # exactly 0 everywhere: dead too
    assert dead_filters(model, X) == 2
    relu = model.forward(X)["relu"]
    assert dead_filters(model, X) == int(sum(not (relu[:, f] > 0).any() for f in range(4)))
    deep = TinyCNN(seed=0, blocks=2, hidden=8)
    assert dead_filters(deep, X, stage="relu1") == int(sum(not (deep.forward(X)["relu1"][:, f] > 0).any()
                                                           for f in range(16)))
    with pytest.raises(ValueError, match="stage is 'relu' but needs one of"):
        dead_filters(deep, X)
    with pytest.raises(ValueError, match=r"needs maps \(N, F, H, W\)"):
        dead_filters(model, X, stage="flat")
