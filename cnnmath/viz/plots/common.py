"""Shared drawing helpers for every lesson's pictures (matplotlib only; no widgets here).

Conventions of the course: intensities in grey (``gray``, 0 black .. 255 white); signed values in a
diverging map centred at 0 (``RdBu_r``: blue negative, red positive, both readable in greyscale by
lightness) with a colour bar; numbers written in the cells whenever a matrix is small enough to read, so
that colour is never the only carrier of a value.
"""

from __future__ import annotations

import functools
import io

import numpy as np
import matplotlib.pyplot as plt
from matplotlib import colors as mcolors
from matplotlib import transforms
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PathCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.textpath import TextPath
from matplotlib.ticker import FixedFormatter, MaxNLocator

__all__ = ["DIVERGING_CMAP", "GRAY_CMAP", "DPI", "DETAIL_DPI", "get_ax", "axes_row", "matrix_plot",
           "update_matrix_plot", "image_plot", "signed_limit", "signed_map", "update_signed_map", "highlight_cells",
           "move_cells", "map_mosaic", "minus_sign", "plain_number", "values_inside", "round_ticks", "format_number",
           "figure_png", "PathText", "as_path_text", "fast_title", "path_text", "write_numbers", "path_ticks",
           "signed_colorbar", "colorbar_limit", "figure_state", "set_image_data"]

DIVERGING_CMAP = "RdBu_r"
GRAY_CMAP = "gray"

#: Dots per inch of every picture an explorer sends (a 12-inch figure is 960 pixels wide).
DPI = 80

#: The resolution of explorer pictures whose small print must stay readable (lesson 7's digits, their 16
#: labelled maps and the kernel's decimals): 8-point text is 11 pixels tall here, 9 at :data:`DPI`.
DETAIL_DPI = 100

#: Above this many cells per side, numbers are no longer written into a matrix plot.
MAX_ANNOTATED_SIDE = 16

#: zlib level of the explorers' PNGs: level 1 encodes in about two thirds of the default's time, for files
#: about 8 % larger (measured on lesson 2's four-panel figure: 5.3 ms against 7.8 ms, 27.8 kB against 25.9).
PNG_COMPRESS_LEVEL = 1


def get_ax(ax=None, figsize=(4, 4)):
    """Return ``(fig, ax)``: the given axes and its figure, or a new figure of ``figsize`` inches."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def axes_row(axes, n, figsize, **subplots_kwargs):
    """``(fig, axes)``: the caller's ``n`` axes (any sequence or array of them), or a new row of ``n``.

    Parameters
    ----------
    axes : sequence of n matplotlib Axes, or None
    n : int
    figsize : (float, float)
        Inches, used only when ``axes`` is None.
    **subplots_kwargs
        Passed to ``plt.subplots`` when a new figure is made (``gridspec_kw``, ``layout``, ...).

    Returns
    -------
    (Figure, list of n Axes)
    """
    if axes is None:
        fig, made = plt.subplots(1, n, figsize=figsize, **subplots_kwargs)
        return fig, list(np.ravel(made))
    axes = list(np.ravel(axes))
    if len(axes) != n:
        raise ValueError(f"axes has {len(axes)} axes but needs {n}")
    return axes[0].figure, axes


def signed_limit(*arrays) -> float:
    """The symmetric colour limit of signed values: the largest ``|v|`` over ``arrays`` (at least 1e-12).

    A diverging map from ``-limit`` to ``+limit`` puts 0 at its white middle, whatever the arrays hold.
    """
    lim = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=float)
        if a.size:
            lim = max(lim, float(np.nanmax(np.abs(a))) if np.isfinite(a).any() else 0.0)
    return max(lim, 1e-12)


def signed_map(ax, M, *, limit=None, **imshow_kwargs):
    """Draw signed values in the course's diverging map, centred at 0 (blue negative, white 0, red positive).

    Parameters
    ----------
    ax : matplotlib Axes
    M : array_like, shape (H, W)
    limit : float, optional
        The colour limit (default :func:`signed_limit` of ``M``); values beyond it saturate.

    Returns
    -------
    matplotlib.image.AxesImage
        Update it in place with :func:`update_signed_map`.
    """
    M = np.asarray(M, dtype=float)
    lim = signed_limit(M) if limit is None else max(float(limit), 1e-12)
    return ax.imshow(M, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim), **imshow_kwargs)


def update_signed_map(image, M, *, limit=None):
    """Give a :func:`signed_map` image new values (and limit) in place; returns the image.

    A colour bar made for the image follows the new limit.
    """
    M = np.asarray(M, dtype=float)
    lim = signed_limit(M) if limit is None else max(float(limit), 1e-12)
    reshaped = M.shape != image.get_array().shape
    image.set_data(M)
    if reshaped:
        image.set_extent((-0.5, M.shape[1] - 0.5, M.shape[0] - 0.5, -0.5))
    image.set_norm(TwoSlopeNorm(0.0, -lim, lim))
    return image


def map_mosaic(maps, ncols, *, gap=1, fill=np.nan):
    """Lay F maps out in one array, ``ncols`` per row with ``gap`` cells of ``fill`` between them.

    One image of all the maps draws much faster than F small axes.

    Parameters
    ----------
    maps : array_like, shape (F, H, W)
    ncols : int
    gap : int
    fill : float

    Returns
    -------
    ndarray, shape (rows * (H + gap) - gap, ncols * (W + gap) - gap), ``rows = ceil(F / ncols)``
        Map ``f`` has its top-left corner at ``((f // ncols) * (H + gap), (f % ncols) * (W + gap))``.
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3 or len(maps) == 0:
        raise ValueError(f"maps has shape {maps.shape} but needs (F, H, W) with F >= 1")
    if int(ncols) != ncols or ncols < 1:
        raise ValueError(f"ncols is {ncols!r} but needs a whole number >= 1")
    F, H, W = maps.shape
    ncols = int(min(ncols, F))
    rows = -(-F // ncols)
    out = np.full((rows * (H + gap) - gap, ncols * (W + gap) - gap), fill, dtype=float)
    for f in range(F):
        r, c = (f // ncols) * (H + gap), (f % ncols) * (W + gap)
        out[r:r + H, c:c + W] = maps[f]
    return out


def figure_png(fig, dpi=DPI, **savefig_kwargs) -> bytes:
    """``fig`` as PNG bytes, drawn once (no ``bbox_inches="tight"``, which draws twice) and quickly encoded.

    Parameters
    ----------
    fig : matplotlib Figure
    dpi : float
        Default :data:`DPI`, the explorers' resolution.
    """
    buffer = io.BytesIO()
    savefig_kwargs.setdefault("pil_kwargs", {"compress_level": PNG_COMPRESS_LEVEL})
    fig.savefig(buffer, format="png", dpi=dpi, **savefig_kwargs)
    return buffer.getvalue()


def minus_sign(text) -> str:
    """``text`` with its hyphens written as true minus signs (U+2212), as matplotlib writes its own tick
    labels; ``-0`` is ``0``."""
    return "0" if text in ("0", "-0") else text.replace("-", "\u2212")


def plain_number(v) -> str:
    """A tick label: ``v`` in plain decimals (no exponent, no trailing zeros, at most 10 decimals), with a
    true minus sign."""
    return minus_sign(np.format_float_positional(round(float(v), 10), trim="-"))


def values_inside(values, lo, hi):
    """The ``values`` between ``lo`` and ``hi`` (either order, ends included to within 1e-9 of their size, so
    that a tick computed as 0.30000000000000004 for a limit of 0.3 stays), as floats."""
    lo, hi = min(lo, hi), max(lo, hi)
    slack = 1e-9 * max(abs(lo), abs(hi), 1e-300)
    return [float(v) for v in values if lo - slack <= v <= hi + slack]


def round_ticks(lo, hi, nbins=4, integer=False):
    """A few round values (1, 2, 2.5 or 5 times a power of ten) from ``lo`` to ``hi``, as matplotlib's
    automatic ticks would choose them, for fixed ticks that an update sets once."""
    locator = MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=integer)
    return values_inside(locator.tick_values(lo, hi), lo, hi)


def format_number(v, decimals=2) -> str:
    """Short text for a cell: integers without decimals, others rounded; ``-0`` written as ``0``."""
    v = float(v)
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v))) if round(v) != 0 else "0"
    return f"{v:.{decimals}f}"


def matrix_plot(M, ax=None, *, signed=None, annotate=None, decimals=2, title=None, colorbar=None,
                vmin=None, vmax=None, figsize=(4, 4), fontsize=None):
    """Draw a 2-D matrix as a grid of coloured cells, each with its number written in it.

    The numbers are :class:`PathText` (drawn from cached outlines, a few hundredths of a normal text's
    cost), so an explorer can redraw a matrix quickly; :func:`update_matrix_plot` changes it in place.

    Parameters
    ----------
    M : array_like, shape (H, W)
    ax : matplotlib Axes, optional
    signed : bool, optional
        True: diverging map centred at 0 with a colour bar (for kernels, feature maps, gradients).
        False: grey map (intensities). Default: True if M has negative entries.
    annotate : bool, optional
        Write each value in its cell; default when both sides are at most 16.
    decimals : int
        Decimals for non-integer values.
    title : str, optional
    colorbar : bool, optional
        Default: True for signed matrices.
    vmin, vmax : float, optional
        Colour limits (grey default: the data range; signed default: symmetric around 0).
    figsize : tuple
        Used only when ``ax`` is None.

    Returns
    -------
    matplotlib Figure
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M has shape {M.shape} but needs a 2-D matrix (H, W)")
    fig, ax = get_ax(ax, figsize)
    if signed is None:
        signed = bool((M < 0).any())
    if annotate is None:
        annotate = max(M.shape) <= MAX_ANNOTATED_SIDE
    if colorbar is None:
        colorbar = signed
    if signed:
        im = signed_map(ax, M, limit=_signed_matrix_limit(M, vmin, vmax))
    else:
        im = ax.imshow(M, cmap=GRAY_CMAP, vmin=M.min() if vmin is None else vmin,
                       vmax=M.max() if vmax is None else vmax)
    texts = []
    if annotate:
        size = fontsize or max(6, min(12, int(110 / max(M.shape))))
        for (i, j), v in np.ndenumerate(M):
            texts.append(path_text(ax, j, i, format_number(v, decimals), ha="center", va="center", fontsize=size,
                                   color=_text_colour(im.norm, v, signed)))
    _matrix_ticks(ax, M.shape)
    if title:
        ax.set_title(title)
    if colorbar:
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax._cnnmath_matrix = {"image": im, "texts": texts, "signed": signed, "decimals": decimals,
                          "vmin": vmin, "vmax": vmax, "annotate": annotate, "fontsize": fontsize}
    return fig


def _signed_matrix_limit(M, vmin, vmax):
    return max(abs(vmin) if vmin is not None else 0, abs(vmax) if vmax is not None else 0, signed_limit(M))


def _text_colour(norm, v, signed):
    # dark text on light cells, light text on dark cells, judged by the cell's lightness
    shade = norm(v)
    light_cell = (0.25 < shade < 0.75) if signed else shade > 0.5
    return "black" if light_cell else "white"


def _matrix_ticks(ax, shape):
    ax.set_xticks(range(shape[1]) if max(shape) <= MAX_ANNOTATED_SIDE else [])
    ax.set_yticks(range(shape[0]) if max(shape) <= MAX_ANNOTATED_SIDE else [])


def update_matrix_plot(ax, M, *, title=None, vmin=None, vmax=None):
    """Give a :func:`matrix_plot` panel new values in place: colours, written numbers, title and colour bar.

    Much cheaper than drawing the panel again: the axes, its ticks and its colour bar stay. When the shape
    changes, the cells' numbers and the ticks are made anew for the new shape.

    Parameters
    ----------
    ax : matplotlib Axes
        An axes that :func:`matrix_plot` drew on.
    M : array_like, shape (H, W)
    title : str, optional
        A new title (default: keep the old one).
    vmin, vmax : float, optional
        New colour limits, as in :func:`matrix_plot` (default: those it was drawn with).

    Returns
    -------
    matplotlib Axes
    """
    info = getattr(ax, "_cnnmath_matrix", None)
    if info is None:
        raise ValueError("ax needs to be an axes that matrix_plot drew on")
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M has shape {M.shape} but needs a 2-D matrix (H, W)")
    vmin = info["vmin"] if vmin is None else vmin
    vmax = info["vmax"] if vmax is None else vmax
    im, signed = info["image"], info["signed"]
    reshaped = M.shape != im.get_array().shape
    if signed:
        update_signed_map(im, M, limit=_signed_matrix_limit(M, vmin, vmax))
    else:
        im.set_data(M)
        if reshaped:
            im.set_extent((-0.5, M.shape[1] - 0.5, M.shape[0] - 0.5, -0.5))
        im.set_clim(M.min() if vmin is None else vmin, M.max() if vmax is None else vmax)
    texts = info["texts"]
    if reshaped:
        for t in texts:
            t.remove()
        texts = []
        if max(M.shape) <= MAX_ANNOTATED_SIDE and info["annotate"]:
            size = info["fontsize"] or max(6, min(12, int(110 / max(M.shape))))
            texts = [path_text(ax, j, i, "", ha="center", va="center", fontsize=size)
                     for (i, j), _ in np.ndenumerate(M)]
        info["texts"] = texts
        _matrix_ticks(ax, M.shape)  # (the image's new extent has already set the axes' limits)
    for t, v in zip(texts, M.ravel()):
        t.set_text(format_number(v, info["decimals"]))
        t.set_color(_text_colour(im.norm, v, signed))
    if title is not None:
        ax.set_title(title)
    info.update(vmin=vmin, vmax=vmax)
    return ax


def image_plot(img, ax=None, *, title=None, signed=None, colorbar=None, figsize=(4, 4)):
    """Draw a larger image (a photo or a feature map) without numbers; grey, or diverging if signed.

    Returns
    -------
    matplotlib Figure
    """
    img = np.asarray(img, dtype=float)
    fig, ax = get_ax(ax, figsize)
    if signed is None:
        signed = bool((img < 0).any())
    if colorbar is None:
        colorbar = signed
    if signed:
        im = signed_map(ax, img)
    else:
        im = ax.imshow(img, cmap=GRAY_CMAP)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig


def highlight_cells(ax, row, col, height, width, color="#ffb000", linewidth=3, linestyle="-"):
    """Outline a block of cells (a kernel window, a pooling window) on a matrix plot."""
    rect = Rectangle((col - 0.5, row - 0.5), width, height, fill=False, edgecolor=color,
                     linewidth=linewidth, linestyle=linestyle)
    ax.add_patch(rect)
    return rect


def move_cells(rect, row, col, height=None, width=None):
    """Move (and resize) an outline made by :func:`highlight_cells` in place; returns it."""
    rect.set_xy((col - 0.5, row - 0.5))
    if height is not None:
        rect.set_height(height)
    if width is not None:
        rect.set_width(width)
    return rect


# ------------------------------------------------------------------ text drawn from cached outlines

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
def _text_path(text, fontsize, ha, va, rotation=0.0, mode="default", weight="normal"):
    """The outline of ``text`` in points, placed so that (0, 0) is its anchor (``ha``, ``va``).

    ``rotation`` (degrees, counter-clockwise) turns the text, as matplotlib's ``rotation_mode`` says:
    "default" turns first and aligns the turned outline's box, "anchor" aligns first and turns about
    the anchor (axis labels).

    Lines split at newlines are stacked 1.2 font sizes apart and each aligned by ``ha``; "baseline" is
    the last line's baseline, as for a title. Cached: the numbers in the cells repeat from one redraw
    to the next.
    """
    prop = FontProperties(family="DejaVu Sans", weight=weight)
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
        if self.get_bbox_patch() is not None:  # a boxed text: the box needs Text's own layout
            return super().draw(renderer)
        x, y = self.get_transform().transform((float(self._x), float(self._y)))
        if not (np.isfinite(x) and np.isfinite(y)):
            return
        path = _text_path(self.get_text(), float(self.get_fontsize()), self.get_horizontalalignment(),
                          self.get_verticalalignment(), float(self.get_rotation()),
                          self.get_rotation_mode(), self.get_fontweight())
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
        if not self.get_visible() or self.get_text() == "" or self.get_bbox_patch() is not None:
            return super().get_window_extent(renderer, dpi)
        if dpi is None:
            dpi = self.figure.dpi  # (a subfigure's dpi is its root figure's)
        x, y = self.get_transform().transform((float(self._x), float(self._y)))
        path = _text_path(self.get_text(), float(self.get_fontsize()), self.get_horizontalalignment(),
                          self.get_verticalalignment(), float(self.get_rotation()),
                          self.get_rotation_mode(), self.get_fontweight())
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


def write_numbers(ax, M, fontsize, vmax):
    """Write every value of ``M`` in its cell, as two path collections (dark and light text); returns them.

    Same look as ``matrix_plot``'s numbers, but a 16 x 16 window costs one draw call per colour instead of
    256 text artists (about 30 ms instead of 200 ms), which keeps the zoom widget under 100 ms. The numbers,
    in reading order, are kept on ``ax`` for the figure's text alternative (they are not ``Text`` artists).
    """
    ax._cnnmath_written = [format_number(v) for v in np.asarray(M).ravel()]
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


def path_ticks(ax, *, integers=False):
    """Draw ``ax``'s tick labels and axis labels from cached glyph outlines (a redraw lays out no font).

    ``integers=True`` first writes the ticks as fixed strings of their whole-number positions (index
    ticks that name rows and columns): a number formatter would format them anew on every draw.
    """
    if integers:
        for axis in (ax.xaxis, ax.yaxis):
            locs = [int(round(v)) for v in axis.get_ticklocs()]
            formatter = axis.get_major_formatter()
            if not isinstance(formatter, FixedFormatter) or list(formatter.seq) != [str(v) for v in locs]:
                axis.set_ticks(locs, [str(v) for v in locs])
    for label in ax.get_xticklabels() + ax.get_yticklabels() + [ax.xaxis.label, ax.yaxis.label]:
        as_path_text(label)


def signed_colorbar(fig, ax=None, *, cax=None, fraction=0.046, pad=0.04, extend="neither"):
    """A colour bar for signed maps on a symmetric ``-lim..lim`` scale, in the course's diverging colours.

    The same colours as the maps' centred norm (their limits are symmetric, so the two agree), on a plain
    linear axis: a colour bar of the centred norm itself maps every tick through that norm on each draw.
    Set (and reset) its limit with :func:`colorbar_limit`.

    Parameters
    ----------
    fig : matplotlib Figure
    ax : Axes or list of Axes, optional
        The panels it belongs to (it takes room from them); or give ``cax``, the axes to draw it in.
    """
    scale = ScalarMappable(norm=Normalize(-1.0, 1.0), cmap=DIVERGING_CMAP)
    if cax is not None:
        return fig.colorbar(scale, cax=cax, extend=extend)
    return fig.colorbar(scale, ax=ax, fraction=fraction, pad=pad, extend=extend)


def colorbar_limit(colorbar, lim, *, ticks=None, labels=None):
    """Colours of a :func:`signed_colorbar` from ``-lim`` to ``lim``; ticks drawn from cached outlines.

    Parameters
    ----------
    colorbar : matplotlib Colorbar
    lim : float
    ticks : sequence of float, optional
        Default ``(-lim, 0, lim)``.
    labels : sequence of str, optional
        The ticks' text (default: each value with 4 significant digits and a true minus sign, as
        matplotlib writes the axes' ticks).
    """
    colorbar.mappable.set_clim(-lim, lim)
    ticks = [-lim, 0, lim] if ticks is None else list(ticks)
    if labels is None:
        labels = [minus_sign("%.4g" % v) for v in ticks]
    colorbar.set_ticks(ticks, labels=labels)
    long_axis = colorbar.ax.yaxis if colorbar.orientation == "vertical" else colorbar.ax.xaxis
    for tick in long_axis.get_major_ticks(len(colorbar.get_ticks())):
        as_path_text(tick.label1)
        as_path_text(tick.label2)


def figure_state(fig, key, maker):
    """What a plot function stored on one of ``fig``'s axes under the attribute ``key`` (its artists, for
    its ``update_*`` twin). ``maker`` names that plot function in the error for any other figure."""
    for ax in fig.axes:
        info = getattr(ax, key, None)
        if info is not None:
            return info
    raise ValueError(f"fig needs to be a figure made by {maker}")


def set_image_data(image, M):
    """New values for an ``AxesImage`` in place; a new shape also gets its extent and the axes' limits.

    Parameters
    ----------
    image : matplotlib.image.AxesImage
    M : ndarray, shape (H, W) or (H, W, 3 or 4)
    """
    reshaped = M.shape[:2] != image.get_array().shape[:2]
    image.set_data(M)
    if reshaped:
        image.set_extent((-0.5, M.shape[1] - 0.5, M.shape[0] - 0.5, -0.5))
        image.axes.set_xlim(-0.5, M.shape[1] - 0.5)
        image.axes.set_ylim(M.shape[0] - 0.5, -0.5)
