"""Pictures for lesson 4 (``04_pooling.ipynb``): pooling windows, the shift test, and where gradients go.

Every window gets its own colour *and* its own line style (solid, dashed, dotted, dash-dot, ...), used the
same way on the input, on the pooled output and on the gradients, so a window can be followed from one
panel to the next without relying on colour. Matrices carry their numbers (``matrix_plot``); gradients use
the diverging map centred at 0.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from ...pooling import (PoolGradientStep, PoolStep, pool_gradient_step, pool_routes, pool_step, pooled_by_mode,
                       relative_l2_change, shifted_pooling)
from .common import (DIVERGING_CMAP, GRAY_CMAP, axes_row, colorbar_limit, fast_title, figure_state, format_number,
                     highlight_cells, matrix_plot, path_ticks, signed_colorbar, signed_limit, update_matrix_plot)

__all__ = ["WINDOW_STYLES", "window_style", "pool_windows_plot", "pool_step_plot", "update_pool_step_plot",
           "pool_shift_plot", "pool_shift_compare_plot", "update_pool_shift_compare_plot", "pool_gradient_plot",
           "update_pool_gradient_plot"]

#: (colour, line style) per window, in reading order; colours from the Okabe-Ito palette, and each line
#: style differs from its neighbours' so that the windows stay apart in greyscale too.
WINDOW_STYLES = (
    ("#E69F00", "-"),
    ("#0072B2", "--"),
    ("#009E73", ":"),
    ("#CC79A7", "-."),
    ("#D55E00", (0, (6, 2))),
    ("#56B4E9", (0, (1, 1))),
    ("#000000", (0, (4, 1, 1, 1, 1, 1))),
    ("#999999", (0, (8, 3))),
    ("#882255", (0, (3, 1, 1, 1))),
)

_UNKNOWN_COLOUR = "#555555"  # the "?" of outputs not computed yet
_HATCH_COLOUR = "#666666"


def window_style(k: int):
    """``(colour, linestyle)`` of window number ``k`` (reading order, from 0); cycles after eight."""
    return WINDOW_STYLES[k % len(WINDOW_STYLES)]




# ----------------------------------------------------------------------------------------------------
# Outlines, rings and hatching: made once, then moved, restyled, shown or hidden
# ----------------------------------------------------------------------------------------------------

def _outlines(ax, specs, pool):
    """Show one window outline per ``(k, row, col, height, width, inset, linewidth)`` in ``specs``, in window
    k's style, reusing the rectangles in ``pool`` (a list, grown as needed); the rest are hidden."""
    while len(pool) < len(specs):
        pool.append(highlight_cells(ax, 0, 0, 1, 1))
        pool[-1].set_zorder(1.5 + 0.001 * len(pool))  # the same stacking whenever the pool grew
    for rect, (k, row, col, height, width, inset, lw) in zip(pool, specs):
        colour, style = window_style(k)
        rect.set_xy((col + inset - 0.5, row + inset - 0.5))
        rect.set_width(width - 2 * inset)
        rect.set_height(height - 2 * inset)
        rect.set_edgecolor(colour)
        rect.set_linestyle(style)
        rect.set_linewidth(lw)
        rect.set_visible(True)
    for rect in pool[len(specs):]:
        rect.set_visible(False)


def _rings(ax, specs, pool):
    """Ring each entry ``(k, row, col, n)`` in window k's style; the n-th ring on one entry is a little
    smaller. Reuses the circles in ``pool``; the rest are hidden."""
    while len(pool) < len(specs):
        pool.append(ax.add_patch(Circle((0, 0), 0.46, fill=False, linewidth=2, zorder=2 + 0.001 * len(pool))))
    for ring, (k, row, col, n) in zip(pool, specs):
        colour, style = window_style(k)
        ring.set_center((col, row))
        ring.set_radius(0.46 - 0.05 * (n % 4))
        ring.set_edgecolor(colour)
        ring.set_linestyle(style)
        ring.set_visible(True)
    for ring in pool[len(specs):]:
        ring.set_visible(False)


def _ring_specs(routes):
    """``(k, row, col, n)`` for every route of ``routes`` (a :func:`cnnmath.pool_routes` result), n counting
    the rings already on that entry."""
    specs, seen = [], {}
    for k, (_, targets) in enumerate(routes):
        for r, c in targets:
            n = seen.get((r, c), 0)
            seen[(r, c)] = n + 1
            specs.append((k, r, c, n))
    return specs


def _hatch(ax):
    """The two hatched bands (rows below, columns right) that no window reads; placed by :func:`_fill_hatch`."""
    return [ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, hatch="///", edgecolor=_HATCH_COLOUR, linewidth=0,
                                   visible=False)) for _ in range(2)]


def _fill_hatch(bands, shape, out_shape, size, stride):
    """Hatch the rows and columns of an input of ``shape`` that no window reads (the floor in
    ``(H - size) // stride + 1``), from the pooled output's shape ``out_shape``."""
    h, w = shape
    used_h = (out_shape[0] - 1) * stride + size
    used_w = (out_shape[1] - 1) * stride + size
    for band, (r0, c0, hh, ww) in zip(bands, ((used_h, 0, h - used_h, w), (0, used_w, used_h, w - used_w))):
        band.set_visible(hh > 0 and ww > 0)
        band.set_xy((c0 - 0.5, r0 - 0.5))
        band.set_width(ww)
        band.set_height(hh)


def _overlap_inset(k, overlap):
    return 0.06 + 0.07 * (k % 4) if overlap else 0.08


def _legend(fig, handles, ncol):
    return fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=8, frameon=False,
                      handlelength=3.5)




def _two_panels(axes, figsize):
    own = axes is None
    fig, axes = axes_row(axes, 2, figsize)
    if own:  # fixed margins (no tight layout): the explorer redraws this figure on every step
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.08, top=0.88, wspace=0.25)
    return fig, axes


# ----------------------------------------------------------------------------------------------------
# Every window at once (static)
# ----------------------------------------------------------------------------------------------------

def pool_windows_plot(x, size=2, stride=2, mode="max", axes=None, figsize=(8, 3.8), legend=True, *, pooled=None,
                      routes=None):
    """Every pooling window outlined on the input, and the output cell it produces (lesson 4).

    Window k (reading order) is drawn in colour and line style k on both panels; in max mode its
    maximum is ringed in the same style (the first in reading order when entries tie).

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int
    mode : {"max", "average"}
    axes : pair of Axes, optional
    figsize : tuple
    legend : bool
        Add a legend naming each window's style (up to eight windows).
    pooled : array_like, shape (H_out, W_out), optional
        ``cnnmath.pooled_by_mode(x, size, stride, mode)`` if the caller has it.
    routes : list, optional
        Max mode: ``cnnmath.pool_routes(x, size, stride, "first")`` (where each window's maximum sits) if
        the caller has it.

    Returns
    -------
    matplotlib Figure
    """
    x = np.asarray(x, dtype=float)
    if mode not in ("max", "average"):
        raise ValueError(f"mode is {mode!r} but needs 'max' or 'average'")
    out = pooled_by_mode(x, size, stride, mode) if pooled is None else np.asarray(pooled, dtype=float)
    if mode == "max" and routes is None:
        routes = pool_routes(x, size, stride, "first")
    fig, (ax_in, ax_out) = axes_row(axes, 2, figsize)
    matrix_plot(x, ax=ax_in, signed=False, title=f"input {x.shape[0]}x{x.shape[1]}, window {size}x{size}, "
                f"stride {stride}")
    matrix_plot(out, ax=ax_out, signed=False, vmin=x.min(), vmax=x.max(),
                title=f"{'max' if mode == 'max' else 'average'}-pooled {out.shape[0]}x{out.shape[1]}")
    windows = list(np.ndindex(out.shape))  # window k makes output k, in reading order
    overlap = stride < size
    _outlines(ax_in, [(k, i * stride, j * stride, size, size, _overlap_inset(k, overlap), 2.5)
                      for k, (i, j) in enumerate(windows)], [])
    _outlines(ax_out, [(k, i, j, 1, 1, 0.06, 2.5) for k, (i, j) in enumerate(windows)], [])
    if mode == "max":
        _rings(ax_in, _ring_specs(routes), [])
    _fill_hatch(_hatch(ax_in), x.shape, out.shape, size, stride)
    if legend and len(windows) <= len(WINDOW_STYLES):
        handles = [Line2D([], [], color=window_style(k)[0], linestyle=window_style(k)[1], linewidth=2.5,
                          label=f"window ({i}, {j}) \u2192 P[{i}, {j}] = {format_number(out[i, j])}")
                   for k, (i, j) in enumerate(windows)]
        _legend(fig, handles, ncol=2)
        fig.subplots_adjust(bottom=0.12 + 0.06 * ((len(handles) + 1) // 2))
    return fig


# ----------------------------------------------------------------------------------------------------
# One step of pooling (the pooling explorer)
# ----------------------------------------------------------------------------------------------------

def pool_step_plot(x=None, size=2, stride=2, position=0, mode="max", axes=None, figsize=(7.5, 3.6), *,
                   step=None):
    """One step of pooling: the window at ``position`` on the input, and the output filled so far (lesson 4).

    :func:`update_pool_step_plot` moves the figure to another step in place.

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int
    position : int
        Window number in reading order, ``0 <= position < H_out * W_out``.
    mode : {"max", "average"}
    axes : pair of Axes, optional
    figsize : tuple
    step : cnnmath.PoolStep, optional
        ``cnnmath.pool_step(x, size, stride, position, mode)`` if the caller already has it (the explorer
        does); then the other arguments but ``axes`` and ``figsize`` are not used.

    Returns
    -------
    matplotlib Figure
        Output cells after ``position`` are covered and marked "?": they are not computed yet. Input
        rows and columns that no window reads are hatched.
    """
    if step is None:
        step = pool_step(x, size, stride, position, mode)
    elif not isinstance(step, PoolStep):
        raise TypeError(f"step is {type(step).__name__} but needs a cnnmath.PoolStep (from pool_step)")
    fig, (ax_in, ax_out) = _two_panels(axes, figsize)
    matrix_plot(step.x, ax=ax_in, signed=False, title=" ")
    matrix_plot(step.output, ax=ax_out, signed=False, title=" ")
    # drawn above the image and below the numbers, so a "?" replaces each number not computed yet
    covers = ax_out.add_collection(PolyCollection([], facecolors="white", edgecolors="#bbbbbb", zorder=2),
                                   autolim=False)
    info = {"axes": (ax_in, ax_out), "covers": covers, "outlines_in": [], "outlines_out": [], "rings": [],
            "hatch": _hatch(ax_in)}
    fast_title(ax_in, " ")
    fast_title(ax_out, " ")
    ax_in._cnnmath_pool_step = info
    _fill_pool_step(info, step)
    return fig


def update_pool_step_plot(fig, step):
    """Show another step (a :class:`cnnmath.PoolStep`) on a figure made by :func:`pool_step_plot`, in place.

    Nothing is computed again: the window, its maximum, the output and what is done so far all come from
    ``step``. Returns the figure.
    """
    info = figure_state(fig, "_cnnmath_pool_step", "pool_step_plot")
    if not isinstance(step, PoolStep):
        raise TypeError(f"step is {type(step).__name__} but needs a cnnmath.PoolStep (from pool_step)")
    _fill_pool_step(info, step)
    return fig


def _fill_pool_step(info, step):
    ax_in, ax_out = info["axes"]
    (i, j), (r0, c0), k = step.index, step.corner, step.position
    x, out = step.x, step.output
    h_out, w_out = out.shape
    update_matrix_plot(ax_in, x)
    ax_in.title.set_text(f"input, window ({i}, {j})")
    update_matrix_plot(ax_out, out, vmin=float(x.min()), vmax=float(x.max()))
    ax_out.title.set_text(f"{step.mode} pool: {h_out}x{w_out}")
    for t, done in zip(ax_out._cnnmath_matrix["texts"], step.done.ravel()):
        if not done:
            t.set_text("?")
            t.set_color(_UNKNOWN_COLOUR)
    info["covers"].set_verts([[(b - 0.5, a - 0.5), (b + 0.5, a - 0.5), (b + 0.5, a + 0.5), (b - 0.5, a + 0.5)]
                              for a, b in np.argwhere(~step.done)])
    _outlines(ax_in, [(k, r0, c0, step.size, step.size, 0.06, 3)], info["outlines_in"])
    _outlines(ax_out, [(k, i, j, 1, 1, 0.06, 3)], info["outlines_out"])
    _rings(ax_in, [] if step.switch is None else [(k, *step.switch, 0)], info["rings"])
    _fill_hatch(info["hatch"], x.shape, out.shape, step.size, step.stride)
    for ax in (ax_in, ax_out):
        path_ticks(ax, integers=True)


# ----------------------------------------------------------------------------------------------------
# The shift test
# ----------------------------------------------------------------------------------------------------

def _pool_grid(ax, out_shape, size, stride):
    for i, j in np.ndindex(*out_shape):
        ax.add_patch(Rectangle((j * stride - 0.5 + 0.05, i * stride - 0.5 + 0.05), size - 0.1, size - 0.1,
                               fill=False, edgecolor="#E69F00", linewidth=1.5, linestyle="--"))


def pool_shift_plot(x, shifts=(0, 1, 2), size=2, stride=2, mode="max", axes=None, figsize=(6, 6.5), *, rows=None):
    """A small feature map moved right by each of ``shifts`` pixels, and its pooled map (lesson 4).

    The pooling windows are drawn as dashed squares on the input, so one sees whether a feature stays
    in its window (the pooled map does not change) or crosses into the next one (it does).

    Parameters
    ----------
    x : array_like, shape (H, W)
        Its last ``max(shifts)`` columns must be zero, so that moving right loses nothing.
    shifts : sequence of int >= 0
    size, stride : int
    mode : {"max", "average", "subsample"}
    axes : array of 2 * len(shifts) Axes, optional (rows: shifts; columns: input, pooled)
    figsize : tuple
    rows : list, optional
        ``cnnmath.pooling.shifted_pooling(x, shifts, size, stride, mode)`` if the caller has it.

    Returns
    -------
    matplotlib Figure
    """
    if rows is None:
        rows = shifted_pooling(x, shifts, size, stride, mode)
    shifts = list(shifts)
    if len(rows) != len(shifts):
        raise ValueError(f"rows has {len(rows)} items but needs one per shift ({len(shifts)})")
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axs = plt.subplots(len(shifts), 2, figsize=figsize)
        axs = list(np.ravel(axs))
    else:
        fig, axs = axes_row(axes, 2 * len(shifts), figsize)
    top = max(float(np.max(rows[0][0])), 1e-12)  # grey scale: 0 up to the map's brightest entry
    for r, (s, (moved, pooled, changed)) in enumerate(zip(shifts, rows)):
        matrix_plot(moved, ax=axs[2 * r], signed=False, vmin=0, vmax=top, title=f"moved right by {s} px",
                    fontsize=8)
        _pool_grid(axs[2 * r], pooled.shape, size, stride)
        n = int(np.count_nonzero(changed))
        title = (f"{mode} pooled: same as unmoved" if not n else
                 f"{mode} pooled: {n} of {pooled.size} entries changed")
        matrix_plot(pooled, ax=axs[2 * r + 1], signed=False, vmin=0, vmax=top, title=title, fontsize=9)
        for a, b in np.argwhere(changed):  # a dotted outline, not only a colour, marks what moved
            highlight_cells(axs[2 * r + 1], a + 0.08, b + 0.08, 0.84, 0.84, color="#D55E00", linewidth=2.5,
                            linestyle=":")
    fig.tight_layout()
    return fig


def pool_shift_compare_plot(before, after, size=2, stride=2, mode="max", axes=None, figsize=(6.4, 6), *,
                            pooled=None, changes=None):
    """A feature map and the same map after a shift, before and after pooling (lesson 4).

    Top row: the map and the change ``after - before``; bottom row: the same for the pooled maps. Each
    panel is scaled by its own map's 99.5th percentile (so that a few very bright pixels do not hide the
    rest; the change uses the diverging map, clipped to -1..1), which puts the two change panels on the
    same footing: a paler panel is a smaller change. Each title gives :func:`cnnmath.relative_l2_change`.
    :func:`update_pool_shift_compare_plot` shows another shift, window or mode in place.

    Parameters
    ----------
    before, after : array_like, shape (H, W)
    size, stride : int
    mode : {"max", "average", "subsample"}
    axes : 4 Axes, optional (reading order)
    figsize : tuple
    pooled : pair of arrays, shape (H_out, W_out), optional
        ``pooled_by_mode(before, ...)`` and ``pooled_by_mode(after, ...)`` if the caller has them.
    changes : pair of float, optional
        ``relative_l2_change(before, after)`` and the same for the pooled maps, if the caller has them.

    Returns
    -------
    matplotlib Figure
    """
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    if pooled is None:
        pooled = (pooled_by_mode(before, size, stride, mode), pooled_by_mode(after, size, stride, mode))
    if changes is None:
        changes = (relative_l2_change(before, after), relative_l2_change(*pooled))
    own_figure = axes is None
    if own_figure:
        import matplotlib.pyplot as plt

        fig, axs = plt.subplots(2, 2, figsize=figsize)
        axs = list(np.ravel(axs))
        # the panels are images: little room is needed between them
        fig.subplots_adjust(left=0.02, right=0.86, bottom=0.02, top=0.94, wspace=0.08, hspace=0.14)
    else:
        fig, axs = axes_row(axes, 4, figsize)
    for ax, cmap in zip(axs, (GRAY_CMAP, DIVERGING_CMAP, GRAY_CMAP, DIVERGING_CMAP)):
        norm = TwoSlopeNorm(0.0, -1.0, 1.0) if cmap == DIVERGING_CMAP else Normalize(0.0, 1.0)
        ax.imshow(np.zeros((1, 1)), cmap=cmap, norm=norm, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        fast_title(ax, " ", fontsize=9)
    fig.colorbar(axs[1].images[0], ax=[axs[1], axs[3]], fraction=0.05, pad=0.03, ticks=[-1, 0, 1],
                 label="change / map's scale")
    axs[0]._cnnmath_shift_compare = {"axes": axs}
    _fill_shift_compare(axs[0]._cnnmath_shift_compare, before, after, *pooled, *changes, size, stride, mode)
    return fig


def update_pool_shift_compare_plot(fig, before, after, pooled_before, pooled_after, change, pooled_change,
                                   size, stride, mode):
    """Show another shift test on a figure made by :func:`pool_shift_compare_plot`, in place (lesson 4).

    Parameters
    ----------
    fig : matplotlib Figure
    before, after : array_like, shape (H, W)
    pooled_before, pooled_after : array_like, shape (H_out, W_out)
        The two maps reduced by ``mode`` (:func:`cnnmath.pooled_by_mode`), as the caller computed them.
    change, pooled_change : float
        :func:`cnnmath.relative_l2_change` of the maps and of the pooled maps, as the caller computed them.
    size, stride : int
    mode : {"max", "average", "subsample"}
        Named in the titles.

    Returns
    -------
    matplotlib Figure
    """
    info = figure_state(fig, "_cnnmath_shift_compare", "pool_shift_compare_plot")
    _fill_shift_compare(info, np.asarray(before, dtype=float), np.asarray(after, dtype=float),
                        np.asarray(pooled_before, dtype=float), np.asarray(pooled_after, dtype=float),
                        float(change), float(pooled_change), size, stride, mode)
    return fig


def _set_image(image, M):
    if image.get_array().shape != M.shape:
        image.set_extent((-0.5, M.shape[1] - 0.5, M.shape[0] - 0.5, -0.5))
    image.set_data(M)


def _fill_shift_compare(info, before, after, pb, pa, change, pooled_change, size, stride, mode):
    axs = info["axes"]
    for name, m in (("after", after), ("pooled_after", pa)):
        ref = before if name == "after" else pb
        if m.shape != ref.shape:
            raise ValueError(f"{name} has shape {m.shape} but needs {ref.shape}, the shape of its 'before'")
    lim, plim = (signed_limit(np.percentile(np.abs(m), 99.5)) for m in (before, pb))
    _set_image(axs[0].images[0], before)
    axs[0].images[0].set_clim(0, lim)
    axs[0].title.set_text(f"feature map {before.shape[0]}x{before.shape[1]}")
    _set_image(axs[1].images[0], (after - before) / lim)
    axs[1].title.set_text(f"change: {change:.2f}")
    _set_image(axs[2].images[0], pb)
    axs[2].images[0].set_clim(0, plim)
    label = (f"top-left pixel of each {size}x{size}" if mode == "subsample" else
             f"{mode} {size}x{size}, stride {stride}")
    axs[2].title.set_text(f"{label}: {pb.shape[0]}x{pb.shape[1]}")
    _set_image(axs[3].images[0], (pa - pb) / plim)
    axs[3].title.set_text(f"change: {pooled_change:.2f}")


# ----------------------------------------------------------------------------------------------------
# Where the gradient goes (the gradient explorer)
# ----------------------------------------------------------------------------------------------------

_RULE_TITLES = {"first": "dx (first maximum)", "split": "dx (split equally among ties)",
                "mask": "dx with an equality mask (wrong)"}


def pool_gradient_plot(x=None, dout=None, size=2, stride=2, rule="first", axes=None, figsize=(11, 3.6),
                       legend=True, *, grad=None):
    """Max pooling backward: the input with its switches, the upstream gradient, and dx (lesson 4).

    Window k has colour and line style k everywhere: its outline on the input, its cell in ``dout``, and
    a ring (on the input and on dx) around each entry it sends its gradient to. An entry with several
    rings collects several gradients (overlapping windows); a window with several rings shares its
    gradient equally (rule "split", valid) or copies it whole (rule "mask", the mistake).
    :func:`update_pool_gradient_plot` shows another setting in place.

    Parameters
    ----------
    x : array_like, shape (H, W)
    dout : array_like, shape (H_out, W_out)
    size, stride : int
    rule : {"first", "split", "mask"}
        "first" computes dx with :func:`maxpool2d_backward` (the package's rule for ties); "split" shares
        each window's gradient equally among the entries equal to its maximum; "mask" copies it to each
        (:func:`cnnmath.pool_routes` and :func:`cnnmath.pool_gradient_dx`).
    axes : 3 Axes, optional
    figsize : tuple
    legend : bool
    grad : cnnmath.pooling.PoolGradientStep, optional
        ``pool_gradient_step(x, dout, size, stride, rule)`` if the caller already has it (the explorer
        does); then ``x``, ``dout``, ``size``, ``stride`` and ``rule`` are not used.

    Returns
    -------
    matplotlib Figure
    """
    if grad is None:
        if dout is None:
            raise ValueError("dout is None but needs the upstream gradient, shape (H_out, W_out)")
        grad = pool_gradient_step(x, dout, size, stride, rule)
    elif not isinstance(grad, PoolGradientStep):
        raise TypeError(f"grad is {type(grad).__name__} but needs a PoolGradientStep (from pool_gradient_step)")
    own = axes is None
    fig, axes = axes_row(axes, 3, figsize)
    ax_x, ax_d, ax_dx = axes
    matrix_plot(grad.x, ax=ax_x, signed=False, title="input x: windows, rings = receivers", fontsize=9)
    matrix_plot(grad.dout, ax=ax_d, signed=True, title="upstream gradient dout", colorbar=False)
    matrix_plot(grad.dx, ax=ax_dx, signed=True, title=" ", fontsize=9, colorbar=False)
    for ax in axes:
        fast_title(ax, ax.get_title())
    if own:  # fixed margins (no tight layout): the explorer redraws this figure on every change
        fig.subplots_adjust(left=0.03, right=0.97, top=0.88, bottom=0.08, wspace=0.3)
    colorbar = signed_colorbar(fig, ax_dx)
    info = {"axes": axes, "colorbar": colorbar, "legend": legend, "own": own, "legend_artist": None, "outlines_x": [],
            "outlines_d": [], "rings_x": [], "rings_dx": []}
    ax_x._cnnmath_pool_gradient = info
    _fill_pool_gradient(info, grad)
    return fig


def update_pool_gradient_plot(fig, grad):
    """Show another :class:`cnnmath.pooling.PoolGradientStep` on a figure made by :func:`pool_gradient_plot`,
    in place. Nothing is computed again: routes, dout and dx all come from ``grad``. Returns the figure."""
    info = figure_state(fig, "_cnnmath_pool_gradient", "pool_gradient_plot")
    if not isinstance(grad, PoolGradientStep):
        raise TypeError(f"grad is {type(grad).__name__} but needs a PoolGradientStep (from pool_gradient_step)")
    _fill_pool_gradient(info, grad)
    return fig


def _fill_pool_gradient(info, grad):
    ax_x, ax_d, ax_dx = info["axes"]
    size, stride = grad.size, grad.stride
    lim = signed_limit(grad.dout, grad.dx)
    update_matrix_plot(ax_x, grad.x)
    update_matrix_plot(ax_d, grad.dout, vmin=-lim, vmax=lim)
    update_matrix_plot(ax_dx, grad.dx, vmin=-lim, vmax=lim)
    ax_dx.title.set_text(_RULE_TITLES[grad.rule])
    colorbar_limit(info["colorbar"], lim)
    overlap = stride < size
    windows = [(k, i, j) for k, ((i, j), _) in enumerate(grad.routes)]
    _outlines(ax_x, [(k, i * stride, j * stride, size, size, _overlap_inset(k, overlap), 2.5)
                     for k, i, j in windows], info["outlines_x"])
    _outlines(ax_d, [(k, i, j, 1, 1, 0.06, 2.5) for k, i, j in windows], info["outlines_d"])
    rings = _ring_specs(grad.routes)
    _rings(ax_x, rings, info["rings_x"])
    _rings(ax_dx, rings, info["rings_dx"])
    for ax in info["axes"]:
        path_ticks(ax, integers=True)
    if info["legend"]:
        fig = ax_x.figure
        if info["legend_artist"] is not None:
            info["legend_artist"].remove()
            info["legend_artist"] = None
        handles = []
        for k, ((i, j), targets) in enumerate(grad.routes):
            colour, style = window_style(k)
            where = ", ".join(f"x[{r}, {c}]" for r, c in targets)
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=2.5,
                                  label=f"dout[{i}, {j}] = {format_number(grad.dout[i, j])} \u2192 {where}"))
        if len(handles) <= len(WINDOW_STYLES):
            info["legend_artist"] = _legend(fig, handles, ncol=min(4, len(handles)))
        if info["own"]:
            rows = (len(handles) + 3) // 4 if info["legend_artist"] is not None else 0
            fig.subplots_adjust(bottom=0.12 + 0.07 * rows if rows else 0.08)
