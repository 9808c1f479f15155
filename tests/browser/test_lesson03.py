"""Lesson 3 (03_relu.ipynb) in a real browser: the notebook runs clean in JupyterLab, and each kind of
control (the x slider and its typed readout, the bias slider, the kernel dropdown) answers the keyboard with
the right numbers, computed here from cnnmath; each explorer's picture (an ipywidgets Image) follows a key
press, timed to the new picture, and its alt text follows the picture.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from cnnmath import conv2d, get_kernel, load_photo, relu, relu_derivative
from cnnmath.viz.plots import format_number

from .harness import assert_no_errors, open_notebook, press_and_measure, press_and_measure_picture, run_all, screenshot

NOTEBOOK = "03_relu.ipynb"
LATENCY_LIMIT_MS = 20_000  # a generous ceiling for a 2-core CI machine; the measurements are recorded


def relu_text(x: float) -> str:
    f, df = float(relu(x)), float(relu_derivative(x))
    return f"ReLU at x = {format_number(x)}: f(x) = {format_number(f)}, f'(x) = {format_number(df)}"


def bias_text(fmap: np.ndarray, b: float) -> str:
    passed, total = int((fmap + b > 0).sum()), fmap.size
    return f"b = {format_number(b)}: {passed / total:.1%} of pixels pass ({passed:,} of {total:,})"


@pytest.fixture(scope="module")
def edge_maps():
    photo = load_photo()
    return {name: conv2d(photo, get_kernel(name)) for name in ("vertical edge", "horizontal edge")}


def _slider(page, label: str):
    """The handle (role=slider) of the ipywidgets slider whose visible description is ``label``."""
    box = page.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$")))
    return box.get_by_role("slider"), box.locator(".widget-readout")


def _picture(page, summary_text):
    """The explorer's picture: the <img> of the Image widget in the box that also holds its summary."""
    box = page.locator(".widget-vbox", has=page.locator(".widget-html-content", has_text=summary_text))
    return box.locator("img.widget-image")


def test_lesson03_runs_and_its_controls_answer_the_keyboard(page, lab, page_errors, edge_maps):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)

    # --- the x slider of relu_explorer -----------------------------------------------------------
    relu_summary = page.locator(".widget-html-content", has_text="ReLU at x =")
    expect(relu_summary).to_contain_text(relu_text(1.5))
    x_handle, x_readout = _slider(page, "x")
    expect(x_handle).to_have_attribute("aria-valuenow", "1.5")

    for key, x in [("ArrowRight", 1.75), ("End", 3.0), ("Home", -3.0), ("ArrowRight", -2.75)]:
        ms = press_and_measure(page, x_handle, key, relu_summary, relu_text(x), widget="relu_explorer x")
        assert ms < LATENCY_LIMIT_MS

    # land exactly on the corner by typing into the readout, as a student would
    x_readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    ms = press_and_measure(page, x_readout, "Enter", relu_summary, relu_text(0.0),
                           widget="relu_explorer x readout")
    assert ms < LATENCY_LIMIT_MS
    expect(relu_summary).to_contain_text("corner")
    expect(x_handle).to_have_attribute("aria-valuenow", "0.0")

    # the picture follows the slider: a new PNG per key, its alt text naming the marked point
    relu_picture = _picture(page, "ReLU at x =")
    expect(relu_picture).to_have_count(1)
    expect(relu_picture).to_have_attribute("alt", re.compile(re.escape("f(0) = 0")))
    for key, x in [("ArrowRight", 0.25), ("ArrowRight", 0.5), ("ArrowLeft", 0.25), ("End", 3.0)]:
        ms = press_and_measure_picture(page, x_handle, key, relu_picture, widget="relu_explorer x (picture)")
        assert ms < LATENCY_LIMIT_MS
        expect(relu_summary).to_contain_text(relu_text(x))
        fx = format_number(float(relu(x)))
        expect(relu_picture).to_have_attribute("alt", re.compile(re.escape(f"f({format_number(x)}) = {fx}")))

    # --- the bias slider and the kernel dropdown of relu_bias_explorer ---------------------------
    bias_summary = page.locator(".widget-html-content", has_text="of pixels pass")
    vertical = edge_maps["vertical edge"]
    expect(bias_summary).to_contain_text(bias_text(vertical, 0.0))
    b_handle, _ = _slider(page, "bias b")

    for key, b in [("ArrowLeft", -10.0), ("ArrowLeft", -20.0), ("End", 200.0), ("Home", -200.0)]:
        ms = press_and_measure(page, b_handle, key, bias_summary, bias_text(vertical, b),
                               widget="relu_bias_explorer bias")
        assert ms < LATENCY_LIMIT_MS

    kernel = page.locator(".widget-dropdown").filter(
        has=page.locator(".widget-label", has_text="kernel")).get_by_role("combobox")
    expect(kernel).to_have_value("vertical edge")
    # type-ahead: a focused <select> jumps to the first option starting with the typed letter
    ms = press_and_measure(page, kernel, "h", bias_summary,
                           bias_text(edge_maps["horizontal edge"], -200.0),
                           widget="relu_bias_explorer kernel")
    assert ms < LATENCY_LIMIT_MS
    expect(kernel).to_have_value("horizontal edge")

    kernel.select_option("vertical edge")
    expect(bias_summary).to_contain_text(bias_text(vertical, -200.0))

    # the bias explorer's picture follows the slider too
    bias_picture = _picture(page, "of pixels pass")
    expect(bias_picture).to_have_count(1)
    for key, b in [("ArrowRight", -190.0), ("ArrowRight", -180.0), ("End", 200.0)]:
        ms = press_and_measure_picture(page, b_handle, key, bias_picture,
                                       widget="relu_bias_explorer bias (picture)")
        assert ms < LATENCY_LIMIT_MS
        expect(bias_summary).to_contain_text(bias_text(vertical, b))
    expect(bias_picture).to_have_attribute("alt", re.compile(r"before: vertical edge map \+ b"))

    screenshot(page, "lesson03-relu")
    assert_no_errors(page, page_errors)  # no callback raised along the way
