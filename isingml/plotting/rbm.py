"""Restricted Boltzmann machines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    pass

__all__ = ["plot_ising_rbm"]


def plot_ising_rbm(result, axes: np.ndarray | None = None) -> np.ndarray:
    """Energy, |m|, heat capacity and susceptibility per spin against T: training data,
    RBM samples and exact values (the figure of Torlai and Melko 2016).

    Parameters
    ----------
    result : isingml.rbm.ising.IsingRBMResult
    axes : array of 4 Axes, optional

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt

    from isingml.rbm.ising import OBSERVABLES

    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(8, 6), sharex=True)
    axes = np.asarray(axes).ravel()
    labels = {
        "energy_per_spin": "E / N",
        "abs_magnetization": "|m|",
        "heat_capacity": "C / N",
        "susceptibility": r"$\chi$ / N",
    }
    T = result.temperatures
    dense = None
    if result.L <= 4:  # exact curves by enumeration on a fine grid
        from isingml.ising.exact import enumerate_lattice

        grid = np.linspace(T.min() * 0.9, T.max() * 1.05, 80)
        r = enumerate_lattice(result.L, grid)
        dense = {
            "energy_per_spin": r.energy,
            "abs_magnetization": r.abs_magnetization,
            "heat_capacity": r.heat_capacity,
            "susceptibility": r.susceptibility,
        }
    for ax, name in zip(axes, OBSERVABLES, strict=True):
        exact = result.exact[name]
        if dense is not None:
            ax.plot(grid, dense[name], "k-", lw=1, label="exact")
        elif np.isfinite(exact).any():
            ax.plot(T, exact, "k-", lw=1, label="exact")
        ax.errorbar(
            T, result.data[name], yerr=result.data_error[name], fmt="o", ms=4,
            mfc="none", label="training data",
        )  # fmt: skip
        ax.errorbar(
            T, result.rbm[name], yerr=result.rbm_error[name], fmt="s", ms=3, label="RBM samples"
        )
        ax.set_ylabel(labels[name])
    for ax in axes[2:]:
        ax.set_xlabel("T")
    axes[0].legend(fontsize=8)
    axes[0].figure.suptitle(f"RBMs trained on L = {result.L} Ising configurations")
    return axes
