"""Batched CUDA sweeps: several lattices per launch, each bit for bit its own chain."""

import numpy as np
import pytest

from isingml import Engine, IsingModel
from isingml.ising.lattice import to_checkerboard
from isingml.ising.metropolis import acceptance_table, metropolis_sample, thresholds32
from isingml.ising.model import sample_many, update_many
from isingml.ising.multispin import multispin_sample, pack_checkerboard

pytestmark = pytest.mark.gpu

# Three lattices: different temperatures, fields, rules (hence thresholds), seeds, streams
# and first sweep counters; the first one's step crosses 2**32 (the high counter word).
LATTICES = [
    # (T, h, rule, seed, stream, first_step)
    (1.8, 0.0, "metropolis", 7, 3, 5),
    (2.4, 0.3, "heatbath", 11, 0, 2**32 - 1),
    (3.5, -0.2, "metropolis", 7, 4, 0),
]


def lattices(L, n=3):
    rng = np.random.default_rng(L)
    return np.stack([to_checkerboard(rng.choice(np.int8([-1, 1]), size=(L, L))) for _ in range(n)])


def keys():
    tables = np.stack([acceptance_table(1 / T, 1.0, h, rule) for T, h, rule, *_ in LATTICES])
    seeds = [x[3] for x in LATTICES]
    streams = [x[4] for x in LATTICES]
    first = [x[5] for x in LATTICES]
    return first, tables, seeds, streams


@pytest.mark.parametrize(
    ("L", "n_meas", "interval", "block"),
    [
        (8, 2, 2, (2, 1, 2)),  # several blocks on every grid axis, the last one half used
        (12, 2, [1, 3, 2], (4, 2, 1)),  # L/2 = 6: a half-used Philox block; own intervals
        (8, 0, [2, 1, 3], None),  # thermalization only, the default launch shape
    ],
)
def test_byte_batch_is_each_lattice_s_own_chain(L, n_meas, interval, block):
    from isingml.ising.metropolis_cuda import (
        metropolis_sample_cuda,
        metropolis_sample_cuda_batch,
    )

    first, tables, seeds, streams = keys()
    cbs = lattices(L)
    start = cbs.copy()
    snaps = np.empty((3, n_meas, 2, L, L // 2), np.int8)
    bonds, mags = metropolis_sample_cuda_batch(
        cbs, n_meas, interval, first, tables, seeds, streams, snaps, block
    )
    assert bonds.shape == mags.shape == (3, n_meas)
    intervals = np.broadcast_to(interval, 3)
    for b in range(3):
        cpu = start[b].copy()
        snaps_cpu = np.empty((n_meas, 2, L, L // 2), np.int8)
        bonds_c, mags_c = metropolis_sample(
            cpu,
            n_meas,
            int(intervals[b]),
            first[b],
            thresholds32(tables[b]),
            seeds[b],
            streams[b],
            1,
            snaps_cpu,
        )
        np.testing.assert_array_equal(cbs[b], cpu)
        np.testing.assert_array_equal(snaps[b], snaps_cpu)
        np.testing.assert_array_equal(bonds[b], bonds_c)
        np.testing.assert_array_equal(mags[b], mags_c)
        assert not np.array_equal(cpu, start[b])  # the chain moved
    # The single-lattice driver (the batch of one) agrees with the batch, too.
    alone = start[1].copy()
    snaps_one = np.empty((n_meas, 2, L, L // 2), np.int8)
    bonds_1, mags_1 = metropolis_sample_cuda(
        alone,
        n_meas,
        int(intervals[1]),
        first[1],
        tables[1],
        seeds[1],
        streams[1],
        snaps_one,
        (3, 1),
    )
    np.testing.assert_array_equal(alone, cbs[1])
    np.testing.assert_array_equal(snaps_one, snaps[1])
    np.testing.assert_array_equal(bonds_1, bonds[1])
    np.testing.assert_array_equal(mags_1, mags[1])


@pytest.mark.parametrize(
    ("L", "n_meas", "interval", "block"),
    [
        (8, 2, [2, 1, 2], (2, 1, 2)),  # one partial word a row (4 of 64 lanes)
        (12, 0, [1, 2, 3], None),  # thermalization only
        (130, 1, 1, (32, 2, 1)),  # two words a row, the second with one lane
    ],
)
def test_multispin_batch_is_each_lattice_s_own_chain(L, n_meas, interval, block):
    from isingml.ising.multispin_cuda import (
        multispin_sample_cuda,
        multispin_sample_cuda_batch,
    )

    first, tables, seeds, streams = keys()
    H = L // 2
    words = np.stack([pack_checkerboard(cb) for cb in lattices(L)])
    start = words.copy()
    snaps = np.empty((3, n_meas, 2, L, H), np.int8)
    bonds, mags = multispin_sample_cuda_batch(
        words, H, n_meas, interval, first, tables, seeds, streams, snaps, block
    )
    intervals = np.broadcast_to(interval, 3)
    for b in range(3):
        cpu = start[b].copy()
        snaps_cpu = np.empty((n_meas, 2, L, H), np.int8)
        bonds_c, mags_c = multispin_sample(
            cpu,
            H,
            n_meas,
            int(intervals[b]),
            first[b],
            tables[b],
            seeds[b],
            streams[b],
            1,
            snaps_cpu,
        )
        np.testing.assert_array_equal(words[b], cpu)
        np.testing.assert_array_equal(snaps[b], snaps_cpu)
        np.testing.assert_array_equal(bonds[b], bonds_c)
        np.testing.assert_array_equal(mags[b], mags_c)
        assert not np.array_equal(cpu, start[b])
    if L > 12:
        return  # the batch of one is checked on the small lattices
    alone = start[2].copy()
    snaps_one = np.empty((n_meas, 2, L, H), np.int8)
    bonds_1, mags_1 = multispin_sample_cuda(
        alone,
        H,
        n_meas,
        int(intervals[2]),
        first[2],
        tables[2],
        seeds[2],
        streams[2],
        snaps_one,
        (4, 1),
    )
    np.testing.assert_array_equal(alone, words[2])
    np.testing.assert_array_equal(snaps_one, snaps[2])
    np.testing.assert_array_equal(bonds_1, bonds[2])
    np.testing.assert_array_equal(mags_1, mags[2])


@pytest.mark.parametrize("kernel", ["byte", "multispin"])
def test_sample_many_on_the_gpu_is_sample_on_the_cpu(kernel):
    def models():
        return [
            IsingModel(8, T, h=h, seed=seed, stream=stream)
            for T, h, _, seed, stream, _ in LATTICES
        ]

    cpu, gpu = models(), models()
    on_cpu, on_gpu = Engine(kernel=kernel), Engine(kernel=kernel, backend="cuda")
    cpu[2].update(3, on_cpu)  # models at different steps
    gpu[2].update(3, on_cpu)
    update_many(cpu, [2, 0, 1], Engine("heatbath", kernel))
    update_many(gpu, [2, 0, 1], Engine("heatbath", kernel, "cuda"))
    for a, b in zip(cpu, gpu, strict=True):
        np.testing.assert_array_equal(a.spins, b.spins)
    expected = [
        model.sample(3, per, on_cpu, return_spins=True, packed=True)
        for model, per in zip(cpu, (1, 2, 1), strict=True)
    ]
    got = sample_many(gpu, 3, [1, 2, 1], on_gpu, return_spins=True, packed=True)
    for want, have in zip(expected, got, strict=True):
        assert len(have) == 3
        for x, y in zip(want, have, strict=True):
            np.testing.assert_array_equal(y, x)
    assert [m.step for m in gpu] == [m.step for m in cpu] == [5, 6, 7]
    for a, b in zip(cpu, gpu, strict=True):
        np.testing.assert_array_equal(a.spins, b.spins)
    # Without spins, and nothing to measure.
    e, m = sample_many(gpu[:2], 2, 1, on_gpu)[1]
    e_cpu, m_cpu = cpu[1].sample(2, engine=on_cpu)
    np.testing.assert_array_equal(e, e_cpu)
    np.testing.assert_array_equal(m, m_cpu)
    assert sample_many(gpu, 0, engine=on_gpu)[0][0].shape == (0,)


def test_many_models_errors_are_clear():
    a, b, c = IsingModel(8, 2.0), IsingModel(8, 2.5), IsingModel(6, 2.0)
    gpu = Engine(backend="cuda")
    with pytest.raises(ValueError, match="one lattice size together, got sizes \\[6, 8\\]"):
        sample_many([a, c], 1, engine=gpu)
    with pytest.raises(ValueError, match="distinct objects"):
        update_many([a, a], 1, gpu)
    with pytest.raises(ValueError, match="an int or 2 ints \\(one per model\\), got 3"):
        sample_many([a, b], 1, [1, 2, 3], gpu)
    with pytest.raises(ValueError, match="updates_per_measurement\\[1\\] must be an integer >= 1"):
        sample_many([a, b], 1, [1, 0], gpu)
    with pytest.raises(TypeError, match="models must be a list of IsingModel"):
        update_many(a, 1)
    with pytest.raises(ValueError, match="algorithm 'wolff' runs on the CPU"):
        update_many([a, b], 1, Engine("wolff", backend="cuda"))
    assert a.step == b.step == c.step == 0
    update_many([a, c], [1, 2], "wolff")  # on the CPU: any sizes and algorithms
    assert (a.step, c.step) == (1, 2)
