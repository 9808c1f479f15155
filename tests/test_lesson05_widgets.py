"""Lesson 5 (05_feature_maps.ipynb) explorers, driven headless by setting their controls' values.

Every expected number is computed here from cnnmath (conv2d, avg_pool2d, receptive_field), never copied
from the explorer.
"""

import html

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import KERNEL_NAMES, avg_pool2d, conv2d, get_kernel, load_photo  # noqa: E402
from cnnmath import receptive_field  # noqa: E402
from cnnmath.viz.widgets import (CUSTOM_FILTER, MAX_FILTERS, filter_bank_explorer,  # noqa: E402
                                 parse_kernel_text, receptive_field_explorer)
import matplotlib.pyplot as plt  # noqa: E402

import cnnmath.viz.plots.lesson05 as lesson05_plots  # noqa: E402
import cnnmath.viz.widgets.lesson05 as lesson05_widgets  # noqa: E402
from cnnmath import conv2d_forward  # noqa: E402
from cnnmath.receptive import receptive_field_regions  # noqa: E402
from cnnmath.viz.plots import bank_maps_plot, describe_figure, figure_png, receptive_field_plot  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402
from tests.helpers import (check_error_hides_picture, check_one_picture_per_change, count_calls,  # noqa: E402
                           count_redraws, current_picture, forbid_cnnmath, watch_pictures)


@pytest.fixture(scope="module")
def photo():
    return avg_pool2d(load_photo(normalize=True), size=5, stride=5)


def stat(v):
    text = f"{v:.3f}"
    return "0.000" if text == "-0.000" else text


def summary_line(k, name, fmap):
    return f"filter {k} ({name}): min {stat(fmap.min())}, max {stat(fmap.max())}, mean {stat(fmap.mean())}"


# --- parse_kernel_text ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1 0 -1 1 0 -1 1 0 -1", get_kernel("vertical edge")),
    ("1,2,1; 0,0,0; -1,-2,-1", get_kernel("sobel y")),
    ("[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]", get_kernel("sharpen")),
    ("1/9 " * 9, get_kernel("box blur")),
    ("  .5 -0.5 1e-1 0 0 0 +2 -2 0 ", np.array([[0.5, -0.5, 0.1], [0, 0, 0], [2, -2, 0]])),
])
def test_parse_kernel_text_reads_numbers_row_by_row(text, expected):
    np.testing.assert_allclose(parse_kernel_text(text), expected)


@pytest.mark.parametrize(("text", "error", "words"), [
    ("1 2 3", ValueError, "found 3 number(s)"),
    ("1 2 3 4 5 6 7 8 9 10", ValueError, "found 10"),
    ("", ValueError, "found 0"),
    ("1 2 x 4 5 6 7 8 9", ValueError, "'x' is not a number"),
    ("1/0 0 0 0 0 0 0 0 0", ValueError, "not a finite number"),
    ("nan 0 0 0 0 0 0 0 0", ValueError, "not a number"),
    ("1/2/3 0 0 0 0 0 0 0 0", ValueError, "not a number"),
    (None, TypeError, "needs text"),
])
def test_parse_kernel_text_explains_bad_text(text, error, words):
    with pytest.raises(error) as info:
        parse_kernel_text(text, "filter 2 numbers")
    assert words in str(info.value)


# --- filter_bank_explorer -------------------------------------------------------------------------

def test_filter_bank_starts_with_three_edge_filters(photo):
    ex = filter_bank_explorer()
    assert isinstance(ex, Explorer)
    assert ex.controls["filters"].value == 3
    assert ex.controls["filters"].description == "number of filters"
    assert ex.state["names"] == ["vertical edge", "horizontal edge", "diagonal edge"]
    assert ex.state["maps"].shape == (3, 118, 100)
    assert "output of shape (1, 3, 118, 100)" in ex.summary.value
    for k, name in enumerate(ex.state["names"], start=1):
        fmap = conv2d(photo, get_kernel(name))
        np.testing.assert_allclose(ex.state["maps"][k - 1], fmap, atol=1e-12)
        assert summary_line(k, name, fmap) in ex.summary.value
        assert ex.controls[f"numbers{k}"].value == " ".join(
            str(int(v)) for v in get_kernel(name).ravel())
    # the fourth filter waits, hidden, until the count asks for it
    assert ex.controls["preset4"].layout.display == "none"
    assert ex.controls["numbers4"].layout.display == "none"


def test_every_control_has_a_visible_description():
    ex = filter_bank_explorer()
    for name, control in ex.controls.items():
        assert control.description, name
    assert sorted(ex.controls) == sorted(["filters"] + [f"preset{k}" for k in range(1, 5)]
                                         + [f"numbers{k}" for k in range(1, 5)])
    assert list(ex.controls["preset1"].options) == list(KERNEL_NAMES) + [CUSTOM_FILTER]


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_choosing_a_preset_shows_its_numbers_and_its_map(photo, name):
    start = "sharpen" if name != "sharpen" else "identity"  # a change, so that the explorer redraws
    ex = filter_bank_explorer(photo, presets=("identity", start, "sobel x", "box blur"))
    calls = count_redraws(ex)
    ex.controls["preset2"].value = name
    assert len(calls) == 1  # one redraw, although the dropdown also rewrote the text box
    assert ex.controls["preset2"].value == name  # the text box did not switch it to custom
    np.testing.assert_allclose(parse_kernel_text(ex.controls["numbers2"].value), get_kernel(name),
                               atol=5e-4)  # the box shows 4 significant digits
    fmap = conv2d(photo, get_kernel(name))
    np.testing.assert_allclose(ex.state["maps"][1], fmap, atol=1e-12)
    assert ex.state["names"][1] == name
    assert summary_line(2, name, fmap) in ex.summary.value


def test_typing_numbers_makes_a_custom_filter(photo):
    ex = filter_bank_explorer(photo)
    calls = count_redraws(ex)
    ex.controls["numbers3"].value = "0 0 0 0 -1 0 0 0 0"
    assert len(calls) == 1
    assert ex.controls["preset3"].value == CUSTOM_FILTER
    assert ex.state["names"][2] == "custom"
    np.testing.assert_allclose(ex.state["maps"][2], -photo[1:-1, 1:-1])
    assert summary_line(3, "custom", -photo[1:-1, 1:-1]) in ex.summary.value
    # going back to a preset replaces the typed numbers
    ex.controls["preset3"].value = "horizontal edge"
    assert ex.controls["numbers3"].value == "1 1 1 0 0 0 -1 -1 -1"
    assert ex.state["names"][2] == "horizontal edge"


def test_fractions_in_a_custom_filter(photo):
    ex = filter_bank_explorer(photo, n_filters=1)
    ex.controls["numbers1"].value = "1/9, " * 9
    blur = conv2d(photo, np.full((3, 3), 1 / 9))
    np.testing.assert_allclose(ex.state["maps"][0], blur)
    assert summary_line(1, "custom", blur) in ex.summary.value
    assert 0 < blur.min() and abs(blur.mean() - photo.mean()) < 0.01  # a blur keeps the brightness


@pytest.mark.parametrize("count", [1, 2, 3, 4, 2])
def test_number_of_filters(photo, count):
    ex = filter_bank_explorer(photo, presets=("sobel x", "sobel y", "sharpen", "identity"))
    ex.controls["filters"].value = count
    assert ex.state["maps"].shape == (count, 118, 100)
    assert ex.summary.value.count("<li>") == count
    assert f"output of shape (1, {count}, 118, 100)" in ex.summary.value
    for k in range(1, MAX_FILTERS + 1):
        shown = ex.controls[f"preset{k}"].layout.display != "none"
        assert shown == (k <= count)
    last = ("sobel x", "sobel y", "sharpen", "identity")[count - 1]
    assert summary_line(count, last, conv2d(photo, get_kernel(last))) in ex.summary.value


@pytest.mark.parametrize(("text", "words"), [
    ("1 2 3", "filter 2 numbers: found 3 number(s) but a 3x3 filter needs 9"),
    ("a b c d e f g h i", "filter 2 numbers: 'a' is not a number"),
    ("1/0 1 1 1 1 1 1 1 1", "not a finite number"),
])
def test_bad_numbers_are_explained_and_can_be_fixed(photo, text, words):
    ex = filter_bank_explorer(photo)
    before = ex.state
    ex.controls["numbers2"].value = text
    assert html.escape(words) in ex.summary.value
    assert "That setting does not work" in ex.summary.value
    assert isinstance(ex.last_error, ValueError)
    assert ex.state is before
    ex.controls["numbers2"].value = "1 2 1 0 0 0 -1 -2 -1"
    assert ex.last_error is None
    assert summary_line(2, "custom", conv2d(photo, get_kernel("sobel y"))) in ex.summary.value


def test_a_bad_filter_that_is_hidden_does_not_matter(photo):
    ex = filter_bank_explorer(photo, n_filters=4)
    ex.controls["numbers4"].value = "oops"
    assert ex.last_error is not None
    ex.controls["filters"].value = 3  # filter 4 is no longer used
    assert ex.last_error is None
    assert ex.state["maps"].shape[0] == 3


def test_filter_bank_on_the_lessons_tiny_image():
    image = np.zeros((6, 6))
    image[:3, :] += 1
    image[:, :3] += 1
    ex = filter_bank_explorer(image)
    np.testing.assert_array_equal(ex.state["maps"][0], np.tile([0.0, 3.0, 3.0, 0.0], (4, 1)))
    np.testing.assert_array_equal(ex.state["maps"][1], np.tile([0.0, 3.0, 3.0, 0.0], (4, 1)).T)
    assert "filter 3 (diagonal edge): min -2.000, max 2.000, mean 0.000" in ex.summary.value


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"image": np.zeros((2, 6, 6))}, "2-D grayscale"),
    ({"presets": ("vertical edge", "blur")}, "presets has 'blur'"),
    ({"n_filters": 0}, "n_filters is 0"),
    ({"n_filters": 5}, "n_filters is 5"),
])
def test_filter_bank_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        filter_bank_explorer(**kwargs)


def test_filter_bank_does_not_change_the_image():
    image = np.arange(64, dtype=float).reshape(8, 8)
    ex = filter_bank_explorer(image)
    ex.controls["numbers1"].value = "0 0 0 0 100 0 0 0 0"
    np.testing.assert_array_equal(image, np.arange(64, dtype=float).reshape(8, 8))


# --- receptive_field_explorer ----------------------------------------------------------------------

def test_receptive_field_explorer_starts_at_two_3x3_layers():
    ex = receptive_field_explorer()
    assert isinstance(ex, Explorer)
    assert ex.state["field"] == 5
    assert ex.state["steps"] == [(3, 1), (5, 1)]
    assert "2 layer(s) of 3x3, stride 1: receptive field 5x5" in ex.summary.value
    assert {c.description for c in ex.controls.values()} == {"layers", "kernel size", "stride"}


@pytest.mark.parametrize(("layers", "kernel", "stride"), [
    (1, 3, 1), (3, 3, 1), (4, 3, 1), (4, 3, 2), (2, 5, 2), (4, 5, 2), (3, 7, 1), (2, 1, 2), (3, 2, 2),
])
def test_receptive_field_explorer_follows_its_controls(layers, kernel, stride):
    ex = receptive_field_explorer()
    ex.controls["layers"].value = layers
    ex.controls["kernel"].value = kernel
    ex.controls["stride"].value = stride
    r = receptive_field([(kernel, stride)] * layers)
    assert ex.state["field"] == r
    assert ex.state["layers"] == [(kernel, stride)] * layers
    assert f"{layers} layer(s) of {kernel}x{kernel}, stride {stride}: receptive field {r}x{r}" in ex.summary.value
    growth = ", ".join(str(receptive_field([(kernel, stride)] * n)) for n in range(1, layers + 1))
    assert f"after each layer: {growth};" in ex.summary.value
    assert ex.last_error is None


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_filter_bank_refuses_huge_and_non_numbers_in_words(photo):
    from tests.test_checks_typed_inputs import drive_typed_values
    ex = filter_bank_explorer(photo[:30, :30])
    for text in ("-1e308 0 0 0 0 0 0 0 0", "1e400 0 0 0 0 0 0 0 0", "nan 0 0 0 0 0 0 0 0", "", "a b c"):
        ex.controls["numbers1"].value = text
        ex.refresh()
        assert isinstance(ex.last_error, ValueError), text
        assert "filter 1" in ex.summary.value, ex.summary.value
    ex.controls["numbers1"].value = "1 0 -1 1 0 -1 1 0 -1"
    assert ex.last_error is None
    assert drive_typed_values(ex, names=("numbers1", "filters")) > 0  # the four boxes share one reader
    drive_typed_values(receptive_field_explorer())


# --- one figure, updated in place; one picture per change; compute once; errors hide the picture ----------

_CHANGES = {  # explorer -> control changes a student makes (each must send exactly one picture)
    "filter_bank": (lambda: filter_bank_explorer(np.random.default_rng(2).random((30, 24))),
                    [("filters", 4), ("preset2", "sharpen"), ("numbers3", "1 2 1 0 0 0 -1 -2 -1"), ("filters", 1),
                     ("preset1", CUSTOM_FILTER), ("numbers1", "0 0 0 0 2 0 0 0 0")]),
    "receptive_field": (receptive_field_explorer, [("layers", 4), ("kernel", 7), ("stride", 2), ("layers", 1),
                                                   ("kernel", 1)]),
}


@pytest.mark.parametrize("name", list(_CHANGES))
def test_each_change_sends_one_picture_of_the_one_figure(name):
    make, changes = _CHANGES[name]
    ex = make()
    check_one_picture_per_change(ex, changes)


def test_filter_bank_picture_is_the_plot_of_its_maps(photo):
    ex = filter_bank_explorer(photo, presets=("sobel x", "sobel y", "sharpen", "identity"))
    ex.controls["filters"].value = 2
    maps = ex.state["maps"]
    fresh = bank_maps_plot(maps, ["sobel x", "sobel y"], max_maps=4)
    assert current_picture(ex) == (figure_png(fresh), describe_figure(fresh))
    np.testing.assert_allclose(maps[1], conv2d(photo, get_kernel("sobel y")), atol=1e-12)
    plt.close(fresh)


def test_receptive_field_picture_is_the_plot_of_its_stack():
    ex = receptive_field_explorer()
    ex.controls["stride"].value = 2
    ex.controls["layers"].value = 3
    fresh = receptive_field_plot([(3, 2)] * 3, max_layers=4, figsize=(4.9, 2.9))  # the width follows the stack
    assert current_picture(ex) == (figure_png(fresh), describe_figure(fresh))
    plt.close(fresh)


@pytest.mark.parametrize(("control", "value"), [("filters", 4), ("preset1", "sobel y"), ("numbers2", "1 " * 9),
                                                ("filters", 1)])
def test_filter_bank_convolves_once_per_redraw_and_the_plot_never(monkeypatch, control, value):
    ex = filter_bank_explorer(np.random.default_rng(3).random((20, 20)))
    assert set(forbid_cnnmath(monkeypatch, lesson05_plots)) >= {"conv2d", "receptive_field_regions"}
    calls = count_calls(monkeypatch, lesson05_widgets, "conv2d_forward")
    ex.controls[control].value = value
    assert ex.last_error is None and calls == {"conv2d_forward": [1]}
    count = ex.controls["filters"].value
    np.testing.assert_array_equal(ex.state["maps"], conv2d_forward(
        np.random.default_rng(3).random((20, 20))[None, None], ex.state["kernels"][:, None], np.zeros(count))[0][0])


@pytest.mark.parametrize(("control", "value"), [("layers", 4), ("kernel", 5), ("stride", 2)])
def test_receptive_field_computes_once_per_redraw_and_the_plot_never(monkeypatch, control, value):
    ex = receptive_field_explorer()
    forbid_cnnmath(monkeypatch, lesson05_plots)
    calls = count_calls(monkeypatch, lesson05_widgets, "receptive_field_steps", "receptive_field_regions")
    ex.controls[control].value = value
    assert ex.last_error is None
    assert calls == {"receptive_field_steps": [1], "receptive_field_regions": [1]}
    stack = ex.state["layers"]
    assert ex.figure.axes[0].get_xlabel() == f"receptive field {receptive_field_regions(stack)[0]}x" \
        f"{receptive_field(stack)}"


def test_filter_bank_hides_the_picture_for_bad_numbers_and_shows_it_again(photo):
    ex = filter_bank_explorer(photo)
    seen = watch_pictures(ex)
    ex.controls["numbers2"].value = "1 2 3"
    assert current_picture(ex) is None and seen == []
    assert "does not work" in ex.summary.value and "filter 2 numbers" in ex.summary.value
    ex.controls["numbers2"].value = "0 1 0 1 -4 1 0 1 0"
    assert current_picture(ex) is not None and len(seen) == 1 and ex.last_error is None


def test_receptive_field_hides_the_picture_on_an_error_and_shows_it_again(monkeypatch):
    check_error_hides_picture(receptive_field_explorer(), monkeypatch, lesson05_widgets, "receptive_field_steps",
                              "layers", 3, 4)
