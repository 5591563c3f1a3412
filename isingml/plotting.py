"""Matplotlib figures used by the CLI and notebooks.

matplotlib is imported inside each function, never at module level, so importing
:mod:`isingml` stays cheap and the caller keeps control of the backend.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from isingml.ising.exact import mean_field_magnetization

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_capacity",
    "plot_energy_trace",
    "plot_feature_maps",
    "plot_finite_size_scaling",
    "plot_ising_rbm",
    "plot_latent",
    "plot_mean_field",
    "plot_patterns",
    "plot_phase_classifier",
    "plot_recall",
    "plot_roc",
]

#: Colours of the unit states -1, 0 (unknown) and +1 in pattern images.
_STATE_COLOURS = ("#2c5aa0", "#ffffff", "#c0392b")


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


def _grid_shape(n: int, shape: tuple[int, int] | None) -> tuple[int, int]:
    if shape is not None:
        if shape[0] * shape[1] != n:
            raise ValueError(f"shape {shape} does not hold {n} units")
        return shape
    side = math.isqrt(n)
    if side * side != n:
        raise ValueError(f"give shape= for {n} units (not a square)")
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
        result.alphas, result.overlap, yerr=result.overlap_error, marker="o", ms=3,
        label=f"final overlap (corruption {result.corruption:g})",
    )  # fmt: skip
    ax.errorbar(
        result.alphas, result.stable_fraction, yerr=result.stable_fraction_error, marker="s",
        ms=3, label="stored patterns stable",
    )  # fmt: skip
    ax.axvline(AGS_CRITICAL_LOAD, color="k", ls="--", lw=1, label=r"$\alpha_c \approx 0.138$")
    ax.set_xlabel(r"load $\alpha = p / n$")
    ax.set_ylabel("overlap / fraction")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(f"Hebbian Hopfield network, n = {result.n_units}, {result.trials} trials")
    ax.legend(fontsize=8, loc="lower left")
    return ax


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


def plot_phase_classifier(result, ax: Axes | None = None) -> Axes:
    """Mean P(ordered) of a phase classifier against T, with its T_c estimate and
    Onsager's value (Carrasquilla and Melko 2017).

    Parameters
    ----------
    result : isingml.nn.ising.PhaseClassifierResult
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    ax.errorbar(result.temperatures, result.ordered, yerr=result.ordered_error, marker="o",
                ms=3, label="P(ordered), held-out")  # fmt: skip
    ax.errorbar(result.temperatures, 1 - result.ordered, yerr=result.ordered_error,
                marker="s", ms=3, label="P(disordered)")  # fmt: skip
    ax.axvline(result.t_c, color="C3", ls="--", label=f"estimate {result.t_c:.3f}")
    ax.axvline(T_C, color="k", lw=1, label=f"Onsager {T_C:.3f}")
    ax.axhline(0.5, color="0.7", lw=0.8)
    ax.set_xlabel("T")
    ax.set_ylabel("network output")
    ax.set_title(f"Phase classifier, L = {result.L}")
    ax.legend(fontsize=8)
    return ax


def plot_feature_maps(maps: list[dict[str, np.ndarray]], axes: np.ndarray | None = None):
    """Fig. 12: a grid of feature maps, one row per stage, one column per filter.

    Parameters
    ----------
    maps : output of :func:`isingml.nn.examples.feature_maps`
    axes : 2-D array of Axes, optional

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt

    names = list(maps[0])
    if axes is None:
        _, axes = plt.subplots(len(maps), len(names), figsize=(2.6 * len(names), 2.6 * len(maps)),
                               squeeze=False)  # fmt: skip
    for row, stage in enumerate(maps):
        for col, name in enumerate(names):
            ax = axes[row][col]
            ax.imshow(stage[name], cmap="gray")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name)
        axes[row][0].set_ylabel(f"layer {row + 1}")
    return axes


def plot_latent(analysis, axes: np.ndarray | None = None) -> np.ndarray:
    """The primer's Fig. 14: an autoencoder's one-neuron latent and the magnetization of the
    same configurations against T, and the latent against the magnetization.

    Parameters
    ----------
    analysis : isingml.nn.discovery.SizeAnalysis
        One size of :func:`~isingml.nn.discovery.discover_transition`.
    axes : array of two Axes, optional

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C, spontaneous_magnetization

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    t, z, m = analysis.temperatures, analysis.latent, analysis.magnetization
    # The latent's scale is arbitrary: match its mean |z| to <|m|> at the lowest T.
    coldest = t == t.min()
    scale = np.mean(np.abs(m[coldest])) / max(np.mean(np.abs(z[coldest])), 1e-300)
    rng = np.random.default_rng(0)
    jitter = (rng.random(t.size) - 0.5) * 0.4 * np.min(np.diff(np.unique(t)), initial=0.05)
    ax = axes[0]
    ax.scatter(t + jitter, z * scale, s=1, alpha=0.08, color="C0", rasterized=True)
    curves = analysis.curves
    mean_abs_m = np.array([np.mean(np.abs(m[t == T])) for T in curves.temperatures])
    ax.plot(curves.temperatures, mean_abs_m, "o-", ms=3, color="C2", label="<|m|>")
    ax.plot(curves.temperatures, curves.mean_abs * scale, "s--", ms=3, color="C0",
            label="<|latent|> (scaled); dots: latent")  # fmt: skip
    fine = np.linspace(curves.temperatures.min(), curves.temperatures.max(), 400)
    ax.plot(fine, spontaneous_magnetization(fine), color="k", lw=1,
            label="Onsager-Yang m(T), L = inf")  # fmt: skip
    ax.axvline(T_C, color="C3", label=f"Onsager T_c = {T_C:.3f}")
    estimate = analysis.estimates.get("binder")
    if estimate is not None:
        ax.axvline(estimate.value, color="k", ls=":", lw=1.5,
                   label=f"latent estimate {estimate.value:.3f}")  # fmt: skip
    ax.set_xlabel("T")
    ax.set_ylabel("magnetization, latent")
    ax.set_title(f"One latent neuron, L = {analysis.size}")
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    points = ax.scatter(m, z, s=1, alpha=0.25, c=t, cmap="coolwarm", rasterized=True)
    ax.figure.colorbar(points, ax=ax, label="T")
    ax.set_xlabel("magnetization m")
    ax.set_ylabel("latent z")
    ax.set_title(f"latent vs m: r = {analysis.correlation:.4f}")
    return axes


def plot_finite_size_scaling(fit, ax: Axes | None = None) -> Axes:
    """Per-size T_c estimates against ``L^(-1/nu)``, the fitted line and its extrapolation
    to ``L -> infinity`` next to Onsager's value.

    Parameters
    ----------
    fit : isingml.nn.phase.ScalingFit
    ax : Axes, optional
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    sizes = np.array([e.size for e in fit.estimates], dtype=np.float64)
    x = sizes ** (-1.0 / fit.nu)
    ax.errorbar(x, [e.value for e in fit.estimates], yerr=[e.error for e in fit.estimates],
                fmt="o", label=f"{fit.method} estimate per L")  # fmt: skip
    line = np.linspace(0.0, x.max() * 1.1, 50)
    ax.plot(line, fit.value + fit.slope * line, "C0-", lw=1)
    ax.errorbar([0.0], [fit.value], yerr=[fit.error], fmt="s", color="C1",
                label=f"L -> inf: {fit.value:.4f} +/- {fit.error:.4f}")  # fmt: skip
    ax.axhline(T_C, color="C3", lw=1, label=f"Onsager {T_C:.4f}")
    ax.set_xlabel("1/L" if fit.nu == 1.0 else f"L^(-1/{fit.nu:g})")
    ax.set_ylabel("T_c estimate")
    ax.set_title("Finite-size scaling")
    ax.legend(fontsize=8)
    return ax


def plot_roc(fpr: np.ndarray, tpr: np.ndarray, auc: float | None = None, ax: Axes | None = None):
    """A ROC curve (from :func:`isingml.nn.anomaly.roc_curve`) with its area."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    label = "ROC" if auc is None else f"ROC, AUC = {auc:.4f}"
    ax.plot(fpr, tpr, label=label)  # straight segments: ties interpolate, as the AUC does
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.legend(fontsize=8, loc="lower right")
    return ax
