"""Shared drawing helpers for every lesson's pictures (matplotlib only; no widgets here).

Conventions of the course: intensities in grey (``gray``, 0 black .. 255 white); signed values in a
diverging map centred at 0 (``RdBu_r``: blue negative, red positive, both readable in greyscale by
lightness) with a colour bar; numbers written in the cells whenever a matrix is small enough to read, so
that colour is never the only carrier of a value.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

__all__ = ["DIVERGING_CMAP", "GRAY_CMAP", "get_ax", "matrix_plot", "image_plot", "highlight_cells",
           "format_number"]

DIVERGING_CMAP = "RdBu_r"
GRAY_CMAP = "gray"

#: Above this many cells per side, numbers are no longer written into a matrix plot.
MAX_ANNOTATED_SIDE = 16


def get_ax(ax=None, figsize=(4, 4)):
    """Return ``(fig, ax)``: the given axes and its figure, or a new figure of ``figsize`` inches."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


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
        lim = max(abs(vmin) if vmin is not None else 0, abs(vmax) if vmax is not None else 0,
                  float(np.abs(M).max()), 1e-12)
        im = ax.imshow(M, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim))
    else:
        im = ax.imshow(M, cmap=GRAY_CMAP, vmin=M.min() if vmin is None else vmin,
                       vmax=M.max() if vmax is None else vmax)
    if annotate:
        norm = im.norm
        size = fontsize or max(6, min(12, int(110 / max(M.shape))))
        for (i, j), v in np.ndenumerate(M):
            shade = norm(v)
            # dark text on light cells, light text on dark cells, judged by the cell's lightness
            light_cell = (0.25 < shade < 0.75) if signed else shade > 0.5
            ax.text(j, i, format_number(v, decimals), ha="center", va="center", fontsize=size,
                    color="black" if light_cell else "white")
    ax.set_xticks(range(M.shape[1]) if max(M.shape) <= MAX_ANNOTATED_SIDE else [])
    ax.set_yticks(range(M.shape[0]) if max(M.shape) <= MAX_ANNOTATED_SIDE else [])
    if title:
        ax.set_title(title)
    if colorbar:
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig


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
        lim = max(float(np.abs(img).max()), 1e-12)
        im = ax.imshow(img, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim))
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
