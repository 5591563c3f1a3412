"""Figure files written by the command line: drawn off screen, saved and closed.

That a figure's directory exists and is writable is checked while parsing (the ``--out``
type, :func:`isingml.cli._types.output_file`), before any work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def figure_output(out: str | Path) -> Path:
    """Select matplotlib's file backend (no window) for the figure ``out``.

    Parameters
    ----------
    out : str or Path
        The figure file (already checked writable).

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    return Path(out)


def save_figure(fig: Any, out: str | Path, dpi: int = 120) -> None:
    """Write ``fig`` to ``out`` and release it."""
    import matplotlib.pyplot as plt

    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
