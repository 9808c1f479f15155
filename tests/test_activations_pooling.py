"""ReLU and pooling: the lesson's examples, loops against vectorised, ties, gradients; lesson 4's step,
routes and shift-test functions against the pooling functions; ReLU's straight-line baseline."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnmath import (POOL_MODES, TIE_RULES, PoolStep, avg_pool2d, avg_pool2d_naive, avgpool2d_backward,
                     avgpool2d_forward, best_line_fit, max_pool2d, max_pool2d_naive, max_pool2d_switches,
                     maxpool2d_backward, maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive,
                     numerical_gradient, pool_example_inputs, pool_gradient_dx, pool_output_size, pool_routes,
                     pool_step, pooled_by_mode, rel_error, relative_l2_change, relu, relu_backward,
                     relu_derivative, relu_forward, seed_pool_input)

GRAD_BOUND = 1e-7
X = seed_pool_input()
X_TIE = pool_example_inputs()["4x4 after ReLU (ties)"]


def test_relu_and_derivative_by_hand_including_zero():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 0.5, 3])
    np.testing.assert_array_equal(relu_derivative(x), [0, 0, 0, 1, 1])
    assert relu_derivative(0.0) == 0.0 and relu_derivative(1e-300) == 1.0
    assert not np.signbit(relu(-0.0)), "ReLU of -0.0 is written as 0, not -0"


def test_relu_of_minus_six_map_is_zero():
    np.testing.assert_array_equal(relu(np.full((3, 3), -6.0)), np.zeros((3, 3)))


def test_relu_layer_gradient_numerically():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the corner at 0 where the derivative jumps
    out, cache = relu_forward(x)
    dout = rng.normal(size=out.shape)
    dx = relu_backward(dout, cache)
    num = numerical_gradient(lambda v: float(np.sum(relu_forward(v)[0] * dout)), x)
    assert rel_error(dx, num) < GRAD_BOUND
    np.testing.assert_array_equal(dx, dout * relu_derivative(x))


def test_seed_max_pool_4x4_to_2x2():
    x = seed_pool_input()
    out = max_pool2d(x, size=2, stride=2)
    assert out.shape == (2, 2)
    expected = [[x[:2, :2].max(), x[:2, 2:].max()], [x[2:, :2].max(), x[2:, 2:].max()]]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(max_pool2d([[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 3]]),
                                  [[6, 5], [3, 4]])
    np.testing.assert_array_equal(avg_pool2d(x), [[3.5, 2.0], [1.5, 2.5]])


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (3, 2), (2, 1), (1, 1), (4, 3)])
@pytest.mark.parametrize("shape", [(4, 4), (7, 5), (9, 9), (6, 11)])
def test_pooling_vectorised_equals_loops(size, stride, shape):
    rng = np.random.default_rng(size * 100 + stride * 10 + shape[0])
    x = rng.integers(-3, 4, size=shape).astype(float)  # small integers: many ties
    if size > min(shape):
        pytest.skip("window larger than the input: covered by the bad-input tests")
    np.testing.assert_array_equal(max_pool2d(x, size, stride), max_pool2d_naive(x, size, stride))
    np.testing.assert_allclose(avg_pool2d(x, size, stride), avg_pool2d_naive(x, size, stride), atol=1e-12)
    assert max_pool2d(x, size, stride).shape == (pool_output_size(shape[0], size, stride),
                                                 pool_output_size(shape[1], size, stride))
    xb = np.stack([x, -x])[:, None]  # (2, 1, H, W)
    out, cache = maxpool2d_forward(xb, size, stride)
    ref, ref_cache = maxpool2d_forward_naive(xb, size, stride)
    np.testing.assert_array_equal(out, ref)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(maxpool2d_backward(dout, cache), maxpool2d_backward_naive(dout, ref_cache),
                               atol=1e-12)


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (3, 2)])
def test_maxpool_gradient_numerically(size, stride):
    rng = np.random.default_rng(size + stride)
    # distinct values spaced far apart: a nudge of 1e-5 never changes which entry is the maximum
    x = rng.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7).astype(float) * 0.1
    out, cache = maxpool2d_forward(x, size, stride)
    dout = rng.normal(size=out.shape)
    dx = maxpool2d_backward(dout, cache)
    num = numerical_gradient(lambda v: float(np.sum(maxpool2d_forward(v, size, stride)[0] * dout)), x)
    assert rel_error(dx, num) < GRAD_BOUND


def test_avgpool_gradient_numerically():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 2, 6, 5))
    out, cache = avgpool2d_forward(x, 3, 1)
    dout = rng.normal(size=out.shape)
    num = numerical_gradient(lambda v: float(np.sum(avgpool2d_forward(v, 3, 1)[0] * dout)), x)
    assert rel_error(avgpool2d_backward(dout, cache), num) < GRAD_BOUND


def test_ties_send_each_window_gradient_to_exactly_one_position():
    # ReLU leaves zeros: a window of all zeros ties four ways
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[5, 5], [1, 5]]  # a three-way tie at 5 in the last window
    _, cache = maxpool2d_forward(x, 2, 2)
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx.sum() == 4.0, "one unit of gradient per window, never duplicated over tied entries"
    assert np.count_nonzero(dx) == 4
    # the first maximum in reading order receives it
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])


def test_ties_with_overlapping_windows():
    x = np.zeros((1, 1, 4, 4))
    _, cache = maxpool2d_forward(x, 3, 1)
    dx = maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx.sum() == 4.0 and np.count_nonzero(dx) == 4  # each window's top-left corner


def test_overlapping_windows_accumulate_at_a_shared_maximum():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = 9.0  # inside all four 3x3 windows
    _, cache = maxpool2d_forward(x, 3, 1)
    dx = maxpool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    assert dx[0, 0, 1, 1] == 10.0 and dx.sum() == 10.0


def test_switches_point_at_the_maxima():
    x = seed_pool_input()
    rows, cols = max_pool2d_switches(x)
    np.testing.assert_array_equal(x[rows, cols], max_pool2d(x))


def test_pooling_has_no_parameters_and_stride_floor():
    x = np.arange(25, dtype=float).reshape(5, 5)
    # (5 - 2)//2 + 1 = 2: the last row and column are not covered by any window
    assert max_pool2d(x).shape == (2, 2)
    assert max_pool2d(x)[1, 1] == x[3, 3]


# ----------------------------------------------------------------------------------------------------
# Stride-1 max pooling of a batch: the flat "wide" path, split over threads (cnnmath/_fast/threads.py)
# ----------------------------------------------------------------------------------------------------

def _batch(shape, layout, seed):
    """Small integers (many ties) in (N, C, H, W) order, laid out in memory as asked."""
    x = np.random.default_rng(seed).integers(-2, 3, size=shape).astype(float)
    if layout == "channel-major":  # the network's convolution leaves its output like this
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "fortran":  # neither order: the path copies it first
        return np.asfortranarray(x)
    return x


@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("shape", [(1, 1, 4, 4), (5, 3, 7, 6), (3, 1, 9, 5), (2, 2, 4, 11)])
@pytest.mark.parametrize("layout", ["c", "channel-major", "fortran"])
def test_stride_one_max_pooling_equals_loops_with_ties(size, shape, layout):
    x = _batch(shape, layout, seed=size + sum(shape))
    before = x.copy()
    out, cache = maxpool2d_forward(x, size, 1)
    ref, ref_cache = maxpool2d_forward_naive(x, size, 1)
    np.testing.assert_array_equal(out, ref)
    dout = np.random.default_rng(size).integers(-3, 4, size=out.shape).astype(float)  # exact sums
    np.testing.assert_array_equal(maxpool2d_backward(dout, cache), maxpool2d_backward_naive(dout, ref_cache))
    np.testing.assert_array_equal(x, before)  # the input is never modified


def test_stride_one_max_pooling_keeps_float32():
    x = _batch((3, 2, 6, 6), "c", seed=1).astype(np.float32)
    out, cache = maxpool2d_forward(x, 3, 1)
    dx = maxpool2d_backward(np.ones(out.shape, np.float32), cache)
    assert out.dtype == dx.dtype == np.float32
    np.testing.assert_array_equal(out, maxpool2d_forward_naive(x.astype(float), 3, 1)[0])
    assert dx.sum() == out.size  # one unit of gradient per window


def test_best_line_fit_is_least_squares():
    x = np.linspace(-3, 3, 61)
    np.testing.assert_allclose(best_line_fit(x, 2 * x - 1), 2 * x - 1, atol=1e-12)
    # for the symmetric |x| the best line is flat, at the mean
    np.testing.assert_allclose(best_line_fit(x, np.abs(x)), np.full_like(x, np.abs(x).mean()), atol=1e-12)


def test_best_line_fit_rejects_mismatched_points():
    with pytest.raises(ValueError, match=r"y has shape \(3,\) but needs \(4,\)"):
        best_line_fit([0, 1, 2, 3], [0, 1, 2])
    with pytest.raises(ValueError, match="x has shape"):
        best_line_fit([[0, 1]], [0, 1])


# ----------------------------------------------------------------------------------------------------
# Lesson 4's explorers: pooled_by_mode, relative_l2_change, pool_routes, pool_gradient_dx, pool_step
# ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(8, 8), (7, 9), (6, 5)])
@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 2), (2, 1), (4, 4), (1, 1)])
def test_pooled_by_mode_matches_the_package(shape, size, stride):
    x = np.random.default_rng(1).normal(size=shape)
    assert np.array_equal(pooled_by_mode(x, size, stride, "max"), max_pool2d(x, size, stride))
    assert np.array_equal(pooled_by_mode(x, size, stride, "average"), avg_pool2d(x, size, stride))
    sub = pooled_by_mode(x, size, stride, "subsample")
    assert sub.shape == max_pool2d(x, size, stride).shape
    for i, j in np.ndindex(sub.shape):
        assert sub[i, j] == x[i * stride, j * stride]  # the top-left entry of window (i, j)


def test_pooled_by_mode_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        pooled_by_mode(X, 2, 2, "median")


def test_relative_l2_change():
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    b = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert relative_l2_change(a, a) == 0.0
    assert relative_l2_change(a, b) == pytest.approx(np.sqrt(2))
    assert relative_l2_change(a, 2 * a) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        relative_l2_change(a, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="zeros"):
        relative_l2_change(np.zeros((2, 2)), a)


def test_gradient_routes_first_is_the_switches_and_mask_copies_at_ties():
    rows, cols = max_pool2d_switches(X_TIE)
    first = pool_routes(X_TIE, 2, 2, "first")
    assert first == [((i, j), [(int(rows[i, j]), int(cols[i, j]))]) for i in range(2) for j in range(2)]
    mask = dict(pool_routes(X_TIE, 2, 2, "mask"))
    assert mask[(0, 1)] == [(0, 2), (0, 3), (1, 2), (1, 3)]  # four zeros tie
    assert mask[(1, 0)] == [(2, 0), (2, 1)]  # two equal values tie
    assert len(mask[(0, 0)]) == len(mask[(1, 1)]) == 1
    with pytest.raises(ValueError, match="rule"):
        pool_routes(X, rule="all")


def test_gradient_split_rule_shares_each_tied_gradient_equally():
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = pool_gradient_dx(X_TIE, dout, 2, 2, "split")
    assert dx.sum() == dout.sum()                           # nothing copied, nothing lost
    assert dx[0:2, 2:4].tolist() == [[0.5, 0.5], [0.5, 0.5]]   # window (0, 1): four zeros tie, 2 / 4 each
    assert dx[2, 0] == dx[2, 1] == 1.5                        # window (1, 0): two equal values, 3 / 2 each
    np.testing.assert_array_equal(pool_gradient_dx(X_TIE, dout, 2, 2, "first"),
                                  maxpool2d_backward(dout[None, None],
                                                     maxpool2d_forward(X_TIE[None, None], 2, 2)[1])[0, 0])


@pytest.mark.parametrize("rule", ["first", "split"])
def test_both_tie_rules_are_subgradients_and_the_mask_is_not(rule):
    """f(x) = sum(dout * maxpool(x)) is convex for dout >= 0; g is a subgradient at x_tie when
    f(y) >= f(x_tie) + <g, y - x_tie> for every y. Both valid rules pass on many random y."""
    rng = np.random.default_rng(0)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(v):
        return float(np.sum(dout * max_pool2d(v, 2, 2)))

    for candidate, should_hold in ((rule, True), ("mask", False)):
        g = pool_gradient_dx(X_TIE, dout, 2, 2, candidate)
        gaps = [f(y) - f(X_TIE) - np.sum(g * (y - X_TIE))
                for y in X_TIE + rng.normal(scale=0.5, size=(2000, 4, 4))]
        assert (min(gaps) >= -1e-12) == should_hold, (candidate, min(gaps))


def test_modes_and_rules_are_the_ones_the_lesson_names():
    assert POOL_MODES == ("max", "average", "subsample")
    assert TIE_RULES == ("first", "split", "mask")


@st.composite
def pool_cases(draw, whole=False):
    """A map, a window and a stride that fit; whole numbers 0..3 (``whole``) make ties common."""
    size, stride = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    h, w = draw(st.integers(size, 9)), draw(st.integers(size, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(h, w)).astype(float) if whole else rng.normal(size=(h, w))
    return x, size, stride


@settings(max_examples=120, deadline=None)
@given(pool_cases(whole=True), st.sampled_from(["max", "average"]))
def test_pool_step_at_every_position_agrees_with_the_pooling_functions(case, mode):
    x, size, stride = case
    copy = x.copy()
    pooled = max_pool2d(x, size, stride) if mode == "max" else avg_pool2d(x, size, stride)
    rows, cols = max_pool2d_switches(x, size, stride)
    h_out, w_out = pooled.shape
    for position in range(h_out * w_out):
        step = pool_step(x, size, stride, position, mode)
        assert isinstance(step, PoolStep)
        i, j = divmod(position, w_out)
        assert step.index == (i, j) and step.corner == (i * stride, j * stride) and step.position == position
        assert step.count == h_out * w_out and (step.size, step.stride, step.mode) == (size, stride, mode)
        np.testing.assert_array_equal(step.output, pooled)
        np.testing.assert_array_equal(step.window, x[i * stride:i * stride + size, j * stride:j * stride + size])
        assert step.value == pooled[i, j]
        reduce = np.max if mode == "max" else np.mean
        assert step.value == pytest.approx(reduce(step.window), rel=1e-12, abs=1e-12)
        assert step.done.dtype == bool and step.done.shape == pooled.shape
        assert step.done.sum() == position + 1 and step.done[i, j]
        assert step.done.ravel()[:position + 1].all() and not step.done.ravel()[position + 1:].any()
        if mode == "max":
            assert step.switch == (rows[i, j], cols[i, j])
            assert x[step.switch] == step.value
            assert step.ties == np.count_nonzero(step.window == step.value)
        else:
            assert step.switch is None and step.ties is None
    np.testing.assert_array_equal(x, copy)  # the input is never changed


def test_pool_step_seed_example_by_hand():
    step = pool_step(X, 2, 2, 1)
    assert step.index == (0, 1) and step.corner == (0, 2) and step.value == 5.0 and step.switch == (1, 2)
    assert step.window.tolist() == [[2, 1], [5, 0]] and step.ties == 1 and step.count == 4
    assert step.done.tolist() == [[True, True], [False, False]]
    tie = pool_step(X_TIE, 2, 2, 1)  # four zeros: the first in reading order is the switch
    assert tie.value == 0.0 and tie.ties == 4 and tie.switch == (0, 2)
    assert pool_step(X, 2, 2, 3, "average").value == 2.5


def test_pool_step_results_do_not_share_memory_with_the_input():
    x = X.copy()
    step = pool_step(x, 2, 2, 0)
    step.window[...] = -1
    step.x[...] = -1
    np.testing.assert_array_equal(x, X)


def test_pool_step_bad_input_names_the_argument_and_the_range():
    with pytest.raises(ValueError, match=r"position is 4 but needs 0\.\.3.*2x2"):
        pool_step(X, 2, 2, 4)
    with pytest.raises(ValueError, match=r"position is -1 but needs 0\.\.3"):
        pool_step(X, 2, 2, -1)
    with pytest.raises(TypeError, match="position"):
        pool_step(X, 2, 2, 1.5)
    with pytest.raises(TypeError, match="position"):
        pool_step(X, 2, 2, True)
    with pytest.raises(ValueError, match="mode"):
        pool_step(X, mode="subsample")
    with pytest.raises(ValueError, match="window"):
        pool_step(X, 5, 1, 0)
    with pytest.raises(ValueError, match="x has shape"):
        pool_step(np.ones(4))
    with pytest.raises(ValueError, match="size"):
        pool_step(X, 0)


@settings(max_examples=120, deadline=None)
@given(pool_cases(whole=True), st.data())
def test_pool_routes_and_dx_agree_with_the_switches_and_the_backward_pass(case, data):
    x, size, stride = case
    h_out, w_out = pool_output_size(x.shape[0], size, stride), pool_output_size(x.shape[1], size, stride)
    dout = np.random.default_rng(data.draw(st.integers(0, 1000))).normal(size=(h_out, w_out))
    rows, cols = max_pool2d_switches(x, size, stride)
    first = pool_routes(x, size, stride, "first")
    assert first == [((i, j), [(rows[i, j], cols[i, j])]) for i in range(h_out) for j in range(w_out)]
    for (i, j), targets in pool_routes(x, size, stride, "split"):
        window = x[i * stride:i * stride + size, j * stride:j * stride + size]
        assert len(targets) == np.count_nonzero(window == window.max())
        assert (rows[i, j], cols[i, j]) == targets[0]  # the first tied maximum leads
        assert all(x[r, c] == window.max() for r, c in targets)
    assert pool_routes(x, size, stride, "mask") == pool_routes(x, size, stride, "split")
    _, cache = maxpool2d_forward(x[None, None], size, stride)
    np.testing.assert_array_equal(pool_gradient_dx(x, dout, size, stride, "first"),
                                  maxpool2d_backward(dout[None, None], cache)[0, 0])
    np.testing.assert_allclose(pool_gradient_dx(x, dout, size, stride, "split").sum(), dout.sum(),
                               rtol=1e-9, atol=1e-9)  # split shares: nothing copied, nothing lost
    copies = sum(len(t) for _, t in pool_routes(x, size, stride, "mask"))
    assert copies >= h_out * w_out


def test_pool_gradient_dx_bad_input():
    with pytest.raises(ValueError, match=r"dout has shape 3x3 but needs 2x2"):
        pool_gradient_dx(X, np.ones((3, 3)), 2, 2, "split")
    with pytest.raises(ValueError, match="rule"):
        pool_gradient_dx(X, np.ones((2, 2)), rule="all")


# --- pool_gradient_step: what the gradient explorer shows, computed once ----------------------------

from cnnmath import pool_example_inputs, seed_pool_input  # noqa: E402
from cnnmath.pooling import PoolGradientStep, pool_gradient_step  # noqa: E402

X_TIE = pool_example_inputs()["4x4 after ReLU (ties)"]


@pytest.mark.parametrize("rule", ["first", "split", "mask"])
@pytest.mark.parametrize(("name", "size", "stride"), [("4x4 example", 2, 2), ("4x4 example", 3, 1),
                                                      ("4x4 after ReLU (ties)", 2, 2),
                                                      ("4x4 after ReLU (ties)", 2, 1),
                                                      ("6x6 after ReLU", 3, 1)])
def test_pool_gradient_step_agrees_with_routes_and_dx(rule, name, size, stride):
    x = pool_example_inputs()[name]
    step = pool_gradient_step(x, None, size, stride, rule)
    assert isinstance(step, PoolGradientStep)
    h = (x.shape[0] - size) // stride + 1
    np.testing.assert_array_equal(step.dout, np.arange(1.0, h * h + 1).reshape(h, h))  # 1, 2, ... by default
    assert step.routes == pool_routes(x, size, stride, rule)
    np.testing.assert_array_equal(step.dx, pool_gradient_dx(x, step.dout, size, stride, rule))
    # what each entry receives sums to its dx; entries nobody sends to receive nothing
    for (r, c), v in np.ndenumerate(step.dx):
        assert sum(step.received.get((r, c), [])) == pytest.approx(v)
    assert step.collectors == {p: g for p, g in step.received.items() if len(g) > 1}
    # ties are counted whatever the rule
    split = pool_routes(x, size, stride, "split")
    assert step.ties == [(ij, len(t)) for ij, t in split if len(t) > 1]


def test_pool_gradient_step_overlap_and_ties_by_hand():
    step = pool_gradient_step(seed_pool_input(), size=3, stride=1)
    assert step.received == {(1, 1): [1.0, 2.0, 3.0, 4.0]}  # the 6 wins all four windows
    split = pool_gradient_step(X_TIE, np.array([[1.0, 2.0], [3.0, 4.0]]), rule="split")
    assert split.ties == [((0, 1), 4), ((1, 0), 2)]
    assert split.received[(0, 2)] == [0.5]           # 2 shared by four zeros
    assert split.received[(2, 0)] == split.received[(2, 1)] == [1.5]
    mask = pool_gradient_step(X_TIE, np.array([[1.0, 2.0], [3.0, 4.0]]), rule="mask")
    assert mask.dx.sum() == 1 + 2 * 4 + 3 * 2 + 4


def test_pool_gradient_step_leaves_its_inputs_alone_and_checks_them():
    x, dout = X_TIE.copy(), np.array([[1.0, -2.0], [3.0, 4.0]])
    step = pool_gradient_step(x, dout, rule="split")
    np.testing.assert_array_equal(x, X_TIE)
    dout[0, 0] = 99.0
    assert step.dout[0, 0] == 1.0  # the step keeps its own copy
    with pytest.raises(ValueError, match="dout has shape 3x3 but needs 2x2"):
        pool_gradient_step(X_TIE, np.ones((3, 3)))
    with pytest.raises(ValueError, match="rule"):
        pool_gradient_step(X_TIE, rule="all")
    with pytest.raises(ValueError, match="x"):
        pool_gradient_step(np.ones(4))
    with pytest.raises(ValueError):
        pool_gradient_step(X_TIE, size=5, stride=1)


# --- the shift test's small example (pool_shift_plot draws shifted_pooling's rows) ------------------

from cnnmath.pooling import shifted_pooling  # noqa: E402


def _strokes():
    strokes = np.zeros((4, 8))
    strokes[0:2, 0] = 1.0
    strokes[2:4, 3] = 1.0
    return strokes


@pytest.mark.parametrize("mode", ["max", "average", "subsample"])
def test_shifted_pooling_moves_pools_and_compares(mode):
    x = _strokes()
    copy = x.copy()
    rows = shifted_pooling(x, (0, 1, 2, 3), 2, 2, mode)
    ref = pooled_by_mode(x, 2, 2, mode)
    for s, (moved, pooled, changed) in zip((0, 1, 2, 3), rows):
        np.testing.assert_array_equal(moved, np.roll(x, s, axis=1))  # nothing falls off the right edge
        np.testing.assert_array_equal(pooled, pooled_by_mode(moved, 2, 2, mode))
        np.testing.assert_array_equal(changed, ~np.isclose(pooled, ref))
    np.testing.assert_array_equal(x, copy)
    assert not rows[0][2].any()  # no shift, no change


def test_shifted_pooling_counts_the_lessons_example():
    counts = [int(c.sum()) for _, _, c in shifted_pooling(_strokes(), (0, 1, 2))]
    assert counts == [0, 2, 4]  # shift 1: only the stroke at column 3 crosses a window edge


@pytest.mark.parametrize(("shifts", "match"), [((-1, 0), "shifts are"), ((0, 8), "shifts are"), ((), "shifts are"),
                                               ((0, 5), "last 5 columns")])
def test_shifted_pooling_refuses_shifts_that_lose_entries(shifts, match):
    with pytest.raises(ValueError, match=match):
        shifted_pooling(_strokes(), shifts)
