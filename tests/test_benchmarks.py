"""The benchmarks measure what they say (``benchmarks/run.py``): it reads the checkout, so it is no package test."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from cnnmath import conv2d_forward, relu_forward


def test_benchmark_unchecked_epoch_skips_exactly_the_value_check():
    """``benchmarks/run.py`` times an epoch with the finiteness check switched off, to show what the checks
    cost: inside its wrapper a NaN gets through (so the experiment measures what it says), a wrong rank
    still raises, and afterwards the check is back."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    nan = np.array([[np.nan, 1.0]])

    def passes_nan():
        out, mask = relu_forward(nan)
        with pytest.raises(ValueError, match="x has shape"):
            conv2d_forward(np.zeros((2, 2)), np.zeros((1, 1, 1, 1)), np.zeros(1))
        return out

    assert np.isnan(bench._without_value_checks(passes_nan)()[0, 0])
    with pytest.raises(ValueError, match="NaN"):
        relu_forward(nan)
