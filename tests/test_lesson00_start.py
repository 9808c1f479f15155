"""Lesson 0 (00_start_here.ipynb): the pipeline diagram, the practice plot and explorer, the warm-up check,
and the notebook's map of lessons kept in step with the package.

Expected numbers are computed here, never copied from the explorer.
"""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from cnnmath.checks import WARMUP_CUBE, check_warmup  # noqa: E402
from cnnmath.viz.plots import PIPELINE_STEPS, cnn_pipeline_diagram, practice_plot  # noqa: E402
from cnnmath.viz.widgets import practice_explorer  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "00_start_here.ipynb"
LESSONS = ["00_start_here", "01_image_as_matrix", "02_convolution", "03_relu", "04_pooling",
           "05_feature_maps", "06_backpropagation", "07_full_pipeline", "08_deeper"]


# --- plots ----------------------------------------------------------------------------------------

def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_pipeline_diagram_is_drawn_from_patches_with_every_step_and_lesson():
    fig = cnn_pipeline_diagram()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert not ax.images  # boxes and arrows, not a picture file
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == 7  # six steps in boxes plus the output Y
    assert len(arrows) >= 8  # six forward arrows, the repeat loop, the learning arrows
    text = _texts(fig)
    for number in range(1, 9):
        assert re.search(rf"\b{number}\. ", text), f"step {number} missing"
    for lesson in ("01", "02", "03", "04", "05", "06", "07"):
        assert f"lesson {lesson}" in text


@pytest.mark.parametrize("step", [1, 5, 8])
def test_pipeline_diagram_highlights_a_step(step):
    plain = cnn_pipeline_diagram()
    marked = cnn_pipeline_diagram(highlight=step)
    widths = lambda fig: sorted(p.get_linewidth() for p in fig.axes[0].patches)  # noqa: E731
    lines = lambda fig: sorted(line.get_linewidth() for line in fig.axes[0].lines)  # noqa: E731
    assert (widths(marked), lines(marked)) != (widths(plain), lines(plain))


@pytest.mark.parametrize("bad", [0, 9, "conv"])
def test_pipeline_diagram_rejects_unknown_steps(bad):
    with pytest.raises(ValueError, match="highlight"):
        cnn_pipeline_diagram(highlight=bad)


def test_pipeline_diagram_draws_into_a_given_axes():
    fig, ax = plt.subplots(figsize=(12, 4))
    assert cnn_pipeline_diagram(ax=ax) is fig


def test_pipeline_steps_match_the_seed_order_and_the_lessons():
    assert [s[0] for s in PIPELINE_STEPS] == list(range(1, 9))
    assert [s[1] for s in PIPELINE_STEPS] == ["Input image", "Convolve", "ReLU", "Pool", "Repeat", "Flatten",
                                            "Dense", "Backpropagation"]
    assert all(s[3] in LESSONS for s in PIPELINE_STEPS)


@pytest.mark.parametrize(("x", "power", "text"), [(3, 2, "x squared = 9"), (-7, 3, "x cubed = -343"),
                                                  (0, 2, "x squared = 0"), (10, 3, "x cubed = 1000")])
def test_practice_plot_marks_and_writes_the_point(x, power, text):
    fig = practice_plot(x, power)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    marker = ax.lines[1]
    assert list(marker.get_xdata()) == [x] and list(marker.get_ydata()) == [x ** power]
    assert text in _texts(fig)


@pytest.mark.parametrize(("x", "power"), [(1, 4), (float("nan"), 2)])
def test_practice_plot_rejects_bad_input(x, power):
    with pytest.raises(ValueError):
        practice_plot(x, power)


# --- explorer -------------------------------------------------------------------------------------

def test_practice_explorer_starts_at_three_squared():
    ex = practice_explorer()
    assert isinstance(ex, Explorer)
    assert {name: c.description for name, c in ex.controls.items()} == {
        "x": "x", "power": "power", "reset": "reset x"}
    assert ex.state == {"x": 3, "power": 2, "y": 9}
    assert "Practice: x = 3, so x squared = 9" in ex.summary.value
    assert ex.last_error is None


@pytest.mark.parametrize("x", [-10, -7, -1, 0, 1, 4, 10])
@pytest.mark.parametrize(("power", "word"), [(2, "squared"), (3, "cubed")])
def test_practice_explorer_follows_slider_and_toggle(x, power, word):
    ex = practice_explorer()
    ex.controls["power"].value = power
    ex.controls["x"].value = x
    assert ex.state == {"x": x, "power": power, "y": x ** power}
    assert f"Practice: x = {x}, so x {word} = {x ** power}" in ex.summary.value


def test_practice_slider_clamps_out_of_range_values():
    ex = practice_explorer()
    ex.controls["x"].value = 50
    assert ex.state["x"] == 10 and ex.state["y"] == 100
    ex.controls["x"].value = -50
    assert ex.state["x"] == -10 and ex.state["y"] == 100


def test_practice_reset_button_returns_to_the_start():
    ex = practice_explorer(x=2)
    ex.controls["power"].value = 3
    ex.controls["x"].value = -6
    assert ex.state["y"] == -216
    ex.controls["reset"].click()
    assert ex.state == {"x": 2, "power": 3, "y": 8}
    assert "x = 2, so x cubed = 8" in ex.summary.value


def test_practice_explorer_rejects_a_bad_power():
    with pytest.raises(ValueError, match="power"):
        practice_explorer(power=4)


# --- check ----------------------------------------------------------------------------------------

def test_warmup_check():
    answer = round(-abs(WARMUP_CUBE) ** (1 / 3)) if WARMUP_CUBE < 0 else round(WARMUP_CUBE ** (1 / 3))
    assert answer ** 3 == WARMUP_CUBE
    assert check_warmup(None).ok is None
    assert check_warmup(answer).ok is True
    assert check_warmup(float(answer)).ok is True
    assert check_warmup([answer]).ok is True  # a one-element list is the same answer (issue 14)
    for wrong in (-answer, answer + 1, 0, 2.5, "seven", True, [answer, answer]):
        feedback = check_warmup(wrong)
        assert feedback.ok is False, wrong
        assert not re.search(rf"(?<![\d-]){answer}(?!\d)", feedback.message), feedback.message


# --- the notebook's text stays in step with the package -------------------------------------------

@pytest.fixture(scope="module")
def notebook():
    if not NOTEBOOK.exists():
        pytest.skip("00_start_here.ipynb not generated yet")
    return nbformat.read(NOTEBOOK, as_version=4)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_notebook_links_every_lesson(notebook):
    text = _markdown(notebook)
    for lesson in LESSONS:
        assert f"]({lesson}.ipynb)" in text, lesson


def test_notebook_step_table_matches_the_diagram(notebook):
    text = _markdown(notebook)
    for number, name, _what, lesson in PIPELINE_STEPS:
        row = next((line for line in text.splitlines() if line.startswith(f"| {number}. ")), None)
        assert row is not None, f"no table row for step {number}"
        assert f"]({lesson}.ipynb)" in row, (number, row)


def test_notebook_warmup_question_quotes_the_check(notebook):
    assert f"${WARMUP_CUBE}$" in _markdown(notebook)


def test_notebook_has_the_final_formula_and_keyboard_help(notebook):
    text = _markdown(notebook)
    assert r"\mathrm{Dense}\big(\mathrm{Flatten}(\mathrm{Pool}(\mathrm{ReLU}(I * K)))\big)" in text
    for key in ("Shift+Enter", "Restart Kernel and Run All Cells", "Tab", "Home", "End", "Space", "Enter"):
        assert key in text, key


def test_guide_answer_matches_the_check():
    guide = NOTEBOOK.parent.parent / "docs" / "guide" / "00_start_here.md"
    answers = guide.read_text().split("## Answers to the exercises")[1]
    assert f"`WARMUP_CUBE = {WARMUP_CUBE}`" in answers
    x = int(re.search(r"move x to \*\*(-?\d+)\*\*", answers).group(1))
    assert x ** 3 == WARMUP_CUBE and check_warmup(x).ok is True


def test_lesson_times_match_each_lessons_guide(notebook):
    """The self-study times in the map agree with each lesson's teacher's guide, where the guide exists."""
    guides = NOTEBOOK.parent.parent / "docs" / "guide"
    rows = {line.split("|")[1].strip(): line for line in _markdown(notebook).splitlines()
            if re.match(r"\| 0\d \| \[", line)}
    assert sorted(rows) == [lesson[:2] for lesson in LESSONS]
    for lesson in LESSONS:
        guide = guides / f"{lesson}.md"
        if not guide.exists():
            continue
        minutes = re.search(r"^Time: about (\d+) minutes", guide.read_text(), re.M)
        assert minutes, f"{guide.name} has no 'Time: about N minutes' line"
        assert f"| {minutes.group(1)} min |" in rows[lesson[:2]], (lesson, rows[lesson[:2]])
