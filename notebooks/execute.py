"""Execute the analysis notebooks top to bottom, and keep them committed without outputs.

Run from the repository root::

    python notebooks/execute.py                     # full parameters, to build/notebooks
    python notebooks/execute.py --quick             # ISINGML_QUICK=1: small parameters
    python notebooks/execute.py 01_hopfield.ipynb --out /tmp/nb
    python notebooks/execute.py --strip             # remove outputs from the sources

Each notebook runs in a fresh kernel whose working directory is the output folder (files a
notebook writes land there), its figures rendered inline as in Jupyter; the executed copy,
with its outputs, is written there too, and an HTML page beside it when nbconvert is
installed. Any error in a cell stops the run with the cell's traceback. The test suite runs
every notebook with ``--quick`` (``tests/test_notebooks.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    """The notebooks, in their reading order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def has_outputs(path: Path) -> bool:
    """Whether a committed notebook carries outputs or execution counts."""
    nb = nbformat.read(path, as_version=4)
    return any(
        cell.get("outputs") or cell.get("execution_count") is not None
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def strip(path: Path) -> None:
    """Remove outputs and execution counts from ``path``, in place."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, path)


def execute(path: Path, out_dir: Path, quick: bool, timeout: int = 900) -> Path:
    """Run the notebook ``path`` in a fresh kernel working in ``out_dir``; returns the
    executed copy. ``quick`` sets ``ISINGML_QUICK=1`` for the kernel."""
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(path, as_version=4)
    # Figures render inline (as in Jupyter), whatever backend this process was given.
    inline = "module://matplotlib_inline.backend_inline"
    env = {"ISINGML_QUICK": "1" if quick else "0", "MPLBACKEND": inline}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(out_dir)}},
        )
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    executed = out_dir / path.name
    nbformat.write(nb, executed)
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        return executed
    html, _ = HTMLExporter().from_notebook_node(nb)
    executed.with_suffix(".html").write_text(html, encoding="utf-8")
    return executed


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 when every notebook ran clean."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--quick", action="store_true", help="small parameters")
    parser.add_argument("--out", default="build/notebooks", help="folder for the results")
    parser.add_argument("--strip", action="store_true", help="strip outputs, run nothing")
    args = parser.parse_args(argv)
    paths = [HERE / name for name in args.names] if args.names else notebooks()
    for path in paths:
        if not path.exists():
            print(f"execute.py: no notebook {path}", file=sys.stderr)
            return 2
        if args.strip:
            strip(path)
            continue
        start = time.perf_counter()
        executed = execute(path, Path(args.out).resolve(), args.quick)
        print(f"{path.name}: ran in {time.perf_counter() - start:.0f} s -> {executed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
