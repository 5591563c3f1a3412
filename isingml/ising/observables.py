"""Thermodynamic observables of the Ising model from Monte Carlo time series, with errors.

Conventions (per spin, N = L**2, k_B = 1):

* energy per spin ``e = E / N`` and magnetization per spin ``m = M / N``;
* heat capacity per spin ``C = beta**2 N (<e**2> - <e>**2)``;
* susceptibility per spin ``chi = beta N (<m**2> - <|m|>**2)``, the finite-lattice
  convention that uses ``|m|`` because ``<m> = 0`` on a finite lattice at h = 0;
* Binder cumulant ``U4 = 1 - <m**4> / (3 <m**2>**2)``.

Means carry errors from the integrated autocorrelation time (Sokal's window); derived
quantities carry the plateau of blocked-jackknife errors, with blocks much longer than the
autocorrelation time of the series that governs each error. The
signed magnetization's error is only as good as its (often very long) tunnelling time
allows; no warning is raised for it, since its mean is zero by symmetry at h = 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from isingml.stats import (
    Stats,
    influence_series,
    integrated_autocorrelation_time,
    jackknife,
    mean_with_error,
)

__all__ = ["OBSERVABLES", "derived_observables", "linearised", "tau_int", "thermodynamics"]

#: Names of the observables :func:`thermodynamics` returns, in display order.
OBSERVABLES = (
    "energy_per_spin",
    "magnetization",
    "abs_magnetization",
    "heat_capacity",
    "susceptibility",
    "binder",
)


def derived_observables(
    energy: np.ndarray, magnetization: np.ndarray, beta: float, n_spins: int
) -> dict[str, tuple[Callable[..., float], tuple[np.ndarray, ...]]]:
    """C, chi and U4 as functions of means, with the series whose means they take.

    Returns
    -------
    dict of str to (callable, tuple of ndarray)
        ``"heat_capacity"``, ``"susceptibility"``, ``"binder"``: each ``(f, series)`` with
        the observable ``f(<series[0]>, <series[1]>)`` (for :func:`isingml.stats.jackknife`).
    """
    e = np.asarray(energy, dtype=np.float64)
    m = np.asarray(magnetization, dtype=np.float64)
    a = np.abs(m)
    m2 = m * m
    return {
        "heat_capacity": (lambda e1, e2: beta * beta * n_spins * (e2 - e1 * e1), (e, e * e)),
        "susceptibility": (lambda a1, s2: beta * n_spins * (s2 - a1 * a1), (a, m2)),
        "binder": (lambda s2, s4: 1.0 - s4 / (3.0 * s2 * s2), (m2, m2 * m2)),
    }


def linearised(func: Callable[..., float], series: tuple[np.ndarray, ...]) -> np.ndarray:
    """The series that governs the error of ``func`` of the means
    (:func:`isingml.stats.influence_series`); zeros where it is undefined (U4 of an
    all-zero magnetization, 0/0), which carry no information."""
    with np.errstate(all="ignore"):
        psi = influence_series(func, *series)
    return psi if np.isfinite(psi).all() else np.zeros_like(psi)


def tau_int(x: np.ndarray) -> float:
    """Integrated autocorrelation time of ``x``, in samples, without the estimator's
    "series too short" warning (a caller that judges the run's length says so once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return integrated_autocorrelation_time(x)[0]


def thermodynamics(
    energy: np.ndarray,
    magnetization: np.ndarray,
    beta: float,
    n_spins: int,
    block_tau: float | None = None,
) -> dict[str, Stats]:
    """Observables with honest errors from aligned series of ``e`` and ``m`` per spin.

    Means carry errors from their integrated autocorrelation time. C, chi and U4 carry
    the blocked jackknife's plateau error (the largest over 12 to 100 blocks; see
    :func:`isingml.stats.jackknife`), with blocks chosen from ``block_tau``: short runs,
    and runs whose fluctuations come in rare droplets or tunnelling events, give errors
    that vary much from run to run, and one blocking is too often too small.

    Parameters
    ----------
    energy : ndarray, shape (n,)
        Energy per spin at each measurement.
    magnetization : ndarray, shape (n,)
        Signed magnetization per spin at each measurement.
    beta : float
        Inverse temperature.
    n_spins : int
        Number of spins N.
    block_tau : float, optional
        Autocorrelation time (in measurements) that sizes the jackknife's blocks (default:
        the longest of those of ``e``, ``|m|``, ``m^2`` and the linearised series of C, chi
        and U4, :func:`linearised`).

    Returns
    -------
    dict of str to Stats
        Keyed by :data:`OBSERVABLES`. ``tau_int`` is in units of the measurement interval.
    """
    e = np.asarray(energy, dtype=np.float64)
    m = np.asarray(magnetization, dtype=np.float64)
    a = np.abs(m)
    derived = derived_observables(e, m, beta, n_spins)
    if block_tau is None:
        block_tau = max(
            [tau_int(x) for x in (e, a, m * m)]
            + [tau_int(linearised(f, args)) for f, args in derived.values()]
        )
    with warnings.catch_warnings():
        # The signed magnetization flips sign only on the slow tunnelling time scale
        # below T_c; its "too short" note says nothing about the other observables.
        warnings.simplefilter("ignore", RuntimeWarning)
        signed = mean_with_error(m)
    out = {
        "energy_per_spin": mean_with_error(e),
        "magnetization": signed,
        "abs_magnetization": mean_with_error(a),
    }
    for name, (func, args) in derived.items():
        out[name] = jackknife(func, *args, tau=block_tau, plateau=True)
    return out
