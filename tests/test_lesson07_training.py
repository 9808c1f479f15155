"""Lesson 7's training run: the notebook's defaults reach 97%, reproducibly; the gradient it uses is right."""

from __future__ import annotations

import numpy as np
import pytest

from cnnmath import TinyCNN, accuracy, fit, load_digits, numerical_gradient, rel_error


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def train_like_the_notebook(digits, seed=0):
    """Exactly the notebook's training cell: TinyCNN(seed) and fit's defaults (10 epochs, lr 0.1, batch 32)."""
    X_train, y_train, X_test, y_test = digits
    model = TinyCNN(seed=seed)
    history = fit(model, X_train, y_train, seed=seed, X_val=X_test, y_val=y_test)
    return model, history


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_notebook_defaults_reach_97_percent(digits, seed):
    _, _, X_test, y_test = digits
    model, history = train_like_the_notebook(digits, seed)
    acc = accuracy(model, X_test, y_test)
    assert acc >= 0.97, f"seed {seed}: test accuracy {acc:.4f}"
    assert history["val_acc"][-1] == acc
    assert len(history["loss"]) == 10
    assert history["loss"][-1] < history["loss"][0] / 10


def test_training_is_reproducible(digits):
    a, ha = train_like_the_notebook(digits, 0)
    b, hb = train_like_the_notebook(digits, 0)
    assert ha["loss"] == hb["loss"]
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])


def test_notebook_gradient_check(digits):
    """The notebook checks dL/dK (conv_w) of a fresh TinyCNN on 5 training digits; bound 1e-6 (h = 1e-5)."""
    X_train, y_train, _, _ = digits
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
    X_train, y_train, _, _ = digits
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
