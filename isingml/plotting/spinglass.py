"""Spin glasses: P(q) across the transition, SK energies against n, exchange statistics,
Binder ratios and the Hopfield network's end states."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from isingml.spinglass import HopfieldCensus, SKScaling, TemperingResult

__all__ = [
    "plot_exchange",
    "plot_hopfield_census",
    "plot_overlap_distribution",
    "plot_sk_energy_scaling",
    "plot_spin_glass_binder",
]


def _axes(ax: Axes | None, size: tuple[float, float] = (5.0, 3.6)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def plot_overlap_distribution(
    result: TemperingResult, temperatures: object = None, ax: Axes | None = None
) -> Axes:
    """Disorder-averaged ``P(q)`` at some temperatures of a run (all by default, up to 6).

    Parameters
    ----------
    result : TemperingResult
    temperatures : sequence of float, optional
        The ladder temperatures nearest these are drawn.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    q, density = result.overlap_distribution()
    T = result.temperatures
    if temperatures is None:
        slots = np.unique(np.linspace(0, T.size - 1, min(6, T.size)).round().astype(int))
    else:
        wanted = np.atleast_1d(np.asarray(temperatures, dtype=float))
        slots = np.unique([int(np.argmin(np.abs(T - t))) for t in wanted])
    colours = plt.cm.coolwarm(np.linspace(0, 1, slots.size))
    for colour, k in zip(colours, slots, strict=True):
        ax.plot(q, density[k], color=colour, lw=1.4, label=f"T = {T[k]:.3g}")
    ax.set_xlabel("overlap q")
    ax.set_ylabel("P(q)")
    ax.set_title(f"{result.model['model']}, n = {result.n}, {result.samples.size} samples")
    ax.legend(fontsize=8)
    return ax


def plot_sk_energy_scaling(result: SKScaling, ax: Axes | None = None) -> Axes:
    """Ground-state estimates (and energies at the lowest T) against ``n^(-2/3)``, the fit
    and Parisi's value at ``n = infinity``."""
    ax = _axes(ax)
    x = result.sizes ** (-2.0 / 3.0)
    gs = np.array([(s.mean, s.error) for s in result.ground_state])
    low = np.array([(s.mean, s.error) for s in result.low_temperature])
    ax.errorbar(x, gs[:, 0], gs[:, 1], fmt="o", label="lowest energy found")
    ax.errorbar(x, low[:, 0], low[:, 1], fmt="s", mfc="none", label=f"T = {result.t_min:g}")
    xx = np.linspace(0.0, x.max() * 1.05, 50)
    e = result.extrapolation
    ax.plot(
        xx,
        e.mean + result.slope * xx,
        "C0--",
        lw=1,
        label=f"fit: e_inf = {e.mean:.4f} ± {e.error:.4f}",
    )
    ax.plot([0], [result.PARISI], "k*", ms=10, label=f"Parisi {result.PARISI}")
    for n, xi, y in zip(result.sizes, x, gs[:, 0], strict=True):
        ax.annotate(f"n={n}", (xi, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("n^(-2/3)")
    ax.set_ylabel("energy per spin")
    ax.set_title("SK model: approach to the Parisi energy")
    ax.legend(fontsize=8)
    return ax


def plot_exchange(result: TemperingResult, axes: np.ndarray | None = None) -> np.ndarray:
    """Exchange acceptance of each neighbouring pair, and the fraction ``f(T)`` of walkers
    moving up from the coldest temperature, with the round-trip time in the title."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    a, b = np.asarray(axes).ravel()[:2]
    T = result.temperatures
    mid = np.sqrt(T[1:] * T[:-1])
    a.plot(mid, result.acceptance, "o-")
    a.set_xlabel("T (pair midpoint)")
    a.set_ylabel("exchange acceptance")
    a.set_ylim(0, 1)
    b.plot(T, result.up_fraction, "o-")
    b.plot([T[0], T[-1]], [1, 0], "k:", lw=1)
    b.set_xlabel("T")
    b.set_ylabel("f(T), walkers last at the coldest")
    tau = result.round_trip_time
    b.set_title(f"{result.round_trips} round trips, mean {tau:.0f} sweeps", fontsize=9)
    return np.array([a, b])


def plot_spin_glass_binder(results: list[TemperingResult], ax: Axes | None = None) -> Axes:
    """Binder ratio ``g(T)`` of several sizes (curves cross at ``T_c``)."""
    ax = _axes(ax)
    for r in results:
        g = np.array([(s.mean, s.error) for s in r.binder])
        ax.errorbar(r.temperatures, g[:, 0], g[:, 1], fmt="o-", ms=3, label=f"n = {r.n}")
    ax.set_xlabel("T")
    ax.set_ylabel("Binder ratio g")
    ax.legend(fontsize=8)
    return ax


def plot_hopfield_census(result: HopfieldCensus, axes: np.ndarray | None = None) -> np.ndarray:
    """Fractions of retrieval, mixture and glassy end states against the load, one panel
    per kind of start, with ``alpha_c = 0.138`` marked."""
    import matplotlib.pyplot as plt

    from isingml.spinglass.hopfield_states import CLASSES, STARTS

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(11, 3.2), sharey=True)
    axes = np.asarray(axes).ravel()
    for s, ax in enumerate(axes[:3]):
        for c, name in enumerate(CLASSES):
            ax.plot(result.alphas, result.fractions[:, s, c], "o-", label=name)
        ax.axvline(0.138, color="k", ls=":", lw=1)
        ax.set_xlabel("load alpha = p / n")
        ax.set_title(f"from {STARTS[s]} states", fontsize=10)
    axes[0].set_ylabel("fraction of end states")
    axes[0].legend(fontsize=8)
    return axes
