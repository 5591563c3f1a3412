"""Benchmarks of the autoencoder (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_autoencoder.py --benchmark-only

Training throughput (``extra_info["samples_per_s"]``) of the 1024-256-64-1 autoencoder
(tanh, decoder 64-256-1024, MSE, Adam, batch 128, float32) on L = 32 spins, from memory and
streamed from an isingml HDF5 dataset (gzip chunks read, unpacked and shuffled on the fly).
"""

from __future__ import annotations

import numpy as np
import pytest

from isingml.data import generate, open_dataset
from isingml.nn import Autoencoder

SIZE = 32
BATCH = 128


def paper_autoencoder(seed: int = 0) -> Autoencoder:
    """1024-256-64-1-64-256-1024 with tanh units, MSE and Adam(1e-3)."""
    return Autoencoder(encoder_widths=(256, 64), latent_dim=1, batch_size=BATCH, seed=seed)


def spin_file(folder, samples: int = 500) -> str:
    """An L = 32 dataset, 16 temperatures from 1.0 to 3.5, ``samples`` each."""
    return str(
        generate(
            folder / "ae_bench.h5",
            str(SIZE),
            "1.0:3.5:16",
            samples,
            thermalize=200,
            interval=2,
            engine="wolff",
            seed=5,
            progress=False,
        )
    )


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return spin_file(tmp_path_factory.mktemp("ae"))


@pytest.mark.benchmark(group="autoencoder training")
@pytest.mark.parametrize("source", ["memory", "hdf5 stream"])
def test_autoencoder_training_throughput(benchmark, dataset, source):
    with open_dataset(dataset) as ds:
        spins = ds.spins(SIZE, dtype=np.float32)
        model = paper_autoencoder()
        model.partial_fit(spins[:BATCH])  # build outside the timing
        if source == "memory":
            run = lambda: model.partial_fit(spins)  # noqa: E731  (one epoch)
        else:
            batches = ds.minibatches(SIZE, BATCH, seed=0)
            run = lambda: model.partial_fit(batches)  # noqa: E731
        benchmark.pedantic(run, rounds=5, iterations=1)
    assert np.isfinite(model.history_["loss"][-1])
    benchmark.extra_info["samples_per_s"] = len(spins) / benchmark.stats.stats.median
