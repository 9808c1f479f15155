"""Explorers under a stock batch runner (nbclient: jupyter execute, nbconvert, papermill, Voila, nbgrader).

nbclient plays an ipywidgets ``Output`` itself whenever a cell writes into one with ``with output:``: it
routes the cell's messages into the widget and sends the widget's new content back to the kernel over
the shell channel while it waits for the cell's reply there, which can stall it (docs/stall.md). These
tests run real cells in a real kernel with nbclient's own client and check that an explorer's pictures
(an ``ipywidgets.Image``) need no Output at all, and that ``show_in`` reaches its Output without nbclient
ever playing it.
"""

from __future__ import annotations

import nbformat
import pytest
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

from tests.test_offline import run_notebooks

OUTPUT_MODEL = "OutputModel"
IMAGE_MODEL = "ImageModel"


def _run(monkeypatch, tmp_path, *sources):
    """Execute the cells with a stock NotebookClient; return (client, shell messages sent, output hooks)."""
    sent = []
    original_send = AsyncZMQSocketChannel.send

    def spy_send(channel, msg):
        sent.append(msg["header"]["msg_type"])
        return original_send(channel, msg)

    monkeypatch.setattr(AsyncZMQSocketChannel, "send", spy_send)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    # nbclient's own client (not run_notebooks' patched one), on this interpreter's kernel
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=run_notebooks._current_env_spec_manager())
    client = NotebookClient(nb, km=km, timeout=120, resources={"metadata": {"path": str(tmp_path)}})
    hooks = []
    original_register = client.register_output_hook

    def spy_register(msg_id, hook):
        hooks.append(msg_id)
        original_register(msg_id, hook)

    client.register_output_hook = spy_register
    try:
        client.execute(env=run_notebooks.kernel_env(), cleanup_kc=True)
    finally:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    return client, nb, sent, hooks


def _outputs(client):
    """The final ``outputs`` of every Output widget nbclient saw, in creation order."""
    return [state["outputs"] for state in client.widget_state.values()
            if state.get("_model_name") == OUTPUT_MODEL]


@pytest.mark.slow
def test_explorers_drawn_while_a_cell_runs_need_no_output_playing(monkeypatch, tmp_path):
    client, nb, sent, hooks = _run(
        monkeypatch, tmp_path,
        "from cnnmath.viz.widgets import pooling_explorer, relu_explorer\nexplorer = relu_explorer(x=1.5)\nexplorer",
        # a cell may also set a control: the explorer redraws while the cell runs
        "pool = pooling_explorer()\npool.controls['position'].value = 2\npool",
        "print(explorer.output, len(explorer.picture.value) > 1000, explorer.summary.value[:3],"
        " len(pool.picture.value) > 1000)",
    )
    assert hooks == [], "nbclient was asked to play an explorer's Output"
    assert set(sent) <= {"kernel_info_request", "execute_request"}, f"nbclient sent {sent} on the shell channel"
    assert _outputs(client) == [], "the explorers' pictures go through no Output at all"
    images = {comm_id: state for comm_id, state in client.widget_state.items()
              if state.get("_model_name") == IMAGE_MODEL}
    assert len(images) == 2  # one picture per explorer, its PNG a binary buffer, its alt text the tooltip
    for comm_id, state in images.items():
        assert state["tooltip"].startswith("Figure") and state["format"] == "png"
        (png,) = [b["data"] for b in client.widget_buffers[comm_id].values() if b["path"] == ["value"]]
        assert png.startswith("iVBOR")  # base64 of PNG's signature, as JSON needs
    assert nb.cells[2].outputs[0].text == "None True <p> True\n"


@pytest.mark.slow
def test_show_in_appends_or_replaces_like_with_output(monkeypatch, tmp_path):
    client, nb, sent, hooks = _run(
        monkeypatch, tmp_path,
        "import sys\nimport ipywidgets\nfrom IPython.display import clear_output, display\n"
        "from cnnmath.viz.widgets import show_in\nout = ipywidgets.Output()\ndisplay(out)",
        "with show_in(out):\n    print('one')\n    print('two')\n    print('err', file=sys.stderr)\n"
        "    display({'image/png': b'PNGDATA'}, raw=True)",
        "with show_in(out):\n    print('three')",
        "print([o['output_type'] for o in out.outputs])",
        "with show_in(out):\n    clear_output(wait=True)\n    print('alone')",
        "try:\n    with show_in(out):\n        print('before the error')\n        1 / 0\n"
        "except ZeroDivisionError:\n    print('raised')",
        "print('outside')",
    )
    assert hooks == [] and set(sent) <= {"kernel_info_request", "execute_request"}
    assert nb.cells[3].outputs[0].text == "['stream', 'stream', 'display_data', 'stream']\n"
    (final,) = _outputs(client)
    assert final == [{"output_type": "stream", "name": "stdout", "text": "alone\n"},  # cleared, then kept
                     {"output_type": "stream", "name": "stdout", "text": "before the error\n"}]
    assert nb.cells[5].outputs[0].text == "raised\n"  # the error propagates
    assert nb.cells[6].outputs[0].text == "outside\n"  # stdout is the cell's again afterwards


def test_show_in_needs_an_output():
    from cnnmath.viz.widgets import show_in

    with pytest.raises(TypeError, match="output is HTML but needs an ipywidgets.Output"):
        with show_in(__import__("ipywidgets").HTML()):
            pass
