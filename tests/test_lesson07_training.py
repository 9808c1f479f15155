"""Lesson 7's training run: the notebook's run reaches 97% on the test digits, reproducibly; fit's step is
lesson 6's rule; the gradient it uses is right."""

from __future__ import annotations

import numpy as np
import pytest

from cnnmath import TinyCNN, accuracy, fit, load_digits, numerical_gradient, rel_error


@pytest.fixture(scope="module")
def digits():
    """The notebook's data: training, validation and test digits (``load_digits(seed=0, validation=0.15)``)."""
    return load_digits(seed=0, validation=0.15)


def train_like_the_notebook(digits, seed=0):
    """Exactly the notebook's training cell: TinyCNN(seed) and fit's defaults, validation digits measured."""
    X_train, y_train, X_val, y_val, _, _ = digits
    model = TinyCNN(seed=seed)
    history = fit(model, X_train, y_train, seed=seed, X_val=X_val, y_val=y_val)
    return model, history


@pytest.fixture(scope="module")
def notebook_run(digits):
    return train_like_the_notebook(digits)


def test_the_notebook_split_keeps_the_test_digits_of_the_four_array_call(digits):
    X_train, y_train, X_val, y_val, X_test, y_test = digits
    _, _, X_test4, y_test4 = load_digits(seed=0)
    np.testing.assert_array_equal(X_test, X_test4)
    np.testing.assert_array_equal(y_test, y_test4)
    assert len(X_train) + len(X_val) + len(X_test) == 1797


def test_notebook_run_reaches_97_percent_on_the_test_digits(digits, notebook_run):
    """The notebook asserts this in its one test-set cell (seed 0), and its summary states it."""
    X_train, y_train, X_val, y_val, X_test, y_test = digits
    model, history = notebook_run
    acc = accuracy(model, X_test, y_test)
    assert acc >= 0.97, f"seed 0: test accuracy {acc:.4f}"
    assert history["val_acc"][-1] == accuracy(model, X_val, y_val)  # the curves show validation accuracy
    assert len(history["loss"]) == fit.__kwdefaults__["epochs"]
    assert history["loss"][-1] < history["loss"][0] / 10


def test_notebook_run_matches_what_its_prose_says(notebook_run):
    """Section 4's plot description: the loss falls most in the first quarter of the epochs, and the
    validation accuracy rises, then stays within 2 points over the second half (the notebook asserts it)."""
    _, history = notebook_run
    loss, val = history["loss"], history["val_acc"]
    epochs = len(loss)
    quarter = max(1, epochs // 4)
    assert loss[0] - loss[quarter] > loss[quarter] - loss[-1]
    band = val[epochs // 2:]
    assert val[0] < min(band) and max(band) - min(band) <= 0.02


def test_training_is_reproducible(digits, notebook_run):
    a, ha = notebook_run
    b, hb = train_like_the_notebook(digits, 0)
    assert ha["loss"] == hb["loss"] and ha["val_acc"] == hb["val_acc"]
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])


def test_one_step_of_fit_is_lesson_6s_rule(digits):
    """What the notebook checks before training: one batch of every training digit, one step p - lr * dL/dp."""
    X_train, y_train = digits[0], digits[1]
    lr = fit.__kwdefaults__["lr"]
    model = TinyCNN(seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    _, grads = model.loss(X_train, y_train)
    fit(model, X_train, y_train, epochs=1, batch_size=len(X_train))
    for key in model.params:
        np.testing.assert_allclose(model.params[key], before[key] - lr * grads[key], rtol=0, atol=1e-12)


def test_notebook_gradient_check(digits):
    """The notebook checks dL/dK (conv_w) of a fresh TinyCNN on 5 training digits; bound 1e-6 (h = 1e-5)."""
    X_train, y_train = digits[0], digits[1]
    model = TinyCNN(seed=0)
    X, y = X_train[:5], y_train[:5]
    _, grads = model.loss(X, y)
    for key in ("conv_w", "dense_w", "dense_b"):
        numeric = numerical_gradient(lambda _: model.loss(X, y)[0], model.params[key])
        assert rel_error(grads[key], numeric) < 1e-6, key


def test_bias_gradient_away_from_the_relu_kink(digits):
    """With b = 0, conv outputs over blank patches sit exactly at ReLU's kink, so central differences
    (which average the slopes 0 and 1 there) disagree with the backward pass; the notebook says so. With
    biases away from 0 (and no output within h of 0) the two agree."""
    X_train, y_train = digits[0], digits[1]
    X, y = X_train[:5], y_train[:5]
    model = TinyCNN(seed=0)
    assert (model.forward(X)["conv"] == 0).sum() > 0  # the kink is really hit
    _, grads = model.loss(X, y)
    numeric = numerical_gradient(lambda _: model.loss(X, y)[0], model.params["conv_b"])
    assert rel_error(grads["conv_b"], numeric) > 1e-3
    model.params["conv_b"][:] = np.random.default_rng(0).normal(0.0, 0.1, model.params["conv_b"].shape)
    # no conv output within a step h = 1e-5 of the kink, so the nudges never cross it
    assert np.abs(model.forward(X)["conv"]).min() > 1e-5
    _, grads = model.loss(X, y)
    numeric = numerical_gradient(lambda _: model.loss(X, y)[0], model.params["conv_b"])
    assert rel_error(grads["conv_b"], numeric) < 1e-6
