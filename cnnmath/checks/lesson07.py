"""Exercise feedback for lesson 7, the whole pipeline (``07_full_pipeline.ipynb``).

Each check returns a :class:`~cnnmath.checks.common.Feedback`: "your turn" for None, a hint that does not
give the answer away for a wrong one, a confirmation for the right one.
"""

from __future__ import annotations

import numbers

import numpy as np

from .common import correct, incorrect, not_answered

__all__ = ["check_stages_with_weights", "check_second_conv_params", "check_flat_length",
           "check_predict_digit"]

_STAGE_ALIASES = {
    "conv": "conv", "convolution": "conv", "conv2d": "conv",
    "relu": "relu", "activation": "relu",
    "pool": "pool", "pooling": "pool", "max pool": "pool", "maxpool": "pool", "max pooling": "pool",
    "flatten": "flatten", "flat": "flatten",
    "dense": "dense", "fully connected": "dense", "linear": "dense",
    "softmax": "softmax",
}


def _as_int(answer):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not float(answer).is_integer():
        return None
    return int(answer)


def check_stages_with_weights(answer):
    """Exercise 1: which stages of TinyCNN have learned numbers? (Answer: conv and dense.)

    Parameters
    ----------
    answer : collection of str, stage names among conv, relu, pool, flatten, dense, softmax
    """
    if answer is None:
        return not_answered()
    if isinstance(answer, str):
        answer = [answer]
    try:
        names = {str(a).strip().lower() for a in answer}
    except TypeError:
        return incorrect("give a list of stage names, e.g. [\"relu\", \"softmax\"].")
    unknown = sorted(n for n in names if n not in _STAGE_ALIASES)
    if unknown:
        return incorrect(f"{unknown} is not a stage name here; use conv, relu, pool, flatten, dense, softmax.")
    stages = {_STAGE_ALIASES[n] for n in names}
    if stages == {"conv", "dense"}:
        return correct("only the convolution (kernels and biases) and the dense layer (weights and biases) "
                       "learn; ReLU, pooling, flatten and softmax are fixed rules with nothing to learn.")
    if stages & {"relu", "pool", "flatten", "softmax"}:
        return incorrect("one of the stages you listed is a fixed rule: could gradient descent change "
                         "anything in it? Look at the parameter column of the tracker table.")
    return incorrect("a stage with learned numbers is missing: look for every non-zero entry in the "
                     "parameter column of the tracker table.")


def check_second_conv_params(answer):
    """Exercise 2: learned numbers of a second conv layer, 8 filters of 3x3 on the 16 pooled maps.

    Answer: 8 * 16 * 3 * 3 + 8 = 1160 (each filter spans all 16 input channels; one bias per filter).
    """
    if answer is None:
        return not_answered()
    n = _as_int(answer)
    if n is None:
        return incorrect("the answer is a whole number of weights and biases.")
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
    return incorrect("count the shape of one filter (channels x 3 x 3), multiply by the number of filters, "
                     "and add the biases.")


def check_flat_length(answer):
    """Exercise 3: flattened length for 28x28 images, 8 filters, 3x3 conv with padding 1, 2x2 pool.

    Answer: conv keeps 28x28, pool gives 14x14, so 8 * 14 * 14 = 1568.
    """
    if answer is None:
        return not_answered()
    n = _as_int(answer)
    if n is None:
        return incorrect("the answer is a whole number: the length of a vector.")
    if n == 8 * 14 * 14:
        return correct("padding 1 keeps 28x28, pooling halves it to 14x14, and 8 maps of 14x14 flatten to "
                       "1568 numbers.")
    if n == 8 * 28 * 28:
        return incorrect("you flattened the maps before pooling; what does the 2x2 pool do to 28x28?")
    if n in (14 * 14, 28 * 28, 13 * 13, 26 * 26):
        return incorrect("that is the size of one map; the flattened vector holds every filter's map.")
    if n in (8 * 13 * 13, 8 * 26 * 26):
        return incorrect("check the output-size formula of the convolution with padding 1: "
                         "(H + 2p - k) // s + 1.")
    return incorrect("follow the shape: conv (padding 1) -> ReLU -> 2x2 max pool -> flatten, "
                     "with the output-size formula at each step.")


def check_predict_digit(predict_digit, model=None, X=None):
    """Exercise 4: a function ``predict_digit(image) -> int`` for one 8x8 image, via the model.

    Checked against ``model.predict`` on test digits (and the shape of the input a model needs).

    Parameters
    ----------
    predict_digit : callable (8, 8) -> int, or None
    model : TinyCNN, optional (default: a TinyCNN trained by fit's defaults, made here)
    X : ndarray (N, 1, 8, 8), optional (default: the first 20 test digits)
    """
    if predict_digit is None:
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
    for i, (image, want) in enumerate(zip(X[:, 0], expected)):
        try:
            got = predict_digit(image.copy())
        except (ValueError, TypeError) as err:
            return incorrect(f"your function raised an error on an 8x8 image: {err}. The model takes a batch "
                             f"of shape (N, 1, 8, 8); how do you make one image into such a batch?")
        if got is None:  # the committed stub: not an answer yet
            return not_answered("write the body of predict_digit so that it returns a label, then run the "
                                "cell again.")
        g = np.asarray(got)
        if g.size != 1:
            return incorrect(f"your function returned {g.size} numbers; return one label, a single int.")
        if int(g.ravel()[0]) != int(want):
            return incorrect(f"on test digit {i} your function's label differs from the model's. Which class "
                             f"is the one with the largest score or probability?")
    return correct(f"your function agrees with the model on all {len(X)} test digits.")
