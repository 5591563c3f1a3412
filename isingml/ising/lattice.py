"""The checkerboard layout of an L x L periodic square lattice, and its observables.

Every kernel of :mod:`isingml.ising` keeps the spins as an ``int8`` array of shape
``(2, L, L // 2)``: ``cb[c, i, k]`` is the site ``(i, j)`` of colour ``c`` with
``j = 2 k + (i + c) % 2``. Colour 0 ("black") holds the sites with ``i + j`` even, colour 1
("white") those with ``i + j`` odd. Each colour is one contiguous block, so that a
half-sweep of the checkerboard Metropolis update reads and writes unit-stride rows.

Neighbours of ``(c, i, k)`` all have the other colour: ``(1 - c, i - 1, k)`` and
``(1 - c, i + 1, k)`` vertically, and ``(1 - c, i, k)`` plus ``(1 - c, i, k - 1)`` when
``(i + c)`` is even, ``(1 - c, i, k + 1)`` when it is odd (indices periodic). Every bond
joins a black and a white site, so summing over black sites and their four neighbours
counts each bond exactly once.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "bond_sum",
    "from_checkerboard",
    "magnetization_sum",
    "neighbours",
    "packed_from_checkerboard",
    "to_checkerboard",
]


def to_checkerboard(spins: np.ndarray) -> np.ndarray:
    """Split an ``(L, L)`` lattice into the ``(2, L, L // 2)`` checkerboard layout.

    Parameters
    ----------
    spins : ndarray, shape (L, L)
        Any dtype; the result is a fresh C-contiguous array of the same dtype.

    Returns
    -------
    ndarray, shape (2, L, L // 2)
    """
    L = spins.shape[0]
    cb = np.empty((2, L, L // 2), dtype=spins.dtype)
    cb[0, 0::2] = spins[0::2, 0::2]
    cb[0, 1::2] = spins[1::2, 1::2]
    cb[1, 0::2] = spins[0::2, 1::2]
    cb[1, 1::2] = spins[1::2, 0::2]
    return cb


def from_checkerboard(cb: np.ndarray) -> np.ndarray:
    """Merge ``(..., 2, L, L // 2)`` checkerboard arrays back into ``(..., L, L)`` lattices.

    Parameters
    ----------
    cb : ndarray, shape (..., 2, L, L // 2)

    Returns
    -------
    ndarray, shape (..., L, L)
    """
    L = cb.shape[-2]
    spins = np.empty((*cb.shape[:-3], L, L), dtype=cb.dtype)
    spins[..., 0::2, 0::2] = cb[..., 0, 0::2, :]
    spins[..., 1::2, 1::2] = cb[..., 0, 1::2, :]
    spins[..., 0::2, 1::2] = cb[..., 1, 0::2, :]
    spins[..., 1::2, 0::2] = cb[..., 1, 1::2, :]
    return spins


def packed_from_checkerboard(cb: np.ndarray) -> np.ndarray:
    """Bit-pack ``(n, 2, L, L // 2)`` checkerboard snapshots straight to ``np.packbits`` form.

    The result equals ``np.packbits(from_checkerboard(cb).reshape(n, -1) > 0, axis=1)``
    (row-major sites, big-endian bit order, bit 1 for spin +1) without the unpacked copy.

    Parameters
    ----------
    cb : ndarray of int8, shape (n, 2, L, L // 2)

    Returns
    -------
    ndarray of uint8, shape (n, ceil(L * L / 8))
    """
    n, _, L, _ = cb.shape
    out = np.zeros((n, (L * L + 7) // 8), dtype=np.uint8)
    if L % 8 == 0:
        _pack_rows_aligned(cb, out)
    else:
        _pack_sites(cb, out)
    return out


@numba.njit(cache=True, nogil=True)
def _pack_rows_aligned(cb, out):
    # L % 8 == 0: byte b of row i holds columns 8 b .. 8 b + 7, which alternate colour
    # (first the colour with (i + j) even at j = 8 b, that is colour i % 2) and are
    # entries 4 b .. 4 b + 3 of the two colours' row i.
    L = cb.shape[2]
    per_row = L // 8
    for s in range(cb.shape[0]):
        for i in range(L):
            first = cb[s, i % 2, i]
            second = cb[s, 1 - i % 2, i]
            row = out[s, i * per_row : (i + 1) * per_row]
            for b in range(per_row):
                k = 4 * b
                row[b] = (
                    (np.uint8(first[k] > 0) << 7)
                    | (np.uint8(second[k] > 0) << 6)
                    | (np.uint8(first[k + 1] > 0) << 5)
                    | (np.uint8(second[k + 1] > 0) << 4)
                    | (np.uint8(first[k + 2] > 0) << 3)
                    | (np.uint8(second[k + 2] > 0) << 2)
                    | (np.uint8(first[k + 3] > 0) << 1)
                    | np.uint8(second[k + 3] > 0)
                )


@numba.njit(cache=True, nogil=True)
def _pack_sites(cb, out):
    L = cb.shape[2]
    for s in range(cb.shape[0]):
        for i in range(L):
            for j in range(L):
                if cb[s, (i + j) % 2, i, j // 2] > 0:
                    p = i * L + j
                    out[s, p // 8] |= np.uint8(1 << (7 - p % 8))


@numba.njit(inline="always")
def neighbours(site, L, H):
    """The four neighbours of a site, as linear indices into the flattened layout.

    Parameters
    ----------
    site : int
        Linear index ``c * L * H + i * H + k`` into the flattened ``(2, L, H)`` array.
    L, H : int
        Lattice side and half-width ``L // 2``.

    Returns
    -------
    tuple of four int
        Up (``i - 1``), down (``i + 1``), the same-row partner ``k``, and the other
        same-row neighbour (``k - 1`` or ``k + 1``), all of the other colour.
    """
    LH = L * H
    c = 1 if site >= LH else 0
    rest = site - c * LH
    i = rest // H
    k = rest - i * H
    o = (1 - c) * LH
    row = o + i * H
    up = o + (i - 1 if i > 0 else L - 1) * H + k
    dn = o + (i + 1 if i < L - 1 else 0) * H + k
    if (i + c) % 2 == 0:
        side = row + (k - 1 if k > 0 else H - 1)
    else:
        side = row + (k + 1 if k < H - 1 else 0)
    return up, dn, row + k, side


@numba.njit(cache=True, nogil=True)
def bond_sum(cb):
    """Sum of ``s_i s_j`` over all 2 N nearest-neighbour bonds.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)

    Returns
    -------
    int
    """
    L = cb.shape[1]
    H = cb.shape[2]
    black = cb[0]
    white = cb[1]
    total = 0
    for i in range(L):
        up = white[(i - 1 + L) % L]
        dn = white[(i + 1) % L]
        mid = white[i]
        row = black[i]
        # int8 products summed in int32; the wrap-around column outside the loop.
        acc = np.int32(0)
        if i % 2 == 0:
            acc += np.int32(row[0]) * np.int32(up[0] + dn[0] + mid[0] + mid[H - 1])
            for k in range(1, H):
                acc += np.int32(np.int8(row[k] * np.int8(up[k] + dn[k] + mid[k] + mid[k - 1])))
        else:
            for k in range(H - 1):
                acc += np.int32(np.int8(row[k] * np.int8(up[k] + dn[k] + mid[k] + mid[k + 1])))
            acc += np.int32(row[H - 1]) * np.int32(up[H - 1] + dn[H - 1] + mid[H - 1] + mid[0])
        total += acc
    return total


@numba.njit(cache=True, nogil=True)
def magnetization_sum(cb):
    """Sum of all spins.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)

    Returns
    -------
    int
    """
    total = 0
    flat = cb.ravel()
    for x in range(flat.shape[0]):
        total += np.int32(flat[x])
    return total
