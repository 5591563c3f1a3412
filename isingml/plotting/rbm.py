"""Restricted Boltzmann machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_ising_rbm", "plot_training_curves", "plot_visible_distribution"]


def plot_ising_rbm(result, axes: np.ndarray | None = None) -> np.ndarray:
    """Energy, ``|m|``, heat capacity and susceptibility per spin against T: training data,
    RBM samples and exact values (the figure of Torlai and Melko 2016).

    Parameters
    ----------
    result : isingml.transition.rbm_thermodynamics.IsingRBMResult
    axes : array of 4 Axes, optional

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt

    from isingml.transition.rbm_thermodynamics import OBSERVABLES

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
            T,
            result.data[name],
            yerr=result.data_error[name],
            fmt="o",
            ms=4,
            mfc="none",
            label="training data",
        )
        ax.errorbar(
            T, result.rbm[name], yerr=result.rbm_error[name], fmt="s", ms=3, label="RBM samples"
        )
        ax.set_ylabel(labels[name])
    for ax in axes[2:]:
        ax.set_xlabel("T")
    axes[0].legend(fontsize=8)
    axes[0].figure.suptitle(f"RBMs trained on L = {result.L} Ising configurations")
    return axes


def plot_training_curves(
    histories: Mapping[str, Sequence[float]],
    epochs: Sequence[float] | None = None,
    reference: float | None = None,
    reference_label: str = "bound",
    ylabel: str = "log-likelihood per sample",
    ax: Axes | None = None,
) -> Axes:
    """A quantity against epoch for several training runs, as in the comparison of
    maximum-likelihood learning and contrastive divergence (the primer's Fig. 5).

    Parameters
    ----------
    histories : mapping of str to sequence of float
        One curve per label, e.g. ``{"CD-1": [...], "exact (ML)": [...]}``; ``None`` and
        NaN entries (epochs where nothing was recorded) are skipped.
    epochs : sequence of float, optional
        The epoch of each recorded value, shared by every curve (default: 1, 2, ...).
    reference : float, optional
        A horizontal line, e.g. the largest log-likelihood possible (minus the entropy of
        the data).
    reference_label : str
        Legend entry of ``reference``.
    ylabel : str
        Label of the vertical axis.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    for label, values in histories.items():
        y = np.array([np.nan if v is None else v for v in values], dtype=float)
        if epochs is None:
            x = np.arange(1, y.size + 1, dtype=float)
        else:
            x = np.asarray(epochs, dtype=float)
            if x.shape != y.shape:
                raise InputError(
                    f"epochs has {x.size} entries but the history {label!r} has {y.size}"
                )
        keep = np.isfinite(y)
        ax.plot(x[keep], y[keep], label=str(label))
    if reference is not None:
        ax.axhline(reference, color="k", ls="--", lw=1, label=reference_label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


def plot_visible_distribution(
    exact: np.ndarray, sampled: np.ndarray, ax: Axes | None = None
) -> Axes:
    """Exact probabilities of the visible configurations next to sampled frequencies.

    The configurations are ordered by decreasing exact probability; the title gives the
    total variation distance ``(1/2) sum |p - q|``.

    Parameters
    ----------
    exact : array of float, shape (m,)
        ``P(v)`` of every configuration (e.g. from ``exp(-F(v)) / Z``).
    sampled : array of float, shape (m,)
        Frequencies of the same configurations among samples (normalized here).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    p = np.asarray(exact, dtype=float)
    q = np.asarray(sampled, dtype=float)
    if p.ndim != 1 or p.shape != q.shape:
        raise InputError(f"exact and sampled must be 1-D of one shape, got {p.shape}, {q.shape}")
    if q.sum() <= 0:
        raise InputError("sampled must hold some counts")
    p = p / p.sum()
    q = q / q.sum()
    order = np.argsort(-p, kind="stable")
    rank = np.arange(p.size)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar(rank, p[order], width=0.8, color="0.75", label="exact P(v)")
    ax.plot(rank, q[order], "o", ms=3, color="C3", label="Gibbs samples")
    ax.set_xlabel("visible configuration (by decreasing P)")
    ax.set_ylabel("probability")
    ax.set_title(f"total variation distance {0.5 * np.abs(p - q).sum():.4f}", fontsize=9)
    ax.legend(fontsize=8)
    return ax
