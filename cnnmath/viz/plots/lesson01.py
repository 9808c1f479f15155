"""Pictures of lesson 1 (``01_image_as_matrix.ipynb``): an image is a matrix of numbers.

Intensities are always drawn in grey on the fixed scale 0 (black) .. 255 (white), so a patch looks as
bright in a zoomed window as it does in the photo; small matrices carry their numbers in the cells.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib import transforms
from matplotlib.patches import ConnectionPatch

from .common import (GRAY_CMAP, as_path_text, axes_row, fast_title, highlight_cells, matrix_plot, move_cells,
                     path_text, write_numbers)

__all__ = ["image_matrix_plot", "zoom_plot", "update_zoom_plot", "channels_plot", "normalize_plot", "gray_weights_plot",
           "update_gray_weights_plot"]

_WINDOW_COLOUR = "#ffb000"  # the course's highlight colour (common.highlight_cells)
_CHANNEL_NAMES = ("red", "green", "blue")


def _as_image(img, name="img"):
    img = np.asarray(img, dtype=float)
    if img.ndim != 2:
        raise ValueError(f"{name} has shape {img.shape} but needs a 2-D grayscale matrix (H, W)")
    return img


def image_matrix_plot(M, axes=None, *, figsize=(8, 3.6), vmax=255):
    """The same small matrix twice: as a picture (left) and with its numbers written in (right) (lesson 1).

    Parameters
    ----------
    M : array_like, shape (H, W)
        Intensities 0..``vmax``.
    axes : sequence of 2 Axes, optional
    figsize : tuple
        Used only when ``axes`` is None.
    vmax : float
        White on the grey scale (255 for 8-bit images, 1 for normalised ones).

    Returns
    -------
    matplotlib Figure
    """
    M = _as_image(M, "M")
    fig, (left, right) = axes_row(axes, 2, figsize, layout="constrained")
    left.imshow(M, cmap=GRAY_CMAP, vmin=0, vmax=vmax)
    left.set_xticks([])
    left.set_yticks([])
    left.set_title("what you see: a picture")
    matrix_plot(M, ax=right, signed=False, vmin=0, vmax=vmax, title="what the computer holds: numbers")
    right.set_xlabel("column j")
    right.set_ylabel("row i")
    return fig


def _window_fontsize(size):
    return int(min(12, max(7, 120 // max(size, 1))))


def _zoom_args(img, row, col, size):
    H, W = img.shape
    row, col, size = int(row), int(col), int(size)
    if not 1 <= size <= min(16, H, W):
        raise ValueError(f"size is {size} but needs 1..{min(16, H, W)} (larger windows are unreadable)")
    if not (0 <= row <= H - size and 0 <= col <= W - size):
        raise ValueError(f"a {size} x {size} window at row {row}, column {col} does not fit in the "
                         f"{H} x {W} image: row needs 0..{H - size}, column 0..{W - size}")
    return row, col, size


def zoom_plot(img, row, col, size, axes=None, *, figsize=(10, 5), vmax=255):
    """The photo with a square window outlined (left) and the window's pixel values written out (right) (lesson 1).

    :func:`update_zoom_plot` moves (and resizes) the window in place.

    Parameters
    ----------
    img : array_like, shape (H, W)
        A grayscale image, values 0..``vmax``.
    row, col : int
        Top-left pixel of the window: the window is ``img[row:row + size, col:col + size]``.
    size : int
        Side of the window, 1..16 (so that every number stays readable).
    axes : sequence of 2 Axes, optional
    figsize : tuple
        Used only when ``axes`` is None.
    vmax : float

    Returns
    -------
    matplotlib Figure
    """
    img = _as_image(img)
    H, W = img.shape
    args = _zoom_args(img, row, col, size)
    if axes is None:  # fixed positions: a layout engine would double the drawing time
        fig = plt.figure(figsize=figsize)
        left = fig.add_axes((0.07, 0.11, 0.40, 0.81))
        right = fig.add_axes((0.56, 0.11, 0.42, 0.81))
    else:
        fig, (left, right) = axes_row(axes, 2, figsize)
    # the overview is a few hundred pixels wide on screen: draw every step-th pixel (same look, less work)
    step = max(1, max(H, W) // 300)
    left.imshow(img[::step, ::step], cmap=GRAY_CMAP, vmin=0, vmax=vmax, interpolation="nearest",
                extent=(-0.5, -0.5 + step * -(-W // step), -0.5 + step * -(-H // step), -0.5))
    left.set_xlim(-0.5, W - 0.5)
    left.set_ylim(H - 0.5, -0.5)
    left.set_xticks(range(0, W, 200))
    left.set_yticks(range(0, H, 200))
    outline = highlight_cells(left, 0, 0, 1, 1, color=_WINDOW_COLOUR, linewidth=2)
    # crosshairs, so even a 1-pixel window can be found on a 600-pixel photo
    across = left.axhline(0, color=_WINDOW_COLOUR, linewidth=0.8, linestyle="--")
    down = left.axvline(0, color=_WINDOW_COLOUR, linewidth=0.8, linestyle="--")
    left.set_xlabel(f"column j (0..{W - 1})")
    left.set_ylabel(f"row i (0..{H - 1})")
    fast_title(left, f"the photo, {H} x {W}")
    for label in left.get_xticklabels() + left.get_yticklabels():
        as_path_text(label)
    # the window, drawn like matrix_plot's grey cells, but with one set of ticks instead of two: tick
    # objects are the slowest part of a redraw
    right.imshow(np.zeros((1, 1)), cmap=GRAY_CMAP, vmin=0, vmax=vmax)
    right.set_xlabel("column j")
    right.set_ylabel("row i")
    fast_title(right, "")
    for label in (left.xaxis.label, left.yaxis.label, right.xaxis.label, right.yaxis.label):
        as_path_text(label)
    links = [fig.add_artist(ConnectionPatch(xyA=(0, 0), coordsA=left.transData, xyB=(0, 0),
                                            coordsB=right.transData, color=_WINDOW_COLOUR, linewidth=0.8))
             for _ in range(2)]  # the zoom lines from the outline's corners to the panel
    left._cnnmath_zoom = {"image": img, "vmax": vmax, "axes": (left, right), "outline": outline,
                          "cross": (across, down), "links": links, "numbers": [], "size": None}
    _fill_zoom(left._cnnmath_zoom, *args)
    return fig


def update_zoom_plot(fig, row, col, size):
    """Move the window of a figure made by :func:`zoom_plot` to ``row``, ``col`` (and ``size``), in place.

    Returns the figure.
    """
    for ax in fig.axes:
        info = getattr(ax, "_cnnmath_zoom", None)
        if info is not None:
            _fill_zoom(info, *_zoom_args(info["image"], row, col, size))
            return fig
    raise ValueError("fig needs to be a figure made by zoom_plot")


def _fill_zoom(info, row, col, size):
    left, right = info["axes"]
    window = info["image"][row:row + size, col:col + size]
    move_cells(info["outline"], row, col, size, size)
    across, down = info["cross"]
    across.set_ydata([row + size / 2 - 0.5] * 2)
    down.set_xdata([col + size / 2 - 0.5] * 2)
    image = right.images[0]
    image.set_data(window)
    if size != info["size"]:
        image.set_extent((-0.5, size - 0.5, size - 0.5, -0.5))
        right.set_xlim(-0.5, size - 0.5)
        right.set_ylim(size - 0.5, -0.5)
        info["size"] = size
    for collection in info["numbers"]:
        collection.remove()
    info["numbers"] = write_numbers(right, window, _window_fontsize(size), info["vmax"])
    every = 1 if size <= 8 else 2
    ticks = list(range(0, size, every))
    right.set_xticks(ticks, [str(col + t) for t in ticks], fontsize=8, rotation=90 if size > 8 else 0)
    right.set_yticks(ticks, [str(row + t) for t in ticks], fontsize=8)
    for label in right.get_xticklabels() + right.get_yticklabels():
        as_path_text(label)
    right.title.set_text(f"I[{row}:{row + size}, {col}:{col + size}]")
    for link, corner_y in zip(info["links"], (row - 0.5, row + size - 0.5)):
        link.xy1 = (col + size - 0.5, corner_y)
        link.xy2 = (-0.5, corner_y - row)
        link.stale = True


def channels_plot(rgb, axes=None, *, figsize=(12, 3.4)):
    """A colour image and its red, green and blue channels side by side, each channel in grey (lesson 1).

    Parameters
    ----------
    rgb : array_like, shape (H, W, 3)
        Values 0..255.
    axes : sequence of 4 Axes, optional
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb has shape {rgb.shape} but needs (H, W, 3)")
    fig, axes = axes_row(axes, 4, figsize, layout="constrained")
    axes[0].imshow(np.clip(rgb, 0, 255).astype(np.uint8))
    axes[0].set_title(f"colour: {rgb.shape[0]} x {rgb.shape[1]} x 3")
    for c, ax in enumerate(axes[1:]):
        channel = rgb[:, :, c].astype(float)
        ax.imshow(channel, cmap=GRAY_CMAP, vmin=0, vmax=255)
        ax.set_title(f"rgb[:, :, {c}] = {_CHANNEL_NAMES[c]}\nmean {channel.mean():.1f}", fontsize=10)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def normalize_plot(img, axes=None, *, figsize=(10, 3), bins=64):
    """Histograms of an image's values before (0..255) and after dividing by 255 (0..1) (lesson 1).

    Parameters
    ----------
    img : array_like, shape (H, W)
    axes : sequence of 2 Axes, optional
    figsize : tuple
    bins : int

    Returns
    -------
    matplotlib Figure
    """
    img = _as_image(img)
    fig, (left, right) = axes_row(axes, 2, figsize, layout="constrained")
    for ax, values, top, name in ((left, img, 255, "I, values 0..255"),
                                  (right, img / 255.0, 1, "I / 255, values 0..1")):
        ax.hist(values.ravel(), bins=bins, range=(0, top), color="#555555", edgecolor="white",
                linewidth=0.3)
        ax.set_xlim(0, top)
        ax.set_title(f"{name}: min {values.min():.4g}, max {values.max():.4g}", fontsize=10)
        ax.set_xlabel("pixel value")
        ax.set_ylabel("number of pixels")
    return fig


def gray_weights_plot(rgb, weights, axes=None, *, figsize=(8, 3.6), gray=None):
    """Grayscale from a weighted sum of R, G, B (left, fixed 0..255 scale) and the weights as bars (right).

    Values above 255 (weights summing to more than 1) are drawn white, those are clipped only in the
    picture, and the bar chart states the weights' sum. :func:`update_gray_weights_plot` shows other
    weights in place.

    Parameters
    ----------
    rgb : array_like, shape (H, W, 3)
    weights : sequence of 3 floats
    axes : sequence of 2 Axes, optional
    figsize : tuple
    gray : ndarray, shape (H, W), optional
        ``rgb @ weights`` if the caller already has it (the explorer does).

    Returns
    -------
    matplotlib Figure
    """
    rgb = np.asarray(rgb, dtype=float)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb has shape {rgb.shape} but needs (H, W, 3)")
    w = _gray_weights(weights)
    gray = rgb @ w if gray is None else np.asarray(gray, dtype=float)
    if axes is None:  # fixed margins: a layout engine would double the drawing time of the explorer
        fig, axes = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.3, 1]})
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.1, top=0.84, wspace=0.12)
    else:
        fig, axes = axes_row(axes, 2, figsize)
    left, right = axes
    left.imshow(np.zeros((1, 1)), cmap=GRAY_CMAP, vmin=0, vmax=255)
    left.set_xticks([])
    left.set_yticks([])
    fast_title(left, "", fontsize=10)
    bars = right.bar(["R", "G", "B"], w, color=["#d73027", "#1a9850", "#4575b4"], edgecolor="black",
                     hatch=["", "//", ".."])  # hatching: the bars differ by more than colour
    above_bar = right.transData + transforms.ScaledTranslation(0, 3 / 72, fig.dpi_scale_trans)  # 3 points up
    labels = [path_text(right, bar.get_x() + bar.get_width() / 2, 0, "", ha="center", va="bottom",
                        fontsize=10, transform=above_bar) for bar in bars]
    fast_title(right, "", fontsize=10)
    left._cnnmath_gray = {"axes": axes, "bars": list(bars), "labels": labels}
    _fill_gray_weights(left._cnnmath_gray, w, gray)
    return fig


def update_gray_weights_plot(fig, weights, gray):
    """Show other ``weights`` and the grey image they make (``gray = rgb @ weights``, computed by the
    caller) on a figure made by :func:`gray_weights_plot`, in place. Returns the figure."""
    for ax in fig.axes:
        info = getattr(ax, "_cnnmath_gray", None)
        if info is not None:
            _fill_gray_weights(info, _gray_weights(weights), np.asarray(gray, dtype=float))
            return fig
    raise ValueError("fig needs to be a figure made by gray_weights_plot")


def _gray_weights(weights):
    w = np.asarray(weights, dtype=float)
    if w.shape != (3,):
        raise ValueError(f"weights has shape {w.shape} but needs (3,), one weight per channel")
    return w


def _fill_gray_weights(info, w, gray):
    left, right = info["axes"]
    image = left.images[0]
    H, W = gray.shape  # every pixel is drawn, so the text alternative's range is the title's
    image.set_data(gray)
    image.set_extent((-0.5, W - 0.5, H - 0.5, -0.5))
    left.set_xlim(-0.5, W - 0.5)
    left.set_ylim(H - 0.5, -0.5)
    above = int((gray > 255).sum())
    left.title.set_text(f"gray: min {gray.min():.0f}, max {gray.max():.0f}"
                        + (f"\n{above:,} pixels above 255 (white)" if above else ""))
    for bar, label, value in zip(info["bars"], info["labels"], w):
        bar.set_height(value)
        label.set_y(value)
        label.set_text(f"{value:.3f}")
    right.set_ylim(0, max(1.0, float(w.max()) * 1.2))
    right.title.set_text(f"weights, sum {w.sum():.3f}")
    for label in right.get_xticklabels() + right.get_yticklabels():  # the ticks follow the new limits
        as_path_text(label)
