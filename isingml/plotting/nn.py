"""Feedforward and convolutional networks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from isingml.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_activations",
    "plot_convolution",
    "plot_feature_maps",
    "plot_loss_curves",
    "plot_matrix",
    "plot_phase_classifier",
]

#: Outline colours of the highlighted windows of :func:`plot_convolution` (the primer's
#: yellow and orange boxes first).
_HIGHLIGHT_COLOURS = ("gold", "darkorange", "C3", "C4", "C0", "C2")


def plot_phase_classifier(result, ax: Axes | None = None) -> Axes:
    """Mean P(ordered) of a phase classifier against T, with its T_c estimate and
    Onsager's value (Carrasquilla and Melko 2017).

    Parameters
    ----------
    result : isingml.transition.classifier.PhaseClassifierResult
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    from isingml.ising.exact import T_C

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    ax.errorbar(
        result.temperatures,
        result.ordered,
        yerr=result.ordered_error,
        marker="o",
        ms=3,
        label="P(ordered), held-out",
    )
    ax.errorbar(
        result.temperatures,
        1 - result.ordered,
        yerr=result.ordered_error,
        marker="s",
        ms=3,
        label="P(disordered)",
    )
    ax.axvline(result.t_c, color="C3", ls="--", label=f"estimate {result.t_c:.3f}")
    ax.axvline(T_C, color="k", lw=1, label=f"Onsager {T_C:.3f}")
    ax.axhline(0.5, color="0.7", lw=0.8)
    ax.set_xlabel("T")
    ax.set_ylabel("network output")
    ax.set_title(f"Phase classifier, L = {result.L}")
    ax.legend(fontsize=8)
    return ax


def plot_feature_maps(
    maps: list[dict[str, np.ndarray]],
    axes: np.ndarray | None = None,
    clip: float | None = 99.0,
) -> np.ndarray:
    """Fig. 12: a grid of feature maps, one row per stage, one column per filter.

    Parameters
    ----------
    maps : output of :func:`isingml.nn.examples.feature_maps`
    axes : 2-D array of Axes, optional
    clip : float or None
        Percentile of each map drawn as white (brighter pixels saturate), so that a few
        very strong responses do not leave the rest of the map black; None: each map's
        maximum.

    Returns
    -------
    ndarray of Axes
    """
    import matplotlib.pyplot as plt

    names = list(maps[0])
    if axes is None:
        _, axes = plt.subplots(
            len(maps), len(names), figsize=(2.6 * len(names), 2.6 * len(maps)), squeeze=False
        )
    for row, stage in enumerate(maps):
        for col, name in enumerate(names):
            ax = axes[row][col]
            image = np.asarray(stage[name], dtype=float)
            low = min(float(image.min()), 0.0)
            high = float(image.max() if clip is None else np.percentile(image, clip))
            ax.imshow(image, cmap="gray", vmin=low, vmax=max(high, low + 1e-12))
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name)
        axes[row][0].set_ylabel(f"layer {row + 1}")
    return axes


def plot_activations(
    activations: dict | None = None,
    z: np.ndarray | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Fig. 6: activation functions ``sigma(z)`` drawn by their layers' forward passes.

    Parameters
    ----------
    activations : dict of label to :class:`~isingml.nn.Layer`, optional
        Parameter-free layers applied elementwise. Default: ReLU (Eq. 36), sigmoid
        (Eq. 37) and tanh (Eq. 38).
    z : 1-D ndarray, optional
        Pre-activations; default 401 points on ``[-4, 4]``.
    ax : Axes, optional

    Returns
    -------
    Axes
        One line per activation, labelled by its key.
    """
    import matplotlib.pyplot as plt

    from isingml.nn import ReLU, Sigmoid, Tanh

    if activations is None:
        activations = {"ReLU": ReLU(), "sigmoid": Sigmoid(), "tanh": Tanh()}
    zs = np.linspace(-4.0, 4.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    if zs.ndim != 1:
        raise InputError(f"z must be 1-D, got shape {zs.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    for label, layer in activations.items():
        ax.plot(zs, layer.forward(zs[:, None])[:, 0], label=label)
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel("z")
    ax.set_ylabel(r"$\sigma(z)$")
    ax.legend(fontsize=8)
    return ax


def plot_loss_curves(
    histories: dict[str, dict[str, list[float]]],
    key: str = "loss",
    validation: bool = True,
    logy: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Training curves: one quantity per epoch for several runs.

    Parameters
    ----------
    histories : dict of label to history
        Each the ``history_`` of a fitted :class:`isingml.nn.Sequential` (or autoencoder):
        per-epoch lists such as ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``.
    key : str
        The quantity to draw (solid line, against epochs 1, 2, ...).
    validation : bool
        Also draw ``"val_" + key``, dashed in the same colour, where a history has it.
    logy : bool
        Logarithmic vertical axis.
    ax : Axes, optional

    Returns
    -------
    Axes
        The training lines are labelled by their run; the validation lines by the run
        and ``"(validation)"``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    for i, (label, history) in enumerate(histories.items()):
        if key not in history:
            raise InputError(f"history {label!r} has no {key!r} (it has {sorted(history)})")
        colour = f"C{i % 10}"
        values = np.asarray(history[key], dtype=float)
        ax.plot(
            np.arange(1, len(values) + 1), values, color=colour, marker="o", ms=3, label=str(label)
        )
        val = history.get("val_" + key)
        if validation and val is not None and len(val):
            val = np.asarray(val, dtype=float)
            ax.plot(
                np.arange(1, len(val) + 1),
                val,
                color=colour,
                ls="--",
                label=f"{label} (validation)",
            )
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(key.replace("_", " "))
    ax.legend(fontsize=7)
    return ax


def plot_matrix(
    values: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    cmap: str = "Greens",
    annotate: bool = True,
    boxes: list[tuple[int, int, int, int, str]] | None = None,
    symmetric: bool = False,
) -> Axes:
    """A small matrix as coloured cells with its numbers written in (Figs. 7-11).

    Parameters
    ----------
    values : 2-D array
    ax : Axes, optional
    title : str, optional
    cmap : str
        Colour map of the cells.
    annotate : bool
        Write each entry (``:g`` format) in its cell.
    boxes : list of (row, col, height, width, colour), optional
        Rectangles to outline, in cell units (the top-left cell is (0, 0)).
    symmetric : bool
        Colour scale symmetric about zero (for signed values such as learned filters);
        otherwise from ``min(values, 0)`` to the maximum.

    Returns
    -------
    Axes
        The cells are its one image (``ax.images[0]``), the numbers its texts.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    m = np.asarray(values, dtype=float)
    if m.ndim != 2:
        raise InputError(f"values must be 2-D, got shape {m.shape}")
    if ax is None:
        cell = min(0.5, 6.0 / max(m.shape))  # inches: numbers readable, images <= 6 in
        _, ax = plt.subplots(figsize=(cell * m.shape[1] + 0.6, cell * m.shape[0] + 0.6))
    if symmetric:
        high = max(float(np.abs(m).max()), 1e-12)
        low = -high
    else:
        low, high = min(float(m.min()), 0.0), max(float(m.max()), 1e-12)
    ax.imshow(m, cmap=cmap, vmin=low, vmax=high)
    if annotate:
        for (i, j), v in np.ndenumerate(m):
            dark = abs(v) > 0.5 * high if symmetric else v > 0.5 * (low + high)
            ax.text(
                j,
                i,
                f"{v:g}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "black",
            )
    for row, col, height, width, colour in boxes or []:
        ax.add_patch(
            Rectangle((col - 0.5, row - 0.5), width, height, fill=False, edgecolor=colour, lw=2.5)
        )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_convolution(
    image: np.ndarray,
    kernel: np.ndarray,
    output: np.ndarray,
    stride: int = 1,
    highlight: list[tuple[int, int]] | tuple = (),
    axes: np.ndarray | None = None,
) -> np.ndarray:
    """Figs. 9-11: image, filter and their convolution side by side, as numbered cells.

    Each output position in ``highlight`` is outlined in the output and, in the same
    colour, the window of the image it sums over (the primer's yellow and orange boxes).

    Parameters
    ----------
    image, kernel, output : 2-D arrays
        The output as computed (e.g. by :func:`isingml.nn.examples.convolve_example`, with
        no padding).
    stride : int
        The stride used, to place the highlighted windows.
    highlight : list of (row, col)
        Output positions to outline.
    axes : sequence of three Axes, optional

    Returns
    -------
    ndarray of three Axes
    """
    import matplotlib.pyplot as plt

    img, k, out = (np.asarray(a, dtype=float) for a in (image, kernel, output))
    kh, kw = k.shape
    if axes is None:
        ratios = [img.shape[1], kw + 1, out.shape[1]]
        _, axes = plt.subplots(1, 3, figsize=(9, 3.2), gridspec_kw={"width_ratios": ratios})
    axes = np.asarray(axes).ravel()
    in_boxes, out_boxes = [], []
    for n, (i, j) in enumerate(highlight):
        if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
            raise InputError(f"highlight: ({i}, {j}) is outside the output {out.shape}")
        colour = _HIGHLIGHT_COLOURS[n % len(_HIGHLIGHT_COLOURS)]
        in_boxes.append((i * stride, j * stride, kh, kw, colour))
        out_boxes.append((i, j, 1, 1, colour))
    plot_matrix(img, axes[0], title=f"image {img.shape[0]}x{img.shape[1]}", boxes=in_boxes)
    plot_matrix(k, axes[1], title=f"filter {kh}x{kw}", cmap="Blues")
    plot_matrix(
        out,
        axes[2],
        title=f"output {out.shape[0]}x{out.shape[1]}, stride {stride}",
        boxes=out_boxes,
    )
    return axes
