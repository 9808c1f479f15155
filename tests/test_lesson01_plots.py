"""Lesson 1 (01_image_as_matrix.ipynb) pictures: each returns a Figure, draws what it says, rejects bad input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnmath import GRAY_WEIGHTS  # noqa: E402
from cnnmath.checks import example_matrix  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from cnnmath.viz.plots import (channels_plot, describe_figure, figure_png, gray_weights_plot,  # noqa: E402
                               image_matrix_plot, normalize_plot, update_gray_weights_plot, update_zoom_plot,
                               zoom_plot)
from cnnmath.viz.plots.common import PathText, path_text  # noqa: E402


def _numbers_in(ax):
    """How many numbers the zoom panel writes (path collections, one path per cell)."""
    return sum(len(c.get_paths()) for c in ax.collections if isinstance(c, PathCollection))


def test_image_matrix_plot_writes_every_value():
    A = example_matrix()
    fig = image_matrix_plot(A)
    assert isinstance(fig, Figure)
    left, right = fig.axes
    assert left.images[0].get_array().shape == (5, 5)
    written = sorted(float(t.get_text()) for t in right.texts)
    assert written == sorted(A.ravel().tolist())
    # a fixed 0..255 grey scale, so the picture means the same as the photo's
    assert left.images[0].get_clim() == (0, 255) and right.images[0].get_clim() == (0, 255)


def test_image_matrix_plot_rejects_a_colour_image(rgb):
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        image_matrix_plot(rgb[:5, :5])


@pytest.mark.parametrize(("row", "col", "size"), [(200, 250, 8), (0, 0, 1), (584, 496, 16), (300, 260, 3)])
def test_zoom_plot_shows_the_window_and_its_values(photo, row, col, size):
    fig = zoom_plot(photo, row, col, size)
    assert isinstance(fig, Figure)
    left, right = fig.axes[:2]
    window = right.images[0].get_array()
    np.testing.assert_array_equal(window, photo[row:row + size, col:col + size])
    assert _numbers_in(right) == size * size
    assert right.get_title() == f"I[{row}:{row + size}, {col}:{col + size}]"
    outline = left.patches[0]
    assert outline.get_xy() == (col - 0.5, row - 0.5)
    assert (outline.get_width(), outline.get_height()) == (size, size)
    # tick labels name the photo's own rows and columns
    assert right.get_yticklabels()[0].get_text() == str(row)
    assert right.get_xticklabels()[0].get_text() == str(col)


def test_zoom_plot_numbers_follow_the_figure_dpi(photo):
    fig = zoom_plot(photo, 200, 250, 4)
    fig.set_dpi(50)
    fig.canvas.draw()  # the numbers' transform must use the figure's dpi at drawing time, not creation time
    collection = next(c for c in fig.axes[1].collections if isinstance(c, PathCollection))
    assert collection.get_transform().get_matrix()[0, 0] == pytest.approx(50 / 72)


@pytest.mark.parametrize(("row", "col", "size", "match"), [
    (590, 0, 16, "does not fit"), (0, 500, 16, "does not fit"), (-1, 0, 4, "does not fit"),
    (0, 0, 0, "size"), (0, 0, 17, "size")])
def test_zoom_plot_rejects_windows_that_do_not_fit(photo, row, col, size, match):
    with pytest.raises(ValueError, match=match):
        zoom_plot(photo, row, col, size)


def test_channels_plot_shows_each_channel_in_grey(rgb):
    fig = channels_plot(rgb)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4
    for c, ax in enumerate(fig.axes[1:]):
        np.testing.assert_array_equal(ax.images[0].get_array(), rgb[:, :, c])
        assert ax.images[0].get_cmap().name == "gray"
        assert f"mean {rgb[:, :, c].mean():.1f}" in ax.get_title()


def test_channels_plot_rejects_a_gray_image(photo):
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        channels_plot(photo)


def test_normalize_plot_titles_state_the_ranges(photo):
    fig = normalize_plot(photo)
    assert isinstance(fig, Figure)
    left, right = fig.axes
    assert "min 0, max 255" in left.get_title()
    assert "min 0, max 1" in right.get_title()
    assert right.get_xlim() == (0, 1)


@pytest.mark.parametrize("weights", [GRAY_WEIGHTS, (1 / 3, 1 / 3, 1 / 3), (0.598, 1.174, 0.228)])
def test_gray_weights_plot(rgb, weights):
    fig = gray_weights_plot(rgb, weights)
    assert isinstance(fig, Figure)
    left, right = fig.axes
    gray = rgb.astype(float) @ np.asarray(weights)
    np.testing.assert_allclose(left.images[0].get_array(), gray)
    assert left.images[0].get_clim() == (0, 255)  # darker or brighter must show
    assert f"min {gray.min():.0f}, max {gray.max():.0f}" in left.get_title()  # of the whole photo
    assert [round(b.get_height(), 6) for b in right.patches] == [round(w, 6) for w in weights]
    assert f"sum {sum(weights):.3f}" in right.get_title()
    above = int((gray > 255).sum())
    assert (f"{above:,} pixels above 255" in left.get_title()) == (above > 0)


def test_gray_weights_plot_rejects_bad_weights(rgb):
    with pytest.raises(ValueError, match="weights"):
        gray_weights_plot(rgb, (0.5, 0.5))


# --- built once, updated in place -----------------------------------------------------------------

def _same_picture(updated, fresh):
    assert figure_png(updated) == figure_png(fresh)
    assert describe_figure(updated) == describe_figure(fresh)
    plt.close(updated)
    plt.close(fresh)


_WINDOWS = [(200, 250, 8), (0, 0, 1), (100, 400, 16), (584, 496, 12)]


@pytest.mark.parametrize("a", range(len(_WINDOWS)))
@pytest.mark.parametrize("b", range(len(_WINDOWS)))
def test_update_zoom_plot_equals_a_fresh_plot(photo, a, b):
    updated = zoom_plot(photo, *_WINDOWS[a], figsize=(10, 5))
    assert update_zoom_plot(updated, *_WINDOWS[b]) is updated
    row, col, size = _WINDOWS[b]
    right = updated.axes[1]
    assert _numbers_in(right) == size * size
    np.testing.assert_array_equal(right.images[0].get_array(), photo[row:row + size, col:col + size])
    assert right.get_title() == f"I[{row}:{row + size}, {col}:{col + size}]"
    assert right.get_yticklabels()[0].get_text() == str(row)
    _same_picture(updated, zoom_plot(photo, *_WINDOWS[b], figsize=(10, 5)))


def test_update_zoom_plot_refuses_a_window_that_does_not_fit(photo):
    fig = zoom_plot(photo, 0, 0, 4)
    with pytest.raises(ValueError, match="does not fit"):
        update_zoom_plot(fig, 598, 0, 4)
    with pytest.raises(ValueError, match="fig needs"):
        update_zoom_plot(plt.figure(), 0, 0, 4)


_WEIGHTS = [GRAY_WEIGHTS, (1.0, 0.0, 0.0), (0.598, 1.174, 0.228), (0.0, 0.0, 0.0)]


@pytest.mark.parametrize("a", range(len(_WEIGHTS)))
@pytest.mark.parametrize("b", range(len(_WEIGHTS)))
def test_update_gray_weights_plot_equals_a_fresh_plot(rgb, a, b):
    small = rgb[::4, ::4].astype(float)
    updated = gray_weights_plot(small, _WEIGHTS[a], figsize=(8, 3.4))
    gray = small @ np.asarray(_WEIGHTS[b])
    assert update_gray_weights_plot(updated, _WEIGHTS[b], gray) is updated
    left, right = updated.axes
    np.testing.assert_array_equal(left.images[0].get_array(), gray)
    assert [bar.get_height() for bar in right.patches] == pytest.approx(_WEIGHTS[b])
    assert [t.get_text() for t in right.texts] == [f"{w:.3f}" for w in _WEIGHTS[b]]
    _same_picture(updated, gray_weights_plot(small, _WEIGHTS[b], figsize=(8, 3.4)))


def test_explorer_figures_have_fixed_layouts(photo, rgb):
    for fig in (zoom_plot(photo, 0, 0, 4), gray_weights_plot(rgb[::8, ::8], GRAY_WEIGHTS)):
        assert fig.get_layout_engine() is None      # no layout engine: one draw per picture
        plt.close(fig)


# --- PathText: text drawn from cached outlines ------------------------------------------------------

@pytest.mark.parametrize(("ha", "va", "rotation"), [("center", "center", 0), ("left", "bottom", 0),
                                                    ("right", "top", 90), ("center", "baseline", 0)])
def test_path_text_lands_where_matplotlib_puts_the_text(ha, va, rotation):
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    real = ax.text(5, 5, "-123", ha=ha, va=va, rotation=rotation, fontsize=12)
    fast = path_text(ax, 5, 5, "-123", ha=ha, va=va, rotation=rotation, fontsize=12)
    assert isinstance(fast, PathText) and fast in ax.texts
    fig.canvas.draw()
    a = real.get_window_extent()
    b = fast.get_window_extent()
    # the outline's box is the ink; the text's box adds the font's ascent and descent: within 0.4 em
    tol = 0.4 * 12 * fig.dpi / 72
    assert abs((a.x0 + a.x1) / 2 - (b.x0 + b.x1) / 2) <= tol and abs(a.width - b.width) <= tol
    assert b.y0 >= a.y0 - 1 and b.y1 <= a.y1 + 1
    plt.close(fig)
