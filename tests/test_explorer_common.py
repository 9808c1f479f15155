"""make_explorer, the machinery under every lesson's explorer: redraws, and what a student sees on an error."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from cnnmath.viz.widgets import common

from .helpers import count_redraws, current_picture, watch_pictures


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


# --- explorers with one figure, updated in place and sent to an Image ------------------------------------

def _figure_explorer(sync=None, extra=None):
    """A slider n and a menu; the figure's one line is moved in place; n < 0 is a bad setting."""
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 1])
    ax.set_ylim(-6, 6)
    slider = widgets.IntSlider(value=1, min=-5, max=5, description="n")
    controls = {"n": slider, **(extra or {})}
    figures_made = []

    def draw(values, explorer):
        figures_made.append(len(plt.get_fignums()))
        n = values["n"]
        if n < 0:
            raise ValueError(f"n must be at least 0, got {n}")
        if n == 5:
            raise RuntimeError("a bug, not a bad setting")
        line.set_ydata([0, n])
        ax.set_title(f"n = {n}")
        return f"n = {n}", {"n": n}

    return common.make_explorer(controls, draw, figure=fig, sync=sync), slider, figures_made


def test_a_figure_explorer_sends_one_picture_per_change_and_never_a_new_figure():
    ex, slider, figures_made = _figure_explorer()
    assert ex.output is None and ex.figure is not None
    assert not plt.get_fignums(), "pyplot does not hold the explorer's figure (plt.show would show it)"
    first = current_picture(ex)
    sent = watch_pictures(ex)
    slider.value = 3
    slider.value = 4
    assert len(sent) == 2 and sent[-1] == current_picture(ex) != first
    assert "titled 'n = 4'" in sent[-1][1] and "titled 'n = 3'" in sent[0][1]
    assert set(figures_made) == {0}, "draw found no figure open in pyplot: it updated the one it had"
    assert ex.last_seconds > 0


def test_a_bad_setting_hides_the_picture_until_a_setting_works_again():
    ex, slider, _ = _figure_explorer()
    slider.value = -2
    assert current_picture(ex) is None and "got -2" in ex.summary.value
    assert isinstance(ex.last_error, ValueError)
    slider.value = 5
    assert current_picture(ex) is None and "RuntimeError" in ex.summary.value
    slider.value = 2
    png, alt = current_picture(ex)
    assert "titled 'n = 2'" in alt and ex.summary.value == "n = 2" and ex.last_error is None


def test_sync_runs_before_the_one_redraw_and_its_own_changes_do_not_redraw():
    menu = widgets.Dropdown(options=["custom", "three"], value="custom", description="preset")
    calls = []

    def sync(name):
        calls.append(name)
        if name == "preset" and menu.value == "three":
            ex.controls["n"].value = 3  # follows the preset, without a second redraw
        elif name == "n":
            menu.value = "three" if ex.controls["n"].value == 3 else "custom"

    ex, slider, _ = _figure_explorer(sync=sync, extra={"preset": menu})
    redraws = count_redraws(ex)
    menu.value = "three"
    assert calls == ["preset"] and len(redraws) == 1 and ex.state == {"n": 3}
    slider.value = 4
    assert calls == ["preset", "n"] and len(redraws) == 2 and menu.value == "custom"
