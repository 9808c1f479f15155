"""No WCAG 2.0/2.1 A or AA violation in what a lesson shows, audited by axe-core inside real JupyterLab.

For every lesson: the committed outputs as JupyterLab renders them when the notebook is opened (what a
student sees before running anything), then the live outputs after running every cell (figures, explorers,
printed text). Only the output areas are audited: JupyterLab's own menus and panels are not the course's.
The counts per lesson land in test-artifacts/accessibility.json.
"""

from __future__ import annotations

import re

import pytest

from .accessibility import audit, describe, record
from .harness import assert_no_errors, open_notebook, run_all

LESSONS = ["00_start_here.ipynb", "01_image_as_matrix.ipynb", "02_convolution.ipynb", "03_relu.ipynb",
           "04_pooling.ipynb", "05_feature_maps.ipynb", "06_backpropagation.ipynb", "07_full_pipeline.ipynb",
           "08_deeper.ipynb"]


# Stock JupyterLab 4.6 and ipywidgets 8.1 leave three things to the course's own extension: a figure's alt
# text kept in its output metadata, slider handle names and the Play buttons' names. Its plugin
# cnnmath-rise-widgets:accessible-names supplies them (docs/accessibility.md); without it these tests fail.


def assert_accessible(**audits: list[dict]) -> None:
    """Fail on any violation of any audit (name=nodes)."""
    assert not any(audits.values()), "\n".join(f"{w}: {describe(n)}" for w, n in audits.items() if n)


@pytest.mark.parametrize("notebook", LESSONS)
def test_lesson_outputs_pass_axe(page, lab, page_errors, notebook):
    open_notebook(page, lab, notebook)
    page.locator(".jp-OutputArea-output img").first.wait_for(state="attached")
    roots, committed = audit(page)
    record(f"{notebook[:2]} committed", roots, committed)

    run_all(page)
    assert_no_errors(page, page_errors)
    roots, live = audit(page)
    record(f"{notebook[:2]} after run", roots, live)

    assert_accessible(committed_outputs=committed, after_running_every_cell=live)


# --- the slideshow of lesson 3 (jupyterlab-rise), slide by slide --------------------------------------

SLIDESHOW = "03_relu.ipynb"
_JS_SLIDE_STATE = """() => [window.location.hash,
    document.querySelectorAll('.reveal .fragment.visible').length].join(' ')"""


def _slides_in_metadata(name: str) -> int:
    import nbformat

    from .harness import REPO_ROOT

    nb = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    return sum(cell.metadata.get("slideshow", {}).get("slide_type") == "slide" for cell in nb.cells)


def test_lesson03_slideshow_passes_axe(page, lab, page_errors):
    from .harness import expect

    open_notebook(page, lab, SLIDESHOW)
    run_all(page)  # before class: the kernel holds the lesson's imports, as in test_slides
    page.goto(f"{lab.url}/rise/{SLIDESHOW}?token={lab.token}")
    expect(page.locator(".reveal .slides > section.present h1")).to_contain_text("Lesson 3", timeout=60_000)
    page.locator(".reveal").click(position={"x": 5, "y": 5})  # the keys go to the slideshow

    seen: dict[tuple[str, int], dict] = {}
    slides_with_outputs = 0

    def audit_here():
        nonlocal slides_with_outputs
        roots, nodes = audit(page, ".reveal .slides section.present .jp-OutputArea-output")
        slides_with_outputs += bool(roots)
        for node in nodes:
            seen.setdefault((node["rule"], node["element"]), node)

    audit_here()
    last = f"#/slide-{_slides_in_metadata(SLIDESHOW) - 1}-"
    trail = [page.evaluate(_JS_SLIDE_STATE)]
    ran_explorer = False
    while True:  # the right arrow, as a presenter steps, until it moves no more on the last slide
        page.keyboard.press("Space")
        try:
            page.wait_for_function(f"(before) => ({_JS_SLIDE_STATE})() !== before", arg=trail[-1],
                                   timeout=5_000)
        except Exception:
            if trail[-1].startswith(last):
                break
            raise AssertionError(f"the right arrow stopped before the last slide: {trail}") from None
        trail.append(page.evaluate(_JS_SLIDE_STATE))
        assert len(trail) < 100, trail
        present = page.locator(".reveal .slides > section.present")
        explorer = present.locator(".jp-CodeCell").filter(has_text="relu_explorer(x=1.5)")
        if explorer.count() and not ran_explorer:
            # the explorer's slide: run its cell there, as a presenter does, and audit the live widget
            ran_explorer = True
            explorer.locator(".jp-InputArea-prompt").click()
            page.keyboard.press("Shift+Enter")
            expect(present.locator(".widget-html-content", has_text="ReLU at x =")).to_be_visible(timeout=60_000)
            picture = present.locator("img.widget-image")  # the explorer's picture, with its text alternative
            expect(picture).to_be_visible()
            expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 2 panels.*ReLU"))
            audit_here()
            page.locator(".reveal").click(position={"x": 5, "y": 5})
            if page.evaluate(_JS_SLIDE_STATE) != trail[-1]:
                trail.append(page.evaluate(_JS_SLIDE_STATE))
        audit_here()

    nodes = list(seen.values())
    record("03 slideshow", slides_with_outputs, nodes)
    assert ran_explorer, f"no slide showed the relu_explorer cell: {trail}"
    assert slides_with_outputs >= 5, f"only {slides_with_outputs} slide(s) showed outputs: the walk went wrong"
    assert_accessible(slideshow=nodes)
