"""Pictures for lesson 7, the whole pipeline (``07_full_pipeline.ipynb``). matplotlib only.

One panel takes ``ax=None``, several take ``axes=None``; every function returns the figure. The explorers'
figures are built once and changed in place by the ``update_*`` functions (:func:`update_feature_maps_plot`,
:func:`update_probability_plot`, :func:`update_digit_maps_plot`, :func:`update_image_stages_plot`), each
sharing one ``_fill_`` with its builder. Each function draws what it is given and computes none of it.
Conventions of the course: intensities in grey, signed values in the diverging map centred at 0 with a
colour bar, numbers written wherever they fit, and a second cue besides colour (hatching, a marker, a
line style or a written label) wherever colour distinguishes things.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.cm import ScalarMappable
from matplotlib import transforms
from matplotlib.colors import Normalize, TwoSlopeNorm

from ...kernels import HAND_FILTERS, get_kernel, most_similar_filters
from .common import (DIVERGING_CMAP, GRAY_CMAP, as_path_text, axes_row, colorbar_limit, fast_title, get_ax, map_mosaic,
                     matrix_plot, minus_sign, path_text, set_image_data, signed_colorbar, signed_limit, signed_map,
                     update_matrix_plot, update_signed_map)

__all__ = [
    "digit_examples_plot", "feature_maps_plot", "update_feature_maps_plot", "flat_vector_plot", "scores_plot",
    "probability_plot", "update_probability_plot", "digit_maps_plot", "update_digit_maps_plot",
    "pipeline_stages_plot", "training_curves_plot", "update_training_curves_plot", "filters_comparison_plot",
    "confusion_plot",
    "misclassified_plot", "image_stages_plot", "update_image_stages_plot",
]

#: The maps' colours: grey from 0 for maps that are never negative, diverging around 0 for signed ones; the
#: gaps between maps (NaN) in a light orange that neither scale uses.
_MAP_CMAPS = {False: plt.get_cmap(GRAY_CMAP).with_extremes(bad="#ffd27f"),
              True: plt.get_cmap(DIVERGING_CMAP).with_extremes(bad="#ffd27f")}


def digit_examples_plot(X, y, *, per_class=1, axes=None, figsize=(8, 1.8)):
    """The first ``per_class`` examples of each digit 0..9, in grey with their label (lesson 7).

    Parameters
    ----------
    X : ndarray, shape (N, 1, 8, 8)
    y : ndarray of int, shape (N,)
    per_class : int
    axes : sequence of ``per_class * K`` Axes, optional
        Row by row, K the number of classes in ``y``.
    """
    X, y = np.asarray(X), np.asarray(y)
    classes = np.unique(y)
    if axes is None:
        fig = plt.figure(figsize=figsize)
        axes = fig.subplots(per_class, len(classes), squeeze=False)
    else:
        fig, axes = axes_row(axes, per_class * len(classes), figsize)
        axes = np.array(axes, dtype=object).reshape(per_class, len(classes))
    for col, k in enumerate(classes):
        idx = np.flatnonzero(y == k)[:per_class]
        axes[0, col].set_title(f"label {k}", fontsize=9)
        for row in range(per_class):
            ax = axes[row, col]
            ax.set_axis_off()
            if row < len(idx):
                ax.imshow(X[idx[row], 0], cmap=GRAY_CMAP, vmin=0, vmax=1)
    return fig


#: Rows of NaN above each map in a labelled mosaic: room for its filter name.
_LABEL_ROWS = 3


def _scale_bar(fig, ax):
    """A colour bar for ``ax`` whose scale :func:`_set_scale` changes in place, grey or diverging (the
    feature maps switch between the two; a bar that is always signed is common's ``signed_colorbar``).

    It shows a mappable of its own on a plain linear axis (a bar of a centred norm would map every tick
    through that norm on each draw); its limits are always those of the panel's image, so the two agree.
    """
    return fig.colorbar(ScalarMappable(norm=Normalize(0.0, 1.0), cmap=GRAY_CMAP), ax=ax, fraction=0.046,
                        pad=0.04)


def _set_scale(bar, signed, lim):
    """Grey from 0 to ``lim`` (ticks 0, lim), or diverging from -lim to lim (ticks -lim, 0, lim)."""
    cmap = DIVERGING_CMAP if signed else GRAY_CMAP
    if bar.mappable.get_cmap().name != cmap:  # each change redraws the bar's colours: only when needed
        bar.mappable.set_cmap(cmap)
    bar.mappable.set_clim(-lim if signed else 0.0, lim)
    values = [-lim, 0.0, lim] if signed else [0.0, lim]
    bar.set_ticks(values, labels=[minus_sign("%.3g" % v) for v in values])
    for label in bar.ax.get_yticklabels():
        as_path_text(label)


def _checked_maps(maps, name="maps"):
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3 or 0 in maps.shape:
        raise ValueError(f"{name} has shape {maps.shape} but needs (F, H, W), one map per filter")
    return maps


def feature_maps_plot(maps, ax=None, *, ncols=4, title=None, signed=None, label=True, colorbar=True,
                      figsize=(3.2, 3.2)):
    """F feature maps tiled into one picture, each labelled with its filter number (lesson 7).

    All maps share one colour scale (with a colour bar), so a filter that answers strongly stands out:
    grey from 0 for maps that are never negative (after ReLU or pooling), diverging around 0 for signed
    ones. The maps are one image (:func:`~cnnmath.viz.plots.common.map_mosaic`), far quicker to draw than
    one axes per map. :func:`update_feature_maps_plot` shows other maps in place.

    Parameters
    ----------
    maps : array_like, shape (F, H, W)
    ncols : int
        Maps per row.
    signed : bool, optional
        Diverging colours; default: True when some value is negative.
    label : bool
        Write each map's filter name (f0, f1, ... in reading order) in the strip just above that map.
    colorbar : bool
    """
    maps = _checked_maps(maps)
    fig, ax = get_ax(ax, figsize)
    image = ax.imshow(np.zeros((1, 1)), cmap=_MAP_CMAPS[False], interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    fast_title(ax, "", fontsize=10)
    bar = _scale_bar(fig, ax) if colorbar else None
    ax._cnnmath_maps = {"image": image, "bar": bar, "texts": [], "layout": None, "ncols": int(ncols),
                        "label": bool(label)}
    _fill_feature_maps(ax, maps, title, signed)
    return fig


def update_feature_maps_plot(ax, maps, *, title=None, signed=None):
    """Show other maps on an axes :func:`feature_maps_plot` drew on, in place; returns the axes.

    The image's values, its colours and scale (and the colour bar's), the filter names when the number or
    size of the maps changes, and the title (``None`` keeps it).
    """
    if getattr(ax, "_cnnmath_maps", None) is None:
        raise ValueError("ax needs to be an axes that feature_maps_plot drew on")
    _fill_feature_maps(ax, _checked_maps(maps), title, signed)
    return ax


def _fill_feature_maps(ax, maps, title, signed):
    info = ax._cnnmath_maps
    f, h, w = maps.shape
    ncols = max(1, min(info["ncols"], f))
    top = _LABEL_ROWS if info["label"] else 0
    # each map with a strip of NaN above it (room for its name), then all of them as one image
    framed = np.pad(maps, ((0, 0), (top, 0), (0, 0)), constant_values=np.nan) if top else maps
    tiled = map_mosaic(framed, ncols)
    signed = bool((maps < 0).any()) if signed is None else bool(signed)
    lim = signed_limit(maps) if signed else max(float(np.max(maps)), 1e-12)
    image = info["image"]
    image.set_cmap(_MAP_CMAPS[signed])
    image.set_norm(TwoSlopeNorm(0.0, -lim, lim) if signed else Normalize(0.0, lim))
    set_image_data(image, tiled)
    layout = (f, h, w, ncols, top)
    if layout != info["layout"]:  # the names move with the maps
        for text in info["texts"]:
            text.remove()
        # map k's name: centred over its columns, in the middle of the strip above it
        info["texts"] = [path_text(ax, (k % ncols) * (w + 1) + (w - 1) / 2,
                                   (k // ncols) * (h + top + 1) + (top - 1) / 2,
                                   f"f{k}", ha="center", va="center", fontsize=6.5, color="black")
                         for k in range(f)] if top else []
        info["layout"] = layout
    if info["bar"] is not None:
        _set_scale(info["bar"], signed, lim)
    if title is not None:
        ax.set_title(title)


def flat_vector_plot(v, ax=None, *, group=None, title=None, figsize=(8, 1.8)):
    """The flattened vector as a stem of its values, with a line between each filter's block (lesson 7).

    Parameters
    ----------
    v : array_like, shape (D,)
    group : int, optional
        Length of each filter's block (``H' * W'``); draws separators and the filter numbers.
    """
    v = np.asarray(v, dtype=float).ravel()
    fig, ax = get_ax(ax, figsize)
    ax.vlines(np.arange(v.size), 0, v, color="#444444", linewidth=1)
    ax.set_xlim(-1, v.size)
    ax.set_ylim(min(0.0, float(v.min())), max(float(v.max()), 1e-12) * 1.25)
    if group:
        top = ax.get_ylim()[1]
        for k, start in enumerate(range(0, v.size, group)):
            if start:
                ax.axvline(start - 0.5, color="#999999", linestyle=":", linewidth=0.8)
            if v.size // group <= 32:
                ax.text(start + group / 2, top * 0.97, f"f{k}", ha="center", va="top", fontsize=6)
    ax.set_xlabel("position in the vector")
    ax.set_title(title or f"flattened vector: {v.size} numbers", fontsize=10)
    return fig


def scores_plot(scores, ax=None, *, title=None, figsize=(4, 2.6)):
    """The 10 class scores (logits) as bars with their values written, negative below the axis (lesson 7).

    Parameters
    ----------
    scores : array_like, shape (K,)
    """
    s = np.asarray(scores, dtype=float).ravel()
    fig, ax = get_ax(ax, figsize)
    ax.bar(np.arange(s.size), s, color=np.where(s >= 0, "#b2182b", "#2166ac"), edgecolor="black")
    ax.axhline(0, color="black", linewidth=0.8)
    span = max(float(np.ptp(s)), 1e-12)
    for k, val in enumerate(s):
        ax.text(k, val + (0.03 * span if val >= 0 else -0.03 * span), f"{val:.1f}", ha="center",
                va="bottom" if val >= 0 else "top", fontsize=7)
    ax.set_ylim(min(0.0, s.min()) - 0.18 * span, max(0.0, s.max()) + 0.18 * span)
    ax.set_xticks(range(s.size))
    ax.set_xlabel("class")
    ax.set_title(title or "class scores z = vW + b", fontsize=10)
    return fig


def probability_plot(probs, ax=None, *, true_label=None, title=None, figsize=(4, 2.6)):
    """Class probabilities as bars with each percentage written; the most likely class hatched (lesson 7).

    :func:`update_probability_plot` shows other probabilities in place.

    Parameters
    ----------
    probs : array_like, shape (K,), summing to 1
    true_label : int, optional
        Marked under the axis as "true".
    title : str, optional
        Default: "most likely: k (p%)".
    """
    p = _checked_probs(probs)
    fig, ax = get_ax(ax, figsize)
    bars = ax.bar(np.arange(p.size), np.zeros(p.size), color="#bbbbbb", edgecolor="black")
    texts = [path_text(ax, k, 0.02, "", ha="center", va="bottom", fontsize=7) for k in range(p.size)]
    # the classes written under their bars (cheaper to draw than an axis of ticks), "true" under the label
    names = [path_text(ax, k, -0.03, str(k), ha="center", va="top", fontsize=8, transform=ax.get_xaxis_transform())
             for k in range(p.size)]
    ax.set_xlim(-0.6, p.size - 0.4)
    ax.set_ylim(0, 1.18)
    ax.set_xticks([])
    ax.set_yticks([])  # every bar has its percentage written on it: no scale to read off
    ax.set_ylabel("probability")
    as_path_text(ax.yaxis.label)
    fast_title(ax, "", fontsize=10)
    ax._cnnmath_probs = {"bars": list(bars), "texts": texts, "names": names}
    _fill_probability(ax, p, true_label, title)
    return fig


def update_probability_plot(ax, probs, *, true_label=None, title=None):
    """Show other probabilities on an axes :func:`probability_plot` drew on, in place; returns the axes.

    The bars' heights, which bar is hatched, the written percentages, the "true" mark and the title.
    """
    info = getattr(ax, "_cnnmath_probs", None)
    if info is None:
        raise ValueError("ax needs to be an axes that probability_plot drew on")
    p = _checked_probs(probs)
    if p.size != len(info["bars"]):
        raise ValueError(f"probs has {p.size} classes but the axes was drawn for {len(info['bars'])}")
    _fill_probability(ax, p, true_label, title)
    return ax


def _checked_probs(probs):
    p = np.asarray(probs, dtype=float).ravel()
    if p.size < 2:
        raise ValueError(f"probs has {p.size} values but needs one per class, K >= 2")
    return p


def _fill_probability(ax, p, true_label, title):
    info = ax._cnnmath_probs
    best = int(np.argmax(p))
    for k, (bar, text, value) in enumerate(zip(info["bars"], info["texts"], p)):
        bar.set_height(value)
        bar.set_facecolor("#7fc97f" if k == best else "#bbbbbb")
        bar.set_hatch("//" if k == best else None)
        text.set_y(value + 0.02)
        text.set_text(f"{100 * value:.0f}%")
    for k, name in enumerate(info["names"]):
        name.set_text(f"{k}\ntrue" if true_label is not None and k == int(true_label) else str(k))
    ax.set_title(title or f"most likely: {best} ({100 * p[best]:.0f}%)")


def digit_maps_plot(image, maps, probs, axes=None, *, label=None, title=None, maps_title=None,
                    figsize=(9.5, 2.9)):
    """One digit, its feature maps at one stage, and the network's probabilities for it (lesson 7).

    The picture of lesson 7's feature-map explorer; :func:`update_digit_maps_plot` redraws it in place for
    another digit or stage.

    Parameters
    ----------
    image : array_like, shape (H, W), values in [0, 1]
    maps : array_like, shape (F, H', W')
        The digit's maps at the stage shown.
    probs : array_like, shape (K,)
    axes : sequence of 3 Axes, optional
    label : int, optional
        The true class: in the digit's title and marked under the bars.
    title : str, optional
        Title of the digit's panel (default "digit (label k)").
    maps_title : str, optional
        Title of the maps' panel (default "F maps HxW").
    """
    own = axes is None
    fig, axes = axes_row(axes, 3, figsize, **({"gridspec_kw": {"width_ratios": [0.8, 1.15, 1.3]}} if own else {}))
    ax_img, ax_maps, ax_p = axes
    ax_img.imshow(np.zeros((1, 1)), cmap=GRAY_CMAP, vmin=0, vmax=1, interpolation="nearest")
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    fast_title(ax_img, "", fontsize=10)
    maps = _checked_maps(maps)
    feature_maps_plot(maps, ax_maps)
    probability_plot(probs, ax_p)
    _fill_digit_maps(axes, image, maps, probs, label, title, maps_title)
    if own:  # fixed margins: the explorer redraws this figure, and a layout engine costs a draw each time
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.17, top=0.88, wspace=0.5)
    return fig


def update_digit_maps_plot(fig, image, maps, probs, *, label=None, title=None, maps_title=None):
    """Redraw a figure made by :func:`digit_maps_plot` in place, for another digit or stage; returns it."""
    axes = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]
    if len(axes) != 3 or getattr(axes[1], "_cnnmath_maps", None) is None:
        raise ValueError("fig needs to be a figure made by digit_maps_plot")
    _fill_digit_maps(axes, image, maps, probs, label, title, maps_title)
    return fig


def _fill_digit_maps(axes, image, maps, probs, label, title, maps_title):
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image has shape {image.shape} but needs (H, W)")
    maps = _checked_maps(maps)
    ax_img, ax_maps, ax_p = axes
    set_image_data(ax_img.images[0], image)
    ax_img.set_title(title or ("digit" + (f" (label {label})" if label is not None else "")))
    f, h, w = maps.shape
    update_feature_maps_plot(ax_maps, maps, title=maps_title or f"{f} maps {h}x{w}")
    update_probability_plot(ax_p, probs, true_label=label)


def pipeline_stages_plot(image, stages, *, index=0, label=None, axes=None, figsize=(11, 7)):
    """One digit through every stage: input, conv, ReLU, pool, flatten, scores, probabilities (lesson 7).

    Parameters
    ----------
    image : array_like, shape (H, W)
        The input digit.
    stages : dict
        The output of ``TinyCNN.forward``: ``conv``, ``relu`` (N, F, H, W), ``pool`` (N, F, H', W'),
        ``flat`` (N, D), ``scores``, ``probs`` (N, K).
    index : int
        Which example of the batch to draw.
    label : int, optional
        The true label, marked on the probabilities.
    axes : sequence of 7 Axes, optional
        For the input, conv, ReLU, pool, flattened vector, scores and probabilities, in that order.
    """
    if axes is None:
        fig = plt.figure(figsize=figsize)
        grid = fig.add_gridspec(3, 4, height_ratios=[1.25, 0.55, 0.9], hspace=0.6, wspace=0.35)
        axes = [fig.add_subplot(grid[0, k]) for k in range(4)] + [fig.add_subplot(grid[1, :]),
                                                                  fig.add_subplot(grid[2, :2]),
                                                                  fig.add_subplot(grid[2, 2:])]
    fig, axes = axes_row(axes, 7, figsize)
    matrix_plot(np.asarray(image), axes[0], signed=False, decimals=1, fontsize=6, title="1. input I (8x8)")
    conv, act, pool = stages["conv"][index], stages["relu"][index], stages["pool"][index]
    feature_maps_plot(conv, axes[1], title=f"2. conv I*K+b {conv.shape}")
    feature_maps_plot(act, axes[2], title=f"3. ReLU {act.shape}")
    feature_maps_plot(pool, axes[3], title=f"4. max pool {pool.shape}")
    flat = stages["flat"][index]
    flat_vector_plot(flat, axes[4], group=pool.shape[1] * pool.shape[2],
                     title=f"6. flatten: {flat.size} numbers (one block of {pool.shape[1] * pool.shape[2]} "
                           f"per filter)")
    scores_plot(stages["scores"][index], axes[5], title="7. dense: class scores z")
    probs = stages["probs"][index]
    probability_plot(probs, axes[6], true_label=label,
                     title=f"softmax: most likely {int(np.argmax(probs))} ({100 * probs.max():.0f}%)")
    return fig


def training_curves_plot(history, ax=None, *, epochs=None, title=None, figsize=(6, 3)):
    """Training loss (solid, circles, left axis) and validation accuracy (dashed, squares, right axis) (lesson 7).

    The accuracy is ``fit``'s ``val_acc``, measured on the validation digits that settings are tuned on;
    the test digits are read once, after training, and never drawn here. :func:`update_training_curves_plot`
    shows a longer history in place (a live plot, one update per epoch).

    Parameters
    ----------
    history : dict
        ``fit``'s history: ``loss`` and ``val_acc`` lists, one entry per epoch (``val_acc`` may hold None).
    epochs : int, optional
        Fix the x axis to 1..epochs, so a live plot does not rescale every epoch.
    """
    own = ax is None
    fig, ax = get_ax(ax, figsize)
    loss_line, = ax.plot([], [], "o-", color="#b2182b", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (\u25cf solid)", color="#b2182b")
    right = ax.twinx()
    acc_line, = right.plot([], [], "s--", color="#2166ac", label="validation accuracy")
    right.set_ylim(0, 1.05)
    # the axis labels name each line by its marker and style, so no legend has to cover the data
    right.set_ylabel("validation accuracy (\u25a0 dashed)", color="#2166ac")
    # the last values, written a few points above (loss) and below (accuracy) the last markers
    above = transforms.offset_copy(ax.transData, fig=fig, x=0, y=6, units="points")
    below = transforms.offset_copy(right.transData, fig=fig, x=0, y=-14, units="points")
    last_loss = path_text(ax, 0, 0, "", ha="center", va="bottom", fontsize=8, color="#b2182b", transform=above)
    last_acc = path_text(right, 0, 0, "", ha="center", va="bottom", fontsize=8, color="#2166ac", transform=below)
    for text in (ax.xaxis.label, ax.yaxis.label, right.yaxis.label):
        as_path_text(text)
    fast_title(ax, "", fontsize=10)
    ax._cnnmath_curves = {"right": right, "lines": (loss_line, acc_line), "last": (last_loss, last_acc)}
    _fill_training_curves(ax, history, epochs, title)
    if own:  # fixed margins for the two y labels: tight_layout would cost a full draw on every epoch
        fig.subplots_adjust(left=0.12, right=0.86, bottom=0.19, top=0.88)
    return fig


def update_training_curves_plot(ax, history, *, epochs=None, title=None):
    """Show ``history`` (usually one epoch longer) on an axes :func:`training_curves_plot` drew on, in place.

    The two lines, the last values written beside them, the loss axis's range, the x range and the title;
    returns the axes.
    """
    if getattr(ax, "_cnnmath_curves", None) is None:
        raise ValueError("ax needs to be an axes that training_curves_plot drew on")
    _fill_training_curves(ax, history, epochs, title)
    return ax


def _fill_training_curves(ax, history, epochs, title):
    info = ax._cnnmath_curves
    loss = [float(v) for v in history.get("loss", [])]
    acc = [float(a) for a in history.get("val_acc", []) if a is not None]
    loss_line, acc_line = info["lines"]
    last_loss, last_acc = info["last"]
    loss_line.set_data(np.arange(1, len(loss) + 1), loss)
    acc_line.set_data(np.arange(1, len(acc) + 1), acc)
    last_loss.set_position((len(loss), loss[-1]) if loss else (0, 0))
    last_loss.set_text(f"{loss[-1]:.3f}" if loss else "")
    last_acc.set_position((len(acc), acc[-1]) if acc else (0, 0))
    last_acc.set_text(f"{100 * acc[-1]:.1f}%" if acc else "")
    ax.set_xlim(0.5, (epochs or max(len(loss), 1)) + 0.5)
    if loss:  # the loss axis: from 0 to a little above the largest loss so far
        ax.set_autoscaley_on(True)
        ax.relim()
        ax.autoscale_view(scalex=False)
        ax.set_ylim(bottom=0)
    else:
        ax.set_ylim(0, 1)
    for text in ax.get_xticklabels() + ax.get_yticklabels() + info["right"].get_yticklabels():
        as_path_text(text)
    ax.set_title(title or f"epoch {len(loss)}" + (f" of {epochs}" if epochs else ""))


def filters_comparison_plot(conv_w, *, names=HAND_FILTERS, kind="learned", ncols=4, axes=None,
                            figsize=(11, 5.2)):
    """The learned 3x3 filters (numbers written) beside the hand-designed edge kernels of lesson 5 (lesson 7).

    Each hand kernel is titled with the filter most like it and their cosine similarity. Drawn once for the
    random filters a network starts from (``kind="untrained"``) and once for the trained ones, it gives
    the baseline that a resemblance needs.

    Parameters
    ----------
    conv_w : array_like, shape (F, 1, 3, 3)
    names : kernel names drawn on the right
    kind : str
        What the filters are, in the titles: "learned" (the default), "untrained", ...
    axes : sequence of F + len(names) Axes, optional
        The filters' panels, then the kernels'.
    """
    w = np.asarray(conv_w, dtype=float)
    if w.ndim != 4 or w.shape[1] != 1:
        raise ValueError(f"conv_w has shape {w.shape} but needs (F, 1, KH, KW)")
    f = w.shape[0]
    nrows = -(-f // ncols)
    if axes is None:
        fig = plt.figure(figsize=figsize)
        outer = fig.add_gridspec(1, 2, width_ratios=[ncols, 1.3], wspace=0.15)
        left = outer[0].subgridspec(nrows, ncols, hspace=0.45, wspace=0.1)
        right = outer[1].subgridspec(len(names), 1, hspace=0.55)
        axes = [fig.add_subplot(left[k // ncols, k % ncols]) for k in range(f)] + \
            [fig.add_subplot(right[r, 0]) for r in range(len(names))]
    fig, axes = axes_row(axes, f + len(names), figsize)
    lim = signed_limit(w)
    for k in range(f):
        ax = axes[k]
        matrix_plot(w[k, 0], ax, signed=True, colorbar=False, vmin=-lim, vmax=lim, decimals=1, fontsize=7)
        ax.set_title(f"{kind} f{k}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    matches = {name: (i, c) for name, i, c in most_similar_filters(w, names)}
    for r, name in enumerate(names):
        ax = axes[f + r]
        matrix_plot(get_kernel(name), ax, signed=True, colorbar=False, fontsize=7)
        i, c = matches[name]
        ax.set_title(f"{name}\nclosest: f{i} (cos {c:+.2f})", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{kind} filters (left, red positive, blue negative) and lesson 5's edge kernels (right)",
                 fontsize=10)
    return fig


def confusion_plot(y_true, y_pred, ax=None, *, title=None, figsize=(5, 4.5)):
    """Confusion matrix with the count written in every cell (scikit-learn's display) (lesson 7).

    Rows are the true digits, columns the predicted ones; the diagonal counts the right answers.
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = get_ax(ax, figsize)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.union1d(y_true, y_pred)
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, labels=labels, ax=ax, cmap="Greys",
                                            colorbar=False, values_format="d")
    right = int((y_true == y_pred).sum())
    ax.set_title(title or f"{right} of {y_true.size} test digits on the diagonal (right)", fontsize=10)
    return fig


def misclassified_plot(X, y_true, probs, *, max_items=12, ncols=6, axes=None, figsize=None):
    """The wrongly classified digits, each above a bar chart of its probabilities (lesson 7).

    Each digit is titled "true 9, said 5" and its chart marks the predicted class (hatched) and the true one.

    Parameters
    ----------
    X : ndarray, shape (N, 1, H, W)
    y_true : ndarray of int, shape (N,)
    probs : ndarray, shape (N, K)
    max_items : int
        Draw at most this many (the least confident mistakes are not preferred; order is the data's).
    axes : sequence of Axes, optional
        Two per drawn mistake, the digit's then its bars' (``2 * m`` for m = min(mistakes, max_items)),
        or one when there is no mistake.
    """
    X, y_true, probs = np.asarray(X), np.asarray(y_true), np.asarray(probs)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != y_true)[:max_items]
    n = max(len(wrong), 1)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    if axes is None:
        fig = plt.figure(figsize=figsize or (1.9 * ncols, 2.7 * nrows + 0.4), layout="constrained")
        grid = fig.add_gridspec(2 * nrows, ncols, height_ratios=[1.0, 0.55] * nrows)
        if len(wrong):
            axes = [fig.add_subplot(grid[2 * (slot // ncols) + row, slot % ncols])
                    for slot in range(len(wrong)) for row in (0, 1)]
        else:
            axes = [fig.add_subplot(grid[:, :])]
    fig, axes = axes_row(axes, 2 * len(wrong) if len(wrong) else 1, figsize)
    if not len(wrong):
        ax = axes[0]
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no mistakes on these digits", ha="center", va="center")
        return fig
    k = np.arange(probs.shape[1])
    for slot, i in enumerate(wrong):
        ax = axes[2 * slot]
        ax.imshow(X[i, 0], cmap=GRAY_CMAP, vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title(f"#{i}: true {y_true[i]}, said {pred[i]}\np={probs[i, pred[i]]:.2f} vs "
                     f"{probs[i, y_true[i]]:.2f}", fontsize=7)
        bx = axes[2 * slot + 1]
        bars = bx.bar(k, probs[i], color="#bbbbbb", edgecolor="black", linewidth=0.4)
        bars[pred[i]].set_facecolor("#e8a0a8")
        bars[pred[i]].set_hatch("////")
        bars[y_true[i]].set_facecolor("#1b7f3b")
        bx.set_ylim(0, 1)
        bx.set_xticks(k)
        bx.set_xticklabels([str(j) for j in k], fontsize=5)
        bx.tick_params(axis="y", labelsize=5)
    fig.suptitle(f"{int((pred != y_true).sum())} mistakes: under each digit its probabilities, the hatched bar "
                 f"is what the network said, the dark bar the true digit", fontsize=9)
    return fig


def image_stages_plot(image, conv, act, pool, axes=None, *, kernel=None, kernel_name="kernel",
                      figsize=(11, 3.0)):
    """A (photo) image through lesson 2-4's stages: grayscale, conv with a kernel, ReLU, max pool (lesson 7).

    :func:`update_image_stages_plot` redraws it in place for another image or kernel (the upload explorer).

    Parameters
    ----------
    image : array_like, shape (H, W), grayscale 0..255
    conv : array_like, shape (H-2, W-2), signed: drawn diverging around 0 with a colour bar
    act : array_like, ReLU of ``conv``
    pool : array_like, max pool of ``act``
    axes : sequence of 5 Axes (4 without ``kernel``), optional
        Image, kernel, conv, ReLU, max pool.
    kernel : array_like, shape (3, 3), optional
        Drawn with its numbers as a small extra panel.
    """
    n = 5 if kernel is not None else 4
    own = axes is None
    # fixed margins, not a layout engine: the upload explorer redraws this figure on every change
    fig, axes = axes_row(axes, n, figsize, **({"gridspec_kw": {
        "width_ratios": ([1, 0.6] if kernel is not None else [1]) + [1] * 3, "left": 0.03, "right": 0.99,
        "bottom": 0.05, "top": 0.86, "wspace": 0.3}} if own else {}))
    for ax in axes[:1] + axes[-3:]:
        ax.set_xticks([])
        ax.set_yticks([])
        fast_title(ax, "")
    axes[0].imshow(np.zeros((1, 1)), cmap=GRAY_CMAP, vmin=0, vmax=255)
    if kernel is not None:
        matrix_plot(np.asarray(kernel, dtype=float), axes[1], signed=True, colorbar=False, decimals=2,
                    fontsize=7)
        fast_title(axes[1], "")
        axes[1].set_xticks([])  # nine numbers, no positions to name: no tick axes to draw on every change
        axes[1].set_yticks([])
    signed_map(axes[-3], np.zeros((1, 1)))
    bar = signed_colorbar(fig, axes[-3])
    axes[-2].imshow(np.zeros((1, 1)), cmap=GRAY_CMAP)
    axes[-1].imshow(np.zeros((1, 1)), cmap=GRAY_CMAP)
    axes[0]._cnnmath_stages = {"axes": axes, "bar": bar, "kernel": kernel is not None}
    _fill_image_stages(axes[0]._cnnmath_stages, image, conv, act, pool, kernel, kernel_name)
    return fig


def update_image_stages_plot(fig, image, conv, act, pool, *, kernel=None, kernel_name="kernel"):
    """Redraw a figure made by :func:`image_stages_plot` in place (another image, kernel or size); returns it.

    ``kernel`` is needed exactly when the figure was drawn with one.
    """
    info = getattr(fig.axes[0], "_cnnmath_stages", None) if fig.axes else None
    if info is None:
        raise ValueError("fig needs to be a figure made by image_stages_plot")
    if info["kernel"] != (kernel is not None):
        raise ValueError("kernel needs to be given exactly when the figure was drawn with a kernel panel")
    _fill_image_stages(info, image, conv, act, pool, kernel, kernel_name)
    return fig


def _fill_image_stages(info, image, conv, act, pool, kernel, kernel_name):
    image, conv, act, pool = (np.asarray(a, dtype=float) for a in (image, conv, act, pool))
    for name, a in (("image", image), ("conv", conv), ("act", act), ("pool", pool)):
        if a.ndim != 2 or 0 in a.shape:
            raise ValueError(f"{name} has shape {a.shape} but needs a 2-D matrix (H, W)")
    axes = info["axes"]
    set_image_data(axes[0].images[0], image)
    axes[0].set_title(f"grayscale {image.shape[0]}x{image.shape[1]}")
    if kernel is not None:
        update_matrix_plot(axes[1], kernel, title=kernel_name)
    lim = signed_limit(conv)
    set_image_data(axes[-3].images[0], conv)
    update_signed_map(axes[-3].images[0], conv, limit=lim)
    colorbar_limit(info["bar"], lim)
    axes[-3].set_title(f"conv {conv.shape[0]}x{conv.shape[1]}")
    for ax, M, name in ((axes[-2], act, "ReLU"), (axes[-1], pool, "max pool")):
        set_image_data(ax.images[0], M)
        ax.images[0].set_clim(np.min(M), np.max(M))
        ax.set_title(f"{name} {M.shape[0]}x{M.shape[1]}")
