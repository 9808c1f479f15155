"""Text alternatives for the course's figures: what a picture shows, in words, with its numbers.

A screen reader cannot see a PNG. Every figure the course shows carries a text alternative (``alt``) that
names its panels, their titles and axes, the size and value range of each image, the curves and bars, and
the numbers written on the picture (the titles and cell labels are where the lessons put their key numbers).

- :func:`describe_figure` builds that text from a matplotlib figure; :func:`set_alt` attaches a text of
  your own instead (a teacher's figure, say), which every display of the figure then uses.
- :func:`figure_bundle` renders a figure once into display data: the PNG with ``alt`` in its output
  metadata (nbconvert's classic HTML template reads it there, and so does the accessible-names plugin of
  the course's JupyterLab extension, cnnmath-rise-widgets, which puts it on the ``<img>``; JupyterLab's
  own image renderer does not) and the text itself as ``text/plain``. With ``markdown=True`` it adds the
  same PNG as a Markdown image with that alt text, for a front end without that plugin (stock JupyterLab
  ranks Markdown above PNG and renders it with its alt), at the price of a second copy of the picture.
- :func:`accessible_figures` makes IPython show every matplotlib figure that way (``plt.show()``, a figure
  left as a cell's value); the lessons call it once in their first cell. The explorers draw inside
  :func:`figures_described` and show their PNGs with :func:`display_png`: one copy of each picture, its
  alt text in the metadata, like the cell figures.

docs/accessibility.md says where each part reaches a reader.
"""

from __future__ import annotations

import base64
import contextlib
import io

import numpy as np

__all__ = ["describe_figure", "set_alt", "png_bundle", "figure_bundle", "display_png", "accessible_figures",
           "figures_described"]

_ALT_ATTRIBUTE = "_cnnmath_alt"
MAX_NUMBERS_PER_PANEL = 40  # past this, a panel's written numbers are counted, not listed


def set_alt(fig, text):
    """Give ``fig`` the text alternative ``text`` (used instead of :func:`describe_figure`). Returns fig."""
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig is {type(fig).__name__} but needs a matplotlib Figure")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text is {text!r} but needs a non-empty string")
    setattr(fig, _ALT_ATTRIBUTE, " ".join(text.split()))
    return fig


def _number(v) -> str:
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.3g}"


def _clean(text: str) -> str:
    return " ".join(str(text).replace("$", "").split())


def _panel_kind(ax) -> str:
    if ax.images:
        return "image"
    if ax.lines or ax.collections:
        return "plot"
    if ax.patches:
        return "chart"
    return "panel"


def _describe_axes(ax) -> str:
    parts = []
    titles = [_clean(ax.get_title(loc)) for loc in ("left", "center", "right")]
    titles = [t for t in titles if t]
    head = _panel_kind(ax)
    if titles:
        head += " titled '" + "; ".join(titles) + "'"
    parts.append(head)
    for image in ax.images:
        data = np.ma.masked_invalid(np.asarray(image.get_array(), dtype=float)) \
            if np.asarray(image.get_array()).dtype.kind in "fiub" else None
        if data is None or data.count() == 0:
            parts.append("an image")
            continue
        shape = " x ".join(str(n) for n in data.shape[:2])
        kind = f"colour image of {shape} pixels" if data.ndim == 3 else f"grid of {shape} values"
        desc = f"{kind} from {_number(data.min())} to {_number(data.max())}"
        if data.ndim == 2:
            desc += f", drawn in the '{image.get_cmap().name}' colour map"
        parts.append(desc)
    labelled = [_clean(line.get_label()) for line in ax.lines if not line.get_label().startswith("_")]
    if ax.lines:
        curves = f"{len(ax.lines)} line{'s' if len(ax.lines) > 1 else ''}"
        if labelled:
            curves += ": " + ", ".join(labelled)
        parts.append(curves)
    bars = [p for container in ax.containers for p in getattr(container, "patches", [])]
    if bars:
        heights = [_number(b.get_height()) for b in bars[:MAX_NUMBERS_PER_PANEL]]
        parts.append(f"{len(bars)} bars of heights " + ", ".join(heights)
                     + (" and more" if len(bars) > MAX_NUMBERS_PER_PANEL else ""))
    if ax.get_xlabel().strip() or ax.get_ylabel().strip():
        axes = []
        if ax.get_xlabel().strip():
            axes.append(f"x axis '{_clean(ax.get_xlabel())}'")
        if ax.get_ylabel().strip():
            axes.append(f"y axis '{_clean(ax.get_ylabel())}'")
        if ax.lines or ax.collections or bars:
            lo, hi = ax.get_xlim()
            axes[0] += f" from {_number(lo)} to {_number(hi)}" if ax.get_xlabel().strip() else ""
        parts.append(", ".join(axes))
    texts = [_clean(t.get_text()) for t in ax.texts if t.get_visible() and _clean(t.get_text())]
    texts += getattr(ax, "_cnnmath_written", [])  # numbers drawn as outlines (plots.common.write_numbers)
    if texts:
        shown = texts[:MAX_NUMBERS_PER_PANEL]
        more = len(texts) - len(shown)
        parts.append("written on it: " + ", ".join(shown) + (f" and {more} more" if more else ""))
    legend = ax.get_legend()
    if legend is not None and not labelled:
        entries = [_clean(t.get_text()) for t in legend.get_texts() if _clean(t.get_text())]
        if entries:
            parts.append("legend: " + ", ".join(entries))
    return "; ".join(parts)


def describe_figure(fig) -> str:
    """The text alternative of ``fig``: the one :func:`set_alt` gave it, else a description of its panels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        One paragraph: the figure's title, then each visible panel (title, images with their size and value
        range, lines, bars, axis labels and the numbers written on it), colour bars last.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig is {type(fig).__name__} but needs a matplotlib Figure")
    own = getattr(fig, _ALT_ATTRIBUTE, None)
    if own:
        return own
    panels, bars = [], []
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        colorbar = getattr(ax, "_colorbar", None)
        if colorbar is not None:
            label = _clean(colorbar.ax.get_ylabel() or colorbar.ax.get_xlabel())
            lo, hi = colorbar.mappable.get_clim() if colorbar.mappable is not None else (None, None)
            if lo is not None:
                bars.append(f"colour bar{f' {label!r}' if label else ''} from {_number(lo)} to {_number(hi)}")
            continue
        if not (ax.images or ax.lines or ax.collections or ax.patches or ax.texts or ax.get_title()):
            continue
        panels.append(_describe_axes(ax))
    title = _clean(fig._suptitle.get_text()) if getattr(fig, "_suptitle", None) is not None else ""
    words = [f"Figure{f' titled {title!r}' if title else ''}"
             + (f" with {len(panels)} panels." if len(panels) > 1 else ".")]
    for i, panel in enumerate(panels, start=1):
        words.append((f"Panel {i}: " if len(panels) > 1 else "") + panel[0].upper() + panel[1:] + ".")
    extra = [_clean(t.get_text()) for t in fig.texts if t.get_visible() and _clean(t.get_text())]
    if title:
        extra = [t for t in extra if t != title]
    if extra:
        words.append("Also written: " + ", ".join(extra) + ".")
    if bars:
        words.append("; ".join(bars)[0].upper() + "; ".join(bars)[1:] + ".")
    return " ".join(words)


def _png(fig, **savefig_kwargs) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **savefig_kwargs)
    return buffer.getvalue()


def _markdown_alt(text: str) -> str:
    # Markdown image text: brackets and backslashes escaped, no line breaks.
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


def png_bundle(png, alt, *, markdown=False):
    """``(data, metadata)`` for IPython's ``publish_display_data``: a PNG (bytes) with its text alternative.

    ``data`` has ``image/png`` (base64 text, as in a notebook file) and ``text/plain`` (``alt``);
    ``metadata`` puts ``alt`` under ``image/png``, where nbconvert's classic HTML template and the
    accessible-names plugin of the course's extension (cnnmath-rise-widgets) read it. With
    ``markdown=True`` the data also has ``text/markdown``, the same PNG as a Markdown image with ``alt`` as
    its text, for a front end without that plugin (stock JupyterLab and jupyterlab-rise rank Markdown above
    PNG), at the price of a second copy of the picture (see docs/accessibility.md).
    """
    if not isinstance(png, (bytes, bytearray)) or not bytes(png[:8]) == b"\x89PNG\r\n\x1a\n":
        raise TypeError(f"png is {type(png).__name__} but needs the bytes of a PNG file")
    text = " ".join(str(alt).split()) if alt is not None else ""
    if not text:
        raise ValueError(f"alt is {alt!r} but needs to say what the picture shows")
    encoded = base64.b64encode(bytes(png)).decode("ascii")
    data = {"image/png": encoded, "text/plain": text}
    if markdown:
        data["text/markdown"] = f"![{_markdown_alt(text)}](data:image/png;base64,{encoded})"
    return data, {"image/png": {"alt": text}}


def figure_bundle(fig, alt=None, *, markdown=False, **savefig_kwargs):
    """Render ``fig`` once as PNG and return :func:`png_bundle` of it.

    ``alt`` defaults to :func:`describe_figure`; ``savefig_kwargs`` go to ``Figure.savefig`` (the format
    is always PNG). A transparent figure also gets the ``needs_background`` metadata the inline backend gives.
    """
    text = alt if alt is not None else describe_figure(fig)
    data, metadata = png_bundle(_png(fig, **savefig_kwargs), text, markdown=markdown)
    if fig.patch.get_alpha() == 0 or fig.get_facecolor()[3] == 0:
        metadata["image/png"]["needs_background"] = "light"
    return data, metadata


def display_png(png, alt, *, markdown=False):
    """Show PNG bytes with their text alternative (in the current cell or Output); see :func:`png_bundle`.

    The explorers show every redraw this way: one copy of the PNG, its alt text in the metadata. Outside
    IPython (a plain Python process, a test) only the text is printed, as IPython's display would, and no
    IPython shell is created for it.
    """
    from IPython import get_ipython
    from IPython.display import publish_display_data

    data, metadata = png_bundle(png, alt, markdown=markdown)
    if get_ipython() is None:  # publish_display_data would make an InteractiveShell singleton here
        print(data["text/plain"])
        return
    publish_display_data(data, metadata)


def _show_figure(fig, markdown=False):
    from IPython.display import publish_display_data

    kwargs = {"bbox_inches": "tight"}
    try:
        from matplotlib_inline.backend_inline import InlineBackend

        kwargs = dict(InlineBackend.instance().print_figure_kwargs)
    except Exception:  # no inline backend configured: matplotlib's tight default stands
        pass
    kwargs.pop("format", None)
    if fig.axes or fig.texts:  # an empty figure shows nothing, as with the inline backend
        data, metadata = figure_bundle(fig, markdown=markdown, **kwargs)
        publish_display_data(data, metadata)
    return True


@contextlib.contextmanager
def figures_described(shell=None):
    """Inside the block, IPython shows every matplotlib figure with its text alternative; then as before.

    The explorers draw inside this, so their pictures carry alt text whether or not the notebook called
    :func:`accessible_figures`.
    """
    from matplotlib.figure import Figure

    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        yield
        return
    formatter = shell.display_formatter.ipython_display_formatter
    previous = formatter.for_type(Figure, _show_figure)
    try:
        yield
    finally:
        if previous is None:
            formatter.pop(Figure, None)
        else:
            formatter.for_type(Figure, previous)


def accessible_figures(shell=None):
    """From now on, IPython shows every matplotlib figure with its text alternative (see figure_bundle).

    Call it once, after ``%matplotlib inline`` (the lessons do, in their first cell). It registers a display
    hook for ``matplotlib.figure.Figure`` on the running IPython shell; outside IPython it does nothing.
    The figure is saved as the inline backend saves it (its ``print_figure_kwargs``, normally
    ``bbox_inches="tight"``). Returns True when the hook is in place.
    """
    from matplotlib.figure import Figure

    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False

    shell.display_formatter.ipython_display_formatter.for_type(Figure, _show_figure)
    return True
