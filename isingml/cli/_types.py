"""Argparse ``type=`` functions of the ``isingml`` command.

Each takes the text the user typed, returns the value, or raises
:class:`argparse.ArgumentTypeError` with what was expected, so that argparse itself names
the flag: ``isingml: error: argument --size/-L: must be an even integer >= 2, got 7``.
Lists are read by the library's one grammar (:func:`isingml.data.plan.parse_values` and
:func:`~isingml.data.plan.parse_ints`; temperatures and lattice sides by
:func:`isingml.data.generation.parse_temperatures` and
:func:`~isingml.data.generation.parse_sizes`), then bounded here.
"""

from __future__ import annotations

import argparse
import errno
import itertools
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from isingml.errors import InputError

__all__ = [
    "SEED_LIMIT",
    "correlation",
    "finite_float",
    "float_in",
    "float_values",
    "input_file",
    "int_at_least",
    "int_values",
    "interval",
    "lattice_size",
    "lattice_sizes",
    "non_negative_float",
    "non_negative_int",
    "nonzero_float",
    "output_dir",
    "output_file",
    "positive_float",
    "positive_int",
    "probability",
    "scheduler_address",
    "seed",
    "temperatures",
    "widths",
]

#: Seeds are 32-bit Philox keys: ``0 <= seed < SEED_LIMIT``.
SEED_LIMIT = 2**32


def _fail(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


def _integer(text: str, expected: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _fail(f"must be {expected}, got {text!r}") from None


def _number(text: str, expected: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _fail(f"must be {expected}, got {text!r}") from None


def _named(function: Callable, name: str, doc: str) -> Callable:
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


# -- integers -----------------------------------------------------------------------------


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer ``>= minimum``.

    Parameters
    ----------
    minimum : int

    Returns
    -------
    callable
        ``str -> int``, raising :class:`argparse.ArgumentTypeError`.
    """
    expected = f"an integer >= {minimum}"

    def convert(text: str) -> int:
        value = _integer(text, expected)
        if value < minimum:
            raise _fail(f"must be {expected}, got {value}")
        return value

    return _named(convert, f"int_at_least_{minimum}", f"An integer >= {minimum}.")


positive_int = _named(int_at_least(1), "positive_int", "An integer >= 1.")
non_negative_int = _named(int_at_least(0), "non_negative_int", "An integer >= 0.")


def lattice_size(text: str) -> int:
    """An argparse type: an even lattice side ``2 <= L <= 65536``."""
    expected = "an even integer >= 2"
    value = _integer(text, expected)
    if value < 2 or value % 2:
        raise _fail(f"must be {expected}, got {value}")
    if value > 65536:
        raise _fail(f"must be at most 65536 (2**32 sites), got {value}")
    return value


def seed(text: str) -> int:
    """An argparse type: a Philox seed, ``0 <= seed < 2**32``."""
    expected = "an integer in [0, 2**32)"
    value = _integer(text, expected)
    if not 0 <= value < SEED_LIMIT:
        raise _fail(f"must be {expected}, got {value}")
    return value


def interval(text: str) -> int | str:
    """An argparse type: sweeps between samples, an integer >= 1 or ``auto``."""
    if text == "auto":
        return text
    expected = "an integer >= 1 or 'auto'"
    value = _integer(text, expected)
    if value < 1:
        raise _fail(f"must be {expected}, got {value}")
    return value


# -- real numbers -------------------------------------------------------------------------


def finite_float(text: str) -> float:
    """An argparse type: a finite real number."""
    value = _number(text, "a finite number")
    if not math.isfinite(value):
        raise _fail(f"must be a finite number, got {value}")
    return value


def nonzero_float(text: str) -> float:
    """An argparse type: a finite nonzero real number (a coupling)."""
    value = _number(text, "a finite nonzero number")
    if not math.isfinite(value) or value == 0:
        raise _fail(f"must be a finite nonzero number, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite real number > 0 (a temperature)."""
    value = _number(text, "finite and > 0")
    if not (math.isfinite(value) and value > 0):
        raise _fail(f"must be finite and > 0, got {value}")
    return value


def non_negative_float(text: str) -> float:
    """An argparse type: a finite real number >= 0 (a variance)."""
    value = _number(text, "finite and >= 0")
    if not (math.isfinite(value) and value >= 0):
        raise _fail(f"must be finite and >= 0, got {value}")
    return value


def float_in(
    low: float, high: float, *, open_low: bool = False, open_high: bool = False
) -> Callable[[str], float]:
    """An argparse type: a real number in the interval from ``low`` to ``high``.

    Parameters
    ----------
    low, high : float
        The bounds.
    open_low, open_high : bool
        Whether the bound itself is excluded.

    Returns
    -------
    callable
        ``str -> float``, raising :class:`argparse.ArgumentTypeError`.
    """
    left, right = "(" if open_low else "[", ")" if open_high else "]"
    expected = f"a number in {left}{low:g}, {high:g}{right}"

    def convert(text: str) -> float:
        value = _number(text, expected)
        above = value > low if open_low else value >= low
        below = value < high if open_high else value <= high
        if not (above and below):  # NaN fails both
            raise _fail(f"must be {expected}, got {value}")
        return value

    return _named(convert, "float_in", f"A real number: {expected}.")


probability = _named(float_in(0.0, 1.0), "probability", "A probability in [0, 1].")
correlation = _named(float_in(-1.0, 1.0), "correlation", "A correlation in [-1, 1].")


# -- lists --------------------------------------------------------------------------------


def temperatures(text: str) -> np.ndarray:
    """An argparse type: temperatures in the grammar of
    :func:`isingml.data.generation.parse_temperatures` (``start:stop:count`` pieces and
    values, comma-separated; finite, > 0, strictly increasing)."""
    from isingml.data.generation import parse_temperatures

    try:
        return parse_temperatures(text)
    except InputError as exc:
        raise _fail(str(exc)) from None


def lattice_sizes(text: str) -> tuple[int, ...]:
    """An argparse type: lattice sides ``a,b,c`` as
    :func:`isingml.data.generation.parse_sizes` reads them (even, >= 2, distinct)."""
    from isingml.data.generation import parse_sizes

    try:
        return parse_sizes(text)
    except InputError as exc:
        raise _fail(str(exc)) from None


def float_values(
    minimum: float | None = None, positive: bool = False, increasing: bool = False
) -> Callable[[str], np.ndarray]:
    """An argparse type: real numbers in the library's one grammar of value lists
    (:func:`isingml.data.plan.parse_values`: ``start:stop:count`` pieces, inclusive, and
    values, comma-separated), with bounds.

    Parameters
    ----------
    minimum : float, optional
        Every value must be ``>= minimum``.
    positive : bool
        Every value must be ``> 0``.
    increasing : bool
        The values must be strictly increasing.

    Returns
    -------
    callable
        ``str -> ndarray``, raising :class:`argparse.ArgumentTypeError`.
    """
    if positive:
        expected = "finite numbers > 0"
    elif minimum is not None:
        expected = f"finite numbers >= {minimum:g}"
    else:
        expected = "finite numbers"

    def convert(text: str) -> np.ndarray:
        from isingml.data.plan import parse_values

        try:
            values = parse_values(text)
        except InputError as exc:
            raise _fail(str(exc)) from None
        bad = np.zeros(values.shape, dtype=bool)
        if positive:
            bad |= values <= 0
        elif minimum is not None:
            bad |= values < minimum
        if np.any(bad):
            raise _fail(f"must be {expected}, got {text!r}")
        if increasing and np.any(np.diff(values) <= 0):
            raise _fail(f"must be strictly increasing, got {text!r}")
        return values

    return _named(convert, "float_values", f"Real numbers ({expected}) a,b or start:stop:count.")


def int_values(minimum: int = 1, increasing: bool = False) -> Callable[[str], tuple[int, ...]]:
    """An argparse type: integers ``a,b,c`` (:func:`isingml.data.plan.parse_ints`), each
    ``>= minimum``.

    Parameters
    ----------
    minimum : int
    increasing : bool
        The values must be strictly increasing.

    Returns
    -------
    callable
        ``str -> tuple of int``, raising :class:`argparse.ArgumentTypeError`.
    """

    def convert(text: str) -> tuple[int, ...]:
        from isingml.data.plan import parse_ints

        try:
            values = parse_ints(text)
        except InputError as exc:
            raise _fail(str(exc)) from None
        if any(v < minimum for v in values):
            raise _fail(f"must be integers >= {minimum}, got {text!r}")
        if increasing and any(b <= a for a, b in itertools.pairwise(values)):
            raise _fail(f"must be strictly increasing, got {text!r}")
        return values

    return _named(convert, "int_values", f"Integers a,b,c, each >= {minimum}.")


def widths(text: str) -> tuple[int, ...]:
    """An argparse type: layer widths ``256,64`` (each >= 1), or ``''`` for none."""
    if not text.strip():
        return ()
    return _WIDTHS(text)


_WIDTHS = int_values(minimum=1)


# -- files --------------------------------------------------------------------------------


def _writable_directory(directory: Path) -> None:
    if not directory.is_dir():
        raise _fail(f"directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise _fail(f"directory {directory} is not writable")


def _path(text: str) -> Path:
    """``text`` as a path the operating system can take (no NUL, no name too long)."""
    if "\x00" in text:
        raise _fail(f"{text!r} holds a NUL character, which no path may")
    path = Path(text)
    try:
        path.exists()
        os.stat(path.parent if str(path.parent) else ".")
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return path
        raise _fail(f"{text!r} is not a usable path ({exc.strerror})") from None
    return path


def output_file(text: str) -> str:
    """An argparse type: a file to write, in a directory that exists and is writable."""
    path = _path(text)
    if not text or path.is_dir():
        raise _fail(f"{text!r} is a directory, not a file")
    _writable_directory(path.parent if str(path.parent) else Path("."))
    return text


def output_dir(text: str) -> str:
    """An argparse type: a folder to write into: an existing writable one, or one that can
    be made (its nearest existing parent is a writable folder)."""
    path = _path(text)
    if path.exists():
        if not path.is_dir():
            raise _fail(f"{text} is not a directory")
        _writable_directory(path)
        return text
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    _writable_directory(parent)
    return text


def input_file(text: str) -> str:
    """An argparse type: a file that exists (read later by the library)."""
    path = _path(text)
    if not path.exists():
        raise _fail(f"no such file: {text}")
    if path.is_dir():
        raise _fail(f"{text} is a directory, not a file")
    return text


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler address, ``protocol://host:port``."""
    protocol, sep, rest = text.partition("://")
    if not sep or not protocol or not rest:
        raise _fail(f"must be an address like tcp://host:8786, got {text!r}")
    return text
