"""Lesson 0 in Jupyter Notebook 7: its practice slider answers the keys the way lesson 0 teaches.

Notebook 7 (installed with the course, and on Binder and most hubs) handles its keyboard shortcuts before
a focused widget sees the key, so without the course's extension (labextension/, cnnmath-rise-widgets)
the Up/Down arrows move to another cell and no arrow steps the slider. Expected texts are computed here.

The test runs its own `jupyter notebook` server rather than Notebook 7's pages on the shared JupyterLab
server: jupyter_server caches where a static file was found by its relative name for every app at once
(FileFindHandler._static_paths), so once Notebook 7 has served a font that JupyterLab also ships,
JupyterLab's request for it gets 403 and the JupyterLab tests after this one would log that error.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path

import pytest

from . import shared_modules
from .conftest import _free_port, _isolated_env, _write_lab_settings, serve
from .harness import (KERNEL_READY_TIMEOUT_MS, RUN_ALL_TIMEOUT_MS, REPO_ROOT, _JS_KERNEL_READY, expect,
                      press_and_measure, run_all, screenshot)
from .shared_modules import ConsoleLog
from .test_lesson00 import _practice

NOTEBOOK = "00_start_here.ipynb"

_ACTIVE_CELL = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
    .findIndex(cell => cell.classList.contains('jp-mod-active'))"""


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory, _chromium_available):
    """`jupyter notebook` on a free loopback port, serving a copy of lesson 0, with its app exposed."""
    root = tmp_path_factory.mktemp("notebook7")
    home, notebook_dir = root / "home", root / "notebooks"
    notebook_dir.mkdir()
    shutil.copy(REPO_ROOT / "notebooks" / NOTEBOOK, notebook_dir)
    env = _isolated_env(home)
    _write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebook_dir}",
        "--JupyterNotebookApp.expose_app_in_browser=True",  # window.jupyterapp, for the harness's waits
    ]
    yield from serve(command, "jupyter notebook", root / "notebook.log", notebook_dir, env, port, token, home)


def test_notebook7_arrow_keys_step_a_focused_slider(page, notebook7, page_errors):
    console = ConsoleLog.record(page)
    page.goto(f"{notebook7.url}/notebooks/{NOTEBOOK}?token={notebook7.token}")
    page.wait_for_function(_JS_KERNEL_READY, arg=NOTEBOOK, timeout=KERNEL_READY_TIMEOUT_MS, polling=100)
    run_all(page)

    # Notebook 7 renders a cell's outputs fully only once they are scrolled into view, as a student would
    practice = page.locator(".widget-slider")
    expect(practice).to_have_count(1)
    practice.evaluate("element => element.scrollIntoView({block: 'center'})")
    slider = page.get_by_role("slider")
    expect(slider).to_have_count(1)
    summary = page.locator(".widget-html-content", has_text="Practice:")
    expect(summary).to_contain_text(_practice(3), timeout=RUN_ALL_TIMEOUT_MS)
    slider.focus()
    active = page.evaluate(_ACTIVE_CELL)
    assert active >= 0, "focusing the slider should make its cell the active one"

    # lesson 0's table: Left/Right (or Down/Up) arrows move one step, Home and End jump to the ends
    ms = []
    for key, x in [("ArrowRight", 4), ("ArrowDown", 3), ("ArrowUp", 4), ("ArrowLeft", 3),
                   ("End", 10), ("Home", -10)]:
        ms.append(press_and_measure(page, slider, key, summary, _practice(x),
                                    widget="Notebook 7 practice x slider", notebook=NOTEBOOK))
    expect(slider).to_have_attribute("aria-valuenow", "-10.0")
    expect(slider).to_be_focused()
    assert page.evaluate(_ACTIVE_CELL) == active, "the arrow keys moved to another cell"
    assert all(0 < m < 30_000 for m in ms), ms
    screenshot(page, "notebook7-lesson00-practice")

    problems = shared_modules.problems(console, shared_modules.LAB_PAGE_KNOWN)
    assert not problems, "Notebook 7's console has shared-module messages:\n  " + "\n  ".join(problems)
