"""Pictures for lesson 7, the whole pipeline (``07_full_pipeline.ipynb``). matplotlib only.

Every function takes ``ax=None`` (or ``fig=None`` for a figure of several panels) and returns the figure.
Conventions of the course: intensities in grey, signed values in the diverging map centred at 0 with a
colour bar, numbers written wherever they fit, and a second cue besides colour (hatching, a marker, a
line style or a written label) wherever colour distinguishes things.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import TwoSlopeNorm

from ...kernels import HAND_FILTERS, get_kernel, most_similar_filters
from .common import DIVERGING_CMAP, GRAY_CMAP, get_ax, image_plot, matrix_plot

__all__ = [
    "digit_examples_plot", "feature_maps_plot", "flat_vector_plot", "scores_plot", "probability_plot",
    "pipeline_stages_plot", "training_curves_plot", "filters_comparison_plot", "confusion_plot",
    "misclassified_plot", "image_stages_plot",
]


def digit_examples_plot(X, y, *, per_class=1, fig=None, figsize=(8, 1.8)):
    """The first ``per_class`` examples of each digit 0..9, in grey with their label (lesson 7).

    Parameters
    ----------
    X : ndarray, shape (N, 1, 8, 8)
    y : ndarray of int, shape (N,)
    per_class : int
    """
    X, y = np.asarray(X), np.asarray(y)
    classes = np.unique(y)
    fig = fig or plt.figure(figsize=figsize)
    axes = fig.subplots(per_class, len(classes), squeeze=False)
    for col, k in enumerate(classes):
        idx = np.flatnonzero(y == k)[:per_class]
        axes[0, col].set_title(f"label {k}", fontsize=9)
        for row in range(per_class):
            ax = axes[row, col]
            ax.set_axis_off()
            if row < len(idx):
                ax.imshow(X[idx[row], 0], cmap=GRAY_CMAP, vmin=0, vmax=1)
    return fig


def _mosaic(maps, ncols, gap=1, top=0):
    """Tile F maps (F, h, w) into one 2-D array with NaN gaps, so one imshow draws them all (fast).

    ``top`` rows of NaN above every row of maps leave room for a label over each map.
    """
    f, h, w = maps.shape
    nrows = -(-f // ncols)
    step = h + max(gap, top)
    out = np.full((nrows * step - step + h + top, ncols * (w + gap) - gap), np.nan)
    for k in range(f):
        r, c = divmod(k, ncols)
        out[top + r * step:top + r * step + h, c * (w + gap):c * (w + gap) + w] = maps[k]
    return out


#: Rows of gap above each map in a labelled mosaic: room for its filter name.
_LABEL_ROWS = 3


def feature_maps_plot(maps, ax=None, *, ncols=4, title=None, signed=None, label=True, figsize=(3.2, 3.2)):
    """F feature maps tiled into one picture, each labelled with its filter number (lesson 7).

    All maps share one colour scale (with a colour bar), so a filter that answers strongly stands out:
    grey for maps that are never negative (after ReLU or pooling), diverging around 0 for signed ones.

    Parameters
    ----------
    maps : array_like, shape (F, H, W)
    ncols : int
        Maps per row.
    label : bool
        Write each map's filter name (f0, f1, ... in reading order) in the strip just above that map.
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"maps has shape {maps.shape} but needs (F, H, W), one map per filter")
    fig, ax = get_ax(ax, figsize)
    f, h, w = maps.shape
    ncols = max(1, min(ncols, f))
    top = _LABEL_ROWS if label else 0
    tiled = _mosaic(maps, ncols, top=top)
    if signed is None:
        signed = bool((maps < 0).any())
    cmap = plt.get_cmap(DIVERGING_CMAP if signed else GRAY_CMAP).with_extremes(bad="#ffd27f")
    if signed:
        lim = max(float(np.abs(maps).max()), 1e-12)
        im = ax.imshow(tiled, cmap=cmap, norm=TwoSlopeNorm(0.0, -lim, lim))
    else:
        im = ax.imshow(tiled, cmap=cmap, vmin=0, vmax=max(float(maps.max()), 1e-12))
    # each map's filter name in the gap above it, never on its pixels
    if label:
        step = h + max(1, top)
        for k in range(f):
            r, c = divmod(k, ncols)
            ax.text(c * (w + 1) + (w - 1) / 2, r * step + (top - 1) / 2, f"f{k}", ha="center", va="center",
                    fontsize=6.5, color="black")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig


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

    Parameters
    ----------
    probs : array_like, shape (K,), summing to 1
    true_label : int, optional
        Marked under the axis as "true".
    """
    p = np.asarray(probs, dtype=float).ravel()
    fig, ax = get_ax(ax, figsize)
    best = int(np.argmax(p))
    bars = ax.bar(np.arange(p.size), p, color="#bbbbbb", edgecolor="black")
    bars[best].set_facecolor("#7fc97f")
    bars[best].set_hatch("//")
    for k, val in enumerate(p):
        ax.text(k, val + 0.02, f"{100 * val:.0f}%", ha="center", va="bottom", fontsize=7,
                fontweight="bold" if k == best else "normal")
    ax.set_ylim(0, 1.18)
    ax.set_xticks(range(p.size))
    labels = [str(k) for k in range(p.size)]
    if true_label is not None:
        labels[int(true_label)] += "\ntrue"
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("probability")
    ax.set_title(title or f"most likely: {best} ({100 * p[best]:.0f}%)", fontsize=10)
    return fig


def pipeline_stages_plot(image, stages, *, index=0, label=None, fig=None, figsize=(11, 7)):
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
    """
    fig = fig or plt.figure(figsize=figsize)
    grid = fig.add_gridspec(3, 4, height_ratios=[1.25, 0.55, 0.9], hspace=0.6, wspace=0.35)
    matrix_plot(np.asarray(image), fig.add_subplot(grid[0, 0]), signed=False, decimals=1, fontsize=6,
                title="1. input I (8x8)")
    conv, act, pool = stages["conv"][index], stages["relu"][index], stages["pool"][index]
    feature_maps_plot(conv, fig.add_subplot(grid[0, 1]), title=f"2. conv I*K+b {conv.shape}")
    feature_maps_plot(act, fig.add_subplot(grid[0, 2]), title=f"3. ReLU {act.shape}")
    feature_maps_plot(pool, fig.add_subplot(grid[0, 3]), title=f"4. max pool {pool.shape}")
    flat = stages["flat"][index]
    flat_vector_plot(flat, fig.add_subplot(grid[1, :]), group=pool.shape[1] * pool.shape[2],
                     title=f"6. flatten: {flat.size} numbers (one block of {pool.shape[1] * pool.shape[2]} "
                           f"per filter)")
    scores_plot(stages["scores"][index], fig.add_subplot(grid[2, :2]), title="7. dense: class scores z")
    probs = stages["probs"][index]
    probability_plot(probs, fig.add_subplot(grid[2, 2:]), true_label=label,
                     title=f"softmax: most likely {int(np.argmax(probs))} ({100 * probs.max():.0f}%)")
    return fig


def training_curves_plot(history, ax=None, *, epochs=None, title=None, figsize=(6, 3)):
    """Training loss (solid, circles, left axis) and validation accuracy (dashed, squares, right axis) (lesson 7).

    The accuracy is ``fit``'s ``val_acc``, measured on the validation digits that settings are tuned on;
    the test digits are read once, after training, and never drawn here.

    Parameters
    ----------
    history : dict
        ``fit``'s history: ``loss`` and ``val_acc`` lists, one entry per epoch (``val_acc`` may hold None).
    epochs : int, optional
        Fix the x axis to 1..epochs, so a live plot does not rescale every epoch.
    """
    loss = list(history.get("loss", []))
    acc = [a for a in history.get("val_acc", []) if a is not None]
    own = ax is None
    fig, ax = get_ax(ax, figsize)
    x = np.arange(1, len(loss) + 1)
    ax.plot(x, loss, "o-", color="#b2182b", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (\u25cf solid)", color="#b2182b")
    ax.set_xlim(0.5, (epochs or max(len(loss), 1)) + 0.5)
    ax.set_ylim(bottom=0)
    right = ax.twinx()
    if acc:
        right.plot(np.arange(1, len(acc) + 1), acc, "s--", color="#2166ac", label="validation accuracy")
        right.annotate(f"{100 * acc[-1]:.1f}%", (len(acc), acc[-1]), textcoords="offset points",
                       xytext=(0, -14), ha="center", fontsize=8, color="#2166ac")
    right.set_ylim(0, 1.05)
    # the axis labels name each line by its marker and style, so no legend has to cover the data
    right.set_ylabel("validation accuracy (\u25a0 dashed)", color="#2166ac")
    if loss:
        ax.annotate(f"{loss[-1]:.3f}", (len(loss), loss[-1]), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=8, color="#b2182b")
    ax.set_title(title or f"epoch {len(loss)}" + (f" of {epochs}" if epochs else ""), fontsize=10)
    if own:  # fixed margins for the two y labels: tight_layout would cost a full draw on every epoch
        fig.subplots_adjust(left=0.12, right=0.86, bottom=0.19, top=0.88)
    return fig


def filters_comparison_plot(conv_w, *, names=HAND_FILTERS, kind="learned", ncols=4, fig=None, figsize=(11, 5.2)):
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
    """
    w = np.asarray(conv_w, dtype=float)
    f = w.shape[0]
    nrows = -(-f // ncols)
    fig = fig or plt.figure(figsize=figsize)
    outer = fig.add_gridspec(1, 2, width_ratios=[ncols, 1.3], wspace=0.15)
    left = outer[0].subgridspec(nrows, ncols, hspace=0.45, wspace=0.1)
    lim = max(float(np.abs(w).max()), 1e-12)
    for k in range(f):
        ax = fig.add_subplot(left[k // ncols, k % ncols])
        matrix_plot(w[k, 0], ax, signed=True, colorbar=False, vmin=-lim, vmax=lim, decimals=1, fontsize=7)
        ax.set_title(f"{kind} f{k}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    right = outer[1].subgridspec(len(names), 1, hspace=0.55)
    matches = {name: (i, c) for name, i, c in most_similar_filters(w, names)}
    for r, name in enumerate(names):
        ax = fig.add_subplot(right[r, 0])
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


def misclassified_plot(X, y_true, probs, *, max_items=12, ncols=6, fig=None, figsize=None):
    """The wrongly classified digits, each above a bar chart of its probabilities (lesson 7).

    Each digit is titled "true 9, said 5" and its chart marks the predicted class (hatched) and the true one.

    Parameters
    ----------
    X : ndarray, shape (N, 1, H, W)
    y_true : ndarray of int, shape (N,)
    probs : ndarray, shape (N, K)
    max_items : int
        Draw at most this many (the least confident mistakes are not preferred; order is the data's).
    """
    X, y_true, probs = np.asarray(X), np.asarray(y_true), np.asarray(probs)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != y_true)[:max_items]
    n = max(len(wrong), 1)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = fig or plt.figure(figsize=figsize or (1.9 * ncols, 2.7 * nrows + 0.4), layout="constrained")
    grid = fig.add_gridspec(2 * nrows, ncols, height_ratios=[1.0, 0.55] * nrows)
    if not len(wrong):
        ax = fig.add_subplot(grid[:, :])
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no mistakes on these digits", ha="center", va="center")
        return fig
    k = np.arange(probs.shape[1])
    for slot, i in enumerate(wrong):
        r, c = divmod(slot, ncols)
        ax = fig.add_subplot(grid[2 * r, c])
        ax.imshow(X[i, 0], cmap=GRAY_CMAP, vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title(f"#{i}: true {y_true[i]}, said {pred[i]}\np={probs[i, pred[i]]:.2f} vs "
                     f"{probs[i, y_true[i]]:.2f}", fontsize=7)
        bx = fig.add_subplot(grid[2 * r + 1, c])
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


def image_stages_plot(image, conv, act, pool, *, kernel=None, kernel_name="kernel", fig=None,
                      figsize=(11, 3.0)):
    """A (photo) image through lesson 2-4's stages: grayscale, conv with a kernel, ReLU, max pool (lesson 7).

    Parameters
    ----------
    image : array_like, shape (H, W), grayscale 0..255
    conv : array_like, shape (H-2, W-2), signed: drawn diverging around 0 with a colour bar
    act : array_like, ReLU of ``conv``
    pool : array_like, max pool of ``act``
    kernel : array_like, shape (3, 3), optional
        Drawn with its numbers as a small extra panel.
    """
    fig = fig or plt.figure(figsize=figsize)
    n = 5 if kernel is not None else 4
    # fixed margins, not a layout engine: this figure is redrawn by the upload explorer on every change
    axes = fig.subplots(1, n, gridspec_kw={"width_ratios": ([1, 0.6] if kernel is not None else [1]) + [1] * 3,
                                           "left": 0.03, "right": 0.99, "bottom": 0.05, "top": 0.86,
                                           "wspace": 0.3})
    image = np.asarray(image)
    image_plot(image, axes[0], signed=False, title=f"grayscale {image.shape[0]}x{image.shape[1]}")
    if kernel is not None:
        matrix_plot(kernel, axes[1], signed=True, colorbar=False, decimals=2, fontsize=7, title=kernel_name)
    conv, act, pool = (np.asarray(a) for a in (conv, act, pool))
    image_plot(conv, axes[-3], signed=True, title=f"conv {conv.shape[0]}x{conv.shape[1]}")
    image_plot(act, axes[-2], signed=False, title=f"ReLU {act.shape[0]}x{act.shape[1]}")
    image_plot(pool, axes[-1], signed=False, title=f"max pool {pool.shape[0]}x{pool.shape[1]}")
    return fig
