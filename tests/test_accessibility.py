"""Every control of every explorer carries a visible label, so it can be found by sight and by a screen reader."""

import importlib

import ipywidgets as widgets
import pytest

import cnnmath as cm
import cnnmath.viz.widgets as W
from cnnmath.viz.widgets.common import Explorer

EXPLORERS = {  # every explorer factory of every lesson module, by lesson
    0: ["practice_explorer"],
    1: ["zoom_explorer", "gray_weights_explorer"],
    2: ["conv_step_explorer", "kernel_editor_explorer", "output_size_explorer", "flip_explorer"],
    3: ["relu_explorer", "relu_bias_explorer"],
    4: ["pooling_explorer", "pool_shift_explorer", "pool_gradient_explorer"],
    5: ["filter_bank_explorer", "receptive_field_explorer"],
    6: ["gradcheck_explorer", "kernel_descent_explorer"],
    7: ["training_explorer", "feature_map_explorer", "drawing_pad", "upload_explorer"],
    8: ["block_maps_explorer"],
}


def _arguments():
    """What the explorers that need data are given (the lessons give them the same kinds of things)."""
    from .test_lesson06_gradients import B_LIVE, forward_backward, learning_setup, live_kernel, loss_only
    X, y, Xt, yt = cm.load_digits()
    model = cm.TinyCNN()
    K = live_kernel()
    _, _, K_target, K0, mse_and_grad = learning_setup()
    return {
        "gradcheck_explorer": (lambda k: loss_only(k, B_LIVE), K, forward_backward(K, B_LIVE)["dK"]),
        "kernel_descent_explorer": (mse_and_grad, K0, K_target),
        "training_explorer": (X[:100], y[:100], Xt[:50], yt[:50]),
        "feature_map_explorer": (model, Xt[:20], yt[:20]),
        "drawing_pad": (model,),
        "block_maps_explorer": (cm.TinyCNN(blocks=2, hidden=64), Xt[:20], yt[:20]),
    }


def _built():
    args = _arguments()
    for lesson, names in EXPLORERS.items():
        for name in names:
            yield lesson, name, getattr(W, name)(*args.get(name, ()))


def _controls(widget):
    """Every interactive descendant of a widget tree."""
    stack = [widget]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        if isinstance(w, (widgets.ValueWidget, widgets.Button)) and not isinstance(
                w, (widgets.HTML, widgets.Label, widgets.Output, widgets.HTMLMath, widgets.Image)):
            yield w


@pytest.fixture(scope="module")
def explorers():
    return [(f"lesson {lesson:02d} {name}", explorer) for lesson, name, explorer in _built()]


def test_every_explorer_of_every_lesson_is_checked_here():
    """The list above names every explorer each lesson module exports (a new one must be added to it)."""
    for lesson, names in EXPLORERS.items():
        module = importlib.import_module(f"cnnmath.viz.widgets.lesson{lesson:02d}")
        exported = sorted(n for n in module.__all__ if n.endswith(("_explorer", "_pad")))
        assert exported == sorted(names), f"lesson {lesson:02d}"


def test_every_explorer_is_a_widget(explorers):
    assert len(explorers) == sum(map(len, EXPLORERS.values()))
    assert all(isinstance(e, (Explorer, widgets.Widget)) for _, e in explorers)


def test_every_control_has_a_visible_label(explorers):
    unlabelled = []
    for name, explorer in explorers:
        for control in _controls(explorer):
            label = (getattr(control, "description", "") or getattr(control, "tooltip", "") or "").strip()
            if isinstance(control, widgets.Play):
                continue  # Play draws icons only; the lessons put a Label beside it (checked below)
            if not label:
                unlabelled.append(f"{name}: {type(control).__name__}")
    assert not unlabelled, "controls without a description: " + ", ".join(unlabelled)


def test_play_controls_have_a_label_beside_them(explorers):
    for name, explorer in explorers:
        plays = [c for c in _controls(explorer) if isinstance(c, widgets.Play)]
        if plays:
            labels = [w for w in _walk(explorer) if isinstance(w, (widgets.Label, widgets.HTML)) and w.value]
            assert labels, f"{name}: a Play control with no text label"


def _walk(widget):
    stack = [widget]
    while stack:
        w = stack.pop()
        stack.extend(getattr(w, "children", ()))
        yield w


# --- colormaps: every figure reads in grey and for colour-blind students ------------------------------
# tests/conftest.py judges every colormap drawn in every test with colormap_problem; these tests show the
# judge itself tells good maps from bad ones, and that the package's maps are really being seen.

from matplotlib import colormaps  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from .conftest import colormap_problem  # noqa: E402


@pytest.mark.parametrize("name", ["gray", "Greys", "viridis", "cividis", "RdBu_r"])
def test_readable_colormaps_pass(name):
    assert colormap_problem(colormaps[name]) is None


@pytest.mark.parametrize("name", ["jet", "hsv", "RdYlGn", "PiYG", "rainbow"])
def test_colormaps_that_fail_in_grey_or_for_colour_blind_students_are_caught(name):
    assert colormap_problem(colormaps[name]) is not None


def test_a_red_green_category_map_of_equal_lightness_is_caught():
    assert colormap_problem(ListedColormap(["#d62728", "#2ca02c"], name="red-green")) is not None


def test_the_package_maps_are_judged(_close_figures):
    from cnnmath.viz.plots.lesson03 import MASK_CMAP
    from cnnmath.viz.plots.lesson05 import _RF_CMAP

    for cmap in (MASK_CMAP, _RF_CMAP, colormaps[cm.viz.plots.common.DIVERGING_CMAP]):
        assert colormap_problem(cmap) is None, cmap.name
    W.conv_step_explorer()  # draws its figure: the conftest recorder must see the colormaps it used
    assert {c.name for c in _close_figures.values()} & {"gray", "RdBu_r"}
