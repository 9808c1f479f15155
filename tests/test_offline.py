"""Every notebook runs with no network, and gives the numbers that are committed (DESIGN.md, "Data").

Each notebook is executed in a fresh kernel whose first (unsaved) cell makes any socket connection to a
non-loopback address raise, so a lesson that quietly downloads a file fails here instead of in a
classroom without internet. The cells marked ``# NBVAL_CHECK_OUTPUT`` must then print exactly what the
committed notebook shows: the committed run and this run agree, so the numbers are deterministic.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
CHECK_OUTPUT_MARKER = "# NBVAL_CHECK_OUTPUT"


def _load_run_notebooks():
    """tools/ is not a package: load tools/run_notebooks.py by path so the tests and `make notebooks` share it."""
    spec = importlib.util.spec_from_file_location("run_notebooks", REPO_ROOT / "tools" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_notebooks = _load_run_notebooks()

# Runs in the kernel before the notebook. The kernel's own ZMQ sockets belong to libzmq (C), not to
# Python's socket module, so patching the module cuts the notebook's network but not the kernel's.
OFFLINE_PRELUDE = textwrap.dedent(
    '''
    def _cnnmath_go_offline():
        import ipaddress
        import socket

        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_create_connection = socket.create_connection

        def is_local(family, address):
            if family == getattr(socket, "AF_UNIX", None) or isinstance(address, (str, bytes)):
                return True  # a Unix socket is a file on this machine
            host = address[0] if isinstance(address, tuple) and address else address
            if host in ("localhost", "localhost.localdomain"):
                return True
            try:
                return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
            except ValueError:
                return False  # any other host name would need DNS, which is the network

        def refuse(address):
            raise OSError(f"network disabled for the offline test (tried to reach {address!r})")

        def connect(self, address):
            if not is_local(self.family, address):
                refuse(address)
            return real_connect(self, address)

        def connect_ex(self, address):
            if not is_local(self.family, address):
                refuse(address)
            return real_connect_ex(self, address)

        def create_connection(address, *args, **kwargs):
            # Checked before the DNS lookup that create_connection would do first.
            if not is_local(socket.AF_INET, address):
                refuse(address)
            return real_create_connection(address, *args, **kwargs)

        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex
        socket.create_connection = create_connection

    _cnnmath_go_offline()
    del _cnnmath_go_offline
    '''
)


def _is_checked(cell) -> bool:
    lines = (line.strip() for line in cell.source.splitlines())
    return CHECK_OUTPUT_MARKER in lines or "nbval-check-output" in cell.metadata.get("tags", [])


def _comparable_outputs(cell) -> list[tuple]:
    """The outputs of a cell as text: streams (merged as JupyterLab shows them) and text/plain results."""
    items: list[tuple] = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            if items and items[-1][:2] == ("stream", output.name):
                items[-1] = ("stream", output.name, items[-1][2] + output.text)
            else:
                items.append(("stream", output.name, output.text))
        elif output.output_type in ("execute_result", "display_data"):
            data = output.get("data", {})
            text = data.get("text/plain")
            # A widget's repr differs from the committed placeholder by design; its presence is what counts.
            if run_notebooks.WIDGET_VIEW_MIME in data or text == run_notebooks.WIDGET_PLACEHOLDER:
                items.append(("widget",))
            elif text is not None:
                items.append((output.output_type, text))
        elif output.output_type == "error":
            items.append(("error", output.ename, output.evalue))
    return items


def _cases():
    if not NOTEBOOKS:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks yet"), id="no-notebooks")]
    return [pytest.param(path, id=path.stem) for path in NOTEBOOKS]


@pytest.mark.slow
@pytest.mark.parametrize("path", _cases())
def test_notebook_runs_offline_and_reproduces_checked_outputs(path):
    committed = nbformat.read(path, as_version=4)
    try:
        executed = run_notebooks.execute_notebook(committed, cwd=path.parent, path=path, prelude=OFFLINE_PRELUDE)
    except run_notebooks.NotebookExecutionError as err:
        failure = str(err)
    else:
        failure = None
    if failure:  # failed outside the except block, so the report is the cell's error, not a chain
        pytest.fail(f"{failure}\n(the network was disabled: a cell that downloads something fails this way)")

    assert len(executed.cells) == len(committed.cells)
    mismatches = []
    for number, (old, new) in enumerate(zip(committed.cells, executed.cells), start=1):
        if old.cell_type == "code" and _is_checked(old):
            before, after = _comparable_outputs(old), _comparable_outputs(new)
            if before != after:
                mismatches.append(f"cell {number}:\n  committed: {before!r}\n  this run:  {after!r}")
    assert not mismatches, (
        f"{path.name}: checked outputs differ from the committed notebook (unseeded randomness, or the "
        "notebook needs `make notebooks`):\n" + "\n".join(mismatches)
    )


def test_offline_prelude_blocks_remote_and_allows_local():
    """The guard itself, in a child process whose real connect is a recorder: no packet ever leaves."""
    script = textwrap.dedent(
        '''
        import socket
        reached = []
        socket.socket.connect = lambda self, address: reached.append(address)
        socket.socket.connect_ex = lambda self, address: reached.append(address) or 0
        socket.create_connection = lambda address, *a, **k: reached.append(address)
        '''
    ) + OFFLINE_PRELUDE + textwrap.dedent(
        '''
        blocked = []
        for attempt in (
            lambda: socket.socket().connect(("192.0.2.1", 80)),
            lambda: socket.socket().connect_ex(("192.0.2.1", 80)),
            lambda: socket.socket(socket.AF_INET6).connect(("2001:db8::1", 80, 0, 0)),
            lambda: socket.create_connection(("example.org", 443)),
        ):
            try:
                attempt()
            except OSError as err:
                blocked.append("network disabled for the offline test" in str(err))
        socket.socket().connect(("127.0.0.1", 9))
        socket.socket(socket.AF_INET6).connect(("::1", 9, 0, 0))
        socket.create_connection(("localhost", 9))
        if hasattr(socket, "AF_UNIX"):
            socket.socket(socket.AF_UNIX).connect("/tmp/nothing-here")
        import json
        print(json.dumps({"blocked": blocked, "reached": reached}))
        '''
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["blocked"] == [True, True, True, True]
    assert seen["reached"] == [["127.0.0.1", 9], ["::1", 9, 0, 0], ["localhost", 9], "/tmp/nothing-here"]
