"""The CUDA twins of Hopfield dynamics (:mod:`isingml.hopfield.dynamics`).

Synchronous dynamics (:func:`run_sync_cuda`, twin of
:func:`~isingml.hopfield.dynamics.sync_step`): the fields of the whole batch, one thread per
(probe, unit), summed in float64 in the units' order; the decisions, one thread per probe,
with the CPU kernel's rule (``+1`` when ``h - b >= -tol``, the tie band of
:func:`~isingml.hopfield.dynamics.tie_tolerances`) and its fixed-point and 2-cycle tests.
The fields differ from BLAS's only by rounding, far inside the tie band, so the states are
the CPU's; the energies agree to rounding. States and fields stay on the device; only the
probes' activity (and, when asked for, the states) comes back after each step.

Asynchronous (T = 0) and Glauber (T > 0) dynamics (:func:`run_async_cuda`, twin of
:func:`~isingml.hopfield.dynamics.async_dynamics`) run as parallel probes: one thread per
probe runs the CPU's algorithm, compiled with ``cuda.jit(device=True)`` from the very
source the CPU kernel compiles with ``numba.njit``
(:func:`~isingml.hopfield.dynamics.make_async_probe`): the same Philox-shuffled unit order
per sweep (key ``(seed, probe)``), the same field updates per flip and full re-sum every
``n`` flips, the same tie band, the same Glauber draws. The same float64 operations run in
the same order, so states, sweeps, convergence, history and energies are the CPU's (the
only operation that may round differently is the device's ``exp`` in Glauber acceptance,
and a decision changes only if a 32-bit draw falls between the two roundings). Each
thread's scratch (unit order, random words) is a row of a ``(k, n)`` device array; the
whole run stays on the device and comes back at the end.

This module imports ``numba.cuda``; the package imports it only when ``backend="cuda"`` is
asked for.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml.errors import InputError
from isingml.hopfield.dynamics import make_async_probe

__all__ = ["ASYNC_THREADS", "run_async_cuda", "run_sync_cuda"]

_BLOCK = (8, 32)
_THREADS = 64
#: Threads (probes) per block of the asynchronous kernel when ``block`` is not given.
ASYNC_THREADS = 64

_async_probe = make_async_probe(cuda.jit(device=True))


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
        _step[grid1, _THREADS](
            d_h, d_b, d_tol, d_s, d_prev, step, d_active, d_conv, d_cyc, d_sweeps
        )
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


@cuda.jit
def _async(
    w,
    wt,
    b,
    tol,
    order,
    rnd,
    acc,
    states,
    fields,
    max_sweeps,
    T,
    seed,
    energies,
    per_update,
    history,
    sweeps,
    converged,
):  # pragma: no cover - GPU
    p = cuda.grid(1)
    if p >= states.shape[0]:
        return
    sw, conv = _async_probe(
        w,
        wt,
        b,
        tol,
        order[p],
        rnd[p],
        acc[p],
        states[p],
        fields[p],
        max_sweeps,
        T,
        seed,
        p,
        energies[p],
        per_update[p],
        history[p],
    )
    sweeps[p] = sw
    converged[p] = conv


def run_async_cuda(
    w: np.ndarray,
    wt: np.ndarray,
    b: np.ndarray,
    tol: np.ndarray,
    states: np.ndarray,
    fields: np.ndarray,
    max_sweeps: int,
    T: float,
    seed: int,
    energies: np.ndarray,
    per_update: np.ndarray,
    history: np.ndarray,
    sweeps: np.ndarray,
    converged: np.ndarray,
    block: int | None = None,
) -> None:
    """Asynchronous (T = 0) or Glauber (T > 0) dynamics of every probe on the GPU, in place.

    One thread per probe runs the algorithm of
    :func:`~isingml.hopfield.dynamics.async_dynamics`, compiled from the same source; for
    the same seed the results are the CPU's.

    Parameters
    ----------
    w : ndarray of float64, shape (n, n)
        Weights; ``h = w @ s``.
    wt : ndarray of float64, shape (n, n)
        ``w.T`` (``w`` itself when symmetric).
    b, tol : ndarray of float64, shape (n,)
        Thresholds and tie bands.
    states : ndarray of int8, shape (k, n)
        Probes in, final states out.
    fields : ndarray of float64, shape (k, n)
        ``states @ w.T`` in, the fields of the final states out.
    max_sweeps : int
        Sweep limit (T > 0: the number of sweeps run).
    T : float
        Temperature; 0 for deterministic updates.
    seed : int
        Philox seed; probe ``p`` uses stream ``p``.
    energies : ndarray of float64, shape (k, max_sweeps + 1)
        Energy before the first sweep and after each sweep (entries past the last sweep
        are left as they were).
    per_update : ndarray of float64, shape (k, max_sweeps * n + 1) or (k, 0)
        Energy after every unit update, or nothing.
    history : ndarray of int8, shape (k, max_sweeps + 1, n) or (k, 0, n)
        The state after every sweep, or nothing.
    sweeps : ndarray of int64, shape (k,)
        Sweeps run.
    converged : ndarray of bool, shape (k,)
        Whether a sweep changed nothing (T = 0 only).
    block : int, optional
        Threads per block (default :data:`ASYNC_THREADS`).
    """
    require_cuda()
    k, n = states.shape
    threads = ASYNC_THREADS if block is None else int(block)
    if threads < 1:
        raise InputError(f"block must be a positive number of threads, got {block!r}")
    if k == 0:
        return
    width = 4 * ((n + 3) // 4)
    d_w = cuda.to_device(np.ascontiguousarray(w, dtype=np.float64))
    d_wt = d_w if wt is w else cuda.to_device(np.ascontiguousarray(wt, dtype=np.float64))
    d_b = cuda.to_device(np.ascontiguousarray(b, dtype=np.float64))
    d_tol = cuda.to_device(np.ascontiguousarray(tol, dtype=np.float64))
    d_order = cuda.device_array((k, n), dtype=np.int64)
    d_rnd = cuda.device_array((k, width), dtype=np.uint32)
    d_acc = cuda.device_array((k, width), dtype=np.uint32)
    d_s = cuda.to_device(states)
    d_h = cuda.to_device(fields)
    d_e = cuda.to_device(energies)
    d_per = cuda.to_device(per_update)
    d_hist = cuda.to_device(history)
    d_sweeps = cuda.to_device(sweeps)
    d_conv = cuda.to_device(converged)
    _async[-(-k // threads), threads](
        d_w,
        d_wt,
        d_b,
        d_tol,
        d_order,
        d_rnd,
        d_acc,
        d_s,
        d_h,
        int(max_sweeps),
        float(T),
        int(seed),
        d_e,
        d_per,
        d_hist,
        d_sweeps,
        d_conv,
    )
    d_s.copy_to_host(states)
    d_h.copy_to_host(fields)
    d_e.copy_to_host(energies)
    d_per.copy_to_host(per_update)
    d_hist.copy_to_host(history)
    d_sweeps.copy_to_host(sweeps)
    d_conv.copy_to_host(converged)
