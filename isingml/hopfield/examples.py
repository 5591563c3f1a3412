"""The worked example of the primer's Fig. 2: two 4 x 4 stripe patterns and their probes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isingml._validation import check_int
from isingml.hopfield.network import HopfieldNetwork, RecallResult

__all__ = ["Figure2Recall", "figure2_probes", "figure2_recall", "stripe_patterns"]


def stripe_patterns(size: int = 4) -> np.ndarray:
    """Vertical and horizontal stripes on a ``size x size`` grid, flattened row by row.

    Parameters
    ----------
    size : int
        Side of the grid, >= 2.

    Returns
    -------
    ndarray of int8, shape (2, size * size)
        Row 0: vertical stripes (+1 in even columns); row 1: horizontal stripes (+1 in
        even rows).
    """
    size = check_int("size", size, minimum=2)
    i, j = np.indices((size, size))
    vertical = np.where(j % 2 == 0, 1, -1)
    horizontal = np.where(i % 2 == 0, 1, -1)
    return np.stack([vertical.ravel(), horizontal.ravel()]).astype(np.int8)


def figure2_probes() -> dict[str, np.ndarray]:
    """Probes of the Fig. 2 example (0 marks an unknown pixel), by name.

    - ``"vertical, lower half unknown"`` and ``"horizontal, middle columns unknown"``: half
      of a stored pattern given; the network fills in the rest.
    - ``"extreme"``: four pixels known, one of them wrong for the vertical stripes; every
      update order ends in the inverted horizontal stripes, a state that was never stored.

    Returns
    -------
    dict of str to ndarray of int8, shape (16,)
    """
    vertical, horizontal = stripe_patterns(4)
    lower_half = vertical.copy()
    lower_half[8:] = 0
    middle = horizontal.reshape(4, 4).copy()
    middle[:, 1:3] = 0
    extreme = np.zeros((4, 4), dtype=np.int8)
    extreme[0, 1] = extreme[0, 3] = -1
    extreme[1, 0] = extreme[1, 1] = 1  # (1, 1) is -1 in the vertical stripes
    return {
        "vertical, lower half unknown": lower_half,
        "horizontal, middle columns unknown": middle.ravel(),
        "extreme": extreme.ravel(),
    }


@dataclass(frozen=True)
class Figure2Recall:
    """The Fig. 2 example run: what :func:`figure2_recall` returns.

    Attributes
    ----------
    patterns : ndarray of int8, shape (2, 16)
        The stored stripes (:func:`stripe_patterns`).
    probes : dict of str to ndarray of int8, shape (16,)
        The probes, in run order (:func:`figure2_probes`).
    result : RecallResult
        The asynchronous recall of every probe, with the states after every sweep
        (``history``) and the energy after every single-unit update
        (``update_energies``).
    recalls : list of dict
        Per probe: ``"probe"`` (its name), ``"unknown_units"``, ``"final"`` (the name of
        the state reached: a stored stripe pattern, its inversion, or ``"other"``),
        ``"stored"`` (whether that state is a stored pattern), ``"sweeps"``, ``"energy"``
        (of the final state) and ``"overlaps"`` with the stored patterns.
    """

    patterns: np.ndarray
    probes: dict[str, np.ndarray]
    result: RecallResult
    recalls: list[dict]


def figure2_recall(seed: int = 0) -> Figure2Recall:
    """Store the two stripe patterns by the Hebb rule and recall every Fig. 2 probe.

    Parameters
    ----------
    seed : int
        Philox seed of the asynchronous update order.

    Returns
    -------
    Figure2Recall
    """
    patterns = stripe_patterns(4)
    net = HopfieldNetwork().fit(patterns)
    probes = figure2_probes()
    result = net.run(
        np.stack(list(probes.values())), seed=seed, keep_states=True, record="updates"
    )
    names = {"vertical stripes": patterns[0], "horizontal stripes": patterns[1]}
    names |= {"inverted vertical": -patterns[0], "inverted horizontal": -patterns[1]}
    recalls = []
    for k, label in enumerate(probes):
        final = result.states[k]
        found = next((n for n, p in names.items() if np.array_equal(p, final)), "other")
        recalls.append(
            {
                "probe": label,
                "unknown_units": int(np.sum(probes[label] == 0)),
                "final": found,
                "stored": found in ("vertical stripes", "horizontal stripes"),
                "sweeps": int(result.sweeps[k]),
                "energy": float(result.energies[k, result.sweeps[k]]),
                "overlaps": result.overlaps[k].tolist(),
            }
        )
    return Figure2Recall(patterns=patterns, probes=probes, result=result, recalls=recalls)
