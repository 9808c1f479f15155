#!/usr/bin/env python3
"""Run the lessons many times through stock Jupyter tools and report how long each run took.

A benchmark, not a test: it measures whether the kernel-client stall described in docs/stall.md still
happens. Every run is a separate process with a wall-clock limit; a run that stalls is killed at the
limit and counted. The numbers go to a JSON-lines log (one line per run), and the summary table is
printed at the end (or later with --report LOG).

    python benchmarks/stall.py                                # 20 `jupyter execute` runs of every lesson
    python benchmarks/stall.py --tools execute,nbconvert,papermill,voila,nbgrader --other-runs 3
    python benchmarks/stall.py --lessons 04,07 --runs 30
    python benchmarks/stall.py --report stall.jsonl           # summarise an existing log

Tools (each must be installed in the interpreter's environment; benchmarks/requirements-stall.txt pins
papermill and voila, nbgrader comes with requirements-test.txt):

- execute:   ``jupyter execute NB`` (nbclient's own command; no cell timeout by default)
- nbconvert: ``jupyter nbconvert --to notebook --execute NB`` (ExecutePreprocessor)
- papermill: ``papermill NB OUT`` (no cell timeout by default)
- voila:     one ``voila --no-browser`` server per lesson, each render one HTTP GET of the page,
             timed until the whole page has arrived (Voila executes the notebook while it streams it)
- nbgrader:  ``nbgrader autograde`` of the lesson submitted unchanged, in a scratch course folder
             (nbgrader's own 30 s cell timeout, after which a stalled cell goes on)
- exposure:  not a timing: runs the lesson once with nbclient's own client and counts the messages the
             client sent on the shell channel besides its requests (nbclient playing an ipywidgets Output);
             each is a chance for the stall, so 0 means the lesson cannot trigger it

Runs go round by round (every lesson once with every tool, then again), so a run cut short with
--stop-after leaves about as many runs of every lesson.

This is CPU heavy (about 9 lessons x 20 runs x 5-15 s for the default); run it in the background:
``nohup .venv/bin/python benchmarks/stall.py --log /tmp/stall.jsonl > /tmp/stall.out 2>&1 &``.
The machine's load average is recorded with every run, since a shared CPU stretches all times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the jupyter/papermill/voila/nbgrader commands of this environment
TOOLS = ("execute", "nbconvert", "papermill", "voila", "nbgrader", "exposure")
SLOW_FACTOR = 3.0  # a run slower than this many times its lesson's median is reported as slow


def lesson_paths(notebook_dir: Path, lessons: str | None) -> list[Path]:
    paths = sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if lessons:
        wanted = {f"{int(x):02d}" for x in lessons.split(",")}
        paths = [p for p in paths if p.name[:2] in wanted]
    if not paths:
        raise SystemExit(f"no lesson notebooks found in {notebook_dir} for --lessons {lessons!r}")
    return paths


def _env(pythonpath: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the lessons rely on the inline backend
    env["PYTHONHASHSEED"] = "0"
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")  # nbgrader runs `alembic` from there
    if pythonpath:  # e.g. an unpacked older commit, to measure the code before a change
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run(cmd: list[str], *, cwd: Path, env: dict, limit: float) -> tuple[float, str]:
    """Run ``cmd`` in its own process group; return (seconds, outcome) with outcome ok/failed/timeout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=limit)
        outcome = "ok" if proc.returncode == 0 else "failed: " + err.decode(errors="replace")[-2000:]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the kernel is in the same group and must go too
        proc.communicate()
        outcome = "timeout"
    return time.perf_counter() - start, outcome


def run_cli(tool: str, nb: Path, *, scratch: Path, env: dict, limit: float) -> tuple[float, str]:
    out = scratch / f"out_{nb.name}"
    if tool == "execute":
        cmd = [str(BIN / "jupyter"), "execute", nb.name]
    elif tool == "nbconvert":
        cmd = [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output", str(out), nb.name]
    elif tool == "papermill":
        cmd = [str(BIN / "papermill"), "--no-progress-bar", nb.name, str(out)]
    else:
        raise ValueError(f"tool is {tool!r} but needs one of execute, nbconvert, papermill")
    return _run(cmd, cwd=nb.parent, env=env, limit=limit)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_runs(nb: Path, runs: int, *, env: dict, limit: float):
    """Start one Voila server for ``nb`` and time ``runs`` renders (HTTP GETs) against it."""
    port = _free_port()
    cmd = [str(BIN / "voila"), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", nb.name]
    server = subprocess.Popen(cmd, cwd=nb.parent, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    for _ in range(runs):
                        yield 0.0, "failed: voila did not start"
                    return
                time.sleep(0.2)
        for _ in range(runs):
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=limit) as response:
                    body = b""
                    # read1 returns what has arrived (read(n) would wait for n bytes of a page that
                    # trickles in); the socket timeout bounds each wait, the check below the whole run
                    while chunk := response.read1(65536):
                        body += chunk
                        if time.perf_counter() - start > limit:
                            raise TimeoutError
                seconds = time.perf_counter() - start
                # Voila writes a cell's error into the page; a page without the closing tag was cut off
                ok = b"</html>" in body and b"There was an error when executing cell" not in body
                yield seconds, "ok" if ok else "failed: incomplete or error page"
            except (TimeoutError, socket.timeout):
                yield time.perf_counter() - start, "timeout"
            except OSError as err:
                yield time.perf_counter() - start, f"failed: {err}"
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.communicate()


def nbgrader_run(nb: Path, *, scratch: Path, env: dict, limit: float) -> tuple[float, str]:
    """Autograde the lesson, submitted as it is, in a fresh scratch course; time only the autograde."""
    course = Path(tempfile.mkdtemp(dir=scratch))
    (course / "source" / "lesson").mkdir(parents=True)
    shutil.copy(nb, course / "source" / "lesson" / nb.name)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'stall'\n"
        "c.CourseDirectory.db_assignments = [dict(name='lesson')]\n"
        "c.CourseDirectory.db_students = [dict(id='student')]\n")  # nbgrader's own cell timeout (30 s) stays
    nbgrader = str(BIN / "nbgrader")
    seconds, outcome = _run([nbgrader, "generate_assignment", "lesson", "--force"],
                            cwd=course, env=env, limit=limit)
    if outcome != "ok":
        return 0.0, "failed (generate_assignment): " + outcome
    submitted = course / "submitted" / "student" / "lesson"
    submitted.mkdir(parents=True)
    shutil.copy(nb, submitted / nb.name)
    for extra in nb.parent.iterdir():  # files a lesson reads from its own folder (e.g. rise.css)
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy(extra, submitted / extra.name)
    result = _run([nbgrader, "autograde", "lesson", "--force"], cwd=course, env=env, limit=limit)
    shutil.rmtree(course, ignore_errors=True)
    return result


# Runs a notebook with nbclient's own client and prints how many messages the client sent on the shell
# channel besides its execute and kernel-info requests: each one (nbclient playing an ipywidgets Output)
# is a chance for the stall, so this counts a lesson's exposure without waiting for a stall to happen.
_EXPOSURE = """
import sys, nbformat
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
extra = []
send = AsyncZMQSocketChannel.send
def counting_send(channel, msg):
    if msg["header"]["msg_type"] not in ("execute_request", "kernel_info_request"):
        extra.append(msg["header"]["msg_type"])
    return send(channel, msg)
AsyncZMQSocketChannel.send = counting_send
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=150, resources={"metadata": {"path": "."}}).execute()  # a stall ends at 150 s
print(len(extra))
"""


def exposure_run(nb: Path, *, env: dict, limit: float) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _EXPOSURE, nb.name], cwd=nb.parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return time.perf_counter() - start, "timeout"
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return seconds, "failed: " + err.decode(errors="replace")[-300:]
    return seconds, f"ok: {int(out.split()[-1])} shell sends"


def summarise_markdown(records: list[dict]) -> str:
    """The same summary as Markdown tables (for docs/stall.md)."""
    lines = []
    for tool in TOOLS:
        rows = [r for r in records if r["tool"] == tool]
        if not rows:
            continue
        lines.append(f"\n**{tool}**\n")
        if tool == "exposure":
            lines.append("| lesson | runs | shell sends by nbclient |\n|---|---:|---|")
        else:
            lines.append("| lesson | runs | median s | max s | over 3x median | killed at limit | failed | load |\n"
                         "|---|---:|---:|---:|---:|---:|---:|---|")
        for lesson in sorted({r["lesson"] for r in rows}):
            mine = [r for r in rows if r["lesson"] == lesson]
            if tool == "exposure":
                counts = sorted({r["outcome"].removeprefix("ok: ").removesuffix(" shell sends") for r in mine})
                lines.append(f"| {lesson} | {len(mine)} | {', '.join(counts)} |")
                continue
            times = [r["seconds"] for r in mine if r["outcome"] in ("ok", "timeout")]
            failed = sum(r["outcome"] not in ("ok", "timeout") for r in mine)
            loads = [r["load"] for r in mine]
            if not times:
                lines.append(f"| {lesson} | {len(mine)} | - | - | - | - | {failed} | |")
                continue
            med = statistics.median(times)
            lines.append(f"| {lesson} | {len(mine)} | {med:.1f} | {max(times):.1f} | "
                         f"{sum(t > SLOW_FACTOR * med for t in times)} | "
                         f"{sum(r['outcome'] == 'timeout' for r in mine)} | {failed} | "
                         f"{min(loads):.1f}-{max(loads):.1f} |")
    return "\n".join(lines)


def summarise(records: list[dict]) -> str:
    lines = []
    for tool in TOOLS:
        rows = [r for r in records if r["tool"] == tool]
        if not rows:
            continue
        if tool == "exposure":
            lines.append("\nexposure: messages nbclient sent on the shell channel while running the lesson")
        else:
            lines.append(f"\n{tool}: seconds per run (a timeout counts at its limit)")
        if tool != "exposure":
            lines.append(f"{'lesson':<28} {'runs':>4} {'median':>7} {'max':>7} {'>3x med':>7} {'timeout':>7} "
                         f"{'failed':>6}  load")
        for lesson in sorted({r["lesson"] for r in rows}):
            mine = [r for r in rows if r["lesson"] == lesson]
            if tool == "exposure":
                sends = sorted({r["outcome"] for r in mine})
                lines.append(f"{lesson:<28} {len(mine):>4}   {', '.join(sends)}")
                continue
            times = [r["seconds"] for r in mine if r["outcome"] in ("ok", "timeout")]
            if not times:
                lines.append(f"{lesson:<28} {len(mine):>4}   every run failed: {mine[0]['outcome'][:60]}")
                continue
            med = statistics.median(times)
            slow = sum(t > SLOW_FACTOR * med for t in times)
            timeouts = sum(r["outcome"] == "timeout" for r in mine)
            failed = sum(r["outcome"] not in ("ok", "timeout") for r in mine)
            loads = [r["load"] for r in mine]
            lines.append(f"{lesson:<28} {len(mine):>4} {med:>7.1f} {max(times):>7.1f} {slow:>7} {timeouts:>7} "
                         f"{failed:>6}  {min(loads):.1f}-{max(loads):.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="`jupyter execute` runs per lesson (%(default)s)")
    parser.add_argument("--other-runs", type=int, default=3,
                        help="runs per lesson for every other tool (%(default)s)")
    parser.add_argument("--tools", default="execute", help=f"comma-separated, from {','.join(TOOLS)}")
    parser.add_argument("--lessons", help="comma-separated lesson numbers (default: all)")
    parser.add_argument("--limit", type=float, default=120.0,
                        help="seconds a run may take before it is killed and counted as a timeout (%(default)s)")
    parser.add_argument("--notebooks", type=Path, default=REPO_ROOT / "notebooks",
                        help="folder of the lessons (default: this checkout's)")
    parser.add_argument("--pythonpath", help="put this folder first on the kernel's PYTHONPATH "
                                             "(to measure an unpacked older cnnmath)")
    parser.add_argument("--log", type=Path, default=Path("stall.jsonl"), help="JSON-lines log (appended)")
    parser.add_argument("--label", default="", help="stored with every record, e.g. before/after")
    parser.add_argument("--stop-after", type=float,
                        help="seconds after which no new run starts (the summary covers the runs done)")
    parser.add_argument("--report", type=Path, help="only print the summary of this log")
    parser.add_argument("--markdown", action="store_true", help="with --report: as Markdown tables")
    args = parser.parse_args(argv)

    if args.report:
        records = [json.loads(line) for line in args.report.read_text().splitlines() if line.strip()]
        print(summarise_markdown(records) if args.markdown else summarise(records))
        return 0

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for tool in tools:
        if tool not in TOOLS:
            parser.error(f"--tools has {tool!r} but needs names from {', '.join(TOOLS)}")
        command = {"execute": "jupyter", "nbconvert": "jupyter", "exposure": "jupyter"}.get(tool, tool)
        if not (BIN / command).exists():
            parser.error(f"{command} is not installed in {BIN} (pip install -r benchmarks/requirements-stall.txt)")
    notebooks = lesson_paths(args.notebooks.resolve(), args.lessons)
    env = _env(args.pythonpath)
    records: list[dict] = []
    scratch = Path(tempfile.mkdtemp(prefix="stall-bench-"))

    def record(tool, nb, seconds, outcome):
        rec = dict(tool=tool, lesson=nb.stem, seconds=round(seconds, 2), outcome=outcome,
                   load=round(os.getloadavg()[0], 2), label=args.label, time=time.strftime("%H:%M:%S"))
        records.append(rec)
        with args.log.open("a") as log:
            log.write(json.dumps(rec) + "\n")
        print(f"{rec['time']} {tool:<9} {nb.stem:<24} {seconds:7.1f} s  {outcome[:80]}  "
              f"(load {rec['load']})", flush=True)

    def runs_for(tool):
        return args.runs if tool == "execute" else args.other_runs

    stop_at = None if args.stop_after is None else time.monotonic() + args.stop_after
    try:
        # Round by round (one run of every lesson with every tool that still has runs to do), so that
        # a run cut short by --stop-after still has about as many runs of every lesson.
        for round_ in range(max(runs_for(t) for t in tools)):
            for tool in tools:
                if round_ >= runs_for(tool):
                    continue
                for nb in notebooks:
                    if stop_at is not None and time.monotonic() > stop_at:
                        print(f"--stop-after reached in round {round_ + 1}", flush=True)
                        raise StopIteration
                    if tool == "voila":
                        for seconds, outcome in voila_runs(nb, 1, env=env, limit=args.limit):
                            record(tool, nb, seconds, outcome)
                    elif tool == "nbgrader":
                        record(tool, nb, *nbgrader_run(nb, scratch=scratch, env=env, limit=args.limit))
                    elif tool == "exposure":
                        record(tool, nb, *exposure_run(nb, env=env, limit=args.limit))
                    else:
                        record(tool, nb, *run_cli(tool, nb, scratch=scratch, env=env, limit=args.limit))
    except StopIteration:
        pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(summarise(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
