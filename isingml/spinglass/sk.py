"""The Sherrington-Kirkpatrick model's approach to Parisi's ground-state energy.

:func:`sk_energy_scaling` runs parallel tempering down to a low temperature for a series
of sizes ``n``, on a ladder tuned for each, and records per size the disorder average of
the lowest energy found (a ground-state estimate) and of the thermal energy at the lowest
temperature. Finite-size corrections go as ``n^(-2/3)`` (Boettcher 2005; Aspelmeier,
Billoire, Marinari and Moore 2008), so a straight-line fit of ``e_n`` against ``n^(-2/3)``
extrapolates to the infinite system, to compare with Parisi's ``-0.7633``.

With a handful of disorder samples per size the error of each mean is dominated by the
sample-to-sample spread, which a few samples measure poorly; :func:`disorder_averages`
pools that spread over the sizes (it falls as a power of ``n``), and the fit's error grows
with its chi-square, so that the extrapolation does not claim more than the samples hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from isingml._resources import check_memory
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.spinglass.ladder import tune_ladder
from isingml.spinglass.models import SherringtonKirkpatrick
from isingml.spinglass.tempering import TemperingResult, _tempering_bytes, parallel_tempering
from isingml.stats import Stats

__all__ = [
    "SKScaling",
    "disorder_averages",
    "fit_finite_size",
    "pooled_spread",
    "sk_energy_scaling",
]


def fit_finite_size(sizes: np.ndarray, values: list[Stats], power: float = -2.0 / 3.0) -> tuple:
    """Weighted straight-line fit ``e_n = e_inf + a n^power``.

    With more sizes than parameters, the intercept's error is scaled by
    ``sqrt(chi2 / dof)`` when that exceeds 1 (the Birge ratio): a fit whose points scatter
    more than their errors allow says that those errors are too small, and the
    extrapolation may not be more precise than the scatter.

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
    dof = len(sizes) - 2
    birge = math.sqrt(max(1.0, chi2 / dof)) if dof > 0 else 1.0
    e_inf = Stats(float(coef[0]), birge * float(np.sqrt(cov[0, 0])), float("nan"), len(sizes))
    return e_inf, float(coef[1]), chi2


def _digamma(x: float) -> float:
    result = 0.0
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    return result + math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f / 252))


def _trigamma(x: float) -> float:
    result = 0.0
    while x < 10.0:
        result += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    return result + 1.0 / x + 0.5 * f + f / x * (1 / 6 - f * (1 / 30 - f / 42))


def pooled_spread(sizes: np.ndarray, samples: list[np.ndarray]) -> np.ndarray:
    """Sample-to-sample standard deviation at each size, pooled over the sizes.

    The spread of a disorder-averaged quantity falls as a power of ``n`` (the SK
    ground-state energy per spin: about ``0.5 n^(-3/4)``). With four samples a size's
    own standard deviation is uncertain by ~40%, and a size whose few samples happen to
    lie close together gets a small error and pulls the whole fit. Instead,
    ``ln s_n^2`` of every size, each corrected for the bias of the log of a sample
    variance with ``k_n - 1`` degrees of freedom (``psi(nu/2) - ln(nu/2)``) and weighted
    by the inverse of its variance (``psi'(nu/2)``), is fitted to ``ln A - 2 theta ln n``.

    Parameters
    ----------
    sizes : ndarray of int
    samples : list of ndarray
        The per-sample values at each size (at least two each).

    Returns
    -------
    ndarray
        The fitted ``A n^(-theta)`` per size; each size's own standard deviation where
        fewer than two sizes have a nonzero spread.
    """
    own = np.array([np.std(v, ddof=1) for v in samples])
    logn = np.log(np.asarray(sizes, dtype=np.float64))
    usable = own > 0.0
    if usable.sum() < 2:
        return own
    nu = np.array([len(v) - 1.0 for v in samples])
    y = np.array(
        [
            2.0 * math.log(o) - (_digamma(k / 2) - math.log(k / 2)) if o > 0 else 0.0
            for o, k in zip(own, nu, strict=True)
        ]
    )
    w = np.array([1.0 / _trigamma(k / 2) for k in nu]) * usable
    A = np.stack([np.ones_like(logn), logn], axis=1)
    coef = np.linalg.solve(A.T @ (A * w[:, None]), A.T @ (w * y))
    return np.exp(0.5 * (A @ coef))


def disorder_averages(sizes: np.ndarray, samples: list[np.ndarray]) -> list[Stats]:
    """Mean over disorder samples at each size, with the error of that mean.

    The error is the sample-to-sample spread over ``sqrt(k_n)``: the larger of the
    size's own standard deviation and the :func:`pooled_spread`, so that a size whose
    few samples happen to agree is not believed more than the sizes around it.

    Parameters
    ----------
    sizes : ndarray of int
    samples : list of ndarray
        The per-sample values at each size (at least two each).

    Returns
    -------
    list of Stats
        One per size; ``n`` is the number of samples.
    """
    pooled = pooled_spread(sizes, samples)
    out = []
    for v, p in zip(samples, pooled, strict=True):
        v = np.asarray(v, dtype=np.float64)
        spread = max(float(np.std(v, ddof=1)), float(p))
        out.append(Stats(float(v.mean()), spread / math.sqrt(v.size), math.nan, int(v.size)))
    return out


@dataclass(eq=False)
class SKScaling:
    """Low-temperature energies of the SK model against ``n``.

    Attributes
    ----------
    sizes : ndarray of int
    ground_state : list of Stats
        Disorder average of the lowest energy per spin found at each size, with the
        error of that mean over the samples (:func:`disorder_averages`: the spread pooled
        over the sizes where it exceeds a size's own).
    low_temperature : list of Stats
        Thermal energy per spin at the lowest temperature of the ladder.
    t_min : float
    extrapolation : Stats
        ``e_inf`` of the fit of ``ground_state`` against ``n^(-2/3)``, its error scaled
        by ``sqrt(chi2 / dof)`` where that exceeds 1 (:func:`fit_finite_size`).
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
    samples: int | tuple[int, ...] = (32, 16, 8, 8, 8),
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
        Disorder samples per size (one number for all, or one per size). The default
        keeps 8 at the large sizes: with 4 a size's spread is uncertain by ~40%.
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
    models = [SherringtonKirkpatrick(int(n), couplings) for n in sizes_arr]
    for model, count in zip(models, counts, strict=True):  # every size before the first runs
        check_memory(
            f"the SK energies at n = {model.n} ({count} samples)",
            _tempering_bytes(model, count, 2, 2, 2),  # a lower bound: the ladder is tuned later
        )
    results, low = [], []
    for model, count in zip(models, counts, strict=True):
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
        low.append(r.energy[0])
    ground = disorder_averages(sizes_arr, [r.best_energy for r in results])
    e_inf, slope, chi2 = fit_finite_size(sizes_arr, ground)
    return SKScaling(sizes_arr, ground, low, float(t_min), e_inf, slope, chi2, results)
