"""The CUDA twin of the multi-spin-coded sweep (:mod:`isingml.ising.multispin`).

One GPU thread per 64-spin word: the same bit-sliced neighbour count, the same threshold
classes, the same exact bit-by-bit comparison with early exit, and the same Philox
counters (plane pair ``j`` of word ``w`` of row ``i``: ``(i * W + w) * 16 + j``), so the
lattice is bit for bit the CPU's. The words stay on the device between sweeps; they come
back to the host only at measurements and at the end. This module imports ``numba.cuda``;
the package imports it only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml.ising.metropolis_cuda import device_sweeps
from isingml.ising.multispin import _classes, measure, up_neighbour_masks_source
from isingml.random import TAG_MULTISPIN, philox4x32_source

__all__ = ["BLOCK", "multispin_sample_cuda"]

#: Threads per block (rows, words of a row).
BLOCK = (32, 4)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_ONE = np.uint64(1)
_S32 = np.uint64(32)
_S63 = np.uint64(63)

_philox = cuda.jit(device=True)(philox4x32_source)
_up_neighbour_masks = cuda.jit(device=True)(up_neighbour_masks_source)


@cuda.jit
def _half_sweep(words, c, H, s_lo, s_hi, k0, k1, group, bits):  # pragma: no cover - GPU
    i, w = cuda.grid(2)
    L = words.shape[1]
    W = words.shape[2]
    if i >= L or w >= W:
        return
    other = 1 - c
    last = np.uint64((H - 1) & 63)
    s = words[c, i, w]
    a = words[other, (i - 1 + L) % L, w]
    b = words[other, (i + 1) % L, w]
    m = words[other, i, w]
    if (i + c) & 1 == 0:
        x = m << _ONE
        if w > 0:
            x |= words[other, i, w - 1] >> _S63
        else:
            x |= (words[other, i, W - 1] >> last) & _ONE
    else:
        x = m >> _ONE
        if w < W - 1:
            x |= (words[other, i, w + 1] & _ONE) << _S63
        else:
            x |= (words[other, i, 0] & _ONE) << last
    valid = _ALL if w < W - 1 else _ALL >> (_S63 - last)
    e = cuda.local.array(5, np.uint64)
    e[0], e[1], e[2], e[3], e[4] = _up_neighbour_masks(a, b, m, x)
    n_groups = bits.shape[0]
    groups = cuda.local.array(10, np.uint64)  # at most one group per class
    for g in range(10):
        groups[g] = np.uint64(0)
    flip = np.uint64(0)
    for k in range(10):
        g = group[k]
        if g == -2:
            continue
        mask = (s if k >= 5 else ~s) & e[k % 5]
        if g == -1:
            flip |= mask
        else:
            groups[g] |= mask
    open_ = np.uint64(0)
    for g in range(n_groups):
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
        for g in range(n_groups):
            if bits[g, p] != 0:
                t |= groups[g]
        flip |= open_ & t & ~r
        open_ &= ~(t ^ r)
        p += 1
    words[c, i, w] = s ^ (flip & valid)


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

    Parameters
    ----------
    words : ndarray of uint64, shape (2, L, ceil(H / 64))
        Updated in place (copied to the device once and back at the end).
    block : (int, int)
        Threads per block (rows, words); the result does not depend on it.
    H, n_meas, interval, first_step, table, seed, stream, snapshots
        As for the CPU kernel.
    """
    require_cuda()
    group, bits = _classes(table)
    L, W = words.shape[1], words.shape[2]
    grid = (-(-L // block[0]), -(-W // block[1]))
    d_words = cuda.to_device(np.ascontiguousarray(words))
    d_group = cuda.to_device(group)
    d_bits = cuda.to_device(bits if bits.shape[0] else np.zeros((0, 32), np.uint64))
    k0, k1 = np.uint64(seed), np.uint64(stream)
    bonds = np.zeros(n_meas, dtype=np.int64)
    mags = np.zeros(n_meas, dtype=np.int64)
    host = np.empty_like(words)
    scratch = np.empty((2, L, H), dtype=np.int8)

    def launch(c: int, s_lo: np.uint64, s_hi: np.uint64) -> None:
        _half_sweep[grid, block](d_words, c, H, s_lo, s_hi, k0, k1, d_group, d_bits)

    def take(m: int) -> None:
        d_words.copy_to_host(host)
        measure(host, H, m, bonds, mags, snapshots, scratch, np.empty((0, 0), np.uint8))

    device_sweeps(n_meas, interval, first_step, launch, take)
    d_words.copy_to_host(host)
    words[...] = host
    return bonds, mags
