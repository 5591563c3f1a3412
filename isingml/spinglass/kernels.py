"""Numba kernels of parallel tempering for disordered Ising models.

Layout
------
A batch holds ``S`` disorder samples, ``R`` real replicas of each and ``K`` temperatures.
Configurations (*walkers*) stay in place, ``spins[s, r, w]``; temperatures move between
them: ``walker_at[s, r, k]`` is the walker at temperature slot ``k`` (slot 0 the coldest)
and ``slot_of`` its inverse. Dense models keep the local fields ``h = J s`` of every walker
and update them on each flip (a flip costs ``O(n)``, a rejected attempt ``O(1)``); sparse
models sum the ``z`` neighbours of a site on the fly.

Random numbers
--------------
* Spin ``i`` of the walker at slot ``k`` of replica ``r`` in sweep ``t`` uses output
  ``i % 4`` of the Philox block with counter ``((r K + k) B + i // 4, t_lo, t_hi,
  TAG_SPIN_GLASS)`` and key ``(seed, sample)``, ``B = ceil(n / 4)``;
* the exchange of slots ``k, k + 1`` of replica ``r`` after sweep ``t`` uses output 0 of
  counter ``(r K + k, t_lo, t_hi, TAG_SPIN_GLASS_EXCHANGE)``;
* the initial spins of walker ``w`` of replica ``r`` use counter ``((r K + w) B + i // 4, 0,
  0, TAG_SPIN_GLASS + 1)``.
A result is therefore a function of ``(seed, sample, t)`` only: it does not depend on the
number of threads, on how the samples are batched, or on the run being done in pieces.

Updates
-------
A sweep visits the sites in order, flipping spin ``i`` when ``dE = 2 s_i h_i <= 0`` or
``u < exp(-beta dE)`` with ``u = r * 2**-32``. After every sweep, exchanges are proposed
between the even pairs ``(0, 1), (2, 3), ...`` (even ``t``) or the odd pairs (odd ``t``),
accepted with probability ``min(1, exp((beta_k - beta_{k+1}) (E_k - E_{k+1})))``.
Energies are updated by the accepted ``dE`` and recomputed from the spins every
:data:`REFRESH` sweeps (at fixed sweep numbers, so the bits do not depend on the pieces).
"""

from __future__ import annotations

import numba
import numpy as np

from isingml.random import (
    MASK32,
    TAG_SPIN_GLASS,
    TAG_SPIN_GLASS_EXCHANGE,
    output_of_block_source,
    philox4x32,
)

__all__ = ["N_ACCUMULATORS", "REFRESH", "initial_spins", "run_tempering"]

#: Sweeps between exact recomputations of the energies and local fields.
REFRESH = 1024
#: Per-bin sums: count, e, e^2, |q|, q^2, q^4.
N_ACCUMULATORS = 6

_S32 = np.uint64(32)
_TWO_M32 = 2.0**-32
_output = numba.njit(inline="always")(output_of_block_source)


@numba.njit(inline="always")
def _local_field_sparse(s, nbr, bonds, i):
    total = 0.0
    for a in range(nbr.shape[1]):
        total += bonds[i, a] * s[nbr[i, a]]
    return total


@numba.njit(inline="always")
def _sweep(s, h, J, nbr, bonds, dense, levels, beta, first_block, step, seed, stream):
    # One sequential Metropolis sweep of one walker; returns the energy change. With
    # integer couplings (levels > 0) dE = 2 k, k <= levels, and exp(-beta * dE) is computed
    # once per value and sweep: the same expression, so the same bits.
    n = s.shape[0]
    memo = np.full(levels + 1, -1.0)
    st = np.uint64(step)
    lo = st & MASK32
    hi = st >> _S32
    tag = np.uint64(TAG_SPIN_GLASS)
    k0 = np.uint64(seed)
    k1 = np.uint64(stream)
    change = 0.0
    for b in range((n + 3) // 4):
        r0, r1, r2, r3 = philox4x32(np.uint64(first_block + b), lo, hi, tag, k0, k1)
        for q in range(4):
            i = 4 * b + q
            if i >= n:
                break
            field = h[i] if dense else _local_field_sparse(s, nbr, bonds, i)
            dE = 2.0 * s[i] * field
            if dE > 0.0:
                u = np.float64(_output(r0, r1, r2, r3, q)) * _TWO_M32
                if levels > 0:
                    k = int(0.5 * dE)
                    if memo[k] < 0.0:
                        memo[k] = np.exp(-beta * dE)
                    p = memo[k]
                else:
                    p = np.exp(-beta * dE)
                if u >= p:
                    continue
            s[i] = -s[i]
            change += dE
            if dense:
                f = 2.0 * s[i]
                row = J[i]
                for j in range(n):
                    h[j] += f * row[j]
    return change


@numba.njit(inline="always")
def _energy(s, h, J, nbr, bonds, dense):
    # Exact energy of a walker, refreshing the local fields of a dense model.
    n = s.shape[0]
    total = 0.0
    for i in range(n):
        if dense:
            field = 0.0
            row = J[i]
            for j in range(n):
                field += row[j] * s[j]
            h[i] = field
        else:
            field = _local_field_sparse(s, nbr, bonds, i)
        total += s[i] * field
    return -0.5 * total


@numba.njit(cache=True)
def initial_spins(spins, seed, samples, tag):
    """Random +/-1 spins for ``spins[s, r, w, :]`` from the counters in the module notes.

    Parameters
    ----------
    spins : ndarray of int8, shape (S, R, K, n)
        Filled in place.
    seed : int
    samples : ndarray of int64, shape (S,)
        The disorder sample numbers (the Philox stream).
    tag : int
        Counter word c3.
    """
    S, R, K, n = spins.shape
    blocks = (n + 3) // 4
    for s in range(S):
        for r in range(R):
            for w in range(K):
                base = (r * K + w) * blocks
                for b in range(blocks):
                    r0, r1, r2, r3 = philox4x32(
                        np.uint64(base + b),
                        np.uint64(0),
                        np.uint64(0),
                        np.uint64(tag),
                        np.uint64(seed),
                        np.uint64(samples[s]),
                    )
                    for q in range(4):
                        i = 4 * b + q
                        if i < n:
                            bit = _output(r0, r1, r2, r3, q) >> np.uint64(31)
                            spins[s, r, w, i] = 1 if bit else -1


@numba.njit(inline="always")
def _exchange(walker_at, slot_of, energy, betas, step, seed, stream, r, counts, accepts):
    # Replica exchange of one replica's temperature slots after sweep `step`.
    K = betas.shape[0]
    st = np.uint64(step)
    for k in range(step % 2, K - 1, 2):
        wa = walker_at[k]
        wb = walker_at[k + 1]
        delta = (betas[k] - betas[k + 1]) * (energy[wa] - energy[wb])
        accept = delta >= 0.0
        if not accept:
            r0, _, _, _ = philox4x32(
                np.uint64(r * K + k),
                st & MASK32,
                st >> _S32,
                np.uint64(TAG_SPIN_GLASS_EXCHANGE),
                np.uint64(seed),
                np.uint64(stream),
            )
            accept = np.float64(r0) * _TWO_M32 < np.exp(delta)
        if counts:
            accepts[k, 0] += 1
        if accept:
            walker_at[k] = wb
            walker_at[k + 1] = wa
            slot_of[wa] = k + 1
            slot_of[wb] = k
            if counts:
                accepts[k, 1] += 1


@numba.njit(inline="always")
def _round_trips(slot_of, label, cold_time, step, counts, trips, flux):
    # label: 0 unknown, 1 last at the coldest slot, 2 last at the hottest slot.
    # A round trip is coldest -> hottest -> coldest; its time ends at the return.
    K = slot_of.shape[0]
    for w in range(K):
        k = slot_of[w]
        if k == 0 and label[w] != 1:
            if label[w] == 2 and cold_time[w] >= 0 and counts:
                trips[0] += 1
                trips[1] += step - cold_time[w]
            cold_time[w] = step
            label[w] = 1
        elif k == K - 1 and label[w] == 1:
            label[w] = 2
        if counts and label[w] > 0:
            flux[k, label[w] - 1] += 1


@numba.njit(inline="always")
def _measure(spins, energy, walker_at, n, row):
    # Add e, e^2 (averaged over replicas), |q|, q^2, q^4 of replicas 0 and 1 at every slot.
    R, K = walker_at.shape
    for k in range(K):
        e = 0.0
        e2 = 0.0
        for r in range(R):
            x = energy[r, walker_at[r, k]] / n
            e += x
            e2 += x * x
        acc = row[k]
        acc[0] += 1.0
        acc[1] += e / R
        acc[2] += e2 / R


@numba.njit(inline="always")
def _overlap(a, b):
    total = 0
    for i in range(a.shape[0]):
        total += a[i] * b[i]
    return total


@numba.njit(inline="always")
def _refresh(spins, fields, energy, J, nbr, bonds, dense, r, w):
    energy[r, w] = _energy(spins[r, w], fields[r, w], J, nbr, bonds, dense)


@numba.njit(inline="always")
def _sweep_slot(
    spins, fields, energy, walker_at, J, nbr, bonds, dense, levels, betas, r, k, t, seed, stream
):
    K = betas.shape[0]
    n = spins.shape[2]
    w = walker_at[r, k]
    energy[r, w] += _sweep(
        spins[r, w],
        fields[r, w],
        J,
        nbr,
        bonds,
        dense,
        levels,
        betas[k],
        (r * K + k) * ((n + 3) // 4),
        t,
        seed,
        stream,
    )


@numba.njit(inline="always")
def _after_sweep(
    spins,
    energy,
    walker_at,
    slot_of,
    label,
    cold_time,
    betas,
    t,
    seed,
    stream,
    measure_from,
    n_measure,
    interval,
    accumulators,
    histograms,
    exchanges,
    trips,
    flux,
    best_energy,
    best_spins,
):
    # Exchanges, round trips, lowest energy and measurements of one sample after sweep t.
    R, K, n = spins.shape
    n_bins = accumulators.shape[1]
    production = t >= measure_from
    for r in range(R):
        _exchange(
            walker_at[r], slot_of[r], energy[r], betas, t, seed, stream, r, production, exchanges
        )
        _round_trips(slot_of[r], label[r], cold_time[r], t, production, trips, flux)
        for w in range(K):
            if energy[r, w] < best_energy[0]:
                best_energy[0] = energy[r, w]
                best_spins[:] = spins[r, w]
    if production and (t - measure_from + 1) % interval == 0:
        m = (t - measure_from + 1) // interval - 1
        if m < n_measure:
            row = accumulators[:, m * n_bins // n_measure]
            _measure(spins, energy, walker_at, n, row)
            if R >= 2:
                for k in range(K):
                    j = _overlap(spins[0, walker_at[0, k]], spins[1, walker_at[1, k]])
                    histograms[k, (j + n) // 2] += 1
                    q = j / n
                    q2 = q * q
                    acc = row[k]
                    acc[3] += abs(q)
                    acc[4] += q2
                    acc[5] += q2 * q2


# The three helpers below take the state as tuples of arrays. They are plain njit
# functions (LLVM still inlines them): Numba's IR-level inline="always" of tuple-unpacking
# helpers inside these parallel loops gave wrong energies (seen against enumeration).
@numba.njit
def _unit_refresh(state, model, s, u):
    # Walker u = r K + w of sample s: exact energy (and local fields).
    spins, fields, energy = state[0], state[1], state[2]
    K = spins.shape[2]
    _refresh(
        spins[s], fields[s], energy[s], model[0][s], model[1], model[2][s], model[3], u // K, u % K
    )


@numba.njit
def _unit_sweep(state, model, s, u, t):
    # The walker at slot k of replica r (u = r K + k) of sample s: one sweep.
    spins, fields, energy, walker_at = state[0], state[1], state[2], state[3]
    J, nbr, bonds, dense, betas, seed, samples, levels = model
    K = spins.shape[2]
    _sweep_slot(
        spins[s],
        fields[s],
        energy[s],
        walker_at[s],
        J[s],
        nbr,
        bonds[s],
        dense,
        levels,
        betas,
        u // K,
        u % K,
        t,
        seed,
        samples[s],
    )


@numba.njit
def _sample_after_sweep(state, model, stats, schedule, s, t):
    spins, _, energy, walker_at, slot_of, label, cold_time = state
    betas, seed, samples = model[4], model[5], model[6]
    accumulators, histograms, exchanges, trips, flux, best_energy, best_spins = stats
    _after_sweep(
        spins[s],
        energy[s],
        walker_at[s],
        slot_of[s],
        label[s],
        cold_time[s],
        betas,
        t,
        seed,
        samples[s],
        schedule[0],
        schedule[1],
        schedule[2],
        accumulators[s],
        histograms[s],
        exchanges[s],
        trips[s],
        flux[s],
        best_energy[s : s + 1],
        best_spins[s],
    )


@numba.njit(parallel=True, cache=True)
def run_tempering(
    spins,
    fields,
    energy,
    walker_at,
    slot_of,
    label,
    cold_time,
    J,
    nbr,
    bonds,
    dense,
    betas,
    seed,
    samples,
    first_step,
    n_steps,
    measure_from,
    n_measure,
    interval,
    accumulators,
    histograms,
    exchanges,
    trips,
    flux,
    best_energy,
    best_spins,
    per_sweep,
    levels,
):
    """Sweeps ``first_step .. first_step + n_steps - 1`` of parallel tempering, in place.

    Parameters
    ----------
    spins : int8 (S, R, K, n)
        Walkers.
    fields : float64 (S, R, K, n) dense, (S, R, K, 0) sparse
        Local fields of the walkers (dense models).
    energy : float64 (S, R, K)
        Energies of the walkers.
    walker_at, slot_of : int64 (S, R, K)
        Walker at each slot and slot of each walker.
    label, cold_time : int64 (S, R, K)
        Round-trip state of each walker.
    J : float64 (S, n, n) dense, (S, 0, 0) sparse
    nbr : int64 (n, z) sparse, (0, 0) dense
    bonds : float64 (S, n, z) sparse, (S, 0, 0) dense
    dense : bool
    betas : float64 (K,)
        Inverse temperatures, slot 0 the coldest (largest).
    seed : int
    samples : int64 (S,)
        Disorder sample numbers (Philox streams).
    first_step, n_steps : int
    measure_from : int
        First sweep of production: measurements, exchange and round-trip statistics.
    n_measure, interval : int
        Number of measurements and sweeps between them (a measurement after sweep ``t``
        when ``(t - measure_from + 1) % interval == 0``).
    accumulators : float64 (S, K, bins, N_ACCUMULATORS)
        Per-bin sums; the measurement ``m`` goes to bin ``m * bins // n_measure``.
    histograms : int64 (S, K, n + 1)
        Counts of the overlap ``q = (2 j - n) / n`` between replicas 0 and 1 (R >= 2).
    exchanges : int64 (S, K, 2)
        Proposed and accepted exchanges of slots ``k, k + 1``.
    trips : int64 (S, 2)
        Completed round trips and their summed duration in sweeps.
    flux : int64 (S, K, 2)
        Visits of slot ``k`` by walkers last at the coldest / hottest slot.
    best_energy : float64 (S,)
        Lowest energy seen by any walker, and ``best_spins`` (int8 (S, n)) its spins.
    per_sweep : bool
        Parallelize over the walkers within each sweep (few large samples) rather than
        over samples for the whole run (many samples). The bits are the same.
    levels : int
        For integer sparse couplings, the largest ``|sum_a J_ia|`` over sites (the
        Metropolis factors are then computed once per value and sweep); 0 otherwise.
    """
    S, R, K, _ = spins.shape
    state = (spins, fields, energy, walker_at, slot_of, label, cold_time)
    model = (J, nbr, bonds, dense, betas, seed, samples, levels)
    stats = (accumulators, histograms, exchanges, trips, flux, best_energy, best_spins)
    schedule = (measure_from, n_measure, interval)
    if not per_sweep:
        for s in numba.prange(S):
            for t in range(first_step, first_step + n_steps):
                if t % REFRESH == 0:
                    for u in range(R * K):
                        _unit_refresh(state, model, s, u)
                for u in range(R * K):
                    _unit_sweep(state, model, s, u, t)
                _sample_after_sweep(state, model, stats, schedule, s, t)
        return
    units = S * R * K
    for t in range(first_step, first_step + n_steps):
        if t % REFRESH == 0:
            for u in numba.prange(units):
                _unit_refresh(state, model, u // (R * K), u % (R * K))
        for u in numba.prange(units):
            _unit_sweep(state, model, u // (R * K), u % (R * K), t)
        for s in numba.prange(S):
            _sample_after_sweep(state, model, stats, schedule, s, t)
