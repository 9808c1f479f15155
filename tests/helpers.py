"""Small helpers several test modules share (fixtures live in conftest.py)."""


def count_redraws(explorer):
    """Make ``explorer`` count its redraws; returns the list that grows by one per redraw."""
    calls = []
    original = explorer._redraw

    def counting():
        calls.append(1)
        original()

    explorer._redraw = counting
    return calls
