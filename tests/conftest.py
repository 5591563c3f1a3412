"""Shared test set-up: ``tests/naive.py`` importable as ``naive``; at least two Numba
threads; CUDA kernels on Numba's CUDA simulator.

The thread-independence tests need two threads even on a one-core machine, so the thread
count is raised before Numba is imported (threads beyond the cores are allowed). The CUDA
twins (tests marked ``gpu``) run under the simulator on every run; on a machine with a
GPU, ``NUMBA_ENABLE_CUDASIM=0 pytest -m gpu`` runs the same tests on the hardware.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

if (os.cpu_count() or 1) < 2:
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")  # pragma: no cover
