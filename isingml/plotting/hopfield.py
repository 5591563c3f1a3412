"""Hopfield networks: patterns, recall, energy, capacity."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_capacity",
    "plot_energy_trace",
    "plot_figure2_recall",
    "plot_patterns",
    "plot_recall",
]


#: Colours of the unit states -1, 0 (unknown) and +1 in pattern images.
_STATE_COLOURS = ("#2c5aa0", "#ffffff", "#c0392b")


def _grid_shape(n: int, shape: tuple[int, int] | None) -> tuple[int, int]:
    if shape is not None:
        if shape[0] * shape[1] != n:
            raise InputError(f"shape {shape} does not hold {n} units")
        return shape
    side = math.isqrt(n)
    if side * side != n:
        raise InputError(f"give shape= for {n} units (not a square)")
    return side, side


def plot_patterns(
    states: np.ndarray,
    shape: tuple[int, int] | None = None,
    titles: list[str] | None = None,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Draw +/-1 states (0 = unknown, white) as images, one per axis.

    Parameters
    ----------
    states : array, shape (k, n) or (n,)
    shape : (rows, cols), optional
        Image shape of a state (default: square).
    titles : list of str, optional
    axes : array of Axes, optional
        ``k`` axes to draw in (default: a new row of them).

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    s = np.atleast_2d(np.asarray(states))
    rows, cols = _grid_shape(s.shape[1], shape)
    if axes is None:
        _, axes = plt.subplots(1, s.shape[0], figsize=(1.6 * s.shape[0], 1.8), squeeze=False)
    axes = np.asarray(axes).ravel()
    cmap = ListedColormap(_STATE_COLOURS)
    norm = BoundaryNorm([-1.5, -0.5, 0.5, 1.5], cmap.N)
    for k, ax in enumerate(axes[: s.shape[0]]):
        ax.imshow(s[k].reshape(rows, cols), cmap=cmap, norm=norm)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None and k < len(titles):
            ax.set_title(titles[k], fontsize=8)
    return axes


def plot_recall(
    history: np.ndarray,
    sweeps: int,
    shape: tuple[int, int] | None = None,
    axes: np.ndarray | None = None,
    label: str | None = None,
) -> np.ndarray:
    """A recall trajectory as images: the probe, then the state after each sweep.

    Parameters
    ----------
    history : ndarray, shape (max_sweeps + 1, n)
        ``RecallResult.history`` of one probe (``keep_states=True``).
    sweeps : int
        Sweeps run (``RecallResult.sweeps``).
    shape : (rows, cols), optional
    axes : array of Axes, optional
        At least ``sweeps + 1`` axes.
    label : str, optional
        Written above the probe.

    Returns
    -------
    ndarray of Axes
    """
    states = np.asarray(history)[: sweeps + 1]
    titles = ["probe" if label is None else label] + [f"sweep {t}" for t in range(1, sweeps + 1)]
    return plot_patterns(states, shape, titles, axes)


def plot_energy_trace(energies: np.ndarray, n_units: int | None = None, ax: Axes | None = None):
    """Energy (Eq. 4) against update step, as in the primer's Fig. 1.

    Parameters
    ----------
    energies : ndarray
        ``RecallResult.update_energies`` of one probe (NaN past the end are dropped).
    n_units : int, optional
        Mark the sweep boundaries every ``n_units`` updates.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    e = np.asarray(energies, dtype=float)
    e = e[np.isfinite(e)]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    ax.step(np.arange(e.size), e, where="post", color="C0")
    if n_units:
        for x in range(n_units, e.size, n_units):
            ax.axvline(x, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel("unit update")
    ax.set_ylabel("energy E")
    return ax


def plot_capacity(result, ax: Axes | None = None) -> Axes:
    """Retrieval overlap and fraction of stable patterns against the load alpha = p/n.

    Parameters
    ----------
    result : isingml.hopfield.capacity.CapacityResult
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    from isingml.hopfield.capacity import AGS_CRITICAL_LOAD

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    ax.errorbar(
        result.alphas,
        result.overlap,
        yerr=result.overlap_error,
        marker="o",
        ms=3,
        label=f"final overlap (corruption {result.corruption:g})",
    )
    ax.errorbar(
        result.alphas,
        result.stable_fraction,
        yerr=result.stable_fraction_error,
        marker="s",
        ms=3,
        label="stored patterns stable",
    )
    ax.axvline(AGS_CRITICAL_LOAD, color="k", ls="--", lw=1, label=r"$\alpha_c \approx 0.138$")
    ax.set_xlabel(r"load $\alpha = p / n$")
    ax.set_ylabel("overlap / fraction")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(f"Hebbian Hopfield network, n = {result.n_units}, {result.trials} trials")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_figure2_recall(recall, fig: Figure | None = None) -> Figure:
    """Draw the Fig. 2 example: every probe's states sweep by sweep, and the energy of the
    first probe after every single-unit update.

    Parameters
    ----------
    recall : isingml.hopfield.examples.Figure2Recall
        What :func:`isingml.hopfield.examples.figure2_recall` returned.
    fig : matplotlib Figure, optional
        Drawn into (a new figure, sized to the longest recall, by default).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    result, rows = recall.result, recall.recalls
    width = max(int(result.sweeps.max()) + 1, 3)
    if fig is None:
        fig = plt.figure(figsize=(1.7 * width, 1.9 * len(rows) + 2.6))
    grid = fig.add_gridspec(len(rows) + 1, width, height_ratios=[1] * len(rows) + [1.4])
    for k, row in enumerate(rows):
        axes = [fig.add_subplot(grid[k, c]) for c in range(row["sweeps"] + 1)]
        plot_recall(result.history[k], row["sweeps"], axes=axes, label=row["probe"])
        axes[-1].set_xlabel(row["final"], fontsize=8)
    n_units = recall.patterns.shape[1]
    plot_energy_trace(result.update_energies[0], n_units, ax=fig.add_subplot(grid[-1, :]))
    fig.suptitle("Hopfield recall of 4x4 stripes (Hebb rule, asynchronous updates)")
    return fig
