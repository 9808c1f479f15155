"""cnnmath-rise-widgets: the CNN math course's small JupyterLab extension (JavaScript only).

The Python package only carries the prebuilt extension: the wheel installs it under
share/jupyter/labextensions/cnnmath-rise-widgets, where JupyterLab, Notebook 7 and the jupyterlab-rise
slideshow find it. The TypeScript source is in labextension/src; `make labextension` rebuilds it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cnnmath-rise-widgets")
except PackageNotFoundError:  # imported from a checkout without installing
    __version__ = "unknown"


def _jupyter_labextension_paths():
    """Where `jupyter labextension develop` finds the built extension (name and folder)."""
    return [{"src": "labextension", "dest": "cnnmath-rise-widgets"}]
