"""Lesson 7's pictures: each returns a Figure, with the numbers it promises written on it."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnmath import TinyCNN, get_kernel, most_similar_filters  # noqa: E402
from cnnmath.viz.plots import (confusion_plot, digit_examples_plot, feature_maps_plot,  # noqa: E402
                               filters_comparison_plot, flat_vector_plot, image_stages_plot,
                               misclassified_plot, pipeline_stages_plot, probability_plot, scores_plot,
                               training_curves_plot)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts + [ax.title]] + \
        ([fig._suptitle.get_text()] if fig._suptitle else [])


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    X = rng.random((30, 1, 8, 8))
    y = np.arange(30) % 10
    return X, y


def test_digit_examples(digits):
    fig = digit_examples_plot(*digits, per_class=2)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 20
    assert "label 9" in texts(fig)


def test_feature_maps_mosaic_labels_and_errors():
    maps = np.arange(6 * 4 * 4, dtype=float).reshape(6, 4, 4) - 40
    fig = feature_maps_plot(maps, ncols=4, title="maps")
    ax = fig.axes[0]
    # every map is named in the strip above it: f0..f5 in reading order, centred over its own columns
    names = [(t.get_text(), t.get_position()) for t in ax.texts]
    assert [n for n, _ in names] == [f"f{k}" for k in range(6)]
    assert [x for _, x_y in names for x in x_y[:1]] == [1.5, 6.5, 11.5, 16.5, 1.5, 6.5]
    assert not ax.get_xticks().size and not ax.get_yticks().size
    tiled = ax.images[0].get_array()
    assert tiled.shape == (3 + 4 + 1 + 3 + 4, 4 * 4 + 3)      # a 3-row label strip above each map, 1-row gaps
    gaps = np.ma.filled(tiled, np.nan)
    assert np.isnan(gaps[:3]).all() and np.isnan(gaps[7:11]).all()
    np.testing.assert_array_equal(tiled[3:7, 5:9], maps[1])  # second map, after a 1-pixel gap
    np.testing.assert_array_equal(tiled[11:15, 0:4], maps[4])
    assert all(y < 3 for _, (_, y) in names[:4]) and all(8 <= y < 11 for _, (_, y) in names[4:])
    plain = feature_maps_plot(maps, ncols=4, label=False).axes[0]
    assert not plain.texts and plain.images[0].get_array().shape == (2 * 4 + 1, 4 * 4 + 3)
    assert len(fig.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match=r"\(F, H, W\)"):
        feature_maps_plot(np.zeros((4, 4)))


def test_flat_scores_probabilities():
    fig = flat_vector_plot(np.arange(32.0), group=16)
    assert "flattened vector: 32 numbers" in texts(fig)
    assert {"f0", "f1"} <= set(texts(fig))
    scores = np.array([-1.25, 0.0, 3.5])
    fig = scores_plot(scores)
    assert {"-1.2", "0.0", "3.5"} <= set(texts(fig))
    probs = np.array([0.1, 0.83, 0.07])
    fig = probability_plot(probs, true_label=0)
    assert "most likely: 1 (83%)" in texts(fig)
    assert {"10%", "83%", "7%"} <= set(texts(fig))
    assert fig.axes[0].patches[1].get_hatch() == "//"  # the winner is marked by more than colour
    assert ["0\ntrue", "1", "2"] == [t.get_text() for t in fig.axes[0].texts[3:]]   # the classes, under their bars


def test_pipeline_stages_of_a_real_model(digits):
    X, y = digits
    model = TinyCNN(seed=0)
    stages = model.forward(X[:2])
    fig = pipeline_stages_plot(X[1, 0], stages, index=1, label=y[1])
    titles = texts(fig)
    assert "2. conv I*K+b (16, 8, 8)" in titles
    assert "4. max pool (16, 4, 4)" in titles
    best = int(stages["probs"][1].argmax())
    assert any(t.startswith(f"softmax: most likely {best} (") for t in titles)


def test_training_curves_live_and_final():
    history = {"loss": [0.9, 0.2], "val_acc": [0.9, 0.975]}
    fig = training_curves_plot(history, epochs=10)
    assert "epoch 2 of 10" in texts(fig)
    assert "97.5%" in texts(fig)
    assert fig.axes[0].get_xlim() == (0.5, 10.5)
    fig = training_curves_plot({"loss": [], "val_acc": []})  # before the first epoch
    assert isinstance(fig, Figure)
    fig = training_curves_plot({"loss": [1.0], "val_acc": [None]})  # no validation data
    assert [len(line.get_xdata()) for line in fig.axes[1].get_lines()] == [0]   # the accuracy line stays empty


def test_training_curves_speak_of_validation_accuracy_never_test_accuracy():
    """The curves are for tuning: their accuracy is fit's val_acc, measured on validation digits."""
    fig = training_curves_plot({"loss": [0.9, 0.2], "val_acc": [0.9, 0.975]}, epochs=10)
    loss_ax, acc_ax = fig.axes
    words = [loss_ax.get_ylabel(), acc_ax.get_ylabel()] + [line.get_label() for ax in fig.axes
                                                           for line in ax.get_lines()] + texts(fig)
    assert acc_ax.get_ylabel().startswith("validation accuracy")
    assert [line.get_label() for line in acc_ax.get_lines()] == ["validation accuracy"]
    assert not any(re.search(r"\btest\b", w, re.I) for w in words), words


def test_filters_comparison():
    w = TinyCNN(seed=0).params["conv_w"]
    fig = filters_comparison_plot(w)
    assert len(fig.axes) == 16 + 4
    assert "learned f15" in texts(fig)
    assert any(t.startswith("vertical edge\nclosest: f") for t in texts(fig))
    assert fig._suptitle.get_text().startswith("learned filters")


def test_filters_comparison_names_the_untrained_baseline():
    w = TinyCNN(seed=0).params["conv_w"]
    fig = filters_comparison_plot(w, kind="untrained")
    assert "untrained f0" in texts(fig) and not any(t.startswith("learned") for t in texts(fig))
    assert fig._suptitle.get_text().startswith("untrained filters")
    i, cos = {name: (i, c) for name, i, c in most_similar_filters(w)}["vertical edge"]
    assert f"vertical edge\nclosest: f{i} (cos {cos:+.2f})" in texts(fig)


def test_confusion_counts():
    y_true = np.array([0, 0, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2])
    fig = confusion_plot(y_true, y_pred)
    assert "4 of 5 test digits on the diagonal (right)" in texts(fig)
    assert sorted(t for t in texts(fig) if t.isdigit()) == sorted(["1", "1", "0", "0", "2", "0", "0", "0", "1"])


def test_misclassified(digits):
    X, y = digits
    probs = np.full((30, 10), 0.01)
    probs[np.arange(30), y] = 0.91
    probs[4] = 0.01
    probs[4, 7] = 0.91  # digit 4 taken for a 7
    fig = misclassified_plot(X, y, probs)
    assert any(t.startswith("#4: true 4, said 7\np=0.91 vs 0.01") for t in texts(fig))
    assert "1 mistakes" in fig._suptitle.get_text()
    probs[4] = probs[5]
    probs[4] = 0.01
    probs[4, 4] = 0.91
    fig = misclassified_plot(X, y, probs)
    assert "no mistakes on these digits" in texts(fig)


def test_image_stages():
    img = np.arange(30.0).reshape(5, 6)
    fig = image_stages_plot(img, np.zeros((3, 4)) - 1, np.zeros((3, 4)), np.zeros((1, 2)),
                            kernel=get_kernel("vertical edge"), kernel_name="vertical edge")
    titles = texts(fig)
    assert {"grayscale 5x6", "vertical edge", "conv 3x4", "ReLU 3x4", "max pool 1x2"} <= set(titles)


# --- built once, updated in place -----------------------------------------------------------------------
# Each update function must leave the figure exactly as its plot function draws the new data from scratch
# (the same PNG bytes and the same alt text).

from cnnmath.viz.plots import (describe_figure, digit_maps_plot, figure_png, update_digit_maps_plot,  # noqa: E402
                               update_feature_maps_plot, update_image_stages_plot, update_probability_plot,
                               update_training_curves_plot)


def _same_picture(updated, fresh):
    assert describe_figure(updated) == describe_figure(fresh)
    assert figure_png(updated) == figure_png(fresh)
    plt.close(updated)
    plt.close(fresh)


_RNG = np.random.default_rng(7)
_MAPS = {  # after ReLU (never negative), signed (a convolution), another number and size (pooling)
    "relu": np.maximum(_RNG.normal(size=(16, 8, 8)), 0),
    "conv": _RNG.normal(size=(16, 8, 8)),
    "pool": np.maximum(_RNG.normal(size=(6, 4, 4)), 0),
}


@pytest.mark.parametrize("a", list(_MAPS))
@pytest.mark.parametrize("b", list(_MAPS))
def test_update_feature_maps_plot_equals_a_fresh_plot(a, b):
    updated = feature_maps_plot(_MAPS[a], title=f"maps {a}", figsize=(3.2, 3.2))
    assert update_feature_maps_plot(updated.axes[0], _MAPS[b], title=f"maps {b}") is updated.axes[0]
    _same_picture(updated, feature_maps_plot(_MAPS[b], title=f"maps {b}", figsize=(3.2, 3.2)))


def test_update_feature_maps_plot_shows_the_new_maps_and_scale():
    fig = feature_maps_plot(_MAPS["relu"])
    ax, bar = fig.axes                                               # the maps and their colour bar
    update_feature_maps_plot(ax, _MAPS["pool"], title="pooled")
    tiled = ax.images[0].get_array()
    np.testing.assert_array_equal(tiled[3:7, 5:9], _MAPS["pool"][1])
    assert [t.get_text() for t in ax.texts] == [f"f{k}" for k in range(6)]
    assert ax.get_title() == "pooled"
    assert bar.get_ylim() == (0.0, _MAPS["pool"].max())          # grey from 0 to the largest value
    update_feature_maps_plot(ax, _MAPS["conv"])
    lim = np.abs(_MAPS["conv"]).max()
    assert bar.get_ylim() == (-lim, lim)                          # diverging, centred at 0
    assert ax.images[0].norm.vcenter == 0


_PROBS = [np.full(10, 0.1), np.eye(10)[3] * 0.91 + 0.01, _RNG.dirichlet(np.ones(10))]


@pytest.mark.parametrize("a", range(3))
@pytest.mark.parametrize("b", range(3))
def test_update_probability_plot_equals_a_fresh_plot(a, b):
    updated = probability_plot(_PROBS[a], true_label=a)
    update_probability_plot(updated.axes[0], _PROBS[b], true_label=b + 1)
    _same_picture(updated, probability_plot(_PROBS[b], true_label=b + 1))


def test_update_probability_plot_refuses_another_number_of_classes():
    fig = probability_plot(_PROBS[0])
    with pytest.raises(ValueError, match="10"):
        update_probability_plot(fig.axes[0], np.ones(3) / 3)
    with pytest.raises(ValueError, match="probability_plot"):
        update_probability_plot(plt.figure().add_subplot(), _PROBS[0])


_DIGIT_CASES = [(_RNG.random((8, 8)), _MAPS["relu"], _PROBS[0], 3, "relu: 16 maps 8x8"),
                (_RNG.random((8, 8)), _MAPS["conv"], _PROBS[1], 7, "conv: 16 maps 8x8"),
                (_RNG.random((8, 8)), _MAPS["pool"], _PROBS[2], None, None)]


@pytest.mark.parametrize("a", range(3))
@pytest.mark.parametrize("b", range(3))
def test_update_digit_maps_plot_equals_a_fresh_plot(a, b):
    image, maps, probs, label, title = _DIGIT_CASES[b]
    updated = digit_maps_plot(*_DIGIT_CASES[a][:3], label=_DIGIT_CASES[a][3], maps_title=_DIGIT_CASES[a][4])
    assert update_digit_maps_plot(updated, image, maps, probs, label=label, maps_title=title) is updated
    fresh = digit_maps_plot(image, maps, probs, label=label, maps_title=title)
    _same_picture(updated, fresh)


def _stages(image, kernel):
    from cnnmath import conv2d, max_pool2d, relu
    conv = conv2d(image, kernel)
    return image, conv, relu(conv), max_pool2d(relu(conv))


_PHOTO_CASES = [(_RNG.integers(0, 256, (40, 30)).astype(float), "vertical edge"),
                (_RNG.integers(0, 256, (21, 44)).astype(float), "sobel y"),
                (np.full((9, 9), 200.0), "box blur")]


@pytest.mark.parametrize("a", range(3))
@pytest.mark.parametrize("b", range(3))
def test_update_image_stages_plot_equals_a_fresh_plot(a, b):
    (img_a, name_a), (img_b, name_b) = _PHOTO_CASES[a], _PHOTO_CASES[b]
    updated = image_stages_plot(*_stages(img_a, get_kernel(name_a)), kernel=get_kernel(name_a), kernel_name=name_a)
    update_image_stages_plot(updated, *_stages(img_b, get_kernel(name_b)), kernel=get_kernel(name_b),
                             kernel_name=name_b)
    _same_picture(updated, image_stages_plot(*_stages(img_b, get_kernel(name_b)), kernel=get_kernel(name_b),
                                             kernel_name=name_b))


def test_plots_compute_nothing_they_are_given(monkeypatch):
    """The explorers' plots draw what they get: no cnnmath math runs while they build or update."""
    import cnnmath
    import cnnmath.viz.plots.lesson07 as plots
    import cnnmath.viz.plots.lesson08 as plots8

    stages_a = _stages(_PHOTO_CASES[0][0], get_kernel("vertical edge"))
    stages_b = _stages(_PHOTO_CASES[1][0], get_kernel("sobel y"))
    kernel = get_kernel("sobel y")

    def forbidden(*args, **kwargs):
        raise AssertionError("a plot computed what its caller gave it")
    for module in (plots, plots8, cnnmath):
        for name in ("conv2d", "relu", "max_pool2d", "softmax", "map_peaks", "get_kernel", "most_similar_filters",
                     "avg_pool2d", "conv_step"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, forbidden)
    fig = digit_maps_plot(*_DIGIT_CASES[0][:3], label=3)
    update_digit_maps_plot(fig, *_DIGIT_CASES[1][:3], label=7)
    fig = image_stages_plot(*stages_a, kernel=kernel, kernel_name="k")
    update_image_stages_plot(fig, *stages_b, kernel=kernel, kernel_name="sobel y")
    assert fig.axes[0].get_title() == "grayscale 21x44"


def test_several_panel_functions_draw_on_the_callers_axes(digits):
    """The convention of the course: ``axes=`` for a function of several panels (no ``fig=``)."""
    X, y = digits
    model = TinyCNN(seed=0)
    stages = model.forward(X[:2])
    probs = np.full((30, 10), 0.01)
    probs[np.arange(30), (y + 1) % 10] = 0.91                      # every digit wrong: 12 drawn
    w = model.params["conv_w"]
    img = np.arange(30.0).reshape(5, 6)
    cases = [
        (lambda axes: digit_examples_plot(X, y, per_class=2, axes=axes), 20),
        (lambda axes: pipeline_stages_plot(X[1, 0], stages, index=1, axes=axes), 7),
        (lambda axes: filters_comparison_plot(w, axes=axes), 16 + 4),
        (lambda axes: misclassified_plot(X, y, probs, axes=axes), 24),
        (lambda axes: image_stages_plot(img, np.zeros((3, 4)) - 1, np.zeros((3, 4)), np.zeros((1, 2)), axes,
                                        kernel=get_kernel("sobel x")), 5),
        (lambda axes: digit_maps_plot(X[0, 0], stages["relu"][0], stages["probs"][0], axes), 3),
    ]
    for draw, n in cases:
        fig, axes = plt.subplots(1, n, figsize=(2 * n, 2))
        assert draw(axes) is fig
        assert all(ax.has_data() or ax.texts or ax.images or not ax.axison for ax in axes)
        with pytest.raises(ValueError, match=rf"axes has {n - 1} axes but needs {n}"):
            draw(axes[:-1])
        plt.close(fig)


_HISTORIES = [{"loss": [], "val_acc": []}, {"loss": [2.1], "val_acc": [0.4]},
              {"loss": [2.1, 0.9, 0.35], "val_acc": [0.4, 0.8, 0.93]}, {"loss": [5.0, 9.5], "val_acc": [None, 0.1]}]


@pytest.mark.parametrize("a", range(4))
@pytest.mark.parametrize("b", range(4))
def test_update_training_curves_plot_equals_a_fresh_plot(a, b):
    updated = training_curves_plot(_HISTORIES[a], epochs=5, figsize=(5.5, 2.6))
    assert update_training_curves_plot(updated.axes[0], _HISTORIES[b], epochs=5) is updated.axes[0]
    _same_picture(updated, training_curves_plot(_HISTORIES[b], epochs=5, figsize=(5.5, 2.6)))


def test_update_training_curves_plot_shows_the_longer_history():
    fig = training_curves_plot(_HISTORIES[1], epochs=5)
    update_training_curves_plot(fig.axes[0], _HISTORIES[2], epochs=5)
    loss_ax, acc_ax = fig.axes
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_ydata(), [2.1, 0.9, 0.35])
    np.testing.assert_array_equal(acc_ax.get_lines()[0].get_xdata(), [1, 2, 3])
    assert {"0.350", "93.0%", "epoch 3 of 5"} <= set(texts(fig))
    assert loss_ax.get_ylim()[0] == 0 and loss_ax.get_ylim()[1] >= 2.1
