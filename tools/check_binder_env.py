#!/usr/bin/env python3
"""Build the Binder environment the way repo2docker does, in a scratch venv, and check that it is sound.

    python tools/check_binder_env.py                 # this is `make binder-check`
    python tools/check_binder_env.py --keep DIR      # build in DIR and leave it there to poke at
    python tools/check_binder_env.py --base-from-conda-lock LOCK   # refresh binder/repo2docker-base-*.txt

repo2docker (what mybinder.org runs) starts from a conda environment of its own that already holds
JupyterLab, Notebook 7, ipykernel and friends at the versions of its lock file for the Python in
binder/runtime.txt. It then runs ``pip install -r binder/requirements.txt`` on top (before it copies the
repository, when that file names no local path), copies the repository, and runs ``binder/postBuild``.
pip only *warns* when what it installs breaks a package that was already there, and the build still
succeeds, so a conflict between the base image and our pins shows up only when a student opens the
course. This script repeats those three steps:

1. a venv with binder/runtime.txt's Python, holding the PyPI equivalents of repo2docker's base packages
   (``binder/repo2docker-base-py<X.Y>.txt``, made from repo2docker's conda lock by --base-from-conda-lock),
   installed without dependencies, exactly as the conda lock lists them;
2. ``pip install -r binder/requirements.txt`` with that venv's pip, as repo2docker runs it;
3. ``binder/postBuild`` with the venv first on PATH, run from the repository root;

and then requires that ``pip check`` is clean, that ``jupyter labextension list`` marks no extension
incompatible (apart from KNOWN_INCOMPATIBLE below, each with its reason and the exact version it is
accepted for), that the course's own extension and Notebook 7's are there, that the course imports from
the checkout, and that a JupyterLab started in that venv (on loopback) serves its page the settings
binder/overrides.json sets: no news prompt, no update check.

Exits 0 when every check passes; otherwise prints what failed and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BINDER = REPO_ROOT / "binder"

# Extensions that `jupyter labextension list` marks incompatible and that the course accepts anyway, each
# for one exact version only, so a new release makes this check look again.
KNOWN_INCOMPATIBLE = {
    # jupyterlab-rise (our slideshows) requires the PyPI package jupyterlab-mathjax3 so that LaTeX renders
    # in slides; its only release for JupyterLab 4 (4.3.0) still declares @jupyterlab/application and
    # @jupyterlab/rendermime ^3.2.8 in its package.json, which is what the listing flags.
    "@jupyterlab/mathjax3-extension": "4.3.0",
}
# Extensions that must be listed as enabled and OK: ours, and Notebook 7's (the one the base image broke).
REQUIRED_EXTENSIONS = ("cnnmath-rise-widgets", "@jupyter-notebook/lab-extension", "jupyterlab-rise",
                       "@jupyter-widgets/jupyterlab-manager")

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A conda package file name: name-version-build.conda (or .tar.bz2).
CONDA_FILE = re.compile(r"/(?:noarch|linux-64|linux-aarch64)/(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)"
                        r"\.(?:conda|tar\.bz2)(?:#.*)?$")
# conda-forge names whose PyPI distribution is called differently.
CONDA_TO_PYPI = {
    "jupyterhub-base": "jupyterhub",
    "nbconvert-core": "nbconvert",
    "brotli-python": "brotli",
    "python-fastjsonschema": "fastjsonschema",
}


def log(message: str) -> None:
    print(f"[binder-check] {message}", flush=True)


def runtime_python() -> str:
    """The Python version binder/runtime.txt asks for, as 'X.Y'."""
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    if not match:
        raise SystemExit(f"binder/runtime.txt must read python-X.Y, it reads {text!r}")
    return match.group(1)


def base_list_path(version: str) -> Path:
    return BINDER / f"repo2docker-base-py{version}.txt"


def base_from_conda_lock(lock_text: str) -> list[str]:
    """PyPI pins for the Python packages of a repo2docker conda lock (linux-64 explicit format).

    conda-forge builds Python packages with build strings that start with 'py' (pyhd8ed1ab_0, py311h...);
    everything else is a C library, Python itself, Node or a meta-package that only pulls others in.
    """
    pins = {}
    for line in lock_text.splitlines():
        match = CONDA_FILE.search(line.strip())
        if not match or not match["build"].startswith("py"):
            continue
        name = match["name"]
        name = CONDA_TO_PYPI.get(name, name).replace("_", "-").lower()
        pins[name] = match["version"]
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def run(cmd: list[str], *, env: dict | None = None, cwd: Path = REPO_ROOT, check: bool = True,
        capture: bool = False) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, check=check, text=True,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.STDOUT if capture else None)


def find_python(version: str) -> str:
    for candidate in (f"python{version}", sys.executable):
        path = shutil.which(candidate) or candidate
        try:
            out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            continue
        if out == version:
            return path
    raise SystemExit(f"binder/runtime.txt asks for Python {version}; no python{version} found on PATH")


def incompatible_extensions(listing: str) -> dict[str, str]:
    """{name: version} of every extension the listing marks with X or names as incompatible."""
    text = ANSI.sub("", listing)
    versions = dict(re.findall(r"^\s+(\S+) v(\S+) ", text, flags=re.M))
    flagged = {name for name, status in re.findall(r"^\s+(\S+) v\S+ \w+\s+(\S+)", text, flags=re.M)
               if status != "OK"}
    block = re.search(r"incompatible with the current version of jupyterlab:\n((?:[ \t]+\S.*\n)+)", text)
    if block:
        flagged |= {line.strip() for line in block.group(1).splitlines() if line.strip()}
    return {name: versions.get(name, "?") for name in sorted(flagged)}


def enabled_ok(listing: str) -> set[str]:
    text = ANSI.sub("", listing)
    return set(re.findall(r"^\s+(\S+) v\S+ enabled\s+OK", text, flags=re.M))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_settings(venv: Path, env: dict, workdir: Path) -> dict:
    """Start JupyterLab from the venv on loopback; return the notification settings it serves its page.

    In that reply the schema's defaults already carry the admin's overrides.json, as the page reads them:
    with fetchNews "false" the page neither asks the news question nor fetches news, and with
    checkForUpdates false it never asks the server to look for a newer JupyterLab.
    """
    port, token = free_port(), secrets.token_hex(16)
    server_log = open(workdir / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [venv / "bin" / "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--allow-root",
         f"--ServerApp.root_dir={REPO_ROOT}"],
        env=env, cwd=workdir, stdout=server_log, stderr=subprocess.STDOUT)

    def get(path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get("/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"JupyterLab did not start; see {workdir / 'jupyterlab.log'}")
                time.sleep(0.5)
        return get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server_log.close()


def check(workdir: Path) -> list[str]:
    version = runtime_python()
    base = base_list_path(version)
    if not base.exists():
        return [f"{base.relative_to(REPO_ROOT)} is missing: make it with --base-from-conda-lock"]
    venv = workdir / "venv"
    python = find_python(version)
    started = time.perf_counter()
    run([python, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               VIRTUAL_ENV=str(venv), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    # 1. The base image: conda installs exactly its lock, so no resolver and no dependencies here.
    #    uv only lays the files down faster; the steps that matter below use the venv's own pip.
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        run([uv, "pip", "install", "--quiet", "--python", py, "--no-deps", "-r", base], env=env)
    else:
        run([py, "-m", "ensurepip", "--upgrade"], env=env)
        run([py, "-m", "pip", "install", "--quiet", "--no-deps", "-r", base], env=env)
    log(f"base environment ({base.name}) in {time.perf_counter() - started:.0f} s")
    # 2. repo2docker's own command for binder/requirements.txt, with the base image's pip.
    step = time.perf_counter()
    run([py, "-m", "pip", "install", "--quiet", "-r", BINDER / "requirements.txt"], env=env)
    log(f"pip install -r binder/requirements.txt in {time.perf_counter() - step:.0f} s")
    # 3. postBuild, from the repository root as repo2docker runs it.
    step = time.perf_counter()
    run(["bash", BINDER / "postBuild"], env=env)
    log(f"binder/postBuild in {time.perf_counter() - step:.0f} s")

    problems = []
    pip_check = run([py, "-m", "pip", "check"], env=env, check=False, capture=True)
    print(pip_check.stdout, end="")
    if pip_check.returncode != 0:
        problems.append("pip check found broken requirements:\n" + pip_check.stdout)

    listing = run([venv / "bin" / "jupyter", "labextension", "list"], env=env, check=False, capture=True).stdout
    print(listing, end="")
    for name, ext_version in incompatible_extensions(listing).items():
        if KNOWN_INCOMPATIBLE.get(name) != ext_version:
            problems.append(f"jupyter labextension list marks {name} v{ext_version} incompatible")
    missing = [name for name in REQUIRED_EXTENSIONS if name not in enabled_ok(listing)]
    if missing:
        problems.append("not listed as enabled and OK: " + ", ".join(missing))

    # The image built from this repository serves nbgitpuller's links on a hub (binder/hub.in).
    server_extensions = ANSI.sub("", run([venv / "bin" / "jupyter", "server", "extension", "list"], env=env,
                                         check=False, capture=True).stdout)
    print(server_extensions, end="")
    if not re.search(r"^\s*nbgitpuller \S+ OK", server_extensions, flags=re.M):
        problems.append("nbgitpuller is not a working server extension (jupyter server extension list)")

    imports = run([py, "-c", "import cnnmath, cnnmath.viz.widgets, notebook, jupyterlab; "
                   "print('cnnmath', cnnmath.__file__); print('notebook', notebook.__version__, "
                   "'jupyterlab', jupyterlab.__version__)"], env=env, check=False, capture=True)
    print(imports.stdout, end="")
    if imports.returncode != 0:
        problems.append("the course does not import in the Binder environment:\n" + imports.stdout)
    elif str(REPO_ROOT / "cnnmath") not in imports.stdout:
        problems.append("cnnmath is not the editable install of this checkout that postBuild makes")

    served = served_settings(venv, env, workdir)
    # The server applies overrides.json to the schema's defaults; a user's own settings would go on top.
    composite = {key: spec.get("default") for key, spec in served["schema"]["properties"].items()}
    composite.update(served.get("settings") or {})
    log(f"JupyterLab serves fetchNews={composite.get('fetchNews')!r}, "
        f"checkForUpdates={composite.get('checkForUpdates')!r}")
    if composite.get("fetchNews") != "false" or composite.get("checkForUpdates") is not False:
        problems.append(f"JupyterLab's notification settings are {composite}, not fetchNews 'false' and "
                        "checkForUpdates false (binder/overrides.json not installed?)")
    log(f"whole check in {time.perf_counter() - started:.0f} s")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build in this folder (created) and keep it afterwards")
    parser.add_argument("--base-from-conda-lock", type=Path, metavar="LOCK",
                        help="write binder/repo2docker-base-pyX.Y.txt from repo2docker's "
                             "environment.pyX.Y-linux-64.lock and exit")
    parser.add_argument("--source", default="", help="with --base-from-conda-lock: where LOCK came from "
                        "(repository and commit), recorded in the file's header")
    args = parser.parse_args(argv)

    if args.base_from_conda_lock:
        version = runtime_python()
        pins = base_from_conda_lock(args.base_from_conda_lock.read_text())
        header = [
            f"# The Python packages of repo2docker's base environment for Python {version} (linux-64), as PyPI pins.",
            "# Not read by repo2docker: tools/check_binder_env.py (make binder-check) installs these first to",
            "# stand in for the base image, then binder/requirements.txt, then binder/postBuild.",
            f"# Made by: python tools/check_binder_env.py --base-from-conda-lock "
            f"environment.py{version}-linux-64.lock",
        ]
        if args.source:
            header.append(f"# From: {args.source}")
        base_list_path(version).write_text("\n".join(header + pins) + "\n")
        log(f"wrote {base_list_path(version).relative_to(REPO_ROOT)} ({len(pins)} packages)")
        return 0

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        problems = check(args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="binder-check-") as tmp:
            problems = check(Path(tmp))
    if problems:
        for problem in problems:
            log("FAILED: " + problem)
        return 1
    log("passed: pip check clean, no extension marked incompatible, news prompt and update check off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
