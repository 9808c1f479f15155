"""Drive the course's notebooks in JupyterLab in a real Chromium (see shared/notes/browser-testing.md).

Fixtures (from tests/browser/conftest.py, no import needed):

- ``lab``      session-wide JupyterLab on 127.0.0.1 serving a temporary *copy* of notebooks/; a ``Lab`` with
               ``.url``, ``.token``, ``.notebook_dir`` (the copy; write scratch notebooks there) and ``.home``.
- ``browser``  session-wide headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM_PATH).
- ``page``     a fresh browser context and page per test; requests to anything but 127.0.0.1 are aborted,
               and when the test ends its kernels are shut down (tests do not share kernel state).
- ``page_errors``  the list the ``page`` fixture fills with JavaScript page errors and console errors.

Helpers (import them: ``from .harness import open_notebook, run_all, ...``; import Playwright's ``expect``
from here too, so a machine without Playwright skips the tests instead of failing to import them):

- ``open_notebook(page, lab, name)``: open notebooks/NAME in JupyterLab; returns once its kernel is idle.
- ``run_all(page)``: clear outputs, run every cell, wait until all have run and the kernel is idle again.
- ``assert_no_errors(page, page_errors)``: fail on error outputs, tracebacks in stderr (inside widget outputs
  too), widgets that did not render, JavaScript page errors and console errors.
- ``press_and_measure(page, focus, key, output, expected, widget=...)``: focus a control, press a key, wait
  until ``output`` shows ``expected`` (text or compiled regex) and return the milliseconds it took; every
  measurement also lands in test-artifacts/latency.json at the end of the session, as
  ``{"run": ID, "records": [{"notebook": ..., "widget": ..., "key": ..., "ms": ..., "shows": "text"}, ...]}``.
- ``press_and_measure_picture(page, focus, key, container, widget=...)``: the same for a picture: focus a
  control, press a key, and return the milliseconds until an ``<img>`` inside ``container`` (or
  ``container`` itself if it is the ``<img>``) shows a picture it did not show before the press, loaded
  (``img.complete`` and ``naturalWidth > 0``), so the new picture is what the next frame paints. It covers
  both ways a widget can show a new picture: an ``ipywidgets.Output`` whose ``<img>`` is replaced by a new
  one (clear_output and display), and an ``ipywidgets.Image`` whose one ``<img>`` gets a new ``src`` (a
  ``blob:`` URL). Recorded like press_and_measure, with ``"shows": "picture"``. Times out, saying what the
  container shows, when the picture never changes (a callback that redraws the same PNG counts: the same
  bytes give the same ``data:`` URL, and ipywidgets does not even send unchanged Image bytes).
  For example ``press_and_measure_picture(page, slider, "ArrowRight", page.locator(".widget-output").first,
  widget="position slider")``; tests/browser/test_smoke.py shows both kinds of container.
- ``screenshot(page, name)``: save test-artifacts/screenshots/NAME.png (a failing test gets one automatically).

Example (tests/browser/test_lesson02.py)::

    import re
    from .harness import assert_no_errors, expect, open_notebook, press_and_measure, run_all, screenshot

    def test_lesson02_stride_slider(page, lab, page_errors):
        open_notebook(page, lab, "02_convolution.ipynb")
        run_all(page)
        assert_no_errors(page, page_errors)
        stride = page.get_by_role("slider").first          # ipywidgets slider handles have role=slider
        output = page.locator(".widget-output").first      # an ipywidgets Output; one element, not a list
        ms = press_and_measure(page, stride, "ArrowRight", output, re.compile(r"output size 2 x 2"),
                               widget="stride slider")
        assert ms < 5000
        screenshot(page, "lesson02-stride")
        assert_no_errors(page, page_errors)               # the callback did not raise either

Notes: slider handles report ``aria-valuenow`` as "3.0", not "3". Every key press is a kernel round trip,
so wait with Playwright's retrying ``expect(...)`` or ``press_and_measure``, never with sleeps. Timeouts
are generous (kernel start 60 s, a full run 180 s) because CI has 2 cores.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

try:  # re-exported so that test modules still import when Playwright is missing: conftest then skips
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the autouse fixture reports it
    expect = None

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LATENCY_FILE = ARTIFACTS / "latency.json"

KERNEL_READY_TIMEOUT_MS = 60_000
RUN_ALL_TIMEOUT_MS = 180_000
WIDGET_RENDER_TIMEOUT_MS = 30_000
DEFAULT_PRESS_TIMEOUT_MS = 30_000

# Requests that stay on this machine; the page fixture aborts every other one.
LOCAL_URL_PREFIXES = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")

# Every press_and_measure result of this pytest process; conftest writes them out at session end.
LATENCIES: list[dict] = []

# What ipywidgets shows instead of a widget it could not (or not yet) render.
WIDGET_FAILURE_TEXTS = ("Error displaying widget", "model not found")
WIDGET_LOADING_TEXT = "Loading widget..."
STDERR_SELECTOR = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it listens, its token, and the temporary folder it serves."""

    url: str
    token: str
    notebook_dir: Path
    home: Path

    def notebook_url(self, name: str) -> str:
        # `reset` starts from an empty workspace, so tabs opened by an earlier test do not come back.
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


# JavaScript run in the page. `window.jupyterapp` exists because the server runs with
# --LabApp.expose_app_in_browser=True.
_JS_CURRENT_PANEL = """
    const app = window.jupyterapp;
    const panel = app && app.shell && app.shell.currentWidget;
    const ok = panel && panel.sessionContext && panel.content && panel.content.model;
"""

_JS_KERNEL_READY = (
    "(name) => {" + _JS_CURRENT_PANEL + """
    if (!ok || panel.context.path !== name) return false;
    const session = panel.sessionContext;
    const kernel = session.session && session.session.kernel;
    return Boolean(session.isReady && kernel && kernel.status === 'idle'
                   && kernel.connectionStatus === 'connected');
}"""
)

_JS_CLEAR_AND_RUN_ALL = (
    "async () => {" + _JS_CURRENT_PANEL + """
    if (!ok) throw new Error('no notebook is open');
    // Cleared counts make "every cell has a count" prove this run, not the committed one.
    await app.commands.execute('notebook:clear-all-cell-outputs');
    window.__cnnmathRunAll = 'running';
    app.commands.execute('notebook:run-all-cells').then(
        () => { window.__cnnmathRunAll = 'done'; },
        (err) => { window.__cnnmathRunAll = 'failed: ' + err; });
}"""
)

# Done when the run-all promise settled, the kernel is idle, and every non-empty code cell has a count
# (or some cell failed, after which JupyterLab leaves the rest unrun: assert_no_errors reports it).
_JS_RUN_FINISHED = (
    "() => {" + _JS_CURRENT_PANEL + """
    if (!ok || window.__cnnmathRunAll === 'running') return false;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    let failed = false, pending = 0;
    for (const cell of panel.content.model.cells) {
        if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
        if (cell.executionCount === null || cell.executionCount === undefined) pending += 1;
        for (const output of cell.outputs.toJSON()) {
            if (output.output_type === 'error') failed = true;
        }
    }
    return pending === 0 || failed;
}"""
)

_JS_CELL_REPORT = (
    "() => {" + _JS_CURRENT_PANEL + """
    if (!ok) return {path: null, cells: []};
    const cells = [];
    let index = 0;
    for (const cell of panel.content.model.cells) {
        index += 1;
        if (cell.type !== 'code') continue;
        cells.push({index, source: cell.sharedModel.getSource(), count: cell.executionCount,
                    outputs: cell.outputs.toJSON()});
    }
    return {path: panel.context.path, runAll: window.__cnnmathRunAll || null, cells};
}"""
)

# Polled by press_and_measure: true once the element's text matches. An element that a re-render
# replaced reports 'detached' so the caller can fall back to a locator-based wait.
_JS_TEXT_MATCHES = """([element, expected, isRegex, flags, exact]) => {
    if (!element.isConnected) return 'detached';
    const text = (element.innerText || element.textContent || '').replace(/\\s+/g, ' ').trim();
    if (isRegex) return new RegExp(expected, flags).test(text);
    const want = expected.replace(/\\s+/g, ' ').trim();
    return exact ? text === want : text.includes(want);
}"""

# The <img> elements a picture wait looks at: the container itself if it is one, else those inside it.
_JS_IMAGES = "const imgs = element.matches('img') ? [element] : Array.from(element.querySelectorAll('img'));"

# Before the key press: remember (in the page, so big data: URLs never cross to Python) which pictures
# the container shows. Returns how many <img> it holds.
_JS_PICTURES_BEFORE = "(element) => {" + _JS_IMAGES + """
    window.__cnnmathPicturesBefore = new Set(imgs.map((img) => img.src));
    return imgs.length;
}"""

# Polled by press_and_measure_picture: true once some <img> shows a src that none showed before the press
# and has loaded it (complete, with a size, and the src is the one it displays). 'detached' as above.
_JS_PICTURE_CHANGED = "(element) => {" + """
    if (!element.isConnected) return 'detached';
    """ + _JS_IMAGES + """
    const before = window.__cnnmathPicturesBefore || new Set();
    return imgs.some((img) => img.src && !before.has(img.src) && img.complete && img.naturalWidth > 0
                     && (!img.currentSrc || img.currentSrc === img.src));
}"""

# For the timeout message: what the container shows now, in short.
_JS_PICTURES_NOW = "(element) => {" + """
    if (!element.isConnected) return 'the container is no longer on the page';
    """ + _JS_IMAGES + """
    const before = window.__cnnmathPicturesBefore || new Set();
    if (!imgs.length) return 'no <img> inside the container';
    return imgs.map((img) => {
        const src = img.src || '(no src)';
        const kind = src.startsWith('data:') ? `data: URL of ${src.length} characters` : src.slice(0, 60);
        const state = img.complete ? (img.naturalWidth > 0 ? 'loaded' : 'broken') : 'still loading';
        return `<img> with ${before.has(img.src) ? 'the same src as before the press' : 'a new src'}`
               + ` (${kind}), ${state}`;
    }).join('; ');
}"""


def open_notebook(page, lab: Lab, name: str, timeout: float = KERNEL_READY_TIMEOUT_MS) -> None:
    """Open ``name`` (relative to the served copy of notebooks/) and wait until its kernel is idle.

    The "Idle" indicator alone raced on a cold server; the session context being ready with an idle,
    connected kernel did not.
    """
    page.goto(lab.notebook_url(name), timeout=timeout)
    page.wait_for_function(_JS_KERNEL_READY, arg=name, timeout=timeout, polling=100)


def run_all(page, timeout: float = RUN_ALL_TIMEOUT_MS) -> None:
    """Clear all outputs, run every cell, and wait until the run finished and the kernel is idle.

    Also waits (up to 30 s more) for widgets to leave their "Loading widget..." state, so that the
    checks that follow see what a student sees.
    """
    page.evaluate(_JS_CLEAR_AND_RUN_ALL)
    page.wait_for_function(_JS_RUN_FINISHED, timeout=timeout, polling=250)
    loading = page.locator(".jp-OutputArea-output").filter(has_text=WIDGET_LOADING_TEXT)
    try:
        loading.first.wait_for(state="detached", timeout=WIDGET_RENDER_TIMEOUT_MS)
    except Exception:  # reported, with the rest, by assert_no_errors
        pass


def _error_report(page, page_errors) -> list[str]:
    problems: list[str] = []
    report = page.evaluate(_JS_CELL_REPORT)
    if report["runAll"] and report["runAll"].startswith("failed"):
        problems.append(f"run-all {report['runAll']}")
    for cell in report["cells"]:
        first_line = cell["source"].strip().splitlines()[0][:60] if cell["source"].strip() else ""
        where = f"cell {cell['index']} ({first_line!r})"
        for output in cell["outputs"]:
            if output.get("output_type") == "error":
                problems.append(f"{where}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", ""))
                if "Traceback" in text:
                    problems.append(f"{where}: traceback on stderr: {text.strip()[-300:]}")

    # The DOM as well: errors raised inside widget callbacks land in Output widgets, which the notebook
    # model does not hold. An error output renders with the stderr mime type.
    for text in page.locator(STDERR_SELECTOR).all_inner_texts():
        if "Traceback" in text or "Error" in text:
            problems.append(f"stderr output on the page: {text.strip()[-300:]}")
    for marker in WIDGET_FAILURE_TEXTS + (WIDGET_LOADING_TEXT,):
        count = page.locator(".jp-OutputArea-output").filter(has_text=marker).count()
        if count:
            problems.append(f"{count} widget output(s) show {marker!r}")
    problems.extend(f"browser: {error}" for error in page_errors)
    return problems


def assert_no_errors(page, page_errors) -> None:
    """Fail, listing every problem found, if the open notebook or the page shows any error."""
    problems = _error_report(page, page_errors)
    assert not problems, "the notebook page shows errors:\n  " + "\n  ".join(problems)


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to test-artifacts/screenshots/NAME.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def current_notebook(page) -> str | None:
    return page.evaluate("() => {" + _JS_CURRENT_PANEL + " return ok ? panel.context.path : null; }")


def press_and_measure(
    page,
    locator_to_focus,
    key: str,
    output_locator,
    expected,
    *,
    widget: str | None = None,
    notebook: str | None = None,
    exact: bool = False,
    timeout: float = DEFAULT_PRESS_TIMEOUT_MS,
) -> float:
    """Press ``key`` on a focused control; return the ms until ``output_locator`` shows ``expected``.

    ``expected`` is a string (contained in the element's whitespace-normalised text, or equal to it with
    ``exact=True``) or a compiled ``re`` pattern (searched; keep to syntax JavaScript shares). The wait is
    Playwright polling every 10 ms in the page, so the figure is the student's wait to within a frame.
    The result is recorded with ``widget`` (default: the focused control's accessible label) and
    ``notebook`` (default: the open notebook) for test-artifacts/latency.json. ``output_locator`` must
    match one element (use ``.first`` or a narrower selector), and should show something else before the
    key press, or the measurement is just the time to notice it already matched.
    """
    is_regex = isinstance(expected, re.Pattern)
    pattern = expected.pattern if is_regex else str(expected)
    flags = ("i" if is_regex and expected.flags & re.IGNORECASE else "") + (
        "s" if is_regex and expected.flags & re.DOTALL else ""
    )
    locator_to_focus.focus(timeout=timeout)
    element = output_locator.element_handle(timeout=timeout)

    start = time.perf_counter()
    page.keyboard.press(key)
    try:
        outcome = page.wait_for_function(
            _JS_TEXT_MATCHES, arg=[element, pattern, is_regex, flags, exact], timeout=timeout, polling=10
        ).json_value()
    except Exception as err:  # Playwright's bare "Timeout exceeded" says nothing about what was on screen
        if "Timeout" not in type(err).__name__:
            raise
        try:
            shown = " ".join(element.inner_text().split())
        except Exception:
            shown = "(the element is gone)"
        message = (
            f"{timeout / 1000:.0f} s after pressing {key} on {widget or 'the control'}, the output shows\n"
            f"  {shown[-500:]!r}\nexpected {'a match for' if is_regex else 'exactly' if exact else 'to contain'}\n"
            f"  {pattern!r}"
        )
        raise AssertionError(message) from None
    finally:
        element.dispose()
    if outcome == "detached":  # the widget re-rendered its output element: follow the locator instead
        remaining = max(timeout - (time.perf_counter() - start) * 1000, 1)
        if is_regex:
            expect(output_locator).to_have_text(expected, timeout=remaining)
        elif exact:
            expect(output_locator).to_have_text(pattern, timeout=remaining)
        else:
            expect(output_locator).to_contain_text(pattern, timeout=remaining)
    ms = (time.perf_counter() - start) * 1000
    _record(page, locator_to_focus, key, ms, widget=widget, notebook=notebook, shows="text")
    return ms


def _record(page, locator_to_focus, key: str, ms: float, *, widget, notebook, shows: str) -> None:
    if widget is None:
        widget = (
            locator_to_focus.get_attribute("aria-label")
            or locator_to_focus.evaluate(
                "el => (el.closest('.widget-inline-hbox, .jupyter-widgets')?.querySelector('.widget-label')"
                "?.innerText) || el.getAttribute('role') || el.tagName"
            )
        )
    LATENCIES.append(
        {
            "notebook": notebook or current_notebook(page),
            "widget": widget,
            "key": key,
            "ms": round(ms, 1),
            "shows": shows,
        }
    )


def press_and_measure_picture(
    page,
    locator_to_focus,
    key: str,
    container_locator,
    *,
    widget: str | None = None,
    notebook: str | None = None,
    timeout: float = DEFAULT_PRESS_TIMEOUT_MS,
) -> float:
    """Press ``key`` on a focused control; return the ms until ``container_locator`` shows a new picture.

    New picture: an ``<img>`` inside the container (or the container itself, if it is an ``<img>``) whose
    ``src`` none of its images had before the press, and which has loaded it (``complete``, a non-zero
    ``naturalWidth``, ``currentSrc`` equal to ``src``). That holds both when an ``Output`` replaces its
    ``<img>`` (clear_output, then display of a PNG: a new element with a new ``data:`` URL) and when an
    ``ipywidgets.Image`` swaps its one ``<img>``'s ``src`` (a new ``blob:`` URL). The wait polls every
    10 ms in the page, as :func:`press_and_measure` does. The result is recorded for
    test-artifacts/latency.json with ``"shows": "picture"``. ``container_locator`` must match one element
    that stays on the page (the Output's ``.widget-output``, or the Image's ``img.widget-image``); if a
    re-render replaces it, the wait follows the locator to the new element. Raises AssertionError, with
    what the container shows, if no new picture appears within ``timeout``.
    """
    locator_to_focus.focus(timeout=timeout)
    element = container_locator.element_handle(timeout=timeout)
    element.evaluate(_JS_PICTURES_BEFORE)

    start = time.perf_counter()
    page.keyboard.press(key)
    try:
        while True:
            remaining = timeout - (time.perf_counter() - start) * 1000
            if remaining <= 0:
                raise TimeoutError
            try:
                outcome = page.wait_for_function(
                    _JS_PICTURE_CHANGED, arg=element, timeout=remaining, polling=10
                ).json_value()
            except Exception as err:
                if "Timeout" not in type(err).__name__:
                    raise
                raise TimeoutError from None
            if outcome != "detached":
                break
            # the widget re-rendered the container: look again at the element the locator finds now
            element.dispose()
            remaining = timeout - (time.perf_counter() - start) * 1000
            try:
                element = container_locator.element_handle(timeout=max(remaining, 1))
            except Exception as err:
                if "Timeout" not in type(err).__name__:
                    raise
                raise TimeoutError from None
    except TimeoutError:
        try:
            shown = element.evaluate(_JS_PICTURES_NOW)
        except Exception:
            shown = "(the container is gone)"
        raise AssertionError(
            f"{timeout / 1000:g} s after pressing {key} on {widget or 'the control'}, no new picture "
            f"appeared: {shown}"
        ) from None
    finally:
        try:
            element.dispose()
        except Exception:  # already disposed when the container went away
            pass
    ms = (time.perf_counter() - start) * 1000
    _record(page, locator_to_focus, key, ms, widget=widget, notebook=notebook, shows="picture")
    return ms


def write_latencies(run_id: str, path: Path = LATENCY_FILE) -> None:
    """Merge LATENCIES into ``path`` as {"run": run_id, "records": [...]}, replacing other runs' records."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers finish at about the same time
        try:
            previous = json.loads(path.read_text())
        except (OSError, ValueError):
            previous = {}
        records = previous.get("records", []) if previous.get("run") == run_id else []
        records.extend(LATENCIES)
        path.write_text(json.dumps({"run": run_id, "records": records}, indent=1) + "\n")
