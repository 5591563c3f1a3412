"""pytest settings for the isingml benchmarks.

``bench_*.py`` modules are collected when this folder is given to pytest
(``pytest benchmarks --benchmark-only``; ``python_files`` in pyproject.toml), and the
saved machine info records what the numbers depend on.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np


def pytest_benchmark_update_machine_info(config: Any, machine_info: dict[str, Any]) -> None:
    """Add the NumPy/Numba versions and Numba's thread count to the saved machine info."""
    machine_info["numpy"] = np.__version__
    machine_info["numba"] = numba.__version__
    machine_info["numba_threads"] = int(numba.config.NUMBA_NUM_THREADS)
    machine_info["numba_threading_layer"] = str(numba.config.THREADING_LAYER)
