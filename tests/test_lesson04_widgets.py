"""Lesson 4 (04_pooling.ipynb) explorers, driven headless by setting their controls' values.

Every expected number is computed here from cnnmath, never copied from the explorer.
"""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import (avg_pool2d, conv2d, load_photo, max_pool2d, max_pool2d_switches,  # noqa: E402
                     maxpool2d_backward, maxpool2d_forward, pool_example_inputs, pool_output_size,
                     pooled_by_mode, relative_l2_change, relu, seed_kernel, seed_pool_input)
from cnnmath.viz.widgets import pool_gradient_explorer, pool_shift_explorer, pooling_explorer  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402
import cnnmath.viz.widgets.lesson04 as lesson04_widgets  # noqa: E402
from tests.helpers import count_calls, current_picture, watch_pictures  # noqa: E402

INPUTS = pool_example_inputs()


def _every_control_is_labelled(ex):
    for name, control in ex.controls.items():
        assert control.description, name


def test_example_inputs():
    assert np.array_equal(INPUTS["4x4 example"], seed_pool_input())
    tie = INPUTS["4x4 after ReLU (ties)"]
    assert tie.shape == (4, 4) and (tie >= 0).all() and (tie[0:2, 2:4] == 0).all()
    assert INPUTS["6x6 after ReLU"].shape == (6, 6) and (INPUTS["6x6 after ReLU"] >= 0).all()


# --- pooling_explorer -----------------------------------------------------------------------------

def test_pooling_explorer_starts_on_the_first_window():
    ex = pooling_explorer()
    assert isinstance(ex, Explorer)
    _every_control_is_labelled(ex)
    assert isinstance(ex.controls["play"], widgets.Play)
    assert isinstance(ex.controls["mode"], widgets.ToggleButtons)
    assert ex.last_error is None
    assert ex.state["window"] == (0, 0) and ex.state["value"] == 6.0 and ex.state["argmax"] == (1, 1)
    assert "Pooling window 1 of 4" in ex.summary.value
    assert "output[0, 0] = 6" in ex.summary.value
    assert "(4 - 2) // 2 + 1 = 2 rows" in ex.summary.value


def test_pooling_explorer_steps_through_every_window():
    ex = pooling_explorer()
    pooled = max_pool2d(seed_pool_input())
    rows, cols = max_pool2d_switches(seed_pool_input())
    assert ex.controls["position"].max == 3
    for k in [1, 2, 3, 0, 3]:
        ex.controls["position"].value = k
        i, j = divmod(k, 2)
        assert ex.state["window"] == (i, j)
        assert ex.state["value"] == pooled[i, j]
        assert ex.state["argmax"] == (rows[i, j], cols[i, j])
        assert f"Pooling window {k + 1} of 4" in ex.summary.value
        assert f"output[{i}, {j}] = {pooled[i, j]:g}" in ex.summary.value
        np.testing.assert_array_equal(ex.state["values"],
                                      seed_pool_input()[2 * i:2 * i + 2, 2 * j:2 * j + 2])


def test_play_drives_the_window_slider():
    ex = pooling_explorer()
    ex.controls["play"].value = 2
    assert ex.controls["position"].value == 2
    assert ex.state["window"] == (1, 0) and ex.state["value"] == 3.0
    ex.controls["size"].value = 3
    ex.controls["stride"].value = 2  # one window left: Play's range follows the slider's
    assert ex.controls["play"].max == ex.controls["position"].max == 0


def test_overlapping_windows_and_the_floor():
    ex = pooling_explorer()
    ex.controls["position"].value = 3
    ex.controls["stride"].value = 1  # 3x3 windows: still window 4 of 9
    assert ex.controls["position"].max == 8 and ex.controls["position"].value == 3
    ex.controls["size"].value = 3  # (4 - 3) // 1 + 1 = 2 per side: window 4 of 4
    assert ex.controls["position"].max == 3
    assert ex.controls["position"].value == 3
    assert ex.state["value"] == 6.0 and ex.state["argmax"] == (1, 1)
    assert "overlap" in ex.summary.value
    ex.controls["stride"].value = 2  # (4 - 3) // 2 + 1 = 1: the position is clamped to the only window
    assert ex.controls["position"].max == 0 and ex.controls["position"].value == 0
    assert ex.state["output_shape"] == (1, 1)
    assert "(4 - 3) // 2 + 1 = 1 rows" in ex.summary.value
    assert "last 1 row(s) and 1 column(s)" in ex.summary.value


def test_a_window_that_does_not_fit_is_explained_then_recovers():
    ex = pooling_explorer()
    ex.controls["size"].value = 5
    assert isinstance(ex.last_error, ValueError)
    assert "does not work" in ex.summary.value and "5x5" in ex.summary.value
    ex.controls["size"].value = 2
    assert ex.last_error is None
    assert ex.state["output_shape"] == (2, 2)


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (2, 1), (5, 1), (1, 3)])
def test_six_by_six_input_in_both_modes(size, stride):
    ex = pooling_explorer()
    ex.controls["input"].value = "6x6 after ReLU"
    ex.controls["size"].value = size
    ex.controls["stride"].value = stride
    x = INPUTS["6x6 after ReLU"]
    h = pool_output_size(6, size, stride)
    assert ex.controls["position"].max == h * h - 1
    ex.controls["position"].value = h * h - 1
    assert ex.state["value"] == max_pool2d(x, size, stride)[h - 1, h - 1]
    ex.controls["mode"].value = "average"
    assert ex.state["value"] == pytest.approx(avg_pool2d(x, size, stride)[h - 1, h - 1])
    assert "Their average is" in ex.summary.value
    assert "argmax" not in ex.state


def test_ties_are_named_in_the_summary():
    ex = pooling_explorer()
    ex.controls["input"].value = "4x4 after ReLU (ties)"
    ex.controls["position"].value = 1
    assert ex.state["ties"] == 4 and ex.state["argmax"] == (0, 2)
    assert "shared by 4 entries" in ex.summary.value and "input[0, 2]" in ex.summary.value
    ex.controls["position"].value = 2
    assert ex.state["ties"] == 2 and ex.state["argmax"] == (2, 0)


def test_pooling_explorer_on_a_map_of_your_own():
    x = np.arange(25.0).reshape(5, 5)
    ex = pooling_explorer(x, size=2, stride=2, position=3)
    assert "input" not in ex.controls
    assert ex.state["window"] == (1, 1) and ex.state["value"] == x[3, 3]
    assert "last 1 row(s) and 1 column(s)" in ex.summary.value


# --- pool_shift_explorer ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def photo():
    return load_photo(normalize=True)


def _edge(img):
    return relu(conv2d(img, seed_kernel()))


def test_shift_explorer_measures_a_real_shift_of_the_photo(photo):
    ex = pool_shift_explorer()
    _every_control_is_labelled(ex)
    top, left, side = 150, 150, 112
    before = _edge(photo[top:top + side + 2, left:left + side + 2])
    for shift in [1, 2, 4]:
        ex.controls["shift"].value = shift
        # The explorer reads a wide edge map; here the photo itself is shifted and convolved again.
        after = _edge(photo[top:top + side + 2, left + shift:left + shift + side + 2])
        np.testing.assert_allclose(ex.state["after"], after)
        assert ex.state["unpooled"] == pytest.approx(relative_l2_change(before, after))
        assert ex.state["pooled"] == pytest.approx(relative_l2_change(max_pool2d(before), max_pool2d(after)))
        assert f"Shift of {shift} pixel" in ex.summary.value
        assert f"<b>{relative_l2_change(before, after):.2f}</b>" in ex.summary.value


@pytest.mark.parametrize("mode", ["max", "average", "subsample"])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_shift_explorer_modes_and_windows(mode, size):
    ex = pool_shift_explorer()
    ex.controls["mode"].value = mode
    ex.controls["size"].value = size
    b, a = ex.state["before"], ex.state["after"]
    want = relative_l2_change(pooled_by_mode(b, size, size, mode), pooled_by_mode(a, size, size, mode))
    assert ex.state["pooled"] == pytest.approx(want)
    assert f"<b>{want:.2f}</b>" in ex.summary.value
    if size == 1:
        assert ex.state["pooled"] == pytest.approx(ex.state["unpooled"])
        assert "no pooling at all" in ex.summary.value


def test_shift_of_zero_changes_nothing():
    ex = pool_shift_explorer(shift=2)
    ex.controls["shift"].value = 0
    assert ex.state["unpooled"] == 0.0 and ex.state["pooled"] == 0.0
    assert "Shift of 0 pixels" in ex.summary.value


def test_pooling_reduces_a_one_pixel_change_but_skipping_pixels_does_not():
    # The lesson's honest claim, on the explorer's default crop.
    ex = pool_shift_explorer()
    assert ex.state["pooled"] < 0.8 * ex.state["unpooled"]
    ex.controls["mode"].value = "subsample"
    assert ex.state["pooled"] > 0.95 * ex.state["unpooled"]


# --- pool_gradient_explorer -------------------------------------------------------------------------

def _dx(x, dout, size, stride):
    _, cache = maxpool2d_forward(x[None, None], size, stride)
    return maxpool2d_backward(dout[None, None], cache)[0, 0]


@pytest.mark.parametrize("name", ["4x4 example", "4x4 after ReLU (ties)"])
@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (2, 1), (1, 1), (3, 3), (1, 2)])
def test_gradient_explorer_first_rule_is_the_packages_backward(name, size, stride):
    ex = pool_gradient_explorer()
    _every_control_is_labelled(ex)
    ex.controls["input"].value = name
    ex.controls["size"].value = size
    ex.controls["stride"].value = stride
    x = INPUTS[name]
    h = pool_output_size(4, size, stride)
    dout = np.arange(1.0, h * h + 1).reshape(h, h)
    np.testing.assert_array_equal(ex.state["dout"], dout)
    np.testing.assert_array_equal(ex.state["dx"], _dx(x, dout, size, stride))
    assert ex.state["dx_sum"] == ex.state["dout_sum"] == dout.sum()
    assert f"dx sums to <b>{dout.sum():g}</b>" in ex.summary.value


def test_gradient_explorer_overlap_collects_four_gradients():
    ex = pool_gradient_explorer(size=3, stride=1)
    assert ex.state["collectors"] == {(1, 1): [1.0, 2.0, 3.0, 4.0]}
    assert "input[1, 1] collects 4 gradients: 1 + 2 + 3 + 4 = 10" in ex.summary.value


def test_gradient_explorer_mask_rule_copies_gradients_at_ties():
    ex = pool_gradient_explorer(input_name="4x4 after ReLU (ties)")
    assert "window (0, 1) has 4 equal maxima" in ex.summary.value
    ex.controls["rule"].value = "mask"
    assert ex.state["dx_sum"] == 1 + 2 * 4 + 3 * 2 + 4
    assert "dx sums to <b>19</b>" in ex.summary.value
    assert "window (0, 1) to 4 tied entries" in ex.summary.value
    ex.controls["input"].value = "4x4 example"  # no ties: the mask agrees with the first-maximum rule
    np.testing.assert_array_equal(ex.state["dx"], _dx(INPUTS["4x4 example"], ex.state["dout"], 2, 2))


def test_gradient_explorer_split_rule_shares_tied_gradients():
    ex = pool_gradient_explorer(input_name="4x4 after ReLU (ties)")
    ex.controls["rule"].value = "split"
    assert ex.state["dx_sum"] == ex.state["dout_sum"] == 10
    assert ex.state["dx"][0, 2] == ex.state["dx"][1, 3] == 0.5      # 2 shared by four zeros
    assert "window (0, 1) gives 1/4 of its gradient to each of its 4 equal maxima" in ex.summary.value
    assert "dx still sums to what dout sent" in ex.summary.value


# --- one figure, updated in place; compute once (issue 16) ------------------------------------------

def test_pooling_explorer_one_picture_and_one_pool_step_per_change(monkeypatch):
    ex = pooling_explorer()
    assert ex.output is None and ex.figure is not None
    pictures = watch_pictures(ex)
    steps = count_calls(monkeypatch, lesson04_widgets, "pool_step")["pool_step"]
    changes = [("position", 2), ("stride", 1), ("size", 3), ("mode", "average"), ("input", "6x6 after ReLU"),
               ("play", 1), ("position", 3), ("stride", 3)]  # stride 3: the position is clamped to 3, once
    for k, (name, value) in enumerate(changes, start=1):
        ex.controls[name].value = value
        assert ex.last_error is None, name
        assert len(pictures) == k and len(steps) == k, name
        assert pictures[-1] == current_picture(ex)
    step = ex.state["step"]
    assert (step.size, step.stride, step.mode, step.position) == (3, 3, "average", 3)
    # the picture is the state's step: its window, its output so far
    assert f"input, window {step.index}" in pictures[-1][1]
    np.testing.assert_array_equal(ex.figure.axes[1].images[0].get_array(), step.output)
    assert plt.get_fignums() == []


def test_pooling_explorer_hides_the_picture_when_the_window_does_not_fit_and_recovers():
    ex = pooling_explorer()
    pictures = watch_pictures(ex)
    ex.controls["size"].value = 5
    assert current_picture(ex) is None and "does not work" in ex.summary.value
    ex.controls["size"].value = 3
    assert current_picture(ex) is not None and len(pictures) == 1
    assert "max pool: 1x1" in pictures[-1][1]  # (4 - 3) // 2 + 1 = 1


def test_pool_shift_explorer_computes_each_reduction_once_per_change(monkeypatch):
    ex = pool_shift_explorer(side=24, max_shift=3)
    pictures = watch_pictures(ex)
    pooled = count_calls(monkeypatch, lesson04_widgets, "pooled_by_mode")["pooled_by_mode"]
    changes = count_calls(monkeypatch, lesson04_widgets, "relative_l2_change")["relative_l2_change"]
    for k, (name, value) in enumerate([("shift", 3), ("size", 3), ("mode", "subsample"), ("shift", 0)], start=1):
        ex.controls[name].value = value
        assert len(pictures) == k and len(pooled) == 2 * k and len(changes) == 2 * k
    assert f"change: {ex.state['pooled']:.2f}" in pictures[-1][1]
    np.testing.assert_array_equal(ex.figure.axes[2].images[0].get_array(), ex.state["pooled_before"])


def test_pool_gradient_explorer_one_picture_and_one_gradient_step_per_change(monkeypatch):
    ex = pool_gradient_explorer()
    pictures = watch_pictures(ex)
    grads = count_calls(monkeypatch, lesson04_widgets, "pool_gradient_step")["pool_gradient_step"]
    changes = [("size", 3), ("stride", 1), ("input", "4x4 after ReLU (ties)"), ("rule", "split"), ("size", 2)]
    for k, (name, value) in enumerate(changes, start=1):
        ex.controls[name].value = value
        assert ex.last_error is None
        assert len(pictures) == k and len(grads) == k
    grad = ex.state["grad"]
    shown = [float(t.get_text()) for t in ex.figure.axes[2].texts]
    assert shown == grad.dx.ravel().tolist()
    assert "dx (split equally among ties)" in pictures[-1][1]


def test_pool_gradient_explorer_hides_the_picture_on_an_error_and_recovers(monkeypatch):
    import cnnmath.viz.widgets.lesson04 as mod

    ex = pool_gradient_explorer()

    def broken(*args, **kwargs):
        raise ValueError("x has shape (4,) but needs (H, W)")

    monkeypatch.setattr(mod, "pool_gradient_step", broken)
    ex.controls["size"].value = 3
    assert current_picture(ex) is None and "does not work" in ex.summary.value
    monkeypatch.undo()
    ex.controls["size"].value = 1
    assert current_picture(ex) is not None and ex.state["dout"].shape == (2, 2)  # 1x1 windows, stride 2


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

@pytest.mark.parametrize("make", [lambda: pooling_explorer(), lambda: pool_gradient_explorer(),
                                  lambda: pool_shift_explorer(side=24, max_shift=2)])
def test_typed_values_never_give_a_traceback(make):
    from tests.test_checks_typed_inputs import drive_typed_values
    drive_typed_values(make())
