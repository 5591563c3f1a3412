"""Asynchronous and Glauber Hopfield dynamics on the GPU against the CPU, bit for bit
(CUDA simulator on every run).

One GPU thread per probe runs the CPU's algorithm compiled from the same source, so for the
same seed every decision, and every float64 operation, is the CPU's. A block of 4 threads
makes the 9 probes run in three blocks, the last one partly idle.
"""

import numpy as np
import pytest

from isingml.hopfield import HopfieldNetwork, dynamics_cuda
from isingml.hopfield.corruption import flip_units

pytestmark = pytest.mark.gpu

N = 24


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    monkeypatch.setattr(dynamics_cuda, "ASYNC_THREADS", 4)


def probes_of(patterns, seed):
    """9 probes: stored patterns with flipped units, some with blanked (0) units too, and
    random states."""
    rng = np.random.default_rng(seed)
    p = patterns[rng.integers(0, patterns.shape[0], 6)]
    probes = flip_units(p, 5, seed=seed + 1).astype(np.int8)
    probes[::2, : N // 4] = 0  # unknown units, 0 in the fields until first updated
    return np.concatenate([probes, rng.choice(np.array([-1, 1], dtype=np.int8), (3, N))])


def network(rule, n_patterns, seed, thresholds=False):
    rng = np.random.default_rng(seed)
    patterns = rng.choice([-1, 1], size=(n_patterns, N))
    b = rng.normal(scale=0.05, size=N) if thresholds else None
    return HopfieldNetwork(rule=rule, thresholds=b).partial_fit(patterns), patterns


def assert_same(gpu, cpu):
    np.testing.assert_array_equal(gpu.states, cpu.states)
    np.testing.assert_array_equal(gpu.sweeps, cpu.sweeps)
    np.testing.assert_array_equal(gpu.converged, cpu.converged)
    np.testing.assert_array_equal(gpu.history, cpu.history)
    np.testing.assert_allclose(gpu.energies, cpu.energies, rtol=0, atol=1e-12, equal_nan=True)
    if cpu.update_energies is not None:
        np.testing.assert_allclose(
            gpu.update_energies, cpu.update_energies, rtol=0, atol=1e-12, equal_nan=True
        )


@pytest.mark.parametrize(
    ("rule", "n_patterns", "thresholds", "dynamics", "T", "max_sweeps", "record"),
    [
        ("hebbian", 5, False, "async", 0.0, 5, "updates"),
        ("hebbian", 5, False, "glauber", 0.5, 5, "updates"),
        ("storkey", 4, True, "async", 0.0, 3, "sweeps"),  # some probes hit the limit
        ("projection", 4, True, "glauber", 0.5, 4, "sweeps"),
    ],
)
def test_async_and_glauber_dynamics_match_the_cpu(
    rule, n_patterns, thresholds, dynamics, T, max_sweeps, record
):
    net, patterns = network(rule, n_patterns, seed=3, thresholds=thresholds)
    probes = probes_of(patterns, seed=4)
    kwargs = {
        "dynamics": dynamics,
        "T": T,
        "max_sweeps": max_sweeps,
        "seed": 11,
        "record": record,
        "keep_states": True,
    }
    cpu = net.run(probes, **kwargs)
    gpu = net.run(probes, backend="cuda", **kwargs)
    assert_same(gpu, cpu)
    if dynamics == "async":
        assert cpu.converged.any()  # stopping early is compared, and so (storkey) is the limit
    assert (cpu.states != probes).any()


def test_exact_zero_fields_are_ties_on_both_backends():
    # Hebb with 2 patterns: W_ij = (x_i x_j + y_i y_j) / n, so a unit's field on a state
    # made of the two patterns is often exactly 0 (and a few ulps off it after updates):
    # the tie band and the fresh re-sum must give the CPU's decisions.
    net, patterns = network("hebbian", 2, seed=5)
    mixed = np.where(np.arange(N) % 2 == 0, patterns[0], patterns[1]).astype(np.int8)
    probes = np.stack([mixed, -mixed, patterns[0], np.zeros(N, dtype=np.int8)])
    fields = net.local_fields(probes)
    assert (np.abs(fields) < 1e-12).any()  # exact ties are in play
    kwargs = {"max_sweeps": 4, "seed": 2, "record": "updates", "keep_states": True}
    cpu = net.run(probes, **kwargs)
    gpu = net.run(probes, backend="cuda", **kwargs)
    assert_same(gpu, cpu)
    assert gpu.states[3].tolist() == cpu.states[3].tolist()  # all-blank: every field a tie


def test_asymmetric_weights_and_a_single_probe():
    rng = np.random.default_rng(8)
    w = rng.normal(size=(N, N))
    np.fill_diagonal(w, 0.0)
    net = HopfieldNetwork.from_weights(w, thresholds=rng.normal(size=N), allow_asymmetric=True)
    probe = rng.choice(np.array([-1, 1], dtype=np.int8), N)
    kwargs = {"max_sweeps": 4, "seed": 9, "keep_states": True}
    cpu = net.run(probe, **kwargs)
    gpu = net.run(probe, backend="cuda", **kwargs)
    assert gpu.states.shape == (N,)
    assert_same(gpu, cpu)


def test_run_async_cuda_block_sizes_agree():
    net, patterns = network("hebbian", 3, seed=1)
    probes = probes_of(patterns, seed=2)
    w = np.asarray(net.weights_)
    b = np.asarray(net.thresholds_)
    tol = 1e-10 * np.abs(w).sum(axis=1)
    out = []
    for block in (1, 16):
        s = probes.copy()
        fields = s.astype(np.float64) @ w.T
        energies = np.full((9, 4), np.nan)
        sweeps = np.zeros(9, dtype=np.int64)
        converged = np.zeros(9, dtype=bool)
        dynamics_cuda.run_async_cuda(
            w,
            w,
            b,
            tol,
            s,
            fields,
            3,
            0.0,
            7,
            energies,
            np.zeros((9, 0)),
            np.zeros((9, 0, N), dtype=np.int8),
            sweeps,
            converged,
            block=block,
        )
        np.testing.assert_allclose(fields, s @ w.T, rtol=0, atol=1e-12)
        out.append((s, energies, sweeps, converged))
    for a, b_ in zip(*out, strict=True):
        np.testing.assert_array_equal(a, b_)
    with pytest.raises(ValueError, match="block"):
        dynamics_cuda.run_async_cuda(
            w,
            w,
            b,
            tol,
            probes.copy(),
            probes @ w.T,
            3,
            0.0,
            7,
            energies,
            np.zeros((9, 0)),
            np.zeros((9, 0, N), dtype=np.int8),
            sweeps,
            converged,
            block=0,
        )
