"""The student version: built from the notebooks, without solutions, and it still runs top to bottom."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import make_student_version as student  # noqa: E402
import run_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_solutions_and_outputs_are_removed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lesson"),
        nbformat.v4.new_markdown_cell("Exercise: what is 2 + 2?"),
        nbformat.v4.new_code_cell("answer = None"),
        nbformat.v4.new_markdown_cell("<details><summary>Solution</summary>4</details>",
                                      metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("Text <details><summary>Worked solution</summary>secret</details> after"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[2].execution_count = 1
    out = student.studentize(nb)
    text = "\n".join(c.source for c in out.cells)
    assert "secret" not in text and "<summary>Solution" not in text
    assert "Text" in text and "after" in text and "Student version" in text
    assert all(not c.get("outputs") for c in out.cells if c.cell_type == "code")
    assert len(nb.cells) == 5 and nb.cells[2].outputs, "the teacher's notebook is left unchanged"


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")
def test_every_lesson_has_tagged_solutions():
    for path in NOTEBOOKS:
        if path.name.startswith("00_"):
            continue
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if student.is_solution(c)]
        assert len(tagged) >= 3, f"{path.name}: {len(tagged)} cells tagged 'solution', need one per exercise (>= 3)"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_version_runs_top_to_bottom(path, tmp_path):
    (built,) = student.build(tmp_path, [path])
    nb = nbformat.read(built, as_version=4)
    assert not any(student.is_solution(c) for c in nb.cells)
    assert not any("<summary>Solution" in c.source for c in nb.cells if c.cell_type == "markdown")
    # raises NotebookExecutionError, naming the cell, if anything fails without the solutions
    run_notebooks.execute_notebook(nb, cwd=ROOT / "notebooks", path=built)


def test_the_copy_presents_like_the_original(tmp_path):
    student.build(tmp_path, NOTEBOOKS[:1])
    assert (tmp_path / "rise.css").read_text() == (ROOT / "notebooks" / "rise.css").read_text()
    nb = nbformat.read(tmp_path / NOTEBOOKS[0].name, as_version=4)
    assert nb.metadata["rise"] == nbformat.read(NOTEBOOKS[0], as_version=4).metadata["rise"]
