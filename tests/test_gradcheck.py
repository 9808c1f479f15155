"""One entry's central difference (cnnmath/gradcheck.py): by hand, equal to numerical_gradient, x untouched.

numerical_gradient and rel_error themselves are tested in test_dense_losses.py beside the gradients they check.
"""

import numpy as np
import pytest

from cnnmath import CentralDifference, central_difference, numerical_gradient


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
