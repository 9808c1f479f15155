"""Pictures of lesson 3 (``03_relu.ipynb``): the ReLU ramp, its step derivative, ReLU on a feature map,
and why a non-linearity matters (matplotlib only; the explorers in ``viz/widgets/lesson03.py`` reuse them).

Conventions: signed maps (before ReLU) in the diverging map centred at 0 with a colour bar; the map after
ReLU in the same colours and limits, so that what ReLU removes (the blue) visibly turns white (0); the
gradient mask in black (0, blocked) and white (1, passes), labelled in words on its colour bar.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap, TwoSlopeNorm

from ...activations import best_line_fit, relu, relu_derivative
from .common import DIVERGING_CMAP, MAX_ANNOTATED_SIDE, format_number, get_ax, matrix_plot

__all__ = ["relu_plot", "relu_derivative_plot", "relu_pair_plot", "relu_map_plot",
           "relu_fit_plot"]

RAMP_COLOR = "#1f5fa8"     # the function, in both plots
POINT_COLOR = "#d55e00"    # the student's x: orange, and also a larger marker, never colour alone
MASK_CMAP = ListedColormap(["black", "white"])


def _point_label(ax, x, y, text):
    ax.plot([x], [y], "o", ms=10, color=POINT_COLOR, zorder=5)
    ax.annotate(text, (x, y), textcoords="offset points", xytext=(8, 10 if y < 0.5 else -16),
                color="black", fontsize=10, zorder=6,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=POINT_COLOR, alpha=0.9))


def relu_plot(x=None, ax=None, *, xlim=(-3.0, 3.0), figsize=(4, 3)):
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
    if x is not None:
        fx = float(relu(float(x)))
        _point_label(ax, float(x), fx, f"f({format_number(x)}) = {format_number(fx)}")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.5, max(hi, 1.0) + 0.3)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title("ReLU: f(x) = max(0, x)")
    ax.grid(alpha=0.3)
    return fig


def relu_derivative_plot(x=None, ax=None, *, xlim=(-3.0, 3.0), figsize=(4, 3)):
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
    if x is not None:
        dfx = float(relu_derivative(float(x)))
        _point_label(ax, float(x), dfx, f"f'({format_number(x)}) = {format_number(dfx)}")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.3, 1.4)
    ax.set_yticks([0, 1])
    ax.set_xlabel("x")
    ax.set_ylabel("f'(x)")
    ax.set_title("Its derivative: 1 if x > 0, else 0")
    ax.grid(alpha=0.3)
    return fig


def relu_pair_plot(x=None, axes=None, *, xlim=(-3.0, 3.0), figsize=(8, 3)):
    """:func:`relu_plot` and :func:`relu_derivative_plot` side by side, the same x marked on both (lesson 3).

    Parameters
    ----------
    x : float, optional
    axes : sequence of two Axes, optional
    xlim : (float, float)
    figsize : tuple
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=figsize)
    else:
        fig = axes[0].figure
    relu_plot(x, axes[0], xlim=xlim)
    relu_derivative_plot(x, axes[1], xlim=xlim)
    # fixed margins instead of tight_layout: the explorer redraws this on every slider step
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    return fig


def _signed_panel(ax, M, lim, title, annotate, fontsize=None):
    """One feature map in the diverging map with fixed symmetric limits, numbers written if small."""
    if annotate:
        matrix_plot(M, ax, signed=True, vmin=-lim, vmax=lim, title=title, colorbar=False, fontsize=fontsize)
        return ax.images[-1]
    im = ax.imshow(M, cmap=DIVERGING_CMAP, norm=TwoSlopeNorm(0.0, -lim, lim), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return im


def relu_map_plot(feature_map, axes=None, *, bias=0.0, figsize=(11, 3.4), titles=None, display_step=1,
                  fontsize=None):
    """A feature map before ReLU, after ReLU, and the mask where the derivative is 1 (lesson 3).

    With ``bias`` b the panels show ``z = F + b``, ``relu(z)`` and ``z > 0``. Before and after share
    one diverging colour scale centred at 0 (one colour bar, right of the two), so what ReLU removes
    turns white. The mask is white (1, passes) or black (0, blocked), said under it. Small maps (sides
    up to 16) get their numbers written in the cells and colours up to their largest magnitude; larger
    maps are coloured up to the 99th percentile of ``|F + b|`` (the colour bar's arrows mark the few
    stronger values), because a handful of extreme pixels would otherwise wash out every edge.

    Parameters
    ----------
    feature_map : array_like, shape (H, W)
    axes : sequence of three Axes, optional
    bias : float
        Added to every entry before ReLU.
    figsize : tuple
        Used only when ``axes`` is None.
    titles : sequence of three str, optional
    display_step : int
        Draw every ``display_step``-th row and column only (the bias explorer uses 2 to redraw quickly; a
        600 x 512 map is shrunk on screen anyway). The numbers in the titles use the full map.
    fontsize : float, optional
        Size of the numbers written in small maps.

    Returns
    -------
    matplotlib Figure
    """
    F = np.asarray(feature_map, dtype=float)
    if F.ndim != 2:
        raise ValueError(f"feature_map has shape {F.shape} but needs a 2-D map (H, W)")
    step = int(display_step)
    if step < 1 or step != display_step:
        raise ValueError(f"display_step is {display_step!r} but needs a whole number >= 1")
    z = F + float(bias)
    out = relu(z)
    mask = relu_derivative(z)
    b_text, b_value = ("", "") if float(bias) == 0 else (" + b", f", b = {format_number(bias)}")
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=figsize)
        # fixed margins instead of tight_layout: the bias explorer redraws this on every step
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.04, top=0.86, wspace=0.12)
    else:
        fig = axes[0].figure
    small = max(F.shape) <= MAX_ANNOTATED_SIDE
    lim = max(float(np.abs(z).max() if small else np.percentile(np.abs(z), 99)), 1e-12)
    t = titles or (f"before: F{b_text}{b_value}", f"after: ReLU(F{b_text})",
                   f"mask f' = 1: {mask.mean():.1%} pass")
    if step > 1 and not small:
        z, out, mask = z[::step, ::step], out[::step, ::step], mask[::step, ::step]
    im = _signed_panel(axes[0], z, lim, t[0], small, fontsize)
    _signed_panel(axes[1], out, lim, t[1], small, fontsize)
    fig.colorbar(im, ax=list(axes[:2]), fraction=0.046, pad=0.03, extend="neither" if small else "both")
    if small:
        matrix_plot(mask, axes[2], signed=False, vmin=0, vmax=1, title=t[2], colorbar=False,
                    fontsize=fontsize)
    else:
        axes[2].imshow(mask, cmap=MASK_CMAP, vmin=0, vmax=1, interpolation="nearest")
        axes[2].set_xticks([])
        axes[2].set_yticks([])
        axes[2].set_title(t[2])
    axes[2].set_xlabel("white = 1 (passes), black = 0 (blocked)", fontsize=9)
    return fig


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
