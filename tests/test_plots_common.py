"""cnnmath.viz.plots.common: the pieces every lesson's pictures share, and their in-place updates."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath.viz.plots.common import (DPI, axes_row, colorbar_limit, figure_png, highlight_cells,  # noqa: E402
                                      map_mosaic, matrix_plot, minus_sign, move_cells, plain_number,
                                      round_ticks, signed_colorbar, signed_limit, signed_map, update_matrix_plot,
                                      update_signed_map, values_inside)
from cnnmath.viz.plots.alt_text import describe_figure  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


A = np.array([[1.0, -2.0, 3.0], [0.0, 5.5, -6.0]])
B = np.array([[0.25, -1.0, 7.0], [2.0, -0.5, 4.0]])
C = np.array([[9.0, -3.0], [1.5, 0.0], [-2.0, 2.0]])
G = np.array([[0.0, 128.0], [255.0, 64.0]])


@pytest.mark.parametrize("before, after", [(A, B), (B, A), (A, C), (C, A), (G, G[::-1])])
def test_updating_a_matrix_in_place_draws_what_a_fresh_plot_draws(before, after):
    fresh = matrix_plot(after, title="M", figsize=(3, 2.5))
    fig = matrix_plot(before, title="first", figsize=(3, 2.5))
    update_matrix_plot(fig.axes[0], after, title="M")
    assert describe_figure(fig) == describe_figure(fresh)
    assert figure_png(fig) == figure_png(fresh)


def test_a_matrix_update_keeps_the_colour_limits_it_was_given():
    fig = matrix_plot(A, vmin=-10, vmax=10, figsize=(3, 2))
    update_matrix_plot(fig.axes[0], B)
    assert fig.axes[0].images[0].norm.vmin == -10 and fig.axes[0].images[0].norm.vmax == 10
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.25", "-1", "7", "2", "-0.50", "4"]


def test_update_matrix_plot_needs_a_matrix_plot_axes_and_a_matrix():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="matrix_plot"):
        update_matrix_plot(ax, A)
    fig = matrix_plot(A)
    with pytest.raises(ValueError, match=r"shape \(6,\)"):
        update_matrix_plot(fig.axes[0], A.ravel())


def test_signed_limit_is_the_largest_magnitude_over_all_arrays():
    assert signed_limit(A) == 6.0
    assert signed_limit(A, np.array([-7.5])) == 7.5
    assert signed_limit(np.zeros(3)) == 1e-12
    assert signed_limit(np.array([np.nan, -2.0])) == 2.0
    assert signed_limit(np.array([])) == 1e-12


def test_a_signed_map_is_centred_at_zero_and_updates_in_place():
    fig, ax = plt.subplots()
    im = signed_map(ax, A)
    assert (im.norm.vmin, im.norm.vcenter, im.norm.vmax) == (-6.0, 0.0, 6.0)
    update_signed_map(im, C, limit=20)
    assert (im.norm.vmin, im.norm.vmax) == (-20.0, 20.0)
    assert im.get_array().shape == (3, 2) and tuple(im.get_extent()) == (-0.5, 1.5, 2.5, -0.5)


def test_axes_row_makes_or_checks_a_row():
    fig, axes = axes_row(None, 3, (6, 2))
    assert len(axes) == 3 and all(a.figure is fig for a in axes)
    fig2, same = axes_row(np.array(axes), 3, (1, 1))
    assert fig2 is fig and same == axes
    with pytest.raises(ValueError, match="has 3 axes but needs 2"):
        axes_row(axes, 2, (1, 1))


def test_outlines_move_in_place():
    fig = matrix_plot(A)
    rect = highlight_cells(fig.axes[0], 0, 0, 2, 2)
    move_cells(rect, 1, 2, 1, 3)
    assert rect.get_xy() == (1.5, 0.5) and (rect.get_height(), rect.get_width()) == (1, 3)


def test_map_mosaic_places_each_map_in_its_cell():
    maps = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    out = map_mosaic(maps, 2, gap=1)
    assert out.shape == (3 * 3 - 1, 2 * 4 - 1)
    for f in range(5):
        r, c = (f // 2) * 3, (f % 2) * 4
        np.testing.assert_array_equal(out[r:r + 2, c:c + 3], maps[f])
    assert np.isnan(out).sum() == out.size - maps.size
    assert map_mosaic(maps[:1], 4).shape == (2, 3)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        map_mosaic(maps[0], 2)
    with pytest.raises(ValueError, match="ncols"):
        map_mosaic(maps, 0)


def test_figure_png_draws_at_the_course_resolution():
    fig = plt.figure(figsize=(3, 2))
    png = figure_png(fig)
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (3 * DPI, 2 * DPI)


def test_a_boxed_path_text_keeps_its_box():
    from cnnmath.viz.plots.common import path_text

    def png(maker):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.set_axis_off()
        maker(ax, 0.5, 0.5, "x = 3", ha="center", va="center", transform=ax.transAxes,
              bbox=dict(boxstyle="round", facecolor="yellow"))
        return figure_png(fig)

    assert png(path_text) == png(lambda ax, *a, **k: ax.text(*a, **k))


def test_path_text_keeps_the_weight_of_the_text():
    from cnnmath.viz.plots.common import path_text

    fig, ax = plt.subplots(figsize=(3, 1))
    normal = path_text(ax, 0.1, 0.5, "receptive field 5x5", transform=ax.transAxes)
    bold = path_text(ax, 0.1, 0.2, "receptive field 5x5", transform=ax.transAxes, fontweight="bold")
    fig.canvas.draw()
    assert bold.get_window_extent().width > 1.05 * normal.get_window_extent().width


def test_every_plot_function_takes_ax_or_axes_and_never_fig():
    """The convention viz/__init__.py states: ax=None for one panel, axes=None for several; update_*_plot
    twins take the figure they update."""
    import inspect

    import cnnmath.viz.plots as P

    plots = [name for name in P.__all__ if name.endswith("_plot") or name.endswith("_diagram")]
    assert len(plots) > 40
    wrong = []
    for name in plots:
        params = inspect.signature(getattr(P, name)).parameters
        if name.startswith("update_"):
            if next(iter(params)) not in ("fig", "ax"):
                wrong.append(name)
            continue
        if "fig" in params or not ({"ax", "axes"} & set(params)):
            wrong.append(name)
        elif any(params[p].default is not None for p in ({"ax", "axes"} & set(params))):
            wrong.append(name)
    assert wrong == []


def test_tick_labels_write_a_true_minus_sign():
    """Colour bars and the lessons' own ticks write negative numbers with U+2212, as matplotlib writes the
    axes' ticks, never a hyphen; and never "-0"."""
    assert minus_sign("-0") == "0" and minus_sign("-2.5e-3") == "\u22122.5e\u22123"
    assert [plain_number(v) for v in (-0.0, -1e-12, -0.25, 3.0)] == ["0", "0", "\u22120.25", "3"]
    fig, ax = plt.subplots()
    bar = signed_colorbar(fig, ax)
    colorbar_limit(bar, 2.5)
    assert [t.get_text() for t in bar.ax.get_yticklabels()] == ["\u22122.5", "0", "2.5"]
    colorbar_limit(bar, 0.125, ticks=[-0.1, 0.1], labels=["a", "b"])
    assert [t.get_text() for t in bar.ax.get_yticklabels()] == ["a", "b"]
    plt.close(fig)


def test_round_ticks_are_round_and_inside_their_range():
    """Fixed ticks for updates: round values (1, 2, 2.5 or 5 times a power of ten) inside the range, its
    ends kept to within rounding (a tick of 0.30000000000000004 for a limit of 0.3 is the limit)."""
    assert values_inside([0.30000000000000004, 0.31, -0.3, -0.3000001], -0.3, 0.3) == [0.30000000000000004, -0.3]
    assert round_ticks(-2.5, 2.5) == [-2.0, 0.0, 2.0]
    assert round_ticks(0, 4.2, nbins=5, integer=True) == [0.0, 1.0, 2.0, 3.0, 4.0]
    for lo, hi in [(-0.3, 0.3), (-7.3, 7.3), (1e-5, 3e-5), (0, 1)]:
        ticks = round_ticks(lo, hi)
        assert ticks and all(lo - 1e-12 <= t <= hi + 1e-12 for t in ticks), (lo, hi, ticks)
        steps = np.diff(ticks)
        step = steps[0] / 10 ** np.floor(np.log10(steps[0]))
        assert np.allclose(steps, steps[0]) and any(np.isclose(step, s) for s in (1, 2, 2.5, 5)), ticks
