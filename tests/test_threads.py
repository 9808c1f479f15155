"""The thread pool of cnnmath/_fast/threads.py: stride-1 max pooling split over threads gives the single
thread's bits, every row runs once, the count follows the BLAS limit, and nesting cannot deadlock. (How
many CPUs a hub's container allows, cpu_quota, is tested in test_import_side_effects.py.)"""

import os

import numpy as np
import pytest

from cnnmath import maxpool2d_backward, maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive
from tests.test_activations_pooling import _batch


@pytest.fixture
def forced_threads(monkeypatch):
    """Make every call split over ``n`` threads, however small its arrays: ``forced_threads(n)``."""
    from cnnmath._fast import threads

    def force(n):
        monkeypatch.setattr(threads, "MIN_ITEMS", 0)
        monkeypatch.setattr(threads, "threads_allowed", lambda: n)
    return force


@pytest.mark.parametrize("threads", [2, 3, 4, 16])
@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("shape", [(5, 3, 8, 7), (1, 3, 6, 6), (7, 1, 5, 9)])  # odd numbers of maps
def test_threaded_pooling_is_bit_for_bit_the_single_thread_result(threads, size, shape, forced_threads):
    x = _batch(shape, "c", seed=threads + size)
    x[0, 0] = 0.0  # a whole map of ties
    dout = np.random.default_rng(size).normal(size=(shape[0], shape[1], shape[2] - size + 1,
                                                    shape[3] - size + 1))
    dout[-1, -1] = -0.0  # signed zeros must come out the same too
    out1, cache1 = maxpool2d_forward(x, size, 1)
    dx1 = maxpool2d_backward(dout, cache1)
    forced_threads(threads)
    out, cache = maxpool2d_forward(x, size, 1)
    dx = maxpool2d_backward(dout, cache)
    assert out.tobytes() == out1.tobytes()
    assert dx.tobytes() == dx1.tobytes()
    # and both agree with the loops (the naive version sums in another order: compare values)
    ref, ref_cache = maxpool2d_forward_naive(x, size, 1)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_allclose(dx, maxpool2d_backward_naive(dout, ref_cache), rtol=1e-14, atol=1e-15)


def test_forward_and_backward_may_use_different_thread_counts(forced_threads):
    x = _batch((5, 3, 7, 7), "channel-major", seed=3)
    dout = np.random.default_rng(3).normal(size=(5, 3, 5, 5))
    out1, cache1 = maxpool2d_forward(x, 3, 1)
    forced_threads(3)
    out, cache = maxpool2d_forward(x, 3, 1)
    assert maxpool2d_backward(dout, cache1).tobytes() == maxpool2d_backward(dout, cache).tobytes()


def test_split_rows_runs_every_row_once_and_raises_a_blocks_error():
    """Every row is handed to exactly one block, for any thread count, and a block's error reaches the caller."""
    from cnnmath._fast import threads as pool_threads
    for rows in (1, 2, 5, 17):
        for threads in (1, 2, 3, 8):
            seen = np.zeros(rows, dtype=int)

            def work(lo, hi):
                seen[lo:hi] += 1  # blocks are disjoint: no two threads touch the same entry
            pool_threads.split_rows(work, rows, items=10**9, threads=threads)
            np.testing.assert_array_equal(seen, 1)

    def fail(lo, hi):
        if hi == 4:
            raise ValueError("block 2 failed")
    with pytest.raises(ValueError, match="block 2"):
        pool_threads.split_rows(fail, 4, items=10**9, threads=2)


def test_thread_count_follows_the_blas_limit():
    """threadpoolctl's limit (what the benchmark sets) decides, within the CPU quota: 1 thread stays 1."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from cnnmath._fast import threads
    with threadpoolctl.threadpool_limits(1):
        assert threads.threads_allowed() == 1
    with threadpoolctl.threadpool_limits(2):
        blas = [info["num_threads"] for info in threadpoolctl.threadpool_info()
                if info["user_api"] == "blas" and f"{os.sep}numpy" in info["filepath"]]
        assert threads.threads_allowed() == min([2, threads.cpu_quota()] + blas)
    assert 1 <= threads.threads_allowed() <= threads.cpu_quota() <= (os.cpu_count() or 1)


NESTED_SPLIT = """
import numpy as np
from cnnmath._fast import threads
seen = np.zeros(12, dtype=int)

def inner(lo, hi):
    seen[lo:hi] += 1

def outer(lo, hi):
    threads.split_rows(lambda a, b: inner(lo + a, lo + b), hi - lo, items=10**9, threads=2)

threads.split_rows(outer, 12, items=10**9, threads=2)
print(seen.tolist())
"""


def test_split_rows_inside_a_block_runs_on_that_thread():
    """A block that splits again (not done today) must not wait for the pool it is running on.

    It runs in a fresh interpreter with a timeout, so that a deadlock fails the test instead of hanging the
    run: in this process a deadlocked pool thread could not be stopped, and Python joins the pool's threads
    when it exits."""
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, "-c", NESTED_SPLIT], capture_output=True, text=True, timeout=30,
                              cwd=root, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("split_rows inside a block did not finish within 30 s: a deadlock")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([1] * 12)  # every row exactly once
