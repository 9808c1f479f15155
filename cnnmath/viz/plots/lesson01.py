"""Pictures of lesson 1 (``01_image_as_matrix.ipynb``): an image is a matrix of numbers.

Intensities are always drawn in grey on the fixed scale 0 (black) .. 255 (white), so a patch looks as
bright in a zoomed window as it does in the photo; small matrices carry their numbers in the cells.
"""

from __future__ import annotations

import functools

import numpy as np
import matplotlib.pyplot as plt
from matplotlib import colors as mcolors
from matplotlib import transforms
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.patches import ConnectionPatch
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.textpath import TextPath

from .common import GRAY_CMAP, axes_row, format_number, highlight_cells, matrix_plot, move_cells

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


@functools.lru_cache(maxsize=2048)
def _number_path(text, fontsize):
    """The outline of ``text`` in points, centred on (0, 0); cached, since pixel values repeat."""
    return _text_path(text, fontsize, "center", "center")


def _box(path):
    """The box of a glyph outline's vertices (its curves' control points stay within a hair of the curves;
    ``Path.get_extents`` solves every curve and costs about 2 ms for a short number)."""
    (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
    return transforms.Bbox([[x0, y0], [x1, y1]])


@functools.lru_cache(maxsize=4096)
def _text_path(text, fontsize, ha, va, rotation=0.0, mode="default"):
    """The outline of ``text`` in points, placed so that (0, 0) is its anchor (``ha``, ``va``).

    ``rotation`` (degrees, counter-clockwise) turns the text, as matplotlib's ``rotation_mode`` says:
    "default" turns first and aligns the turned outline's box, "anchor" aligns first and turns about
    the anchor (axis labels).

    Lines split at newlines are stacked 1.2 font sizes apart and each aligned by ``ha``; "baseline" is
    the last line's baseline, as for a title. Cached: the numbers in the cells repeat from one redraw
    to the next.
    """
    prop = FontProperties(family="DejaVu Sans")
    lines = text.split("\n")
    parts = []
    for k, line in enumerate(lines):
        path = TextPath((0, 0), line, size=fontsize, prop=prop)
        if not len(path.vertices):
            continue
        box = _box(path)
        dx = {"left": -box.x0, "center": -(box.x0 + box.x1) / 2, "right": -box.x1}[ha]
        dy = (len(lines) - 1 - k) * 1.2 * fontsize
        parts.append(path.transformed(transforms.Affine2D().translate(dx, dy)))
    if not parts:
        return Path(np.zeros((0, 2)))
    path = Path.make_compound_path(*parts)
    if rotation and mode != "anchor":
        path = path.transformed(transforms.Affine2D().rotate_deg(rotation))
        box = _box(path)
        dx = {"left": -box.x0, "center": -(box.x0 + box.x1) / 2, "right": -box.x1}[ha]
        path = path.transformed(transforms.Affine2D().translate(dx, 0))
    box = _box(path)
    dy = {"bottom": -box.y0, "center": -(box.y0 + box.y1) / 2, "top": -box.y1, "baseline": 0.0,
          "center_baseline": -(box.y0 + box.y1) / 2}[va]
    path = path.transformed(transforms.Affine2D().translate(0, dy))
    if rotation and mode == "anchor":
        path = path.transformed(transforms.Affine2D().rotate_deg(rotation))
    return path


class PathText(Text):
    """A one-line ``Text`` drawn from the outlines of its glyphs, cached per string and size.

    Agg lays out and renders every ``Text`` anew on each draw (about 0.4 ms for a short number on this
    machine); filling a cached outline costs a few hundredths of that, so the numbers written in a
    matrix's cells stop dominating an explorer's redraw. It is still a ``Text``: ``ax.texts``, its
    string, colour and position read as usual (the figure's text alternative lists it), and
    ``set_text``/``set_color`` update it in place. DejaVu Sans; the rotation turns the outline.
    """

    def draw(self, renderer):
        if renderer is None or not self.get_visible() or self.get_text() == "":
            return
        x, y = self.get_transform().transform((float(self._x), float(self._y)))
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        path = _text_path(self.get_text(), float(self.get_fontsize()), self.get_horizontalalignment(),
                          self.get_verticalalignment(), float(self.get_rotation()),
                          self.get_rotation_mode())
        scale = renderer.points_to_pixels(1.0)
        gc = renderer.new_gc()
        gc.set_linewidth(0)
        gc.set_alpha(self.get_alpha())
        gc.set_antialiased(True)
        renderer.draw_path(gc, path, transforms.Affine2D().scale(scale).translate(x, y),
                           mcolors.to_rgba(self.get_color(), self.get_alpha()))
        gc.restore()
        self.stale = False

    def get_window_extent(self, renderer=None, dpi=None):
        """The box of the drawn outline, in display pixels (no font layout: tick labels are measured on
        every draw, and this keeps that cheap too)."""
        if not self.get_visible() or self.get_text() == "":
            return super().get_window_extent(renderer, dpi)
        if dpi is None:
            dpi = self.get_figure(root=True).dpi
        x, y = self.get_transform().transform((float(self._x), float(self._y)))
        path = _text_path(self.get_text(), float(self.get_fontsize()), self.get_horizontalalignment(),
                          self.get_verticalalignment(), float(self.get_rotation()),
                          self.get_rotation_mode())
        if not len(path.vertices):
            return super().get_window_extent(renderer, dpi)
        return _box(path).transformed(transforms.Affine2D().scale(dpi / 72).translate(x, y))


def as_path_text(text):
    """Make an existing ``Text`` (a title, an axis label, a figure text) draw as a :class:`PathText`.

    Returns it. Its string, colour, position and alignment keep working as before.
    """
    if not isinstance(text, Text):
        raise TypeError(f"text is {type(text).__name__} but needs a matplotlib Text")
    text.__class__ = PathText  # PathText adds no state: the same object, drawn from its cached outline
    return text


def fast_title(ax, label, **kwargs):
    """Set ``ax``'s title at a fixed place above the axes (no automatic positioning, which measures every
    tick label on each draw) and draw it as a :class:`PathText`. Later ``ax.set_title(...)`` calls keep both.

    Returns the title.
    """
    kwargs.setdefault("y", 1.0)  # an explicit y turns matplotlib's automatic title placement off
    return as_path_text(ax.set_title(label, **kwargs))


def path_text(ax, x, y, s, **kwargs):
    """``ax.text(x, y, s, **kwargs)``, but drawn as a :class:`PathText` (data coordinates unless
    ``transform`` is given). Returns it."""
    t = PathText(x, y, s, **kwargs)
    if "transform" not in kwargs:
        t.set_transform(ax.transData)
    ax._add_text(t)
    return t


def _write_numbers(ax, M, fontsize, vmax):
    """Write every value of ``M`` in its cell, as two path collections (dark and light text); returns them.

    Same look as ``matrix_plot``'s numbers, but a 16 x 16 window costs one draw call per colour instead of
    256 text artists (about 30 ms instead of 200 ms), which keeps the zoom widget under 100 ms.
    """
    light_cell = M / vmax > 0.5  # matrix_plot's rule for grey cells: dark text on light cells
    points = transforms.Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans  # follows any dpi change
    made = []
    for mask, colour in ((light_cell, "black"), (~light_cell, "white")):
        cells = np.argwhere(mask)
        if not len(cells):
            continue
        paths = [_number_path(format_number(M[i, j]), fontsize) for i, j in cells]
        made.append(ax.add_collection(PathCollection(paths, offsets=cells[:, ::-1].astype(float),
                                                     offset_transform=ax.transData, transform=points,
                                                     facecolors=colour, edgecolors="none"), autolim=False))
    return made


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
    info["numbers"] = _write_numbers(right, window, _window_fontsize(size), info["vmax"])
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
    left.imshow(gray, cmap=GRAY_CMAP, vmin=0, vmax=255)
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
    if gray.shape != image.get_array().shape:
        image.set_extent((-0.5, gray.shape[1] - 0.5, gray.shape[0] - 0.5, -0.5))
        left.set_xlim(-0.5, gray.shape[1] - 0.5)
        left.set_ylim(gray.shape[0] - 0.5, -0.5)
    image.set_data(gray)
    above = int((gray > 255).sum())
    left.title.set_text(f"gray: min {gray.min():.0f}, max {gray.max():.0f}"
                        + (f"\n{above:,} pixels above 255 (white)" if above else ""))
    for bar, label, value in zip(info["bars"], info["labels"], w):
        bar.set_height(value)
        label.set_y(value)
        label.set_text(f"{value:.3f}")
    right.set_ylim(0, max(1.0, float(w.max()) * 1.2))
    right.title.set_text(f"weights, sum {w.sum():.3f}")
