"""Synchronous Hopfield dynamics on the GPU against the CPU (CUDA simulator on every run)."""

import numpy as np
import pytest

from isingml.hopfield import HopfieldNetwork
from isingml.hopfield.corruption import flip_units

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_sync_dynamics_match_the_cpu(rule):
    rng = np.random.default_rng(0)
    patterns = rng.choice([-1, 1], size=(3, 24))
    net = HopfieldNetwork(rule=rule)
    net.partial_fit(patterns)
    probes = np.concatenate([flip_units(patterns, 5, seed=1), rng.choice([-1, 1], (3, 24))])
    cpu = net.run(probes, dynamics="sync", max_sweeps=6, keep_states=True)
    gpu = net.run(probes, dynamics="sync", max_sweeps=6, keep_states=True, backend="cuda")
    np.testing.assert_array_equal(gpu.states, cpu.states)
    np.testing.assert_array_equal(gpu.history, cpu.history)
    np.testing.assert_array_equal(gpu.sweeps, cpu.sweeps)
    np.testing.assert_array_equal(gpu.converged, cpu.converged)
    np.testing.assert_array_equal(gpu.cycled, cpu.cycled)
    np.testing.assert_allclose(gpu.energies, cpu.energies, rtol=1e-12, equal_nan=True)
