"""Shared test set-up: ``tests/naive.py`` importable as ``naive``; at least two Numba threads.

The thread-independence tests need two threads even on a one-core machine, so the thread
count is raised before Numba is imported (threads beyond the cores are allowed).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if (os.cpu_count() or 1) < 2:
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")  # pragma: no cover
