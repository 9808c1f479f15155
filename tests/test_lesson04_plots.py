"""Lesson 4 (04_pooling.ipynb) pictures: every plot returns a figure that shows the right numbers.

Expected numbers come from cnnmath's pooling functions, never from the plot being tested.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

from cnnmath import (avg_pool2d, max_pool2d, max_pool2d_switches, maxpool2d_backward,  # noqa: E402
                     maxpool2d_forward, pool_example_inputs, pool_gradient_dx, pooled_by_mode, relative_l2_change,
                     relu, seed_pool_input)
from cnnmath.viz.plots import (WINDOW_STYLES, pool_gradient_plot, pool_shift_compare_plot,  # noqa: E402
                               pool_shift_plot, pool_step_plot, pool_windows_plot, window_style)

X = seed_pool_input()
X_TIE = pool_example_inputs()["4x4 after ReLU (ties)"]


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + \
        [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def _circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def test_window_styles_differ_in_line_style_not_only_colour():
    styles = [style for _, style in WINDOW_STYLES]
    assert len(set(map(str, styles))) == len(styles)
    assert len({colour for colour, _ in WINDOW_STYLES}) == len(WINDOW_STYLES)
    assert window_style(len(WINDOW_STYLES)) == window_style(0)


def test_windows_plot_traces_every_output_to_its_window():
    fig = pool_windows_plot(X, 2, 2)
    assert isinstance(fig, Figure)
    ax_in, ax_out = fig.axes[:2]
    rects = [p for p in ax_in.patches if isinstance(p, Rectangle) and p.get_visible()]
    assert len(rects) == 4  # one outline per window, nothing hatched: 4x4 tiles exactly
    assert len({str(r.get_linestyle()) for r in rects}) == 4
    rings = _circles(ax_in)
    rows, cols = max_pool2d_switches(X)
    assert sorted((round(c.center[1]), round(c.center[0])) for c in rings) == \
        sorted(zip(rows.ravel().tolist(), cols.ravel().tolist()))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    pooled = max_pool2d(X)
    for i, j in np.ndindex(pooled.shape):
        assert f"window ({i}, {j}) \u2192 P[{i}, {j}] = {pooled[i, j]:g}" in labels
    out_numbers = [t.get_text() for t in ax_out.texts]
    assert out_numbers == [f"{v:g}" for v in pooled.ravel()]


def test_windows_plot_average_and_overlap_and_floor():
    fig = pool_windows_plot(X, 3, 2, mode="average")
    ax_in, ax_out = fig.axes[:2]
    assert not _circles(ax_in)  # average mode marks no maximum
    hatched = [p for p in ax_in.patches if p.get_hatch() and p.get_visible()]
    assert len(hatched) == 2  # the last row and the last column are never read
    assert [t.get_text() for t in ax_out.texts] == [f"{avg_pool2d(X, 3, 2)[0, 0]:.2f}"]
    fig = pool_windows_plot(X, 3, 1)
    assert len(_circles(fig.axes[0])) == 4  # four windows, all won by the same entry: four rings
    with pytest.raises(ValueError, match="mode"):
        pool_windows_plot(X, mode="min")


@pytest.mark.parametrize("position", [0, 1, 2, 3])
def test_step_plot_hides_the_outputs_not_computed_yet(position):
    fig = pool_step_plot(X, 2, 2, position)
    assert isinstance(fig, Figure)
    ax_in, ax_out = fig.axes[:2]
    assert sum(t.get_text() == "?" for t in ax_out.texts) == 3 - position
    i, j = divmod(position, 2)
    rows, cols = max_pool2d_switches(X)
    (ring,) = _circles(ax_in)
    assert ring.center == (cols[i, j], rows[i, j])


def test_step_plot_rejects_bad_settings():
    with pytest.raises(ValueError, match="position"):
        pool_step_plot(X, 2, 2, 4)
    with pytest.raises(ValueError, match="position"):
        pool_step_plot(X, 2, 2, -1)
    with pytest.raises(ValueError, match="mode"):
        pool_step_plot(X, mode="median")
    with pytest.raises(ValueError):
        pool_step_plot(X, 5, 1, 0)  # the window does not fit


def test_shift_plot_counts_changed_entries():
    strokes = np.zeros((4, 8))
    strokes[0:2, 0] = 1.0
    strokes[2:4, 3] = 1.0
    fig = pool_shift_plot(strokes, shifts=(0, 1, 2))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1] == "max pooled: same as unmoved"
    assert titles[3] == "max pooled: 2 of 8 entries changed"  # only the second stroke crossed a window edge
    assert titles[5] == "max pooled: 4 of 8 entries changed"
    with pytest.raises(ValueError, match="last 3 columns"):
        pool_shift_plot(np.ones((4, 8)), shifts=(0, 3))
    with pytest.raises(ValueError, match="shifts"):
        pool_shift_plot(strokes, shifts=(-1, 0))


@pytest.mark.parametrize("mode", ["max", "average", "subsample"])
def test_shift_compare_plot_titles_give_the_changes(mode):
    rng = np.random.default_rng(3)
    wide = relu(rng.normal(size=(16, 17)))
    before, after = wide[:, :16], wide[:, 1:]
    fig = pool_shift_compare_plot(before, after, 2, 2, mode)
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles[1] == f"change: {relative_l2_change(before, after):.2f}"
    p = lambda m: pooled_by_mode(m, 2, 2, mode)  # noqa: E731
    assert titles[3] == f"change: {relative_l2_change(p(before), p(after)):.2f}"


@pytest.mark.parametrize(("x", "size", "stride"), [(X, 2, 2), (X, 3, 1), (X_TIE, 2, 2), (X_TIE, 2, 1)])
def test_gradient_plot_shows_the_packages_dx(x, size, stride):
    h_out = (4 - size) // stride + 1
    dout = np.arange(1.0, h_out * h_out + 1).reshape(h_out, h_out)
    fig = pool_gradient_plot(x, dout, size, stride, legend=h_out * h_out <= 8)
    ax_dx = fig.axes[2]
    _, cache = maxpool2d_forward(x[None, None], size, stride)
    dx = maxpool2d_backward(dout[None, None], cache)[0, 0]
    assert [t.get_text() for t in ax_dx.texts] == [f"{v:g}" for v in dx.ravel()]
    # every route is a ring on dx: as many rings as windows, since each sends to one entry
    assert len(_circles(ax_dx)) == h_out * h_out


def test_gradient_plot_split_rule_shows_the_shared_dx():
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = pool_gradient_dx(X_TIE, dout, 2, 2, "split")
    fig = pool_gradient_plot(X_TIE, dout, rule="split")
    assert fig.axes[2].get_title() == "dx (split equally among ties)"
    assert [float(t.get_text()) for t in fig.axes[2].texts] == dx.ravel().tolist()


def test_gradient_plot_mask_rule_and_bad_dout():
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    fig = pool_gradient_plot(X_TIE, dout, rule="mask")
    shown = np.array([float(t.get_text()) for t in fig.axes[2].texts]).reshape(4, 4)
    assert shown.sum() == 1 + 2 * 4 + 3 * 2 + 4  # the tied windows' gradients are copied
    assert fig.axes[2].get_title() == "dx with an equality mask (wrong)"
    with pytest.raises(ValueError, match="dout"):
        pool_gradient_plot(X, np.ones((3, 3)))


# --- in-place updates (the explorers' figures) ----------------------------------------------------

import matplotlib.pyplot as plt  # noqa: E402

from cnnmath import pool_step  # noqa: E402
from cnnmath.pooling import pool_gradient_step  # noqa: E402
from cnnmath.viz.plots import (describe_figure, figure_png, update_pool_gradient_plot,  # noqa: E402
                               update_pool_shift_compare_plot, update_pool_step_plot)

X6 = pool_example_inputs()["6x6 after ReLU"]


def _same_picture(a, b):
    assert describe_figure(a) == describe_figure(b)
    assert figure_png(a) == figure_png(b)


STEPS = [(X, 2, 2, 0, "max"), (X, 2, 2, 3, "average"), (X_TIE, 2, 1, 4, "max"), (X6, 3, 1, 15, "max"),
         (X6, 2, 2, 8, "average"), (X, 1, 3, 1, "max"), (X, 3, 2, 0, "max"), (X, 2, 2, 2, "max")]


def test_update_pool_step_plot_matches_a_fresh_plot_through_many_steps():
    fig = pool_step_plot(step=pool_step(*STEPS[0]), figsize=(7, 3.3))
    for args in STEPS[1:]:
        step = pool_step(*args)
        assert update_pool_step_plot(fig, step) is fig
        _same_picture(fig, pool_step_plot(step=step, figsize=(7, 3.3)))
        ax_in, ax_out = fig.axes[:2]
        shown = [t.get_text() for t in ax_out.texts]
        assert shown.count("?") == step.count - step.position - 1
        rings = [c for c in _circles(ax_in) if c.get_visible()]
        if step.mode == "max":
            assert [(c.center[1], c.center[0]) for c in rings] == [step.switch]
        else:
            assert rings == []
        plt.close("all")


def test_pool_step_plot_takes_only_a_pool_step():
    with pytest.raises(TypeError, match="PoolStep"):
        pool_step_plot(step=(X, 2, 2))
    with pytest.raises(TypeError, match="PoolStep"):
        update_pool_step_plot(pool_step_plot(X), "step")
    with pytest.raises(ValueError, match="pool_step_plot"):
        update_pool_step_plot(pool_gradient_plot(X, np.ones((2, 2))), pool_step(X))
    plt.close("all")


def _shift_args(wide, shift, size, mode):
    before, after = wide[:, :16], wide[:, shift:shift + 16]
    pb, pa = pooled_by_mode(before, size, size, mode), pooled_by_mode(after, size, size, mode)
    return before, after, pb, pa, relative_l2_change(before, after), relative_l2_change(pb, pa)


def test_update_pool_shift_compare_plot_matches_a_fresh_plot():
    wide = relu(np.random.default_rng(3).normal(size=(16, 19)))
    fig = pool_shift_compare_plot(wide[:, :16], wide[:, 1:17], 2, 2, "max", figsize=(6, 5.2))
    for shift, size, mode in [(2, 3, "max"), (0, 1, "average"), (3, 4, "subsample"), (1, 2, "max")]:
        before, after, pb, pa, ch, pch = _shift_args(wide, shift, size, mode)
        update_pool_shift_compare_plot(fig, before, after, pb, pa, ch, pch, size, size, mode)
        _same_picture(fig, pool_shift_compare_plot(before, after, size, size, mode, figsize=(6, 5.2)))
        assert fig.axes[3].get_title() == f"change: {pch:.2f}"
        assert fig.axes[2].images[0].get_array().shape == pb.shape
        # the change panels show after - before, each in units of its map's scale
        for ax, change in ((fig.axes[1], after - before), (fig.axes[3], pa - pb)):
            shown = np.asarray(ax.images[0].get_array())
            assert shown.shape == change.shape
            np.testing.assert_array_equal(np.sign(shown), np.sign(change))
        plt.close("all")


GRADS = [(X, 2, 2, "first"), (X, 3, 1, "first"), (X_TIE, 2, 2, "mask"), (X_TIE, 2, 1, "split"),
         (X, 1, 1, "first"), (X_TIE, 3, 3, "split")]


@pytest.mark.parametrize("legend", [False, True])
def test_update_pool_gradient_plot_matches_a_fresh_plot(legend):
    fig = pool_gradient_plot(grad=pool_gradient_step(*GRADS[0][:1], None, *GRADS[0][1:]), figsize=(10, 3.4),
                             legend=legend)
    for x, size, stride, rule in GRADS[1:]:
        grad = pool_gradient_step(x, None, size, stride, rule)
        assert update_pool_gradient_plot(fig, grad) is fig
        _same_picture(fig, pool_gradient_plot(grad=grad, figsize=(10, 3.4), legend=legend))
        shown = [float(t.get_text()) for t in fig.axes[2].texts]
        assert shown == grad.dx.ravel().tolist()
        rings = [c for c in _circles(fig.axes[2]) if c.get_visible()]
        assert len(rings) == sum(len(t) for _, t in grad.routes)
        plt.close("all")


def test_plot_updates_compute_nothing(monkeypatch):
    import cnnmath.viz.plots.lesson04 as mod

    step, grad = pool_step(X_TIE, 2, 1, 3), pool_gradient_step(X_TIE, None, 2, 1, "split")
    wide = relu(np.random.default_rng(0).normal(size=(16, 18)))
    shift = _shift_args(wide, 1, 2, "max")
    figs = (pool_step_plot(X), pool_gradient_plot(X, np.ones((2, 2))),
            pool_shift_compare_plot(wide[:, :16], wide[:, 2:18]))

    def refuse(*args, **kwargs):
        raise AssertionError("the plot recomputed what it was given")

    for name in ("pool_step", "pool_routes", "pooled_by_mode", "relative_l2_change", "pool_gradient_step"):
        monkeypatch.setattr(mod, name, refuse)
    update_pool_step_plot(figs[0], step)
    update_pool_gradient_plot(figs[1], grad)
    update_pool_shift_compare_plot(figs[2], *shift, 2, 2, "max")
    pool_step_plot(step=step)
    pool_gradient_plot(grad=grad)
    pool_shift_compare_plot(*shift[:2], pooled=shift[2:4], changes=shift[4:])
    pool_windows_plot(X, pooled=max_pool2d(X), routes=[((i, j), [(int(r), int(c))]) for (i, j), r, c in
                                                         zip(np.ndindex(2, 2), *map(np.ravel, max_pool2d_switches(X)))])
    plt.close("all")
