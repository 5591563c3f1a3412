"""Progress bars: one default everywhere, shown only where someone watches.

A bar is drawn when the caller asks for one *and* standard error is a terminal or a
notebook; a redirected log (``isingml generate ... 2>log``) gets no bar and so no carriage
returns.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tqdm import tqdm

__all__ = ["progress_bar", "watched"]


def watched() -> bool:
    """Whether standard error is a terminal, or this runs in a notebook kernel."""
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
    return "ipykernel" in sys.modules


def progress_bar(iterable: Iterable | None = None, *, progress: bool, **kwargs) -> tqdm:
    """A ``tqdm`` bar, enabled when ``progress`` is true and :func:`watched` says so.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over (or ``None`` and ``total=`` for a bar updated by hand).
    progress : bool
        The caller's wish.
    **kwargs
        Passed to ``tqdm`` (``total``, ``unit``, ``desc``, ...).

    Returns
    -------
    tqdm
    """
    return tqdm(iterable, disable=not (progress and watched()), **kwargs)
