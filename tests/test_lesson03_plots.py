"""Lesson 3 (03_relu.ipynb) pictures: every plot function returns a Figure and draws the right things."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnmath import best_line_fit, conv2d, get_kernel, load_photo, relu, seed_image, seed_kernel  # noqa: E402
from cnnmath.viz.plots import (format_number, relu_derivative_plot, relu_fit_plot, relu_map_plot,  # noqa: E402
                               relu_pair_plot, relu_plot)


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("x", [None, -2.0, 0.0, 1.5, 3.0])
def test_relu_plot_marks_the_point(x):
    fig = relu_plot(x)
    assert isinstance(fig, Figure)
    if x is not None:
        expected = f"f({format_number(x)}) = {format_number(max(0.0, x))}"
        assert expected in _texts(fig)


def test_relu_plot_draws_the_ramp_with_its_corner():
    fig = relu_plot(xlim=(-2, 4))
    line = fig.axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [-2, 0, 4])
    np.testing.assert_array_equal(line.get_ydata(), [0, 0, 4])


@pytest.mark.parametrize("x,slope", [(-1.0, "0"), (0.0, "0"), (0.25, "1"), (2.0, "1")])
def test_relu_derivative_plot_uses_zero_at_the_corner(x, slope):
    fig = relu_derivative_plot(x)
    texts = _texts(fig)
    assert "f'(0) = 0 (convention)" in texts
    assert any(t.endswith(f") = {slope}") and t.startswith("f'(") for t in texts), texts
    ax = fig.axes[0]
    # the filled dot sits at (0, 0) and the open one at (0, 1)
    dots = {(float(l.get_xdata()[0]), float(l.get_ydata()[0])): l.get_markerfacecolor()
            for l in ax.lines if len(l.get_xdata()) == 1 and l.get_marker() == "o"}
    assert dots[(0.0, 1.0)] == "white"
    assert dots[(0.0, 0.0)] != "white"


def test_relu_pair_plot_two_panels_on_given_axes():
    fig = relu_pair_plot(0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    fig2, axes = plt.subplots(1, 2, figsize=(6, 2))
    assert relu_pair_plot(-1.0, axes=axes) is fig2


def test_relu_map_plot_small_map_writes_numbers_and_mask():
    fmap = conv2d(seed_image(), seed_kernel())
    fig = relu_map_plot(fmap)
    assert isinstance(fig, Figure)
    before, after, mask = fig.axes[:3]
    assert [t.get_text() for t in before.texts] == ["-6"] * 9
    assert [t.get_text() for t in after.texts] == ["0"] * 9
    assert [t.get_text() for t in mask.texts] == ["0"] * 9
    assert "0.0% pass" in mask.get_title()
    assert "blocked" in mask.get_xlabel()  # the mask's colours are explained in words


def test_relu_map_plot_bias_shifts_the_map_and_titles():
    fmap = conv2d(seed_image(), seed_kernel())
    fig = relu_map_plot(fmap, bias=7)
    before, after, mask = fig.axes[:3]
    assert [t.get_text() for t in after.texts] == ["1"] * 9
    assert "100.0% pass" in mask.get_title()
    assert "b = 7" in before.get_title()


def test_relu_map_plot_large_map_uses_display_step_but_full_counts():
    edges = conv2d(load_photo(), get_kernel("vertical edge"))
    fig = relu_map_plot(edges, bias=-20, display_step=2)
    before, after, mask = fig.axes[:3]
    assert before.images[0].get_array().shape == (299, 255)
    assert f"{(edges - 20 > 0).mean():.1%} pass" in mask.get_title()
    np.testing.assert_array_equal(after.images[0].get_array(), relu(edges - 20)[::2, ::2])
    # one shared colour bar for before and after, centred at 0
    norm = before.images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax
    assert after.images[0].norm.vmax == norm.vmax


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_relu_map_plot_rejects_bad_display_step(bad):
    with pytest.raises(ValueError, match="display_step"):
        relu_map_plot(np.ones((20, 20)), display_step=bad)


def test_relu_map_plot_rejects_wrong_rank():
    with pytest.raises(ValueError, match="2-D"):
        relu_map_plot(np.ones(5))


def test_relu_map_plot_does_not_change_its_input():
    fmap = np.array([[-1.0, 2.0], [0.0, -3.0]])
    copy = fmap.copy()
    relu_map_plot(fmap, bias=1)
    np.testing.assert_array_equal(fmap, copy)


def test_relu_fit_plot_reports_errors_in_the_legend():
    x = np.linspace(-3, 3, 121)
    fig = relu_fit_plot(x, [np.abs(x)], [relu(x) + relu(-x)], names=["|x|"])
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "sum of ReLUs (max error 0.00)" in labels
    line_err = np.abs(best_line_fit(x, np.abs(x)) - np.abs(x)).max()
    assert f"best straight line (max error {line_err:.2f})" in labels


# --- in-place updates (the explorers' figures) ---------------------------------------------------

from cnnmath import relu_derivative  # noqa: E402
from cnnmath.viz.plots import describe_figure, figure_png, update_relu_map_plot, update_relu_pair_plot  # noqa: E402


def _same_picture(a, b):
    assert describe_figure(a) == describe_figure(b)
    assert figure_png(a) == figure_png(b)


@pytest.mark.parametrize(("start", "x"), [(1.5, -2.0), (-1.0, 0.0), (None, 2.25), (0.5, None)])
def test_update_relu_pair_plot_matches_a_fresh_plot(start, x):
    fig = relu_pair_plot(start, figsize=(7.5, 2.6))
    f = None if x is None else float(relu(x))
    df = None if x is None else float(relu_derivative(x))
    assert update_relu_pair_plot(fig, x, f, df) is fig
    _same_picture(fig, relu_pair_plot(x, figsize=(7.5, 2.6)))
    if x is not None:
        assert f"f({format_number(x)}) = {format_number(f)}" in _texts(fig)
        assert f"f'({format_number(x)}) = {format_number(df)}" in _texts(fig)
    plt.close("all")


def _maps(F, b):
    z = np.asarray(F, dtype=float) + b
    return z, relu(z), relu_derivative(z)


@pytest.mark.parametrize(("b0", "b1"), [(0.0, 7.0), (7.0, -3.0), (2.0, 6.0)])
def test_update_relu_map_plot_matches_a_fresh_plot_small_map(b0, b1):
    fmap = conv2d(seed_image(), seed_kernel()) + np.arange(9.0).reshape(3, 3)
    fig = relu_map_plot(fmap, bias=b0)
    update_relu_map_plot(fig, *_maps(fmap, b1), bias=b1)
    _same_picture(fig, relu_map_plot(fmap, bias=b1))
    before, after, mask = fig.axes[:3]
    assert [t.get_text() for t in after.texts] == [format_number(v) for v in relu(fmap + b1).ravel()]
    plt.close("all")


def test_update_relu_map_plot_small_map_changes_shape():
    a, b = np.arange(-4.0, 5.0).reshape(3, 3), np.arange(-10.0, 10.0).reshape(4, 5)
    fig = relu_map_plot(a, bias=1.0)
    update_relu_map_plot(fig, *_maps(b, 2.0), bias=2.0)
    _same_picture(fig, relu_map_plot(b, bias=2.0))
    plt.close("all")


def test_update_relu_map_plot_matches_a_fresh_plot_large_map():
    edges = conv2d(load_photo()[:200, :180], get_kernel("vertical edge"))
    titles = ("before: F + b", "after: ReLU", "mask: where f' = 1")
    fig = relu_map_plot(edges, bias=0.0, display_step=2, titles=titles, figsize=(9.5, 2.9))
    update_relu_map_plot(fig, *_maps(edges, -40.0), bias=-40.0)
    fresh = relu_map_plot(edges, bias=-40.0, display_step=2, titles=titles, figsize=(9.5, 2.9))
    _same_picture(fig, fresh)
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), relu(edges - 40.0)[::2, ::2])
    plt.close("all")


def test_update_relu_map_plot_computes_nothing(monkeypatch):
    import cnnmath.viz.plots.lesson03 as mod

    fmap = np.arange(-4.0, 5.0).reshape(3, 3)
    fig = relu_map_plot(fmap)
    pair = relu_pair_plot(1.0)

    def refuse(*args, **kwargs):
        raise AssertionError("the plot recomputed what it was given")

    maps = _maps(fmap, 2.0)
    monkeypatch.setattr(mod, "relu", refuse)
    monkeypatch.setattr(mod, "relu_derivative", refuse)
    update_relu_map_plot(fig, *maps, bias=2.0)
    update_relu_pair_plot(pair, -1.0, 0.0, 0.0)
    relu_map_plot(before=maps[0], after=maps[1], mask=maps[2], bias=2.0)  # given results: none computed
    plt.close("all")


def test_update_relu_map_plot_refuses_mismatched_maps():
    fig = relu_map_plot(np.ones((3, 3)))
    with pytest.raises(ValueError, match="mask has shape"):
        update_relu_map_plot(fig, np.ones((3, 3)), np.ones((3, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="large maps|small"):
        update_relu_map_plot(fig, *_maps(np.ones((20, 20)), 0.0))
    with pytest.raises(ValueError, match="relu_map_plot"):
        update_relu_map_plot(relu_pair_plot(1.0), *_maps(np.ones((3, 3)), 0.0))
    plt.close("all")
