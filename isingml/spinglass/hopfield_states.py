"""Where a Hopfield network's zero-temperature dynamics ends, below and beyond capacity.

Below the load ``alpha_c = 0.138`` (Amit, Gutfreund and Sompolinsky 1985) a probe started
at a stored pattern stays near it (overlap ``m ~ 0.97`` or more). Beyond it the retrieval
states are gone: the network is a spin glass whose many minima are *spurious*, either
mixtures (several patterns at once; the symmetric three-pattern mixture has overlaps
``1/2, 1/2, 1/2``) or glassy states correlated with no pattern more than a little.

:func:`hopfield_state_census` stores ``p = alpha n`` random patterns (the disorder of
:class:`~isingml.spinglass.HopfieldGlass`), runs asynchronous ``T = 0`` dynamics from the
patterns, from symmetric three-pattern mixtures and from random states, and classifies
every end state by its overlaps ``m_mu = (1/n) sum_i xi^mu_i s_i``:

* **retrieval**: the largest ``|m_mu|`` is at least ``retrieval`` (0.8);
* **mixture**: otherwise, at least two ``|m_mu|`` reach ``significant`` (0.25; a random
  state's largest overlap with ``p`` patterns is about ``sqrt(2 ln(2 p) / n)``, 0.11 at
  ``n = 1000, p = 200``);
* **glassy**: neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isingml._progress import progress_bar
from isingml._resources import check_memory
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.hopfield import HopfieldNetwork
from isingml.hopfield.capacity import recall_bytes
from isingml.random import TAG_SPIN_GLASS, random_uint32, validate_seed
from isingml.spinglass.models import HopfieldGlass

__all__ = ["CLASSES", "STARTS", "HopfieldCensus", "classify_overlaps", "hopfield_state_census"]

#: Where the dynamics starts.
STARTS = ("pattern", "mixture", "random")
#: End-state classes.
CLASSES = ("retrieval", "mixture", "glassy")


def classify_overlaps(
    overlaps: np.ndarray, retrieval: float = 0.8, significant: float = 0.25
) -> np.ndarray:
    """Class index (0 retrieval, 1 mixture, 2 glassy) of each row of overlaps ``(k, p)``."""
    m = np.sort(np.abs(np.atleast_2d(overlaps)), axis=1)[:, ::-1]
    second = m[:, 1] if m.shape[1] > 1 else np.zeros(m.shape[0])
    return np.where(m[:, 0] >= retrieval, 0, np.where(second >= significant, 1, 2))


@dataclass(eq=False)
class HopfieldCensus:
    """End states of zero-temperature Hopfield dynamics against the load.

    Attributes
    ----------
    n : int
    alphas : ndarray, shape (A,)
        Loads ``p / n`` (``p`` rounded to an integer, at least 3).
    patterns : ndarray of int, shape (A,)
    fractions : ndarray, shape (A, 3 starts, 3 classes)
        Fraction of end states in each class, per start.
    max_overlap : ndarray, shape (A, 3 starts)
        Mean of the largest ``|m_mu|`` of the end states.
    second_overlap : ndarray, shape (A, 3 starts)
        Mean of the second largest.
    start_overlap : ndarray, shape (A,)
        Mean final overlap with the pattern a ``"pattern"`` probe started from.
    overlaps : list of ndarray
        Per load: the sorted ``|m|`` of every end state, shape (3 starts, k, p).
    """

    n: int
    alphas: np.ndarray
    patterns: np.ndarray
    fractions: np.ndarray
    max_overlap: np.ndarray
    second_overlap: np.ndarray
    start_overlap: np.ndarray
    overlaps: list
    retrieval: float
    significant: float

    def to_dict(self) -> dict:
        """JSON-ready dictionary (without the raw overlaps)."""
        return {
            "n": self.n,
            "alphas": self.alphas.tolist(),
            "patterns": self.patterns.tolist(),
            "starts": list(STARTS),
            "classes": list(CLASSES),
            "fractions": self.fractions.tolist(),
            "max_overlap": self.max_overlap.tolist(),
            "second_overlap": self.second_overlap.tolist(),
            "start_overlap": self.start_overlap.tolist(),
            "retrieval": self.retrieval,
            "significant": self.significant,
        }


def _probes(xi: np.ndarray, count: int, seed: int, trial: int) -> np.ndarray:
    p, n = xi.shape
    k = min(count, p)
    starts = xi[:k].astype(np.int8)
    rows = [(a % p, (a + 1) % p, (a + 2) % p) for a in range(count)]
    mix = np.stack([np.sign(xi[list(r)].sum(axis=0)) for r in rows]).astype(np.int8)
    bits = random_uint32(count * n, seed, trial, tag=TAG_SPIN_GLASS + 2).reshape(count, n)
    rand = np.where(bits >> np.uint32(31), 1, -1).astype(np.int8)
    return np.concatenate([starts, mix, rand]), k


def hopfield_state_census(
    n: int = 1000,
    alphas: object = (0.05, 0.1, 0.14, 0.2, 0.3),
    trials: int = 4,
    probes: int = 10,
    retrieval: float = 0.8,
    significant: float = 0.25,
    max_sweeps: int = 200,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = True,
) -> HopfieldCensus:
    """Classify the end states of ``T = 0`` dynamics from patterns, mixtures and random states.

    Parameters
    ----------
    n : int
        Neurons.
    alphas : sequence of float
        Loads ``p / n``.
    trials : int
        Pattern sets (disorder samples) per load.
    probes : int
        Probes of each kind per trial (pattern probes: at most ``p``).
    retrieval, significant : float
        Class thresholds (see the module notes), ``0 < significant < retrieval <= 1``.
    max_sweeps : int
        Sweep limit of the asynchronous dynamics.
    seed : int
        Seed of the patterns, the random probes and the update order.
    threads : int, optional
    progress : bool

    Returns
    -------
    HopfieldCensus
    """
    n = check_int("n", n, minimum=8)
    a = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if a.ndim != 1 or a.size == 0 or np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise InputError(f"alphas must be positive numbers, got {alphas!r}")
    trials = check_int("trials", trials, minimum=1)
    probes = check_int("probes", probes, minimum=1)
    if not 0 < significant < retrieval <= 1:
        raise InputError(
            f"need 0 < significant < retrieval <= 1, got significant={significant!r}, "
            f"retrieval={retrieval!r}"
        )
    seed = validate_seed(seed)
    max_sweeps = check_int("max_sweeps", max_sweeps, minimum=1)
    ps = np.maximum(3, np.rint(a * n))
    p_max = float(ps.max())  # checked before any conversion to integers
    check_memory(
        f"a Hopfield census of {n} units storing up to {p_max:.6g} patterns",
        recall_bytes(n, p_max, 3 * probes, max_sweeps) + 13 * p_max * n + 8 * n * n,
    )
    ps = ps.astype(np.int64)
    fractions = np.zeros((a.size, 3, 3))
    max_m = np.zeros((a.size, 3))
    second_m = np.zeros((a.size, 3))
    start_m = np.zeros(a.size)
    kept = []
    for ia in progress_bar(range(a.size), progress=progress, unit="load"):
        model = HopfieldGlass(n, int(ps[ia]))
        per_start: list[list[np.ndarray]] = [[], [], []]
        own = []
        for trial in range(trials):
            xi = model.disorder(trial, seed).patterns
            net = HopfieldNetwork().fit(xi)
            states, k = _probes(xi, probes, seed, trial)
            order_seed = (seed + trial) % 2**32  # the update order of this pattern set
            result = net.run(states, max_sweeps=max_sweeps, seed=order_seed, threads=threads)
            m = result.overlaps
            own.append(m[np.arange(k), np.arange(k)])
            per_start[0].append(m[:k])
            per_start[1].append(m[k : k + probes])
            per_start[2].append(m[k + probes :])
        sorted_m = []
        for s in range(3):
            m = np.concatenate(per_start[s])
            cls = classify_overlaps(m, retrieval, significant)
            fractions[ia, s] = np.bincount(cls, minlength=3) / cls.size
            srt = np.sort(np.abs(m), axis=1)[:, ::-1]
            max_m[ia, s] = srt[:, 0].mean()
            second_m[ia, s] = srt[:, 1].mean()
            sorted_m.append(srt)
        start_m[ia] = np.concatenate(own).mean()
        kept.append(sorted_m)
    return HopfieldCensus(
        n,
        ps / n,
        ps,
        fractions,
        max_m,
        second_m,
        start_m,
        kept,
        float(retrieval),
        float(significant),
    )
