"""Benchmarks of RBM training and exact likelihoods (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_rbm.py --benchmark-only

Training throughput in samples per second (``extra_info["samples_per_s"]``) for CD-1 and
PCD-1 with batch 64 on random binary data (30% ones) of 784 and 64 visible units with 500
hidden units; the time of an exact ``log Z`` over 20 hidden units. Every case asserts on
its result, so a fast wrong kernel cannot pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from isingml.rbm import RBM

N_SAMPLES = 2048


def random_binary(n_visible: int, seed: int = 0) -> np.ndarray:
    """Random binary data, 30% ones (float64, as users usually hold it)."""
    return (np.random.default_rng(seed).random((N_SAMPLES, n_visible)) < 0.3).astype(float)


@pytest.mark.benchmark(group="rbm training")
@pytest.mark.parametrize("method", ["cd", "pcd"])
@pytest.mark.parametrize("n_visible", [784, 64])
def test_training_throughput(benchmark, n_visible, method):
    X = random_binary(n_visible)
    RBM(n_hidden=500, batch_size=64, n_epochs=1, method=method, track=()).fit(
        X[:128]
    )  # JIT warm-up

    def run():
        return RBM(n_hidden=500, batch_size=64, n_epochs=1, method=method, track=(), seed=1).fit(X)

    model = benchmark.pedantic(run, rounds=5, iterations=1)
    assert model.n_updates_ == N_SAMPLES // 64
    assert np.isfinite(model.components_).all()
    benchmark.extra_info["samples_per_s"] = N_SAMPLES / benchmark.stats.stats.median


@pytest.mark.benchmark(group="rbm exact log Z")
def test_exact_log_partition_20_hidden(benchmark):
    X = random_binary(64)
    model = RBM(n_hidden=20, n_epochs=1, track=(), seed=2).fit(X)
    model.log_partition()  # JIT warm-up
    log_z = benchmark.pedantic(model.log_partition, rounds=3, iterations=1)
    # Cross-check: the same sum over the visible layer's side is not feasible (2**64), so
    # compare with AIS.
    estimate, error = model.log_partition("ais", n_betas=1000, n_runs=64, seed=1)
    assert abs(estimate - log_z) < max(5 * error, 0.05)
    benchmark.extra_info["configurations_per_s"] = 2**20 / benchmark.stats.stats.median
