"""The browser console's shared-module messages, and which of them the course's extension causes.

JupyterLab, Notebook 7 and the jupyterlab-rise slideshow load prebuilt extensions through module
federation: each extension provides and consumes packages in one shared scope, and a consumer whose
required version the scope cannot meet makes the page log "Unsatisfied version ..." or "No satisfying
version ..." (a warning), or fail to load the extension (an error). The course's own extension,
labextension/ (cnnmath-rise-widgets), must cause none of them anywhere: ``ours`` picks them out by its
name, by the package it supplies (@jupyterlab/console), and by the exact (module, required version)
pairs its built files consume, read from the committed build. ``third_party`` checks each remaining
message against the known list below, which says where it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .harness import REPO_ROOT

EXTENSION = "cnnmath-rise-widgets"
BUILD_DIR = REPO_ROOT / "labextension" / "cnnmath_rise_widgets" / "labextension" / "static"
# The package the extension supplies (a bundled copy of the real one) to pages that lack it.
SUPPLIED = "@jupyterlab/console"

# Every message of the module-federation runtimes (webpack's and Rspack's, v1 and v2) about the scope.
SHARED_MODULE_MESSAGE = re.compile(
    r"Unsatisfied version|No satisfying version|shared module|share scope|Federation Runtime|RUNTIME-\d+"
    r"|Failed to create module"
)
# "Unsatisfied version 4.3.4 from PROVIDER of shared singleton module NAME (required RANGE)" and
# "No satisfying version (RANGE) of shared module NAME found in shared scope default."
_UNSATISFIED = re.compile(r"of shared singleton module (\S+) \(required ([^)]+)\)")
_NO_SATISFYING = re.compile(r"No satisfying version \(([^)]+)\) of shared module (\S+)")
# What the built extension consumes, as Rspack writes it into its chunks.
_CONSUME = re.compile(r'shareKey:"([^"]+)",import:[^,]*,requiredVersion:"([^"]*)"')

# The slideshow page of jupyterlab-rise 0.43.1 is built from JupyterLab 4.3.4 packages (4.4.4 for
# apputils), and every other extension of the course's environment was built for a newer JupyterLab:
# jupyterlab-mathjax3 4.3.0 (installed by jupyterlab-rise) for JupyterLab 3, ipywidgets' manager
# (jupyterlab_widgets 3.0.17) for 4.6.2, nbgrader 0.9.6 and Notebook 7.6.5's lab extension for 4.6.
# So on that page their requirements meet the page's older packages, which the page itself provides
# (_JUPYTERLAB.CORE_OUTPUT). Notebook 7's lab extension is built with the module-federation 2 runtime,
# which gives up when no version in the scope satisfies it (RUNTIME-012 on @jupyterlab/docregistry),
# and the plugins that then import its half-loaded modules (its own, and nbgrader's, which imports
# Notebook 7's shell) fail with a ReferenceError. Neither extension is needed on a slide. In JupyterLab
# and Notebook 7 only jupyterlab-mathjax3's JupyterLab 3 requirement remains.
RISE_PAGE_KNOWN = (
    re.compile(r"^Unsatisfied version [^ ]+ from _JUPYTERLAB\.CORE_OUTPUT of shared singleton module "),
    re.compile(r"^No satisfying version \([^)]+\) of shared module \S+ found in shared scope default\.\s*"
               r"Available versions: [^ ]+ from _JUPYTERLAB\.CORE_OUTPUT$"),
    re.compile(r"^\[ Federation Runtime \] Version [^ ]+ from _JUPYTERLAB\.CORE_OUTPUT of shared singleton "),
    re.compile(r"^Failed to create module: package: (@jupyter-notebook/lab-extension|@jupyter/nbgrader); "),
    re.compile(r"RUNTIME-012.*\"shareKey\":\"@jupyterlab/docregistry\".*/@jupyter-notebook/lab-extension/",
               re.DOTALL),
    # what is left of Notebook 7's lab extension after RUNTIME-012; whether its own plugins or nbgrader's
    # touch it first (INotebookPathOpener or INotebookShell) varies from run to run
    re.compile(r"^ReferenceError: Cannot access '\w+' before initialization\s+at Module\.\w+ "
               r"\([^)]*/lab/extensions/@jupyter-notebook/lab-extension/"),
)
LAB_PAGE_KNOWN = (
    re.compile(r"^Unsatisfied version [^ ]+ from CORE_FEDERATION of shared singleton module "
               r"@jupyterlab/rendermime \(required \^3\.2\.8\)$"),
)


def extension_consumes() -> set[tuple[str, str]]:
    """The (module, required version) pairs that the committed build of the extension consumes."""
    pairs = set()
    for path in BUILD_DIR.glob("*.js"):
        pairs.update(_CONSUME.findall(path.read_text()))
    if not pairs:  # a changed output format must not make every message look foreign
        raise AssertionError(f"found no shared-module consumes in {BUILD_DIR}; update _CONSUME")
    return pairs


@dataclass
class ConsoleLog:
    """Every console message and page error of one page, as "type: text"; attach with ``record``."""

    entries: list[str] = field(default_factory=list)

    @classmethod
    def record(cls, page) -> "ConsoleLog":
        log = cls()
        page.on("console", lambda message: log.entries.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: log.entries.append(f"pageerror: {error}"))
        return log

    def clear(self) -> None:
        self.entries.clear()

    def shared_module(self) -> list[str]:
        """The texts (without the type) of the messages about the shared scope."""
        return [entry.split(": ", 1)[1] for entry in self.entries if SHARED_MODULE_MESSAGE.search(entry)]


def ours(text: str, consumes: set[tuple[str, str]]) -> bool:
    """Whether a shared-module message is caused by, or about, the course's extension."""
    if EXTENSION in text or SUPPLIED in text:
        return True
    match = _UNSATISFIED.search(text)
    if match and (match.group(1), match.group(2)) in consumes:
        return True
    match = _NO_SATISFYING.search(text)
    return bool(match and (match.group(2), match.group(1)) in consumes)


def problems(log: ConsoleLog, known=()) -> list[str]:
    """Shared-module messages that the extension causes, or that no entry of ``known`` explains."""
    consumes = extension_consumes()
    found = []
    for text in log.shared_module():
        if ours(text, consumes):
            found.append(f"from {EXTENSION}: {text}")
        elif not any(pattern.search(text) for pattern in known):
            found.append(f"unexplained: {text}")
    return found
