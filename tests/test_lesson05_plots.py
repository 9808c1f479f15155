"""Lesson 5 (05_feature_maps.ipynb) pictures; the explorers' two pictures, updated in place, equal a fresh
picture of the new numbers. The receptive-field arithmetic has its own tests in ``test_receptive.py``."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnmath import conv2d, conv2d_forward, get_kernel, kernel_bank, receptive_field  # noqa: E402
from cnnmath.receptive import receptive_field_regions  # noqa: E402
from cnnmath.viz.plots import (bank_maps_plot, channel_sum_plot, describe_figure, figure_png,  # noqa: E402
                               filter_bank_plot, format_number, kernel_plot, receptive_field_plot,
                               shift_equivariance_plot, update_bank_maps_plot, update_receptive_field_plot)

EDGES = ("vertical edge", "horizontal edge", "diagonal edge")


def tiny_image():
    """The lesson's 6x6 image: top half +1, left half +1."""
    image = np.zeros((6, 6))
    image[:3, :] += 1
    image[:, :3] += 1
    return image


# --- kernels and feature maps ----------------------------------------------------------------------

def test_kernel_plot_writes_every_weight():
    K = get_kernel("diagonal edge")
    fig = kernel_plot(K, title="diagonal")
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [format_number(v) for v in K.ravel()]
    assert len(fig.axes) == 1  # the numbers carry the values: no colour bar
    with pytest.raises(ValueError, match="2-D kernel"):
        kernel_plot(np.ones((1, 3, 3)))


def test_filter_bank_plot_tiny_example_numbers_and_labels():
    image = tiny_image()
    bank = kernel_bank(*EDGES)
    out, _ = conv2d_forward(image[None, None], bank, np.zeros(3))
    fig = filter_bank_plot(out, bank, names=list(EDGES), image=image, figsize=(10, 5))
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert "input 6x6" in titles
    for f, name in enumerate(EDGES):
        assert f"kernel: {name}" in titles and f"map {f + 1}: {name}" in titles
        ax = fig.axes[titles.index(f"map {f + 1}: {name}")]
        expected = conv2d(image, get_kernel(name))
        # every value written in its cell, and the extremes written under the map
        assert [t.get_text() for t in ax.texts] == [format_number(v) for v in expected.ravel()]
        assert ax.get_xlabel() == f"min {format_number(expected.min())}, max {format_number(expected.max())}"
    # a colour bar per map (3) besides image, 3 kernels and 3 maps
    assert len(fig.axes) == 1 + 3 + 3 + 3


def test_filter_bank_plot_large_maps_shared_scale_has_one_colour_bar():
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(1, 4, 40, 30))
    fig = filter_bank_plot(maps, names=list("abcd"), shared_scale=True, figsize=(9, 2.6))
    assert len(fig.axes) == 4 + 1
    limits = {(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in fig.axes[:4]}
    assert len(limits) == 1  # the same scale on every map
    clipped = fig.axes[0].images[0].norm.vmax
    assert clipped == pytest.approx(np.percentile(np.abs(maps), 99.0))
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), maps[0, 2])
    assert fig.axes[2].get_xlabel() == f"min {format_number(maps[0, 2].min())}, max {format_number(maps[0, 2].max())}"


def test_filter_bank_plot_per_map_scales_and_given_axes():
    rng = np.random.default_rng(1)
    maps = rng.normal(size=(2, 20, 20)) * np.array([1.0, 10.0])[:, None, None]
    fig, axes = plt.subplots(1, 2, figsize=(6, 3))
    assert filter_bank_plot(maps, axes=axes) is fig
    assert axes[0].get_title() == "map 1: filter 1"
    assert axes[1].images[0].norm.vmax > 5 * axes[0].images[0].norm.vmax
    fig, axes = plt.subplots(2, 2, figsize=(6, 6))
    filter_bank_plot(maps, np.ones((2, 1, 3, 3)), axes=axes)
    assert axes[0, 0].get_title() == "kernel: filter 1"


def test_filter_bank_plot_does_not_change_its_inputs():
    maps = np.arange(2 * 5 * 5, dtype=float).reshape(2, 5, 5) - 20
    kernels = kernel_bank("vertical edge", "sharpen")
    before = maps.copy(), kernels.copy()
    filter_bank_plot(maps, kernels)
    np.testing.assert_array_equal(maps, before[0])
    np.testing.assert_array_equal(kernels, before[1])


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"maps": np.zeros((2, 2, 3, 3))}, "maps has shape"),
    ({"maps": np.zeros((2, 5, 5)), "names": ["a"]}, "names has 1 entries"),
    ({"maps": np.zeros((2, 5, 5)), "kernels": np.zeros((3, 3, 3))}, "one kernel per map"),
    ({"maps": np.zeros((2, 5, 5)), "axes": "three"}, "axes has"),
])
def test_filter_bank_plot_rejects_bad_input(kwargs, words):
    if kwargs.get("axes") == "three":
        _, axes = plt.subplots(1, 3, figsize=(6, 2))
        kwargs["axes"] = axes
    with pytest.raises(ValueError, match=words):
        filter_bank_plot(**kwargs)


# --- colour channels -----------------------------------------------------------------------------------

def _colour_case():
    rng = np.random.default_rng(2)
    x = rng.random((1, 3, 12, 10))
    w = rng.normal(size=(2, 3, 3, 3))
    b = np.array([0.5, -0.25])
    return x, w, b


def test_channel_sum_plot_panels_are_the_channel_convolutions_and_their_sum():
    x, w, b = _colour_case()
    for f in range(2):
        fig = channel_sum_plot(x, w, b, f=f, position=(3, 4), figsize=(10, 3))
        panels = fig.axes[:4]
        assert [ax.get_title() for ax in panels] == [f"R * w[{f}, 0]", f"G * w[{f}, 1]", f"B * w[{f}, 2]",
                                                     f"out[{f}] = b + sum"]
        parts = [conv2d(x[0, c], w[f, c]) for c in range(3)]
        # 10x8 maps are small: their numbers are written in the cells
        for ax, part in zip(panels, parts):
            assert [t.get_text() for t in ax.texts][:part.size] == [format_number(v) for v in part.ravel()]
        assert [ax.texts[-1].get_text() for ax in panels[:3]] == ["+", "+", "+ b ="]
        out, _ = conv2d_forward(x, w, b)
        total_texts = [t.get_text() for t in panels[3].texts]
        assert total_texts == [format_number(v) for v in out[0, f].ravel()]
        assert len(fig.axes) == 5  # one shared colour bar
        plt.close(fig)


def test_channel_sum_plot_large_image_and_given_axes():
    rng = np.random.default_rng(3)
    x = rng.random((3, 40, 30))
    w = rng.normal(size=(1, 3, 3, 3))
    fig, axes = plt.subplots(1, 4, figsize=(10, 3))
    assert channel_sum_plot(x, w, [0.1], f=0, axes=axes) is fig
    expected = 0.1 + sum(conv2d(x[c], w[0, c]) for c in range(3))
    np.testing.assert_allclose(axes[3].images[0].get_array(), expected)


@pytest.mark.parametrize(("args", "words"), [
    ((np.zeros((3, 8, 8)), np.zeros((2, 2, 3, 3)), np.zeros(2)), "same C"),
    ((np.zeros((3, 8, 8)), np.zeros((2, 3, 3, 3)), np.zeros(2), 2), "f is 2"),
])
def test_channel_sum_plot_rejects_bad_input(args, words):
    with pytest.raises(ValueError, match=words):
        channel_sum_plot(*args)


# --- receptive field picture ----------------------------------------------------------------------------

@pytest.mark.parametrize("layers", [[(3, 1)], [(3, 1), (3, 1)], [(3, 1), (3, 1), (2, 2), (3, 1)], [(5, 2)] * 4])
def test_receptive_field_plot_draws_every_level(layers):
    fig = receptive_field_plot(layers)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(layers) + 1
    r = receptive_field(layers)
    assert fig.axes[0].get_xlabel() == f"receptive field {r}x{r}"
    assert fig.axes[0].get_title() == f"input\n{r}x{r} pixels feed it"
    assert fig.axes[-1].get_title().endswith("the unit")
    # the region drawn on the input has the receptive field's size
    grid = fig.axes[0].images[0].get_array()
    assert int((np.asarray(grid) > 0).sum()) == r * r


def test_receptive_field_plot_given_axes_and_bad_input():
    fig, axes = plt.subplots(1, 3, figsize=(7, 3))
    assert receptive_field_plot([(3, 1), (3, 1)], axes=axes) is fig
    with pytest.raises(ValueError, match="needs 3"):
        receptive_field_plot([(3, 1)] * 2, axes=axes[:2])
    with pytest.raises(ValueError, match="empty"):
        receptive_field_plot([])


# --- shift equivariance (section 6) --------------------------------------------------------------

def _moved_case(dy=2, dx=3):
    rng = np.random.default_rng(1)
    image = rng.random((12, 14))
    moved = np.zeros_like(image)
    moved[dy:, dx:] = image[:-dy, :-dx]
    w, b = kernel_bank("vertical edge"), np.array([0.3])
    before = conv2d_forward(image[None, None], w, b)[0][0, 0]
    after = conv2d_forward(moved[None, None], w, b)[0][0, 0]
    then_moved = np.full_like(before, np.nan)
    then_moved[dy:, dx:] = before[:-dy, :-dx]
    return moved, after, then_moved


def test_shift_equivariance_plot_draws_the_given_maps_and_their_difference():
    moved, after, then_moved = _moved_case()
    keep = then_moved.copy()
    fig = shift_equivariance_plot(moved, after, then_moved, (2, 3))
    images = [ax.get_images()[0].get_array() for ax in fig.axes[:4]]
    np.testing.assert_array_equal(images[0], moved)
    np.testing.assert_array_equal(images[1], after)
    assert images[2].mask[:2].all() and images[2].mask[:, :3].all() and not images[2].mask[2:, 3:].any()
    diff = images[3].filled(np.nan)[2:, 3:]
    assert np.abs(diff).max() < 1e-12                      # convolution is shift-equivariant off the strip
    assert "largest |difference| off the strip" in fig.axes[3].get_xlabel()
    # the strip (2 rows, 3 columns) is hatched on all four panels
    assert all(sum(1 for p in ax.patches if p.get_hatch()) == 2 for ax in fig.axes[:4])
    np.testing.assert_array_equal(then_moved, keep)       # plots do not change their inputs
    assert len(fig.axes) == 5                              # one shared colour bar


def test_shift_equivariance_plot_rejects_maps_of_different_shapes():
    moved, after, then_moved = _moved_case()
    with pytest.raises(ValueError, match="same"):
        shift_equivariance_plot(moved, after, then_moved[1:], (2, 3))


# --- the explorers' pictures: built once, updated in place ---------------------------------------------------

def _same_picture(updated, fresh):
    assert describe_figure(updated) == describe_figure(fresh)
    assert figure_png(updated) == figure_png(fresh)
    plt.close(updated)
    plt.close(fresh)


def _bank(image, names):
    maps = conv2d_forward(image[None, None], np.stack([get_kernel(n) for n in names])[:, None],
                          np.zeros(len(names)))[0][0]
    return maps, list(names), [(float(m.min()), float(m.max())) for m in maps]


_PHOTO = np.random.default_rng(5).random((40, 30))


@pytest.mark.parametrize(("image", "a", "b"), [
    (_PHOTO, EDGES, ("sharpen",)),
    (_PHOTO, ("identity",), ("sobel x", "sobel y", "box blur", "sharpen")),
    (tiny_image(), EDGES, ("sobel x", "identity")),                    # small maps: numbers in the cells
    (tiny_image(), ("sharpen",), EDGES + ("identity",)),
])
def test_update_bank_maps_plot_equals_a_fresh_plot(image, a, b):
    maps, names, ranges = _bank(image, a)
    fig = bank_maps_plot(maps, names, ranges=ranges, max_maps=4)
    maps, names, ranges = _bank(image, b)
    assert update_bank_maps_plot(fig, maps, names, ranges=ranges) is fig
    _same_picture(fig, bank_maps_plot(maps, names, ranges=ranges, max_maps=4))


def test_bank_maps_plot_draws_the_maps_and_ranges_it_is_given():
    maps, names, ranges = _bank(_PHOTO, EDGES)
    fig = bank_maps_plot(maps[:1], names[:1], max_maps=4)
    update_bank_maps_plot(fig, maps, names, ranges=[(-1.0, 2.0), (0.5, 0.75), (-3.0, 0.0)])
    shown = [ax for ax in fig.axes[:4] if ax.get_visible()]
    assert len(shown) == 3 and fig.get_size_inches()[0] > 5
    for f, ax in enumerate(shown):
        np.testing.assert_array_equal(ax.images[0].get_array(), maps[f])
        assert ax.get_title() == f"map {f + 1}: {names[f]}"
    assert [ax.get_xlabel() for ax in shown] == ["min -1, max 2", "min 0.50, max 0.75", "min -3, max 0"]
    lim = float(np.percentile(np.abs(maps), 99))      # one shared scale, clipped at the 99th percentile
    assert all(ax.images[0].norm.vmax == pytest.approx(lim) for ax in shown)
    assert f"Colour bar from {-lim:.3g} to {lim:.3g}" in describe_figure(fig)
    with pytest.raises(ValueError, match="1 .. 4 maps of 38x28"):
        update_bank_maps_plot(fig, maps[:, :5, :5])
    with pytest.raises(ValueError, match="names has 1 entries"):
        update_bank_maps_plot(fig, maps, ["one"])
    with pytest.raises(ValueError, match="bank_maps_plot"):
        update_bank_maps_plot(plt.figure(), maps)
    # on the caller's axes: the maps, then the colour bar's; they keep their places
    fig, axes = plt.subplots(1, 3, figsize=(8, 3))
    places = [ax.get_position(original=True).bounds for ax in axes]
    assert bank_maps_plot(maps[:1], names[:1], max_maps=2, axes=axes) is fig
    update_bank_maps_plot(fig, maps[:2], names[:2])
    assert [ax.get_position(original=True).bounds for ax in axes] == places and all(ax.get_visible() for ax in axes)
    assert tuple(fig.get_size_inches()) == (8, 3) and axes[1].get_title() == "map 2: horizontal edge"
    with pytest.raises(ValueError, match="axes has 2 axes but needs 3"):
        bank_maps_plot(maps[:1], max_maps=2, axes=axes[:2])
    plt.close("all")


@pytest.mark.parametrize(("a", "b"), [([(3, 1)] * 2, [(3, 1)] * 4), ([(5, 2)] * 4, [(3, 1)]),
                                      ([(7, 2)] * 3, [(2, 2)] * 2), ([(1, 1)], [(7, 2)] * 4)])
def test_update_receptive_field_plot_equals_a_fresh_plot(a, b):
    fig = receptive_field_plot(a, max_layers=4)
    assert update_receptive_field_plot(fig, b, regions=receptive_field_regions(b)) is fig
    _same_picture(fig, receptive_field_plot(b, max_layers=4))


def test_update_receptive_field_plot_shows_the_new_stack_and_uses_the_regions_it_is_given():
    fig = receptive_field_plot([(3, 1)], max_layers=4)
    update_receptive_field_plot(fig, [(3, 2), (3, 1)], regions=[7, 3, 1])
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 3 and fig.axes[0].get_xlabel() == "receptive field 7x7"
    assert int((shown[0].images[0].get_array() > 0).sum()) == 49
    assert shown[-1].get_title() == "layer 2: 3x3, stride 1\nthe unit"
    # the regions feeding the unit are outlined and hatched, the unit itself is not hatched
    outlines = [[p for p in ax.patches if p.get_edgecolor()[:3] != (0.0, 0.298, 0.6)][0] for ax in shown]
    assert [(r.get_width(), r.get_hatch()) for r in outlines] == [(7, "//"), (3, "//"), (1, None)]
    # grey lines join the edges of neighbouring regions (margin 1: a region of side n spans 0.5 .. n + 0.5)
    links = [a for a in fig.artists if a.get_visible()]
    assert [(link.xy1, link.xy2) for link in links] == [((7.5, 0.5), (0.5, 0.5)), ((7.5, 7.5), (0.5, 3.5)),
                                                        ((3.5, 0.5), (0.5, 0.5)), ((3.5, 3.5), (0.5, 1.5))]
    update_receptive_field_plot(fig, [(3, 2), (3, 1)], regions=[9, 3, 1])   # drawn as given, not recomputed
    assert fig.axes[0].get_xlabel() == "receptive field 9x9"
    with pytest.raises(ValueError, match="room for 1 .. 4"):
        update_receptive_field_plot(fig, [(3, 1)] * 5)
    with pytest.raises(ValueError, match="regions has 2 sides but needs 3"):
        update_receptive_field_plot(fig, [(3, 2), (3, 1)], regions=[7, 1])
    plt.close("all")
