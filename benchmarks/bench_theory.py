"""Benchmarks of the deep-random-network kernel and the mean-field theory (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_theory.py --benchmark-only

``simulate_random_network`` draws every weight from Philox (a Box-Muller normal each) and
propagates two inputs through each network; ``extra_info["weights_per_s"]`` counts weights
generated and used (draws x depth x width^2) per second. ``phase_diagram`` evaluates the
fixed points, chi_1 and xi_c of tanh on a 40 x 30 grid of (sigma_w^2, sigma_b^2) by
Gauss-Hermite quadrature. Each case asserts on the physics of its result.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from isingml.theory import MeanField, phase_diagram, simulate_random_network

ALL = int(numba.config.NUMBA_NUM_THREADS)
THREADS = sorted({1, ALL})


@pytest.mark.benchmark(group="random networks")
@pytest.mark.parametrize("threads", THREADS)
def test_random_network_width_1000(benchmark, threads):
    kwargs = dict(width=1000, depth=10, draws=4, seed=0, threads=threads)
    simulate_random_network("tanh", 4.0, 0.5, **(kwargs | {"depth": 1}))  # JIT warm-up
    result = benchmark.pedantic(
        lambda: simulate_random_network("tanh", 4.0, 0.5, **kwargs), rounds=3, iterations=1
    )
    q, _ = MeanField("tanh", 4.0, 0.5).iterate(1.0, 0.5, 10)
    assert np.all(np.abs(result.q_a.mean(axis=0) / q - 1) < 0.1)
    seconds = benchmark.stats.stats.median
    benchmark.extra_info["weights_per_s"] = 4 * 10 * 1000**2 / seconds
    benchmark.extra_info["threads"] = threads


@pytest.mark.benchmark(group="mean-field theory")
def test_phase_diagram_tanh(benchmark):
    w = np.linspace(0.5, 4.0, 40)
    b = np.linspace(0.0, 0.3, 30)
    diagram = benchmark.pedantic(lambda: phase_diagram("tanh", w, b), rounds=3, iterations=1)
    chi = np.asarray(diagram.chi_1)
    assert chi.shape in ((30, 40), (40, 30))
    assert np.any(chi < 1) and np.any(chi > 1)
