"""Lesson 5 (05_feature_maps.ipynb) in a real browser: the notebook runs clean, and both explorers answer
keyboard input with the right numbers (computed here from cnnmath, not read from the widget).

Controls are found inside their explorer (the box whose summary carries the explorer's phrase) by their
visible label, then operated the way a person would: the slider with ArrowRight/Home/End, dropdowns by
typing the first letter of an option or End (headless Chromium ignores ArrowDown on a closed <select>), and
the text box by typing and pressing Enter.
"""

from __future__ import annotations

import re

import numpy as np

from cnnmath import KERNEL_NAMES, avg_pool2d, conv2d, get_kernel, load_photo
from cnnmath import receptive_field

from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture,
                      run_all, screenshot)

NOTEBOOK = "05_feature_maps.ipynb"
TIMEOUT = 30_000
SMALL = avg_pool2d(load_photo(normalize=True), size=5, stride=5)  # what the notebook's explorer uses


def _stat(v):
    text = f"{v:.3f}"
    return "0.000" if text == "-0.000" else text


def _line(k, name, kernel):
    fmap = conv2d(SMALL, kernel)
    return f"filter {k} ({name}): min {_stat(fmap.min())}, max {_stat(fmap.max())}, mean {_stat(fmap.mean())}"


def _explorer(page, control_label):
    """The explorer's box and its summary, found by the label of one of its controls (the summary alone
    would not do: an error message replaces its whole text)."""
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(control_label)}\s*$"))
    box = page.locator(".widget-vbox").filter(has=label).filter(has=page.locator(".widget-html-content")).last
    summary = box.locator(".widget-html-content")
    expect(summary).to_have_count(1, timeout=TIMEOUT)
    return box, summary


def _labelled(box, kind, label):
    """The control of class ``kind`` (e.g. widget-dropdown) whose visible label is exactly ``label``."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return box.locator(f".{kind}").filter(has=box.page.locator(".widget-label", has_text=exact)).first


def _open_and_run(page, lab, page_errors):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)


def test_lesson05_filter_bank_explorer(page, lab, page_errors):
    _open_and_run(page, lab, page_errors)
    box, summary = _explorer(page, "number of filters")
    for k, name in enumerate(("vertical edge", "horizontal edge", "diagonal edge"), start=1):
        expect(summary).to_contain_text(_line(k, name, get_kernel(name)))

    # filter 1 dropdown, keyboard: "h" jumps to the first preset starting with h
    dropdown = _labelled(box, "widget-dropdown", "filter 1").locator("select")
    first_h = next(name for name in KERNEL_NAMES if name.startswith("h"))
    press_and_measure(page, dropdown, "h", summary, _line(1, first_h, get_kernel(first_h)),
                      widget="filter bank: filter 1 dropdown")
    numbers = _labelled(box, "widget-text", "filter 1 numbers").locator("input")
    expect(numbers).to_have_value(" ".join(str(int(v)) for v in get_kernel(first_h).ravel()))
    # End: the last preset of the list, the custom entry, uses the numbers in the box (the same filter)
    press_and_measure(page, dropdown, "End", summary, _line(1, "custom", get_kernel(first_h)),
                      widget="filter bank: filter 1 dropdown")

    # filter 2 numbers, typed: the negative identity makes a custom filter (the photo, negated)
    text_box = _labelled(box, "widget-text", "filter 2 numbers").locator("input")
    text_box.click()
    text_box.press("Control+a")
    text_box.type("0 0 0 0 -1 0 0 0 0")
    custom = np.zeros((3, 3))
    custom[1, 1] = -1
    press_and_measure(page, text_box, "Enter", summary, _line(2, "custom", custom),
                      widget="filter bank: filter 2 numbers")
    expect(_labelled(box, "widget-dropdown", "filter 2").locator("select option:checked")).to_have_text(
        "custom (type 9 numbers)")

    # a mistake is explained in words, then fixed
    text_box.click()
    text_box.press("Control+a")
    text_box.type("1 2 3")
    press_and_measure(page, text_box, "Enter", summary, "found 3 number(s) but a 3x3 filter needs 9",
                      widget="filter bank: filter 2 numbers")
    text_box.click()
    text_box.press("Control+a")
    text_box.type("1/9 1/9 1/9 1/9 1/9 1/9 1/9 1/9 1/9")
    press_and_measure(page, text_box, "Enter", summary, _line(2, "custom", np.full((3, 3), 1 / 9)),
                      widget="filter bank: filter 2 numbers")

    # number of filters: 3 -> 4 shows the fourth (sharpen), Home goes back to one
    # the explorer's one picture (an Image whose PNG is replaced) follows the key, its alt text with it
    slider = _labelled(box, "widget-slider", "number of filters").get_by_role("slider")
    picture = box.locator("img.widget-image")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 3 panels.*'map 3: diagonal edge'"))
    press_and_measure_picture(page, slider, "ArrowRight", picture, widget="filter bank: number of filters")
    expect(summary).to_contain_text(_line(4, "sharpen", get_kernel("sharpen")))
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 4 panels.*'map 4: sharpen'"))
    expect(summary).to_contain_text("output of shape (1, 4, 118, 100)")
    expect(_labelled(box, "widget-dropdown", "filter 4")).to_be_visible()
    press_and_measure(page, slider, "Home", summary, "output of shape (1, 1, 118, 100)",
                      widget="filter bank: number of filters")
    expect(summary).not_to_contain_text("filter 2 (")
    expect(_labelled(box, "widget-dropdown", "filter 2")).to_be_hidden()
    screenshot(page, "lesson05-filter-bank")
    assert_no_errors(page, page_errors)


def test_lesson05_receptive_field_explorer(page, lab, page_errors):
    _open_and_run(page, lab, page_errors)
    box, summary = _explorer(page, "kernel size")
    expect(summary).to_contain_text("2 layer(s) of 3x3, stride 1: receptive field 5x5")

    slider = _labelled(box, "widget-slider", "layers").get_by_role("slider")
    picture = box.locator("img.widget-image")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 3 panels.*receptive field 5x5"))
    r = receptive_field([(3, 1)] * 3)
    press_and_measure_picture(page, slider, "ArrowRight", picture, widget="receptive field: layers slider")
    expect(summary).to_contain_text(f"3 layer(s) of 3x3, stride 1: receptive field {r}x{r}")
    expect(picture).to_have_attribute("alt", re.compile(rf"^Figure with 4 panels.*receptive field {r}x{r}"))
    r = receptive_field([(3, 1)] * 4)
    press_and_measure(page, slider, "End", summary, f"4 layer(s) of 3x3, stride 1: receptive field {r}x{r}",
                      widget="receptive field: layers slider")

    stride = _labelled(box, "widget-dropdown", "stride").locator("select")
    r = receptive_field([(3, 2)] * 4)
    press_and_measure(page, stride, "2", summary, f"4 layer(s) of 3x3, stride 2: receptive field {r}x{r}",
                      widget="receptive field: stride dropdown")

    kernel = _labelled(box, "widget-dropdown", "kernel size").locator("select")
    r = receptive_field([(5, 2)] * 4)
    press_and_measure(page, kernel, "5", summary, f"4 layer(s) of 5x5, stride 2: receptive field {r}x{r}",
                      widget="receptive field: kernel dropdown")
    r = receptive_field([(1, 2)] * 4)
    press_and_measure(page, kernel, "Home", summary, f"4 layer(s) of 1x1, stride 2: receptive field {r}x{r}",
                      widget="receptive field: kernel dropdown")
    press_and_measure(page, slider, "Home", summary, "1 layer(s) of 1x1, stride 2: receptive field 1x1",
                      widget="receptive field: layers slider")
    screenshot(page, "lesson05-receptive-field")
    assert_no_errors(page, page_errors)
