"""Every figure the course shows carries a text alternative: the describer, the display data, the IPython hook
that the lessons switch on, and the explorers' redraws.

The browser side (what JupyterLab renders from this data, audited with axe-core) is
tests/browser/test_axe.py; docs/accessibility.md says which front end reads which part.
"""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display

import cnnmath.viz.widgets as W
from cnnmath.viz.plots import (accessible_figures, describe_figure, figure_bundle, matrix_plot, png_bundle,
                               relu_pair_plot, set_alt)
from cnnmath.viz.plots.alt_text import figures_described
from .helpers import current_picture, watch_pictures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shell():
    """An in-process IPython shell whose display data is recorded; removed again afterwards, so that other
    tests in this process still see no IPython (get_ipython() returns None)."""
    assert InteractiveShell.initialized() is False, "another test left an IPython shell behind"
    shell = InteractiveShell.instance()
    published = []

    def record(data, metadata=None, **kwargs):
        published.append((data, metadata or {}))

    shell.display_pub.publish = record
    shell.published = published
    try:
        yield shell
    finally:
        InteractiveShell.clear_instance()


def test_a_matrix_figure_is_described_with_its_title_size_range_and_numbers():
    M = np.array([[1.0, -2.0, 3.0], [0.0, 5.5, -6.0]])
    fig = matrix_plot(M, title="the -6 map", figsize=(3, 2))
    text = describe_figure(fig)
    plt.close(fig)
    assert "the -6 map" in text
    assert "grid of 2 x 3 values from -6 to 5.5" in text
    for number in ("1", "-2", "3", "0", "5.5", "-6"):
        assert number in text.split("written on it: ")[1], text


def test_panels_lines_axes_and_written_values_are_named():
    fig = relu_pair_plot(x=1.5, figsize=(8, 3))
    text = describe_figure(fig)
    plt.close(fig)
    assert text.startswith("Figure with 2 panels.")
    assert "Panel 1: Plot titled 'ReLU: f(x) = max(0, x)'" in text
    assert "x axis 'x' from -3 to 3" in text
    assert "f(1.50) = 1.50" in text and "f'(1.50) = 1" in text


def test_many_written_numbers_are_counted_not_listed():
    fig = matrix_plot(np.arange(100.0).reshape(10, 10), figsize=(4, 4))
    text = describe_figure(fig)
    plt.close(fig)
    assert "and 60 more" in text and "99" not in text.split("written on it: ")[1]


def test_set_alt_replaces_the_description_everywhere():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    assert set_alt(fig, "  a rising   line from (0, 0) to (1, 1) ") is fig
    data, metadata = figure_bundle(fig)
    plt.close(fig)
    assert data["text/plain"] == metadata["image/png"]["alt"] == "a rising line from (0, 0) to (1, 1)"


@pytest.mark.parametrize("bad, error", [(None, TypeError), ("a figure", TypeError), (np.zeros(3), TypeError)])
def test_describe_and_set_alt_reject_what_is_not_a_figure(bad, error):
    with pytest.raises(error, match="fig is .* but needs a matplotlib Figure"):
        describe_figure(bad)
    with pytest.raises(error, match="fig is"):
        set_alt(bad, "text")


@pytest.mark.parametrize("text", ["", "   ", None, 3])
def test_set_alt_needs_words(text):
    fig = plt.figure(figsize=(1, 1))
    with pytest.raises(ValueError, match="text is .* but needs a non-empty string"):
        set_alt(fig, text)
    plt.close(fig)


def test_png_bundle_carries_alt_in_metadata_and_as_text_and_markdown_on_request():
    fig = matrix_plot(np.eye(2), title="identity", figsize=(2, 2))
    png_data, _ = figure_bundle(fig)
    png = base64.b64decode(png_data["image/png"])
    plt.close(fig)
    assert png.startswith(PNG_SIGNATURE)

    data, metadata = png_bundle(png, "two ones [on the diagonal]")
    assert set(data) == {"image/png", "text/plain"}  # one copy of the picture: notebook files stay small
    assert metadata == {"image/png": {"alt": "two ones [on the diagonal]"}}
    assert base64.b64decode(data["image/png"]) == png

    data, _ = png_bundle(png, "two ones [on the diagonal]", markdown=True)
    assert data["text/markdown"] == ("![two ones \\[on the diagonal\\]](data:image/png;base64,"
                                     + data["image/png"] + ")")
    assert png == bytes(png)  # the input is not changed


@pytest.mark.parametrize("png, alt, error, words", [
    (b"not a png", "text", TypeError, "png is bytes but needs the bytes of a PNG file"),
    ("iVBOR", "text", TypeError, "png is str"),
    (PNG_SIGNATURE + b"rest", "", ValueError, "alt is '' but needs"),
    (PNG_SIGNATURE + b"rest", None, ValueError, "alt is None but needs"),
])
def test_png_bundle_rejects_bad_input(png, alt, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        png_bundle(png, alt)


def test_accessible_figures_shows_every_figure_with_its_alt_text(shell):
    assert accessible_figures() is True
    fig = matrix_plot(np.array([[-6.0]]), title="one entry", figsize=(2, 2))
    display(fig)
    plt.close(fig)
    [(data, metadata)] = shell.published
    assert base64.b64decode(data["image/png"]).startswith(PNG_SIGNATURE)
    assert "one entry" in metadata["image/png"]["alt"] and "-6" in metadata["image/png"]["alt"]
    assert data["text/plain"] == metadata["image/png"]["alt"]
    assert "text/markdown" not in data  # cell figures keep one copy of the PNG (the notebook's size)


def test_accessible_figures_outside_ipython_does_nothing():
    assert InteractiveShell.initialized() is False
    assert accessible_figures() is False


def test_figures_described_applies_inside_the_block_only(shell):
    fig = matrix_plot(np.ones((2, 2)), figsize=(2, 2))
    with figures_described():
        display(fig)
    display(fig)  # afterwards IPython's own display again: no alt text from us
    plt.close(fig)
    assert len(shell.published) == 2
    (inside, inside_meta), (after, after_meta) = shell.published
    # one copy of the picture, its alt text in the metadata (the course extension's plugin puts it on the <img>)
    assert "text/markdown" not in inside and inside_meta["image/png"]["alt"].startswith("Figure")
    assert "alt" not in after_meta.get("image/png", {})


@pytest.fixture
def inline_backend():
    """matplotlib's inline backend, as in a notebook, so that an explorer's plt.show() displays its figure."""
    before = plt.get_backend()
    plt.switch_backend("module://matplotlib_inline.backend_inline")
    try:
        yield
    finally:
        plt.close("all")
        plt.switch_backend(before)


@pytest.mark.parametrize("name", ["practice_explorer", "relu_explorer", "conv_step_explorer",
                                  "pool_gradient_explorer", "filter_bank_explorer", "receptive_field_explorer"])
def test_every_explorer_redraw_carries_alt_text(shell, inline_backend, name):
    explorer = getattr(W, name)()
    control = next(c for c in explorer.controls.values()
                   if hasattr(c, "max") and hasattr(c, "value") and c.value != c.max)
    if getattr(explorer, "picture", None) is not None:  # an Image whose value is replaced
        first = current_picture(explorer)
        assert first is not None, f"{name}: showed no picture"
        sent = watch_pictures(explorer)
        control.value = control.max
        assert sent, f"{name}: moving {control.description!r} sent no new picture"
        pictures = [first] + sent
        assert sent[-1] == current_picture(explorer)
        for png, alt in pictures:
            assert png.startswith(b"\x89PNG")
            assert alt.startswith("Figure") and any(ch.isdigit() for ch in alt), alt
        assert pictures[0][1] != pictures[-1][1], "the text alternative did not follow the picture"
        assert shell.published == []  # nothing went through IPython's display
        return
    first = [d for d in shell.published if "image/png" in d[0]]
    assert first, f"{name}: showed no picture"
    control.value = control.max
    pictures = [d for d in shell.published if "image/png" in d[0]]
    assert len(pictures) > len(first), f"{name}: moving {control.description!r} drew no new picture"
    for data, metadata in pictures:
        alt = metadata["image/png"]["alt"]
        assert alt.startswith("Figure") and any(ch.isdigit() for ch in alt), alt
        assert "text/markdown" not in data  # one copy of the PNG per redraw
        assert data["text/plain"] == alt


def test_a_figure_shown_in_an_output_with_show_in_carries_alt_text(shell):
    """Lessons 7 and 8 draw their live training plot with show_in: alt text in the metadata, one PNG copy."""
    import ipywidgets as widgets

    from cnnmath.viz.widgets import show_in

    accessible_figures()
    live = widgets.Output()
    fig = matrix_plot(np.array([[0.5, 0.25]]), title="loss 0.5", figsize=(2, 1))
    with show_in(live):
        display(fig)
    plt.close(fig)
    [picture] = live.outputs
    alt = picture["metadata"]["image/png"]["alt"]
    assert "loss 0.5" in alt and picture["data"]["text/plain"] == alt
    assert "text/markdown" not in picture["data"]


def test_numbers_drawn_as_outlines_are_in_the_text_alternative():
    """write_numbers draws a grid of numbers as two path collections, not Text: the alt text still lists them."""
    from cnnmath.viz.plots.common import write_numbers

    M = np.array([[0.0, 200.0], [50.0, 255.0]])
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(M, cmap="gray", vmin=0, vmax=255)
    write_numbers(ax, M, 9, 255)
    text = describe_figure(fig)
    plt.close(fig)
    assert text.endswith("written on it: 0, 200, 50, 255."), text
