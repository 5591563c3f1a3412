"""Numba kernels of Hopfield dynamics over a batch of probes (one probe per thread).

Asynchronous updates visit the units in a random order per sweep (a Fisher-Yates shuffle
driven by Philox, key ``(seed, probe index)``, counter ``(block, sweep, tag)``), so a result
does not depend on the number of threads. Local fields ``h = W s`` come in computed (by a
BLAS matrix product over the batch), are kept up to date on every flip (``O(n)`` per flip,
``O(1)`` per unit visited) and are recomputed from scratch after every ``n`` flips, so that
rounding cannot drift.

Ties. A unit becomes +1 when ``h_i - b_i >= 0`` (the primer's convention). Fields that are
zero in exact arithmetic come out of floating point as +/- a few ulps, so a field within
``TIE_TOLERANCE * (sum_j |W_ij| + |b_i|)`` of the threshold is recomputed in full and
counts as a tie. Glauber dynamics at temperature ``T`` sets a unit to +1 with probability
``1 / (1 + exp(-2 (h_i - b_i) / T))``.

States are ``int8``: +1, -1, or 0 for an unknown ("blanked") unit, which counts as 0 in
the fields until it is first updated.

The dynamics of one probe is written once, as plain Python in :func:`make_async_probe`, and
compiled from that source by ``numba.njit`` for :func:`async_dynamics` and by
``cuda.jit(device=True)`` for its CUDA twin (:mod:`isingml.hopfield.dynamics_cuda`), so
both backends make the same decisions with the same float64 operations in the same order.
"""

from __future__ import annotations

import math
import sys

import numba
import numpy as np

from isingml.random import (
    MASK32,
    TAG_HOPFIELD_GLAUBER,
    TAG_HOPFIELD_ORDER,
    philox4x32_source,
    philox_fill_source,
)

__all__ = ["TIE_TOLERANCE", "async_dynamics", "make_async_probe", "sync_step", "tie_tolerances"]

#: Relative width of the band around the threshold treated as a tie.
TIE_TOLERANCE = 1e-10
_LOG_MAX = math.log(sys.float_info.max)  # exp(x) is finite for x <= _LOG_MAX, inf above
_S32 = np.uint64(32)


def tie_tolerances(weights: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per-unit tie band: ``TIE_TOLERANCE * (sum_j |W_ij| + |b_i|)``."""
    return TIE_TOLERANCE * (np.abs(weights).sum(axis=1) + np.abs(thresholds))


def make_async_probe(jit, probe_jit=None):
    """Compile the asynchronous / Glauber dynamics of one probe, and its helpers, for a target.

    The functions are written once, here, as plain Python, and compiled by the decorators
    given: ``make_async_probe(numba.njit(inline="always"), numba.njit)`` gives the CPU
    kernel's probe (:func:`async_dynamics`), ``make_async_probe(cuda.jit(device=True))``
    its CUDA twin (:mod:`isingml.hopfield.dynamics_cuda`). A device function compiled for
    one target calls only functions compiled for the same target, so the helpers are
    compiled with ``jit`` and the probe closes over them.

    Parameters
    ----------
    jit : callable
        Decorator compiling the helpers (and the probe, when ``probe_jit`` is None).
    probe_jit : callable, optional
        Decorator compiling the probe itself.

    Returns
    -------
    callable
        ``probe(w, wt, b, tol, order, rnd, acc, s, h, max_sweeps, T, seed, stream,
        energies, per_update, history) -> (sweeps, converged)``: the dynamics of one probe
        ``s`` (int8, shape (n,)) with fields ``h`` (float64, shape (n,)), in place, with the
        scratch arrays ``order`` (int64, shape (n,)) and ``rnd``, ``acc`` (uint32, shape
        (4 * ceil(n / 4),)); ``energies``, ``per_update`` and ``history`` are the probe's
        rows of the arrays of :func:`async_dynamics`, ``stream`` its index in the batch.
    """
    if probe_jit is None:
        probe_jit = jit
    philox = jit(philox4x32_source)

    fill_run = jit(philox_fill_source(philox))

    def fill(out, first_index, step, tag, seed, stream):
        # isingml.random.philox_fill: block b of four from counter (first_index + b, step).
        st = np.uint64(step)
        fill_run(
            out,
            out.shape[0] // 4,
            first_index,
            st & MASK32,
            st >> _S32,
            np.uint64(tag),
            np.uint64(seed),
            np.uint64(stream),
        )

    def field(w, s, i):
        row = w[i]
        acc = np.float64(0.0)
        for j in range(s.shape[0]):
            acc += row[j] * s[j]
        return acc

    def copy(dst, src):
        for j in range(src.shape[0]):
            dst[j] = src[j]

    fill = jit(fill)
    field = jit(field)
    copy = jit(copy)

    def all_fields(w, s, h):
        for i in range(s.shape[0]):
            h[i] = field(w, s, i)

    def energy(s, h, b):
        # E = -1/2 s.W.s + b.s with h = W s.
        e = np.float64(0.0)
        for i in range(s.shape[0]):
            e += s[i] * (b[i] - 0.5 * h[i])
        return e

    def shuffle(order, rnd, sweep, seed, stream):
        # Fisher-Yates: position i swaps with floor(r_i (i + 1) / 2**32).
        fill(rnd, 0, sweep, TAG_HOPFIELD_ORDER, seed, stream)
        n = order.shape[0]
        for i in range(n):
            order[i] = i
        for i in range(n - 1, 0, -1):
            j = (np.uint64(rnd[i]) * np.uint64(i + 1)) >> _S32
            tmp = order[i]
            order[i] = order[j]
            order[j] = tmp

    all_fields = jit(all_fields)
    energy = jit(energy)
    shuffle = jit(shuffle)

    def probe(
        w,
        wt,
        b,
        tol,
        order,
        rnd,
        acc,
        s,
        h,
        max_sweeps,
        T,
        seed,
        stream,
        energies,
        per_update,
        history,
    ):
        n = s.shape[0]
        e = energy(s, h, b)
        energies[0] = e
        if per_update.shape[0] > 0:
            per_update[0] = e
        if history.shape[0] > 0:
            copy(history[0], s)
        since_sync = 0
        sweeps = 0
        converged = False
        for sweep in range(max_sweeps):
            shuffle(order, rnd, sweep, seed, stream)
            if T > 0.0:
                fill(acc, 0, sweep, TAG_HOPFIELD_GLAUBER, seed, stream)
            flips = 0
            for t in range(n):
                i = order[t]
                d = h[i] - b[i]
                if abs(d) <= 2.0 * tol[i]:  # near a tie: decide on the field summed afresh
                    h[i] = field(w, s, i)
                    d = h[i] - b[i]
                if T > 0.0:
                    x = -2.0 * d / T
                    # exp(x) overflows to inf past _LOG_MAX (p_up = 0 either way); the
                    # CUDA simulator's math.exp would raise instead.
                    p_up = 0.0 if x > _LOG_MAX else 1.0 / (1.0 + math.exp(x))
                    new = np.int8(1) if acc[t] * 2.0**-32 < p_up else np.int8(-1)
                else:
                    new = np.int8(1) if d >= -tol[i] else np.int8(-1)
                if new != s[i]:
                    delta = np.float64(new - s[i])
                    col = wt[i]
                    for j in range(n):
                        h[j] += delta * col[j]
                    s[i] = new
                    flips += 1
                    since_sync += 1
                    if since_sync >= n:
                        all_fields(w, s, h)
                        since_sync = 0
                if per_update.shape[0] > 0:
                    per_update[sweep * n + t + 1] = energy(s, h, b)
            sweeps = sweep + 1
            energies[sweeps] = energy(s, h, b)
            if history.shape[0] > 0:
                copy(history[sweeps], s)
            if T == 0.0 and flips == 0:
                converged = True
                break
        return sweeps, converged

    return probe_jit(probe)


_async_probe = make_async_probe(numba.njit(inline="always"), numba.njit)


@numba.njit(parallel=True, cache=True, nogil=True)
def async_dynamics(
    w,
    wt,
    b,
    tol,
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
):
    """Asynchronous (T = 0) or Glauber (T > 0) dynamics of every probe, in place.

    Parameters
    ----------
    w : ndarray of float64, shape (n, n)
        Weights; ``h = w @ s``.
    wt : ndarray of float64, shape (n, n)
        ``w.T`` as a C-contiguous array (``w`` itself when symmetric).
    b, tol : ndarray of float64, shape (n,)
        Thresholds and tie bands.
    states : ndarray of int8, shape (k, n)
        Probes in, final states out.
    fields : ndarray of float64, shape (k, n)
        ``states @ w.T`` in (computed by BLAS, much faster than a loop here), the fields of
        the final states out.
    max_sweeps : int
        Sweep limit (T > 0: the number of sweeps run).
    T : float
        Temperature; 0 for deterministic updates.
    seed : int
        Philox seed; probe ``p`` uses stream ``p``.
    energies : ndarray of float64, shape (k, max_sweeps + 1)
        Energy before the first sweep and after each sweep (entries past the last sweep
        are left untouched).
    per_update : ndarray of float64, shape (k, max_sweeps * n + 1) or (k, 0)
        Energy after every unit update, or nothing.
    history : ndarray of int8, shape (k, max_sweeps + 1, n) or (k, 0, n)
        The state after every sweep, or nothing.
    sweeps : ndarray of int64, shape (k,)
        Sweeps run (the last one flip-free when converged).
    converged : ndarray of bool, shape (k,)
        Whether a sweep changed nothing (T = 0 only).
    """
    n = states.shape[1]
    for p in numba.prange(states.shape[0]):
        order = np.empty(n, dtype=np.int64)
        rnd = np.empty(4 * ((n + 3) // 4), dtype=np.uint32)
        acc = np.empty_like(rnd)
        sw, conv = _async_probe(
            w,
            wt,
            b,
            tol,
            order,
            rnd,
            acc,
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


@numba.njit(parallel=True, cache=True, nogil=True)
def sync_step(fields, b, tol, states, previous, step, active, converged, cycled):
    """One synchronous step of every active probe: all units at once, in place.

    A probe whose new state equals its state is converged; one whose new state equals its
    state of the step before (and not the current one) is on a 2-cycle. Either way it
    becomes inactive.

    Parameters
    ----------
    fields : ndarray of float64, shape (k, n)
        ``states @ w.T`` (computed by BLAS over the batch).
    b, tol : ndarray of float64, shape (n,)
        Thresholds and tie bands.
    states, previous : ndarray of int8, shape (k, n)
        The current and the previous state; both advance by one step.
    step : int
        Index of this step (0 for the first, which cannot detect a cycle).
    active, converged, cycled : ndarray of bool, shape (k,)
        Which probes still run, and how the others stopped.
    """
    n = states.shape[1]
    for p in numba.prange(states.shape[0]):
        if not active[p]:
            continue
        s = states[p]
        prev = previous[p]
        h = fields[p]
        same = True
        back = step > 0
        for i in range(n):
            new = np.int8(1) if h[i] - b[i] >= -tol[i] else np.int8(-1)
            same = same and new == s[i]
            back = back and new == prev[i]
            prev[i] = s[i]
            s[i] = new
        if same:
            converged[p] = True
            active[p] = False
        elif back:
            cycled[p] = True
            active[p] = False
