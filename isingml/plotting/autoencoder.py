"""Autoencoders: the latent against temperature (Fig. 14), Binder crossings, finite-size
scaling, denoising, anomaly scores and ROC, a variational autoencoder's latent."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_anomaly_scores",
    "plot_binder_curves",
    "plot_denoising",
    "plot_finite_size_scaling",
    "plot_latent",
    "plot_roc",
    "plot_spin_images",
    "plot_vae_latent",
]


def plot_latent(analysis, axes: np.ndarray | None = None) -> np.ndarray:
    """The primer's Fig. 14: an autoencoder's one-neuron latent and the magnetization of the
    same configurations against T, and the latent against the magnetization.

    Parameters
    ----------
    analysis : isingml.transition.discovery.SizeAnalysis
        One size of :func:`~isingml.transition.discovery.discover_transition`.
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
    ax.plot(
        curves.temperatures,
        curves.mean_abs * scale,
        "s--",
        ms=3,
        color="C0",
        label="<|latent|> (scaled); dots: latent",
    )
    fine = np.linspace(curves.temperatures.min(), curves.temperatures.max(), 400)
    ax.plot(
        fine, spontaneous_magnetization(fine), color="k", lw=1, label="Onsager-Yang m(T), L = inf"
    )
    ax.axvline(T_C, color="C3", label=f"Onsager T_c = {T_C:.3f}")
    estimate = analysis.estimates.get("binder")
    if estimate is not None:
        ax.axvline(
            estimate.value,
            color="k",
            ls=":",
            lw=1.5,
            label=f"latent estimate {estimate.value:.3f}",
        )
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
    fit : isingml.transition.latents.ScalingFit
    ax : Axes, optional
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    sizes = np.array([e.size for e in fit.estimates], dtype=np.float64)
    x = sizes ** (-1.0 / fit.nu)
    ax.errorbar(
        x,
        [e.value for e in fit.estimates],
        yerr=[e.error for e in fit.estimates],
        fmt="o",
        label=f"{fit.method} estimate per L",
    )
    line = np.linspace(0.0, x.max() * 1.1, 50)
    ax.plot(line, fit.value + fit.slope * line, "C0-", lw=1)
    ax.errorbar(
        [0.0],
        [fit.value],
        yerr=[fit.error],
        fmt="s",
        color="C1",
        label=f"L -> inf: {fit.value:.4f} +/- {fit.error:.4f}",
    )
    ax.axhline(T_C, color="C3", lw=1, label=f"Onsager {T_C:.4f}")
    ax.set_xlabel("1/L" if fit.nu == 1.0 else f"L^(-1/{fit.nu:g})")
    ax.set_ylabel("T_c estimate")
    ax.set_title("Finite-size scaling")
    ax.legend(fontsize=8)
    return ax


def plot_roc(
    fpr: np.ndarray,
    tpr: np.ndarray,
    auc: float | None = None,
    ax: Axes | None = None,
    label: str | None = None,
) -> Axes:
    """A ROC curve (from :func:`isingml.nn.anomaly.roc_curve`) with its area.

    Parameters
    ----------
    fpr, tpr : array
        False- and true-positive rates.
    auc : float, optional
        The area, written in the legend.
    ax : Axes, optional
        Call again with the same ``ax`` to compare curves (the diagonal is drawn once).
    label : str, optional
        Names the curve in the legend (default "ROC").

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if not any(line.get_gid() == "roc-chance" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--", gid="roc-chance")
    name = "ROC" if label is None else label
    text = name if auc is None else f"{name}, AUC = {auc:.4f}"
    ax.plot(fpr, tpr, label=text)  # straight segments: ties interpolate, as the AUC does
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def _images(configs: object) -> np.ndarray:
    """``(k, L, L)`` float images of square configurations given as ``(k, L, L)``,
    ``(k, L*L)``, one ``(L, L)`` (a square 2-D array is one configuration) or one flat."""
    arr = np.asarray(configs, dtype=np.float64)
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == arr.shape[1]):
        arr = arr[None]
    if arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side != arr.shape[1]:
            raise InputError(f"configurations of {arr.shape[1]} values are not square lattices")
        arr = arr.reshape(len(arr), side, side)
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[0] == 0:
        raise InputError(f"expected L x L configurations, got shape {np.shape(configs)}")
    return arr


def _show(ax: Axes, image: np.ndarray, title: str | None) -> None:
    ax.imshow(image, cmap="RdBu_r", vmin=-1.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def plot_spin_images(
    configs: np.ndarray, titles: list[str] | None = None, axes: np.ndarray | None = None
) -> np.ndarray:
    """Spin configurations as images, one per axis: +1 red, -1 blue, values between
    (an autoencoder's decoded mean spins) shaded in between.

    Parameters
    ----------
    configs : array, shape (k, L, L), (k, L*L) or (L, L)
        Values in [-1, 1].
    titles : list of str, optional
    axes : array of Axes, optional
        ``k`` axes to draw in (default: a new row of them).

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt

    images = _images(configs)
    k = len(images)
    if axes is None:
        _, axes = plt.subplots(1, k, figsize=(1.7 * k, 1.9), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < k:
        raise InputError(f"axes: {k} configurations need {k} axes, got {len(axes)}")
    for i in range(k):
        _show(axes[i], images[i], None if titles is None or i >= len(titles) else titles[i])
    return axes


def plot_denoising(
    clean: np.ndarray,
    noisy: np.ndarray,
    restored: np.ndarray,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Denoising at a glance: one row per configuration, the clean configuration, the
    corrupted input and the autoencoder's output, each titled with its share of spins
    that differ from the clean one.

    Parameters
    ----------
    clean, noisy, restored : array, shape (k, L, L), (k, L*L) or (L, L)
        +/-1 spins (``restored`` from :meth:`isingml.nn.Autoencoder.denoise`).
    axes : 2-D array of Axes, optional
        ``(k, 3)`` axes (default: a new figure).

    Returns
    -------
    ndarray of Axes, shape (k, 3)
    """
    import matplotlib.pyplot as plt

    c, n, r = _images(clean), _images(noisy), _images(restored)
    if not c.shape == n.shape == r.shape:
        raise InputError(
            f"clean, noisy and restored must have one shape, got {c.shape}, "
            f"{n.shape} and {r.shape}"
        )
    k = len(c)
    if axes is None:
        _, axes = plt.subplots(k, 3, figsize=(5.4, 1.9 * k), squeeze=False)
    axes = np.asarray(axes).reshape(-1, 3)
    if len(axes) < k:
        raise InputError(f"axes: {k} configurations need ({k}, 3) axes, got {axes.shape}")
    for i in range(k):
        wrong_in = np.mean(n[i] != c[i])
        wrong_out = np.mean(r[i] != c[i])
        _show(axes[i, 0], c[i], "clean")
        _show(axes[i, 1], n[i], f"input: {wrong_in:.1%} wrong")
        _show(axes[i, 2], r[i], f"output: {wrong_out:.1%} wrong")
    return axes


def plot_binder_curves(curves, ax: Axes | None = None) -> Axes:
    """The latent's Binder ratio ``1 - <z^4>/(3 <z^2>^2)`` against T, one line per size:
    the curves of different sizes cross near T_c, at the universal value U*.

    Parameters
    ----------
    curves : sequence of isingml.transition.latents.LatentCurves
        One per lattice size (e.g. ``analysis.sizes[L].curves``).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C
    from isingml.transition.latents import BINDER_CRITICAL

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    for i, c in enumerate(sorted(curves, key=lambda c: c.size)):
        ax.plot(c.temperatures, c.binder, "o-", ms=3, color=f"C{i}", label=f"L = {c.size}")
    ax.axhline(BINDER_CRITICAL, color="0.5", lw=1, ls="--", label=f"U* = {BINDER_CRITICAL}")
    ax.axvline(T_C, color="C3", lw=1, label=f"Onsager T_c = {T_C:.3f}")
    ax.set_xlabel("T")
    ax.set_ylabel("Binder ratio of the latent")
    ax.set_title("Binder ratio crossing")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_anomaly_scores(
    scores: np.ndarray,
    temperatures: np.ndarray,
    threshold: float | None = None,
    log: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Anomaly scores (reconstruction losses) of configurations against their temperature:
    every configuration as a dot, the median per temperature as a line, the detector's
    threshold and Onsager's T_c.

    Parameters
    ----------
    scores, temperatures : array (n,)
        One score and one temperature per configuration.
    threshold : float, optional
        The detector's threshold (``AnomalyDetector.threshold_``).
    log : bool
        A logarithmic score axis.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C

    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    t = np.asarray(temperatures, dtype=np.float64).reshape(-1)
    if s.size != t.size:
        raise InputError(
            f"scores and temperatures must have one length, got {s.size} and {t.size}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    levels = np.unique(t)
    step = np.min(np.diff(levels), initial=0.1) if levels.size > 1 else 0.1
    jitter = (np.random.default_rng(0).random(t.size) - 0.5) * 0.4 * step
    ax.scatter(t + jitter, s, s=2, alpha=0.15, color="C0", rasterized=True)
    medians = np.array([np.median(s[t == T]) for T in levels])
    ax.plot(levels, medians, "o-", ms=3, color="C1", label="median per T")
    if threshold is not None:
        ax.axhline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:.3g}")
    ax.axvline(T_C, color="C3", lw=1, label=f"Onsager T_c = {T_C:.3f}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("T")
    ax.set_ylabel("reconstruction loss (anomaly score)")
    ax.legend(fontsize=8)
    return ax


def plot_vae_latent(
    mean: np.ndarray,
    std: np.ndarray,
    magnetization: np.ndarray,
    temperatures: np.ndarray,
    n_bars: int = 60,
    ax: Axes | None = None,
) -> Axes:
    """A variational autoencoder's one-dimensional latent against the magnetization: the
    latent mean of every configuration coloured by T, and the latent's standard deviation
    as error bars on ``n_bars`` of them.

    Parameters
    ----------
    mean, std : array (n,) or (n, 1)
        From :meth:`isingml.nn.VariationalAutoencoder.latent_distribution`.
    magnetization, temperatures : array (n,)
    n_bars : int
        Configurations that get an error bar (evenly spread over the data).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    mu = np.asarray(mean, dtype=np.float64).reshape(-1)
    sd = np.asarray(std, dtype=np.float64).reshape(-1)
    m = np.asarray(magnetization, dtype=np.float64).reshape(-1)
    t = np.asarray(temperatures, dtype=np.float64).reshape(-1)
    if not mu.size == sd.size == m.size == t.size:
        raise InputError(
            f"mean, std, magnetization and temperatures must have one length, "
            f"got {mu.size}, {sd.size}, {m.size} and {t.size}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5.4, 3.8))
    pick = np.unique(np.linspace(0, mu.size - 1, min(n_bars, mu.size)).astype(np.int64))
    ax.errorbar(
        m[pick],
        mu[pick],
        yerr=sd[pick],
        fmt="none",
        ecolor="0.6",
        lw=0.8,
        label="latent mean +/- std (some)",
    )
    points = ax.scatter(m, mu, s=2, alpha=0.4, c=t, cmap="coolwarm", rasterized=True)
    ax.figure.colorbar(points, ax=ax, label="T")
    r = np.corrcoef(mu, m)[0, 1] if mu.size > 1 else float("nan")
    ax.set_xlabel("magnetization m")
    ax.set_ylabel("latent mean")
    ax.set_title(f"VAE latent vs m: r = {r:.4f}")
    ax.legend(fontsize=8, loc="upper left")
    return ax
