"""Importing cnnmath changes nothing in the student's process; malloc tuning is an explicit opt-in; the thread
pool stays within the CPU quota a hub gives its container (os.sched_getaffinity, CPU_LIMIT)."""

import json
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from cnnmath._fast import threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in a fresh interpreter: every way to reach glibc's mallopt through ctypes is recorded before cnnmath
# is imported, then the script imports cnnmath, runs a network's loss and gradients on a few digits, and only
# then opts in.
PROBE = textwrap.dedent("""
    import ctypes, json, os, sys, threading

    calls = []
    RealCDLL = ctypes.CDLL

    class RecordingCDLL(RealCDLL):
        # CDLL's attribute access (libc.mallopt) goes through __getitem__ (libc["mallopt"]): one hook for both
        def __getitem__(self, name):
            func = super().__getitem__(name)
            return _Recorded(func, calls) if name == "mallopt" else func

    class _Recorded:
        # stands in for a ctypes function: attributes (argtypes, restype) go to the real one
        def __init__(self, func, calls):
            object.__setattr__(self, "_func", func)
            object.__setattr__(self, "_calls", calls)

        def __setattr__(self, name, value):
            setattr(self._func, name, value)

        def __getattr__(self, name):
            return getattr(self._func, name)

        def __call__(self, *args):
            self._calls.append([int(a) for a in args])
            return self._func(*args)

    ctypes.CDLL = RecordingCDLL
    ctypes.cdll = ctypes.LibraryLoader(RecordingCDLL)

    try:
        from threadpoolctl import threadpool_info  # sets KMP_DUPLICATE_LIB_OK itself: before the snapshot
    except ImportError:
        threadpool_info = lambda: []
    import numpy as np
    env_before = dict(os.environ)
    threads_before = threading.active_count()
    blas_before = [(i["filepath"], i["num_threads"]) for i in threadpool_info()]

    import cnnmath
    from cnnmath._fast import malloc

    report = {  # right after the import (load_digits then imports scikit-learn, which sets KMP_* variables)
        "env_changed": sorted(k for k in set(env_before) | set(os.environ)
                              if env_before.get(k) != os.environ.get(k)),
        "blas_changed": blas_before != [(i["filepath"], i["num_threads"]) for i in threadpool_info()],
        "new_threads": threading.active_count() - threads_before,
    }
    X, y, _, _ = cnnmath.load_digits()
    loss, grads = cnnmath.TinyCNN().loss(X[:8], y[:8])
    report["after_loss"] = list(calls)
    report["tuned_before"] = malloc.malloc_tuned()
    report["loss"] = float(loss)
    report["opt_in_returned"] = cnnmath.tune_malloc()
    report["after_opt_in"] = list(calls)
    report["tuned_after"] = malloc.malloc_tuned()
    print(json.dumps(report))
""")


@pytest.fixture(scope="module")
def probe():
    """The report of one fresh interpreter that imported cnnmath under the recording ctypes."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_and_a_forward_backward_pass_never_call_mallopt(probe):
    """import cnnmath and TinyCNN().loss(X, y) on digits leave glibc's malloc settings alone."""
    assert probe["after_loss"] == []
    assert probe["tuned_before"] is False
    assert 0 < probe["loss"] < 10  # the network really ran


def test_import_changes_no_environment_or_thread_setting(probe):
    """No environment variable (OMP_NUM_THREADS and friends), no BLAS thread limit and no thread started."""
    assert probe["env_changed"] == []
    assert probe["blas_changed"] is False
    assert probe["new_threads"] == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's: elsewhere tune_malloc does nothing and returns False")
def test_tune_malloc_is_the_opt_in_that_calls_mallopt(probe):
    """cnnmath.tune_malloc() sets glibc's M_MMAP_THRESHOLD (-3) to 32 MiB and M_TRIM_THRESHOLD (-1) to
    128 MiB (the constants of glibc's malloc.h), and says so."""
    assert probe["opt_in_returned"] is True and probe["tuned_after"] is True
    assert probe["after_opt_in"] == [[-3, 32 * 1024 * 1024], [-1, 128 * 1024 * 1024]]


def test_tune_malloc_does_nothing_off_linux(monkeypatch):
    """On another platform the opt-in returns False without touching ctypes."""
    import ctypes

    from cnnmath._fast import malloc

    def no_ctypes(*args, **kwargs):
        raise AssertionError("ctypes.CDLL was called")
    monkeypatch.setattr(malloc.sys, "platform", "darwin")
    monkeypatch.setattr(ctypes, "CDLL", no_ctypes)
    assert malloc.tune_malloc() is False


# ----------------------------------------------------------------------------------------------------
# The CPU quota
# ----------------------------------------------------------------------------------------------------

@pytest.fixture
def cpus(monkeypatch):
    """Pretend the process may run on ``n`` CPUs (its affinity), with no CPU_LIMIT unless set."""
    monkeypatch.delenv("CPU_LIMIT", raising=False)

    def set_cpus(n):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(n)), raising=False)
    return set_cpus


def test_quota_is_the_cpu_affinity(cpus):
    """A container pinned to one CPU (affinity {0}) gets 1, whatever the host's core count."""
    cpus(1)
    assert threads.cpu_quota() == 1
    cpus(6)
    assert threads.cpu_quota() == 6


@pytest.mark.parametrize("limit,affinity,expected", [
    ("1.5", 4, 1),    # a fractional quota rounds down: 1.5 CPUs cannot run 2 threads at full speed
    ("2", 4, 2),
    (" 3 ", 8, 3),
    ("0.5", 4, 1),    # never below 1
    ("8", 4, 4),      # a limit above the affinity does not raise it
    ("0", 4, 4),      # not a quota: ignored
    ("-2", 4, 4),
    ("abc", 4, 4),
    ("nan", 4, 4),
    ("", 4, 4),
])
def test_cpu_limit_lowers_the_quota(cpus, monkeypatch, limit, affinity, expected):
    """CPU_LIMIT (JupyterHub's spawners set it) lowers the quota to its whole part; nonsense is ignored."""
    cpus(affinity)
    monkeypatch.setenv("CPU_LIMIT", limit)
    assert threads.cpu_quota() == expected


def test_quota_without_sched_getaffinity_uses_the_cpu_count(monkeypatch):
    """Off Linux there is no affinity call: the CPU count stands in."""
    monkeypatch.delenv("CPU_LIMIT", raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert threads.cpu_quota() == 3
    monkeypatch.setenv("CPU_LIMIT", "2")
    assert threads.cpu_quota() == 2


class _FakeBlas:
    """Stands in for threadpoolctl's controller of numpy's BLAS."""

    def __init__(self, n):
        self.n = n

    def get_num_threads(self):
        return self.n


@pytest.mark.parametrize("blas,affinity,limit,expected", [
    (8, 1, None, 1),
    (8, 2, None, 2),
    (8, 4, "1.5", 1),
    (2, 4, None, 2),
    (1, 4, None, 1),
])
def test_threads_allowed_never_exceeds_the_quota(cpus, monkeypatch, blas, affinity, limit, expected):
    """The BLAS limit decides, but never above cpu_quota(): a BLAS that sees 8 host cores in a 1-CPU
    container gets 1 thread."""
    cpus(affinity)
    if limit is not None:
        monkeypatch.setenv("CPU_LIMIT", limit)
    monkeypatch.setattr(threads, "_blas", [_FakeBlas(blas)])
    assert threads.threads_allowed() == expected
    assert threads.threads_allowed() <= threads.cpu_quota()


def test_threads_allowed_with_the_real_blas_stays_within_the_quota(cpus):
    """With whatever BLAS is installed, one allowed CPU means one thread."""
    cpus(1)
    assert threads.threads_allowed() == 1
