"""Explorers of lesson 5 (``05_feature_maps.ipynb``): a bank of up to four 3x3 filters on the photo, and
the receptive field of a stack of layers. Each binds labelled controls to a plot of
``viz/plots/lesson05.py`` and states its numbers in the summary.
"""

from __future__ import annotations

import re

import ipywidgets as widgets
import numpy as np

from ...checks.common import typed_number  # the exercises' reading rule, for typed numbers too
from ...conv import conv2d_forward
from ...data import small_photo
from ...kernels import KERNEL_NAMES, get_kernel
from ...receptive import receptive_field_regions, receptive_field_steps
from ..plots.lesson05 import bank_maps_plot, receptive_field_plot, update_bank_maps_plot, update_receptive_field_plot
from .common import LABEL_STYLE, Explorer, make_explorer

__all__ = ["filter_bank_explorer", "receptive_field_explorer", "parse_kernel_text",
           "CUSTOM_FILTER", "MAX_FILTERS"]

#: The dropdown entry that means "use the numbers typed in the text box".
CUSTOM_FILTER = "custom (type 9 numbers)"
#: How many filters the bank explorer offers at most.
MAX_FILTERS = 4
_DEFAULT_PRESETS = ("vertical edge", "horizontal edge", "diagonal edge", "sharpen")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_kernel_text(text, name="the numbers"):
    """Read a 3x3 kernel from text: 9 numbers row by row, separated by spaces, commas or semicolons.

    Fractions such as ``1/9`` are accepted too.

    Returns
    -------
    ndarray, shape (3, 3)

    Raises
    ------
    ValueError
        Not exactly 9 numbers, or something that is not a number.
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} is {type(text).__name__} but needs text such as '1 0 -1 1 0 -1 1 0 -1'")
    tokens = [t for t in re.split(r"[\s,;\[\]()]+", text.strip()) if t]
    values = []
    for token in tokens:
        parts = token.split("/")
        if len(parts) > 2 or not all(_NUMBER.match(p) for p in parts):
            raise ValueError(f"{name}: {token!r} is not a number (write numbers such as 1, -0.5 or 1/9)")
        if len(parts) == 2 and float(parts[1]) == 0:
            raise ValueError(f"{name}: {token!r} divides by zero, which is not a finite number")
        value = float(parts[0]) / float(parts[1]) if len(parts) == 2 else float(parts[0])
        if not np.isfinite(value):
            raise ValueError(f"{name}: {token!r} is not a finite number")
        value = typed_number(value, f"{name}: {token!r}")
        values.append(value)
    if len(values) != 9:
        raise ValueError(f"{name}: found {len(values)} number(s) but a 3x3 filter needs 9, row by row")
    return np.array(values, dtype=np.float64).reshape(3, 3)


def _kernel_text(kernel):
    return " ".join(f"{v:.4g}" if v != round(v) else str(int(round(v))) for v in np.ravel(kernel))


def _stat(v):
    text = f"{v:.3f}"
    return "0.000" if text == "-0.000" else text


def filter_bank_explorer(image=None, *, presets=_DEFAULT_PRESETS, n_filters: int = 3) -> Explorer:
    """Up to four 3x3 filters, chosen from presets or typed in, and the feature maps they make (lesson 5).

    The image goes through ``conv2d_forward`` as a batch of one, ``x`` of shape (1, 1, H, W), with the
    bank ``w`` of shape (F, 1, 3, 3) and zero biases; the maps are the F channels of the output.

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Default :func:`cnnmath.small_photo` (the photo shrunk 5 times, 120x102, values in [0, 1]).
    presets : sequence of 4 str
        Starting dropdown values, names from :data:`cnnmath.KERNEL_NAMES`.
    n_filters : int
        Starting number of filters, 1 .. 4.

    Returns
    -------
    Explorer
        ``controls["filters"]`` (IntSlider "number of filters"), ``controls["preset1"]`` ..
        ``controls["preset4"]`` (Dropdowns of :data:`cnnmath.KERNEL_NAMES` plus :data:`CUSTOM_FILTER`),
        ``controls["numbers1"]`` .. ``controls["numbers4"]`` (Text boxes of 9 numbers; typing in one
        switches its dropdown to custom). ``state`` holds ``kernels`` (F, 3, 3), ``maps`` (F, H_out, W_out),
        ``names`` and ``stats`` (a (min, max, mean) per map); the summary has one line per map, such as
        "filter 1 (vertical edge): min -1.234, max 1.456, mean 0.000".
    """
    img = small_photo() if image is None else np.array(image, dtype=float)
    if img.ndim != 2:
        raise ValueError(f"image has shape {img.shape} but needs a 2-D grayscale image (H, W)")
    presets = list(presets) + list(_DEFAULT_PRESETS[len(presets):])
    options = list(KERNEL_NAMES) + [CUSTOM_FILTER]
    for name in presets[:MAX_FILTERS]:
        if name not in options:
            raise ValueError(f"presets has {name!r} but each needs one of {options}")
    if not 1 <= int(n_filters) <= MAX_FILTERS:
        raise ValueError(f"n_filters is {n_filters} but needs 1 .. {MAX_FILTERS}")
    x = img[None, None]

    controls = {"filters": widgets.IntSlider(value=int(n_filters), min=1, max=MAX_FILTERS, step=1,
                                             description="number of filters", continuous_update=False,
                                             style=LABEL_STYLE)}
    for k in range(1, MAX_FILTERS + 1):
        preset = presets[k - 1]
        controls[f"preset{k}"] = widgets.Dropdown(options=options, value=preset, description=f"filter {k}",
                                                  layout=widgets.Layout(width="250px"),
                                                  style=LABEL_STYLE)
        start = "" if preset == CUSTOM_FILTER else _kernel_text(get_kernel(preset))
        controls[f"numbers{k}"] = widgets.Text(value=start, description=f"filter {k} numbers",
                                               placeholder="9 numbers, row by row", continuous_update=False,
                                               layout=widgets.Layout(width="250px"),
                                               style=LABEL_STYLE)

    def draw(values, explorer):
        count = int(values["filters"])
        kernels, names = [], []
        for k in range(1, count + 1):
            preset = values[f"preset{k}"]
            if preset == CUSTOM_FILTER:
                kernels.append(parse_kernel_text(values[f"numbers{k}"], f"filter {k} numbers"))
                names.append("custom")
            else:
                kernels.append(get_kernel(preset))
                names.append(preset)
        w = np.stack(kernels)[:, None]                       # (F, 1, 3, 3)
        maps = conv2d_forward(x, w, np.zeros(count))[0][0]    # (F, H_out, W_out)
        stats = [(float(m.min()), float(m.max()), float(m.mean())) for m in maps]
        # maps only, on one shared scale: the kernels' numbers are in the text boxes
        update_bank_maps_plot(fig, maps, names, ranges=[(lo, hi) for lo, hi, _ in stats])
        lines = "".join(f"<li><b>filter {f + 1} ({names[f]}): min {_stat(lo)}, max {_stat(hi)}, "
                        f"mean {_stat(mean)}</b></li>" for f, (lo, hi, mean) in enumerate(stats))
        text = (f"<p>Filter bank: {count} filter(s) of 3x3 on a {img.shape[0]}x{img.shape[1]} image give "
                f"output of shape {(1, count) + maps.shape[1:]}, one feature map per filter:</p>"
                f"<ul>{lines}</ul>")
        return text, {"kernels": np.stack(kernels), "maps": maps, "names": names, "stats": stats}

    def show_rows():
        count = controls["filters"].value
        for k in range(1, MAX_FILTERS + 1):
            display = None if k <= count else "none"
            controls[f"preset{k}"].layout.display = display
            controls[f"numbers{k}"].layout.display = display

    def sync(name):
        # the count shows its rows; a preset shows its numbers, ready to be edited; typed numbers make a
        # filter a custom one (these changes do not redraw again)
        if name == "filters":
            show_rows()
        elif name.startswith("preset"):
            k = name[len("preset"):]
            if controls[name].value != CUSTOM_FILTER:
                controls[f"numbers{k}"].value = _kernel_text(get_kernel(controls[name].value))
        elif name.startswith("numbers"):
            controls[f"preset{name[len('numbers'):]}"].value = CUSTOM_FILTER

    # the picture has room for every filter; its size and the photo's map size never change
    blank = np.zeros((MAX_FILTERS, img.shape[0] - 2, img.shape[1] - 2))
    if min(blank.shape[1:]) < 1:
        raise ValueError(f"image has shape {img.shape} but needs at least 3x3 for a 3x3 filter")
    fig = bank_maps_plot(blank[:int(n_filters)], max_maps=MAX_FILTERS)
    explorer = make_explorer(controls, draw, figure=fig, sync=sync)
    # one column per filter (its dropdown above its numbers) reads better than one long wrapped row
    columns = [widgets.VBox([controls[f"preset{k}"], controls[f"numbers{k}"]])
               for k in range(1, MAX_FILTERS + 1)]
    explorer.children = (widgets.VBox([controls["filters"],
                                       widgets.HBox(columns, layout=widgets.Layout(flex_flow="row wrap"))]),
                         ) + tuple(explorer.children[1:])
    show_rows()
    return explorer


def receptive_field_explorer(layers: int = 2, kernel: int = 3, stride: int = 1) -> Explorer:
    """A stack of equal convolution layers and the window of the input one unit of the last one sees
    (lesson 5).

    Parameters
    ----------
    layers : int
        Starting number of layers, 1 .. 4.
    kernel : int
        Starting kernel size, one of 1, 2, 3, 5, 7.
    stride : int
        Starting stride of every layer, 1 or 2.

    Returns
    -------
    Explorer
        ``controls["layers"]`` (IntSlider), ``controls["kernel"]`` and ``controls["stride"]`` (Dropdowns);
        ``state`` holds ``layers`` (the (kernel, stride) list), ``steps`` (receptive field and jump after each
        layer) and ``field``; the summary reads "2 layers of 3x3, stride 1: receptive field 5x5".
    """
    controls = {
        "layers": widgets.IntSlider(value=layers, min=1, max=4, step=1, description="layers",
                                    continuous_update=False),
        "kernel": widgets.Dropdown(options=[("1x1", 1), ("2x2", 2), ("3x3", 3), ("5x5", 5), ("7x7", 7)],
                                   value=kernel, description="kernel size",
                                   style=LABEL_STYLE),
        "stride": widgets.Dropdown(options=[1, 2], value=stride, description="stride"),
    }

    def draw(values, explorer):
        count, k, s = int(values["layers"]), int(values["kernel"]), int(values["stride"])
        stack = [(k, s)] * count
        steps = receptive_field_steps(stack)
        field = steps[-1][0]
        update_receptive_field_plot(fig, stack, regions=receptive_field_regions(stack))
        growth = ", ".join(f"{r}" for r, _ in steps)
        text = (f"<p><b>{count} layer(s) of {k}x{k}, stride {s}: receptive field {field}x{field}</b> "
                f"(after each layer: {growth}; each layer adds (kernel - 1) times the product of the strides "
                f"below it).</p>")
        return text, {"layers": stack, "steps": steps, "field": field}

    fig = receptive_field_plot([(1, 1)], max_layers=controls["layers"].max, figsize=(4.9, 2.9))
    return make_explorer(controls, draw, figure=fig)
