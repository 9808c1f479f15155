"""Layer objects: each one is a forward function and its backward twin from the lessons, and nothing more.

A layer holds its settings (channels, kernel size, stride, ...), never its numbers: the weights live in the
network's ``params`` dict (:class:`cnnmath.Sequential`), which hands each layer its own entries. So
``layer.forward(x, params)`` is exactly one call of the public function the lessons teach, and
``layer.backward(dout, cache)`` exactly one call of its backward twin:

=============  ======================================  =========================================
layer          forward (lesson)                        backward
=============  ======================================  =========================================
``Conv2D``     :func:`conv2d_forward` (2, 5)           :func:`conv2d_backward` (6)
``ReLU``       :func:`relu_forward` (3)                :func:`relu_backward` (3, 6)
``MaxPool2D``  :func:`maxpool2d_forward` (4)           :func:`maxpool2d_backward` (4, 6)
``Flatten``    :func:`flatten_forward` (7)             :func:`flatten_backward` (7)
``Dense``      :func:`dense_forward` (7)               :func:`dense_backward` (7)
=============  ======================================  =========================================

The names follow PyTorch's ``torch.nn`` and Keras, which students meet next.

Each layer also says what shape it turns an input shape into (:meth:`Layer.output_shape`, one example's
shape without the batch axis), so that a network can check that its layers fit together before it runs,
and how to draw its first weights (:meth:`Layer.init_params`).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int
from .activations import relu_backward, relu_forward
from .conv import conv2d_backward, conv2d_forward, conv_output_size
from .dense import dense_backward, dense_forward, flatten_backward, flatten_forward
from .pooling import maxpool2d_backward, maxpool2d_forward, pool_output_size

__all__ = ["Layer", "Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense"]


class Layer:
    """What every layer has. ``kind`` names its stage in a network (``conv``, ``relu``, ...)."""

    kind = "layer"
    param_names: tuple[str, ...] = ()

    def init_params(self, rng, std=None, output=False):
        """First values of this layer's parameters, drawn from ``rng``: a dict (empty for ReLU and friends).

        ``std`` overrides the default spread of the weights; ``output`` says that this is the network's last
        layer with weights (see :meth:`Dense.init_params`).
        """
        return {}

    def output_shape(self, input_shape, where="this layer"):
        """Shape of one example after this layer, or a ValueError that says what the layer needs."""
        return tuple(input_shape)

    def forward(self, x, params=None):
        raise NotImplementedError

    def backward(self, dout, cache, need_dx=True):
        raise NotImplementedError

    def num_params(self):
        """How many learned numbers this layer has."""
        return 0

    def _need_rank(self, input_shape, rank, layout, where):
        if len(input_shape) != rank:
            raise ValueError(f"{where} gets input of shape (N, {', '.join(map(str, input_shape))}) but needs "
                             f"{layout}")


class Conv2D(Layer):
    """Convolution layer: ``out = conv2d_forward(x, w, b, stride, padding)`` (lessons 2, 5, 6).

    Parameters
    ----------
    in_channels : int
        C, the channels of its input (1 for a grey image, 3 for colour, F of the layer before).
    out_channels : int
        F, the number of filters, which is the number of feature maps it makes.
    kernel_size : int
        KH = KW, the side of each square kernel.
    stride, padding : int
        As in lesson 2: ``H_out = (H + 2*padding - KH) // stride + 1``.

    Its parameters are ``w`` (F, C, KH, KW) and ``b`` (F,).
    """

    kind = "conv"
    param_names = ("w", "b")

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = check_int(in_channels, "in_channels")
        self.out_channels = check_int(out_channels, "out_channels")
        self.kernel_size = check_int(kernel_size, "kernel_size")
        self.stride = check_int(stride, "stride")
        self.padding = check_int(padding, "padding", minimum=0)

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)}" for k, d in (("stride", 1), ("padding", 0))
                        if getattr(self, k) != d)
        return f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}{extra})"

    def weight_shapes(self):
        k = self.kernel_size
        return {"w": (self.out_channels, self.in_channels, k, k), "b": (self.out_channels,)}

    def init_params(self, rng, std=None, output=False):
        """He initialisation, ``N(0, 2 / (C*KH*KW))``: keeps the signal's spread steady through ReLU."""
        fan_in = self.in_channels * self.kernel_size ** 2
        std = np.sqrt(2.0 / fan_in) if std is None else float(std)
        shapes = self.weight_shapes()
        return {"w": rng.normal(0.0, std, shapes["w"]), "b": np.zeros(shapes["b"])}

    def num_params(self):
        return int(sum(np.prod(s) for s in self.weight_shapes().values()))

    def output_shape(self, input_shape, where="this layer"):
        self._need_rank(input_shape, 3, "(N, C, H, W) images", where)
        c, h, w = input_shape
        if c != self.in_channels:
            raise ValueError(f"{where} gets input of shape (N, {c}, {h}, {w}) but needs {self.in_channels} "
                             f"channel(s), (N, {self.in_channels}, H, W): in_channels={self.in_channels} must "
                             f"equal the channels of its input ({c})")
        k, p, s = self.kernel_size, self.padding, self.stride
        if k > h + 2 * p or k > w + 2 * p:
            raise ValueError(f"{where} gets maps of {h}x{w} (padded {h + 2 * p}x{w + 2 * p}) but its "
                             f"{k}x{k} kernel needs at least {k}x{k}: use less pooling before it, more "
                             f"padding or a smaller kernel")
        return (self.out_channels, conv_output_size(h, k, s, p), conv_output_size(w, k, s, p))

    def forward(self, x, params=None):
        """``conv2d_forward(x, params["w"], params["b"], stride, padding)``: x (N, C, H, W) -> (N, F, H', W')."""
        return conv2d_forward(x, params["w"], params["b"], self.stride, self.padding)

    def backward(self, dout, cache, need_dx=True):
        """``conv2d_backward``: returns ``dx`` (None when ``need_dx`` is False) and ``{"w": dw, "b": db}``."""
        dx, dw, db = conv2d_backward(dout, cache, need_dx=need_dx)
        return dx, {"w": dw, "b": db}


class ReLU(Layer):
    """``relu_forward`` / ``relu_backward`` (lesson 3): max(0, x) element by element; no parameters."""

    kind = "relu"

    def __repr__(self):
        return "ReLU()"

    def forward(self, x, params=None):
        return relu_forward(x)

    def backward(self, dout, cache, need_dx=True):
        return relu_backward(dout, cache), {}


class MaxPool2D(Layer):
    """``maxpool2d_forward`` / ``maxpool2d_backward`` (lesson 4): the maximum of each size x size window.

    Parameters
    ----------
    size : int
        Side of the window.
    stride : int or None
        Step between windows; None means ``size`` (windows side by side, no overlap).
    """

    kind = "pool"

    def __init__(self, size=2, stride=None):
        self.size = check_int(size, "size")
        self.stride = self.size if stride is None else check_int(stride, "stride")

    def __repr__(self):
        return f"MaxPool2D({self.size})" if self.stride == self.size else \
            f"MaxPool2D({self.size}, stride={self.stride})"

    def output_shape(self, input_shape, where="this layer"):
        self._need_rank(input_shape, 3, "(N, C, H, W) feature maps", where)
        c, h, w = input_shape
        if h < self.size or w < self.size:
            raise ValueError(f"{where} gets maps of {h}x{w} (input shape (N, {c}, {h}, {w})) but its "
                             f"{self.size}x{self.size} window needs maps of at least {self.size}x{self.size}: "
                             f"the blocks before it have shrunk the maps too far; use fewer blocks, a "
                             f"smaller window or padding")
        return (c, pool_output_size(h, self.size, self.stride), pool_output_size(w, self.size, self.stride))

    def forward(self, x, params=None):
        return maxpool2d_forward(x, self.size, self.stride)

    def backward(self, dout, cache, need_dx=True):
        return maxpool2d_backward(dout, cache), {}


class Flatten(Layer):
    """``flatten_forward`` / ``flatten_backward`` (lesson 7): each example's maps become one vector."""

    kind = "flat"

    def __repr__(self):
        return "Flatten()"

    def output_shape(self, input_shape, where="this layer"):
        return (int(np.prod(input_shape)),)

    def forward(self, x, params=None):
        return flatten_forward(x)

    def backward(self, dout, cache, need_dx=True):
        return flatten_backward(dout, cache), {}


class Dense(Layer):
    """Dense (fully connected) layer: ``out = dense_forward(x, w, b) = x @ w + b`` (lesson 7).

    Parameters
    ----------
    in_features : int
        D, the length of each input vector (after :class:`Flatten`: channels x height x width).
    out_features : int
        M, the number of outputs (the number of classes for the last layer).

    Its parameters are ``w`` (D, M) and ``b`` (M,).
    """

    kind = "dense"
    param_names = ("w", "b")

    def __init__(self, in_features, out_features):
        self.in_features = check_int(in_features, "in_features")
        self.out_features = check_int(out_features, "out_features")

    def __repr__(self):
        return f"Dense({self.in_features}, {self.out_features})"

    def weight_shapes(self):
        return {"w": (self.in_features, self.out_features), "b": (self.out_features,)}

    def init_params(self, rng, std=None, output=False):
        """He initialisation ``N(0, 2 / D)`` for a hidden layer (ReLU follows); ``N(0, 0.01 / D)`` for the
        output layer, so that the first scores are nearly equal, every class starts near probability 1/K
        and the first loss is close to log K."""
        if std is None:
            std = 0.1 * np.sqrt(1.0 / self.in_features) if output else np.sqrt(2.0 / self.in_features)
        shapes = self.weight_shapes()
        return {"w": rng.normal(0.0, float(std), shapes["w"]), "b": np.zeros(shapes["b"])}

    def num_params(self):
        return self.in_features * self.out_features + self.out_features

    def output_shape(self, input_shape, where="this layer"):
        if len(input_shape) != 1:
            raise ValueError(f"{where} gets input of shape (N, {', '.join(map(str, input_shape))}) but needs "
                             f"vectors (N, {self.in_features}): put a Flatten() before it")
        if input_shape[0] != self.in_features:
            raise ValueError(f"{where} gets input of shape (N, {input_shape[0]}) but needs (N, "
                             f"{self.in_features}): in_features={self.in_features} must equal the length of its "
                             f"input ({input_shape[0]})")
        return (self.out_features,)

    def forward(self, x, params=None):
        return dense_forward(x, params["w"], params["b"])

    def backward(self, dout, cache, need_dx=True):
        dx, dw, db = dense_backward(dout, cache)
        return dx, {"w": dw, "b": db}
