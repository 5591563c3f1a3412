"""Feedforward and convolutional networks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_feature_maps", "plot_phase_classifier"]


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
