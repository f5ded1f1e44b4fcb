"""Wall-clock timing shared by the benchmarks."""
from __future__ import annotations

import time


def best_of(fn, n: int = 3) -> float:
    """Fastest of ``n`` calls of ``fn``, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
