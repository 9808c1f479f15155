"""Lesson 0 in a real JupyterLab: the notebook runs clean, and the practice widget answers the keyboard the
way the notebook says it does (arrows, Home/End, typing into the readout, Space on a toggle, Enter on a
button). Expected texts are computed here.
"""

from __future__ import annotations

import re

from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture,
                      run_all, screenshot)

NOTEBOOK = "00_start_here.ipynb"


def _practice(x, power=2):
    word = "squared" if power == 2 else "cubed"
    return f"Practice: x = {x}, so x {word} = {x ** power}"


def test_lesson00_runs_and_practice_widget_answers_the_keyboard(page, lab, page_errors):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)

    # two static figures plus the practice widget's own figure rendered, and the warm-up feedback
    expect(page.locator(".jp-OutputArea-output img")).to_have_count(3)
    expect(page.get_by_text("Your turn:").first).to_be_visible()

    summary = page.locator(".widget-html-content", has_text="Practice:")
    expect(summary).to_contain_text(_practice(3))
    slider = page.get_by_role("slider")
    expect(slider).to_have_count(1)
    expect(slider).to_have_attribute("aria-valuenow", "3.0")

    ms = [press_and_measure(page, slider, "ArrowRight", summary, _practice(4), widget="practice x slider")]
    ms.append(press_and_measure(page, slider, "ArrowDown", summary, _practice(3), widget="practice x slider"))
    ms.append(press_and_measure(page, slider, "ArrowUp", summary, _practice(4), widget="practice x slider"))
    ms.append(press_and_measure(page, slider, "End", summary, _practice(10), widget="practice x slider"))
    ms.append(press_and_measure(page, slider, "Home", summary, _practice(-10), widget="practice x slider"))
    expect(slider).to_have_attribute("aria-valuenow", "-10.0")

    # type into the number readout beside the slider
    readout = page.locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("-2")
    ms.append(press_and_measure(page, readout, "Enter", summary, _practice(-2), widget="practice x readout"))

    # toggle buttons: Space on "cubed"
    cubed = page.get_by_role("button", name="cubed", exact=True)
    ms.append(press_and_measure(page, cubed, "Space", summary, _practice(-2, 3), widget="practice power toggle"))

    # a push button: Enter on "reset x"
    reset = page.get_by_role("button", name="reset x")
    ms.append(press_and_measure(page, reset, "Enter", summary, _practice(3, 3), widget="practice reset button"))
    expect(slider).to_have_attribute("aria-valuenow", "3.0")

    # and Tab really reaches the controls in order: from the slider to its readout
    slider.focus()
    page.keyboard.press("Tab")
    expect(readout).to_be_focused()

    # the picture follows each key, and its text alternative follows the picture (the course's extension
    # turns the Image's title into alt, so no paragraph pops up over the picture on hover)
    picture = page.locator("img.widget-image")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure.*x = 3 x cubed = 27"))
    expect(picture).not_to_have_attribute("title", re.compile(".*"))
    for key, x in (("ArrowRight", 4), ("ArrowRight", 5), ("ArrowLeft", 4), ("End", 10), ("Home", -10)):
        ms.append(press_and_measure_picture(page, slider, key, picture, widget="practice x slider"))
        expect(summary).to_contain_text(_practice(x, 3))
        expect(picture).to_have_attribute("alt", re.compile(rf"x = {x} x cubed = {x ** 3}"))

    assert all(0 < m < 30_000 for m in ms), ms
    screenshot(page, "lesson00-practice")
    assert_no_errors(page, page_errors)
