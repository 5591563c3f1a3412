"""The CUDA twin of the checkerboard Metropolis and heat-bath sweeps.

Same layout, same random numbers, same integer acceptance thresholds as
:mod:`isingml.ising.metropolis`, hence the same lattice bit for bit for the same seed. One
GPU thread owns one Philox block, i.e. four consecutive sites of a row of one colour:
site ``(c, i, k)`` at sweep ``t`` takes output ``k % 4`` of the block with counter
``(i * B + k // 4, t_lo, t_hi, TAG_METROPOLIS + c)`` and key ``(seed, stream)``. Philox is
compiled from the same source as the CPU's (:func:`isingml.random.philox4x32_source`).

Batches
-------
A lattice too small to fill the GPU launches a tiny grid, so the kernel sweeps a batch of
lattices of one size at once: :func:`metropolis_sample_cuda_batch` takes ``n`` lattices,
each with its own thresholds (temperature, coupling, field, rule), Philox key
``(seed, stream)``, first sweep counter and sweeps per measurement, and its grid has a third
axis over the lattices. Each lattice's thread computes that lattice's own sweep counter, so
its counters, and hence its chain, are exactly those of a run of that lattice alone (and
of the CPU kernel). A lattice with fewer sweeps per measurement than the batch's largest
idles through the extra launches. :func:`metropolis_sample_cuda` is the batch of one.

The lattices stay on the device between sweeps; they come back to the host (in one copy
of the whole batch) only at measurements (bond and spin sums, snapshots) and at the end.
This module imports ``numba.cuda``; the package imports it only when ``backend="cuda"`` is
asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numba
import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml.errors import InputError
from isingml.ising.lattice import bond_sum, magnetization_sum
from isingml.random import MASK32, TAG_METROPOLIS, output_of_block_source, philox4x32_source

__all__ = [
    "BLOCK",
    "batch_block",
    "batch_outputs",
    "device_sweeps",
    "metropolis_sample_cuda",
    "metropolis_sample_cuda_batch",
]

#: Threads per block (rows, Philox blocks of a row).
BLOCK = (16, 8)
#: Threads per block that :func:`batch_block` aims at, lattices filling what rows leave.
BATCH_THREADS = 128
_ALWAYS = 0xFFFFFFFF
_S32 = np.uint64(32)


_philox = cuda.jit(device=True)(philox4x32_source)
_output = cuda.jit(device=True)(output_of_block_source)


@cuda.jit
def _half_sweep(cbs, c, meas, sweep, first_steps, intervals, keys, tables):  # pragma: no cover
    # Lattice l's sweep `sweep` of block `meas` is its sweep number
    # first_steps[l] + meas * intervals[l] + sweep, when it has that many sweeps per block.
    i, j, l = cuda.grid(3)
    L = cbs.shape[2]
    H = cbs.shape[3]
    blocks = (H + 3) // 4
    if l >= cbs.shape[0] or i >= L or j >= blocks:
        return
    per = intervals[l]
    if sweep >= per:
        return
    step = np.uint64(first_steps[l] + meas * per + sweep)
    cb = cbs[l]
    tag = np.uint64(TAG_METROPOLIS + c)
    r0, r1, r2, r3 = _philox(
        np.uint64(i * blocks + j), step & MASK32, step >> _S32, tag, keys[l, 0], keys[l, 1]
    )
    other = 1 - c
    up = (i - 1 + L) % L
    dn = (i + 1) % L
    parity = (i + c) & 1
    for o in range(4):
        k = 4 * j + o
        if k < H:
            r = _output(r0, r1, r2, r3, o)
            side = cb[other, i, (k - 1 + H) % H] if parity == 0 else cb[other, i, (k + 1) % H]
            n = (
                np.int32(cb[other, up, k])
                + np.int32(cb[other, dn, k])
                + np.int32(cb[other, i, k])
                + np.int32(side)
            )
            s = cb[c, i, k]
            thr = tables[l, (s + 1) // 2, (n + 4) // 2]
            if r < thr or thr == _ALWAYS:
                cb[c, i, k] = -s


def device_sweeps(
    n_meas: int,
    sweeps: int,
    launch: Callable[[int, int, int], None],
    measure: Callable[[int], None],
) -> None:
    """The host's loop of a GPU run: ``n_meas`` blocks of ``sweeps`` sweeps (one block and
    no measurement when ``n_meas`` is 0), ``launch(colour, block, sweep)`` for each
    half-sweep and ``measure(block)`` after each block. The kernels turn ``(block, sweep)``
    into each lattice's own sweep counter."""
    for m in range(max(n_meas, 1)):
        for k in range(sweeps):
            for c in range(2):
                launch(c, m, k)
        if n_meas > 0:
            measure(m)


def _per_lattice_intervals(interval: int | Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    """``interval`` (one count for all, or one per lattice) as ``n`` int64 counts >= 1.

    Raises
    ------
    ValueError
        A count below 1, or a sequence whose length is not ``n``.
    """
    counts = np.asarray(interval, dtype=np.int64)
    if counts.ndim == 0:
        counts = np.full(n, counts, dtype=np.int64)
    if counts.shape != (n,):
        raise InputError(f"interval must be an int or {n} ints, got shape {counts.shape}")
    if n and counts.min() < 1:
        raise InputError(f"interval must be >= 1 sweep per lattice, got {counts.min()}")
    return np.ascontiguousarray(counts)


def _batch_keys(
    seeds: Sequence[int] | np.ndarray, streams: Sequence[int] | np.ndarray, n: int
) -> np.ndarray:
    """The Philox keys of ``n`` lattices as a ``(n, 2)`` uint64 array ``(seed, stream)``."""
    keys = np.stack([np.asarray(seeds, np.uint64), np.asarray(streams, np.uint64)], axis=-1)
    if keys.shape != (n, 2):
        raise InputError(f"seeds and streams must hold {n} values each, got {keys.shape[0]}")
    return keys


def batch_block(
    n: int, rows: int, cols: int, block: tuple[int, int] = BLOCK
) -> tuple[int, int, int]:
    """The default threads per block of a batched launch.

    Parameters
    ----------
    n : int
        Lattices in the batch.
    rows, cols : int
        Threads a lattice needs along grid axes 0 and 1 (rows; Philox blocks or words).
    block : (int, int)
        Threads per block of one lattice, cut down to ``(rows, cols)``.

    Returns
    -------
    (int, int, int)
        ``(rows, columns, lattices)``: as many lattices per block as fill
        :data:`BATCH_THREADS` threads (at most ``n``).
    """
    bx, by = max(1, min(block[0], rows)), max(1, min(block[1], cols))
    return bx, by, max(1, min(n, BATCH_THREADS // (bx * by)))


def _grid(n: int, rows: int, cols: int, block: tuple) -> tuple[int, int, int]:
    return -(-rows // block[0]), -(-cols // block[1]), -(-n // block[2])


@numba.njit(cache=True, nogil=True)
def _measure_all(cbs, m, bonds, mags, snapshots):
    for b in range(cbs.shape[0]):
        bonds[b, m] = bond_sum(cbs[b])
        mags[b, m] = magnetization_sum(cbs[b])
        if snapshots.shape[1] > 0:
            snapshots[b, m] = cbs[b]


def batch_outputs(n: int, n_meas: int, interval, tables: np.ndarray, snapshots: np.ndarray):
    """Check a batch's per-lattice arguments; its intervals (``(n,)`` int64) and zeroed
    ``(n, n_meas)`` bond and magnetization sums."""
    if tables.shape != (n, 2, 5):
        raise InputError(f"tables must have shape ({n}, 2, 5), got {tables.shape}")
    if snapshots.shape[:2] not in ((n, n_meas), (n, 0)):
        raise InputError(
            f"snapshots must have shape ({n}, {n_meas} or 0, ...), got {snapshots.shape}"
        )
    intervals = _per_lattice_intervals(interval, n)
    return intervals, np.zeros((n, n_meas), dtype=np.int64), np.zeros((n, n_meas), np.int64)


def metropolis_sample_cuda_batch(
    cbs: np.ndarray,
    n_meas: int,
    interval: int | Sequence[int] | np.ndarray,
    first_steps: Sequence[int] | np.ndarray,
    tables: np.ndarray,
    seeds: Sequence[int] | np.ndarray,
    streams: Sequence[int] | np.ndarray,
    snapshots: np.ndarray,
    block: tuple[int, int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep and measure ``n`` lattices of one size together on the GPU.

    Lattice ``b`` follows exactly the chain of
    ``metropolis_sample_cuda(cbs[b], n_meas, interval[b], first_steps[b], tables[b],
    seeds[b], streams[b], snapshots[b])`` (and of the CPU kernel), bit for bit.

    Parameters
    ----------
    cbs : ndarray of int8, shape (n, 2, L, L // 2)
        The lattices in the checkerboard layout; updated in place (copied to the device
        once and back at the end).
    n_meas : int
        Measurements per lattice (0: just ``interval`` sweeps each).
    interval : int or sequence of int, shape (n,)
        Sweeps before each measurement, for all lattices or per lattice (>= 1).
    first_steps : sequence of int, shape (n,)
        Sweep counter of each lattice's first sweep.
    tables : ndarray of int64, shape (n, 2, 5)
        From :func:`isingml.ising.metropolis.acceptance_table`, one per lattice.
    seeds, streams : sequence of int, shape (n,)
        Philox keys.
    snapshots : ndarray of int8, shape (n, n_meas or 0, 2, L, L // 2)
        Filled with each lattice at each measurement; length 0 on axis 1 skips the copies.
    block : (int, int, int), optional
        Threads per block (rows, Philox blocks, lattices); default :func:`batch_block`.
        The result does not depend on it.

    Returns
    -------
    (ndarray, ndarray) of int64, shape (n, n_meas)
        Bond sums and magnetization sums of each lattice after each block of sweeps.
    """
    require_cuda()
    n, L, H = cbs.shape[0], cbs.shape[2], cbs.shape[3]
    intervals, bonds, mags = batch_outputs(n, n_meas, interval, tables, snapshots)
    if n == 0:
        return bonds, mags
    cols = (H + 3) // 4
    block = batch_block(n, L, cols) if block is None else tuple(block)
    grid = _grid(n, L, cols, block)
    host = np.ascontiguousarray(cbs)
    d_cbs = cuda.to_device(host)
    d_tables = cuda.to_device(np.minimum(tables, _ALWAYS).astype(np.uint32))
    d_first = cuda.to_device(np.asarray(first_steps, dtype=np.int64).reshape(n))
    d_intervals = cuda.to_device(intervals)
    d_keys = cuda.to_device(_batch_keys(seeds, streams, n))
    host = np.empty_like(host)

    def launch(c: int, m: int, k: int) -> None:
        _half_sweep[grid, block](d_cbs, c, m, k, d_first, d_intervals, d_keys, d_tables)

    def measure(m: int) -> None:
        d_cbs.copy_to_host(host)
        _measure_all(host, m, bonds, mags, snapshots)

    device_sweeps(n_meas, int(intervals.max()), launch, measure)
    d_cbs.copy_to_host(host)
    cbs[...] = host
    return bonds, mags


def metropolis_sample_cuda(
    cb: np.ndarray,
    n_meas: int,
    interval: int,
    first_step: int,
    table: np.ndarray,
    seed: int,
    stream: int,
    snapshots: np.ndarray,
    block: tuple[int, int] = BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep and measure on the GPU, as :func:`isingml.ising.metropolis.metropolis_sample`.

    The batch of one of :func:`metropolis_sample_cuda_batch`.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)
        Spins in the checkerboard layout; updated in place (copied to the device once and
        back at the end).
    n_meas, interval, first_step, seed, stream, snapshots
        As for the CPU kernel.
    table : ndarray of int64, shape (2, 5)
        From :func:`isingml.ising.metropolis.acceptance_table`.
    block : (int, int)
        Threads per block (rows, Philox blocks); the result does not depend on it.

    Returns
    -------
    (ndarray, ndarray) of int64, shape (n_meas,)
        Bond sums and magnetization sums after each block of sweeps.
    """
    bonds, mags = metropolis_sample_cuda_batch(
        cb[None],
        n_meas,
        interval,
        [first_step],
        table[None],
        [seed],
        [stream],
        snapshots[None],
        (block[0], block[1], 1),
    )
    return bonds[0], mags[0]
