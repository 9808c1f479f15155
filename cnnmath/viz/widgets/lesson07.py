"""Explorers for lesson 7, the whole pipeline (``07_full_pipeline.ipynb``).

- :func:`training_explorer`: learning rate, filters, epochs and batch size (starting at ``fit``'s defaults),
  and a Train button that trains a fresh ``TinyCNN`` with a progress bar and a live plot of the training
  loss and the validation accuracy (through ``fit``'s callback); it never shows test accuracy.
- :func:`feature_map_explorer`: a test digit chosen by a slider, its feature maps and probabilities.
- :func:`drawing_pad`: an 8x8 grid of buttons to draw a digit, and the network's probabilities for it.
- :func:`upload_explorer`: the student's own PNG/JPEG through conv, ReLU and max pool (lessons 2-4).

Each returns an :class:`~cnnmath.viz.widgets.common.Explorer` and never displays itself.
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from cnnmath import (KERNEL_NAMES, UPLOAD_MAX_SIDE, TinyCNN, accuracy, conv2d, dead_filters, fit, get_kernel,
                     image_from_bytes, map_peaks, max_pool2d, nearest_levels, relu, sample_photo,
                     softmax_cross_entropy)
from cnnmath.train import fit as _fit_reference  # fit itself, for its defaults (tests may swap ``fit`` above)

from ..plots.lesson07 import (digit_maps_plot, image_stages_plot, probability_plot, training_curves_plot,
                              update_digit_maps_plot, update_image_stages_plot, update_probability_plot,
                              update_training_curves_plot)
from ..plots.common import DETAIL_DPI
from .common import LABEL_STYLE, Picture, make_explorer, send_figure

__all__ = ["training_explorer", "fit_defaults", "feature_map_explorer", "drawing_pad", "upload_explorer",
           "LEARNING_RATES", "PAD_LEVELS"]

#: The learning rates the training explorer offers, from far too small to far too large (fit's default is
#: added to them when it is not among them).
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: Intensities a drawing-pad cell cycles through on each click (0 background, 1 full ink, as in the digits).
PAD_LEVELS = (0.0, 0.5, 1.0)


def _pct(p):
    return f"{100 * p:.1f}%"


# ----------------------------------------------------------------------------------------------- training

def fit_defaults():
    """``fit``'s current default ``epochs``, ``lr`` and ``batch_size`` (lesson 7).

    Read from :func:`cnnmath.fit` itself every time, never copied: the defaults may be re-tuned, and the
    explorer must start where ``fit`` does.
    """
    defaults = _fit_reference.__kwdefaults__
    return {key: defaults[key] for key in ("epochs", "lr", "batch_size")}


def _diagnosis(history, lr, acc, dead, num_filters, default_lr, num_classes=10):
    """Plain words for what went wrong (or right), from the numbers of the run: ``acc`` is the validation
    accuracy, ``dead`` the filters whose ReLU output is 0 on every training digit."""
    loss = history["loss"]
    guess = softmax_cross_entropy(np.zeros((1, num_classes)), [0])[0]  # the loss of equal probabilities: log K
    notes = []
    if acc < 0.5:
        if lr > default_lr and loss[-1] > 0.5 * guess:
            where = "above" if loss[-1] > guess else "hardly below"
            notes.append(f"<b>Training did not work:</b> {_pct(acc)} validation accuracy (guessing among "
                         f"{num_classes} digits gives {_pct(1 / num_classes)}), and the last epoch's loss "
                         f"{loss[-1]:.3f} is {where} the {guess:.3f} of even guessing. With lr = {lr:g} every "
                         f"step is so large that the weights jump past the valley of the loss instead of "
                         f"walking down into it. Try a smaller learning rate, such as fit's default "
                         f"{default_lr:g}.")
        else:
            advice = ("The steps are too small or too few: try a larger learning rate or more epochs."
                      if lr < default_lr else "Try more epochs or more filters.")
            notes.append(f"<b>Not learned yet:</b> {_pct(acc)} validation accuracy; the loss fell only from "
                         f"{loss[0]:.3f} to {loss[-1]:.3f}. {advice}")
    if dead:
        notes.append(f"{dead} of {num_filters} filters answer 0 to every training digit (dead ReLUs: their "
                     f"gradient is 0 on every batch, so they cannot learn any more; lesson 3).")
    if acc >= 0.97:
        notes.append("That reaches the course's goal of 97%, on the validation digits.")
    return " ".join(notes)


def training_explorer(X_train, y_train, X_val, y_val, *, lr=None, num_filters=16, epochs=None, batch_size=None,
                      seed=0, live_plot=True):
    """Train a fresh TinyCNN when the Train button is pressed, with a progress bar and a live plot (lesson 7).

    This is where settings are tuned, so it measures the **validation** digits only: its plot and summary
    give validation accuracy, never test accuracy (the test set is read once, at the end of the lesson's
    training). Nothing is trained until the button is pressed. Each run is ``fit``'s plain mini-batch
    gradient descent with the chosen settings. The last trained model and its history are kept in
    ``explorer.state`` (``model``, ``history``, ``val_accuracy``, ``seconds``, ``dead_filters``,
    ``diverged``, ``settings``).

    Parameters
    ----------
    X_train, y_train : the training digits, as returned by ``load_digits(validation=...)``
    X_val, y_val : the validation digits (not the test digits)
    lr, epochs, batch_size : the starting values of the controls; None (the default) takes ``fit``'s own
        defaults (:func:`fit_defaults`), so the explorer starts with the run ``fit`` makes
    num_filters : int
        Starting number of filters (TinyCNN's 16).
    seed : int
        Seed of the weights and of the shuffling, so one setting always gives the same run.
    live_plot : bool
        Redraw the loss/accuracy plot after every epoch (False: only at the end).
    """
    from tqdm.auto import tqdm

    defaults = fit_defaults()
    lr = defaults["lr"] if lr is None else lr
    epochs = defaults["epochs"] if epochs is None else epochs
    batch_size = defaults["batch_size"] if batch_size is None else batch_size
    rates = sorted(set(LEARNING_RATES) | {defaults["lr"]})
    if lr not in rates:
        raise ValueError(f"lr is {lr!r} but needs one of {tuple(rates)}")
    controls = {
        "lr": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in rates], value=lr,
                                      description="learning rate", continuous_update=False,
                                      style=LABEL_STYLE),
        "num_filters": widgets.IntSlider(value=num_filters, min=1, max=32, description="filters F",
                                         continuous_update=False),
        "epochs": widgets.IntSlider(value=epochs, min=1, max=max(30, epochs), description="epochs",
                                    continuous_update=False),
        "batch_size": widgets.Dropdown(options=sorted({8, 16, 32, 64, 128, 256, batch_size}), value=batch_size,
                                       description="batch size"),
        # no icon: Font Awesome's glyph would become part of the button's accessible name
        "train": widgets.Button(description="Train", button_style="primary",
                                tooltip="train a new network with these settings"),
    }
    pending = {"train": False}
    curves = []

    def draw(values, explorer):
        if not pending["train"]:
            return ("<p><b>Training explorer:</b> choose the settings, then press <b>Train</b> "
                    "(nothing has been trained here yet). The controls start at fit's defaults; each run is "
                    "measured on the validation digits.</p>", explorer.state if explorer else {})
        pending["train"] = False
        lr_, f, n_epochs, bs = values["lr"], values["num_filters"], values["epochs"], values["batch_size"]
        model = TinyCNN(seed=seed, num_filters=f)
        live = Picture()  # the curves, one PNG replaced after every epoch (the shared way to show a figure)
        bar = tqdm(total=n_epochs, desc="training", unit="epoch")
        display(live)
        if not curves:  # one figure for every run, updated in place after each epoch
            curves.append(training_curves_plot({"loss": [], "val_acc": []}, epochs=n_epochs, figsize=(5.5, 2.6)))
            plt.close(curves[0])  # kept here, never shown by pyplot

        def show(history):
            update_training_curves_plot(curves[0].axes[0], history, epochs=n_epochs)
            send_figure(live, curves[0])

        def on_epoch(info):
            bar.update(1)
            bar.set_postfix(loss=f"{info['loss']:.3f}", val_acc=f"{info['val_acc']:.3f}")
            if live_plot:
                show(info["history"])

        start = time.perf_counter()
        try:
            history = fit(model, X_train, y_train, epochs=n_epochs, lr=lr_, batch_size=bs, seed=seed,
                          callback=on_epoch, X_val=X_val, y_val=y_val)
        except FloatingPointError as err:
            state = {"model": None, "history": None, "val_accuracy": None, "diverged": True,
                     "settings": (lr_, f, n_epochs, bs)}
            return (f"<p style='color:#b00020'><b>Training failed: the loss became infinite or NaN.</b> "
                    f"{html.escape(str(err))}. Large steps overshoot more and more until the numbers "
                    f"overflow.</p>", state)
        finally:
            bar.close()
        seconds = time.perf_counter() - start
        if not live_plot:
            show(history)
        acc = accuracy(model, X_val, y_val)
        loss = history["loss"]
        right = int(round(acc * len(y_val)))
        dead = dead_filters(model, X_train)  # dead on the digits the gradient comes from
        text = (f"<p><b>Trained:</b> validation accuracy <b>{_pct(acc)}</b> ({right} of {len(y_val)} "
                f"validation digits) after {len(loss)} epoch{'' if len(loss) == 1 else 's'} in {seconds:.1f} s; "
                "training loss "
                + (f"{loss[0]:.3f} &rarr; {loss[-1]:.3f}. " if len(loss) > 1 else f"{loss[0]:.3f}. ") +
                f"(lr {lr_:g}, {f} filters, batch size {bs})</p>"
                f"<p>{_diagnosis(history, lr_, acc, dead, f, defaults['lr'])}</p>")
        state = {"model": model, "history": history, "val_accuracy": acc, "seconds": seconds,
                 "dead_filters": dead, "diverged": False, "settings": (lr_, f, n_epochs, bs)}
        return text, state

    explorer = make_explorer(controls, draw, observe=False)

    def on_train(_):
        pending["train"] = True
        controls["train"].disabled = True  # one run at a time
        try:
            explorer.refresh()
        finally:
            controls["train"].disabled = False

    controls["train"].on_click(on_train)
    return explorer


# ------------------------------------------------------------------------------------------ feature maps

def feature_map_explorer(model, X, y, *, index=0, stage="relu"):
    """Pick a test digit with a slider; see its feature maps at one stage and the probabilities (lesson 7).

    Parameters
    ----------
    model : TinyCNN or any cnnmath.Sequential
        Every stage whose output is a stack of maps (N, C, H, W) can be picked: for TinyCNN() ``conv``,
        ``relu`` and ``pool``; for ``TinyCNN(blocks=2)`` ``conv1`` ... ``pool2``.
    X : ndarray, shape (N, 1, 8, 8)
    y : ndarray of int, shape (N,)
    index : int
        The digit shown first.
    stage : str
        The stage shown first, by name (the first ReLU of maps when it is not one of the model's stages).
    """
    X, y = np.asarray(X), np.asarray(y)
    index = min(max(int(index), 0), len(X) - 1)  # the slider's own clamping
    stages = model.forward(X)  # once for all digits (fast), so moving the slider only draws
    kinds = {"conv": "I*K + b", "relu": "ReLU", "pool": "max pool"}
    names = {}
    for name in getattr(model, "names", ("conv", "relu", "pool")):
        if name in stages and np.ndim(stages[name]) == 4:
            kind = name.rstrip("0123456789")
            names[f"{name} ({kinds.get(kind, kind)})" if name != kind else
                  {"conv": "conv (I*K + b)", "relu": "ReLU", "pool": "max pool"}.get(name, name)] = name
    if stage not in names.values():
        stage = next((v for v in names.values() if v.startswith("relu")), next(iter(names.values())))
    controls = {
        "index": widgets.IntSlider(value=index, min=0, max=len(X) - 1, description="test digit",
                                   continuous_update=False),
        "stage": widgets.Dropdown(options=list(names.items()), value=stage, description="stage"),
    }
    labels = {v: k for k, v in names.items()}
    peaks = {key: map_peaks(stages[key]) for key in names.values()}  # (N, F) per stage, once for all digits
    preds = np.argmax(stages["probs"], axis=1)

    def maps_title(key, maps):
        return f"{labels[key]}: {maps.shape[0]} maps {maps.shape[1]}x{maps.shape[2]}"

    first = stages[stage][index]
    fig = digit_maps_plot(X[index, 0], first, stages["probs"][index], label=int(y[index]),
                          maps_title=maps_title(stage, first))

    def draw(values, explorer):
        i, key = int(values["index"]), values["stage"]
        if not 0 <= i < len(X):
            raise ValueError(f"test digit is {i} but needs 0 .. {len(X) - 1}")
        maps, probs, peak, pred = stages[key][i], stages["probs"][i], peaks[key][i], int(preds[i])
        update_digit_maps_plot(fig, X[i, 0], maps, probs, label=int(y[i]),
                               title=f"test digit #{i} (label {y[i]})", maps_title=maps_title(key, maps))
        active = int((peak > 0).sum())
        verdict = "right" if pred == y[i] else "wrong"
        text = (f"<p><b>Test digit #{i}</b>: true label {y[i]}; the network says <b>{pred}</b> "
                f"({_pct(probs[pred])}), {verdict}. At the {labels[key]} stage, {active} of {len(maps)} maps have a "
                f"positive value; the strongest answer is {peak.max():.2f} in f{int(peak.argmax())}.</p>")
        return text, {"index": i, "label": int(y[i]), "pred": pred, "prob": float(probs[pred]),
                      "maps": maps, "active": active}

    return make_explorer(controls, draw, figure=fig, dpi=DETAIL_DPI)


# ------------------------------------------------------------------------------------------- drawing pad

def _cell_style(button, level):
    """Grey shade of a pad cell: black background (0) to white ink (1), like the digits' pictures."""
    shade = int(round(255 * level))
    button.style.button_color = f"#{shade:02x}{shade:02x}{shade:02x}"


def drawing_pad(model, *, examples=None, size=8, levels=PAD_LEVELS, cell_px=32):
    """Draw a digit on an 8x8 grid of buttons; the network's probabilities follow every click (lesson 7).

    Each click moves a cell to the next intensity of ``levels`` (black 0 -> grey 0.5 -> white 1 -> black),
    white being ink as in the digits' pictures. Each cell's tooltip (its accessible name) says its row,
    column and value, e.g. "row 3, col 5: 0.5".

    Parameters
    ----------
    model : TinyCNN (or any model with ``predict_proba`` on (N, 1, size, size))
    examples : ndarray, shape (N, 1, size, size), optional
        Test digits that the "Copy" button can put on the pad (rounded to the nearest level).
    size : int
        Cells per side (8 for the digits).
    levels : sequence of float
        The intensities a cell cycles through; the first is the background.

    Attributes (on the returned explorer)
    ------------------------------------
    cells : list of lists of ipywidgets.Button, ``cells[row][col]``
    image : ndarray (size, size), the drawing
    """
    levels = tuple(float(v) for v in levels)
    pad = np.full((size, size), levels[0])
    cells = [[widgets.Button(description="", tooltip=f"row {r}, col {c}: {levels[0]:g}",
                             layout=widgets.Layout(width=f"{cell_px}px", height=f"{cell_px}px", padding="0",
                                                   border="1px solid #888888"))
              for c in range(size)] for r in range(size)]
    controls = {"clear": widgets.Button(description="Clear", tooltip="clear the pad")}
    if examples is not None:
        examples = np.asarray(examples)
        controls["example"] = widgets.BoundedIntText(value=0, min=0, max=len(examples) - 1,
                                                     description="test digit")
        controls["copy"] = widgets.Button(description="Copy to pad",
                                          tooltip="put this test digit on the pad")

    fig = probability_plot(model.predict_proba(pad[None, None])[0], figsize=(4.2, 2.4))
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.2, top=0.88)

    def draw(values, explorer):
        probs = model.predict_proba(pad[None, None])[0]
        order = np.argsort(probs)[::-1]
        best, second = int(order[0]), int(order[1])
        update_probability_plot(fig.axes[0], probs)
        inked = int((pad > levels[0]).sum())
        empty = "The pad is empty (click cells to draw); " if inked == 0 else ""
        text = (f"<p><b>Drawing pad:</b> {empty}most likely: <b>{best}</b> ({100 * probs[best]:.0f}%); "
                f"next: {second} ({100 * probs[second]:.0f}%). {inked} of {size * size} cells inked.</p>")
        return text, {"image": pad.copy(), "probs": probs, "prediction": best, "inked": inked}

    explorer = make_explorer(controls, draw, figure=fig, observe=False, dpi=DETAIL_DPI)

    def set_cell(r, c, value):
        pad[r, c] = value
        _cell_style(cells[r][c], value)
        cells[r][c].tooltip = f"row {r}, col {c}: {value:g}"

    def on_cell(r, c):
        def handler(_):
            nxt = levels[(levels.index(pad[r, c]) + 1) % len(levels)] if pad[r, c] in levels else levels[0]
            set_cell(r, c, nxt)
            explorer.refresh()
        return handler

    def on_clear(_):
        for r in range(size):
            for c in range(size):
                set_cell(r, c, levels[0])
        explorer.refresh()

    def on_copy(_):
        digit = nearest_levels(examples[controls["example"].value].reshape(size, size), levels)
        for r in range(size):
            for c in range(size):
                set_cell(r, c, float(digit[r, c]))
        explorer.refresh()

    for r in range(size):
        for c in range(size):
            _cell_style(cells[r][c], levels[0])
            cells[r][c].on_click(on_cell(r, c))
    controls["clear"].on_click(on_clear)
    if examples is not None:
        controls["copy"].on_click(on_copy)

    # Row and column numbers around the grid, as on the matrices of the lessons.
    head = [widgets.Label("")] + [widgets.Label(str(c), layout=widgets.Layout(width=f"{cell_px}px"))
                                  for c in range(size)]
    body = []
    for r in range(size):
        body += [widgets.Label(str(r))] + cells[r]
    grid = widgets.GridBox(head + body, layout=widgets.Layout(
        grid_template_columns=f"20px repeat({size}, {cell_px}px)", grid_gap="2px", width="fit-content"))
    caption = widgets.HTML("<small>Click a cell to cycle it: black 0 &rarr; grey 0.5 &rarr; white 1 "
                           "(white is ink, as in the digits).</small>")
    explorer.children = (widgets.HBox([widgets.VBox([grid, caption]), widgets.VBox(list(explorer.children))]),)
    explorer.cells = cells
    explorer.image = pad
    return explorer


# ---------------------------------------------------------------------------------------- bring your own

def _uploaded(value):
    """The last uploaded file of a FileUpload value (ipywidgets 8: a tuple of dicts), or None."""
    if not value:
        return None
    item = value[-1] if isinstance(value, (list, tuple)) else value
    if not isinstance(item, dict) or "content" not in item:
        raise TypeError("the upload's value is not in the form of ipywidgets 8 (a list of dicts with "
                        "'name' and 'content')")
    return item


def upload_explorer(*, kernel="vertical edge", max_side=UPLOAD_MAX_SIDE):
    """Your own image through conv, ReLU and max pool, with a preset kernel (lessons 2-4, 7).

    Until a file is uploaded it shows the course's sample photo. A file that is not an image gives a
    message in words, not a traceback.

    Parameters
    ----------
    kernel : str
        The starting preset, one of :data:`cnnmath.KERNEL_NAMES`.
    max_side : int
        Longer side, in pixels, that images are shrunk to.
    """
    controls = {
        "upload": widgets.FileUpload(accept="image/png,image/jpeg,.png,.jpg,.jpeg", multiple=False,
                                     description="Upload PNG/JPEG", icon="",  # no glyph in its name
                                     layout=widgets.Layout(width="auto")),
        "kernel": widgets.Dropdown(options=list(KERNEL_NAMES), value=kernel, description="kernel"),
    }
    decoded = {}  # the last upload, decoded once: changing the kernel does not read the file again

    def picture_of(item):
        if item is None:
            gray, size = sample_photo(max_side)
            return gray, size, "the sample photo (upload your own above)"
        name = str(item.get("name", "the file"))
        key = (name, len(item["content"]), item.get("last_modified"))
        if decoded.get("key") != key:
            decoded.clear()
            decoded["image"] = image_from_bytes(item["content"], name, max_side)
            decoded["key"] = key
        return (*decoded["image"], html.escape(name))

    def stages(gray, kernel_name):
        k = get_kernel(kernel_name)
        conv = conv2d(gray, k)
        act = relu(conv)
        return k, conv, act, max_pool2d(act)

    gray0, _, _ = picture_of(None)
    fig = image_stages_plot(gray0, *stages(gray0, kernel)[1:], kernel=get_kernel(kernel), kernel_name=kernel,
                            figsize=(11, 2.8))

    def draw(values, explorer):
        gray, size, name = picture_of(_uploaded(values["upload"]))
        k, conv, act, pool = stages(gray, values["kernel"])
        update_image_stages_plot(fig, gray, conv, act, pool, kernel=k, kernel_name=values["kernel"])
        zeros = float((act == 0).mean())
        text = (f"<p><b>Image pipeline</b> for {name}: {size[0]}x{size[1]} pixels (H x W), grayscale "
                f"{gray.shape[0]}x{gray.shape[1]} &rarr; conv with '{values['kernel']}' "
                f"{conv.shape[0]}x{conv.shape[1]} (values {conv.min():.0f} to {conv.max():.0f}) &rarr; ReLU sets "
                f"{100 * zeros:.0f}% of the values to 0 &rarr; max pool {pool.shape[0]}x{pool.shape[1]}.</p>")
        return text, {"gray": gray, "conv": conv, "relu": act, "pool": pool, "zeros": zeros, "name": name}

    return make_explorer(controls, draw, figure=fig, dpi=DETAIL_DPI)

