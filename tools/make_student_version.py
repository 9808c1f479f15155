#!/usr/bin/env python3
"""Build the student version of the course: the notebooks without their worked solutions.

    python tools/make_student_version.py               # writes student/*.ipynb (this is `make student`)
    python tools/make_student_version.py --out DIR

Teachers hand this copy out as homework. It drops every cell tagged ``solution`` (the collapsed worked
solutions under each exercise) and, as a safety net, any ``<details>`` block titled "Solution" that
someone forgot to tag; it clears all outputs, so nothing computed from an answer shows either. Exercise
cells stay as committed (``answer = None`` followed by a check), so the copy runs top to bottom and each
check says "Your turn" until the student answers.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
SOLUTION_BLOCK = re.compile(r"<details>\s*<summary>[^<]*solution[^<]*</summary>.*?</details>",
                            re.IGNORECASE | re.DOTALL)
NOTE = ("*Student version: the worked solutions are left out. Your teacher has them, and the checks "
        "below each exercise tell you when you are right.*")


def is_solution(cell) -> bool:
    return "solution" in cell.get("metadata", {}).get("tags", [])


def clean_cell(cell):
    """``cell`` as a student copy shows it, changed in place: a markdown cell without its ``<details>``
    solutions, a code cell without outputs. None when nothing is left of it (a solution-only markdown cell).
    Cells tagged ``solution`` are the caller's to drop (:func:`is_solution`)."""
    if cell.cell_type == "markdown":
        text = SOLUTION_BLOCK.sub("", cell.source)
        if not text.strip():
            return None
        cell.source = text
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def studentize(nb):
    """Return a copy of ``nb`` without solutions or outputs (the input is not changed)."""
    nb = nbformat.from_dict(nb)  # a deep copy
    cells = [cell for cell in nb.cells if not is_solution(cell) and clean_cell(cell) is not None]
    if cells and cells[0].cell_type == "markdown":
        cells.insert(1, nbformat.v4.new_markdown_cell(NOTE))
    nb.cells = cells
    return nb


def build(out_dir: Path, notebooks=None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks or sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        target = out_dir / path.name
        nbformat.write(studentize(nb), target)
        written.append(target)
    # The slideshow stylesheet travels with the notebooks, so the copy presents like the original.
    shutil.copyfile(NOTEBOOK_DIR / "rise.css", out_dir / "rise.css")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "student")
    args = parser.parse_args(argv)
    written = build(args.out)
    for path in written:
        print(f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    if not written:
        print("no notebooks found in notebooks/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
