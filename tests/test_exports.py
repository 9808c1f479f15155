"""What the packages export: plain imports of each module's ``__all__``, and no name exported twice.

A name exported by two lesson modules would leave the package with whichever came last, silently; these
tests make that an error.
"""

from __future__ import annotations

import collections
import importlib

import pytest

import cnnmath

PACKAGES = ["cnnmath.viz.plots", "cnnmath.viz.widgets", "cnnmath.checks"]
MODULES = ["common"] + [f"lesson{i:02d}" for i in range(9)]
EXTRA = {"cnnmath.viz.plots": ["alt_text"]}  # shared modules besides common, first in the package's __all__


def _modules(package):
    return EXTRA.get(package, []) + MODULES


@pytest.mark.parametrize("package", PACKAGES)
def test_each_name_is_exported_by_one_module_only(package):
    counts = collections.Counter()
    for short in _modules(package):
        counts.update(importlib.import_module(f"{package}.{short}").__all__)
    assert [name for name, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_package_exports_exactly_its_modules_names_and_objects(package):
    pkg = importlib.import_module(package)
    expected = []
    for short in _modules(package):
        module = importlib.import_module(f"{package}.{short}")
        for name in module.__all__:
            assert getattr(pkg, name) is getattr(module, name), f"{package}.{name} is not {short}.{name}"
        expected += module.__all__
    assert pkg.__all__ == expected


def test_top_level_exports_resolve_once():
    counts = collections.Counter(cnnmath.__all__)
    assert [name for name, n in counts.items() if n > 1] == []
    missing = [name for name in cnnmath.__all__ if not hasattr(cnnmath, name)]
    assert missing == []
