"""Re-exports every lesson module's public names, so notebooks import them by name from here.

Each lesson keeps its own module (``lesson02.py`` for ``02_convolution.ipynb`` and so on); shared helpers
live in ``common.py``.
"""

from importlib import import_module as _import_module

_LESSON_MODULES = ("common", "lesson00", "lesson01", "lesson02", "lesson03", "lesson04", "lesson05",
                   "lesson06", "lesson07")
_LESSON_MODULES += ("lesson08",)


def _collect(package: str, namespace: dict) -> list[str]:
    names: list[str] = []
    for short in _LESSON_MODULES:
        try:
            module = _import_module(f"{package}.{short}")
        except ModuleNotFoundError as err:  # a lesson module that does not exist yet
            if err.name != f"{package}.{short}":
                raise
            continue
        for public in getattr(module, "__all__", []):
            namespace[public] = getattr(module, public)
            names.append(public)
    return names


__all__ = _collect(__name__, globals())
