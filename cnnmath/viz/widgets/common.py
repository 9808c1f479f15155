"""Shared pieces for the explorers: every explorer binds labelled controls to a plot function.

Conventions: an explorer function returns an :class:`Explorer` (a ``VBox``) and never displays itself;
``explorer.controls`` maps a short name to each control (tests and the latency benchmark drive them by
setting ``.value``); ``explorer.summary`` is an ``HTML`` widget that states the key numbers in words, so
the picture never relies on colour alone.

How a picture reaches the page: an explorer builds its figure once, when it is made, and hands it to
:func:`make_explorer` (``figure=``). Each change of a control updates that figure in place (artists' data,
texts, limits: the ``update_*`` functions of :mod:`cnnmath.viz.plots`) and the figure is sent as one PNG
to an ``ipywidgets.Image`` (``explorer.picture``), whose value is replaced; the picture's text alternative
goes with it. An explorer that shows something other than one figure (the training explorer's progress
bar and live curves) draws into ``explorer.output``, an ``Output``, instead.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import sys
import time
import traceback

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.core.displaypub import DisplayPublisher
from IPython.display import clear_output
from traitlets import Unicode

from ..plots.alt_text import describe_figure, figures_described
from ..plots.common import DPI, figure_png

__all__ = ["Explorer", "Picture", "make_explorer", "show_error", "show_in",
           "send_figure", "LABEL_STYLE"]

#: The style of every control: its whole description stays readable instead of being cut to a fixed width.
LABEL_STYLE = {"description_width": "initial"}


class Explorer(widgets.VBox):
    """A ``VBox`` of controls, a text summary and an output area, with handles for tests.

    Attributes
    ----------
    controls : dict of str -> ipywidgets.Widget
    summary : ipywidgets.HTML
    output : ipywidgets.Output or None
        Where the explorer draws when it has no single figure (None when it has ``picture``).
    picture : ipywidgets.Image or None
        The explorer's figure as a PNG, replaced on every change (None for an explorer that uses ``output``).
    figure : matplotlib Figure or None
        The one figure, built once and updated in place; ``picture`` shows it.
    state : dict
        What the last redraw computed (numbers, arrays), for tests to check.
    last_seconds : float
        Wall time of the last redraw (compute plus drawing), for the latency benchmark.
    """

    def __init__(self, controls, summary, output, children, redraw, picture=None, figure=None):
        super().__init__(children=children)
        self.controls = dict(controls)
        self.summary = summary
        self.output = output
        self.picture = picture
        self.figure = figure
        self.state: dict = {}
        self.last_seconds = 0.0
        self.last_error = None
        self._redraw = redraw

    def refresh(self):
        """Redraw with the controls' current values (also what every control change triggers)."""
        self._redraw()


class _Collector(DisplayPublisher):
    """Stands in for IPython's display publisher and for stdout/stderr inside :func:`show_in`."""

    def __init__(self, shell):
        super().__init__(shell=shell)
        self.outputs = []
        self.cleared = False

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        data = {mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
                for mime, value in data.items()}  # JSON, as a frontend sends them (PNG bytes as base64)
        self.outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

    def clear_output(self, wait=False):
        # Both kinds mean "replace what is there"; the Output only changes once, at the end.
        self.outputs = []
        self.cleared = True

    def write(self, name, text):
        if self.outputs and self.outputs[-1].get("name") == name:
            self.outputs[-1]["text"] += text
        elif text:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})


class _StreamToCollector(io.TextIOBase):
    def __init__(self, collector, name):
        self._collector, self._name = collector, name

    def writable(self):
        return True

    def write(self, text):
        self._collector.write(self._name, text)
        return len(text)


def _in_cell():
    """True while the kernel runs a cell's code (its current request is an execute_request).

    False while it handles a widget's message (a student moving a control) and outside IPython.
    """
    get_parent = getattr(get_ipython(), "get_parent", None)
    parent = get_parent() if get_parent is not None else None
    return bool(parent) and parent.get("header", {}).get("msg_type") == "execute_request"


@contextlib.contextmanager
def show_in(output):
    """Like ``with output:``, except that the kernel itself puts what the block shows into ``output``.

    Everything the block displays or prints is collected in the kernel and, when the block ends, set as
    ``output.outputs`` in one step: after the Output's earlier content if the block never cleared it,
    instead of it if the block called ``clear_output`` (with or without ``wait``). A front end shows
    the same picture either way. The difference is for programs that run a notebook without a browser
    (nbclient, and so ``jupyter execute``, nbconvert, papermill, Voila and nbgrader): ``with output:``
    asks them to route messages into the Output and to send its new content back to the kernel while
    the cell runs, and that send can leave them waiting for the cell's reply until their timeout
    (docs/stall.md). Here they only receive the finished content.

    If the block raises, what it showed so far is still put into ``output`` and the error propagates.
    Outside IPython (a plain Python process) there is nothing to collect and this is ``with output:``.

    Parameters
    ----------
    output : ipywidgets.Output
    """
    if not isinstance(output, widgets.Output):
        raise TypeError(f"output is {type(output).__name__} but needs an ipywidgets.Output")
    shell = get_ipython()
    if shell is None:
        with output:
            yield output
        return
    collector = _Collector(shell)
    saved = shell.display_pub, sys.stdout, sys.stderr
    shell.display_pub = collector
    sys.stdout = _StreamToCollector(collector, "stdout")
    sys.stderr = _StreamToCollector(collector, "stderr")
    try:
        with figures_described(shell):  # live pictures (never saved in a notebook) carry their alt text
            yield output
    finally:
        shell.display_pub, sys.stdout, sys.stderr = saved
        kept = () if collector.cleared else tuple(output.outputs)
        output.outputs = kept + tuple(collector.outputs)


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


class Picture(widgets.Image):
    """An ``ipywidgets.Image`` for an explorer's figure: PNG, with its text alternative as ``tooltip``.

    The page renders ``tooltip`` as the ``title`` of the ``<img>`` only when the model has an empty
    ``description`` (ipywidgets 8's ``DOMWidgetView.updateTooltip`` reads ``description.length``, and an
    ``Image`` has no description, so a tooltip alone makes its view fail to render). This class gives it
    one, empty and never shown.
    """

    description = Unicode("", help="Always empty: lets the front end show tooltip as the title.").tag(sync=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "png")
        kwargs.setdefault("layout", widgets.Layout(max_width="100%", height="auto"))
        super().__init__(**kwargs)


def send_figure(picture, fig, dpi=DPI):
    """Draw ``fig`` once and put it, as PNG, into the ``ipywidgets.Image`` ``picture``, with its alt text.

    The text alternative (:func:`~cnnmath.viz.plots.alt_text.describe_figure`) becomes the image's
    ``tooltip``, which the page renders as the ``title`` of its ``<img>``: a screen reader reads it as
    the picture's name, and the course's JupyterLab extension moves it to ``alt``.
    The figure stays open, to be updated in place for the next change.
    """
    png = figure_png(fig, dpi=dpi)
    alt = describe_figure(fig)
    with picture.hold_sync():  # one message to the page for both
        picture.tooltip = alt  # first, so that an observer of value sees the matching text
        picture.value = png


def _guard(sync, redraw):
    """One handler for every control: ``sync(name)`` first (its changes to other controls do not redraw
    again), then one redraw."""
    busy = [False]

    def on_change(change, name):
        if busy[0]:
            return
        busy[0] = True
        try:
            if sync is not None:
                sync(name)
        finally:
            busy[0] = False
        redraw()
    return on_change


def make_explorer(controls, draw, *, figure=None, sync=None, layout="vertical", summary_first=False,
                  observe=True, dpi=DPI):
    """Bind ``controls`` to ``draw`` and return an :class:`Explorer`.

    Parameters
    ----------
    controls : dict of str -> ipywidgets control
        Each must have a visible ``description`` (or be a Button with a label).
    draw : callable
        ``draw(values: dict, explorer) -> (summary_html, state)``. With ``figure``, it updates that figure
        in place and the explorer sends it to the page afterwards (it never makes or shows a figure).
        Without ``figure``, it shows what it likes in ``explorer.output``, with ``clear_output(wait=True)``
        already called. A ``ValueError``/``TypeError`` it raises is shown to the student in the summary,
        in words, and the picture is hidden until a setting works again; any other exception is shown
        with its traceback.
    figure : matplotlib Figure, optional
        The explorer's one figure, built before the call with an explicit figsize and fixed margins (no
        tight layout: that costs a second draw on every change). It is closed in pyplot (it is never
        shown by ``plt.show()``) and kept by the explorer.
    sync : callable, optional
        ``sync(name)`` runs when the control ``name`` changes, before the redraw; what it sets on other
        controls (a preset menu following typed numbers, a slider's range following another) does not
        redraw again. Every control change causes exactly one redraw.
    layout : "vertical" or "horizontal"
        Controls above the picture, or to its left.
    observe : bool
        Redraw on every ``value`` change (False when a Button drives the redraw).
    dpi : float
        The picture's resolution: :data:`~cnnmath.viz.plots.common.DPI`, or ``DETAIL_DPI`` for a figure
        whose small print needs it.
    """
    summary = widgets.HTML()
    if figure is not None:
        plt.close(figure)  # the explorer keeps it; pyplot must not show or collect it
        picture = Picture()
        output = None
        shown = picture
    else:
        picture = None
        output = shown = widgets.Output()
    box = widgets.HBox if layout == "horizontal" else widgets.VBox
    control_box = widgets.VBox(list(controls.values())) if layout == "horizontal" else \
        widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    parts = [control_box, summary, shown] if summary_first else [control_box, shown, summary]
    if layout == "horizontal":
        parts = [box([control_box, widgets.VBox([shown, summary])])]
    explorer = None

    def run_draw(values):
        try:
            text, state = draw(values, explorer)
            if picture is not None:
                send_figure(picture, figure, dpi)
                if picture.layout.display == "none":
                    picture.layout.display = None
            summary.value = text
            explorer.state = state or {}
            explorer.last_error = None
        except (ValueError, TypeError) as err:
            _hide_picture(picture)
            show_error(summary, err)
            explorer.last_error = err
        except Exception as err:  # still visible to the student, never swallowed
            _hide_picture(picture)
            summary.value = ("<pre style='color:#b00020'>" + html.escape(traceback.format_exc())
                             + "</pre>")
            explorer.last_error = err

    def redraw(*_):
        start = time.perf_counter()
        values = {name: getattr(c, "value", None) for name, c in controls.items()}
        if picture is not None:  # nothing goes through an Output: no stall for batch runners either
            run_draw(values)
        else:
            # A redraw while a cell runs (the first picture, or a cell setting a control) goes into the
            # Output from the kernel (show_in), so a batch runner (jupyter execute, nbconvert, papermill,
            # Voila, nbgrader) never has to play the Output itself, which can stall it (docs/stall.md).
            # A redraw from the student's controls streams into the Output as usual (the training
            # explorer's progress bar and live plot need that).
            with show_in(output) if _in_cell() else output:
                clear_output(wait=True)
                with figures_described():  # a plt.show() in draw shows the figure with its alt text
                    run_draw(values)
        explorer.last_seconds = time.perf_counter() - start

    explorer = Explorer(controls, summary, output, parts, redraw, picture, figure)
    if observe:
        on_change = _guard(sync, lambda: explorer.refresh())
        for name, control in controls.items():
            if isinstance(control, (widgets.Play, widgets.Button)) or not hasattr(control, "value"):
                continue
            control.observe(lambda change, name=name: on_change(change, name), names="value")
    redraw()
    return explorer


def _hide_picture(picture):
    """After a failed redraw: hide the last picture (it belongs to the previous setting), or, for an
    explorer drawing into its Output, close the half-made figure and clear the Output now."""
    if picture is not None:
        picture.layout.display = "none"
        return
    _drop_picture()
