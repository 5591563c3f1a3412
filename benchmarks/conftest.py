"""pytest settings for the isingml benchmarks.

``bench_*.py`` modules are collected when this folder is given to pytest
(``pytest benchmarks --benchmark-only``), although they do not match the default
``test_*.py`` pattern, and the saved machine info records what the numbers depend on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numba
import numpy as np
import pytest


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Module | None:
    """Collect ``benchmarks/bench_*.py`` as test modules."""
    if (
        file_path.suffix == ".py"
        and file_path.name.startswith("bench_")
        and file_path.parent == Path(__file__).parent
        and not parent.session.isinitpath(file_path)  # given explicitly: pytest collects it
    ):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_benchmark_update_machine_info(config: Any, machine_info: dict[str, Any]) -> None:
    """Add the NumPy/Numba versions and Numba's thread count to the saved machine info."""
    machine_info["numpy"] = np.__version__
    machine_info["numba"] = numba.__version__
    machine_info["numba_threads"] = int(numba.config.NUMBA_NUM_THREADS)
    machine_info["numba_threading_layer"] = str(numba.config.THREADING_LAYER)
