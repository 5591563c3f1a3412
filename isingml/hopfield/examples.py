"""The worked example of the primer's Fig. 2: two 4 x 4 stripe patterns and their probes."""

from __future__ import annotations

import numpy as np

from isingml._validation import check_int

__all__ = ["figure2_probes", "stripe_patterns"]


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
