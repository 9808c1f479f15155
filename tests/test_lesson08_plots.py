"""Lesson 8 (08_deeper.ipynb) pictures: each draws what it is given (never recomputes it), names what it
shows in words, and rejects input it cannot draw with a message that says what it needs."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from cnnmath import TinyCNN, load_digits  # noqa: E402
from cnnmath.viz.plots import (WINDOW_COLOR, block_curves_plot, block_maps_plot, filter_banks_plot,  # noqa: E402
                               matrix_row_plot, receptive_window_plot, seed_accuracy_plot,
                               update_block_maps_plot)


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


@pytest.fixture(scope="module")
def stages():
    X = load_digits(seed=0, validation=0.15)[2][:3]
    model = TinyCNN(seed=0, blocks=2, hidden=64)
    return X, model.forward(X)


# --- matrix_row_plot --------------------------------------------------------------------------------

def test_matrix_row_writes_every_number_and_the_symbols():
    K = np.arange(1.0, 10.0).reshape(3, 3)
    fig = matrix_row_plot([("K", K), ("turned", np.rot90(K, 2))], symbols=["->"], decimals=0,
                          figsize=(6, 3))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    texts = _texts(fig)
    for v in range(1, 10):
        assert texts.count(str(v)) == 2
    assert "->" in texts
    assert _titles(fig) == ["K", "turned"]


def test_matrix_row_shares_one_symmetric_scale():
    fig = matrix_row_plot([("a", [[1, -2]]), ("b", [[4, 0]])], figsize=(6, 2))
    assert all(ax.images[0].norm.vmax == 4 and ax.images[0].norm.vmin == -4 for ax in fig.axes)


@pytest.mark.parametrize(("panels", "symbols", "words"), [
    ([], None, "at least one"),
    ([("a", np.zeros(3))], None, "2-D matrix"),
    ([("a", np.zeros((2, 2))), ("b", np.zeros((2, 2)))], ["*", "="], "one between each pair"),
])
def test_matrix_row_rejects_what_it_cannot_draw(panels, symbols, words):
    with pytest.raises(ValueError, match=words):
        matrix_row_plot(panels, symbols=symbols)


# --- receptive_window_plot ----------------------------------------------------------------------------

def test_receptive_window_marks_the_measured_pixels_and_the_rule_window():
    image = np.zeros((8, 8))
    changed = np.zeros((8, 8), dtype=int)
    changed[0:5, 0:5] = 1
    fig = receptive_window_plot(image, changed, (-3, 4, -3, 4), figsize=(3, 3))
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    filled = [p for p in rects if p.get_fill() and p.get_hatch()]
    dashed = [p for p in rects if not p.get_fill() and p.get_linestyle() == "--"]
    assert len(filled) == 25                     # one hatched square per measured pixel
    assert len(dashed) == 1 and dashed[0].get_xy() == (-3.5, -3.5) and dashed[0].get_width() == 8
    assert np.allclose(dashed[0].get_edgecolor()[:3], matplotlib.colors.to_rgb(WINDOW_COLOR))
    # the window hangs over the border: the axes show it whole
    assert ax.get_xlim()[0] <= -3.5 and ax.get_ylim()[1] <= -3.5
    assert "25 pixels" in ax.get_title()


def test_receptive_window_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same"):
        receptive_window_plot(np.zeros((8, 8)), np.zeros((4, 4)), (0, 1, 0, 1))


# --- block_curves_plot ---------------------------------------------------------------------------------

def test_block_curves_one_line_per_network_with_style_besides_colour():
    histories = {"one block": {"loss": [1.0, 0.5, 0.25], "val_acc": [0.8, 0.9, 0.95]},
                 "two blocks": {"loss": [1.5, 0.4], "val_acc": [0.7, None]}}
    fig = block_curves_plot(histories, epochs=20, figsize=(8, 3))
    left, right = fig.axes
    assert [line.get_label() for line in left.lines] == ["one block", "two blocks"]
    styles = {(line.get_marker(), line.get_linestyle()) for line in left.lines}
    assert len(styles) == 2                                  # told apart without colour
    np.testing.assert_allclose(right.lines[0].get_ydata(), [80, 90, 95])
    np.testing.assert_allclose(right.lines[1].get_ydata(), [70])   # None (no validation yet) left out
    assert left.get_xlim()[1] >= 20
    assert {"0.2500", "0.4000", "95.0%", "70.0%"} <= set(_texts(fig))
    assert "epoch 3 of 20" in left.get_title()


def test_block_curves_rejects_too_many_networks():
    with pytest.raises(ValueError, match="1 to 3"):
        block_curves_plot({str(k): {"loss": [1]} for k in range(4)})


# --- seed_accuracy_plot -----------------------------------------------------------------------------------

def test_seed_accuracy_writes_every_seed_and_groups_ties():
    fig = seed_accuracy_plot({"one": {0: 0.975, 1: 0.98, 2: 0.975}, "two": {0: 0.99, 1: 0.97, 2: 0.96}},
                             figsize=(6, 2))
    texts = _texts(fig)
    assert "s0,2" in texts and "s1" in texts          # seeds 0 and 2 share a dot
    assert {"s0", "s1", "s2"} <= set(texts)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["one", "two"]
    dots = [line for line in ax.lines if line.get_linestyle() == "None"]
    assert len({line.get_marker() for line in dots}) == 2


# --- filter_banks_plot ------------------------------------------------------------------------------------

def test_filter_banks_write_every_weight_on_one_scale():
    w = np.arange(2 * 9, dtype=float).reshape(2, 1, 3, 3) - 8
    fig = filter_banks_plot([("a", w), ("b", -0.5 * w)], figsize=(8, 3))
    bank_axes = fig.axes[:2]
    assert [ax.get_title() for ax in bank_axes] == ["a", "b"]
    assert len(bank_axes[0].texts) == 18 and "-8" in [t.get_text() for t in bank_axes[0].texts]
    assert all(ax.images[0].norm.vmax == 9 for ax in bank_axes)
    assert "-0" not in _texts(fig) and "-0.0" not in _texts(fig)


def test_filter_banks_reject_several_channels():
    with pytest.raises(ValueError, match=r"\(F, 1, KH, KW\)"):
        filter_banks_plot([("x", np.zeros((4, 3, 3, 3)))])


# --- block_maps_plot and its update in place -----------------------------------------------------------

def test_block_maps_draws_both_blocks_with_their_scale_in_words(stages):
    X, st = stages
    fig = block_maps_plot(X[0, 0], st["relu1"][0], st["relu2"][0], st["probs"][0], label=4, figsize=(10, 3))
    img, b1, b2, probs = fig.axes
    assert "block 1, relu1: 16 maps 8x8" in b1.get_title() and "block 2, relu2: 32 maps 4x4" in b2.get_title()
    assert f"white {st['relu1'][0].max():.2f}" in b1.get_title()
    # every map named by its filter in the strip above it, as in lesson 7: f0..f15 and f0..f31
    assert [t.get_text() for t in b1.texts] == [f"f{k}" for k in range(16)]
    assert [t.get_text() for t in b2.texts] == [f"f{k}" for k in range(32)]
    assert b2.texts[9].get_position() == (1 * 5 + 1.5, 1 * 8 + 1)    # f9: row 1, column 1 of 4x4 maps
    assert len(probs.patches) == 10 and sum(p.get_hatch() == "//" for p in probs.patches) == 1
    assert "4\ntrue" in [t.get_text() for t in probs.texts]


def test_block_maps_update_in_place_for_another_stage(stages):
    X, st = stages
    fig = block_maps_plot(X[0, 0], st["relu1"][0], st["relu2"][0], st["probs"][0], label=4, figsize=(10, 3))
    axes_before = list(fig.axes)
    images_before = [ax.images[0] for ax in axes_before[:3]]
    update_block_maps_plot(fig, X[1, 0], st["conv1"][1], st["conv2"][1], st["probs"][1], label=0,
                           stage_names=("conv1", "conv2"))
    assert list(fig.axes) == axes_before                           # same figure, same axes
    assert [ax.images[0] for ax in axes_before[:3]] == images_before   # same images, new data
    b1 = axes_before[1]
    assert "conv1" in b1.get_title() and "blue" in b1.get_title()   # signed maps: the diverging scale
    np.testing.assert_array_equal(b1.images[0].get_array()[3:11, :8], st["conv1"][1][0])  # under its name strip
    update_block_maps_plot(fig, X[1, 0], st["pool1"][1], st["pool2"][1], st["probs"][1], label=0,
                           stage_names=("pool1", "pool2"))
    assert "16 maps 4x4" in b1.get_title()
    assert b1.images[0].get_array().shape == (4 * (3 + 4) + 3, 4 * 4 + 3)
    assert b1.get_xlim() == (-0.5, 18.5)
    assert [t.get_position() for t in b1.texts[:2]] == [(1.5, 1.0), (6.5, 1.0)]  # the names moved with the maps
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")                              # still draws after every update
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_block_maps_update_needs_its_own_figure():
    fig, _ = plt.subplots(figsize=(3, 3))
    with pytest.raises(ValueError, match="block_maps_plot"):
        update_block_maps_plot(fig, np.zeros((8, 8)), np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), np.ones(10) / 10)


@pytest.mark.parametrize("bad", [np.zeros((8, 8)), np.zeros((1, 1, 8, 8))])
def test_block_maps_reject_maps_without_a_filter_axis(bad):
    with pytest.raises(ValueError, match=r"\(F, H, W\)"):
        block_maps_plot(np.zeros((8, 8)), bad, np.zeros((2, 2, 2)), np.ones(10) / 10)


@pytest.mark.parametrize(("a", "b"), [(("relu1", "relu2"), ("conv1", "conv2")),
                                      (("conv1", "conv2"), ("pool1", "pool2")),
                                      (("pool1", "pool2"), ("relu1", "relu2"))])
def test_update_block_maps_plot_equals_a_fresh_plot(stages, a, b):
    """Built with one digit and stage, updated to another: the same PNG and alt text as a fresh figure."""
    from cnnmath.viz.plots import describe_figure, figure_png
    X, st = stages
    updated = block_maps_plot(X[0, 0], st[a[0]][0], st[a[1]][0], st["probs"][0], label=4, stage_names=a,
                              figsize=(11, 3.2))
    update_block_maps_plot(updated, X[2, 0], st[b[0]][2], st[b[1]][2], st["probs"][2], label=1, stage_names=b,
                           title="digit #2")
    fresh = block_maps_plot(X[2, 0], st[b[0]][2], st[b[1]][2], st["probs"][2], label=1, stage_names=b,
                            title="digit #2", figsize=(11, 3.2))
    assert describe_figure(updated) == describe_figure(fresh)
    assert figure_png(updated) == figure_png(fresh)
    plt.close(updated)
    plt.close(fresh)
