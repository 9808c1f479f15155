"""The named teaching kernels and the comparison of learned filters with them (cnnmath/kernels.py)."""

import numpy as np
import pytest

from cnnmath import HAND_FILTERS, KERNEL_NAMES, TinyCNN, get_kernel, kernel_bank, most_similar_filters


def test_hand_filters_are_named_kernels():
    assert HAND_FILTERS == ("vertical edge", "horizontal edge", "diagonal edge", "anti-diagonal edge")
    assert set(HAND_FILTERS) <= set(KERNEL_NAMES)
    assert kernel_bank(*HAND_FILTERS).shape == (4, 1, 3, 3)


def test_most_similar_filters_finds_a_planted_kernel():
    w = np.random.default_rng(1).normal(size=(5, 1, 3, 3)) * 0.01
    w[3, 0] = -2 * get_kernel("horizontal edge")
    found = dict((name, (i, c)) for name, i, c in most_similar_filters(w, ["horizontal edge"]))
    i, cos = found["horizontal edge"]
    assert i == 3
    assert cos == pytest.approx(-1.0, abs=1e-3)


def test_most_similar_filters_is_the_largest_absolute_cosine():
    w = TinyCNN(seed=0).params["conv_w"]
    copy = w.copy()
    result = most_similar_filters(w)
    assert [name for name, _, _ in result] == list(HAND_FILTERS)
    flat = w.reshape(len(w), -1)
    for name, i, cos in result:
        k = get_kernel(name).ravel()
        cosines = flat @ k / (np.linalg.norm(flat, axis=1) * np.linalg.norm(k))
        assert i == int(np.argmax(np.abs(cosines)))
        assert cos == pytest.approx(cosines[i], abs=1e-12)
        assert -1 <= cos <= 1
    np.testing.assert_array_equal(w, copy)
    # (F, 3, 3) reads the same as (F, 1, 3, 3); float32 gives the same answer
    assert most_similar_filters(w[:, 0]) == result
    assert [(n, i) for n, i, _ in most_similar_filters(w.astype(np.float32))] == [(n, i) for n, i, _ in result]


def test_most_similar_filters_bad_input():
    with pytest.raises(ValueError, match=r"conv_w has shape \(4, 2, 3, 3\) but needs \(4, 1, 3, 3\)"):
        most_similar_filters(np.ones((4, 2, 3, 3)))
    with pytest.raises(ValueError, match="conv_w has shape"):
        most_similar_filters(np.ones((3, 3)))
    with pytest.raises(TypeError, match="names"):
        most_similar_filters(np.ones((4, 1, 3, 3)), "vertical edge")
    with pytest.raises(ValueError, match="name"):
        most_similar_filters(np.ones((4, 1, 3, 3)), ["no such kernel"])
