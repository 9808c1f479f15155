"""Every lesson presents as slides (jupyterlab-rise) from the same notebook students run.

The rules a teacher relies on, checked on every notebook: each cell says how it shows (slide, subslide,
fragment, part of the slide before it, or skipped); each slide opens with a heading, one idea per slide;
solutions are skipped; every widget sits on a slide, not skipped or hidden behind a fragment; the
slideshow settings work offline. tests/browser/test_slides.py opens a lesson as a slideshow for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
# reveal.js themes whose fonts ship inside jupyterlab-rise; the others load web fonts from Google,
# which a classroom without internet cannot reach.
OFFLINE_THEMES = {"white", "black", "serif"}
WIDGET_NOTE = "Interactive widget:"  # what tools/run_notebooks.py leaves where a live widget was


def _slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def _shows_a_widget(cell) -> bool:
    return cell.cell_type == "code" and WIDGET_NOTE in json.dumps(cell.get("outputs", []))


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_there_are_lessons_to_present():
    assert len(NOTEBOOKS) == 9


def test_every_cell_says_how_it_shows(nb):
    missing = [i for i, cell in enumerate(nb.cells) if _slide_type(cell) not in SLIDE_TYPES]
    assert not missing, f"cells without a valid slideshow.slide_type: {missing}"


def test_slides_open_with_a_heading(nb):
    assert _slide_type(nb.cells[0]) == "slide" and nb.cells[0].source.startswith("# ")
    starts = [cell for cell in nb.cells if _slide_type(cell) == "slide"]
    assert len(starts) >= 5, "a lesson should have a slide per idea, not one long slide"
    bad = [cell.source[:50] for cell in starts
           if cell.cell_type != "markdown" or not cell.source.lstrip().startswith("#")]
    assert not bad, f"slides that do not open with a heading: {bad}"


def test_solutions_are_skipped(nb):
    solutions = [cell for cell in nb.cells if "solution" in cell.metadata.get("tags", [])]
    folded = [cell for cell in nb.cells if cell.cell_type == "markdown" and "<summary>Solution" in cell.source]
    assert folded, "every lesson has worked solutions"
    assert all(any(cell is s for s in solutions) for cell in folded), "a folded solution is not tagged"
    assert all(_slide_type(cell) == "skip" for cell in solutions)


def test_widgets_are_live_on_their_slides(nb):
    widgets = [cell for cell in nb.cells if _shows_a_widget(cell)]
    assert widgets, "every lesson has at least one widget"
    hidden = [cell.source[:50] for cell in widgets if _slide_type(cell) not in {"slide", "subslide", "-"}]
    assert not hidden, f"widget cells skipped or behind a fragment: {hidden}"


def test_setup_cell_is_kept_off_the_slides(nb):
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "import" in first_code.source and _slide_type(first_code) == "skip"


def test_slideshow_settings_work_offline(nb):
    rise = nb.metadata.get("rise", {})
    assert rise.get("theme") in OFFLINE_THEMES
    assert rise.get("scroll") is True, "tall slides (a figure and a widget) must scroll, not be cut off"
    assert rise.get("start_slideshow_at") == "beginning"


def test_course_stylesheet_sits_beside_the_notebooks():
    css = (ROOT / "notebooks" / "rise.css").read_text()
    assert ".reveal" in css and "@import" not in css, "rise.css must not pull anything from the web"
