"""The lessons as slides: lesson 3 opened as a jupyterlab-rise slideshow in a real Chromium.

What a teacher does before class, checked step by step: run the notebook in JupyterLab, open the same
notebook as a slideshow, find one slide per idea (the count comes from the notebook's own slide metadata),
see the formulas typeset without internet, step to the explorer's slide with the arrow keys, run its cell
there and drive the live widget from the keyboard. Solutions must stay off the exercise slides.

The course's extension (labextension/, cnnmath-rise-widgets) is what lets the widget load and take the
arrow keys on the slide; it must do so without causing any shared-module message in the browser console,
in JupyterLab (with Notebook 7 installed alongside, as the course's requirements do) or in the slideshow.
The slideshow page logs many such messages of other extensions, each listed with its source in
shared_modules.py; any message not on that list fails the test too.
"""

from __future__ import annotations

import re

import nbformat

from . import shared_modules
from .harness import LOCAL_URL_PREFIXES, REPO_ROOT, expect, open_notebook, press_and_measure, run_all, screenshot
from .shared_modules import ConsoleLog
from .test_lesson03 import relu_text  # the explorer's summary line, computed from cnnmath

NOTEBOOK = "03_relu.ipynb"
SLIDE_TIMEOUT_MS = 60_000

# Console errors the slideshow page always logs, whatever the notebook, that change nothing on screen:
# jupyterlab-rise asks for an optional per-notebook stylesheet NAME.css next to the notebook (the
# course ships the shared rise.css only), and the toolkit bundled in jupyterlab-rise 0.43.1 overflows
# its stack while registering design tokens. The messages of other extensions about the shared scope
# are judged by shared_modules.RISE_PAGE_KNOWN instead. Everything else fails the test.
KNOWN_RISE_NOISE = (
    re.compile(r"Refused to apply style from '[^']*/files/(?:[^'/]*/)?\d\d_[a-z_]+\.css'"),
    re.compile(r"^console error: RangeError: Maximum call stack size exceeded$"),
)


def _slides_in_metadata(name: str) -> list[str]:
    """The first line of each cell that starts a new slide, read from the notebook file."""
    nb = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    return [cell.source.strip().splitlines()[0] for cell in nb.cells
            if cell.metadata.get("slideshow", {}).get("slide_type") == "slide"]


def _slide_index(titles: list[str], heading: str) -> int:
    return next(i for i, title in enumerate(titles) if heading in title)


def _go_to_slide(page, index: int, max_steps: int = 60) -> None:
    """Press the right arrow, as a presenter does, until slide ``index`` (its first part) is shown.

    RISE steps linearly: the right arrow also visits the subslides, so the number of presses is not known
    in advance. Each press is awaited (the address changes) before the next.
    """
    page.locator(".reveal").click(position={"x": 5, "y": 5})  # focus the slideshow, not a cell editor
    target = f"#/slide-{index}-0"
    for _ in range(max_steps):
        url = page.url
        if url.endswith(target):
            return
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(before) => window.location.href !== before", arg=url, timeout=10_000)
    raise AssertionError(f"{max_steps} right-arrow presses did not reach {target}; at {page.url}")


def test_lesson03_as_a_slideshow_with_a_live_widget(page, lab, page_errors):
    titles = _slides_in_metadata(NOTEBOOK)
    assert len(titles) >= 8, titles

    # Before class: run the notebook once, so its kernel holds the lesson's imports and data.
    console = ConsoleLog.record(page)
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    expect(page.locator(".widget-html-content", has_text="ReLU at x =").first).to_be_visible()
    problems = shared_modules.problems(console, shared_modules.LAB_PAGE_KNOWN)
    assert not problems, "JupyterLab's console has shared-module messages:\n  " + "\n  ".join(problems)
    page_errors.clear()  # only the slideshow page is judged below; the notebook tests judge the rest
    console.clear()

    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(LOCAL_URL_PREFIXES) else None)
    page.goto(f"{lab.url}/rise/{NOTEBOOK}?token={lab.token}")

    # --- it renders: one horizontal slide per "slide" cell, the title first -----------------------
    slides = page.locator(".reveal .slides > section")
    expect(slides).to_have_count(len(titles), timeout=SLIDE_TIMEOUT_MS)
    expect(page.locator(".reveal .slides > section.present h1")).to_contain_text("Lesson 3")

    # --- the explorer's slide: heading, typeset formulas, and the cell that makes the widget -------
    explore = _slide_index(titles, "Explore: slide x")
    _go_to_slide(page, explore)
    present = page.locator(".reveal .slides > section.present")
    expect(present.locator("h2")).to_contain_text("Explore: slide x along the ramp")
    expect(present.locator("h2")).to_be_in_viewport()
    expect(present.locator("mjx-container").first).to_be_visible()  # MathJax, served locally
    widget_cell = present.locator(".jp-CodeCell").filter(has_text="relu_explorer(x=1.5)")
    expect(widget_cell).to_be_visible()

    # --- run it on the slide (Shift+Enter, RISE's run-and-advance) and drive the widget -------------
    widget_cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Shift+Enter")
    summary = present.locator(".widget-html-content", has_text="ReLU at x =")
    expect(summary).to_contain_text(relu_text(1.5), timeout=SLIDE_TIMEOUT_MS)
    x_handle = present.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=re.compile(r"^x$"))).get_by_role("slider")
    expect(x_handle).to_be_in_viewport()
    # In a slideshow the arrow keys also mean "next slide" (reveal.js) and "next cell" (the notebook);
    # with the focus on a slider they must step the slider, as in JupyterLab (cnnmath-rise-widgets).
    slide_url = page.url
    for key, x in [("ArrowRight", 1.75), ("ArrowUp", 2.0), ("ArrowDown", 1.75), ("ArrowLeft", 1.5),
                   ("Home", -3.0), ("End", 3.0)]:
        ms = press_and_measure(page, x_handle, key, summary, relu_text(x),
                               widget="slideshow relu_explorer x", notebook=NOTEBOOK)
        assert ms < 20_000
    assert page.url == slide_url, "driving the widget must not turn the slide"
    screenshot(page, "slides-lesson03-explorer")

    # --- the exercise slide shows the task and the answer cell, never the solution -----------------
    _go_to_slide(page, _slide_index(titles, "Exercises"))
    present = page.locator(".reveal .slides > section.present")
    expect(present.locator(".jp-CodeCell").filter(has_text="answer = None").first).to_be_visible()
    solutions = present.locator("details")
    assert solutions.count() >= 1, "the solution cell should be in the page, hidden by its 'skip' metadata"
    for i in range(solutions.count()):
        expect(solutions.nth(i)).to_be_hidden()
    screenshot(page, "slides-lesson03-exercises")

    # --- offline and clean ------------------------------------------------------------------------
    assert not outside, f"the slideshow asked for outside resources (themes must be offline): {outside}"
    problems = shared_modules.problems(console, shared_modules.RISE_PAGE_KNOWN)
    assert not problems, "the slideshow's console has shared-module messages:\n  " + "\n  ".join(problems)
    errors = [e for e in page_errors if not _judged_elsewhere(e)]
    assert not errors, "the slideshow page logged errors:\n  " + "\n  ".join(errors)


def _judged_elsewhere(error: str) -> bool:
    """Known slideshow noise, or a shared-module message (shared_modules.problems judges those)."""
    text = error.split(": ", 1)[1]  # without the "console error: " or "page error: " in front
    return (any(p.search(error) for p in KNOWN_RISE_NOISE)
            or shared_modules.SHARED_MODULE_MESSAGE.search(text) is not None
            or any(p.search(text) for p in shared_modules.RISE_PAGE_KNOWN))
