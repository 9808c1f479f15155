"""Pictures for ``06_backpropagation.ipynb``: the loss, the kernel's and the input's gradients, the chain,
gradient checks.

Every function is pure matplotlib: it takes arrays (computed by the notebook with :mod:`cnnmath`), draws
them, and returns the figure. The two pictures the explorers show are built once and changed in place:
``gradcheck_step_plot``/``update_gradcheck_step_plot`` (from a :class:`cnnmath.GradientCheck` and its
:class:`cnnmath.GradientCheckCurves`) and ``kernel_training_plot``/``update_kernel_training_plot``; each
builder and its update share one ``_fill_*`` function, and their tick labels, titles and legends are drawn
from cached glyph outlines. Signed quantities (kernels, gradients, logits) use the course's diverging
map centred at 0 with a colour bar and the numbers written in; masks and switches are outlined, so no
picture relies on colour alone.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.lines import Line2D
from matplotlib.transforms import Affine2D, ScaledTranslation
from matplotlib.ticker import LogLocator, NullLocator

from ...losses import softmax
from .common import (PathText, as_path_text, axes_row, colorbar_limit, fast_title, figure_state, format_number, get_ax,
                     highlight_cells, matrix_plot, minus_sign, plain_number, round_ticks, signed_colorbar,
                     signed_limit, update_matrix_plot, values_inside)

__all__ = ["softmax_gradient_plot", "kernel_gradient_plot", "input_gradient_plot", "forward_chain_plot",
           "backward_chain_plot", "gradcheck_plot", "secant_plot", "gradcheck_step_plot",
           "update_gradcheck_step_plot", "kernel_training_plot", "update_kernel_training_plot"]

SWITCH_COLOR = "#ffb000"  # amber outline: a pooling switch (where a window's maximum sat)
WINDOW_COLOR = "#00a651"  # green outline: the pixels one kernel weight touches


def _power_of_ten(value, _pos=None):
    """``1e-5``, ``2e-1``, ``2.5e-1``: a tick of a log axis, as short as its value allows (with a true minus
    sign)."""
    if value <= 0:
        return ""
    mantissa, exponent = f"{value:.2e}".split("e")
    return minus_sign(f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}")


def _as_matrix(a, name):
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} has shape {a.shape} but needs a 2-D matrix (KH, KW)")
    return a


def _spread(fig, wspace=0.12):
    """Leave room between panels, so a colour bar's labels never touch the next panel's row numbers."""
    fig.get_layout_engine().set(wspace=wspace)
    return fig


def _bar_numbers(ax, xs, values, decimals=3):
    """Write each bar's value above (or below) it, so the bar chart is readable without colour."""
    span = signed_limit(values)
    for x, v in zip(xs, values):
        offset = 0.04 * span if v >= 0 else -0.04 * span
        ax.text(x, v + offset, f"{v:.{decimals}f}", ha="center", va="bottom" if v >= 0 else "top",
                fontsize=9)


def softmax_gradient_plot(logits, label, *, class_names=None, axes=None, figsize=(10, 3.2)):
    """Logits, softmax probabilities beside the one-hot label, and the gradient ``p - y`` (lesson 6).

    Parameters
    ----------
    logits : array_like, shape (K,)
        The class scores z.
    label : int
        The true class, ``0 <= label < K``.
    class_names : sequence of str, optional
        Names for the K classes; default ``"class 0"``, ...
    figsize : tuple
    axes : sequence of 3 Axes, optional
        The caller's panels, left to right (default: a new figure of ``figsize``).

    Returns
    -------
    matplotlib Figure
        Three panels: z; p (bars) with y (outlined bars); p - y (blue below 0, red above, values written).
    """
    z = np.asarray(logits, dtype=float).reshape(-1)
    k = z.size
    y = np.zeros(k)
    y[int(label)] = 1.0
    p = softmax(z)
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(k)]
    xs = np.arange(k)
    fig, axes = axes_row(axes, 3, figsize, constrained_layout=True)

    axes[0].bar(xs, z, color="#777777")
    _bar_numbers(axes[0], xs, z, decimals=2)
    axes[0].set_title("logits z")

    width = 0.38
    axes[1].bar(xs - width / 2, p, width, color="#4c72b0", label="p = softmax(z)")
    axes[1].bar(xs + width / 2, y, width, facecolor="none", edgecolor="black", hatch="//",
                label="y (one-hot label)")
    for x, v in zip(xs, p):
        axes[1].text(x - width / 2, v + 0.03, f"{v:.3f}", ha="center", va="bottom", fontsize=9)
    axes[1].set_ylim(0, 1.25)
    axes[1].legend(loc="upper right", fontsize=8, frameon=False)
    axes[1].set_title("probabilities p and label y")

    g = p - y
    colors = ["#2166ac" if v < 0 else "#b2182b" for v in g]
    axes[2].bar(xs, g, color=colors)
    _bar_numbers(axes[2], xs, g)
    axes[2].axhline(0, color="black", linewidth=0.8)
    axes[2].set_ylim(-1.15, 1.15)
    axes[2].set_title("dL/dz = p - y")

    for ax in axes:
        ax.set_xticks(xs)
        ax.set_xticklabels(names)
        ax.axhline(0, color="black", linewidth=0.6)
    lo = min(0.0, float(z.min()))
    hi = max(0.0, float(z.max()))
    pad = 0.25 * max(hi - lo, 1e-9)
    axes[0].set_ylim(lo - pad, hi + pad)
    return fig


def kernel_gradient_plot(kernel, dkernel, *, image=None, dout=None, weight=None, decimals=2, axes=None,
                         figsize=None):
    """The kernel beside its gradient dL/dK, optionally after the image and dL/dO that made it (lesson 6).

    Parameters
    ----------
    kernel : array_like, shape (KH, KW)
    dkernel : array_like, shape (KH, KW)
        dL/dK, drawn as a diverging heatmap centred at 0 with a colour bar and the numbers written in.
    image : array_like, shape (H, W), optional
        The layer's input; when given (with ``dout``) it is drawn first.
    dout : array_like, shape (H_out, W_out), optional
        The upstream gradient dL/dO.
    weight : tuple (m, n), optional
        Outline K[m, n] and dL/dK[m, n], and on the image the pixels I[i+m, j+n] that this weight
        multiplies (stride 1): exactly the pixels summed in dL/dK[m, n].
    decimals : int
    figsize : tuple, optional
        Default (7, 3) for two panels, (13, 3) for four.
    axes : sequence of 2 or 4 Axes, optional
        The caller's panels, left to right (default: a new figure of ``figsize``).

    Returns
    -------
    matplotlib Figure
    """
    kernel = np.asarray(kernel, dtype=float)
    dkernel = np.asarray(dkernel, dtype=float)
    with_inputs = image is not None and dout is not None
    n_panels = 4 if with_inputs else 2
    figsize = figsize or ((13, 3) if with_inputs else (7, 3))
    fig, axes = axes_row(axes, n_panels, figsize, constrained_layout=True)
    axes = list(axes)
    if with_inputs:
        image = np.asarray(image, dtype=float)
        dout = np.asarray(dout, dtype=float)
        matrix_plot(image, ax=axes.pop(0), signed=False, decimals=decimals, title="input I")
        matrix_plot(dout, ax=axes.pop(0), signed=True, decimals=decimals, title="upstream dL/dO")
        if weight is not None:
            m, n = weight
            h_out, w_out = dout.shape
            highlight_cells(fig.axes[0], m, n, h_out, w_out, color=WINDOW_COLOR, linestyle="--")
    matrix_plot(kernel, ax=axes[0], signed=True, decimals=decimals, title="kernel K")
    matrix_plot(dkernel, ax=axes[1], signed=True, decimals=decimals, title="gradient dL/dK")
    if weight is not None:
        m, n = weight
        for ax in axes[:2]:
            highlight_cells(ax, m, n, 1, 1, color=WINDOW_COLOR)
    return _spread(fig)


def input_gradient_plot(kernel, dout_padded, dinput, *, pixel=None, decimals=2, axes=None, figsize=(13, 3.2)):
    """dL/dI as a full convolution: the kernel, the kernel turned by 180 degrees, the zero-padded upstream
    gradient, and the result (lesson 6).

    Parameters
    ----------
    kernel : array_like, shape (KH, KW)
        The kernel K of the forward pass ``O = I * K`` (stride 1).
    dout_padded : array_like, shape (H_out + 2(KH-1), W_out + 2(KW-1))
        dL/dO with KH-1 rows and KW-1 columns of zeros on every side, as the notebook computed it.
    dinput : array_like, shape (H, W)
        dL/dI, the turned kernel slid over ``dout_padded``.
    pixel : tuple (u, v), optional
        Outline the window of ``dout_padded`` that the turned kernel covers for dL/dI[u, v] (rows u..u+KH-1,
        columns v..v+KW-1), and that entry of dL/dI.
    decimals : int
    figsize : tuple
    axes : sequence of 4 Axes, optional
        The caller's panels, left to right (default: a new figure of ``figsize``).

    Returns
    -------
    matplotlib Figure
        Four panels: "kernel K", "K turned by 180 degrees", "dL/dO padded with zeros", "dL/dI"; every value
        is written in its cell.
    """
    kernel = np.asarray(kernel, dtype=float)
    dout_padded = np.asarray(dout_padded, dtype=float)
    dinput = np.asarray(dinput, dtype=float)
    fig, axes = axes_row(axes, 4, figsize, constrained_layout=True,
                             gridspec_kw={"width_ratios": [1, 1, 1.6, 1.4]})
    matrix_plot(kernel, ax=axes[0], signed=True, decimals=decimals, colorbar=False, title="kernel K")
    matrix_plot(kernel[::-1, ::-1], ax=axes[1], signed=True, decimals=decimals, colorbar=False,
                title="K turned by 180 degrees")
    matrix_plot(dout_padded, ax=axes[2], signed=True, decimals=decimals, title="dL/dO padded with zeros")
    matrix_plot(dinput, ax=axes[3], signed=True, decimals=decimals, title="dL/dI")
    if pixel is not None:
        u, v = pixel
        kh, kw = kernel.shape
        highlight_cells(axes[2], u, v, kh, kw, color=WINDOW_COLOR)
        highlight_cells(axes[3], u, v, 1, 1, color=WINDOW_COLOR)
    return _spread(fig)


def _outline_switches(ax, switches, color=SWITCH_COLOR):
    if switches is None:
        return
    rows, cols = (np.asarray(a).reshape(-1) for a in switches)
    for r, c in set(zip(rows.tolist(), cols.tolist())):
        highlight_cells(ax, r, c, 1, 1, color=color, linewidth=3)


def forward_chain_plot(image, kernel, conv_out, relu_out, pooled, switches=None, *, bias=None, axes=None,
                       figsize=(15, 3)):
    """The forward pass of lesson 6's worked example, one small matrix per stage.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    conv_out : array_like, shape (H_out, W_out)
        O = I * K + b.
    relu_out : array_like, same shape as ``conv_out``
    pooled : array_like, shape (P_h, P_w)
    switches : tuple of two int arrays (rows, cols), optional
        From :func:`cnnmath.max_pool2d_switches`; outlined in amber on the ReLU map.
    bias : float, optional
        Shown in the title of the convolution panel.
    figsize : tuple
    axes : sequence of 5 Axes, optional
        The caller's panels, left to right (default: a new figure of ``figsize``).

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = axes_row(axes, 5, figsize, constrained_layout=True)
    matrix_plot(image, ax=axes[0], signed=False, title="image I")
    matrix_plot(kernel, ax=axes[1], signed=True, title="kernel K")
    conv_title = "O = I * K" if bias is None else f"O = I * K + ({format_number(bias)})"
    matrix_plot(conv_out, ax=axes[2], signed=True, title=conv_title)
    matrix_plot(relu_out, ax=axes[3], signed=True, title="A = ReLU(O), switches outlined")
    _outline_switches(axes[3], switches)
    matrix_plot(pooled, ax=axes[4], signed=True, title="P = maxpool(A)")
    return _spread(fig)


def backward_chain_plot(dpooled, drelu, mask, dconv, dkernel, switches=None, *, axes=None, figsize=(15, 3)):
    """The backward pass of lesson 6's worked example: where the gradient goes at each stage.

    Parameters
    ----------
    dpooled : array_like, shape (P_h, P_w)
        dL/dP, from the dense layer (via flatten).
    drelu : array_like, shape (H_out, W_out)
        dL/dA: each pooled gradient placed at its window's switch (outlined in amber).
    mask : array_like, shape (H_out, W_out)
        The ReLU mask (1 where O > 0), drawn black (0, blocked) and white (1, passes) with the digits.
    dconv : array_like, shape (H_out, W_out)
        dL/dO = dL/dA * mask.
    dkernel : array_like, shape (KH, KW)
        dL/dK.
    switches : tuple (rows, cols), optional
    figsize : tuple
    axes : sequence of 5 Axes, optional
        The caller's panels, left to right (default: a new figure of ``figsize``).

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = axes_row(axes, 5, figsize, constrained_layout=True)
    matrix_plot(dpooled, ax=axes[0], signed=True, title="dL/dP")
    matrix_plot(drelu, ax=axes[1], signed=True, title="dL/dA (to the switches)")
    _outline_switches(axes[1], switches)
    matrix_plot(np.asarray(mask, dtype=float), ax=axes[2], signed=False, vmin=0, vmax=1,
                title="ReLU mask (O > 0)")
    matrix_plot(dconv, ax=axes[3], signed=True, title="dL/dO = dL/dA x mask")
    matrix_plot(dkernel, ax=axes[4], signed=True, title="dL/dK")
    return _spread(fig)


# ----------------------------------------------------------------------------------------------------
# Ticks fixed at each update, labels drawn from cached outlines
# ----------------------------------------------------------------------------------------------------

def _set_ticks(axis, values, labels):
    """Fixed ticks with their labels drawn as PathText (an axis's own locator would lay out new Text labels
    on every draw); no minor ticks."""
    values = list(values)
    axis.set_ticks(values, labels)
    axis.set_minor_locator(NullLocator())
    for tick in axis.get_major_ticks(len(values)):
        as_path_text(tick.label1)
        as_path_text(tick.label2)


def _log_ticks(axis, numticks=6, data=None):
    """Ticks at powers of ten (``1e-5``) over the axis's current limits; when ``data`` spans less than two
    powers of ten, at 1, 2 and 5 times each power too, so a short curve still gets more than one number."""
    subs = (1.0,)
    if data is not None:
        positive = np.asarray(data, dtype=float)
        positive = positive[np.isfinite(positive) & (positive > 0)]
        if positive.size and np.log10(positive.max() / positive.min()) < 2:
            subs = (1.0, 2.0, 5.0)
    lo, hi = axis.get_view_interval()
    values = values_inside(LogLocator(base=10, subs=subs, numticks=numticks).tick_values(lo, hi), lo, hi)
    if len(subs) > 1 and len(values) > 1 and any(f"{v:.0e}"[0] not in "125" for v in values):
        # less than a decade: LogLocator fell back to linear ticks; three round ones read better
        values = round_ticks(lo, hi, nbins=3)
    _set_ticks(axis, values, [_power_of_ten(v) for v in values])


def _linear_ticks(axis, nbins=5, integer=False):
    """A few round ticks over the axis's current limits, as matplotlib's automatic ticks would choose."""
    values = round_ticks(*axis.get_view_interval(), nbins=nbins, integer=integer)
    _set_ticks(axis, values, [plain_number(v) for v in values])


class _Key(Artist):
    """A legend drawn as plain artists: a short sample of each line and its label (a PathText).

    A matplotlib ``Legend`` lays its texts out again on every draw (about 6 ms for four entries here); this
    draws the same samples and labels from cached outlines. It is one artist of the axes, not lines or
    texts of it, so a figure's text alternative still counts the axes' own lines and reads their labels.
    """

    def __init__(self, ax, handles, *, fontsize=7, loc="upper left"):
        super().__init__()
        self.set_figure(ax.figure)
        self.set_zorder(5)
        self._ax, self._fontsize, self.loc = ax, fontsize, loc
        self.entries = []
        for handle in handles:
            sample = Line2D([0, 10, 20], [0, 0, 0])
            sample.update_from(handle)
            sample.set_markevery([1])
            label = PathText(26, 0, handle.get_label(), fontsize=fontsize, ha="left", va="center")
            for part in (sample, label):
                part.set_figure(ax.figure)
            self.entries.append((sample, label))
        ax.add_artist(self)

    def get_children(self):
        return [part for entry in self.entries for part in entry]

    def width(self):
        """Points from the left of the samples to the end of the longest label."""
        return 26 + max(label.get_window_extent(dpi=72).width for _, label in self.entries)

    @allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            return
        pad, step = 4.0, 1.35 * self._fontsize
        x = {"upper left": 0.0, "upper center": 0.5, "upper right": 1.0}[self.loc]
        shift = {"upper left": pad, "upper center": -self.width() / 2, "upper right": -pad - self.width()}[self.loc]
        anchor = ScaledTranslation(x, 1.0, self._ax.transAxes)
        for k, (sample, label) in enumerate(self.entries):
            place = (Affine2D().translate(shift, -pad - (k + 0.5) * step).scale(1 / 72)
                     + self.figure.dpi_scale_trans + anchor)
            for part in (sample, label):
                part.set_transform(place)
                part.draw(renderer)
        self.stale = False


# ----------------------------------------------------------------------------------------------------
# The gradient check: the error against epsilon, the secant against the tangent
# ----------------------------------------------------------------------------------------------------

def _errors_panel(ax):
    """Empty artists of :func:`gradcheck_plot`, filled by :func:`_fill_errors`."""
    measured, = ax.plot([], [], "o-", color="#4c72b0", markersize=3, label="|numerical - analytic|")
    truncation, = ax.plot([], [], "--", color="#b2182b", linewidth=1, label="truncation ~ eps^2")
    rounding, = ax.plot([], [], ":", color="#555555", linewidth=1.2, label="rounding ~ 1/eps")
    current, = ax.plot([], [], "o", color=SWITCH_COLOR, markersize=10, markeredgecolor="black",
                       label="_current")
    ax.set_xscale("log")
    ax.set_yscale("log")
    as_path_text(ax.set_xlabel("epsilon"))
    as_path_text(ax.set_ylabel("error"))
    fast_title(ax, "error of the central difference")
    ax._cnnmath_errors = {"lines": (measured, truncation, rounding, current), "legend_has_current": None,
                          "key": None}


def _fill_errors(ax, eps, errors, current):
    measured, truncation, rounding, marker = ax._cnnmath_errors["lines"]
    eps = np.asarray(eps, dtype=float)
    errors = np.maximum(np.asarray(errors, dtype=float), 1e-17)  # zeros drawn at 1e-17: the log axis keeps them
    if eps.ndim != 1 or eps.shape != errors.shape or eps.size < 3:
        raise ValueError(f"eps has shape {eps.shape} and errors {errors.shape} but they need the same shape "
                         f"(S,) with S >= 3")
    order = np.argsort(eps)
    measured.set_data(eps[order], errors[order])
    # The guides pass through the measured error at the ends where each source dominates.
    big, small = eps[order][-3], eps[order][0]
    truncation.set_data(eps, errors[order][-3] * (eps / big) ** 2)
    rounding.set_data(eps, errors[order][0] * small / eps)
    low = errors.min()
    if current is not None:
        cur_eps, cur_err = float(current[0]), max(float(current[1]), 1e-17)
        marker.set_data([cur_eps], [cur_err])
        marker.set_label(f"eps = {cur_eps:.0e}")
        low = min(low, cur_err)
    else:
        marker.set_data([], [])
        marker.set_label("_current")
    ax.set_ylim(max(low / 10, 1e-17), errors.max() * 10)
    ax.relim()
    ax.autoscale_view(scaley=False)
    _log_ticks(ax.xaxis)
    _log_ticks(ax.yaxis)
    info = ax._cnnmath_errors
    if info["legend_has_current"] != (current is not None):
        shown = [measured, truncation, rounding] + ([marker] if current is not None else [])
        if info["key"] is not None:
            info["key"].remove()
        info["key"] = _Key(ax, shown, loc="upper center")
        info["legend_has_current"] = current is not None
    elif current is not None:
        info["key"].entries[3][1].set_text(marker.get_label())


def gradcheck_plot(eps, errors, *, current=None, ax=None, figsize=(5, 3.5)):
    """How the central-difference error depends on the step epsilon, on log-log axes (lesson 6).

    Parameters
    ----------
    eps : array_like, shape (S,), S >= 3
        The steps tried, positive.
    errors : array_like, shape (S,)
        ``|numerical - analytic|`` for each step (zeros are drawn at 1e-17 so the log axis keeps them).
    current : tuple (eps, error), optional
        The step chosen in the widget and its error, marked with a large dot.
    ax : matplotlib Axes, optional
    figsize : tuple
        Used only when ``ax`` is None.

    Returns
    -------
    matplotlib Figure
        Two guide lines show the slopes of the two error sources, not their predicted sizes: slope 2
        (truncation ~ eps**2) through the measured error at the third-largest step, and slope -1
        (rounding ~ 1 / eps) through the measured error at the smallest step.
    """
    fig, ax = get_ax(ax, figsize)
    if fig.get_axes() == [ax]:  # fixed margins: no layout engine
        fig.subplots_adjust(left=0.17, right=0.96, bottom=0.16, top=0.9)
    _errors_panel(ax)
    _fill_errors(ax, eps, errors, current)
    return fig


def _secant_panel(ax):
    """Empty artists of :func:`secant_plot`, filled by :func:`_fill_secant`."""
    curve, = ax.plot([], [], color="#777777", linewidth=2, label="L along this weight")
    tangent, = ax.plot([], [], "--", color="#2166ac", linewidth=1.2, label="tangent (backprop)")
    secant, = ax.plot([], [], ":", color="#b2182b", linewidth=1.5, label="secant through x0 +/- eps")
    points, = ax.plot([], [], "o", color=SWITCH_COLOR, markeredgecolor="black", markersize=7)
    as_path_text(ax.set_xlabel(""))
    as_path_text(ax.set_ylabel("loss L"))
    fast_title(ax, "")
    key = _Key(ax, [curve, tangent, secant])
    ax._cnnmath_secant = (curve, tangent, secant, points, key)


def _fill_secant(ax, offsets, losses, x0, eps, loss_plus, loss_minus, analytic, name, *, slope=None,
                 loss0=None):
    curve, tangent, secant, points, key = ax._cnnmath_secant
    offsets = np.asarray(offsets, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if offsets.ndim != 1 or offsets.shape != losses.shape or offsets.size < 2:
        raise ValueError(f"offsets has shape {offsets.shape} and losses {losses.shape} but they need the same "
                         f"shape (S,) with S >= 2")
    x0, eps = float(x0), float(eps)
    xs = x0 + offsets
    curve.set_data(xs, losses)
    if loss0 is None:  # where the tangent touches the drawn curve
        loss0 = float(np.interp(x0, xs, losses))
    tangent.set_data(xs, loss0 + analytic * offsets)
    if slope is None:  # the line through the two nudged points
        slope = (loss_plus - loss_minus) / (2 * eps)
    secant.set_data(xs, 0.5 * (loss_plus + loss_minus) + slope * offsets)
    points.set_data([x0 - eps, x0 + eps], [loss_minus, loss_plus])
    ax.xaxis.label.set_text(name)
    lo, hi = float(losses.min()), float(losses.max())
    pad = 0.1 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1.0)
    ax.set_ylim(lo - pad, hi + pad)
    ax.relim()
    ax.autoscale_view(scaley=False)
    _linear_ticks(ax.xaxis)
    _linear_ticks(ax.yaxis)
    # the key goes to the upper corner the loss curve keeps away from
    third = max(1, losses.size // 3)
    key.loc = "upper left" if losses[:third].max() <= losses[-third:].max() else "upper right"


def secant_plot(offsets, losses, x0, eps, loss_plus, loss_minus, analytic, *, name="K[m, n]", ax=None,
                figsize=(5, 3.5)):
    """The loss along one weight, the two nudged points and the line through them (lesson 6).

    Parameters
    ----------
    offsets : array_like, shape (S,)
        How far the weight is moved from its value ``x0``.
    losses : array_like, shape (S,)
        The loss at each offset.
    x0 : float
        The weight's current value.
    eps : float
        The nudge; the points ``x0 - eps`` and ``x0 + eps`` are marked.
    loss_plus, loss_minus : float
        L(x0 + eps) and L(x0 - eps).
    analytic : float
        dL/dx from backpropagation: the tangent's slope, drawn dashed.
    name : str
        The weight's name for the axis label.
    ax : matplotlib Axes, optional
    figsize : tuple
        Used only when ``ax`` is None.

    Returns
    -------
    matplotlib Figure
    """
    fig, ax = get_ax(ax, figsize)
    if fig.get_axes() == [ax]:  # fixed margins: no layout engine
        fig.subplots_adjust(left=0.17, right=0.96, bottom=0.16, top=0.9)
    _secant_panel(ax)
    _fill_secant(ax, offsets, losses, x0, eps, loss_plus, loss_minus, analytic, name)
    return fig


def gradcheck_step_plot(check, curves, *, name="K[m, n]", axes=None, figsize=(9.5, 3.3)):
    """What ``gradcheck_explorer`` shows: the loss along one weight with the secant and the tangent, beside
    the error of the central difference against epsilon (lesson 6).

    Draws what it is given and computes none of it; :func:`update_gradcheck_step_plot` shows another weight
    or step in place.

    Parameters
    ----------
    check : cnnmath.GradientCheck
        From :func:`cnnmath.gradient_check`: the step, the two nudged losses, both gradients, the error.
    curves : cnnmath.GradientCheckCurves
        From :func:`cnnmath.gradient_check_curves` for the same entry: the loss along it (offsets (T,),
        losses (T,)) and the error for each step (eps (S,), errors (S,)).
    name : str
        The entry's name, such as ``"K[2,2]"``.
    axes : sequence of 2 Axes, optional
    figsize : tuple
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    if axes is None:  # fixed positions: no layout engine, no second draw
        fig = plt.figure(figsize=figsize)
        axes = [fig.add_axes((0.08, 0.15, 0.38, 0.75)), fig.add_axes((0.58, 0.15, 0.39, 0.75))]
    else:
        fig, axes = axes_row(axes, 2, figsize)
    _secant_panel(axes[0])
    _errors_panel(axes[1])
    axes[0]._cnnmath_gradcheck_step = axes
    _fill_gradcheck_step(axes, check, curves, name)
    return fig


def update_gradcheck_step_plot(fig, check, curves, *, name="K[m, n]"):
    """Show another entry or step on a figure made by :func:`gradcheck_step_plot`, in place. Returns fig."""
    _fill_gradcheck_step(figure_state(fig, "_cnnmath_gradcheck_step", "gradcheck_step_plot"), check, curves, name)
    return fig


def _fill_gradcheck_step(axes, check, curves, name):
    if tuple(check.index) != tuple(curves.index):
        raise ValueError(f"check is of entry {check.index} but curves of {curves.index}: they need the same entry")
    _fill_secant(axes[0], curves.offsets, curves.losses, curves.value, check.eps, check.f_plus, check.f_minus,
                 check.analytic, name, slope=check.numerical, loss0=curves.loss)
    axes[0].title.set_text(f"L along {name}")
    _fill_errors(axes[1], curves.eps, curves.errors, (check.eps, check.abs_error))


# ----------------------------------------------------------------------------------------------------
# A kernel learned by gradient descent
# ----------------------------------------------------------------------------------------------------


def kernel_training_plot(losses, kernel, target, *, diverged=False, axes=None, cax=None, figsize=(12, 3.2)):
    """A kernel learned by gradient descent: the loss curve, the kernel now, and the target (lesson 6).

    :func:`update_kernel_training_plot` shows another run or step in place.

    Parameters
    ----------
    losses : array_like, shape (S,)
        The loss of the kernel after 0, 1, ..., S-1 steps; drawn on a log axis.
    kernel : array_like, shape (KH, KW)
        The kernel after the last step.
    target : array_like, shape (KH, KW)
        The kernel it is learning to imitate.
    diverged : bool
        Draw the curve in red and say so in the title.
    axes : sequence of three Axes, optional
        Where to draw (loss, kernel, target); default a new figure of ``figsize`` with fixed margins. The
        two kernels share one colour scale and one colour bar.
    cax : Axes, optional
        Where to draw that colour bar; default: its own place at the right of a new figure, or space taken
        from the two kernel panels of the given ``axes``.
    figsize : tuple
        Used only when ``axes`` is None.

    Returns
    -------
    matplotlib Figure
    """
    kernel = _as_matrix(kernel, "kernel")
    target = _as_matrix(target, "target")
    if axes is None:  # fixed positions: no layout engine, no second draw
        fig = plt.figure(figsize=figsize)
        axes = [fig.add_axes((0.07, 0.17, 0.36, 0.72)), fig.add_axes((0.48, 0.08, 0.2, 0.8)),
                fig.add_axes((0.71, 0.08, 0.2, 0.8))]
        cax = fig.add_axes((0.93, 0.12, 0.012, 0.72)) if cax is None else cax
    else:
        fig, axes = axes_row(axes, 3, figsize)
    ax_loss, ax_k, ax_t = axes
    line, = ax_loss.plot([], [], "-", linewidth=1.5)
    ax_loss.set_yscale("log")
    as_path_text(ax_loss.set_xlabel("step"))
    as_path_text(ax_loss.set_ylabel("loss (log scale)"))
    fast_title(ax_loss, "")
    for ax in (ax_k, ax_t):
        matrix_plot(target, ax=ax, signed=True, colorbar=False)
        fast_title(ax, "")
        for label in ax.get_xticklabels() + ax.get_yticklabels():
            as_path_text(label)
    ax_t.title.set_text("target kernel")
    colorbar = signed_colorbar(fig, [ax_k, ax_t], cax=cax, fraction=0.03, pad=0.03)
    ax_loss._cnnmath_training = {"axes": axes, "line": line, "colorbar": colorbar}
    _fill_kernel_training(ax_loss._cnnmath_training, losses, kernel, target, diverged)
    return fig


def update_kernel_training_plot(fig, losses, kernel, target, *, diverged=False):
    """Show another run or step on a figure made by :func:`kernel_training_plot`, in place. Returns fig.

    Parameters as in :func:`kernel_training_plot`; ``kernel`` and ``target`` keep the shape they had.
    """
    info = figure_state(fig, "_cnnmath_training", "kernel_training_plot")
    _fill_kernel_training(info, losses, _as_matrix(kernel, "kernel"), _as_matrix(target, "target"), diverged)
    return fig


def _fill_kernel_training(info, losses, kernel, target, diverged):
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size < 1:
        raise ValueError(f"losses has shape {losses.shape} but needs (S,) with S >= 1")
    if kernel.shape != target.shape:
        raise ValueError(f"kernel has shape {kernel.shape} but target {target.shape}: they need the same shape")
    ax_loss, ax_k, ax_t = info["axes"]
    line = info["line"]
    line.set_data(np.arange(losses.size), np.maximum(losses, 1e-300))
    line.set_color("#b2182b" if diverged else "#4c72b0")
    line.set_marker("o" if losses.size == 1 else "None")  # step 0 alone is one point: a dot, not nothing
    ax_loss.title.set_text("loss DIVERGES: learning rate too large" if diverged else "loss")
    ax_loss.relim()
    ax_loss.autoscale_view()
    if losses.size == 1:  # around the one point: step 0 and a factor of 3 either way (ticks at 1, 2, 5 x 10^k)
        start = max(float(losses[0]), 1e-300)
        ax_loss.set_xlim(-0.5, 0.5, auto=None)  # auto=None: the next curve is autoscaled again
        ax_loss.set_ylim(start / 3, start * 3, auto=None)
        _set_ticks(ax_loss.xaxis, [0], ["0"])
    else:
        _linear_ticks(ax_loss.xaxis, integer=True)
    _log_ticks(ax_loss.yaxis, numticks=5, data=losses)
    lim = signed_limit(target, kernel)
    update_matrix_plot(ax_k, kernel, vmin=-lim, vmax=lim)
    ax_k.title.set_text(f"kernel after {losses.size - 1} steps")
    # the target and the scale stay the same while the kernel is within the target's range: leave them
    if info.get("lim") != lim or not np.array_equal(info.get("target"), target):
        update_matrix_plot(ax_t, target, vmin=-lim, vmax=lim)
        ticks = round_ticks(-lim, lim)
        colorbar_limit(info["colorbar"], lim, ticks=ticks, labels=[plain_number(v) for v in ticks])
        info["lim"], info["target"] = lim, target.copy()
