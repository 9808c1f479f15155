"""Explorers for lesson 4 (``04_pooling.ipynb``): step through pooling, test shifts, follow the gradient.

Each explorer is built with :func:`make_explorer`, returns an :class:`Explorer` and never displays itself.
Its ``summary`` states the result in words (the browser test reads it); its ``state`` holds the numbers.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ...data import pool_example_inputs, shift_test_strip
from ...pooling import pool_gradient_step, pool_output_size, pool_step, pooled_by_mode, relative_l2_change
from ..plots.common import format_number
from ..plots.lesson04 import (pool_gradient_plot, pool_shift_compare_plot, pool_step_plot, update_pool_gradient_plot,
                              update_pool_shift_compare_plot, update_pool_step_plot)
from .common import LABEL_STYLE, make_explorer

__all__ = ["pooling_explorer", "pool_shift_explorer", "pool_gradient_explorer"]


def _cells(values):
    return ", ".join(format_number(v) for v in np.ravel(values))


def _span(start, size):
    return f"{start}" if size == 1 else f"{start}-{start + size - 1}"


def _size_sentence(h, w, size, stride, h_out, w_out):
    text = (f"Output size: ({h} - {size}) // {stride} + 1 = {h_out} rows and "
            f"({w} - {size}) // {stride} + 1 = {w_out} columns.")
    used_h, used_w = (h_out - 1) * stride + size, (w_out - 1) * stride + size
    if used_h < h or used_w < w:
        text += (f" No window reads the last {h - used_h} row(s) and {w - used_w} column(s) (hatched): "
                 f"the floor drops what is left over.")
    if stride < size:
        text += f" The windows overlap (stride {stride} &lt; size {size}): neighbours share entries."
    return text


def _window_count(x, size, stride):
    """How many windows fit (the position slider's range), or 1 when none does (draw explains why)."""
    try:
        return pool_output_size(x.shape[0], size, stride) * pool_output_size(x.shape[1], size, stride)
    except (ValueError, TypeError):
        return 1


def pooling_explorer(x=None, size=2, stride=2, mode="max", position=0, interval=1000):
    """Step a pooling window over a feature map: the window, its values, its maximum or mean (lesson 4).

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        A map of your own; default: the choices of :func:`cnnmath.pool_example_inputs` (a dropdown).
    size, stride : int
        Starting window side (1..5) and stride (1..4).
    mode : {"max", "average"}
    position : int
        Starting window number (reading order).
    interval : int
        Milliseconds between steps when Play runs.

    Returns
    -------
    Explorer
        Controls ``input`` (when ``x`` is None), ``mode`` (ToggleButtons), ``size``, ``stride``,
        ``position`` (IntSliders) and ``play`` (Play, linked to ``position``). ``state`` holds
        ``window`` (i, j), ``values``, ``value`` (the output entry), ``argmax`` (input position of the
        first maximum, max mode), ``output`` (the whole pooled map), ``output_shape`` and ``step`` (the
        :class:`cnnmath.PoolStep` drawn).
    """
    inputs = pool_example_inputs() if x is None else {"your map": np.asarray(x, dtype=float)}
    first_name = "4x4 example" if x is None else "your map"
    n = _window_count(inputs[first_name], size, stride)
    start = int(min(max(int(position), 0), n - 1))
    controls = {}
    if x is None:
        controls["input"] = widgets.Dropdown(options=list(inputs), value=first_name,
                                             description="Input", style=LABEL_STYLE)
    controls["mode"] = widgets.ToggleButtons(options=[("max", "max"), ("average", "average")], value=mode,
                                             description="Pooling",
                                             style={**LABEL_STYLE, "button_width": "80px"})
    controls["size"] = widgets.IntSlider(value=size, min=1, max=5, description="Window size", style=LABEL_STYLE,
                                         continuous_update=False)
    controls["stride"] = widgets.IntSlider(value=stride, min=1, max=4, description="Stride", style=LABEL_STYLE,
                                           continuous_update=False)
    controls["position"] = widgets.IntSlider(value=start, min=0, max=n - 1, description="Window #",
                                             style=LABEL_STYLE)
    controls["play"] = widgets.Play(value=start, min=0, max=n - 1, interval=interval, description="Play",
                                    tooltip="step the window through every position")
    widgets.link((controls["play"], "value"), (controls["position"], "value"))
    widgets.link((controls["position"], "max"), (controls["play"], "max"))

    def current_map(values):
        return inputs[values.get("input", "your map")]

    def sync(name):
        if name == "position":
            return
        values = {key: c.value for key, c in controls.items()}
        count = _window_count(current_map(values), values["size"], values["stride"])
        controls["position"].max = count - 1  # clamps the value too; this sync's changes do not redraw
        if controls["position"].value > count - 1:
            controls["position"].value = count - 1

    def draw(values, explorer):
        xm = current_map(values)
        step = pool_step(xm, values["size"], values["stride"], values["position"], values["mode"])  # once
        update_pool_step_plot(fig, step)
        (i, j), (r0, c0), size, stride = step.index, step.corner, step.size, step.stride
        h_out, w_out = step.output.shape
        where = (f"output[{i}, {j}] reads rows {_span(r0, size)}, columns {_span(c0, size)} of the input: "
                 f"values {_cells(step.window)}.")
        state = {"window": (i, j), "values": step.window, "value": step.value, "output": step.output,
                 "output_shape": step.output.shape, "mode": step.mode, "position": step.position, "step": step}
        if step.mode == "max":
            r, c = step.switch
            state["argmax"], state["ties"] = (r, c), step.ties
            if step.ties > 1:
                result = (f" Their maximum is {format_number(step.value)}, shared by {step.ties} entries; "
                          f"the first in reading order, input[{r}, {c}], is the one marked (the gradient "
                          f"goes there).")
            else:
                result = f" Their maximum is {format_number(step.value)}, at input[{r}, {c}]."
        else:
            result = (f" Their average is ({' + '.join(format_number(v) for v in step.window.ravel())}) / "
                      f"{step.window.size} = {format_number(step.value)}.")
        text = (f"<b>Pooling window {step.position + 1} of {step.count}</b>: {where}{result} "
                f"So <b>output[{i}, {j}] = {format_number(step.value)}</b>.<br>"
                + _size_sentence(*xm.shape, size, stride, h_out, w_out))
        return text, state

    try:
        first = pool_step(inputs[first_name], size, stride, start, mode)
    except (ValueError, TypeError):  # a starting setting that does not work: the first redraw says why
        first = pool_step(inputs[first_name], 1, 1, 0, "max")
    fig = pool_step_plot(step=first, figsize=(7, 3.3))
    explorer = make_explorer(controls, draw, figure=fig, sync=sync)
    # ipywidgets draws Play as three bare icon buttons with no label: put a visible one beside it.
    play_row = widgets.HBox([widgets.Label("Animate the window:"), controls["play"]])
    box = explorer.children[0]
    box.children = tuple(play_row if c is controls["play"] else c for c in box.children)
    return explorer


def pool_shift_explorer(image=None, top=150, left=150, side=112, shift=1, size=2, mode="max", max_shift=4):
    """Shift a feature map by a few pixels; measure how much it changes before and after pooling (lesson 4).

    The feature map is ``relu(conv2d(crop, vertical edge))`` of a crop of the photo; shifting the crop by
    s pixels shifts the map by s pixels (convolution commutes with shifts), so the shifted map is read
    from one wide edge map (:func:`cnnmath.shift_test_strip`), s columns further right.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Default: the course photo, normalised to [0, 1].
    top, left, side : int
        Where the ``side x side`` feature map starts in the image.
    shift, size : int
        Starting shift (0..max_shift pixels) and window (= stride, 1..4).
    mode : {"max", "average", "subsample"}
        "subsample" keeps each window's top-left entry: the same output size as pooling, without pooling.
    max_shift : int

    Returns
    -------
    Explorer
        Controls ``shift``, ``size`` (IntSliders), ``mode`` (ToggleButtons). ``state`` holds
        ``unpooled`` and ``pooled`` (relative L2 changes), ``before``, ``after``, ``pooled_before``,
        ``pooled_after`` and ``pooled_shape``.
    """
    strip = shift_test_strip(image, top=top, left=left, side=side, max_shift=max_shift)
    controls = {
        "shift": widgets.IntSlider(value=shift, min=0, max=max_shift, description="Shift (px)",
                                   style=LABEL_STYLE, continuous_update=False),
        "size": widgets.IntSlider(value=size, min=1, max=4, description="Window = stride", style=LABEL_STYLE,
                                  continuous_update=False),
        "mode": widgets.ToggleButtons(options=[("max", "max"), ("average", "average"),
                                               ("skip pixels", "subsample")],
                                      value=mode, description="Reduce by",
                                      style={**LABEL_STYLE, "button_width": "90px"}),
    }

    def draw(values, explorer):
        s, k, m = values["shift"], values["size"], values["mode"]
        before, after = strip[:, :side], strip[:, s:s + side]
        pb, pa = pooled_by_mode(before, k, k, m), pooled_by_mode(after, k, k, m)
        ch_map, ch_pool = relative_l2_change(before, after), relative_l2_change(pb, pa)
        update_pool_shift_compare_plot(fig, before, after, pb, pa, ch_map, ch_pool, k, k, m)
        how = {"max": f"max pooling {k}x{k}", "average": f"average pooling {k}x{k}",
               "subsample": f"keeping the top-left pixel of each {k}x{k} window (no pooling)"}[m]
        if k == 1:
            how = "a 1x1 window (no pooling at all)"
        text = (f"<b>Shift of {s} pixel{'s' if s != 1 else ''}</b>: the {side}x{side} edge map changes by "
                f"<b>{ch_map:.2f}</b> (relative L2 change, ||after - before|| / ||before||); after {how}, "
                f"stride {k} ({pb.shape[0]}x{pb.shape[1]}), the change is <b>{ch_pool:.2f}</b>")
        if s and ch_map > 0:
            ratio = ch_pool / ch_map
            text += (f", {(1 - ratio) * 100:.0f}% smaller." if ratio < 1 else
                     f", {(ratio - 1) * 100:.0f}% larger." if ratio > 1 else ", the same.")
        else:
            text += "."
        return text, {"unpooled": ch_map, "pooled": ch_pool, "before": before, "after": after,
                      "pooled_before": pb, "pooled_after": pa, "pooled_shape": pb.shape}

    fig = pool_shift_compare_plot(strip[:, :side], strip[:, :side], 2, 2, "max", figsize=(6, 5.2),
                                  changes=(0.0, 0.0))  # the first redraw shows the real setting
    return make_explorer(controls, draw, figure=fig)


def pool_gradient_explorer(input_name="4x4 example", size=2, stride=2, rule="first"):
    """Where max pooling sends each upstream gradient, with overlapping windows and ties (lesson 4).

    The upstream gradient is ``dout = 1, 2, 3, ...`` in reading order, so each number in dx says which
    windows it came from.

    Parameters
    ----------
    input_name : str
        A key of :func:`cnnmath.pool_example_inputs`.
    size, stride : int
        Window (1..3) and stride (1..3).
    rule : {"first", "split", "mask"}
        "first": the package's rule (each window's gradient to its first maximum); "split": equal shares
        for tied maxima (also valid); "mask": the equality-mask mistake (copied to every tied maximum).

    Returns
    -------
    Explorer
        Controls ``input`` (Dropdown), ``size``, ``stride`` (IntSliders), ``rule`` (ToggleButtons).
        ``state`` holds ``dout``, ``dx``, ``routes``, ``dout_sum``, ``dx_sum``, ``collectors`` (input
        positions that receive more than one gradient, with the gradients) and ``grad`` (the
        :class:`cnnmath.pooling.PoolGradientStep` drawn).
    """
    inputs = {name: m for name, m in pool_example_inputs().items() if m.shape == (4, 4)}
    controls = {
        "input": widgets.Dropdown(options=list(inputs), value=input_name, description="Input",
                                  style=LABEL_STYLE),
        "size": widgets.IntSlider(value=size, min=1, max=3, description="Window size", style=LABEL_STYLE,
                                  continuous_update=False),
        "stride": widgets.IntSlider(value=stride, min=1, max=3, description="Stride", style=LABEL_STYLE,
                                    continuous_update=False),
        "rule": widgets.ToggleButtons(options=[("first maximum", "first"), ("split equally", "split"),
                                               ("equality mask (wrong)", "mask")],
                                      value=rule, description="Tie rule",
                                      style={**LABEL_STYLE, "button_width": "190px"}),
    }

    def draw(values, explorer):
        grad = pool_gradient_step(inputs[values["input"]], None, values["size"], values["stride"],
                                  values["rule"])  # the one computation: routes, dout, dx, what each receives
        update_pool_gradient_plot(fig, grad)
        dout, routes, rule = grad.dout, grad.routes, grad.rule
        n = dout.size
        collectors = grad.collectors
        rule_name = {"first": "first maximum", "split": "split equally", "mask": "equality mask"}[rule]
        text = (f"<b>Gradient routing</b> ({rule_name}): "
                f"dout = 1..{n} sums to <b>{format_number(dout.sum())}</b>, "
                f"dx sums to <b>{format_number(grad.dx.sum())}</b>.")
        routes_text = "; ".join(f"dout[{i}, {j}] = {format_number(dout[i, j])} \u2192 "
                                + ", ".join(f"input[{r}, {c}]" for r, c in targets)
                                for (i, j), targets in routes[:9])
        text += f"<br>Routes: {routes_text}{' ...' if len(routes) > 9 else ''}.<br>"
        if collectors:
            parts = [f"input[{r}, {c}] collects {len(v)} gradients: "
                     f"{' + '.join(format_number(g) for g in v)} = {format_number(sum(v))}"
                     for (r, c), v in sorted(collectors.items())[:3]]
            text += " " + "; ".join(parts) + (" ..." if len(collectors) > 3 else "") + "."
        if rule == "mask" and grad.ties:
            text += (" The mask copied a gradient: " + "; ".join(
                f"window ({i}, {j}) to {t} tied entries" for (i, j), t in grad.ties[:3])
                + (" ..." if len(grad.ties) > 3 else "") + ", so dx holds more gradient than dout sent.")
        elif rule == "split" and grad.ties:
            text += (" Ties shared: " + "; ".join(f"window ({i}, {j}) gives 1/{t} of its gradient to each of "
                                                  f"its {t} equal maxima" for (i, j), t in grad.ties[:3])
                     + (" ..." if len(grad.ties) > 3 else "") + ", so dx still sums to what dout sent.")
        elif rule == "first" and grad.ties:
            text += (" Ties: " + "; ".join(f"window ({i}, {j}) has {t} equal maxima"
                                           for (i, j), t in grad.ties[:3])
                     + " - each still sends its gradient to one entry only, the first in reading order"
                       " (the package's convention; splitting it equally is valid too).")
        return text, {"dout": dout, "dx": grad.dx, "routes": routes, "dout_sum": float(dout.sum()),
                      "dx_sum": float(grad.dx.sum()), "collectors": collectors, "grad": grad}

    fig = pool_gradient_plot(grad=pool_gradient_step(inputs["4x4 example"]), figsize=(10, 3.4), legend=False)
    return make_explorer(controls, draw, figure=fig)
