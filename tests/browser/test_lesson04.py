"""Lesson 4 (04_pooling.ipynb) in a real browser: the notebook runs clean, and each explorer answers
keyboard and button input with the right numbers (computed here from cnnmath, not read from the widget);
each explorer's picture (an ipywidgets Image) follows a key press, timed to the new picture, and its alt
text follows the picture.

Controls are found inside their explorer (the VBox whose summary carries the explorer's phrase) by their
visible label, then operated the way a person would: sliders with ArrowRight/ArrowLeft/End, toggle buttons
and the Play button with the keyboard (focus, Enter), the dropdown with select_option (a closed <select>
ignores arrow keys in headless Chromium).
"""

from __future__ import annotations

import re
import time

import numpy as np

from cnnmath import (avg_pool2d, conv2d, load_photo, max_pool2d, maxpool2d_backward, maxpool2d_forward,
                     pool_example_inputs, pooled_by_mode, relative_l2_change, relu, seed_kernel, seed_pool_input)
from cnnmath.viz.plots import format_number

from . import harness
from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture, run_all,
                      screenshot)

NOTEBOOK = "04_pooling.ipynb"
INPUTS = pool_example_inputs()
TIMEOUT = 30_000


def _explorer(page, phrase):
    """The explorer's VBox and its summary element, found by the phrase its summary always contains."""
    summary = page.locator(".widget-html-content").filter(has_text=phrase)
    expect(summary).to_have_count(1, timeout=TIMEOUT)
    box = page.locator(".widget-vbox").filter(has=summary).last  # the innermost box holding it
    return box, summary


def _picture(box):
    """The explorer's picture: the <img> of its Image widget."""
    picture = box.locator("img.widget-image")
    expect(picture).to_have_count(1, timeout=TIMEOUT)
    return picture


def _slider(box, label):
    return box.locator(".widget-slider").filter(has=box.page.locator(".widget-label", has_text=label)) \
        .get_by_role("slider")


def _button(box, text):
    return box.get_by_role("button", name=text, exact=True)


def _select_and_measure(page, dropdown, option, summary, expected, widget):
    """Choose ``option`` in a dropdown (a closed <select> ignores arrow keys in headless Chromium, so
    this uses Playwright's select_option) and record the ms until ``summary`` shows ``expected``."""
    start = time.perf_counter()
    dropdown.select_option(option)
    expect(summary).to_contain_text(expected, timeout=TIMEOUT)
    ms = (time.perf_counter() - start) * 1000
    harness.LATENCIES.append({"notebook": NOTEBOOK, "widget": widget, "key": f"select {option}",
                              "ms": round(ms, 1)})
    return ms


def _open_and_run(page, lab, page_errors):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)


def _out(x, size, stride, i, j, mode="max"):
    pool = max_pool2d if mode == "max" else avg_pool2d
    return format_number(pool(x, size, stride)[i, j])


def test_lesson04_pooling_explorer(page, lab, page_errors):
    _open_and_run(page, lab, page_errors)
    box, summary = _explorer(page, "Pooling window")
    x = seed_pool_input()
    expect(summary).to_contain_text(f"output[0, 0] = {_out(x, 2, 2, 0, 0)}")

    position = _slider(box, "Window #")
    press_and_measure(page, position, "ArrowRight", summary, "Pooling window 2 of 4",
                      widget="pooling: window slider")
    expect(summary).to_contain_text(f"output[0, 1] = {_out(x, 2, 2, 0, 1)}")
    press_and_measure(page, position, "End", summary, f"output[1, 1] = {_out(x, 2, 2, 1, 1)}",
                      widget="pooling: window slider")
    expect(position).to_have_attribute("aria-valuenow", "3.0")

    # the picture follows the window slider: a new PNG per key, its alt text naming the window
    picture = _picture(box)
    for key, k in [("ArrowLeft", 2), ("ArrowLeft", 1), ("ArrowRight", 2), ("End", 3)]:
        press_and_measure_picture(page, position, key, picture, widget="pooling: window slider (picture)")
        i, j = divmod(k, 2)
        expect(summary).to_contain_text(f"output[{i}, {j}] = {_out(x, 2, 2, i, j)}")
        expect(picture).to_have_attribute("alt", re.compile(rf"input, window \({i}, {j}\)"))

    # stride 2 -> 1: nine windows of 2x2, the window stays number 4, now output[1, 0]
    stride = _slider(box, "Stride")
    press_and_measure(page, stride, "ArrowLeft", summary, "Pooling window 4 of 9",
                      widget="pooling: stride slider")
    expect(summary).to_contain_text(f"output[1, 0] = {_out(x, 2, 1, 1, 0)}")

    # size 2 -> 3 with stride 1: overlapping windows, four of them
    size = _slider(box, "Window size")
    press_and_measure(page, size, "ArrowRight", summary, "Pooling window 4 of 4",
                      widget="pooling: size slider")
    expect(summary).to_contain_text(f"output[1, 1] = {_out(x, 3, 1, 1, 1)}")
    expect(summary).to_contain_text("overlap")

    # max -> average (toggle button, keyboard)
    press_and_measure(page, _button(box, "average"), "Enter", summary, "Their average is",
                      widget="pooling: max/average toggle")
    expect(summary).to_contain_text(f"output[1, 1] = {_out(x, 3, 1, 1, 1, 'average')}")
    press_and_measure(page, _button(box, "max"), "Enter", summary, "Their maximum is",
                      widget="pooling: max/average toggle")

    # the input dropdown -> 4x4 after ReLU (ties); still size 3, stride 1, window 4 of 4
    dropdown = box.get_by_role("combobox")
    ties = INPUTS["4x4 after ReLU (ties)"]
    _select_and_measure(page, dropdown, "4x4 after ReLU (ties)", summary,
                        f"output[1, 1] = {_out(ties, 3, 1, 1, 1)}", widget="pooling: input dropdown")
    window = ties[1:4, 1:4]
    expect(summary).to_contain_text("values " + ", ".join(format_number(v) for v in window.ravel()))

    # Play from the first window walks to the last one
    press_and_measure(page, position, "Home", summary, "Pooling window 1 of 4",
                      widget="pooling: window slider")
    play = box.locator(".widget-play button").first
    press_and_measure(page, play, "Enter", summary, "Pooling window 4 of 4", widget="pooling: Play",
                      timeout=20_000)
    expect(position).to_have_attribute("aria-valuenow", "3.0")
    screenshot(page, "lesson04-pooling-explorer")
    assert_no_errors(page, page_errors)


def _edge(img):
    return relu(conv2d(img, seed_kernel()))


def test_lesson04_shift_explorer(page, lab, page_errors):
    _open_and_run(page, lab, page_errors)
    box, summary = _explorer(page, "Shift of")
    photo = load_photo(normalize=True)
    top = left = 150
    side = 112

    def changes(shift, window, mode):
        before = _edge(photo[top:top + side + 2, left:left + side + 2])
        after = _edge(photo[top:top + side + 2, left + shift:left + shift + side + 2])
        pooled = relative_l2_change(pooled_by_mode(before, window, window, mode),
                                    pooled_by_mode(after, window, window, mode))
        return f"{relative_l2_change(before, after):.2f}", f"{pooled:.2f}"

    full, pooled = changes(1, 2, "max")
    expect(summary).to_contain_text(f"changes by {full}")
    expect(summary).to_contain_text(f"the change is {pooled}")

    full, pooled = changes(2, 2, "max")
    press_and_measure(page, _slider(box, "Shift (px)"), "ArrowRight", summary,
                      re.compile(rf"Shift of 2 pixels.*changes by {full}.*the change is {pooled}"),
                      widget="shift: shift slider")
    full, pooled = changes(2, 3, "max")
    press_and_measure(page, _slider(box, "Window = stride"), "ArrowRight", summary,
                      re.compile(rf"max pooling 3x3.*the change is {pooled}"), widget="shift: window slider")
    full, pooled = changes(2, 3, "subsample")
    press_and_measure(page, _button(box, "skip pixels"), "Enter", summary,
                      re.compile(rf"top-left pixel of each 3x3 window.*the change is {pooled}"),
                      widget="shift: reduce-by toggle")

    # the picture follows the shift slider, its alt text giving the changes the summary states
    picture = _picture(box)
    for key, shift in [("ArrowLeft", 1), ("ArrowRight", 2), ("End", 4)]:
        full, pooled = changes(shift, 3, "subsample")
        press_and_measure_picture(page, _slider(box, "Shift (px)"), key, picture,
                                  widget="shift: shift slider (picture)")
        expect(summary).to_contain_text(f"the change is {pooled}")
        expect(picture).to_have_attribute("alt", re.compile(rf"change: {full}.*change: {pooled}"))
    screenshot(page, "lesson04-shift-explorer")
    assert_no_errors(page, page_errors)


def _dx_sum(x, size, stride):
    h = (x.shape[0] - size) // stride + 1
    dout = np.arange(1.0, h * h + 1).reshape(h, h)
    _, cache = maxpool2d_forward(x[None, None], size, stride)
    return dout, maxpool2d_backward(dout[None, None], cache)[0, 0]


def test_lesson04_gradient_explorer(page, lab, page_errors):
    _open_and_run(page, lab, page_errors)
    box, summary = _explorer(page, "Gradient routing")
    x = seed_pool_input()
    dout, dx = _dx_sum(x, 2, 2)
    expect(summary).to_contain_text(f"dx sums to {format_number(dx.sum())}")

    # size 3 with stride 1: every window is won by the same entry, which collects all four gradients
    press_and_measure(page, _slider(box, "Window size"), "ArrowRight", summary, "dout = 1..1 ",
                      widget="gradient: size slider")  # 3x3 windows, stride 2: one window fits
    dout, dx = _dx_sum(x, 3, 1)
    r, c = np.unravel_index(np.argmax(dx), dx.shape)
    press_and_measure(page, _slider(box, "Stride"), "ArrowLeft", summary,
                      f"input[{r}, {c}] collects 4 gradients: 1 + 2 + 3 + 4 = {format_number(dx[r, c])}",
                      widget="gradient: stride slider")

    # back to 2x2 windows (nine with stride 1), then stride 2
    press_and_measure(page, _slider(box, "Window size"), "ArrowLeft", summary, "dout = 1..9",
                      widget="gradient: size slider")
    stride = _slider(box, "Stride")
    press_and_measure(page, stride, "ArrowRight", summary, "dout = 1..4", widget="gradient: stride slider")

    ties = INPUTS["4x4 after ReLU (ties)"]
    dout, dx = _dx_sum(ties, 2, 2)
    _select_and_measure(page, box.get_by_role("combobox"), "4x4 after ReLU (ties)", summary, "4 equal maxima",
                        widget="gradient: input dropdown")
    expect(summary).to_contain_text(f"dx sums to {format_number(dx.sum())}")

    # the equality mask copies each tied window's gradient to every tied entry
    copied = sum(dout[i, j] * np.count_nonzero(w == w.max())
                 for (i, j), w in (((i, j), ties[2 * i:2 * i + 2, 2 * j:2 * j + 2])
                                   for i in range(2) for j in range(2)))
    press_and_measure(page, _button(box, "equality mask (wrong)"), "Enter", summary,
                      f"dx sums to {format_number(copied)}", widget="gradient: tie-rule toggle")
    # splitting equally is valid too: each tied entry gets a share, and dx sums to what dout sent
    press_and_measure(page, _button(box, "split equally"), "Enter", summary,
                      f"dx sums to {format_number(dout.sum())}", widget="gradient: tie-rule toggle")
    expect(summary).to_contain_text("gives 1/4 of its gradient to each of its 4 equal maxima")

    # the picture follows the stride slider: nine windows of 2x2 with stride 1, then four again
    picture = _picture(box)
    for key, h in [("ArrowLeft", 3), ("ArrowRight", 2)]:
        press_and_measure_picture(page, stride, key, picture, widget="gradient: stride slider (picture)")
        expect(summary).to_contain_text(f"dout = 1..{h * h} ")
        expect(picture).to_have_attribute("alt", re.compile(
            rf"upstream gradient dout'; grid of {h} x {h} values.*dx \(split equally among ties\)"))
    screenshot(page, "lesson04-gradient-explorer")
    assert_no_errors(page, page_errors)
