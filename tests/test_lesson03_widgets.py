"""Lesson 3 (03_relu.ipynb) explorers, driven headless by setting their controls' values.

Every expected number is computed here from cnnmath, never copied from the explorer.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import (conv2d, get_kernel, load_photo, relu, relu_derivative, seed_image,  # noqa: E402
                     seed_kernel)
from cnnmath.viz.plots import format_number  # noqa: E402
from cnnmath.viz.widgets import RELU_BIAS_KERNELS, relu_bias_explorer, relu_explorer  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402


@pytest.fixture(scope="module")
def photo_maps():
    photo = load_photo()
    return {name: conv2d(photo, get_kernel(name)) for name in RELU_BIAS_KERNELS}


# --- relu_explorer ------------------------------------------------------------------------------

def test_relu_explorer_starts_with_its_value():
    ex = relu_explorer(x=1.5)
    assert isinstance(ex, Explorer)
    assert ex.controls["x"].description == "x"
    assert ex.state == {"x": 1.5, "f": 1.5, "df": 1.0}
    assert "ReLU at x = 1.50: f(x) = 1.50, f'(x) = 1" in ex.summary.value
    assert ex.last_error is None


@pytest.mark.parametrize("x", [-3.0, -2.5, -0.25, 0.0, 0.25, 1.0, 2.75, 3.0])
def test_relu_explorer_follows_the_slider(x):
    ex = relu_explorer(x=1.5)
    ex.controls["x"].value = x
    f, df = float(relu(x)), float(relu_derivative(x))
    assert ex.state == {"x": x, "f": f, "df": df}
    assert f"ReLU at x = {format_number(x)}: f(x) = {format_number(f)}, f'(x) = {format_number(df)}" \
        in ex.summary.value
    assert ex.last_error is None


def test_relu_explorer_explains_the_corner():
    ex = relu_explorer(x=1.0)
    ex.controls["x"].value = 0.0
    assert ex.state["df"] == 0.0
    assert "corner" in ex.summary.value and "f'(0) = 0" in ex.summary.value
    ex.controls["x"].value = -1.0
    assert "corner" not in ex.summary.value and "slope 0" in ex.summary.value


def test_relu_explorer_clamps_out_of_range_values():
    ex = relu_explorer()
    ex.controls["x"].value = 10.0
    assert ex.state["x"] == 3.0 and ex.state["f"] == 3.0
    ex.controls["x"].value = -10.0
    assert ex.state["x"] == -3.0 and ex.state["f"] == 0.0


def test_relu_explorer_reports_nan_in_words():
    ex = relu_explorer(x=2.0)
    ex.controls["x"].value = float("nan")
    assert isinstance(ex.last_error, ValueError)
    assert "finite number" in ex.summary.value
    assert ex.state["x"] == 2.0  # the last good state is kept
    ex.controls["x"].value = -1.0
    assert ex.last_error is None and ex.state["f"] == 0.0


# --- relu_bias_explorer on the photo ------------------------------------------------------------

def _expect_counts(ex, fmap, b):
    z = fmap + b
    passed, total = int((z > 0).sum()), int(z.size)
    assert ex.state["passed"] == passed
    assert ex.state["total"] == total
    assert ex.state["zeros"] == int((z == 0).sum())
    assert ex.state["fraction"] == pytest.approx(passed / total)
    np.testing.assert_array_equal(ex.state["mask"], relu_derivative(z).astype(bool))
    assert f"b = {format_number(b)}: {passed / total:.1%} of pixels pass ({passed:,} of {total:,})" \
        in ex.summary.value
    assert ex.last_error is None


def test_relu_bias_explorer_default_is_the_vertical_edge_map(photo_maps):
    ex = relu_bias_explorer()
    assert set(ex.controls) == {"kernel", "bias"}
    assert ex.controls["kernel"].description == "kernel"
    assert ex.controls["bias"].description == "bias b"
    assert ex.state["kernel"] == "vertical edge" and ex.state["bias"] == 0.0
    _expect_counts(ex, photo_maps["vertical edge"], 0.0)


@pytest.mark.parametrize("b", [-200.0, -20.0, -10.0, 10.0, 50.0, 200.0])
def test_relu_bias_explorer_counts_follow_the_bias(photo_maps, b):
    ex = relu_bias_explorer()
    ex.controls["bias"].value = b
    _expect_counts(ex, photo_maps["vertical edge"], b)


def test_relu_bias_explorer_bias_lowers_and_raises_the_fraction(photo_maps):
    ex = relu_bias_explorer()
    fractions = []
    for b in (-50.0, 0.0, 50.0):
        ex.controls["bias"].value = b
        fractions.append(ex.state["fraction"])
    assert fractions[0] < fractions[1] < fractions[2]


@pytest.mark.parametrize("name", RELU_BIAS_KERNELS)
def test_relu_bias_explorer_kernel_dropdown(photo_maps, name):
    ex = relu_bias_explorer(bias=-20.0)
    ex.controls["kernel"].value = name
    assert ex.state["kernel"] == name
    _expect_counts(ex, photo_maps[name], -20.0)


def test_relu_bias_explorer_clamps_the_bias(photo_maps):
    ex = relu_bias_explorer()
    ex.controls["bias"].value = 1000.0
    assert ex.state["bias"] == 200.0
    _expect_counts(ex, photo_maps["vertical edge"], 200.0)


def test_relu_bias_explorer_reports_nan_in_words():
    ex = relu_bias_explorer()
    ex.controls["bias"].value = float("nan")
    assert isinstance(ex.last_error, ValueError)
    assert "finite number" in ex.summary.value


def test_relu_bias_explorer_rejects_an_unknown_kernel():
    with pytest.raises(ValueError, match="kernel"):
        relu_bias_explorer(kernel="blur everything")


# --- relu_bias_explorer on a given map (the -6 map of lesson 2) ----------------------------------

@pytest.mark.parametrize("b,passed", [(0.0, 0), (6.0, 0), (7.0, 9), (-10.0, 0)])
def test_relu_bias_explorer_on_the_minus_six_map(b, passed):
    fmap = conv2d(seed_image(), seed_kernel())
    ex = relu_bias_explorer(fmap, bias=0.0, step=1.0, bias_range=(-10.0, 10.0))
    assert set(ex.controls) == {"bias"}  # a given map needs no kernel
    ex.controls["bias"].value = b
    assert ex.state["passed"] == passed
    _expect_counts(ex, fmap, b)
    if b == 6.0:  # every entry on the corner: counted as zeros, and said so
        assert ex.state["zeros"] == 9 and "exactly at 0" in ex.summary.value


def test_relu_bias_explorer_leaves_the_given_map_alone():
    fmap = np.array([[-1.0, 2.0], [0.0, 3.0]])
    copy = fmap.copy()
    ex = relu_bias_explorer(fmap, bias_range=(-5.0, 5.0), step=1.0)
    ex.controls["bias"].value = 2.0
    np.testing.assert_array_equal(fmap, copy)
    assert ex.state["passed"] == 4


def test_relu_bias_explorer_rejects_a_map_of_the_wrong_rank():
    with pytest.raises(ValueError, match="2-D"):
        relu_bias_explorer(np.ones(4))


def test_explorers_do_not_pile_up_figures():
    ex = relu_bias_explorer()
    for b in (-10.0, 0.0, 10.0):
        ex.controls["bias"].value = b
    ex2 = relu_explorer()
    ex2.controls["x"].value = 0.5
    assert plt.get_fignums() == []


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_typed_values_never_give_a_traceback():
    from tests.test_checks_typed_inputs import drive_typed_values
    assert drive_typed_values(relu_explorer()) > 0
    assert drive_typed_values(relu_bias_explorer(np.arange(-6.0, 6.0).reshape(3, 4))) > 0


# --- one figure, updated in place; compute once (issue 16) ----------------------------------------

from tests.helpers import count_calls, current_picture, watch_pictures  # noqa: E402


def test_relu_explorer_sends_one_picture_per_change_and_computes_once(monkeypatch):
    import cnnmath.viz.widgets.lesson03 as mod

    ex = relu_explorer(x=1.5)
    assert ex.output is None and ex.figure is not None
    pictures = watch_pictures(ex)
    calls = count_calls(monkeypatch, mod, "relu", "relu_derivative")
    relus, slopes = calls["relu"], calls["relu_derivative"]
    for k, x in enumerate([-2.0, 0.0, 2.75], start=1):
        ex.controls["x"].value = x
        assert len(pictures) == k and len(relus) == k and len(slopes) == k
        png, alt = pictures[-1]
        assert (png, alt) == current_picture(ex)
        assert f"f({format_number(x)}) = {format_number(max(x, 0.0))}" in alt  # the picture shows this x
    assert plt.get_fignums() == []


def test_relu_explorer_hides_the_picture_on_a_bad_value_and_recovers():
    ex = relu_explorer(x=1.0)
    ex.controls["x"].value = float("nan")
    assert current_picture(ex) is None and "finite number" in ex.summary.value
    ex.controls["x"].value = -0.5
    shown = current_picture(ex)
    assert shown is not None and "f(-0.50) = 0" in shown[1]


def test_relu_bias_explorer_computes_once_and_draws_what_it_computed(monkeypatch, photo_maps):
    import cnnmath.viz.plots.lesson03 as plots
    import cnnmath.viz.widgets.lesson03 as mod

    ex = relu_bias_explorer()
    pictures = watch_pictures(ex)
    calls = count_calls(monkeypatch, mod, "relu", "relu_derivative")
    relus, slopes = calls["relu"], calls["relu_derivative"]

    def refuse(*args, **kwargs):
        raise AssertionError("the plot recomputed what the explorer gave it")

    monkeypatch.setattr(plots, "relu", refuse)
    monkeypatch.setattr(plots, "relu_derivative", refuse)
    changes = [("bias", -20.0), ("kernel", "sobel x"), ("bias", 40.0), ("kernel", "horizontal edge")]
    for k, (name, value) in enumerate(changes, start=1):
        ex.controls[name].value = value
        assert ex.last_error is None
        assert len(pictures) == k and len(relus) == k and len(slopes) == k
    fmap = photo_maps["horizontal edge"] + 40.0
    after = ex.figure.axes[1].images[0].get_array()
    np.testing.assert_array_equal(after, relu(fmap)[::2, ::2])
    np.testing.assert_array_equal(ex.figure.axes[2].images[0].get_array(), relu_derivative(fmap)[::2, ::2])
    assert "horizontal edge map + b" in pictures[-1][1]


def test_relu_bias_explorer_hides_the_picture_on_a_bad_value_and_recovers():
    ex = relu_bias_explorer(np.arange(-6.0, 6.0).reshape(3, 4), bias_range=(-5.0, 5.0), step=1.0)
    ex.controls["bias"].value = float("nan")
    assert current_picture(ex) is None and "finite number" in ex.summary.value
    ex.controls["bias"].value = 2.0
    png, alt = current_picture(ex)
    assert png and "written on it: -4, -3" in alt  # the small map's numbers, shifted by b = 2
