"""Lesson 7's explorers driven headless: Train button, feature maps, drawing pad, upload."""

from __future__ import annotations

import datetime
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from cnnmath import (TinyCNN, accuracy, conv2d, fit, get_kernel, load_digits, load_photo,  # noqa: E402
                     max_pool2d, relu, rgb_to_gray)
from cnnmath.viz.widgets import (PAD_LEVELS, drawing_pad, feature_map_explorer,  # noqa: E402
                                 training_explorer, upload_explorer)
from cnnmath.viz.widgets import lesson07 as lesson07_widgets  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    """The notebook's data: training, validation and test digits."""
    return load_digits(seed=0, validation=0.15)


@pytest.fixture(scope="module")
def trained(data):
    X_train, y_train = data[0], data[1]
    model = TinyCNN(seed=0)
    fit(model, X_train, y_train)
    return model


def plain(html_text):
    return re.sub(r"<[^>]+>", "", html_text).replace("&rarr;", "->")


# ------------------------------------------------------------------------------------------ training

DEFAULT_LR = fit.__kwdefaults__["lr"]


@pytest.fixture()
def small(data):
    """Training and validation digits, as the notebook passes them (fewer, to keep the tests quick)."""
    X_train, y_train, X_val, y_val, _, _ = data
    return X_train[:400], y_train[:400], X_val[:100], y_val[:100]


def test_training_waits_for_the_button(small):
    ex = training_explorer(*small)
    assert "press Train" in plain(ex.summary.value)
    assert ex.state == {}
    ex.controls["epochs"].value = 2
    ex.controls["num_filters"].value = 4
    ex.controls["lr"].value = 0.1
    ex.controls["batch_size"].value = 64
    assert ex.state == {}  # moving controls trains nothing
    assert "press Train" in plain(ex.summary.value)


def test_controls_start_at_fits_defaults(small):
    """The defaults are read from fit, never typed in: the explorer starts with the run fit makes."""
    defaults = fit.__kwdefaults__
    ex = training_explorer(*small)
    assert ex.controls["lr"].value == defaults["lr"]
    assert ex.controls["epochs"].value == defaults["epochs"]
    assert ex.controls["batch_size"].value == defaults["batch_size"]
    assert lesson07_widgets.fit_defaults() == {k: defaults[k] for k in ("epochs", "lr", "batch_size")}


def test_re_tuned_defaults_are_followed(small, monkeypatch):
    """Should fit's defaults change to values the controls do not list, the controls gain them."""
    from cnnmath.train import fit as real_fit

    changed = dict(real_fit.__kwdefaults__, lr=0.25, epochs=40, batch_size=24)
    monkeypatch.setattr(real_fit, "__kwdefaults__", changed)
    ex = training_explorer(*small)
    assert ex.controls["lr"].value == 0.25
    assert ex.controls["epochs"].value == 40 and ex.controls["epochs"].max >= 40
    assert ex.controls["batch_size"].value == 24
    assert 0.25 in dict(ex.controls["lr"].options).values() and 10.0 in dict(ex.controls["lr"].options).values()


def test_train_button_reports_the_measured_validation_accuracy(small):
    X_train, y_train, X_val, y_val = small
    ex = training_explorer(*small)
    ex.controls["epochs"].value = 3
    ex.controls["num_filters"].value = 6
    ex.controls["batch_size"].value = 16
    ex.controls["train"].click()
    assert ex.last_error is None
    # the same run, made independently
    model = TinyCNN(seed=0, num_filters=6)
    history = fit(model, X_train, y_train, epochs=3, lr=DEFAULT_LR, batch_size=16, X_val=X_val, y_val=y_val)
    acc = accuracy(model, X_val, y_val)
    text = plain(ex.summary.value)
    assert (f"validation accuracy {100 * acc:.1f}% ({int(round(acc * 100))} of 100 validation digits) "
            f"after 3 epochs") in text
    assert f"training loss {history['loss'][0]:.3f} -> {history['loss'][-1]:.3f}" in text
    assert f"(lr {DEFAULT_LR:g}, 6 filters, batch size 16)" in text
    assert ex.state["val_accuracy"] == acc == history["val_acc"][-1]
    assert ex.state["settings"] == (DEFAULT_LR, 6, 3, 16)
    assert ex.state["model"].params["conv_w"].shape == (6, 1, 3, 3)
    np.testing.assert_array_equal(ex.state["model"].params["dense_w"], model.params["dense_w"])
    assert ex.controls["train"].disabled is False  # usable again after the run


def test_explorer_speaks_of_validation_accuracy_never_test_accuracy(small, monkeypatch):
    """Tuning happens here, so neither the summary nor the live plot may ever show a test accuracy."""
    from cnnmath.viz.plots import describe_figure

    shown = []  # (figure, its words) after each live update
    update = lesson07_widgets.update_training_curves_plot

    def recording_update(ax, *args, **kwargs):
        update(ax, *args, **kwargs)
        fig = ax.figure
        words = [a.get_ylabel() for a in fig.axes] + [a.get_title() for a in fig.axes] + \
            [line.get_label() for a in fig.axes for line in a.get_lines()] + \
            [t.get_text() for a in fig.axes for t in a.texts] + [describe_figure(fig)]
        shown.append((fig, words))
        return ax

    monkeypatch.setattr(lesson07_widgets, "update_training_curves_plot", recording_update)
    ex = training_explorer(*small)
    assert not re.search(r"\btest\b", plain(ex.summary.value), re.I)
    summaries = []
    for lr, epochs in ((DEFAULT_LR, 2), (10.0, 1), (0.001, 1)):  # a good run, a failed one, a slow one
        ex.controls["lr"].value = lr
        ex.controls["epochs"].value = epochs
        ex.controls["train"].click()
        assert ex.last_error is None
        summaries.append(plain(ex.summary.value))
    for text in summaries:
        assert "validation accuracy" in text
        assert not re.search(r"\btest\b", text, re.I), text
    assert "answer 0 to every training digit" in summaries[1]
    assert len(shown) == 2 + 1 + 1  # one live update per epoch
    assert len({id(fig) for fig, _ in shown}) == 1  # of one figure, made once
    for fig, words in shown:
        assert fig.axes[1].get_ylabel().startswith("validation accuracy")
        assert not any(re.search(r"\btest\b", w, re.I) for w in words), words


@pytest.mark.parametrize("epochs", [1, 2])
def test_too_large_learning_rate_gives_words_not_a_traceback(small, epochs):
    ex = training_explorer(*small)
    ex.controls["epochs"].value = epochs
    ex.controls["lr"].value = 10.0
    ex.controls["train"].click()
    text = plain(ex.summary.value)
    assert "Training did not work" in text
    assert "With lr = 10" in text and f"Try a smaller learning rate, such as fit's default {DEFAULT_LR:g}" in text
    assert "Traceback" not in text
    assert ex.state["val_accuracy"] < 0.5
    last = ex.state["history"]["loss"][-1]
    assert f"the last epoch's loss {last:.3f} is" in text and "the 2.303 of even guessing" in text
    assert f"after {epochs} epoch{'s' if epochs > 1 else ''} in" in text
    dead = ex.state["dead_filters"]
    assert f"{dead} of 16 filters answer 0 to every training digit" in text if dead else "dead" not in text


def test_diverging_loss_is_explained(small, monkeypatch):
    def diverging_fit(*args, **kwargs):
        raise FloatingPointError("the loss became nan at epoch 1: the learning rate lr=10.0 is too large; "
                                 "try a smaller one")

    monkeypatch.setattr(lesson07_widgets, "fit", diverging_fit)
    ex = training_explorer(*small)
    ex.controls["lr"].value = 10.0
    ex.controls["train"].click()
    text = plain(ex.summary.value)
    assert "Training failed: the loss became infinite or NaN." in text
    assert "lr=10.0 is too large" in text
    assert "Traceback" not in text
    assert ex.state["diverged"] is True and ex.state["model"] is None
    assert ex.last_error is None
    assert ex.controls["train"].disabled is False


def test_too_small_learning_rate_is_explained(small):
    ex = training_explorer(*small, live_plot=False)
    ex.controls["epochs"].value = 1
    ex.controls["lr"].value = 0.001
    ex.controls["num_filters"].value = 2
    ex.controls["train"].click()
    text = plain(ex.summary.value)
    assert ex.state["val_accuracy"] < 0.5  # one tiny step size, one epoch: barely better than guessing
    assert "Not learned yet" in text and "larger learning rate or more epochs" in text
    assert "Training did not work" not in text


def test_training_explorer_rejects_an_unknown_rate(small):
    bad = 0.123
    assert bad not in lesson07_widgets.LEARNING_RATES and bad != DEFAULT_LR
    with pytest.raises(ValueError, match="lr is 0.123"):
        training_explorer(*small, lr=bad)


# -------------------------------------------------------------------------------------- feature maps

def test_feature_maps_follow_the_slider(trained, data):
    X_test, y_test = data[4], data[5]
    ex = feature_map_explorer(trained, X_test, y_test)
    stages = trained.forward(X_test)
    preds = trained.predict(X_test)
    for i in (0, 17, len(X_test) - 1):
        ex.controls["index"].value = i
        assert ex.last_error is None
        p = stages["probs"][i]
        assert ex.state["pred"] == preds[i]
        assert ex.state["label"] == y_test[i]
        np.testing.assert_array_equal(ex.state["maps"], stages["relu"][i])
        text = plain(ex.summary.value)
        assert f"Test digit #{i}: true label {y_test[i]}; the network says {preds[i]} ({100 * p.max():.1f}%)" in text
        active = int((stages["relu"][i].reshape(16, -1).max(axis=1) > 0).sum())
        assert f"{active} of 16 maps have a positive value" in text
    ex.controls["index"].value = 10 ** 6  # the slider clamps to the last digit
    assert ex.state["index"] == len(X_test) - 1
    ex.controls["stage"].value = "pool"
    np.testing.assert_array_equal(ex.state["maps"], stages["pool"][len(X_test) - 1])
    assert "max pool stage" in plain(ex.summary.value)
    ex.controls["stage"].value = "conv"
    assert ex.state["maps"].shape == (16, 8, 8)
    assert "conv (I*K + b) stage" in plain(ex.summary.value)


def test_feature_maps_of_a_two_block_network(data):
    """Any Sequential works: the menu lists every stage that makes maps, both blocks' included."""
    X_test, y_test = data[4][:12], data[5][:12]
    model = TinyCNN(seed=1, blocks=2, hidden=16)
    ex = feature_map_explorer(model, X_test, y_test)
    stages = model.forward(X_test)
    assert [v for _, v in ex.controls["stage"].options] == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"]
    assert ex.controls["stage"].value == "relu1"
    ex.controls["stage"].value = "pool2"
    assert ex.last_error is None
    np.testing.assert_array_equal(ex.state["maps"], stages["pool2"][0])
    assert ex.state["maps"].shape == (32, 2, 2)
    assert "pool2 (max pool) stage" in plain(ex.summary.value)


# --------------------------------------------------------------------------------------- drawing pad

def expected_summary(model, image):
    probs = model.predict_proba(image[None, None])[0]
    best = int(probs.argmax())
    return probs, f"most likely: {best} ({100 * probs[best]:.0f}%)"


def test_pad_cells_cycle_and_probabilities_follow(trained):
    pad = drawing_pad(trained)
    assert len(pad.cells) == 8 and all(len(row) == 8 for row in pad.cells)
    assert pad.cells[3][5].tooltip == "row 3, col 5: 0"
    assert "The pad is empty" in plain(pad.summary.value)
    assert "0 of 64 cells inked" in plain(pad.summary.value)
    cell = pad.cells[3][5]
    for level in PAD_LEVELS[1:] + PAD_LEVELS[:1]:
        cell.click()
        assert pad.image[3, 5] == level
        assert cell.tooltip == f"row 3, col 5: {level:g}"
    cell.click()
    cell.click()
    assert pad.image[3, 5] == 1.0
    assert cell.style.button_color == "#ffffff"
    probs, expected = expected_summary(trained, pad.image)
    np.testing.assert_allclose(pad.state["probs"], probs)
    assert expected in plain(pad.summary.value)
    assert "1 of 64 cells inked" in plain(pad.summary.value)
    assert "The pad is empty" not in plain(pad.summary.value)


def test_pad_draws_a_seven_and_clear_empties_it(trained):
    pad = drawing_pad(trained)
    seven = [(1, c) for c in range(1, 7)] + [(2, 6), (3, 5), (4, 4), (5, 4), (6, 3)]
    for r, c in seven:
        pad.cells[r][c].click()
        pad.cells[r][c].click()  # two clicks: full ink
    image = np.zeros((8, 8))
    for r, c in seven:
        image[r, c] = 1.0
    np.testing.assert_array_equal(pad.image, image)
    np.testing.assert_array_equal(pad.state["image"], image)
    probs, expected = expected_summary(trained, image)
    assert expected in plain(pad.summary.value)
    assert pad.state["prediction"] == int(probs.argmax())
    pad.controls["clear"].click()
    assert not pad.image.any()
    assert all(cell.style.button_color == "#000000" for row in pad.cells for cell in row)
    assert pad.cells[1][1].tooltip == "row 1, col 1: 0"
    assert "0 of 64 cells inked" in plain(pad.summary.value)


def test_pad_copies_a_test_digit(trained, data):
    X_test = data[4]
    pad = drawing_pad(trained, examples=X_test)
    pad.controls["example"].value = 5
    pad.controls["copy"].click()
    levels = np.array(PAD_LEVELS)
    want = levels[np.abs(X_test[5, 0][..., None] - levels).argmin(axis=-1)]
    np.testing.assert_array_equal(pad.image, want)
    _, expected = expected_summary(trained, want)
    assert expected in plain(pad.summary.value)


# -------------------------------------------------------------------------------------------- upload

def upload_value(name, content, kind="image/png"):
    """A FileUpload value in the form ipywidgets 8 gives it."""
    return [{"name": name, "type": kind, "size": len(content), "content": memoryview(content),
             "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)}]


def image_bytes(array, fmt="PNG", mode=None):
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, fmt)
    return buf.getvalue()


def test_upload_starts_with_the_sample_photo():
    ex = upload_explorer()
    photo = load_photo()
    assert ex.last_error is None
    gray = ex.state["gray"]
    assert max(gray.shape) <= 256
    np.testing.assert_array_equal(ex.state["conv"], conv2d(gray, get_kernel("vertical edge")))
    text = plain(ex.summary.value)
    assert f"the sample photo (upload your own above): {photo.shape[0]}x{photo.shape[1]} pixels" in text
    h, w = gray.shape
    assert f"max pool {(h - 2) // 2}x{(w - 2) // 2}" in text


def test_upload_png_through_conv_relu_pool():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    ex = upload_explorer()
    ex.controls["upload"].value = upload_value("noise.png", image_bytes(rgb))
    assert ex.last_error is None
    gray = rgb_to_gray(rgb)
    np.testing.assert_allclose(ex.state["gray"], gray)
    k = get_kernel("vertical edge")
    np.testing.assert_allclose(ex.state["conv"], conv2d(gray, k))
    np.testing.assert_allclose(ex.state["relu"], relu(conv2d(gray, k)))
    np.testing.assert_allclose(ex.state["pool"], max_pool2d(relu(conv2d(gray, k))))
    text = plain(ex.summary.value)
    assert "for noise.png: 20x30 pixels (H x W), grayscale 20x30 -> conv with 'vertical edge' 18x28" in text
    assert text.rstrip().endswith("max pool 9x14.")
    zeros = float((relu(conv2d(gray, k)) == 0).mean())
    assert f"ReLU sets {100 * zeros:.0f}% of the values to 0" in text
    ex.controls["kernel"].value = "sobel y"
    np.testing.assert_allclose(ex.state["conv"], conv2d(gray, get_kernel("sobel y")))
    assert "conv with 'sobel y'" in plain(ex.summary.value)


def test_upload_jpeg_is_shrunk():
    big = np.full((600, 300, 3), 200, dtype=np.uint8)
    ex = upload_explorer()
    ex.controls["upload"].value = upload_value("big.jpg", image_bytes(big, "JPEG"), "image/jpeg")
    assert ex.state["gray"].shape == (256, 128)
    assert "600x300 pixels (H x W), grayscale 256x128" in plain(ex.summary.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"these are my notes, not a picture\n", "notes.txt is not an image that can be read"),
        ("empty.png", b"", "empty.png is empty (0 bytes)"),
        ("cut.png", None, "cut.png looks like an image but is damaged"),
    ],
    ids=["text", "empty", "truncated"],
)
def test_upload_of_a_non_image_gives_a_message(name, content, expected):
    if content is None:
        content = image_bytes(np.zeros((64, 64, 3), dtype=np.uint8) + 7)[:60]
    ex = upload_explorer()
    ex.controls["upload"].value = upload_value(name, content, "text/plain")
    text = plain(ex.summary.value)
    assert expected in text
    assert "Traceback" not in ex.summary.value
    assert isinstance(ex.last_error, ValueError)
    # a good file afterwards works again
    ex.controls["upload"].value = upload_value("ok.png", image_bytes(np.zeros((8, 9, 3), dtype=np.uint8)))
    assert ex.last_error is None
    assert ex.state["gray"].shape == (8, 9)


def test_upload_names_are_escaped():
    ex = upload_explorer()
    ex.controls["upload"].value = upload_value("<b>x</b>.png", image_bytes(np.zeros((5, 5, 3), np.uint8)))
    assert "&lt;b&gt;x&lt;/b&gt;.png" in ex.summary.value


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_typed_values_never_give_a_traceback(trained, data, small):
    from tests.test_checks_typed_inputs import drive_typed_values
    X_test, y_test = data[4][:10], data[5][:10]
    drive_typed_values(feature_map_explorer(trained, X_test, y_test))
    drive_typed_values(drawing_pad(trained))
    drive_typed_values(training_explorer(*small))


# --- one figure, one picture per change, computed once --------------------------------------------

from cnnmath.viz.plots import DETAIL_DPI, describe_figure, digit_maps_plot, figure_png  # noqa: E402
from tests.helpers import check_error_hides_picture, current_picture, watch_pictures  # noqa: E402


def _one_picture_per_change(ex, changes):
    assert ex.output is None and ex.figure is not None
    first = current_picture(ex)
    assert first is not None and first[0].startswith(b"\x89PNG") and first[1]
    fig, seen = ex.figure, watch_pictures(ex)
    for k, change in enumerate(changes, start=1):
        change()
        assert ex.last_error is None
        assert len(seen) == k, f"change {k} sent {len(seen) - k + 1} pictures"
        assert seen[-1] == current_picture(ex)
        assert ex.figure is fig                        # the same figure, updated in place
    assert seen[-1][1] == describe_figure(fig)         # the alt text describes the picture sent
    assert not plt.get_fignums(), "the explorer's figure must not be left to pyplot"


def test_feature_maps_send_one_picture_per_change(trained, data):
    ex = feature_map_explorer(trained, data[4][:20], data[5][:20])
    _one_picture_per_change(ex, [lambda: setattr(ex.controls["index"], "value", 5),
                                 lambda: setattr(ex.controls["stage"], "value", "conv"),
                                 lambda: setattr(ex.controls["index"], "value", 19),
                                 lambda: setattr(ex.controls["stage"], "value", "pool")])


def test_feature_maps_picture_is_the_plot_of_the_chosen_digit(trained, data):
    X, y = data[4][:20], data[5][:20]
    ex = feature_map_explorer(trained, X, y)
    ex.controls["index"].value = 7
    ex.controls["stage"].value = "pool"
    st = trained.forward(X)
    fresh = digit_maps_plot(X[7, 0], st["pool"][7], st["probs"][7], label=int(y[7]),
                            title=f"test digit #7 (label {y[7]})", maps_title="max pool: 16 maps 4x4")
    assert current_picture(ex) == (figure_png(fresh, dpi=DETAIL_DPI), describe_figure(fresh))
    plt.close(fresh)


def test_feature_maps_redraw_runs_no_forward_pass(trained, data, monkeypatch):
    """Every digit goes through the network once, when the explorer is made; a redraw only picks arrays."""
    calls = []
    ex = feature_map_explorer(trained, data[4][:20], data[5][:20])
    monkeypatch.setattr(trained, "forward", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(lesson07_widgets, "map_peaks", lambda *a, **k: calls.append(1))
    for i in (3, 4, 5):
        ex.controls["index"].value = i
        assert ex.last_error is None
    assert calls == []


def test_drawing_pad_sends_one_picture_per_click_and_asks_the_model_once(trained, data, monkeypatch):
    pad = drawing_pad(trained, examples=data[4][:10])
    calls = []
    predict = trained.predict_proba

    def counted(x):
        calls.append(x.copy())
        return predict(x)
    monkeypatch.setattr(trained, "predict_proba", counted)
    _one_picture_per_change(pad, [pad.cells[2][3].click, pad.cells[2][3].click, pad.controls["clear"].click,
                                  pad.controls["copy"].click])
    assert len(calls) == 4                              # one forward pass per click, for the summary and the bars
    np.testing.assert_array_equal(calls[-1][0, 0], pad.image)
    assert pad.state["prediction"] == int(predict(pad.image[None, None])[0].argmax())


def test_upload_sends_one_picture_per_change_and_convolves_once(monkeypatch):
    ex = upload_explorer()
    calls = []
    real = lesson07_widgets.conv2d
    monkeypatch.setattr(lesson07_widgets, "conv2d", lambda *a, **k: calls.append(1) or real(*a, **k))
    decodes = []
    decode = lesson07_widgets.image_from_bytes
    monkeypatch.setattr(lesson07_widgets, "image_from_bytes", lambda *a, **k: decodes.append(1) or decode(*a, **k))
    rgb = np.random.default_rng(1).integers(0, 256, size=(30, 20, 3), dtype=np.uint8)
    _one_picture_per_change(ex, [lambda: setattr(ex.controls["kernel"], "value", "sobel x"),
                                 lambda: setattr(ex.controls["upload"], "value",
                                                 upload_value("noise.png", image_bytes(rgb))),
                                 lambda: setattr(ex.controls["kernel"], "value", "box blur")])
    assert len(calls) == 3                              # one convolution per redraw
    assert len(decodes) == 1                            # the file is read once, not again for a new kernel
    np.testing.assert_allclose(ex.state["conv"], conv2d(rgb_to_gray(rgb), get_kernel("box blur")))


def test_sample_photo_is_every_third_pixel():
    ex = upload_explorer()
    np.testing.assert_array_equal(ex.state["gray"], load_photo()[::3, ::3])


def test_upload_of_a_bad_file_hides_the_picture_until_a_good_one():
    ex = upload_explorer()
    seen = watch_pictures(ex)
    ex.controls["upload"].value = upload_value("notes.txt", b"not a picture", "text/plain")
    assert current_picture(ex) is None and seen == []
    assert "does not work" in ex.summary.value and "notes.txt is not an image" in ex.summary.value
    ex.controls["upload"].value = upload_value("ok.png", image_bytes(np.zeros((8, 9, 3), dtype=np.uint8)))
    assert current_picture(ex) is not None and len(seen) == 1 and ex.last_error is None


@pytest.mark.parametrize("which", ["feature_maps", "pad"])
def test_an_error_hides_the_picture_and_a_good_setting_shows_it_again(trained, data, monkeypatch, which):
    if which == "feature_maps":
        ex = feature_map_explorer(trained, data[4][:20], data[5][:20])
        name, change = "update_digit_maps_plot", lambda: setattr(ex.controls["index"], "value",
                                                                 ex.controls["index"].value + 1)
    else:
        ex = drawing_pad(trained)
        name, change = "update_probability_plot", ex.cells[0][0].click
    check_error_hides_picture(ex, monkeypatch, lesson07_widgets, name, change=change)


def test_feature_maps_start_index_is_clamped_like_the_slider(trained, data):
    X, y = data[4][:12], data[5][:12]
    assert feature_map_explorer(trained, X, y, index=99).state["index"] == 11
    assert feature_map_explorer(trained, X, y, index=-4).state["index"] == 0
