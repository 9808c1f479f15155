"""Exercise feedback for lesson 7, the whole pipeline (``07_full_pipeline.ipynb``).

Each check returns a :class:`~cnnmath.checks.common.Feedback`: "your turn" for None, a hint that does not
give the answer away for a wrong one, a confirmation for the right one.
"""

from __future__ import annotations

import re

import numpy as np

from .common import (call_student, correct, incorrect, is_unanswered, never_raises, not_answered, read_array,
                     read_int)

__all__ = ["check_stages_with_weights", "check_second_conv_params", "check_flat_length",
           "check_predict_digit"]

_STAGE_ALIASES = {
    "conv": "conv", "convolution": "conv", "conv2d": "conv",
    "relu": "relu", "activation": "relu",
    "pool": "pool", "pooling": "pool", "max pool": "pool", "maxpool": "pool", "max pooling": "pool",
    "flatten": "flatten", "flat": "flatten",
    "dense": "dense", "fully connected": "dense", "linear": "dense",
    "softmax": "softmax",
    "conv2d layer": "conv", "convolution layer": "conv", "convolutional layer": "conv", "conv layer": "conv",
    "relu layer": "relu", "pooling layer": "pool", "pool layer": "pool", "maxpool2d": "pool",
    "flatten layer": "flatten", "dense layer": "dense", "fully connected layer": "dense",
    "fully-connected": "dense", "linear layer": "dense", "conv1": "conv", "dense1": "dense", "fc": "dense",
    "output layer": "dense", "softmax layer": "softmax", "convolutional": "conv", "max-pool": "pool",
    "max-pooling": "pool",
}


def _stage_key(name):
    """A stage name as typed ("Conv layer", "Dense", "max_pool") in the form of :data:`_STAGE_ALIASES`."""
    text = re.sub(r"[\s_]+", " ", name.strip().lower())
    if text in _STAGE_ALIASES:
        return text
    text = re.sub(r"\s*(layers?|stage)$", "", text).strip()
    return text if text in _STAGE_ALIASES else None


@never_raises
def check_stages_with_weights(answer):
    """Exercise 1: which stages of TinyCNN have learned numbers? (Answer: conv and dense.)

    Parameters
    ----------
    answer : collection of str, stage names among conv, relu, pool, flatten, dense, softmax (a name may
        end in "layer"; case and spaces do not matter)
    """
    if is_unanswered(answer):
        return not_answered()
    if isinstance(answer, str):
        answer = [answer]
    if isinstance(answer, dict):
        answer = list(answer)
    if isinstance(answer, np.ndarray):
        answer = answer.ravel().tolist()
    if not isinstance(answer, (list, tuple, set, frozenset)) or not answer:
        return incorrect("give a list of stage names as text, e.g. [\"relu\", \"softmax\"].")
    if not all(isinstance(a, str) for a in answer):
        return incorrect("give the stage names as text in quotes, e.g. [\"relu\", \"softmax\"], not numbers "
                         "or other objects.")
    keys = [_stage_key(a) for a in answer]
    unknown = sorted(a for a, k in zip(answer, keys) if k is None)
    if unknown:
        return incorrect(f"{unknown} is not a stage name here; use conv, relu, pool, flatten, dense, softmax.")
    stages = {_STAGE_ALIASES[k] for k in keys}
    if stages == {"conv", "dense"}:
        return correct("only the convolution (kernels and biases) and the dense layer (weights and biases) "
                       "learn; ReLU, pooling, flatten and softmax are fixed rules with nothing to learn.")
    if stages & {"relu", "pool", "flatten", "softmax"}:
        return incorrect("one of the stages you listed is a fixed rule: could gradient descent change "
                         "anything in it? Look at the parameter column of the tracker table.")
    return incorrect("a stage with learned numbers is missing: look for every non-zero entry in the "
                     "parameter column of the tracker table.")


@never_raises
def check_second_conv_params(answer):
    """Exercise 2: learned numbers of a second conv layer, 8 filters of 3x3 on the 16 pooled maps.

    Answer: 8 * 16 * 3 * 3 + 8 = 1160 (each filter spans all 16 input channels; one bias per filter).
    """
    if is_unanswered(answer):
        return not_answered()
    n, problem = read_int(answer, "a whole number of weights and biases")
    if problem is not None:
        return problem
    if n == 8 * 16 * 3 * 3 + 8:
        return correct("8 filters of shape 16x3x3 (each looks at all 16 input channels, lesson 5's "
                       "F x C x kh x kw bank) is 1152 weights, plus one bias per filter: 1160.")
    if n == 8 * 16 * 3 * 3:
        return incorrect("the weights are right; where do the biases go, and how many are there?")
    if n in (8 * 3 * 3 + 8, 8 * 3 * 3):
        return incorrect("a filter of the second layer reads every channel of its input, not just one: "
                         "what is the shape of one filter?")
    if n in (8 * 16 * 3 * 3 + 8 * 16, 8 * 16 * 3 * 3 + 16):
        return incorrect("the weights are right, but count the biases again: one per what?")
    if n == 2 * 8 * 16 * 3 * 3:
        return incorrect("the weights are right, but a bias belongs to a filter, not to each weight: one per "
                         "filter.")
    if n in (16 * 3 * 3 + 16, 16 * 3 * 3 + 8):
        return incorrect("that is one filter (and some biases): the layer has 8 filters, each of shape "
                         "16 x 3 x 3.")
    return incorrect("count the shape of one filter (channels x 3 x 3), multiply by the number of filters, "
                     "and add the biases.")


@never_raises
def check_flat_length(answer):
    """Exercise 3: flattened length for 28x28 images, 8 filters, 3x3 conv with padding 1, 2x2 pool.

    Answer: conv keeps 28x28, pool gives 14x14, so 8 * 14 * 14 = 1568.
    """
    if is_unanswered(answer):
        return not_answered()
    n, problem = read_int(answer, "a whole number: the length of a vector")
    if problem is not None:
        return problem
    if n == 8 * 14 * 14:
        return correct("padding 1 keeps 28x28, pooling halves it to 14x14, and 8 maps of 14x14 flatten to "
                       "1568 numbers.")
    if n == 8 * 28 * 28:
        return incorrect("you flattened the maps before pooling; what does the 2x2 pool do to 28x28?")
    if n in (14 * 14, 28 * 28, 13 * 13, 26 * 26):
        return incorrect("that is the size of one map; the flattened vector holds every filter's map.")
    if n in (8 * 7 * 7, 8 * 14 * 14 // 4):
        return incorrect("that pools twice: one 2x2 pool halves 28x28 once.")
    if n in (8 * 13 * 13, 8 * 26 * 26):
        return incorrect("check the output-size formula of the convolution with padding 1: "
                         "(H + 2p - k) // s + 1.")
    return incorrect("follow the shape: conv (padding 1) -> ReLU -> 2x2 max pool -> flatten, "
                     "with the output-size formula at each step.")


@never_raises
def check_predict_digit(predict_digit, model=None, X=None):
    """Exercise 4: a function ``predict_digit(image) -> int`` for one 8x8 image, via the model.

    Checked against ``model.predict`` on test digits (and the shape of the input a model needs). The label
    is read like every numeric answer (:mod:`cnnmath.checks.common`): an int, a numpy integer, a one-element
    array or a whole-valued float are the same label; text, True/False and fractions are not labels.

    Parameters
    ----------
    predict_digit : callable (8, 8) -> int, or None
    model : TinyCNN, optional (default: a TinyCNN trained by fit's defaults, made here)
    X : ndarray (N, 1, 8, 8), optional (default: the first 20 test digits)
    """
    if is_unanswered(predict_digit):
        return not_answered()
    if not callable(predict_digit):
        return incorrect("define a function `def predict_digit(image): ...` and pass the function itself.")
    if model is None or X is None:
        from cnnmath import TinyCNN, fit, load_digits

        X_train, y_train, X_test, _ = load_digits()
        if model is None:
            model = TinyCNN()
            fit(model, X_train, y_train)
        X = X_test[:20] if X is None else X
    X = np.asarray(X)
    expected = model.predict(X)
    scores = model.loss(X)
    labels = []
    for i, image in enumerate(X[:, 0]):
        case = f"On test digit {i} (an 8x8 image)"
        got, problem = call_student(predict_digit, case, image.copy())
        if problem is not None:
            if "ValueError" in problem.message or "TypeError" in problem.message:
                problem.message += (" The model takes a batch of shape (N, 1, 8, 8); how do you make one image "
                                    "into such a batch?")
            elif "IndexError" in problem.message or "KeyError" in problem.message:
                problem.message += (" predict (or loss) returns one row per image of the batch: index the "
                                    "result of a batch of one with [0].")
            return problem
        if got is None:  # the committed stub: not an answer yet
            return not_answered("write the body of predict_digit so that it returns a label, then run the "
                                "cell again.")
        arr, problem = read_array(got, "one label, a whole number from 0 to 9")
        if problem is not None:
            return incorrect(f"{case} your function returned something that is not a label: {problem.message}")
        if arr.size == scores.shape[1]:
            return incorrect(f"{case} your function returned {arr.size} numbers, one per class (scores or "
                             "probabilities); return the one label whose score is largest.")
        if arr.size != 1:
            return incorrect(f"{case} your function returned {arr.size} numbers; return one label, a single "
                             "int.")
        label, problem = read_int(arr, "one label, a whole number from 0 to 9")
        if problem is not None:
            return incorrect(f"{case} your function returned a number with a fractional part; a label is a "
                             "whole number, the index of the largest score.")
        labels.append(label)
    labels, expected = np.array(labels), np.asarray(expected, dtype=int)
    wrong = np.flatnonzero(labels != expected)
    if wrong.size == 0:
        return correct(f"your function agrees with the model on all {len(X)} test digits.")
    # A hint names a mistake only when it explains (nearly) every digit, not one that fits by chance.
    most = 0.9 * len(X)
    first = int(wrong[0])
    case = f"On {wrong.size} of the {len(X)} test digits (the first: digit {first}),"
    if np.count_nonzero(labels == expected + 1) >= most:
        return incorrect(f"{case} your function's label is one more than the model's: classes are counted from "
                         "0, like the columns of the scores.")
    if np.count_nonzero(labels == scores.argmin(axis=1)) >= most:
        return incorrect(f"{case} your function picks the class with the smallest score; the prediction is the "
                         "class with the largest.")
    if np.unique(labels).size == 1 and np.unique(expected).size > 1:
        return incorrect(f"{case} your function returns {labels[0]} for every digit, while the model's labels "
                         "differ from digit to digit: does it use the image it is given?")
    return incorrect(f"{case} your function's label differs from the model's ({labels[first]} against "
                     f"{expected[first]}). Which class is the one with the largest score or probability?")
