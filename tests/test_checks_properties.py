"""Every exercise check of every lesson, held to issue 14's rules (``DESIGN.md``, "Exercises"):

- every equivalent form of the right answer is accepted (int, float, numpy scalars, float32, 0-d and
  one-element arrays, lists, tuples, extra size-1 dimensions): a hypothesis property test;
- a table of realistic wrong answers, each rejected with its own hint (asserted by the hint's key words);
- random objects (text, booleans, NaN, infinity, huge and tiny numbers, ragged lists, dicts, sets, complex
  numbers, functions, arrays of any dtype) never make a check raise, and get a Feedback;
- no hint contains the expected value.

The expected answers are computed here from cnnmath and the exercises' data, never typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnmath import (TinyCNN, avg_pool2d, conv2d, conv2d_grad, conv_output_size, convolve2d, fit, load_digits,
                     max_pool2d, relu, relu_derivative)
from cnnmath.checks import (BATCH_EXERCISE, DENSE_EXERCISE, DEEP_STACK_EXERCISE, EXERCISE_IMAGE,
                            EXERCISE_KERNEL, EXERCISE_POSITION, LAYER_EXERCISE, MATRIX_QUESTION, PHOTO_QUESTION,
                            ROUTE_QUESTION, SHAPE_QUESTION, SIZE_QUESTION, STACK_EXERCISE, TIE_QUESTION,
                            WARMUP_CUBE, batch_logit_exercise, check_batch_logit_gradient,
                            check_conv2_dx_shape, check_deep_receptive_field, check_dense1_params,
                            check_flat_length, check_horizontal_edge_filter, check_image_gradient,
                            check_input_gradient, check_kernel_gradient, check_layer_output_shape,
                            check_layer_param_count, check_logit_gradient, check_matrix_entry,
                            check_my_conv2d, check_output_by_hand, check_output_size, check_photo_pixel,
                            check_photo_shape, check_pool_gradient_position, check_pool_output_size,
                            check_pool_param_counts, check_pool_tie_position, check_pooled_by_hand,
                            check_predict_digit, check_receptive_field, check_relu_bias,
                            check_relu_derivative_values, check_relu_gradient_mask, check_relu_matrix,
                            check_second_conv_params, check_stages_with_weights, check_to_gray,
                            check_true_convolution, check_update_step, check_warmup, check_weight_inputs,
                            example_matrix, image_gradient_exercise, input_gradient_exercise,
                            kernel_gradient_exercise, logit_exercise, pool_exercise_input,
                            pool_tie_exercise_input, relu_derivative_points, relu_exercise_matrix,
                            relu_mask_exercise_map, update_exercise, weight_inputs_exercise)
from cnnmath.checks.common import RTOL, Feedback
from cnnmath.data import GRAY_WEIGHTS, load_photo, seed_image, seed_kernel
from cnnmath.pooling import max_pool2d_switches, pool_output_size
from cnnmath.receptive import receptive_field

# ------------------------------------------------------------------------------- the right answers


def _cube_root():
    return int(round(np.sign(WARMUP_CUBE) * abs(WARMUP_CUBE) ** (1 / 3)))


def _route(x, window):
    rows, cols = max_pool2d_switches(x)
    return int(rows[window]), int(cols[window])


def _dense1():
    e = DENSE_EXERCISE
    side = e["side"]
    for _ in e["filters"]:
        side = pool_output_size(conv_output_size(side, e["kernel"], 1, e["padding"]), e["pool"], e["pool"])
    flat = e["filters"][-1] * side * side
    return flat * e["hidden"] + e["hidden"], flat


def _dx_shape():
    e = BATCH_EXERCISE
    side = pool_output_size(conv_output_size(e["side"], e["kernel"], 1, e["padding"]), e["pool"], e["pool"])
    return (e["N"], e["filters"][0], side, side)


def _layer_shape():
    e = LAYER_EXERCISE
    return (e["N"], e["F"], conv_output_size(e["H"], e["KH"], e["stride"], e["padding"]),
            conv_output_size(e["W"], e["KW"], e["stride"], e["padding"]))


def _layer_params():
    e = LAYER_EXERCISE
    return e["F"] * e["C"] * e["KH"] * e["KW"] + e["F"]


def _relu_bias():
    z = conv2d(seed_image(), seed_kernel())
    return int(np.floor(-z.min())) + 1


def _pixels():
    (h, w), (kh, kw), (m, n) = weight_inputs_exercise()
    return [(i + m, j + n) for i in range(h - kh + 1) for j in range(w - kw + 1)]


def _onehot(k, label):
    return np.eye(k)[label]


I1, K1 = np.array(EXERCISE_IMAGE, float), np.array(EXERCISE_KERNEL, float)
P1 = EXERCISE_POSITION
BY_HAND = float(conv2d(I1, K1)[P1])
TRUE_CONV = float(convolve2d(I1, K1)[P1])
OUT_SIZE = conv_output_size(SIZE_QUESTION["size"], SIZE_QUESTION["kernel"], SIZE_QUESTION["stride"],
                            SIZE_QUESTION["padding"])
A = example_matrix()
PHOTO = load_photo()
UPD_W, UPD_G, UPD_ETA = update_exercise()
P_LOGIT, LABEL = logit_exercise()
N_B, P_B, LABEL_B = batch_logit_exercise()
_KG = kernel_gradient_exercise()
_IG = image_gradient_exercise()
_K8, _DOUT8 = input_gradient_exercise()
KERNEL_GRAD = conv2d_grad(*_KG)[1]
IMAGE_GRAD = conv2d_grad(*_IG)[0]
INPUT_GRAD = conv2d_grad(np.zeros((4, 4)), _K8, _DOUT8)[0]
POOL_IN = pool_exercise_input()
POOL_SIZE = pool_output_size(28, 3, 2)
RF5 = receptive_field(STACK_EXERCISE)
RF8 = receptive_field(DEEP_STACK_EXERCISE)
DENSE1, FLAT8 = _dense1()
CONV_PARAMS = 6 * 3 * 3 * 3 + 6


# --------------------------------------------------------------------------------------- the table

@dataclass
class Case:
    """One check: its right answer (numeric ones get every equivalent form), wrong answers with the key
    words of their hint, and the strings no hint may contain."""

    check: object
    right: object
    wrong: list = field(default_factory=list)
    secrets: tuple = ()
    numeric: bool = True

    @property
    def id(self):
        return self.check.__name__


def _k_times_jump(layers):
    """The receptive field with each layer's whole kernel side k (not k - 1) times the jump below it."""
    total, jump = 0, 1
    for k, stride in layers:
        total += k * jump
        jump *= stride
    return total


def _num_secrets(*values):
    out = []
    for v in values:
        v = float(v)
        out.append(f"{v:g}")
        if v == int(v):
            out.append(str(int(v)))
    return tuple(out)


CASES = [
    Case(check_warmup, _cube_root(),
         [(-_cube_root(), "wrong sign"), (_cube_root() + 1, "cubed is"), (2.5, "whole numbers"),
          ("seven", "text"), (True, "True and False"), (5000, "range")],
         secrets=()),  # the hint names x, which is the student's own number
    Case(check_matrix_entry, float(A[MATRIX_QUESTION]),
         [(A[MATRIX_QUESTION[::-1]], "first index is the row"),
          (A[MATRIX_QUESTION[0] - 1, MATRIX_QUESTION[1] - 1], "counts rows and columns from 0"),
          (A[MATRIX_QUESTION[0] + 1, MATRIX_QUESTION[1] + 1], "first row and the first column are number 0"),
          (A[MATRIX_QUESTION[0] - 1, MATRIX_QUESTION[1]], "the row is one off"),
          (A[MATRIX_QUESTION[0], MATRIX_QUESTION[1] + 1], "the column is one off"),
          (A[MATRIX_QUESTION] / 255, "scaled to [0, 1]"), ("245", "text"), ([1, 2], "2 numbers")],
         secrets=_num_secrets(A[MATRIX_QUESTION])),
    Case(check_photo_pixel, float(PHOTO[PHOTO_QUESTION]),
         [(PHOTO[PHOTO_QUESTION[::-1]], "first index is the row"),
          (PHOTO[PHOTO_QUESTION[0] - 1, PHOTO_QUESTION[1] - 1], "counts rows and columns from 0"),
          (PHOTO[PHOTO_QUESTION[0], PHOTO_QUESTION[1] - 1], "the column is one off"),
          (PHOTO[PHOTO_QUESTION] / 255, "scaled to [0, 1]"), (float("nan"), "NaN")],
         secrets=_num_secrets(PHOTO[PHOTO_QUESTION])),
    Case(check_photo_shape, (SHAPE_QUESTION["height"], SHAPE_QUESTION["width"], 3),
         [((SHAPE_QUESTION["width"], SHAPE_QUESTION["height"], 3), "rows first"),
          ((3, SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]), "channels come last"),
          ((SHAPE_QUESTION["height"], SHAPE_QUESTION["width"]), "grayscale"),
          ((SHAPE_QUESTION["height"], SHAPE_QUESTION["width"], 4), "not four"),
          ((1, 2, 3, 4), "three axes"), ("(480, 640, 3)", "text")],
         secrets=(str((SHAPE_QUESTION["height"], SHAPE_QUESTION["width"], 3)),)),
    Case(check_output_by_hand, BY_HAND,
         [(TRUE_CONV, "true convolution"), (float(conv2d(I1, K1)[P1[::-1]]), "first index is the row"),
          (float(conv2d(I1, K1)[P1[0] - 1, P1[1] - 1]), "too early"),
          (float(I1[P1[0]:P1[0] + 3, P1[1]:P1[1] + 3].sum()), "plain sum"),
          (-BY_HAND, "sign"), (float(K1.sum()), "signs"),
          (float(conv2d(I1, K1)[P1[0], P1[1] - 1]), "one row or one column off"),
          ([[1, 2, 3]] * 3, "nine products"), ([1, [2]], "rows longer")],
         secrets=_num_secrets(BY_HAND)),
    Case(check_output_size, OUT_SIZE,
         [(OUT_SIZE + 1, "one too many"), (OUT_SIZE - 1, "one too few"), (OUT_SIZE + 0.5, "whole number"),
          ((SIZE_QUESTION["size"] - SIZE_QUESTION["kernel"]) // SIZE_QUESTION["stride"] + 1, "without padding"),
          (SIZE_QUESTION["size"] + 2 * SIZE_QUESTION["padding"] - SIZE_QUESTION["kernel"] + 1, "stride 1"),
          ((SIZE_QUESTION["size"] + 2 * SIZE_QUESTION["padding"]) // SIZE_QUESTION["stride"] + 1,
           "kernel size is missing"),
          ((OUT_SIZE, OUT_SIZE + 1), "square"), ([[1, 2], [3]], "rows longer")],
         secrets=_num_secrets(OUT_SIZE)),
    Case(check_true_convolution, TRUE_CONV,
         [(BY_HAND, "flip the kernel first"), (-TRUE_CONV, "sign"),
          (float(conv2d(I1, K1[::-1])[P1]), "both its rows and its columns"),
          (float(conv2d(I1, K1[:, ::-1])[P1]), "both its rows and its columns"),
          (float(convolve2d(I1, K1)[P1[::-1]]), "the flip is right")],
         secrets=_num_secrets(TRUE_CONV)),
    Case(check_relu_matrix, relu(relu_exercise_matrix()).tolist(),
         [(relu_exercise_matrix().tolist(), "unchanged"), (np.abs(relu_exercise_matrix()), "absolute value"),
          (np.minimum(relu_exercise_matrix(), 0), "negative part"),
          (relu_derivative(relu_exercise_matrix()), "derivative"),
          (relu(relu_exercise_matrix()).T, "swapped"),
          ([[str(v) for v in row] for row in relu(relu_exercise_matrix())], "text")],
         secrets=(str(relu(relu_exercise_matrix()).tolist()),)),
    Case(check_relu_derivative_values, relu_derivative(relu_derivative_points()).tolist(),
         [(relu(relu_derivative_points()), "not the slopes"),
          ((1 - relu_derivative(relu_derivative_points())).tolist(), "wrong way round"),
          (np.sign(relu_derivative_points()), "not -1"),
          ([0, 0, None, 1, 1], "undefined"), ([0, 0, float("nan"), 1, 1], "undefined"),
          ([0, 0, "undefined", 1, 1], "undefined"), ([0, 0, 2, 1, 1], "from 0 to 1"),
          ([0, 0, 0, 1], "one value per point")],
         secrets=()),
    Case(check_relu_gradient_mask, (relu_mask_exercise_map() > 0),
         [(relu_mask_exercise_map() >= 0, "exactly 0"), (relu_mask_exercise_map() < 0, "wrong way round"),
          (relu_mask_exercise_map() != 0, "negative pixels pass"), (relu(relu_mask_exercise_map()), "ReLU output"),
          ((relu_mask_exercise_map() > 0).T, "swapped")],
         secrets=()),
    Case(check_relu_bias, _relu_bias(),
         [(_relu_bias() - 1, "corner"), (_relu_bias() + 1, "smaller whole number"), (-_relu_bias(), "sign of b"),
          (_relu_bias() - 2, "still negative"), (_relu_bias() - 0.5, "whole number")],
         secrets=_num_secrets(_relu_bias())),
    Case(check_pooled_by_hand, max_pool2d(POOL_IN).tolist(),
         [(avg_pool2d(POOL_IN), "averages"), (max_pool2d(POOL_IN).T, "swapped"),
          (-max_pool2d(-POOL_IN), "smallest"), (max_pool2d(POOL_IN, 2, 1)[:2, :2], "do not overlap"),
          (max_pool2d(POOL_IN) + np.array([[0, 0], [0, 1]]), "1 of 4 entries is off"),
          (np.ones((3, 3)), "shape")],
         secrets=(str(max_pool2d(POOL_IN).tolist()),)),
    Case(check_pool_output_size, POOL_SIZE,
         [(POOL_SIZE + 1, "rounds it down"), (POOL_SIZE - 1, "add 1"), (28 - 3 + 1, "stride 1"),
          (28 // 3, "H / size"), (POOL_SIZE + 0.5, "whole number")],
         secrets=_num_secrets(POOL_SIZE)),
    Case(check_pool_gradient_position, _route(POOL_IN, ROUTE_QUESTION),
         [((_route(POOL_IN, ROUTE_QUESTION)[0] - 2 * ROUTE_QUESTION[0],
            _route(POOL_IN, ROUTE_QUESTION)[1] - 2 * ROUTE_QUESTION[1]), "inside the window"),
          (ROUTE_QUESTION, "window's own index"), (_route(POOL_IN, ROUTE_QUESTION)[::-1], "swapped"),
          (tuple(v + 1 for v in _route(POOL_IN, ROUTE_QUESTION)), "count from 0"),
          ((0, 3), "outside window"), ([(2, 1), (3, 0)], "not several"), ("2, 1", "text")],
         secrets=(str(_route(POOL_IN, ROUTE_QUESTION)),)),
    Case(check_pool_tie_position, _route(pool_tie_exercise_input(), TIE_QUESTION),
         [((3, 0), "so does another one"), (TIE_QUESTION, "window's own index"), ((2, 0), "not the largest")],
         secrets=(str(_route(pool_tie_exercise_input(), TIE_QUESTION)),)),
    Case(check_pool_param_counts, (CONV_PARAMS, 0),
         [((CONV_PARAMS - 6, 0), "each filter also has a bias"), ((6 * 9 + 6, 0), "3 channels"),
          ((CONV_PARAMS, 4), "max-pooling layer learn"), ((0, CONV_PARAMS), "wrong order"),
          ((CONV_PARAMS + 12, 0), "once per filter"), (CONV_PARAMS, "two numbers")],
         secrets=_num_secrets(CONV_PARAMS)),
    Case(check_horizontal_edge_filter, [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
         [([[1, 0, -1]] * 3, "vertical edges"), (np.ones((3, 3)), "plain image"), (np.zeros((3, 3)), "all zeros"),
          (np.ones((2, 2)), "3x3")]),
    Case(check_layer_output_shape, _layer_shape(),
         [((_layer_shape()[0], LAYER_EXERCISE["C"]) + _layer_shape()[2:], "output channels"),
          ((_layer_shape()[0],) + _layer_shape()[2:] + (_layer_shape()[1],), "wrong order"),
          (_layer_shape()[1:], "four axes"), ((1,) + _layer_shape()[1:], "batch size")],
         secrets=(str(_layer_shape()),)),
    Case(check_layer_param_count, _layer_params(),
         [(_layer_params() - LAYER_EXERCISE["F"], "counted the weights"),
          (LAYER_EXERCISE["F"] * 25 + LAYER_EXERCISE["F"], "one KH x KW kernel per input channel"),
          (_layer_params() + LAYER_EXERCISE["F"] * (LAYER_EXERCISE["C"] - 1), "once per filter"),
          (_layer_params() * LAYER_EXERCISE["N"], "shared")],
         secrets=_num_secrets(_layer_params())),
    Case(check_receptive_field, RF5,
         [(1 + sum(k - 1 for k, _ in STACK_EXERCISE), "twice as fast"),
          (sum(k for k, _ in STACK_EXERCISE), "not its own"), (RF5 ** 2, "side"), (RF5 - 1, "One pixel off"),
          ((RF5, RF5 + 2), "equal sides"), (1 + _k_times_jump(STACK_EXERCISE), "not k")],
         secrets=_num_secrets(RF5)),
    Case(check_kernel_gradient, KERNEL_GRAD.tolist(),
         [(-KERNEL_GRAD, "sign"), (KERNEL_GRAD.T, "swapped"), (_KG[2] * _KG[1], "not a kernel value"),
          (conv2d(_KG[0], _KG[2][::-1, ::-1]), "flipped"), (KERNEL_GRAD + np.array([[0, 0], [0, 1]]), "1 of the 4 entries is off")],
         secrets=(str(KERNEL_GRAD.tolist()),)),
    Case(check_update_step, UPD_W - UPD_ETA * UPD_G,
         [(UPD_W + UPD_ETA * UPD_G, "direction of the gradient"), (-UPD_ETA * UPD_G, "size of the step"),
          (UPD_W - UPD_G, "learning rate is missing"), (-(UPD_W - UPD_ETA * UPD_G), "sign of the whole")],
         secrets=_num_secrets(UPD_W - UPD_ETA * UPD_G)),
    Case(check_weight_inputs, _pixels(),
         [([(r - weight_inputs_exercise()[2][0], c - weight_inputs_exercise()[2][1]) for r, c in _pixels()],
           "output positions themselves"),
          ([(c, r) for r, c in _pixels()], "swapped"), (_pixels()[:3], "you gave 3 pixels"),
          ([(9, 9)], "outside")],
         secrets=(str(_pixels()),)),
    Case(check_logit_gradient, (P_LOGIT - _onehot(3, LABEL)).tolist(),
         [(_onehot(3, LABEL) - P_LOGIT, "reversed"), (P_LOGIT, "p alone"),
          ((P_LOGIT - _onehot(3, LABEL)) / 3, "no mean"), ((P_LOGIT - _onehot(3, LABEL)) / N_B, "no mean"),
          (P_LOGIT - _onehot(3, (LABEL + 1) % 3), "wrong class")],
         secrets=()),
    Case(check_image_gradient, IMAGE_GRAD.tolist(),
         [(-IMAGE_GRAD, "sign"), (IMAGE_GRAD.T, "swapped"), (IMAGE_GRAD[::-1, ::-1], "turn the kernel, not"),
          (conv2d(_IG[0], _IG[2]), "that is dL/dK"),
          (IMAGE_GRAD + np.eye(3) * np.array([1, 0, 0]), "1 of the 9 entries is off")],
         secrets=(str(IMAGE_GRAD.tolist()),)),
    Case(check_batch_logit_gradient, ((P_B - _onehot(3, LABEL_B)) / N_B).tolist(),
         [(P_B - _onehot(3, LABEL_B), "mean over its N"), ((P_B - _onehot(3, LABEL_B)) * N_B, "other way round"),
          ((_onehot(3, LABEL_B) - P_B) / N_B, "reversed"), ((P_B - _onehot(3, (LABEL_B + 1) % 3)) / N_B, "wrong class"),
          ((P_B - _onehot(3, LABEL_B)) / 3, "number of classes"),
          (np.round((P_B - _onehot(3, LABEL_B)) / N_B, 2), "rounding")],
         secrets=()),
    Case(check_stages_with_weights, ["conv", "dense"],
         [(["conv"], "missing"), (["conv", "dense", "relu"], "fixed rule"), ([1, 2], "text in quotes"),
          (["kernel"], "not a stage name")],
         numeric=False),
    Case(check_second_conv_params, 8 * 16 * 9 + 8,
         [(8 * 16 * 9, "biases"), (8 * 9 + 8, "every channel"), (8 * 16 * 9 + 16, "one per what"),
          (16 * 9 + 16, "8 filters"), (2 * 8 * 16 * 9, "not to each weight"), ("1160", "text")],
         secrets=_num_secrets(8 * 16 * 9 + 8)),
    Case(check_flat_length, 8 * 14 * 14,
         [(8 * 28 * 28, "before pooling"), (14 * 14, "one map"), (8 * 13 * 13, "padding 1"), (8 * 7 * 7, "pools twice")],
         secrets=_num_secrets(8 * 14 * 14)),
    Case(check_dense1_params, DENSE1,
         [(DENSE1 - DENSE_EXERCISE["hidden"], "counted the weights"), (FLAT8, "length of the flattened"),
          (DENSE_EXERCISE["hidden"] * 10 + 10, "dense2")],
         secrets=_num_secrets(DENSE1)),
    Case(check_deep_receptive_field, RF8,
         [(1 + sum(k - 1 for k, _ in DEEP_STACK_EXERCISE), "4 apart"), (RF8 ** 2, "side"),
          (receptive_field(DEEP_STACK_EXERCISE + ((2, 2),)), "third pooling")],
         secrets=_num_secrets(RF8)),
    Case(check_input_gradient, INPUT_GRAD.tolist(),
         [(-INPUT_GRAD, "signs"), (np.zeros((3, 3)), "dL/dK"), (np.zeros((2, 2)), "dL/dO"), (INPUT_GRAD.T, "swapped")],
         secrets=(str(INPUT_GRAD.tolist()),)),
    Case(check_conv2_dx_shape, _dx_shape(),
         [((_dx_shape()[0], 32) + _dx_shape()[2:], "conv2's output"), (5, "not a single number"),
          ((_dx_shape()[0],) + _dx_shape()[2:] + (_dx_shape()[1],), "order of the axes")],
         secrets=(str(_dx_shape()),)),
]

NUMERIC = [c for c in CASES if c.numeric]


def _secret_in(message, secret):
    return re.search(rf"(?<![\d.]){re.escape(secret)}(?![\d])", message) is not None


# ------------------------------------------------------------------------- equivalent forms of the right


def _forms(value):
    """Every container and dtype the rule says is the same answer as ``value``."""
    arr = np.asarray(value, dtype=float)
    forms = [arr, arr.tolist(), arr.astype(np.float32), arr[None], arr[None].tolist(), arr.astype(np.float64)]
    if arr.ndim == 0:
        v = float(arr)
        forms += [v, np.float64(v), np.float32(v), np.array(v), np.array([v]), [v], (v,), [[v]], np.array([[v]]),
                  np.array(v, dtype=np.float32), np.longdouble(v)]
        if v == int(v):
            forms += [int(v), np.int64(v), np.int32(v), np.array(int(v)), [int(v)], (int(v),)]
            if 0 <= v < 128:
                forms += [np.int8(v), np.uint8(v)]
    else:
        forms.append(tuple(map(tuple, arr.tolist())) if arr.ndim == 2 else tuple(arr.tolist()))
        forms.append(arr[:, None].tolist() if arr.ndim == 1 else arr[None, None])
        if np.all(arr == np.round(arr)) and np.abs(arr).max() < 1e9:
            forms += [arr.astype(np.int64), arr.astype(np.int32), arr.astype(int).tolist()]
    return forms


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_right_answer_is_accepted(case):
    assert case.check(case.right).ok is True


@pytest.mark.parametrize("case", NUMERIC, ids=lambda c: c.id)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_equivalent_form_of_the_right_answer_is_accepted(case, data):
    forms = _forms(case.right)
    form = data.draw(st.sampled_from(range(len(forms))))
    answer = forms[form]
    # and a nudge smaller than the stated tolerance is still right
    nudge = data.draw(st.floats(-0.4, 0.4))
    if data.draw(st.booleans()):
        arr = np.asarray(answer, dtype=float)
        scale = max(1.0, float(np.abs(arr).max()))
        answer = arr + nudge * RTOL * scale
    feedback = case.check(answer)
    assert feedback.ok is True, (case.id, repr(answer), feedback.message)


# answers that are grids (check_weight_inputs' right answer is a list of (row, column) pairs, not a grid)
GRIDS = [c for c in NUMERIC if np.ndim(c.right) == 2 and min(np.shape(c.right)) > 1 and c.id != "check_weight_inputs"]


@pytest.mark.parametrize("case", GRIDS, ids=lambda c: c.id)
def test_a_grid_typed_as_one_flat_list_gets_told_the_arrangement(case):
    """The right numbers of a grid answer typed as one flat list are not the answer, but the hint says so in
    words: how many rows of how many numbers (cols rows of rows numbers may be read as swapped)."""
    right = np.asarray(case.right, dtype=float)
    rows, cols = right.shape
    feedback = case.check(right.ravel().tolist())
    assert feedback.ok is False, (case.id, feedback.message)
    assert f"{rows} rows" in feedback.message and "right count" in feedback.message, feedback.message
    if rows != cols:  # cols rows of rows numbers: told the arrangement, or that rows and columns are swapped
        feedback = case.check(right.reshape(cols, rows).tolist())
        assert feedback.ok is False and ("right count" in feedback.message or "swapped" in feedback.message)


def test_the_grid_checks_are_there():
    assert {c.id for c in GRIDS} >= {"check_relu_matrix", "check_pooled_by_hand", "check_horizontal_edge_filter",
                                     "check_kernel_gradient", "check_image_gradient", "check_input_gradient"}


# --------------------------------------------------------------------------------- wrong answers

WRONG = [(c, answer, words) for c in CASES for answer, words in c.wrong]


@pytest.mark.parametrize(("case", "answer", "words"), WRONG,
                         ids=[f"{c.id}-{words}" for c, _, words in WRONG])
def test_realistic_wrong_answers_get_their_own_hint(case, answer, words):
    feedback = case.check(answer)
    assert feedback.ok is False, (answer, feedback.message)
    assert words.lower() in feedback.message.lower(), (answer, feedback.message)
    for secret in case.secrets:
        assert not _secret_in(feedback.message, secret), (secret, feedback.message)


def test_the_wrong_answer_hints_differ_within_each_check():
    """Each slip has its own hint: two different slips of one check never share the same message."""
    for case in CASES:
        messages = {}
        for answer, words in case.wrong:
            messages.setdefault(case.check(answer).message, set()).add(words)
        for message, slips in messages.items():
            assert len(slips) == 1 or case.check in (check_relu_derivative_values,), (case.id, slips, message)


# ------------------------------------------------------------------------------ anything at all

def _objects():
    scalars = st.one_of(st.none(), st.just(...), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                        st.binary(max_size=3), st.complex_numbers(), st.just(-1e308), st.just(1e-320),
                        st.just(10 ** 400), st.just(float("nan")), st.just(float("inf")), st.just(object()),
                        st.just(print), st.just(np.datetime64("2020-01-01")), st.just(Feedback(True, "x")))
    arrays = hnp.arrays(st.sampled_from([np.float64, np.float32, np.int8, np.uint8, np.bool_, np.complex64,
                                         "U2", np.int64]),
                        hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
    return st.recursive(st.one_of(scalars, arrays),
                        lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner),
                                                st.dictionaries(st.text(max_size=2), inner, max_size=2),
                                                st.sets(st.integers(), max_size=3)),
                        max_leaves=12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@settings(max_examples=60, deadline=None)
@given(answer=_objects())
def test_any_object_gets_feedback_never_a_traceback_nor_the_answer(case, answer):
    feedback = case.check(answer)
    assert isinstance(feedback, Feedback)
    assert feedback.ok in (True, False, None)
    if feedback.ok is False:
        for secret in case.secrets:
            assert not _secret_in(feedback.message, secret), (secret, feedback.message)


def test_one_element_answers_of_the_issue_are_accepted():
    """The containers issue 14 found rejected."""
    assert check_output_size(np.array([OUT_SIZE, OUT_SIZE])).ok is True
    assert check_pool_param_counts(np.array([CONV_PARAMS, 0])).ok is True
    assert check_update_step(np.array(UPD_W - UPD_ETA * UPD_G)).ok is True
    assert check_update_step([UPD_W - UPD_ETA * UPD_G]).ok is True
    assert check_stages_with_weights(["conv layer", "Dense layer"]).ok is True
    assert check_stages_with_weights(["Conv2D", "Dense"]).ok is True
    # the (1, 3) row softmax_cross_entropy returns for one example
    from cnnmath import softmax_cross_entropy
    z = np.log(P_LOGIT)[None, :]
    _, dlogits = softmax_cross_entropy(z, np.array([LABEL]))
    assert dlogits.shape == (1, 3) and check_logit_gradient(dlogits).ok is True


def test_text_and_strings_are_not_numbers():
    assert check_relu_matrix([[str(v) for v in row] for row in relu(relu_exercise_matrix())]).ok is False
    assert check_warmup(float("nan")).ok is False
    assert check_output_size([[1, 2], [3]]).ok is False


def test_relu_corner_accepts_every_value_from_0_to_1_and_names_the_convention():
    points = relu_derivative_points()
    zero = int(np.flatnonzero(points == 0)[0])
    for at_zero in (0, 0.25, 0.5, 1, np.float32(0.5)):
        answer = relu_derivative(points).tolist()
        answer[zero] = at_zero
        feedback = check_relu_derivative_values(answer)
        assert feedback.ok is True, feedback.message
        assert "0" in feedback.message and "relu_derivative" in feedback.message
    answer = relu_derivative(points).tolist()
    answer[zero] = 0.5
    assert "f'(0) = 0" in check_relu_derivative_values(answer).message


# ------------------------------------------------------------------------------ student functions

def _gray(rgb):
    return rgb[..., 0] * GRAY_WEIGHTS[0] + rgb[..., 1] * GRAY_WEIGHTS[1] + rgb[..., 2] * GRAY_WEIGHTS[2]


def _conv(image, kernel, stride=1):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    h = (image.shape[0] - kh) // stride + 1
    w = (image.shape[1] - kw) // stride + 1
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = (image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel).sum()
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32, "round6", "list"])
def test_function_answers_are_compared_whatever_their_dtype(dtype):
    def cast(out):
        if dtype == "round6":
            return np.round(out, 6)
        if dtype == "list":
            return np.asarray(out).tolist()
        return np.asarray(out).astype(dtype)

    assert check_my_conv2d(lambda image, kernel, stride=1: cast(_conv(image, kernel, stride))).ok is True
    assert check_to_gray(lambda rgb: cast(_gray(rgb.astype(float)))).ok is True


def test_student_function_exceptions_become_hints_naming_the_case():
    def boom(exc):
        def f(*args, **kwargs):
            raise exc("boom")
        return f

    for exc in (KeyError, IndexError, ZeroDivisionError, RuntimeError, ValueError, TypeError, AttributeError):
        for check in (check_my_conv2d, check_to_gray):
            fb = check(boom(exc))
            assert fb.ok is False and exc.__name__ in fb.message, fb.message
            assert "case" in fb.message.lower() or "image" in fb.message.lower(), fb.message


def test_student_functions_returning_odd_objects_get_hints():
    for returned in ("7", True, {"a": 1}, [[1, 2], [3]], float("nan"), object()):
        for check in (check_my_conv2d, check_to_gray):
            fb = check(lambda *args, returned=returned, **kwargs: returned)
            assert isinstance(fb, Feedback) and fb.ok is not True, (returned, fb)


@cache
def _model():
    X_train, y_train, X_test, _ = load_digits()
    model = TinyCNN(seed=0)
    fit(model, X_train, y_train, epochs=1)
    return model, X_test[:30]


def test_predict_digit_reads_labels_by_the_rule_and_names_errors():
    model, X = _model()

    def right(image):
        return int(model.predict(image[None, None])[0])

    assert check_predict_digit(right, model, X).ok is True
    assert check_predict_digit(lambda im: np.array([right(im)]), model, X).ok is True
    assert check_predict_digit(lambda im: np.int64(right(im)), model, X).ok is True
    hints = {
        "text": (lambda im: str(right(im)), "text"),
        "fraction": (lambda im: right(im) + 0.4, "fractional part"),
        "scores": (lambda im: model.loss(im[None, None])[0], "one per class"),
        "plus one": (lambda im: right(im) + 1, "counted from 0"),
        "argmin": (lambda im: int(np.argmin(model.loss(im[None, None])[0])), "smallest score"),
        "KeyError": (lambda im: {}["x"], "KeyError"),
        "IndexError": (lambda im: [][1], "IndexError"),
        "no batch": (lambda im: model.predict(im), "(N, 1, 8, 8)"),
        "bool": (lambda im: True, "True and False"),
    }
    for name, (func, words) in hints.items():
        fb = check_predict_digit(func, model, X)
        assert fb.ok is False, name
        assert words in fb.message, (name, fb.message)
        assert "test digit" in fb.message, (name, fb.message)


def test_function_hints_never_show_the_expected_numbers():
    """A function one value off is told which entry, never what it should be."""
    def almost(image, kernel, stride=1):
        out = _conv(image, kernel, stride)
        out[0, 0] += 1.0
        return out

    fb = check_my_conv2d(almost)
    expected = conv2d(seed_image(), seed_kernel())  # case 1, the worked example
    assert fb.ok is False and "1 entry is wrong" in fb.message, fb.message
    assert "[[" not in fb.message
    for value in {f"{v:g}" for v in np.ravel(expected)} | {f"{v:g}" for v in np.ravel(expected) + 1}:
        assert not _secret_in(fb.message, value), (value, fb.message)

    def gray_almost(rgb):
        out = _gray(rgb.astype(float))
        out.flat[0] += 1.0
        return out

    fb = check_to_gray(gray_almost)
    first = _gray(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=float))
    assert fb.ok is False
    for value in np.ravel(first):
        assert not _secret_in(fb.message, f"{value:g}"), fb.message


class _Hostile(list):
    """A list that fails when read: what a check cannot foresee must still end in feedback."""

    def __iter__(self):
        raise RuntimeError("cannot be read")

    def __len__(self):
        raise RuntimeError("cannot be measured")


class _BadNumber(float):
    def __float__(self):
        raise ArithmeticError("no value")

    def __array__(self, *args, **kwargs):
        raise ArithmeticError("no array")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("answer", [_Hostile([1, 2]), _BadNumber(1.0), [_BadNumber(2.0)]],
                         ids=["hostile list", "bad number", "list of bad numbers"])
def test_objects_that_fail_when_read_get_feedback(case, answer):
    feedback = case.check(answer)
    assert isinstance(feedback, Feedback) and feedback.ok is not True


def test_every_check_is_in_the_table_and_wrapped():
    """A new check cannot skip these tests: every public check_* is in CASES and guarded by never_raises
    (check_pooled_by_hand checks its own mode argument, then calls a guarded function)."""
    import cnnmath.checks as checks

    names = {n for n in checks.__all__ if n.startswith("check_")}
    assert names == {c.id for c in CASES} | {"check_my_conv2d", "check_to_gray", "check_predict_digit"}
    for name in names - {"check_pooled_by_hand"}:
        assert hasattr(getattr(checks, name), "__wrapped__"), name


@pytest.mark.parametrize(("bug", "words"), [
    ("flip", "flip"), ("negate", "minus sign"), ("stride", "starts at row i*stride"), ("plain", "multiply each pixel"),
    ("transpose", "transposed"), ("short", "One row or column too few"), ("long", "runs past the edge"),
    ("int", "whole numbers only"), ("no stride arg", "does not accept stride")])
def test_my_conv2d_slips_get_their_own_hint(bug, words):
    def student(image, kernel, stride=1):
        k = np.asarray(kernel, float)
        k = k[::-1, ::-1] if bug == "flip" else k.T if bug == "transpose" and k.shape[0] == k.shape[1] else k
        kh, kw = k.shape
        extra = {"short": -1, "long": 1}.get(bug, 0)
        h, w = (image.shape[0] - kh) // stride + 1 + extra, (image.shape[1] - kw) // stride + 1 + extra
        out = np.zeros((h, w), dtype=int if bug == "int" else float)
        for i in range(h):
            for j in range(w):
                r, c = (i, j) if bug == "stride" else (i * stride, j * stride)
                window = image[r:r + kh, c:c + kw]
                out[i, j] = window.sum() if bug == "plain" else (window * k).sum() * (-1 if bug == "negate" else 1)
        return out

    func = (lambda image, kernel: student(image, kernel)) if bug == "no stride arg" else student
    feedback = check_my_conv2d(func)
    assert feedback.ok is False and words in feedback.message, feedback.message
    assert feedback.message.startswith("case "), feedback.message


@pytest.mark.parametrize("check", [check_my_conv2d, check_to_gray, check_predict_digit],
                         ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None)
@given(thing=_objects(), as_function=st.booleans())
def test_function_checks_take_any_object_or_any_returned_object(check, thing, as_function):
    """Passed itself, or returned by the student's function: feedback, never a traceback."""
    answer = (lambda *args, **kwargs: thing) if as_function else thing
    if check is check_predict_digit:
        model, X = _model()
        feedback = check(answer, model, X[:3])
    else:
        feedback = check(answer)
    assert isinstance(feedback, Feedback) and feedback.ok in (True, False, None)
