"""Exact thermodynamics of one small disorder sample by enumerating all ``2^n`` states.

The reference that parallel tempering is tested against: energies of every configuration
(a Gray-code walk, one spin flip per state), Boltzmann averages at any temperature, and
the exact overlap distribution of two independent replicas,
``P(q) = sum_{s, t} p(s) p(t) delta(q - s.t / n)``, computed as the XOR autocorrelation
of ``p`` by a fast Walsh-Hadamard transform (``O(n 2^n)`` rather than ``4^n``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from isingml._validation import check_int
from isingml.errors import InputError, InputTypeError
from isingml.spinglass.models import Disorder
from isingml.spinglass.tempering import check_temperatures

__all__ = [
    "MAX_SPINS",
    "ExactSpinGlass",
    "dense_couplings",
    "enumerate_energies",
    "exact_spin_glass",
]

#: Largest system enumerated (2^24 states, about 0.5 GiB of work arrays).
MAX_SPINS = 24


def dense_couplings(disorder: Disorder) -> np.ndarray:
    """The ``(n, n)`` coupling matrix of a disorder sample (sparse bonds summed)."""
    if disorder.dense is not None:
        return np.array(disorder.dense, dtype=np.float64)
    n = disorder.n
    J = np.zeros((n, n))
    rows = np.repeat(np.arange(n), disorder.neighbors.shape[1])
    np.add.at(J, (rows, disorder.neighbors.ravel()), disorder.bonds.ravel())
    return J


@numba.njit(cache=True)
def _gray_energies(J, out):
    # State x has spin i = -1 where bit i of x is set. Walk the Gray code g(k) = k ^ (k >> 1),
    # flipping one spin per step and updating the local fields.
    n = J.shape[0]
    s = np.ones(n)
    h = J.sum(axis=1)
    e = -0.5 * np.sum(h)
    out[0] = e
    x = 0
    for k in range(1, out.shape[0]):
        i = 0
        while not (k >> i) & 1:
            i += 1
        e += 2.0 * s[i] * h[i]
        s[i] = -s[i]
        for j in range(n):
            h[j] += 2.0 * s[i] * J[j, i]
        x ^= 1 << i
        out[x] = e


def enumerate_energies(disorder: Disorder) -> np.ndarray:
    """Energy of every configuration; state ``x`` has ``s_i = -1`` where bit ``i`` is set.

    Parameters
    ----------
    disorder : Disorder
        At most :data:`MAX_SPINS` spins.

    Returns
    -------
    ndarray of float64, shape (2**n,)
    """
    n = disorder.n
    if n > MAX_SPINS:
        raise InputError(f"enumeration is limited to n <= {MAX_SPINS} spins, got n={n}")
    out = np.empty(2**n)
    _gray_energies(dense_couplings(disorder), out)
    return out


def _walsh_hadamard(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    size = a.size
    h = 1
    while h < size:
        v = a.reshape(-1, 2, h)
        x = v[:, 0, :].copy()
        v[:, 0, :] += v[:, 1, :]
        v[:, 1, :] = x - v[:, 1, :]
        h *= 2
    return a


def _popcounts(n: int) -> np.ndarray:
    c = np.zeros(2**n, dtype=np.int64)
    for i in range(n):
        c[1 << i : 2 << i] = c[: 1 << i] + 1
    return c


@dataclass(frozen=True, eq=False)
class ExactSpinGlass:
    """Exact equilibrium of one disorder sample at each temperature.

    Attributes
    ----------
    n : int
    temperatures : ndarray, shape (K,)
    energy : ndarray, shape (K,)
        ``<e>``, the energy per spin.
    energy2 : ndarray, shape (K,)
        ``<e^2>``.
    specific_heat : ndarray, shape (K,)
        ``n beta^2 (<e^2> - <e>^2)``.
    overlap_probability : ndarray, shape (K, n + 1)
        Probability of the overlap ``q_j = (2 j - n) / n`` between two replicas.
    ground_state_energy : float
        Per spin.
    """

    n: int
    temperatures: np.ndarray
    energy: np.ndarray
    energy2: np.ndarray
    specific_heat: np.ndarray
    overlap_probability: np.ndarray
    ground_state_energy: float

    def overlap_values(self) -> np.ndarray:
        """``q_j = (2 j - n) / n``, ``j = 0 .. n``."""
        return (2.0 * np.arange(self.n + 1) - self.n) / self.n

    def moment(self, power: int) -> np.ndarray:
        """``<q^power>`` at each temperature."""
        return self.overlap_probability @ self.overlap_values() ** power

    @property
    def binder(self) -> np.ndarray:
        """``g = (3 - <q^4> / <q^2>^2) / 2``."""
        return 0.5 * (3.0 - self.moment(4) / self.moment(2) ** 2)


def exact_spin_glass(disorder: Disorder, temperatures: object) -> ExactSpinGlass:
    """Exact energy, specific heat and overlap distribution of one sample by enumeration.

    Parameters
    ----------
    disorder : Disorder
        A sample of at most :data:`MAX_SPINS` spins (``model.disorder(sample, seed)``).
    temperatures : sequence of float
        Ascending, positive.

    Returns
    -------
    ExactSpinGlass
    """
    if not isinstance(disorder, Disorder):
        raise InputTypeError(f"disorder must be a Disorder, got {disorder!r}")
    t = check_temperatures(temperatures)
    n = check_int("n", disorder.n, minimum=1)
    E = enumerate_energies(disorder)
    e0 = E.min()
    ones = _popcounts(n)
    j_of_d = n - ones  # overlap index j: q = (n - 2 popcount) / n = (2 j - n) / n
    K = t.size
    e = np.empty(K)
    e2 = np.empty(K)
    pq = np.zeros((K, n + 1))
    for k, T in enumerate(t):
        w = np.exp(-(E - e0) / T)
        p = w / w.sum()
        e[k] = p @ E / n
        e2[k] = p @ (E / n) ** 2
        wh = _walsh_hadamard(p)
        auto = _walsh_hadamard(wh * wh) / p.size
        pq[k] = np.bincount(j_of_d, weights=auto, minlength=n + 1)
    pq = np.clip(pq, 0.0, None)
    pq /= pq.sum(axis=1, keepdims=True)
    return ExactSpinGlass(
        n=n,
        temperatures=t,
        energy=e,
        energy2=e2,
        specific_heat=n * (e2 - e**2) / t**2,
        overlap_probability=pq,
        ground_state_energy=float(e0 / n),
    )
