"""The input checks every public function runs: the quick finiteness test agrees with the plain one."""

import numpy as np
import pytest

from cnnmath import conv2d_forward, relu_forward
from cnnmath._validate import _all_finite, as_array, check_int


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["C", "F", "transposed", "sliced"])
@pytest.mark.parametrize("size", [(4, 3, 5, 6), (64, 8, 26, 26)])  # counted, and all()
def test_all_finite_matches_isfinite(dtype, layout, size):
    rng = np.random.default_rng(0)
    big = np.finfo(dtype).max
    for values in ([1.0, -2.0, 0.0], [big, -big, 1.0], [np.sqrt(big) * 2, 1.0, 0.0],
                   [np.nan, 1.0, 2.0], [np.inf, 1.0, 2.0], [-np.inf, 0.0, 0.0], [big, np.nan, -big]):
        arr = rng.choice(np.array(values, dtype=dtype), size=size)
        arr.flat[7] = values[0]  # the special value is there at least once
        if layout == "F":
            arr = np.asfortranarray(arr)
        elif layout == "transposed":
            arr = arr.transpose(1, 0, 3, 2)
        elif layout == "sliced":
            arr = arr[:, :, ::2, 1:]
        assert _all_finite(arr) == bool(np.isfinite(arr).all()), values


@pytest.mark.filterwarnings("error")  # a check that did arithmetic on 1e200 would warn of an overflow
def test_huge_finite_values_pass_and_nan_or_inf_fail():
    x = np.full((1, 1, 4, 4), 1e200)  # the sum of squares overflows; the values are still finite
    assert as_array(x, "x") is x
    out, _ = relu_forward(x)
    assert np.array_equal(out, x)
    w, b = np.ones((1, 1, 3, 3)), np.zeros(1)
    for bad in (np.nan, np.inf, -np.inf):
        x_bad = np.zeros((1, 1, 4, 4))
        x_bad[0, 0, 2, 1] = bad
        with pytest.raises(ValueError, match=r"x contains NaN or infinite values \(1 of 16 entries\)"):
            conv2d_forward(x_bad, w, b)


def test_check_int_fast_path_still_checks():
    assert check_int(3, "stride") == 3
    assert check_int(0, "padding", minimum=0) == 0
    with pytest.raises(ValueError, match="stride is 0"):
        check_int(0, "stride")
    with pytest.raises(TypeError, match="stride is True"):
        check_int(True, "stride")
    assert type(check_int(np.int64(2), "stride")) is int
