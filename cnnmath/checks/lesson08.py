"""Feedback for the exercises of lesson 8 (``08_deeper.ipynb``): the dense layer after two blocks on bigger
images, the receptive field of a third block, dL/dI of a small convolution by hand, and the shape of the
gradient that the second convolution hands back to the first block.

The exercises' data are defined once here (:data:`DENSE_EXERCISE`, :data:`DEEP_STACK_EXERCISE`,
:func:`input_gradient_exercise`, :data:`BATCH_EXERCISE`) and the notebook prints or quotes them. Every
hint names the kind of slip, never the expected numbers, and a check never raises: whatever it is given,
it answers with a :class:`~cnnmath.checks.common.Feedback`.

Answers are read the way ``DESIGN.md`` ("Exercises") describes: ``np.asarray(answer, dtype=float)`` with
size-1 dimensions squeezed, so an int, a float, any numpy scalar, float32, a 0-d or one-element array, a
list or a tuple of the right values are the same answer, right within the tolerance stated in
:mod:`cnnmath.checks.common`. Text, booleans, NaN and ragged lists get a hint that says what kind of answer
is wanted.
"""

from __future__ import annotations


import numpy as np

from ..conv import conv2d_grad, conv_output_size
from ..pooling import pool_output_size
from ..receptive import receptive_field, receptive_field_steps
from .common import (Feedback, arrangement_hint, close, correct, count_off, incorrect, is_unanswered, never_raises,
                     not_answered, read_array, read_int, read_shape, read_side)

__all__ = ["DENSE_EXERCISE", "DEEP_STACK_EXERCISE", "BATCH_EXERCISE", "input_gradient_exercise",
           "check_dense1_params", "check_deep_receptive_field", "check_input_gradient",
           "check_conv2_dx_shape"]


#: Exercise 1: ``TinyCNN(blocks=2, hidden=64, input_shape=(1, 16, 16))``: 3x3 convolutions with padding 1,
#: 2x2 max pooling with stride 2, 16 then 32 filters, a hidden dense layer of 64. Question: how many numbers
#: does ``dense1`` learn?
DENSE_EXERCISE = {"side": 16, "filters": (16, 32), "kernel": 3, "padding": 1, "pool": 2, "hidden": 64}

#: Exercise 2: ``TinyCNN(blocks=3)`` below one unit of its third convolution: (kernel, stride) of conv1,
#: pool1, conv2, pool2, conv3.
DEEP_STACK_EXERCISE = ((3, 1), (2, 2), (3, 1), (2, 2), (3, 1))

#: Exercise 4: a batch of this many digits through ``TinyCNN(blocks=2, hidden=64)``; question: the shape
#: of the ``dx`` that ``conv2d_backward`` returns for conv2.
BATCH_EXERCISE = {"N": 5, "side": 8, "filters": (16, 32), "kernel": 3, "padding": 1, "pool": 2}

# Exercise 3: a 4x4 input, a 3x3 kernel (stride 1, no padding), so a 2x2 output, and the upstream dL/dO.
# The kernel is turned by 180 degrees into something different, so that a turned answer can be told apart.
_EX_KERNEL = np.array([[1, 0, 2],
                       [-1, 3, 0],
                       [0, 1, -2]], dtype=np.float64)
_EX_DOUT = np.array([[2, 0],
                     [0, -1]], dtype=np.float64)
_EX_INPUT_SHAPE = (4, 4)


def input_gradient_exercise():
    """The data of exercise 3: ``(kernel, dout)`` for ``O = I * K`` on a 4x4 input (stride 1, no padding).

    Returns
    -------
    kernel : ndarray, shape (3, 3)
    dout : ndarray, shape (2, 2)
        The upstream gradient dL/dO. The question asks for dL/dI, shape (4, 4).
    """
    return _EX_KERNEL.copy(), _EX_DOUT.copy()


# ------------------------------------------------------------------------------------------ exercise 1

def _flat_length(side, filters, kernel, padding, pool, blocks=None):
    """Length of the flattened maps after ``blocks`` conv -> ReLU -> pool blocks (all of them by default)."""
    filters = filters[:blocks] if blocks is not None else filters
    for _ in filters:
        side = pool_output_size(conv_output_size(side, kernel, 1, padding), pool, pool)
    return filters[-1] * side * side


def _dense1_params(flat, hidden):
    return flat * hidden + hidden


@never_raises
def check_dense1_params(answer) -> Feedback:
    """Exercise 1: the learned numbers of ``dense1`` in :data:`DENSE_EXERCISE` (weights and biases)."""
    if is_unanswered(answer):
        return not_answered()
    got, problem = read_int(answer, "the number of weights and biases of dense1")
    if problem is not None:
        return problem
    e = DENSE_EXERCISE
    flat = _flat_length(e["side"], e["filters"], e["kernel"], e["padding"], e["pool"])
    hidden = e["hidden"]
    if got == _dense1_params(flat, hidden):
        return correct("two 'same' convolutions keep the size, two poolings halve it twice, the second "
                       "block's maps flatten into one vector, and dense1 has a weight for every (input, "
                       "output) pair plus one bias per output.")
    if got == flat * hidden:
        return incorrect("You counted the weights. What else does each of dense1's outputs learn?")
    if got == flat * hidden + flat:
        return incorrect("A dense layer adds one bias per output, not one per input.")
    if got == flat:
        return incorrect("That is the length of the flattened vector, dense1's input. The layer learns a "
                         "weight for every pair of (input, output), and biases.")
    one_pool = _flat_length(e["side"], e["filters"], e["kernel"], e["padding"], e["pool"], blocks=1)
    one_pool_second = e["filters"][1] * (one_pool // e["filters"][0])
    no_pool = e["filters"][1] * e["side"] * e["side"]
    if got in (_dense1_params(one_pool_second, hidden), one_pool_second * hidden,
               _dense1_params(one_pool, hidden), one_pool * hidden):
        return incorrect("Count the poolings: each block ends with one, so the maps are halved once per block "
                         "before they are flattened.")
    if got in (_dense1_params(no_pool, hidden), no_pool * hidden):
        return incorrect("The 'same' convolutions keep the size, but each block's pooling halves it: the maps "
                         "are smaller when they are flattened.")
    first_filters = e["filters"][0] * (flat // e["filters"][1])
    if got in (_dense1_params(first_filters, hidden), first_filters * hidden):
        return incorrect("The flattened maps are the second block's: how many filters does the second "
                         "convolution have?")
    eight = _flat_length(8, e["filters"], e["kernel"], e["padding"], e["pool"])
    unpadded = _flat_length(e["side"], e["filters"], e["kernel"], 0, e["pool"])
    if unpadded == eight and got in (_dense1_params(eight, hidden), eight * hidden):
        return incorrect("That is dense1 (or its weights alone) of the lesson's network on 8x8 digits, and "
                         "also what convolutions without padding would give. The exercise's images are bigger "
                         "and its convolutions have padding 1, so they keep the size: the flattened length "
                         "grows, and so does dense1.")
    if got in (_dense1_params(eight, hidden), eight * hidden):
        return incorrect("That is dense1 (or its weights alone) of the lesson's network on 8x8 digits. The "
                         "exercise's images are bigger: the flattened length grows with them, and so does "
                         "dense1.")
    if got in (_dense1_params(unpadded, hidden), unpadded * hidden):
        return incorrect("The convolutions have padding 1, so they keep the size; only the poolings make "
                         "the maps smaller.")
    if got == hidden * 10 + 10:
        return incorrect("That is the output layer (dense2). The question asks about dense1, which reads the "
                         "flattened maps.")
    return incorrect("Follow the shapes block by block with the output-size formula, flatten, then count "
                     "dense1's weights (inputs x outputs) and its biases.")


# ------------------------------------------------------------------------------------------ exercise 2

@never_raises
def check_deep_receptive_field(answer) -> Feedback:
    """Exercise 2: the receptive field (side, in input pixels) of one unit of the third convolution of
    :data:`DEEP_STACK_EXERCISE`."""
    if is_unanswered(answer):
        return not_answered()
    got, problem = read_side(answer, "the side of the window, in input pixels")
    if problem is not None:
        return problem
    stack = DEEP_STACK_EXERCISE
    expected = receptive_field(stack)
    if got == expected:
        return correct("each layer adds (k - 1) steps of the jump below it, and each pooling doubles the jump "
                       "for everything above it.")
    steps = receptive_field_steps(stack)
    if got == 1 + sum(k - 1 for k, _ in stack):
        return incorrect("You added (k - 1) for every layer, but after a pooling with stride 2 neighbouring "
                         "units are 2 input pixels apart, and after two such poolings 4 apart.")
    if got == sum(k for k, _ in stack):
        return incorrect("Adding the kernel sizes counts the overlaps: two 3x3 layers see 5x5, not 6x6. Each "
                         "layer adds (k - 1) steps to what the layer below sees.")
    if got == steps[3][0] + (stack[4][0] - 1) * steps[1][1]:
        return incorrect("Nearly: after the second pooling the jump doubles again, so the last convolution's "
                         "steps are longer than the second convolution's.")
    r, j = 1, 1
    for k, s in stack:  # the slip: a layer's own stride already stretches its own steps
        j *= s
        r += (k - 1) * j
    if got == r:
        return incorrect("A stride stretches the steps of the layers after it, not its own: use the jump "
                         "from below the layer, j_(l-1), in r_l = r_(l-1) + (k_l - 1) j_(l-1).")
    if got == expected ** 2:
        return incorrect("That counts every pixel of the square window; the question asks for its side, how "
                         "many input pixels wide it is.")
    convs_only = expected - sum((k - 1) * j for (k, s), (_, j) in zip(stack, [(1, 1)] + steps[:-1]) if s > 1)
    if got == convs_only:
        return incorrect("A pooling window counts as a layer too: a 2x2 pooling adds (2 - 1) steps of the "
                         "jump below it, besides doubling the jump.")
    if abs(got - expected) == 1:
        return incorrect("One pixel off: start from r_0 = 1 (a pixel sees itself), and let each layer add "
                         "(k - 1) steps of the jump, not k.")
    if got in (steps[3][0], steps[2][0]):
        return incorrect("That is a unit of the second block. The question asks about the third convolution, "
                         "which sits on top of pool2.")
    if got == receptive_field(stack + ((2, 2),)):
        return incorrect("That includes the third pooling; the question asks about a unit of the third "
                         "convolution, before its pooling.")
    if got < expected:
        return incorrect("Too small: every layer widens the window, and each pooling makes the layers above "
                         "it widen it faster.")
    return incorrect("Too large: each layer adds (k - 1) times the jump of the layer below it; the jump is "
                     "the product of the strides below, not including the layer's own.")


# ------------------------------------------------------------------------------------------ exercise 3

def _expected_input_gradient():
    return conv2d_grad(np.zeros(_EX_INPUT_SHAPE), _EX_KERNEL, _EX_DOUT)[0]


def _scatter(kernel, dout, *, add=True, backwards=False):
    """dL/dI built window by window from ``dout[i, j] * kernel``; ``add=False`` overwrites instead of adding
    (the later window wins; ``backwards`` visits the windows from the last to the first)."""
    kh, kw = kernel.shape
    out = np.zeros(_EX_INPUT_SHAPE)
    items = list(np.ndenumerate(dout))
    for (i, j), g in (items[::-1] if backwards else items):
        if g == 0:
            continue
        if add:
            out[i:i + kh, j:j + kw] += g * kernel
        else:
            out[i:i + kh, j:j + kw] = g * kernel
    return out


@never_raises
def check_input_gradient(answer) -> Feedback:
    """Exercise 3: dL/dI (4x4) for the kernel and dL/dO of :func:`input_gradient_exercise`."""
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_array(answer, "dL/dI as a 4x4 grid of numbers (a list of 4 rows, or a numpy array)")
    if problem is not None:
        return problem
    expected = _expected_input_gradient()
    if arrangement_hint(arr, expected.shape) is not None:
        return arrangement_hint(arr, expected.shape)
    if arr.shape == (3, 3):
        return incorrect("Your answer has the kernel's shape, 3x3: that would be dL/dK. dL/dI has one entry "
                         "per input pixel, the input's shape.")
    if arr.shape == (2, 2):
        return incorrect("Your answer has the output's shape, 2x2: that is dL/dO. dL/dI has one entry per "
                         "input pixel, the input's shape.")
    if arr.shape != expected.shape:
        return incorrect(f"Your answer has shape {arr.shape}, but dL/dI has the shape of the input I, "
                         f"{_EX_INPUT_SHAPE[0]}x{_EX_INPUT_SHAPE[1]}.")
    if close(arr, expected):
        return correct("every output hands dL/dO_ij times the kernel back over the window it read, and where "
                       "windows overlap the pieces add up: the full convolution of dL/dO with the turned "
                       "kernel.")
    turned = _EX_KERNEL[::-1, ::-1]
    if close(arr, _scatter(turned, _EX_DOUT)):
        return incorrect("The kernel is the wrong way round: either you turned the kernel by 180 degrees "
                         "and then placed it on the windows, or you slid the kernel over the padded dL/dO "
                         "without turning it. Turn it exactly once: place dL/dO_ij times K itself on window "
                         "(i, j), or slide the turned kernel over the padded dL/dO.")
    if close(arr, _scatter(_EX_KERNEL, _EX_DOUT, add=False)) or \
            close(arr, _scatter(_EX_KERNEL, _EX_DOUT, add=False, backwards=True)):
        return incorrect("Where two windows overlap, a pixel was used by both outputs, so its gradient is the "
                         "sum of both contributions: add them, do not overwrite.")
    if close(arr, _scatter(_EX_KERNEL, _EX_DOUT[::-1, ::-1])):
        return incorrect("Each output's gradient goes back to the window that output read: output (0, 0) read "
                         "the top-left window. Check which value of dL/dO goes to which corner.")
    if close(arr, _scatter(_EX_KERNEL, np.abs(_EX_DOUT))) or close(arr, -expected):
        return incorrect("Check the signs: each window gets dL/dO_ij times the kernel, with the sign of "
                         "dL/dO_ij.")
    if close(arr, _scatter(_EX_KERNEL, np.sign(_EX_DOUT))) or \
            close(arr, _scatter(_EX_KERNEL, (_EX_DOUT != 0) * 1.0)):
        return incorrect("Each window gets the kernel multiplied by that output's dL/dO_ij, not the kernel "
                         "alone.")
    if close(arr, expected.T):
        return incorrect("Rows and columns seem swapped: the first index moves down, the second to the "
                         "right.")
    wrong, _ = count_off(arr, expected)
    return incorrect(f"{wrong} of the 16 entries {'is' if wrong == 1 else 'are'} off. Start from a 4x4 grid of zeros; for each output "
                     f"(i, j), add dL/dO_ij times the kernel onto the 3x3 window whose top-left corner is "
                     f"(i, j).")


# ------------------------------------------------------------------------------------------ exercise 4

def _batch_shapes():
    e = BATCH_EXERCISE
    conv1_side = conv_output_size(e["side"], e["kernel"], 1, e["padding"])
    pool1_side = pool_output_size(conv1_side, e["pool"], e["pool"])
    pool2_side = pool_output_size(pool1_side, e["pool"], e["pool"])
    f1, f2 = e["filters"]
    n = e["N"]
    return {"dx": (n, f1, pool1_side, pool1_side), "dout": (n, f2, pool1_side, pool1_side),
            "padded": (n, f1, pool1_side + 2 * e["padding"], pool1_side + 2 * e["padding"]),
            "dw": (f2, f1, e["kernel"], e["kernel"]), "conv1": (n, f1, conv1_side, conv1_side),
            "image": (n, 1, e["side"], e["side"]), "pool2": (n, f2, pool2_side, pool2_side)}


@never_raises
def check_conv2_dx_shape(answer) -> Feedback:
    """Exercise 4: the shape of the ``dx`` that ``conv2d_backward`` returns for conv2 (:data:`BATCH_EXERCISE`)."""
    if is_unanswered(answer):
        return not_answered()
    arr, problem = read_array(answer, "the shape (N, C, H, W), a tuple of 4 whole numbers")
    if problem is not None:
        return problem
    if arr.size == 1:
        return incorrect("Give a shape, a tuple of 4 whole numbers (N, C, H, W), not a single number.")
    got, problem = read_shape(answer, 4, "the shape (N, C, H, W)")
    if problem is not None:
        return problem
    shapes = _batch_shapes()
    if got == shapes["dx"]:
        return correct("dL/dI of conv2 has the shape of conv2's input, pool1's output: the gradient of every "
                       "number the first block handed over, for every digit of the batch.")
    if got == shapes["dout"]:
        return incorrect("That is the shape of conv2's output, and of the dout it receives. dx is the gradient "
                         "with respect to conv2's input: how many channels does that input have?")
    if got == shapes["padded"]:
        return incorrect("The padding ring is zeros the layer adds itself, not part of its input: the "
                         "backward pass drops its gradient.")
    if got == shapes["dw"]:
        return incorrect("That is the shape of dw, the gradient of conv2's weights. dx is the gradient of its "
                         "input, a batch of maps.")
    if got == shapes["conv1"]:
        return incorrect("That is the shape before pool1. conv2 reads pool1's output, which the pooling has "
                         "already made smaller.")
    if got == shapes["image"]:
        return incorrect("That is the shape of the digits themselves (conv1's input). The question asks about "
                         "conv2's input.")
    if got == shapes["pool2"]:
        return incorrect("That is the shape after the second pooling; conv2's input comes before it.")
    if sorted(got) == sorted(shapes["dx"]):
        return incorrect("Check the order of the axes: the course writes a batch of maps as (N, C, H, W), "
                         "the batch first, then the channels, then height and width.")
    if got[0] != shapes["dx"][0]:
        return incorrect("The first number is the batch size: the gradient has one entry per digit of the "
                         "batch.")
    return incorrect("dx always has the shape of the layer's input x. Follow the shapes from the digits "
                     "(N, 1, 8, 8) through conv1 and pool1 to the input of conv2.")
