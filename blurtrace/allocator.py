"""Let the C allocator keep freed memory for reuse (glibc, i.e. most Linux systems).

Why: a network's activations on a photo are tens of megabytes each (one 16-channel float map of
a 1280×720 photo is 59 MB). glibc serves blocks that large with ``mmap`` and returns them to the
kernel when they are freed, so every layer writes into fresh memory that the kernel must map and
zero page by page. On a 2-core AVX2 CPU that was a quarter to nearly half of the deblurring
network's time (the default U-Net on a 1280×720 photo: 2.4–3.3 s tuned against 4.3–4.4 s,
``benchmarks/speed.py`` against ``--system-malloc``; docs/experiments.md, "Speed on a CPU without
bfloat16"). With ``mmap`` off for large blocks and trimming off, freed blocks stay in the heap
and the next layer reuses them. The price: the process keeps its peak heap until it exits, which a
command that processes photos and ends does anyway.

The ``blurtrace`` command calls :func:`keep_freed_memory` before any work unless the environment
sets ``BLURTRACE_SYSTEM_MALLOC=1``. It changes the whole process, so the library never calls it
on its own: a program embedding the predictors may call it once at start.
"""
from __future__ import annotations

import ctypes
import os
import sys

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
_INT_MAX = 2**31 - 1

_tuned = False


def keep_freed_memory() -> bool:
    """Tell glibc's allocator to serve every block from its heap and never trim it.

    Returns whether the allocator is now tuned: ``False`` off glibc (macOS, Windows, musl) or
    when ``BLURTRACE_SYSTEM_MALLOC=1``, where nothing changes. Calling it again is harmless.
    """
    global _tuned
    if _tuned:
        return True
    if os.environ.get("BLURTRACE_SYSTEM_MALLOC") == "1" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library handle, or one without mallopt (musl)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; both are needed: without mmap but with trimming, freed
    # memory at the heap's top still goes back to the kernel
    _tuned = mallopt(M_MMAP_MAX, 0) == 1 and mallopt(M_TRIM_THRESHOLD, _INT_MAX) == 1
    return _tuned
