"""Pictures of lesson 2 (``02_convolution.ipynb``): a kernel sliding over an image, one step at a time;
a kernel applied to the photo; the output-size formula as a grid of window positions; convolution
against cross-correlation.

Conventions of the course (see ``common.py``): intensities in grey, signed values (kernels, products,
feature maps) in a diverging map centred at 0 with a colour bar, and the numbers written in every small
matrix so that colour never carries a value alone.

Every picture an explorer shows is built once and then changed in place: ``conv_step_plot`` builds,
``update_conv_step_plot`` changes the same artists, and both go through one ``_fill_*`` function so they
cannot drift apart. The update functions take what the explorer computed (a :class:`cnnmath.ConvStep`,
a feature map, the correlation and the convolution) and compute none of it again. Numbers and titles are
drawn from cached glyph outlines (:class:`~cnnmath.viz.plots.common.PathText`), and the panels keep
no tick labels: those, not the content, were most of a redraw's time.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Rectangle

from ...conv import ConvStep, conv2d, conv_output_size, conv_step, convolve2d
from .common import (DIVERGING_CMAP, GRAY_CMAP, as_path_text, axes_row, colorbar_limit, fast_title, figure_state,
                     format_number, highlight_cells, move_cells, path_text, signed_colorbar, signed_limit, signed_map,
                     update_signed_map)

__all__ = ["conv_step_plot", "update_conv_step_plot", "kernel_effect_plot", "update_kernel_effect_plot",
           "output_size_plot", "update_output_size_plot", "flip_plot", "update_flip_plot"]

_WINDOW_COLOUR = "#ffb000"   # the course's highlight colour (common.highlight_cells)
_LAST_COLOUR = "#1f4e9c"     # the last window: dark blue, and dashed, so it differs by more than colour
_SKIP_COLOUR = "#b00020"
_UNKNOWN_COLOUR = "#888888"  # the "?" of outputs not computed yet
_PAD_COLOUR = "#999999"


def _hatched_cells():
    """An empty collection of grey-hatched cells (the zeros that padding adds), to be given its cells later.

    matplotlib 3.10 takes the hatch colour as ``hatchcolors``; older versions read ``hatch.color`` when the
    collection is made.
    """
    kwargs = {"facecolors": "none", "edgecolors": _PAD_COLOUR, "hatch": "///", "linewidths": 0}
    if hasattr(PolyCollection, "set_hatchcolor"):
        kwargs["hatchcolors"] = _PAD_COLOUR
    with plt.rc_context({"hatch.color": _PAD_COLOUR}):
        return PolyCollection([], **kwargs)


def _as_matrix(a, name):
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} has shape {a.shape} but needs a 2-D matrix")
    return a



# ----------------------------------------------------------------------------------------------------
# Small matrices with their numbers written in: one image, one PathText per cell
# ----------------------------------------------------------------------------------------------------

def _bare(ax):
    """No ticks, no tick labels (the numbers are written in the cells); the frame stays."""
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)


def _cell_fontsize(shape):
    return max(6, min(12, int(110 / max(shape))))  # common.matrix_plot's rule


def _inks(norm, values, signed):
    """Dark text on light cells, light text on dark cells (common.matrix_plot's rule), for every value."""
    shade = np.ma.filled(norm(np.asarray(values, dtype=float)), np.nan)  # one call: the norm is slow per value
    light = ((shade > 0.25) & (shade < 0.75)) if signed else shade > 0.5
    return np.where(light, "black", "white")


def _matrix_panel(ax, *, signed, fontsize=None):
    """An empty matrix panel: one image (filled by :func:`_fill_matrix`), no ticks."""
    if signed:
        signed_map(ax, np.zeros((1, 1)))
    else:
        ax.imshow(np.zeros((1, 1)), cmap=GRAY_CMAP, vmin=0, vmax=1)
    ax._cnnmath_cells = {"texts": [], "shape": None, "signed": signed, "fontsize": fontsize}
    _bare(ax)
    return ax.images[0]


def _fill_matrix(ax, M, *, limit=None, labels=None, colours=None):
    """Put ``M`` (H, W) into a :func:`_matrix_panel`: colours, limits, and one written number per cell.

    ``limit``: the symmetric colour limit of a signed panel (default :func:`signed_limit` of ``M``);
    ``labels``/``colours``: what to write in each cell (default: the values, dark on light cells).
    """
    info = ax._cnnmath_cells
    im = ax.images[0]
    shape = M.shape
    if info["signed"]:
        update_signed_map(im, M, limit=limit)
    else:
        if shape != im.get_array().shape:
            im.set_extent((-0.5, shape[1] - 0.5, shape[0] - 0.5, -0.5))
        im.set_data(M)
        im.set_clim(float(np.min(M)), float(np.max(M)))
    if shape != info["shape"]:
        for t in info["texts"]:
            t.remove()
        size = info["fontsize"] or _cell_fontsize(shape)
        info["texts"] = [path_text(ax, j, i, "", ha="center", va="center", fontsize=size)
                         for i in range(shape[0]) for j in range(shape[1])]
        info["shape"] = shape
        ax.set_xlim(-0.5, shape[1] - 0.5)
        ax.set_ylim(shape[0] - 0.5, -0.5)
    values = M.ravel()
    if labels is None:
        labels = [format_number(v) for v in values]
    if colours is None:
        colours = _inks(im.norm, values, info["signed"])
    for t, text, colour in zip(info["texts"], labels, colours):
        t.set_text(text)
        t.set_color(colour)



# ----------------------------------------------------------------------------------------------------
# One step of the sliding window
# ----------------------------------------------------------------------------------------------------

def _flat_position(image, kernel, position, stride, padding):
    """A flat output position from an int or an (i, j) pair (the pair checked against the output's shape)."""
    if np.ndim(position) == 0:
        return position
    i, j = (int(v) for v in position)
    image, kernel = _as_matrix(image, "image"), _as_matrix(kernel, "kernel")
    h_out = conv_output_size(image.shape[0], kernel.shape[0], stride, padding)
    w_out = conv_output_size(image.shape[1], kernel.shape[1], stride, padding)
    if not (0 <= i < h_out and 0 <= j < w_out):
        raise ValueError(f"position is ({i}, {j}) but needs a cell of the {h_out} x {w_out} output")
    return i * w_out + j


def conv_step_plot(image=None, kernel=None, position=0, axes=None, *, stride=1, padding=0, step=None,
                   figsize=(12, 3.3)):
    """One step of the sliding window: the window on the image, the kernel, their products, the output so far.

    Panels, left to right: the (padded) image with the window at output ``position`` outlined; the kernel
    K; the element-wise products window * K with their sum in the title; the output map filled in, in
    reading order, up to and including ``position`` (later cells show "?") (lesson 2).
    :func:`update_conv_step_plot` moves the figure to another step in place.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    position : int or (int, int)
        Output position: a flat index 0..H_out*W_out-1 in reading order, or a pair (i, j).
    axes : sequence of 4 Axes, optional
    stride : int
    padding : int
    step : cnnmath.ConvStep, optional
        ``cnnmath.conv_step(image, kernel, position, stride, padding)`` if the caller already has it (the
        explorer does); then ``image``, ``kernel``, ``position``, ``stride`` and ``padding`` are not used.
    figsize : tuple
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    if step is None:
        step = conv_step(image, kernel, _flat_position(image, kernel, position, stride, padding), stride,
                         padding)
    elif not isinstance(step, ConvStep):
        raise TypeError(f"step is {type(step).__name__} but needs a cnnmath.ConvStep (from conv_step)")
    if axes is None:  # fixed positions: a layout engine would double the drawing time of the widget
        fig = plt.figure(figsize=figsize)
        boxes = [(0.02, 0.12, 0.25, 0.74), (0.30, 0.12, 0.17, 0.74), (0.53, 0.12, 0.17, 0.74),
                 (0.77, 0.12, 0.17, 0.74)]
        axes = [fig.add_axes(b) for b in boxes]
    else:
        fig, axes = axes_row(axes, 4, figsize)
    ax_img, ax_k, ax_p, ax_out = axes
    _matrix_panel(ax_img, signed=False)
    # the zeros that padding added, hatched so they read as "not part of the image"
    pad = ax_img.add_collection(_hatched_cells(), autolim=False)
    window = highlight_cells(ax_img, 0, 0, 1, 1, color=_WINDOW_COLOUR, linewidth=3)
    _matrix_panel(ax_k, signed=True)
    _matrix_panel(ax_p, signed=True)
    out_im = _matrix_panel(ax_out, signed=True, fontsize=10)
    out_im.set_cmap(plt.get_cmap(DIVERGING_CMAP).with_extremes(bad="white"))  # cells not computed yet
    # thin cell borders, so the empty cells are visible on white
    grid = ax_out.add_collection(LineCollection([], colors="#bbbbbb", linewidths=0.6), autolim=False)
    current = highlight_cells(ax_out, 0, 0, 1, 1, color=_WINDOW_COLOUR, linewidth=3)
    colorbar = signed_colorbar(fig, ax_out)
    for ax in axes:
        fast_title(ax, "")
    ax_img._cnnmath_conv_step = {"axes": axes, "pad": pad, "window": window, "grid": grid,
                                 "current": current, "colorbar": colorbar}
    _fill_conv_step(ax_img._cnnmath_conv_step, step)
    return fig


def update_conv_step_plot(fig, step):
    """Show another step (a :class:`cnnmath.ConvStep`) on a figure made by :func:`conv_step_plot`, in place.

    Nothing is computed again: the window, products, value and output all come from ``step``. Returns
    the figure.
    """
    info = figure_state(fig, "_cnnmath_conv_step", "conv_step_plot")
    if not isinstance(step, ConvStep):
        raise TypeError(f"step is {type(step).__name__} but needs a cnnmath.ConvStep (from conv_step)")
    _fill_conv_step(info, step)
    return fig


def _fill_conv_step(info, step):
    ax_img, ax_k, ax_p, ax_out = info["axes"]
    padded, p = step.padded, step.padding
    (r, c), (i, j) = step.corner, step.index
    kh, kw = step.kernel.shape
    _fill_matrix(ax_img, padded)
    ax_img.title.set_text(f"image{' (padded)' if p else ''}: window at rows {r}..{r + kh - 1}, "
                          f"cols {c}..{c + kw - 1}")
    ax_img.title.set_fontsize(9 if p else 12)  # the longer title still fits above the first panel
    ph, pw = padded.shape
    frame = [] if not p else [
        [(-0.5, -0.5), (pw - 0.5, -0.5), (pw - 0.5, p - 0.5), (-0.5, p - 0.5)],
        [(-0.5, ph - p - 0.5), (pw - 0.5, ph - p - 0.5), (pw - 0.5, ph - 0.5), (-0.5, ph - 0.5)],
        [(-0.5, p - 0.5), (p - 0.5, p - 0.5), (p - 0.5, ph - p - 0.5), (-0.5, ph - p - 0.5)],
        [(pw - p - 0.5, p - 0.5), (pw - 0.5, p - 0.5), (pw - 0.5, ph - p - 0.5), (pw - p - 0.5, ph - p - 0.5)]]
    info["pad"].set_verts(frame)
    move_cells(info["window"], r, c, kh, kw)

    _fill_matrix(ax_k, step.kernel)
    ax_k.title.set_text("kernel K")
    _fill_matrix(ax_p, step.products)
    ax_p.title.set_text(f"window x K, sum = {format_number(step.value)}")

    out, done = step.output, step.done
    olim = signed_limit(out)
    h, w = out.shape
    labels = [format_number(v) if d else "?" for v, d in zip(out.ravel(), done.ravel())]
    _fill_matrix(ax_out, np.where(done, out, np.nan), limit=olim, labels=labels)  # NaN: white, not yet
    im = ax_out.images[0]
    for t, colour, d in zip(ax_out._cnnmath_cells["texts"], _inks(im.norm, out.ravel(), True), done.ravel()):
        t.set_color(colour if d else _UNKNOWN_COLOUR)
    info["grid"].set_segments([[(x, -0.5), (x, h - 0.5)] for x in np.arange(0.5, w - 1)]
                              + [[(-0.5, y), (w - 0.5, y)] for y in np.arange(0.5, h - 1)])
    move_cells(info["current"], i, j)
    ax_out.title.set_text(f"output[{i}, {j}] = {format_number(step.value)}")
    colorbar_limit(info["colorbar"], olim)


def _frame_verts(height, width, p):
    """The four bands of a ``p``-cell frame around a ``height`` x ``width`` grid of cells, as polygons."""
    if not p:
        return []
    lo, r, b = -0.5, width - 0.5, height - 0.5
    return [[(lo, lo), (r, lo), (r, p + lo), (lo, p + lo)],
            [(lo, b - p), (r, b - p), (r, b), (lo, b)],
            [(lo, p + lo), (p + lo, p + lo), (p + lo, b - p), (lo, b - p)],
            [(r - p, p + lo), (r, p + lo), (r, b - p), (r - p, b - p)]]




# ----------------------------------------------------------------------------------------------------
# A kernel applied to the photo
# ----------------------------------------------------------------------------------------------------

def kernel_effect_plot(image, kernel, axes=None, *, feature=None, figsize=(11, 3.6)):
    """A kernel, the image it is applied to, and the feature map ``conv2d(image, kernel)`` (lesson 2).

    The kernel carries its numbers; the image is grey; the feature map uses the diverging map centred at
    0 with a colour bar, so positive responses are red, negative blue and zero white.
    :func:`update_kernel_effect_plot` shows another kernel in place.

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
        axes = [fig.add_axes(b) for b in boxes]
    else:
        fig, axes = axes_row(axes, 3, figsize)
    ax_k, ax_img, ax_f = axes
    _matrix_panel(ax_k, signed=True)
    ax_img.imshow(image, cmap=GRAY_CMAP)
    _bare(ax_img)
    fast_title(ax_img, f"input, {image.shape[0]} x {image.shape[1]}")
    # the course's signed convention, with a three-tick colour bar; the limit is never 0, so a constant
    # map (a zero kernel) still gets a colour range
    signed_map(ax_f, np.zeros((1, 1)))
    colorbar = signed_colorbar(fig, ax_f)
    _bare(ax_f)
    fast_title(ax_k, "")
    fast_title(ax_f, "")
    ax_k._cnnmath_kernel_effect = {"axes": axes, "colorbar": colorbar}
    _fill_kernel_effect(ax_k._cnnmath_kernel_effect, kernel, feature)
    return fig


def update_kernel_effect_plot(fig, kernel, feature):
    """Show another kernel and its feature map (computed by the caller) on a :func:`kernel_effect_plot`
    figure, in place. Returns the figure."""
    info = figure_state(fig, "_cnnmath_kernel_effect", "kernel_effect_plot")
    _fill_kernel_effect(info, _as_matrix(kernel, "kernel"), _as_matrix(feature, "feature"))
    return fig


def _fill_kernel_effect(info, kernel, feature):
    ax_k, _ax_img, ax_f = info["axes"]
    _fill_matrix(ax_k, kernel)
    ax_k.title.set_text(f"kernel K (sum {format_number(kernel.sum())})")
    image = ax_f.images[0]
    flim = signed_limit(feature)
    update_signed_map(image, feature, limit=flim)
    ax_f.set_xlim(-0.5, feature.shape[1] - 0.5)
    ax_f.set_ylim(feature.shape[0] - 0.5, -0.5)
    ax_f.title.set_text(f"feature map, {feature.shape[0]} x {feature.shape[1]}")
    colorbar_limit(info["colorbar"], flim)


# ----------------------------------------------------------------------------------------------------
# The output-size formula
# ----------------------------------------------------------------------------------------------------

def _skip_text(n):
    return f"last {n} row{'s' if n != 1 else ''} and column{'s' if n != 1 else ''} never reached"


def _output_size_args(size, kernel_size, stride, padding):
    n, k, s, p = (int(v) for v in (size, kernel_size, stride, padding))
    if n < 1 or k < 1 or s < 1 or p < 0:
        raise ValueError(f"size {n}, kernel_size {k} and stride {s} need to be >= 1 and padding {p} >= 0")
    return n, k, s, p


def output_size_plot(size, kernel_size, stride=1, padding=0, ax=None, *, h_out=None, figsize=(5, 5)):
    """The padded input as a grid, with every window position the output-size formula counts (lesson 2).

    Image cells are light grey, padding cells hatched; a dot marks the centre of every window position
    (one dot per output value, so the dots form the H_out x W_out output); the first window is outlined
    in orange, the last one dashed in blue; rows and columns no window reaches (when the stride does not
    divide evenly) are shaded and labelled. A kernel larger than the padded input is drawn overhanging,
    with the reason written on the grid. :func:`update_output_size_plot` changes the numbers in place.

    Parameters
    ----------
    size : int
        Side H = W of the square image.
    kernel_size : int
        Side k of the square kernel.
    stride, padding : int
    ax : Axes, optional
    h_out : int, optional
        ``conv_output_size(size, kernel_size, stride, padding)`` if the caller already has it.
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    args = _output_size_args(size, kernel_size, stride, padding)
    fig, ax = (plt.subplots(figsize=figsize) if ax is None else (ax.figure, ax))
    parts = {
        "back": ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, facecolor="white", edgecolor="none")),
        "image": ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, facecolor="#d9d9d9", edgecolor="black",
                                        linewidth=1.2)),
        "pad": ax.add_collection(_hatched_cells(), autolim=False),
        "grid": ax.add_collection(LineCollection([], colors="#aaaaaa", linewidths=0.5), autolim=False),
        "overhang": ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=_SKIP_COLOUR,
                                           linewidth=2.5, linestyle="--", visible=False)),
        "why": ax.text(0, 0, "", ha="center", va="center", fontsize=11, color=_SKIP_COLOUR, visible=False,
                       bbox=dict(facecolor="white", edgecolor=_SKIP_COLOUR)),
        "dots": ax.plot([], [], "o", color="black")[0],
        "first": highlight_cells(ax, 0, 0, 1, 1, color=_WINDOW_COLOUR, linewidth=3),
        "last": highlight_cells(ax, 0, 0, 1, 1, color=_LAST_COLOUR, linewidth=2.5, linestyle="--"),
        "skip": ax.add_collection(PolyCollection([], facecolors=_SKIP_COLOUR, alpha=0.3,
                                                 edgecolors=_SKIP_COLOUR, hatch="xx", linewidths=0),
                                  autolim=False),
    }
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    fast_title(ax, "", fontsize=11)
    ax.set_xlabel("", fontsize=9)
    as_path_text(ax.xaxis.label)
    ax._cnnmath_output_size = parts
    _fill_output_size(ax, parts, *args, h_out)
    return fig


def update_output_size_plot(fig, size, kernel_size, stride=1, padding=0, *, h_out=None):
    """Show other sizes on a figure made by :func:`output_size_plot`, in place. Returns the figure."""
    for ax in fig.axes:
        parts = getattr(ax, "_cnnmath_output_size", None)
        if parts is not None:
            _fill_output_size(ax, parts, *_output_size_args(size, kernel_size, stride, padding), h_out)
            return fig
    raise ValueError("fig needs to be a figure made by output_size_plot")


def _fill_output_size(ax, parts, n, k, s, p, h_out):
    total = n + 2 * p
    parts["back"].set_bounds(-0.5, -0.5, total, total)
    parts["image"].set_bounds(p - 0.5, p - 0.5, n, n)
    parts["pad"].set_verts(_frame_verts(total, total, p))
    edges = np.arange(total + 1) - 0.5
    parts["grid"].set_segments([[(-0.5, t), (total - 0.5, t)] for t in edges]
                               + [[(t, -0.5), (t, total - 0.5)] for t in edges])
    fits = k <= total
    parts["overhang"].set_visible(not fits)
    parts["why"].set_visible(not fits)
    for name in ("first", "last"):
        parts[name].set_visible(fits)
    skip = []
    if not fits:
        parts["overhang"].set_bounds(-0.5, -0.5, k, k)
        parts["why"].set_position((total / 2 - 0.5, total / 2 - 0.5))
        parts["why"].set_text(f"a {k} x {k} kernel\ndoes not fit in\n{total} x {total}")
        parts["dots"].set_data([], [])
        title = f"H + 2P - k = {n} + {2 * p} - {k} = {total - k} < 0: no output"
        note = "the kernel (red, dashed) is larger\nthan the padded input"
    else:
        out = conv_output_size(n, k, s, p) if h_out is None else int(h_out)
        centres = np.arange(out) * s + (k - 1) / 2
        cx, cy = np.meshgrid(centres, centres)
        parts["dots"].set_data(cx.ravel(), cy.ravel())
        parts["dots"].set_markersize(max(3, 9 - out // 3))
        move_cells(parts["first"], 0, 0, k, k)
        last = (out - 1) * s
        parts["last"].set_visible(out > 1)
        move_cells(parts["last"], last, last, k, k)
        skipped = total - (last + k)
        note = f"{out} x {out} dots = {out} x {out} outputs"
        if skipped:
            start = last + k - 0.5
            skip = [[(start, -0.5), (total - 0.5, -0.5), (total - 0.5, total - 0.5), (start, total - 0.5)],
                    [(-0.5, start), (start, start), (start, total - 0.5), (-0.5, total - 0.5)]]
            note += f"\nshaded: the {_skip_text(skipped)}"
        title = f"H_out = ({n} + 2*{p} - {k}) // {s} + 1 = {out}"
    parts["skip"].set_verts(skip)
    extent = max(total, k)
    ax.set_xlim(-0.6, extent - 0.4)
    ax.set_ylim(extent - 0.4, -0.6)
    ax.title.set_text(title)
    ax.xaxis.label.set_text(note)


# ----------------------------------------------------------------------------------------------------
# Convolution versus cross-correlation
# ----------------------------------------------------------------------------------------------------

def flip_plot(image, kernel, flip=False, axes=None, *, correlation=None, convolution=None, figsize=(12, 3.3)):
    """Cross-correlation with K (or with K flipped) beside the true convolution with K (lesson 2).

    Panels: the kernel cross-correlation uses (K, or K flipped in both axes when ``flip``);
    ``conv2d(image, that kernel)``; ``convolve2d(image, K)``. With ``flip`` the last two are equal.
    :func:`update_flip_plot` shows another kernel or setting in place.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    flip : bool
    axes : sequence of 3 Axes, optional
    correlation : ndarray, shape (H_out, W_out), optional
        ``conv2d(image, kernel flipped or not)`` if the caller already has it (the explorer does).
    convolution : ndarray, shape (H_out, W_out), optional
        ``convolve2d(image, kernel)`` if the caller already has it.
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    kernel = _as_matrix(kernel, "kernel")
    if correlation is None or convolution is None:
        image = _as_matrix(image, "image")
        if correlation is None:
            correlation = conv2d(image, kernel[::-1, ::-1] if flip else kernel)
        if convolution is None:
            convolution = convolve2d(image, kernel)
    if axes is None:  # fixed positions, as in conv_step_plot
        fig = plt.figure(figsize=figsize)
        boxes = [(0.03, 0.08, 0.24, 0.72), (0.36, 0.08, 0.24, 0.72), (0.67, 0.08, 0.24, 0.72)]
        axes = [fig.add_axes(b) for b in boxes]
    else:
        fig, axes = axes_row(axes, 3, figsize)
    for ax in axes:
        _matrix_panel(ax, signed=True)
        fast_title(ax, "")
    colorbar = signed_colorbar(fig, axes[2])
    sign = as_path_text(fig.text(0.635, 0.48, "", ha="center", va="center", fontsize=26, color="black"))
    axes[0]._cnnmath_flip = {"axes": axes, "colorbar": colorbar, "sign": sign}
    _fill_flip(axes[0]._cnnmath_flip, kernel, bool(flip), _as_matrix(correlation, "correlation"),
               _as_matrix(convolution, "convolution"))
    return fig


def update_flip_plot(fig, kernel, flip, correlation, convolution):
    """Show another kernel, flipped or not, with the correlation and convolution the caller computed, on a
    figure made by :func:`flip_plot`, in place. Returns the figure."""
    info = figure_state(fig, "_cnnmath_flip", "flip_plot")
    _fill_flip(info, _as_matrix(kernel, "kernel"), bool(flip), _as_matrix(correlation, "correlation"),
               _as_matrix(convolution, "convolution"))
    return fig


def _fill_flip(info, kernel, flip, corr, conv):
    ax_k, ax_a, ax_b = info["axes"]
    _fill_matrix(ax_k, kernel[::-1, ::-1] if flip else kernel, limit=signed_limit(kernel))
    ax_k.title.set_text("K flipped (rows and columns)" if flip else "K as written")
    lim = signed_limit(corr, conv)
    _fill_matrix(ax_a, corr, limit=lim)
    ax_a.title.set_text(f"conv2d(I, {'flip(K)' if flip else 'K'})\ncross-correlation")
    _fill_matrix(ax_b, conv, limit=lim)
    ax_b.title.set_text("convolve2d(I, K)\ntrue convolution")
    colorbar_limit(info["colorbar"], lim)
    same = corr.shape == conv.shape and bool(np.allclose(corr, conv))
    info["sign"].set_text("=" if same else "\u2260")
