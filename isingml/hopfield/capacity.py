"""The storage capacity of the Hebbian Hopfield network, measured by experiment.

For ``p = alpha n`` random patterns the retrieval states exist up to the load
``alpha_c ~ 0.138`` (Amit, Gutfreund and Sompolinsky 1985): below it a probe started at
(or near) a pattern stays at an overlap of about 0.97 or more; above it the overlap drops
to a low, glassy value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isingml._progress import progress_bar
from isingml._resources import check_memory
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.hopfield.corruption import flip_units
from isingml.hopfield.network import HopfieldNetwork
from isingml.random import validate_seed

__all__ = ["AGS_CRITICAL_LOAD", "CapacityResult", "capacity_curve"]

#: Critical load of the Hebbian network for n -> infinity (Amit-Gutfreund-Sompolinsky).
AGS_CRITICAL_LOAD = 0.138


def recall_bytes(n: float, patterns: float, probes: float, max_sweeps: float) -> float:
    """An estimate of the peak memory of storing ``patterns`` random patterns of ``n``
    units by the Hebb rule and recalling ``probes`` probes (for up-front checks).

    Parameters
    ----------
    n, patterns, probes, max_sweeps : int or float
        Counts (floats where they may exceed the integers an array can hold).

    Returns
    -------
    int or float
        Bytes: four ``n x n`` float64 arrays (the weights, the Hebb product, its scaled
        copy and the tie tolerances' temporaries), the patterns in int8 and float64, and
        the probes' states, fields, energies and overlaps.
    """
    weights = 4 * 8 * n * n
    stored = patterns * n * (1 + 8 + 8)
    recall = probes * (n * (1 + 8 + 8 + 8) + 8 * (max_sweeps + 1) + 8 * patterns)
    return weights + stored + recall


@dataclass
class CapacityResult:
    """Results of :func:`capacity_curve`, one entry per load (mean and standard error
    over trials)."""

    n_units: int
    trials: int
    corruption: float
    alphas: np.ndarray
    patterns: np.ndarray
    stable_fraction: np.ndarray
    stable_fraction_error: np.ndarray
    overlap: np.ndarray
    overlap_error: np.ndarray

    def critical_load(self, level: float = 0.9) -> float:
        """The load where the mean retrieval overlap first falls below ``level``
        (linear interpolation between measured loads; NaN if it never does)."""
        below = np.nonzero(self.overlap < level)[0]
        if below.size == 0:
            return float("nan")
        k = below[0]
        if k == 0:
            return float(self.alphas[0])
        a0, a1 = self.alphas[k - 1], self.alphas[k]
        m0, m1 = self.overlap[k - 1], self.overlap[k]
        return float(a0 + (m0 - level) * (a1 - a0) / (m0 - m1))

    def to_dict(self) -> dict:
        """Plain-Python form (for JSON)."""
        out = {}
        for key, value in vars(self).items():
            out[key] = value.tolist() if isinstance(value, np.ndarray) else value
        out["critical_load_0.9"] = self.critical_load()
        return out


def capacity_curve(
    n_units: int,
    alphas: np.ndarray,
    trials: int = 10,
    corruption: float = 0.0,
    probes: int | None = None,
    max_sweeps: int = 100,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> CapacityResult:
    """Stability and retrieval of random patterns stored by the Hebb rule, per load.

    For each load ``alpha`` and trial, ``p = round(alpha n)`` random +/-1 patterns are
    stored; the result gives the fraction of them that are fixed points, and the mean
    overlap with its pattern of the state that asynchronous dynamics reaches from the
    pattern with ``round(corruption n)`` units flipped.

    Parameters
    ----------
    n_units : int
        Network size n.
    alphas : array of float
        Loads p / n, > 0.
    trials : int
        Independent sets of patterns per load.
    corruption : float
        Fraction of units flipped in each probe, in [0, 0.5].
    probes : int, optional
        Patterns probed per trial (default: all of them).
    max_sweeps : int
        Sweep limit of each recall.
    seed : int
        Seed of patterns, corruption and update orders; trial ``t`` at ``p`` patterns
        draws from ``(seed, p, t)``, so a load gives the same numbers in any grid.
    threads : int, optional
        Threads for the recall kernel.
    progress : bool
        Show a progress bar.

    Returns
    -------
    CapacityResult
    """
    n = check_int("n_units", n_units, minimum=2)
    a = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if a.size == 0 or not np.isfinite(a).all() or (a <= 0).any():
        raise InputError(f"alphas must be finite loads > 0, got {alphas!r}")
    trials = check_int("trials", trials, minimum=1)
    if not (0.0 <= float(corruption) <= 0.5):
        raise InputError(f"corruption must be a fraction in [0, 0.5], got {corruption}")
    if probes is not None:
        probes = check_int("probes", probes, minimum=1)
    seed = validate_seed(seed)
    max_sweeps = check_int("max_sweeps", max_sweeps, minimum=1)
    flips = round(float(corruption) * n)
    p_values = np.maximum(1, np.round(a * n))
    p_max = float(p_values.max())  # checked before any conversion to integers
    check_memory(
        f"a Hopfield network of {n} units storing up to {p_max:.6g} patterns",
        recall_bytes(n, p_max, min(probes or p_max, p_max), max_sweeps) + 16 * a.size * trials,
    )
    p_values = p_values.astype(np.int64)
    stable = np.zeros((a.size, trials))
    overlap = np.zeros((a.size, trials))
    with progress_bar(total=a.size * trials, progress=progress, unit="trial") as bar:
        for i, p in enumerate(p_values):
            for t in range(trials):
                rng = np.random.default_rng([seed, p, t])  # the same load, the same patterns
                patterns = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
                net = HopfieldNetwork().fit(patterns)
                stable[i, t] = net.stored_patterns_stable().mean()
                probed = patterns[: probes or p]
                start = flip_units(probed, flips, seed=int(rng.integers(2**32)))
                result = net.run(
                    start, max_sweeps=max_sweeps, seed=int(rng.integers(2**32)), threads=threads
                )
                overlap[i, t] = np.mean(np.sum(result.states * probed, axis=1) / n)
                bar.update()

    def error(x: np.ndarray) -> np.ndarray:
        if trials < 2:
            return np.full(a.size, np.nan)
        return x.std(axis=1, ddof=1) / np.sqrt(trials)

    return CapacityResult(
        n_units=n,
        trials=trials,
        corruption=float(corruption),
        alphas=a,
        patterns=p_values,
        stable_fraction=stable.mean(axis=1),
        stable_fraction_error=error(stable),
        overlap=overlap.mean(axis=1),
        overlap_error=error(overlap),
    )
