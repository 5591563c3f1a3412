"""Autoencoders: the latent against temperature (Fig. 14), finite-size scaling, ROC."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_finite_size_scaling", "plot_latent", "plot_roc"]


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
