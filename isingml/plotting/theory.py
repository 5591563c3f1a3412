"""Signal propagation through deep random networks: the order-to-chaos phase diagram, the
flow of lengths and correlations with depth, and the pre-activation distributions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_phase_diagram", "plot_preactivation_histograms", "plot_signal_propagation"]

_QUANTITIES = ("xi_c", "chi_1")


def _cell_edges(centres: np.ndarray) -> np.ndarray:
    """Edges of cells around increasing centres (outer cells as wide as their neighbours)."""
    x = np.asarray(centres, dtype=float)
    if x.size == 1:
        return np.array([x[0] - 0.5, x[0] + 0.5])
    inner = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[2 * x[0] - inner[0]], inner, [2 * x[-1] - inner[-1]]])


def plot_phase_diagram(diagram, quantity: str = "xi_c", ax: Axes | None = None) -> Axes:
    """The ``(sigma_w^2, sigma_b^2)`` plane coloured by ``xi_c`` (log scale) or ``chi_1``,
    with the critical line ``chi_1 = 1`` and the two phases labelled (Poole et al. 2016,
    Schoenholz et al. 2017).

    Parameters
    ----------
    diagram : isingml.theory.PhaseDiagram
        From :func:`isingml.theory.phase_diagram`.
    quantity : {"xi_c", "chi_1"}
        The colour: the correlation depth scale (infinite cells, on the critical line, are
        drawn at the largest finite value; cells where the length has no fixed point,
        such as ReLU beyond ``sigma_w2 = 2``, in grey, and the phase beyond the line is
        labelled "unbounded q") or the slope ``chi_1``.
    ax : Axes, optional

    Returns
    -------
    Axes
        The critical line (on the diagram's fine ``line_sigma_b2`` grid) is the line
        labelled ``"critical line"``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm, TwoSlopeNorm

    if quantity not in _QUANTITIES:
        raise InputError(f"quantity must be one of {_QUANTITIES}, got {quantity!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    sw, sb = np.asarray(diagram.sigma_w2), np.asarray(diagram.sigma_b2)
    x_edges, y_edges = _cell_edges(sw), _cell_edges(sb)
    unbounded = ~np.isfinite(np.asarray(diagram.q_star, dtype=float))
    if quantity == "xi_c":
        values = np.array(diagram.xi_c, dtype=float)
        finite = values[np.isfinite(values) & (values > 0) & ~unbounded]
        top = finite.max() if finite.size else 1.0
        low = finite.min() if finite.size else 0.1
        values = np.maximum(np.where(np.isfinite(values), values, top), low)
        cmap, norm = plt.get_cmap("magma").with_extremes(bad="0.8"), LogNorm(low, top)
        label = r"correlation depth $\xi_c$ (layers)"
    else:
        values = np.array(diagram.chi_1, dtype=float)
        finite = values[np.isfinite(values)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 2.0)
        norm = TwoSlopeNorm(1.0, min(lo, 1.0 - 1e-9), max(hi, 1.0 + 1e-9))
        cmap, label = plt.get_cmap("RdBu_r"), r"$\chi_1$"
    if quantity == "xi_c":  # no fixed length (ReLU beyond sigma_w2 = 2): grey
        values = np.ma.masked_where(unbounded, values)
    mesh = ax.pcolormesh(x_edges, y_edges, values, cmap=cmap, norm=norm)
    ax.figure.colorbar(mesh, ax=ax, label=label)
    line_w, line_b = np.asarray(diagram.line_sigma_w2), np.asarray(diagram.line_sigma_b2)
    ax.plot(line_w, line_b, color="white", lw=2.5)
    ax.plot(line_w, line_b, color="k", lw=1.2, ls="--", label="critical line")
    right = "unbounded q" if unbounded[:, -1].any() else "chaotic"
    _label_phases(ax, np.asarray(diagram.critical_sigma_w2, dtype=float), sb, x_edges, right)
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(y_edges[0], y_edges[-1])
    ax.set_xlabel(r"weight variance $\sigma_w^2$")
    ax.set_ylabel(r"bias variance $\sigma_b^2$")
    ax.set_title(f"{diagram.activation}: order to chaos ($\\chi_1 = 1$)")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def _label_phases(
    ax: Axes, critical: np.ndarray, sb: np.ndarray, x_edges: np.ndarray, right: str
) -> None:
    """Write "ordered" and ``right`` on either side of the critical line, mid-height."""
    inside = np.isfinite(critical) & (critical > x_edges[0]) & (critical < x_edges[-1])
    if not inside.any():
        return
    k = np.flatnonzero(inside)[inside.sum() // 2]
    style = {"ha": "center", "va": "center", "fontsize": 10, "color": "white", "weight": "bold"}
    ax.text(0.5 * (x_edges[0] + critical[k]), sb[k], "ordered", **style)
    ax.text(0.5 * (critical[k] + x_edges[-1]), sb[k], right, **style)


def plot_signal_propagation(result, axes: np.ndarray | None = None, comparison=None) -> np.ndarray:
    """Length ``q_l`` and correlation ``c_l`` of the pre-activations against depth:
    mean-field lines, simulated means with their standard errors, and the fixed points.

    Parameters
    ----------
    result : isingml.theory.NetworkSimulation
        From :func:`isingml.theory.simulate_random_network`.
    axes : array of two Axes, optional
        Where to draw ``q_l`` and ``c_l`` (default: a new row of two).
    comparison : isingml.theory.TheoryComparison, optional
        The theory to draw (default: :func:`isingml.theory.compare_with_theory`).

    Returns
    -------
    ndarray of two Axes
        Lines labelled ``"mean-field theory"`` and ``"q*"`` / ``"c*"``; the error bars
        labelled ``"simulation"``.
    """
    import matplotlib.pyplot as plt

    from isingml.theory import compare_with_theory

    if comparison is None:
        comparison = compare_with_theory(result)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes = np.asarray(axes).ravel()
    mf = result.mean_field()
    layers = comparison.layers
    panels = (
        (axes[0], comparison.q_theory, comparison.q_sim, comparison.q_error, mf.q_star, "q"),
        (axes[1], comparison.c_theory, comparison.c_sim, comparison.c_error, mf.c_star, "c"),
    )
    for ax, theory, sim, error, fixed, name in panels:
        ax.plot(layers, theory, color="k", lw=1.5, label="mean-field theory")
        ax.errorbar(
            layers,
            sim,
            yerr=error,
            fmt="o",
            ms=4,
            color="C1",
            capsize=2,
            label=f"simulation ({result.draws} networks)",
        )
        # No q* line where every length is fixed (ReLU at He initialisation: xi_q = inf).
        relaxes = name == "c" or math.isfinite(mf.xi_q)
        if math.isfinite(fixed) and relaxes:
            ax.axhline(fixed, color="C0", ls=":", lw=1.2, label=f"{name}* = {fixed:.4g}")
        ax.set_xlabel("layer $l$")
        ax.legend(fontsize=8)
    axes[0].set_ylabel(r"length $q_l = \langle h_i^2 \rangle$")
    axes[1].set_ylabel(r"correlation $c_l$")
    axes[0].set_title(
        f"{result.activation}, $\\sigma_w^2 = {result.sigma_w2:g}$, "
        f"$\\sigma_b^2 = {result.sigma_b2:g}$, width {result.width}"
    )
    xi = r"\infty" if math.isinf(mf.xi_c) else f"{mf.xi_c:.3g}"
    axes[1].set_title(f"{mf.phase}, $\\xi_c = {xi}$")
    return axes


def plot_preactivation_histograms(
    result, layers: list[int] | None = None, ax: Axes | None = None
) -> Axes:
    """Histograms of the pre-activations at chosen layers against the Gaussians
    ``N(0, q_l)`` of the theory, and ``N(0, q*)`` where they flow to.

    Parameters
    ----------
    result : isingml.theory.NetworkSimulation
    layers : list of int, optional
        Layers (1-based) to draw (default: 1, 2, 4 and the last).
    ax : Axes, optional

    Returns
    -------
    Axes
        One step line per layer (labelled ``"layer l"``), one theory curve per layer
        (``"N(0, q_l)"``, unlabelled past the first) and the fixed point ``"N(0, q*)"``.
    """
    import matplotlib.pyplot as plt

    depth = result.depth
    if layers is None:
        layers = sorted({1, min(2, depth), min(4, depth), depth})
    layers = [int(layer) for layer in layers]
    if any(not 1 <= layer <= depth for layer in layers):
        raise InputError(f"layers must lie in [1, {depth}], got {layers}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.6))
    mf = result.mean_field()
    q_theory, _ = mf.iterate(result.q0, result.c0, depth)
    density = result.density()
    for k, layer in enumerate(layers):
        edges = result.hist_edges[layer - 1]
        colour = f"C{k % 10}"
        ax.stairs(density[layer - 1], edges, color=colour, lw=1.5, label=f"layer {layer}")
        h = np.linspace(edges[0], edges[-1], 400)
        ax.plot(
            h,
            _gaussian(h, q_theory[layer - 1]),
            color=colour,
            lw=0.8,
            ls="--",
            label=r"$N(0, q_l)$" if k == 0 else None,
        )
    if math.isfinite(mf.q_star) and mf.q_star > 0:
        reach = max(np.abs(result.hist_edges[[layer - 1 for layer in layers]]).max(), 1e-12)
        h = np.linspace(-reach, reach, 400)
        ax.plot(h, _gaussian(h, mf.q_star), color="k", lw=1.2, label=r"$N(0, q^*)$")
    ax.set_xlabel("pre-activation $h$")
    ax.set_ylabel("probability density")
    ax.set_title(f"pre-activations, {result.draws} networks x {result.width} units")
    ax.legend(fontsize=8)
    return ax


def _gaussian(h: np.ndarray, q: float) -> np.ndarray:
    return np.exp(-0.5 * h * h / q) / math.sqrt(2.0 * math.pi * q)
