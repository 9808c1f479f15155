"""Gradient descent on a kernel with divergence detection (cnnmath/descent.py, lesson 6).

Checked on a bowl whose steps can be written down: L(K) = sum(c * K**2) has dL/dK = 2 c K, so one step
multiplies each entry by (1 - 2 lr c); it converges for lr < 1 / max(c) and diverges above.
"""

import warnings

import numpy as np
import pytest

from cnnmath.descent import BLOWUP, DescentPath, gradient_descent

C = np.array([[1.0, 2.0], [0.5, 0.25]])
K0 = np.array([[1.0, -2.0], [0.5, 3.0]])


def bowl(K):
    return float(np.sum(C * K ** 2)), 2 * C * K


def by_hand(lr, steps):
    return np.array([K0 * (1 - 2 * lr * C) ** k for k in range(steps + 1)])


def test_every_step_is_k_minus_lr_times_the_gradient():
    path = gradient_descent(bowl, K0, 0.1, 12)
    assert isinstance(path, DescentPath)
    assert path.steps == 12 and path.kernels.shape == (13, 2, 2) and path.losses.shape == (13,)
    np.testing.assert_allclose(path.kernels, by_hand(0.1, 12), rtol=1e-12)
    np.testing.assert_allclose(path.losses, [bowl(K)[0] for K in by_hand(0.1, 12)], rtol=1e-12)
    np.testing.assert_array_equal(path.kernel, path.kernels[-1])
    np.testing.assert_allclose(path.gradient, 2 * C * path.kernel, rtol=1e-12)
    assert path.diverged is None and path.lr == 0.1 and path.blowup == BLOWUP
    assert not path.kernels.flags.writeable and not path.losses.flags.writeable
    zero = gradient_descent(bowl, K0, 0.1, 0)
    assert zero.steps == 0 and zero.losses.tolist() == [bowl(K0)[0]]


def test_resuming_gives_the_same_numbers_as_a_fresh_run_and_calls_the_loss_once_per_new_step():
    calls = []

    def counted(K):
        calls.append(1)
        return bowl(K)
    short = gradient_descent(counted, K0, 0.2, 5)
    assert len(calls) == 6                              # the start and one per step
    longer = gradient_descent(counted, K0, 0.2, 9, resume=short)
    assert len(calls) == 10                             # only the four new steps
    fresh = gradient_descent(bowl, K0, 0.2, 9)
    np.testing.assert_array_equal(longer.kernels, fresh.kernels)
    np.testing.assert_array_equal(longer.losses, fresh.losses)
    assert gradient_descent(counted, K0, 0.2, 7, resume=longer) is longer and len(calls) == 10
    np.testing.assert_array_equal(short.kernels, fresh.kernels[:6])   # the earlier path is unchanged


def test_first_gives_a_prefix_and_keeps_divergence_only_when_it_is_reached():
    path = gradient_descent(bowl, K0, 0.1, 10)
    first = path.first(4)
    np.testing.assert_array_equal(first.kernels, path.kernels[:5])
    assert first.steps == 4 and first.diverged is None
    assert path.first(10) is path and path.first(50) is path
    wild = gradient_descent(bowl, K0, 3.0, 100)          # 1 - 2 * 3 * 2 = -11: each step x11 on K[0,1]
    assert wild.diverged is not None
    assert wild.first(wild.diverged).diverged == wild.diverged
    assert wild.first(wild.diverged - 1).diverged is None
    with pytest.raises(ValueError, match="steps is -1"):
        path.first(-1)


def test_a_too_large_rate_stops_when_the_loss_passes_blowup_times_its_start_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no overflow or invalid-value warning escapes
        path = gradient_descent(bowl, K0, 3.0, 300)
        tiny = gradient_descent(bowl, K0, 3.0, 300, blowup=10.0)
        huge = gradient_descent(bowl, K0 * 1e150, 3.0, 300, blowup=1e300)   # runs into inf
    start = path.losses[0]
    d = path.diverged
    assert d == path.steps < 300
    assert path.losses[d] > BLOWUP * start >= path.losses[d - 1]
    np.testing.assert_allclose(path.kernels, by_hand(3.0, d), rtol=1e-12)
    assert tiny.losses[tiny.diverged] > 10 * start >= tiny.losses[tiny.diverged - 1]
    assert not np.isfinite(huge.losses[-1]) and huge.diverged == huge.steps
    assert gradient_descent(bowl, K0, 3.0, 300, resume=path) is path       # a diverged run stays stopped


def test_inputs_are_not_changed():
    K = K0.copy()
    path = gradient_descent(bowl, K, 0.1, 3)
    np.testing.assert_array_equal(K, K0)
    assert path.kernels[0] is not K


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="loss_and_grad is str"):
        gradient_descent("bowl", K0, 0.1, 3)
    with pytest.raises(ValueError, match="K0"):
        gradient_descent(bowl, np.zeros(3), 0.1, 3)
    for lr in (0, -0.1, float("nan"), True):
        with pytest.raises(ValueError, match="lr is"):
            gradient_descent(bowl, K0, lr, 3)
    with pytest.raises(ValueError, match="steps is 2.5"):
        gradient_descent(bowl, K0, 0.1, 2.5)
    with pytest.raises(ValueError, match="blowup is 1"):
        gradient_descent(bowl, K0, 0.1, 3, blowup=1)
    with pytest.raises(ValueError, match="gradient of shape"):
        gradient_descent(lambda K: (1.0, np.zeros(3)), K0, 0.1, 3)
    with pytest.raises(ValueError, match="loss of shape"):
        gradient_descent(lambda K: (np.ones(2), K), K0, 0.1, 3)
    other = gradient_descent(bowl, K0, 0.2, 3)
    with pytest.raises(ValueError, match="resume is a path with another"):
        gradient_descent(bowl, K0, 0.1, 5, resume=other)
    with pytest.raises(ValueError, match="resume is a path with another"):
        gradient_descent(bowl, K0, 0.2, 5, resume=other.first(1))
    with pytest.raises(TypeError, match="resume is dict"):
        gradient_descent(bowl, K0, 0.2, 5, resume={})
