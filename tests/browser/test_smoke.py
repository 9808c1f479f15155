"""The browser harness works end to end: JupyterLab loads, a widget notebook runs, a key press reaches
the kernel and comes back (as text and as a new picture), and an error in a notebook is caught. Lesson
tests build on the same helpers.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from .harness import (
    LATENCIES,
    assert_no_errors,
    expect,
    open_notebook,
    press_and_measure,
    press_and_measure_picture,
    run_all,
    screenshot,
)

SLIDER_CELL = """\
import ipywidgets as widgets
from IPython.display import display

slider = widgets.IntSlider(value=3, min=0, max=10, description="n")
square = widgets.Label(value=str(slider.value ** 2))
square.add_class("smoke-square")  # a stable handle for the test to find the readout by


def show_square(change):
    square.value = str(change["new"] ** 2)


slider.observe(show_square, names="value")
display(widgets.VBox([slider, square]))
"""

# Both ways an explorer can show a new picture: an Output whose <img> is replaced (clear_output, then a PNG
# with its alt text, as the explorers do today) and an Image widget whose bytes are replaced. Slider "n"
# changes the picture; slider "same" redraws the picture already shown, which must not count as new.
PICTURE_CELL = """\
import io

import ipywidgets as widgets
from IPython.display import clear_output, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cnnmath.viz.plots.alt_text import display_png


def number_png(n):
    fig = Figure(figsize=(1, 1), dpi=50)
    FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, str(n), ha="center", va="center", fontsize=30)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


pngs = [number_png(n) for n in range(11)]
n = widgets.IntSlider(value=3, min=0, max=10, description="n")
same = widgets.IntSlider(value=0, min=0, max=10, description="same")
output = widgets.Output()
output.add_class("smoke-output")
image = widgets.Image(value=pngs[3], format="png")
image.add_class("smoke-image")


def show(k):
    with output:
        clear_output(wait=True)
        display_png(pngs[k], f"the number {k}")
    image.value = pngs[k]


n.observe(lambda change: show(change["new"]), names="value")
same.observe(lambda change: show(n.value), names="value")
show(n.value)
display(widgets.VBox([n, same, output, image]))
"""


def _write_notebook(lab, name, *sources):
    nb = nbformat.v4.new_notebook()
    # With a kernelspec JupyterLab starts the kernel at once instead of asking which one to use.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, lab.notebook_dir / name)
    return name


def test_lab_loads(page, lab, page_errors):
    page.goto(f"{lab.url}/lab?token={lab.token}&reset")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=60_000)
    assert not page_errors, page_errors


def test_slider_drives_the_kernel(page, lab, page_errors):
    name = _write_notebook(lab, "_smoke_slider.ipynb", SLIDER_CELL)
    open_notebook(page, lab, name)
    run_all(page)
    assert_no_errors(page, page_errors)

    slider = page.get_by_role("slider")
    readout = page.locator(".smoke-square")
    expect(readout).to_have_text("9")
    expect(slider).to_have_attribute("aria-valuenow", "3.0")  # ipywidgets reports floats

    ms = press_and_measure(page, slider, "ArrowRight", readout, "16", exact=True, widget="n slider")
    assert 0 < ms < 30_000
    expect(slider).to_have_attribute("aria-valuenow", "4.0")
    press_and_measure(page, slider, "End", readout, re.compile(r"^100$"), widget="n slider")
    assert LATENCIES[-1]["widget"] == "n slider" and LATENCIES[-1]["shows"] == "text"

    screenshot(page, "smoke-slider")
    assert_no_errors(page, page_errors)


def test_errors_are_caught(page, lab, page_errors):
    name = _write_notebook(lab, "_smoke_error.ipynb", "x = 1", "x / 0", "print('not reached')")
    open_notebook(page, lab, name)
    run_all(page)
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        assert_no_errors(page, page_errors)


def test_new_picture_is_measured(page, lab, page_errors):
    name = _write_notebook(lab, "_smoke_picture.ipynb", PICTURE_CELL)
    open_notebook(page, lab, name)
    run_all(page)
    assert_no_errors(page, page_errors)

    n = page.get_by_role("slider").nth(0)
    same = page.get_by_role("slider").nth(1)
    output = page.locator(".smoke-output")
    image = page.locator("img.smoke-image")
    expect(output.locator("img")).to_have_attribute("alt", "the number 3")  # the course's extension

    recorded = len(LATENCIES)
    ms = press_and_measure_picture(page, n, "ArrowRight", output, widget="n slider (Output)")
    assert 0 < ms < 30_000
    expect(output.locator("img")).to_have_attribute("alt", "the number 4")  # the new picture, not the old
    ms = press_and_measure_picture(page, n, "ArrowRight", image, widget="n slider (Image)")
    assert 0 < ms < 30_000
    assert [r["shows"] for r in LATENCIES[recorded:]] == ["picture", "picture"]
    assert LATENCIES[-1]["widget"] == "n slider (Image)"

    # The same picture drawn again is no new picture, in either kind of container.
    for container, what in ((output, "Output"), (image, "Image")):
        with pytest.raises(AssertionError, match=r"no new picture appeared: <img> with the same src"):
            press_and_measure_picture(page, same, "ArrowRight", container, widget=f"same slider ({what})",
                                      timeout=3_000)
    assert len(LATENCIES) == recorded + 2  # a timed-out press records nothing
    screenshot(page, "smoke-picture")
    assert_no_errors(page, page_errors)
