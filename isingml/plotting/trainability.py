"""Trainability of deep random networks against depth and sigma_w^2 (Schoenholz et al.
2017)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_trainability"]

#: Points of the ``multiple * xi_c`` curve across the scanned sigma_w^2 range.
_CURVE_POINTS = 61


def _edges(centres: np.ndarray, geometric: bool) -> np.ndarray:
    """Cell edges around increasing centres: midpoints (geometric ones for a log axis),
    the outer cells as wide as their neighbours."""
    x = np.log(centres) if geometric else np.asarray(centres, dtype=float)
    if x.size == 1:
        half = np.log(2.0) / 2 if geometric else 0.5
        edges = np.array([x[0] - half, x[0] + half])
    else:
        inner = (x[1:] + x[:-1]) / 2
        edges = np.concatenate([[2 * x[0] - inner[0]], inner, [2 * x[-1] - inner[-1]]])
    return np.exp(edges) if geometric else edges


def _xi_curve(result, multiple: float) -> tuple[np.ndarray, np.ndarray]:
    """``multiple * xi_c`` on a fine sigma_w^2 grid (NaN where xi_c is infinite)."""
    from isingml.theory.signal import MeanField

    lo, hi = float(result.sigma_w2s[0]), float(result.sigma_w2s[-1])
    grid = np.linspace(lo, hi, _CURVE_POINTS) if hi > lo else np.array([lo])
    xi = np.array([MeanField(result.activation, float(s), result.sigma_b2).xi_c for s in grid])
    return grid, np.where(np.isfinite(xi), multiple * xi, np.nan)


def plot_trainability(
    result, ax: Axes | None = None, multiple: float = 6.0, fraction: float = 0.5
) -> Axes:
    """Held-out accuracy over (sigma_w^2, depth) with the curve ``multiple * xi_c``, as in
    Fig. 6 of Schoenholz et al. (2017).

    Draws the accuracy as a colour map (depth on a log axis), the mean-field curve
    ``multiple * xi_c(sigma_w^2)`` (white), the critical sigma_w^2 (dashed) and, per
    sigma_w^2, the deepest network whose accuracy exceeds
    :meth:`~isingml.theory.trainability.TrainabilityResult.threshold` (dots).

    Parameters
    ----------
    result : isingml.theory.trainability.TrainabilityResult
    ax : Axes, optional
    multiple : float
        Multiple of ``xi_c`` drawn (about 6 in Schoenholz et al.), > 0.
    fraction : float
        Threshold fraction between chance and the best accuracy, in (0, 1).

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    if not (isinstance(multiple, (int, float)) and np.isfinite(multiple) and multiple > 0):
        raise InputError(f"multiple must be a finite number > 0, got {multiple!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    x_edges = _edges(result.sigma_w2s, geometric=False)
    y_edges = _edges(result.depths.astype(float), geometric=True)
    best = max(float(result.accuracy.max()), result.chance + 1e-9)
    mesh = ax.pcolormesh(
        x_edges, y_edges, result.accuracy, cmap="viridis", vmin=result.chance, vmax=best
    )
    ax.figure.colorbar(mesh, ax=ax, label=f"held-out accuracy (chance {result.chance:.2g})")
    grid, curve = _xi_curve(result, multiple)
    ax.plot(grid, curve, color="white", lw=2, label=rf"${multiple:g}\,\xi_c$ (mean field)")
    critical = result.sigma_w2_critical
    if np.isfinite(critical):
        label = rf"critical $\sigma_w^2 = {critical:.3g}$"
        ax.axvline(critical, color="C3", ls="--", lw=1.2, label=label)
    label = f"deepest trained (accuracy > {result.threshold(fraction):.2f})"
    depth = result.trainable_depth(fraction)
    ax.plot(result.sigma_w2s, depth, "o", color="white", mec="k", ms=5, ls="none", label=label)
    ax.set_yscale("log", base=2)
    ax.set_yticks(result.depths, [str(d) for d in result.depths])
    ax.minorticks_off()
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(y_edges[0], y_edges[-1])
    ax.set_xlabel(r"$\sigma_w^2$")
    ax.set_ylabel("depth $L$")
    ax.set_title(
        f"{result.activation}, $\\sigma_b^2 = {result.sigma_b2:g}$, width {result.width}, "
        f"{result.epochs} epochs of SGD"
    )
    ax.legend(fontsize=7, loc="lower right", framealpha=0.8)
    return ax
