"""Lesson 2 in a real JupyterLab: the notebook runs clean; the step-through slider and its Play button, the
kernel editor's preset menu and number boxes, the output-size sliders and the flip toggle answer the keyboard,
and their summaries state the numbers computed here from cnnmath.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnmath import conv2d, conv_output_size, convolve2d, get_kernel, load_photo, seed_image, seed_kernel
from cnnmath.viz.plots import format_number
from cnnmath.viz.widgets import FLIP_KERNELS

from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture, run_all,
                      screenshot)

NOTEBOOK = "02_convolution.ipynb"


@pytest.fixture(scope="module")
def small_photo():
    return load_photo()[::2, ::2]  # what the kernel editor shows


def _step(position):
    I, K = seed_image(), seed_kernel()
    out = conv2d(I, K)
    i, j = divmod(position, out.shape[1])
    terms = " + ".join(f"({format_number(a)})({format_number(b)})"
                       for a, b in zip(I[i:i + 3, j:j + 3].ravel(), K.ravel()))
    return f"Step {position + 1} of {out.size}: output[{i}, {j}] = {terms} = {format_number(out[i, j])}"


def _feature(photo, kernel, name):
    f = conv2d(photo, kernel)
    return (f"Feature map {f.shape[0]} x {f.shape[1]} ({name} kernel): min {f.min():.4g}, max {f.max():.4g}, "
            f"mean {f.mean():.4g}")


def _size(h, k, s, p):
    out = conv_output_size(h, k, s, p)
    return f"H_out = ({h} + 2*{p} - {k}) // {s} + 1 = {(h + 2 * p - k) // s} + 1 = {out}"


def _flip(name, flipped):
    I, K = seed_image(), np.array(FLIP_KERNELS[name], dtype=float)
    corr = conv2d(I, K[::-1, ::-1] if flipped else K)[0, 0]
    conv = convolve2d(I, K)[0, 0]
    if flipped:
        return (f"conv2d(I, flip(K)) equals convolve2d(I, K) at every position: output[0, 0] = "
                f"{format_number(conv)}")
    return f"conv2d(I, K)[0, 0] = {format_number(corr)} but convolve2d(I, K)[0, 0] = {format_number(conv)}: they differ"


def _slider(page, label):
    """The handle of the slider whose visible label is ``label``."""
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label)).get_by_role("slider")


def _dropdown(page, label):
    return page.locator(".widget-dropdown", has=page.locator(".widget-label", has_text=label)).get_by_role(
        "combobox")


def _picture(page, summary_text):
    """The explorer's picture (an ipywidgets Image): the <img> in the box that also holds its summary."""
    box = page.locator(".widget-vbox", has=page.locator(".widget-html-content", has_text=summary_text))
    return box.locator("img.widget-image")


def _number_box(page, label):
    return page.locator(".widget-text", has=page.locator(".widget-label", has_text=label)).locator("input")


def test_lesson02_runs_and_its_widgets_answer_the_keyboard(page, lab, page_errors, small_photo):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)
    expect(page.get_by_text("Your turn:")).to_have_count(4)   # three answers and the my_conv2d stub
    ms = []

    # --- step-through: position slider and Play ------------------------------------------------
    step = page.locator(".widget-html-content", has_text="Outputs filled in so far")
    expect(step).to_contain_text(_step(0))
    position = _slider(page, "position")
    expect(position).to_have_count(1)
    ms.append(press_and_measure(page, position, "ArrowRight", step, _step(1), widget="step position"))
    ms.append(press_and_measure(page, position, "End", step, _step(8), widget="step position"))
    ms.append(press_and_measure(page, position, "Home", step, _step(0), widget="step position"))
    expect(step).to_contain_text("Outputs filled in so far: 1 of 3 x 3 = 9")
    position.focus()
    page.keyboard.press("End")
    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    expect(step).to_contain_text(_step(6))
    expect(position).to_have_attribute("aria-valuenow", "6.0")
    play_button = page.locator(".widget-play button").first      # the ▶ button; the slider follows the Play
    expect(page.get_by_text("play the steps:")).to_be_visible()
    ms.append(press_and_measure(page, play_button, "Enter", step, _step(8), widget="step play (2 steps)",
                                timeout=30_000))
    expect(position).to_have_attribute("aria-valuenow", "8.0")
    step_picture = _picture(page, "Outputs filled in so far")
    expect(step_picture).to_have_count(1)
    for key, p in (("ArrowLeft", 7), ("ArrowLeft", 6), ("ArrowRight", 7)):
        ms.append(press_and_measure_picture(page, position, key, step_picture, widget="step position (picture)"))
        expect(step).to_contain_text(_step(p))
        i, j = divmod(p, 3)
        expect(step_picture).to_have_attribute("alt", re.compile(rf"output\[{i}, {j}\] = -6"))
    screenshot(page, "lesson02-step")

    # --- kernel editor: preset menu and a number box -------------------------------------------
    editor = page.locator(".widget-html-content", has_text="Feature map")
    expect(editor).to_contain_text(_feature(small_photo, get_kernel("vertical edge"), "vertical edge"))
    preset = _dropdown(page, "preset")
    expect(preset).to_have_count(1)
    # keyboard, as 00_start_here teaches it: open the list with Alt+Down, move with the arrows, choose with
    # Enter (type-ahead letters are no use here: "b", "i", "s" ... are JupyterLab's command-mode shortcuts)
    preset.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("ArrowDown")
    ms.append(press_and_measure(page, preset, "Enter", editor,
                                _feature(small_photo, get_kernel("horizontal edge"), "horizontal edge"),
                                widget="kernel preset (open, arrow, Enter)"))
    expect(preset).to_have_value("horizontal edge")
    preset.select_option("box blur")             # and by choosing an option, as a mouse user would
    expect(editor).to_contain_text(_feature(small_photo, get_kernel("box blur"), "box blur"))
    expect(editor).to_contain_text("sum to 1")
    preset.select_option("sobel x")
    expect(editor).to_contain_text(_feature(small_photo, get_kernel("sobel x"), "sobel x"))
    centre = _number_box(page, "K[1,1]")
    expect(centre).to_have_count(1)
    expect(centre).to_have_value("0")
    centre.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    edited = get_kernel("sobel x")
    edited[1, 1] = 4.0
    ms.append(press_and_measure(page, centre, "Enter", editor, _feature(small_photo, edited, "custom"),
                                widget="kernel box K[1,1]"))
    expect(preset).to_have_value("custom")
    expect(editor).to_contain_text("sum to 4")
    editor_picture = _picture(page, "Feature map")
    expect(editor_picture).to_have_count(1)
    centre.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    ms.append(press_and_measure_picture(page, centre, "Enter", editor_picture, widget="kernel box K[1,1] (picture)"))
    expect(editor_picture).to_have_attribute("alt", re.compile(r"kernel K \(sum 5\)"))
    screenshot(page, "lesson02-kernel-editor")

    # --- output size: four sliders -----------------------------------------------------------------
    size_text = page.locator(".widget-html-content", has_text="H_out = (")
    expect(size_text).to_contain_text(_size(5, 3, 1, 0))
    stride, image_size = _slider(page, "stride S"), _slider(page, "image size H")
    kernel_size, padding = _slider(page, "kernel size k"), _slider(page, "padding P")
    ms.append(press_and_measure(page, stride, "ArrowRight", size_text, _size(5, 3, 2, 0), widget="size stride"))
    ms.append(press_and_measure(page, image_size, "ArrowRight", size_text, _size(6, 3, 2, 0), widget="size H"))
    expect(size_text).to_contain_text("is not whole")
    expect(size_text).to_contain_text("the last 1 row and 1 column of the padded input")
    ms.append(press_and_measure(page, kernel_size, "End", size_text, "H_out = (6 + 2*0 - 7) // 2 + 1: no output.",
                                widget="size K"))
    ms.append(press_and_measure(page, padding, "End", size_text, _size(6, 7, 2, 3), widget="size padding"))
    size_picture = _picture(page, "H_out = (")
    expect(size_picture).to_have_count(1)
    for key, S in (("ArrowLeft", 1), ("ArrowRight", 2)):
        ms.append(press_and_measure_picture(page, stride, key, size_picture, widget="size stride (picture)"))
        expect(size_picture).to_have_attribute("alt", re.compile(re.escape(
            f"H_out = (6 + 2*3 - 7) // {S} + 1 = {conv_output_size(6, 7, S, 3)}")))
    screenshot(page, "lesson02-output-size")

    # --- convolution vs cross-correlation: the toggle and the kernel menu ---------------------------
    flip_text = page.locator(".widget-html-content", has_text="convolve2d(I, K)")
    names = list(FLIP_KERNELS)
    expect(flip_text).to_contain_text(_flip(names[0], False))
    toggle = page.get_by_role("button", name="flip K")
    expect(toggle).to_have_count(1)
    ms.append(press_and_measure(page, toggle, "Enter", flip_text, _flip(names[0], True), widget="flip toggle"))
    kernel_menu = _dropdown(page, "kernel K")
    kernel_menu.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("ArrowDown")
    ms.append(press_and_measure(page, kernel_menu, "Enter", flip_text, _flip(names[1], True),
                                widget="flip kernel menu (open, arrow, Enter)"))
    expect(kernel_menu).to_have_value(names[1])
    ms.append(press_and_measure(page, toggle, "Space", flip_text, _flip(names[1], False), widget="flip toggle"))
    kernel_menu.select_option("sharpen (the same after a 180-degree turn)")
    expect(flip_text).to_contain_text("unchanged by a 180-degree turn")
    flip_picture = _picture(page, "convolve2d(I, K)")
    expect(flip_picture).to_have_count(1)
    for key, title in (("Enter", "K flipped"), ("Space", "K as written")):
        ms.append(press_and_measure_picture(page, toggle, key, flip_picture, widget="flip toggle (picture)"))
        expect(flip_picture).to_have_attribute("alt", re.compile(rf"Image titled '{title}"))
    screenshot(page, "lesson02-flip")

    assert all(0 < m < 30_000 for m in ms), ms
    assert_no_errors(page, page_errors)
