"""Binder's files, and the pieces of `make binder-check` (tools/check_binder_env.py) that decide pass or fail.

The check itself installs a whole environment (about a minute), so it runs as its own make target from
.ci/run; these tests cover, without a network, the files it installs and the parsing it relies on.
"""

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))

import check_binder_env  # noqa: E402

# `jupyter labextension list` as it printed with the old binder/requirements.txt on repo2docker's base
# image (colour codes included): Notebook 7.4.7 from the image beside JupyterLab 4.6.6.
BROKEN_LISTING = """\
JupyterLab v4.6.6
/tmp/venv/share/jupyter/labextensions
        jupyterlab-rise v0.43.1 \x1b[32menabled\x1b[0m \x1b[32mOK\x1b[0m (python, jupyterlab_rise)
        cnnmath-rise-widgets v0.1.0 \x1b[32menabled\x1b[0m \x1b[32mOK\x1b[0m
        @jupyter-notebook/lab-extension v7.4.7 \x1b[32menabled\x1b[0m \x1b[31m X\x1b[0m
        @jupyterlab/mathjax3-extension v4.3.0 \x1b[32menabled\x1b[0m \x1b[31m X\x1b[0m (python, jupyterlab-mathjax3)
        @jupyter-widgets/jupyterlab-manager v5.0.16 \x1b[32menabled\x1b[0m \x1b[32mOK\x1b[0m (python, jupyterlab_widgets)


   The following extensions may be outdated or specify dependencies that are incompatible with the current version of jupyterlab:
        @jupyter-notebook/lab-extension
        @jupyterlab/mathjax3-extension
        
   If you are a user, check if an update is available for these packages.
"""


def test_listing_parser_finds_the_incompatible_extensions():
    assert check_binder_env.incompatible_extensions(BROKEN_LISTING) == {
        "@jupyter-notebook/lab-extension": "7.4.7", "@jupyterlab/mathjax3-extension": "4.3.0"}
    assert check_binder_env.enabled_ok(BROKEN_LISTING) == {
        "jupyterlab-rise", "cnnmath-rise-widgets", "@jupyter-widgets/jupyterlab-manager"}


def test_listing_parser_reads_a_clean_listing_as_clean():
    clean = BROKEN_LISTING.split("\n\n\n")[0].replace("v7.4.7 \x1b[32menabled\x1b[0m \x1b[31m X",
                                                      "v7.6.5 \x1b[32menabled\x1b[0m \x1b[32mOK")
    assert check_binder_env.incompatible_extensions(clean) == {"@jupyterlab/mathjax3-extension": "4.3.0"}
    assert set(check_binder_env.REQUIRED_EXTENSIONS) - {"@jupyter-notebook/lab-extension"} <= \
        check_binder_env.enabled_ok(clean)


def test_only_known_incompatible_extensions_are_forgiven_and_only_at_their_version():
    flagged = check_binder_env.incompatible_extensions(BROKEN_LISTING)
    unforgiven = {name for name, version in flagged.items()
                  if check_binder_env.KNOWN_INCOMPATIBLE.get(name) != version}
    assert unforgiven == {"@jupyter-notebook/lab-extension"}
    assert "@jupyter-notebook/lab-extension" not in check_binder_env.KNOWN_INCOMPATIBLE


def test_conda_lock_becomes_pypi_pins():
    lock = "\n".join([
        "@EXPLICIT",
        "https://conda.anaconda.org/conda-forge/linux-64/python-3.11.14-hfe2f287_1_cpython.conda#abc",
        "https://conda.anaconda.org/conda-forge/linux-64/libzlib-1.3.1-hb9d3cd8_2.conda#abc",
        "https://conda.anaconda.org/conda-forge/noarch/notebook-7.4.7-pyhd8ed1ab_0.conda#abc",
        "https://conda.anaconda.org/conda-forge/linux-64/pyzmq-27.1.0-py311h2315fbb_0.conda#abc",
        "https://conda.anaconda.org/conda-forge/noarch/nbconvert-core-7.16.6-pyh29332c3_0.conda#abc",
        "https://conda.anaconda.org/conda-forge/noarch/jupyter_client-8.6.3-pyhd8ed1ab_1.conda#abc",
        "https://conda.anaconda.org/conda-forge/noarch/jupyterhub-singleuser-5.4.0-hd843c07_0.conda#abc",
        "https://conda.anaconda.org/conda-forge/noarch/typing_utils-0.1.0-pyhd8ed1ab_1.tar.bz2#abc",
    ])
    assert check_binder_env.base_from_conda_lock(lock) == [
        "jupyter-client==8.6.3", "nbconvert==7.16.6", "notebook==7.4.7", "pyzmq==27.1.0", "typing-utils==0.1.0"]


def test_base_list_exists_for_binders_python_and_holds_the_old_notebook():
    """The stand-in for repo2docker's image: the Notebook 7 that broke the old environment is in it."""
    base = check_binder_env.base_list_path(check_binder_env.runtime_python())
    pins = [line for line in base.read_text().splitlines() if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*==\S+", pin) for pin in pins), pins
    assert "notebook==7.4.7" in pins and "jupyterlab==4.4.9" in pins and "ipykernel==7.0.1" in pins


def test_postbuild_installs_the_course_packages_without_dependencies():
    postbuild = REPO_ROOT / "binder" / "postBuild"
    assert postbuild.stat().st_mode & stat.S_IXUSR, "repo2docker only runs an executable postBuild"
    listed = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=REPO_ROOT, capture_output=True,
                            text=True)
    if listed.returncode == 0 and listed.stdout:  # in a git checkout, the executable bit must be committed
        assert listed.stdout.startswith("100755"), listed.stdout
    commands = [line for line in postbuild.read_text().splitlines() if line and not line.startswith("#")]
    assert postbuild.read_text().startswith("#!/bin/bash\n") and commands[0] == "set -euo pipefail"
    assert "python -m pip install --no-cache-dir --no-deps -e . ./labextension" in commands
    assert 'cp binder/overrides.json "$settings/overrides.json"' in commands


def test_overrides_turn_off_the_news_prompt_and_update_checks():
    overrides = json.loads((REPO_ROOT / "binder" / "overrides.json").read_text())
    assert overrides == {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                         "checkForUpdates": False}}
    schema_file = (Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas" / "@jupyterlab"
                   / "apputils-extension" / "notification.json")
    if not schema_file.exists():
        pytest.fail(f"JupyterLab's schema {schema_file} is missing: is jupyterlab installed here?")
    properties = json.loads(schema_file.read_text())["properties"]
    assert "false" in [choice["const"] for choice in properties["fetchNews"]["oneOf"]]
    assert properties["checkForUpdates"]["type"] == "boolean"


def test_readme_badge_opens_lesson_0_in_jupyterlab():
    readme = (REPO_ROOT / "README.md").read_text()
    badges = re.findall(r"\(https://mybinder\.org/v2/gh/([^)\s]+)\)", readme)
    assert badges, "no Binder badge in README.md"
    for link in badges:
        assert link.endswith("?urlpath=lab/tree/notebooks/00_start_here.ipynb"), link
        assert "labpath" not in link
    assert (REPO_ROOT / "notebooks" / "00_start_here.ipynb").exists()

