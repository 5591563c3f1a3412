"""Slow, obviously correct reference implementations used by the tests.

Everything here favours readability over speed: plain loops over lattice sites, no
checkerboard layout, no clever algebra. The functions are independent of each other (apart
from the obvious reuse) and of the library, so that a test can compare a fast kernel of
:mod:`isingml` with a reference whose correctness can be checked by eye.

Conventions match the library: the ``L x L`` lattice is periodic in both directions, the
energy is ``E = -J sum_<ij> s_i s_j - h sum_i s_i`` with every bond counted once (each site
owns its bond to the right and its bond below, ``2 L**2`` bonds in all, even for ``L = 2``
where a neighbour pair is then joined twice), ``m = (1/N) sum_i s_i`` and ``k_B = 1``.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

__all__ = [
    "checkerboard_sweep_naive",
    "energy_naive",
    "enumerate_states",
    "exact_by_enumeration",
    "magnetization_naive",
    "philox4x32_naive",
]


def enumerate_states(L: int) -> np.ndarray:
    """Every spin configuration of an ``L x L`` lattice.

    Parameters
    ----------
    L : int
        Lattice side; there are ``2**(L*L)`` configurations, so keep ``L <= 4``.

    Returns
    -------
    ndarray of int8, shape (2**(L*L), L, L)
        Entries are +1 or -1; every configuration appears exactly once.
    """
    n_sites = L * L
    states = np.array(list(itertools.product((1, -1), repeat=n_sites)), dtype=np.int8)
    return states.reshape(-1, L, L)


def energy_naive(spins: np.ndarray, J: float = 1.0, h: float = 0.0) -> np.ndarray | float:
    """Total energy ``-J sum_<ij> s_i s_j - h sum_i s_i`` with periodic boundaries.

    Loops over the sites; each site contributes its bond to the right neighbour and its
    bond to the neighbour below, so every bond is counted once.

    Parameters
    ----------
    spins : ndarray, shape (L, L) or (n, L, L)
        One configuration, or a stack of them (the loop over sites is then applied to the
        whole stack at once).
    J : float
        Coupling.
    h : float
        External field.

    Returns
    -------
    float or ndarray of shape (n,)
        The total energy of each configuration.
    """
    s = np.asarray(spins, dtype=np.float64)
    L = s.shape[-1]
    energy = np.zeros(s.shape[:-2])
    for i in range(L):
        for j in range(L):
            right = s[..., i, (j + 1) % L]
            down = s[..., (i + 1) % L, j]
            energy -= J * s[..., i, j] * (right + down)
            energy -= h * s[..., i, j]
    return float(energy) if energy.ndim == 0 else energy


def magnetization_naive(spins: np.ndarray) -> np.ndarray | float:
    """Magnetization per spin ``m = (1/N) sum_i s_i``.

    Parameters
    ----------
    spins : ndarray, shape (L, L) or (n, L, L)

    Returns
    -------
    float or ndarray of shape (n,)
    """
    s = np.asarray(spins, dtype=np.float64)
    m = s.sum(axis=(-2, -1)) / (s.shape[-1] * s.shape[-2])
    return float(m) if m.ndim == 0 else m


@functools.lru_cache(maxsize=16)
def _energies_and_magnetizations(L: int, J: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    states = enumerate_states(L)
    return energy_naive(states, J, h), magnetization_naive(states)


def exact_by_enumeration(L: int, T: float, J: float = 1.0, h: float = 0.0) -> dict[str, float]:
    """Thermal averages of the ``L x L`` lattice from the full sum over states.

    Parameters
    ----------
    L : int
        Lattice side (``L <= 4``).
    T : float
        Temperature.
    J : float
        Coupling.
    h : float
        External field.

    Returns
    -------
    dict
        ``log_Z``: ``ln Z``; ``Z``; ``free_energy``: ``-T ln Z / N``; ``energy``: ``<E>/N``;
        ``heat_capacity``: ``(<E^2> - <E>^2) / (N T^2)``; ``abs_magnetization``: ``<|m|>``;
        ``m2``: ``<m^2>``; ``m4``: ``<m^4>``; ``susceptibility``:
        ``N (<m^2> - <|m|>^2) / T``; ``binder``: ``1 - <m^4> / (3 <m^2>^2)``.
        Variances are computed about the mean (not as ``<x^2> - <x>^2``) so that tiny
        values at low temperature keep their relative accuracy.
    """
    n_sites = L * L
    energies, mags = _energies_and_magnetizations(L, float(J), float(h))
    beta = 1.0 / T
    # shift by the ground-state energy so that the Boltzmann factors cannot overflow
    e_min = energies.min()
    weights = np.exp(-beta * (energies - e_min))
    z_shifted = weights.sum()
    p = weights / z_shifted
    log_z = math.log(z_shifted) - beta * e_min

    mean_e = np.sum(p * energies)
    var_e = np.sum(p * (energies - mean_e) ** 2)
    mean_abs_m = np.sum(p * np.abs(mags))
    m2 = np.sum(p * mags**2)
    m4 = np.sum(p * mags**4)
    var_abs_m = np.sum(p * (np.abs(mags) - mean_abs_m) ** 2)
    return {
        "log_Z": log_z,
        "Z": math.exp(log_z) if log_z < 700 else math.inf,
        "free_energy": -T * log_z / n_sites,
        "energy": mean_e / n_sites,
        "heat_capacity": beta**2 * var_e / n_sites,
        "abs_magnetization": mean_abs_m,
        "m2": m2,
        "m4": m4,
        "susceptibility": beta * n_sites * var_abs_m,
        "binder": 1.0 - m4 / (3.0 * m2**2),
    }


def philox4x32_naive(counter: tuple[int, int, int, int], key: tuple[int, int]) -> list[int]:
    """Philox4x32-10 with Python integers, straight from the Random123 definition."""
    m0, m1 = 0xD2511F53, 0xCD9E8D57
    w0, w1 = 0x9E3779B9, 0xBB67AE85
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for r in range(10):
        if r > 0:
            k0 = (k0 + w0) % 2**32
            k1 = (k1 + w1) % 2**32
        p0 = m0 * c0
        p1 = m1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 % 2**32, (p0 >> 32) ^ c3 ^ k1, p0 % 2**32
    return [c0, c1, c2, c3]


def checkerboard_sweep_naive(
    spins: np.ndarray,
    beta: float,
    J: float,
    h: float,
    step: int,
    seed: int,
    stream: int,
    rule: str = "metropolis",
) -> np.ndarray:
    """One checkerboard sweep on the plain ``(L, L)`` lattice, site by site.

    Uses the random-number map documented in :mod:`isingml.ising.metropolis`: site
    ``(i, j)`` of colour ``c = (i + j) % 2`` has ``k = j // 2``; with ``B = ceil(L / 8)``
    blocks per half-row it takes output ``k % 4`` of the Philox block with counter
    ``(i * B + k // 4, step_lo, step_hi, 0x10 + c)`` under key ``(seed, stream)``, and flips
    when that output is below ``floor(p * 2**32)``.
    """
    s = spins.astype(np.int64).copy()
    L = s.shape[0]
    H = L // 2
    B = (H + 3) // 4
    for c in (0, 1):
        for i in range(L):
            for j in range(L):
                if (i + j) % 2 != c:
                    continue
                k = j // 2
                r = philox4x32_naive(
                    (i * B + k // 4, step % 2**32, step >> 32, 0x10 + c), (seed, stream)
                )[k % 4]
                n = s[(i - 1) % L, j] + s[(i + 1) % L, j] + s[i, (j - 1) % L] + s[i, (j + 1) % L]
                dE = 2.0 * s[i, j] * (J * n + h)
                if rule == "metropolis":
                    p = min(1.0, math.exp(-beta * dE))
                else:
                    p = 1.0 / (1.0 + math.exp(beta * dE))
                if r < math.floor(p * 2**32):
                    s[i, j] = -s[i, j]
    return s.astype(np.int8)


def hopfield_async_naive(w, b, s, max_sweeps, seed, stream, T=0.0, tol_rel=1e-10):
    """Asynchronous / Glauber Hopfield dynamics of one probe, unit by unit, fields afresh.

    Follows the documented scheme of :mod:`isingml.hopfield.dynamics`: per sweep ``t`` a
    Fisher-Yates shuffle whose step ``i`` (from ``n - 1`` down to 1) swaps with
    ``j = (r_i * (i + 1)) >> 32``, ``r_i`` being output ``i % 4`` of the Philox block with
    counter ``(i // 4, t, 0, 0x50)`` under key ``(seed, stream)``; Glauber draws use tag
    ``0x51`` and position ``t`` in the order. A unit becomes +1 when its field minus its
    threshold is ``>= -tol`` with ``tol = tol_rel (sum_j |W_ij| + |b_i|)``.
    """
    n = s.size
    s = s.astype(np.int64).copy()
    tol = tol_rel * (np.abs(w).sum(axis=1) + np.abs(b))

    def draws(sweep, tag):
        return [
            philox4x32_naive((blk, sweep, 0, tag), (seed, stream))[k]
            for blk in range((n + 3) // 4)
            for k in range(4)
        ]

    sweeps = 0
    for sweep in range(max_sweeps):
        r = draws(sweep, 0x50)
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = (r[i] * (i + 1)) >> 32
            order[i], order[j] = order[j], order[i]
        u = draws(sweep, 0x51) if T > 0 else None
        flips = 0
        for t, i in enumerate(order):
            d = float(sum(w[i, j] * s[j] for j in range(n))) - b[i]
            if T > 0:
                new = 1 if u[t] * 2.0**-32 < 1.0 / (1.0 + math.exp(-2.0 * d / T)) else -1
            else:
                new = 1 if d >= -tol[i] else -1
            if new != s[i]:
                s[i] = new
                flips += 1
        sweeps = sweep + 1
        if T == 0 and flips == 0:
            break
    return s.astype(np.int8), sweeps


def storkey_naive(patterns):
    """The Storkey rule written out with explicit sums (h_ij excludes k = i and k = j)."""
    n = patterns.shape[1]
    w = np.zeros((n, n))
    for xi in patterns.astype(float):
        new = w.copy()
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                h_ij = sum(w[i, k] * xi[k] for k in range(n) if k not in (i, j))
                h_ji = sum(w[j, k] * xi[k] for k in range(n) if k not in (i, j))
                new[i, j] += (xi[i] * xi[j] - xi[i] * h_ji - h_ij * xi[j]) / n
        w = new
    return w


def multispin_sweep_naive(
    spins: np.ndarray,
    beta: float,
    J: float,
    h: float,
    step: int,
    seed: int,
    stream: int,
    rule: str = "metropolis",
) -> np.ndarray:
    """One multi-spin-coded sweep on the plain ``(L, L)`` lattice, site by site.

    The random-number map documented in :mod:`isingml.ising.multispin`: site ``(i, j)`` of
    colour ``c = (i + j) % 2`` is lane ``k % 64`` of word ``k // 64`` (``k = j // 2``, ``W =
    ceil(L / 128)`` words per half-row); its uniform 32-bit ``u`` has bit ``31 - p`` equal to
    that lane's bit of plane ``p``, the 64-bit word made of outputs 0 and 1 (even ``p``) or 2
    and 3 (odd ``p``) of the Philox block with counter ``((i * W + k // 64) * 16 + p // 2,
    step_lo, step_hi, 0x70 + c)``. All 32 bits are drawn here; the spin flips when ``u`` is
    below ``floor(prob * 2**32)``.
    """
    s = spins.astype(np.int64).copy()
    L = s.shape[0]
    H = L // 2
    W = (H + 63) // 64
    for c in (0, 1):
        planes = {}
        for i in range(L):
            for j in range(L):
                if (i + j) % 2 != c:
                    continue
                k = j // 2
                w, lane = divmod(k, 64)
                if (i, w) not in planes:
                    words = []
                    for call in range(16):
                        o = philox4x32_naive(
                            ((i * W + w) * 16 + call, step % 2**32, step >> 32, 0x70 + c),
                            (seed, stream),
                        )
                        words += [o[0] | (o[1] << 32), o[2] | (o[3] << 32)]
                    planes[i, w] = words
                u = 0
                for p, word in enumerate(planes[i, w]):
                    u |= ((word >> lane) & 1) << (31 - p)
                n = s[(i - 1) % L, j] + s[(i + 1) % L, j] + s[i, (j - 1) % L] + s[i, (j + 1) % L]
                dE = 2.0 * s[i, j] * (J * n + h)
                if rule == "metropolis":
                    prob = min(1.0, math.exp(-beta * dE))
                else:
                    prob = 1.0 / (1.0 + math.exp(beta * dE))
                if u < math.floor(prob * 2**32):
                    s[i, j] = -s[i, j]
    return s.astype(np.int8)
