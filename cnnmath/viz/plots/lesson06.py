"""Pictures for ``06_backpropagation.ipynb``: the loss, the kernel's and the input's gradients, the chain,
gradient checks.

Every function is pure matplotlib: it takes arrays (computed by the notebook with :mod:`cnnmath`), draws
them, and returns the figure. Signed quantities (kernels, gradients, logits) use the course's diverging
map centred at 0 with a colour bar and the numbers written in; masks and switches are outlined, so no
picture relies on colour alone.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from ...losses import softmax
from .common import format_number, highlight_cells, matrix_plot

__all__ = ["softmax_gradient_plot", "kernel_gradient_plot", "input_gradient_plot", "forward_chain_plot",
           "backward_chain_plot", "gradcheck_plot", "secant_plot", "kernel_training_plot"]

SWITCH_COLOR = "#ffb000"  # amber outline: a pooling switch (where a window's maximum sat)
WINDOW_COLOR = "#00a651"  # green outline: the pixels one kernel weight touches


def _power_of_ten(value, _pos=None):
    if value <= 0:
        return ""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _plain_log_axis(axis, numticks=6, data=None):
    """A log axis with a few labelled ticks (``1e-5``, ``2e-1``) and no minor ticks: readable, quick.

    ``data``: the values shown; when they span less than two powers of ten, ticks at 1, 2 and 5 times
    each power are labelled too, so a short curve still gets more than one number on its axis.
    """
    subs = (1.0,)
    if data is not None:
        positive = np.asarray(data, dtype=float)
        positive = positive[np.isfinite(positive) & (positive > 0)]
        if positive.size and np.log10(positive.max() / positive.min()) < 2:
            subs = (1.0, 2.0, 5.0)
    axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=numticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(_power_of_ten))


def _spread(fig, wspace=0.12):
    """Leave room between panels, so a colour bar's labels never touch the next panel's row numbers."""
    fig.get_layout_engine().set(wspace=wspace)
    return fig


def _bar_numbers(ax, xs, values, decimals=3):
    """Write each bar's value above (or below) it, so the bar chart is readable without colour."""
    span = max(float(np.abs(values).max()), 1e-12)
    for x, v in zip(xs, values):
        offset = 0.04 * span if v >= 0 else -0.04 * span
        ax.text(x, v + offset, f"{v:.{decimals}f}", ha="center", va="bottom" if v >= 0 else "top",
                fontsize=9)


def softmax_gradient_plot(logits, label, *, class_names=None, figsize=(10, 3.2)):
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
    fig, axes = plt.subplots(1, 3, figsize=figsize, constrained_layout=True)

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


def kernel_gradient_plot(kernel, dkernel, *, image=None, dout=None, weight=None, decimals=2,
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

    Returns
    -------
    matplotlib Figure
    """
    kernel = np.asarray(kernel, dtype=float)
    dkernel = np.asarray(dkernel, dtype=float)
    with_inputs = image is not None and dout is not None
    n_panels = 4 if with_inputs else 2
    figsize = figsize or ((13, 3) if with_inputs else (7, 3))
    fig, axes = plt.subplots(1, n_panels, figsize=figsize, constrained_layout=True)
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


def input_gradient_plot(kernel, dout_padded, dinput, *, pixel=None, decimals=2, figsize=(13, 3.2)):
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

    Returns
    -------
    matplotlib Figure
        Four panels: "kernel K", "K turned by 180 degrees", "dL/dO padded with zeros", "dL/dI"; every value
        is written in its cell.
    """
    kernel = np.asarray(kernel, dtype=float)
    dout_padded = np.asarray(dout_padded, dtype=float)
    dinput = np.asarray(dinput, dtype=float)
    fig, axes = plt.subplots(1, 4, figsize=figsize, constrained_layout=True,
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


def forward_chain_plot(image, kernel, conv_out, relu_out, pooled, switches=None, *, bias=None,
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

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, 5, figsize=figsize, constrained_layout=True)
    matrix_plot(image, ax=axes[0], signed=False, title="image I")
    matrix_plot(kernel, ax=axes[1], signed=True, title="kernel K")
    conv_title = "O = I * K" if bias is None else f"O = I * K + ({format_number(bias)})"
    matrix_plot(conv_out, ax=axes[2], signed=True, title=conv_title)
    matrix_plot(relu_out, ax=axes[3], signed=True, title="A = ReLU(O), switches outlined")
    _outline_switches(axes[3], switches)
    matrix_plot(pooled, ax=axes[4], signed=True, title="P = maxpool(A)")
    return _spread(fig)


def backward_chain_plot(dpooled, drelu, mask, dconv, dkernel, switches=None, *, figsize=(15, 3)):
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

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, 5, figsize=figsize, constrained_layout=True)
    matrix_plot(dpooled, ax=axes[0], signed=True, title="dL/dP")
    matrix_plot(drelu, ax=axes[1], signed=True, title="dL/dA (to the switches)")
    _outline_switches(axes[1], switches)
    matrix_plot(np.asarray(mask, dtype=float), ax=axes[2], signed=False, vmin=0, vmax=1,
                title="ReLU mask (O > 0)")
    matrix_plot(dconv, ax=axes[3], signed=True, title="dL/dO = dL/dA x mask")
    matrix_plot(dkernel, ax=axes[4], signed=True, title="dL/dK")
    return _spread(fig)


def gradcheck_plot(eps, errors, *, current=None, ax=None, figsize=(5, 3.5)):
    """How the central-difference error depends on the step epsilon, on log-log axes (lesson 6).

    Parameters
    ----------
    eps : array_like, shape (S,)
        The steps tried, positive.
    errors : array_like, shape (S,)
        ``|numerical - analytic|`` for each step (zeros are drawn at 1e-17 so the log axis keeps them).
    current : tuple (eps, error), optional
        The step chosen in the widget and its error, marked with a large dot.
    ax : matplotlib Axes, optional
    figsize : tuple

    Returns
    -------
    matplotlib Figure
        Dashed guides show the slopes of the two error sources: truncation ~ eps**2 and rounding
        ~ 1e-16 / eps.
    """
    eps = np.asarray(eps, dtype=float)
    errors = np.maximum(np.asarray(errors, dtype=float), 1e-17)
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    else:
        fig = ax.figure
    order = np.argsort(eps)
    ax.loglog(eps[order], errors[order], "o-", color="#4c72b0", markersize=3, label="|numerical - analytic|")
    # The guides pass through the measured error at the ends where each source dominates.
    big, small = eps[order][-3], eps[order][0]
    e_big = errors[order][-3]
    e_small = errors[order][0]
    ax.loglog(eps, e_big * (eps / big) ** 2, "--", color="#b2182b", linewidth=1,
              label="truncation ~ eps^2")
    ax.loglog(eps, e_small * small / eps, ":", color="#555555", linewidth=1.2,
              label="rounding ~ 1/eps")
    if current is not None:
        cur_eps, cur_err = float(current[0]), max(float(current[1]), 1e-17)
        ax.loglog([cur_eps], [cur_err], "o", color=SWITCH_COLOR, markersize=10, markeredgecolor="black",
                  label=f"eps = {cur_eps:.0e}")
    low = errors.min() if current is None else min(errors.min(), max(float(current[1]), 1e-17))
    ax.set_ylim(max(low / 10, 1e-17), errors.max() * 10)
    _plain_log_axis(ax.xaxis)
    _plain_log_axis(ax.yaxis)
    ax.set_xlabel("epsilon")
    ax.set_ylabel("error")
    ax.set_title("error of the central difference")
    ax.legend(fontsize=7, loc="upper center", frameon=False)
    return fig


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

    Returns
    -------
    matplotlib Figure
    """
    offsets = np.asarray(offsets, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    else:
        fig = ax.figure
    xs = x0 + offsets
    ax.plot(xs, losses, color="#777777", linewidth=2, label="L along this weight")
    loss0 = float(np.interp(x0, xs, losses))
    ax.plot(xs, loss0 + analytic * offsets, "--", color="#2166ac", linewidth=1.2, label="tangent (backprop)")
    slope = (loss_plus - loss_minus) / (2 * eps)
    ax.plot(xs, 0.5 * (loss_plus + loss_minus) + slope * offsets, ":", color="#b2182b", linewidth=1.5,
            label="secant through x0 +/- eps")
    ax.plot([x0 - eps, x0 + eps], [loss_minus, loss_plus], "o", color=SWITCH_COLOR, markeredgecolor="black",
            markersize=7)
    ax.set_xlabel(name)
    ax.set_ylabel("loss L")
    span = losses.max() - losses.min()
    ax.set_ylim(losses.min() - 0.1 * span, losses.max() + 0.1 * span)
    ax.legend(fontsize=7, frameon=False)
    return fig


def kernel_training_plot(losses, kernel, target, *, diverged=False, axes=None, cax=None, figsize=(12, 3.2)):
    """A kernel learned by gradient descent: the loss curve, the kernel now, and the target (lesson 6).

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
        Where to draw (loss, kernel, target); default a new figure of ``figsize``. The two kernels share
        one colour scale and one colour bar.
    cax : Axes, optional
        Where to draw that colour bar; default: space taken from the two kernel panels.
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    losses = np.asarray(losses, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    target = np.asarray(target, dtype=float)
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=figsize, constrained_layout=True,
                                 gridspec_kw={"width_ratios": [1.5, 1, 1]})
        _spread(fig, 0.06)
    fig = axes[0].figure
    steps = np.arange(losses.size)
    color = "#b2182b" if diverged else "#4c72b0"
    axes[0].semilogy(steps, np.maximum(losses, 1e-300), "-", color=color, linewidth=1.5)
    _plain_log_axis(axes[0].yaxis, numticks=5, data=losses)
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("loss (log scale)")
    axes[0].set_title("loss DIVERGES: learning rate too large" if diverged else "loss")
    lim = max(float(np.abs(target).max()), float(np.abs(kernel).max()), 1e-12)
    matrix_plot(kernel, ax=axes[1], signed=True, vmin=-lim, vmax=lim, colorbar=False,
                title=f"kernel after {losses.size - 1} steps")
    matrix_plot(target, ax=axes[2], signed=True, vmin=-lim, vmax=lim, colorbar=False, title="target kernel")
    if cax is not None:
        fig.colorbar(axes[2].images[0], cax=cax)
    else:
        fig.colorbar(axes[2].images[0], ax=list(axes[1:]), fraction=0.03, pad=0.03)
    return fig
