"""Layers, Sequential and TinyCNN (lessons 7 and 8): gradients, the chain of public calls, params, bad input.

- each layer's backward against ``numerical_gradient`` (dx and dw/db);
- a Sequential of two conv blocks and a hidden dense layer, and ``TinyCNN(blocks=2, hidden=64)``, against
  numerical gradients for every parameter;
- the network calls exactly the public layer functions, once per layer, forward in order, backward reversed;
- parameter names, order, shapes and first values; ``forward``, ``num_params`` and the repr;
- bad input names the layer as ``layers[i] (Kind, stage 'name')``, the shape it got and the shape it needs;
- the models and the training loop reach no private name of another module and never the speed room.
"""

import ast
import pathlib

import numpy as np
import pytest

import cnnmath
from cnnmath import (Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Sequential, TinyCNN, conv2d_forward,
                     dense_forward, flatten_forward, maxpool2d_forward, numerical_gradient, relu_forward, softmax)
from cnnmath import layers as layers_module

GRAD_RTOL, GRAD_ATOL = 1e-6, 1e-8  # central differences with h = 1e-5 in float64 err by about 1e-10
PACKAGE = pathlib.Path(cnnmath.__file__).parent


def assert_grad(analytic, numeric, what=""):
    """Analytic and numerical gradients agree to the bound above, entry by entry."""
    assert analytic.shape == numeric.shape, what
    np.testing.assert_allclose(analytic, numeric, rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=what)


def spaced(rng, shape, step=0.1):
    """Distinct values at least ``step`` apart, none within step/2 of 0: no ReLU kink, no max-pool tie
    that a nudge of 1e-5 could flip."""
    values = (rng.permutation(int(np.prod(shape))) - np.prod(shape) / 2 + 0.5) * step
    return values.reshape(shape)


# ----------------------------------------------------------------------------------------------------
# Each layer's backward pass against numerical gradients
# ----------------------------------------------------------------------------------------------------

LAYER_CASES = [
    ("conv-same", lambda: Conv2D(2, 3, 3, padding=1), (2, 2, 5, 6)),
    ("conv-stride2", lambda: Conv2D(2, 3, 3, stride=2, padding=1), (2, 2, 7, 6)),
    ("conv-valid-5x5", lambda: Conv2D(1, 2, 5), (3, 1, 7, 8)),
    ("relu", ReLU, (2, 3, 4, 4)),
    ("pool-2x2", lambda: MaxPool2D(2), (2, 3, 6, 4)),
    ("pool-3x3-s1", lambda: MaxPool2D(3, stride=1), (2, 2, 6, 5)),
    ("pool-3x3-s2", lambda: MaxPool2D(3, stride=2), (2, 2, 7, 7)),
    ("flatten", Flatten, (2, 3, 2, 2)),
    ("dense", lambda: Dense(5, 4), (3, 5)),
]


@pytest.mark.parametrize("name,make,shape", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layer_backward_matches_numerical_gradients(name, make, shape):
    """For L = sum(forward(x) * G), the layer's backward gives dL/dx and dL/d(each parameter)."""
    rng = np.random.default_rng(len(name))
    layer = make()
    x = spaced(rng, shape)
    params = {key: rng.normal(size=s) for key, s in getattr(layer, "weight_shapes", dict)().items()}
    out, cache = layer.forward(x, params)
    G = rng.normal(size=out.shape)
    dx, grads = layer.backward(G, cache)
    assert sorted(grads) == sorted(layer.param_names)

    def loss(_):
        return float(np.sum(layer.forward(x, params)[0] * G))

    assert_grad(dx, numerical_gradient(loss, x), "dx")
    for key in layer.param_names:
        assert_grad(grads[key], numerical_gradient(loss, params[key]), key)
    if name.startswith("relu"):
        np.testing.assert_array_equal(dx, G * (x > 0))  # and by hand: the gradient passes where x > 0


def test_conv_layer_skips_dx_when_asked():
    """need_dx=False (the first layer of a network) gives dx None and the same dw and db."""
    rng = np.random.default_rng(0)
    layer = Conv2D(1, 2, 3, padding=1)
    params = {"w": rng.normal(size=(2, 1, 3, 3)), "b": rng.normal(size=2)}
    out, cache = layer.forward(rng.normal(size=(2, 1, 5, 5)), params)
    G = rng.normal(size=out.shape)
    dx, grads = layer.backward(G, cache, need_dx=False)
    _, full = layer.backward(G, cache)
    assert dx is None
    for key in grads:
        np.testing.assert_array_equal(grads[key], full[key])


# ----------------------------------------------------------------------------------------------------
# Whole networks against numerical gradients
# ----------------------------------------------------------------------------------------------------

def kink_margin(model, X):
    """The smallest distance from any ReLU input to 0, and from any positive max-pool window maximum to
    the runner-up in its window: a nudge of a parameter by h moves them by about h times an input."""
    margin, out = np.inf, np.asarray(X, dtype=float)
    for name, layer in zip(model.names, model.layers):
        params = {key: model.params[f"{name}_{key}"] for key in layer.param_names}
        if isinstance(layer, ReLU):
            margin = min(margin, float(np.abs(out).min()))
        if isinstance(layer, MaxPool2D):
            windows = np.lib.stride_tricks.sliding_window_view(out, (layer.size, layer.size), axis=(2, 3))
            windows = windows[:, :, ::layer.stride, ::layer.stride].reshape(*out.shape[:2], -1, layer.size ** 2)
            top2 = np.sort(windows, axis=-1)[..., -2:]
            gaps = (top2[..., 1] - top2[..., 0])[top2[..., 1] > 0]
            if gaps.size:
                margin = min(margin, float(gaps.min()))
        out, _ = layer.forward(out, params)
    return margin


def check_network_gradients(model, X, y, max_entries=None, seed=0):
    """Every parameter's gradient from ``model.loss`` against numerical gradients of the same loss.

    ``max_entries``: for a parameter with more entries, a random sample of that many is checked (each entry
    costs two forward passes)."""
    assert kink_margin(model, X) > 1e-4, "inputs too close to a kink: the numerical gradient would jump"
    _, grads = model.loss(X, y)
    rng = np.random.default_rng(seed)
    for key, param in model.params.items():
        flat = param.reshape(-1)  # a view: nudging it nudges the model's own parameter
        if max_entries is None or flat.size <= max_entries:
            idx = np.arange(flat.size)
        else:
            idx = np.sort(rng.choice(flat.size, max_entries, replace=False))
        start = flat[idx].copy()

        def loss(values):
            flat[idx] = values
            return model.loss(X, y)[0]

        num = numerical_gradient(loss, start.copy())
        flat[idx] = start
        assert_grad(grads[key].reshape(-1)[idx], num, key)


def test_two_block_sequential_matches_numerical_gradients():
    """Two conv blocks, a hidden dense layer with ReLU and the output layer: every entry of every parameter."""
    model = Sequential([Conv2D(1, 3, 3, padding=1), ReLU(), MaxPool2D(2),
                        Conv2D(3, 4, 3, padding=1), ReLU(), MaxPool2D(2),
                        Flatten(), Dense(16, 6), ReLU(), Dense(6, 4)], seed=3, input_shape=(1, 8, 8))
    rng = np.random.default_rng(5)
    X = rng.random((3, 1, 8, 8))
    y = np.array([0, 3, 1])
    for key in model.params:
        if key.endswith("_b"):  # non-zero biases, so that they matter
            model.params[key] += rng.normal(scale=0.1, size=model.params[key].shape)
    check_network_gradients(model, X, y)


def test_lenet_tinycnn_matches_numerical_gradients():
    """TinyCNN(blocks=2, hidden=64) on two digits-sized images: all of every small parameter, 400 random
    entries of each large one (conv2_w has 4608, dense1_w 8192)."""
    model = TinyCNN(seed=0, blocks=2, hidden=64)
    rng = np.random.default_rng(3)  # a seed whose images keep every ReLU input 7e-4 or more from 0
    X = rng.random((2, 1, 8, 8))
    check_network_gradients(model, X, np.array([3, 7]), max_entries=400)


# ----------------------------------------------------------------------------------------------------
# The chain: TinyCNN calls exactly the public layer functions, in order
# ----------------------------------------------------------------------------------------------------

FORWARDS = ["conv2d_forward", "relu_forward", "maxpool2d_forward", "flatten_forward", "dense_forward"]
BACKWARDS = ["conv2d_backward", "relu_backward", "maxpool2d_backward", "flatten_backward", "dense_backward"]


@pytest.fixture
def calls(monkeypatch):
    """Wrap every public layer function that cnnmath.layers uses; the list records the calls in order."""
    seen = []
    for name in FORWARDS + BACKWARDS:
        original = getattr(layers_module, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            seen.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(layers_module, name, counting)
    return seen


def test_tinycnn_loss_is_the_lessons_chain(calls):
    """TinyCNN().loss(X, y): conv, relu, pool, flatten, dense forward, then their backward twins in reverse,
    each exactly once, and the result is the same as without the counting wrappers."""
    X = np.random.default_rng(0).random((4, 1, 8, 8))
    y = np.array([0, 1, 2, 3])
    loss, grads = TinyCNN().loss(X, y)
    assert calls == FORWARDS + BACKWARDS[::-1]
    calls.clear()
    scores = TinyCNN().loss(X)
    assert calls == FORWARDS  # scores only: no backward pass
    np.testing.assert_array_equal(scores, TinyCNN().loss(X))


def test_lenet_calls_each_layer_function_once_per_layer(calls):
    """TinyCNN(blocks=2, hidden=64): 10 forward calls in layer order, 10 backward calls in reverse."""
    X = np.random.default_rng(0).random((3, 1, 8, 8))
    TinyCNN(blocks=2, hidden=64).loss(X, np.array([1, 2, 3]))
    block = ["conv2d_forward", "relu_forward", "maxpool2d_forward"]
    forwards = block * 2 + ["flatten_forward", "dense_forward", "relu_forward", "dense_forward"]
    backwards = [name.replace("_forward", "_backward") for name in forwards[::-1]]
    assert calls == forwards + backwards
    assert {name: calls.count(name) for name in FORWARDS} == {
        "conv2d_forward": 2, "relu_forward": 3, "maxpool2d_forward": 2, "flatten_forward": 1, "dense_forward": 2}


# ----------------------------------------------------------------------------------------------------
# Parameters: names, order, shapes, first values
# ----------------------------------------------------------------------------------------------------

def test_params_follow_the_data_each_weight_before_its_bias():
    """Keys in data-flow order, numbered when a kind repeats; conv (F, C, KH, KW), (F,); dense (D, M), (M,)."""
    model = Sequential([Conv2D(1, 3, 3, padding=1), ReLU(), MaxPool2D(2), Conv2D(3, 5, 2), ReLU(),
                        Flatten(), Dense(45, 7), ReLU(), Dense(7, 4)], seed=1)
    assert model.names == ["conv1", "relu1", "pool", "conv2", "relu2", "flat", "dense1", "relu3", "dense2"]
    shapes = [(k, v.shape) for k, v in model.params.items()]
    assert shapes == [("conv1_w", (3, 1, 3, 3)), ("conv1_b", (3,)), ("conv2_w", (5, 3, 2, 2)), ("conv2_b", (5,)),
                      ("dense1_w", (45, 7)), ("dense1_b", (7,)), ("dense2_w", (7, 4)), ("dense2_b", (4,))]
    X = np.random.default_rng(0).random((2, 1, 8, 8))
    _, grads = model.loss(X, np.array([0, 3]))
    assert [(k, v.shape) for k, v in grads.items()] == shapes
    for key in model.params:
        if key.endswith("_b"):
            np.testing.assert_array_equal(model.params[key], 0.0)


def test_tinycnn_keeps_its_names_and_first_weights():
    """TinyCNN() has conv_w, conv_b, dense_w, dense_b, drawn as before: conv_w ~ N(0, sqrt(2/9)) (He, fan-in
    1*3*3), then dense_w ~ N(0, 0.1*sqrt(1/256)) (a small output layer: first loss near log 10), from one
    default_rng(seed); biases 0. Saved weights and the notebooks rely on both."""
    for seed in (0, 7):
        model = TinyCNN(seed=seed)
        assert list(model.params) == ["conv_w", "conv_b", "dense_w", "dense_b"]
        rng = np.random.default_rng(seed)
        np.testing.assert_array_equal(model.params["conv_w"], rng.normal(0.0, np.sqrt(2 / 9), (16, 1, 3, 3)))
        np.testing.assert_array_equal(model.params["dense_w"], rng.normal(0.0, 0.1 * np.sqrt(1 / 256), (256, 10)))
        np.testing.assert_array_equal(model.params["conv_b"], np.zeros(16))
        np.testing.assert_array_equal(model.params["dense_b"], np.zeros(10))
    assert TinyCNN(seed=1).params["conv_w"].tobytes() != TinyCNN(seed=0).params["conv_w"].tobytes()


def test_weight_scale_sets_every_weight_spread():
    """weight_scale=s draws every weight from N(0, s), layer by layer from one generator."""
    model = Sequential([Conv2D(1, 2, 3), ReLU(), Flatten(), Dense(72, 3)], seed=4, weight_scale=0.05)
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(model.params["conv_w"], rng.normal(0.0, 0.05, (2, 1, 3, 3)))
    np.testing.assert_array_equal(model.params["dense_w"], rng.normal(0.0, 0.05, (72, 3)))


def test_num_params_by_hand():
    """TinyCNN(): 16*9 + 16 + 256*10 + 10 = 2730; the LeNet adds up its four layers."""
    assert TinyCNN().num_params() == 16 * 9 + 16 + 256 * 10 + 10 == 2730
    lenet = TinyCNN(blocks=2, hidden=64)
    assert lenet.num_params() == (16 * 9 + 16) + (32 * 16 * 9 + 32) + (128 * 64 + 64) + (64 * 10 + 10)
    assert lenet.num_params() == sum(layer.num_params() for layer in lenet.layers)


# ----------------------------------------------------------------------------------------------------
# forward, predict and the repr
# ----------------------------------------------------------------------------------------------------

def test_forward_returns_every_stage_by_name():
    """forward(X): each stage's output under its name, with the shapes of lesson 8's table, then scores
    (the last stage, equal to loss(X)) and probs (their softmax: rows sum to 1)."""
    model = TinyCNN(blocks=2, hidden=64)
    X = np.random.default_rng(1).random((3, 1, 8, 8))
    stages = model.forward(X)
    expected = {"conv1": (3, 16, 8, 8), "relu1": (3, 16, 8, 8), "pool1": (3, 16, 4, 4), "conv2": (3, 32, 4, 4),
                "relu2": (3, 32, 4, 4), "pool2": (3, 32, 2, 2), "flat": (3, 128), "dense1": (3, 64),
                "relu3": (3, 64), "dense2": (3, 10), "scores": (3, 10), "probs": (3, 10)}
    assert {k: v.shape for k, v in stages.items()} == expected
    assert list(stages) == list(expected)
    np.testing.assert_array_equal(stages["relu1"], np.maximum(stages["conv1"], 0))
    np.testing.assert_array_equal(stages["scores"], stages["dense2"])
    np.testing.assert_array_equal(stages["scores"], model.loss(X))
    np.testing.assert_allclose(stages["probs"], softmax(stages["dense2"], axis=1), rtol=1e-15)
    np.testing.assert_allclose(stages["probs"].sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), stages["scores"].argmax(axis=1))
    one = TinyCNN().forward(X)
    assert list(one) == ["conv", "relu", "pool", "flat", "dense", "scores", "probs"]


def test_forward_stages_are_the_public_functions_outputs():
    """TinyCNN().forward(X)'s stages are conv2d_forward, relu_forward, ... applied in turn by hand."""
    model = TinyCNN(seed=2)
    X = np.random.default_rng(2).random((2, 1, 8, 8))
    p = model.params
    conv = conv2d_forward(X, p["conv_w"], p["conv_b"], 1, 1)[0]
    relu = relu_forward(conv)[0]
    pool = maxpool2d_forward(relu, 2, 2)[0]
    flat = flatten_forward(pool)[0]
    dense = dense_forward(flat, p["dense_w"], p["dense_b"])[0]
    stages = model.forward(X)
    for name, value in [("conv", conv), ("relu", relu), ("pool", pool), ("flat", flat), ("dense", dense)]:
        np.testing.assert_array_equal(stages[name], value, err_msg=name)


def test_repr_lists_every_stage_with_its_shape():
    """Each stage's line holds its name, its layer and the shape of one example after it."""
    text = repr(TinyCNN(blocks=2, hidden=64))
    lines = text.splitlines()
    expected = [("conv1", "Conv2D(1, 16", "16x8x8"), ("relu1", "ReLU()", "16x8x8"), ("pool1", "MaxPool2D(2)", "16x4x4"),
                ("conv2", "Conv2D(16, 32", "32x4x4"), ("relu2", "ReLU()", "32x4x4"),
                ("pool2", "MaxPool2D(2)", "32x2x2"), ("flat", "Flatten()", "128"), ("dense1", "Dense(128, 64)", "64"),
                ("relu3", "ReLU()", "64"), ("dense2", "Dense(64, 10)", "10")]
    assert lines[0].startswith("TinyCNN(") and "1x8x8" in lines[0]
    for line, (name, layer, shape) in zip(lines[1:], expected):
        assert line.split()[0] == name
        assert layer in line
        assert f"-> {shape} " in line + " "
    assert str(TinyCNN(blocks=2, hidden=64).num_params()) in lines[-1]
    assert len(lines) == len(expected) + 2
    small = repr(Sequential([Flatten(), Dense(64, 10)], input_shape=(1, 8, 8)))
    assert "-> 64" in small and "-> 10" in small and "650 params" in small


# ----------------------------------------------------------------------------------------------------
# Bad input: the layer by position, kind and stage name; the shape it got; the shape it needs
# ----------------------------------------------------------------------------------------------------

def block(c, f):
    return [Conv2D(c, f, 3, padding=1), ReLU(), MaxPool2D(2)]


FOUR_BLOCKS = block(1, 2) + block(2, 2) + block(2, 2) + block(2, 2) + [Flatten(), Dense(2, 3)]
WRONG_DENSE = [Conv2D(1, 4, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(100, 10)]


@pytest.mark.parametrize("build,words", [
    (lambda: Sequential([Conv2D(1, 4, 3), ReLU(), Conv2D(3, 2, 3)]),
     ["layers[2] (Conv2D, stage 'conv2')", "in_channels=3", "4 channel", "Conv2D(4, ...)"]),
    (lambda: Sequential([Conv2D(3, 4, 3), ReLU()], input_shape=(1, 8, 8)),
     ["layers[0] (Conv2D, stage 'conv')", "(N, 1, 8, 8)", "(N, 3, H, W)"]),
    (lambda: Sequential(WRONG_DENSE, input_shape=(1, 8, 8)),
     ["layers[4] (Dense, stage 'dense')", "(N, 64)", "(N, 100)"]),
    (lambda: Sequential([Flatten(), Dense(64, 5), ReLU(), Dense(6, 3)]),
     ["layers[3] (Dense, stage 'dense2')", "in_features=6", "gives 5", "Dense(5, ...)"]),
    (lambda: Sequential([Conv2D(1, 2, 3), Dense(4, 2)], input_shape=(1, 5, 5)),
     ["layers[1] (Dense, stage 'dense')", "(N, 2, 3, 3)", "(N, 4)", "Flatten()"]),
    (lambda: Sequential([Conv2D(1, 2, 5)], input_shape=(1, 3, 3)),
     ["layers[0] (Conv2D, stage 'conv')", "3x3", "5x5"]),
    (lambda: Sequential(FOUR_BLOCKS, input_shape=(1, 8, 8)),
     ["layers[11] (MaxPool2D, stage 'pool4')", "1x1", "(N, 2, 1, 1)", "2x2"]),
])
def test_a_network_that_does_not_fit_together_is_refused_when_built(build, words):
    """Layers that do not fit together raise ValueError when the network is built (the input shape known, or
    not needed to see it), naming the layer, the shape it got and the shape it needs."""
    with pytest.raises(ValueError) as info:
        build()
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


@pytest.mark.parametrize("layers,X,words", [
    (FOUR_BLOCKS, np.ones((1, 1, 8, 8)), ["layers[11] (MaxPool2D, stage 'pool4')", "1x1", "(N, 2, 1, 1)", "2x2"]),
    (WRONG_DENSE, np.ones((2, 1, 8, 8)), ["layers[4] (Dense, stage 'dense')", "(N, 64)", "(N, 100)"]),
    ([Conv2D(3, 4, 3), ReLU()], np.ones((2, 1, 8, 8)), ["layers[0] (Conv2D, stage 'conv')", "(N, 1, 8, 8)",
                                                        "(N, 3, H, W)"]),
])
def test_without_an_input_shape_the_error_comes_at_the_first_batch(layers, X, words):
    """Built without input_shape, the same network builds, then loss, forward and predict raise the same
    message at the first batch."""
    model = Sequential(layers)
    for call in (model.loss, model.forward, model.predict, lambda X: model.loss(X, np.zeros(len(X), int))):
        with pytest.raises(ValueError) as info:
            call(X)
        for word in words:
            assert word in str(info.value), f"{word!r} missing from: {info.value}"


def test_tinycnn_with_too_many_blocks_names_the_layer():
    """Four blocks on 8x8 digits (8 -> 4 -> 2 -> 1, then a 2x2 window on 1x1 maps): ValueError naming the
    pooling layer of block 4, the maps it gets and the window it needs; three blocks still fit."""
    with pytest.raises(ValueError) as info:
        TinyCNN(blocks=4)
    for word in ["layers[11] (MaxPool2D, stage 'pool4')", "1x1", "(N, 128, 1, 1)", "2x2"]:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"
    assert TinyCNN(blocks=3).names[-3:] == ["pool3", "flat", "dense"]


@pytest.mark.parametrize("layers,exc,words", [
    ([Conv2D(1, 2, 3), "relu"], TypeError, ["layers[1]", "str", "needs a layer"]),
    ([Conv2D(1, 2, 3), ReLU], TypeError, ["layers[1]", "the class ReLU", "ReLU(...)"]),
    ([Conv2D(1, 2, 3), None], TypeError, ["layers[1]", "NoneType"]),
    ([], ValueError, ["layers is empty"]),
])
def test_what_is_not_a_layer_is_refused(layers, exc, words):
    """Anything but a Layer in the list (a string, the class instead of an instance, None) is named by position."""
    with pytest.raises(exc) as info:
        Sequential(layers)
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


@pytest.mark.parametrize("X,words", [
    (np.ones((2, 1, 7, 7)), ["X", "(2, 1, 7, 7)", "(N, 1, 8, 8)"]),
    (np.ones((2, 3, 8, 8)), ["X", "(2, 3, 8, 8)", "(N, 1, 8, 8)"]),
    (np.ones((1, 8, 8)), ["X", "(1, 8, 8)", "4-D"]),
])
def test_wrong_images_are_refused(X, words):
    """Images of the wrong shape or rank for a model with a known input shape: X, its shape, the one needed."""
    for call in (TinyCNN().loss, TinyCNN().forward, TinyCNN(blocks=2, hidden=64).predict):
        with pytest.raises(ValueError) as info:
            call(X)
        for word in words:
            assert word in str(info.value), f"{word!r} missing from: {info.value}"


def test_bad_layer_settings_are_refused():
    """Non-positive or non-integer sizes fail when the layer is made, naming the argument."""
    with pytest.raises(ValueError, match="out_channels"):
        Conv2D(1, 0, 3)
    with pytest.raises(TypeError, match="kernel_size"):
        Conv2D(1, 2, 2.5)
    with pytest.raises(ValueError, match="padding"):
        Conv2D(1, 2, 3, padding=-1)
    with pytest.raises(ValueError, match="size"):
        MaxPool2D(0)
    with pytest.raises(ValueError, match="in_features"):
        Dense(0, 3)
    with pytest.raises(TypeError, match="seed"):
        Sequential([Flatten(), Dense(4, 2)], seed=1.5)


def test_every_layer_kind_is_a_layer_and_exported():
    """The five layers share the Layer base and are importable from cnnmath, as the issue asks."""
    for cls in (Conv2D, ReLU, MaxPool2D, Flatten, Dense):
        assert issubclass(cls, Layer) and getattr(cnnmath, cls.__name__) is cls
    assert issubclass(TinyCNN, Sequential)


# ----------------------------------------------------------------------------------------------------
# Imports: no private names of other modules in model.py and train.py; the speed room behind the layer API
# ----------------------------------------------------------------------------------------------------

def _module_name(path):
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """(module imported from, names) for every import in ``path``, relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.append((module, [alias.name for alias in node.names]))
    return tree, found


@pytest.mark.parametrize("filename", ["model.py", "train.py", "layers.py"])
def test_models_and_training_use_no_private_name_of_another_module(filename):
    """model.py, train.py (and layers.py) import no name starting with "_" from another module of the
    package, import no private module but the shared input checks, and read no private attribute of a module
    they import."""
    path = PACKAGE / filename
    tree, found = _imports(path)
    modules = set()
    for module, names in found:
        if module.startswith("cnnmath"):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{filename} imports private {private} from {module}"
            hidden = [part for part in module.split(".")[1:] if part.startswith("_")]
            assert hidden in ([], ["_validate"]), f"{filename} imports from the private module {module}"
            modules.update(n for n in names if not n[0].isupper())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            assert not node.attr.startswith("_"), f"{filename} reads {node.value.id}.{node.attr}"


def test_only_the_layer_functions_reach_the_speed_room():
    """Nothing in cnnmath imports cnnmath._fast except conv.py, pooling.py (the public layer functions that
    choose a fast path), _fast itself, and __init__.py taking tune_malloc (the documented opt-in)."""
    allowed = {"cnnmath.conv", "cnnmath.pooling"}
    users = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if name == "cnnmath._fast" or name.startswith("cnnmath._fast."):
            continue
        for module, names in _imports(path)[1]:
            fast = module == "cnnmath._fast" or module.startswith("cnnmath._fast.") or (
                module == "cnnmath" and "_fast" in names)
            if fast:
                users.setdefault(name, []).append((module, names))
    assert users.pop("cnnmath", None) == [("cnnmath._fast.malloc", ["tune_malloc"])]
    assert set(users) <= allowed, f"outside the layer functions: {sorted(set(users) - allowed)}"
    assert set(users) == allowed  # the check sees the imports that are there


def test_repr_without_input_shape_shows_the_last_batch_shapes():
    """Before any batch a hand-built Sequential can show no shapes; after one, its repr gives them."""
    net = Sequential([Conv2D(1, 2, 3), ReLU(), Flatten(), Dense(72, 3)])
    assert "->" not in repr(net)
    net.loss(np.ones((2, 1, 8, 8)))
    text = repr(net)
    assert text.startswith("Sequential(input 1x8x8")
    assert "-> 2x6x6" in text and "-> 72" in text
