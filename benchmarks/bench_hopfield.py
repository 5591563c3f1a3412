"""Benchmarks of the Hopfield dynamics kernels (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_hopfield.py --benchmark-only

The workload is associative recall: ``p = 0.05 n`` Hebbian patterns, probes made from them
with 10% of the units flipped, asynchronous updates until a fixed point. ``extra_info``
holds ``unit_updates_per_s`` (units visited, n per sweep, per second, over the batch) and
``probes_per_s``; every case asserts that the probes were recalled.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from isingml.hopfield import HopfieldNetwork, flip_units

ALL = int(numba.config.NUMBA_NUM_THREADS)
THREADS = sorted({1, ALL})
#: Probes per batch by network size.
BATCH = {100: 2048, 1000: 256, 4096: 32}


def recall_case(n: int, seed: int = 0) -> tuple[HopfieldNetwork, np.ndarray, np.ndarray]:
    """A network with p = 0.05 n Hebbian patterns, and BATCH[n] probes at 10% flips."""
    rng = np.random.default_rng(seed)
    patterns = rng.choice(np.array([-1, 1], dtype=np.int8), size=(max(1, n // 20), n))
    net = HopfieldNetwork().fit(patterns)
    targets = patterns[rng.integers(0, patterns.shape[0], BATCH[n])]
    return net, flip_units(targets, n // 10, seed=seed + 1), targets


@pytest.mark.benchmark(group="hopfield async recall")
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("n", sorted(BATCH))
def test_async_recall(benchmark, n, threads):
    net, probes, targets = recall_case(n)
    net.run(probes[:2], threads=threads)  # JIT warm-up
    result = benchmark.pedantic(
        lambda: net.run(probes, threads=threads, seed=1), rounds=5, iterations=1
    )
    assert result.converged.all()
    assert np.mean(np.sum(result.states * targets, axis=1) / n) > 0.99
    seconds = benchmark.stats.stats.median
    benchmark.extra_info["unit_updates_per_s"] = float(result.sweeps.sum()) * n / seconds
    benchmark.extra_info["probes_per_s"] = probes.shape[0] / seconds
    benchmark.extra_info["mean_sweeps"] = float(result.sweeps.mean())


@pytest.mark.benchmark(group="hopfield sync and glauber")
@pytest.mark.parametrize("dynamics", ["sync", "glauber"])
def test_other_dynamics_at_n1000(benchmark, dynamics):
    net, probes, targets = recall_case(1000)
    kwargs = {"dynamics": dynamics, "max_sweeps": 10}
    if dynamics == "glauber":
        kwargs["T"] = 0.1
    net.run(probes[:2], **kwargs)
    result = benchmark.pedantic(lambda: net.run(probes, **kwargs), rounds=3, iterations=1)
    assert np.mean(np.sum(result.states * targets, axis=1) / 1000) > 0.95
    benchmark.extra_info["unit_updates_per_s"] = (
        float(result.sweeps.sum()) * 1000 / benchmark.stats.stats.median
    )
