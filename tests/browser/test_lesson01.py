"""Lesson 1 in a real JupyterLab: the notebook runs clean; the zoom widget's three sliders and the grayscale
widget's sliders and preset menu answer the keyboard, and their summaries state the numbers computed here
from cnnmath.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnmath import GRAY_WEIGHTS, load_photo, load_photo_rgb
from cnnmath.viz.plots import format_number
from cnnmath.viz.widgets import GRAY_PRESETS

import re

from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture, run_all,
                      screenshot)

NOTEBOOK = "01_image_as_matrix.ipynb"


@pytest.fixture(scope="module")
def photo():
    return load_photo()


@pytest.fixture(scope="module")
def rgb():
    return load_photo_rgb().astype(float)


def _zoom(photo, r, c, s):
    return (f"Zoom: rows {r} to {r + s - 1}, columns {c} to {c + s - 1} ({s} x {s} pixels); "
            f"I[{r}, {c}] = {format_number(photo[r, c])}")


def _gray(rgb, weights, pixel=(300, 250)):
    w = np.asarray(weights, dtype=float)
    terms = " + ".join(f"{wi:.3f} x {int(ci)}" for wi, ci in zip(w, rgb[pixel]))
    return f"Gray at pixel ({pixel[0]}, {pixel[1]}) = {terms} = {float(rgb[pixel] @ w):.1f}"


def _slider(page, label):
    """The handle of the slider whose visible label is ``label``."""
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label)).get_by_role("slider")


def _readout(page, label):
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label)).locator(
        ".widget-readout")


def _picture(page, summary_text):
    """The explorer's picture (an ipywidgets Image): the <img> in the box that also holds its summary."""
    box = page.locator(".widget-vbox", has=page.locator(".widget-html-content", has_text=summary_text))
    return box.locator("img.widget-image")


def _type_into(page, readout, text):
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_lesson01_runs_and_its_widgets_answer_the_keyboard(page, lab, page_errors, photo, rgb):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)
    expect(page.get_by_text("Your turn:")).to_have_count(4)

    # --- the zoom widget: top row, left column, window size -------------------------------------
    zoom = page.locator(".widget-html-content", has_text="Zoom: rows")
    expect(zoom).to_contain_text(_zoom(photo, 200, 250, 8))
    row, col, size = _slider(page, "top row i"), _slider(page, "left column j"), _slider(page, "window size")
    for handle in (row, col, size):
        expect(handle).to_have_count(1)

    ms = [press_and_measure(page, row, "ArrowRight", zoom, _zoom(photo, 201, 250, 8), widget="zoom row")]
    ms.append(press_and_measure(page, col, "ArrowLeft", zoom, _zoom(photo, 201, 249, 8), widget="zoom column"))
    ms.append(press_and_measure(page, row, "End", zoom, _zoom(photo, 592, 249, 8), widget="zoom row"))
    ms.append(press_and_measure(page, col, "Home", zoom, _zoom(photo, 592, 0, 8), widget="zoom column"))
    ms.append(press_and_measure(page, size, "ArrowRight", zoom, _zoom(photo, 591, 0, 9), widget="zoom size"))
    # typing a size into the readout: the window grows and moves up so that it still fits
    size_readout = _readout(page, "window size")
    _type_into(page, size_readout, "16")
    ms.append(press_and_measure(page, size_readout, "Enter", zoom, _zoom(photo, 584, 0, 16),
                                widget="zoom size readout"))
    expect(row).to_have_attribute("aria-valuenow", "584.0")
    # exercise 2's window, typed in: its top-left value is the one the exercise asks for
    _type_into(page, _readout(page, "top row i"), "300")
    ms.append(press_and_measure(page, _readout(page, "top row i"), "Enter", zoom, _zoom(photo, 300, 0, 16),
                                widget="zoom row readout"))
    _type_into(page, _readout(page, "left column j"), "260")
    ms.append(press_and_measure(page, _readout(page, "left column j"), "Enter", zoom,
                                _zoom(photo, 300, 260, 16), widget="zoom column readout"))
    # the picture follows the key too, with its text alternative
    zoom_picture = _picture(page, "Zoom: rows")
    expect(zoom_picture).to_have_count(1)
    expect(zoom_picture).to_have_attribute("alt", re.compile(r"^Figure.*I\[300:316, 260:276\]"))
    for key, r in (("ArrowRight", 301), ("ArrowLeft", 300)):
        ms.append(press_and_measure_picture(page, row, key, zoom_picture, widget="zoom row (picture)"))
        expect(zoom).to_contain_text(_zoom(photo, r, 260, 16))
        expect(zoom_picture).to_have_attribute("alt", re.compile(rf"I\[{r}:{r + 16}, 260:276\]"))
    screenshot(page, "lesson01-zoom")

    # --- the grayscale widget: preset menu and weight sliders -----------------------------------
    gray = page.locator(".widget-html-content", has_text="Gray at pixel")
    expect(gray).to_contain_text(_gray(rgb, GRAY_WEIGHTS))
    preset = page.locator(".widget-dropdown").get_by_role("combobox")  # not the toolbar's cell-type menu
    expect(preset).to_have_count(1)
    names = list(GRAY_PRESETS)
    # keyboard, as 00_start_here teaches it: type an option's first letter (a closed <select> ignores the
    # arrow keys in headless Chromium), or open the list with Alt+Down, move with the arrows, choose with Enter
    assert names[1][0] not in {name[0] for name in names[:1]}  # the letter picks exactly that option
    ms.append(press_and_measure(page, preset, names[1][0], gray, _gray(rgb, GRAY_PRESETS[names[1]]),
                                widget="gray preset menu (type-ahead)"))
    expect(preset).to_have_value(names[1])
    preset.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("ArrowDown")
    ms.append(press_and_measure(page, preset, "Enter", gray, _gray(rgb, GRAY_PRESETS[names[2]]),
                                widget="gray preset menu (open, arrow, Enter)"))
    expect(preset).to_have_value(names[2])
    preset.select_option(names[-1])  # and by choosing an option, as a mouse user would
    expect(gray).to_contain_text(_gray(rgb, GRAY_PRESETS[names[-1]]))
    expect(gray).to_contain_text("weights sum to 2.000, more than 1")

    red = _slider(page, "weight of R")
    expect(red).to_have_count(1)
    weights = list(GRAY_PRESETS[names[-1]])
    weights[0] = 1.2
    ms.append(press_and_measure(page, red, "End", gray, _gray(rgb, weights), widget="gray R weight"))
    expect(preset).to_have_value("custom")
    green_readout = _readout(page, "weight of G")
    _type_into(page, green_readout, "0")
    weights[1] = 0.0
    ms.append(press_and_measure(page, green_readout, "Enter", gray, _gray(rgb, weights),
                                widget="gray G readout"))
    gray_picture = _picture(page, "Gray at pixel")
    expect(gray_picture).to_have_count(1)
    for key, total in (("ArrowLeft", "1.427"), ("ArrowRight", "1.428")):  # R 1.199, then 1.2 again
        ms.append(press_and_measure_picture(page, red, key, gray_picture, widget="gray R weight (picture)"))
        expect(gray_picture).to_have_attribute("alt", re.compile(rf"Chart titled 'weights, sum {total}'"))

    assert all(0 < m < 30_000 for m in ms), ms
    screenshot(page, "lesson01-gray")
    assert_no_errors(page, page_errors)
