"""Validation of unit states at the public boundary of :mod:`isingml.hopfield`."""

from __future__ import annotations

import numpy as np

from isingml.errors import InputError

__all__ = ["as_states"]


def as_states(
    name: str, values: object, n: int | None, allow_blank: bool
) -> tuple[np.ndarray, bool]:
    """Validate states: a 1-D or 2-D array of +/-1 (and 0 if ``allow_blank``).

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    values : array_like
    n : int or None
        Required number of units (None: any, at least 1).
    allow_blank : bool
        Accept 0 (an unknown unit).

    Returns
    -------
    (ndarray of int8, shape (k, n), bool)
        The states as a C-contiguous int8 array (not a copy when ``values`` already is
        one), and whether ``values`` was a single 1-D state.
    """
    arr = np.asarray(values)
    single = arr.ndim == 1
    if n is None and arr.ndim in (1, 2) and arr.shape[-1] >= 1:
        n = arr.shape[-1]
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        want = "(n,) or (k, n)" if n is None else f"({n},) or (k, {n})"
        raise InputError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{name} must hold numbers, got dtype {arr.dtype}")
    allowed = (-1, 0, 1) if allow_blank else (-1, 1)
    if arr.size and not np.isin(arr, allowed).all():
        what = "+1, -1 or 0 (unknown)" if allow_blank else "+1 or -1"
        bad = arr[~np.isin(arr, allowed)].ravel()[0]
        raise InputError(f"{name} must hold {what}, found {bad!r}")
    return np.ascontiguousarray(arr.reshape(-1, n), dtype=np.int8), single
