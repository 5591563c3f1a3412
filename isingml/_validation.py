"""Argument checks shared by the public API: clear errors that name the argument and value."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from isingml.errors import InputError, InputTypeError


def _is_integer(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def check_int(name: str, value: object, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int``, refusing non-integers and values below ``minimum``."""
    if not _is_integer(value):
        raise InputTypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def check_lattice_size(value: object, name: str = "L") -> int:
    """An even lattice side >= 2."""
    if not _is_integer(value):
        raise InputTypeError(f"{name} must be an even integer >= 2, got {value!r}")
    value = int(value)
    if value < 2 or value % 2:
        raise InputError(f"{name} must be an even integer >= 2, got {value}")
    if value > 65536:
        raise InputError(f"{name} must be at most 65536 (2**32 sites), got {value}")
    return value


def check_finite(name: str, value: object, nonzero: bool = False) -> float:
    """A finite real number (optionally nonzero)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}")
    if nonzero and value == 0.0:
        raise InputError(f"{name} must be nonzero, got {value}")
    return value


def check_positive(name: str, value: object) -> float:
    """A finite real number > 0 (a temperature, an inverse temperature)."""
    value = check_finite(name, value)
    if value <= 0.0:
        raise InputError(f"{name} must be finite and > 0, got {value}")
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """One of a fixed set of strings."""
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name} must be one of {allowed}, got {value!r}")
    return str(value)


def check_samples(
    name: str,
    X: object,
    *,
    one_row: bool = False,
    min_ndim: int = 2,
    finite: bool = True,
) -> np.ndarray:
    """Samples at a learner's boundary: a dense, non-empty, real-valued array with the
    samples first, or an error that names ``name`` and says what is wrong (the messages
    scikit-learn's estimator checks look for).

    Parameters
    ----------
    name : str
        The argument's name in the message.
    X : array_like
        Sparse matrices, complex numbers, non-numeric objects, empty axes and (with
        ``finite``) NaN or infinite values are refused.
    one_row : bool
        A 1-D array is one sample (otherwise it is refused with a hint to reshape it).
    min_ndim : int
        Fewest axes of a batch (2: ``(n, n_features)``; more for images).
    finite : bool
        Refuse NaN and infinite values.

    Returns
    -------
    ndarray
        ``X`` as an array in its own numeric dtype (booleans and integers kept).
    """
    from scipy.sparse import issparse

    if issparse(X):
        raise InputTypeError(
            f"{name} must be a dense array: sparse input ({type(X).__name__}) is not "
            "supported; convert it with .toarray()"
        )
    arr = np.asarray(X)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name} must hold numbers: {exc}") from None
    if arr.ndim == 1 and one_row:
        arr = arr[None, :]
    if arr.ndim < min_ndim:
        hint = (
            f". Reshape your data with {name}.reshape(1, -1) if it is one sample, or "
            f"{name}.reshape(-1, 1) if it is one feature"
            if arr.ndim == 1
            else ""
        )
        raise InputError(
            f"{name} must be a non-empty {min_ndim}-D array (n_samples, n_features...), got "
            f"shape {arr.shape}{hint}"
        )
    for axis in range(arr.ndim):
        if arr.shape[axis] == 0:
            what = "sample" if axis == 0 else "feature"
            raise InputError(
                f"{name} must be non-empty: found 0 {what}(s) (shape={arr.shape}) while a "
                "minimum of 1 is required."
            )
    if arr.dtype.kind == "c":
        raise InputError(
            f"{name} must hold real numbers: Complex data not supported, got dtype {arr.dtype}"
        )
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise InputError(f"{name} must be finite, found NaN or inf")
    return arr
