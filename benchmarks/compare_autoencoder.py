"""The autoencoder side by side with the same network in PyTorch (CPU).

Run from the repository root (also part of ``python benchmarks/compare.py``)::

    python benchmarks/compare_autoencoder.py [--quick]

The 1024-256-64-1 autoencoder of ``bench_autoencoder.py`` (tanh, mirrored decoder, MSE,
Adam 1e-3, batch 128, float32, shuffled epochs) on L = 32 spins; PyTorch with as many
threads as Numba. Also isingml streaming the same spins from an HDF5 dataset against
isingml from memory. Interleaved medians, as the other comparisons.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np
from bench_autoencoder import BATCH, SIZE, paper_autoencoder, spin_file
from compare_nn import _rows, print_nn
from timing import interleaved_medians

from isingml.data import open_dataset


def autoencoder_comparison(quick: bool = False) -> list[dict]:
    """Rows of (case, implementation, rate, isingml's ratio over it)."""
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory() as folder:
        path = spin_file(Path(folder), 250 if quick else 500)
        with open_dataset(path) as ds:
            spins = ds.spins(SIZE, dtype=np.float32)
        ours = paper_autoencoder()
        ours.partial_fit(spins[:BATCH])
        cases = {"isingml": lambda: ours.partial_fit(spins)}  # one epoch
        torch_case = _torch_autoencoder(spins)
        if torch_case is not None:
            cases.update(torch_case)
        rows = _rows(
            f"autoencoder {SIZE * SIZE}-256-64-1, batch {BATCH} (samples/s)",
            interleaved_medians(cases, repeats),
            len(spins),
        )
        streamed = paper_autoencoder()
        streamed.partial_fit(spins[:BATCH])
        with open_dataset(path) as ds:
            batches = ds.minibatches(SIZE, BATCH, seed=0)
            cases = {
                "isingml": lambda: ours.partial_fit(spins),
                "isingml streaming from HDF5": lambda: streamed.partial_fit(batches),
            }
            rows += _rows(
                "the same, from memory vs streamed (samples/s)",
                interleaved_medians(cases, repeats),
                len(spins),
            )
    return rows


def _torch_autoencoder(spins: np.ndarray) -> dict | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(numba.config.NUMBA_NUM_THREADS))
    widths = [SIZE * SIZE, 256, 64, 1, 64, 256, SIZE * SIZE]
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(torch.nn.Linear(a, b))
        if i != 2:  # the latent is linear; every other layer (output included) is tanh
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.from_numpy(spins.reshape(len(spins), -1))

    def epoch() -> None:
        order = torch.randperm(len(x))
        for i in range(0, len(x), BATCH):
            xb = x[order[i : i + BATCH]]
            opt.zero_grad()
            ((net(xb) - xb) ** 2).mean().backward()
            opt.step()

    return {f"PyTorch {torch.__version__}": epoch}


def main(argv: list[str] | None = None) -> int:
    """Run the comparison."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    print_nn(autoencoder_comparison(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
