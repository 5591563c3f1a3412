"""Timing helper shared by the side-by-side comparisons."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def interleaved_medians(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each case, the cases taking turns (after one warm-up
    call each), so that the load of a shared machine hits them alike."""
    for run in cases.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, run in cases.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(t)) for name, t in times.items()}
