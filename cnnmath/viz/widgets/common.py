"""Shared pieces for the explorers: every explorer binds labelled controls to a plot function.

Conventions: an explorer function returns an :class:`Explorer` (a ``VBox``) and never displays itself;
``explorer.controls`` maps a short name to each control (tests and the latency benchmark drive them by
setting ``.value``); ``explorer.summary`` is an ``HTML`` widget that states the key numbers in words, so
the picture never relies on colour alone; ``explorer.output`` is the ``Output`` the figure is drawn into.
"""

from __future__ import annotations

import functools
import html
import io
import time
import traceback

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Image, clear_output, display

__all__ = ["Explorer", "make_explorer", "show_error", "show_png", "bind_controls"]


class Explorer(widgets.VBox):
    """A ``VBox`` of controls, a text summary and an output area, with handles for tests.

    Attributes
    ----------
    controls : dict of str -> ipywidgets.Widget
    summary : ipywidgets.HTML
    output : ipywidgets.Output
    state : dict
        What the last redraw computed (numbers, arrays), for tests to check.
    last_seconds : float
        Wall time of the last redraw (compute plus drawing), for the latency benchmark.
    """

    def __init__(self, controls, summary, output, children, redraw):
        super().__init__(children=children)
        self.controls = dict(controls)
        self.summary = summary
        self.output = output
        self.state: dict = {}
        self.last_seconds = 0.0
        self.last_error = None
        self._redraw = redraw

    def refresh(self):
        """Redraw with the controls' current values (also what every control change triggers)."""
        self._redraw()


def show_error(summary, err):
    """Put an error where the student will see it, in words, instead of a silent broken widget."""
    summary.value = (f"<p style='color:#b00020'><b>That setting does not work:</b> "
                     f"{html.escape(str(err))}</p>")


def _drop_picture():
    """After a failed redraw: close its half-made figure and clear the Output now.

    ``clear_output(wait=True)`` only clears when new output arrives; a failed redraw sends none, so the
    previous setting's picture would stay above the error message as if it belonged to the new setting.
    """
    plt.close("all")
    clear_output()


def make_explorer(controls, draw, *, layout="vertical", summary_first=False, observe=True):
    """Bind ``controls`` to ``draw`` and return an :class:`Explorer`.

    Parameters
    ----------
    controls : dict of str -> ipywidgets control
        Each must have a visible ``description`` (or be a Button with a label).
    draw : callable
        ``draw(values: dict, explorer) -> (summary_html, state)``. It makes its matplotlib figure (with an
        explicit figsize) and calls ``plt.show()``; it runs inside the explorer's Output with
        ``clear_output(wait=True)`` already called. A ``ValueError``/``TypeError`` it raises is shown to
        the student in the summary, in words; any other exception is shown with its traceback.
    layout : "vertical" or "horizontal"
        Controls above the output, or to its left.
    observe : bool
        Redraw on every ``value`` change (False when a Button drives the redraw).
    """
    summary = widgets.HTML()
    output = widgets.Output()
    box = widgets.HBox if layout == "horizontal" else widgets.VBox
    control_box = widgets.VBox(list(controls.values())) if layout == "horizontal" else \
        widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    parts = [control_box, summary, output] if summary_first else [control_box, output, summary]
    if layout == "horizontal":
        parts = [box([control_box, widgets.VBox([output, summary])])]
    explorer = None

    def redraw(*_):
        start = time.perf_counter()
        values = {name: getattr(c, "value", None) for name, c in controls.items()}
        with output:
            clear_output(wait=True)
            try:
                text, state = draw(values, explorer)
                summary.value = text
                explorer.state = state or {}
                explorer.last_error = None
            except (ValueError, TypeError) as err:
                _drop_picture()
                show_error(summary, err)
                explorer.last_error = err
            except Exception as err:  # still visible to the student, never swallowed
                _drop_picture()
                summary.value = ("<pre style='color:#b00020'>" + html.escape(traceback.format_exc())
                                 + "</pre>")
                explorer.last_error = err
        explorer.last_seconds = time.perf_counter() - start

    explorer = Explorer(controls, summary, output, parts, redraw)
    if observe:
        for control in controls.values():
            if hasattr(control, "value") and not isinstance(control, widgets.Button):
                control.observe(redraw, names="value")
    redraw()
    return explorer


def timed(fn):
    """Decorator that records a callback's wall time on the function (for the latency benchmark)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            wrapper.last_seconds = time.perf_counter() - start
    wrapper.last_seconds = 0.0
    return wrapper


def show_png(fig, dpi=None, **savefig_kwargs):
    """Show ``fig`` in the current Output as one PNG, then close it (the explorers' ``plt.show()``).

    The inline backend's ``plt.show()`` saves with ``bbox_inches="tight"``, which draws every figure twice;
    the explorers lay their figures out with fixed axes, so one draw is enough. Measured on the lessons'
    figures, that halves a redraw (for example 160 ms to 40 ms for lesson 7's feature maps).
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, **savefig_kwargs)
    plt.close(fig)  # headless runs must not pile figures up
    display(Image(data=buffer.getvalue(), format="png"))


def bind_controls(explorer, controls, before_redraw=None):
    """Redraw ``explorer`` once per control change (for explorers made with ``observe=False``).

    ``before_redraw(name)`` may set other controls (a dependent slider's range, a preset menu) without
    each of those changes redrawing again. A ``Play`` control is skipped: it drives a slider, which redraws.
    """
    busy = [False]

    def on_change(change, name):
        if busy[0]:
            return
        busy[0] = True
        try:
            if before_redraw is not None:
                before_redraw(name)
        finally:
            busy[0] = False
        explorer.refresh()

    for name, control in controls.items():
        if isinstance(control, (widgets.Play, widgets.Button)) or not hasattr(control, "value"):
            continue
        control.observe(lambda change, name=name: on_change(change, name), names="value")
