"""cnnmath as a library: floors, not pins, in pyproject.toml; the course's environment satisfies them; the
hosting guide lists the same floors. `make dist-check` builds and installs the package itself, and
`make test-oldest` runs the quick suite at these floors (both from .ci/run)."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def _floors():
    """{canonical name: floor version} of cnnmath's dependencies."""
    floors = {}
    for line in PROJECT["dependencies"]:
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        floors[canonicalize_name(requirement.name)] = (spec.operator, spec.version)
    return floors


def test_dependencies_are_floors_without_upper_bounds():
    """A hub image that already has newer releases must not be downgraded or blocked by cnnmath."""
    for name, (operator, version) in _floors().items():
        assert operator == ">=", f"{name}: {operator}{version} (a floor is >=X.Y.Z)"
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: floor {version} should name a release"


def test_course_environment_satisfies_the_floors():
    floors = _floors()
    course = {}
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("-", ".")):
            requirement = Requirement(line)
            course[canonicalize_name(requirement.name)] = requirement
    for name, (_, floor) in floors.items():
        assert name in course, f"requirements.txt does not pin {name}, which cnnmath needs"
        (spec,) = course[name].specifier
        lowest = spec.version  # ~=X.Y.Z allows nothing below X.Y.Z
        assert Requirement(f"{name}>={floor}").specifier.contains(lowest), (name, floor, lowest)


def test_hosting_guide_lists_the_floors_of_pyproject():
    text = (REPO_ROOT / "docs" / "hosting.md").read_text()
    listed = {canonicalize_name(name): version
              for name, version in re.findall(r"^\| `([A-Za-z0-9_.-]+)` \| ([0-9.]+) \|", text, flags=re.M)}
    assert listed == {name: version for name, (_, version) in _floors().items()}


def test_package_builds_from_its_own_folder_only():
    setuptools = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["packages"]["find"]["include"] == ["cnnmath*"]
    assert PROJECT["requires-python"] == ">=3.11"
