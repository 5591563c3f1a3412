"""The CUDA twin of the checkerboard Metropolis and heat-bath sweeps.

Same layout, same random numbers, same integer acceptance thresholds as
:mod:`isingml.ising.metropolis`, hence the same lattice bit for bit for the same seed. One
GPU thread owns one Philox block, i.e. four consecutive sites of a row of one colour:
site ``(c, i, k)`` at sweep ``t`` takes output ``k % 4`` of the block with counter
``(i * B + k // 4, t_lo, t_hi, TAG_METROPOLIS + c)`` and key ``(seed, stream)``. Philox is
compiled from the same source as the CPU's (:func:`isingml.random.philox4x32_source`).

The lattice stays on the device between sweeps; it comes back to the host only at
measurements (bond and spin sums, snapshots) and at the end. This module imports
``numba.cuda``; the package imports it only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml.ising.lattice import bond_sum, magnetization_sum
from isingml.random import MASK32, TAG_METROPOLIS, philox4x32_source

__all__ = ["BLOCK", "device_sweeps", "metropolis_sample_cuda"]

#: Threads per block (rows, Philox blocks of a row).
BLOCK = (16, 8)
_ALWAYS = 0xFFFFFFFF


_philox = cuda.jit(device=True)(philox4x32_source)


@cuda.jit
def _half_sweep(cb, c, s_lo, s_hi, k0, k1, table):  # pragma: no cover - compiled for the GPU
    i, j = cuda.grid(2)
    L = cb.shape[1]
    H = cb.shape[2]
    blocks = (H + 3) // 4
    if i >= L or j >= blocks:
        return
    tag = np.uint64(TAG_METROPOLIS + c)
    r0, r1, r2, r3 = _philox(np.uint64(i * blocks + j), s_lo, s_hi, tag, k0, k1)
    other = 1 - c
    up = (i - 1 + L) % L
    dn = (i + 1) % L
    parity = (i + c) & 1
    for o in range(4):
        k = 4 * j + o
        if k < H:
            r = r0
            if o == 1:
                r = r1
            elif o == 2:
                r = r2
            elif o == 3:
                r = r3
            side = cb[other, i, (k - 1 + H) % H] if parity == 0 else cb[other, i, (k + 1) % H]
            n = (np.int32(cb[other, up, k]) + np.int32(cb[other, dn, k])
                 + np.int32(cb[other, i, k]) + np.int32(side))  # fmt: skip
            s = cb[c, i, k]
            thr = table[(s + 1) // 2, (n + 4) // 2]
            if r < thr or thr == _ALWAYS:
                cb[c, i, k] = -s


def device_sweeps(
    n_meas: int,
    interval: int,
    first_step: int,
    launch: Callable[[int, np.uint64, np.uint64], None],
    measure: Callable[[int], None],
) -> None:
    """The host's loop of a GPU run: ``n_meas`` blocks of ``interval`` sweeps (one block and
    no measurement when ``n_meas`` is 0), ``launch(colour, step_lo, step_hi)`` for each
    half-sweep and ``measure(m)`` after each block."""
    step = first_step
    for m in range(max(n_meas, 1)):
        for _ in range(interval):
            s_lo, s_hi = np.uint64(step) & MASK32, np.uint64(step) >> np.uint64(32)
            for c in range(2):
                launch(c, s_lo, s_hi)
            step += 1
        if n_meas > 0:
            measure(m)


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
    require_cuda()
    L, H = cb.shape[1], cb.shape[2]
    grid = (-(-L // block[0]), -(-((H + 3) // 4) // block[1]))
    thresholds = np.minimum(table, _ALWAYS).astype(np.uint32)
    d_cb = cuda.to_device(np.ascontiguousarray(cb))
    d_table = cuda.to_device(thresholds)
    k0, k1 = np.uint64(seed), np.uint64(stream)
    bonds = np.zeros(n_meas, dtype=np.int64)
    mags = np.zeros(n_meas, dtype=np.int64)
    host = np.empty_like(cb)

    def launch(c: int, s_lo: np.uint64, s_hi: np.uint64) -> None:
        _half_sweep[grid, block](d_cb, c, s_lo, s_hi, k0, k1, d_table)

    def measure(m: int) -> None:
        d_cb.copy_to_host(host)
        bonds[m] = bond_sum(host)
        mags[m] = magnetization_sum(host)
        if snapshots.shape[0] > 0:
            snapshots[m] = host

    device_sweeps(n_meas, interval, first_step, launch, measure)
    d_cb.copy_to_host(host)
    cb[...] = host
    return bonds, mags
