"""Figure files written by the command line: checked before any work, saved and closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def figure_output(out: str) -> Path:
    """Select matplotlib's file backend and check that ``out``'s directory exists.

    Raises
    ------
    ValueError
        ``out: directory ... does not exist`` (the CLI prints it and exits with 2).
    """
    import matplotlib

    matplotlib.use("Agg")
    path = Path(out)
    if not path.parent.is_dir():
        raise ValueError(f"out: directory {path.parent} does not exist")
    return path


def save_figure(fig: Any, out: str | Path, dpi: int = 120) -> None:
    """Write ``fig`` to ``out`` and release it."""
    import matplotlib.pyplot as plt

    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
