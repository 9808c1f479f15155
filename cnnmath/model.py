"""TinyCNN: the network of the lessons' summary, Y = softmax(Dense(Flatten(Pool(ReLU(I * K))))) (lesson 7).

One convolution layer (F filters of 3x3, zero padding 1 so an 8x8 digit keeps its size), ReLU, 2x2 max
pooling (8x8 -> 4x4), flatten (F*4*4 numbers), one dense layer to the class scores. Every stage is a
function of this package, forward and backward.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_array, check_int
from . import _fused
from . import conv as _conv
from . import pooling as _pool
from .losses import _check_labels, _softmax_cross_entropy, softmax

__all__ = ["TinyCNN"]


class TinyCNN:
    """conv(3x3, F filters, padding 1) -> ReLU -> max pool 2x2 -> flatten -> dense -> K scores (lesson 7).

    Parameters
    ----------
    seed : int
        Seed of the weight initialisation.
    input_shape : tuple (C, H, W)
        Shape of one image; the default fits scikit-learn's 8x8 digits.
    num_filters : int
        F, the number of 3x3 filters in the convolution layer.
    kernel_size : int
        Side of the square kernels (odd, so that padding ``kernel_size // 2`` keeps the image size).
    pool_size : int
        Side and stride of the max-pooling window.
    num_classes : int
        K, the number of classes.
    weight_scale : float or None
        Standard deviation of the initial weights. None uses He initialisation (``sqrt(2 / fan_in)``) for
        the filters, which keeps the signal's scale steady through ReLU, and ``0.1 / sqrt(fan_in)`` for the
        dense layer, so that the first scores are nearly equal and the first loss is close to ``log K``.

    Attributes
    ----------
    params : dict of ndarray
        ``conv_w`` (F, C, KH, KW), ``conv_b`` (F,), ``dense_w`` (F*H'*W', K), ``dense_b`` (K,).
    """

    def __init__(self, seed=0, input_shape=(1, 8, 8), num_filters=16, kernel_size=3, pool_size=2,
                 num_classes=10, weight_scale=None):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed is {seed!r} but needs an int")
        if len(tuple(input_shape)) != 3:
            raise ValueError(f"input_shape is {input_shape!r} but needs (C, H, W)")
        c, h, w = (check_int(v, "input_shape") for v in input_shape)
        self.num_filters = check_int(num_filters, "num_filters")
        self.kernel_size = check_int(kernel_size, "kernel_size")
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size is {kernel_size} but needs an odd number, so that padding "
                             f"{kernel_size}//2 keeps the image size")
        self.pool_size = check_int(pool_size, "pool_size")
        self.num_classes = check_int(num_classes, "num_classes", minimum=2)
        self.padding = self.kernel_size // 2
        self.input_shape = (c, h, w)
        if h < self.pool_size or w < self.pool_size:
            raise ValueError(f"input_shape is {input_shape} but needs H and W >= pool_size {pool_size}")
        self.pooled_shape = (self.num_filters, (h - self.pool_size) // self.pool_size + 1,
                             (w - self.pool_size) // self.pool_size + 1)
        hidden = int(np.prod(self.pooled_shape))
        # conv + ReLU + 2x2 pool in one pass when the shapes allow it (cnnmath/_fused.py: same numbers)
        self._fused = self.pool_size == 2 and h % 2 == 0 and w % 2 == 0
        rng = np.random.default_rng(int(seed))
        fan_conv = c * self.kernel_size ** 2
        conv_std = np.sqrt(2.0 / fan_conv) if weight_scale is None else float(weight_scale)
        # The last layer starts small so that every class starts near probability 1/K (loss near log K).
        dense_std = 0.1 * np.sqrt(1.0 / hidden) if weight_scale is None else float(weight_scale)
        self.last_scores = None
        self.params = {
            "conv_w": rng.normal(0.0, conv_std, (self.num_filters, c, self.kernel_size, self.kernel_size)),
            "conv_b": np.zeros(self.num_filters),
            "dense_w": rng.normal(0.0, dense_std, (hidden, self.num_classes)),
            "dense_b": np.zeros(self.num_classes),
        }

    def __repr__(self):
        c, h, w = self.input_shape
        return (f"TinyCNN(input {c}x{h}x{w} -> conv {self.num_filters}x{self.kernel_size}x{self.kernel_size}"
                f" -> ReLU -> maxpool {self.pool_size} -> flatten {int(np.prod(self.pooled_shape))}"
                f" -> dense {self.num_classes})")

    def num_params(self) -> int:
        """Total number of learned numbers."""
        return int(sum(p.size for p in self.params.values()))

    def _check_X(self, X):
        X = as_array(X, "X", 4, f"(N, {', '.join(map(str, self.input_shape))})")
        if X.shape[1:] != self.input_shape:
            raise ValueError(f"X has shape {X.shape} but needs (N, {', '.join(map(str, self.input_shape))}) "
                             f"for this model")
        return X

    def forward(self, X):
        """Every stage's output for a batch, for showing what happens inside (lesson 7).

        Parameters
        ----------
        X : array_like, shape (N, C, H, W)

        Returns
        -------
        dict of ndarray
            ``conv`` (N, F, H, W), ``relu`` (N, F, H, W), ``pool`` (N, F, H', W'), ``flat`` (N, F*H'*W'),
            ``scores`` (N, K), ``probs`` (N, K).
        """
        stages, _ = self._forward(self._check_X(X))
        stages["probs"] = softmax(stages["scores"], axis=1)
        return stages

    def _forward(self, X, maps=True):
        # X is checked once, by the caller; the layers' own checks would repeat that on every batch.
        p = self.params
        if self._fused:
            pool, cache = _fused.forward(X, p["conv_w"], p["conv_b"], self.padding)
            conv, act = _fused.stage_maps(cache) if maps else (None, None)
        else:
            h, w = self.input_shape[1:]
            conv, conv_cache = _conv._forward(X, p["conv_w"], p["conv_b"], 1, self.padding, h, w)
            act = np.maximum(conv, 0.0)
            ps = self.pool_size
            pool, pool_cache = _pool._max_forward(act, ps, ps, (h - ps) // ps + 1, (w - ps) // ps + 1)
            cache = (conv_cache, act, pool_cache)
        flat = pool.reshape(pool.shape[0], -1)
        scores = flat @ p["dense_w"]
        scores += p["dense_b"]
        stages = {"conv": conv, "relu": act, "pool": pool, "flat": flat, "scores": scores}
        return stages, cache

    def loss(self, X, y=None):
        """Class scores, or the loss and the gradient of every parameter (lessons 6 and 7).

        The same chain as calling the layer functions one after another (``conv2d_forward``,
        ``relu_forward``, ``maxpool2d_forward``, ``flatten_forward``, ``dense_forward``,
        ``softmax_cross_entropy`` and their backward passes in reverse); the tests check it against
        numerical gradients.

        Parameters
        ----------
        X : array_like, shape (N, C, H, W)
        y : array_like of int, shape (N,), optional

        Returns
        -------
        scores : ndarray, shape (N, K)
            When ``y`` is None.
        (loss, grads) : (float, dict of ndarray)
            When ``y`` is given: the mean softmax cross-entropy and ``grads`` with the same keys and shapes
            as :attr:`params`. The batch's scores are kept in :attr:`last_scores`.
        """
        X = self._check_X(X)
        if y is None:
            stages, _ = self._forward(X, maps=False)
            self.last_scores = stages["scores"]
            return stages["scores"]
        y = _check_labels(y, (X.shape[0], self.num_classes), "the scores of X")
        return self._loss_grads(X, y)

    def _loss_grads(self, X, y):
        """The loss and gradients for a checked batch (``fit`` checks the whole data set once)."""
        stages, cache = self._forward(X, maps=False)
        scores = stages["scores"]
        self.last_scores = scores
        loss, dscores = _softmax_cross_entropy(scores, y)
        p = self.params
        ddense_w = stages["flat"].T @ dscores
        ddense_b = dscores.sum(axis=0)
        dpool = (dscores @ p["dense_w"].T).reshape(stages["pool"].shape)
        if self._fused:
            dconv_w, dconv_b = _fused.backward(dpool, cache)
        else:
            conv_cache, act, pool_cache = cache
            dact = _pool._max_backward(dpool, pool_cache)
            dact *= act > 0  # ReLU passes the gradient only where its input was positive
            _, dconv_w, dconv_b = _conv._backward(dact, conv_cache, need_dx=False)  # X needs no gradient
        grads = {"conv_w": dconv_w, "conv_b": dconv_b, "dense_w": ddense_w, "dense_b": ddense_b}
        return loss, grads

    def predict_proba(self, X):
        """Class probabilities, shape (N, K) (lesson 7)."""
        return softmax(self.loss(X), axis=1)

    def predict(self, X):
        """Predicted labels, shape (N,), int (lesson 7)."""
        return np.argmax(self.loss(X), axis=1)
