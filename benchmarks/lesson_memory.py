#!/usr/bin/env python3
"""Peak memory and CPU time of each lesson's kernel: what one student's kernel needs on a hub.

    .venv/bin/python benchmarks/lesson_memory.py                  # every notebooks/*.ipynb
    .venv/bin/python benchmarks/lesson_memory.py notebooks/07_full_pipeline.ipynb --json out.json
    .venv/bin/python benchmarks/lesson_memory.py --server     # and the JupyterLab server's own memory

Each lesson runs top to bottom in a fresh kernel (tools/run_notebooks.py's executor, the one `make notebooks`
uses), with one extra cell appended at the end that reads the kernel's own /proc/self/status and
resource usage. VmHWM is the kernel process's peak resident memory over the whole run (every widget
callback and training loop included); user + system CPU seconds are what the lesson cost the hub's
CPUs; wall seconds are how long the run took here. Nothing is written back to the notebooks. Linux only.

The numbers are for running each lesson once, top to bottom, as `Run All` does. A student who drags
sliders for an hour keeps adding figures that matplotlib frees, so the steady state stays near the peak
measured here; leave headroom for that (docs/hosting.md suggests how much).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))

from run_notebooks import NOTEBOOK_DIR, execute_notebook  # noqa: E402

PROBE = """\
import json as _json, resource as _resource
_status = dict(line.split(':', 1) for line in open('/proc/self/status') if ':' in line)
_usage = _resource.getrusage(_resource.RUSAGE_SELF)
print('CNNMATH_PROBE' + _json.dumps({
    'peak_rss_kib': int(_status['VmHWM'].split()[0]),
    'rss_kib': int(_status['VmRSS'].split()[0]),
    'threads': int(_status['Threads']),
    'cpu_s': _usage.ru_utime + _usage.ru_stime,
}))
"""


def measure(path: Path) -> dict:
    """Run one notebook in a fresh kernel; return its kernel's peak RSS, final RSS, CPU and wall time."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    start = time.perf_counter()
    done = execute_notebook(nb, cwd=path.parent, path=path)
    wall = time.perf_counter() - start
    text = "".join(out.get("text", "") for out in done.cells[-1].outputs if out.get("output_type") == "stream")
    line = next(line for line in text.splitlines() if line.startswith("CNNMATH_PROBE"))
    result = json.loads(line[len("CNNMATH_PROBE"):])
    result.update(notebook=path.name, wall_s=wall)
    return result


def peak_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, in KiB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmHWM"].split()[0]), int(status["VmRSS"].split()[0])


def measure_server() -> dict:
    """Peak RSS of a JupyterLab server (this environment's) after it served the lab page and its settings.

    The server runs on loopback with a random token, and is asked for what a browser asks for on opening
    JupyterLab: the page, the list of extensions' settings, and the list of kernel specs.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    proc = subprocess.Popen([str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={REPO_ROOT}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))

    def get(path):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.read()

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get("/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start")
                time.sleep(0.5)
        for path in ("/lab", "/lab/api/settings", "/api/kernelspecs", "/api/contents/notebooks"):
            get(path)
        peak, rss = peak_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"peak_rss_kib": peak, "rss_kib": rss}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--server", action="store_true",
                        help="also measure the JupyterLab server process itself (started on loopback)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    results = []
    print(f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"numpy {__import__('numpy').__version__}", flush=True)
    print(f"{'lesson':28s} {'peak RSS MiB':>12s} {'end RSS MiB':>11s} {'CPU s':>7s} {'wall s':>7s}", flush=True)
    for path in paths:
        r = measure(path)
        results.append(r)
        print(f"{r['notebook']:28s} {r['peak_rss_kib'] / 1024:12.0f} {r['rss_kib'] / 1024:11.0f} "
              f"{r['cpu_s']:7.1f} {r['wall_s']:7.1f}", flush=True)
    if args.server:
        server = measure_server()
        results.append({"notebook": "(JupyterLab server)", **server})
        print(f"{'JupyterLab server':28s} {server['peak_rss_kib'] / 1024:12.0f} {server['rss_kib'] / 1024:11.0f}",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
