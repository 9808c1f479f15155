#!/usr/bin/env python3
"""Re-execute the course notebooks top to bottom in a fresh kernel, then clean them in place.

    python tools/run_notebooks.py                      # every notebooks/*.ipynb (this is `make notebooks`)
    python tools/run_notebooks.py notebooks/02_convolution.ipynb
    python tools/run_notebooks.py --clean-only NB...   # tidy a notebook you ran in JupyterLab yourself

Notebooks are committed executed (see DESIGN.md, "Notebooks as files"), so that GitHub and a projector
show the results without a kernel. What gets committed must not depend on whose machine ran it, so after
running, ``clean_notebook`` strips saved widget state, timings and interpreter versions, pins the
kernelspec, numbers the cells 1..n and swaps each live-widget output for a short plain-text note.

A cell that raises stops that notebook, leaves its file untouched, and makes the script exit non-zero
with the notebook and cell named. The functions here are imported by the tests
(``tests/test_offline.py``, ``tests/test_notebook_tools.py``).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbformat import NotebookNode

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"

CELL_TIMEOUT = 600  # seconds; generous because lesson 7 trains a network on a 2-core machine
STARTUP_TIMEOUT = 120  # seconds for the kernel to answer; a cold start on a busy CI machine is slow

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_PLACEHOLDER = (
    "Interactive widget: run this notebook in JupyterLab to use it; "
    "a static figure just above or below it shows the same idea."
)

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Notebook-level metadata that only describes the editor or machine that last saved the file.
_NOTEBOOK_METADATA_DROPPED = ("widgets", "vscode", "interpreter", "colab", "toc", "varInspector")
# Cell-level metadata: timings (nbclient, JupyterLab's recordTiming, ExecuteTime) and view state.
_CELL_METADATA_DROPPED = ("execution", "ExecuteTime", "collapsed", "scrolled")


class NotebookExecutionError(RuntimeError):
    """A cell failed (or the kernel died) while running a notebook; the message names both."""

    def __init__(self, path: str | os.PathLike, cell_index: int | None, detail: str, source: str = ""):
        self.path = Path(path)
        self.cell_index = cell_index  # 0-based position in nb.cells, None if no cell had started
        if cell_index is None:
            where = "before the first cell"
        else:  # people count cells from 1, and the first source line finds the cell faster than a number
            first_line = source.strip().splitlines()[0] if source.strip() else ""
            where = f"cell {cell_index + 1} ({first_line[:60]!r})"
        super().__init__(f"{self.path}: {where}: {detail}")


def _current_env_spec_manager():
    """A kernelspec manager whose "python3" is always this interpreter.

    A user's own ~/.local/share/jupyter/kernels/python3 would otherwise win and might point at a Python
    without cnnmath; nbval's --nbval-current-env does the same for the same reason.
    """
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager

    class CurrentEnvKernelSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
            )

    return CurrentEnvKernelSpecManager()


# How long one wait on a kernel socket may block before it looks again. See _sliced_kernel_client.
POLL_SLICE = 0.5  # seconds


def _sliced_kernel_client():
    """An async kernel client whose message waits wake up at least every POLL_SLICE seconds.

    Seen here (pyzmq + jupyter_client's asyncio channels): a reply that arrives while the client is
    waiting on another socket sometimes fails to wake the wait, which then sleeps for the whole cell
    timeout (600 s) before noticing the message was there all along; cells with big outputs inside an
    ipywidgets Output triggered it in about half of the runs. Waiting in short slices bounds that
    missed wake-up to POLL_SLICE instead, and changes nothing else. The cause and why the lessons no
    longer trigger it under any runner: docs/stall.md; kept for notebooks that still write into an
    Output with ``with output:`` while a cell runs.
    """
    from queue import Empty

    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.channels import AsyncZMQSocketChannel
    from traitlets import Type

    class SlicedChannel(AsyncZMQSocketChannel):
        async def get_msg(self, timeout=None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = POLL_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    return await super().get_msg(timeout=min(POLL_SLICE, left))
                except Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

    class SlicedKernelClient(AsyncKernelClient):
        shell_channel_class = Type(SlicedChannel)
        iopub_channel_class = Type(SlicedChannel)
        control_channel_class = Type(SlicedChannel)

    return SlicedKernelClient


def kernel_env() -> dict[str, str]:
    """Environment for the notebook kernel: the caller's, with the few settings that change results fixed."""
    env = dict(os.environ)
    # A fixed hash seed keeps set and dict-of-str orders, and anything printed from them, identical run to run.
    env["PYTHONHASHSEED"] = "0"
    # The notebooks rely on the inline backend that ipykernel picks; an inherited MPLBACKEND=Agg hides every plot.
    env.pop("MPLBACKEND", None)
    return env


def execute_notebook(
    nb: NotebookNode,
    *,
    cwd: str | os.PathLike = NOTEBOOK_DIR,
    path: str | os.PathLike = "notebook.ipynb",
    timeout: int = CELL_TIMEOUT,
    prelude: str | None = None,
) -> NotebookNode:
    """Run every cell of ``nb`` in a fresh ``python3`` kernel started in ``cwd``; return the executed copy.

    ``prelude`` is code run silently in the same kernel before the first cell (the offline test uses it
    to cut the network); it never appears in the returned notebook. ``path`` only names the notebook in
    error messages. Raises NotebookExecutionError naming the cell (0-based index) that failed.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = copy.deepcopy(nb)
    offset = 0
    if prelude is not None:
        nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
        offset = 1

    # nbclient drives the kernel from an asyncio loop, so the manager must be the async one.
    km = AsyncKernelManager(
        kernel_name="python3",
        kernel_spec_manager=_current_env_spec_manager(),
        client_factory=_sliced_kernel_client(),
    )
    started: list[int] = []
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        startup_timeout=STARTUP_TIMEOUT,
        record_timing=False,
        # One stream output per print sequence, as JupyterLab shows it; keeps the committed file stable.
        coalesce_streams=True,
        resources={"metadata": {"path": str(cwd)}},
        # ipykernel warns at every start that its loopback TCP is unencrypted; that is expected here
        # and would bury real messages, so the kernel only logs errors.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        on_cell_execute=lambda cell, cell_index: started.append(cell_index),
    )

    def fail(detail: str) -> NotebookExecutionError:
        detail = ANSI_ESCAPE.sub("", detail)  # the kernel colours its tracebacks; logs and CI show codes
        if not started:
            return NotebookExecutionError(path, None, detail)
        if started[-1] < offset:
            return NotebookExecutionError(path, None, f"the prelude failed: {detail}")
        index = started[-1]
        return NotebookExecutionError(path, index - offset, detail, nb.cells[index].source)

    try:
        # A manager we pass in is not cleaned up by nbclient by default; cleanup_kc makes sure the
        # kernel process is shut down even when a cell fails.
        client.execute(env=kernel_env(), cleanup_kc=True)
    except CellExecutionError as err:  # its text holds the cell's source and the kernel's traceback
        raise fail(f"{err.ename}: {err.evalue}\n{err}") from err
    except CellTimeoutError as err:
        raise fail(f"timed out after {timeout} s") from err
    except DeadKernelError as err:
        raise fail(f"the kernel died ({err})") from err
    finally:
        if km.has_kernel:  # belt and braces: never leave a kernel process behind
            run_sync(km.shutdown_kernel)(now=True)

    if prelude is not None:
        nb.cells.pop(0)
    return nb


def _is_code_with_source(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(cell.source.strip())


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """Strip everything machine- or session-specific from an executed notebook, in place; return it.

    - notebook metadata: saved widget state and editor-specific keys removed, kernelspec pinned to
      python3, ``language_info.version`` removed (the rest of language_info is the same everywhere);
    - cell metadata: execution timings and collapsed/scrolled view state removed;
    - execution counts renumbered 1..n over the non-empty code cells (empty ones get none);
    - every live-widget output reduced to a plain-text note, since the widget's model is not saved and
      JupyterLab would otherwise show "model not found".
    """
    metadata = nb.metadata
    for key in _NOTEBOOK_METADATA_DROPPED:
        metadata.pop(key, None)
    metadata["kernelspec"] = dict(KERNELSPEC)
    language_info = metadata.get("language_info")
    if language_info is not None:
        language_info.pop("version", None)
    else:
        metadata["language_info"] = {"name": "python"}

    count = 0
    for cell in nb.cells:
        for key in _CELL_METADATA_DROPPED:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        if not _is_code_with_source(cell):
            cell.execution_count = None
            cell.outputs = []
            continue
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
            data = output.get("data")
            if data is not None and (WIDGET_VIEW_MIME in data or WIDGET_STATE_MIME in data):
                output.data = nbformat.from_dict({"text/plain": WIDGET_PLACEHOLDER})
                output.metadata = nbformat.from_dict({})
    return nb


def run_and_clean(path: str | os.PathLike, timeout: int = CELL_TIMEOUT) -> float:
    """Execute the notebook at ``path`` in its own folder, clean it and write it back; return seconds taken.

    The file is only rewritten when every cell ran, so a failure never leaves a half-run notebook behind.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    executed = execute_notebook(nb, cwd=path.parent, path=path, timeout=timeout)
    clean_notebook(executed)
    nbformat.validate(executed)
    nbformat.write(executed, path)
    return time.perf_counter() - start


def clean_file(path: str | os.PathLike) -> None:
    """Clean a notebook file in place without running it."""
    path = Path(path)
    nb = clean_notebook(nbformat.read(path, as_version=4))
    nbformat.validate(nb)
    nbformat.write(nb, path)


def default_notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--clean-only", action="store_true", help="clean without executing")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell (default %(default)s)")
    args = parser.parse_args(argv)

    paths = args.notebooks or default_notebooks()
    if not paths:
        print(f"No notebooks found in {NOTEBOOK_DIR}; nothing to do.")
        return 0

    failures: list[str] = []
    for number, path in enumerate(paths, start=1):
        label = f"[{number}/{len(paths)}] {path}"
        if not path.is_file():
            failures.append(f"{path}: no such notebook")
            print(f"{label}: MISSING", flush=True)
            continue
        if args.clean_only:
            clean_file(path)
            print(f"{label}: cleaned", flush=True)
            continue
        print(f"{label} ...", end=" ", flush=True)
        try:
            seconds = run_and_clean(path, timeout=args.timeout)
        except NotebookExecutionError as err:
            print("FAILED", flush=True)
            failures.append(str(err))
            continue
        print(f"ok ({seconds:.1f} s)", flush=True)

    if failures:
        print("\nThese notebooks failed and were left unchanged:", file=sys.stderr)
        for failure in failures:
            print(f"\n{failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
