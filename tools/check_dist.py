#!/usr/bin/env python3
"""Build cnnmath's sdist and wheel, install each into a fresh venv, and run the package tests against it.

    python tools/check_dist.py            # this is `make dist-check`; the files are left in dist/

`python -m build` makes the sdist and then the wheel from that sdist (so a file missing from the sdist
breaks the wheel too). Each of the two is installed into its own new virtual environment together with
the test tools only (pytest, pytest-xdist, hypothesis, scipy at requirements-test.txt's pins), and the package tests
run there from a copy of tests/ in a scratch folder, far from this checkout: ``import cnnmath`` can only
find the installed copy, and the check fails if it finds anything else.

"Package tests" are the modules of tests/ that need nothing of the checkout but the tests themselves:
those that read notebooks, docs or tools (they name REPO_ROOT or a path built from ``__file__``, import
nbformat, or import from such a module) are left out and listed. The browser tests and the slow ones are left out as in the quick suite.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS = REPO_ROOT / "tests"
# A module that builds a path into the checkout from its own location, names the checkout's root, reads
# notebooks (nbformat), or borrows from a test module that does.
NEEDS_CHECKOUT = re.compile(r"REPO_ROOT|Path\(__file__\)\.resolve\(\)\.parent\.parent"
                            r"|^\s*import nbformat|^\s*from tests\.test_\w+ import", re.M)
TEST_TOOLS = ("pytest", "pytest-xdist", "hypothesis", "scipy")
MARKERS = "not browser and not slow"
# Modules that need a process no earlier test touched (test_alt_text.py starts its own IPython shell and
# fails if one is left over): they run after the others, in a pytest of their own without xdist.
SERIAL = ("test_alt_text.py",)


def log(message: str) -> None:
    print(f"[dist-check] {message}", flush=True)


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def pinned(names) -> list[str]:
    """requirements-test.txt's lines for these distributions (their pins), in that order."""
    lines = {}
    for line in (REPO_ROOT / "requirements-test.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"[A-Za-z0-9_.-]+", line)
        if match:
            lines[match.group(0).lower()] = line
    missing = [name for name in names if name not in lines]
    if missing:
        raise SystemExit(f"requirements-test.txt pins none of {missing}")
    return [lines[name] for name in names]


def package_test_modules() -> tuple[list[Path], list[Path]]:
    selected, left_out = [], []
    for path in sorted(TESTS.glob("test_*.py")):
        (left_out if NEEDS_CHECKOUT.search(path.read_text()) else selected).append(path)
    return selected, left_out


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        raise SystemExit("uv not found next to this Python or on PATH (make dist-check installs it)")
    return found


def check_artifact(artifact: Path, python: str, tools: list[str], modules: list[Path], workdir: Path) -> None:
    venv = workdir / "venv"
    run([uv(), "venv", "--quiet", "--python", python, venv])
    run([uv(), "pip", "install", "--quiet", "--python", venv / "bin" / "python", artifact, *tools])
    copy = workdir / "tests"
    copy.mkdir()
    for name in ("__init__.py", "conftest.py", "helpers.py"):
        shutil.copy2(TESTS / name, copy / name)
    for module in modules:
        shutil.copy2(module, copy / module.name)
    # The checkout's pytest settings (markers, warning filters), without the rest of its pyproject.toml.
    options = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    ini = ["[pytest]", "markers ="] + [f"    {m}" for m in options.get("markers", [])]
    ini += ["filterwarnings ="] + [f"    {f}" for f in options.get("filterwarnings", [])]
    (workdir / "pytest.ini").write_text("\n".join(ini) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([venv / "bin" / "python", "-c", "import cnnmath; print(cnnmath.__file__)"],
                           cwd=workdir, env=env, capture_output=True, text=True, check=True).stdout.strip()
    log(f"cnnmath imports from {where}")
    if not where.startswith(str(venv)):
        raise SystemExit(f"cnnmath was imported from {where}, not from the venv the {artifact.name} went into")
    serial = [f"tests/{name}" for name in SERIAL if (copy / name).exists()]
    run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "-m", MARKERS,
         "--rootdir", workdir, *[f"--ignore={path}" for path in serial], "tests"], cwd=workdir, env=env)
    if serial:
        run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", MARKERS,
             "--rootdir", workdir, *serial], cwd=workdir, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter for the fresh venvs")
    parser.add_argument("--outdir", type=Path, default=REPO_ROOT / "dist")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    shutil.rmtree(args.outdir, ignore_errors=True)
    run([sys.executable, "-m", "build", "--outdir", args.outdir, REPO_ROOT])
    sdists = sorted(args.outdir.glob("cnnmath-*.tar.gz"))
    wheels = sorted(args.outdir.glob("cnnmath-*-py3-none-any.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise SystemExit(f"expected one sdist and one pure-Python wheel in {args.outdir}, found "
                         f"{[p.name for p in args.outdir.iterdir()]}")
    log(f"built {sdists[0].name} and {wheels[0].name} in {time.perf_counter() - started:.0f} s")

    modules, left_out = package_test_modules()
    log(f"package tests: {len(modules)} modules; left out (they read the checkout): "
        + ", ".join(p.name for p in left_out))
    tools = pinned(TEST_TOOLS)
    for artifact in (wheels[0], sdists[0]):
        step = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="dist-check-") as tmp:
            check_artifact(artifact, args.python, tools, modules, Path(tmp))
        log(f"{artifact.name}: installed and passed in {time.perf_counter() - step:.0f} s")
    log(f"passed in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
