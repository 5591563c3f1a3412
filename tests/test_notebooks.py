"""The analysis notebooks (notebooks/*.ipynb) run top to bottom with small parameters
(``ISINGML_QUICK=1``), and are committed without outputs."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("execute", ROOT / "notebooks" / "execute.py")
execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute)

NOTEBOOKS = execute.notebooks()


def test_every_notebook_of_the_issue_is_there():
    names = [path.name.split("_", 1)[1] for path in NOTEBOOKS]
    assert names == [
        "hopfield.ipynb",
        "ising.ipynb",
        "rbm.ipynb",
        "feedforward.ipynb",
        "convolution.ipynb",
        "autoencoders.ipynb",
        "datasets.ipynb",
        "signal_propagation.ipynb",
        "spin_glasses.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    assert not execute.has_outputs(path), "strip it: python notebooks/execute.py --strip"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_the_quick_switch_first(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "ISINGML_QUICK" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    executed = execute.execute(path, tmp_path, quick=True)
    assert not execute.has_outputs(path)  # the source is untouched
    assert execute.has_outputs(executed)
    assert '"image/png"' in executed.read_text(), "its figures are drawn inline"
