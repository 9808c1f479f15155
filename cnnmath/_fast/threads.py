"""Splitting element-wise work over the cores numpy's BLAS may use, within the process's CPU quota.

numpy's matrix products run on every core that its BLAS (OpenBLAS) is allowed, but its element-wise
operations run on one. Max pooling is all element-wise, so on a batch of feature maps it leaves the other
cores idle, where PyTorch splits the batch over them. :func:`split_rows` does the same: the maps are
independent, so each thread takes a contiguous block of them and runs exactly the operations the whole
batch would have seen, on its own rows of preallocated arrays. numpy releases the GIL inside its loops, so
the blocks run at the same time, and the numbers are bit for bit those of one thread.

How many threads: as many as numpy's BLAS is currently allowed, read from OpenBLAS through threadpoolctl
(which scikit-learn already installs), so that ``threadpoolctl.threadpool_limits(1)`` or
``OPENBLAS_NUM_THREADS=1`` keeps everything on one core. Without threadpoolctl: one thread. Never more than
the CPUs the process may really use (:func:`cpu_quota`): on a JupyterHub a container often sees every core
of the host but is given only one or two, by CPU affinity or by the ``CPU_LIMIT`` its spawner sets. Small
arrays stay on one thread, where handing work to another thread would cost more than it saves.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__: list[str] = []

MIN_ITEMS = 1 << 16  # fewer elements than this per call: one thread (a hand-off costs about 20-50 us)
BLOCKS_PER_THREAD = 1  # more, smaller blocks cost more in handing the GIL back and forth than they gain
_UNREAD = object()
_blas = _UNREAD  # threadpoolctl's controllers of numpy's BLAS, found on first use (None: not available)
_pool = None
_pool_pid = None
_lock = threading.Lock()
_PREFIX = "cnnmath-split"


def _find_blas():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    try:
        libs = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    except Exception:  # an unusual BLAS that threadpoolctl cannot query: stay on one thread
        return None
    numpy_libs = [lib for lib in libs if f"{os.sep}numpy" in str(lib.filepath)]
    return numpy_libs or libs or None


def cpu_quota() -> int:
    """The CPUs this process may use: its CPU affinity (``os.sched_getaffinity``, else ``os.cpu_count``),
    lowered to ``CPU_LIMIT`` when that is set (JupyterHub's spawners set it to the container's quota, which
    may be fractional: 1.5 gives 1), and never below 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    limit = os.environ.get("CPU_LIMIT", "").strip()
    if limit:
        try:
            value = float(limit)
        except ValueError:
            value = 0.0
        if value > 0 and value == value:  # a positive number (NaN fails value == value)
            cpus = min(cpus, int(value)) if value < float(cpus) else cpus
    return max(1, cpus)


def threads_allowed() -> int:
    """The number of threads numpy's BLAS may use right now (1 when that cannot be read), within :func:`cpu_quota`."""
    global _blas
    if _blas is _UNREAD:
        _blas = _find_blas()
    if not _blas:
        return 1
    try:
        n = min(lib.get_num_threads() for lib in _blas)
    except Exception:
        return 1
    return max(1, min(int(n or 1), cpu_quota()))


def _executor(workers):
    global _pool, _pool_pid
    with _lock:
        # a forked child inherits the pool object but not its threads: start a new one there
        if _pool is None or _pool_pid != os.getpid() or _pool._max_workers < workers:
            if _pool is not None and _pool_pid == os.getpid():
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_PREFIX)
            _pool_pid = os.getpid()
        return _pool


def split_rows(work, rows: int, items: int, threads: int | None = None) -> None:
    """Run ``work(lo, hi)`` over blocks of the rows ``[0, rows)``, on up to ``threads`` threads.

    ``items`` is the number of array elements the call touches; below :data:`MIN_ITEMS` it runs on one
    thread, as one block. ``threads`` defaults to :func:`threads_allowed`. With more than one thread the
    rows are cut into ``BLOCKS_PER_THREAD`` blocks per thread, which the calling thread and the pool's
    threads take in turn until none is left: if another thread is slow to start (its core is busy) the
    caller simply does more of them. Every block runs exactly the code it would run alone, so the result
    does not depend on who ran it. An exception in any block is raised here.
    """
    if threads is None:
        threads = threads_allowed() if items >= MIN_ITEMS else 1
    if threading.current_thread().name.startswith(_PREFIX):
        threads = 1  # called from a block of an outer split: its pool thread must not wait on the pool
    threads = max(1, min(int(threads), rows))
    if threads == 1:
        work(0, rows)
        return
    count = min(rows, BLOCKS_PER_THREAD * threads)
    bounds = [rows * i // count for i in range(count + 1)]
    tickets = itertools.count()  # next() on it is atomic under the GIL: each block is taken once

    def take():
        for i in iter(tickets.__next__, None):
            if i >= count:
                return
            work(bounds[i], bounds[i + 1])

    pool = _executor(threads - 1)
    futures = [pool.submit(take) for _ in range(threads - 1)]
    try:
        take()
    finally:
        for future in futures:
            future.result()
