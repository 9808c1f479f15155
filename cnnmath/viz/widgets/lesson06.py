"""Explorers for ``06_backpropagation.ipynb``: a numerical gradient check and a kernel that learns.

Both take the lesson's own functions as arguments (the loss of the worked example, the MSE of the
kernel-learning example), so the notebook shows every formula in its cells and the explorer only binds
controls to the pictures of :mod:`cnnmath.viz.plots.lesson06`.
"""

from __future__ import annotations

import html

import numpy as np
import ipywidgets as widgets

from ...checks.common import typed_number  # the exercises' reading rule, for typed numbers too
from ...descent import BLOWUP, gradient_descent
from ...gradcheck import gradient_check, gradient_check_curves
from ..plots.lesson06 import (gradcheck_step_plot, kernel_training_plot, update_gradcheck_step_plot,
                              update_kernel_training_plot)
from .common import LABEL_STYLE, make_explorer

__all__ = ["gradcheck_explorer", "kernel_descent_explorer"]


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

    def draw(values, explorer):
        index = tuple(values["weight"])
        e = _check_eps(values["eps"])
        label = f"{name}[{index[0]},{index[1]}]"
        check = gradient_check(f, x, grad, index, e)
        curves = gradient_check_curves(f, x, grad, index)
        update_gradcheck_step_plot(fig, check, curves, name=label)
        verdict = "agree" if check.rel_error <= 1e-7 else "disagree: the step is too large or too small"
        text = (f"<p><b>Gradient check</b> of {html.escape(label)}: backprop gives "
                f"<b>{check.analytic:.10f}</b>; with epsilon = {e:.0e} the central difference gives "
                f"<b>{check.numerical:.10f}</b>; relative error {check.rel_error:.1e} (they {verdict}).</p>")
        state = {"weight": index, "eps": e, "analytic": check.analytic, "numerical": check.numerical,
                 "abs_error": check.abs_error, "rel_error": check.rel_error}
        return text, state

    start = tuple(weight)
    first = f"{name}[{start[0]},{start[1]}]"
    fig = gradcheck_step_plot(gradient_check(f, x, grad, start, eps), gradient_check_curves(f, x, grad, start),
                              name=first)
    return make_explorer(controls, draw, figure=fig)


def kernel_descent_explorer(loss_and_grad, K0, target, *, lr=1.0, steps=50, max_steps=300,
                            stable_below=None, blowup=BLOWUP):
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
        How many times its start the loss may grow before the run is called diverged
        (:func:`cnnmath.gradient_descent` runs the descent).

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
                                     readout_format=".3g", continuous_update=False, style=LABEL_STYLE),
        "steps": steps_slider,
        "step": widgets.Button(description="take one step", tooltip="one more gradient-descent step"),
        "reset": widgets.Button(description="start again", tooltip="back to the starting kernel, step 0"),
    }
    current = {"path": None}

    def path_for(rate, n):
        # One run per learning rate, continued (never recomputed) as the student asks for more steps.
        path = current["path"]
        resume = path if path is not None and path.lr == rate else None
        current["path"] = gradient_descent(loss_and_grad, K0, rate, n, blowup=blowup, resume=resume)
        return current["path"].first(n)

    def draw(values, explorer):
        rate = typed_number(values["lr"], "learning rate", limit=1e3, need="a positive number such as 0.5")
        if rate <= 0:
            raise ValueError(f"learning rate is {rate!r} but needs a positive number such as 0.5")
        n = int(values["steps"])
        shown = path_for(rate, n)
        kernel, losses, taken = shown.kernel, shown.losses, shown.steps
        blew_up = shown.diverged is not None
        update_kernel_training_plot(fig, losses, kernel, target, diverged=blew_up)
        gap = float(np.abs(kernel - target).max())
        if blew_up:
            hint = f" (below about {stable_below:.3g})" if stable_below else ""
            text = (f"<p style='color:#b00020'><b>Learning a kernel: diverged!</b> With learning rate "
                    f"{rate:.3g} the loss grew "
                    f"from {losses[0]:.3g} to {losses[-1]:.3g} in {taken} steps, so the run was "
                    f"stopped before the numbers overflow. Each step jumps past the bottom of the loss "
                    f"bowl and lands higher up the other side. Try a smaller learning rate{hint}.</p>")
        else:
            text = (f"<p><b>Learning a kernel</b>: after {taken} steps with learning rate {rate:.3g} "
                    f"the loss is <b>{losses[-1]:.4g}</b> (it started at {losses[0]:.4g}); "
                    f"K[0,0] = {kernel[0, 0]:.3f} (target {target[0, 0]:.3g}); the largest gap "
                    f"|K - target| is {gap:.3g}.</p>")
        state = {"lr": rate, "steps": taken, "loss": float(losses[-1]), "start_loss": float(losses[0]),
                 "kernel": kernel, "max_gap": gap, "diverged": blew_up, "losses": [float(v) for v in losses]}
        return text, state

    fig = kernel_training_plot([1.0], K0, target, figsize=(10, 2.8))  # filled by the first redraw
    explorer = make_explorer(controls, draw, figure=fig)

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
