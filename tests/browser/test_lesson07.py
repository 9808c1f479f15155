"""Lesson 7 in a real browser: the notebook runs clean, and every kind of control works as a student uses it.

Expected texts are computed here with cnnmath (the notebook's training is seeded, so this process trains the
very same network), never copied from the page.
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest

from cnnmath import TinyCNN, accuracy, fit, image_from_bytes, load_digits

from . import harness
from .harness import (assert_no_errors, expect, open_notebook, press_and_measure, press_and_measure_picture,
                      run_all, screenshot)

NOTEBOOK = "07_full_pipeline.ipynb"
SEVEN = [(1, c) for c in range(1, 7)] + [(2, 5), (2, 6), (3, 4), (3, 5), (4, 3), (4, 4), (5, 3), (5, 4),
                                         (6, 2), (6, 3)]


@pytest.fixture(scope="module")
def trained():
    """The notebook's run: TinyCNN(seed=0) and fit's defaults on load_digits(seed=0, validation=0.15)."""
    X_train, y_train, X_val, y_val, X_test, y_test = load_digits(seed=0, validation=0.15)
    model = TinyCNN(seed=0)
    fit(model, X_train, y_train, seed=0)
    return model, (X_train, y_train, X_val, y_val, X_test, y_test)


def summary(page, phrase):
    """The explorer summary (an HTML widget) that carries a distinctive phrase."""
    return page.locator(".widget-html-content", has_text=phrase).first


# JupyterLab renders cells far from the viewport lazily, and Playwright's role queries skip what is not
# rendered: each control's container is found by CSS and scrolled into view, as a person would scroll,
# and then the control itself is taken by its role.

def slider(page, label):
    box = page.locator(".widget-slider").filter(has=page.locator("label.widget-label", has_text=label)).first
    box.scroll_into_view_if_needed()
    return box.get_by_role("slider")


def combobox(page, label):
    box = page.locator(".widget-dropdown").filter(has=page.locator("label.widget-label", has_text=label)).first
    box.scroll_into_view_if_needed()
    return box.get_by_role("combobox")


def button(page, name):
    css = page.locator("button.jupyter-button").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).first
    css.scroll_into_view_if_needed()
    return page.get_by_role("button", name=name, exact=True)


def picture(page, alt_part):
    """An explorer's picture (an ipywidgets.Image), found by a distinctive part of its text alternative.

    The course's extension moves the picture's title to ``alt``; the locator keeps matching the same
    ``<img>`` as its picture and alt change, since the part stays in every alt of that explorer.
    """
    img = page.locator(f'img.widget-image[alt*="{alt_part}"]')
    img.first.scroll_into_view_if_needed()
    expect(img).to_have_count(1)
    return img


def select_and_measure(combobox, label, output, expected, widget):
    """Choose a dropdown option (as a person does with the menu) and record the ms until ``output`` shows it.

    JupyterLab takes arrow keys on a closed <select> for its own cell navigation, so menus are driven with
    select_option; the timing lands in the harness's latency records like press_and_measure's.
    """
    start = time.perf_counter()
    combobox.select_option(label=label)
    expect(output).to_contain_text(expected)
    ms = (time.perf_counter() - start) * 1000
    harness.LATENCIES.append({"notebook": NOTEBOOK, "widget": widget, "key": "select_option", "ms": round(ms, 1)})
    return ms


def png_bytes(rgb):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def test_lesson07_in_the_browser(page, lab, page_errors, trained, tmp_path):
    model, (X_train, y_train, X_val, y_val, X_test, y_test) = trained
    open_notebook(page, lab, NOTEBOOK)
    run_all(page)
    assert_no_errors(page, page_errors)
    test_acc = accuracy(model, X_test, y_test)
    expect(page.get_by_text(f"test accuracy: {100 * test_acc:.2f}%")).to_be_visible()  # the one test-set cell
    expect(page.get_by_text("Your turn:").first).to_be_visible()  # the exercise checks rendered

    # --- feature maps: slider by keyboard, stage by the dropdown -------------------------------------
    probs = model.predict_proba(X_test)
    feature_summary = summary(page, "Test digit #")
    expect(feature_summary).to_contain_text(
        f"Test digit #0: true label {y_test[0]}; the network says {probs[0].argmax()}")
    index = slider(page, "test digit")
    for i in (1, 2):
        want = f"Test digit #{i}: true label {y_test[i]}; the network says {probs[i].argmax()} " \
               f"({100 * probs[i].max():.1f}%)"
        press_and_measure(page, index, "ArrowRight", feature_summary, want, widget="lesson07 test-digit slider")
    # the picture follows each key, and its text alternative follows the picture
    maps_picture = picture(page, "Image titled 'test digit #")
    expect(maps_picture).to_have_attribute("alt", re.compile(r"^Figure with 3 panels.*'test digit #2 "))
    for i in (3, 4, 5):
        press_and_measure_picture(page, index, "ArrowRight", maps_picture, widget="lesson07 test-digit slider")
        expect(feature_summary).to_contain_text(f"Test digit #{i}: true label {y_test[i]}")
        expect(maps_picture).to_have_attribute("alt", re.compile(rf"'test digit #{i} \(label {y_test[i]}\)'"))
    last = len(X_test) - 1
    press_and_measure(page, index, "End", feature_summary, f"Test digit #{last}: true label {y_test[last]}",
                      widget="lesson07 test-digit slider")
    stage = combobox(page, "stage")
    select_and_measure(stage, "max pool", feature_summary, "At the max pool stage", "lesson07 stage menu")
    select_and_measure(stage, "conv (I*K + b)", feature_summary, "At the conv (I*K + b) stage",
                       "lesson07 stage menu")

    # --- training explorer: sliders by keyboard, the Train button by Enter; validation digits only ---------
    train_summary = summary(page, "Training explorer:")
    expect(train_summary).to_contain_text("nothing has been trained here yet")
    epochs = slider(page, "epochs")
    epochs.focus()
    page.keyboard.press("Home")  # 1 epoch: quick
    expect(epochs).to_have_attribute("aria-valuenow", "1.0")
    expected = TinyCNN(seed=0)
    fit(expected, X_train, y_train, epochs=1, seed=0)
    acc = accuracy(expected, X_val, y_val)
    train = button(page, "Train")
    trained_summary = page.locator(".widget-html-content").filter(
        has_text=re.compile(r"Training explorer:|Trained:")).first
    press_and_measure(page, train, "Enter", trained_summary,
                      f"validation accuracy {100 * acc:.1f}% ({int(round(acc * len(y_val)))} of {len(y_val)} "
                      f"validation digits) after 1 epoch", widget="lesson07 Train button (1 epoch)")
    expect(trained_summary).not_to_contain_text(re.compile(r"\btest\b", re.I))
    curves = page.locator('.widget-output img.widget-image[alt*="validation accuracy"]')  # the live curves
    expect(curves).to_have_count(1)
    expect(curves).to_have_attribute("alt", re.compile("epoch 1 of 1"))
    rate = slider(page, "learning rate")
    rate.focus()
    page.keyboard.press("End")  # the largest learning rate, 10
    expect(page.locator(".widget-slider", has_text="learning rate").first).to_contain_text("10")
    press_and_measure(page, train, "Enter", trained_summary, "Training did not work",
                      widget="lesson07 Train button (lr 10)")
    expect(trained_summary).to_contain_text("With lr = 10")
    expect(trained_summary).to_contain_text("answer 0 to every training digit")
    expect(trained_summary).not_to_contain_text(re.compile(r"\btest\b", re.I))

    # --- drawing pad: cells by keyboard (focus + Enter), then Clear --------------------------------------
    pad_summary = summary(page, "Drawing pad:")
    expect(pad_summary).to_contain_text("The pad is empty")
    pad_picture = picture(page, "Figure. Chart titled 'most likely")
    drawn = np.zeros((8, 8))
    for n, (r, c) in enumerate(SEVEN):
        cell = page.locator(f'button[title^="row {r}, col {c}:"]')
        cell.scroll_into_view_if_needed()
        for level in (0.5, 1.0):  # two presses: grey, then white ink
            drawn[r, c] = level
            inked = int((drawn > 0).sum())
            if n < 4:  # the first cells: time the key to the new picture of the probabilities
                press_and_measure_picture(page, cell, "Enter", pad_picture, widget="lesson07 pad cell")
                expect(pad_summary).to_contain_text(f"{inked} of 64 cells inked")
            else:
                press_and_measure(page, cell, "Enter", pad_summary, f"{inked} of 64 cells inked",
                                  widget="lesson07 pad cell")
        expect(cell).to_have_attribute("title", f"row {r}, col {c}: 1")
    p = model.predict_proba(drawn[None, None])[0]
    expect(pad_summary).to_contain_text(f"most likely: {p.argmax()} ({100 * p.max():.0f}%)")
    expect(pad_picture).to_have_attribute("alt", re.compile(rf"most likely: {p.argmax()} \({100 * p.max():.0f}%\)"))
    clear = button(page, "Clear")
    press_and_measure(page, clear, "Enter", pad_summary, "The pad is empty", widget="lesson07 pad Clear")
    screenshot(page, "lesson07-pad")

    # --- upload: a PNG, the kernel dropdown, then a file that is not an image -----------------------------
    upload_summary = summary(page, "Image pipeline")
    expect(upload_summary).to_contain_text("the sample photo")
    rgb = np.random.default_rng(7).integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    content = png_bytes(rgb)
    (tmp_path / "mine.png").write_bytes(content)
    gray, _ = image_from_bytes(content)
    upload_button = button(page, "Upload PNG/JPEG (0)")

    def choose_file(path, button_locator, output, expected):
        # the upload widget's <input type=file> is not in the page; Enter on its button opens the chooser
        with page.expect_file_chooser() as chooser:
            button_locator.press("Enter")
        start = time.perf_counter()
        chooser.value.set_files(str(path))
        expect(output).to_contain_text(expected)
        harness.LATENCIES.append({"notebook": NOTEBOOK, "widget": "lesson07 upload", "key": "set_files",
                                  "ms": round((time.perf_counter() - start) * 1000, 1)})

    h, w = gray.shape
    choose_file(tmp_path / "mine.png", upload_button, upload_summary,
                f"for mine.png: 40x60 pixels (H x W), grayscale {h}x{w} → conv with 'vertical edge' {h - 2}x{w - 2}")
    expect(upload_summary).to_contain_text(f"max pool {(h - 2) // 2}x{(w - 2) // 2}")
    upload_picture = picture(page, "Image titled 'grayscale")
    expect(upload_picture).to_have_attribute("alt", re.compile(rf"'grayscale {h}x{w}'.*'vertical edge'"))
    kernel = combobox(page, "kernel")
    select_and_measure(kernel, "sobel x", upload_summary, "conv with 'sobel x'", "lesson07 upload kernel menu")
    expect(upload_picture).to_have_attribute("alt", re.compile(rf"'grayscale {h}x{w}'.*'sobel x'"))
    (tmp_path / "notes.txt").write_text("not a picture\n")
    error_text = page.locator(".widget-html-content", has_text="That setting does not work").first
    choose_file(tmp_path / "notes.txt", button(page, "Upload PNG/JPEG (1)"), error_text,
                "notes.txt is not an image that can be read; upload a PNG or JPEG file")
    expect(error_text).not_to_contain_text("Traceback")
    expect(upload_picture).to_be_hidden()  # the last picture belonged to the previous file

    screenshot(page, "lesson07")
    assert_no_errors(page, page_errors)
