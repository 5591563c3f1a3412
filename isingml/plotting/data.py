"""Spin datasets: configurations per temperature, magnetization histograms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_configurations", "plot_magnetization_histograms"]

#: Colours of spin -1 and spin +1 in configuration images.
_SPIN_COLOURS = ("#2c5aa0", "#f4f1e8")


def plot_configurations(
    spins: np.ndarray,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Draw a grid of +/-1 spin configurations as images (spin -1 dark, +1 light).

    Parameters
    ----------
    spins : array_like, shape (rows, cols, L, L) or (n, L, L)
        Configurations of +/-1 (any numeric dtype); a 3-D array is drawn as one row.
        Typically one column per temperature and one row per sample.
    row_labels, col_labels : sequence of str, optional
        Labels of the rows (drawn as y labels of the first column) and of the columns
        (titles of the first row), e.g. ``"T = 2.27"``.
    axes : array of Axes, optional
        ``rows * cols`` axes to draw in (default: a new figure).

    Returns
    -------
    ndarray of Axes, shape (rows, cols)
        Each holds one image whose data is the configuration drawn.

    Raises
    ------
    ValueError
        When ``spins`` is not 3-D or 4-D, holds values other than -1 and +1, or ``axes``
        holds another number of axes.
    """
    s = np.asarray(spins)
    if s.ndim == 3:
        s = s[None]
    if s.ndim != 4:
        raise InputError(f"spins must have shape (rows, cols, L, L) or (n, L, L), got {s.shape}")
    if not np.isin(s, (-1, 1)).all():
        raise InputError("spins must hold only -1 and +1")
    rows, cols = s.shape[:2]
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.5 * rows + 0.3), squeeze=False)
    axes = np.asarray(axes)
    if axes.size != rows * cols:
        raise InputError(f"axes must hold {rows * cols} Axes, got {axes.size}")
    axes = axes.reshape(rows, cols)
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(_SPIN_COLOURS)
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            ax.imshow(s[i, j], cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0 and col_labels is not None and j < len(col_labels):
                ax.set_title(col_labels[j], fontsize=9)
            if j == 0 and row_labels is not None and i < len(row_labels):
                ax.set_ylabel(row_labels[i], fontsize=9)
    return axes


def plot_magnetization_histograms(
    magnetization: np.ndarray,
    temperature: np.ndarray,
    bins: int = 41,
    style: str = "image",
    exact: bool = True,
    ax: Axes | None = None,
    cmap: str | None = None,
) -> Axes:
    """Histogram of the magnetization per spin ``m`` at each temperature.

    Below ``T_c`` the histogram of a finite lattice has two peaks near ``+-m0(T)`` (a chain
    that has not tunnelled fills only one of them); above ``T_c`` the two merge into one
    peak at ``m = 0`` that narrows as ``T`` rises.

    With ``style="image"`` the histograms are the columns of an image over the
    ``(T, m)`` plane, each scaled to its own maximum (the low-temperature peaks are far
    higher than the high-temperature ones), and ``exact`` overlays Yang's spontaneous
    magnetization ``+-m0(T)`` of the infinite lattice. With ``style="lines"`` they are step
    lines of probability density against ``m``, one per temperature, coloured by ``T``.

    Parameters
    ----------
    magnetization : array_like, shape (n,)
        Magnetization per spin of each sample (e.g. the ``magnetization`` column of a
        dataset).
    temperature : array_like, shape (n,)
        Temperature of each sample.
    bins : int, default 41
        Equal bins on ``[-1, 1]``.
    style : {"image", "lines"}, default "image"
    exact : bool, default True
        With ``style="image"``, draw ``+-m0(T)`` (for ``J = 1``) as dashed white lines.
    ax : matplotlib.axes.Axes, optional
    cmap : str, optional
        Colormap: of the scaled density for ``"image"`` (default ``"viridis"``), of the
        temperatures for ``"lines"`` (default ``"coolwarm"``). A colorbar is added.

    Returns
    -------
    matplotlib.axes.Axes
        ``"image"``: one ``QuadMesh`` whose array is the scaled histograms, shape
        ``(bins, number of temperatures)``. ``"lines"``: one step line per distinct
        temperature, in increasing order of ``T``, whose y data is the density at the bin
        edges (``drawstyle="steps-post"``, the last value repeated).
    """
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    m = np.asarray(magnetization, dtype=np.float64).ravel()
    t = np.asarray(temperature, dtype=np.float64).ravel()
    if m.shape != t.shape or m.size == 0:
        raise InputError(
            f"magnetization and temperature must be non-empty and of one length, got "
            f"{m.size} and {t.size}"
        )
    if style not in ("image", "lines"):
        raise InputError(f"style must be 'image' or 'lines', got {style!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    temps = np.unique(t)
    edges = np.linspace(-1.0, 1.0, bins + 1)
    density = np.array([np.histogram(m[t == T], bins=edges, density=True)[0] for T in temps])
    if style == "image":
        if temps.size > 1:  # cells centred on the temperatures
            mid = 0.5 * (temps[1:] + temps[:-1])
            t_edges = np.concatenate([[2 * temps[0] - mid[0]], mid, [2 * temps[-1] - mid[-1]]])
        else:
            t_edges = np.array([temps[0] - 0.5, temps[0] + 0.5])
        scaled = density / np.maximum(density.max(axis=1, keepdims=True), 1e-300)
        mesh = ax.pcolormesh(t_edges, edges, scaled.T, cmap=cmap or "viridis", shading="flat")
        ax.figure.colorbar(mesh, ax=ax, label="histogram / its maximum")
        if exact:
            from isingml.ising.exact import spontaneous_magnetization

            fine = np.linspace(t_edges[0], t_edges[-1], 400)
            m0 = spontaneous_magnetization(fine)
            ax.plot(fine, m0, "w--", lw=1, label=r"$\pm m_0(T)$, Onsager-Yang")
            ax.plot(fine, -m0, "w--", lw=1)
            ax.legend(fontsize="small", loc="upper right")
        ax.set_xlim(t_edges[0], t_edges[-1])
        ax.set_ylim(-1.0, 1.0)
        ax.set_xlabel("temperature $T$")
        ax.set_ylabel("magnetization per spin $m$")
        return ax
    norm = Normalize(temps.min(), temps.max() if temps.size > 1 else temps.min() + 1.0)
    colours = plt.get_cmap(cmap or "coolwarm")
    for T, d in zip(temps, density, strict=True):
        ax.plot(
            edges,
            np.append(d, d[-1]),
            drawstyle="steps-post",
            color=colours(norm(T)),
            lw=1.2,
            label=f"T = {T:.3g}",
        )
    ax.figure.colorbar(ScalarMappable(norm=norm, cmap=colours), ax=ax, label="temperature $T$")
    ax.set_xlim(-1.0, 1.0)
    ax.set_xlabel("magnetization per spin $m$")
    ax.set_ylabel("probability density")
    return ax
