"""The receptive-field arithmetic of lessons 5 and 8 (cnnmath/receptive.py), against a brute-force measurement.

Push a gradient of 1 back from one output unit through a stack of all-ones filters (conv2d_backward) and
see which input pixels it reaches: the side of that square is the receptive field.
"""

import numpy as np
import pytest

from cnnmath import conv2d_backward, conv2d_forward, receptive_field, receptive_field_steps
from cnnmath.receptive import receptive_field_regions
from cnnmath.checks import STACK_EXERCISE


@pytest.mark.parametrize(("layers", "expected"), [
    ([], 1),
    ([(3, 1)], 3),
    ([(3, 1), (3, 1)], 5),            # the lesson's "a 3x3 on a 3x3 sees 5x5"
    ([(3, 1)] * 3, 7),
    ([(5, 1)], 5),
    ([(3, 2), (3, 1)], 7),
    ([(3, 2), (3, 2), (3, 1)], 15),
    ([(2, 2), (2, 2)], 4),            # pooling that tiles the input: 2x2 then 2x2 covers 4x4
    ([(1, 1)] * 4, 1),
    (list(STACK_EXERCISE), 10),
])
def test_receptive_field_known_values(layers, expected):
    assert receptive_field(layers) == expected


def test_receptive_field_steps_records_field_and_jump():
    assert receptive_field_steps([(3, 1), (3, 1), (2, 2), (3, 1)]) == [(3, 1), (5, 1), (6, 2), (10, 2)]
    assert receptive_field_steps([]) == []
    assert receptive_field_steps(((3, 2), (5, 3))) == [(3, 2), (11, 6)]  # tuples and numpy ints too
    assert receptive_field([(np.int64(3), np.int64(1))] * 2) == 5


def _measured_field(layers):
    """Side of the input window that reaches output unit (0, 0) of a stack of all-ones convolutions."""
    size = receptive_field(layers) + 8
    x = np.zeros((1, 1, size, size))
    caches, h = [], x
    for k, s in layers:
        h, cache = conv2d_forward(h, np.ones((1, 1, k, k)), np.zeros(1), stride=s)
        caches.append(cache)
    dout = np.zeros_like(h)
    dout[0, 0, 0, 0] = 1.0
    for cache in reversed(caches):
        dout, _, _ = conv2d_backward(dout, cache)
    rows = np.flatnonzero(dout[0, 0].any(axis=1))
    cols = np.flatnonzero(dout[0, 0].any(axis=0))
    assert rows[0] == 0 and cols[0] == 0 and rows[-1] == cols[-1]
    if all(s <= k for k, s in layers):
        # positive weights cannot cancel, and windows that overlap or touch leave no gaps: a full square
        assert np.all(dout[0, 0][:rows[-1] + 1, :cols[-1] + 1] > 0)
    return rows[-1] + 1  # with gaps (stride > kernel) the field is the extent of the window


@pytest.mark.parametrize("layers", [
    [(3, 1)], [(3, 1)] * 2, [(3, 1)] * 3, [(5, 1), (3, 1)], [(3, 2), (3, 1)], [(3, 2), (3, 2), (3, 1)],
    [(3, 1), (3, 1), (2, 2), (3, 1)], [(2, 2), (3, 1), (2, 2), (5, 1)], [(7, 3), (1, 1), (3, 2)],
])
def test_receptive_field_matches_brute_force(layers):
    assert receptive_field(layers) == _measured_field(layers)


def test_receptive_field_matches_brute_force_on_random_stacks():
    rng = np.random.default_rng(0)
    for _ in range(15):
        depth = int(rng.integers(1, 5))
        layers = [(int(rng.integers(1, 6)), int(rng.integers(1, 4))) for _ in range(depth)]
        assert receptive_field(layers) == _measured_field(layers), layers


@pytest.mark.parametrize(("layers", "error", "words"), [
    ("3x3", TypeError, "list of (kernel, stride)"),
    (5, TypeError, "list of (kernel, stride)"),
    ([(3,)], ValueError, "layer 1"),
    ([(3, 1), (0, 1)], ValueError, "layer 2 has kernel 0"),
    ([(3, 1.5)], ValueError, "stride 1.5"),
    ([(3, True)], ValueError, "stride True"),
    ([(3, -1)], ValueError, "stride -1"),
])
def test_receptive_field_rejects_bad_layers(layers, error, words):
    with pytest.raises(error, match=None) as info:
        receptive_field(layers)
    assert words in str(info.value)


@pytest.mark.parametrize("layers", [[], [(3, 1)], [(3, 1), (3, 1)], [(3, 2), (3, 1)], [(3, 1), (3, 1), (2, 2), (3, 1)],
                                    [(5, 2)] * 4, [(7, 2)] * 4, [(1, 2)] * 3, list(STACK_EXERCISE)])
def test_receptive_field_regions_are_the_fields_of_the_layers_above(layers):
    regions = receptive_field_regions(layers)
    assert len(regions) == len(layers) + 1 and regions[-1] == 1
    assert regions[0] == receptive_field(layers) == _measured_field(layers) if layers else regions == [1]
    for level in range(len(layers) + 1):              # what one top unit sees of level l: the stack above l
        assert regions[level] == receptive_field(layers[level:])


def test_receptive_field_regions_by_hand_and_bad_input():
    assert receptive_field_regions([(3, 1), (3, 1)]) == [5, 3, 1]
    assert receptive_field_regions([(3, 2), (3, 2), (3, 1)]) == [15, 7, 3, 1]
    with pytest.raises(ValueError, match="layer 2 has stride 0"):
        receptive_field_regions([(3, 1), (3, 0)])
    with pytest.raises(TypeError, match="layers is a string"):
        receptive_field_regions("3x3")
