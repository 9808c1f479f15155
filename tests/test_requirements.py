"""The requirements files agree: Binder's lock pins what the course asks for, the tests add to the course.

requirements.txt is the course's environment (compatible-release pins, plus the two local packages);
binder/requirements.txt is its lock for Binder (`make binder-lock`): every package at one exact version,
no local path (binder/postBuild installs those), so that repo2docker can install it before copying the
repository. The lock is checked against requirements.txt here without a network; `make binder-check`
installs it the way repo2docker does.
"""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCAL_PACKAGES = {"cnnmath": ".", "cnnmath-rise-widgets": "./labextension"}


def _requirement_lines(name):
    lines = (line.split("#", 1)[0].strip() for line in (REPO_ROOT / name).read_text().splitlines())
    return [line for line in lines if line]


def _is_local(line):
    """True for a line that points pip at something on disk, as repo2docker judges it.

    Such a line (an editable, a relative path, a file:// URL, or another requirements file pulled in with
    -r/-c) makes repo2docker copy the whole repository before installing, so no install layer is reused.
    """
    if line.startswith(("-r", "-c", "--requirement", "--constraint")):
        return True
    if line.startswith("--") and "=" in line:
        line = line.split("=", 1)[1]
    elif line.startswith("-"):
        parts = line.split(None, 1)
        if len(parts) < 2:
            return False
        line = parts[1]
    if "file://" in line:
        return True
    return line.split("://", 1)[-1].startswith(".")


def _lock():
    """{canonical name: Requirement} of binder/requirements.txt."""
    return {canonicalize_name(Requirement(line).name): Requirement(line)
            for line in _requirement_lines("binder/requirements.txt")}


def _pinned_version(requirement):
    (spec,) = requirement.specifier
    return spec.version


def _course_requirements():
    return [Requirement(line) for line in _requirement_lines("requirements.txt") if not _is_local(line)]


def test_local_rule_matches_repo2dockers_cases():
    for line in ("-e .", "./labextension", "-r other.txt", "--editable=.", "pkg @ file:///srv/pkg", "../x"):
        assert _is_local(line), line
    for line in ("numpy==2.4.6", "numpy~=2.4", "--pre", "pkg @ https://example.org/pkg.whl"):
        assert not _is_local(line), line


def test_binder_lock_pins_every_package_to_one_version():
    lines = _requirement_lines("binder/requirements.txt")
    assert len(lines) > 50  # the whole environment, not only the direct requirements
    for line in lines:
        requirement = Requirement(line)
        assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", line
        assert not requirement.url and not requirement.extras, line


def test_binder_lock_names_no_local_path():
    """Otherwise repo2docker installs it after copying the repository: every commit reinstalls everything."""
    assert [line for line in _requirement_lines("binder/requirements.txt") if _is_local(line)] == []
    assert not set(_lock()) & set(LOCAL_PACKAGES), "postBuild installs the course's own packages"


@pytest.mark.parametrize("requirement", _course_requirements(), ids=str)
def test_binder_lock_satisfies_each_course_requirement(requirement):
    """Up to date with requirements.txt: each direct requirement is pinned at a version it allows."""
    lock = _lock()
    name = canonicalize_name(requirement.name)
    assert name in lock, f"{requirement} is not in binder/requirements.txt: run make binder-lock"
    version = _pinned_version(lock[name])
    assert requirement.specifier.contains(version, prereleases=True), (
        f"binder/requirements.txt pins {name}=={version}, which {requirement} excludes: run make binder-lock")


def test_binder_lock_holds_what_the_local_packages_need():
    """postBuild installs cnnmath and the extension with --no-deps, so the lock must carry their dependencies."""
    lock = _lock()
    for folder in LOCAL_PACKAGES.values():
        project = tomllib.loads((REPO_ROOT / folder / "pyproject.toml").read_text())["project"]
        for line in project.get("dependencies", []):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{folder}/pyproject.toml needs {requirement}; binder/requirements.txt lacks it"
            assert requirement.specifier.contains(_pinned_version(lock[name]), prereleases=True), (
                f"{folder}/pyproject.toml needs {requirement}; the lock has {lock[name]}")


def test_binder_lock_has_a_notebook_that_fits_its_jupyterlab():
    """repo2docker's base image brings Notebook 7, which names the JupyterLab it works with."""
    lock = _lock()
    assert "notebook" in lock and "jupyterlab" in lock
    assert _pinned_version(lock["notebook"]).split(".")[:2] == ["7", _pinned_version(lock["jupyterlab"]).split(".")[1]]


def test_course_keeps_compatible_release_pins():
    """The course's own environment moves only by bug-fix releases (a new minor waits for a re-run)."""
    for requirement in _course_requirements():
        (spec,) = requirement.specifier
        assert spec.operator == "~=" and spec.version.count(".") == 2, str(requirement)


def test_course_installs_the_package_itself():
    assert "-e ." in _requirement_lines("requirements.txt")


def test_test_requirements_extend_the_course():
    assert _requirement_lines("requirements-test.txt")[0] == "-r requirements.txt"


def test_binder_runtime_is_python_311():
    assert (REPO_ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
