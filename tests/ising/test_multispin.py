"""The multi-spin-coded kernel: its layout, its random-number map site by site, thread
independence, and the exact results it must reproduce on its own chain."""

import numpy as np
import pytest
from naive import exact_by_enumeration, multispin_sweep_naive

from isingml import Engine, IsingModel, simulate
from isingml.ising.exact import T_C, finite_lattice_energy
from isingml.ising.lattice import bond_sum, magnetization_sum, to_checkerboard
from isingml.ising.multispin import (
    pack_checkerboard,
    packed_bond_sum,
    packed_magnetization_sum,
    unpack_checkerboard,
)


@pytest.mark.parametrize("L", [2, 4, 6, 128, 130, 258])
def test_words_round_trip_and_give_the_same_sums(L):
    rng = np.random.default_rng(L)
    cb = to_checkerboard(rng.choice(np.int8([-1, 1]), size=(L, L)))
    words = pack_checkerboard(cb)
    assert words.shape == (2, L, -(-(L // 2) // 64))
    back = np.empty_like(cb)
    unpack_checkerboard(words, back)
    np.testing.assert_array_equal(back, cb)
    assert packed_bond_sum(words, L // 2) == bond_sum(cb)
    assert packed_magnetization_sum(words, L // 2) == magnetization_sum(cb)


@pytest.mark.parametrize(
    ("L", "T", "h", "rule"),
    [
        (8, T_C, 0.0, "metropolis"),
        (6, 1.8, 0.4, "heatbath"),  # every class its own threshold
        (10, 3.5, -0.3, "metropolis"),
        (130, 2.5, 0.0, "metropolis"),  # 65 sites per half-row: two words, one lane used
    ],
)
def test_the_kernel_follows_its_random_number_map_site_by_site(L, T, h, rule):
    rng = np.random.default_rng(1)
    spins = rng.choice(np.int8([-1, 1]), size=(L, L))
    model = IsingModel(L, T, h=h, initial=spins, seed=11, stream=2)
    expected = spins
    for step in range(3 if L < 100 else 1):
        expected = multispin_sweep_naive(expected, 1.0 / T, 1.0, h, step, 11, 2, rule)
        model.update(1, Engine(rule, kernel="multispin"))
        np.testing.assert_array_equal(model.spins, expected)
    assert not np.array_equal(expected, spins)


def test_the_same_bits_on_one_thread_or_two():
    a = IsingModel(256, T=2.3, seed=5)
    b = IsingModel(256, T=2.3, seed=5)
    a.update(4, Engine(kernel="multispin", threads=1))
    b.update(4, Engine(kernel="multispin", threads=2))
    np.testing.assert_array_equal(a.spins, b.spins)
    ea, ma = a.sample(5, 2, Engine(kernel="multispin", threads=2))
    eb, mb = b.sample(5, 2, Engine(kernel="multispin", threads=1))
    np.testing.assert_array_equal(ea, eb)
    np.testing.assert_array_equal(ma, mb)
    # A different chain from the byte kernel's, with the same seed.
    c = IsingModel(256, T=2.3, seed=5).update(4, Engine(kernel="byte"))
    assert not np.array_equal(a.spins, c.spins)


@pytest.mark.slow
# The energy's error is trusted; the flag may be raised for chi and U4 below T_c.
@pytest.mark.filterwarnings("ignore:error bars cannot be trusted:RuntimeWarning")
@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
@pytest.mark.parametrize("L", [16, 32])
@pytest.mark.parametrize("T", [2.0, T_C, 3.0])
def test_energy_matches_the_exact_finite_lattice(rule, L, T):
    """Within 3 standard errors (binning error from simulate) of Kaufman's exact energy."""
    r = simulate(
        L,
        T,
        40_000,
        thermalize=2000,
        engine=Engine(rule, kernel="multispin"),
        seed=3,
        progress=False,
    )
    e = r.observables["energy_per_spin"]
    assert abs(e.mean - finite_lattice_energy(L, T)) < 3 * e.error, (
        e,
        finite_lattice_energy(L, T),
    )


@pytest.mark.parametrize("h", [0.0, 0.5])
def test_field_and_small_lattice_against_enumeration(h):
    """L = 4 (a half-row of two lanes), with a field: energy and |m| within 4 standard
    errors of the sum over all 2**16 states."""
    r = simulate(
        4,
        2.5,
        60_000,
        thermalize=500,
        h=h,
        engine=Engine(kernel="multispin"),
        seed=8,
        progress=False,
    )
    exact = exact_by_enumeration(4, 2.5, 1.0, h)
    for name, key in (("energy_per_spin", "energy"), ("abs_magnetization", "abs_magnetization")):
        got = r.observables[name]
        assert abs(got.mean - exact[key]) < 4 * got.error, (name, got, exact[key])


@pytest.mark.filterwarnings(
    "ignore:series of:RuntimeWarning",
    "ignore:jackknife:RuntimeWarning",
    "ignore:error bars cannot be trusted:RuntimeWarning",
)
def test_kernel_choice_errors_and_auto():  # short runs: only the bits matter here
    with pytest.raises(ValueError, match="kernel must be one of 'auto', 'byte', 'multispin'"):
        IsingModel(8, T=2.0).update(1, Engine(kernel="simd"))
    auto = simulate(16, 2.5, 100, thermalize=10, seed=1, progress=False)
    multi = simulate(
        16, 2.5, 100, thermalize=10, seed=1, progress=False, engine=Engine(kernel="multispin")
    )
    np.testing.assert_array_equal(auto.energy, multi.energy)
    assert Engine().kernel == Engine(kernel="auto").kernel == "multispin"
    # Cluster algorithms have one kernel: "auto" names it, "multispin" does not exist.
    assert Engine("wolff").kernel == Engine("swendsen-wang", kernel="byte").kernel == "byte"
    with pytest.raises(ValueError, match="kernel 'multispin' runs the metropolis and heatbath"):
        Engine("wolff", kernel="multispin")


@pytest.mark.parametrize("L", [8, 32, 136, 6, 10])
def test_packed_samples_straight_from_the_words_are_the_dataset_bytes(L):
    """L % 8 == 0 takes the direct path from words to bytes; other sizes the general one."""
    a, b = IsingModel(L, 2.3, seed=2), IsingModel(L, 2.3, seed=2)
    multi = Engine(kernel="multispin")
    e1, _, packed = a.sample(4, 3, multi, return_spins=True, packed=True)
    e2, _, spins = b.sample(4, 3, multi, return_spins=True)
    np.testing.assert_array_equal(packed, np.packbits(spins.reshape(4, -1) > 0, axis=1))
    np.testing.assert_array_equal(e1, e2)
