"""One entry's central difference (cnnmath/gradcheck.py): by hand, equal to numerical_gradient, x untouched;
one entry's gradient check and its error-against-epsilon and loss-along-the-entry curves (lesson 6's explorer).

numerical_gradient and rel_error themselves are tested in test_dense_losses.py beside the gradients they check.
"""

import numpy as np
import pytest

from cnnmath import CentralDifference, central_difference, numerical_gradient
from cnnmath.gradcheck import EPS_GRID, GradientCheck, GradientCheckCurves, gradient_check, gradient_check_curves


def cube_sum(v):
    return float(np.sum(v ** 3))


def test_central_difference_by_hand():
    x = np.array([1.0, 2.0])
    d = central_difference(cube_sum, x, 1, eps=0.5)
    assert isinstance(d, CentralDifference)
    assert d.f_plus == 1 + 2.5 ** 3 and d.f_minus == 1 + 1.5 ** 3
    assert d.slope == (d.f_plus - d.f_minus) / 1.0 == pytest.approx(12.25)  # 3*2**2 + eps**2
    slope, f_plus, f_minus = central_difference(cube_sum, x, (0,))
    assert slope == pytest.approx(3.0, rel=1e-9)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 3)])
@pytest.mark.parametrize("eps", [1e-5, 1e-3])
def test_numerical_gradient_is_central_difference_at_every_entry(shape, eps):
    x = np.random.default_rng(0).normal(size=shape)

    def f(v):
        return float(np.sum(np.sin(v) * v ** 2))

    grad = numerical_gradient(f, x, h=eps)
    for index in np.ndindex(*shape):
        assert central_difference(f, x, index, eps).slope == grad[index]  # the very same number


def test_central_difference_leaves_x_as_it_was_and_nudges_a_float64_array_in_place():
    x = np.array([[0.1, 0.2], [0.3, 0.7]])
    copy = x.copy()
    seen = []

    def f(v):
        seen.append(v is x)
        return float(v.sum())

    central_difference(f, x, (1, 1))
    np.testing.assert_array_equal(x, copy)
    assert seen == [True, True]  # a closure over x sees the nudge, as in numerical_gradient
    ints = [[1, 2], [3, 4]]
    assert central_difference(lambda v: float(v[0, 1] ** 2), ints, (0, 1)).slope == pytest.approx(4.0)
    assert ints == [[1, 2], [3, 4]]


def test_central_difference_bad_input_names_the_argument():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"index is \(2, 0\) but needs 0\.\.1 x 0\.\.2"):
        central_difference(cube_sum, x, (2, 0))
    with pytest.raises(ValueError, match=r"index is \(0, -1\)"):
        central_difference(cube_sum, x, (0, -1))
    with pytest.raises(TypeError, match="index .* needs a tuple of 2 whole number"):
        central_difference(cube_sum, x, 0)
    with pytest.raises(TypeError, match="index"):
        central_difference(cube_sum, x, (0.5, 1))
    with pytest.raises(ValueError, match="eps is 0"):
        central_difference(cube_sum, x, (0, 0), eps=0)
    with pytest.raises(TypeError, match="f is"):
        central_difference("f", x, (0, 0))
    with pytest.raises(ValueError, match="f returned an array"):
        central_difference(lambda v: v, x, (0, 0))
    with pytest.raises(ValueError, match="x contains NaN"):
        central_difference(cube_sum, [np.nan, 1.0], 0)


# --- one entry's gradient check, and its curves (what lesson 6's gradcheck_explorer shows) ---------------

def test_eps_grid_is_four_steps_per_decade_from_1e_1_to_1e_9():
    assert EPS_GRID.shape == (33,) and EPS_GRID[0] == pytest.approx(1e-1) and EPS_GRID[-1] == pytest.approx(1e-9)
    np.testing.assert_allclose(EPS_GRID[::4], 10.0 ** -np.arange(1, 10), rtol=1e-12)
    assert not EPS_GRID.flags.writeable


def test_gradient_check_by_hand():
    x = np.array([1.0, 2.0])
    grad = np.array([3.0, 12.0])                      # d/dx sum(x**3) = 3 x**2
    c = gradient_check(cube_sum, x, grad, 1, eps=0.5)
    assert isinstance(c, GradientCheck)
    assert c.index == (1,) and c.eps == 0.5 and c.analytic == 12.0
    assert c.f_plus == 1 + 2.5 ** 3 and c.f_minus == 1 + 1.5 ** 3
    assert c.numerical == pytest.approx(12.25)        # 3 x**2 + eps**2
    assert c.abs_error == pytest.approx(0.25)
    assert c.rel_error == pytest.approx(0.25 / 24.25)
    assert c.numerical == central_difference(cube_sum, x, 1, 0.5).slope   # the very same number
    assert gradient_check(cube_sum, x, grad, (0,)).rel_error <= 1e-7


def test_gradient_check_curves_by_hand_and_against_central_difference():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    grad = 3 * x ** 2
    copy = x.copy()
    cv = gradient_check_curves(cube_sum, x, grad, (1, 0), eps=[0.1, 0.01, 0.001], offsets=[-0.5, 0.0, 0.5])
    assert isinstance(cv, GradientCheckCurves)
    assert cv.index == (1, 0) and cv.value == 2.0 and cv.loss == cube_sum(x)
    # the central difference of x**3 is 3 x**2 + eps**2: the error is eps**2
    np.testing.assert_allclose(cv.errors, [1e-2, 1e-4, 1e-6], rtol=1e-4)   # (rounding shows at 1e-6)
    for e, err in zip(cv.eps, cv.errors):
        assert err == abs(central_difference(cube_sum, x, (1, 0), e).slope - grad[1, 0])
    rest = cube_sum(x) - 8.0
    np.testing.assert_allclose(cv.losses, [rest + 1.5 ** 3, rest + 8.0, rest + 2.5 ** 3], rtol=1e-14)
    np.testing.assert_array_equal(x, copy)            # x as it was
    default = gradient_check_curves(cube_sum, x, grad, (0, 1))
    np.testing.assert_array_equal(default.eps, EPS_GRID)
    assert default.errors.shape == (33,) and default.offsets.shape == default.losses.shape == (61,)
    assert default.offsets[0] == -0.15 and default.offsets[30] == 0 and default.offsets[-1] == 0.15
    assert default.losses[30] == default.loss


def test_gradient_check_bad_input_names_the_argument():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"grad has shape \(3, 2\) but needs \(2, 3\)"):
        gradient_check(cube_sum, x, np.zeros((3, 2)), (0, 0))
    with pytest.raises(ValueError, match="grad has shape"):
        gradient_check_curves(cube_sum, x, np.zeros(6), (0, 0))
    with pytest.raises(ValueError, match="index is"):
        gradient_check(cube_sum, x, x, (5, 0))
    with pytest.raises(TypeError, match="f is"):
        gradient_check_curves(None, x, x, (0, 0))
    with pytest.raises(ValueError, match="eps is 0"):
        gradient_check(cube_sum, x, x, (0, 0), eps=0.0)
    with pytest.raises(ValueError, match="eps has"):
        gradient_check_curves(cube_sum, x, x, (0, 0), eps=[1e-3, -1e-3])
    with pytest.raises(ValueError, match="offsets"):
        gradient_check_curves(cube_sum, x, x, (0, 0), offsets=[[0.0]])
