"""Feedback for the exercises of lesson 5 (``05_feature_maps.ipynb``): design a filter for horizontal
edges (tried on hidden test images), predict a layer's output shape and its parameter count, and the
receptive field of a stack of layers.

The layers of the exercises are defined once here (:data:`LAYER_EXERCISE`, :data:`STACK_EXERCISE`) and the
notebook's questions quote them (a test keeps the two in step). Every hint names the kind of mistake,
never the expected numbers.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d, conv_output_size
from .common import (Feedback, arrangement_hint, correct, incorrect, is_unanswered, never_raises, not_answered,
                     read_array, read_int, read_shape, read_side)

__all__ = ["LAYER_EXERCISE", "STACK_EXERCISE", "check_horizontal_edge_filter", "check_layer_output_shape",
           "check_layer_param_count", "check_receptive_field"]

#: Exercises 2 and 3: a batch of 8 RGB images of 32x32 through 16 filters of 5x5, stride 2, padding 1.
LAYER_EXERCISE = {"N": 8, "C": 3, "H": 32, "W": 32, "F": 16, "KH": 5, "KW": 5, "stride": 2, "padding": 1}

#: Exercise 4: (kernel, stride) of each layer: two 3x3 convolutions, a 2x2 max pool with stride 2, one
#: more 3x3 convolution.
STACK_EXERCISE = ((3, 1), (3, 1), (2, 2), (3, 1))

# A filter "responds strongly" to horizontal edges when its weakest answer to any of them is at least
# this many times its strongest answer to a vertical edge or a plain image.
_SELECTIVITY = 4.0


def _edge_images(size=9):
    """The hidden test images: steps between a dark (0) and a bright (1) half, in both directions and
    both polarities, at several places, plus plain images. Returns (horizontal, vertical, plain) lists."""
    horizontal, vertical = [], []
    for at in (3, 4, 6):
        step = np.zeros((size, size))
        step[:at] = 1.0                      # bright above, dark below
        horizontal += [step, 1.0 - step]     # and the other way round
        vertical += [step.T, 1.0 - step.T]
    plain = [np.zeros((size, size)), np.full((size, size), 0.5), np.ones((size, size))]
    return horizontal, vertical, plain


def _strength(kernel, images):
    """The filter's strongest answer (largest |value| of its map) on each image."""
    return np.array([np.abs(conv2d(img, kernel)).max() for img in images])


def _as_kernel(answer):
    """(3x3 array, None) or (None, Feedback) when the answer is not a 3x3 grid of finite numbers."""
    arr, problem = read_array(answer, "a 3x3 grid of numbers (a list of 3 rows or a numpy array)")
    if problem is not None:
        return None, problem
    if arrangement_hint(arr, (3, 3)) is not None:
        return None, arrangement_hint(arr, (3, 3))
    if arr.shape != (3, 3):
        return None, incorrect(f"Your filter has shape {arr.shape}, but the exercise asks for a 3x3 filter: "
                               f"3 rows of 3 numbers.")
    return arr, None


@never_raises
def check_horizontal_edge_filter(answer) -> Feedback:
    """Exercise 1: ``answer`` should be a 3x3 filter that answers strongly on horizontal edges (a bright
    band above a dark one, or the other way round) and weakly on vertical edges and plain images.

    The test images are hidden: steps between 0 and 1 in both directions and polarities, at several rows,
    and plain images. "Strongly" means the weakest answer to a horizontal edge is at least 4 times the
    strongest answer to any vertical edge or plain image (answers measured as the largest |value| of the
    feature map).
    """
    if is_unanswered(answer):
        return not_answered()
    K, problem = _as_kernel(answer)
    if problem is not None:
        return problem
    if not K.any():
        return incorrect("Your filter is all zeros, so every feature map it makes is zero: it cannot tell "
                         "any edge apart from anything else.")
    horizontal, vertical, plain = _edge_images()
    h = _strength(K, horizontal).min()
    v = _strength(K, vertical).max()
    p = _strength(K, plain).max()
    if h >= _SELECTIVITY * max(v, p) and h > 0:
        weak = max(v, p) if max(v, p) > 1e-9 * h else 0.0  # rounding noise of exact cancellations is 0
        return correct(f"on the test images your filter answers at least {h:.3g} on every horizontal edge "
                       f"and at most {weak:.3g} on vertical edges and plain images.")
    if p > 0 and p * _SELECTIVITY > h:
        return incorrect("On a plain image, with no edge at all, your filter still gives a large answer. "
                         "Think about what its weights add up to: what should a filter that looks for "
                         "changes say where nothing changes?")
    if h == 0 or v >= h:
        return incorrect("Your filter answers as much (or more) on vertical edges, where brightness changes "
                         "from left to right, as on horizontal ones. Across a horizontal edge, brightness "
                         "changes from top to bottom: which rows of the filter should differ?")
    return incorrect("Closer: your filter answers more on horizontal edges than on vertical ones, but not "
                     "4 times more. Make each row of the filter the same from left to right, so that a "
                     "change from left to right cancels out.")


def _layer_answer_shape():
    e = LAYER_EXERCISE
    h_out = conv_output_size(e["H"], e["KH"], e["stride"], e["padding"])
    w_out = conv_output_size(e["W"], e["KW"], e["stride"], e["padding"])
    return (e["N"], e["F"], h_out, w_out)


@never_raises
def check_layer_output_shape(answer) -> Feedback:
    """Exercise 2: ``answer`` should be the output shape (N, F, H_out, W_out) of the layer in
    :data:`LAYER_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_array(answer, "the shape (N, F, H_out, W_out) as a tuple of four whole numbers")
    if problem is not None:
        return problem
    if np.atleast_1d(arr).size == 3:
        return incorrect("Give 4 numbers, the shape (N, F, H_out, W_out); you gave 3. The output of a "
                         "convolution layer has four axes: batch, channels, height, width.")
    got, problem = read_shape(arr, 4, "the shape (N, F, H_out, W_out) as a tuple")
    if problem is not None:
        return problem
    e = LAYER_EXERCISE
    expected = _layer_answer_shape()
    if got == expected:
        return correct("the batch size stays, the channels become one per filter, and each side follows "
                       "(H + 2P - K) // S + 1, rounded down.")
    n, f, h, w = got
    if got == (expected[0], expected[2], expected[3], expected[1]):
        return incorrect("The numbers are right but in the wrong order: the course (like PyTorch) puts the "
                         "channels second, (N, F, H_out, W_out).")
    if n != e["N"]:
        return incorrect("The first number is the batch size: does a convolution change how many images "
                         "there are?")
    if f == e["C"]:
        return incorrect("The second number counts the output channels: each filter makes one feature map, "
                         "so there is one channel per filter, not one per input channel.")
    if f != e["F"]:
        return incorrect("The second number counts the output channels: each filter makes one feature map, "
                         "whatever the number of input channels.")
    if (h, w) != expected[2:]:
        size = e["H"] + 2 * e["padding"] - e["KH"]
        if h == -(-size // e["stride"]) + 1 or h == size / e["stride"] + 1:
            return incorrect("Nearly: look at the division by the stride. A window that would hang over the "
                             "edge is not used, so the quotient is rounded down.")
        if h == (e["H"] - e["KH"]) // e["stride"] + 1:
            also = (" (Or, if you did count the padding: the formula ends with + 1, for the window at "
                    "position 0.)" if h == size // e["stride"] else "")
            return incorrect("Your height and width leave out the padding: it adds rows and columns of zeros "
                             "on both sides before the window slides." + also)
        if h == w == (e["H"] + 2 * e["padding"] - e["KH"]) // e["stride"] != (e["H"] - e["KH"]) // e["stride"] + 1:
            return incorrect("One too few: the formula ends with + 1, for the window at position 0.")
        if h == e["H"] + 2 * e["padding"] - e["KH"] + 1:
            return incorrect("Your height and width ignore the stride: the window moves several pixels at a "
                             "time, so it stops at fewer places.")
        return incorrect("Height and width are not right yet: use H_out = (H + 2P - KH) // S + 1 with this "
                         "layer's numbers, and the same for the width.")
    return incorrect("Check the order: (N, F, H_out, W_out).")


@never_raises
def check_layer_param_count(answer) -> Feedback:
    """Exercise 3: ``answer`` should be the number of learned parameters (weights and biases) of the layer
    in :data:`LAYER_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    got, problem = read_int(answer, "one whole number: how many weights and biases the layer learns")
    if problem is not None:
        return problem
    e = LAYER_EXERCISE
    weights = e["F"] * e["C"] * e["KH"] * e["KW"]
    if got == weights + e["F"]:
        return correct("F * C * KH * KW weights plus one bias per filter; the image size, the batch size, the "
                       "stride and the padding do not change the count.")
    if got == weights:
        return incorrect("You counted the weights. What else does each filter learn, besides its kernels?")
    if got == e["F"] * e["KH"] * e["KW"] + e["F"] or got == e["F"] * e["KH"] * e["KW"]:
        return incorrect("Each filter has one KH x KW kernel per input channel, not a single one: the input "
                         "has several channels.")
    if got == weights + e["F"] * e["C"]:
        return incorrect("The bias is added once per filter, after the sum over the channels, not once per "
                         "channel.")
    h_out, w_out = _layer_answer_shape()[2:]
    if got in (weights * h_out * w_out, (weights + e["F"]) * h_out * w_out,
               weights * e["N"], (weights + e["F"]) * e["N"]):
        return incorrect("The same weights are used at every position and for every image of the batch: "
                         "they are shared, so they are counted once.")
    return incorrect("Count the numbers stored in the weights w of shape (F, C, KH, KW) and in the biases b of "
                     "shape (F,).")


@never_raises
def check_receptive_field(answer) -> Feedback:
    """Exercise 4: ``answer`` should be the receptive field (side, in input pixels) of one unit after the
    stack :data:`STACK_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    got, problem = read_side(answer, "one whole number: the side of the square window of the input that one "
                                     "unit of the last layer sees")
    if problem is not None:
        return problem
    from ..receptive import receptive_field
    expected = receptive_field(STACK_EXERCISE)
    if got == expected:
        return correct("each layer adds (k - 1) steps, and after the pooling with stride 2 every step of the "
                       "layers above is 2 input pixels wide.")
    no_stride = 1 + sum(k - 1 for k, _ in STACK_EXERCISE)
    if got == no_stride:
        return incorrect("You added (k - 1) for every layer, but after a layer with stride 2 neighbouring "
                         "units are 2 input pixels apart, so what comes later grows twice as fast.")
    own_stride = 1
    jump = 1
    for k, stride in STACK_EXERCISE:  # the slip: a layer's own stride already stretches its own step
        jump *= stride
        own_stride += (k - 1) * jump
    sum_k = sum(k for k, _ in STACK_EXERCISE)
    if got == own_stride and got == sum_k:
        return incorrect("Two different slips give this number with these layers. Adding the kernel sizes "
                         "counts the overlaps twice (two 3x3 layers see 5x5, not 6x6). And letting the "
                         "pooling's stride stretch its own step is too early: a stride widens the steps of the "
                         "layers after it, not its own. Each layer adds (k - 1) times the jump of the layer "
                         "below it.")
    if got == own_stride:
        return incorrect("A stride stretches the steps of the layers after it, not its own: each layer adds "
                         "(k - 1) times the jump of the layer below it.")
    if got == sum_k:
        return incorrect("Adding the kernel sizes counts the overlap twice: two 3x3 layers see 5x5, not 6x6. "
                         "Each layer adds (k - 1) steps to what the layer below sees.")
    k_times_jump, jump = 0, 1
    for k, stride in STACK_EXERCISE:  # the slip: each layer adds its whole kernel, k steps, not k - 1
        k_times_jump += k * jump
        jump *= stride
    if got in (k_times_jump, k_times_jump + 1):
        return incorrect("Each layer widens the window by (k - 1) steps, not k: neighbouring windows of a "
                         "k-wide kernel share k - 1 of their units (two stacked 3x3 layers see 5x5, not 6x6). "
                         "Start from 1 and add (k - 1) times the jump of the layer below.")
    if got == expected ** 2:
        return incorrect("That counts every pixel of the square window; the question asks for its side, how "
                         "many input pixels wide it is.")
    if abs(got - expected) == 1:
        return incorrect("One pixel off: start from 1 (a pixel sees itself), and let each layer add (k - 1) "
                         "steps of the jump, not k.")
    if got < expected:
        return incorrect("Too small: remember that every layer widens the window, and that a stride makes the "
                         "layers after it widen it faster.")
    return incorrect("Too large: each layer adds (k - 1) times the distance between neighbouring units of "
                     "the layer below, measured in input pixels; a stride multiplies that distance for the "
                     "layers after it, not for the ones before.")
