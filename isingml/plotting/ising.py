"""The Ising model: mean-field theory, Monte Carlo observables against the exact curves,
autocorrelations of Metropolis and Wolff, the Binder cumulant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError
from isingml.ising.exact import mean_field_magnetization

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from isingml.ising.results import SimulationResult

__all__ = [
    "plot_autocorrelation",
    "plot_binder",
    "plot_mean_field",
    "plot_observables",
    "plot_time_series",
]


def plot_mean_field(
    T: float, J: float = 1.0, h: float = 0.0, q: int = 4, ax: Axes | None = None
) -> Axes:
    """Graphical solution of the mean-field equation ``m = tanh(beta (J q m + h))``.

    Draws the line ``y = m`` and the curve ``y = tanh(beta (J q m + h))`` for
    ``m`` in ``[-1.5, 1.5]`` and marks every intersection: filled circles for stable roots,
    hollow circles for unstable ones (see
    :func:`isingml.ising.exact.mean_field_magnetization`). Above ``T = q J`` (and at
    ``h = 0``) the only intersection is ``m = 0``; below it two stable, symmetric roots
    appear.

    Parameters
    ----------
    T : float
        Temperature, finite and > 0 (units of ``J``, ``k_B = 1``).
    J : float, default 1.0
        Coupling, nonzero.
    h : float, default 0.0
        External field.
    q : int, default 4
        Coordination number (4 on the square lattice).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. The stable roots are the line labelled ``"stable root"`` and the
        unstable ones the line labelled ``"unstable root"`` (present even when empty).
    """
    solution = mean_field_magnetization(T, J=J, h=h, q=q)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()

    m = np.linspace(-1.5, 1.5, 601)
    curve = np.tanh((J * q * m + h) / T)
    ax.plot(m, m, color="0.4", linestyle="--", label="$y = m$")
    ax.plot(m, curve, color="C0", label=r"$y = \tanh(\beta(Jqm + h))$")

    roots = solution.roots
    stable = solution.stable
    ax.plot(
        roots[stable],
        roots[stable],
        linestyle="none",
        marker="o",
        markersize=7,
        color="C3",
        label="stable root",
    )
    ax.plot(
        roots[~stable],
        roots[~stable],
        linestyle="none",
        marker="o",
        markersize=7,
        markerfacecolor="none",
        markeredgecolor="C3",
        label="unstable root",
    )
    ax.axhline(0.0, color="0.85", linewidth=0.8, zorder=0)
    ax.axvline(0.0, color="0.85", linewidth=0.8, zorder=0)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set_xlabel("magnetization $m$")
    ax.set_ylabel("$y$")
    ax.set_title(f"Mean field: $T = {T:g}$, $J = {J:g}$, $h = {h:g}$, $q = {q}$")
    ax.legend(loc="upper left", fontsize="small")
    return ax


# -- Monte Carlo results against exact curves ----------------------------------------------

#: Panels of :func:`plot_observables`: observable key -> axis label.
_OBSERVABLE_LABELS = {
    "energy_per_spin": "energy per spin $E/N$",
    "abs_magnetization": r"$\langle |m| \rangle$",
    "heat_capacity": "heat capacity per spin $C/N$",
    "susceptibility": r"susceptibility per spin $\chi/N$",
}


def _by_size(results: Sequence[SimulationResult]) -> dict[int, list[SimulationResult]]:
    """Results grouped by lattice side (ascending), each group sorted by temperature."""
    if len(results) == 0:
        raise InputError("results must hold at least one SimulationResult")
    groups: dict[int, list[SimulationResult]] = {}
    for r in results:
        groups.setdefault(int(r.L), []).append(r)
    return {L: sorted(groups[L], key=lambda r: r.T) for L in sorted(groups)}


def _size_colour(k: int) -> str:
    return f"C{k % 10}"


def plot_observables(
    results: Sequence[SimulationResult],
    exact: bool = True,
    mean_field: bool = False,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Energy, ``<|m|>``, heat capacity and susceptibility per spin against temperature,
    with Monte Carlo error bars, next to the exact curves.

    One colour per lattice side. With ``exact``, each side gets Kaufman's exact
    finite-lattice energy and heat capacity as a thin line of its colour
    (:func:`isingml.ising.exact.finite_lattice_energy`), and the infinite lattice gets
    Onsager's energy and heat capacity and Yang's spontaneous magnetization as black
    dashed lines; a dotted vertical line marks Onsager's ``T_c``. The susceptibility has
    no closed form and is drawn from the data only.

    Parameters
    ----------
    results : sequence of SimulationResult
        From :func:`isingml.ising.temperature_scan` or :func:`isingml.ising.simulate`,
        one or several lattice sides (grouped by ``L``, sorted by ``T``).
    exact : bool, default True
        Draw the exact curves (they hold at ``h = 0``: with a field they are left out).
    mean_field : bool, default False
        Also draw the mean-field magnetization, the stable root of ``m = tanh(4 m / T)``
        (:func:`isingml.ising.exact.mean_field_magnetization`), in the ``<|m|>`` panel.
    axes : array of 4 Axes, optional
        Axes to draw on, in the order energy, ``<|m|>``, heat capacity, susceptibility;
        a new 2 x 2 figure is made when omitted.

    Returns
    -------
    ndarray of Axes, shape (4,)
        The Monte Carlo points of side ``L`` are the error-bar containers labelled
        ``"L = {L}"``; the exact finite-lattice lines are labelled ``"exact L = {L}"``.
    """
    from isingml.ising.exact import (
        T_C,
        finite_lattice_energy,
        finite_lattice_heat_capacity,
        onsager_energy,
        onsager_heat_capacity,
        spontaneous_magnetization,
    )

    groups = _by_size(results)
    shared = axes is None  # a new figure shares its x axes: label the bottom row only
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex=True)
    axes = np.asarray(axes).ravel()
    if axes.size != 4:
        raise InputError(f"axes must hold 4 Axes, got {axes.size}")
    temps = np.array([r.T for r in results])
    grid = np.linspace(temps.min(), temps.max(), 300)
    J = float(results[0].J)
    exact = exact and all(r.h == 0.0 for r in results)
    for ax, name in zip(axes, _OBSERVABLE_LABELS, strict=True):
        for k, (L, group) in enumerate(groups.items()):
            colour = _size_colour(k)
            t = np.array([r.T for r in group])
            mean = np.array([r.observables[name].mean for r in group])
            error = np.array([r.observables[name].error for r in group])
            if exact and name in ("energy_per_spin", "heat_capacity"):
                f = {
                    "energy_per_spin": finite_lattice_energy,
                    "heat_capacity": finite_lattice_heat_capacity,
                }[name]
                ax.plot(grid, f(L, grid, J), color=colour, lw=1, alpha=0.8, label=f"exact L = {L}")
            ax.errorbar(
                t, mean, yerr=error, fmt="o", ms=3.5, capsize=2, color=colour, label=f"L = {L}"
            )
        if exact:
            if name == "energy_per_spin":
                ax.plot(grid, onsager_energy(grid, J), "k--", lw=1, label="Onsager, L = inf")
            elif name == "heat_capacity":
                finite = grid[np.abs(grid - T_C * abs(J)) > 1e-9]
                top = ax.get_ylim()[1]
                ax.plot(
                    finite, onsager_heat_capacity(finite, J), "k--", lw=1, label="Onsager, L = inf"
                )
                ax.set_ylim(0.0, top)  # the log divergence would swamp the data
            elif name == "abs_magnetization":
                ax.plot(
                    grid, spontaneous_magnetization(grid, J), "k--", lw=1, label="Yang, L = inf"
                )
        if mean_field and name == "abs_magnetization":
            from isingml.ising.exact import mean_field_magnetization

            m_mf = [abs(mean_field_magnetization(T, J=J).equilibrium) for T in grid]
            ax.plot(grid, m_mf, ":", color="0.4", lw=1.5, label="mean field")
        ax.axvline(T_C * abs(J), color="0.6", ls=":", lw=1)
        ax.set_ylabel(_OBSERVABLE_LABELS[name])
    for ax in axes[2:] if shared else axes:
        ax.set_xlabel("temperature $T$")
    axes[0].legend(fontsize="small")
    axes[1].legend(fontsize="small")
    return axes


def plot_time_series(
    results: Sequence[SimulationResult],
    quantity: str = "abs_magnetization",
    max_sweeps: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Monte Carlo time series of ``|m|`` (or ``e``) against simulation time in sweeps,
    one line per result, e.g. Metropolis next to Wolff at the same ``(L, T)``.

    Time is counted in sweeps (sweep-equivalents ``flipped spins / N`` for Wolff), so that
    the decorrelation of different algorithms compares fairly by eye.

    Parameters
    ----------
    results : sequence of SimulationResult
    quantity : {"abs_magnetization", "magnetization", "energy"}
        The series to draw.
    max_sweeps : float, optional
        Draw only the first ``max_sweeps`` sweeps (default: all).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per result, labelled with the algorithm and its ``tau_int`` in sweeps.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 3))
    for k, r in enumerate(results):
        series = _series(r, quantity)
        time = (np.arange(series.size) + 1) * r.sweeps_per_measurement
        keep = time <= max_sweeps if max_sweeps is not None else slice(None)
        tau = r.tau_int["energy" if quantity == "energy" else "abs_magnetization"]
        ax.plot(
            time[keep],
            series[keep],
            lw=0.8,
            color=f"C{k % 10}",
            label=f"{r.algorithm}: $\\tau_{{int}}$ = {tau:.3g} sweeps",
        )
    ax.set_xlabel("Monte Carlo time (sweeps)")
    ax.set_ylabel({"abs_magnetization": "$|m|$", "magnetization": "$m$"}.get(quantity, "$e$"))
    if len(results):
        r = results[0]
        ax.set_title(f"L = {r.L}, T = {r.T:.4g}")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def _series(result: SimulationResult, quantity: str) -> np.ndarray:
    if quantity == "abs_magnetization":
        return np.abs(result.magnetization)
    if quantity == "magnetization":
        return result.magnetization
    if quantity == "energy":
        return result.energy
    raise InputError(
        f"quantity must be 'abs_magnetization', 'magnetization' or 'energy', got {quantity!r}"
    )


def plot_autocorrelation(
    results: Sequence[SimulationResult],
    quantity: str = "abs_magnetization",
    max_sweeps: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Normalised autocorrelation function ``rho(t)`` of ``|m|`` (or ``e``) against the lag
    in sweeps, one line per result (e.g. Metropolis next to Wolff).

    ``rho`` comes from :func:`isingml.stats.autocorrelation_function`; the integrated
    autocorrelation time ``tau_int = 1/2 + sum_t rho(t)`` of each result (in sweeps, from
    Sokal's window, as :func:`isingml.ising.simulate` reports it) is in its label.

    Parameters
    ----------
    results : sequence of SimulationResult
    quantity : {"abs_magnetization", "energy"}
        The series whose autocorrelation is drawn.
    max_sweeps : float, optional
        Largest lag, in sweeps (default: five times the largest ``tau_int``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per result; its x data are lags in sweeps, its y data ``rho``.
    """
    from isingml.stats import autocorrelation_function

    if quantity not in ("abs_magnetization", "energy"):
        raise InputError(f"quantity must be 'abs_magnetization' or 'energy', got {quantity!r}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3.5))
    taus = [r.tau_int[quantity] for r in results]
    if max_sweeps is None:
        finite = [t for t in taus if np.isfinite(t)]
        max_sweeps = 5.0 * max(finite) if finite else 10.0
    for k, (r, tau) in enumerate(zip(results, taus, strict=True)):
        series = _series(r, quantity)
        lags = min(series.size - 1, int(np.ceil(max_sweeps / r.sweeps_per_measurement)))
        rho = autocorrelation_function(series, max_lag=lags)
        ax.plot(
            np.arange(lags + 1) * r.sweeps_per_measurement,
            rho,
            color=f"C{k % 10}",
            label=f"{r.algorithm}: $\\tau_{{int}}$ = {tau:.3g} sweeps",
        )
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel("lag (sweeps)")
    ax.set_ylabel(r"autocorrelation $\rho(t)$")
    ax.legend(fontsize="small")
    return ax


def plot_binder(
    results: Sequence[SimulationResult],
    critical_value: float | None = 0.61069,
    ax: Axes | None = None,
) -> Axes:
    """Binder cumulant ``U4 = 1 - <m^4> / (3 <m^2>^2)`` against temperature, one curve per
    lattice side, with error bars.

    ``U4`` tends to 2/3 in the ordered phase and to 0 in the disordered one; at the
    critical point it is size-independent up to corrections to scaling, so the curves of
    different ``L`` cross near ``T_c`` (a dotted vertical line marks Onsager's value).

    Parameters
    ----------
    results : sequence of SimulationResult
        Several lattice sides, each at several temperatures (grouped by ``L``).
    critical_value : float or None, default 0.61069
        The universal ``U4`` at ``T_c`` of the square-lattice torus, drawn as a horizontal
        line (``None``: not drawn).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The points of side ``L`` are the error-bar container labelled ``"L = {L}"``.
    """
    from isingml.ising.exact import T_C

    groups = _by_size(results)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.5, 4))
    for k, (L, group) in enumerate(groups.items()):
        t = np.array([r.T for r in group])
        u = np.array([r.observables["binder"].mean for r in group])
        du = np.array([r.observables["binder"].error for r in group])
        ax.errorbar(
            t,
            u,
            yerr=du,
            fmt="o-",
            ms=3.5,
            lw=1,
            capsize=2,
            color=_size_colour(k),
            label=f"L = {L}",
        )
    J = abs(float(results[0].J))
    ax.axvline(T_C * J, color="0.5", ls=":", lw=1, label=f"Onsager $T_c$ = {T_C * J:.4f}")
    if critical_value is not None:
        ax.axhline(critical_value, color="0.7", ls="--", lw=1, label=f"$U^*$ = {critical_value:g}")
    ax.set_xlabel("temperature $T$")
    ax.set_ylabel(r"Binder cumulant $U_4$")
    ax.legend(fontsize="small")
    return ax
