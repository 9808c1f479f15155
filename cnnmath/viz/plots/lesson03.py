"""Pictures of lesson 3 (``03_relu.ipynb``): the ReLU ramp, its step derivative, ReLU on a feature map,
and why a non-linearity matters (matplotlib only; the explorers in ``viz/widgets/lesson03.py`` reuse them).

Conventions: signed maps (before ReLU) in the diverging map centred at 0 with a colour bar; the map after
ReLU in the same colours and limits, so that what ReLU removes (the blue) visibly turns white (0); the
gradient mask in black (0, blocked) and white (1, passes), labelled in words on its colour bar.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap

from ...activations import best_line_fit, relu, relu_derivative
from .common import (MAX_ANNOTATED_SIDE, axes_row, colorbar_limit, fast_title, figure_state, format_number, get_ax,
                     matrix_plot, path_ticks, signed_colorbar, signed_limit, signed_map, update_matrix_plot,
                     update_signed_map)

__all__ = ["relu_plot", "relu_derivative_plot", "relu_pair_plot", "update_relu_pair_plot", "relu_map_plot",
           "update_relu_map_plot", "relu_fit_plot"]

RAMP_COLOR = "#1f5fa8"     # the function, in both plots
POINT_COLOR = "#d55e00"    # the student's x: orange, and also a larger marker, never colour alone
MASK_CMAP = ListedColormap(["black", "white"])




# ----------------------------------------------------------------------------------------------------
# The ramp and its step, with the student's point
# ----------------------------------------------------------------------------------------------------

def _point(ax):
    """The marked point (hidden until :func:`_fill_point` places it): a dot and its boxed label."""
    marker, = ax.plot([0.0], [0.0], "o", ms=10, color=POINT_COLOR, zorder=5, visible=False)
    label = ax.annotate("", (0.0, 0.0), textcoords="offset points", xytext=(8, 10), color="black",
                        fontsize=10, zorder=6, visible=False,
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=POINT_COLOR, alpha=0.9))
    return {"marker": marker, "label": label}


def _fill_point(info, x, y, text):
    """Put the point at (x, y) with ``text`` beside it, or hide it when ``x`` is None."""
    shown = x is not None
    info["marker"].set_visible(shown)
    info["label"].set_visible(shown)
    if not shown:
        return
    info["marker"].set_data([x], [y])
    lo, hi = info["marker"].axes.get_xlim()
    right_half = x > (lo + hi) / 2  # the label goes on the side with room, never past the figure's edge
    info["label"].xy = (x, y)
    info["label"].xyann = (-8 if right_half else 8, 10 if y < 0.5 else -16)
    info["label"].set_horizontalalignment("right" if right_half else "left")
    info["label"].set_text(text)


def relu_plot(x=None, ax=None, *, xlim=(-3.0, 3.0), figsize=(4, 3), fx=None):
    """The ramp f(x) = max(0, x), optionally with the point (x, f(x)) marked (lesson 3).

    Parameters
    ----------
    x : float, optional
        Where to mark the curve.
    ax : matplotlib Axes, optional
    xlim : (float, float)
        Range of the horizontal axis.
    figsize : tuple
        Used only when ``ax`` is None.
    fx : float, optional
        ``relu(x)`` if the caller already has it (an explorer does).

    Returns
    -------
    matplotlib Figure
    """
    fig, ax = get_ax(ax, figsize)
    lo, hi = xlim
    # three points draw the ramp exactly, corner included
    ax.plot([lo, 0.0, hi], relu(np.array([lo, 0.0, hi])), color=RAMP_COLOR, lw=2.5, label="f(x) = max(0, x)")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.5, max(hi, 1.0) + 0.3)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    fast_title(ax, "ReLU: f(x) = max(0, x)")
    ax.grid(alpha=0.3)
    path_ticks(ax)
    ax._cnnmath_relu_point = _point(ax)
    if x is not None and fx is None:
        fx = float(relu(float(x)))
    _fill_ramp_point(ax._cnnmath_relu_point, x, fx)
    return fig


def _fill_ramp_point(info, x, fx):
    if x is None:
        return _fill_point(info, None, None, "")
    _fill_point(info, float(x), float(fx), f"f({format_number(x)}) = {format_number(fx)}")


def relu_derivative_plot(x=None, ax=None, *, xlim=(-3.0, 3.0), figsize=(4, 3), dfx=None):
    """The step f'(x): 0 for x <= 0, 1 for x > 0; at the jump a filled dot at (0, 0) (the value used)
    and an open dot at (0, 1) (lesson 3).

    Parameters
    ----------
    x : float, optional
        Where to mark the step.
    ax : matplotlib Axes, optional
    xlim : (float, float)
    figsize : tuple
        Used only when ``ax`` is None.
    dfx : float, optional
        ``relu_derivative(x)`` if the caller already has it (an explorer does).

    Returns
    -------
    matplotlib Figure
    """
    fig, ax = get_ax(ax, figsize)
    lo, hi = xlim
    ax.plot([lo, 0.0], [0.0, 0.0], color=RAMP_COLOR, lw=2.5, label="f'(x)")
    ax.plot([0.0, hi], [1.0, 1.0], color=RAMP_COLOR, lw=2.5)
    ax.plot([0.0], [0.0], "o", ms=8, color=RAMP_COLOR)  # filled: f'(0) = 0 by convention
    ax.plot([0.0], [1.0], "o", ms=8, mfc="white", mec=RAMP_COLOR, mew=2)  # open: not taken at 0
    # below the dot, so that a point marked at x = 0 (labelled above) does not cover it
    ax.annotate("f'(0) = 0 (convention)", (0.0, 0.0), textcoords="offset points", xytext=(6, -14),
                fontsize=8, color="0.3")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.3, 1.4)
    ax.set_yticks([0, 1])
    ax.set_xlabel("x")
    ax.set_ylabel("f'(x)")
    fast_title(ax, "Its derivative: 1 if x > 0, else 0")
    ax.grid(alpha=0.3)
    path_ticks(ax)
    ax._cnnmath_relu_point = _point(ax)
    if x is not None and dfx is None:
        dfx = float(relu_derivative(float(x)))
    _fill_step_point(ax._cnnmath_relu_point, x, dfx)
    return fig


def _fill_step_point(info, x, dfx):
    if x is None:
        return _fill_point(info, None, None, "")
    _fill_point(info, float(x), float(dfx), f"f'({format_number(x)}) = {format_number(dfx)}")


def relu_pair_plot(x=None, axes=None, *, xlim=(-3.0, 3.0), figsize=(8, 3), f=None, df=None):
    """:func:`relu_plot` and :func:`relu_derivative_plot` side by side, the same x marked on both (lesson 3).

    :func:`update_relu_pair_plot` moves the point in place.

    Parameters
    ----------
    x : float, optional
    axes : sequence of two Axes, optional
    xlim : (float, float)
    figsize : tuple
        Used only when ``axes`` is None.
    f, df : float, optional
        ``relu(x)`` and ``relu_derivative(x)`` if the caller already has them (the explorer does).

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = axes_row(axes, 2, figsize)
    relu_plot(x, axes[0], xlim=xlim, fx=f)
    relu_derivative_plot(x, axes[1], xlim=xlim, dfx=df)
    # fixed margins instead of tight_layout: the explorer redraws this on every slider step
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    axes[0]._cnnmath_relu_pair = {"axes": axes}
    return fig


def update_relu_pair_plot(fig, x, f, df):
    """Mark another x on a figure made by :func:`relu_pair_plot`, in place (lesson 3).

    Parameters
    ----------
    fig : matplotlib Figure
    x : float or None
        None hides the point.
    f, df : float
        ``relu(x)`` and ``relu_derivative(x)``, as the caller computed them (nothing is computed here).

    Returns
    -------
    matplotlib Figure
    """
    ramp, step = figure_state(fig, "_cnnmath_relu_pair", "relu_pair_plot")["axes"]
    _fill_ramp_point(ramp._cnnmath_relu_point, x, f)
    _fill_step_point(step._cnnmath_relu_point, x, df)
    return fig


# ----------------------------------------------------------------------------------------------------
# ReLU on a feature map: before, after, and where the gradient passes
# ----------------------------------------------------------------------------------------------------

def _relu_maps(feature_map, bias, before, after, mask):
    """``(z, relu(z), relu'(z))`` with ``z = F + b``: the given ones, or computed from the feature map."""
    if before is None:
        if feature_map is None:
            raise ValueError("feature_map is None: give a map (H, W), or before, after and mask")
        F = np.asarray(feature_map, dtype=float)
        if F.ndim != 2:
            raise ValueError(f"feature_map has shape {F.shape} but needs a 2-D map (H, W)")
        before = F + float(bias)
        after, mask = relu(before), relu_derivative(before)
    return _checked_maps(before, after, mask)


def _checked_maps(before, after, mask):
    before = np.asarray(before, dtype=float)
    if before.ndim != 2:
        raise ValueError(f"before has shape {before.shape} but needs a 2-D map (H, W)")
    if after is None or mask is None:
        raise ValueError("after and mask are needed with before: relu(before) and relu_derivative(before)")
    after, mask = np.asarray(after, dtype=float), np.asarray(mask, dtype=float)
    for name, m in (("after", after), ("mask", mask)):
        if m.shape != before.shape:
            raise ValueError(f"{name} has shape {m.shape} but needs {before.shape}, the shape of before")
    return before, after, mask




def relu_map_plot(feature_map=None, axes=None, *, bias=0.0, figsize=(11, 3.4), titles=None, display_step=1,
                  fontsize=None, before=None, after=None, mask=None):
    """A feature map before ReLU, after ReLU, and the mask where the derivative is 1 (lesson 3).

    With ``bias`` b the panels show ``z = F + b``, ``relu(z)`` and ``z > 0``. Before and after share
    one diverging colour scale centred at 0 (one colour bar, right of the two), so what ReLU removes
    turns white. The mask is white (1, passes) or black (0, blocked), said under it. Small maps (sides
    up to 16) get their numbers written in the cells and colours up to their largest magnitude; larger
    maps are coloured up to the 99th percentile of ``|F + b|`` (the colour bar's arrows mark the few
    stronger values), because a handful of extreme pixels would otherwise wash out every edge.
    :func:`update_relu_map_plot` shows another bias (or map of the same kind) in place.

    Parameters
    ----------
    feature_map : array_like, shape (H, W), optional
        F; not needed when ``before``, ``after`` and ``mask`` are given.
    axes : sequence of three Axes, optional
    bias : float
        Added to every entry before ReLU (and named in the titles).
    figsize : tuple
        Used only when ``axes`` is None.
    titles : sequence of three str, optional
    display_step : int
        Draw every ``display_step``-th row and column only (the bias explorer uses 2 to redraw quickly; a
        600 x 512 map is shrunk on screen anyway). The numbers in the titles use the full map.
    fontsize : float, optional
        Size of the numbers written in small maps.
    before, after, mask : array_like, shape (H, W), optional
        ``F + b``, ``relu(F + b)`` and ``relu_derivative(F + b)`` if the caller already has them (the
        explorer does); then ``feature_map`` is not used.

    Returns
    -------
    matplotlib Figure
    """
    step = int(display_step) if np.ndim(display_step) == 0 else 0
    if step < 1 or step != display_step:
        raise ValueError(f"display_step is {display_step!r} but needs a whole number >= 1")
    z, out, grad = _relu_maps(feature_map, bias, before, after, mask)
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=figsize)
        # fixed margins instead of tight_layout: the bias explorer redraws this on every step
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.09, top=0.86, wspace=0.12)
    else:
        fig, axes = axes_row(axes, 3, figsize)
    small = max(z.shape) <= MAX_ANNOTATED_SIDE
    if small:
        blank = np.zeros(z.shape)
        matrix_plot(blank, axes[0], signed=True, colorbar=False, fontsize=fontsize, title=" ")
        matrix_plot(blank, axes[1], signed=True, colorbar=False, fontsize=fontsize, title=" ")
        matrix_plot(blank, axes[2], signed=False, vmin=0, vmax=1, colorbar=False, fontsize=fontsize, title=" ")
    else:
        for ax in axes[:2]:
            signed_map(ax, np.zeros((1, 1)), interpolation="nearest")
        axes[2].imshow(np.zeros((1, 1)), cmap=MASK_CMAP, vmin=0, vmax=1, interpolation="nearest")
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
    for ax in axes:
        fast_title(ax, " ")
    axes[2].set_xlabel("white = 1 (passes), black = 0 (blocked)", fontsize=9)
    for ax in axes:
        path_ticks(ax)
    colorbar = signed_colorbar(fig, list(axes[:2]), pad=0.03, extend="neither" if small else "both")
    axes[0]._cnnmath_relu_map = {"axes": axes, "small": small, "step": step, "colorbar": colorbar,
                                 "titles": titles}
    _fill_relu_map(axes[0]._cnnmath_relu_map, z, out, grad, bias)
    return fig


def update_relu_map_plot(fig, before, after, mask, *, bias=0.0, titles=None):
    """Show new maps on a figure made by :func:`relu_map_plot`, in place (lesson 3).

    Parameters
    ----------
    fig : matplotlib Figure
    before, after, mask : array_like, shape (H, W)
        ``z = F + b``, ``relu(z)`` and ``relu_derivative(z)``, as the caller computed them (nothing is
        computed again here). Small maps stay small (sides up to 16) and large maps large.
    bias : float
        Named in the default titles.
    titles : sequence of three str, optional
        Default: the titles the figure was made with (or the automatic ones).

    Returns
    -------
    matplotlib Figure
    """
    info = figure_state(fig, "_cnnmath_relu_map", "relu_map_plot")
    z, out, grad = _checked_maps(before, after, mask)
    if (max(z.shape) <= MAX_ANNOTATED_SIDE) != info["small"]:
        raise ValueError(f"before has shape {z.shape}, but the figure was made for "
                         f"{'small' if info['small'] else 'large'} maps (sides up to {MAX_ANNOTATED_SIDE} "
                         f"are small): make a new figure with relu_map_plot")
    if titles is not None:
        info["titles"] = titles
    _fill_relu_map(info, z, out, grad, bias)
    return fig


def _fill_relu_map(info, z, out, grad, bias):
    axes, small, step = info["axes"], info["small"], info["step"]
    b_text, b_value = ("", "") if float(bias) == 0 else (" + b", f", b = {format_number(bias)}")
    t = info["titles"] or (f"before: F{b_text}{b_value}", f"after: ReLU(F{b_text})",
                           f"mask f' = 1: {grad.mean():.1%} pass")
    lim = signed_limit(z if small else np.percentile(np.abs(z), 99))
    if small:
        update_matrix_plot(axes[0], z, vmin=-lim, vmax=lim)
        update_matrix_plot(axes[1], out, vmin=-lim, vmax=lim)
        update_matrix_plot(axes[2], grad, vmin=0, vmax=1)
        for ax in axes:
            path_ticks(ax)  # a new shape makes new tick labels
    else:
        if step > 1:
            z, out, grad = z[::step, ::step], out[::step, ::step], grad[::step, ::step]
        update_signed_map(axes[0].images[0], z, limit=lim)
        update_signed_map(axes[1].images[0], out, limit=lim)
        mask_image = axes[2].images[0]
        if mask_image.get_array().shape != grad.shape:
            mask_image.set_extent((-0.5, grad.shape[1] - 0.5, grad.shape[0] - 0.5, -0.5))
        mask_image.set_data(grad)
    for ax, title in zip(axes, t):
        ax.title.set_text(title)
    colorbar_limit(info["colorbar"], lim)


def relu_fit_plot(x, targets, relu_sums, axes=None, *, names=None, figsize=(9, 3.2)):
    """Targets that no straight line fits, the best straight line, and a sum of ReLUs that fits (lesson 3).

    Parameters
    ----------
    x : array_like, shape (N,)
    targets : sequence of arrays, each shape (N,)
        The curves to fit (for example |x| and a bump).
    relu_sums : sequence of arrays, each shape (N,)
        The sums of ReLUs built for each target.
    axes : sequence of Axes, optional
        One per target.
    names : sequence of str, optional
        Titles of the panels.
    figsize : tuple
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    x = np.asarray(x, dtype=float)
    if axes is None:
        fig, axes = plt.subplots(1, len(targets), figsize=figsize, squeeze=False)
        axes = axes[0]
    else:
        fig = axes[0].figure
    names = names or [f"target {k + 1}" for k in range(len(targets))]
    for ax, y, s, name in zip(axes, targets, relu_sums, names):
        line = best_line_fit(x, y)
        ax.plot(x, y, color="black", lw=5, alpha=0.25, label="target")
        ax.plot(x, s, color=RAMP_COLOR, lw=2, label=f"sum of ReLUs (max error {np.abs(s - y).max():.2f})")
        ax.plot(x, line, "--", color=POINT_COLOR, lw=2,
                label=f"best straight line (max error {np.abs(line - y).max():.2f})")
        ax.set_title(name)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        ax.set_ylim(min(y.min(), line.min()) - 0.3, max(y.max(), line.max()) + 1.2)
    fig.tight_layout()
    return fig
