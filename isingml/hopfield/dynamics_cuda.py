"""The CUDA twin of synchronous Hopfield dynamics (:func:`isingml.hopfield.dynamics.sync_step`).

The fields of the whole batch, one thread per (probe, unit), summed in float64 in the
units' order; the decisions, one thread per probe, with the CPU kernel's rule (``+1`` when
``h - b >= -tol``, the tie band of :func:`~isingml.hopfield.dynamics.tie_tolerances`) and
its fixed-point and 2-cycle tests. The fields differ from BLAS's only by rounding, far
inside the tie band, so the states are the CPU's; the energies agree to rounding. States
and fields stay on the device; only the probes' activity (and, when asked for, the states)
comes back after each step. This module imports ``numba.cuda``; the package imports it only
when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda

__all__ = ["run_sync_cuda"]

_BLOCK = (8, 32)
_THREADS = 64


@cuda.jit
def _fields(w, s, active, h):  # pragma: no cover - compiled for the GPU
    p, i = cuda.grid(2)
    if p >= s.shape[0] or i >= s.shape[1] or not active[p]:
        return
    acc = np.float64(0.0)
    for j in range(s.shape[1]):
        acc += w[i, j] * s[p, j]
    h[p, i] = acc


@cuda.jit
def _energies(h, s, b, active, energies, column):  # pragma: no cover - GPU
    p = cuda.grid(1)
    if p >= s.shape[0] or not active[p]:
        return
    e = np.float64(0.0)
    for i in range(s.shape[1]):
        e += s[p, i] * (b[i] - 0.5 * h[p, i])
    energies[p, column] = e


@cuda.jit
def _step(
    h, b, tol, states, previous, step, active, converged, cycled, sweeps
):  # pragma: no cover
    p = cuda.grid(1)
    if p >= states.shape[0] or not active[p]:
        return
    same = True
    back = step > 0
    for i in range(states.shape[1]):
        new = np.int8(1) if h[p, i] - b[i] >= -tol[i] else np.int8(-1)
        same = same and new == states[p, i]
        back = back and new == previous[p, i]
        previous[p, i] = states[p, i]
        states[p, i] = new
    sweeps[p] = step + 1
    if same:
        converged[p] = True
        active[p] = False
    elif back:
        cycled[p] = True
        active[p] = False


def run_sync_cuda(w, b, tol, s, max_sweeps, energies, history, sweeps, converged, cycled):
    """Synchronous dynamics of every probe on the GPU; the arguments and outputs (filled in
    place) are those of the CPU driver in :mod:`isingml.hopfield.network`."""
    require_cuda()
    k, n = s.shape
    d_w = cuda.to_device(np.ascontiguousarray(w))
    d_b = cuda.to_device(np.ascontiguousarray(b))
    d_tol = cuda.to_device(np.ascontiguousarray(tol))
    d_s = cuda.to_device(s)
    d_prev = cuda.to_device(s.copy())
    d_h = cuda.device_array((k, n), dtype=np.float64)
    d_e = cuda.to_device(energies)
    d_active = cuda.to_device(np.ones(k, dtype=bool))
    d_conv = cuda.to_device(converged)
    d_cyc = cuda.to_device(cycled)
    d_sweeps = cuda.to_device(sweeps)
    grid2 = (-(-k // _BLOCK[0]), -(-n // _BLOCK[1]))
    grid1 = -(-k // _THREADS)
    _fields[grid2, _BLOCK](d_w, d_s, d_active, d_h)
    _energies[grid1, _THREADS](d_h, d_s, d_b, d_active, d_e, 0)
    if history.shape[1]:
        history[:, 0] = s
    for step in range(max_sweeps):
        if not d_active.copy_to_host().any():
            break
        running = d_active.copy_to_host()
        _step[grid1, _THREADS](d_h, d_b, d_tol, d_s, d_prev, step, d_active, d_conv, d_cyc,
                               d_sweeps)  # fmt: skip
        d_ran = cuda.to_device(running)  # energies and fields of the probes that stepped
        _fields[grid2, _BLOCK](d_w, d_s, d_ran, d_h)
        _energies[grid1, _THREADS](d_h, d_s, d_b, d_ran, d_e, step + 1)
        if history.shape[1]:
            states = d_s.copy_to_host()
            history[running, step + 1] = states[running]
    s[...] = d_s.copy_to_host()
    energies[...] = d_e.copy_to_host()
    sweeps[...] = d_sweeps.copy_to_host()
    converged[...] = d_conv.copy_to_host()
    cycled[...] = d_cyc.copy_to_host()
