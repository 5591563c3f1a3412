"""The Ising model: mean-field theory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from isingml.ising.exact import mean_field_magnetization

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_mean_field"]


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
