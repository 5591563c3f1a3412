"""Disordered Ising models: Sherrington-Kirkpatrick, Edwards-Anderson, Hopfield couplings.

A model describes an *ensemble* of disorder samples. Sample ``k`` of a model under a
seed is always the same set of couplings, drawn from Philox4x32-10 with key
``(seed, k)`` and the tag :data:`isingml.random.TAG_SPIN_GLASS_DISORDER`, so a disorder
average over samples ``0 .. S-1`` is reproducible whatever the batching or the threads.

Every model has the energy ``H(s) = -sum_{i<j} J_ij s_i s_j`` of spins ``s_i = +/-1`` and
no field. Its couplings come either *dense* (a symmetric ``(n, n)`` matrix with a zero
diagonal: SK, Hopfield) or *sparse* (a neighbour table ``(n, z)`` and the couplings of those
bonds: Edwards-Anderson on a periodic square or cubic lattice).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from isingml._resources import check_memory
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.random import TAG_SPIN_GLASS_DISORDER, random_normal, random_uint32, validate_seed

__all__ = [
    "COUPLINGS",
    "Disorder",
    "EdwardsAnderson",
    "HopfieldGlass",
    "SherringtonKirkpatrick",
    "SpinGlassModel",
    "energy",
]

#: Coupling distributions: Gaussian (mean 0), +/-J with equal probability, or all +J (the
#: ferromagnet without disorder: the 2D Ising model, or the Curie-Weiss model for SK).
COUPLINGS = ("gaussian", "pm", "ferro")


@dataclass(frozen=True, eq=False)
class Disorder:
    """The couplings of one disorder sample.

    Attributes
    ----------
    dense : ndarray of float64, shape (n, n), or None
        Symmetric couplings with zero diagonal (dense models).
    neighbors : ndarray of int64, shape (n, z), or None
        Neighbour table (sparse models); ``neighbors[i, a]`` is the a-th neighbour of i.
    bonds : ndarray of float64, shape (n, z), or None
        ``bonds[i, a]`` couples ``i`` and ``neighbors[i, a]`` (each bond appears twice,
        once from each end).
    patterns : ndarray of int8, shape (p, n), or None
        The stored patterns, for Hopfield couplings.
    """

    dense: np.ndarray | None = None
    neighbors: np.ndarray | None = None
    bonds: np.ndarray | None = None
    patterns: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of spins."""
        return int((self.dense if self.dense is not None else self.neighbors).shape[0])


def energy(spins: np.ndarray, disorder: Disorder) -> np.ndarray:
    """Energy ``-sum_{i<j} J_ij s_i s_j`` of one or many configurations.

    Parameters
    ----------
    spins : array_like of +/-1, shape (..., n)
    disorder : Disorder

    Returns
    -------
    ndarray of float64, shape (...)
    """
    s = np.asarray(spins, dtype=np.float64)
    if s.shape[-1] != disorder.n:
        raise InputError(f"spins must have {disorder.n} spins in the last axis, got {s.shape}")
    if disorder.dense is not None:
        return -0.5 * np.einsum("...i,ij,...j->...", s, disorder.dense, s)
    field = (disorder.bonds * s[..., disorder.neighbors]).sum(axis=-1)
    return -0.5 * (s * field).sum(axis=-1)


class SpinGlassModel(ABC):
    """Base class: a disorder ensemble of ``n`` Ising spins.

    Subclasses set ``n``, ``name`` and ``dense`` and implement :meth:`disorder` and
    :meth:`to_dict`.
    """

    n: int
    name: str
    #: Whether the couplings are a dense matrix (else a neighbour table).
    dense: bool

    @abstractmethod
    def disorder(self, sample: int, seed: int = 0) -> Disorder:
        """The couplings of disorder sample ``sample`` under ``seed``."""

    @abstractmethod
    def to_dict(self) -> dict:
        """The model's parameters as a JSON-ready dictionary."""

    def disorder_bytes(self) -> int:
        """Peak bytes that drawing and holding one disorder sample takes (an estimate for
        up-front memory checks): the couplings and the temporaries that build them."""
        n = self.n
        return 4 * 8 * n * n if self.dense else 6 * 8 * n * 8

    def _key(self, sample: int, seed: int) -> tuple[int, int]:
        return validate_seed(seed), validate_seed(sample, "sample")


def _check_couplings(couplings: object) -> str:
    if couplings not in COUPLINGS:
        raise InputError(f"couplings must be one of {COUPLINGS}, got {couplings!r}")
    return str(couplings)


def _draws(kind: str, count: int, seed: int, sample: int) -> np.ndarray:
    # Gaussian N(0, 1), +/-1 with equal probability (the top bit of each output), or +1.
    if kind == "ferro":
        return np.ones(count)
    if kind == "gaussian":
        return random_normal(count, seed, sample, tag=TAG_SPIN_GLASS_DISORDER)
    bits = random_uint32(count, seed, sample, tag=TAG_SPIN_GLASS_DISORDER)
    return np.where(bits >> np.uint32(31), 1.0, -1.0)


class SherringtonKirkpatrick(SpinGlassModel):
    """The Sherrington-Kirkpatrick model: every pair coupled, ``J_ij`` of variance ``1/n``.

    ``H = -sum_{i<j} J_ij s_i s_j`` with ``J_ij ~ N(0, 1/n)`` (``"gaussian"``) or
    ``+/- 1/sqrt(n)`` (``"pm"``). The spin-glass transition is at ``T_c = 1``; above it
    the energy per spin is ``-1 / (2 T)`` and the overlap distribution is a peak at 0 of
    width ``~ 1/sqrt(n)``. The ground-state energy per spin tends to Parisi's ``-0.7633``
    as ``n -> infinity``, with corrections ``~ n^(-2/3)``. ``"ferro"`` gives the
    Curie-Weiss model instead, ``J_ij = 1/n`` (the mean-field ferromagnet, ``T_c = 1``).

    Parameters
    ----------
    n : int
        Number of spins (at least 2).
    couplings : {"gaussian", "pm", "ferro"}
    """

    dense = True
    #: Parisi's ground-state energy per spin of the infinite system.
    PARISI_ENERGY = -0.7633
    #: Critical temperature.
    T_C = 1.0

    def __init__(self, n: int, couplings: str = "gaussian") -> None:
        self.n = check_int("n", n, minimum=2)
        self.couplings = _check_couplings(couplings)
        self.name = "SK"

    def disorder(self, sample: int, seed: int = 0) -> Disorder:
        """Couplings of sample ``sample``: ``J[iu]`` in the row-major order of
        ``numpy.triu_indices(n, 1)`` from consecutive draws.

        Parameters
        ----------
        sample : int
            Disorder sample, in [0, 2**32).
        seed : int

        Returns
        -------
        Disorder
        """
        seed, sample = self._key(sample, seed)
        check_memory(f"{self!r}: the couplings of one sample", self.disorder_bytes())
        n = self.n
        iu = np.triu_indices(n, 1)
        J = np.zeros((n, n))
        scale = 1.0 / n if self.couplings == "ferro" else 1.0 / np.sqrt(n)
        J[iu] = _draws(self.couplings, iu[0].size, seed, sample) * scale
        J += J.T
        return Disorder(dense=J)

    def disorder_bytes(self) -> int:
        """The matrix, the two index arrays of its upper triangle, the draws and the
        transposed copy: about four ``n x n`` float64 arrays."""
        return 4 * 8 * self.n * self.n

    def to_dict(self) -> dict:
        """``{"model": "SK", "n": n, "couplings": ...}``."""
        return {"model": self.name, "n": self.n, "couplings": self.couplings}

    def __repr__(self) -> str:
        return f"SherringtonKirkpatrick({self.n}, couplings={self.couplings!r})"


class EdwardsAnderson(SpinGlassModel):
    """The Edwards-Anderson model on a periodic ``L^dim`` square or cubic lattice.

    ``H = -sum_<ij> J_ij s_i s_j`` over nearest-neighbour bonds, ``J_ij ~ N(0, 1)``
    (``"gaussian"``) or ``+/-1`` (``"pm"``). In 3D there is a spin-glass transition (about
    ``T_c = 1.1`` for +/-J, ``0.95`` for Gaussian couplings); in 2D ``T_c = 0``.

    Parameters
    ----------
    L : int
        Lattice side (at least 2).
    dim : {2, 3}
    couplings : {"gaussian", "pm"}

    Notes
    -----
    Site ``i = x_0 + L x_1 (+ L^2 x_2)``. Bond ``(i, d)`` joins ``i`` to its neighbour in
    the ``+d`` direction; its coupling is draw ``d * n + i`` of the sample. At ``L = 2``
    both neighbours in a direction are the same site, coupled by two distinct bonds.
    """

    dense = False

    def __init__(self, L: int, dim: int = 3, couplings: str = "pm") -> None:
        self.L = check_int("L", L, minimum=2)
        if dim not in (2, 3) or isinstance(dim, bool):
            raise InputError(f"dim must be 2 or 3, got {dim!r}")
        self.dim = int(dim)
        self.couplings = _check_couplings(couplings)
        self.n = self.L**self.dim
        self.name = f"EA{self.dim}D"
        check_memory(
            f"EdwardsAnderson(L={self.L}, dim={self.dim}): the neighbour table of {self.n} sites",
            self._table_bytes(),
        )
        self._neighbors = self._neighbor_table()

    def _table_bytes(self) -> int:
        # The table, the coordinates, a shifted copy and the index temporaries (int64).
        return 8 * self.n * (2 * self.dim + 3 * self.dim + 2)

    def _neighbor_table(self) -> np.ndarray:
        L, d, n = self.L, self.dim, self.n
        coords = np.stack(np.unravel_index(np.arange(n), (L,) * d, order="F"), axis=1)
        table = np.empty((n, 2 * d), dtype=np.int64)
        for axis in range(d):
            for a, shift in enumerate((1, -1)):
                c = coords.copy()
                c[:, axis] = (c[:, axis] + shift) % L
                table[:, 2 * axis + a] = np.ravel_multi_index(c.T, (L,) * d, order="F")
        return table

    def disorder(self, sample: int, seed: int = 0) -> Disorder:
        """Couplings of sample ``sample`` as a neighbour table.

        Parameters
        ----------
        sample : int
            Disorder sample, in [0, 2**32).
        seed : int

        Returns
        -------
        Disorder
        """
        seed, sample = self._key(sample, seed)
        n, d = self.n, self.dim
        draws = _draws(self.couplings, d * n, seed, sample).reshape(d, n)
        nbr = self._neighbors
        bonds = np.empty((n, 2 * d))
        for axis in range(d):
            bonds[:, 2 * axis] = draws[axis]  # i -> i + e_axis
            back = nbr[:, 2 * axis + 1]  # i - e_axis, whose + bond reaches i
            bonds[:, 2 * axis + 1] = draws[axis][back]
        return Disorder(neighbors=nbr, bonds=bonds)

    def disorder_bytes(self) -> int:
        """The draws and the bond table (float64, ``2 dim`` per site)."""
        return 8 * self.n * 3 * self.dim

    def to_dict(self) -> dict:
        """``{"model": "EA2D"/"EA3D", "L": L, "dim": dim, "n": n, "couplings": ...}``."""
        return {
            "model": self.name,
            "L": self.L,
            "dim": self.dim,
            "n": self.n,
            "couplings": self.couplings,
        }

    def __repr__(self) -> str:
        return f"EdwardsAnderson({self.L}, dim={self.dim}, couplings={self.couplings!r})"


class HopfieldGlass(SpinGlassModel):
    """Hopfield couplings of ``p`` random patterns as a disordered spin model.

    ``J = (1/n) xi^T xi`` with a zero diagonal (the Hebb rule), ``H = -sum_{i<j} J_ij s_i
    s_j``; the patterns ``xi`` (``p x n``, +/-1) are the disorder. Below the load
    ``alpha_c = 0.138`` the patterns are (near) minima; above it the retrieval states
    vanish and the low-temperature phase is a spin glass (Amit, Gutfreund, Sompolinsky).

    Parameters
    ----------
    n : int
        Number of neurons.
    patterns : int
        Number of stored patterns ``p = alpha n``.
    """

    dense = True

    def __init__(self, n: int, patterns: int) -> None:
        self.n = check_int("n", n, minimum=2)
        self.p = check_int("patterns", patterns, minimum=1)
        self.name = "Hopfield"

    @property
    def alpha(self) -> float:
        """The load ``p / n``."""
        return self.p / self.n

    def disorder(self, sample: int, seed: int = 0) -> Disorder:
        """Patterns of sample ``sample`` (one Philox bit per entry) and their couplings."""
        seed, sample = self._key(sample, seed)
        check_memory(f"{self!r}: the patterns and couplings of one sample", self.disorder_bytes())
        bits = random_uint32(self.p * self.n, seed, sample, tag=TAG_SPIN_GLASS_DISORDER)
        xi = np.where(bits >> np.uint32(31), 1, -1).astype(np.int8).reshape(self.p, self.n)
        x = xi.astype(np.float64)
        J = x.T @ x / self.n
        np.fill_diagonal(J, 0.0)
        return Disorder(dense=J, patterns=xi)

    def disorder_bytes(self) -> int:
        """The pattern bits, the patterns in int8 and float64, and the coupling matrix."""
        return 13 * self.p * self.n + 8 * self.n * self.n

    def to_dict(self) -> dict:
        """``{"model": "Hopfield", "n": n, "patterns": p, "alpha": p / n}``."""
        return {"model": self.name, "n": self.n, "patterns": self.p, "alpha": self.alpha}

    def __repr__(self) -> str:
        return f"HopfieldGlass({self.n}, patterns={self.p})"
