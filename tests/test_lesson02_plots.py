"""Lesson 2 (02_convolution.ipynb) pictures: every plot function returns a Figure and draws the right numbers.

Expected numbers come from cnnmath (conv2d, convolve2d, conv_output_size), never from the plot itself.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnmath import (conv2d, conv_output_size, conv_step, convolve2d, get_kernel, seed_image,  # noqa: E402
                     seed_kernel)
from cnnmath.viz.plots import (conv_step_plot, describe_figure, figure_png, flip_plot, format_number,  # noqa: E402
                               kernel_effect_plot, output_size_plot, update_conv_step_plot, update_flip_plot,
                               update_kernel_effect_plot, update_output_size_plot)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


# --- conv_step_plot -------------------------------------------------------------------------------

@pytest.mark.parametrize("position", range(9))
def test_step_plot_shows_window_products_and_partial_output(position):
    I, K = seed_image(), seed_kernel()
    fig = conv_step_plot(I, K, position)
    assert isinstance(fig, Figure)
    ax_img, ax_k, ax_p, ax_out = fig.axes[:4]
    i, j = divmod(position, 3)
    products = I[i:i + 3, j:j + 3] * K
    assert ax_p.get_title() == f"window x K, sum = {format_number(products.sum())}"
    assert _texts(ax_p) == [format_number(v) for v in products.ravel()]
    assert ax_out.get_title() == f"output[{i}, {j}] = -6"
    out_texts = _texts(ax_out)
    assert out_texts.count("-6") == position + 1          # filled in reading order up to this position
    assert out_texts.count("?") == 9 - position - 1
    assert _texts(ax_img) == [format_number(v) for v in I.ravel()]
    assert f"rows {i}..{i + 2}, cols {j}..{j + 2}" in ax_img.get_title()


def test_step_plot_with_stride_and_padding_matches_conv2d():
    I, K = seed_image(), seed_kernel()
    out = conv2d(I, K, stride=2, padding=1)
    for position in range(out.size):
        fig = conv_step_plot(I, K, position, stride=2, padding=1)
        i, j = divmod(position, out.shape[1])
        assert fig.axes[3].get_title() == f"output[{i}, {j}] = {format_number(out[i, j])}"
        padded = np.pad(I, 1)
        products = padded[2 * i:2 * i + 3, 2 * j:2 * j + 3] * K
        assert fig.axes[2].get_title().endswith(f"sum = {format_number(products.sum())}")
        assert len(_texts(fig.axes[0])) == padded.size     # the padded zeros are written in too
        plt.close(fig)


def test_step_plot_accepts_a_pair_and_a_non_square_kernel():
    rng = np.random.default_rng(0)
    image = rng.integers(-3, 4, size=(4, 6)).astype(float)
    kernel = rng.integers(-2, 3, size=(2, 3)).astype(float)
    out = conv2d(image, kernel)
    fig = conv_step_plot(image, kernel, (2, 3))
    assert fig.axes[3].get_title() == f"output[2, 3] = {format_number(out[2, 3])}"
    assert _texts(fig.axes[3]).count("?") == out.size - (2 * out.shape[1] + 3 + 1)


@pytest.mark.parametrize("position", [-1, 9, (3, 0), (0, 3)])
def test_step_plot_rejects_positions_outside_the_output(position):
    with pytest.raises(ValueError, match="position"):
        conv_step_plot(seed_image(), seed_kernel(), position)


def test_step_plot_rejects_a_kernel_too_large():
    with pytest.raises(ValueError, match="kernel"):
        conv_step_plot(np.ones((2, 2)), np.ones((3, 3)), 0)


def test_step_plot_draws_into_given_axes():
    fig, axes = plt.subplots(1, 4, figsize=(12, 3))
    assert conv_step_plot(seed_image(), seed_kernel(), 0, axes=axes) is fig
    with pytest.raises(ValueError, match="axes"):
        conv_step_plot(seed_image(), seed_kernel(), 0, axes=axes[:3])


# --- kernel_effect_plot ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["identity", "box blur", "sobel x", "diagonal edge"])
def test_kernel_effect_plot_shows_the_feature_map(name):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(20, 24)).astype(float)
    kernel = get_kernel(name)
    fig = kernel_effect_plot(image, kernel)
    assert isinstance(fig, Figure)
    ax_k, ax_img, ax_f = fig.axes[:3]
    assert len(fig.axes) == 4                               # plus the feature map's colour bar
    np.testing.assert_allclose(ax_f.images[0].get_array(), conv2d(image, kernel))
    np.testing.assert_array_equal(ax_img.images[0].get_array(), image)
    assert ax_k.get_title() == f"kernel K (sum {format_number(kernel.sum())})"
    assert ax_f.get_title() == "feature map, 18 x 22"
    norm = ax_f.images[0].norm                               # diverging and centred at 0
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax


def test_kernel_effect_plot_survives_a_zero_kernel():
    fig = kernel_effect_plot(np.ones((6, 6)), np.zeros((3, 3)))
    assert np.all(fig.axes[2].images[0].get_array() == 0)


# --- output_size_plot -----------------------------------------------------------------------------

@pytest.mark.parametrize(("h", "k", "s", "p"), [(5, 3, 1, 0), (6, 3, 2, 0), (7, 3, 2, 1), (12, 7, 3, 3),
                                                (5, 5, 1, 0), (1, 1, 4, 0)])
def test_output_size_plot_states_the_formula_and_draws_one_dot_per_output(h, k, s, p):
    fig = output_size_plot(h, k, s, p)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    h_out = conv_output_size(h, k, s, p)
    assert ax.get_title() == f"H_out = ({h} + 2*{p} - {k}) // {s} + 1 = {h_out}"
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == 1 and len(dots[0].get_xdata()) == h_out * h_out
    skipped = h + 2 * p - ((h_out - 1) * s + k)
    assert ("never reached" in ax.get_xlabel()) == (skipped > 0)


def test_output_size_plot_explains_a_kernel_that_does_not_fit():
    fig = output_size_plot(3, 6, 1, 1)
    ax = fig.axes[0]
    assert "no output" in ax.get_title()
    assert any("does not fit" in t for t in _texts(ax))
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert all(len(line.get_xdata()) == 0 for line in dots)        # no window position: no dot


def test_output_size_plot_rejects_nonsense():
    with pytest.raises(ValueError):
        output_size_plot(5, 3, 0, 0)
    with pytest.raises(ValueError):
        output_size_plot(5, 3, 1, -1)


# --- flip_plot ------------------------------------------------------------------------------------

@pytest.mark.parametrize("flip", [False, True])
def test_flip_plot_compares_correlation_and_convolution(flip):
    I, K = seed_image(), seed_kernel()
    fig = flip_plot(I, K, flip)
    assert isinstance(fig, Figure)
    ax_k, ax_a, ax_b = fig.axes[:3]
    used = K[::-1, ::-1] if flip else K
    assert _texts(ax_k) == [format_number(v) for v in used.ravel()]
    assert _texts(ax_a) == [format_number(v) for v in conv2d(I, used).ravel()]
    assert _texts(ax_b) == [format_number(v) for v in convolve2d(I, K).ravel()]
    assert [t.get_text() for t in fig.texts] == ["=" if flip else "\u2260"]


def test_flip_plot_symmetric_kernel_is_equal_without_flipping():
    fig = flip_plot(seed_image(), get_kernel("sharpen"), False)
    assert [t.get_text() for t in fig.texts] == ["="]


# --- built once, updated in place -----------------------------------------------------------------
# Each update function must leave the figure exactly as its plot function draws the new data from
# scratch (same PNG bytes), and must show the new numbers (checked against cnnmath, not the plot).

def _same_picture(updated, fresh):
    assert figure_png(updated) == figure_png(fresh)
    assert describe_figure(updated) == describe_figure(fresh)
    plt.close(updated)
    plt.close(fresh)


_STEP_CASES = [  # (image, kernel, position, stride, padding)
    (seed_image(), seed_kernel(), 0, 1, 0),
    (seed_image(), seed_kernel(), 7, 1, 0),
    (np.arange(42.0).reshape(6, 7) - 20, np.array([[1.0, -2, 0], [0, 3, -1]]), 5, 2, 1),
]


@pytest.mark.parametrize("a", range(3))
@pytest.mark.parametrize("b", range(3))
def test_update_conv_step_plot_equals_a_fresh_plot(a, b):
    step_a, step_b = (conv_step(*_STEP_CASES[k][:3], stride=_STEP_CASES[k][3], padding=_STEP_CASES[k][4])
                      for k in (a, b))
    updated = conv_step_plot(step=step_a, figsize=(11, 3.0))
    assert update_conv_step_plot(updated, step_b) is updated
    _same_picture(updated, conv_step_plot(step=step_b, figsize=(11, 3.0)))


def test_update_conv_step_plot_shows_the_new_step():
    I, K = seed_image(), seed_kernel()
    fig = conv_step_plot(I, K, 0)
    image, kernel = np.arange(42.0).reshape(6, 7) - 20, np.array([[1.0, -2, 0], [0, 3, -1]])
    update_conv_step_plot(fig, conv_step(image, kernel, 5, stride=2, padding=1))
    ax_img, ax_k, ax_p, ax_out = fig.axes[:4]
    padded = np.pad(image, 1)
    out = conv2d(image, kernel, stride=2, padding=1)
    i, j = divmod(5, out.shape[1])
    window = padded[2 * i:2 * i + 2, 2 * j:2 * j + 3]
    assert _texts(ax_img) == [format_number(v) for v in padded.ravel()]
    assert _texts(ax_k) == [format_number(v) for v in kernel.ravel()]
    assert _texts(ax_p) == [format_number(v) for v in (window * kernel).ravel()]
    assert _texts(ax_out) == [format_number(v) if n <= 5 else "?" for n, v in enumerate(out.ravel())]
    assert ax_out.get_title() == f"output[{i}, {j}] = {format_number(out[i, j])}"
    assert ax_img.get_title() == f"image (padded): window at rows {2 * i}..{2 * i + 1}, cols {2 * j}..{2 * j + 2}"
    window_outline = ax_img.patches[-1]
    assert window_outline.get_xy() == (2 * j - 0.5, 2 * i - 0.5)
    assert (window_outline.get_width(), window_outline.get_height()) == (3, 2)


def test_conv_step_plot_takes_a_step_and_computes_nothing(monkeypatch):
    step = conv_step(seed_image(), seed_kernel(), 4)
    import cnnmath.viz.plots.lesson02 as plots

    def forbidden(*args, **kwargs):
        raise AssertionError("the plot recomputed what its caller gave it")
    for name in ("conv_step", "conv2d", "convolve2d", "conv_output_size"):
        monkeypatch.setattr(plots, name, forbidden)
    fig = conv_step_plot(step=step)
    update_conv_step_plot(fig, conv_step(seed_image(), seed_kernel(), 8))
    assert fig.axes[3].get_title() == "output[2, 2] = -6"
    feature = conv2d(np.ones((6, 6)), np.eye(3))
    update_kernel_effect_plot(kernel_effect_plot(np.ones((6, 6)), np.eye(3), feature=feature), np.ones((3, 3)),
                              feature)
    corr = conv2d(seed_image(), seed_kernel())
    update_flip_plot(flip_plot(seed_image(), seed_kernel(), correlation=corr, convolution=-corr), seed_kernel(),
                     True, -corr, -corr)
    update_output_size_plot(output_size_plot(5, 3, h_out=3), 7, 3, 2, 1, h_out=4)


def test_update_functions_refuse_a_foreign_figure_or_step():
    fig = plt.figure()
    for update, args in ((update_conv_step_plot, (conv_step(seed_image(), seed_kernel(), 0),)),
                         (update_kernel_effect_plot, (np.eye(3), np.ones((2, 2)))),
                         (update_flip_plot, (np.eye(3), False, np.ones((2, 2)), np.ones((2, 2)))),
                         (update_output_size_plot, (5, 3))):
        with pytest.raises(ValueError, match="fig needs"):
            update(fig, *args)
    with pytest.raises(TypeError, match="ConvStep"):
        conv_step_plot(step="not a step")
    with pytest.raises(TypeError, match="ConvStep"):
        update_conv_step_plot(conv_step_plot(seed_image(), seed_kernel(), 0), {"position": 0})


@pytest.mark.parametrize(("a", "b"), [("identity", "sobel x"), ("sharpen", "box blur"), ("box blur", "5x5")])
def test_update_kernel_effect_plot_equals_a_fresh_plot(a, b):
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, size=(20, 24)).astype(float)
    kernels = {name: get_kernel(name) for name in ("identity", "sobel x", "sharpen", "box blur")}
    kernels["5x5"] = rng.normal(size=(5, 5))
    updated = kernel_effect_plot(image, kernels[a], figsize=(10, 3.4))
    update_kernel_effect_plot(updated, kernels[b], conv2d(image, kernels[b]))
    ax_k, _, ax_f = updated.axes[:3]
    assert _texts(ax_k) == [format_number(v) for v in kernels[b].ravel()]
    np.testing.assert_allclose(ax_f.images[0].get_array(), conv2d(image, kernels[b]))
    _same_picture(updated, kernel_effect_plot(image, kernels[b], figsize=(10, 3.4)))


_SIZES = [(5, 3, 1, 0), (7, 3, 2, 1), (3, 7, 1, 1), (12, 5, 3, 2), (1, 1, 4, 0)]


@pytest.mark.parametrize("a", range(len(_SIZES)))
@pytest.mark.parametrize("b", range(len(_SIZES)))
def test_update_output_size_plot_equals_a_fresh_plot(a, b):
    updated = output_size_plot(*_SIZES[a], figsize=(4.6, 4.6))
    update_output_size_plot(updated, *_SIZES[b])
    _same_picture(updated, output_size_plot(*_SIZES[b], figsize=(4.6, 4.6)))


@pytest.mark.parametrize(("a", "b"), [(("vertical edge", False), ("vertical edge", True)),
                                      (("sharpen", False), ("sobel x", True)),
                                      (("sobel x", True), ("identity", False))])
def test_update_flip_plot_equals_a_fresh_plot(a, b):
    I = seed_image()
    updated = flip_plot(I, get_kernel(a[0]), a[1], figsize=(11, 3.0))
    K, flip = get_kernel(b[0]), b[1]
    corr, conv = conv2d(I, K[::-1, ::-1] if flip else K), convolve2d(I, K)
    update_flip_plot(updated, K, flip, corr, conv)
    assert _texts(updated.axes[1]) == [format_number(v) for v in corr.ravel()]
    assert _texts(updated.axes[2]) == [format_number(v) for v in conv.ravel()]
    assert [t.get_text() for t in updated.texts] == ["=" if flip or np.allclose(corr, conv) else "\u2260"]
    _same_picture(updated, flip_plot(I, K, flip, figsize=(11, 3.0)))


def test_explorer_figures_have_fixed_layouts():
    for fig in (conv_step_plot(seed_image(), seed_kernel(), 0), kernel_effect_plot(np.ones((6, 6)), np.eye(3)),
                output_size_plot(5, 3), flip_plot(seed_image(), seed_kernel())):
        assert fig.get_layout_engine() is None      # no layout engine: one draw per picture
        plt.close(fig)
