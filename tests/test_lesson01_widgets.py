"""Lesson 1 (01_image_as_matrix.ipynb) explorers, driven headless by setting their controls' values.

Every expected number is computed here from cnnmath, never copied from the explorer.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import GRAY_WEIGHTS, rgb_to_gray  # noqa: E402
from cnnmath.viz.plots import figure_png, format_number, zoom_plot  # noqa: E402
from cnnmath.viz.widgets import GRAY_PRESETS, gray_weights_explorer, zoom_explorer  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402
from tests.helpers import count_redraws as _count_redraws  # noqa: E402
from tests.helpers import check_error_hides_picture, check_one_picture_per_change, current_picture  # noqa: E402


# --- zoom_explorer --------------------------------------------------------------------------------

def _zoom_summary(photo, r, c, s):
    w = photo[r:r + s, c:c + s]
    return (f"Zoom: rows {r} to {r + s - 1}, columns {c} to {c + s - 1} ({s} x {s} pixels); "
            f"I[{r}, {c}] = {format_number(w[0, 0])}</b>; in this window min {format_number(w.min())}, "
            f"max {format_number(w.max())}, mean {w.mean():.1f}")


def _assert_zoom(ex, photo, r, c, s):
    assert (ex.state["row"], ex.state["col"], ex.state["size"]) == (r, c, s)
    window = photo[r:r + s, c:c + s]
    np.testing.assert_array_equal(ex.state["window"], window)
    assert ex.state["corner"] == photo[r, c]
    assert ex.state["min"] == window.min() and ex.state["max"] == window.max()
    assert ex.state["mean"] == pytest.approx(window.mean())
    assert _zoom_summary(photo, r, c, s) in ex.summary.value
    assert ex.last_error is None


def test_zoom_explorer_starts_on_its_window(photo):
    ex = zoom_explorer()  # the default image is the course photo
    assert isinstance(ex, Explorer)
    assert {k: c.description for k, c in ex.controls.items()} == {
        "row": "top row i", "col": "left column j", "size": "window size"}
    assert all(c.continuous_update is False for c in ex.controls.values())
    _assert_zoom(ex, photo, 200, 250, 8)


@pytest.mark.parametrize(("r", "c", "s"), [(0, 0, 1), (300, 260, 3), (100, 400, 16), (592, 504, 8),
                                           (584, 496, 16), (599, 511, 1)])
def test_zoom_explorer_follows_its_sliders(photo, r, c, s):
    ex = zoom_explorer(photo)
    ex.controls["size"].value = s
    ex.controls["row"].value = r
    ex.controls["col"].value = c
    _assert_zoom(ex, photo, r, c, s)


def test_zoom_window_always_fits_when_it_grows(photo):
    ex = zoom_explorer(photo, row=599, col=511, size=1)
    _assert_zoom(ex, photo, 599, 511, 1)
    redraws = _count_redraws(ex)
    ex.controls["size"].value = 16  # the corner moves up and left so the window stays inside
    assert len(redraws) == 1  # one redraw, not one per adjusted slider
    assert ex.controls["row"].max == 600 - 16 and ex.controls["col"].max == 512 - 16
    _assert_zoom(ex, photo, 584, 496, 16)
    ex.controls["size"].value = 2  # shrinking frees the sliders again without moving the window
    assert ex.controls["row"].max == 598
    _assert_zoom(ex, photo, 584, 496, 2)


def test_zoom_sliders_clamp_out_of_range_values(photo):
    ex = zoom_explorer(photo)
    ex.controls["row"].value = 10_000
    ex.controls["col"].value = -5
    ex.controls["size"].value = 99
    _assert_zoom(ex, photo, 600 - 16, 0, 16)


def test_zoom_explorer_on_a_small_image():
    img = np.arange(36, dtype=float).reshape(6, 6) * 7
    ex = zoom_explorer(img, row=2, col=1, size=3)
    assert ex.controls["size"].max == 6
    _assert_zoom(ex, img, 2, 1, 3)
    ex.controls["size"].value = 6
    _assert_zoom(ex, img, 0, 0, 6)


def test_zoom_explorer_rejects_a_colour_image(rgb):
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        zoom_explorer(rgb)


# --- gray_weights_explorer ------------------------------------------------------------------------

def _assert_gray(ex, rgb, weights, pixel=(300, 250)):
    w = np.asarray(weights, dtype=float)
    gray = rgb.astype(float) @ w
    value = gray[pixel]
    terms = " + ".join(f"{wi:.3f} x {int(ci)}" for wi, ci in zip(w, rgb[pixel]))
    assert ex.state["weights"] == pytest.approx(tuple(w))
    assert ex.state["gray"] == pytest.approx(value)
    assert ex.state["sum"] == pytest.approx(w.sum())
    assert ex.state["min"] == pytest.approx(gray.min()) and ex.state["max"] == pytest.approx(gray.max())
    assert ex.state["clipped"] == int((gray > 255).sum())
    assert f"Gray at pixel ({pixel[0]}, {pixel[1]}) = {terms} = {value:.1f}</b>" in ex.summary.value
    assert f"weights sum to {w.sum():.3f}" in ex.summary.value
    assert ex.last_error is None


def test_gray_explorer_starts_with_the_luma_weights(rgb):
    ex = gray_weights_explorer()
    assert {k: c.description for k, c in ex.controls.items()} == {
        "preset": "preset", "r": "weight of R", "g": "weight of G", "b": "weight of B"}
    assert ex.controls["preset"].value.startswith("luma")
    _assert_gray(ex, rgb, GRAY_WEIGHTS)
    # the luma weights reproduce rgb_to_gray exactly, and grey stays within 0..255
    assert ex.state["gray"] == pytest.approx(rgb_to_gray(rgb)[300, 250])
    assert "and none is negative, so grey stays within 0..255" in ex.summary.value


@pytest.mark.parametrize("preset", list(GRAY_PRESETS))
def test_gray_explorer_presets_move_the_sliders_with_one_redraw(rgb, preset):
    ex = gray_weights_explorer(rgb)
    redraws = _count_redraws(ex)
    ex.controls["preset"].value = preset
    expected = GRAY_PRESETS[preset]
    if preset.startswith("luma"):  # already selected: no change, no redraw
        assert len(redraws) == 0
    else:
        assert len(redraws) == 1
    assert tuple(ex.controls[k].value for k in "rgb") == pytest.approx(expected)
    _assert_gray(ex, rgb, expected)


def test_gray_explorer_too_bright_says_how_many_pixels_burn_out(rgb):
    ex = gray_weights_explorer(rgb)
    ex.controls["preset"].value = "too bright (sum 2)"
    gray = rgb.astype(float) @ np.asarray(GRAY_PRESETS["too bright (sum 2)"])
    n = int((gray > 255).sum())
    assert n > 0
    assert f"more than 1, so the photo gets brighter and {n:,} pixels go above 255" in ex.summary.value


def test_gray_explorer_sliders_by_hand_switch_to_custom_and_back(rgb):
    ex = gray_weights_explorer(rgb)
    ex.controls["g"].value = 0.3
    assert ex.controls["preset"].value == "custom"
    _assert_gray(ex, rgb, (0.299, 0.3, 0.114))
    assert "less than 1, so the photo gets darker" in ex.summary.value
    ex.controls["g"].value = 0.587  # lands exactly on the luma preset again
    assert ex.controls["preset"].value.startswith("luma")
    _assert_gray(ex, rgb, GRAY_WEIGHTS)
    ex.controls["preset"].value = "custom"  # choosing "custom" keeps the sliders where they are
    _assert_gray(ex, rgb, GRAY_WEIGHTS)


def test_gray_sliders_clamp(rgb):
    ex = gray_weights_explorer(rgb)
    ex.controls["r"].value = 5.0
    ex.controls["b"].value = -1.0
    _assert_gray(ex, rgb, (1.2, 0.587, 0.0))


def test_gray_explorer_other_pixel_and_image():
    img = np.zeros((2, 3, 3))
    img[1, 2] = (10, 20, 30)
    ex = gray_weights_explorer(img, pixel=(1, 2))
    _assert_gray(ex, img, GRAY_WEIGHTS, pixel=(1, 2))


@pytest.mark.parametrize(("kwargs", "match"), [({"pixel": (600, 0)}, "pixel"), ({"weights": (1, 0)}, "weights")])
def test_gray_explorer_rejects_bad_arguments(rgb, kwargs, match):
    with pytest.raises(ValueError, match=match):
        gray_weights_explorer(rgb, **kwargs)


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_typed_values_never_give_a_traceback(rgb):
    from tests.test_checks_typed_inputs import drive_typed_values
    assert drive_typed_values(zoom_explorer(rgb.mean(axis=2)[:64, :64], row=10, col=10, size=8)) > 0
    assert drive_typed_values(gray_weights_explorer(rgb[:40, :40], pixel=(5, 5)), names=("r",)) > 0


# --- one figure, updated in place; one picture per change; errors hide it -------------------------

_CHANGES = {  # explorer -> control changes a student makes (each must send exactly one picture)
    "zoom": (lambda photo, rgb: zoom_explorer(photo),
             [("row", 10), ("col", 400), ("size", 16), ("size", 3), ("row", 590)]),
    "gray": (lambda photo, rgb: gray_weights_explorer(rgb[::4, ::4], pixel=(10, 10)),
             [("preset", "red only"), ("g", 0.5), ("preset", "too bright (sum 2)"), ("b", 0.0)]),
}


@pytest.mark.parametrize("name", list(_CHANGES))
def test_each_change_sends_one_picture_of_the_one_figure(photo, rgb, name):
    make, changes = _CHANGES[name]
    ex = make(photo, rgb)
    check_one_picture_per_change(ex, changes)


def test_zoom_picture_is_the_plot_of_its_window(photo):
    ex = zoom_explorer(photo)
    ex.controls["size"].value = 12
    ex.controls["col"].value = 300
    fresh = zoom_plot(photo, 200, 300, 12, figsize=(10, 5))
    assert current_picture(ex)[0] == figure_png(fresh)
    plt.close(fresh)


def test_gray_explorer_hands_its_grey_image_to_the_plot(monkeypatch, rgb):
    from cnnmath.viz.widgets import lesson01 as lesson01_widgets
    given = []
    original = lesson01_widgets.update_gray_weights_plot

    def spy(fig, weights, gray):
        given.append(gray)
        return original(fig, weights, gray)
    monkeypatch.setattr(lesson01_widgets, "update_gray_weights_plot", spy)
    ex = gray_weights_explorer(rgb[::4, ::4], pixel=(10, 10))
    ex.controls["preset"].value = "green only"
    assert len(given) == 2                            # the first picture, then one per change
    np.testing.assert_array_equal(given[-1], rgb[::4, ::4].astype(float) @ np.array([0.0, 1.0, 0.0]))
    assert ex.state["gray"] == given[-1][10, 10]      # the summary reads the same grey image


@pytest.mark.parametrize(("name", "update", "control", "bad", "good"), [
    ("zoom", "update_zoom_plot", "row", 20, 30),
    ("gray", "update_gray_weights_plot", "r", 0.5, 0.6),
])
def test_an_error_hides_the_picture_and_a_good_setting_shows_it_again(monkeypatch, photo, rgb, name, update,
                                                                        control, bad, good):
    from cnnmath.viz.widgets import lesson01 as lesson01_widgets
    check_error_hides_picture(_CHANGES[name][0](photo, rgb), monkeypatch, lesson01_widgets, update, control, bad,
                              good)
