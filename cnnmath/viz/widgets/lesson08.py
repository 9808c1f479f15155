"""Explorers of lesson 8, two blocks deep (``08_deeper.ipynb``).

- :func:`block_maps_explorer`: pick a digit, a stage (conv, ReLU or max pool) and a network (the trained
  two-block network or the same network at its random start), and see the maps of both blocks side by
  side with the probabilities.

It computes what it shows once with ``cnnmath`` (the forward pass of every digit, when it is made) and
hands the arrays to ``viz/plots/lesson08.py``; the figure is made once and updated in place. It returns an
:class:`~cnnmath.viz.widgets.common.Explorer` and never displays itself.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from cnnmath.model import map_peaks

from ..plots.common import DETAIL_DPI
from ..plots.lesson08 import block_maps_plot, update_block_maps_plot
from .common import make_explorer

__all__ = ["block_maps_explorer", "block_stage_names", "BLOCK_STAGES"]

#: The stages the maps explorer offers: menu text -> the stage of each block in ``model.forward``.
BLOCK_STAGES = {"conv (I*K + b)": ("conv1", "conv2"), "ReLU": ("relu1", "relu2"),
                "max pool": ("pool1", "pool2")}


def block_stage_names(model):
    """The stage names of the first two blocks of ``model``, ``{"conv": ("conv1", "conv2"), ...}``.

    Raises
    ------
    ValueError
        The model has fewer than two conv -> ReLU -> pool blocks.
    """
    names = list(getattr(model, "names", []))
    missing = [n for pair in BLOCK_STAGES.values() for n in pair if n not in names]
    if missing:
        raise ValueError(f"model has stages {names} but needs two blocks (stages conv1, relu1, pool1, conv2, "
                         f"relu2, pool2), for example TinyCNN(blocks=2, hidden=64)")
    return dict(BLOCK_STAGES)


def _maps_summary(peak, block):
    """One block's maps in words, from their peaks (``map_peaks``, shape (F,))."""
    active = int((peak > 0).sum())
    return (f"block {block}: {active} of {len(peak)} maps have a positive value, the strongest "
            f"{peak.max():.2f} in f{int(peak.argmax())}")


def block_maps_explorer(model, X, y, *, untrained=None, index=0, stage="ReLU", kind="validation"):
    """A digit's maps in both blocks of a two-block network, at the stage chosen (lesson 8).

    Every digit is sent through the network once, when the explorer is made (``model.forward``); moving a
    control only picks arrays and redraws the figure in place.

    Parameters
    ----------
    model : Sequential with stages conv1, relu1, pool1, conv2, relu2, pool2 (``TinyCNN(blocks=2, ...)``)
    X : ndarray, shape (N, 1, H, W)
    y : ndarray of int, shape (N,)
    untrained : Sequential, optional
        The same network at its random start; when given, a "network" menu switches to it.
    index : int
        The digit shown first.
    stage : str
        A key of :data:`BLOCK_STAGES`: "conv (I*K + b)", "ReLU" or "max pool".
    kind : str
        What the digits are, for the summary ("validation", "test", ...).

    Returns
    -------
    Explorer
        ``controls["index"]`` (IntSlider "digit"), ``controls["stage"]`` (Dropdown "stage") and, with
        ``untrained``, ``controls["network"]`` (Dropdown "network": "trained", "untrained start");
        ``state`` holds ``index``, ``label``, ``pred``, ``prob``, ``stages`` (the two stage names),
        ``maps1`` and ``maps2`` (the arrays drawn) and ``active`` (maps with a positive value, per block).
    """
    block_stage_names(model)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 4 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X has shape {X.shape} and y {y.shape}: they need (N, C, H, W) and (N,), N >= 1")
    if stage not in BLOCK_STAGES:
        raise ValueError(f"stage is {stage!r} but needs one of {list(BLOCK_STAGES)}")
    networks = {"trained": model.forward(X)}
    if untrained is not None:
        block_stage_names(untrained)
        networks["untrained start"] = untrained.forward(X)
    index = int(np.clip(index, 0, len(X) - 1))

    controls = {
        "index": widgets.IntSlider(value=index, min=0, max=len(X) - 1, description="digit",
                                   continuous_update=False),
        "stage": widgets.Dropdown(options=list(BLOCK_STAGES), value=stage, description="stage"),
    }
    if untrained is not None:
        controls["network"] = widgets.Dropdown(options=list(networks), value="trained", description="network")

    # every stage's map peaks, once for all digits: a redraw only picks rows
    peaks = {net: {key: map_peaks(st[key]) for pair in BLOCK_STAGES.values() for key in pair}
             for net, st in networks.items()}
    preds = {net: np.argmax(st["probs"], axis=1) for net, st in networks.items()}
    first = networks["trained"]
    s1, s2 = BLOCK_STAGES[stage]
    fig = block_maps_plot(X[index, 0], first[s1][index], first[s2][index], first["probs"][index],
                          label=int(y[index]), stage_names=(s1, s2), figsize=(11, 3.2))

    def draw(values, explorer):
        i = int(values["index"])
        if not 0 <= i < len(X):
            raise ValueError(f"digit is {i} but needs 0 .. {len(X) - 1}")
        net = values.get("network", "trained")
        stages = networks[net]
        a, b = BLOCK_STAGES[values["stage"]]
        maps1, maps2, probs = stages[a][i], stages[b][i], stages["probs"][i]
        peak1, peak2 = peaks[net][a][i], peaks[net][b][i]
        pred = int(preds[net][i])
        update_block_maps_plot(fig, X[i, 0], maps1, maps2, probs, label=int(y[i]), stage_names=(a, b),
                               title=f"{kind} digit #{i}\n(label {y[i]})")
        verdict = "right" if pred == y[i] else "wrong"
        text = (f"<p><b>{kind.capitalize()} digit #{i}</b>, label {y[i]}: the {net} network says "
                f"<b>{pred}</b> ({100 * probs[pred]:.1f}%), {verdict}.<br>"
                f"At the {values['stage']} stage ({a}, {b}): {_maps_summary(peak1, 1)}; "
                f"{_maps_summary(peak2, 2)}.</p>")
        active = (int((peak1 > 0).sum()), int((peak2 > 0).sum()))
        return text, {"index": i, "label": int(y[i]), "pred": pred, "prob": float(probs[pred]),
                      "network": net, "stages": (a, b), "maps1": maps1, "maps2": maps2, "active": active}

    return make_explorer(controls, draw, figure=fig, dpi=DETAIL_DPI)
