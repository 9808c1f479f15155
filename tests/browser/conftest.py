"""Fixtures for the browser tests: JupyterLab on loopback, Debian's Chromium, a fresh page per test.

The recipe is shared/notes/browser-testing.md; harness.py documents the fixtures and helpers for test
writers. Without Chromium every test here is skipped with the reason, except when
CNNMATH_REQUIRE_BROWSER=1 (CI sets it): there a missing browser fails the run instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import uuid
import urllib.request
from pathlib import Path

import pytest

from . import harness
from .harness import Lab

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the networking flags Chromium floods the closed network with refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # an inherited http_proxy must not capture requests to 127.0.0.1
]
SERVER_READY_TIMEOUT_S = 60
BROWSER_DIR = Path(__file__).resolve().parent
_RUN_ID = uuid.uuid4().hex  # names this pytest run in latency.json when not under pytest-xdist

# urllib that ignores proxy variables: the server is on loopback.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _browser_missing_reason() -> str | None:
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return f"Chromium not found at {CHROMIUM_PATH}: install Debian's chromium to run browser tests"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed: pip install -r requirements-test.txt"
    return None


def pytest_collection_modifyitems(config, items):
    # Every test in this folder is a browser test, whether or not its author remembered the marker.
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _chromium_available():
    reason = _browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("CNNMATH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CNNMATH_REQUIRE_BROWSER=1: a skipped browser test counts as a failure)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_chromium(_chromium_available):
    """Applies the skip-or-fail rule to every test in this folder, even one that uses no browser fixture."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _isolated_env(home: Path) -> dict[str, str]:
    """The test's JupyterLab, kernels and Chromium read and write nothing of the user's."""
    env = dict(os.environ)
    dirs = {
        "HOME": home,
        "JUPYTER_CONFIG_DIR": home / "jupyter-config",
        "JUPYTER_DATA_DIR": home / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    # Extra kernelspec folders could shadow "python3" with an interpreter that lacks cnnmath.
    env.pop("JUPYTER_PATH", None)
    env.pop("MPLBACKEND", None)  # notebooks draw with the inline backend ipykernel picks
    env["PYTHONHASHSEED"] = "0"
    return env


def _write_lab_settings(settings_dir: Path) -> None:
    settings = {
        # The "get Jupyter news?" toast appears even with news_url=None unless this is set.
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
        # Attach every cell to the DOM, so that error and widget checks see cells below the fold too.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for relative, values in settings.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _log_tail(log_path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def lab(tmp_path_factory, _chromium_available):
    """JupyterLab serving a copy of notebooks/ (running a notebook rewrites it), on a free loopback port."""
    root = tmp_path_factory.mktemp("lab")
    home = root / "home"
    notebook_dir = root / "notebooks"
    source = harness.REPO_ROOT / "notebooks"
    if source.is_dir():
        shutil.copytree(source, notebook_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        notebook_dir.mkdir()
    env = _isolated_env(home)
    _write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))

    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs as root
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebook_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]
    yield from serve(command, "JupyterLab", root / "jupyterlab.log", notebook_dir, env, port, token, home)


def serve(command, name, log_path, notebook_dir, env, port, token, home):
    """Start a Jupyter server (``command``), wait until it answers, yield its :class:`Lab`, stop it after.

    For a fixture: ``yield from serve(...)``. ``name`` is what messages call it; its output goes to
    ``log_path``, whose tail a failure shows."""
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would stall the server
        # A session of its own, so teardown can also stop the kernels the server started.
        server = subprocess.Popen(
            command, cwd=notebook_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"{name} exited with code {server.returncode}:\n{_log_tail(log_path)}")
            try:
                with _opener.open(f"{url}/api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} not ready after {SERVER_READY_TIMEOUT_S} s:\n{_log_tail(log_path)}")
            time.sleep(0.2)  # polling a server that is starting; nothing to wait on instead
        yield Lab(url=url, token=token, notebook_dir=notebook_dir, home=home)
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """Stop the server by its PID (it shuts its kernels down), then anything left in its process group."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
    try:
        os.killpg(server.pid, signal.SIGKILL)  # the group is the server's own, made by start_new_session
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="session")
def browser(tmp_path_factory, _chromium_available):
    from playwright.sync_api import sync_playwright

    # Chromium keeps crash reports and caches under HOME (~/.config/chromium): give it a throwaway one.
    home = tmp_path_factory.mktemp("chromium-home")
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS, env=env
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_errors():
    """JavaScript page errors and console errors seen by ``page``; assert it empty (assert_no_errors does)."""
    return []


def _shutdown_kernels(lab: Lab) -> None:
    """Delete every session, so the next test that opens the same notebook starts a fresh kernel."""
    try:
        with _opener.open(f"{lab.url}/api/sessions?token={lab.token}", timeout=10) as response:
            sessions = json.load(response)
        for session in sessions:
            request = urllib.request.Request(
                f"{lab.url}/api/sessions/{session['id']}?token={lab.token}", method="DELETE"
            )
            _opener.open(request, timeout=30).close()
    except (urllib.error.URLError, OSError):
        pass  # the server is gone; its teardown handles the rest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so the page fixture knows whether the test failed.
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture
def page(request, browser, lab, page_errors):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)

    def only_loopback(route):
        if route.request.url.startswith(harness.LOCAL_URL_PREFIXES):
            route.continue_()
        else:
            route.abort()  # hermetic, and a stray external request fails fast instead of hanging

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: page_errors.append(f"console {message.type}: {message.text}")
        if message.type == "error"
        else None,
    )
    try:
        yield page
    finally:
        report = getattr(request.node, "_report_call", None)
        failure_shot = f"FAILED-{request.node.name}"
        if report is not None and report.failed:
            try:  # a picture of the failure is the quickest diagnosis, especially from CI
                harness.screenshot(page, failure_shot)
            except Exception:
                pass
        else:  # a picture of an old failure that has since been fixed would only mislead
            (harness.SCREENSHOTS / f"{failure_shot}.png").unlink(missing_ok=True)
        context.close()
        _shutdown_kernels(lab)


def pytest_sessionfinish(session, exitstatus):
    """Write this session's key-press latencies to test-artifacts/latency.json (the benchmark reads it).

    Each pytest process merges its records into the file under a lock, keyed by the run: records of this
    run (all pytest-xdist workers share one run id) are kept, those of an earlier run replaced. A session
    that measured nothing leaves the file alone.
    """
    if harness.LATENCIES:
        worker = getattr(session.config, "workerinput", None)
        harness.write_latencies(run_id=worker["testrunuid"] if worker else _RUN_ID)
