"""Temperature ladders for parallel tempering that keep the exchange acceptance near a target.

For Gaussian energy distributions of width ``sigma(beta)`` (total energy), the exchange
between ``beta`` and ``beta + dbeta`` is accepted with probability
``A = erfc(dbeta * sigma / 2)`` (equal widths; Predescu, Predescu and Ciobanu 2004). A
ladder of equal acceptance therefore spaces the ``beta_k`` at equal steps of the
*thermodynamic length* ``Phi(beta) = int sigma dbeta``, and the number of temperatures
needed for acceptance ``A`` is ``Phi_total / (2 erfcinv(A)) + 1``.

:func:`tune_ladder` measures that length with short parallel-tempering runs (from the
measured acceptance of each pair where it is informative, from the energy fluctuations
otherwise), places the temperatures at equal length, and repeats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from isingml._validation import check_int
from isingml.errors import InputError
from isingml.spinglass.models import SpinGlassModel
from isingml.spinglass.tempering import geometric_ladder, parallel_tempering

__all__ = ["LadderTuning", "erfcinv", "tune_ladder"]


def erfcinv(a: float) -> float:
    """Inverse complementary error function on (0, 2), by bisection to machine precision."""
    if not 0.0 < a < 2.0:
        raise InputError(f"erfcinv needs 0 < a < 2, got {a!r}")
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if math.erfc(mid) > a:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


@dataclass(frozen=True, eq=False)
class LadderTuning:
    """A tuned temperature ladder and the acceptance measured on it.

    Attributes
    ----------
    temperatures : ndarray, shape (K,)
        Ascending.
    acceptance : ndarray, shape (K - 1,)
        Exchange acceptance of each pair, measured in a run on the final ladder.
    target : float
    history : list of ndarray
        The ladders of the successive iterations (the first is geometric).
    acceptance_history : list of ndarray
        The acceptance measured on each.
    """

    temperatures: np.ndarray
    acceptance: np.ndarray
    target: float
    history: list
    acceptance_history: list

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return {
            "temperatures": self.temperatures.tolist(),
            "acceptance": self.acceptance.tolist(),
            "target": self.target,
            "iterations": len(self.history) - 1,
        }


def _pair_lengths(betas: np.ndarray, acceptance: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    # Thermodynamic length of each pair: from its acceptance where that is informative,
    # from the trapezoid of the energy widths otherwise.
    from_sigma = np.abs(np.diff(betas)) * 0.5 * (sigma[1:] + sigma[:-1])
    out = from_sigma.copy()
    for k, a in enumerate(acceptance):
        if 0.02 <= a <= 0.98:
            out[k] = 2.0 * erfcinv(a)
    return out


def _equal_length_ladder(betas: np.ndarray, lengths: np.ndarray, count: int) -> np.ndarray:
    # betas descending (cold first); place `count` points at equal length from hot to cold.
    b = betas[::-1]
    phi = np.concatenate([[0.0], np.cumsum(lengths[::-1])])
    targets = np.linspace(0.0, phi[-1], count)
    new_b = np.interp(targets, phi, b)
    return np.sort(1.0 / new_b)


def tune_ladder(
    model: SpinGlassModel,
    t_min: float,
    t_max: float,
    target: float = 0.3,
    count: int | None = None,
    sweeps: int = 2000,
    samples: int = 4,
    iterations: int = 3,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = False,
) -> LadderTuning:
    """A ladder from ``t_min`` to ``t_max`` whose exchange acceptance is near ``target``.

    Parameters
    ----------
    model : SpinGlassModel
    t_min, t_max : float
        End temperatures, kept fixed.
    target : float
        Wanted acceptance of every neighbouring pair, in (0, 1); 0.2-0.4 is usual.
    count : int, optional
        Number of temperatures. By default it is chosen so that the predicted acceptance
        is the target; given, the temperatures are only redistributed (equal acceptance).
    sweeps : int
        Production sweeps of each pilot run (as many again to thermalize).
    samples : int
        Disorder samples of each pilot run (the ladder serves their average).
    iterations : int
        Pilot runs before the final measurement.
    seed : int
    threads : int, optional
    progress : bool

    Returns
    -------
    LadderTuning
    """
    target = float(target)
    if not 0.0 < target < 1.0:
        raise InputError(f"target must be in (0, 1), got {target!r}")
    iterations = check_int("iterations", iterations, minimum=1)
    if count is not None:
        count = check_int("count", count, minimum=2)
    current = geometric_ladder(t_min, t_max, count or 8)
    history, acc_history = [], []
    run = dict(samples=samples, replicas=1, seed=seed, threads=threads, progress=progress)
    step = 2.0 * erfcinv(target)
    for _ in range(iterations):
        r = parallel_tempering(model, current, sweeps, bins=2, **run)
        history.append(current)
        acc_history.append(r.acceptance)
        betas = 1.0 / current
        # Width of the total energy: Var E = n c T^2 (c the specific heat per spin).
        heat = np.clip([c.mean for c in r.specific_heat], 0.0, None)
        sigma = np.sqrt(heat * model.n) * current
        lengths = _pair_lengths(betas, r.acceptance, sigma)
        k = count or max(2, math.ceil(lengths.sum() / step) + 1)
        current = _equal_length_ladder(betas, lengths, k)
        current[0], current[-1] = float(t_min), float(t_max)
    final = parallel_tempering(model, current, sweeps, bins=2, **run)
    history.append(current)
    acc_history.append(final.acceptance)
    return LadderTuning(current, final.acceptance, target, history, acc_history)
