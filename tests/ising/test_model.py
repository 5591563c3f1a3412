"""IsingModel: layout, kernels against naive references, reproducibility, bad input."""

import math

import numba
import numpy as np
import pytest
from naive import checkerboard_sweep_naive, energy_naive

from isingml import Engine, IsingModel
from isingml.ising.lattice import (
    bond_sum,
    from_checkerboard,
    magnetization_sum,
    neighbours,
    packed_from_checkerboard,
    to_checkerboard,
)


def random_lattice(L, seed=0):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, L))


@pytest.mark.parametrize("L", [2, 4, 6, 10, 16])
def test_checkerboard_round_trip_and_observables(L):
    s = random_lattice(L, L)
    cb = to_checkerboard(s)
    np.testing.assert_array_equal(from_checkerboard(cb), s)
    # E = -J * bond_sum - h * M, with each of the 2N bonds once.
    assert -bond_sum(cb) == energy_naive(s, 1.0, 0.0)
    assert magnetization_sum(cb) == s.sum()


@pytest.mark.parametrize("L", [2, 4, 6, 8, 10, 16, 30, 64])
def test_packed_snapshots_equal_packbits_of_the_lattice(L):
    # L % 8 == 0 takes the row-aligned kernel, the others the per-site one.
    lattices = np.stack([random_lattice(L, seed) for seed in range(3)])
    cb = np.stack([to_checkerboard(s) for s in lattices])
    expected = np.packbits(lattices.reshape(3, -1) > 0, axis=1)
    np.testing.assert_array_equal(packed_from_checkerboard(cb), expected)


@pytest.mark.parametrize("L", [2, 4, 6, 8])
def test_neighbours_match_the_plain_lattice(L):
    H = L // 2
    coords = {}
    for c in range(2):
        for i in range(L):
            for k in range(H):
                coords[c * L * H + i * H + k] = (i, 2 * k + (i + c) % 2)
    for site, (i, j) in coords.items():
        got = sorted(coords[y] for y in neighbours(site, L, H))
        want = sorted([((i - 1) % L, j), ((i + 1) % L, j), (i, (j - 1) % L), (i, (j + 1) % L)])
        assert got == want


@pytest.mark.parametrize(
    ("L", "T", "J", "h", "rule"),
    [
        (6, 2.269, 1.0, 0.0, "metropolis"),
        (8, 1.5, -1.0, 0.0, "metropolis"),
        (10, 3.0, 1.0, 0.4, "metropolis"),
        (12, 2.0, 0.7, -0.3, "heatbath"),
        (18, 2.5, 1.0, 0.0, "heatbath"),
    ],
)
def test_checkerboard_kernel_matches_naive_sweep_bit_for_bit(L, T, J, h, rule):
    model = IsingModel(L, T, J=J, h=h, seed=5, stream=2)
    s = model.spins
    for step in range(3):
        s = checkerboard_sweep_naive(s, 1.0 / T, J, h, step, seed=5, stream=2, rule=rule)
    model.update(3, Engine(rule, kernel="byte"))
    np.testing.assert_array_equal(model.spins, s)
    assert model.energy() == pytest.approx(energy_naive(s, J, h) / L**2)


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "swendsen-wang", "wolff"])
def test_same_seed_same_bits_different_seed_different_bits(algorithm):
    engine = Engine(algorithm, kernel="byte")
    a = IsingModel(32, 2.3, seed=11).update(20, engine)
    b = IsingModel(32, 2.3, seed=11).update(20, engine)
    c = IsingModel(32, 2.3, seed=12).update(20, engine)
    d = IsingModel(32, 2.3, seed=11, stream=1).update(20, engine)
    np.testing.assert_array_equal(a.spins, b.spins)
    assert not np.array_equal(a.spins, c.spins)
    assert not np.array_equal(a.spins, d.spins)


@pytest.mark.parametrize("L", [8, 64, 258])
@pytest.mark.parametrize("h", [0.0, 0.2])
def test_threads_do_not_change_the_bits(L, h):
    assert numba.config.NUMBA_NUM_THREADS >= 2  # tests/conftest.py sees to it
    one = IsingModel(L, 2.269, h=h, seed=3)
    two = one.copy()
    e1, m1 = one.sample(4, 3, Engine(kernel="byte", threads=1))
    e2, m2 = two.sample(4, 3, Engine(kernel="byte", threads=2))
    np.testing.assert_array_equal(one.spins, two.spins)
    np.testing.assert_array_equal(e1, e2)
    np.testing.assert_array_equal(m1, m2)
    assert one.step == two.step == 12


@pytest.mark.parametrize("algorithm", ["metropolis", "wolff", "swendsen-wang"])
def test_split_runs_equal_one_run(algorithm):
    # The counter carries the chain: 4 + 6 updates are the same as 10 at once.
    engine = Engine(algorithm, kernel="byte")
    a = IsingModel(16, 2.269, seed=2).update(10, engine)
    b = IsingModel(16, 2.269, seed=2).update(4, engine).update(6, engine)
    np.testing.assert_array_equal(a.spins, b.spins)


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "wolff"])
def test_a_saved_state_continues_the_same_chain(tmp_path, algorithm):
    a = IsingModel(16, 2.269, h=0.0 if algorithm == "wolff" else 0.1, seed=4, stream=3)
    a.update(5, algorithm)
    path = a.save(tmp_path / "state")
    assert path.name == "state.npz"
    b = IsingModel.load(path)
    assert (b.L, b.T, b.J, b.h, b.seed, b.stream, b.step) == (a.L, a.T, a.J, a.h, 4, 3, 5)
    np.testing.assert_array_equal(a.update(7, algorithm).spins, b.update(7, algorithm).spins)
    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:50])
    with pytest.raises(ValueError, match=r"cut\.npz"):
        IsingModel.load(tmp_path / "cut.npz")


def test_sample_measures_what_the_model_reports():
    model = IsingModel(16, 2.0, h=0.1, seed=4)
    e, m = model.sample(3, 2)
    assert e[-1] == model.energy() and m[-1] == model.magnetization()
    assert model.step == 6


def test_cold_start_stays_ordered_at_low_temperature():
    model = IsingModel(32, 1.0, initial="cold", seed=0)
    assert model.magnetization() == 1.0 and model.energy() == -2.0
    model.update(50)
    assert model.magnetization() > 0.99


def test_user_initial_state_is_copied():
    s = random_lattice(8)
    model = IsingModel(8, 2.0, initial=s)
    np.testing.assert_array_equal(model.spins, s)
    model.update(5)
    assert not np.array_equal(model.spins, s)
    np.testing.assert_array_equal(s, random_lattice(8))


def test_wolff_cluster_at_zero_temperature_limit_flips_everything():
    # At very low T every satisfied bond is activated: one update flips the whole lattice.
    model = IsingModel(16, 0.05, initial="cold")
    model.update(1, "wolff")
    assert model.magnetization() == -1.0
    assert model.flipped_by_clusters == 256


def test_antiferromagnet_orders_in_the_staggered_pattern():
    model = IsingModel(16, 1.0, J=-1.0, seed=1)
    model.thermalize(200, "wolff")
    s = model.spins.astype(int)
    stagger = np.indices(s.shape).sum(0) % 2 * 2 - 1
    assert abs((s * stagger).mean()) > 0.95
    assert model.energy() < -1.9


def test_temperature_setter_takes_effect():
    model = IsingModel(16, 100.0, initial="cold", seed=0)
    model.update(20)
    assert abs(model.magnetization()) < 0.5
    model.T = 0.5
    model.update(200, "wolff")
    assert abs(model.magnetization()) > 0.95
    assert model.beta == pytest.approx(2.0)


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"L": 5, "T": 2.0}, ValueError, "L must be an even integer >= 2, got 5"),
        ({"L": 0, "T": 2.0}, ValueError, "L must be"),
        ({"L": 4.0, "T": 2.0}, TypeError, "L must be"),
        ({"L": 4, "T": 0.0}, ValueError, "T must be finite and > 0, got 0.0"),
        ({"L": 4, "T": -1}, ValueError, "T must be"),
        ({"L": 4, "T": math.nan}, ValueError, "T must be finite, got nan"),
        ({"L": 4, "T": math.inf}, ValueError, "T must be finite"),
        ({"L": 4}, ValueError, "exactly one of T and beta"),
        ({"L": 4, "T": 1.0, "beta": 1.0}, ValueError, "exactly one of T and beta"),
        ({"L": 4, "beta": -1.0}, ValueError, "beta must be"),
        ({"L": 4, "T": 1.0, "J": 0.0}, ValueError, "J must be nonzero"),
        ({"L": 4, "T": 1.0, "h": math.nan}, ValueError, "h must be finite"),
        ({"L": 4, "T": 1.0, "seed": -1}, ValueError, "seed must be"),
        ({"L": 4, "T": 1.0, "initial": "warm"}, ValueError, "initial must be one of"),
        (
            {"L": 4, "T": 1.0, "initial": np.ones((4, 4))},
            TypeError,
            "initial must have dtype int8",
        ),
        (
            {"L": 4, "T": 1.0, "initial": np.ones((4, 6), np.int8)},
            ValueError,
            r"initial must be a square",
        ),
        (
            {"L": 4, "T": 1.0, "initial": np.ones((6, 6), np.int8)},
            ValueError,
            r"initial must have shape \(4, 4\), got shape \(6, 6\)",
        ),
        (
            {"L": 4, "T": 1.0, "initial": np.zeros((4, 4), np.int8)},
            ValueError,
            "only \\+1 and -1, found 0",
        ),
        ({"L": 4, "T": 1.0, "initial": [[1, 1], [1, 1]]}, TypeError, "initial must be a NumPy"),
    ],
)
def test_bad_construction_is_refused(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        IsingModel(**kwargs)


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        ((-1,), ValueError, "n must be an integer >= 0, got -1"),
        ((1.5,), TypeError, "n must be an integer"),
        ((1, "glauber"), ValueError, "algorithm must be one of"),
        ((1, {"threads": 0}), ValueError, "threads must be an integer >= 1"),
        ((1, {"threads": 10**6}), ValueError, "threads must be between 1 and"),
        ((1, 3), TypeError, "engine must be an isingml.ising.Engine or an algorithm name"),
    ],
)
def test_bad_update_is_refused(args, exc, match):
    model = IsingModel(4, 2.0)
    before = model.spins
    with pytest.raises(exc, match=match):
        n, *rest = args
        model.update(n, *(Engine(**a) if isinstance(a, dict) else a for a in rest))
    np.testing.assert_array_equal(model.spins, before)
    assert model.step == 0


@pytest.mark.parametrize("algorithm", ["wolff", "swendsen-wang"])
def test_cluster_algorithms_refuse_a_field(algorithm):
    model = IsingModel(4, 2.0, h=0.1)
    with pytest.raises(ValueError, match=f"algorithm '{algorithm}' needs h = 0"):
        model.update(1, algorithm)


def test_bad_spins_assignment_is_refused():
    model = IsingModel(4, 2.0)
    with pytest.raises(TypeError, match="spins must have dtype int8"):
        model.spins = np.ones((4, 4), dtype=np.int64)


@pytest.mark.parametrize("algorithm", ["metropolis", "wolff", "swendsen-wang"])
def test_sample_returns_the_configurations_it_measured(algorithm):
    model = IsingModel(8, 2.3, seed=6)
    twin = model.copy()
    engine = Engine(algorithm, kernel="byte")
    e, m, spins = model.sample(5, 2, engine, return_spins=True)
    assert spins.shape == (5, 8, 8) and spins.dtype == np.int8
    np.testing.assert_array_equal(spins[-1], model.spins)
    np.testing.assert_allclose(spins.mean(axis=(1, 2)), m)
    np.testing.assert_allclose([energy_naive(s) / 64 for s in spins], e)
    # Snapshots do not change the chain.
    e2, _ = twin.sample(5, 2, engine)
    np.testing.assert_array_equal(e, e2)
    np.testing.assert_array_equal(twin.spins, model.spins)


@pytest.mark.parametrize("L", [6, 8])
def test_sample_can_return_packed_configurations(L):
    byte = Engine(kernel="byte")
    e, m, spins = IsingModel(L, 2.3, seed=4).sample(4, 1, byte, return_spins=True)
    assert m.shape == (4,)
    e2, _, packed = IsingModel(L, 2.3, seed=4).sample(4, 1, byte, return_spins=True, packed=True)
    np.testing.assert_array_equal(e, e2)
    assert packed.shape == (4, (L * L + 7) // 8) and packed.dtype == np.uint8
    np.testing.assert_array_equal(np.packbits(spins.reshape(4, -1) > 0, axis=1), packed)
    with pytest.raises(ValueError, match="packed=True needs return_spins=True"):
        IsingModel(L, 2.3).sample(2, packed=True)


def test_sample_with_no_measurements_leaves_the_chain_alone():
    model = IsingModel(8, 2.0, seed=3)
    before = model.spins
    e, m, s = model.sample(0, 5, return_spins=True)
    assert e.size == m.size == s.shape[0] == 0
    assert model.step == 0
    np.testing.assert_array_equal(model.spins, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"T": 1e-310}, r"T must be >= 1e-100"), ({"beta": 1e200}, r"beta must be <= 1e\+100")],
)
def test_absurd_temperatures_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        IsingModel(4, **kwargs)
