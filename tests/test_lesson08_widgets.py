"""Lesson 8's explorer driven headless: every control set by value, every number checked against what this
test computes with cnnmath (model.forward), never read back from the explorer."""

import html

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import TinyCNN, load_digits  # noqa: E402
from cnnmath.viz.widgets import BLOCK_STAGES, block_maps_explorer, block_stage_names  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    _, _, X_val, y_val, _, _ = load_digits(seed=0, validation=0.15)
    return X_val[:12], y_val[:12]


@pytest.fixture(scope="module")
def nets():
    # the "trained" network here only needs weights that differ from the untrained one
    trained = TinyCNN(seed=3, blocks=2, hidden=64)
    return trained, TinyCNN(seed=0, blocks=2, hidden=64)


def _summary_for(net, X, y, i, stage_label):
    a, b = BLOCK_STAGES[stage_label]
    st = net.forward(X[i:i + 1])
    probs = st["probs"][0]
    pred = int(probs.argmax())
    lines = []
    for block, key in ((1, a), (2, b)):
        maps = st[key][0]
        peak = maps.reshape(len(maps), -1).max(axis=1)
        lines.append(f"block {block}: {int((peak > 0).sum())} of {len(maps)} maps have a positive value, the "
                     f"strongest {peak.max():.2f} in f{int(peak.argmax())}")
    return pred, probs, lines


def test_starts_on_the_first_digit_after_relu(digits, nets):
    X, y = digits
    trained, untrained = nets
    ex = block_maps_explorer(trained, X, y, untrained=untrained)
    assert isinstance(ex, Explorer)
    assert {name: c.description for name, c in ex.controls.items()} == {
        "index": "digit", "stage": "stage", "network": "network"}
    assert ex.state["stages"] == ("relu1", "relu2")
    pred, probs, lines = _summary_for(trained, X, y, 0, "ReLU")
    text = html.unescape(ex.summary.value)
    assert (f"Validation digit #0</b>, label {y[0]}: the trained network says <b>{pred}</b> "
            f"({100 * probs[pred]:.1f}%)") in text
    for line in lines:
        assert line in text
    assert ex.state["maps1"].shape == (16, 8, 8) and ex.state["maps2"].shape == (32, 4, 4)


@pytest.mark.parametrize("stage", list(BLOCK_STAGES))
def test_every_stage_shows_both_blocks_maps(digits, nets, stage):
    X, y = digits
    trained, untrained = nets
    ex = block_maps_explorer(trained, X, y, untrained=untrained, index=3)
    ex.controls["stage"].value = stage
    a, b = BLOCK_STAGES[stage]
    st = trained.forward(X[3:4])
    np.testing.assert_array_equal(ex.state["maps1"], st[a][0])
    np.testing.assert_array_equal(ex.state["maps2"], st[b][0])
    _, _, lines = _summary_for(trained, X, y, 3, stage)
    text = html.unescape(ex.summary.value)
    assert f"At the {stage} stage ({a}, {b})" in text
    assert all(line in text for line in lines)


def test_digit_slider_and_network_menu(digits, nets):
    X, y = digits
    trained, untrained = nets
    ex = block_maps_explorer(trained, X, y, untrained=untrained)
    ex.controls["index"].value = 5
    pred, probs, _ = _summary_for(trained, X, y, 5, "ReLU")
    assert ex.state["index"] == 5 and ex.state["pred"] == pred and ex.state["label"] == y[5]
    ex.controls["network"].value = "untrained start"
    pred_u, probs_u, lines_u = _summary_for(untrained, X, y, 5, "ReLU")
    text = html.unescape(ex.summary.value)
    assert f"the untrained start network says <b>{pred_u}</b> ({100 * probs_u[pred_u]:.1f}%)" in text
    assert all(line in text for line in lines_u)
    ex.controls["index"].value = len(X) - 1
    assert ex.state["index"] == len(X) - 1


def test_the_figure_is_made_once_and_updated_in_place(digits, nets):
    X, y = digits
    trained, _ = nets
    ex = block_maps_explorer(trained, X, y)
    fig, axes = ex.figure, list(ex.figure.axes)
    for i in range(1, 4):
        ex.controls["index"].value = i
    ex.controls["stage"].value = "max pool"
    assert ex.figure is fig and list(fig.axes) == axes
    assert "pool1" in axes[1].get_title() and f"#{3}" in axes[0].get_title()
    assert not plt.get_fignums(), "the explorer's figure must not be left to pyplot"


def test_without_an_untrained_network_there_is_no_menu_for_it(digits, nets):
    X, y = digits
    ex = block_maps_explorer(nets[0], X, y)
    assert "network" not in ex.controls
    assert "the trained network says" in ex.summary.value


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"stage": "softmax"}, "stage"),
])
def test_bad_settings_are_refused_with_words(digits, nets, kwargs, words):
    X, y = digits
    with pytest.raises(ValueError, match=words):
        block_maps_explorer(nets[0], X, y, **kwargs)


def test_a_one_block_network_is_refused_with_words(digits):
    X, y = digits
    with pytest.raises(ValueError, match="two blocks"):
        block_maps_explorer(TinyCNN(seed=0), X, y)
    with pytest.raises(ValueError, match="two blocks"):
        block_stage_names(TinyCNN(seed=0))


def test_mismatched_digits_and_labels_are_refused(digits, nets):
    X, y = digits
    with pytest.raises(ValueError, match=r"\(N,\)"):
        block_maps_explorer(nets[0], X, y[:-1])


def test_an_out_of_range_index_starts_at_the_nearest_digit(digits, nets):
    X, y = digits
    ex = block_maps_explorer(nets[0], X, y, index=99)
    assert ex.state["index"] == len(X) - 1


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_typed_values_never_give_a_traceback(digits, nets):
    from tests.test_checks_typed_inputs import drive_typed_values
    X, y = digits
    trained, untrained = nets
    drive_typed_values(block_maps_explorer(trained, X, y, untrained=untrained))


# --- one figure, one picture per change, computed once --------------------------------------------

from cnnmath.viz.plots import DETAIL_DPI, block_maps_plot, describe_figure, figure_png  # noqa: E402
from cnnmath.viz.widgets import lesson08 as lesson08_widgets  # noqa: E402
from tests.helpers import check_error_hides_picture, current_picture, watch_pictures  # noqa: E402


def test_each_change_sends_one_picture_of_the_one_figure(digits, nets):
    X, y = digits
    ex = block_maps_explorer(*[nets[0], X, y], untrained=nets[1])
    assert ex.output is None and ex.figure is not None
    first = current_picture(ex)
    assert first is not None and first[0].startswith(b"\x89PNG") and first[1]
    fig, seen = ex.figure, watch_pictures(ex)
    changes = [("index", 4), ("stage", "conv (I*K + b)"), ("network", "untrained start"), ("stage", "max pool"),
               ("index", 0)]
    for k, (control, value) in enumerate(changes, start=1):
        ex.controls[control].value = value
        assert ex.last_error is None
        assert len(seen) == k, f"{control} = {value!r} sent {len(seen) - k + 1} pictures"
        assert seen[-1] == current_picture(ex) and ex.figure is fig
    assert seen[-1][1] == describe_figure(fig)


def test_the_picture_is_the_plot_of_the_chosen_digit_and_stage(digits, nets):
    X, y = digits
    trained, untrained = nets
    ex = block_maps_explorer(trained, X, y, untrained=untrained)
    ex.controls["network"].value = "untrained start"
    ex.controls["stage"].value = "max pool"
    ex.controls["index"].value = 6
    st = untrained.forward(X)
    fresh = block_maps_plot(X[6, 0], st["pool1"][6], st["pool2"][6], st["probs"][6], label=int(y[6]),
                            stage_names=("pool1", "pool2"), title=f"validation digit #6\n(label {y[6]})",
                            figsize=(11, 3.2))
    assert current_picture(ex) == (figure_png(fresh, dpi=DETAIL_DPI), describe_figure(fresh))
    plt.close(fresh)


def test_a_redraw_runs_no_forward_pass_and_no_peaks(digits, nets, monkeypatch):
    """Every digit goes through both networks once, when the explorer is made; a redraw only picks rows."""
    X, y = digits
    trained, untrained = nets
    ex = block_maps_explorer(trained, X, y, untrained=untrained)
    calls = []
    for net in nets:
        monkeypatch.setattr(net, "forward", lambda *a, **k: calls.append("forward"))
    monkeypatch.setattr(lesson08_widgets, "map_peaks", lambda *a, **k: calls.append("map_peaks"))
    for control, value in (("index", 2), ("stage", "max pool"), ("network", "untrained start")):
        ex.controls[control].value = value
        assert ex.last_error is None
    assert calls == []


def test_an_error_hides_the_picture_and_a_good_setting_shows_it_again(digits, nets, monkeypatch):
    X, y = digits
    check_error_hides_picture(block_maps_explorer(nets[0], X, y), monkeypatch, lesson08_widgets,
                              "update_block_maps_plot", "index", 2, 3)
