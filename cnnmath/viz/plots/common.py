"""Shared drawing helpers for every lesson's pictures (matplotlib only; no widgets here).

Conventions of the course: intensities in grey (``gray``, 0 black .. 255 white); signed values in a
diverging map centred at 0 (``RdBu_r``: blue negative, red positive, both readable in greyscale by
lightness) with a colour bar; numbers written in the cells whenever a matrix is small enough to read, so
that colour is never the only carrier of a value.
"""

from __future__ import annotations

import io

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

__all__ = ["DIVERGING_CMAP", "GRAY_CMAP", "DPI", "get_ax", "axes_row", "matrix_plot", "update_matrix_plot",
           "image_plot", "signed_limit", "signed_map", "update_signed_map", "highlight_cells", "move_cells",
           "map_mosaic", "format_number", "figure_png"]

DIVERGING_CMAP = "RdBu_r"
GRAY_CMAP = "gray"

#: Dots per inch of every picture an explorer sends (a 12-inch figure is 960 pixels wide).
DPI = 80

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


def format_number(v, decimals=2) -> str:
    """Short text for a cell: integers without decimals, others rounded; ``-0`` written as ``0``."""
    v = float(v)
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v))) if round(v) != 0 else "0"
    return f"{v:.{decimals}f}"


def matrix_plot(M, ax=None, *, signed=None, annotate=None, decimals=2, title=None, colorbar=None,
                vmin=None, vmax=None, figsize=(4, 4), fontsize=None):
    """Draw a 2-D matrix as a grid of coloured cells, each with its number written in it.

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
            texts.append(ax.text(j, i, format_number(v, decimals), ha="center", va="center", fontsize=size,
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
            texts = [ax.text(j, i, "", ha="center", va="center", fontsize=size) for (i, j), _ in np.ndenumerate(M)]
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
