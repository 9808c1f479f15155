"""Pictures of lesson 2 (``02_convolution.ipynb``): a kernel sliding over an image, one step at a time;
a kernel applied to the photo; the output-size formula as a grid of window positions; convolution
against cross-correlation.

Conventions of the course (see ``common.py``): intensities in grey, signed values (kernels, products,
feature maps) in a diverging map centred at 0 with a colour bar, and the numbers written in every small
matrix so that colour never carries a value alone.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from ...conv import conv2d, conv_output_size, convolve2d
from .common import DIVERGING_CMAP, format_number, highlight_cells, image_plot, matrix_plot

__all__ = ["conv_step_plot", "kernel_effect_plot", "output_size_plot", "flip_plot"]

_WINDOW_COLOUR = "#ffb000"   # the course's highlight colour (common.highlight_cells)
_LAST_COLOUR = "#1f4e9c"     # the last window: dark blue, and dashed, so it differs by more than colour
_SKIP_COLOUR = "#b00020"


def _axes(axes, n, figsize, **kwargs):
    """``(fig, axes)``: the given sequence of ``n`` axes, or a new row of ``n``."""
    if axes is None:
        fig, axes = plt.subplots(1, n, figsize=figsize, **kwargs)
        return fig, list(np.atleast_1d(axes))
    axes = list(axes)
    if len(axes) != n:
        raise ValueError(f"axes has {len(axes)} axes but needs {n}")
    return axes[0].figure, axes


def _as_matrix(a, name):
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} has shape {a.shape} but needs a 2-D matrix")
    return a


def _partial_map(ax, out, filled, lim, fontsize=10):
    """Draw the output map with only its first ``filled`` entries (reading order); the rest show '?'."""
    h, w = out.shape
    shown = np.ma.masked_array(out, mask=np.arange(out.size).reshape(h, w) >= filled)
    cmap = plt.get_cmap(DIVERGING_CMAP).with_extremes(bad="white")
    im = ax.imshow(shown, cmap=cmap, norm=TwoSlopeNorm(0.0, -lim, lim))
    for k in range(out.size):
        i, j = divmod(k, w)
        if k < filled:
            shade = im.norm(out[i, j])
            colour = "black" if 0.25 < shade < 0.75 else "white"
            ax.text(j, i, format_number(out[i, j]), ha="center", va="center", fontsize=fontsize, color=colour)
        else:
            ax.text(j, i, "?", ha="center", va="center", fontsize=fontsize, color="#888888")
    # thin cell borders, so the empty cells are visible on white (lines: ticks would cost more to draw)
    ax.vlines(np.arange(0.5, w - 1), -0.5, h - 0.5, color="#bbbbbb", linewidth=0.6)
    ax.hlines(np.arange(0.5, h - 1), -0.5, w - 0.5, color="#bbbbbb", linewidth=0.6)
    return im


def conv_step_plot(image, kernel, position, axes=None, *, stride=1, padding=0, figsize=(12, 3.3)):
    """One step of the sliding window: the window on the image, the kernel, their products, the output so far.

    Panels, left to right: the (padded) image with the window at output ``position`` outlined; the kernel
    K; the element-wise products window * K with their sum in the title; the output map filled in, in
    reading order, up to and including ``position`` (later cells show "?") (lesson 2).

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    position : int or (int, int)
        Output position: a flat index 0..H_out*W_out-1 in reading order, or a pair (i, j).
    axes : sequence of 4 Axes, optional
    stride : int
    padding : int
    figsize : tuple
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    image = _as_matrix(image, "image")
    kernel = _as_matrix(kernel, "kernel")
    out = conv2d(image, kernel, stride=stride, padding=padding)  # checks shapes, stride and padding
    h_out, w_out = out.shape
    if np.ndim(position) == 0:
        flat = int(position)
        if not 0 <= flat < out.size:
            raise ValueError(f"position is {flat} but needs 0..{out.size - 1} (the output is {h_out} x {w_out})")
        i, j = divmod(flat, w_out)
    else:
        i, j = (int(v) for v in position)
        if not (0 <= i < h_out and 0 <= j < w_out):
            raise ValueError(f"position is ({i}, {j}) but needs a cell of the {h_out} x {w_out} output")
        flat = i * w_out + j
    kh, kw = kernel.shape
    padded = np.pad(image, padding) if padding else image
    r, c = i * stride, j * stride
    window = padded[r:r + kh, c:c + kw]
    products = window * kernel

    if axes is None:  # fixed positions: a layout engine would double the drawing time of the widget
        fig = plt.figure(figsize=figsize)
        boxes = [(0.02, 0.12, 0.25, 0.74), (0.30, 0.12, 0.17, 0.74), (0.53, 0.12, 0.17, 0.74),
                 (0.77, 0.12, 0.17, 0.74)]
        ax_img, ax_k, ax_p, ax_out = (fig.add_axes(b) for b in boxes)
    else:
        fig, (ax_img, ax_k, ax_p, ax_out) = _axes(axes, 4, figsize)
    matrix_plot(padded, ax=ax_img, signed=False, title=f"image{' (padded)' if padding else ''}: "
                f"window at rows {r}..{r + kh - 1}, cols {c}..{c + kw - 1}")
    if padding:  # the zeros that padding added, hatched so they read as "not part of the image"
        ph, pw = padded.shape
        inner = np.zeros((ph, pw), dtype=bool)
        inner[padding:ph - padding, padding:pw - padding] = True
        for (a, b) in np.argwhere(~inner):
            ax_img.add_patch(Rectangle((b - 0.5, a - 0.5), 1, 1, fill=False, hatch="///",
                                       edgecolor="#999999", linewidth=0))
    highlight_cells(ax_img, r, c, kh, kw, color=_WINDOW_COLOUR, linewidth=3)
    lim = max(float(np.abs(kernel).max()), 1e-12)
    matrix_plot(kernel, ax=ax_k, signed=True, colorbar=False, vmin=-lim, vmax=lim, title="kernel K")
    plim = max(float(np.abs(products).max()), 1e-12)
    matrix_plot(products, ax=ax_p, signed=True, colorbar=False, vmin=-plim, vmax=plim,
                title=f"window x K, sum = {format_number(products.sum())}")
    olim = max(float(np.abs(out).max()), 1e-12)
    im = _partial_map(ax_out, out, flat + 1, olim)
    for ax in (ax_img, ax_k, ax_p, ax_out):  # tick labels cost more to draw than all the numbers together
        ax.set_xticks([])
        ax.set_yticks([])
    highlight_cells(ax_out, i, j, 1, 1, color=_WINDOW_COLOUR, linewidth=3)
    ax_out.set_title(f"output[{i}, {j}] = {format_number(out[i, j])}")
    fig.colorbar(im, ax=ax_out, fraction=0.046, pad=0.04, ticks=[-olim, 0, olim])
    return fig


def kernel_effect_plot(image, kernel, axes=None, *, feature=None, figsize=(11, 3.6)):
    """A kernel, the image it is applied to, and the feature map ``conv2d(image, kernel)`` (lesson 2).

    The kernel carries its numbers; the image is grey; the feature map uses the diverging map centred at
    0 with a colour bar, so positive responses are red, negative blue and zero white.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    axes : sequence of 3 Axes, optional
    feature : ndarray, shape (H - KH + 1, W - KW + 1), optional
        ``conv2d(image, kernel)`` if the caller already has it (the explorer does).
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    image = _as_matrix(image, "image")
    kernel = _as_matrix(kernel, "kernel")
    feature = conv2d(image, kernel) if feature is None else _as_matrix(feature, "feature")
    if axes is None:  # fixed positions, as in conv_step_plot
        fig = plt.figure(figsize=figsize)
        boxes = [(0.03, 0.2, 0.2, 0.6), (0.30, 0.08, 0.28, 0.8), (0.62, 0.08, 0.28, 0.8)]
        ax_k, ax_img, ax_f = (fig.add_axes(b) for b in boxes)
    else:
        fig, (ax_k, ax_img, ax_f) = _axes(axes, 3, figsize)
    lim = max(float(np.abs(kernel).max()), 1e-12)
    matrix_plot(kernel, ax=ax_k, signed=True, colorbar=False, vmin=-lim, vmax=lim,
                title=f"kernel K (sum {format_number(kernel.sum())})")
    ax_k.set_xticks([])  # tick labels cost more to draw than the nine numbers
    ax_k.set_yticks([])
    image_plot(image, ax=ax_img, signed=False, title=f"input, {image.shape[0]} x {image.shape[1]}")
    # the course's signed convention (common.image_plot), with a three-tick colour bar that draws faster;
    # the limit is never 0, so a constant map (a zero kernel) still gets a colour range
    flim = max(float(np.abs(feature).max()), 1e-12)
    im = ax_f.imshow(feature, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -flim, flim))
    ax_f.set_xticks([])
    ax_f.set_yticks([])
    ax_f.set_title(f"feature map, {feature.shape[0]} x {feature.shape[1]}")
    fig.colorbar(im, ax=ax_f, fraction=0.046, pad=0.04, ticks=[-flim, 0, flim], format="%.4g")
    return fig


def _skip_text(n):
    return f"last {n} row{'s' if n != 1 else ''} and column{'s' if n != 1 else ''} never reached"


def output_size_plot(size, kernel_size, stride=1, padding=0, ax=None, *, figsize=(5, 5)):
    """The padded input as a grid, with every window position the output-size formula counts (lesson 2).

    Image cells are light grey, padding cells hatched; a dot marks the centre of every window position
    (one dot per output value, so the dots form the H_out x W_out output); the first window is outlined
    in orange, the last one dashed in blue; rows and columns no window reaches (when the stride does not
    divide evenly) are shaded and labelled. A kernel larger than the padded input is drawn overhanging,
    with the reason written on the grid.

    Parameters
    ----------
    size : int
        Side H = W of the square image.
    kernel_size : int
        Side k of the square kernel.
    stride, padding : int
    ax : Axes, optional
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    n, k, s, p = (int(v) for v in (size, kernel_size, stride, padding))
    if n < 1 or k < 1 or s < 1 or p < 0:
        raise ValueError(f"size {n}, kernel_size {k} and stride {s} need to be >= 1 and padding {p} >= 0")
    fig, ax = (plt.subplots(figsize=figsize) if ax is None else (ax.figure, ax))
    total = n + 2 * p
    ax.add_patch(Rectangle((-0.5, -0.5), total, total, facecolor="white", edgecolor="none"))
    ax.add_patch(Rectangle((p - 0.5, p - 0.5), n, n, facecolor="#d9d9d9", edgecolor="black", linewidth=1.2))
    if p:
        for rect in ((-0.5, -0.5, total, p), (-0.5, n + p - 0.5, total, p), (-0.5, p - 0.5, p, n),
                     (n + p - 0.5, p - 0.5, p, n)):
            x, y, w, h = rect
            ax.add_patch(Rectangle((x, y), w, h, facecolor="none", hatch="///", edgecolor="#999999",
                                   linewidth=0))
    for t in range(total + 1):  # the cell grid
        ax.plot([-0.5, total - 0.5], [t - 0.5, t - 0.5], color="#aaaaaa", linewidth=0.5)
        ax.plot([t - 0.5, t - 0.5], [-0.5, total - 0.5], color="#aaaaaa", linewidth=0.5)
    extent = max(total, k)
    note = ""
    if k > total:
        ax.add_patch(Rectangle((-0.5, -0.5), k, k, fill=False, edgecolor=_SKIP_COLOUR, linewidth=2.5,
                               linestyle="--"))
        ax.text(total / 2 - 0.5, total / 2 - 0.5, f"a {k} x {k} kernel\ndoes not fit in\n{total} x {total}",
                ha="center", va="center", fontsize=11, color=_SKIP_COLOUR,
                bbox=dict(facecolor="white", edgecolor=_SKIP_COLOUR))
        title = f"H + 2P - k = {n} + {2 * p} - {k} = {total - k} < 0: no output"
        note = "the kernel (red, dashed) is larger\nthan the padded input"
    else:
        out = conv_output_size(n, k, s, p)
        centres = np.arange(out) * s + (k - 1) / 2
        cx, cy = np.meshgrid(centres, centres)
        ax.plot(cx.ravel(), cy.ravel(), "o", color="black", markersize=max(3, 9 - out // 3))
        highlight_cells(ax, 0, 0, k, k, color=_WINDOW_COLOUR, linewidth=3)
        last = (out - 1) * s
        if out > 1:
            highlight_cells(ax, last, last, k, k, color=_LAST_COLOUR, linewidth=2.5, linestyle="--")
        skipped = total - (last + k)
        if skipped:
            start = last + k - 0.5
            for rect in ((start, -0.5, skipped, total), (-0.5, start, total - skipped, skipped)):
                x, y, w, h = rect
                ax.add_patch(Rectangle((x, y), w, h, facecolor=_SKIP_COLOUR, alpha=0.3, edgecolor=_SKIP_COLOUR,
                                       hatch="xx", linewidth=0))
            note = f"shaded: the {_skip_text(skipped)}"
        title = f"H_out = ({n} + 2*{p} - {k}) // {s} + 1 = {out}"
        note = f"{out} x {out} dots = {out} x {out} outputs" + (f"\n{note}" if note else "")
    ax.set_xlim(-0.6, extent - 0.4)
    ax.set_ylim(extent - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel(note, fontsize=9)
    return fig


def flip_plot(image, kernel, flip=False, axes=None, *, figsize=(12, 3.3)):
    """Cross-correlation with K (or with K flipped) beside the true convolution with K (lesson 2).

    Panels: the kernel cross-correlation uses (K, or K flipped in both axes when ``flip``);
    ``conv2d(image, that kernel)``; ``convolve2d(image, K)``. With ``flip`` the last two are equal.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    flip : bool
    axes : sequence of 3 Axes, optional
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    image = _as_matrix(image, "image")
    kernel = _as_matrix(kernel, "kernel")
    used = kernel[::-1, ::-1] if flip else kernel
    corr = conv2d(image, used)
    conv = convolve2d(image, kernel)
    if axes is None:  # fixed positions, as in conv_step_plot
        fig = plt.figure(figsize=figsize)
        boxes = [(0.03, 0.08, 0.24, 0.72), (0.36, 0.08, 0.24, 0.72), (0.67, 0.08, 0.24, 0.72)]
        ax_k, ax_a, ax_b = (fig.add_axes(b) for b in boxes)
    else:
        fig, (ax_k, ax_a, ax_b) = _axes(axes, 3, figsize)
    klim = max(float(np.abs(kernel).max()), 1e-12)
    matrix_plot(used, ax=ax_k, signed=True, colorbar=False, vmin=-klim, vmax=klim,
                title="K flipped (rows and columns)" if flip else "K as written")
    lim = max(float(np.abs(corr).max()), float(np.abs(conv).max()), 1e-12)
    matrix_plot(corr, ax=ax_a, signed=True, colorbar=False, vmin=-lim, vmax=lim,
                title=f"conv2d(I, {'flip(K)' if flip else 'K'})\ncross-correlation")
    matrix_plot(conv, ax=ax_b, signed=True, colorbar=False, vmin=-lim, vmax=lim,
                title="convolve2d(I, K)\ntrue convolution")
    fig.colorbar(ax_b.images[0], ax=ax_b, fraction=0.046, pad=0.04, ticks=[-lim, 0, lim])
    for ax in (ax_k, ax_a, ax_b):  # tick labels cost more to draw than the numbers in the cells
        ax.set_xticks([])
        ax.set_yticks([])
    same = bool(np.allclose(corr, conv))
    fig.text(0.635, 0.48, "=" if same else "\u2260", ha="center", va="center", fontsize=26, color="black")
    return fig
