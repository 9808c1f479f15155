"""Explorers of lesson 3 (``03_relu.ipynb``): move x along the ReLU ramp; shift an edge map by a bias
before ReLU and watch how many pixels pass. Each binds labelled controls to a plot of
``viz/plots/lesson03.py`` and states its numbers in the summary.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ...activations import relu, relu_derivative
from ...checks.common import typed_number  # the exercises' reading rule, for typed numbers too
from ...data import photo_feature_map
from ..plots.common import format_number
from ..plots.lesson03 import relu_map_plot, relu_pair_plot, update_relu_map_plot, update_relu_pair_plot
from .common import LABEL_STYLE, Explorer, make_explorer

__all__ = ["relu_explorer", "relu_bias_explorer", "RELU_BIAS_KERNELS"]

#: The kernels the bias explorer offers (names of :func:`cnnmath.get_kernel`).
RELU_BIAS_KERNELS = ("vertical edge", "horizontal edge", "diagonal edge", "sobel x")


def relu_explorer(x: float = 1.5, *, xlim=(-3.0, 3.0), step: float = 0.25) -> Explorer:
    """A slider for x that marks (x, f(x)) on the ramp and (x, f'(x)) on the step (lesson 3).

    Parameters
    ----------
    x : float
        Starting value.
    xlim : (float, float)
        Range of the slider and the plots.
    step : float
        Slider step; the default reaches 0 exactly, the corner.

    Returns
    -------
    Explorer
        ``controls["x"]``; ``state`` holds ``x``, ``f`` and ``df``; the summary reads
        "ReLU at x = 1.50: f(x) = 1.50, f'(x) = 1".
    """
    slider = widgets.FloatSlider(value=x, min=xlim[0], max=xlim[1], step=step, description="x",
                                 readout_format=".2f", continuous_update=True, style=LABEL_STYLE)

    def draw(values, explorer):
        xv = typed_number(values["x"], "x")
        f = float(relu(xv))
        df = float(relu_derivative(xv))
        update_relu_pair_plot(fig, xv, f, df)
        if xv > 0:
            why = "x > 0: the ramp passes x unchanged, slope 1"
        elif xv < 0:
            why = "x < 0: the ramp is flat at 0, slope 0"
        else:
            why = ("x = 0 is the corner: no single slope exists; the course and the libraries use "
                   "f'(0) = 0")
        text = (f"<p><b>ReLU at x = {format_number(xv)}: f(x) = {format_number(f)}, "
                f"f'(x) = {format_number(df)}</b> ({why}).</p>")
        return text, {"x": xv, "f": f, "df": df}

    fig = relu_pair_plot(None, xlim=xlim, figsize=(7.5, 2.6))  # the first redraw marks x
    return make_explorer({"x": slider}, draw, figure=fig)


def relu_bias_explorer(feature_map=None, *, bias: float = 0.0, kernel: str = "vertical edge",
                       bias_range=(-200.0, 200.0), step: float = 10.0) -> Explorer:
    """A bias b added to a feature map before ReLU: before, after, and the mask where f' = 1 (lesson 3).

    Parameters
    ----------
    feature_map : array_like, shape (H, W), optional
        The map to use. Default: the photo (``load_photo()``) filtered by the kernel chosen in the
        dropdown (:func:`cnnmath.photo_feature_map`, ``conv2d(load_photo(), get_kernel(name))``); given a
        map, the dropdown is left out.
    bias : float
        Starting bias.
    kernel : str
        Starting kernel name, one of :data:`RELU_BIAS_KERNELS`.
    bias_range : (float, float)
    step : float

    Returns
    -------
    Explorer
        ``controls["bias"]`` (and ``controls["kernel"]`` without ``feature_map``); ``state`` holds
        ``bias``, ``kernel``, ``passed`` (pixels with z > 0), ``total``, ``fraction``, ``zeros`` (pixels
        with z exactly 0) and ``mask``; the summary reads "b = -20: 15.5% of pixels pass
        (47,373 of 304,980)".
    """
    given = None if feature_map is None else np.array(feature_map, dtype=float)
    if given is not None and given.ndim != 2:
        raise ValueError(f"feature_map has shape {given.shape} but needs a 2-D map (H, W)")
    controls = {}
    if given is None:
        if kernel not in RELU_BIAS_KERNELS:
            raise ValueError(f"kernel is {kernel!r} but needs one of {list(RELU_BIAS_KERNELS)}")
        controls["kernel"] = widgets.Dropdown(options=list(RELU_BIAS_KERNELS), value=kernel,
                                              description="kernel", style=LABEL_STYLE)
    controls["bias"] = widgets.FloatSlider(value=bias, min=bias_range[0], max=bias_range[1], step=step,
                                           description="bias b", readout_format=".0f",
                                           continuous_update=False, style=LABEL_STYLE)

    def titles(name):
        label = "F" if name is None else f"{name} map"
        return (f"before: {label} + b", "after: ReLU", "mask: where f' = 1")

    def draw(values, explorer):
        b = typed_number(values["bias"], "bias b")
        name = values.get("kernel")
        fmap = given if given is not None else photo_feature_map(name)
        z = fmap + b
        after = relu(z)  # the one computation of ReLU and its derivative; the plot only draws them
        grad = relu_derivative(z)
        mask = grad == 1
        passed, total = int(mask.sum()), int(mask.size)
        zeros = int((z == 0).sum())
        update_relu_map_plot(fig, z, after, grad, bias=b, titles=titles(name))
        text = (f"<p><b>b = {format_number(b)}: {passed / total:.1%} of pixels pass "
                f"({passed:,} of {total:,})</b>; the other {total - passed:,} are set to 0 and pass no "
                f"gradient")
        text += (f", {zeros:,} of them sitting exactly at 0, the corner.</p>" if zeros else ".</p>")
        state = {"bias": b, "kernel": name, "passed": passed, "total": total,
                 "fraction": passed / total, "zeros": zeros, "mask": mask}
        return text, state

    start = given if given is not None else photo_feature_map(kernel)
    fig = relu_map_plot(start, figsize=(9.5, 2.9), display_step=2, titles=titles(None if given is not None
                                                                                    else kernel))
    return make_explorer(controls, draw, figure=fig)
