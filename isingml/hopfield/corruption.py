"""Reproducible corruption of patterns: flip units, or blank them ("unknown", state 0)."""

from __future__ import annotations

import numpy as np

from isingml._validation import check_int
from isingml.errors import InputError
from isingml.hopfield.states import as_states
from isingml.random import validate_seed

__all__ = ["blank_units", "flip_units"]


def _chosen(
    states: np.ndarray, k: int, seed: int, name: str, allow_blank: bool
) -> tuple[np.ndarray, np.ndarray]:
    rows = as_states("states", states, None, allow_blank)[0]
    n = rows.shape[1]
    k = check_int(name, k, minimum=0)
    if k > n:
        raise InputError(f"{name} must be <= the number of units ({n}), got {k}")
    rng = np.random.default_rng(validate_seed(seed))
    picks = np.argsort(rng.random(rows.shape), axis=1, kind="stable")[:, :k]
    return rows, picks


def flip_units(states: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Flip ``k`` distinct units, chosen at random, of each state.

    Parameters
    ----------
    states : array of +/-1, shape (n,) or (m, n)
        No unknown (0) units: a flipped unit must change.
    k : int
        Units to flip per state, ``0 <= k <= n``.
    seed : int
        Seed of the choice (NumPy's default generator); the same seed flips the same units.

    Returns
    -------
    ndarray of int8, same shape
    """
    rows, picks = _chosen(states, k, seed, "k", allow_blank=False)
    out = rows.copy()
    np.put_along_axis(out, picks, -np.take_along_axis(out, picks, axis=1), axis=1)
    return out.reshape(np.shape(states))


def blank_units(
    states: np.ndarray, k: int | None = None, seed: int = 0, mask: np.ndarray | None = None
) -> np.ndarray:
    """Set units to 0 ("unknown"): ``k`` at random per state, or where ``mask`` is True.

    Parameters
    ----------
    states : array of +/-1, shape (n,) or (m, n)
    k : int, optional
        Units to blank per state (give ``k`` or ``mask``).
    seed : int
        Seed of the random choice.
    mask : array of bool, broadcastable to ``states``, optional
        Exactly the units to blank.

    Returns
    -------
    ndarray of int8, same shape
    """
    if (k is None) == (mask is None):
        raise InputError("give exactly one of k and mask")
    if mask is not None:
        out = as_states("states", states, None, allow_blank=True)[0].reshape(np.shape(states))
        out = out.copy()
        m = np.asarray(mask, dtype=bool)
        try:
            out[np.broadcast_to(m, out.shape)] = 0
        except ValueError:
            raise InputError(
                f"mask of shape {m.shape} does not fit states of shape {out.shape}"
            ) from None
        return out
    rows, picks = _chosen(states, k, seed, "k", allow_blank=True)
    out = rows.copy()
    np.put_along_axis(out, picks, 0, axis=1)
    return out.reshape(np.shape(states))
