"""The CUDA twin of the multi-spin-coded sweep (:mod:`isingml.ising.multispin`).

One GPU thread per 64-spin word: the same bit-sliced neighbour count, the same threshold
classes, the same exact bit-by-bit comparison with early exit, and the same Philox
counters (plane pair ``j`` of word ``w`` of row ``i``: ``(i * W + w) * 16 + j``), so the
lattice is bit for bit the CPU's.

Batches
-------
:func:`multispin_sample_cuda_batch` sweeps ``n`` lattices of one size in each launch (a
third grid axis over the lattices), each with its own threshold classes (temperature,
coupling, field, rule), Philox key, first sweep counter and sweeps per measurement; each
lattice's chain is bit for bit the one it follows alone, as in
:func:`isingml.ising.metropolis_cuda.metropolis_sample_cuda_batch`.
:func:`multispin_sample_cuda` is the batch of one.

The words stay on the device between sweeps; they come back to the host (one copy of the
whole batch) only at measurements and at the end. This module imports ``numba.cuda``; the
package imports it only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml.ising.metropolis_cuda import (
    _batch_keys,
    _grid,
    batch_block,
    batch_outputs,
    device_sweeps,
)
from isingml.ising.multispin import _classes, measure, up_neighbour_masks_source
from isingml.random import MASK32, TAG_MULTISPIN, philox4x32_source

__all__ = ["BLOCK", "multispin_sample_cuda", "multispin_sample_cuda_batch"]

#: Threads per block (rows, words of a row).
BLOCK = (32, 4)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_ONE = np.uint64(1)
_S32 = np.uint64(32)
_S63 = np.uint64(63)

_philox = cuda.jit(device=True)(philox4x32_source)
_up_neighbour_masks = cuda.jit(device=True)(up_neighbour_masks_source)


@cuda.jit
def _half_sweep(  # pragma: no cover - compiled for the GPU
    words, c, H, meas, sweep, first_steps, intervals, keys, group, bits, n_groups
):
    # Lattice l's sweep `sweep` of block `meas` is its sweep number
    # first_steps[l] + meas * intervals[l] + sweep, when it has that many sweeps per block.
    i, w, l = cuda.grid(3)
    L = words.shape[2]
    W = words.shape[3]
    if l >= words.shape[0] or i >= L or w >= W:
        return
    per = intervals[l]
    if sweep >= per:
        return
    step = np.uint64(first_steps[l] + meas * per + sweep)
    s_lo = step & MASK32
    s_hi = step >> _S32
    k0 = keys[l, 0]
    k1 = keys[l, 1]
    P = words[l]
    other = 1 - c
    last = np.uint64((H - 1) & 63)
    s = P[c, i, w]
    a = P[other, (i - 1 + L) % L, w]
    b = P[other, (i + 1) % L, w]
    m = P[other, i, w]
    if (i + c) & 1 == 0:
        x = m << _ONE
        if w > 0:
            x |= P[other, i, w - 1] >> _S63
        else:
            x |= (P[other, i, W - 1] >> last) & _ONE
    else:
        x = m >> _ONE
        if w < W - 1:
            x |= (P[other, i, w + 1] & _ONE) << _S63
        else:
            x |= (P[other, i, 0] & _ONE) << last
    valid = _ALL if w < W - 1 else _ALL >> (_S63 - last)
    e = cuda.local.array(5, np.uint64)
    e[0], e[1], e[2], e[3], e[4] = _up_neighbour_masks(a, b, m, x)
    ng = n_groups[l]
    groups = cuda.local.array(10, np.uint64)  # at most one group per class
    for g in range(10):
        groups[g] = np.uint64(0)
    flip = np.uint64(0)
    for k in range(10):
        g = group[l, k]
        if g == -2:
            continue
        mask = (s if k >= 5 else ~s) & e[k % 5]
        if g == -1:
            flip |= mask
        else:
            groups[g] |= mask
    open_ = np.uint64(0)
    for g in range(ng):
        open_ |= groups[g]
    open_ &= valid
    tag = np.uint64(TAG_MULTISPIN + c)
    base = np.uint64((i * W + w) * 16)
    spare = np.uint64(0)
    p = 0
    while open_ != 0 and p < 32:
        if p % 2 == 0:
            r0, r1, r2, r3 = _philox(base + np.uint64(p // 2), s_lo, s_hi, tag, k0, k1)
            r = r0 | (r1 << _S32)
            spare = r2 | (r3 << _S32)
        else:
            r = spare
        t = np.uint64(0)
        for g in range(ng):
            if bits[l, g, p] != 0:
                t |= groups[g]
        flip |= open_ & t & ~r
        open_ &= ~(t ^ r)
        p += 1
    P[c, i, w] = s ^ (flip & valid)


def _batch_classes(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The threshold classes of :func:`isingml.ising.multispin._classes` for each of ``n``
    tables, padded to one array each: ``group`` (n, 10) int64, ``bits`` (n, G, 32) uint64
    (``G`` the most groups of any table, at least 1) and the group counts (n,) int64."""
    n = tables.shape[0]
    classes = [_classes(t) for t in tables]
    counts = np.array([b.shape[0] for _, b in classes], dtype=np.int64).reshape(n)
    group = np.zeros((n, 10), dtype=np.int64)
    bits = np.zeros((n, max(1, int(counts.max(initial=0))), 32), dtype=np.uint64)
    for b, (g, t) in enumerate(classes):
        group[b] = g
        bits[b, : t.shape[0]] = t
    return group, bits, counts


def multispin_sample_cuda_batch(
    words: np.ndarray,
    H: int,
    n_meas: int,
    interval: int | Sequence[int] | np.ndarray,
    first_steps: Sequence[int] | np.ndarray,
    tables: np.ndarray,
    seeds: Sequence[int] | np.ndarray,
    streams: Sequence[int] | np.ndarray,
    snapshots: np.ndarray,
    block: tuple[int, int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep and measure ``n`` multi-spin-coded lattices of one size together on the GPU.

    Lattice ``b`` follows exactly the chain of
    ``multispin_sample_cuda(words[b], H, n_meas, interval[b], first_steps[b], tables[b],
    seeds[b], streams[b], snapshots[b])`` (and of the CPU kernel), bit for bit.

    Parameters
    ----------
    words : ndarray of uint64, shape (n, 2, L, ceil(H / 64))
        From :func:`isingml.ising.multispin.pack_checkerboard`, one per lattice; updated in
        place (copied to the device once and back at the end).
    H : int
        Sites per row of one colour, ``L // 2``.
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
    snapshots : ndarray of int8, shape (n, n_meas or 0, 2, L, H)
        Filled with each lattice (int8 checkerboard layout) at each measurement; length 0
        on axis 1 skips them.
    block : (int, int, int), optional
        Threads per block (rows, words, lattices); default
        :func:`isingml.ising.metropolis_cuda.batch_block`. The result does not depend on it.

    Returns
    -------
    (ndarray, ndarray) of int64, shape (n, n_meas)
        Bond sums and magnetization sums of each lattice after each block of sweeps.
    """
    require_cuda()
    n, L, W = words.shape[0], words.shape[2], words.shape[3]
    intervals, bonds, mags = batch_outputs(n, n_meas, interval, tables, snapshots)
    if n == 0:
        return bonds, mags
    group, bits, counts = _batch_classes(tables)
    block = batch_block(n, L, W, BLOCK) if block is None else tuple(block)
    grid = _grid(n, L, W, block)
    host = np.ascontiguousarray(words)
    d_words = cuda.to_device(host)
    d_first = cuda.to_device(np.asarray(first_steps, dtype=np.int64).reshape(n))
    d_intervals = cuda.to_device(intervals)
    d_keys = cuda.to_device(_batch_keys(seeds, streams, n))
    d_group, d_bits, d_counts = (cuda.to_device(a) for a in (group, bits, counts))
    host = np.empty_like(host)
    scratch = np.empty((2, L, H), dtype=np.int8)

    def launch(c: int, m: int, k: int) -> None:
        _half_sweep[grid, block](
            d_words, c, H, m, k, d_first, d_intervals, d_keys, d_group, d_bits, d_counts
        )

    def take(m: int) -> None:
        d_words.copy_to_host(host)
        _measure_all(host, H, m, bonds, mags, snapshots, scratch)

    device_sweeps(n_meas, int(intervals.max()), launch, take)
    d_words.copy_to_host(host)
    words[...] = host
    return bonds, mags


@numba.njit(cache=True, nogil=True)
def _measure_all(words, H, m, bonds, mags, snapshots, scratch):
    no_packed = np.empty((0, 0), dtype=np.uint8)
    for b in range(words.shape[0]):
        measure(words[b], H, m, bonds[b], mags[b], snapshots[b], scratch, no_packed)


def multispin_sample_cuda(
    words: np.ndarray,
    H: int,
    n_meas: int,
    interval: int,
    first_step: int,
    table: np.ndarray,
    seed: int,
    stream: int,
    snapshots: np.ndarray,
    block: tuple[int, int] = BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep and measure on the GPU, as :func:`isingml.ising.multispin.multispin_sample`.

    The batch of one of :func:`multispin_sample_cuda_batch`.

    Parameters
    ----------
    words : ndarray of uint64, shape (2, L, ceil(H / 64))
        Updated in place (copied to the device once and back at the end).
    block : (int, int)
        Threads per block (rows, words); the result does not depend on it.
    H, n_meas, interval, first_step, table, seed, stream, snapshots
        As for the CPU kernel.

    Returns
    -------
    (ndarray, ndarray) of int64, shape (n_meas,)
        Bond sums and magnetization sums after each block of sweeps.
    """
    bonds, mags = multispin_sample_cuda_batch(
        words[None],
        H,
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
