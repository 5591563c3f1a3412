"""Hopfield networks: learning rules, dynamics against references, exact properties."""

import itertools

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import hopfield_async_naive, storkey_naive

from isingml.hopfield import (
    HopfieldNetwork,
    blank_units,
    flip_units,
    hebbian_weights,
    projection_weights,
    storkey_weights,
)
from isingml.hopfield.examples import figure2_probes, figure2_recall, stripe_patterns


def random_patterns(p, n, seed):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(p, n))


def random_symmetric(n, seed, diagonal=False):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    w = (a + a.T) / 2
    if not diagonal:
        np.fill_diagonal(w, 0.0)
    return w


# -- learning ----------------------------------------------------------------------------


def test_hebb_rule_is_equation_3_with_zero_diagonal():
    xi = random_patterns(3, 10, 0)
    w = hebbian_weights(xi)
    for i in range(10):
        for j in range(10):
            expected = 0.0 if i == j else sum(int(x[i]) * int(x[j]) for x in xi) / 10
            assert w[i, j] == pytest.approx(expected, abs=1e-15)
    # Storing in two steps gives the same weights.
    net = HopfieldNetwork().fit(xi[:2]).partial_fit(xi[2])
    np.testing.assert_allclose(net.weights_, w, atol=1e-15)
    assert net.n_patterns_ == 3 and net.alpha_ == pytest.approx(0.3)


def test_projection_rule_stores_correlated_patterns():
    # Patterns sharing 80% of their units: Hebb fails, the projection rule keeps them all.
    rng = np.random.default_rng(3)
    base = random_patterns(1, 100, 4)[0]
    xi = np.stack([np.where(rng.random(100) < 0.1, -base, base) for _ in range(12)])
    xi = xi.astype(np.int8)
    hebb = HopfieldNetwork().fit(xi)
    proj = HopfieldNetwork(rule="projection").partial_fit(xi[:6]).partial_fit(xi[6:])
    assert not hebb.stored_patterns_stable().all()
    assert proj.stored_patterns_stable().all()
    w = projection_weights(xi)
    np.testing.assert_array_equal(w, w.T)
    assert np.all(np.diag(w) == 0)


def test_storkey_rule_matches_its_definition_and_is_symmetric():
    xi = random_patterns(4, 9, 5)
    w = storkey_weights(xi)
    np.testing.assert_allclose(w, storkey_naive(xi), atol=1e-14)
    np.testing.assert_allclose(w, w.T, atol=1e-15)
    net = HopfieldNetwork(rule="storkey").partial_fit(xi[:1]).partial_fit(xi[1:])
    np.testing.assert_allclose(net.weights_, w, atol=1e-14)


def test_storkey_stores_more_than_hebb():
    xi = random_patterns(25, 100, 6)  # alpha = 0.25, beyond the Hebbian capacity
    hebb = HopfieldNetwork().fit(xi).stored_patterns_stable().mean()
    storkey = HopfieldNetwork(rule="storkey").partial_fit(xi).stored_patterns_stable().mean()
    assert storkey > hebb


# -- dynamics against the unit-by-unit reference -----------------------------------------


@pytest.mark.parametrize("T", [0.0, 0.7])
@pytest.mark.parametrize("n", [5, 13])
def test_async_and_glauber_match_the_naive_reference_bit_for_bit(n, T):
    w = random_symmetric(n, n)
    b = np.random.default_rng(1).normal(size=n) * 0.3
    net = HopfieldNetwork.from_weights(w, thresholds=b)
    probes = random_patterns(4, n, 2)
    dynamics = "glauber" if T else "async"
    before = probes.copy()
    result = net.run(probes, dynamics=dynamics, T=T, max_sweeps=6, seed=11)
    np.testing.assert_array_equal(probes, before)  # the caller's probes are not touched
    for p in range(4):
        expected, sweeps = hopfield_async_naive(w, b, probes[p], 6, 11, p, T=T)
        np.testing.assert_array_equal(result.states[p], expected)
        assert result.sweeps[p] == sweeps


def test_hebbian_ties_and_unknown_units_match_the_naive_reference():
    # Hebb weights are multiples of 1/n, so fields hit the threshold exactly; blanked
    # probes start with zeros.
    xi = random_patterns(3, 12, 4)
    net = HopfieldNetwork().fit(xi)
    probes = blank_units(flip_units(xi, 3, seed=1), k=5, seed=2)
    result = net.run(probes, max_sweeps=10, seed=7)
    for p in range(3):
        expected, sweeps = hopfield_async_naive(net.weights_, net.thresholds_, probes[p], 10, 7, p)
        np.testing.assert_array_equal(result.states[p], expected)
        assert result.sweeps[p] == sweeps


def test_the_number_of_threads_does_not_change_the_bits():
    assert numba.config.NUMBA_NUM_THREADS >= 2  # tests/conftest.py makes sure of it
    net = HopfieldNetwork().fit(random_patterns(6, 64, 1))
    probes = flip_units(random_patterns(40, 64, 2), 20, seed=3)
    one = net.run(probes, threads=1, seed=5)
    two = net.run(probes, threads=2, seed=5)
    np.testing.assert_array_equal(one.states, two.states)
    np.testing.assert_array_equal(one.energies, two.energies)
    warm = net.run(probes, dynamics="glauber", T=0.5, threads=1, max_sweeps=5, seed=5)
    hot = net.run(probes, dynamics="glauber", T=0.5, threads=2, max_sweeps=5, seed=5)
    np.testing.assert_array_equal(warm.states, hot.states)
    other_seed = net.run(probes, dynamics="glauber", T=0.5, max_sweeps=5, seed=6)
    assert not np.array_equal(other_seed.states, warm.states)


# -- exact properties --------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 40),
    seed=st.integers(0, 2**32 - 1),
    diagonal=st.booleans(),
    with_thresholds=st.booleans(),
)
def test_energy_never_increases_under_asynchronous_updates(n, seed, diagonal, with_thresholds):
    w = random_symmetric(n, seed % 2**31, diagonal=diagonal)
    if diagonal:
        np.fill_diagonal(w, np.abs(np.diag(w)))  # non-negative self-coupling
    b = np.random.default_rng(seed).normal(size=n) if with_thresholds else None
    net = HopfieldNetwork.from_weights(w, thresholds=b)
    probes = random_patterns(3, n, seed)
    result = net.run(probes, max_sweeps=50, seed=seed, record="updates")
    for p in range(3):
        e = result.update_energies[p]
        e = e[np.isfinite(e)]
        scale = np.abs(w).sum() + (np.abs(b).sum() if b is not None else 0.0)
        assert np.all(np.diff(e) <= 1e-12 * scale)
        assert result.converged[p]
        assert net.is_stable(result.states[p])
        assert e[-1] == pytest.approx(net.energy(result.states[p]), abs=1e-9 * scale)


def test_fixed_points_from_all_4096_states_are_the_single_flip_stable_states():
    n = 12
    w = random_symmetric(n, 7)
    net = HopfieldNetwork.from_weights(w, thresholds=np.random.default_rng(8).normal(size=n))
    states = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8)
    # Enumeration: stable means every unit agrees with the sign of its field.
    d = states @ w.T - net.thresholds_
    ok = (np.where(d >= 0, 1, -1) == states).all(axis=1)
    stable = {tuple(s) for s in states[ok]}
    result = net.run(states, max_sweeps=200, seed=1)
    assert result.converged.all()
    reached = {tuple(s) for s in result.states}
    assert reached == stable
    assert len(stable) > 1


def test_hebbian_energy_with_ties_reaches_only_stable_states():
    # Hebb weights are multiples of 1/n: exact ties in the fields, resolved to +1.
    xi = random_patterns(3, 12, 9)
    net = HopfieldNetwork().fit(xi)
    states = np.array(list(itertools.product([-1, 1], repeat=12)), dtype=np.int8)
    stable = net.is_stable(states)
    result = net.run(states, max_sweeps=200, seed=2)
    assert result.converged.all()
    assert {tuple(s) for s in result.states} == {tuple(s) for s in states[stable]}


def test_figure2_stripes_recovered_and_the_extreme_probe_is_confused():
    patterns = stripe_patterns(4)
    net = HopfieldNetwork().fit(patterns)
    probes = figure2_probes()
    for seed in range(20):  # whatever the update order
        result = net.run(np.stack(list(probes.values())), seed=seed)
        np.testing.assert_array_equal(result.states[0], patterns[0])
        np.testing.assert_array_equal(result.states[1], patterns[1])
        final = result.states[2]
        assert not any(np.array_equal(final, p) for p in patterns)
        assert net.is_stable(final)  # a fixed point that was never stored
        np.testing.assert_array_equal(final, -patterns[1])
    assert np.sum(probes["extreme"] == 0) == 12


def test_figure2_recall_names_the_state_each_probe_reaches():
    for seed in range(3):
        recall = figure2_recall(seed=seed)
        finals = [row["final"] for row in recall.recalls]
        assert finals == ["vertical stripes", "horizontal stripes", "inverted horizontal"]
        assert [row["stored"] for row in recall.recalls] == [True, True, False]
        for k, row in enumerate(recall.recalls):  # the energy of the state reached (Eq. 4)
            net = HopfieldNetwork().fit(recall.patterns)
            assert row["energy"] == pytest.approx(net.energy(recall.result.states[k]))


def test_synchronous_dynamics_detects_two_cycles():
    # Two units coupled antiferromagnetically flip together forever when updated at once.
    net = HopfieldNetwork.from_weights(np.array([[0.0, -1.0], [-1.0, 0.0]]))
    result = net.run(np.array([1, 1]), dynamics="sync", max_sweeps=20)
    assert result.cycled and not result.converged and result.sweeps == 2
    np.testing.assert_array_equal(result.states, [1, 1])
    settled = net.run(np.array([1, -1]), dynamics="sync")
    assert settled.converged and not settled.cycled and settled.sweeps == 1
    # Asynchronous updates never cycle on symmetric weights.
    assert net.run(np.array([1, 1])).converged


def test_synchronous_recall_of_stored_patterns():
    xi = random_patterns(5, 200, 3)
    net = HopfieldNetwork().fit(xi)
    result = net.run(flip_units(xi, 20, seed=1), dynamics="sync", keep_states=True)
    assert result.converged.all()
    for p in range(5):  # every step is sgn(W s - b) of the one before, energies of Eq. 4
        steps = result.history[p, : result.sweeps[p] + 1]
        for a, b in itertools.pairwise(steps):
            np.testing.assert_array_equal(np.where(net.weights_ @ a >= 0, 1, -1), b)
        np.testing.assert_allclose(
            result.energies[p, : result.sweeps[p] + 1], net.energy(steps), atol=1e-12
        )
    np.testing.assert_array_equal(result.states, xi)
    np.testing.assert_allclose(np.diag(result.overlaps), 1.0)


def test_glauber_dynamics_samples_the_boltzmann_distribution():
    # n = 4: the final states of many independent probes after 30 sweeps follow
    # exp(-E/T); each state's frequency within 4 standard errors.
    n, T, k = 4, 1.3, 40000
    w = random_symmetric(n, 12)
    b = np.array([0.2, -0.1, 0.0, 0.3])
    net = HopfieldNetwork.from_weights(w, thresholds=b)
    states = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8)
    p = np.exp(-net.energy(states) / T)
    p /= p.sum()
    probes = np.ones((k, n), dtype=np.int8)
    final = net.run(probes, dynamics="glauber", T=T, max_sweeps=30, seed=4).states
    codes = ((final > 0) * (2 ** np.arange(n)[::-1])).sum(axis=1)
    freq = np.bincount(codes, minlength=2**n) / k
    se = np.sqrt(p * (1 - p) / k)
    assert np.all(np.abs(freq - p) < 4 * se)


def test_energy_and_overlaps():
    xi = random_patterns(2, 16, 1)
    net = HopfieldNetwork(thresholds=np.full(16, 0.1)).partial_fit(xi)
    s = xi[0]
    w = net.weights_
    assert net.energy(s) == pytest.approx(-0.5 * s @ w @ s + 0.1 * s.sum())
    np.testing.assert_allclose(net.overlaps(xi), xi @ xi.T / 16)
    np.testing.assert_allclose(net.local_fields(s), w @ s)
    result = net.run(s, max_sweeps=3, keep_states=True)
    assert result.history.shape == (4, 16) and result.energies.shape == (4,)
    assert np.isnan(result.energies[result.sweeps + 1 :]).all()


def test_asymmetric_weights_only_when_allowed():
    w = np.array([[0.0, 1.0], [-1.0, 0.0]])
    with pytest.raises(ValueError, match="weights must be symmetric"):
        HopfieldNetwork.from_weights(w)
    net = HopfieldNetwork.from_weights(w, allow_asymmetric=True)
    result = net.run(np.array([1, 1]), max_sweeps=10, seed=0)
    assert result.sweeps.shape == ()  # runs; it may or may not settle
    with pytest.raises(ValueError, match="asymmetric"):
        net.partial_fit(np.array([1, -1]))


# -- corruption --------------------------------------------------------------------------


def test_flip_and_blank_are_exact_and_reproducible():
    xi = random_patterns(5, 50, 0)
    flipped = flip_units(xi, 7, seed=3)
    assert ((flipped != xi).sum(axis=1) == 7).all()
    np.testing.assert_array_equal(flipped, flip_units(xi, 7, seed=3))
    assert not np.array_equal(flipped, flip_units(xi, 7, seed=4))
    blanked = blank_units(xi, k=10, seed=3)
    assert ((blanked == 0).sum(axis=1) == 10).all()
    assert np.array_equal(blanked[blanked != 0], xi[blanked != 0])
    half = blank_units(xi[0], mask=np.arange(50) >= 25)
    assert (half[25:] == 0).all() and np.array_equal(half[:25], xi[0, :25])
    assert flip_units(xi[0], 0).tolist() == xi[0].tolist()


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda net: net.partial_fit(np.ones(5)), r"X must have shape \(4,\)"),
        (lambda net: net.partial_fit(np.array([1, 0, 1, -1])), "X must hold"),
        (lambda net: net.partial_fit(np.array([1, 2, 1, -1])), "X must hold"),
        (lambda net: HopfieldNetwork().fit(np.array([1, 0, 1, -1])), "X must hold"),
        (lambda net: net.run(np.ones((2, 3))), r"probes must have shape \(4,\)"),
        (lambda net: net.run(np.array([1, 1, 1, 3])), "probes must hold"),
        (lambda net: net.run(np.ones(4), dynamics="glauber", T=-1.0), "T must be"),
        (lambda net: net.run(np.ones(4), dynamics="glauber", T=np.nan), "T must be"),
        (lambda net: net.run(np.ones(4), T=1.0), "T applies to dynamics='glauber'"),
        (lambda net: net.run(np.ones(4), dynamics="magic"), "dynamics must be"),
        (lambda net: net.run(np.ones(4), max_sweeps=0), "max_sweeps must be"),
        (lambda net: net.from_weights(np.full((4, 4), np.nan)), "weights must be finite"),
        (lambda net: net.from_weights(np.zeros((3, 4))), "weights must be a square matrix"),
        (
            lambda net: HopfieldNetwork(thresholds=np.ones(3)).fit(np.ones(4)),
            r"thresholds must have shape \(4,\)",
        ),
        (lambda net: flip_units(np.ones(4), 5), r"k must be <= the number of units \(4\)"),
        (lambda net: blank_units(np.ones(4)), "exactly one of k and mask"),
    ],
)
def test_bad_input_is_a_clear_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call(HopfieldNetwork().fit(np.ones(4)))


def test_learning_rules_and_helpers_validate_their_input():
    with pytest.raises(ValueError, match="patterns must hold"):
        hebbian_weights(np.array([[1, 0, 1]]))
    with pytest.raises(ValueError, match="patterns must hold"):
        storkey_weights(np.array([[1, 2, 1]]))
    with pytest.raises(ValueError, match="patterns must have shape"):
        projection_weights(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="states must hold"):
        flip_units(np.array([1, 0, -1]), 1)  # an unknown unit cannot be flipped
    with pytest.raises(ValueError, match="states must hold"):
        blank_units(np.array([1.0, 0.6]), k=1)
    np.testing.assert_array_equal(hebbian_weights(np.array([1, -1])), [[0, -0.5], [-0.5, 0]])


def test_projection_rule_refuses_to_discard_given_weights():
    net = HopfieldNetwork.from_weights(random_symmetric(4, 0))
    net.rule = "projection"
    with pytest.raises(ValueError, match="would discard the weights"):
        net.partial_fit(np.ones(4))
    hebb = HopfieldNetwork.from_weights(random_symmetric(4, 0)).partial_fit(np.ones(4))
    np.testing.assert_allclose(hebb.weights_, random_symmetric(4, 0) + hebbian_weights(np.ones(4)))


def test_bad_hyperparameters_are_refused_at_fit():
    net = HopfieldNetwork(rule="oja")  # stored as given, like every scikit-learn estimator
    with pytest.raises(ValueError, match="rule must be"):
        net.fit(np.ones(4))
    with pytest.raises(TypeError):
        HopfieldNetwork(4)  # hyperparameters are keyword-only


def test_the_scikit_learn_convention():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    xi = random_patterns(3, 20, 4)
    net = HopfieldNetwork(rule="storkey")
    assert net.get_params() == {"rule": "storkey", "thresholds": None}
    with pytest.raises(NotFittedError):
        net.energy(xi)
    assert net.fit(xi) is net
    assert net.n_features_in_ == net.n_units_ == 20 and net.n_patterns_ == 3
    assert net.alpha_ == pytest.approx(0.15)
    copy = clone(net)
    assert copy.get_params() == net.get_params() and not hasattr(copy, "weights_")
    np.testing.assert_allclose(net.score_samples(xi), -net.energy(xi))
    with pytest.raises(ValueError, match="read-only"):
        net.weights_[0, 1] = 1.0
    # fit forgets, partial_fit adds
    again = HopfieldNetwork(rule="storkey").fit(xi[:1]).fit(xi)
    np.testing.assert_array_equal(again.weights_, net.weights_)


def test_save_and_load_round_trip_and_refuse_damage(tmp_path):
    xi = random_patterns(3, 20, 4)
    net = HopfieldNetwork(rule="projection", thresholds=np.full(20, 0.1)).fit(xi)
    for name in ("net.npz", "net.h5"):
        path = net.save(tmp_path / name)
        back = HopfieldNetwork.load(path)
        np.testing.assert_array_equal(back.weights_, net.weights_)
        np.testing.assert_array_equal(back.thresholds_, net.thresholds_)
        np.testing.assert_array_equal(back.patterns_, net.patterns_)
        assert back.rule == "projection"
        probes = flip_units(xi, 2, seed=1)
        np.testing.assert_array_equal(back.recall(probes, seed=3), net.recall(probes, seed=3))
    path = tmp_path / "net.npz"
    data = bytearray(path.read_bytes())
    (tmp_path / "short.npz").write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ValueError, match=r"short\.npz"):
        HopfieldNetwork.load(tmp_path / "short.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.npz"):
        HopfieldNetwork.load(tmp_path / "empty.npz")
    with pytest.raises(FileNotFoundError):
        HopfieldNetwork.load(tmp_path / "missing.npz")
