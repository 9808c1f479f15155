"""Every bad input of the API contract raises ValueError or TypeError naming the argument and shapes."""

import numpy as np
import pytest

import cnnmath as cm

IMG, KER = np.ones((5, 5)), np.ones((3, 3))
X4, W4, B1 = np.ones((2, 1, 6, 6)), np.ones((3, 1, 3, 3)), np.zeros(3)


@pytest.mark.parametrize("call,exc,words", [
    # wrong rank
    (lambda: cm.conv2d(np.ones(5), KER), ValueError, ["image", "(5,)", "2-D"]),
    (lambda: cm.conv2d(IMG, np.ones((1, 3, 3))), ValueError, ["kernel", "(1, 3, 3)", "2-D"]),
    (lambda: cm.max_pool2d(np.ones((1, 4, 4))), ValueError, ["x", "(1, 4, 4)", "2-D"]),
    (lambda: cm.conv2d_forward(np.ones((1, 6, 6)), W4, B1), ValueError, ["x", "(1, 6, 6)", "(N, C, H, W)"]),
    (lambda: cm.conv2d_forward(X4, np.ones((3, 3, 3)), B1), ValueError, ["w", "(3, 3, 3)", "(F, C, KH, KW)"]),
    (lambda: cm.dense_forward(np.ones(4), np.ones((4, 2)), np.zeros(2)), ValueError, ["x", "(N, D)"]),
    (lambda: cm.softmax_cross_entropy(np.ones(3), [0]), ValueError, ["logits", "(N, K)"]),
    # kernel larger than the padded image
    (lambda: cm.conv2d(np.ones((4, 4)), np.ones((5, 5))), ValueError,
     ["kernel is 5x5", "padded image is only 4x4", "smaller kernel or more padding"]),
    (lambda: cm.conv2d(np.ones((3, 3)), np.ones((6, 6)), padding=1), ValueError, ["6x6", "5x5"]),
    (lambda: cm.conv2d_forward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), [0]), ValueError, ["3x3", "2x2"]),
    (lambda: cm.max_pool2d(np.ones((3, 3)), size=4), ValueError, ["window is 4x4", "3x3"]),
    (lambda: cm.maxpool2d_forward(np.ones((1, 1, 3, 3)), size=4), ValueError, ["4x4", "3x3"]),
    # non-positive stride or size, negative padding
    (lambda: cm.conv2d(IMG, KER, stride=0), ValueError, ["stride is 0", ">= 1"]),
    (lambda: cm.conv2d(IMG, KER, stride=-2), ValueError, ["stride is -2"]),
    (lambda: cm.conv2d(IMG, KER, padding=-1), ValueError, ["padding is -1", ">= 0"]),
    (lambda: cm.max_pool2d(IMG, size=0), ValueError, ["size is 0"]),
    (lambda: cm.max_pool2d(IMG, stride=0), ValueError, ["stride is 0"]),
    (lambda: cm.avg_pool2d(IMG, size=-1), ValueError, ["size is -1"]),
    (lambda: cm.maxpool2d_forward(X4, stride=0), ValueError, ["stride is 0"]),
    (lambda: cm.conv2d_forward(X4, W4, B1, stride=0), ValueError, ["stride is 0"]),
    (lambda: cm.conv2d(IMG, KER, stride=1.5), TypeError, ["stride", "whole number"]),
    (lambda: cm.conv2d(IMG, KER, stride="2"), TypeError, ["stride"]),
    (lambda: cm.conv2d(IMG, KER, padding=True), TypeError, ["padding"]),
    # NaN or infinite values
    (lambda: cm.conv2d(np.array([[np.nan, 1], [1, 1]]), np.ones((1, 1))), ValueError, ["image", "NaN"]),
    (lambda: cm.conv2d(IMG, np.full((3, 3), np.inf)), ValueError, ["kernel", "infinite"]),
    (lambda: cm.relu([1.0, np.nan]), ValueError, ["x", "NaN"]),
    (lambda: cm.max_pool2d(np.full((4, 4), np.inf)), ValueError, ["x"]),
    (lambda: cm.conv2d_forward(np.full((1, 1, 4, 4), np.nan), np.ones((1, 1, 3, 3)), [0]), ValueError, ["x", "NaN"]),
    (lambda: cm.dense_forward([[np.inf]], [[1.0]], [0.0]), ValueError, ["x"]),
    (lambda: cm.softmax([1.0, np.nan]), ValueError, ["z", "NaN"]),
    (lambda: cm.softmax_cross_entropy([[np.nan, 1.0]], [0]), ValueError, ["logits", "NaN"]),
    # non-numeric dtypes
    (lambda: cm.conv2d([["a", "b"], ["c", "d"]], KER), TypeError, ["image", "dtype", "numbers"]),
    (lambda: cm.conv2d(IMG, np.ones((3, 3), dtype=complex)), TypeError, ["kernel", "complex"]),
    (lambda: cm.relu(np.array([True, False])), TypeError, ["x", "bool"]),
    (lambda: cm.relu("3"), TypeError, ["x"]),
    (lambda: cm.conv2d(None, KER), TypeError, ["image", "None"]),
    (lambda: cm.max_pool2d(np.array([[object()]])), TypeError, ["x", "dtype"]),
    (lambda: cm.softmax_cross_entropy(np.ones((2, 3)), np.array([0.5, 1.0])), TypeError, ["labels", "integers"]),
    # ragged input
    (lambda: cm.conv2d([[1, 2], [3]], KER), ValueError, ["image", "rectangular"]),
    # mismatched channels or batch sizes
    (lambda: cm.conv2d_forward(np.ones((2, 3, 6, 6)), W4, B1), ValueError,
     ["w", "1 input channel", "x", "3 channel", "(3, 3, 3, 3)"]),
    (lambda: cm.conv2d_forward(X4, W4, np.zeros(2)), ValueError, ["b", "(2,)", "(3,)"]),
    (lambda: cm.dense_forward(np.ones((2, 4)), np.ones((5, 3)), np.zeros(3)), ValueError, ["w", "(5, 3)", "4 rows"]),
    (lambda: cm.dense_forward(np.ones((2, 4)), np.ones((4, 3)), np.zeros(2)), ValueError, ["b", "(2,)", "(3,)"]),
    (lambda: cm.softmax_cross_entropy(np.ones((3, 4)), [0, 1]), ValueError, ["labels", "(2,)", "(3,)"]),
    (lambda: cm.softmax_cross_entropy(np.ones((2, 4)), [0, 4]), ValueError, ["labels", "0..3"]),
    (lambda: cm.TinyCNN().loss(np.ones((2, 1, 8, 8)), [1, 2, 3]), ValueError, ["labels", "(3,)", "(2,)"]),
    (lambda: cm.TinyCNN().loss(np.ones((2, 1, 7, 7))), ValueError, ["X", "(2, 1, 7, 7)", "(N, 1, 8, 8)"]),
    (lambda: cm.fit(cm.TinyCNN(), np.ones((3, 1, 8, 8)), np.array([1, 2])), ValueError, ["y", "(3,)"]),
    (lambda: cm.rel_error(np.ones(2), np.ones(3)), ValueError, ["a", "(2,)", "(3,)"]),
    # empty input
    (lambda: cm.conv2d(np.ones((0, 3)), KER), ValueError, ["image", "(0, 3)"]),
    # backward with the wrong upstream shape
    (lambda: cm.conv2d_backward(np.ones((2, 3, 5, 5)), cm.conv2d_forward(X4, W4, B1)[1]), ValueError,
     ["dout", "(2, 3, 5, 5)", "(2, 3, 4, 4)"]),
    (lambda: cm.maxpool2d_backward(np.ones((2, 1, 2, 2)), cm.maxpool2d_forward(X4)[1]), ValueError,
     ["dout", "(2, 1, 2, 2)", "(2, 1, 3, 3)"]),
    (lambda: cm.relu_backward(np.ones(3), cm.relu_forward(np.ones(4))[1]), ValueError, ["dout"]),
    (lambda: cm.numerical_gradient(lambda v: v, np.ones(2)), ValueError, ["f", "one number"]),
    (lambda: cm.numerical_gradient(3, np.ones(2)), TypeError, ["f"]),
])
def test_bad_input_is_explained(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_fractional_sizes_floor_instead_of_failing():
    # (6 - 3)/2 + 1 = 2.5: the floor gives 2, the last column is skipped rather than an error
    assert cm.conv2d(np.ones((6, 6)), np.ones((3, 3)), stride=2).shape == (2, 2)
    assert cm.conv_output_size(6, 3, 2) == 2


INPUTS = {
    "conv2d": lambda rng: ((rng.normal(size=(6, 6)), rng.normal(size=(3, 3))), {"stride": 2, "padding": 1}),
    "convolve2d": lambda rng: ((rng.normal(size=(6, 6)), rng.normal(size=(3, 2))), {}),
    "conv2d_naive": lambda rng: ((rng.normal(size=(4, 4)), rng.normal(size=(2, 2))), {}),
    "conv2d_grad": lambda rng: ((rng.normal(size=(5, 5)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))), {}),
    "relu": lambda rng: ((rng.normal(size=(4, 4)),), {}),
    "relu_derivative": lambda rng: ((rng.normal(size=(4, 4)),), {}),
    "max_pool2d": lambda rng: ((rng.normal(size=(6, 6)),), {"size": 3, "stride": 1}),
    "avg_pool2d": lambda rng: ((rng.normal(size=(6, 6)),), {}),
    "softmax": lambda rng: ((rng.normal(size=(3, 4)),), {}),
    "conv2d_forward": lambda rng: ((rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)),
                                    rng.normal(size=3)), {"padding": 1}),
    "relu_forward": lambda rng: ((rng.normal(size=(2, 3)),), {}),
    "maxpool2d_forward": lambda rng: ((rng.normal(size=(2, 2, 4, 4)),), {}),
    "flatten_forward": lambda rng: ((rng.normal(size=(2, 2, 3)),), {}),
    "dense_forward": lambda rng: ((rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)), {}),
    "softmax_cross_entropy": lambda rng: ((rng.normal(size=(3, 4)), np.array([0, 3, 1])), {}),
    "rel_error": lambda rng: ((rng.normal(size=3), rng.normal(size=3)), {}),
    "rgb_to_gray": lambda rng: ((rng.random((4, 4, 3)),), {}),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_no_function_mutates_its_inputs(name):
    args, kwargs = INPUTS[name](np.random.default_rng(0))
    copies = [a.copy() for a in args]
    for a in args:
        a.flags.writeable = False  # an in-place write would raise, not pass silently
    getattr(cm, name)(*args, **kwargs)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)


def _ties(rng, shape):
    """Small integers: many ties in pooling windows and many zeros for ReLU."""
    return rng.integers(-2, 3, size=shape).astype(float)


# (name, forward, backward, make the forward's arguments, the cache's method tag or None)
BACKWARD_CASES = [
    ("conv-gather", cm.conv2d_forward, cm.conv2d_backward,
     lambda rng: (rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3), 1, 1),
     "gather"),
    ("conv-gather-stride2", cm.conv2d_forward, cm.conv2d_backward,
     lambda rng: (rng.normal(size=(2, 2, 7, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3), 2, 1),
     "gather"),
    # large enough for the other paths: more than conv._GATHER_MAX entries in the columns
    ("conv-wide", cm.conv2d_forward, cm.conv2d_backward,
     lambda rng: (rng.normal(size=(32, 16, 8, 8)), rng.normal(size=(4, 16, 3, 3)), rng.normal(size=4), 1, 1),
     "wide"),
    ("conv-wide-no-dx", cm.conv2d_forward, lambda dout, cache: cm.conv2d_backward(dout, cache, need_dx=False),
     lambda rng: (rng.normal(size=(32, 16, 8, 8)), rng.normal(size=(4, 16, 3, 3)), rng.normal(size=4), 1, 1),
     "wide"),
    ("conv-im2col-stride2", cm.conv2d_forward, cm.conv2d_backward,
     lambda rng: (rng.normal(size=(32, 4, 24, 24)), rng.normal(size=(2, 4, 3, 3)), rng.normal(size=2), 2, 1),
     "im2col"),
    ("conv-wide-one-channel", cm.conv2d_forward, cm.conv2d_backward,
     lambda rng: (rng.normal(size=(64, 1, 28, 28)), rng.normal(size=(2, 1, 3, 3)), rng.normal(size=2), 1, 1),
     "wide"),
    ("relu", cm.relu_forward, cm.relu_backward, lambda rng: (_ties(rng, (2, 2, 6, 6)),), None),
    ("maxpool-quarters", cm.maxpool2d_forward, cm.maxpool2d_backward,
     lambda rng: (_ties(rng, (2, 3, 6, 8)), 2, 2), "quarters"),
    ("maxpool-pairs", cm.maxpool2d_forward, cm.maxpool2d_backward,
     lambda rng: (_ties(rng, (8, 8, 64, 34)), 2, 2), "pairs"),
    ("maxpool-wide", cm.maxpool2d_forward, cm.maxpool2d_backward,
     lambda rng: (_ties(rng, (2, 3, 7, 6)), 3, 1), "wide"),
    ("maxpool-strided", cm.maxpool2d_forward, cm.maxpool2d_backward,
     lambda rng: (_ties(rng, (2, 3, 7, 7)), 3, 2), "strided"),
    ("avgpool", cm.avgpool2d_forward, cm.avgpool2d_backward, lambda rng: (_ties(rng, (2, 2, 6, 5)), 3, 1), None),
    ("flatten", cm.flatten_forward, cm.flatten_backward, lambda rng: (rng.normal(size=(2, 2, 3, 3)),), None),
    ("dense", cm.dense_forward, cm.dense_backward,
     lambda rng: (rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)), None),
]


def _frozen(value):
    """A comparable copy: arrays become (dtype, shape, bytes); tuples are walked; None stays None."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_frozen(v) for v in value)
    return value


@pytest.mark.parametrize("name,forward,backward,make,method", BACKWARD_CASES, ids=[c[0] for c in BACKWARD_CASES])
def test_backward_passes_do_not_mutate_dout_or_cache(name, forward, backward, make, method):
    """A backward pass run twice on the same cache and upstream gradient gives the same bits both times (a
    backward pass that changed its cache would change the second result), and leaves dout, the cache and
    the forward's inputs as they were. Each fast path is covered: the cache's tag says which one ran."""
    rng = np.random.default_rng(1)
    args = make(rng)
    arg_copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    out, cache = forward(*args)
    if method is not None:
        assert cache[0] == method
    cache_before = _frozen(cache)
    dout = rng.normal(size=out.shape)
    dout[0, 0] = -0.0  # a signed zero in the upstream gradient, too
    dout_before = dout.copy()
    first = _frozen(backward(dout, cache))
    second = _frozen(backward(dout, cache))
    assert first == second
    assert _frozen(cache) == cache_before
    assert dout.tobytes() == dout_before.tobytes()
    for a, before in zip(args, arg_copies):
        if isinstance(a, np.ndarray):
            assert a.tobytes() == before.tobytes()


def test_model_loss_does_not_change_params_or_X():
    model = cm.TinyCNN(seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    X = np.random.default_rng(0).random((4, 1, 8, 8))
    X.flags.writeable = False
    model.loss(X, np.array([0, 1, 2, 3]))
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])


def test_lists_and_integers_are_accepted():
    out = cm.conv2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
    np.testing.assert_array_equal(out, [[-4, -4], [-4, -4]])
    assert out.dtype == np.float64
    assert cm.relu(-3) == 0 and cm.relu(2) == 2
