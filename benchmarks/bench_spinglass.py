"""Benchmarks of the parallel-tempering kernels (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_spinglass.py --benchmark-only

Each case runs parallel tempering (two replicas, every temperature swept, exchanges after
every sweep, measurements every sweep) and reports ``flips_per_ns``: spin-flip attempts
(samples x replicas x temperatures x n per sweep) per nanosecond. Dense models (SK)
update the local fields of all spins on an accepted flip (``O(n)``), so their rate depends
on the temperature; sparse ones (Edwards-Anderson) sum ``2 d`` neighbours per attempt.
Every case asserts on the physics of the result (energies in range, exchanges accepted).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from isingml.spinglass import (
    EdwardsAnderson,
    SherringtonKirkpatrick,
    geometric_ladder,
    parallel_tempering,
)

ALL = int(numba.config.NUMBA_NUM_THREADS)
THREADS = sorted({1, ALL})

CASES = {
    "SK n=512": (SherringtonKirkpatrick(512), geometric_ladder(0.2, 1.5, 16), 4, 400),
    "SK n=64": (SherringtonKirkpatrick(64), geometric_ladder(0.3, 1.5, 8), 32, 1000),
    "EA3D L=8": (EdwardsAnderson(8, 3), geometric_ladder(0.6, 2.0, 16), 4, 400),
    "EA2D L=32": (EdwardsAnderson(32, 2, "gaussian"), geometric_ladder(0.4, 2.0, 16), 2, 400),
}


@pytest.mark.benchmark(group="parallel tempering")
@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_parallel_tempering(benchmark, case, threads):
    model, ladder, samples, sweeps = CASES[case]
    kwargs = dict(samples=samples, thermalize=0, seed=1, threads=threads, progress=False)
    parallel_tempering(model, ladder, 8, bins=2, **kwargs)  # JIT warm-up
    result = benchmark.pedantic(
        lambda: parallel_tempering(model, ladder, sweeps, **kwargs), rounds=3, iterations=1
    )
    e = np.array([s.mean for s in result.energy])
    assert np.all((e < 0) & (e > -2.0)) and np.all(np.diff(e) > -0.05)
    assert np.all(result.acceptance > 0)
    seconds = benchmark.stats.stats.median
    attempts = samples * 2 * ladder.size * model.n * sweeps
    benchmark.extra_info["flips_per_ns"] = attempts / seconds * 1e-9
    benchmark.extra_info["sweeps_per_s"] = sweeps / seconds
    benchmark.extra_info["threads"] = threads
