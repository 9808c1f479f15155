"""Pictures of lesson 0 (``00_start_here.ipynb``): the course's map of a CNN, and the practice plot.

:func:`cnn_pipeline_diagram` draws the seed's eight-step summary of a CNN as one diagram made of
matplotlib patches (boxes and arrows, no image file), each step labelled with the lesson that teaches it.
:func:`practice_plot` is the static twin of the practice widget (``viz/widgets/lesson00.py``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .common import fast_title, get_ax, path_ticks

__all__ = ["PIPELINE_STEPS", "cnn_pipeline_diagram", "practice_plot", "update_practice_plot"]

#: The seed's eight steps: (number, short name, what happens, notebook that teaches it).
PIPELINE_STEPS = (
    (1, "Input image", "a matrix of height H, width W and C colour channels", "01_image_as_matrix"),
    (2, "Convolve", "slide filters K over the image: local features", "02_convolution"),
    (3, "ReLU", "max(0, x): the non-linearity", "03_relu"),
    (4, "Pool", "keep each window's maximum: a smaller map", "04_pooling"),
    (5, "Repeat", "several filters, several feature maps, more layers", "05_feature_maps"),
    (6, "Flatten", "the maps become one long vector", "07_full_pipeline"),
    (7, "Dense", "a weighted sum per class: one score per class; f (the softmax) makes them probabilities",
     "07_full_pipeline"),
    (8, "Backpropagation", "gradients of the loss update K and the weights", "06_backpropagation"),
)

# Fill colours are light so black text stays readable; every box also carries its name and lesson in
# words, so the colour is never the only cue.
_FEATURE_FILL = "#dbe9f6"   # convolution, ReLU, pooling: the feature extractor
_CLASSIFY_FILL = "#fde8cf"  # flatten, dense: the classifier
_IO_FILL = "#eeeeee"        # input and output
_LEARN_COLOUR = "#b2182b"   # the learning loop (dashed arrow)


def _box(ax, x, y, w, h, title, detail, lesson, fill):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=fill, edgecolor="black", linewidth=1.2))
    ax.text(x + w / 2, y + h * 0.72, title, ha="center", va="center", fontsize=12, weight="bold")
    ax.text(x + w / 2, y + h * 0.45, detail, ha="center", va="center", fontsize=9.5)
    ax.text(x + w / 2, y + h * 0.17, lesson, ha="center", va="center", fontsize=9, style="italic")


def _arrow(ax, start, end, *, rad=0.0, color="black", style="-|>", linestyle="-", lw=1.5):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linewidth=lw, linestyle=linestyle, shrinkA=0, shrinkB=0,
                                 connectionstyle=f"arc3,rad={rad}"))


def cnn_pipeline_diagram(ax=None, *, figsize=(12, 3.9), highlight=None):
    """The eight steps of a CNN as boxes and arrows, each labelled with its lesson (lesson 0).

    The forward path runs left to right: input image (step 1), convolution (2), ReLU (3), pooling (4),
    flatten (6), dense (7: one score per class), output Y (the softmax f turns the scores into class
    probabilities). Step 5 is the loop arrow above conv/ReLU/pool ("repeat"); step 8 is
    the dashed arrow below, carrying the loss's gradients back to the weights.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    figsize : tuple
        Used only when ``ax`` is None.
    highlight : int, optional
        A step number 1..8 whose box (or arrow) is drawn with a thick outline.

    Returns
    -------
    matplotlib Figure
    """
    if highlight is not None and highlight not in range(1, 9):
        raise ValueError(f"highlight is {highlight!r} but needs a step number 1..8 or None")
    fig, ax = get_ax(ax, figsize)
    if ax.figure.get_axes() == [ax]:
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    ax.set_xlim(0, 15.2)
    ax.set_ylim(0.45, 4.75)
    ax.axis("off")

    w, h, y = 1.95, 1.5, 1.9
    xs = [0.1, 2.35, 4.6, 6.85, 9.45, 11.7]
    boxes = [
        ("1. Input", "image $I$: H x W x C", "lesson 01", _IO_FILL),
        ("2. Convolve", "$I * K$", "lesson 02", _FEATURE_FILL),
        ("3. ReLU", "$\\max(0,\\, x)$", "lesson 03", _FEATURE_FILL),
        ("4. Pool", "max of windows", "lesson 04", _FEATURE_FILL),
        ("6. Flatten", "maps -> vector", "lesson 07", _CLASSIFY_FILL),
        ("7. Dense", "class scores $z$", "lesson 07", _CLASSIFY_FILL),
    ]
    step_of_box = (1, 2, 3, 4, 6, 7)
    for x, (title, detail, lesson, fill), step in zip(xs, boxes, step_of_box):
        _box(ax, x, y, w, h, title, detail, lesson, fill)
        if highlight == step:
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.06,rounding_size=0.1",
                                        fill=False, edgecolor="black", linewidth=3.5))
    xout = 14.45
    ax.add_patch(FancyBboxPatch((xout - 0.6, y + 0.2), 1.2, h - 0.4,
                                boxstyle="round,pad=0.02,rounding_size=0.3", facecolor=_IO_FILL,
                                edgecolor="black", linewidth=1.2))
    ax.text(xout, y + h / 2 + 0.3, "$Y = f(z)$", ha="center", va="center", fontsize=11)
    ax.text(xout, y + h / 2 - 0.2, "class\nprobabilities", ha="center", va="center", fontsize=8.5)
    # f, the softmax, sits between the dense scores and Y: named above the output, where nothing else is
    ax.text(xout, y + h + 0.4, "$f$ = softmax:\nscores become\nprobabilities\n(lesson 06)", ha="center",
            va="center", fontsize=8.5)
    for left, right in zip(xs[:-1], xs[1:]):
        _arrow(ax, (left + w + 0.03, y + h / 2), (right - 0.03, y + h / 2))
    _arrow(ax, (xs[-1] + w + 0.03, y + h / 2), (xout - 0.63, y + h / 2))

    # step 5: the loop back from pooling to convolution, above the feature-extractor boxes
    loop_lw = 3.2 if highlight == 5 else 1.6
    _arrow(ax, (xs[3] + w * 0.5, y + h + 0.05), (xs[1] + w * 0.5, y + h + 0.05), rad=0.35, lw=loop_lw)
    ax.text((xs[1] + xs[3] + w) / 2, y + h + 1.0, "5. Repeat conv -> ReLU -> pool: many filters, "
            "many feature maps (lesson 05)", ha="center", va="center", fontsize=10)

    # the names of the two halves, under their boxes
    ax.text(xs[1] + (xs[3] + w - xs[1]) / 2, y - 0.28, "feature extractor", ha="center", va="center",
            fontsize=9.5, style="italic", color="#333333")
    ax.text(xs[4] + (xs[5] + w - xs[4]) / 2, y - 0.28, "classifier", ha="center", va="center",
            fontsize=9.5, style="italic", color="#333333")

    # step 8: learning, a dashed line from the output back under the boxes to the weights
    learn_lw = 3.2 if highlight == 8 else 1.6
    ybot = y - 0.75
    ax.plot([xout, xout], [y + 0.17, ybot], color=_LEARN_COLOUR, linestyle="--", linewidth=learn_lw)
    ax.plot([xout, xs[1] + w / 2], [ybot, ybot], color=_LEARN_COLOUR, linestyle="--", linewidth=learn_lw)
    for x_target in (xs[1] + w / 2, xs[5] + w / 2):
        _arrow(ax, (x_target, ybot), (x_target, y - 0.03), color=_LEARN_COLOUR, linestyle="--",
               lw=learn_lw)
    ax.text((xs[1] + xout) / 2, ybot - 0.42,
            "8. Backpropagation (lesson 06): gradients of the loss $L$ update the kernels and the dense "
            "weights, $K \\leftarrow K - \\eta\\, \\partial L / \\partial K$",
            ha="center", va="center", fontsize=10, color=_LEARN_COLOUR)
    return fig


def practice_plot(x, power=2, ax=None, *, xlim=(-10, 10), figsize=(5, 3)):
    """The curve y = x**power with the point (x, x**power) marked and written (lesson 0's practice widget).

    :func:`update_practice_plot` moves the point (and changes the power) in place.

    Parameters
    ----------
    x : int or float
    power : int, 2 or 3
    ax : matplotlib Axes, optional
    xlim : (float, float)
    figsize : tuple

    Returns
    -------
    matplotlib Figure
    """
    fig, ax = get_ax(ax, figsize)
    ax.plot([], [], color="black", linewidth=1.5)  # the curve
    ax.plot([], [], "o", color="#d95f02", markersize=9, markeredgecolor="black")  # the point
    ax.text(0, 0, "", transform=ax.transAxes, va="top", fontsize=10,  # a Text: PathText draws no bbox
            bbox=dict(boxstyle="round,pad=0.3", facecolor="white", edgecolor="#999999"))
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.axvline(0, color="#999999", linewidth=0.8)
    ax.set_xlabel("x")
    fast_title(ax, "")
    ax._cnnmath_practice = xlim
    _fill_practice(ax, x, power)
    if ax.figure.get_axes() == [ax]:  # fixed margins: a layout engine would double the drawing time
        fig.subplots_adjust(left=0.16, right=0.97, bottom=0.2, top=0.88)
    return fig


def update_practice_plot(fig, x, power=2):
    """Move the point of a figure made by :func:`practice_plot` to ``x`` (and the curve to ``power``).

    Returns the figure.
    """
    axes = [ax for ax in fig.axes if hasattr(ax, "_cnnmath_practice")]
    if len(axes) != 1:
        raise ValueError("fig needs to be a figure made by practice_plot")
    _fill_practice(axes[0], x, power)
    return fig


def _fill_practice(ax, x, power):
    if power not in (2, 3):
        raise ValueError(f"power is {power!r} but needs 2 (squared) or 3 (cubed)")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"x is {x!r} but needs a finite number")
    xlim = ax._cnnmath_practice
    curve, point = ax.lines[0], ax.lines[1]
    grid = np.linspace(min(xlim[0], x), max(xlim[1], x), 201)
    curve.set_data(grid, grid ** power)
    y = x ** power
    point.set_data([x], [y])
    word = "squared" if power == 2 else "cubed"
    # the text sits where the curve never goes: top centre for x squared, top left for x cubed
    text = ax.texts[0]
    text.set_text(f"x = {x:g}\nx {word} = {y:g}")
    text.set_position((0.5 if power == 2 else 0.04, 0.95))
    text.set_horizontalalignment("center" if power == 2 else "left")
    ax.set_ylabel(f"x {word}")
    ax.set_title(f"y = x {word}")
    ax.relim()
    ax.autoscale_view()
    path_ticks(ax)  # tick and axis labels drawn from cached outlines
