"""Shared test set-up: ``tests/naive.py`` importable as ``naive``; at least two Numba
threads; CUDA kernels on Numba's CUDA simulator.

The thread-independence tests need two threads even on a one-core machine, so the thread
count is raised before Numba is imported (threads beyond the cores are allowed). The CUDA
twins (tests marked ``gpu``) run under the simulator on every run; on a machine with a
GPU, ``NUMBA_ENABLE_CUDASIM=0 pytest -m gpu`` runs the same tests on the hardware.

The simulator runs each GPU thread as a Python thread and polls them from the main thread,
so kernels that synchronize (``cuda.syncthreads``) spend most of their time waiting for the
interpreter to switch threads: a short switch interval while a kernel runs makes them
several times faster.
The simulator's ``cuda.shared.array`` looks an allocation up and creates it without a lock,
so two threads of a block can each create their own "shared" array (more likely the more
often threads switch); the look-up is serialized here.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

if (os.cpu_count() or 1) < 2:
    os.environ.setdefault("NUMBA_NUM_THREADS", "2")  # pragma: no cover

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
if os.environ["NUMBA_ENABLE_CUDASIM"] == "1":
    import threading

    import numba
    import numpy as np
    from numba.cuda.simulator import kernel, kernelapi

    _launch = kernel.FakeCUDAKernel.__call__

    def _launch_switching_often(self, *args):
        # Only while a simulated kernel runs: elsewhere (Dask, threads) the default stands.
        previous = sys.getswitchinterval()
        sys.setswitchinterval(5e-5)
        try:
            return _launch(self, *args)
        finally:
            sys.setswitchinterval(previous)

    kernel.FakeCUDAKernel.__call__ = _launch_switching_often
    _shared_lock = threading.Lock()

    def _locked_shared_array(self, shape, dtype):
        # The simulator's own method, keyed like it by the calling line, under a lock.
        if shape == 0:
            return _simulator_shared_array(self, shape, dtype)
        caller = sys._getframe(1)
        key = (caller.f_code.co_filename, caller.f_lineno)
        with _shared_lock:
            found = self._allocations.get(key)
            if found is None:
                if isinstance(dtype, numba.types.Type):
                    dtype = numba.np.numpy_support.as_dtype(dtype)
                found = self._allocations[key] = np.empty(shape, dtype)
        return found

    _simulator_shared_array = kernelapi.FakeCUDAShared.array
    kernelapi.FakeCUDAShared.array = _locked_shared_array


@pytest.fixture(scope="session")
def spin_dataset(tmp_path_factory):
    """A small spin dataset shared by the autoencoder and transition tests (L = 16 and 32,
    T = 1.0 ... 3.5)."""
    from isingml.data import generate

    path = tmp_path_factory.mktemp("spins") / "spins.h5"
    return generate(
        path,
        "16,32",
        "1.0:3.5:11",
        200,
        thermalize=200,
        interval=2,
        engine="wolff",
        seed=3,
        progress=False,
    )
