"""Receptive fields: how much of the input one unit of a stack of layers sees (lesson 5: ``05_feature_maps``).

Only arithmetic on (kernel, stride) pairs: no arrays, no pictures.
"""

from __future__ import annotations

import numbers

__all__ = ["receptive_field", "receptive_field_steps", "receptive_field_regions", "check_layers"]


def check_layers(layers):
    """``layers`` as a list of ``(kernel, stride)`` pairs of ints, or an error naming the layer that is wrong.

    Parameters
    ----------
    layers : sequence of (int, int)
        Each kernel size and stride a whole number >= 1.

    Returns
    -------
    list of (int, int)
    """
    if isinstance(layers, (str, bytes)):
        raise TypeError("layers is a string but needs a list of (kernel, stride) pairs such as [(3, 1), (3, 1)]")
    try:
        pairs = [tuple(layer) for layer in layers]
    except TypeError:
        raise TypeError(f"layers is {layers!r} but needs a list of (kernel, stride) pairs such as "
                        f"[(3, 1), (3, 1)]") from None
    checked = []
    for number, pair in enumerate(pairs, start=1):
        if len(pair) != 2:
            raise ValueError(f"layer {number} is {pair!r} but needs two numbers, (kernel, stride)")
        for value, what in zip(pair, ("kernel", "stride")):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"layer {number} has {what} {value!r} but needs a whole number >= 1")
        checked.append((int(pair[0]), int(pair[1])))
    return checked


def receptive_field_steps(layers):
    """Receptive field and jump after each layer of a stack (lesson 5).

    A unit of layer ``l`` sees ``r_l`` input pixels along each axis, and neighbouring units of layer ``l``
    are ``j_l`` input pixels apart. Starting from one pixel (``r_0 = 1``, ``j_0 = 1``)::

        r_l = r_(l-1) + (k_l - 1) * j_(l-1)        j_l = j_(l-1) * s_l

    Padding does not change either number. A pooling window of size k and stride s counts as a layer
    ``(k, s)`` too.

    Parameters
    ----------
    layers : sequence of (int, int)
        ``(kernel_size, stride)`` of each layer, first layer first.

    Returns
    -------
    list of (int, int)
        ``(r_l, j_l)`` after each layer; empty for an empty stack.
    """
    r, j = 1, 1
    steps = []
    for k, s in check_layers(layers):
        r += (k - 1) * j
        j *= s
        steps.append((r, j))
    return steps


def receptive_field(layers) -> int:
    """How many input pixels (along each axis) one unit of the last layer of a stack sees (lesson 5).

    ``r = 1 + sum_l (k_l - 1) * s_1 * ... * s_(l-1)``: each layer adds ``k - 1`` of its own steps, and a
    step of layer ``l`` is the product of the strides below it. Two 3x3 layers with stride 1 give 5
    (a 5x5 window of the input); three give 7.

    Parameters
    ----------
    layers : sequence of (int, int)
        ``(kernel_size, stride)`` of each layer, first layer first.

    Returns
    -------
    int
        The side of the square window of the input that one output unit depends on (1 for no layers).
    """
    steps = receptive_field_steps(layers)
    return steps[-1][0] if steps else 1


def receptive_field_regions(layers):
    """How many units of each level one unit of the last layer depends on, along each axis (lesson 5).

    Going down from the top: one unit of layer ``L`` depends on ``k_L`` units of layer ``L - 1``, and a
    window of ``n`` units of layer ``l`` depends on ``(n - 1) * s_l + k_l`` units of layer ``l - 1``::

        n_L = 1        n_(l-1) = (n_l - 1) * s_l + k_l

    So ``n_0`` (the input) is :func:`receptive_field` of the whole stack, and ``n_l`` is the receptive field
    of the layers above ``l`` alone.

    Parameters
    ----------
    layers : sequence of (int, int)
        ``(kernel_size, stride)`` of each layer, first layer first.

    Returns
    -------
    list of int
        ``len(layers) + 1`` sides, input first, the top layer's single unit (1) last; ``[1]`` for no layers.
    """
    sizes = [1]
    for k, s in reversed(check_layers(layers)):
        sizes.append((sizes[-1] - 1) * s + k)
    return sizes[::-1]
