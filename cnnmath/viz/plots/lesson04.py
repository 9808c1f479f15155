"""Pictures for lesson 4 (``04_pooling.ipynb``): pooling windows, the shift test, and where gradients go.

Every window gets its own colour *and* its own line style (solid, dashed, dotted, dash-dot, ...), used the
same way on the input, on the pooled output and on the gradients, so a window can be followed from one
panel to the next without relying on colour. Matrices carry their numbers (``matrix_plot``); gradients use
the diverging map centred at 0.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from ...pooling import (avg_pool2d, max_pool2d, max_pool2d_switches, pool_gradient_dx, pool_output_size,
                        pool_routes, pooled_by_mode, relative_l2_change)
from .common import DIVERGING_CMAP, GRAY_CMAP, format_number, highlight_cells, matrix_plot

__all__ = ["WINDOW_STYLES", "window_style", "pool_windows_plot", "pool_step_plot", "pool_shift_plot",
           "pool_shift_compare_plot", "pool_gradient_plot"]

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


def window_style(k: int):
    """``(colour, linestyle)`` of window number ``k`` (reading order, from 0); cycles after eight."""
    return WINDOW_STYLES[k % len(WINDOW_STYLES)]


def _windows(shape, size, stride):
    """``(k, i, j, row0, col0)`` for every window, in reading order."""
    h_out = pool_output_size(shape[0], size, stride)
    w_out = pool_output_size(shape[1], size, stride)
    return [(i * w_out + j, i, j, i * stride, j * stride) for i in range(h_out) for j in range(w_out)]


def _outline(ax, k, row, col, height, width, inset, linewidth=2.5):
    colour, style = window_style(k)
    return highlight_cells(ax, row + inset, col + inset, height - 2 * inset, width - 2 * inset,
                           color=colour, linewidth=linewidth, linestyle=style)


def _ring(ax, k, row, col, n=0):
    """Ring an entry in window k's style; the n-th ring on one entry is drawn a little smaller."""
    colour, style = window_style(k)
    ax.add_patch(Circle((col, row), 0.46 - 0.05 * (n % 4), fill=False, edgecolor=colour, linewidth=2,
                        linestyle=style))


def _hatch_unread(ax, shape, size, stride):
    """Hatch the rows and columns no window reads (the floor in ``(H - size) // stride + 1``)."""
    h, w = shape
    used_h = (pool_output_size(h, size, stride) - 1) * stride + size
    used_w = (pool_output_size(w, size, stride) - 1) * stride + size
    for r0, c0, hh, ww in ((used_h, 0, h - used_h, w), (0, used_w, used_h, w - used_w)):
        if hh > 0 and ww > 0:
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), ww, hh, fill=False, hatch="///",
                                   edgecolor="#666666", linewidth=0))
    return used_h, used_w


def _legend(fig, handles, ncol):
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=8, frameon=False,
               handlelength=3.5)


def _get_axes(axes, n, figsize, dpi=None, nrows=1):
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(nrows, n // nrows, figsize=figsize, dpi=dpi)
        return fig, list(np.ravel(axes))
    axes = list(np.ravel(axes))
    if len(axes) != n:
        raise ValueError(f"axes has {len(axes)} axes but needs {n}")
    return axes[0].figure, axes


def pool_windows_plot(x, size=2, stride=2, mode="max", axes=None, figsize=(8, 3.8), legend=True):
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

    Returns
    -------
    matplotlib Figure
    """
    x = np.asarray(x, dtype=float)
    if mode not in ("max", "average"):
        raise ValueError(f"mode is {mode!r} but needs 'max' or 'average'")
    out = max_pool2d(x, size, stride) if mode == "max" else avg_pool2d(x, size, stride)
    fig, (ax_in, ax_out) = _get_axes(axes, 2, figsize)
    matrix_plot(x, ax=ax_in, signed=False, title=f"input {x.shape[0]}x{x.shape[1]}, window {size}x{size}, "
                f"stride {stride}")
    matrix_plot(out, ax=ax_out, signed=False, vmin=x.min(), vmax=x.max(),
                title=f"{'max' if mode == 'max' else 'average'}-pooled {out.shape[0]}x{out.shape[1]}")
    wins = _windows(x.shape, size, stride)
    overlap = stride < size
    rows, cols = max_pool2d_switches(x, size, stride)
    handles, rings_at = [], {}
    for k, i, j, r0, c0 in wins:
        inset = 0.06 + 0.07 * (k % 4) if overlap else 0.08
        _outline(ax_in, k, r0, c0, size, size, inset)
        _outline(ax_out, k, i, j, 1, 1, 0.06)
        if mode == "max":
            at = (rows[i, j], cols[i, j])
            rings_at[at] = rings_at.get(at, -1) + 1
            _ring(ax_in, k, *at, n=rings_at[at])
        colour, style = window_style(k)
        handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=2.5,
                              label=f"window ({i}, {j}) \u2192 P[{i}, {j}] = {format_number(out[i, j])}"))
    _hatch_unread(ax_in, x.shape, size, stride)
    if legend and len(wins) <= len(WINDOW_STYLES):
        _legend(fig, handles, ncol=2)
        fig.subplots_adjust(bottom=0.12 + 0.06 * ((len(handles) + 1) // 2))
    return fig


def pool_step_plot(x, size=2, stride=2, position=0, mode="max", axes=None, figsize=(7.5, 3.6), dpi=None):
    """One step of pooling: the window at ``position`` on the input, and the output filled so far (lesson 4).

    Parameters
    ----------
    x : array_like, shape (H, W)
    size, stride : int
    position : int
        Window number in reading order, ``0 <= position < H_out * W_out``.
    mode : {"max", "average"}
    axes : pair of Axes, optional
    figsize : tuple
    dpi : float, optional
        Used only when ``axes`` is None (the explorer draws at a low dpi to stay fast).

    Returns
    -------
    matplotlib Figure
        Output cells after ``position`` are covered and marked "?": they are not computed yet. Input
        rows and columns that no window reads are hatched.
    """
    x = np.asarray(x, dtype=float)
    if mode not in ("max", "average"):
        raise ValueError(f"mode is {mode!r} but needs 'max' or 'average'")
    out = max_pool2d(x, size, stride) if mode == "max" else avg_pool2d(x, size, stride)
    h_out, w_out = out.shape
    n = h_out * w_out
    if not 0 <= int(position) < n:
        raise ValueError(f"position is {position} but needs 0..{n - 1} (there are {n} windows)")
    i, j = divmod(int(position), w_out)
    k = int(position)
    fig, (ax_in, ax_out) = _get_axes(axes, 2, figsize, dpi)
    matrix_plot(x, ax=ax_in, signed=False, title=f"input, window ({i}, {j})")
    matrix_plot(out, ax=ax_out, signed=False, vmin=x.min(), vmax=x.max(),
                title=f"{mode} pool: {h_out}x{w_out}")
    _outline(ax_in, k, i * stride, j * stride, size, size, 0.06, linewidth=3)
    _outline(ax_out, k, i, j, 1, 1, 0.06, linewidth=3)
    if mode == "max":
        rows, cols = max_pool2d_switches(x, size, stride)
        _ring(ax_in, k, rows[i, j], cols[i, j])
    for later in range(k + 1, n):
        a, b = divmod(later, w_out)
        # drawn above the numbers matrix_plot wrote (text zorder 3), so the future stays hidden
        ax_out.add_patch(Rectangle((b - 0.5, a - 0.5), 1, 1, facecolor="white", edgecolor="#bbbbbb",
                                   zorder=4))
        ax_out.text(b, a, "?", ha="center", va="center", fontsize=11, color="#555555", zorder=5)
    _hatch_unread(ax_in, x.shape, size, stride)
    return fig


def _pool_grid(ax, shape, size, stride):
    for _, _, _, r0, c0 in _windows(shape, size, stride):
        ax.add_patch(Rectangle((c0 - 0.5 + 0.05, r0 - 0.5 + 0.05), size - 0.1, size - 0.1, fill=False,
                               edgecolor="#E69F00", linewidth=1.5, linestyle="--"))


def pool_shift_plot(x, shifts=(0, 1, 2), size=2, stride=2, mode="max", axes=None, figsize=(6, 6.5)):
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

    Returns
    -------
    matplotlib Figure
    """
    x = np.asarray(x, dtype=float)
    shifts = [int(s) for s in shifts]
    if min(shifts) < 0 or max(shifts) >= x.shape[1]:
        raise ValueError(f"shifts are {shifts} but need 0 <= shift < {x.shape[1]} (the width of x)")
    if max(shifts) and np.any(x[:, x.shape[1] - max(shifts):]):
        raise ValueError(f"x has non-zero entries in its last {max(shifts)} columns; shifting it right by "
                         f"{max(shifts)} would push them out")
    fig, axs = _get_axes(axes, 2 * len(shifts), figsize, nrows=len(shifts))
    ref = pooled_by_mode(x, size, stride, mode)
    for r, s in enumerate(shifts):
        moved = np.roll(x, s, axis=1)
        pooled = pooled_by_mode(moved, size, stride, mode)
        matrix_plot(moved, ax=axs[2 * r], signed=False, vmin=0, vmax=max(x.max(), 1e-12),
                    title=f"moved right by {s} px", fontsize=8)
        _pool_grid(axs[2 * r], x.shape, size, stride)
        changed = np.argwhere(~np.isclose(pooled, ref))
        title = (f"{mode} pooled: same as unmoved" if not len(changed) else
                 f"{mode} pooled: {len(changed)} of {pooled.size} entries changed")
        matrix_plot(pooled, ax=axs[2 * r + 1], signed=False, vmin=0, vmax=max(x.max(), 1e-12),
                    title=title, fontsize=9)
        for a, b in changed:  # a dotted outline, not only a colour, marks what moved
            highlight_cells(axs[2 * r + 1], a + 0.08, b + 0.08, 0.84, 0.84, color="#D55E00", linewidth=2.5,
                            linestyle=":")
    fig.tight_layout()
    return fig


def _change_image(ax, change, scale, title):
    im = ax.imshow(change / scale, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -1.0, 1.0),
                   interpolation="nearest")
    ax.set_title(title, fontsize=9)
    return im


def pool_shift_compare_plot(before, after, size=2, stride=2, mode="max", axes=None, figsize=(6.4, 6),
                            dpi=None):
    """A feature map and the same map after a shift, before and after pooling (lesson 4).

    Top row: the map and the change ``after - before``; bottom row: the same for the pooled maps. Each
    panel is scaled by its own map's 99.5th percentile (so that a few very bright pixels do not hide the
    rest; the change uses the diverging map, clipped to -1..1), which puts the two change panels on the
    same footing: a paler panel is a smaller change. Each title gives :func:`relative_l2_change`.

    Parameters
    ----------
    before, after : array_like, shape (H, W)
    size, stride : int
    mode : {"max", "average", "subsample"}
    axes : 4 Axes, optional (reading order)
    figsize : tuple
    dpi : float, optional

    Returns
    -------
    matplotlib Figure
    """
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    pb, pa = pooled_by_mode(before, size, stride, mode), pooled_by_mode(after, size, stride, mode)
    own_figure = axes is None
    fig, axs = _get_axes(axes, 4, figsize, dpi, nrows=2)
    if own_figure:  # the panels are images: little room is needed between them
        fig.subplots_adjust(left=0.02, right=0.86, bottom=0.02, top=0.94, wspace=0.08, hspace=0.14)
    lim, plim = (max(float(np.percentile(np.abs(m), 99.5)), 1e-12) for m in (before, pb))
    axs[0].imshow(before, cmap=GRAY_CMAP, vmin=0, vmax=lim, interpolation="nearest")
    axs[0].set_title(f"feature map {before.shape[0]}x{before.shape[1]}", fontsize=9)
    _change_image(axs[1], after - before, lim, f"change: {relative_l2_change(before, after):.2f}")
    axs[2].imshow(pb, cmap=GRAY_CMAP, vmin=0, vmax=plim, interpolation="nearest")
    label = (f"top-left pixel of each {size}x{size}" if mode == "subsample" else
             f"{mode} {size}x{size}, stride {stride}")
    axs[2].set_title(f"{label}: {pb.shape[0]}x{pb.shape[1]}", fontsize=9)
    im = _change_image(axs[3], pa - pb, plim, f"change: {relative_l2_change(pb, pa):.2f}")
    for ax in axs:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=[axs[1], axs[3]], fraction=0.05, pad=0.03, ticks=[-1, 0, 1],
                 label="change / map's scale")
    return fig


def pool_gradient_plot(x, dout, size=2, stride=2, rule="first", axes=None, figsize=(11, 3.6), dpi=None,
                       legend=True):
    """Max pooling backward: the input with its switches, the upstream gradient, and dx (lesson 4).

    Window k has colour and line style k everywhere: its outline on the input, its cell in ``dout``, and
    a ring (on the input and on dx) around each entry it sends its gradient to. An entry with several
    rings collects several gradients (overlapping windows); a window with several rings shares its
    gradient equally (rule "split", valid) or copies it whole (rule "mask", the mistake).

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
    dpi : float, optional
    legend : bool

    Returns
    -------
    matplotlib Figure
    """
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    h_out, w_out = pool_output_size(x.shape[0], size, stride), pool_output_size(x.shape[1], size, stride)
    if dout.shape != (h_out, w_out):
        raise ValueError(f"dout has shape {dout.shape} but needs {(h_out, w_out)}, the pooled output's shape")
    routes = pool_routes(x, size, stride, rule)
    dx = pool_gradient_dx(x, dout, size, stride, rule)
    fig, (ax_x, ax_d, ax_dx) = _get_axes(axes, 3, figsize, dpi)
    matrix_plot(x, ax=ax_x, signed=False, title="input x: windows, rings = receivers", fontsize=9)
    lim = max(float(np.abs(dout).max()), float(np.abs(dx).max()), 1e-12)
    matrix_plot(dout, ax=ax_d, signed=True, vmin=-lim, vmax=lim, title="upstream gradient dout",
                colorbar=False)
    title = {"first": "dx (first maximum)", "split": "dx (split equally among ties)",
             "mask": "dx with an equality mask (wrong)"}[rule]
    matrix_plot(dx, ax=ax_dx, signed=True, vmin=-lim, vmax=lim, title=title, fontsize=9)
    overlap = stride < size
    rings_at: dict = {}
    handles = []
    for (k, (_, targets)), (_, i, j, r0, c0) in zip(enumerate(routes), _windows(x.shape, size, stride)):
        _outline(ax_x, k, r0, c0, size, size, 0.06 + 0.07 * (k % 4) if overlap else 0.08)
        _outline(ax_d, k, i, j, 1, 1, 0.06)
        for r, c in targets:
            n = rings_at.get((r, c), 0)
            rings_at[(r, c)] = n + 1
            for ax in (ax_x, ax_dx):
                _ring(ax, k, r, c, n)
        colour, style = window_style(k)
        where = ", ".join(f"x[{r}, {c}]" for r, c in targets)
        handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=2.5,
                              label=f"dout[{i}, {j}] = {format_number(dout[i, j])} \u2192 {where}"))
    if legend and len(handles) <= len(WINDOW_STYLES):
        _legend(fig, handles, ncol=min(4, len(handles)))
        fig.subplots_adjust(bottom=0.12 + 0.07 * ((len(handles) + 3) // 4))
    return fig
