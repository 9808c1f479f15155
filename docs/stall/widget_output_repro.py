#!/usr/bin/env python3
"""The stall of docs/stall.md with stock nbclient: big outputs inside an ipywidgets Output.

Writes a notebook whose cells each print a large text inside an ``ipywidgets.Output`` (no cnnmath, no
matplotlib), runs it with nbclient's own NotebookClient (what jupyter execute, nbconvert, papermill,
Voila and nbgrader use) with a cell timeout, and counts the cells that took the whole timeout: those
are the stalls (the cell itself takes milliseconds; after the timeout nbclient finds the reply that had
been waiting and goes on without an error).

    python docs/stall/widget_output_repro.py                    # 3 runs of 30 cells, 10 s cell timeout
    python docs/stall/widget_output_repro.py --runs 5 --cells 40
    python docs/stall/widget_output_repro.py --rearm            # with the fix of jupyter_client.patch

``--rearm`` applies, in this process only, the same change as docs/stall/jupyter_client.patch:
after Session.send has sent through its sync shadow of an asyncio socket, it reads EVENTS through the
asyncio socket so that a waiting poll notices a reply that has already arrived.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import zmq
import zmq.asyncio
from nbclient import NotebookClient


def make_notebook(cells: int, size: int):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets\nfrom IPython.display import display")]
    for _ in range(cells):
        nb.cells.append(nbformat.v4.new_code_cell(
            f"out = ipywidgets.Output()\ndisplay(out)\nwith out:\n    print('x' * {size})"))
    return nb


def apply_rearm():
    from jupyter_client.session import Session

    original = Session.send

    def send(self, stream, *args, **kwargs):
        result = original(self, stream, *args, **kwargs)
        if isinstance(stream, zmq.asyncio.Socket) and not stream.closed:
            stream.get(zmq.EVENTS)  # the asyncio socket re-checks and wakes a waiting poll
        return result

    Session.send = send


def run_once(nb, timeout: int, folder: Path) -> list[float]:
    seconds, started = [], {}
    client = NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(folder)}})
    client.on_cell_execute = lambda cell, cell_index: started.__setitem__("t", time.perf_counter())
    client.on_cell_executed = lambda cell, cell_index, execute_reply: seconds.append(
        time.perf_counter() - started["t"])
    client.execute()
    return seconds[1:]  # the import cell is not one of the test cells


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cells", type=int, default=30)
    parser.add_argument("--size", type=int, default=200_000, help="characters printed per cell (%(default)s)")
    parser.add_argument("--timeout", type=int, default=10, help="nbclient's cell timeout, seconds (%(default)s)")
    parser.add_argument("--rearm", action="store_true", help="apply the jupyter_client fix in this process")
    args = parser.parse_args(argv)
    if args.rearm:
        apply_rearm()
    import jupyter_client, nbclient, ipykernel, ipywidgets  # noqa: E401  (versions for the record)
    print(f"nbclient {nbclient.__version__}, jupyter_client {jupyter_client.__version__}, pyzmq "
          f"{zmq.__version__} (libzmq {zmq.zmq_version()}), ipykernel {ipykernel.__version__}, ipywidgets "
          f"{ipywidgets.__version__}, Python {sys.version.split()[0]}; fix applied: {args.rearm}")
    nb = make_notebook(args.cells, args.size)
    total_stalls = 0
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, args.runs + 1):
            start = time.perf_counter()
            seconds = run_once(nb, args.timeout, Path(folder))
            stalls = [i + 1 for i, s in enumerate(seconds) if s >= 0.9 * args.timeout]
            total_stalls += len(stalls)
            print(f"run {run}: {time.perf_counter() - start:6.1f} s, median cell {sorted(seconds)[len(seconds) // 2]:.2f} s, "
                  f"{len(stalls)} of {len(seconds)} cells waited the whole {args.timeout} s timeout {stalls}",
                  flush=True)
    print(f"stalled cells: {total_stalls} of {args.runs * args.cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
