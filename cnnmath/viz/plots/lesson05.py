"""Pictures of lesson 5 (``05_feature_maps.ipynb``): a bank of filters and the feature maps it makes,
the sum over colour channels, and how the receptive field grows when convolutions are stacked
(matplotlib only; the explorers in ``viz/widgets/lesson05.py`` reuse them).

Conventions: kernels are small annotated grids in the diverging map centred at 0 (the numbers are
written, so colour is never the only carrier); feature maps are signed, so they use the same diverging map
with a colour bar, and each map's minimum and maximum are written under it. The receptive-field drawing
marks regions by outline *and* hatching, and states their sizes in the titles.

The explorers' two pictures are built once and changed in place (``bank_maps_plot`` /
``update_bank_maps_plot``, ``receptive_field_plot`` / ``update_receptive_field_plot``), each builder and its
update sharing one ``_fill_*``; they draw the maps and the regions the explorer computed
(:func:`cnnmath.receptive_field_regions`) and compute none of them again.
"""

from __future__ import annotations


import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap, Normalize, TwoSlopeNorm
from matplotlib.collections import LineCollection
from matplotlib.patches import ConnectionPatch, Rectangle

from ...conv import conv2d
from ...receptive import check_layers, receptive_field_regions
from .common import (DIVERGING_CMAP, MAX_ANNOTATED_SIDE, as_path_text, axes_row, colorbar_limit, fast_title,
                     figure_state, format_number, matrix_plot, plain_number, round_ticks, signed_limit, signed_map,
                     update_matrix_plot, update_signed_map)

__all__ = ["kernel_plot", "filter_bank_plot", "bank_maps_plot", "update_bank_maps_plot",
           "channel_sum_plot", "shift_equivariance_plot", "receptive_field_plot", "update_receptive_field_plot"]

REGION_COLOR = "#d55e00"   # orange outline of what one unit sees
INNER_COLOR = "#004c99"    # blue dashed outline of what one unit of the layer below sees
_RF_CMAP = ListedColormap(["#f2f2f2", "#f6c89f", "#d55e00"])  # outside, region, the single unit


# ----------------------------------------------------------------------------------------------------
# Kernels and their feature maps
# ----------------------------------------------------------------------------------------------------

def kernel_plot(kernel, ax=None, *, title=None, figsize=(2.4, 2.4), fontsize=None):
    """One small kernel as an annotated grid in the diverging map centred at 0 (lesson 5).

    Parameters
    ----------
    kernel : array_like, shape (KH, KW)
    ax : matplotlib Axes, optional
    title : str, optional
    figsize : tuple
        Used only when ``ax`` is None.

    Returns
    -------
    matplotlib Figure
    """
    K = np.asarray(kernel, dtype=float)
    if K.ndim != 2:
        raise ValueError(f"kernel has shape {K.shape} but needs a 2-D kernel (KH, KW)")
    # the numbers are written in the cells, so the kernel needs no colour bar
    return matrix_plot(K, ax, signed=True, colorbar=False, title=title, figsize=figsize, fontsize=fontsize)


def _as_maps(maps):
    M = np.asarray(maps, dtype=float)
    if M.ndim == 4 and M.shape[0] == 1:
        M = M[0]
    if M.ndim == 2:
        M = M[None]
    if M.ndim != 3:
        raise ValueError(f"maps has shape {M.shape} but needs (F, H, W) or a batch of one (1, F, H, W)")
    return M


def _as_kernels(kernels, count):
    K = np.asarray(kernels, dtype=float)
    if K.ndim == 4 and K.shape[1] == 1:
        K = K[:, 0]
    if K.ndim == 2:
        K = K[None]
    if K.ndim != 3 or K.shape[0] != count:
        raise ValueError(f"kernels has shape {K.shape} but needs ({count}, KH, KW) or ({count}, 1, KH, KW), "
                         f"one kernel per map")
    return K


#: Large maps are coloured up to this percentile of |values|, so that a few extreme pixels do not wash
#: every edge out to white; the colour bar's pointed ends say that the scale is clipped.
CLIP_PERCENTILE = 99.0


def _map_limit(M, clip=True):
    """Symmetric colour limit of a signed map: its largest |value|, or a high percentile for large maps."""
    A = np.abs(M)
    if clip and max(M.shape[-2:]) > MAX_ANNOTATED_SIDE:
        return max(float(np.percentile(A, CLIP_PERCENTILE)), 1e-12)
    return signed_limit(M)


def _map_panel(ax, M, lim, title, colorbar=True):
    """One signed feature map: numbers if small, else an image; min and max written below it."""
    if max(M.shape) <= MAX_ANNOTATED_SIDE:
        matrix_plot(M, ax, signed=True, vmin=-lim, vmax=lim, title=title, colorbar=colorbar)
    else:
        # a photo-sized map shrunk into a panel needs antialiasing to keep its one-pixel edges visible; a
        # small one is enlarged, where plain pixels are sharper, quicker to draw and to compress
        smooth = "antialiased" if max(M.shape) > 300 else "nearest"
        im = ax.imshow(M, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim), interpolation=smooth)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        if colorbar:
            clipped = float(np.abs(M).max()) > lim
            ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, extend="both" if clipped else "neither")
    ax.set_xlabel(f"min {format_number(M.min())}, max {format_number(M.max())}", fontsize=9)


def filter_bank_plot(maps, kernels=None, *, names=None, image=None, shared_scale=False, axes=None,
                     figsize=None, kernel_fontsize=None):
    """Feature maps side by side, each under the kernel that made it (lesson 5).

    Small maps (sides up to 16) get their numbers written in the cells; large ones are coloured up to the
    99th percentile of their absolute values (pointed colour-bar ends say so), and each map's true
    minimum and maximum are written under it.

    Parameters
    ----------
    maps : array_like, shape (F, H, W) or (1, F, H, W)
        The maps, one per filter (the channels of one output).
    kernels : array_like, shape (F, KH, KW) or (F, 1, KH, KW), optional
        Drawn as annotated grids above their maps.
    names : sequence of F str, optional
        Titles; default "filter 1", "filter 2", ...
    image : array_like, shape (H0, W0), optional
        The input, drawn in grey at the left (spanning both rows).
    shared_scale : bool
        One colour scale and one colour bar for every map (compare strengths across filters; also the
        quickest to draw) instead of one per map.
    axes : sequence of Axes, optional
        ``F`` axes (maps only), or ``2F`` (kernels then maps); no image then.
    figsize : tuple, optional
        Used only when ``axes`` is None; default ``(2.6 * columns + 0.6, 2.8 per row)``.

    Returns
    -------
    matplotlib Figure
    """
    M = _as_maps(maps)
    count = M.shape[0]
    K = None if kernels is None else _as_kernels(kernels, count)
    names = list(names) if names is not None else [f"filter {f + 1}" for f in range(count)]
    if len(names) != count:
        raise ValueError(f"names has {len(names)} entries but there are {count} maps")
    rows = 1 if K is None else 2
    if axes is None:
        cols = count + (image is not None)
        fig = plt.figure(figsize=figsize or (2.6 * cols + 0.6, 2.8 * rows))
        # fixed margins instead of tight_layout, which would draw the whole figure once more
        grid = fig.add_gridspec(rows, cols, height_ratios=[1, 2] if rows == 2 else None,
                                left=0.04, right=0.92 if shared_scale else 0.96, bottom=0.08,
                                top=0.9 if rows == 1 else 0.93, wspace=0.45 if not shared_scale else 0.15,
                                hspace=0.35)
        offset = 0
        if image is not None:
            ax_img = fig.add_subplot(grid[:, 0])
            ax_img.imshow(np.asarray(image, dtype=float), cmap="gray")
            ax_img.set_xticks([])
            ax_img.set_yticks([])
            shape = np.shape(image)
            ax_img.set_title(f"input {shape[0]}x{shape[1]}")
            offset = 1
        kernel_axes = [fig.add_subplot(grid[0, offset + f]) for f in range(count)] if K is not None else []
        map_axes = [fig.add_subplot(grid[rows - 1, offset + f]) for f in range(count)]
    else:
        axes = list(np.ravel(axes))
        if len(axes) != count * rows:
            raise ValueError(f"axes has {len(axes)} axes but needs {count * rows} for {count} maps"
                             f"{' and their kernels' if K is not None else ''}")
        fig = axes[0].figure
        kernel_axes, map_axes = (axes[:count], axes[count:]) if K is not None else ([], axes)
    shared_lim = _map_limit(M) if shared_scale else None
    for f in range(count):
        if K is not None:
            kernel_plot(K[f], kernel_axes[f], title=f"kernel: {names[f]}", fontsize=kernel_fontsize)
        lim = shared_lim if shared_scale else _map_limit(M[f])
        _map_panel(map_axes[f], M[f], lim, f"map {f + 1}: {names[f]}", colorbar=not shared_scale)
        map_axes[f].title.set_fontsize(10)  # long filter names stay within their column
        if K is not None:
            kernel_axes[f].title.set_fontsize(10)
    if shared_scale:
        mappable = plt.cm.ScalarMappable(norm=TwoSlopeNorm(0.0, -shared_lim, shared_lim), cmap=DIVERGING_CMAP)
        clipped = float(np.abs(M).max()) > shared_lim
        fig.colorbar(mappable, ax=map_axes, fraction=0.025, pad=0.02, extend="both" if clipped else "neither")
    return fig


# The filter-bank explorer's picture: inches of one map panel, of the gap between panels, and of the colour bar
_PANEL, _GAP, _BAR = 1.7, 0.2, 0.12


def bank_maps_plot(maps, names=None, *, ranges=None, max_maps=None, axes=None, height=2.5):
    """Feature maps side by side on one shared colour scale with one colour bar: the filter-bank explorer's
    picture (lesson 5).

    Small maps (sides up to 16) get their numbers written in the cells; large ones are coloured up to the
    99th percentile of their absolute values (the colour bar's pointed ends say so). Under each map its
    minimum and maximum are written. :func:`update_bank_maps_plot` shows other maps in place.

    Parameters
    ----------
    maps : array_like, shape (F, H, W) or (1, F, H, W)
    names : sequence of F str, optional
        Default "filter 1", "filter 2", ...
    ranges : sequence of F (min, max) pairs, optional
        What is written under each map, if the caller already has it (the explorer does); default each
        map's minimum and maximum.
    max_maps : int, optional
        Room for up to this many maps (default F), for updates with more maps; unused panels are hidden
        and the figure is as wide as its maps need.
    axes : sequence of ``max_maps + 1`` Axes, optional
        Where to draw: one per map, then the colour bar's (they keep their places; unused ones are hidden).
        Default: a new figure of ``height`` inches, as wide as its maps need.
    height : float
        Inches, used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    M = _as_maps(maps)
    count = M.shape[0]
    slots = max(int(max_maps or 0), count)
    small = max(M.shape[1:]) <= MAX_ANNOTATED_SIDE
    own = axes is None
    if own:
        fig = plt.figure(figsize=(_bank_width(count), height))
        axes = [fig.add_axes((0, 0, 1, 1)) for _ in range(slots + 1)]  # placed by each fill
    else:
        fig, axes = axes_row(axes, slots + 1, (1, height))
    axes, cax = axes[:-1], axes[-1]
    for ax in axes:
        if small:
            matrix_plot(np.zeros(M.shape[1:]), ax, signed=True, colorbar=False)
            for label in ax.get_xticklabels() + ax.get_yticklabels():
                as_path_text(label)
        else:
            smooth = "antialiased" if max(M.shape[1:]) > 300 else "nearest"
            signed_map(ax, np.zeros(M.shape[1:]), interpolation=smooth)
            ax.set_xticks([])
            ax.set_yticks([])
        fast_title(ax, "", fontsize=10)
        as_path_text(ax.set_xlabel("", fontsize=9))
    scale = plt.cm.ScalarMappable(norm=Normalize(-1.0, 1.0), cmap=DIVERGING_CMAP)
    colorbar = fig.colorbar(scale, cax=cax, extend="neither" if small else "both")
    info = {"axes": axes, "cax": cax, "colorbar": colorbar, "small": small, "shape": M.shape[1:],
            "height": height, "own": own}
    axes[0]._cnnmath_bank_maps = info
    _fill_bank_maps(info, M, names, ranges)
    return fig


def update_bank_maps_plot(fig, maps, names=None, *, ranges=None):
    """Show other maps (as many as the figure has room for, of the same size) on a figure made by
    :func:`bank_maps_plot`, in place. Returns the figure."""
    _fill_bank_maps(figure_state(fig, "_cnnmath_bank_maps", "bank_maps_plot"), _as_maps(maps), names, ranges)
    return fig


def _bank_width(count):
    return 0.15 + count * _PANEL + (count - 1) * _GAP + 0.2 + _BAR + 0.55


def _fill_bank_maps(info, M, names, ranges):
    count = M.shape[0]
    axes = info["axes"]
    if M.shape[1:] != info["shape"] or not 1 <= count <= len(axes):
        raise ValueError(f"maps has shape {M.shape} but this figure shows 1 .. {len(axes)} maps of "
                         f"{info['shape'][0]}x{info['shape'][1]}")
    names = list(names) if names is not None else [f"filter {f + 1}" for f in range(count)]
    if len(names) != count:
        raise ValueError(f"names has {len(names)} entries but there are {count} maps")
    if ranges is None:
        ranges = [(float(m.min()), float(m.max())) for m in M]
    if len(ranges) != count:
        raise ValueError(f"ranges has {len(ranges)} pairs but there are {count} maps")
    fig = axes[0].figure
    width, height = _bank_width(count), info["height"]
    if info["own"]:  # a figure of its own is as wide as its maps need
        fig.set_size_inches(width, height, forward=False)
    bottom, top = 0.32 / height, 1 - 0.36 / height
    lim = _map_limit(M)
    for f, ax in enumerate(axes):
        ax.set_visible(f < count)
        if f >= count:
            continue
        if info["own"]:
            ax.set_position(((0.15 + f * (_PANEL + _GAP)) / width, bottom, _PANEL / width, top - bottom))
        if info["small"]:
            update_matrix_plot(ax, M[f], vmin=-lim, vmax=lim)
        else:
            update_signed_map(ax.images[0], M[f], limit=lim)
        ax.title.set_text(f"map {f + 1}: {names[f]}")
        low, high = ranges[f]
        ax.xaxis.label.set_text(f"min {format_number(low)}, max {format_number(high)}")
    if info["own"]:
        x_bar = 0.15 + count * _PANEL + (count - 1) * _GAP + 0.2
        info["cax"].set_position((x_bar / width, bottom + 0.05 * (top - bottom), _BAR / width,
                                  0.9 * (top - bottom)))
    ticks = round_ticks(-lim, lim)
    colorbar_limit(info["colorbar"], lim, ticks=ticks, labels=[plain_number(v) for v in ticks])


def channel_sum_plot(x, w, b, f=0, *, position=None, channel_names=("R", "G", "B"), axes=None,
                     figsize=None):
    """How one filter of a bank combines colour channels: one map per channel, then their sum (lesson 5).

    Panel ``c`` shows ``conv2d(x[c], w[f, c])``; the last panel shows
    ``out[f] = b[f] + sum_c conv2d(x[c], w[f, c])``. All panels share one colour scale centred at 0.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (1, C, H, W)
        One image with C channels.
    w : array_like, shape (F, C, KH, KW)
    b : array_like, shape (F,)
    f : int
        Which filter to show.
    position : (int, int), optional
        An output position ``(i, j)`` to mark with a square on every panel.
    channel_names : sequence of str
    axes : sequence of C + 1 Axes, optional
    figsize : tuple, optional
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    X = np.asarray(x, dtype=float)
    if X.ndim == 4 and X.shape[0] == 1:
        X = X[0]
    W = np.asarray(w, dtype=float)
    B = np.asarray(b, dtype=float)
    if X.ndim != 3 or W.ndim != 4 or W.shape[1] != X.shape[0]:
        raise ValueError(f"x has shape {X.shape} and w {W.shape} but they need (C, H, W) and (F, C, KH, KW) "
                         f"with the same C")
    if not 0 <= f < W.shape[0]:
        raise ValueError(f"f is {f} but w has {W.shape[0]} filters: f needs 0 .. {W.shape[0] - 1}")
    C = X.shape[0]
    parts = [conv2d(X[c], W[f, c]) for c in range(C)]
    total = float(B[f]) + sum(parts)
    panels = parts + [total]
    names = list(channel_names)[:C] + [f"c{c}" for c in range(len(channel_names), C)]
    titles = [f"{names[c]} * w[{f}, {c}]" for c in range(C)] + [f"out[{f}] = b + sum"]
    own = axes is None
    if own:
        fig, axes = plt.subplots(1, C + 1, figsize=figsize or (2.7 * (C + 1) + 0.8, 3.0), layout="constrained")
    else:
        fig = axes[0].figure
    axes = list(np.ravel(axes))
    if len(axes) != C + 1:
        raise ValueError(f"axes has {len(axes)} axes but needs {C + 1}: one per channel and one for the sum")
    lim = max(_map_limit(p) for p in panels)
    for ax, panel, title in zip(axes, panels, titles):
        _map_panel(ax, panel, lim, title, colorbar=False)
        if position is not None:
            i, j = position
            side = max(4, max(panel.shape) // 40)
            ax.add_patch(Rectangle((j - side / 2, i - side / 2), side, side, fill=False, lw=2,
                                   edgecolor="black"))
    # the plus and equals signs between panels say in symbols what the titles say in words
    for k, ax in enumerate(axes[:-1]):
        ax.text(1.06, 0.5, "+" if k < C - 1 else "+ b =", transform=ax.transAxes, fontsize=12,
                ha="left", va="center", fontweight="bold")
    # one colour bar for all panels: they share the scale, so the sum can be compared with its parts
    mappable = plt.cm.ScalarMappable(norm=TwoSlopeNorm(0.0, -lim, lim), cmap=DIVERGING_CMAP)
    clipped = max(float(np.abs(p).max()) for p in panels) > lim
    fig.colorbar(mappable, ax=axes, fraction=0.02, pad=0.02, extend="both" if clipped else "neither")
    return fig


# ----------------------------------------------------------------------------------------------------
# Receptive field drawing
# ----------------------------------------------------------------------------------------------------

def shift_equivariance_plot(moved_input, map_of_moved, moved_map, shift, *, axes=None, figsize=(12, 3.2)):
    """Convolve-then-shift against shift-then-convolve, on one corner of a feature map (lesson 5).

    Four panels, all the same crop: the moved input (grey; the zero fill it gained is hatched); the feature
    map of the moved input; the feature map of the original input, moved by the same amount (undefined in
    the border strip, hatched: no original position lands there); their difference. All three signed
    panels share one colour scale, so a white difference panel means "equal". The plot draws what it is
    given; the notebook computes the maps.

    Parameters
    ----------
    moved_input : array_like, shape (H, W)
    map_of_moved, moved_map : array_like, shape (H_out, W_out)
        ``moved_map`` holds NaN where the original map has no value (the border strip).
    shift : (int, int)
        Rows down and columns right; the hatched strip is that many rows and columns.
    axes : 4 Axes, optional
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    moved_input = np.asarray(moved_input, dtype=float)
    a = np.asarray(map_of_moved, dtype=float)
    b = np.asarray(moved_map, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"map_of_moved has shape {a.shape} but moved_map has {b.shape}; they need the same")
    dy, dx = (int(v) for v in shift)
    if axes is None:
        fig, axes = plt.subplots(1, 4, figsize=figsize, layout="constrained")
    else:
        fig = axes[0].figure
    diff = a - b
    lim = signed_limit(a, b)
    cmap = plt.get_cmap(DIVERGING_CMAP).with_extremes(bad="white")
    norm = TwoSlopeNorm(0.0, -lim, lim)
    axes[0].imshow(moved_input, cmap="gray", interpolation="nearest")
    axes[0].set_title(f"input moved by ({dy}, {dx})")
    panels = [(a, "map of the moved input"), (b, "map, then moved"), (diff, "difference")]
    for ax, (M, title) in zip(axes[1:], panels):
        im = ax.imshow(np.ma.masked_invalid(M), cmap=cmap, norm=norm, interpolation="nearest")
        ax.set_title(title)
    shown = np.abs(diff[np.isfinite(diff)])
    largest = float(shown.max()) if shown.size else 0.0
    axes[3].set_xlabel(f"largest |difference| off the strip: {largest:.1e}", fontsize=9)
    for k, ax in enumerate(axes):
        rows, cols = ax.get_images()[0].get_array().shape
        # the strip: the first dy rows and dx columns (zero fill in the input, no counterpart in the maps)
        for x0, y0, w, h in ((-0.5, -0.5, cols, dy), (-0.5, -0.5, dx, rows)):
            if w > 0 and h > 0:
                ax.add_patch(Rectangle((x0, y0), w, h, fill=False, hatch="///", edgecolor="#555555",
                                       linewidth=0))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=list(axes[1:]), fraction=0.03, pad=0.02)
    return fig


def receptive_field_plot(layers, axes=None, *, figsize=None, margin=1, regions=None, max_layers=None):
    """What one unit of the last layer sees, level by level down to the input (lesson 5).

    One grid per level, input at the left: the top layer's single unit (dark), the window of each level
    below that feeds it (light, outlined in orange and hatched), and on the input the window that one unit
    of the first layer sees (blue dashed outline). Grey lines join the regions of neighbouring levels.
    :func:`update_receptive_field_plot` shows another stack in place.

    Parameters
    ----------
    layers : sequence of (int, int)
        ``(kernel_size, stride)`` of each layer, first layer first.
    axes : sequence of ``len(layers) + 1`` Axes, optional
    figsize : tuple, optional
        Used only when ``axes`` is None; default ``(2.4 * levels + 0.5, 3.0)``.
    margin : int
        Cells drawn around each region.
    regions : list of int, optional
        :func:`cnnmath.receptive_field_regions` of ``layers`` if the caller already has it (the explorer
        does); computed here otherwise.
    max_layers : int, optional
        Room for stacks of up to this many layers (default ``len(layers)``), for updates to taller stacks;
        a new figure only. Unused panels are hidden.

    Returns
    -------
    matplotlib Figure
    """
    layers = check_layers(layers)
    if not layers:
        raise ValueError("layers is empty but needs at least one (kernel, stride) pair")
    regions = receptive_field_regions(layers) if regions is None else list(regions)
    levels = len(layers) + 1
    if axes is None:
        slots = max(int(max_layers or 0), len(layers)) + 1
        fig = plt.figure(figsize=figsize or (2.4 * levels + 0.5, 3.0))
        axes = [fig.add_axes((0, 0, 1, 1)) for _ in range(slots)]  # placed by each fill
        own = True
    else:
        fig, axes = axes_row(axes, levels, figsize)
        own = False
    parts = []
    for ax in axes:
        grid = ax.imshow(np.zeros((1, 1)), cmap=_RF_CMAP, vmin=0, vmax=2, interpolation="nearest")
        borders = LineCollection([], colors="white", linewidths=1)
        ax.add_collection(borders, autolim=False)
        rect = Rectangle((0, 0), 1, 1, fill=False, edgecolor=REGION_COLOR, lw=2.5)
        ax.add_patch(rect)
        ax.set_xticks([])
        ax.set_yticks([])
        fast_title(ax, "", fontsize=9)
        parts.append({"grid": grid, "borders": borders, "rect": rect})
    inner = Rectangle((0, 0), 1, 1, fill=False, edgecolor=INNER_COLOR, lw=2.5, linestyle="--")
    axes[0].add_patch(inner)
    as_path_text(axes[0].set_xlabel("", fontsize=10, fontweight="bold"))
    links = []
    for a, b in zip(axes[:-1], axes[1:]):
        pair = [ConnectionPatch((0, 0), (0, 0), coordsA="data", coordsB="data", axesA=a, axesB=b, color="0.5",
                                lw=1) for _ in range(2)]
        for link in pair:
            fig.add_artist(link)
        links.append(pair)
    # an explorer's figure (max_layers given) grows and shrinks with the stack; a notebook's keeps its size
    info = {"axes": axes, "parts": parts, "inner": inner, "links": links, "margin": margin,
            "own": own, "resize": max_layers is not None, "height": fig.get_size_inches()[1]}
    axes[0]._cnnmath_receptive_field = info
    _fill_receptive_field(info, layers, regions)
    return fig


def update_receptive_field_plot(fig, layers, *, regions=None):
    """Show another stack on a figure made by :func:`receptive_field_plot`, in place. Returns the figure.

    ``regions``: :func:`cnnmath.receptive_field_regions` of ``layers`` (computed here if not given). The
    stack may have at most as many layers as the figure has room for.
    """
    info = figure_state(fig, "_cnnmath_receptive_field", "receptive_field_plot")
    layers = check_layers(layers)
    if not 1 <= len(layers) <= len(info["axes"]) - 1:
        raise ValueError(f"layers has {len(layers)} layers but this figure has room for 1 .. "
                         f"{len(info['axes']) - 1}")
    _fill_receptive_field(info, layers, receptive_field_regions(layers) if regions is None else list(regions))
    return fig


def _place_levels(info, sides):
    """Axes side by side, wider for bigger regions (square cells), in a figure as wide as the stack needs."""
    axes, fig = info["axes"], info["axes"][0].figure
    levels = len(sides)
    width = 2.2 * levels + 0.5 if info["resize"] else fig.get_size_inches()[0]
    if info["resize"]:
        fig.set_size_inches(width, info["height"], forward=False)
    ratios = np.array([max(s, 3) ** 0.5 for s in sides])
    left, right, bottom, top, gap = 0.25 / width, 1 - 0.15 / width, 0.13, 0.8, 0.35 / width
    widths = ratios / ratios.sum() * (right - left - gap * (levels - 1))
    x = left
    for k, ax in enumerate(axes):
        ax.set_visible(k < levels)
        if k < levels:
            ax.set_position((x, bottom, widths[k], top - bottom))
            x += widths[k] + gap


def _fill_receptive_field(info, layers, sizes):
    levels = len(layers) + 1
    if len(sizes) != levels:
        raise ValueError(f"regions has {len(sizes)} sides but needs {levels}, one per level")
    margin, axes, parts = info["margin"], info["axes"], info["parts"]
    sides = [size + 2 * margin for size in sizes]
    if info["own"]:
        _place_levels(info, sides)
    boxes = []
    for level in range(levels):
        ax, part, size, side = axes[level], parts[level], sizes[level], sides[level]
        grid = np.zeros((side, side))
        grid[margin:margin + size, margin:margin + size] = 2 if level == levels - 1 else 1
        part["grid"].set_data(grid)
        part["grid"].set_extent((-0.5, side - 0.5, side - 0.5, -0.5))
        ax.set_xlim(-0.5, side - 0.5)
        ax.set_ylim(side - 0.5, -0.5)
        # cell borders while they can still be told apart
        edges = np.arange(-0.5, side, 1) if side <= 24 else []
        part["borders"].set_segments([[(-0.5, e), (side - 0.5, e)] for e in edges]
                                     + [[(e, -0.5), (e, side - 0.5)] for e in edges])
        part["rect"].set_bounds(margin - 0.5, margin - 0.5, size, size)
        part["rect"].set_hatch("//" if level < levels - 1 else None)
        boxes.append((margin - 0.5, margin - 0.5 + size))
        if level == 0:
            title = f"input\n{size}x{size} pixels feed it"
        else:
            k, st = layers[level - 1]
            what = "the unit" if level == levels - 1 else f"{size}x{size} units feed it"
            title = f"layer {level}: {k}x{k}, stride {st}\n{what}"
        ax.title.set_text(title)
    # on the input, what a single first-layer unit sees: the first kernel's window
    k1 = layers[0][0]
    start = margin + (sizes[0] - k1) // 2
    info["inner"].set_bounds(start - 0.5, start - 0.5, k1, k1)
    info["inner"].set_visible(levels > 2)
    for level, pair in enumerate(info["links"]):
        shown = level < levels - 1
        for link, end in zip(pair, (0, 1)):
            link.set_visible(shown)
            if shown:
                (lo_a, hi_a), (lo_b, hi_b) = boxes[level], boxes[level + 1]
                link.xy1, link.xy2 = (hi_a, (lo_a, hi_a)[end]), (lo_b, (lo_b, hi_b)[end])
                link.stale = True
    axes[0].xaxis.label.set_text(f"receptive field {sizes[0]}x{sizes[0]}")
