"""Lesson 6 (06_backpropagation.ipynb) pictures: each returns a Figure that shows the numbers it was given;
the explorers' two pictures, updated in place, equal a fresh picture of the new numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnmath import conv2d_grad, max_pool2d_switches, seed_image, seed_kernel, softmax  # noqa: E402
import pytest  # noqa: E402

from cnnmath.descent import gradient_descent  # noqa: E402
from cnnmath.gradcheck import gradient_check, gradient_check_curves  # noqa: E402
from cnnmath.viz.plots import (backward_chain_plot, describe_figure, figure_png, forward_chain_plot,  # noqa: E402
                               gradcheck_plot, gradcheck_step_plot, input_gradient_plot, kernel_gradient_plot,
                               kernel_training_plot, secant_plot, softmax_gradient_plot,
                               update_gradcheck_step_plot, update_kernel_training_plot)

from .test_lesson06_gradients import B_LIVE, forward_backward, learning_setup, live_kernel, loss_only  # noqa: E402


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_softmax_gradient_plot_writes_p_and_p_minus_y():
    z = np.array([2.0, 1.0, 0.1])
    fig = softmax_gradient_plot(z, 0, figsize=(9, 3))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    p = softmax(z)
    texts = _texts(fig)
    for value in p:
        assert f"{value:.3f}" in texts
    assert f"{p[0] - 1:.3f}" in texts  # the true class's negative gradient
    assert _titles(fig) == ["logits z", "probabilities p and label y", "dL/dz = p - y"]
    # blue for the negative bar, red for the positive ones (and the numbers say the same)
    bars = fig.axes[2].patches
    assert bars[0].get_height() < 0 < bars[1].get_height()


def test_softmax_gradient_plot_class_names():
    fig = softmax_gradient_plot([0.0, 3.0], 1, class_names=["cat", "dog"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["cat", "dog"]


def test_kernel_gradient_plot_two_and_four_panels():
    I, K = seed_image(), seed_kernel()
    G = np.array([[1.0, 0, -1], [0, 2, 0], [-1, 0, 1]])
    _, dK = conv2d_grad(I, K, G)
    fig = kernel_gradient_plot(K, dK)
    assert isinstance(fig, Figure)
    assert _titles(fig)[:2] == ["kernel K", "gradient dL/dK"]
    assert {"14", "38"} <= set(_texts(fig))
    fig4 = kernel_gradient_plot(K, dK, image=I, dout=G, weight=(0, 0))
    titles = [t for t in _titles(fig4) if t]
    assert titles == ["input I", "upstream dL/dO", "kernel K", "gradient dL/dK"]
    # the outline on the image covers the 3x3 block that K[0,0] touches
    patches = [p for p in fig4.axes[0].patches]
    assert patches and patches[0].get_width() == 3 and patches[0].get_height() == 3


def test_chain_plots_show_every_stage():
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    switches = max_pool2d_switches(v["A"][0, 0], size=2, stride=1)
    fig = forward_chain_plot(seed_image(), K, v["O"][0, 0], v["A"][0, 0], v["P"][0, 0], switches, bias=B_LIVE)
    assert isinstance(fig, Figure)
    titles = [t for t in _titles(fig) if t]
    assert titles[2] == "O = I * K + (-9)" and titles[-1] == "P = maxpool(A)"
    relu_axis = fig.axes[[ax.get_title() for ax in fig.axes].index("A = ReLU(O), switches outlined")]
    assert len(relu_axis.patches) == 4  # four windows, four different switches
    mask = (v["O"][0, 0] > 0).astype(int)
    fig2 = backward_chain_plot(v["dP"][0, 0], v["dA"][0, 0], mask, v["dO"][0, 0], v["dK"], switches)
    texts = _texts(fig2)
    assert f"{v['dK'][2, 2]:.2f}" in texts and f"{v['dO'][0, 0, 2, 1]:.2f}" in texts
    assert [t for t in _titles(fig2) if t][-1] == "dL/dK"


def test_gradcheck_plot_marks_the_current_step_and_survives_zero_errors():
    eps = np.logspace(-1, -9, 33)
    errors = eps ** 2 + 1e-16 / eps
    errors[10] = 0.0  # an exact hit must not break the log axis
    fig = gradcheck_plot(eps, errors, current=(1e-5, 1e-10))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [label.get_text() for _, label in ax._cnnmath_errors["key"].entries]   # the key beside the curves
    assert labels == ["|numerical - analytic|", "truncation ~ eps^2", "rounding ~ 1/eps", "eps = 1e-05"]
    lo, _ = ax.get_ylim()
    assert lo <= 1e-11  # the marked point is inside the axes


def test_secant_plot_draws_both_points():
    offsets = np.linspace(-0.1, 0.1, 21)
    losses = offsets ** 2
    fig = secant_plot(offsets, losses, 0.0, 0.05, 0.0025, 0.0025, 0.0, name="K[1,1]")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "K[1,1]"
    points = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    np.testing.assert_allclose(points.get_xdata(), [-0.05, 0.05])


def test_kernel_training_plot_default_and_given_axes():
    losses = np.logspace(0, -3, 11)
    K = np.eye(3)
    target = seed_kernel()
    fig = kernel_training_plot(losses, K, target)
    assert isinstance(fig, Figure)
    assert "kernel after 10 steps" in _titles(fig) and "target kernel" in _titles(fig)
    fig2 = plt.figure(figsize=(8, 3))
    axes = [fig2.add_subplot(1, 3, k) for k in (1, 2, 3)]
    cax = fig2.add_axes((0.95, 0.1, 0.01, 0.8))
    out = kernel_training_plot(losses, K, target, diverged=True, axes=axes, cax=cax)
    assert out is fig2
    assert axes[0].get_title() == "loss DIVERGES: learning rate too large"
    assert axes[0].get_lines()[0].get_color() == "#b2182b"
    # a loss curve spanning less than two decades still gets several labelled ticks
    fig3 = kernel_training_plot(np.linspace(0.4, 0.05, 20), K, target)
    fig3.canvas.draw()
    labels = [t.get_text() for t in fig3.axes[0].get_yticklabels() if t.get_text()]
    assert len(labels) >= 3


def test_input_gradient_plot_shows_the_turn_the_padding_and_the_pixel():
    I, K = seed_image(), seed_kernel()
    G = np.array([[1.0, 0, -1], [0, 2, 0], [-1, 0, 1]])
    G_padded = np.pad(G, 2)
    dI = conv2d_grad(I, K, G)[0]
    fig = input_gradient_plot(K, G_padded, dI, pixel=(3, 2), figsize=(12, 3))
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == (12, 3)
    titles = [t for t in _titles(fig) if t]
    assert titles == ["kernel K", "K turned by 180 degrees", "dL/dO padded with zeros", "dL/dI"]
    axes = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    # the turned kernel is drawn turned: its first row starts with K[2,2]
    first = [t.get_text() for t in axes["K turned by 180 degrees"].texts][:3]
    assert first == [str(int(v)) for v in K[::-1, ::-1][0]]
    # the window under the turned kernel for dL/dI[3,2], and that entry, are outlined
    window = axes["dL/dO padded with zeros"].patches[0]
    assert (window.get_width(), window.get_height()) == (3, 3) and window.get_xy() == (1.5, 2.5)
    assert axes["dL/dI"].patches[0].get_xy() == (1.5, 2.5)
    assert len(axes["dL/dO padded with zeros"].texts) == 49
    plain = input_gradient_plot(K, G_padded, dI)
    assert all(not ax.patches for ax in plain.axes)
    plt.close("all")


# --- the explorers' pictures: built once, updated in place ---------------------------------------------------

def _check_of(weight, eps):
    K = live_kernel()
    dK = forward_backward(K, B_LIVE)["dK"]
    f = lambda k: loss_only(k, B_LIVE)  # noqa: E731
    return gradient_check(f, K, dK, weight, eps), gradient_check_curves(f, K, dK, weight)


def _name(weight):
    return f"K[{weight[0]},{weight[1]}]"


def _same_picture(updated, fresh):
    assert describe_figure(updated) == describe_figure(fresh)
    assert figure_png(updated) == figure_png(fresh)
    plt.close(updated)
    plt.close(fresh)


@pytest.mark.parametrize(("a", "b"), [(((2, 2), 1e-5), ((0, 1), 1e-1)), (((0, 0), 1e-9), ((2, 2), 1e-3)),
                                      (((1, 1), 1e-2), ((1, 1), 1e-7))])
def test_update_gradcheck_step_plot_equals_a_fresh_plot(a, b):
    fig = gradcheck_step_plot(*_check_of(*a), name=_name(a[0]))
    check, curves = _check_of(*b)
    assert update_gradcheck_step_plot(fig, check, curves, name=_name(b[0])) is fig
    _same_picture(fig, gradcheck_step_plot(check, curves, name=_name(b[0])))


def test_gradcheck_step_plot_draws_the_check_it_is_given():
    check, curves = _check_of((0, 1), 1e-1)
    fig = gradcheck_step_plot(check, curves, name="K[0,1]")
    secant_ax, errors_ax = fig.axes
    assert secant_ax.get_title() == "L along K[0,1]" and secant_ax.get_xlabel() == "K[0,1]"
    curve, tangent, secant, points = secant_ax.get_lines()
    np.testing.assert_array_equal(curve.get_xdata(), curves.value + curves.offsets)
    np.testing.assert_array_equal(curve.get_ydata(), curves.losses)
    np.testing.assert_allclose(points.get_xdata(), [curves.value - 0.1, curves.value + 0.1])
    np.testing.assert_array_equal(points.get_ydata(), [check.f_minus, check.f_plus])
    # the secant passes through both nudged points with the slope of the central difference
    slope = np.polyfit(secant.get_xdata(), secant.get_ydata(), 1)[0]
    assert slope == pytest.approx(check.numerical, rel=1e-9)
    assert np.polyfit(tangent.get_xdata(), tangent.get_ydata(), 1)[0] == pytest.approx(check.analytic, rel=1e-9)
    measured, *_, marker = errors_ax.get_lines()
    np.testing.assert_array_equal(measured.get_xdata(), curves.eps[::-1])
    np.testing.assert_array_equal(marker.get_xydata(), [[0.1, check.abs_error]])
    assert "eps = 1e-01" in describe_figure(fig)
    with pytest.raises(ValueError, match="same entry"):
        update_gradcheck_step_plot(fig, check, _check_of((1, 1), 1e-1)[1])
    with pytest.raises(ValueError, match="gradcheck_step_plot"):
        update_gradcheck_step_plot(plt.figure(), check, curves)
    plt.close("all")


def _path_of(lr, steps):
    *_, K_target, K0, mse_and_grad = learning_setup()
    path = gradient_descent(mse_and_grad, K0, lr, steps)
    return path.losses, path.kernel, K_target, path.diverged is not None


@pytest.mark.parametrize(("a", "b"), [((1.0, 20), (1.0, 3)), ((1.0, 0), (10.0, 300)), ((10.0, 300), (0.1, 150)),
                                      ((0.5, 1), (0.5, 2)), ((1.0, 20), (1.0, 0))])
def test_update_kernel_training_plot_equals_a_fresh_plot(a, b):
    losses, kernel, target, diverged = _path_of(*a)
    fig = kernel_training_plot(losses, kernel, target, diverged=diverged, figsize=(10, 2.8))
    losses, kernel, target, diverged = _path_of(*b)
    assert update_kernel_training_plot(fig, losses, kernel, target, diverged=diverged) is fig
    _same_picture(fig, kernel_training_plot(losses, kernel, target, diverged=diverged, figsize=(10, 2.8)))


def test_kernel_training_plot_at_step_0_shows_the_one_loss():
    """Step 0 ("start again") has one loss: it is a dot at step 0 (one tick, "0"), between round ticks a
    factor of 3 either way, and the axis label stays inside the picture; the next run is a curve again."""
    losses, kernel, target, _ = _path_of(1.0, 0)
    assert losses.size == 1
    fig = kernel_training_plot(losses, kernel, target, figsize=(10, 2.8))
    ax = fig.axes[0]
    fig.canvas.draw()
    line = ax.lines[0]
    assert line.get_marker() == "o"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0"]
    lo, hi = ax.get_ylim()
    assert lo < losses[0] < hi and hi / lo == pytest.approx(9)
    assert len(ax.get_yticks()) >= 2 and all("-" not in t.get_text() for t in ax.get_yticklabels())
    assert ax.yaxis.label.get_window_extent().x0 >= 0
    more, kernel, target, _ = _path_of(1.0, 5)
    update_kernel_training_plot(fig, more, kernel, target)
    assert line.get_marker() == "None" and ax.get_xlim()[1] >= 4 and ax.get_ylim()[0] < more.min()
    plt.close("all")


def test_update_kernel_training_plot_shows_the_new_run():
    losses, kernel, target, _ = _path_of(1.0, 20)
    fig = kernel_training_plot(losses, kernel, target)
    losses, kernel, target, diverged = _path_of(10.0, 300)
    update_kernel_training_plot(fig, losses, kernel, target, diverged=diverged)
    ax_loss, ax_k, ax_t = fig.axes[:3]
    assert diverged and ax_loss.get_title() == "loss DIVERGES: learning rate too large"
    np.testing.assert_array_equal(ax_loss.get_lines()[0].get_ydata(), losses)
    assert ax_k.get_title() == f"kernel after {losses.size - 1} steps"
    np.testing.assert_array_equal(ax_k.images[0].get_array(), kernel)
    lim = float(np.abs(kernel).max())
    assert ax_k.images[0].norm.vmax == ax_t.images[0].norm.vmax == lim       # one scale for both kernels
    assert f"Colour bar from {-lim:.3g} to {lim:.3g}" in describe_figure(fig)
    with pytest.raises(ValueError, match="kernel_training_plot"):
        update_kernel_training_plot(plt.figure(), losses, kernel, target)
    plt.close("all")
