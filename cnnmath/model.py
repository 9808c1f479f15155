"""A network as a chain of layers, and TinyCNN, the chain of the lessons' summary (lessons 7 and 8).

:class:`Sequential` runs its layers one after another, forward, and their backward twins in reverse:

    scores = dense(flatten(pool(relu(conv(X)))))          (lesson 7, one block)
    dL/dscores -> dense backward -> flatten backward -> pool backward -> relu backward -> conv backward

Each arrow is one call of a public function of the lessons (see :mod:`cnnmath.layers`); there is no other
path through a network. :class:`TinyCNN` is a ready-made chain for the 8x8 digits: ``blocks`` times
conv -> ReLU -> max pool, then flatten, an optional hidden dense layer with ReLU, and the output layer.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter

import numpy as np

from ._validate import as_array, check_int, check_seed
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU
from .losses import softmax, softmax_cross_entropy

__all__ = ["Sequential", "TinyCNN", "map_peaks", "dead_filters"]


def _shape_text(shape):
    return "x".join(str(s) for s in shape)


class Sequential:
    """A network that applies its layers in order (lessons 7 and 8).

    Parameters
    ----------
    layers : list of Layer
        For example ``[Conv2D(1, 16, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(256, 10)]``.
    seed : int
        Seed of the first weights: the same seed gives the same network.
    input_shape : tuple (C, H, W) or None
        Shape of one input image. When given, the layers are checked against each other here (channels,
        window sizes, the flattened length that a Dense layer needs); otherwise at the first batch.
    weight_scale : float or None
        Standard deviation of every initial weight; None uses each layer's own rule
        (:meth:`Layer.init_params`). Biases start at 0.

    Attributes
    ----------
    layers : list of Layer
    names : list of str
        Each layer's stage name: its kind (``conv``, ``relu``, ``pool``, ``flat``, ``dense``), numbered
        ``conv1``, ``conv2``, ... when a kind occurs more than once.
    params : dict of ndarray
        ``<stage>_w`` and ``<stage>_b`` of every layer with weights, in the order data flows through the
        layers: conv weights (F, C, KH, KW), dense weights (D, M), biases (F,) and (M,).
    last_scores : ndarray or None
        The scores of the last batch that :meth:`loss` saw (``fit`` counts correct answers with them).
    """

    def __init__(self, layers, seed=0, input_shape=None, weight_scale=None):
        layers = list(layers) if not isinstance(layers, Layer) else [layers]
        if not layers:
            raise ValueError("layers is empty but needs at least one layer, such as [Flatten(), Dense(64, 10)]")
        for i, layer in enumerate(layers):
            if isinstance(layer, type) and issubclass(layer, Layer):
                raise TypeError(f"layers[{i}] is the class {layer.__name__}, not a layer: add the brackets, "
                                f"{layer.__name__}(...)")
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] is {type(layer).__name__} ({layer!r}) but needs a layer: Conv2D, "
                                f"ReLU, MaxPool2D, Flatten or Dense")
        self.layers = layers
        counts, seen = Counter(layer.kind for layer in layers), Counter()
        self.names = []
        for layer in layers:
            seen[layer.kind] += 1
            self.names.append(layer.kind if counts[layer.kind] == 1 else f"{layer.kind}{seen[layer.kind]}")
        self._check_links()
        self.input_shape = None
        self._checked_shapes = {}
        if input_shape is not None:
            shape = tuple(input_shape)
            if len(shape) != 3:
                raise ValueError(f"input_shape is {input_shape!r} but needs (C, H, W), the shape of one image")
            self.input_shape = tuple(check_int(v, "input_shape") for v in shape)
            self.stage_shapes(self.input_shape)
        self._x_layout = "(N, C, H, W)" if self.input_shape is None else \
            f"(N, {', '.join(map(str, self.input_shape))})"
        # (short name, params key) of every layer's parameters, worked out once: the training loop asks often
        self._keys = [[(key, f"{name}_{key}") for key in layer.param_names]
                      for name, layer in zip(self.names, layers)]
        weighted = [i for i, layer in enumerate(layers) if layer.param_names]
        rng = np.random.default_rng(check_seed(seed))
        self.params = {}
        for i in weighted:
            values = layers[i].init_params(rng, weight_scale, output=(i == weighted[-1]))
            for key in layers[i].param_names:
                self.params[f"{self.names[i]}_{key}"] = values[key]
        self.last_scores = None

    def _where(self, i):
        return f"layers[{i}] ({type(self.layers[i]).__name__}, stage '{self.names[i]}')"

    def _check_links(self):
        """What can be checked without an input: channels between convolutions, sizes between dense layers."""
        channels = features = None
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Conv2D):
                if channels is not None and layer.in_channels != channels:
                    raise ValueError(f"{self._where(i)} has in_channels={layer.in_channels} but the convolution "
                                     f"before it makes {channels} channel(s): it needs Conv2D({channels}, ...)")
                channels = layer.out_channels
            elif isinstance(layer, Dense):
                if features is not None and layer.in_features != features:
                    raise ValueError(f"{self._where(i)} has in_features={layer.in_features} but the dense layer "
                                     f"before it gives {features} number(s): it needs Dense({features}, ...)")
                features = layer.out_features
            elif isinstance(layer, Flatten):
                channels = None

    def stage_shapes(self, input_shape):
        """One example's shape after every layer, ``[(name, shape), ...]``, or a ValueError naming the layer.

        Parameters
        ----------
        input_shape : tuple (C, H, W)
        """
        known = self._checked_shapes.get(input_shape)
        if known is not None:
            self._checked_shapes[input_shape] = self._checked_shapes.pop(input_shape)  # now the latest
            return known
        shape = tuple(int(s) for s in input_shape)
        out, current = [], shape
        for i, layer in enumerate(self.layers):
            current = layer.output_shape(current, where=self._where(i))
            out.append((self.names[i], current))
        self._checked_shapes[shape] = out
        return out

    @property
    def num_classes(self):
        """K, the length of the last layer's output (the number of classes)."""
        for layer in reversed(self.layers):
            if isinstance(layer, Dense):
                return layer.out_features
        return None

    def num_params(self) -> int:
        """Total number of learned numbers."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        lines = [f"{type(self).__name__}("]
        # without an input_shape, the shapes of the last batch seen (none before the first one)
        shown = self.input_shape if self.input_shape is not None else next(reversed(self._checked_shapes), None)
        shapes = {}
        if shown is not None:
            lines[0] += f"input {_shape_text(shown)}"
            shapes = dict(self.stage_shapes(shown))
        width = max(len(repr(layer)) for layer in self.layers)
        for name, layer in zip(self.names, self.layers):
            line = f"  {name:<7} {layer!r:<{width}}"
            if name in shapes:
                line += f"  -> {_shape_text(shapes[name]):<8}"
            if layer.num_params():
                line += f"  {layer.num_params():>6} params"
            lines.append(line.rstrip())
        lines.append(f"  {self.num_params()} learned numbers)")
        return "\n".join(lines)

    def _layer_params(self, i):
        params = self.params
        return {key: params[full] for key, full in self._keys[i]}

    def _check_X(self, X):
        X = as_array(X, "X", 4, self._x_layout)
        if self.input_shape is not None and X.shape[1:] != self.input_shape:
            raise ValueError(f"X has shape {X.shape} but needs {self._x_layout} for this model")
        self.stage_shapes(X.shape[1:])
        return X

    def _run(self, X):
        """Every layer's forward pass in turn: the outputs and the caches, in layer order."""
        outs, caches = [], []
        out = X
        for i, layer in enumerate(self.layers):
            out, cache = layer.forward(out, self._layer_params(i))
            outs.append(out)
            caches.append(cache)
        return outs, caches

    def forward(self, X):
        """Every stage's output for a batch, for looking inside the network (lessons 7 and 8).

        Parameters
        ----------
        X : array_like, shape (N, C, H, W)

        Returns
        -------
        dict of ndarray
            One entry per layer, by stage name (``conv`` (N, F, H, W), ``relu``, ``pool``, ``flat`` (N, D),
            ``dense`` (N, K), ... numbered when a kind repeats), then ``scores`` (N, K), the last layer's
            output, and ``probs`` (N, K), their softmax.
        """
        outs, _ = self._run(self._check_X(X))
        stages = dict(zip(self.names, outs))
        stages["scores"] = outs[-1]
        stages["probs"] = softmax(outs[-1], axis=1)
        return stages

    def loss(self, X, y=None):
        """Class scores, or the loss and the gradient of every parameter (lessons 6, 7 and 8).

        Forward: each layer's forward function in order, then ``softmax_cross_entropy``. Backward: each
        layer's backward function in reverse order, each taking the gradient the layer after it returned.
        The first layer's ``dx`` (the gradient of the images) is not needed and not computed.

        Parameters
        ----------
        X : array_like, shape (N, C, H, W)
        y : array_like of int, shape (N,), optional

        Returns
        -------
        scores : ndarray, shape (N, K)
            When ``y`` is None.
        (loss, grads) : (float, dict of ndarray)
            When ``y`` is given: the mean softmax cross-entropy over the batch and ``grads`` with the same
            keys, order and shapes as :attr:`params`.
        """
        X = self._check_X(X)
        outs, caches = self._run(X)
        scores = outs[-1]
        self.last_scores = scores
        if y is None:
            return scores
        loss, dout = softmax_cross_entropy(scores, y)
        grads = {}
        for i in range(len(self.layers) - 1, -1, -1):
            dout, layer_grads = self.layers[i].backward(dout, caches[i], need_dx=i > 0)
            for key, full in self._keys[i]:
                grads[full] = layer_grads[key]
        return loss, {key: grads[key] for key in self.params}

    def predict_proba(self, X):
        """Class probabilities, shape (N, K)."""
        return softmax(self.loss(X), axis=1)

    def predict(self, X):
        """Predicted labels, shape (N,), int."""
        return np.argmax(self.loss(X), axis=1)


class TinyCNN(Sequential):
    """The lessons' network for the 8x8 digits: ``blocks`` x (conv -> ReLU -> max pool) -> flatten ->
    [dense -> ReLU] -> dense -> K scores (lessons 7 and 8).

    With the defaults (one block, no hidden layer) it is lesson 7's
    ``Y = f(Dense(Flatten(Pool(ReLU(I * K)))))``: 16 filters of 3x3 with padding 1 (an 8x8 digit keeps its
    size), 2x2 max pooling (8x8 -> 4x4), 256 numbers, 10 scores; parameters ``conv_w``, ``conv_b``,
    ``dense_w``, ``dense_b``. ``TinyCNN(blocks=2, hidden=64)`` is a small LeNet (8x8 -> 4x4 -> 2x2, then a
    hidden layer of 64); its parameters are numbered ``conv1_w``, ..., ``dense2_b``.

    Parameters
    ----------
    seed : int
        Seed of the weight initialisation.
    input_shape : tuple (C, H, W)
        Shape of one image; the default fits scikit-learn's 8x8 digits.
    num_filters : int or sequence of int
        Filters per block: an int F gives F, 2F, 4F, ... (each block doubles them, as LeNet and VGG do,
        while pooling halves the maps); a sequence gives each block's count.
    kernel_size : int
        Side of the square kernels (odd, so that padding ``kernel_size // 2`` keeps the maps' size).
    pool_size : int
        Side and stride of the max-pooling windows.
    num_classes : int
        K, the number of classes.
    weight_scale : float or None
        Standard deviation of all initial weights; None uses He initialisation (``sqrt(2 / fan_in)``) for
        the filters and hidden layer and ``0.1 / sqrt(fan_in)`` for the output layer (first loss near log K).
    blocks : int
        How many conv -> ReLU -> max-pool blocks.
    hidden : int or None
        Size of a hidden dense layer (with ReLU) before the output layer; None for none.
    """

    def __init__(self, seed=0, input_shape=(1, 8, 8), num_filters=16, kernel_size=3, pool_size=2,
                 num_classes=10, weight_scale=None, blocks=1, hidden=None):
        seed = check_seed(seed)
        if len(tuple(input_shape)) != 3:
            raise ValueError(f"input_shape is {input_shape!r} but needs (C, H, W)")
        c, h, w = (check_int(v, "input_shape") for v in input_shape)
        self.blocks = check_int(blocks, "blocks")
        if isinstance(num_filters, (numbers.Integral, np.integer)) and not isinstance(num_filters, bool):
            filters = [check_int(num_filters, "num_filters") * 2 ** b for b in range(self.blocks)]
        else:
            filters = [check_int(f, "num_filters") for f in num_filters]
            if len(filters) != self.blocks:
                raise ValueError(f"num_filters has {len(filters)} entries but needs one per block "
                                 f"(blocks={self.blocks})")
        self.num_filters = filters[0]
        self.kernel_size = check_int(kernel_size, "kernel_size")
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size is {kernel_size} but needs an odd number, so that padding "
                             f"{kernel_size}//2 keeps the image size")
        self.pool_size = check_int(pool_size, "pool_size")
        self.hidden = None if hidden is None else check_int(hidden, "hidden")
        num_classes = check_int(num_classes, "num_classes", minimum=2)
        self.padding = self.kernel_size // 2
        layers, channels = [], c
        for f in filters:
            layers += [Conv2D(channels, f, self.kernel_size, padding=self.padding), ReLU(),
                       MaxPool2D(self.pool_size)]
            channels = f
        # the flattened length, from the blocks' own output shapes; where the image is too small for them,
        # any length will do: Sequential's check below names the layer that fails
        shape = (c, h, w)
        try:
            for layer in layers:
                shape = layer.output_shape(shape)
        except ValueError:
            shape = (1,)
        layers.append(Flatten())
        if self.hidden is not None:
            layers += [Dense(math.prod(shape), self.hidden), ReLU(), Dense(self.hidden, num_classes)]
        else:
            layers.append(Dense(math.prod(shape), num_classes))
        try:
            super().__init__(layers, seed=seed, input_shape=(c, h, w), weight_scale=weight_scale)
        except ValueError as err:  # too many blocks for the image: Sequential names the layer that fails
            raise ValueError(f"TinyCNN(blocks={self.blocks}) on {h}x{w} images: {err}") from None


def map_peaks(maps) -> np.ndarray:
    """The largest value of each feature map (lessons 7 and 8).

    A map whose peak is at most 0 is black after ReLU: its filter answers nothing to that image.

    Parameters
    ----------
    maps : array_like, shape (F, H, W) or (N, F, H, W)
        One image's maps, or a batch's.

    Returns
    -------
    ndarray, shape (F,) or (N, F), float64
        ``peaks[..., f]`` is the maximum of map ``f`` over its H x W pixels.

    Raises
    ------
    ValueError
        If ``maps`` is not 3-D or 4-D, or has an empty map.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim not in (3, 4) or 0 in maps.shape:
        raise ValueError(f"maps has shape {maps.shape} but needs (F, H, W) or (N, F, H, W), none of them 0")
    return maps.max(axis=(-2, -1))


def dead_filters(model, X, stage="relu") -> int:
    """How many filters of ``stage`` answer 0 (or less) at every pixel of every image of ``X`` (lesson 7).

    After a ReLU such a filter is dead: its output, and so its gradient, is 0 on every image, and it can no
    longer learn from these images.

    Parameters
    ----------
    model : Sequential
        Any network whose ``forward`` has ``stage``, a stack of maps (N, F, H, W).
    X : array_like, shape (N, C, H, W)
    stage : str
        A stage name of ``model.forward`` (``"relu"`` for TinyCNN, ``"relu1"`` for its first block of two).

    Returns
    -------
    int, 0 .. F
    """
    stages = model.forward(X)
    if stage not in stages:
        raise ValueError(f"stage is {stage!r} but needs one of the model's stages {list(stages)}")
    maps = stages[stage]
    if np.ndim(maps) != 4:
        raise ValueError(f"stage {stage!r} has shape {np.shape(maps)} but needs maps (N, F, H, W)")
    return int((map_peaks(maps).max(axis=0) <= 0).sum())
