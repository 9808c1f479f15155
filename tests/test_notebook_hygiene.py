"""Committed notebooks are executed, clean and reproducible (DESIGN.md, "Notebooks as files").

Each check below is a plain function ``check_x(path, nb) -> list of problems`` and runs once per
notebook, so a failure names both the notebook and the rule. `make notebooks` (tools/run_notebooks.py)
produces notebooks that pass all of them; the fix for most failures is to run it.

With no notebooks yet the module yields one skipped test, which is fine in CI (only browser skips fail there).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))

MAX_BYTES = 2 * 1024 * 1024  # GitHub's renderer gives up on large notebooks, and so does a slow network
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
FIGURE_CALLS = {"subplots", "figure", "subplot_mosaic"}
STAR_IMPORT = re.compile(r"^\s*from\s+[\w.]+\s+import\s+\*", re.MULTILINE)
CHECK_OUTPUT_MARKER = "# NBVAL_CHECK_OUTPUT"


def _code_cells(nb):
    """(1-based cell number, cell) for every code cell: the number people see counting cells from the top."""
    return [(number, cell) for number, cell in enumerate(nb.cells, start=1) if cell.cell_type == "code"]


def _has_source(cell) -> bool:
    return bool(cell.source.strip())


def check_valid_nbformat(path, nb):
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as err:
        return [f"not a valid nbformat 4 notebook: {err.message}"]
    return []


def check_no_error_outputs(path, nb):
    problems = []
    for number, cell in _code_cells(nb):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"cell {number}: error output {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr" and "Traceback" in output.text:
                problems.append(f"cell {number}: a traceback printed to stderr")
    return problems


def check_every_code_cell_executed(path, nb):
    return [
        f"cell {number}: code cell never executed (execution_count is null)"
        for number, cell in _code_cells(nb)
        if _has_source(cell) and cell.execution_count is None
    ]


def check_execution_counts_sequential(path, nb):
    """Counts must read 1, 2, ..., n top to bottom: proof of one clean run after a kernel restart."""
    problems = []
    expected = 1
    for number, cell in _code_cells(nb):
        if not _has_source(cell):
            if cell.execution_count is not None:
                problems.append(f"cell {number}: empty cell has execution count {cell.execution_count}")
            continue
        if cell.execution_count != expected:
            problems.append(f"cell {number}: execution count {cell.execution_count}, expected {expected}")
            break  # one slip shifts every later count; reporting them all would only add noise
        for output in cell.get("outputs", []):
            if output.output_type == "execute_result" and output.get("execution_count") != expected:
                problems.append(f"cell {number}: its result is numbered {output.get('execution_count')}")
        expected += 1
    return problems


def check_no_saved_widget_state(path, nb):
    if "widgets" in nb.metadata:
        return ["notebook metadata holds saved widget state (metadata.widgets): it breaks GitHub's renderer"]
    return []


def check_no_widget_view_outputs(path, nb):
    return [
        f"cell {number}: live-widget output ({WIDGET_VIEW_MIME}) saved; it shows 'model not found' without a kernel"
        for number, cell in _code_cells(nb)
        for output in cell.get("outputs", [])
        if WIDGET_VIEW_MIME in output.get("data", {}) or WIDGET_STATE_MIME in output.get("data", {})
    ]


def check_size(path, nb):
    size = Path(path).stat().st_size
    if size > MAX_BYTES:
        return [f"{size / 1024 / 1024:.1f} MB on disk, the limit is {MAX_BYTES / 1024 / 1024:.0f} MB (smaller or fewer images?)"]
    return []


def check_kernelspec(path, nb):
    name = nb.metadata.get("kernelspec", {}).get("name")
    if name != "python3":
        return [f"kernelspec name is {name!r}, expected 'python3' (every student has that one)"]
    return []


def check_no_star_imports(path, nb):
    return [
        f"cell {number}: `import *` (import names explicitly so readers see where they come from)"
        for number, cell in _code_cells(nb)
        if STAR_IMPORT.search(cell.source)
    ]


def _figure_calls_without_figsize(source: str) -> int | None:
    """How many plt.subplots/plt.figure calls lack figsize=; None if the cell is not plain Python."""
    # IPython magics and shell escapes are not Python; blank them so the rest can still be parsed.
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return None
    missing = 0
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FIGURE_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"plt", "pyplot"}
        ):
            keywords = {kw.arg for kw in node.keywords}
            if "figsize" not in keywords and None not in keywords:  # None: **kwargs may carry figsize
                missing += 1
    return missing


def check_figures_have_figsize(path, nb):
    """Every figure gets an explicit size, so it reads the same on a laptop, a projector and GitHub."""
    problems = []
    for number, cell in _code_cells(nb):
        missing = _figure_calls_without_figsize(cell.source)
        if missing is None:  # unparsable cell: fall back to a plain text check
            if re.search(r"\bplt\.(subplots|figure|subplot_mosaic)\s*\(", cell.source) and "figsize" not in cell.source:
                problems.append(f"cell {number}: creates a figure without figsize=")
        elif missing:
            problems.append(f"cell {number}: {missing} plt.subplots/plt.figure call(s) without figsize=")
    return problems


def _is_checked(cell) -> bool:
    lines = (line.strip() for line in cell.source.splitlines())
    return CHECK_OUTPUT_MARKER in lines or "nbval-check-output" in cell.metadata.get("tags", [])


def check_has_checked_output(path, nb):
    """Lessons print numbers that must stay right: at least one cell has nbval compare its output."""
    if Path(path).name.startswith("00_"):  # the welcome notebook teaches no numbers
        return []
    if any(_is_checked(cell) for _, cell in _code_cells(nb)):
        return []
    return [f"no cell carries `{CHECK_OUTPUT_MARKER}`: mark the cells whose printed numbers are the lesson"]


def _numbers_in(cell) -> bool:
    """Whether a cell shows numbers in words: markdown text, or printed/displayed text under a code cell."""
    if cell.cell_type == "markdown":
        return bool(re.search(r"\d", cell.source))
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        text = output.get("text", "") + data.get("text/markdown", "") + data.get("text/html", "")
        if "image/png" not in data and re.search(r"\d", text):
            return True
    return False


def check_figures_have_numbers_beside_them(path, nb):
    """A figure's key numbers are also written out: in its own cell's text output or a cell next to it.

    A student who cannot tell the colours apart, uses a screen reader, or reads the notebook in grey
    still gets what the picture says.
    """
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        neighbours = nb.cells[max(index - 1, 0):index + 2]
        if not any(_numbers_in(c) for c in neighbours):
            problems.append(f"cell {index + 1}: a figure with no numbers in words in it or next to it")
    return problems


CHECKS = [
    check_valid_nbformat,
    check_no_error_outputs,
    check_every_code_cell_executed,
    check_execution_counts_sequential,
    check_no_saved_widget_state,
    check_no_widget_view_outputs,
    check_size,
    check_kernelspec,
    check_no_star_imports,
    check_figures_have_figsize,
    check_has_checked_output,
    check_figures_have_numbers_beside_them,
]


def _cases():
    if not NOTEBOOKS:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="no notebooks yet"), id="no-notebooks")]
    return [
        pytest.param(path, check, id=f"{path.stem}-{check.__name__.removeprefix('check_')}")
        for path in NOTEBOOKS
        for check in CHECKS
    ]


_loaded: dict[Path, nbformat.NotebookNode] = {}


def _load(path: Path):
    if path not in _loaded:  # each notebook is read once for all its checks
        _loaded[path] = nbformat.read(path, as_version=4)
    return _loaded[path]


@pytest.mark.parametrize(("path", "check"), _cases())
def test_notebook_hygiene(path, check):
    problems = check(path, _load(path))
    assert not problems, (
        f"{path.relative_to(REPO_ROOT)} fails {check.__name__}:\n  "
        + "\n  ".join(problems)
        + "\n(`make notebooks` re-runs and cleans every notebook)"
    )


# The checks themselves, on small made-up notebooks: a rule that never fires would pass silently.

def _notebook(*sources, counts=None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    counts = counts or list(range(1, len(sources) + 1))
    nb.cells = [nbformat.v4.new_code_cell(source, execution_count=n) for source, n in zip(sources, counts)]
    return nb


def test_checks_pass_a_clean_notebook(tmp_path):
    nb = _notebook("x = 1", "fig, ax = plt.subplots(1, 2, figsize=(6, 3))", "# NBVAL_CHECK_OUTPUT\nprint(x)")
    path = tmp_path / "01_demo.ipynb"
    nbformat.write(nb, path)
    assert {check.__name__: check(path, nb) for check in CHECKS} == {check.__name__: [] for check in CHECKS}


@pytest.mark.parametrize(
    ("check", "sources", "counts"),
    [
        (check_execution_counts_sequential, ("a = 1", "b = 2"), [1, 3]),
        (check_execution_counts_sequential, ("a = 1", "b = 2"), [2, 1]),
        (check_every_code_cell_executed, ("a = 1",), [None]),
        (check_no_star_imports, ("from cnnmath import *",), None),
        (check_figures_have_figsize, ("fig = plt.figure()",), None),
        (check_figures_have_figsize, ("%matplotlib inline\nfig, axes = plt.subplots(2, 2)",), None),
        (check_figures_have_figsize, ("%%time\nfig = plt.figure(dpi=50)",), None),
        (check_has_checked_output, ("print(-6)",), None),
    ],
)
def test_checks_catch_problems(tmp_path, check, sources, counts):
    nb = _notebook(*sources, counts=counts)
    path = tmp_path / "02_demo.ipynb"
    nbformat.write(nb, path)
    assert check(path, nb)


def test_a_figure_alone_is_caught_and_one_with_its_numbers_is_not(tmp_path):
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure 1>"})
    nb = _notebook("fig = plot()", "x = 1")
    nb.cells[0].outputs = [png]
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("## A picture"))
    assert check_figures_have_numbers_beside_them(tmp_path / "x.ipynb", nb)
    nb.cells[0].source = "## A picture: the largest value is 7"
    assert not check_figures_have_numbers_beside_them(tmp_path / "x.ipynb", nb)


def test_checks_catch_widgets_errors_and_kernelspec(tmp_path):
    nb = _notebook("slider", "1/0")
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={WIDGET_VIEW_MIME: {"model_id": "x"}})]
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    nb.metadata["widgets"] = {WIDGET_STATE_MIME: {"state": {}}}
    nb.metadata["kernelspec"]["name"] = "conda-env-py"
    path = tmp_path / "03_demo.ipynb"
    nbformat.write(nb, path)
    for check in (check_no_widget_view_outputs, check_no_error_outputs, check_no_saved_widget_state, check_kernelspec):
        assert check(path, nb), check.__name__
