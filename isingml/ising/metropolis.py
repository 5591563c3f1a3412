"""Checkerboard Metropolis and heat-bath (Glauber) sweeps over the checkerboard layout.

A sweep updates the black sublattice, then the white one. Sites of one colour do not
interact, so a half-sweep is embarrassingly parallel: rows are shared among threads, and
within a row the update is a branch-free unit-stride loop that LLVM vectorizes.

Random numbers
--------------
Site ``(c, i, k)`` at sweep ``t`` uses output ``k % 4`` of the Philox block with counter
``(i * B + k // 4, t_lo, t_hi, TAG_METROPOLIS + c)`` and key ``(seed, stream)``, where
``B = ceil((L // 2) / 4)`` blocks per row. Consecutive rows use consecutive counters, so
short rows are drawn together in one long vectorized loop. The bits therefore depend only on
``(seed, stream, t, site)``, never on the number of threads.

Acceptance
----------
A spin ``s`` with neighbour sum ``n`` flips when its 32-bit random number ``r`` is below
``table[(s + 1) // 2, (n + 4) // 2]``, an integer threshold ``floor(p * 2**32)`` with
``p = min(1, exp(-beta dE))`` (Metropolis) or ``p = 1 / (1 + exp(beta dE))`` (heat bath),
``dE = 2 s (J n + h)``. Both rules satisfy detailed balance; heat bath is Glauber dynamics.
"""

from __future__ import annotations

import numba
import numpy as np

from isingml._numba import numba_threads
from isingml.errors import InputError
from isingml.ising.lattice import bond_sum, magnetization_sum
from isingml.random import MASK32, TAG_METROPOLIS, fill_blocks, threshold_uint32

__all__ = ["acceptance_table", "metropolis_sample", "run_on_threads", "thresholds32"]

_S32 = np.uint64(32)


def acceptance_table(beta: float, J: float, h: float, rule: str = "metropolis") -> np.ndarray:
    """Integer flip thresholds for every (spin, neighbour sum) pair.

    Parameters
    ----------
    beta : float
        Inverse temperature.
    J, h : float
        Coupling and field.
    rule : {"metropolis", "heatbath"}
        Acceptance rule.

    Returns
    -------
    ndarray of int64, shape (2, 5)
        ``table[(s + 1) // 2, (n + 4) // 2]``; a flip happens when ``r < table[...]``.
    """
    s = np.array([-1.0, 1.0])[:, None]
    n = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])[None, :]
    x = beta * 2.0 * s * (J * n + h)  # beta * dE
    with np.errstate(over="ignore"):
        if rule == "metropolis":
            p = np.exp(-np.maximum(x, 0.0))
        elif rule == "heatbath":
            p = 0.5 * (1.0 - np.tanh(0.5 * x))  # 1 / (1 + exp(x)), without overflow
        else:
            raise InputError(f"rule must be 'metropolis' or 'heatbath', got {rule!r}")
    return np.ascontiguousarray(threshold_uint32(p))


_ALWAYS = np.uint32(0xFFFFFFFF)


def thresholds32(table: np.ndarray) -> tuple:
    """The (2, 5) int64 table as uint32, 2**32 ("always") stored as 0xFFFFFFFF.

    Returns a 5-tuple (``x = s * n`` indexed, when the table is symmetric under
    ``(s, n) -> (-s, -n)``, as it is for h = 0) or the full 10-tuple otherwise.
    """
    t32 = np.minimum(table, 2**32 - 1).astype(np.uint32)
    if np.array_equal(t32[0], t32[1, ::-1]):
        return tuple(t32[1])
    return tuple(t32.ravel())


@numba.njit(inline="always")
def _new_spin_symmetric(s, n, r, t):
    # h = 0: the threshold depends on x = s * n only; t = thresholds for x = -4..4.
    x = np.int8(s * n)
    thr = t[0]
    thr = t[1] if x == -2 else thr
    thr = t[2] if x == 0 else thr
    thr = t[3] if x == 2 else thr
    thr = t[4] if x == 4 else thr
    flip = (r < thr) | (thr == _ALWAYS)
    return np.int8(-s) if flip else s


@numba.njit(inline="always")
def _new_spin_general(s, n, r, t):
    # e = n - 5 for s = -1 (-9..-1), n + 5 for s = +1 (1..9): one key per table entry.
    e = np.int8(n + 5 * s)
    thr = t[0]
    thr = t[1] if e == -7 else thr
    thr = t[2] if e == -5 else thr
    thr = t[3] if e == -3 else thr
    thr = t[4] if e == -1 else thr
    thr = t[5] if e == 1 else thr
    thr = t[6] if e == 3 else thr
    thr = t[7] if e == 5 else thr
    thr = t[8] if e == 7 else thr
    thr = t[9] if e == 9 else thr
    flip = (r < thr) | (thr == _ALWAYS)
    return np.int8(-s) if flip else s


@numba.njit(inline="always")
def _update_row(row, up, dn, mid, parity, rnd, new_spin, t):
    # Neighbour sums in int8 keep the vector lanes narrow. The side neighbour is
    # mid[k - 1] (parity 0) or mid[k + 1] (parity 1); the wrap-around column is done
    # outside the vectorized loop.
    H = row.shape[0]
    if parity == 0:
        row[0] = new_spin(row[0], np.int8(up[0] + dn[0] + mid[0] + mid[H - 1]), rnd[0], t)
        for k in range(1, H):
            row[k] = new_spin(row[k], np.int8(up[k] + dn[k] + mid[k] + mid[k - 1]), rnd[k], t)
    else:
        for k in range(H - 1):
            row[k] = new_spin(row[k], np.int8(up[k] + dn[k] + mid[k] + mid[k + 1]), rnd[k], t)
        k = H - 1
        row[k] = new_spin(row[k], np.int8(up[k] + dn[k] + mid[k] + mid[0]), rnd[k], t)


#: Random numbers drawn per batch: short rows are grouped so that Philox runs in one
#: long vectorized loop; the grouping does not change which number a site gets.
_BATCH_SITES = 2048


def _buffer_size(H):
    # Room for the largest group of rows _half_sweep_rows draws at once.
    width = 4 * ((H + 3) // 4)
    return width * max(1, _BATCH_SITES // width)


@numba.njit(inline="always")
def _half_sweep_rows(cb, c, row_start, row_stop, buf, step, new_spin, t, seed, stream):
    L = cb.shape[1]
    H = cb.shape[2]
    blocks = (H + 3) // 4
    width = 4 * blocks
    group = buf.shape[0] // width
    cur = cb[c]
    oth = cb[1 - c]
    st = np.uint64(step)
    s_lo = st & MASK32
    s_hi = st >> _S32
    tag = np.uint64(TAG_METROPOLIS + c)
    k0 = np.uint64(seed)
    k1 = np.uint64(stream)
    for i0 in range(row_start, row_stop, group):
        i1 = min(i0 + group, row_stop)
        # Output o of block first + j goes to buf[4 j + o]: consecutive rows' blocks are
        # consecutive counters, so one long branch-free loop covers several short rows.
        fill_blocks(buf, (i1 - i0) * blocks, i0 * blocks, s_lo, s_hi, tag, k0, k1)
        for i in range(i0, i1):
            o = (i - i0) * width
            _update_row(
                cur[i],
                oth[(i - 1 + L) % L],
                oth[(i + 1) % L],
                oth[i],
                (i + c) & 1,
                buf[o : o + H],
                new_spin,
                t,
            )


@numba.njit(nogil=True)
def _sample_serial(
    cb, n_meas, interval, first_step, new_spin, t, seed, stream, bonds, mags, snaps, buf_size
):
    # n_meas blocks of `interval` sweeps, measuring after each block (n_meas = 0 and
    # empty outputs: plain sweeps, `interval` of them).
    L = cb.shape[1]
    buf = np.empty(buf_size, dtype=np.uint32)
    step = first_step
    for m in range(max(n_meas, 1)):
        for _ in range(interval):
            for c in range(2):
                _half_sweep_rows(cb, c, 0, L, buf, step, new_spin, t, seed, stream)
            step += 1
        if n_meas > 0:
            bonds[m] = bond_sum(cb)
            mags[m] = magnetization_sum(cb)
            if snaps.shape[0] > 0:
                snaps[m] = cb


@numba.njit(inline="always")
def _row_sums(cb, i):
    # Bond sum of black row i with its four white neighbours, and the spin sum of row i.
    L = cb.shape[1]
    H = cb.shape[2]
    up = cb[1, (i - 1 + L) % L]
    dn = cb[1, (i + 1) % L]
    mid = cb[1, i]
    row = cb[0, i]
    acc = 0
    msum = 0
    for k in range(H):
        side = mid[(k - 1 + H) % H] if i % 2 == 0 else mid[(k + 1) % H]
        acc += np.int32(row[k]) * (
            np.int32(up[k]) + np.int32(dn[k]) + np.int32(mid[k]) + np.int32(side)
        )
        msum += np.int32(row[k]) + np.int32(mid[k])
    return acc, msum


@numba.njit(parallel=True, nogil=True)
def _sample_parallel(
    cb,
    n_meas,
    interval,
    first_step,
    new_spin,
    t,
    seed,
    stream,
    bonds,
    mags,
    snaps,
    buf_size,
    n_chunks,
):
    L = cb.shape[1]
    step = first_step
    for m in range(max(n_meas, 1)):
        for _ in range(interval):
            for c in range(2):
                for chunk in numba.prange(n_chunks):
                    buf = np.empty(buf_size, dtype=np.uint32)
                    lo = chunk * L // n_chunks
                    hi = (chunk + 1) * L // n_chunks
                    _half_sweep_rows(cb, c, lo, hi, buf, step, new_spin, t, seed, stream)
            step += 1
        if n_meas > 0:
            # Integer row sums (nested parallel calls deadlock the workqueue layer, so
            # the reduction lives here). The total does not depend on the thread count.
            b = 0
            s = 0
            for i in numba.prange(L):
                rb, rs = _row_sums(cb, i)
                b += rb
                s += rs
            bonds[m] = b
            mags[m] = s
            if snaps.shape[0] > 0:
                snaps[m] = cb


def metropolis_sample(
    cb: np.ndarray,
    n_meas: int,
    interval: int,
    first_step: int,
    thresholds: tuple,
    seed: int,
    stream: int,
    threads: int,
    snapshots: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep and measure: ``n_meas`` times, ``interval`` sweeps then one measurement.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)
        Spins in the checkerboard layout; updated in place.
    n_meas : int
        Number of measurements (0: just ``interval`` sweeps).
    interval : int
        Sweeps before each measurement.
    first_step : int
        Sweep counter of the first sweep (Philox counter words ``c1``/``c2``).
    thresholds : tuple
        From :func:`thresholds32`.
    seed, stream : int
        Philox key.
    threads : int
        Threads to share the rows among; 1 runs the serial kernel. The result does not
        depend on this number.
    snapshots : ndarray of int8, shape (n_meas or 0, 2, L, L // 2)
        Filled with a copy of the lattice at each measurement; pass a length-0 array to
        skip the copies.

    Returns
    -------
    (ndarray, ndarray) of int64, shape (n_meas,)
        Bond sums ``sum_<ij> s_i s_j`` and magnetization sums after each block.
    """
    bonds = np.zeros(n_meas, dtype=np.int64)
    mags = np.zeros(n_meas, dtype=np.int64)
    new_spin = _new_spin_symmetric if len(thresholds) == 5 else _new_spin_general
    args = (cb, n_meas, interval, first_step, new_spin, thresholds, seed, stream)
    args += (bonds, mags, snapshots, _buffer_size(cb.shape[2]))
    run_on_threads(threads, _sample_serial, _sample_parallel, args, cb.shape[1])
    return bonds, mags


def run_on_threads(threads: int, serial, parallel, args: tuple, rows: int) -> None:
    """``serial(*args)`` for one thread; else ``parallel(*args, chunks)`` with Numba's
    thread count set to ``threads`` for the call (and ``min(rows, threads)`` row chunks)."""
    if threads <= 1:
        serial(*args)
        return
    with numba_threads(threads):
        parallel(*args, min(rows, threads))
