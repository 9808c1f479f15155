"""Lesson 6 in a real JupyterLab: the notebook runs clean, section 4's derivations print the numbers cnnmath
computes (with their figure), and both explorers answer the keyboard the way the notebook says (arrow keys and
End on the log sliders, arrows on the steps slider and the weight dropdown, Enter on the two buttons). Every
expected number is computed here from cnnmath.
"""

from __future__ import annotations

import re
import time

import numpy as np

from cnnmath import conv2d_grad, seed_image, seed_kernel

from ..test_lesson06_gradients import (B_LIVE, batch_of_three, forward_backward, learning_setup, live_kernel,
                                       loss_only)
from .harness import (LATENCIES, assert_no_errors, expect, open_notebook, press_and_measure,
                      press_and_measure_picture, run_all, screenshot)

NOTEBOOK = "06_backpropagation.ipynb"
# ipywidgets' slider handles carry no accessible name (the visible label is not tied to them), so a slider
# is found through the labelled row it sits in.


def _slider(box, label):
    return box.locator(".widget-hslider", has_text=label).get_by_role("slider")


NUMERICAL = re.compile(r"the central difference gives (-?\d+\.\d+)")


def _central(weight, eps):
    K = live_kernel()
    e = np.zeros((3, 3))
    e[weight] = 1.0
    return (loss_only(K + eps * e, B_LIVE) - loss_only(K - eps * e, B_LIVE)) / (2 * eps)


def _numerical_in(summary):
    return float(NUMERICAL.search(summary.inner_text()).group(1))


def _run(lr, steps):
    *_, K_target, K0, mse_and_grad = learning_setup()
    K = K0.copy()
    for _ in range(steps):
        K = K - lr * mse_and_grad(K)[1]
    return mse_and_grad(K)[0], mse_and_grad(K0)[0]


def test_lesson06_runs_and_both_explorers_answer_the_keyboard(page, lab, page_errors):
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)
    expect(page.get_by_text("Your turn:").first).to_be_visible()
    expect(page.get_by_text("Your turn:")).to_have_count(6)   # six exercises, none answered
    ms = []

    # --- section 4: dL/dI, the batch, as a student sees them after "Run All" --------------------------------
    G = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0], [-1.0, 0.0, 1.0]])
    dI = conv2d_grad(seed_image(), seed_kernel(), G)[0]
    di_cell = page.locator(".jp-Cell", has_text="dL/dI = (G padded) * (K turned) =").last
    expect(di_cell).to_contain_text(f"= {dI[3, 2]:g}")
    expect(di_cell).to_contain_text("agrees with numerical_gradient to 1e-7: True")
    di_figure = page.locator(".jp-Cell", has_text="green: the window of the padded G").last
    expect(di_figure.locator("img")).to_have_count(1)
    images, labels = batch_of_three()
    batch = forward_backward(live_kernel(), B_LIVE, images=images, labels=labels)
    expect(page.locator(".jp-Cell", has_text="the batch loss is their mean").last).to_contain_text(
        f"the batch's {batch['dK'][0, 0]:.4f}")

    # --- the gradient check: weight dropdown and epsilon log slider ---------------------------------------
    dK = forward_backward(live_kernel(), B_LIVE)["dK"]
    check = page.locator(".widget-html-content", has_text="Gradient check")
    expect(check).to_contain_text(f"Gradient check of K[2,2]: backprop gives {dK[2, 2]:.10f}")
    expect(check).to_contain_text("epsilon = 1e-05")
    box = page.locator(".widget-vbox").filter(has=check).last
    eps = _slider(box, "epsilon")
    expect(eps).to_have_count(1)

    # the explorer's one picture (an Image whose PNG is replaced) follows the key, its alt text with it
    picture = box.locator("img.widget-image")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 2 panels.*'L along K\[2,2\]'.*eps = 1e-05"))
    ms.append(press_and_measure_picture(page, eps, "ArrowRight", picture, widget="epsilon slider"))
    expect(check).to_contain_text("epsilon = 3e-05")
    expect(picture).to_have_attribute("alt", re.compile(r"eps = 3e-05"))
    assert abs(_numerical_in(check) - _central((2, 2), 10 ** -4.5)) < 1e-8
    ms.append(press_and_measure(page, eps, "End", check, "epsilon = 1e-01", widget="epsilon slider"))
    assert abs(_numerical_in(check) - _central((2, 2), 0.1)) < 1e-8
    expect(check).to_contain_text("they disagree")
    ms.append(press_and_measure(page, eps, "Home", check, "epsilon = 1e-09", widget="epsilon slider"))

    # A closed <select> in headless Chromium ignores arrow keys, so choose the option the way Playwright
    # recommends, and time it like press_and_measure does.
    weight = box.get_by_role("combobox", name="weight")
    expect(weight).to_have_count(1)
    for label, index in [("K[2,1]", (2, 1)), ("K[0,0]", (0, 0))]:
        start = time.perf_counter()
        weight.select_option(label=label)
        expect(check).to_contain_text(f"Gradient check of {label}: backprop gives {dK[index]:.10f}")
        ms.append((time.perf_counter() - start) * 1000)
        LATENCIES.append({"notebook": NOTEBOOK, "widget": "weight dropdown", "key": "select_option",
                          "ms": round(ms[-1], 1)})
    assert abs(_numerical_in(check) - _central((0, 0), 1e-9)) < 1e-6  # rounding-dominated at 1e-9
    screenshot(page, "lesson06-gradcheck")

    # --- learning a kernel: learning-rate and steps sliders, two buttons ---------------------------------
    learn = page.locator(".widget-html-content", has_text="Learning a kernel")
    loss20, start = _run(1.0, 20)
    expect(learn).to_contain_text(f"after 20 steps with learning rate 1 the loss is {loss20:.4g}")
    box = page.locator(".widget-vbox").filter(has=learn).last
    steps = _slider(box, "steps")
    rate = _slider(box, "learning rate")
    expect(steps).to_have_count(1)
    expect(rate).to_have_count(1)

    picture = box.locator("img.widget-image")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 3 panels.*'kernel after 20 steps'"))
    ms.append(press_and_measure_picture(page, steps, "ArrowRight", picture, widget="steps slider"))
    expect(learn).to_contain_text(f"after 21 steps with learning rate 1 the loss is {_run(1.0, 21)[0]:.4g}")
    expect(picture).to_have_attribute("alt", re.compile(r"'kernel after 21 steps'"))
    one_step = box.get_by_role("button", name="take one step")
    ms.append(press_and_measure(page, one_step, "Enter", learn,
                                f"after 22 steps with learning rate 1 the loss is {_run(1.0, 22)[0]:.4g}",
                                widget="take one step button"))
    expect(steps).to_have_attribute("aria-valuenow", "22.0")
    ms.append(press_and_measure(page, rate, "ArrowRight", learn,
                                f"after 22 steps with learning rate 1.26 the loss is "
                                f"{_run(10 ** 0.1, 22)[0]:.4g}", widget="learning rate slider"))
    ms.append(press_and_measure(page, rate, "End", learn,
                                re.compile(r"Learning a kernel: diverged! With learning rate 10 the loss grew "
                                           r"from 0\.39"), widget="learning rate slider"))
    expect(learn).to_contain_text("Try a smaller learning rate (below about 3.43)")
    screenshot(page, "lesson06-diverged")
    again = box.get_by_role("button", name="start again")
    ms.append(press_and_measure(page, again, "Enter", learn,
                                f"after 0 steps with learning rate 10 the loss is {start:.4g}",
                                widget="start again button"))
    expect(steps).to_have_attribute("aria-valuenow", "0.0")

    print("lesson 6 widget round trips (ms):", [round(m) for m in ms])  # visible with pytest -s
    assert all(0 < m < 30_000 for m in ms), ms
    screenshot(page, "lesson06-learning")
    assert_no_errors(page, page_errors)
