"""Lesson 8 (08_deeper.ipynb) in a real browser: the notebook runs clean, prints the numbers this process
computes for seed 0, and the maps explorer answers the keyboard with the right numbers.

Expected texts are computed here with cnnmath, the way the notebook computes them (the same seeds, the same
learning-rate rule, numpy's matrix products on one thread as in its setup cell), never copied from the page.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from cnnmath import TinyCNN, accuracy, fit, load_digits
from cnnmath.viz.widgets import BLOCK_STAGES

from . import harness
from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture,
                      run_all, screenshot)

NOTEBOOK = "08_deeper.ipynb"


@pytest.fixture(scope="module")
def seed0():
    """The two-block network of seed 0 as the notebook trains it: the learning rate chosen on validation
    digits among a third of fit's default, the default and 10/3 of it (ties to the default)."""
    from threadpoolctl import threadpool_limits

    X_train, y_train, X_val, y_val, X_test, y_test = load_digits(seed=0, validation=0.15)
    lr0 = fit.__kwdefaults__["lr"]
    with threadpool_limits(limits=1, user_api="blas"):
        runs = {}
        for lr in (lr0 / 3, lr0, lr0 * 10 / 3):
            net = TinyCNN(seed=0, blocks=2, hidden=64)
            runs[lr] = (net, fit(net, X_train, y_train, lr=lr, seed=0, X_val=X_val, y_val=y_val)["val_acc"][-1])
        best = max(acc for _, acc in runs.values())
        chosen = lr0 if runs[lr0][1] == best else min(lr for lr, (_, acc) in runs.items() if acc == best)
        model = runs[chosen][0]
        return {"model": model, "chosen": chosen, "untrained": TinyCNN(seed=0, blocks=2, hidden=64),
                "X_val": X_val, "y_val": y_val, "test_acc": accuracy(model, X_test, y_test)}


def _summary(page):
    return page.locator(".widget-html-content", has_text="network says").first


def _control(page, kind, label):
    box = page.locator(f".{kind}").filter(
        has=page.locator("label.widget-label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))).first
    box.scroll_into_view_if_needed()
    return box


def _select_and_measure(select, label, output, expected, widget):
    """Choose a menu option as a person does with the mouse, and record the ms until ``output`` shows it.

    Letters typed on a closed <select> can reach JupyterLab's own shortcuts ("m" turns the cell into
    markdown), so menus are driven with select_option, as in the lesson 7 test.
    """
    start = time.perf_counter()
    select.select_option(label=label)
    expect(output).to_contain_text(expected)
    ms = (time.perf_counter() - start) * 1000
    harness.LATENCIES.append({"notebook": NOTEBOOK, "widget": widget, "key": "select_option", "ms": round(ms, 1)})
    return ms


def _expected(net, X, y, i, stage, name):
    a, b = BLOCK_STAGES[stage]
    st = net.forward(X[i:i + 1])
    probs = st["probs"][0]
    pred = int(probs.argmax())
    head = f"Validation digit #{i}, label {y[i]}: the {name} network says {pred} ({100 * probs[pred]:.1f}%)"
    lines = []
    for block, key in ((1, a), (2, b)):
        maps = st[key][0]
        peak = maps.reshape(len(maps), -1).max(axis=1)
        lines.append(f"block {block}: {int((peak > 0).sum())} of {len(maps)} maps have a positive value, "
                     f"the strongest {peak.max():.2f} in f{int(peak.argmax())}")
    return head, lines


def test_lesson08_in_the_browser(page, lab, page_errors, seed0):
    model, X_val, y_val = seed0["model"], seed0["X_val"], seed0["y_val"]
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)

    # the lesson's key lines, as this process computes them
    chain = "by hand == model.loss, exactly, for the loss and all eight gradients"
    expect(page.get_by_text(chain).first).to_be_visible()
    expect(page.get_by_text(f"two blocks: chosen learning rate {seed0['chosen']:.3g}").first).to_be_visible()
    expect(page.get_by_text(f"two blocks: s0 {100 * seed0['test_acc']:.2f}%,").first).to_be_visible()
    expect(page.get_by_text("Your turn:").first).to_be_visible()   # the exercise checks rendered

    # --- the maps explorer: digit slider by keyboard, menus by their first letter ------------------
    summary = _summary(page)
    head, lines = _expected(model, X_val, y_val, 0, "ReLU", "trained")
    expect(summary).to_contain_text(head)
    for line in lines:
        expect(summary).to_contain_text(line)

    digit = _control(page, "widget-slider", "digit").get_by_role("slider")
    for i in (1, 2):
        head, lines = _expected(model, X_val, y_val, i, "ReLU", "trained")
        press_and_measure(page, digit, "ArrowRight", summary, head, widget="lesson08 digit slider")
        expect(summary).to_contain_text(lines[1])
    last = len(X_val) - 1
    head, _ = _expected(model, X_val, y_val, last, "ReLU", "trained")
    press_and_measure(page, digit, "End", summary, head, widget="lesson08 digit slider")
    expect(digit).to_have_attribute("aria-valuenow", f"{last}.0")

    stage = _control(page, "widget-dropdown", "stage").locator("select")
    _, lines = _expected(model, X_val, y_val, last, "max pool", "trained")
    _select_and_measure(stage, "max pool", summary, "At the max pool stage (pool1, pool2)", "lesson08 stage menu")
    for line in lines:
        expect(summary).to_contain_text(line)
    _select_and_measure(stage, "conv (I*K + b)", summary, "stage (conv1, conv2)", "lesson08 stage menu")

    network = _control(page, "widget-dropdown", "network").locator("select")
    head, lines = _expected(seed0["untrained"], X_val, y_val, last, "conv (I*K + b)", "untrained start")
    _select_and_measure(network, "untrained start", summary, head, "lesson08 network menu")
    for line in lines:
        expect(summary).to_contain_text(line)

    press_and_measure(page, digit, "Home", summary, "Validation digit #0", widget="lesson08 digit slider")

    # the explorer's one picture follows each key, and its text alternative follows the picture
    picture = page.locator("img.widget-image")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", re.compile(r"^Figure with 4 panels.*'validation digit #0 "))
    expect(picture).not_to_have_attribute("title", re.compile(".*"))
    for i in (1, 2, 3):
        press_and_measure_picture(page, digit, "ArrowRight", picture, widget="lesson08 digit slider")
        head, _ = _expected(seed0["untrained"], X_val, y_val, i, "conv (I*K + b)", "untrained start")
        expect(summary).to_contain_text(head)
        expect(picture).to_have_attribute("alt", re.compile(rf"'validation digit #{i} \(label {y_val[i]}\)'.*"
                                                            r"'block 1, conv1: 16 maps 8x8"))
    screenshot(page, "lesson08")
    assert_no_errors(page, page_errors)
    assert np.isfinite(seed0["test_acc"])
