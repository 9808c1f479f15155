"""Explorers of lesson 1 (``01_image_as_matrix.ipynb``): zoom into the photo down to its numbers; mix the
colour channels into grey with your own weights. Each binds labelled controls to a plot of
``viz/plots/lesson01.py`` and states its numbers in the summary.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ...checks.common import typed_number  # the exercises' reading rule, for typed numbers too
from ...data import GRAY_WEIGHTS, load_photo, load_photo_rgb
from ..plots.common import format_number
from ..plots.lesson01 import gray_weights_plot, update_gray_weights_plot, update_zoom_plot, zoom_plot
from .common import LABEL_STYLE, Explorer, make_explorer

__all__ = ["zoom_explorer", "gray_weights_explorer", "GRAY_PRESETS"]

#: Weight presets of the grayscale explorer: name -> (w_R, w_G, w_B).
GRAY_PRESETS = {
    "luma (0.299, 0.587, 0.114)": tuple(GRAY_WEIGHTS),
    "plain average": (1 / 3, 1 / 3, 1 / 3),
    "red only": (1.0, 0.0, 0.0),
    "green only": (0.0, 1.0, 0.0),
    "blue only": (0.0, 0.0, 1.0),
    "too bright (sum 2)": (0.598, 1.174, 0.228),
}
_CUSTOM = "custom"


def zoom_explorer(img=None, *, row: int = 200, col: int = 250, size: int = 8, max_size: int = 16) -> Explorer:
    """Sliders for a window's top row, left column and size over the photo; its pixels as numbers (lesson 1).

    Parameters
    ----------
    img : array_like, shape (H, W), optional
        Grayscale image with values 0..255; default the course photo, ``load_photo()``.
    row, col : int
        Starting top-left pixel of the window.
    size : int
        Starting side of the window, 1..``max_size``.
    max_size : int
        Largest window side offered (16 keeps every number readable).

    Returns
    -------
    Explorer
        ``controls["row"]``, ``controls["col"]``, ``controls["size"]`` (IntSliders; the row and column
        sliders' maxima follow the size so the window always fits); ``state`` holds ``row``, ``col``,
        ``size``, ``window`` (the array), ``min``, ``max``, ``mean`` and ``corner`` (the top-left value);
        the summary reads "Zoom: rows 200 to 207, columns 250 to 257 (8 x 8 pixels); I[200, 250] = 170; ...".
    """
    image = load_photo() if img is None else np.array(img, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"img has shape {image.shape} but needs a 2-D grayscale matrix (H, W)")
    H, W = image.shape
    max_size = int(min(max_size, H, W))
    size = int(min(max(size, 1), max_size))
    common = dict(continuous_update=False, style=LABEL_STYLE)
    controls = {
        "row": widgets.IntSlider(value=min(max(row, 0), H - size), min=0, max=H - size,
                                 description="top row i", **common),
        "col": widgets.IntSlider(value=min(max(col, 0), W - size), min=0, max=W - size,
                                 description="left column j", **common),
        "size": widgets.IntSlider(value=size, min=1, max=max_size, description="window size", **common),
    }

    def fit_window(name):
        if name == "size":  # a bigger window must still fit: lowering max also lowers the value
            s = controls["size"].value
            controls["row"].max = H - s
            controls["col"].max = W - s

    def draw(values, explorer):
        r, c, s = (int(values[k]) for k in ("row", "col", "size"))
        update_zoom_plot(fig, r, c, s)
        window = image[r:r + s, c:c + s]
        lo, hi, mean = float(window.min()), float(window.max()), float(window.mean())
        corner = float(window[0, 0])
        text = (f"<p><b>Zoom: rows {r} to {r + s - 1}, columns {c} to {c + s - 1} ({s} x {s} pixels); "
                f"I[{r}, {c}] = {format_number(corner)}</b>; in this window min {format_number(lo)}, "
                f"max {format_number(hi)}, mean {mean:.1f} (0 is black, 255 is white).</p>")
        state = {"row": r, "col": c, "size": s, "window": window.copy(), "min": lo, "max": hi,
                 "mean": mean, "corner": corner}
        return text, state

    fig = zoom_plot(image, controls["row"].value, controls["col"].value, size, figsize=(10, 5))
    return make_explorer(controls, draw, figure=fig, sync=fit_window, summary_first=True)


def gray_weights_explorer(rgb=None, *, weights=GRAY_WEIGHTS, pixel=(300, 250), step: float = 0.001) -> Explorer:
    """Sliders for the weights of R, G and B (and presets); the grey photo they make (lesson 1).

    Parameters
    ----------
    rgb : array_like, shape (H, W, 3), optional
        Colour image with values 0..255; default the course photo, ``load_photo_rgb()``.
    weights : sequence of 3 floats
        Starting weights.
    pixel : (int, int)
        The (row, column) whose weighted sum the summary writes out term by term.
    step : float
        Slider step.

    Returns
    -------
    Explorer
        ``controls["preset"]`` (Dropdown of :data:`GRAY_PRESETS` plus "custom"), ``controls["r"]``,
        ``controls["g"]``, ``controls["b"]`` (FloatSliders 0..1.2); ``state`` holds ``weights``, ``sum``,
        ``gray`` (the pixel's grey value), ``min``, ``max`` and ``clipped`` (pixels above 255); the summary
        reads "Gray at pixel (300, 250) = 0.299 x 21 + 0.587 x 24 + 0.114 x 77 = 29.1; weights sum to 1.000".
    """
    image = load_photo_rgb() if rgb is None else np.asarray(rgb)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"rgb has shape {image.shape} but needs (H, W, 3)")
    image = image.astype(np.float64)
    pr, pc = (int(v) for v in pixel)
    if not (0 <= pr < image.shape[0] and 0 <= pc < image.shape[1]):
        raise ValueError(f"pixel is {pixel} but needs a (row, column) inside the {image.shape[:2]} image")
    w0 = tuple(float(v) for v in weights)
    if len(w0) != 3:
        raise ValueError(f"weights has {len(w0)} values but needs 3, one per channel (R, G, B)")
    start = next((name for name, w in GRAY_PRESETS.items() if np.allclose(w, w0)), _CUSTOM)
    slider = dict(min=0.0, max=1.2, step=step, readout_format=".3f", continuous_update=False, style=LABEL_STYLE)
    controls = {
        "preset": widgets.Dropdown(options=list(GRAY_PRESETS) + [_CUSTOM], value=start,
                                   description="preset", style=LABEL_STYLE),
        "r": widgets.FloatSlider(value=w0[0], description="weight of R", **slider),
        "g": widgets.FloatSlider(value=w0[1], description="weight of G", **slider),
        "b": widgets.FloatSlider(value=w0[2], description="weight of B", **slider),
    }

    def sync(name):
        if name == "preset":  # a preset moves the three sliders (one redraw, after all three moved)
            preset = GRAY_PRESETS.get(controls["preset"].value)
            if preset is not None:
                for key, value in zip("rgb", preset):
                    controls[key].value = value
        else:  # moving a slider by hand leaves every preset, unless it lands exactly on one
            w = tuple(controls[k].value for k in "rgb")
            match = next((n for n, p in GRAY_PRESETS.items() if np.allclose(p, w, atol=step / 2)), _CUSTOM)
            controls["preset"].value = match

    def draw(values, explorer):
        w = np.array([typed_number(values[c], f"the weight of {c.upper()}") for c in "rgb"])
        gray = image @ w
        update_gray_weights_plot(fig, w, gray)
        rgb_px = image[pr, pc]
        value = float(gray[pr, pc])
        terms = " + ".join(f"{wi:.3f} x {format_number(ci)}" for wi, ci in zip(w, rgb_px))
        lo, hi = float(gray.min()), float(gray.max())
        clipped = int((gray > 255).sum())
        total = float(w.sum())
        if abs(total - 1) < 5e-4:
            # the sliders stop at 0, so every weight here is non-negative: grey is a weighted average
            verdict = "and none is negative, so grey stays within 0..255"
        elif total > 1:
            verdict = (f"more than 1, so the photo gets brighter and {clipped:,} pixels go above 255 "
                       "(drawn white)")
        else:
            verdict = "less than 1, so the photo gets darker"
        text = (f"<p><b>Gray at pixel ({pr}, {pc}) = {terms} = {value:.1f}</b>; "
                f"weights sum to {total:.3f}, {verdict}. Whole photo: min {lo:.1f}, max {hi:.1f}.</p>")
        state = {"weights": tuple(float(v) for v in w), "sum": total, "gray": value, "min": lo, "max": hi,
                 "clipped": clipped}
        return text, state

    fig = gray_weights_plot(image, w0, figsize=(8, 3.4), gray=np.zeros(image.shape[:2]))  # the first redraw fills it
    return make_explorer(controls, draw, figure=fig, sync=sync, summary_first=True)
