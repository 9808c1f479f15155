"""The practice explorer of lesson 0 (``00_start_here.ipynb``): learn to drive a widget, by mouse or keyboard.

One of each kind of control the course uses: a slider (arrow keys, Home/End, or type into its number
readout), toggle buttons (Tab to them, Space or Enter) and a push button. The summary says the result in
words, the way every explorer of the course does.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..plots.lesson00 import practice_plot, update_practice_plot
from .common import Explorer, make_explorer

__all__ = ["practice_explorer"]

_WORDS = {2: "squared", 3: "cubed"}


def practice_explorer(x: int = 3, power: int = 2, *, xlim=(-10, 10)) -> Explorer:
    """A slider for x, a squared/cubed toggle and a reset button; the summary says x and its power (lesson 0).

    Parameters
    ----------
    x : int
        Starting value (and the value "reset" returns to).
    power : int, 2 or 3
        Starting power.
    xlim : (int, int)
        Range of the slider.

    Returns
    -------
    Explorer
        ``controls["x"]`` (IntSlider), ``controls["power"]`` (ToggleButtons with values 2 and 3),
        ``controls["reset"]`` (Button); ``state`` holds ``x``, ``power`` and ``y``; the summary reads
        "Practice: x = 3, so x squared = 9".
    """
    if power not in _WORDS:
        raise ValueError(f"power is {power!r} but needs 2 (squared) or 3 (cubed)")
    slider = widgets.IntSlider(value=x, min=xlim[0], max=xlim[1], step=1, description="x",
                               continuous_update=True)
    toggle = widgets.ToggleButtons(options=[("squared", 2), ("cubed", 3)], value=power,
                                   description="power", tooltips=["x times x", "x times x times x"])
    reset = widgets.Button(description="reset x", tooltip=f"put x back to {x}", icon="undo")
    reset.on_click(lambda _button: setattr(slider, "value", x))

    def draw(values, explorer):
        xv, p = values["x"], values["power"]
        if p not in _WORDS:
            raise ValueError(f"power is {p!r} but needs 2 (squared) or 3 (cubed)")
        y = int(xv) ** p
        update_practice_plot(fig, xv, p)
        text = f"<p><b>Practice: x = {int(xv)}, so x {_WORDS[p]} = {y}</b></p>"
        return text, {"x": int(xv), "power": p, "y": y}

    fig = practice_plot(x, power, xlim=xlim, figsize=(5, 2.8))
    return make_explorer({"x": slider, "power": toggle, "reset": reset}, draw, figure=fig, summary_first=True)
