"""Philox4x32-10 throughput: 32-bit outputs per nanosecond from the vectorized fill loop."""

import numpy as np
import pytest

from isingml.random import philox_fill, random_uint32

N_OUTPUTS = 1 << 22


@pytest.mark.benchmark(group="philox")
def test_philox_fill_throughput(benchmark):
    out = np.empty(N_OUTPUTS, dtype=np.uint32)
    philox_fill(out, 0, 0, 0, 1, 0)  # JIT warm-up
    step = iter(range(1, 10**9))
    benchmark(lambda: philox_fill(out, 0, next(step), 0, 1, 0))
    benchmark.extra_info["outputs_per_ns"] = N_OUTPUTS / benchmark.stats.stats.mean / 1e9
    # A fast wrong answer cannot pass: the kernel's bits are the public helper's, and the
    # outputs are uniform (mean within 5 standard errors of 2**31).
    philox_fill(out, 0, 7, 0, 1, 0)
    np.testing.assert_array_equal(out[:1000], random_uint32(1000, seed=1, step=7))
    sem = 2.0**32 / np.sqrt(12 * out.size)
    assert abs(out.mean(dtype=np.float64) - 2.0**31) < 5 * sem
