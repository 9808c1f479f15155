"""The browser harness works end to end: JupyterLab loads, a widget notebook runs, a key press reaches
the kernel and comes back, and an error in a notebook is caught. Lesson tests build on the same helpers.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from .harness import assert_no_errors, expect, open_notebook, press_and_measure, run_all, screenshot

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

    screenshot(page, "smoke-slider")
    assert_no_errors(page, page_errors)


def test_errors_are_caught(page, lab, page_errors):
    name = _write_notebook(lab, "_smoke_error.ipynb", "x = 1", "x / 0", "print('not reached')")
    open_notebook(page, lab, name)
    run_all(page)
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        assert_no_errors(page, page_errors)
