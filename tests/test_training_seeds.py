"""fit's defaults keep the course's promise for every seed: 97 % on the test digits, one block or two.

The promise is ``fit(TinyCNN(seed=s), X_train, y_train)`` on ``load_digits(seed=s)`` for s = 0..9, with
nothing but fit's defaults (plain gradient descent, ``p <- p - lr * dL/dp``), and the same for the small
LeNet of lesson 8, ``TinyCNN(seed=s, blocks=2, hidden=64)``. The weights, the split and the shuffling all
follow the seed, so each case is one fixed run.
"""

from __future__ import annotations

import pytest

from cnnmath import TinyCNN, accuracy, fit, load_digits

pytestmark = pytest.mark.slow
SEEDS = range(10)


@pytest.mark.parametrize("config", [{}, {"blocks": 2, "hidden": 64}], ids=["one block", "two blocks, hidden 64"])
@pytest.mark.parametrize("seed", SEEDS)
def test_fit_defaults_reach_97_percent_on_the_test_digits(seed, config):
    X_train, y_train, X_test, y_test = load_digits(seed=seed)
    model = TinyCNN(seed=seed, **config)
    history = fit(model, X_train, y_train)
    acc = accuracy(model, X_test, y_test)
    assert acc >= 0.97, f"TinyCNN(seed={seed}, {config}): test accuracy {acc:.4f} after {len(history['loss'])} epochs"
    assert history["loss"][-1] < history["loss"][0] / 5  # it learned, and did not stop early


def test_fit_defaults_are_plain_gradient_descent():
    """No momentum and no decay unless asked for: the update lesson 6 teaches."""
    defaults = fit.__kwdefaults__
    assert defaults["momentum"] == 0.0 and defaults["lr_decay"] == 1.0
