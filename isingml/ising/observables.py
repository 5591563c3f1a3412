"""Thermodynamic observables of the Ising model from Monte Carlo time series, with errors.

Conventions (per spin, N = L**2, k_B = 1):

* energy per spin ``e = E / N`` and magnetization per spin ``m = M / N``;
* heat capacity per spin ``C = beta**2 N (<e**2> - <e>**2)``;
* susceptibility per spin ``chi = beta N (<m**2> - <|m|>**2)``, the finite-lattice
  convention that uses ``|m|`` because ``<m> = 0`` on a finite lattice at h = 0;
* Binder cumulant ``U4 = 1 - <m**4> / (3 <m**2>**2)``.

Means carry errors from the integrated autocorrelation time (Sokal's window); derived
quantities carry blocked-jackknife errors with blocks much longer than that time. The
signed magnetization's error is only as good as its (often very long) tunnelling time
allows; no warning is raised for it, since its mean is zero by symmetry at h = 0.
"""

from __future__ import annotations

import warnings

import numpy as np

from isingml.stats import Stats, integrated_autocorrelation_time, jackknife, mean_with_error

__all__ = ["OBSERVABLES", "thermodynamics"]

#: Names of the observables :func:`thermodynamics` returns, in display order.
OBSERVABLES = (
    "energy_per_spin",
    "magnetization",
    "abs_magnetization",
    "heat_capacity",
    "susceptibility",
    "binder",
)


def thermodynamics(
    energy: np.ndarray, magnetization: np.ndarray, beta: float, n_spins: int
) -> dict[str, Stats]:
    """Observables with honest errors from aligned series of ``e`` and ``m`` per spin.

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

    Returns
    -------
    dict of str to Stats
        Keyed by :data:`OBSERVABLES`. ``tau_int`` is in units of the measurement interval.
    """
    e = np.asarray(energy, dtype=np.float64)
    m = np.asarray(magnetization, dtype=np.float64)
    a = np.abs(m)
    m2 = m * m
    tau = max(
        integrated_autocorrelation_time(e)[0],
        integrated_autocorrelation_time(a)[0],
        integrated_autocorrelation_time(m2)[0],
    )
    with warnings.catch_warnings():
        # The signed magnetization flips sign only on the slow tunnelling time scale
        # below T_c; its "too short" note says nothing about the other observables.
        warnings.simplefilter("ignore", RuntimeWarning)
        signed = mean_with_error(m)
    return {
        "energy_per_spin": mean_with_error(e),
        "magnetization": signed,
        "abs_magnetization": mean_with_error(a),
        "heat_capacity": jackknife(
            lambda e1, e2: beta * beta * n_spins * (e2 - e1 * e1), e, e * e, tau=tau
        ),
        "susceptibility": jackknife(
            lambda a1, s2: beta * n_spins * (s2 - a1 * a1), a, m2, tau=tau
        ),
        "binder": jackknife(lambda s2, s4: 1.0 - s4 / (3.0 * s2 * s2), m2, m2 * m2, tau=tau),
    }
