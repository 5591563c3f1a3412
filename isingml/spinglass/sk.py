"""The Sherrington-Kirkpatrick model's approach to Parisi's ground-state energy.

:func:`sk_energy_scaling` runs parallel tempering down to a low temperature for a series
of sizes ``n``, on a ladder tuned for each, and records per size the disorder average of
the lowest energy found (a ground-state estimate) and of the thermal energy at the lowest
temperature. Finite-size corrections go as ``n^(-2/3)`` (Boettcher 2005; Aspelmeier,
Billoire, Marinari and Moore 2008), so a straight-line fit of ``e_n`` against ``n^(-2/3)``
extrapolates to the infinite system, to compare with Parisi's ``-0.7633``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isingml._validation import check_int
from isingml.errors import InputError
from isingml.spinglass.ladder import tune_ladder
from isingml.spinglass.models import SherringtonKirkpatrick
from isingml.spinglass.tempering import TemperingResult, parallel_tempering
from isingml.stats import Stats

__all__ = ["SKScaling", "fit_finite_size", "sk_energy_scaling"]


def fit_finite_size(sizes: np.ndarray, values: list[Stats], power: float = -2.0 / 3.0) -> tuple:
    """Weighted straight-line fit ``e_n = e_inf + a n^power``.

    Returns
    -------
    e_inf : Stats
        The intercept with its standard error.
    slope : float
    chi2 : float
        Chi-square of the fit (``len(sizes) - 2`` degrees of freedom).
    """
    x = np.asarray(sizes, dtype=np.float64) ** power
    y = np.array([v.mean for v in values])
    sigma = np.array([v.error for v in values])
    w = 1.0 / sigma**2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    coef = cov @ (A.T @ (w * y))
    chi2 = float(np.sum(w * (y - A @ coef) ** 2))
    e_inf = Stats(float(coef[0]), float(np.sqrt(cov[0, 0])), float("nan"), len(sizes))
    return e_inf, float(coef[1]), chi2


@dataclass(eq=False)
class SKScaling:
    """Low-temperature energies of the SK model against ``n``.

    Attributes
    ----------
    sizes : ndarray of int
    ground_state : list of Stats
        Disorder average of the lowest energy per spin found at each size.
    low_temperature : list of Stats
        Thermal energy per spin at the lowest temperature of the ladder.
    t_min : float
    extrapolation : Stats
        ``e_inf`` of the fit of ``ground_state`` against ``n^(-2/3)``.
    slope, chi2 : float
        Of that fit.
    results : list of TemperingResult
        The runs, one per size.
    """

    sizes: np.ndarray
    ground_state: list
    low_temperature: list
    t_min: float
    extrapolation: Stats
    slope: float
    chi2: float
    results: list

    PARISI = SherringtonKirkpatrick.PARISI_ENERGY

    def to_dict(self) -> dict:
        """JSON-ready summary (the runs reduced to ladders, acceptance and round trips)."""
        return {
            "sizes": self.sizes.tolist(),
            "ground_state": [s.to_dict() for s in self.ground_state],
            "low_temperature": [s.to_dict() for s in self.low_temperature],
            "t_min": self.t_min,
            "extrapolation": self.extrapolation.to_dict(),
            "slope": self.slope,
            "chi2": self.chi2,
            "parisi": self.PARISI,
            "runs": [_run_summary(r) for r in self.results],
        }


def _run_summary(r: TemperingResult) -> dict:
    return {
        "n": r.n,
        "samples": int(r.samples.size),
        "temperatures": r.temperatures.tolist(),
        "acceptance": r.acceptance.tolist(),
        "round_trips": r.round_trips,
        "round_trip_time": r.round_trip_time,
        "seconds": r.seconds,
    }


def sk_energy_scaling(
    sizes: tuple[int, ...] = (32, 64, 128, 256, 512),
    samples: int | tuple[int, ...] = (32, 16, 8, 4, 4),
    sweeps: int = 4000,
    t_min: float = 0.2,
    t_max: float = 1.5,
    target: float = 0.3,
    couplings: str = "gaussian",
    seed: int = 0,
    threads: int | None = None,
    progress: bool = True,
) -> SKScaling:
    """Ground-state and low-temperature energies of SK for several sizes, extrapolated.

    Parameters
    ----------
    sizes : tuple of int
        At least two sizes.
    samples : int or tuple of int
        Disorder samples per size (one number for all, or one per size).
    sweeps : int
        Production sweeps per run (as many again to thermalize).
    t_min, t_max : float
        Ladder ends; the ladder is tuned to exchange acceptance ``target``.
    target : float
    couplings : {"gaussian", "pm"}
    seed : int
    threads : int, optional
    progress : bool

    Returns
    -------
    SKScaling
    """
    sizes_arr = np.array([check_int("sizes", s, minimum=2) for s in sizes], dtype=np.int64)
    if sizes_arr.size < 2:
        raise InputError(f"sizes must hold at least two sizes, got {sizes!r}")
    if isinstance(samples, (int, np.integer)):
        counts = [int(samples)] * sizes_arr.size
    else:
        counts = list(samples)
        if len(counts) != sizes_arr.size:
            raise InputError(f"samples must be one number or one per size, got {samples!r}")
    counts = [check_int("samples", c, minimum=2) for c in counts]
    results, ground, low = [], [], []
    for n, count in zip(sizes_arr, counts, strict=True):
        model = SherringtonKirkpatrick(int(n), couplings)
        ladder = tune_ladder(
            model,
            t_min,
            t_max,
            target,
            sweeps=max(200, sweeps // 8),
            samples=2,
            iterations=2,
            seed=seed,
            threads=threads,
        ).temperatures
        r = parallel_tempering(
            model, ladder, sweeps, samples=count, seed=seed, threads=threads, progress=progress
        )
        results.append(r)
        ground.append(r.ground_state_energy)
        low.append(r.energy[0])
    e_inf, slope, chi2 = fit_finite_size(sizes_arr, ground)
    return SKScaling(sizes_arr, ground, low, float(t_min), e_inf, slope, chi2, results)
