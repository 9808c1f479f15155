"""One process-wide setting that makes numpy's many short-lived arrays cheap (issue: speed).

glibc's ``malloc`` hands out every block above its mmap threshold (128 KiB at start) as fresh pages from the
kernel and returns them on ``free``; an array of a batch's feature maps is larger than that, so each layer
call paid for thousands of page faults, which cost more than the arithmetic (measured here: max pooling of
a (64, 8, 26, 26) batch took 0.9 ms instead of 0.2 ms). Raising the threshold keeps such blocks in the
heap, where they are reused from call to call. The price is that up to ``TRIM`` bytes of freed memory stay
with the process instead of going back to the system.

Applied once when ``cnnmath`` is imported, on Linux with glibc only; set ``CNNMATH_MALLOC_TUNING=0`` to
leave ``malloc`` alone (the benchmark does, to show the difference).
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["tune_malloc", "MALLOC_TUNED"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP = 32 * 1024 * 1024  # glibc's largest allowed mmap threshold on 64-bit systems
TRIM = 128 * 1024 * 1024


def tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds; return True if they were set."""
    if os.environ.get("CNNMATH_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, or no libc.so.6): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM))


MALLOC_TUNED = tune_malloc()
