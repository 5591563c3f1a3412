"""Wolff single-cluster and Swendsen–Wang cluster updates (h = 0), on the checkerboard layout.

Both follow the Fortuin–Kasteleyn construction for a coupling ``J`` of either sign: a bond
is *satisfied* when ``J s_i s_j > 0`` and is activated with probability
``p = 1 - exp(-2 beta |J|)``; clusters of activated bonds are flipped. On the bipartite
square lattice a uniform coupling is never frustrated, so flipping a cluster keeps its
internal bonds satisfied.

Random numbers (Philox, key ``(seed, stream)``)
-----------------------------------------------
* Wolff update ``t``: the seed site from counter ``(0, t, TAG_WOLFF_SEED)``; when site
  ``x`` is taken from the stack its four bonds are tested with the four outputs of counter
  ``(x, t, TAG_WOLFF)``. Each site leaves the stack at most once per update, so no bond
  test reuses a number.
* Swendsen–Wang update ``t``: every bond touches exactly one black site; black site ``x``
  tests its four bonds with the outputs of counter ``(x, t, TAG_SWENDSEN_WANG)``. Union-find
  keeps the smallest site index as each cluster's root, and the cluster flips when the low
  bit of the first output of counter ``(root, t, TAG_SWENDSEN_WANG + 1)`` is set. The
  result does not depend on the order in which bonds are merged.
"""

from __future__ import annotations

import numba
import numpy as np

from isingml.ising.lattice import bond_sum, magnetization_sum, neighbours
from isingml.random import TAG_SWENDSEN_WANG, TAG_WOLFF, TAG_WOLFF_SEED, philox_block

__all__ = [
    "bond_threshold",
    "swendsen_wang_sample",
    "wolff_sample",
    "wolff_updates",
]

_S32 = np.uint64(32)
_ONE = np.uint64(1)


def bond_threshold(beta: float, J: float) -> int:
    """Integer threshold for activating a satisfied bond: ``floor(2**32 (1 - e^{-2 beta |J|}))``.

    Parameters
    ----------
    beta : float
        Inverse temperature.
    J : float
        Coupling (either sign).

    Returns
    -------
    int
        A bond is activated when its 32-bit random number is below this value.
    """
    p = -np.expm1(-2.0 * beta * abs(J))
    return int(np.floor(min(max(p, 0.0), 1.0) * 2.0**32))


@numba.njit(inline="always")
def _join(flat, stack, top, y, want, r, threshold):
    # Add neighbour y (flip it, push it) when it has the joining spin and its bond fires.
    if flat[y] == want and np.int64(r) < threshold:
        flat[y] = -flat[y]
        stack[top] = y
        return top + 1
    return top


@numba.njit(cache=True, nogil=True)
def _wolff_update(flat, L, H, sign_j, threshold, step, seed, stream, stack):
    n = flat.shape[0]
    r0, r1, _, _ = philox_block(0, step, TAG_WOLFF_SEED, seed, stream)
    seed_site = np.int64(((r0 << _S32) | r1) % np.uint64(n))
    flat[seed_site] = -flat[seed_site]
    stack[0] = seed_site
    top = 1
    size = 1
    while top > 0:
        top -= 1
        x = stack[top]
        # A neighbour joins when it is not yet in the cluster and its bond to x was
        # satisfied before x flipped: sign_j * (-s_x) * s_y > 0. Philox runs only when
        # some neighbour qualifies (the numbers are the same either way).
        want = -sign_j * np.int64(flat[x])  # the spin a joining neighbour has
        y0, y1, y2, y3 = neighbours(x, L, H)
        if flat[y0] != want and flat[y1] != want and flat[y2] != want and flat[y3] != want:
            continue
        r0, r1, r2, r3 = philox_block(x, step, TAG_WOLFF, seed, stream)
        pushed = _join(flat, stack, top, y0, want, r0, threshold)
        pushed = _join(flat, stack, pushed, y1, want, r1, threshold)
        pushed = _join(flat, stack, pushed, y2, want, r2, threshold)
        pushed = _join(flat, stack, pushed, y3, want, r3, threshold)
        size += pushed - top
        top = pushed
    return size


@numba.njit(cache=True, nogil=True)
def _wolff_run(
    flat, L, H, sign_j, threshold, max_updates, min_flips, first_step, seed, stream, stack
):
    """Cluster updates until ``max_updates`` are done or ``min_flips`` spins have flipped."""
    flipped = np.int64(0)
    done = np.int64(0)
    while done < max_updates and flipped < min_flips:
        flipped += _wolff_update(
            flat, L, H, sign_j, threshold, first_step + done, seed, stream, stack
        )
        done += 1
    return done, flipped


@numba.njit(cache=True, nogil=True)
def _wolff_sample(
    flat,
    cb,
    L,
    H,
    sign_j,
    threshold,
    n_meas,
    per_meas,
    first_step,
    seed,
    stream,
    stack,
    bonds,
    mags,
    snaps,
):
    flipped = np.int64(0)
    step = first_step
    for m in range(n_meas):
        for _ in range(per_meas):
            flipped += _wolff_update(flat, L, H, sign_j, threshold, step, seed, stream, stack)
            step += 1
        bonds[m] = bond_sum(cb)
        mags[m] = magnetization_sum(cb)
        if snaps.shape[0] > 0:
            snaps[m] = cb
    return flipped


def wolff_sample(
    cb: np.ndarray,
    n_meas: int,
    per_meas: int,
    first_step: int,
    beta: float,
    J: float,
    seed: int,
    stream: int,
    stack: np.ndarray,
    snapshots: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    """``n_meas`` times: ``per_meas`` Wolff updates, then one measurement.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)
        Spins; updated in place.
    n_meas, per_meas : int
        Measurements, and cluster updates before each.
    first_step : int
        Counter of the first cluster update.
    beta, J : float
        Inverse temperature and coupling.
    seed, stream : int
        Philox key.
    stack : ndarray of int64, shape (N,)
        Work space.
    snapshots : ndarray of int8, shape (n_meas or 0, 2, L, L // 2)
        Filled with a copy of the lattice at each measurement (length 0: no copies).

    Returns
    -------
    (ndarray, ndarray, int)
        Bond sums, magnetization sums (int64, shape (n_meas,)) and spins flipped.
    """
    bonds = np.zeros(n_meas, dtype=np.int64)
    mags = np.zeros(n_meas, dtype=np.int64)
    flipped = _wolff_sample(
        cb.reshape(-1),
        cb,
        cb.shape[1],
        cb.shape[2],
        1 if J > 0 else -1,
        bond_threshold(beta, J),
        n_meas,
        per_meas,
        first_step,
        seed,
        stream,
        stack,
        bonds,
        mags,
        snapshots,
    )
    return bonds, mags, int(flipped)


def wolff_updates(
    cb: np.ndarray,
    first_step: int,
    beta: float,
    J: float,
    seed: int,
    stream: int,
    stack: np.ndarray,
    max_updates: int,
    min_flips: int | None = None,
) -> tuple[int, int]:
    """Single-cluster Wolff updates in place.

    Runs ``max_updates`` updates, or fewer if ``min_flips`` is given and that many spins
    have flipped first. Measurements must be taken after a *fixed* number of updates:
    stopping when a flip count is reached is a trajectory-dependent time, fine for
    thermalization but biased for sampling.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)
        Spins in the checkerboard layout; updated in place.
    first_step : int
        Counter of the first cluster update.
    beta, J : float
        Inverse temperature and coupling (h must be 0).
    seed, stream : int
        Philox key.
    stack : ndarray of int64, shape (N,)
        Work space.
    max_updates : int
        Most updates to run.
    min_flips : int, optional
        Stop as soon as this many spins have flipped.

    Returns
    -------
    (int, int)
        Cluster updates done and spins flipped.
    """
    L, H = cb.shape[1], cb.shape[2]
    done, flipped = _wolff_run(
        cb.reshape(-1),
        L,
        H,
        1 if J > 0 else -1,
        bond_threshold(beta, J),
        max_updates,
        np.iinfo(np.int64).max if min_flips is None else min_flips,
        first_step,
        seed,
        stream,
        stack,
    )
    return int(done), int(flipped)


@numba.njit(inline="always")
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(inline="always")
def _sw_update(flat, L, H, n, half, sign_j, threshold, step, seed, stream, parent):
    """One Swendsen–Wang update; returns the number of clusters."""
    n_clusters_total = 0
    for x in range(n):
        parent[x] = x
    for x in range(half):  # black sites: every bond once
        sx = np.int64(flat[x])
        r = philox_block(x, step, TAG_SWENDSEN_WANG, seed, stream)
        nbrs = neighbours(x, L, H)
        for d in range(4):
            y = nbrs[d]
            if sign_j * sx * np.int64(flat[y]) > 0 and np.int64(r[d]) < threshold:
                a = _find(parent, x)
                b = _find(parent, y)
                if a < b:
                    parent[b] = a
                elif b < a:
                    parent[a] = b
    # Point every site straight at its root (roots are the smallest indices).
    for x in range(n):
        parent[x] = _find(parent, x)
    # Roots draw their flip; a flipped root stores -1 - root.
    for x in range(n):
        if parent[x] == x:
            n_clusters_total += 1
            q, _, _, _ = philox_block(x, step, TAG_SWENDSEN_WANG + 1, seed, stream)
            if q & _ONE:
                parent[x] = -1 - x
    for x in range(n):
        root = parent[x]
        if root < 0 or parent[root] < 0:
            flat[x] = -flat[x]
    return n_clusters_total


@numba.njit(cache=True, nogil=True)
def _sw_sample(
    flat,
    cb,
    L,
    H,
    sign_j,
    threshold,
    n_meas,
    per_meas,
    first_step,
    seed,
    stream,
    parent,
    bonds,
    mags,
    snaps,
):
    n = flat.shape[0]
    half = L * H
    step = first_step
    for m in range(n_meas):
        for _ in range(per_meas):
            _sw_update(flat, L, H, n, half, sign_j, threshold, step, seed, stream, parent)
            step += 1
        bonds[m] = bond_sum(cb)
        mags[m] = magnetization_sum(cb)
        if snaps.shape[0] > 0:
            snaps[m] = cb


def swendsen_wang_sample(
    cb: np.ndarray,
    n_meas: int,
    per_meas: int,
    first_step: int,
    beta: float,
    J: float,
    seed: int,
    stream: int,
    parent: np.ndarray,
    snapshots: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_meas`` times: ``per_meas`` Swendsen–Wang updates, then one measurement.

    Parameters
    ----------
    cb : ndarray of int8, shape (2, L, L // 2)
        Spins; updated in place.
    n_meas, per_meas : int
        Measurements, and updates before each.
    first_step : int
        Counter of the first update.
    beta, J : float
        Inverse temperature and coupling.
    seed, stream : int
        Philox key.
    parent : ndarray of int64, shape (N,)
        Work space.
    snapshots : ndarray of int8, shape (n_meas or 0, 2, L, L // 2)
        Filled with a copy of the lattice at each measurement (length 0: no copies).

    Returns
    -------
    (ndarray, ndarray)
        Bond sums and magnetization sums, int64, shape (n_meas,).
    """
    bonds = np.zeros(n_meas, dtype=np.int64)
    mags = np.zeros(n_meas, dtype=np.int64)
    _sw_sample(
        cb.reshape(-1),
        cb,
        cb.shape[1],
        cb.shape[2],
        1 if J > 0 else -1,
        bond_threshold(beta, J),
        n_meas,
        per_meas,
        first_step,
        seed,
        stream,
        parent,
        bonds,
        mags,
        snapshots,
    )
    return bonds, mags
