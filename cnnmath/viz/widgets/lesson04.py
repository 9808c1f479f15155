"""Explorers for lesson 4 (``04_pooling.ipynb``): step through pooling, test shifts, follow the gradient.

Each explorer is built with :func:`make_explorer`, returns an :class:`Explorer` and never displays itself.
Its ``summary`` states the result in words (the browser test reads it); its ``state`` holds the numbers.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ...activations import relu
from ...conv import conv2d
from ...data import load_photo, pool_example_inputs
from ...kernels import get_kernel
from ...pooling import (avg_pool2d, max_pool2d, max_pool2d_switches, pool_gradient_dx, pool_output_size,
                        pool_routes, pooled_by_mode, relative_l2_change)
from ..plots.alt_text import describe_figure, display_png
from ..plots.common import format_number
from ..plots.lesson04 import pool_gradient_plot, pool_shift_compare_plot, pool_step_plot
from .common import make_explorer

__all__ = ["pooling_explorer", "pool_shift_explorer", "pool_gradient_explorer"]

DPI = 80  # small figures at a modest dpi keep each redraw cheap
LABEL = {"description_width": "initial"}  # show each control's whole label


class _Pictures:
    """Draw an explorer's figure into its Output, remembering the last few renders by their settings.

    ``plt.show()`` under the inline backend renders with ``bbox_inches="tight"``, which lays the figure out
    a second time; these figures are laid out to fit, so one plain render at :data:`DPI` is enough (about
    a third cheaper). Going back to a setting seen before (stepping back and forth, Play on repeat) shows
    the remembered PNG at once.
    """

    def __init__(self, keep=64):
        self.keep = keep
        self.png: dict = {}

    def show(self, key, make_figure):
        png = self.png.pop(key, None)
        if png is None:
            fig = make_figure()
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})  # fast to encode
            png = (buf.getvalue(), describe_figure(fig))  # the picture and its text alternative
            plt.close(fig)
            if len(self.png) >= self.keep:
                self.png.pop(next(iter(self.png)))  # forget the oldest
        self.png[key] = png  # most recent last
        display_png(*png)


def _cells(values):
    return ", ".join(format_number(v) for v in np.ravel(values))


def _span(start, size):
    return f"{start}" if size == 1 else f"{start}-{start + size - 1}"


def _size_sentence(h, w, size, stride):
    h_out, w_out = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    text = (f"Output size: ({h} - {size}) // {stride} + 1 = {h_out} rows and "
            f"({w} - {size}) // {stride} + 1 = {w_out} columns.")
    used_h, used_w = (h_out - 1) * stride + size, (w_out - 1) * stride + size
    if used_h < h or used_w < w:
        text += (f" No window reads the last {h - used_h} row(s) and {w - used_w} column(s) (hatched): "
                 f"the floor drops what is left over.")
    if stride < size:
        text += f" The windows overlap (stride {stride} &lt; size {size}): neighbours share entries."
    return text


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
        first maximum, max mode), ``output`` (the whole pooled map) and ``output_shape``.
    """
    inputs = pool_example_inputs() if x is None else {"your map": np.asarray(x, dtype=float)}
    controls = {}
    if x is None:
        controls["input"] = widgets.Dropdown(options=list(inputs), value="4x4 example",
                                             description="Input", style=LABEL)
    controls["mode"] = widgets.ToggleButtons(options=[("max", "max"), ("average", "average")], value=mode,
                                             description="Pooling",
                                             style={**LABEL, "button_width": "80px"})
    controls["size"] = widgets.IntSlider(value=size, min=1, max=5, description="Window size", style=LABEL,
                                         continuous_update=False)
    controls["stride"] = widgets.IntSlider(value=stride, min=1, max=4, description="Stride", style=LABEL,
                                           continuous_update=False)
    controls["position"] = widgets.IntSlider(value=0, min=0, max=0, description="Window #", style=LABEL)
    controls["play"] = widgets.Play(value=0, min=0, max=0, interval=interval, description="Play",
                                    tooltip="step the window through every position")
    widgets.link((controls["play"], "value"), (controls["position"], "value"))
    widgets.link((controls["position"], "max"), (controls["play"], "max"))

    pictures = _Pictures()

    def current_map(values):
        return inputs[values.get("input", "your map")]

    def draw(values, explorer):
        xm = current_map(values)
        size, stride, mode = values["size"], values["stride"], values["mode"]
        out = max_pool2d(xm, size, stride) if mode == "max" else avg_pool2d(xm, size, stride)
        h_out, w_out = out.shape
        k = values["position"]
        i, j = divmod(k, w_out)
        r0, c0 = i * stride, j * stride
        win = xm[r0:r0 + size, c0:c0 + size]
        pictures.show((values.get("input"), size, stride, k, mode),
                      lambda: pool_step_plot(xm, size, stride, k, mode, figsize=(7, 3.3), dpi=DPI))
        where = (f"output[{i}, {j}] reads rows {_span(r0, size)}, columns {_span(c0, size)} of the input: "
                 f"values {_cells(win)}.")
        state = {"window": (i, j), "values": win.copy(), "value": float(out[i, j]), "output": out,
                 "output_shape": out.shape, "mode": mode, "position": k}
        if mode == "max":
            rows, cols = max_pool2d_switches(xm, size, stride)
            r, c = int(rows[i, j]), int(cols[i, j])
            ties = int(np.count_nonzero(win == win.max()))
            state["argmax"], state["ties"] = (r, c), ties
            if ties > 1:
                result = (f" Their maximum is {format_number(out[i, j])}, shared by {ties} entries; "
                          f"the first in reading order, input[{r}, {c}], is the one marked (the gradient "
                          f"goes there).")
            else:
                result = f" Their maximum is {format_number(out[i, j])}, at input[{r}, {c}]."
        else:
            result = (f" Their average is ({' + '.join(format_number(v) for v in win.ravel())}) / {win.size}"
                      f" = {format_number(out[i, j])}.")
        text = (f"<b>Pooling window {k + 1} of {h_out * w_out}</b>: {where}{result} "
                f"So <b>output[{i}, {j}] = {format_number(out[i, j])}</b>.<br>"
                + _size_sentence(*xm.shape, size, stride))
        return text, state

    explorer = make_explorer(controls, draw, observe=False)
    # ipywidgets draws Play as three bare icon buttons with no label: put a visible one beside it.
    play_row = widgets.HBox([widgets.Label("Animate the window:"), controls["play"]])
    box = explorer.children[0]
    box.children = tuple(play_row if c is controls["play"] else c for c in box.children)
    busy = {"on": False}

    def on_position(_):
        if not busy["on"]:
            explorer.refresh()

    def on_setting(_):
        values = {name: c.value for name, c in controls.items()}
        xm = current_map(values)
        try:
            n = pool_output_size(xm.shape[0], values["size"], values["stride"]) * \
                pool_output_size(xm.shape[1], values["size"], values["stride"])
        except ValueError:
            n = 1  # the window does not fit; draw() explains it in words
        busy["on"] = True  # changing max may clamp value: one redraw, below, is enough
        try:
            controls["position"].max = n - 1
            if controls["position"].value > n - 1:
                controls["position"].value = n - 1
        finally:
            busy["on"] = False
        explorer.refresh()

    controls["position"].observe(on_position, names="value")
    for name in ("input", "mode", "size", "stride"):
        if name in controls:
            controls[name].observe(on_setting, names="value")
    on_setting(None)
    if position:
        controls["position"].value = min(int(position), controls["position"].max)
    return explorer


def _shift_maps(image, top, left, side, max_shift):
    """Edge map of a photo crop wide enough to be shifted by up to ``max_shift`` pixels."""
    crop = image[top:top + side + 2, left:left + side + 2 + max_shift]
    return relu(conv2d(crop, get_kernel("vertical edge")))


def pool_shift_explorer(image=None, top=150, left=150, side=112, shift=1, size=2, mode="max", max_shift=4):
    """Shift a feature map by a few pixels; measure how much it changes before and after pooling (lesson 4).

    The feature map is ``relu(conv2d(crop, vertical edge))`` of a crop of the photo; shifting the crop by
    s pixels shifts the map by s pixels (convolution commutes with shifts), so the shifted map is read
    from the same wide edge map, s columns further right.

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
        ``unpooled`` and ``pooled`` (relative L2 changes), ``before``, ``after``.
    """
    image = load_photo(normalize=True) if image is None else np.asarray(image, dtype=float)
    wide = _shift_maps(image, top, left, side, max_shift)
    pictures = _Pictures()
    controls = {
        "shift": widgets.IntSlider(value=shift, min=0, max=max_shift, description="Shift (px)",
                                   style=LABEL, continuous_update=False),
        "size": widgets.IntSlider(value=size, min=1, max=4, description="Window = stride", style=LABEL,
                                  continuous_update=False),
        "mode": widgets.ToggleButtons(options=[("max", "max"), ("average", "average"),
                                               ("skip pixels", "subsample")],
                                      value=mode, description="Reduce by",
                                      style={**LABEL, "button_width": "90px"}),
    }

    def draw(values, explorer):
        s, k, m = values["shift"], values["size"], values["mode"]
        before, after = wide[:, :side], wide[:, s:s + side]
        pictures.show((s, k, m), lambda: pool_shift_compare_plot(before, after, k, k, m, figsize=(6, 5.2),
                                                                 dpi=DPI))
        ch_map = relative_l2_change(before, after)
        pb, pa = pooled_by_mode(before, k, k, m), pooled_by_mode(after, k, k, m)
        ch_pool = relative_l2_change(pb, pa)
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
                      "pooled_shape": pb.shape}

    return make_explorer(controls, draw)


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
        ``state`` holds ``dout``, ``dx``, ``routes``, ``dout_sum``, ``dx_sum`` and ``collectors`` (input
        positions that receive more than one gradient).
    """
    inputs = {name: m for name, m in pool_example_inputs().items() if m.shape == (4, 4)}
    pictures = _Pictures()
    controls = {
        "input": widgets.Dropdown(options=list(inputs), value=input_name, description="Input", style=LABEL),
        "size": widgets.IntSlider(value=size, min=1, max=3, description="Window size", style=LABEL,
                                  continuous_update=False),
        "stride": widgets.IntSlider(value=stride, min=1, max=3, description="Stride", style=LABEL,
                                    continuous_update=False),
        "rule": widgets.ToggleButtons(options=[("first maximum", "first"), ("split equally", "split"),
                                               ("equality mask (wrong)", "mask")],
                                      value=rule, description="Tie rule",
                                      style={**LABEL, "button_width": "190px"}),
    }

    def draw(values, explorer):
        xm = inputs[values["input"]]
        size, stride, rule = values["size"], values["stride"], values["rule"]
        h_out = pool_output_size(xm.shape[0], size, stride)
        w_out = pool_output_size(xm.shape[1], size, stride)
        dout = np.arange(1, h_out * w_out + 1, dtype=float).reshape(h_out, w_out)
        pictures.show((values["input"], size, stride, rule),
                      lambda: pool_gradient_plot(xm, dout, size, stride, rule, figsize=(10, 3.4), dpi=DPI,
                                                 legend=False))
        routes = pool_routes(xm, size, stride, rule)
        dx = pool_gradient_dx(xm, dout, size, stride, rule)
        senders: dict = {}
        for (i, j), targets in routes:
            for r, c in targets:
                senders.setdefault((r, c), []).append(dout[i, j] / len(targets) if rule == "split"
                                                      else dout[i, j])
        collectors = {pos: vals for pos, vals in senders.items() if len(vals) > 1}
        shared = [(ij, len(t)) for ij, t in routes if len(t) > 1]
        copied = shared if rule == "mask" else []
        rule_name = {"first": "first maximum", "split": "split equally", "mask": "equality mask"}[rule]
        text = (f"<b>Gradient routing</b> ({rule_name}): "
                f"dout = 1..{h_out * w_out} sums to <b>{format_number(dout.sum())}</b>, "
                f"dx sums to <b>{format_number(dx.sum())}</b>.")
        routes_text = "; ".join(f"dout[{i}, {j}] = {format_number(dout[i, j])} \u2192 "
                                + ", ".join(f"input[{r}, {c}]" for r, c in targets)
                                for (i, j), targets in routes[:9])
        text += f"<br>Routes: {routes_text}{' ...' if len(routes) > 9 else ''}.<br>"
        if collectors:
            parts = [f"input[{r}, {c}] collects {len(v)} gradients: "
                     f"{' + '.join(format_number(g) for g in v)} = {format_number(sum(v))}"
                     for (r, c), v in sorted(collectors.items())[:3]]
            text += " " + "; ".join(parts) + (" ..." if len(collectors) > 3 else "") + "."
        if copied:
            text += (" The mask copied a gradient: " + "; ".join(
                f"window ({i}, {j}) to {n} tied entries" for (i, j), n in copied[:3])
                + (" ..." if len(copied) > 3 else "") + ", so dx holds more gradient than dout sent.")
        elif rule == "split" and shared:
            text += (" Ties shared: " + "; ".join(f"window ({i}, {j}) gives 1/{n} of its gradient to each of "
                                                  f"its {n} equal maxima" for (i, j), n in shared[:3])
                     + (" ..." if len(shared) > 3 else "") + ", so dx still sums to what dout sent.")
        elif rule == "first":
            ties = [(ij, len(t)) for ij, t in pool_routes(xm, size, stride, "split") if len(t) > 1]
            if ties:
                text += (" Ties: " + "; ".join(f"window ({i}, {j}) has {n} equal maxima"
                                               for (i, j), n in ties[:3])
                         + " - each still sends its gradient to one entry only, the first in reading order"
                           " (the package's convention; splitting it equally is valid too).")
        return text, {"dout": dout, "dx": dx, "routes": routes, "dout_sum": float(dout.sum()),
                      "dx_sum": float(dx.sum()), "collectors": collectors}

    return make_explorer(controls, draw)
