"""Shared test set-up: ``tests/naive.py`` importable as ``naive``; at least two Numba
threads; CUDA kernels on Numba's CUDA simulator.

The thread-independence tests need two threads even on a one-core machine, so the thread
count is raised before Numba is imported (threads beyond the cores are allowed). The CUDA
twins (tests marked ``gpu``) run under the simulator on every run; on a machine with a
GPU, ``NUMBA_ENABLE_CUDASIM=0 pytest -m gpu`` runs the same tests on the hardware.

The simulator runs each GPU thread as a Python thread and polls them from the main thread,
so kernels that synchronize (``cuda.syncthreads``) spend most of their time waiting for the
interpreter to switch threads: a short switch interval makes them several times faster.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
if os.environ["NUMBA_ENABLE_CUDASIM"] == "1":
    sys.setswitchinterval(5e-5)

if (os.cpu_count() or 1) < 2:
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")  # pragma: no cover
