"""The course's JupyterLab extension (labextension/, cnnmath-rise-widgets) is a standard prebuilt one.

Its TypeScript source is built by `make labextension` (jlpm, tsc, jupyter-builder) and the result is
committed under labextension/cnnmath_rise_widgets/labextension/, so installing it never runs Node. These
checks read the committed files: the build belongs to the source, it provides no module under another
package's name except the real @jupyterlab/console it bundles as a fallback, the wheel's shared-data puts
it where JupyterLab looks, and this environment has exactly that build installed, enabled and compatible.
The browser tests (tests/browser/test_slides.py, test_notebook7.py) check what it does in a page.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = REPO_ROOT / "labextension"
BUILT = PROJECT / "cnnmath_rise_widgets" / "labextension"
NAME = "cnnmath-rise-widgets"


def _json(path):
    return json.loads(path.read_text())


def _built_js():
    return {path.name: path.read_text() for path in (BUILT / "static").glob("*.js")}


def test_source_declares_its_dependencies_and_the_console_fallback():
    package = _json(PROJECT / "package.json")
    assert package["name"] == NAME
    deps = package["dependencies"]
    shared = package["jupyterlab"]["sharedPackages"]
    # what its code imports, so that JupyterLab's compatibility check can judge it
    assert deps["@jupyterlab/application"].startswith("^4.")
    assert deps["@jupyterlab/console"].startswith("~4.")
    # the accessible-names plugin requires IRenderMimeRegistry; taken from the page, any 4.x (the
    # slideshow page of jupyterlab-rise has 4.3.4), so it is on the no-version-check list below
    assert deps["@jupyterlab/rendermime"].startswith("^4.")
    assert shared["@jupyterlab/rendermime"] == {"bundled": False, "requiredVersion": False}
    shared = package["jupyterlab"]["sharedPackages"]
    assert shared["@jupyterlab/console"] == {"bundled": True, "singleton": True, "requiredVersion": "^4.6.2"}
    # every other shared package named there is consumed from the page, never bundled
    others = {name: config for name, config in shared.items() if name != "@jupyterlab/console"}
    assert others and all(config["bundled"] is False for config in others.values()), others
    assert package["jupyterlab"]["outputDir"] == "cnnmath_rise_widgets/labextension"


def test_committed_build_belongs_to_the_source():
    source, built = _json(PROJECT / "package.json"), _json(BUILT / "package.json")
    build_info = built["jupyterlab"].pop("_build")
    assert built == source, "the build's package.json differs from labextension/package.json: make labextension"
    assert (BUILT / build_info["load"]).is_file(), build_info
    assert build_info["extension"] == "./extension"
    js = "".join(_built_js().values())
    plugin_ids = re.findall(r"id: '([^']+)'", (PROJECT / "src" / "index.ts").read_text())
    assert f"{NAME}:slider-keys" in plugin_ids and f"{NAME}:accessible-names" in plugin_ids, plugin_ids
    for plugin_id in plugin_ids:
        assert plugin_id in js, f"{plugin_id} is in src/index.ts but not in the build: make labextension"


def test_build_provides_only_itself_and_the_real_console_package():
    entry = _json(BUILT / "package.json")["jupyterlab"]["_build"]["load"]
    remote_entry = (BUILT / entry).read_text()
    provided = dict(re.findall(r'\{name:"([^"]+)",version:"([^"]+)",factory:', remote_entry))
    locked = re.search(r'^"@jupyterlab/console@npm:[^"]+":\n  version: (\S+)$',
                       (PROJECT / "yarn.lock").read_text(), re.MULTILINE).group(1)
    assert provided == {NAME: _json(PROJECT / "package.json")["version"], "@jupyterlab/console": locked}
    # the provided console is the package's own code (its widgets' class names), not a stand-in
    assert any("jp-ConsolePanel" in text and "jp-CodeConsole-promptCell" in text
               for text in _built_js().values())


def test_wheel_puts_the_build_where_jupyterlab_looks_and_never_needs_node():
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == NAME
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    shared_data = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    target = f"share/jupyter/labextensions/{NAME}"
    assert shared_data == {"cnnmath_rise_widgets/labextension": target, "install.json": f"{target}/install.json"}
    install = _json(PROJECT / "install.json")
    assert install["packageManager"] == "python" and install["packageName"] == NAME
    # the build hook runs Node only when one of these is missing; they are committed
    hook = pyproject["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]
    for relative in hook["skip-if-exists"] + hook["ensured-targets"]:
        assert (PROJECT / relative).is_file(), relative
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", f"labextension/{relative}"],
                                 cwd=REPO_ROOT, capture_output=True)
        if tracked.returncode == 128 and b"not a git repository" in tracked.stderr:
            continue  # an unpacked sdist, not a checkout
        assert tracked.returncode == 0, f"labextension/{relative} must be committed"


def test_this_environment_has_the_committed_build_enabled_and_compatible():
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / NAME
    if not installed.is_dir():
        pytest.fail(f"{NAME} is not installed in {sys.prefix}: pip install -r requirements.txt")
    committed = {path.relative_to(BUILT): path.read_bytes() for path in BUILT.rglob("*") if path.is_file()}
    committed[Path("install.json")] = (PROJECT / "install.json").read_bytes()
    present = {path.relative_to(installed): path.read_bytes() for path in installed.rglob("*") if path.is_file()}
    assert present == committed, f"{installed} is not the committed build: pip install ./labextension"

    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                             capture_output=True, text=True, check=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    line = next((line for line in text.splitlines() if line.strip().startswith(f"{NAME} ")), None)
    assert line is not None, text
    assert " enabled " in f"{line} " and " OK" in line, line
