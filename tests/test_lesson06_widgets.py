"""Lesson 6 (06_backpropagation.ipynb) explorers, driven headless by setting their controls' values.

Every expected number is computed here from cnnmath (the worked example and the kernel-learning setup are
rebuilt in test_lesson06_gradients.py), never copied from the explorer.
"""

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402

import cnnmath.viz.plots.lesson06 as lesson06_plots  # noqa: E402
import cnnmath.viz.widgets.lesson06 as lesson06_widgets  # noqa: E402
from cnnmath.descent import gradient_descent  # noqa: E402
from cnnmath.gradcheck import gradient_check, gradient_check_curves  # noqa: E402
from cnnmath.viz.plots import describe_figure, figure_png, gradcheck_step_plot, kernel_training_plot  # noqa: E402
from cnnmath.viz.widgets import gradcheck_explorer, kernel_descent_explorer  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402
from tests.helpers import check_one_picture_per_change, current_picture, forbid_cnnmath, watch_pictures  # noqa: E402

from .test_lesson06_gradients import (B_LIVE, forward_backward, learning_setup, live_kernel,  # noqa: E402
                                      loss_only)


@pytest.fixture(scope="module")
def chain():
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    return K, v["dK"], (lambda k: loss_only(k, B_LIVE))


@pytest.fixture(scope="module")
def learning():
    return learning_setup()


def _central(f, K, index, eps):
    e = np.zeros_like(K)
    e[index] = 1.0
    return (f(K + eps * e) - f(K - eps * e)) / (2 * eps)


def _descent(mse_and_grad, K0, lr, steps):
    K = K0.copy()
    for _ in range(steps):
        K = K - lr * mse_and_grad(K)[1]
    return K, mse_and_grad(K)[0]


# --- gradcheck_explorer --------------------------------------------------------------------------------

def test_gradcheck_starts_where_asked(chain):
    K, dK, f = chain
    ex = gradcheck_explorer(f, K, dK, eps=1e-5, weight=(2, 2))
    assert isinstance(ex, Explorer)
    assert ex.controls["weight"].description == "weight" and ex.controls["eps"].description == "epsilon"
    assert ex.last_error is None
    s = ex.state
    assert s["weight"] == (2, 2) and s["eps"] == pytest.approx(1e-5)
    assert s["analytic"] == dK[2, 2]
    assert s["numerical"] == pytest.approx(_central(f, K, (2, 2), 1e-5), rel=1e-12)
    assert s["rel_error"] <= 1e-7
    assert f"backprop gives <b>{dK[2, 2]:.10f}</b>" in ex.summary.value
    assert "Gradient check</b> of K[2,2]" in ex.summary.value and "agree" in ex.summary.value


@pytest.mark.parametrize("exponent", [-1, -1.5, -3, -5, -6.5, -9])
def test_gradcheck_follows_epsilon(chain, exponent):
    K, dK, f = chain
    ex = gradcheck_explorer(f, K, dK, weight=(2, 2))
    ex.controls["eps"].value = 10.0 ** exponent
    eps = ex.state["eps"]
    want = _central(f, K, (2, 2), eps)
    assert ex.state["numerical"] == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert ex.state["abs_error"] == pytest.approx(abs(want - dK[2, 2]), rel=1e-6, abs=1e-15)
    assert f"epsilon = {eps:.0e}" in ex.summary.value
    assert f"<b>{want:.10f}</b>" in ex.summary.value


def test_gradcheck_large_step_disagrees_small_step_agrees(chain):
    K, dK, f = chain
    ex = gradcheck_explorer(f, K, dK, weight=(2, 2))
    ex.controls["eps"].value = 0.1
    assert ex.state["rel_error"] > 1e-2 and "disagree" in ex.summary.value
    ex.controls["eps"].value = 1e-5
    assert ex.state["rel_error"] <= 1e-7 and "(they agree)" in ex.summary.value


@pytest.mark.parametrize("weight", [(0, 0), (0, 2), (1, 1), (2, 0), (2, 1)])
def test_gradcheck_follows_the_weight(chain, weight):
    K, dK, f = chain
    ex = gradcheck_explorer(f, K, dK)
    ex.controls["weight"].value = weight
    assert ex.state["weight"] == weight and ex.state["analytic"] == dK[weight]
    assert ex.state["rel_error"] <= 1e-7
    assert f"of K[{weight[0]},{weight[1]}]" in ex.summary.value


def test_gradcheck_lists_every_weight_and_leaves_x_alone(chain):
    K, dK, f = chain
    before = K.copy()
    ex = gradcheck_explorer(f, K, dK)
    labels = [label for label, _ in ex.controls["weight"].options]
    assert labels == [f"K[{m},{n}]" for m in range(3) for n in range(3)]
    for value in [(1, 2), (0, 1)]:
        ex.controls["weight"].value = value
    np.testing.assert_array_equal(K, before)


def test_gradcheck_clamps_or_explains_bad_steps(chain):
    K, dK, f = chain
    ex = gradcheck_explorer(f, K, dK)
    ex.controls["eps"].value = 0.0  # the log slider clamps to its smallest step
    assert ex.state["eps"] == pytest.approx(1e-9) and ex.last_error is None
    ex.controls["eps"].value = float("nan")
    assert isinstance(ex.last_error, ValueError)
    assert "epsilon is nan" in ex.summary.value and "That setting does not work" in ex.summary.value


def test_gradcheck_rejects_bad_arguments(chain):
    K, dK, f = chain
    with pytest.raises(ValueError, match="grad has shape"):
        gradcheck_explorer(f, K, dK[:2])
    with pytest.raises(TypeError, match="f is"):
        gradcheck_explorer("loss", K, dK)


# --- kernel_descent_explorer ----------------------------------------------------------------------------

def test_descent_starts_with_the_given_run(learning):
    *_, K_target, K0, mse_and_grad = learning
    ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=20)
    assert isinstance(ex, Explorer)
    assert [ex.controls[k].description for k in ("lr", "steps", "step", "reset")] == \
        ["learning rate", "steps", "take one step", "start again"]
    K, loss = _descent(mse_and_grad, K0, 1.0, 20)
    assert ex.state["steps"] == 20 and not ex.state["diverged"]
    np.testing.assert_allclose(ex.state["kernel"], K, rtol=1e-12)
    assert ex.state["loss"] == pytest.approx(loss, rel=1e-10)
    assert ex.state["start_loss"] == pytest.approx(mse_and_grad(K0)[0], rel=1e-12)
    assert f"after 20 steps with learning rate 1 the loss is <b>{loss:.4g}</b>" in ex.summary.value
    assert f"K[0,0] = {K[0, 0]:.3f}" in ex.summary.value


@pytest.mark.parametrize("steps", [0, 1, 7, 150])
def test_descent_follows_the_steps_slider(learning, steps):
    *_, K_target, K0, mse_and_grad = learning
    ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=20)
    ex.controls["steps"].value = steps
    K, loss = _descent(mse_and_grad, K0, 1.0, steps)
    assert ex.state["steps"] == steps
    np.testing.assert_allclose(ex.state["kernel"], K, rtol=1e-10, atol=1e-14)
    assert ex.state["loss"] == pytest.approx(loss, rel=1e-9)
    assert len(ex.state["losses"]) == steps + 1
    assert ex.state["max_gap"] == pytest.approx(np.abs(K - K_target).max(), rel=1e-9)


@pytest.mark.parametrize("lr", [0.01, 0.1, 2.0, 3.0])
def test_descent_follows_the_learning_rate(learning, lr):
    *_, K_target, K0, mse_and_grad = learning
    ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=30)
    ex.controls["lr"].value = lr
    K, loss = _descent(mse_and_grad, K0, ex.state["lr"], 30)
    assert ex.state["lr"] == pytest.approx(lr, rel=1e-9)
    assert ex.state["loss"] == pytest.approx(loss, rel=1e-9) and not ex.state["diverged"]
    assert loss < ex.state["start_loss"]


def test_descent_buttons_step_and_reset(learning):
    *_, K_target, K0, mse_and_grad = learning
    ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=0.5, steps=3, max_steps=4)
    ex.controls["step"].click()
    assert ex.controls["steps"].value == 4 and ex.state["steps"] == 4
    ex.controls["step"].click()  # past the slider's end: the slider grows by one
    assert ex.controls["steps"].max == 5 and ex.state["steps"] == 5
    K, loss = _descent(mse_and_grad, K0, 0.5, 5)
    np.testing.assert_allclose(ex.state["kernel"], K, rtol=1e-12)
    ex.controls["reset"].click()
    assert ex.controls["steps"].value == 0 and ex.state["steps"] == 0
    np.testing.assert_array_equal(ex.state["kernel"], K0)
    ex.controls["reset"].click()  # already at 0: still redraws, still step 0
    assert ex.state["steps"] == 0 and "after 0 steps" in ex.summary.value


def test_descent_too_large_rate_says_so_without_warnings(learning):
    *_, K_target, K0, mse_and_grad = learning
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value RuntimeWarning may escape
        ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=300, stable_below=3.43)
        ex.controls["lr"].value = 10.0
    s = ex.state
    assert s["diverged"] and np.all(np.isfinite(s["losses"])) and np.all(np.isfinite(s["kernel"]))
    assert s["losses"][-1] > 1e6 * s["losses"][0] >= s["losses"][-2]
    assert s["steps"] == len(s["losses"]) - 1 < 300
    text = ex.summary.value
    assert "Learning a kernel: diverged!</b> With learning rate 10 the loss grew" in text and f"in {s['steps']} steps" in text and "below about 3.43" in text
    assert "nan" not in text.lower() and "inf" not in text.replace("info", "")
    ex.controls["lr"].value = 1.0  # back to a good rate: a fresh run from K0
    assert not ex.state["diverged"] and ex.state["steps"] == 300


def test_descent_before_the_blow_up_shows_the_partial_run(learning):
    *_, K_target, K0, mse_and_grad = learning
    ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=10.0, steps=2)
    assert not ex.state["diverged"] and ex.state["steps"] == 2  # the loss has not grown a million-fold yet


def test_descent_explains_a_nan_rate_and_rejects_bad_arguments(learning):
    *_, K_target, K0, mse_and_grad = learning
    ex = kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=5)
    ex.controls["lr"].value = float("nan")
    assert isinstance(ex.last_error, ValueError) and "learning rate is nan" in ex.summary.value
    with pytest.raises(ValueError, match="target has shape"):
        kernel_descent_explorer(mse_and_grad, K0, np.zeros((2, 2)))
    with pytest.raises(TypeError, match="loss_and_grad is"):
        kernel_descent_explorer(None, K0, K_target)


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_typed_values_never_give_a_traceback(chain, learning):
    from tests.test_checks_typed_inputs import drive_typed_values
    K, dK, f = chain
    drive_typed_values(gradcheck_explorer(f, K, dK, weight=(2, 2)), names=("eps",))
    *_, K_target, K0, mse_and_grad = learning
    drive_typed_values(kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=5, max_steps=20))


# --- one figure, updated in place; one picture per change; compute once; errors hide the picture ----------

def _make_gradcheck(chain):
    K, dK, f = chain
    return gradcheck_explorer(f, K, dK, eps=1e-5, weight=(2, 2))


def _make_descent(learning):
    *_, K_target, K0, mse_and_grad = learning
    return kernel_descent_explorer(mse_and_grad, K0, K_target, lr=1.0, steps=20, max_steps=30)


_CHANGES = {  # explorer -> control changes a student makes (each must send exactly one picture)
    "gradcheck": (_make_gradcheck, [("eps", 1e-1), ("weight", (0, 1)), ("eps", 1e-9), ("weight", (1, 1))]),
    "descent": (_make_descent, [("lr", 0.1), ("steps", 30), ("step", "click"), ("lr", 10.0), ("reset", "click"),
                                ("steps", 5)]),
}


@pytest.mark.parametrize("name", list(_CHANGES))
def test_each_change_sends_one_picture_of_the_one_figure(chain, learning, name):
    make, changes = _CHANGES[name]
    ex = make(chain if name == "gradcheck" else learning)
    check_one_picture_per_change(ex, changes)


def test_gradcheck_picture_is_the_plot_of_its_check(chain):
    K, dK, f = chain
    ex = _make_gradcheck(chain)
    ex.controls["weight"].value = (0, 1)
    ex.controls["eps"].value = 1e-3
    fresh = gradcheck_step_plot(gradient_check(f, K, dK, (0, 1), 1e-3), gradient_check_curves(f, K, dK, (0, 1)),
                                name="K[0,1]")
    assert current_picture(ex) == (figure_png(fresh), describe_figure(fresh))
    plt.close(fresh)


def test_descent_picture_is_the_plot_of_its_run(learning):
    *_, K_target, K0, mse_and_grad = learning
    ex = _make_descent(learning)
    ex.controls["lr"].value = 0.5
    ex.controls["steps"].value = 7
    path = gradient_descent(mse_and_grad, K0, 0.5, 7)
    fresh = kernel_training_plot(path.losses, path.kernel, K_target, figsize=(10, 2.8))
    assert current_picture(ex) == (figure_png(fresh), describe_figure(fresh))
    plt.close(fresh)


def _count(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args[3] if name.startswith("gradient_check") else args[2:4])
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, counted)
    return calls


def test_gradcheck_computes_the_check_and_the_curves_once_per_redraw_and_the_plot_never(monkeypatch, chain):
    ex = _make_gradcheck(chain)
    assert forbid_cnnmath(monkeypatch, lesson06_plots) == ["softmax"]   # (softmax_gradient_plot's)
    checks = _count(monkeypatch, lesson06_widgets, "gradient_check")
    curves = _count(monkeypatch, lesson06_widgets, "gradient_check_curves")
    for control, value in [("eps", 1e-3), ("weight", (0, 2)), ("eps", 1e-7), ("weight", (2, 0))]:
        ex.controls[control].value = value
        assert ex.last_error is None
    assert checks == curves == [(2, 2), (0, 2), (0, 2), (2, 0)]           # one of each per redraw
    assert ex.state["numerical"] == pytest.approx(_central(chain[2], chain[0], (2, 0), 1e-7), rel=1e-12)


def test_descent_runs_once_per_redraw_continues_its_run_and_the_plot_never_computes(monkeypatch, learning):
    *_, K_target, K0, mse_and_grad = learning
    ex = _make_descent(learning)
    forbid_cnnmath(monkeypatch, lesson06_plots)
    runs = _count(monkeypatch, lesson06_widgets, "gradient_descent")
    evaluations = []

    def counted(K):
        evaluations.append(1)
        return mse_and_grad(K)
    ex.controls["steps"].value = 25                   # the run continues: five more steps, five evaluations
    assert runs == [(1.0, 25)]
    ex.controls["step"].click()
    ex.controls["steps"].value = 3                    # fewer steps: the run is already there
    assert runs == [(1.0, 25), (1.0, 26), (1.0, 3)]
    np.testing.assert_allclose(ex.state["kernel"], _descent(mse_and_grad, K0, 1.0, 3)[0], rtol=1e-12)
    ex2 = kernel_descent_explorer(counted, K0, K_target, lr=1.0, steps=20)
    evaluations.clear()
    ex2.controls["steps"].value = 25
    assert len(evaluations) == 5
    ex2.controls["steps"].value = 10
    assert len(evaluations) == 5
    ex2.controls["lr"].value = 0.5                    # another rate: a new run from K0, 10 steps
    assert len(evaluations) == 5 + 11


@pytest.mark.parametrize(("name", "control", "bad", "good"), [
    ("gradcheck", "eps", float("nan"), 1e-4),
    ("descent", "lr", float("nan"), 0.5),
])
def test_an_error_hides_the_picture_and_a_good_setting_shows_it_again(chain, learning, name, control, bad, good):
    make, _ = _CHANGES[name]
    ex = make(chain if name == "gradcheck" else learning)
    seen = watch_pictures(ex)
    ex.controls[control].value = bad
    assert current_picture(ex) is None and seen == []
    assert isinstance(ex.last_error, ValueError)
    assert "does not work" in ex.summary.value and "is nan" in ex.summary.value
    ex.controls[control].value = good
    assert current_picture(ex) is not None and ex.last_error is None and len(seen) == 1
