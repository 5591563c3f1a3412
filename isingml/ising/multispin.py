"""Multi-spin-coded checkerboard Metropolis: 64 spins of one colour per ``uint64`` word.

Layout
------
The checkerboard arrays of :mod:`isingml.ising.lattice` (``cb[c, i, k]``, colour ``c``,
row ``i``, ``k < H = L/2``) packed along ``k``: bit ``l`` of word ``w`` of ``P[c, i]`` is
the spin ``cb[c, i, 64 w + l]`` (1 for +1). A row has ``W = ceil(H / 64)`` words; lanes of
the last word beyond ``H`` stay 0. The up, down and middle neighbours of a site are the
same lane of the other colour's rows ``i - 1``, ``i + 1``, ``i``; the fourth neighbour is
the lane to the left (rows of parity 0) or right (parity 1), a one-bit shift with a carry
from the next word and the wrap-around of the row.

Update
------
For the 64 lanes of a word at once: the number ``q`` of ``+1`` neighbours (0-4) by a
bit-sliced adder; the lane's class ``(s, q)`` picks the same integer threshold ``thr`` as
the byte-spin kernel (``table[(s + 1) // 2, q]``, a flip when ``u < thr`` for a uniform
32-bit ``u``). Classes whose threshold is "always" flip, a threshold 0 never flips; the
rest compare ``u`` with ``thr`` bit by bit from the most significant bit, 64 lanes per
step: a random word supplies bit ``b`` of every lane's ``u``; a lane is decided at the
first bit where ``u`` and ``thr`` differ (flip when ``thr`` has the 1). The comparison is
exact, and it stops as soon as every lane is decided: about 7 random words (3.5 Philox
calls) per 64 spins instead of 16 calls for 64 separate 32-bit numbers.

Random numbers
--------------
Plane ``b`` (bit ``31 - b`` of every ``u``) of word ``w`` of row ``i`` of colour ``c`` at
sweep ``t`` is half of the Philox block with counter
``((i * W + w) * 16 + b // 2, t_lo, t_hi, TAG_MULTISPIN + c)`` and key ``(seed, stream)``:
outputs 0 and 1 (low and high 32 bits) for even ``b``, 2 and 3 for odd ``b``. The bits
depend only on ``(seed, stream, t, site)``, not on threads.

This is a different chain from the byte-spin kernel's (the same transition probabilities,
other random numbers), checked against the exact results on its own.
"""

from __future__ import annotations

import numba
import numpy as np

from isingml.ising.metropolis import run_on_threads
from isingml.random import MASK32, TAG_MULTISPIN, philox4x32

__all__ = [
    "multispin_sample",
    "pack_checkerboard",
    "packed_bond_sum",
    "packed_magnetization_sum",
    "unpack_checkerboard",
]

_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_S32 = np.uint64(32)
_S63 = np.uint64(63)
_ALWAYS = 0xFFFFFFFF
#: Philox calls (two random planes each) drawn for every word up front, in one vectorized
#: loop; a word still undecided after them draws its further calls itself.
BULK_CALLS = 5


# -- layout ----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def pack_checkerboard(cb):
    """``(2, L, H)`` int8 spins to ``(2, L, ceil(H / 64))`` uint64 words (bit = spin > 0)."""
    L, H = cb.shape[1], cb.shape[2]
    W = (H + 63) // 64
    out = np.zeros((2, L, W), dtype=np.uint64)
    for c in range(2):
        for i in range(L):
            row = cb[c, i]
            for w in range(W):
                acc = np.uint64(0)
                for lane in range(min(64, H - 64 * w)):  # a reduction that vectorizes
                    bit = np.uint64(1) if row[64 * w + lane] > 0 else np.uint64(0)
                    acc |= bit << np.uint64(lane)
                out[c, i, w] = acc
    return out


@numba.njit(cache=True, nogil=True)
def unpack_checkerboard(packed, cb):
    """Write the words of :func:`pack_checkerboard` back into ``cb`` (int8, +/-1)."""
    L, H = cb.shape[1], cb.shape[2]
    W = packed.shape[2]
    for c in range(2):
        for i in range(L):
            row = cb[c, i]
            for w in range(W):
                word = packed[c, i, w]
                for lane in range(min(64, H - 64 * w)):
                    bit = (word >> np.uint64(lane)) & _ONE
                    row[64 * w + lane] = np.int8(2 * np.int64(bit) - 1)


def up_neighbour_masks_source(a, b, m, x):
    """Lanes with ``q = 0 .. 4`` of their four neighbour bits set, from a bit-sliced adder
    (``q = q0 + 2 q1 + 4 q2``). Plain Python over uint64 words, compiled for the CPU here
    and for the GPU in :mod:`isingml.ising.multispin_cuda`."""
    s1 = a ^ b
    c1 = a & b
    s2 = m ^ x
    c2 = m & x
    q0 = s1 ^ s2
    c3 = s1 & s2
    q1 = c1 ^ c2 ^ c3
    q2 = c1 & c2
    return ~(q0 | q1 | q2), q0 & ~q1 & ~q2, ~q0 & q1 & ~q2, q0 & q1, q2


_up_neighbour_masks = numba.njit(inline="always")(up_neighbour_masks_source)


@numba.njit(inline="always")
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@numba.njit(inline="always")
def _side(mid, w, W, last, parity):
    # The fourth neighbour of every lane of word w: lane k - 1 (parity 0) or k + 1.
    if parity == 0:
        x = mid[w] << _ONE
        if w > 0:
            x |= mid[w - 1] >> _S63
        else:
            x |= (mid[W - 1] >> last) & _ONE
        return x
    x = mid[w] >> _ONE
    if w < W - 1:
        x |= (mid[w + 1] & _ONE) << _S63
    else:
        x |= (mid[0] & _ONE) << last
    return x


@numba.njit(cache=True, nogil=True)
def packed_bond_sum(packed, H):
    """Sum of ``s_i s_j`` over all bonds, from the words (each bond has one black end)."""
    L, W = packed.shape[1], packed.shape[2]
    last = np.uint64((H - 1) & 63)
    total = 0
    for i in range(L):
        row = packed[0, i]
        up = packed[1, (i - 1 + L) % L]
        dn = packed[1, (i + 1) % L]
        mid = packed[1, i]
        parity = i & 1
        differ = 0
        for w in range(W):
            s = row[w]
            x = _side(mid, w, W, last, parity)
            valid = _ALL if w < W - 1 else _ALL >> (_S63 - last)
            differ += _popcount((s ^ up[w]) & valid) + _popcount((s ^ dn[w]) & valid)
            differ += _popcount((s ^ mid[w]) & valid) + _popcount((s ^ x) & valid)
        total += 4 * H - 2 * differ
    return total


@numba.njit(cache=True, nogil=True)
def packed_magnetization_sum(packed, H):
    """Sum of all spins, from the words."""
    ones = 0
    for c in range(2):
        for i in range(packed.shape[1]):
            for w in range(packed.shape[2]):
                ones += _popcount(packed[c, i, w])
    return 2 * ones - 2 * packed.shape[1] * H


def _spread_table(first: bool) -> np.ndarray:
    # Bit t of a nibble to bit 7 - 2 t (the even columns of a byte) or 6 - 2 t (odd ones).
    table = np.zeros(16, dtype=np.uint8)
    for nibble in range(16):
        for t in range(4):
            if nibble >> t & 1:
                table[nibble] |= 1 << (7 - 2 * t - (0 if first else 1))
    return table


_EVEN_COLUMNS = _spread_table(True)
_ODD_COLUMNS = _spread_table(False)


@numba.njit(cache=True, nogil=True)
def words_to_packbits(packed, out):
    """The lattice as datasets store it (``np.packbits`` of ``s > 0``, row-major, big-endian
    bits) straight from the words; ``L % 8 == 0``. Byte ``b`` of row ``i`` holds columns
    ``8 b .. 8 b + 7``: four lanes ``4 b .. 4 b + 3`` of colour ``i % 2`` (the even columns)
    interleaved with the same lanes of the other colour."""
    L = packed.shape[1]
    per_row = L // 8
    for i in range(L):
        first = packed[i % 2, i]
        second = packed[1 - i % 2, i]
        for b in range(per_row):
            shift = np.uint64((4 * b) & 63)
            w = (4 * b) >> 6
            a = (first[w] >> shift) & np.uint64(15)
            c = (second[w] >> shift) & np.uint64(15)
            out[i * per_row + b] = _EVEN_COLUMNS[a] | _ODD_COLUMNS[c]


@numba.njit(cache=True, nogil=True)
def measure(packed, H, m, bonds, mags, snaps, scratch_cb, packed_snaps):
    """Measurement ``m``: bond and spin sums, and a snapshot when ``snaps`` (int8
    checkerboard layout) or ``packed_snaps`` (dataset bytes, ``L % 8 == 0``) has rows."""
    bonds[m] = packed_bond_sum(packed, H)
    mags[m] = packed_magnetization_sum(packed, H)
    if snaps.shape[0] > 0:
        unpack_checkerboard(packed, scratch_cb)
        snaps[m] = scratch_cb
    if packed_snaps.shape[0] > 0:
        words_to_packbits(packed, packed_snaps[m])


# -- the update ------------------------------------------------------------------------

#: Words updated together: rows are gathered into flat arrays of this many words so that
#: every step below is a long branch-free loop that vectorizes, whatever the row width.
CHUNK_WORDS = 128


@numba.njit(inline="always")
def _update_chunk(cur, oth, c, i0, i1, H, step, seed, stream, group, bits, n_groups, work, planes):
    # Rows i0..i1-1 of colour c, gathered into flat rows of `work` (one 1-D view each, so
    # that every loop below vectorizes): spins, the four neighbours, valid lanes, lanes to
    # flip, lanes still open, lanes with q = 0..4 up-neighbours, one row per threshold group.
    L, W = cur.shape[0], cur.shape[1]
    last = np.uint64((H - 1) & 63)
    n = (i1 - i0) * W
    S, U, D, M, X = work[0], work[1], work[2], work[3], work[4]
    valid, flip, open_, t = work[5], work[6], work[7], work[8]
    top = _ALL >> (_S63 - last)  # the lanes of a row's last word that hold spins
    for r in range(i1 - i0):
        i = i0 + r
        f = r * W
        row = cur[i]
        mid = oth[i]
        up = oth[(i - 1 + L) % L]
        dn = oth[(i + 1) % L]
        for w in range(W):
            S[f + w] = row[w]
            U[f + w] = up[w]
            D[f + w] = dn[w]
            M[f + w] = mid[w]
            valid[f + w] = _ALL
        valid[f + W - 1] = top
        if (i + c) & 1 == 0:  # the side neighbour is lane k - 1
            X[f] = (mid[0] << _ONE) | ((mid[W - 1] >> last) & _ONE)
            for w in range(1, W):
                X[f + w] = (mid[w] << _ONE) | (mid[w - 1] >> _S63)
        else:  # lane k + 1
            for w in range(W - 1):
                X[f + w] = (mid[w] >> _ONE) | ((mid[w + 1] & _ONE) << _S63)
            X[f + W - 1] = (mid[W - 1] >> _ONE) | ((mid[0] & _ONE) << last)
    # The number q of +1 neighbours, bit-sliced (q = q0 + 2 q1 + 4 q2), and the lanes
    # with each q (rows 9-13).
    E0, E1, E2, E3, E4 = work[9], work[10], work[11], work[12], work[13]
    for f in range(n):
        E0[f], E1[f], E2[f], E3[f], E4[f] = _up_neighbour_masks(U[f], D[f], M[f], X[f])
        flip[f] = 0
    for g in range(n_groups):
        Gg = work[14 + g]
        for f in range(n):
            Gg[f] = 0
    # Classes (s, q) -> flip always (-1), never (-2), or compare in threshold group g.
    for k in range(10):
        g = group[k]
        if g == -2:
            continue
        target = flip if g == -1 else work[14 + g]
        Eq = work[9 + k % 5]
        if k >= 5:
            for f in range(n):
                target[f] |= S[f] & Eq[f]
        else:
            for f in range(n):
                target[f] |= ~S[f] & Eq[f]
    for f in range(n):
        open_[f] = 0
    for g in range(n_groups):
        Gg = work[14 + g]
        for f in range(n):
            open_[f] |= Gg[f]
    for f in range(n):
        open_[f] &= valid[f]
    # Random planes for every word (vectorized Philox), then the bit-by-bit comparison.
    st = np.uint64(step)
    s_lo = st & MASK32
    s_hi = st >> _S32
    tag = np.uint64(TAG_MULTISPIN + c)
    k0 = np.uint64(seed)
    k1 = np.uint64(stream)
    base = np.uint64(i0 * W * 16)
    n_bulk = planes.shape[0]
    for j in range(n_bulk // 2):
        even = planes[2 * j]
        odd = planes[2 * j + 1]
        for f in range(n):
            r0, r1, r2, r3 = philox4x32(base + np.uint64(f * 16 + j), s_lo, s_hi, tag, k0, k1)
            even[f] = r0 | (r1 << _S32)
            odd[f] = r2 | (r3 << _S32)
    for p in range(n_bulk):
        for f in range(n):
            t[f] = 0
        for g in range(n_groups):
            if bits[g, p]:
                Gg = work[14 + g]
                for f in range(n):
                    t[f] |= Gg[f]
        plane = planes[p]
        for f in range(n):
            r = plane[f]
            o = open_[f]
            tf = t[f]
            flip[f] |= o & tf & ~r
            open_[f] = o & ~(tf ^ r)
    # The words with lanes still undecided: further calls, one round (two planes) at a time
    # for all of them together, so that Philox stays vectorized.
    idx = work[14 + n_groups].view(np.int64)
    count = 0
    for f in range(n):
        if open_[f] != 0:
            idx[count] = f
            count += 1
    p = n_bulk
    lo_plane, hi_plane = planes[0], planes[1]  # free again: reused for this round's draws
    while count > 0 and p < 32:
        j = np.uint64(p // 2)
        for a in range(count):
            r0, r1, r2, r3 = philox4x32(base + np.uint64(idx[a] * 16) + j, s_lo, s_hi, tag, k0, k1)
            lo_plane[a] = r0 | (r1 << _S32)
            hi_plane[a] = r2 | (r3 << _S32)
        for q in range(2):
            drawn = lo_plane if q == 0 else hi_plane
            for a in range(count):
                f = idx[a]
                tf = np.uint64(0)
                for g in range(n_groups):
                    tf |= work[14 + g, f] & bits[g, p + q]
                r = drawn[a]
                o = open_[f]
                flip[f] |= o & tf & ~r
                open_[f] = o & ~(tf ^ r)
        kept = 0
        for a in range(count):
            if open_[idx[a]] != 0:
                idx[kept] = idx[a]
                kept += 1
        count = kept
        p += 2
    f = 0
    for i in range(i0, i1):
        row = cur[i]
        for w in range(W):
            row[w] = S[f] ^ (flip[f] & valid[f])
            f += 1


@numba.njit(inline="always")
def _half_sweep(
    packed, c, row_start, row_stop, H, step, seed, stream, group, bits, n_groups, work, planes
):
    W = packed.shape[2]
    rows = max(1, CHUNK_WORDS // W)
    for i0 in range(row_start, row_stop, rows):
        i1 = min(i0 + rows, row_stop)
        _update_chunk(
            packed[c],
            packed[1 - c],
            c,
            i0,
            i1,
            H,
            step,
            seed,
            stream,
            group,
            bits,
            n_groups,
            work,
            planes,
        )


@numba.njit(inline="always")
def _scratch(W, n_groups):
    size = max(1, CHUNK_WORDS // W) * W
    return (
        np.empty((15 + n_groups, size), dtype=np.uint64),
        np.empty((2 * BULK_CALLS, size), dtype=np.uint64),
    )


@numba.njit(cache=True, nogil=True)
def _sample_serial(
    packed,
    H,
    n_meas,
    interval,
    first_step,
    group,
    bits,
    seed,
    stream,
    bonds,
    mags,
    snaps,
    scratch_cb,
    packed_snaps,
):
    L, W = packed.shape[1], packed.shape[2]
    n_groups = bits.shape[0]
    work, planes = _scratch(W, n_groups)
    step = first_step
    for m in range(max(n_meas, 1)):
        for _ in range(interval):
            for c in range(2):
                _half_sweep(
                    packed, c, 0, L, H, step, seed, stream, group, bits, n_groups, work, planes
                )
            step += 1
        if n_meas > 0:
            measure(packed, H, m, bonds, mags, snaps, scratch_cb, packed_snaps)


@numba.njit(cache=True, nogil=True, parallel=True)
def _sample_parallel(
    packed,
    H,
    n_meas,
    interval,
    first_step,
    group,
    bits,
    seed,
    stream,
    bonds,
    mags,
    snaps,
    scratch_cb,
    packed_snaps,
    n_chunks,
):
    L, W = packed.shape[1], packed.shape[2]
    n_groups = bits.shape[0]
    step = first_step
    for m in range(max(n_meas, 1)):
        for _ in range(interval):
            for c in range(2):
                for chunk in numba.prange(n_chunks):
                    work, planes = _scratch(W, n_groups)
                    lo = chunk * L // n_chunks
                    hi = (chunk + 1) * L // n_chunks
                    _half_sweep(
                        packed,
                        c,
                        lo,
                        hi,
                        H,
                        step,
                        seed,
                        stream,
                        group,
                        bits,
                        n_groups,
                        work,
                        planes,
                    )
            step += 1
        if n_meas > 0:
            measure(packed, H, m, bonds, mags, snaps, scratch_cb, packed_snaps)


def _classes(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per class ``5 * sbit + q``: -1 flips always, -2 never, g >= 0 compares with the g-th
    distinct threshold; and for each g and plane p an all-ones word where that threshold
    has bit ``31 - p``."""
    thr = np.minimum(table, _ALWAYS).astype(np.int64).reshape(10)
    distinct = sorted({int(t) for t in thr if 0 < t < _ALWAYS})
    group = np.array(
        [-1 if t == _ALWAYS else -2 if t == 0 else distinct.index(int(t)) for t in thr],
        dtype=np.int64,
    )
    bits = np.zeros((max(len(distinct), 1), 32), dtype=np.uint64)
    for g, t in enumerate(distinct):
        for p in range(32):
            if (t >> (31 - p)) & 1:
                bits[g, p] = _ALL
    return group, bits[: len(distinct)] if distinct else bits[:0]


def multispin_sample(
    packed: np.ndarray,
    H: int,
    n_meas: int,
    interval: int,
    first_step: int,
    table: np.ndarray,
    seed: int,
    stream: int,
    threads: int,
    snapshots: np.ndarray,
    packed_snapshots: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep and measure on the words, as :func:`isingml.ising.metropolis.metropolis_sample`.

    Parameters
    ----------
    packed : ndarray of uint64, shape (2, L, ceil(H / 64))
        From :func:`pack_checkerboard`; updated in place.
    H : int
        Sites per row of one colour, ``L // 2``.
    n_meas, interval, first_step, seed, stream, threads, snapshots
        As for the byte-spin kernel (snapshots in the int8 checkerboard layout).
    packed_snapshots : ndarray of uint8, shape (n_meas, L * L // 8), optional
        Snapshots as datasets store them, written straight from the words (``L % 8 == 0``).
    table : ndarray of int64, shape (2, 5)
        From :func:`isingml.ising.metropolis.acceptance_table`.

    Returns
    -------
    (ndarray, ndarray) of int64, shape (n_meas,)
        Bond sums and magnetization sums after each block of sweeps.
    """
    group, bits = _classes(table)
    bonds = np.zeros(n_meas, dtype=np.int64)
    mags = np.zeros(n_meas, dtype=np.int64)
    L = packed.shape[1]
    scratch = np.empty((2, L, H), dtype=np.int8)
    if packed_snapshots is None:
        packed_snapshots = np.empty((0, 0), dtype=np.uint8)
    args = (
        packed,
        H,
        n_meas,
        interval,
        first_step,
        group,
        bits,
        seed,
        stream,
        bonds,
        mags,
        snapshots,
        scratch,
        packed_snapshots,
    )
    run_on_threads(threads, _sample_serial, _sample_parallel, args, L)
    return bonds, mags
