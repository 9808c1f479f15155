"""Explorers for ``06_backpropagation.ipynb``: a numerical gradient check and a kernel that learns.

Both take the lesson's own functions as arguments (the loss of the worked example, the MSE of the
kernel-learning example), so the notebook shows every formula in its cells and the explorer only binds
controls to the pictures of :mod:`cnnmath.viz.plots.lesson06`.
"""

from __future__ import annotations

import html

import numpy as np
import ipywidgets as widgets
import matplotlib.pyplot as plt

from ...checks.common import typed_number  # the exercises' reading rule, for typed numbers too
from ...gradcheck import central_difference, rel_error
from ..plots.lesson06 import gradcheck_plot, kernel_training_plot, secant_plot
from .common import make_explorer, show_png

__all__ = ["gradcheck_explorer", "kernel_descent_explorer"]

DPI = 80
#: The steps epsilon the error curve is drawn for: 1e-1 down to 1e-9, four per decade.
EPS_GRID = np.logspace(-1, -9, 33)
#: How far the secant panel moves the chosen weight either way.
SECANT_RANGE = 0.15


def _check_eps(eps):
    value = typed_number(eps, "epsilon", limit=1.0, need="a small positive number such as 1e-5")
    if value <= 0:
        raise ValueError(f"epsilon is {eps!r} but needs a small positive number such as 1e-5")
    return value


def gradcheck_explorer(f, x, grad, *, eps=1e-5, weight=(0, 0), name="K"):
    """Nudge one weight by +/- epsilon and compare the central difference with backprop's gradient.

    Controls: ``weight`` (a dropdown of the entries of ``x``) and ``eps`` (a log slider from 1e-9 to
    1e-1). The left panel shows the loss along the chosen weight with the secant through the two nudged
    points and the tangent of slope dL/dx; the right panel the error ``|numerical - analytic|`` against
    epsilon on log-log axes (truncation error ~ eps^2 for large steps, rounding error ~ 1/eps below about
    1e-6). Lesson 6.

    Parameters
    ----------
    f : callable
        ``f(array of x's shape) -> float``, the loss (for example the whole chain of the worked example).
    x : array_like, shape (KH, KW)
        The point where the gradient is checked; copied, never changed.
    grad : array_like, same shape
        The analytic gradient at ``x`` (from backpropagation).
    eps : float
        The starting step.
    weight : tuple of int
        The starting entry.
    name : str
        What the entries are called in labels, ``K`` gives ``K[0,0]``.

    Returns
    -------
    Explorer
        ``state`` holds ``weight``, ``eps``, ``analytic``, ``numerical``, ``abs_error``, ``rel_error``.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != x.shape:
        raise ValueError(f"grad has shape {grad.shape} but needs {x.shape}, the shape of x")
    if not callable(f):
        raise TypeError(f"f is {type(f).__name__} but needs a function f(x) -> float")
    options = [(f"{name}[{m},{n}]", (m, n)) for m, n in np.ndindex(*x.shape)]
    controls = {
        "weight": widgets.Dropdown(options=options, value=tuple(weight), description="weight",
                                   layout=widgets.Layout(width="180px")),
        "eps": widgets.FloatLogSlider(value=eps, base=10, min=-9, max=-1, step=0.5, description="epsilon",
                                      readout_format=".0e", continuous_update=False),
    }
    cache = {}

    def curves(index):
        # The error curve and the loss along the weight change only with the weight: compute once each.
        if index not in cache:
            errors = np.array([abs(central_difference(f, x, index, e).slope - grad[index]) for e in EPS_GRID])
            offsets = np.linspace(-SECANT_RANGE, SECANT_RANGE, 61)
            along = []
            for t in offsets:
                work = x.copy()
                work[index] += t
                along.append(float(f(work)))
            cache[index] = (errors, offsets, np.array(along))
        return cache[index]

    def draw(values, explorer):
        index = tuple(values["weight"])
        e = _check_eps(values["eps"])
        label = f"{name}[{index[0]},{index[1]}]"
        numerical, f_plus, f_minus = central_difference(f, x, index, e)
        analytic = float(grad[index])
        abs_err = abs(numerical - analytic)
        rel = rel_error(numerical, analytic)
        errors, offsets, along = curves(index)
        fig = plt.figure(figsize=(9.5, 3.3), dpi=DPI)
        ax1 = fig.add_axes((0.08, 0.15, 0.38, 0.75))
        ax2 = fig.add_axes((0.58, 0.15, 0.39, 0.75))
        secant_plot(offsets, along, float(x[index]), e, f_plus, f_minus, analytic, name=label, ax=ax1)
        ax1.set_title(f"L along {label}")
        gradcheck_plot(EPS_GRID, errors, current=(e, abs_err), ax=ax2)
        show_png(fig, dpi=DPI)
        verdict = "agree" if rel <= 1e-7 else "disagree: the step is too large or too small"
        text = (f"<p><b>Gradient check</b> of {html.escape(label)}: backprop gives "
                f"<b>{analytic:.10f}</b>; with epsilon = {e:.0e} the central difference gives "
                f"<b>{numerical:.10f}</b>; relative error {rel:.1e} (they {verdict}).</p>")
        state = {"weight": index, "eps": e, "analytic": analytic, "numerical": numerical,
                 "abs_error": abs_err, "rel_error": rel}
        return text, state

    return make_explorer(controls, draw)


class _DescentRun:
    """One gradient-descent run ``K <- K - lr * dL/dK`` from K0, extended on demand.

    ``kernels[k]`` is the kernel after k steps and ``losses[k]`` its loss; ``diverged`` is the step at
    which the loss passed ``blowup`` times its start (or became inf/NaN), after which nothing is added.
    """

    def __init__(self, loss_and_grad, K0, lr, blowup):
        self.loss_and_grad, self.lr, self.blowup = loss_and_grad, lr, blowup
        self.kernels = [np.array(K0, dtype=np.float64)]
        loss, self._grad = loss_and_grad(self.kernels[0])
        self.losses = [float(loss)]
        self.diverged = None

    def extend(self, steps):
        with np.errstate(all="ignore"):  # a blow-up is reported in words, never as a warning
            while self.diverged is None and len(self.kernels) <= steps:
                self.kernels.append(self.kernels[-1] - self.lr * np.asarray(self._grad))
                loss, self._grad = self.loss_and_grad(self.kernels[-1])
                self.losses.append(float(loss))
                if not np.isfinite(loss) or loss > self.blowup * max(self.losses[0], 1e-300):
                    self.diverged = len(self.kernels) - 1
        return self


def kernel_descent_explorer(loss_and_grad, K0, target, *, lr=1.0, steps=50, max_steps=300,
                            stable_below=None, blowup=1e6):
    """Learn a 3x3 kernel by gradient descent, step by step or many steps at once (lesson 6).

    Controls: ``lr`` (a log slider from 0.01 to 10), ``steps`` (a slider, 0 .. ``max_steps``), and two
    buttons: ``step`` ("take one step": one more step of the same run) and ``reset`` ("start again":
    back to step 0). Every run starts from ``K0``. A learning rate that makes the loss grow to ``blowup``
    times its start stops the run and says so in words (no inf, NaN or overflow warnings).

    Parameters
    ----------
    loss_and_grad : callable
        ``loss_and_grad(K) -> (loss, dL/dK)`` with dL/dK shaped like K.
    K0 : array_like, shape (KH, KW)
        The starting kernel.
    target : array_like, shape (KH, KW)
        The kernel being imitated (drawn beside the learned one; the summary gives the largest gap).
    lr : float
        Starting learning rate.
    steps, max_steps : int
        Starting and largest number of steps on the slider.
    stable_below : float, optional
        The largest learning rate that converges (2 / largest curvature), quoted when a run diverges.
    blowup : float
        How many times its start the loss may grow before the run is called diverged.

    Returns
    -------
    Explorer
        ``state`` holds ``lr``, ``steps`` (taken), ``loss``, ``start_loss``, ``kernel``, ``max_gap``,
        ``diverged`` (bool) and ``losses``.
    """
    K0 = np.array(K0, dtype=np.float64)
    target = np.array(target, dtype=np.float64)
    if target.shape != K0.shape:
        raise ValueError(f"target has shape {target.shape} but needs {K0.shape}, the shape of K0")
    if not callable(loss_and_grad):
        raise TypeError(f"loss_and_grad is {type(loss_and_grad).__name__} but needs a function "
                        f"K -> (loss, dK)")
    steps_slider = widgets.IntSlider(value=steps, min=0, max=max_steps, description="steps",
                                     continuous_update=False)
    controls = {
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-2, max=1, step=0.1, description="learning rate",
                                     readout_format=".3g", continuous_update=False,
                                     style={"description_width": "initial"}),
        "steps": steps_slider,
        "step": widgets.Button(description="take one step", tooltip="one more gradient-descent step"),
        "reset": widgets.Button(description="start again", tooltip="back to the starting kernel, step 0"),
    }
    current = {}

    def run(rate, n):
        # One run for the current learning rate, extended step by step as the student asks for more.
        if current.get("lr") != rate:
            current["lr"], current["run"] = rate, _DescentRun(loss_and_grad, K0, rate, blowup)
        r = current["run"].extend(n)
        return r.kernels, r.losses, r.diverged

    def draw(values, explorer):
        rate = typed_number(values["lr"], "learning rate", limit=1e3, need="a positive number such as 0.5")
        if rate <= 0:
            raise ValueError(f"learning rate is {rate!r} but needs a positive number such as 0.5")
        n = int(values["steps"])
        kernels, losses, diverged = run(rate, n)
        taken = n if diverged is None else min(n, diverged)
        kernel, shown = kernels[taken], losses[:taken + 1]
        blew_up = diverged is not None and n >= diverged
        fig = plt.figure(figsize=(10, 2.8), dpi=DPI)
        axes = (fig.add_axes((0.07, 0.17, 0.36, 0.72)), fig.add_axes((0.48, 0.08, 0.2, 0.8)),
                fig.add_axes((0.71, 0.08, 0.2, 0.8)))
        kernel_training_plot(shown, kernel, target, diverged=blew_up, axes=axes,
                             cax=fig.add_axes((0.93, 0.12, 0.012, 0.72)))
        show_png(fig, dpi=DPI)
        gap = float(np.abs(kernel - target).max())
        if blew_up:
            hint = f" (below about {stable_below:.3g})" if stable_below else ""
            text = (f"<p style='color:#b00020'><b>Learning a kernel: diverged!</b> With learning rate "
                    f"{rate:.3g} the loss grew "
                    f"from {losses[0]:.3g} to {losses[diverged]:.3g} in {diverged} steps, so the run was "
                    f"stopped before the numbers overflow. Each step jumps past the bottom of the loss "
                    f"bowl and lands higher up the other side. Try a smaller learning rate{hint}.</p>")
        else:
            text = (f"<p><b>Learning a kernel</b>: after {taken} steps with learning rate {rate:.3g} "
                    f"the loss is <b>{shown[-1]:.4g}</b> (it started at {losses[0]:.4g}); "
                    f"K[0,0] = {kernel[0, 0]:.3f} (target {target[0, 0]:.3g}); the largest gap "
                    f"|K - target| is {gap:.3g}.</p>")
        state = {"lr": rate, "steps": taken, "loss": shown[-1], "start_loss": losses[0], "kernel": kernel,
                 "max_gap": gap, "diverged": blew_up, "losses": list(shown)}
        return text, state

    explorer = make_explorer(controls, draw)

    def one_step(_):
        if steps_slider.value >= steps_slider.max:
            steps_slider.max += 1
        steps_slider.value += 1

    def reset(_):
        if steps_slider.value == 0:
            explorer.refresh()
        steps_slider.value = 0

    controls["step"].on_click(one_step)
    controls["reset"].on_click(reset)
    return explorer
