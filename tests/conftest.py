"""Shared fixtures and helpers for the package and lesson tests (the browser tests have their own)."""

import matplotlib

matplotlib.use("Agg")  # headless: no window, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test made, so hundreds of plot tests do not pile up memory."""
    yield
    plt.close("all")


def count_redraws(explorer):
    """Make ``explorer`` count its redraws; returns the list that grows by one per redraw."""
    calls = []
    original = explorer._redraw

    def counting():
        calls.append(1)
        original()

    explorer._redraw = counting
    return calls
