"""Explorers of lesson 2 (``02_convolution.ipynb``): step a kernel over an image; edit a kernel and see
its feature map on the photo; play with the output-size formula; flip a kernel to turn cross-correlation
into convolution. Each binds labelled controls to a plot of ``viz/plots/lesson02.py`` and states its
numbers in the summary.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from ...checks.common import typed_number  # the exercises' reading rule, for typed numbers too
from ...conv import conv2d, conv_output_size, conv_step, convolve2d
from ...data import load_photo, seed_image, seed_kernel
from ...kernels import KERNEL_NAMES, get_kernel
from ..plots.common import format_number
from ..plots.lesson02 import (conv_step_plot, flip_plot, kernel_effect_plot, output_size_plot, update_conv_step_plot,
                              update_flip_plot, update_kernel_effect_plot, update_output_size_plot)
from .common import LABEL_STYLE, Explorer, make_explorer

__all__ = ["conv_step_explorer", "kernel_editor_explorer", "output_size_explorer", "flip_explorer",
           "FLIP_KERNELS"]

_CUSTOM = "custom"

#: The kernels the flip explorer offers: name -> 3x3 kernel (lists, so nobody can change them).
FLIP_KERNELS = {
    "vertical edge (the worked K)": seed_kernel().tolist(),
    "shift (a 1 left of centre)": [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
    "sobel x": get_kernel("sobel x").tolist(),
    "diagonal edge": get_kernel("diagonal edge").tolist(),
    "sharpen (the same after a 180-degree turn)": get_kernel("sharpen").tolist(),
}


def _terms(window, kernel):
    """``(1)(1) + (2)(0) + (3)(-1) + ...``: each pixel of the window times its kernel weight."""
    return " + ".join(f"({format_number(a)})({format_number(b)})" for a, b in zip(window.ravel(), kernel.ravel()))


# ----------------------------------------------------------------------------------------------------
# Step through the sliding window
# ----------------------------------------------------------------------------------------------------

def conv_step_explorer(image=None, kernel=None, *, stride: int = 1, padding: int = 0, position: int = 0,
                       interval: int = 900) -> Explorer:
    """A position slider (and a Play button that animates it) that slides the kernel over the image (lesson 2).

    Each step outlines the window, shows the products window * K as a grid with their sum, and fills the
    output map in reading order up to that position.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Default :func:`cnnmath.seed_image` (5x5, values 1..25).
    kernel : array_like, shape (KH, KW), optional
        Default :func:`cnnmath.seed_kernel` (rows [1, 0, -1]).
    stride, padding : int
    position : int
        Starting output position, 0..H_out*W_out-1 in reading order.
    interval : int
        Milliseconds between steps when playing.

    Returns
    -------
    Explorer
        ``controls["position"]`` (IntSlider) and ``controls["play"]`` (Play, linked to the slider);
        ``state`` holds ``position``, ``i``, ``j``, ``window``, ``products``, ``value``, ``output`` (the
        whole map) and ``filled``; the summary reads "Step 1 of 9: output[0, 0] = (1)(1) + (2)(0) + ...
        = -6".
    """
    I = seed_image() if image is None else np.array(image, dtype=float)
    K = seed_kernel() if kernel is None else np.array(kernel, dtype=float)
    first = conv_step(I, K, 0, stride=stride, padding=padding)  # raises, in words, on a bad combination
    n = first.count
    h_out, w_out = first.output.shape
    start = int(min(max(position, 0), n - 1))
    slider = widgets.IntSlider(value=start, min=0, max=n - 1, description="position",
                               continuous_update=False, style=LABEL_STYLE)
    play = widgets.Play(value=start, min=0, max=n - 1, step=1, interval=int(interval), description="play",
                        tooltip="play the steps one after another")
    widgets.link((play, "value"), (slider, "value"))  # kernel-side link: works headless and in the page
    controls = {"position": slider, "play": play}

    def draw(values, explorer):
        step = conv_step(I, K, int(values["position"]), stride=stride, padding=padding)  # the one computation
        update_conv_step_plot(fig, step)
        (i, j), (r, c) = step.index, step.corner
        kh, kw = step.kernel.shape
        p = step.position
        text = (f"<p><b>Step {p + 1} of {n}: output[{i}, {j}] = {_terms(step.window, step.kernel)} = "
                f"{format_number(step.value)}</b></p>"
                f"<p>The window covers rows {r} to {r + kh - 1} and columns {c} to {c + kw - 1}"
                f"{' of the padded image' if padding else ''}. Outputs filled in so far: {p + 1} of "
                f"{h_out} x {w_out} = {n}.</p>")
        state = {"position": p, "i": i, "j": j, "window": step.window, "products": step.products,
                 "value": step.value, "output": step.output, "filled": p + 1, "step": step}
        return text, state

    fig = conv_step_plot(step=first, figsize=(11, 3.0))
    explorer = make_explorer(controls, draw, figure=fig)
    explorer.children = (widgets.HBox([widgets.Label("play the steps:"), play, slider]),) + explorer.children[1:]
    return explorer


# ----------------------------------------------------------------------------------------------------
# Kernel editor on the photo
# ----------------------------------------------------------------------------------------------------

def _kernel_box_name(m, n):
    return f"k{m}{n}"


def kernel_editor_explorer(image=None, *, preset: str = "vertical edge", downsample: int = 2) -> Explorer:
    """A 3x3 grid of number boxes and a preset menu; the kernel applied live to the photo (lesson 2).

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Grayscale image; default the course photo, ``load_photo()`` (600 x 512).
    preset : str
        Starting kernel, one of :data:`cnnmath.KERNEL_NAMES`.
    downsample : int
        Keep every ``downsample``-th row and column of the image (2: 300 x 256), so that each redraw
        stays quick.

    Returns
    -------
    Explorer
        ``controls["preset"]`` (Dropdown of :data:`cnnmath.KERNEL_NAMES` plus "custom") and
        ``controls["k00"]`` .. ``controls["k22"]`` (FloatText, descriptions "K[0,0]" .. "K[2,2]"); editing
        a box turns the menu to "custom" (or to the preset the numbers match). ``state`` holds ``kernel``,
        ``feature``, ``min``, ``max``, ``mean`` and ``sum``; the summary reads "Feature map 298 x 254:
        min -..., max ..., mean ...".
    """
    img = load_photo() if image is None else np.array(image, dtype=float)
    if img.ndim != 2:
        raise ValueError(f"image has shape {img.shape} but needs a 2-D grayscale matrix (H, W)")
    step = int(downsample)
    if step < 1:
        raise ValueError(f"downsample is {downsample} but needs a whole number >= 1")
    img = img[::step, ::step]
    k0 = get_kernel(preset)
    controls = {"preset": widgets.Dropdown(options=list(KERNEL_NAMES) + [_CUSTOM], value=_preset_name(k0),
                                           description="preset", style=LABEL_STYLE)}
    for (m, n), v in np.ndenumerate(k0):
        controls[_kernel_box_name(m, n)] = widgets.FloatText(
            value=float(v), step=0.5, description=f"K[{m},{n}]", style=LABEL_STYLE,
            layout=widgets.Layout(width="130px"))

    def read_kernel():
        return np.array([[controls[_kernel_box_name(m, n)].value for n in range(3)] for m in range(3)],
                        dtype=float)

    def sync(name):
        if name == "preset":
            if controls["preset"].value == _CUSTOM:
                return
            for (m, n), v in np.ndenumerate(get_kernel(controls["preset"].value)):
                controls[_kernel_box_name(m, n)].value = float(v)
        else:  # a box changed: name the preset these numbers make, if any
            controls["preset"].value = _preset_name(read_kernel())

    def draw(values, explorer):
        # each box read by the exercises' rule: NaN, infinity, text and magnitudes above 1e6 (-1e308 would
        # overflow the feature map) are refused in words, in the summary
        kernel = np.array([[typed_number(controls[_kernel_box_name(m, n)].value, f"K[{m},{n}]")
                            for n in range(3)] for m in range(3)])
        feature = conv2d(img, kernel)
        update_kernel_effect_plot(fig, kernel, feature)
        lo, hi, mean, total = float(feature.min()), float(feature.max()), float(feature.mean()), float(kernel.sum())
        if abs(total) < 1e-9:
            why = ("the weights sum to 0, so a flat patch gives 0 (white): only changes in brightness, such "
                   "as edges, light up")
        elif abs(total - 1) < 1e-9:
            why = "the weights sum to 1, so a flat patch keeps its brightness"
        else:
            why = f"the weights sum to {format_number(total)}, so a flat patch is multiplied by that"
        name = controls["preset"].value
        text = (f"<p><b>Feature map {feature.shape[0]} x {feature.shape[1]} ({html.escape(name)} kernel): "
                f"min {lo:.4g}, max {hi:.4g}, mean {mean:.4g}</b>. Red is positive, blue negative, white 0; "
                f"{why}.</p>")
        state = {"kernel": kernel, "feature": feature, "min": lo, "max": hi, "mean": mean, "sum": total}
        return text, state

    fig = kernel_effect_plot(img, k0, feature=np.zeros((1, 1)), figsize=(10, 3.4))  # filled by the first redraw
    explorer = make_explorer(controls, draw, figure=fig, sync=sync)
    grid = widgets.GridBox([controls[_kernel_box_name(m, n)] for m in range(3) for n in range(3)],
                           layout=widgets.Layout(grid_template_columns="repeat(3, 140px)", grid_gap="2px 6px"))
    explorer.children = (widgets.HBox([controls["preset"], grid],
                                      layout=widgets.Layout(align_items="center")),) + \
        explorer.children[1:]
    return explorer


def _preset_name(kernel) -> str:
    """The preset of :data:`cnnmath.KERNEL_NAMES` equal to ``kernel``, or "custom" (lesson 2)."""
    kernel = np.asarray(kernel, dtype=float)
    for name in KERNEL_NAMES:
        if kernel.shape == (3, 3) and np.allclose(kernel, get_kernel(name), rtol=0, atol=1e-9):
            return name
    return _CUSTOM


# ----------------------------------------------------------------------------------------------------
# Output size
# ----------------------------------------------------------------------------------------------------

def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def output_size_explorer(size: int = 5, kernel_size: int = 3, stride: int = 1, padding: int = 0, *,
                         max_size: int = 12) -> Explorer:
    """Sliders for image size, kernel size, stride and padding; the output-size formula filled in (lesson 2).

    Parameters
    ----------
    size, kernel_size, stride, padding : int
        Starting values (square image H = W, square kernel).
    max_size : int
        Largest image side offered.

    Returns
    -------
    Explorer
        ``controls["size"]``, ``controls["kernel"]``, ``controls["stride"]``, ``controls["padding"]``
        (IntSliders); ``state`` holds ``h_out`` (None when the kernel does not fit), ``quotient``
        ((H + 2P - k) / S, k the kernel's side), ``whole``, ``skipped`` (rows/columns of the padded input
        no window reaches) and ``fits``; the summary reads "H_out = (5 + 2*0 - 3) // 1 + 1 = 3 ...". Settings that make no
        output are explained in words, never raised.
    """
    common = dict(continuous_update=True, style=LABEL_STYLE)
    controls = {
        "size": widgets.IntSlider(value=size, min=1, max=max_size, description="image size H", **common),
        "kernel": widgets.IntSlider(value=kernel_size, min=1, max=7, description="kernel size k", **common),
        "stride": widgets.IntSlider(value=stride, min=1, max=4, description="stride S", **common),
        "padding": widgets.IntSlider(value=padding, min=0, max=3, description="padding P", **common),
    }

    def draw(values, explorer):
        h, k, s, p = (int(values[name]) for name in ("size", "kernel", "stride", "padding"))
        span = h + 2 * p - k
        h_out = conv_output_size(h, k, s, p) if span >= 0 else None
        update_output_size_plot(fig, h, k, s, p, h_out=h_out)
        state = {"size": h, "kernel": k, "stride": s, "padding": p, "span": span}
        if span < 0:
            state.update(fits=False, h_out=None, quotient=span / s, whole=False, skipped=0)
            text = (f"<p><b>H_out = ({h} + 2*{p} - {k}) // {s} + 1: no output.</b> The kernel is {k} wide but "
                    f"the padded image is only H + 2P = {h + 2 * p}: the window does not fit even once, so "
                    f"there is nothing to compute (<code>conv2d</code> raises a ValueError that says so). "
                    f"Use a smaller kernel or more padding.</p>")
            return text, state
        reached = (h_out - 1) * s + k
        skipped = h + 2 * p - reached
        whole = span % s == 0
        state.update(fits=True, h_out=h_out, quotient=span / s, whole=whole, skipped=skipped)
        text = f"<p><b>H_out = ({h} + 2*{p} - {k}) // {s} + 1 = {span // s} + 1 = {h_out}</b>, so the output " \
               f"is {h_out} x {h_out}.</p>"
        if whole:
            text += (f"<p>(H + 2P - k) / S = {span} / {s} = {span // s} is whole: the last window ends exactly at "
                     f"the border.")
        else:
            pad_rows = min(skipped, p)
            image_rows = skipped - pad_rows
            what = []
            if image_rows:
                what.append(f"{image_rows} of real pixels")
            if pad_rows:
                what.append(f"{pad_rows} of padding zeros")
            text += (f"<p>(H + 2P - k) / S = {span} / {s} = {span / s:.3g} is not whole. The floor // drops the "
                     f"fraction: a window that would stick out past the border is not computed. Never under "
                     f"any window: the last {_plural(skipped, 'row')} and {_plural(skipped, 'column')} of the "
                     f"padded input ({' and '.join(what)}).")
        if s == 1 and h_out == h:
            text += " Same size as the input: this padding, P = (k - 1) / 2, is called 'same' padding."
        elif s == 1 and k % 2 == 0:
            text += (f" No padding keeps this size: 'same' padding needs P = (k - 1) / 2 = {(k - 1) / 2:g}, "
                     f"which is not whole for an even kernel size k = {k}.")
        text += "</p>"
        return text, state

    fig = output_size_plot(size, kernel_size, stride, padding, figsize=(4.6, 4.6))
    return make_explorer(controls, draw, figure=fig)


# ----------------------------------------------------------------------------------------------------
# Convolution versus cross-correlation
# ----------------------------------------------------------------------------------------------------

def flip_explorer(image=None, *, kernel: str = "vertical edge (the worked K)", flip: bool = False) -> Explorer:
    """A kernel menu and a "flip K" toggle: cross-correlation with (flipped) K beside true convolution (lesson 2).

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Default :func:`cnnmath.seed_image`.
    kernel : str
        Starting kernel, a key of :data:`FLIP_KERNELS`.
    flip : bool
        Start with the kernel flipped.

    Returns
    -------
    Explorer
        ``controls["kernel"]`` (Dropdown of :data:`FLIP_KERNELS`) and ``controls["flip"]`` (ToggleButton
        "flip K"); ``state`` holds ``kernel``, ``flip``, ``correlation`` (``conv2d`` with K, or flipped K),
        ``convolution`` (``convolve2d`` with K), ``equal`` and ``symmetric`` (K is unchanged by a 180-degree
        turn); the summary reads
        "conv2d(I, K)[0, 0] = -6 but convolve2d(I, K)[0, 0] = 6" or "... equals ... at every position".
    """
    I = seed_image() if image is None else np.array(image, dtype=float)
    if kernel not in FLIP_KERNELS:
        raise ValueError(f"kernel is {kernel!r} but needs one of {list(FLIP_KERNELS)}")
    controls = {
        "kernel": widgets.Dropdown(options=list(FLIP_KERNELS), value=kernel, description="kernel K",
                                   style=LABEL_STYLE),
        "flip": widgets.ToggleButton(value=bool(flip), description="flip K",
                                     tooltip="flip the kernel in both directions before cross-correlating",
                                     icon="exchange"),
    }

    def draw(values, explorer):
        K = np.array(FLIP_KERNELS[values["kernel"]], dtype=float)
        flipped = bool(values["flip"])
        used = K[::-1, ::-1] if flipped else K
        corr = conv2d(I, used)
        conv = convolve2d(I, K)
        equal = bool(np.allclose(corr, conv))
        symmetric = bool(np.array_equal(K, K[::-1, ::-1]))
        update_flip_plot(fig, K, flipped, corr, conv)
        a, b = format_number(corr[0, 0]), format_number(conv[0, 0])
        name = "flip(K)" if flipped else "K"
        if flipped:
            text = (f"<p><b>conv2d(I, flip(K)) equals convolve2d(I, K) at every position: output[0, 0] = {a} "
                    f"in both.</b> Flipping the kernel turns cross-correlation into convolution.</p>"
                    f"<p>A network learns its kernel from data. Had it been built with true convolution, it "
                    f"would simply learn the flipped kernel and compute exactly the same outputs, which is "
                    f"why deep-learning libraries skip the flip and still call it convolution.</p>")
        elif equal:
            text = (f"<p><b>conv2d(I, K) equals convolve2d(I, K) here: output[0, 0] = {a} in both.</b> This "
                    f"kernel is unchanged by a 180-degree turn, so flipping it changes nothing.</p>")
        else:
            text = (f"<p><b>conv2d(I, {name})[0, 0] = {a} but convolve2d(I, K)[0, 0] = {b}: they differ.</b> "
                    f"Both multiply the same window of pixels by the nine weights; cross-correlation (the "
                    f"lessons' formula) lays K on it as written, convolution first turns K by 180 degrees, so "
                    f"each pixel meets a different weight. Press <i>flip K</i> to see them agree.</p>")
        state = {"kernel": K, "flip": flipped, "correlation": corr, "convolution": conv, "equal": equal,
                 "symmetric": symmetric}
        return text, state

    fig = flip_plot(I, FLIP_KERNELS[kernel], flip, correlation=np.zeros((1, 1)), convolution=np.zeros((1, 1)),
                    figsize=(11, 3.0))
    return make_explorer(controls, draw, figure=fig)
