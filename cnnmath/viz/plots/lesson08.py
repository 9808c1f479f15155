"""Pictures for lesson 8, two blocks deep (``08_deeper.ipynb``). matplotlib only.

Each function draws what it is given and never recomputes it: the notebook and the explorers compute the
maps, windows, gradients and accuracies with ``cnnmath`` and hand them over. One panel takes ``ax=None``,
several take ``axes=None``; every function returns the figure. The course's conventions hold: intensities
in grey, signed values in the diverging map centred at 0, numbers written where they fit, and a second cue
besides colour (a marker, a line style, hatching or a written label) wherever colour tells things apart.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from .common import (DIVERGING_CMAP, GRAY_CMAP, axes_row, fast_title, format_number, get_ax, map_mosaic, matrix_plot,
                     set_image_data, signed_limit)
from .lesson07 import (feature_maps_plot, probability_plot, update_feature_maps_plot,
                       update_probability_plot)

__all__ = ["matrix_row_plot", "receptive_window_plot", "block_curves_plot", "seed_accuracy_plot",
           "filter_banks_plot", "block_maps_plot", "update_block_maps_plot", "WINDOW_COLOR"]

#: Outline of a window predicted by the receptive-field rule (dashed), and the fill of measured pixels.
WINDOW_COLOR = "#e66101"
_CHANGED_COLOR = "#5e3c99"
# One style per network in the comparisons: colour, marker and line style all differ.
_NETWORK_STYLES = ({"color": "#b2182b", "marker": "o", "linestyle": "-"},
                   {"color": "#2166ac", "marker": "s", "linestyle": "--"},
                   {"color": "#4d4d4d", "marker": "^", "linestyle": ":"})


# ------------------------------------------------------------------------------------------ matrices

def matrix_row_plot(panels, axes=None, *, symbols=None, decimals=2, figsize=None, fontsize=None):
    """A row of small matrices with their numbers written in, optionally with an operator between them.

    Lesson 8 draws the backward pass of a convolution this way: dL/dO padded with zeros, the kernel, the
    kernel turned by 180 degrees, and the dL/dI they give.

    Parameters
    ----------
    panels : sequence of (str, array_like (H, W))
        Each panel's title and matrix, left to right.
    symbols : sequence of str, optional
        ``len(panels) - 1`` short texts drawn between neighbouring panels (for example ``"⋆"`` or ``"="``).
    decimals : int
        Decimals of non-integer values.
    """
    panels = [(str(title), np.asarray(m, dtype=float)) for title, m in panels]
    if not panels:
        raise ValueError("panels is empty but needs at least one (title, matrix) pair")
    for title, m in panels:
        if m.ndim != 2:
            raise ValueError(f"panel {title!r} has shape {m.shape} but needs a 2-D matrix")
    if symbols is not None and len(symbols) != len(panels) - 1:
        raise ValueError(f"symbols has {len(symbols)} entries but needs {len(panels) - 1}, one between "
                         f"each pair of panels")
    widths = [max(m.shape[1], 2) for _, m in panels]
    fig, axes = axes_row(axes, len(panels), figsize or (1.1 * sum(widths) + 1.2 * len(panels), 3.0),
                          **({"gridspec_kw": {"width_ratios": widths}} if axes is None else {}))
    lim = signed_limit(*(m for _, m in panels))
    for ax, (title, m) in zip(axes, panels):
        matrix_plot(m, ax, signed=True, colorbar=False, vmin=-lim, vmax=lim, decimals=decimals,
                    fontsize=fontsize)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if symbols:
        for left, right, text in zip(axes[:-1], axes[1:], symbols):
            a, b = left.get_position(), right.get_position()
            fig.text((a.x1 + b.x0) / 2, (a.y0 + a.y1) / 2, text, ha="center", va="center", fontsize=16)
    return fig


# ------------------------------------------------------------------------------------ receptive field

def receptive_window_plot(image, changed, window, ax=None, *, title=None, figsize=(3.4, 3.4)):
    """The pixels that changed a unit when bumped (filled), and the window the rule predicts (dashed).

    Parameters
    ----------
    image : array_like, shape (H, W)
        Drawn in grey underneath.
    changed : array_like of bool or 0/1, shape (H, W)
        1 where bumping the pixel changed the unit (measured).
    window : (int, int, int, int)
        ``(top, bottom, left, right)``, inclusive, in pixel coordinates; it may reach outside the image
        (a window that hangs over the border into the zero padding).
    """
    image = np.asarray(image, dtype=float)
    changed = np.asarray(changed).astype(bool)
    if image.ndim != 2 or changed.shape != image.shape:
        raise ValueError(f"image has shape {image.shape} and changed {changed.shape}: both need the same "
                         f"(H, W)")
    top, bottom, left, right = (int(v) for v in window)
    fig, ax = get_ax(ax, figsize)
    h, w = image.shape
    ax.imshow(image, cmap=GRAY_CMAP, vmin=0, vmax=max(1.0, float(image.max())), interpolation="nearest")
    for r, c in zip(*np.nonzero(changed)):
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=_CHANGED_COLOR, alpha=0.55,
                               edgecolor="white", hatch="..", lw=0.5))
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False,
                           edgecolor=WINDOW_COLOR, lw=2.5, linestyle="--"))
    ax.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="black", lw=1))
    ax.set_xlim(min(-0.5, left - 1), max(w - 0.5, right + 1))
    ax.set_ylim(max(h - 0.5, bottom + 1), min(-0.5, top - 1))
    step = 1 if max(h, w) <= 10 else 2
    ax.set_xticks(range(0, w, step))
    ax.set_yticks(range(0, h, step))
    ax.tick_params(labelsize=7)
    ax.set_title(title or f"{int(changed.sum())} pixels change the unit", fontsize=9)
    return fig


# ------------------------------------------------------------------------------------------ training

def block_curves_plot(histories, axes=None, *, epochs=None, title=None, figsize=(10, 3.2)):
    """Training loss (left) and validation accuracy (right) per epoch, one line per network.

    Parameters
    ----------
    histories : dict of str -> history
        ``fit``'s histories by a label such as "one block"; at most three. ``loss`` and ``val_acc`` per
        epoch (a history still growing during training is fine).
    epochs : int, optional
        Fix the x axes to 1..epochs, so that a live plot does not rescale every epoch.
    """
    if not histories or len(histories) > len(_NETWORK_STYLES):
        raise ValueError(f"histories has {len(histories)} entries but needs 1 to {len(_NETWORK_STYLES)}")
    fig, (left, right) = axes_row(axes, 2, figsize)
    longest = max(len(h.get("loss", [])) for h in histories.values())
    lowest = 100.0
    for row, ((label, history), style) in enumerate(zip(histories.items(), _NETWORK_STYLES)):
        loss = list(history.get("loss", []))
        acc = [a for a in history.get("val_acc", []) if a is not None]
        above = 4 if row % 2 == 0 else -10  # the last values of two networks are written one above, one below
        if loss:
            left.plot(np.arange(1, len(loss) + 1), loss, label=label, markersize=4, **style)
            left.annotate(f"{loss[-1]:.4f}", (len(loss), loss[-1]), textcoords="offset points",
                          xytext=(4, 4 + 10 * row), fontsize=7, color=style["color"])
        if acc:
            right.plot(np.arange(1, len(acc) + 1), 100 * np.asarray(acc), label=label, markersize=4, **style)
            right.annotate(f"{100 * acc[-1]:.1f}%", (len(acc), 100 * acc[-1]), textcoords="offset points",
                           xytext=(4, above), fontsize=7, color=style["color"])
            lowest = min(lowest, 100 * min(acc))
    last = epochs or max(longest, 1)
    ticks = list(range(1, last + 1)) if last < 10 else [1] + list(range(5, last + 1, 5))
    for ax in (left, right):
        ax.set_xlim(0.5, last + 2.5)  # room on the right for the last values
        ax.set_xticks(ticks)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right" if ax is left else "lower right")
    left.set_ylim(bottom=0)
    left.set_ylabel("training loss")
    right.set_ylabel("validation accuracy (%)")
    right.set_ylim(max(0.0, 10 * np.floor(lowest / 10) - 10), 101)
    left.set_title(title or f"epoch {longest}" + (f" of {epochs}" if epochs else ""), fontsize=10)
    right.set_title("accuracy on the validation digits", fontsize=10)
    if axes is None:  # fixed margins: tight_layout would cost a full draw on every live epoch
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.25)
    return fig


def seed_accuracy_plot(accuracies, ax=None, *, title=None, xlabel="accuracy (%)", figsize=(7, 2.4)):
    """One row of dots per network: its accuracy for each seed, the seed written beside each dot.

    Parameters
    ----------
    accuracies : dict of str -> dict of int -> float
        ``{network label: {seed: accuracy in [0, 1]}}``; at most three networks.
    """
    if not accuracies or len(accuracies) > len(_NETWORK_STYLES):
        raise ValueError(f"accuracies has {len(accuracies)} networks but needs 1 to {len(_NETWORK_STYLES)}")
    fig, ax = get_ax(ax, figsize)
    labels = list(accuracies)
    for row, (label, style) in enumerate(zip(labels, _NETWORK_STYLES)):
        seeds = sorted(accuracies[label])
        values = np.array([100 * accuracies[label][s] for s in seeds])
        y = np.full(len(values), float(row))
        ax.plot([values.min(), values.max()], [row, row], color=style["color"], lw=1.5,
                linestyle=style["linestyle"])
        ax.plot(values, y, linestyle="none", marker=style["marker"], color=style["color"], markersize=7)
        # seeds with equal accuracy share a dot: their numbers are written together above it
        for value in np.unique(values):
            names = ",".join(str(s) for s, v in zip(seeds, values) if v == value)
            ax.annotate(f"s{names}", (value, row), textcoords="offset points", xytext=(0, 7), ha="center",
                        fontsize=7)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.3)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or "one dot per seed (sN: seed N)", fontsize=10)
    return fig


# ------------------------------------------------------------------------------------------- filters

def _label_tiles(ax, f, h, w, ncols, gap=1):
    """Name the tiles on the axes: rows start at f0, f{ncols}, ...; columns add +0, +1, ..."""
    nrows = -(-f // ncols)
    ax.set_yticks([r * (h + gap) + (h - 1) / 2 for r in range(nrows)], [f"f{r * ncols}" for r in range(nrows)],
                  fontsize=7)
    ax.set_xticks([c * (w + gap) + (w - 1) / 2 for c in range(ncols)], [f"+{c}" for c in range(ncols)],
                  fontsize=7)
    ax.tick_params(length=0, pad=1)


def filter_banks_plot(banks, axes=None, *, ncols=4, decimals=1, figsize=(11, 4.6)):
    """Banks of 3x3 filters side by side, numbers written, on one shared colour scale.

    Lesson 8 puts the first block's trained filters beside the same filters at their random start.

    Parameters
    ----------
    banks : sequence of (str, array_like (F, 1, KH, KW))
        Each bank's title and weights (one input channel).
    ncols : int
        Filters per row of a bank.
    """
    banks = [(str(title), np.asarray(w, dtype=float)) for title, w in banks]
    for title, w in banks:
        if w.ndim != 4 or w.shape[1] != 1:
            raise ValueError(f"bank {title!r} has shape {w.shape} but needs (F, 1, KH, KW)")
    fig, axes = axes_row(axes, len(banks), figsize)
    lim = signed_limit(*(w for _, w in banks))
    norm = TwoSlopeNorm(0.0, -lim, lim)
    cmap = plt.get_cmap(DIVERGING_CMAP).with_extremes(bad="white")
    for ax, (title, w) in zip(axes, banks):
        f, _, kh, kw = w.shape
        cols = max(1, min(ncols, f))
        tiled = map_mosaic(w[:, 0], cols)
        im = ax.imshow(tiled, cmap=cmap, norm=norm, interpolation="nearest")
        for k in range(f):
            r, c = divmod(k, cols)
            for (m, n), v in np.ndenumerate(w[k, 0]):
                shade = norm(v)
                text = format_number(v, decimals)
                ax.text(c * (kw + 1) + n, r * (kh + 1) + m, "0" if float(text) == 0 else text, ha="center",
                        va="center", fontsize=6, color="black" if 0.25 < shade < 0.75 else "white")
        _label_tiles(ax, f, kh, kw, cols)
        ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=axes, fraction=0.025, pad=0.02)
    return fig


# ---------------------------------------------------------------------------------- maps of two blocks

def _scale_words(ax):
    """The colours of a :func:`feature_maps_plot` panel in words, read from its image's scale."""
    norm = ax.images[0].norm
    if isinstance(norm, TwoSlopeNorm):
        return f"blue -{norm.vmax:.2f}, white 0, red +{norm.vmax:.2f}"
    return f"black 0 to white {norm.vmax:.2f}"


def _draw_maps(ax, maps, ncols, title):
    """One block's maps on ``ax``, in place: lesson 7's labelled mosaic (each map's filter name in the
    strip above it), without a colour bar: the title says which colour is which value."""
    update_feature_maps_plot(ax, maps)
    ax.set_title(f"{title}\n{_scale_words(ax)}")


def _checked_maps(maps, name):
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"{name} has shape {maps.shape} but needs (F, H, W), one map per filter")
    return maps


def _fill_block_maps(axes, image, maps1, maps2, probs, label, title, stage_names):
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image has shape {image.shape} but needs (H, W)")
    maps1, maps2 = _checked_maps(maps1, "maps1"), _checked_maps(maps2, "maps2")
    ax_img, ax1, ax2, ax_p = axes
    set_image_data(ax_img.images[0], image)
    ax_img.set_title(title or ("digit" + (f" (label {label})" if label is not None else "")), fontsize=10)
    _draw_maps(ax1, maps1, 4, f"block 1, {stage_names[0]}: {maps1.shape[0]} maps "
                              f"{maps1.shape[1]}x{maps1.shape[2]}")
    _draw_maps(ax2, maps2, 8, f"block 2, {stage_names[1]}: {maps2.shape[0]} maps "
                              f"{maps2.shape[1]}x{maps2.shape[2]}")
    update_probability_plot(ax_p, probs, true_label=label)


def block_maps_plot(image, maps1, maps2, probs, *, label=None, title=None, stage_names=("relu1", "relu2"),
                    axes=None, figsize=(12, 3.3)):
    """One digit, the maps of the first and of the second block at one stage, and the probabilities.

    The maps of each block share one colour scale, written under the block's title: grey from 0 when they
    are never negative (after ReLU or pooling), blue-white-red around 0 when they are signed (the
    convolutions). Each map is named by its filter (f0, f1, ...) in the strip just above it, as in lesson 7.
    The most likely class's bar is hatched and the true class is marked "true".
    :func:`update_block_maps_plot` redraws the same figure in place for another digit or stage.

    Parameters
    ----------
    image : array_like, shape (H, W)
    maps1 : array_like, shape (F1, H1, W1)
        The first block's maps at the chosen stage (for example conv1, relu1 or pool1).
    maps2 : array_like, shape (F2, H2, W2)
        The second block's maps at the same stage.
    probs : array_like, shape (K,)
    label : int, optional
        The true class, marked under the probability bars.
    title : str, optional
        Title of the digit's panel.
    stage_names : (str, str)
        Names of the two stages, used in the titles.
    axes : sequence of 4 Axes, optional
    """
    own = axes is None
    fig, axes = axes_row(axes, 4, figsize, **({"gridspec_kw": {"width_ratios": [0.75, 1.05, 1.9, 1.45]}}
                                              if own else {}))
    ax_img, ax1, ax2, ax_p = axes
    ax_img.imshow(np.zeros((1, 1)), cmap=GRAY_CMAP, vmin=0, vmax=1, interpolation="nearest")
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    for ax, maps, ncols, name in ((ax1, maps1, 4, "maps1"), (ax2, maps2, 8, "maps2")):
        feature_maps_plot(_checked_maps(maps, name), ax, ncols=ncols, colorbar=False)
    probability_plot(probs, ax_p)
    for ax in axes:
        fast_title(ax, "", fontsize=8 if ax in (ax1, ax2) else 9)
    _fill_block_maps(axes, image, maps1, maps2, probs, label, title, stage_names)
    if own:  # fixed margins: the explorer redraws this figure, and tight_layout costs a draw each time
        fig.subplots_adjust(left=0.02, right=0.99, bottom=0.2, top=0.8, wspace=0.3)
    return fig


def update_block_maps_plot(fig, image, maps1, maps2, probs, *, label=None, title=None,
                           stage_names=("relu1", "relu2")):
    """Redraw a figure made by :func:`block_maps_plot` in place, for another digit or stage.

    Only the images' data and colour scales, the maps' names when their number or size changes, the
    titles and the probability bars change; the figure and its axes stay. Returns the figure.
    """
    axes = list(fig.axes)
    if len(axes) != 4 or getattr(axes[1], "_cnnmath_maps", None) is None or \
            getattr(axes[3], "_cnnmath_probs", None) is None:
        raise ValueError("fig needs to be a figure made by block_maps_plot")
    _fill_block_maps(axes, image, maps1, maps2, probs, label, title, stage_names)
    return fig
