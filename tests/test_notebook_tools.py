"""tools/run_notebooks.py: the runner names failing cells and the cleaner leaves nothing machine-specific."""

from __future__ import annotations

import json
import time

import nbformat
import pytest

from tests.test_offline import run_notebooks

KERNEL_REPORT = "import os, sys\nprint(os.getcwd(), os.environ.get('PYTHONHASHSEED'), os.environ.get('MPLBACKEND'))"


def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A title")] + [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_execute_runs_in_the_given_folder_with_fixed_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # must not leak into the kernel: notebooks draw inline
    nb = _notebook(KERNEL_REPORT, "", "'done'")
    executed = run_notebooks.execute_notebook(nb, cwd=tmp_path, prelude="secret = 42")
    assert len(executed.cells) == len(nb.cells)  # the prelude is gone again
    cwd, seed, backend = executed.cells[1].outputs[0].text.split()
    assert (cwd, seed) == (str(tmp_path), "0")
    assert "inline" in backend
    assert executed.cells[3].outputs[0].data["text/plain"] == "'done'"
    assert nb.cells[1].outputs == []  # the input notebook is not modified


def test_execute_names_the_failing_cell(tmp_path):
    nb = _notebook("x = 1", "y = x / 0", "print('never')")
    with pytest.raises(run_notebooks.NotebookExecutionError) as info:
        run_notebooks.execute_notebook(nb, cwd=tmp_path, path=tmp_path / "02_demo.ipynb", prelude="pass")
    assert info.value.cell_index == 2
    message = str(info.value)
    assert "02_demo.ipynb" in message and "cell 3" in message and "ZeroDivisionError" in message


def test_clean_strips_machine_state_and_renumbers():
    nb = _notebook("a = 1", "", "slider", "b = 2")
    nb.metadata.update(
        widgets={run_notebooks.WIDGET_STATE_MIME: {"state": {}}},
        kernelspec={"name": "my-env", "display_name": "My env", "language": "python"},
        language_info={"name": "python", "version": "3.11.7"},
    )
    counts = [7, 3, 8, 9]
    for cell, count in zip(nb.cells[1:], counts):
        cell.execution_count = count
        cell.metadata.update(execution={"iopub.status.busy": "2026-01-01"}, collapsed=False, scrolled=True, tags=["keep"])
    nb.cells[3].outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={run_notebooks.WIDGET_VIEW_MIME: {"model_id": "abc"}, "text/plain": "IntSlider(value=0)"},
            execution_count=8,
        )
    ]
    nb.cells[4].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=9)]

    run_notebooks.clean_notebook(nb)
    nbformat.validate(nb)

    assert "widgets" not in nb.metadata
    assert nb.metadata.kernelspec == run_notebooks.KERNELSPEC
    assert nb.metadata.language_info == {"name": "python"}
    assert [cell.get("execution_count") for cell in nb.cells] == [None, 1, None, 2, 3]
    assert nb.cells[3].outputs[0].data == {"text/plain": run_notebooks.WIDGET_PLACEHOLDER}
    assert nb.cells[3].outputs[0].execution_count == 2
    assert nb.cells[4].outputs[0].execution_count == 3
    assert all(cell.metadata == {"tags": ["keep"]} for cell in nb.cells[1:])
    text = nbformat.writes(nb)
    assert "widget-view+json" not in text and "3.11.7" not in text


def test_run_and_clean_writes_a_clean_file(tmp_path):
    path = tmp_path / "01_demo.ipynb"
    nbformat.write(_notebook("import ipywidgets\nipywidgets.IntSlider()", "print(6 * 7)"), path)
    assert run_notebooks.main([str(path)]) == 0
    saved = json.loads(path.read_text())
    assert "widgets" not in saved["metadata"]
    assert saved["cells"][1]["outputs"][0]["data"] == {"text/plain": [run_notebooks.WIDGET_PLACEHOLDER]}
    assert saved["cells"][2]["outputs"][0]["text"] == ["42\n"]


def test_a_failing_notebook_is_left_untouched(tmp_path, capsys):
    path = tmp_path / "03_broken.ipynb"
    nbformat.write(_notebook("raise ValueError('kernel size 4 does not fit')"), path)
    before = path.read_bytes()
    assert run_notebooks.main([str(path)]) == 1
    assert path.read_bytes() == before
    assert "03_broken.ipynb: cell 2" in capsys.readouterr().err


def test_big_output_inside_a_widget_does_not_stall(tmp_path):
    """Regression: a large image shown inside an ipywidgets Output used to stall nbclient for the whole cell
    timeout about half the time (a missed ZMQ wake-up); the runner's sliced waits bound that to 0.5 s."""
    show_big = (
        "with out:\n"
        "    display({'image/png': base64.b64encode(os.urandom(400 * 1024)).decode()}, raw=True)"
    )
    nb = _notebook(
        "import base64, os\nimport ipywidgets\nfrom IPython.display import display\nout = ipywidgets.Output()",
        show_big, show_big, show_big, "print('after')",
    )
    start = time.perf_counter()
    executed = run_notebooks.execute_notebook(nb, cwd=tmp_path, timeout=30)
    assert time.perf_counter() - start < 20  # a stall shows up as 30 s or more
    assert executed.cells[-1].outputs[0].text == "after\n"
