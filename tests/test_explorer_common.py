"""make_explorer, the machinery under every lesson's explorer: redraws, and what a student sees on an error."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from cnnmath.viz.widgets import common


@pytest.fixture
def cleared(monkeypatch):
    """Record every clear_output call the explorer makes, with its ``wait`` argument."""
    calls = []
    monkeypatch.setattr(common, "clear_output", lambda wait=False: calls.append(wait))
    return calls


def _explorer(draw):
    slider = widgets.IntSlider(value=1, min=-5, max=5, description="n")
    return common.make_explorer({"n": slider}, draw), slider


def _draw(values, explorer):
    n = values["n"]
    plt.subplots(figsize=(2, 2))
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    if n == 5:
        raise RuntimeError("a bug, not a bad setting")
    return f"n = {n}", {"n": n}


def test_a_redraw_follows_the_control(cleared):
    ex, slider = _explorer(_draw)
    slider.value = 3
    assert ex.summary.value == "n = 3" and ex.state == {"n": 3} and ex.last_error is None
    assert cleared == [True, True], "a good redraw replaces the picture without flicker (wait=True)"


def test_a_bad_setting_is_explained_and_its_stale_picture_removed(cleared):
    ex, slider = _explorer(_draw)
    slider.value = -2
    assert "That setting does not work" in ex.summary.value and "got -2" in ex.summary.value
    assert isinstance(ex.last_error, ValueError)
    assert cleared[-1] is False, "the previous picture must go at once, not wait for output that never comes"
    assert not plt.get_fignums(), "the failed redraw's figure is closed"
    slider.value = 2
    assert ex.summary.value == "n = 2" and ex.last_error is None


def test_an_unexpected_error_shows_its_traceback(cleared):
    ex, slider = _explorer(_draw)
    slider.value = 5
    assert "RuntimeError" in ex.summary.value and "Traceback" in ex.summary.value
    assert isinstance(ex.last_error, RuntimeError) and cleared[-1] is False
