"""An opt-in, process-wide glibc setting that makes numpy's many short-lived arrays cheap.

glibc's ``malloc`` hands out every block above its mmap threshold (128 KiB at start) as fresh pages from the
kernel and returns them on ``free``; an array of a batch's feature maps is larger than that, so each layer
call paid for thousands of page faults, which cost more than the arithmetic (measured here: max pooling of
a (64, 8, 26, 26) batch took 0.9 ms instead of 0.2 ms). Raising the threshold keeps such blocks in the
heap, where they are reused from call to call. The price is that up to ``TRIM`` bytes of freed memory stay
with the process instead of going back to the system.

Never applied on import: importing ``cnnmath`` leaves the student's process as it was. It is a setting of
the whole process (every library in it allocates through the same ``malloc``), so only a program that
owns its process should turn it on, by calling :func:`cnnmath.tune_malloc` once: the benchmarks do
(``benchmarks/run.py``, which also measures the difference), and so may a script that trains for long.
Linux with glibc only; elsewhere it does nothing and returns False.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["tune_malloc", "malloc_tuned"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP = 32 * 1024 * 1024  # glibc's largest allowed mmap threshold on 64-bit systems
TRIM = 128 * 1024 * 1024


_tuned = False


def tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds for this whole process; return True if they were set.

    Opt-in (nothing calls it on import). Effects: large temporary arrays are reused from the heap instead
    of being fresh pages every time (layer calls on a batch become 2-4x faster, see ``make bench``), and up
    to 128 MiB of freed memory stays with the process instead of going back to the system. It lasts until
    the process ends. Does nothing and returns False off Linux or without glibc.
    """
    global _tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, or no libc.so.6): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM))
    return _tuned


def malloc_tuned() -> bool:
    """Whether :func:`tune_malloc` has set the thresholds in this process."""
    return _tuned
