"""Pictures of lesson 5 (``05_feature_maps.ipynb``): a bank of filters and the feature maps it makes,
the sum over colour channels, and how the receptive field grows when convolutions are stacked
(matplotlib only; the explorers in ``viz/widgets/lesson05.py`` reuse them).

Conventions: kernels are small annotated grids in the diverging map centred at 0 (the numbers are
written, so colour is never the only carrier); feature maps are signed, so they use the same diverging map
with a colour bar, and each map's minimum and maximum are written under it. The receptive-field drawing
marks regions by outline *and* hatching, and states their sizes in the titles.

:func:`receptive_field` is the small piece of arithmetic the drawing is built on; it lives here because
the core package has no receptive-field function (lesson 5 is the only user).
"""

from __future__ import annotations


import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.patches import ConnectionPatch, Rectangle

from ...conv import conv2d
from ...receptive import _check_layers
from .common import DIVERGING_CMAP, MAX_ANNOTATED_SIDE, format_number, matrix_plot

__all__ = ["kernel_plot", "filter_bank_plot",
           "channel_sum_plot", "shift_equivariance_plot", "receptive_field_plot"]

REGION_COLOR = "#d55e00"   # orange outline of what one unit sees
INNER_COLOR = "#004c99"    # blue dashed outline of what one unit of the layer below sees
_RF_CMAP = ListedColormap(["#f2f2f2", "#f6c89f", "#d55e00"])  # outside, region, the single unit


# ----------------------------------------------------------------------------------------------------
# Receptive field arithmetic
# ----------------------------------------------------------------------------------------------------

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
    return max(float(A.max()), 1e-12)


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
    lim = max(float(np.nanmax(np.abs(a))), float(np.nanmax(np.abs(b))), 1e-12)
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


def _region_sizes(layers):
    """Side of the region each level contributes to one unit of the top layer, input first."""
    sizes = [1]
    for k, s in reversed(layers):
        sizes.append((sizes[-1] - 1) * s + k)
    return sizes[::-1]


def receptive_field_plot(layers, axes=None, *, figsize=None, margin=1):
    """What one unit of the last layer sees, level by level down to the input (lesson 5).

    One grid per level, input at the left: the top layer's single unit (dark), the window of each level
    below that feeds it (light, outlined in orange and hatched), and on the input the window that one unit
    of the first layer sees (blue dashed outline). Grey lines join the regions of neighbouring levels.

    Parameters
    ----------
    layers : sequence of (int, int)
        ``(kernel_size, stride)`` of each layer, first layer first.
    axes : sequence of ``len(layers) + 1`` Axes, optional
    figsize : tuple, optional
        Used only when ``axes`` is None.
    margin : int
        Cells drawn around each region.

    Returns
    -------
    matplotlib Figure
    """
    layers = _check_layers(layers)
    if not layers:
        raise ValueError("layers is empty but needs at least one (kernel, stride) pair")
    sizes = _region_sizes(layers)
    levels = len(sizes)
    if axes is None:
        ratios = [max(s + 2 * margin, 3) ** 0.5 for s in sizes]  # big regions wider, small ones still visible
        fig, axes = plt.subplots(1, levels, figsize=figsize or (2.4 * levels + 0.5, 3.0),
                                 gridspec_kw={"width_ratios": ratios})
    else:
        fig = axes[0].figure
    axes = list(np.ravel(axes))
    if len(axes) != levels:
        raise ValueError(f"axes has {len(axes)} axes but needs {levels}: the input and one per layer")
    boxes = []
    for level, (ax, size) in enumerate(zip(axes, sizes)):
        side = size + 2 * margin
        grid = np.zeros((side, side))
        grid[margin:margin + size, margin:margin + size] = 2 if level == levels - 1 else 1
        ax.imshow(grid, cmap=_RF_CMAP, vmin=0, vmax=2, interpolation="nearest")
        if side <= 24:  # cell borders while they can still be told apart (two line collections: quick)
            edges = np.arange(-0.5, side, 1)
            ax.hlines(edges, -0.5, side - 0.5, color="white", lw=1)
            ax.vlines(edges, -0.5, side - 0.5, color="white", lw=1)
        ax.set_xticks([])
        ax.set_yticks([])
        rect = Rectangle((margin - 0.5, margin - 0.5), size, size, fill=False, edgecolor=REGION_COLOR,
                         lw=2.5, hatch="//" if level < levels - 1 else None)
        ax.add_patch(rect)
        boxes.append((margin - 0.5, margin - 0.5 + size))
        if level == 0:
            title = f"input\n{size}x{size} pixels feed it"
        else:
            k, st = layers[level - 1]
            what = "the unit" if level == levels - 1 else f"{size}x{size} units feed it"
            title = f"layer {level}: {k}x{k}, stride {st}\n{what}"
        ax.set_title(title, fontsize=9)
    if levels > 2:  # on the input, what a single first-layer unit sees: the first kernel's window
        k1 = layers[0][0]
        start = margin + (sizes[0] - k1) // 2
        axes[0].add_patch(Rectangle((start - 0.5, start - 0.5), k1, k1, fill=False, edgecolor=INNER_COLOR,
                                    lw=2.5, linestyle="--"))
    for level in range(levels - 1):
        (lo_a, hi_a), (lo_b, hi_b) = boxes[level], boxes[level + 1]
        for ya, yb in ((lo_a, lo_b), (hi_a, hi_b)):
            fig.add_artist(ConnectionPatch((hi_a, ya), (lo_b, yb), coordsA="data", coordsB="data",
                                           axesA=axes[level], axesB=axes[level + 1], color="0.5", lw=1))
    axes[0].set_xlabel(f"receptive field {sizes[0]}x{sizes[0]}", fontsize=10, fontweight="bold")
    return fig
