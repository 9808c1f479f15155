"""The three requirements files agree: Binder gets exactly the course's environment, tests add to it."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _requirement_lines(name):
    lines = (line.split("#", 1)[0].strip() for line in (REPO_ROOT / name).read_text().splitlines())
    return [line for line in lines if line]


def test_binder_installs_what_the_course_installs():
    assert _requirement_lines("binder/requirements.txt") == _requirement_lines("requirements.txt")


def test_course_installs_the_package_itself():
    assert "-e ." in _requirement_lines("requirements.txt")


def test_test_requirements_extend_the_course():
    assert _requirement_lines("requirements-test.txt")[0] == "-r requirements.txt"


def test_binder_runtime_is_python_311():
    assert (REPO_ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
