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
