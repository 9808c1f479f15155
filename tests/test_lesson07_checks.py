"""Lesson 7's exercise checks: None -> your turn, wrong -> a hint without the answer, right -> correct."""

from __future__ import annotations

import numpy as np
import pytest

from cnnmath import TinyCNN, fit, load_digits
from cnnmath.checks import (check_flat_length, check_predict_digit, check_second_conv_params,
                            check_stages_with_weights)


@pytest.mark.parametrize("check", [check_stages_with_weights, check_second_conv_params, check_flat_length,
                                   check_predict_digit])
def test_none_is_not_answered(check):
    assert check(None).ok is None


def test_stages_with_weights():
    assert check_stages_with_weights(["conv", "dense"]).ok is True
    assert check_stages_with_weights({"Convolution", "fully connected"}).ok is True
    for wrong in (["conv"], ["dense", "pool"], ["conv", "relu", "dense"], "softmax", ["conv", "dense", "flatten"]):
        fb = check_stages_with_weights(wrong)
        assert fb.ok is False
        assert "conv and dense" not in fb.message.lower()
    unknown = check_stages_with_weights(["kernel"])
    assert unknown.ok is False and "kernel" in unknown.message
    assert check_stages_with_weights(3).ok is False


def test_second_conv_params():
    assert 8 * 16 * 3 * 3 + 8 == 1160
    assert check_second_conv_params(1160).ok is True
    assert check_second_conv_params(1160.0).ok is True
    for wrong in (1152, 80, 72, 1280, 1168, 160, 7, 1160.5, "1160", True):
        fb = check_second_conv_params(wrong)
        assert fb.ok is False, wrong
        assert "1160" not in fb.message


def test_flat_length():
    assert check_flat_length(1568).ok is True
    for wrong in (6272, 196, 784, 1352, 5408, 256, 1568.5, "1568"):
        fb = check_flat_length(wrong)
        assert fb.ok is False, wrong
        assert "1568" not in fb.message


@pytest.fixture(scope="module")
def model_and_digits():
    X_train, y_train, X_test, _ = load_digits()
    model = TinyCNN(seed=0)
    fit(model, X_train, y_train, epochs=3)
    return model, X_test[:40]


def test_predict_digit(model_and_digits):
    model, X = model_and_digits

    def right(image):
        return int(np.argmax(model.predict_proba(image[None, None])[0]))

    def also_right(image):
        return model.predict(image.reshape(1, 1, 8, 8))[0]

    def always_zero(image):
        return 0

    def wrong_shape(image):
        return model.predict(image)  # forgot to make a batch: the model raises ValueError

    def all_probs(image):
        return model.predict_proba(image[None, None])[0]

    def stub(image):
        return None

    assert check_predict_digit(right, model, X).ok is True
    assert check_predict_digit(also_right, model, X).ok is True
    assert check_predict_digit(stub, model, X).ok is None
    for fn in (always_zero, wrong_shape, all_probs):
        fb = check_predict_digit(fn, model, X)
        assert fb.ok is False, fn.__name__
        assert "argmax" not in fb.message
    assert "(N, 1, 8, 8)" in check_predict_digit(wrong_shape, model, X).message
    assert check_predict_digit(42, model, X).ok is False


def test_predict_digit_hints_name_a_mistake_only_when_it_explains_the_digits(model_and_digits):
    """Each specific hint fires only when its mistake explains (nearly) every digit: a constant label or an
    untrained model's labels happen to match "one more" or "the smallest score" on some digit, and must get
    the general hint (or the constant one) instead."""
    model, X = model_and_digits
    untrained = TinyCNN(seed=3)

    def plus_one(image):
        return int(model.predict(image[None, None])[0]) + 1

    def smallest(image):
        return int(np.argmin(model.loss(image[None, None])[0]))

    def seven(image):
        return 7

    def untrained_model(image):
        return int(untrained.predict(image[None, None])[0])

    labels, scores = model.predict(X), model.loss(X)
    assert any(7 == want + 1 for want in labels) and any(7 == s.argmin() for s in scores)  # the traps are set
    assert "one more" in check_predict_digit(plus_one, model, X).message
    assert "smallest score" in check_predict_digit(smallest, model, X).message
    fb = check_predict_digit(seven, model, X)
    assert fb.ok is False and "returns 7 for every digit" in fb.message
    fb = check_predict_digit(untrained_model, model, X)
    assert fb.ok is False and "one more" not in fb.message and "smallest score" not in fb.message


def test_predict_digit_default_model():
    def via_default(image):
        return 0

    assert check_predict_digit(via_default).ok is False  # trains its own model when none is given
