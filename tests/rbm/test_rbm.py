"""Restricted Boltzmann machines: exact sums, gradients, sampling, training, likelihoods."""

import itertools

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from isingml.rbm import RBM
from isingml.rbm.kernels import log_partition_by_enumeration, sample_layer

UNIT_VALUES = {"binary": (0.0, 1.0), "spin": (-1.0, 1.0)}


def small_rbm(units="binary", n_visible=6, n_hidden=4, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    low, high = UNIT_VALUES[units]
    X = rng.choice([low, high], size=(40, n_visible))
    rbm = RBM(n_hidden=n_hidden, units=units, n_epochs=0, dtype=np.float64, seed=seed).fit(X)
    rbm.components_ = rng.normal(size=(n_hidden, n_visible)) * scale
    rbm.intercept_hidden_ = rng.normal(size=n_hidden) * 0.5
    rbm.intercept_visible_ = rng.normal(size=n_visible) * 0.5
    return rbm, X


def all_states(n, units):
    return np.array(list(itertools.product(UNIT_VALUES[units], repeat=n)))


def brute_log_z(rbm):
    v = all_states(rbm.n_features_in_, rbm.units)
    h = all_states(rbm.n_hidden, rbm.units)
    e = -(h @ rbm.components_ @ v.T) - (h @ rbm.intercept_hidden_)[:, None]
    e -= (v @ rbm.intercept_visible_)[None, :]
    return np.log(np.exp(-e).sum())


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize(("n_visible", "n_hidden"), [(6, 4), (3, 7), (5, 5)])
def test_exact_log_partition_equals_the_double_sum(units, n_visible, n_hidden):
    rbm, _ = small_rbm(units, n_visible, n_hidden)
    assert rbm.log_partition() == pytest.approx(brute_log_z(rbm), abs=1e-10)
    w = rbm.components_
    for bits in range(min(n_hidden, n_visible) + 1):  # chunking does not matter
        value = log_partition_by_enumeration(
            w, rbm.intercept_hidden_, rbm.intercept_visible_, units == "spin", min(bits, n_hidden)
        )
        assert value == pytest.approx(brute_log_z(rbm), abs=1e-10)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_energy_and_free_energy_are_equation_20_and_its_marginal(units):
    rbm, _ = small_rbm(units)
    v = all_states(6, units)
    h = all_states(4, units)
    for vi in v[::7]:
        energies = rbm.energy(np.repeat(vi[None], len(h), 0), h)
        expected = -(h @ rbm.components_ @ vi) - h @ rbm.intercept_hidden_
        expected -= vi @ rbm.intercept_visible_
        np.testing.assert_allclose(energies, expected, atol=1e-12)
        assert rbm.free_energy(vi)[0] == pytest.approx(-np.log(np.exp(-energies).sum()))


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize(("n_visible", "n_hidden"), [(6, 4), (4, 7)])
def test_exact_gradient_equals_finite_differences_of_the_log_likelihood(
    units, n_visible, n_hidden
):
    rbm, X = small_rbm(units, n_visible, n_hidden)
    g = rbm.gradient(X, "exact")
    eps = 1e-6
    for name, param in (
        ("weights", rbm.components_),
        ("visible_bias", rbm.intercept_visible_),
        ("hidden_bias", rbm.intercept_hidden_),
    ):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            param[idx] += eps
            up = rbm.log_likelihood(X)
            param[idx] -= 2 * eps
            down = rbm.log_likelihood(X)
            param[idx] += eps
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g[name], numeric, atol=1e-7)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_a_training_update_with_exact_statistics_is_the_exact_gradient_step(units):
    # method="exact" runs the training update on enumerated model statistics: one step of
    # partial_fit moves every parameter by learning_rate times the gradient that the
    # finite-difference test above checks.
    rbm, X = small_rbm(units, seed=4)
    rbm.method, rbm.learning_rate, rbm.momentum = "exact", 0.1, 0.0
    grad = rbm.gradient(X, "exact")
    before = [rbm.components_.copy(), rbm.intercept_visible_.copy(), rbm.intercept_hidden_.copy()]
    ll_before = rbm.log_likelihood(X)
    rbm.partial_fit(X)
    np.testing.assert_allclose(rbm.components_ - before[0], 0.1 * grad["weights"], atol=1e-12)
    np.testing.assert_allclose(
        rbm.intercept_visible_ - before[1], 0.1 * grad["visible_bias"], atol=1e-12
    )
    np.testing.assert_allclose(
        rbm.intercept_hidden_ - before[2], 0.1 * grad["hidden_bias"], atol=1e-12
    )
    assert rbm.log_likelihood(X) > ll_before


def test_training_step_is_the_gradient_it_computes_with_exact_statistics():
    # The update fit applies is learning_rate * (data term - chain term); with chains
    # that sample the model exactly (many long chains) it approaches the exact gradient,
    # and CD-k's bias shrinks as k grows.
    rbm, X = small_rbm("binary", 6, 4, seed=3, scale=1.5)
    exact = rbm.gradient(X, "exact")["weights"]
    many = np.repeat(X, 250, axis=0)
    errors = [
        np.abs(rbm.gradient(many, "cd", k=k, seed=1)["weights"] - exact).max() for k in (1, 3, 30)
    ]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.02  # ~3 standard errors of 10,000 chains


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_long_gibbs_chains_sample_the_exact_marginal(units):
    # 20,000 independent chains of 100 steps: chi-square of the 64 visible states
    # against exp(-F(v)) / Z; 63 degrees of freedom, so 120 is beyond the 99.99th
    # percentile of a correct sampler.
    rbm, _ = small_rbm(units, seed=5)
    states = all_states(6, units)
    p = np.exp(-rbm.free_energy(states) - rbm.log_partition())
    assert p.sum() == pytest.approx(1.0)
    samples = rbm.sample(20000, steps=100, seed=1)
    low = UNIT_VALUES[units][0]
    codes = ((samples > low) * 2 ** np.arange(6)[::-1]).sum(axis=1)
    counts = np.bincount(codes, minlength=64)
    chi2 = np.sum((counts - 20000 * p) ** 2 / (20000 * p))
    assert chi2 < 120
    assert 0.5 * np.abs(counts / 20000 - p).sum() < 0.03  # total variation


def test_sampling_kernel_matches_its_probabilities_and_is_reproducible():
    pre = np.random.default_rng(0).normal(size=(400, 300))
    means = np.empty_like(pre)
    a = np.empty_like(pre)
    b = np.empty_like(pre)
    sample_layer(pre, False, 7, 0, 3, 0x60, means, a)
    sample_layer(pre, False, 7, 0, 3, 0x60, means, b)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(means, 1 / (1 + np.exp(-pre)))
    # Per-unit Bernoulli: the total count is within 4 standard errors of its mean.
    sd = np.sqrt((means * (1 - means)).sum())
    assert abs(a.sum() - means.sum()) < 4 * sd
    sample_layer(pre, True, 7, 0, 4, 0x60, means, b)
    np.testing.assert_allclose(means, np.tanh(pre), atol=1e-12)
    assert set(np.unique(b)) == {-1.0, 1.0}


def test_digits_exact_likelihood_equals_scikit_learns_like_for_like_and_ais_agrees():
    # The same CD-1-like settings and the same constant learning rate as BernoulliRBM
    # (whose rate never decays): the exact log-likelihoods agree within the spread over
    # seeds (benchmarks/compare_rbm_likelihood.py measures more seeds and the schedules).
    from sklearn.datasets import load_digits
    from sklearn.neural_network import BernoulliRBM

    X = (load_digits().data >= 8).astype(np.float64)
    settings = {"learning_rate": 0.05, "batch_size": 10}
    ours, theirs = [], []
    for seed in range(4):
        rbm = RBM(n_hidden=16, n_epochs=20, seed=seed, track=(), schedule="constant", **settings)
        ours.append(rbm.fit(X).log_likelihood(X))
        sk = BernoulliRBM(n_components=16, n_iter=20, random_state=seed, **settings).fit(X)
        twin = RBM(n_hidden=16, n_epochs=0, dtype=np.float64).fit(X)
        twin.components_ = sk.components_
        twin.intercept_hidden_ = sk.intercept_hidden_
        twin.intercept_visible_ = sk.intercept_visible_
        theirs.append(twin.log_likelihood(X))
    sem = np.hypot(np.std(ours, ddof=1), np.std(theirs, ddof=1)) / np.sqrt(len(ours))
    assert abs(np.mean(ours) - np.mean(theirs)) < 3 * sem  # within 3 standard errors
    assert -23 < np.mean(ours) < -18  # both learned (untrained, biases from the data: -25.1)
    exact = rbm.log_partition()
    estimate, error = rbm.log_partition("ais", n_betas=2000, n_runs=100, seed=1)
    assert abs(estimate - exact) < 3 * error  # within 3 standard errors
    assert error < 0.1


def test_history_tracks_mse_pll_and_the_exact_likelihood():
    _, X = small_rbm()
    data = np.repeat(X, 5, axis=0)
    model = RBM(n_hidden=4, n_epochs=5, batch_size=20, learning_rate=0.1, seed=1).fit(data)
    h = model.history_
    assert h["epoch"] == [1, 2, 3, 4, 5]
    assert all(x is not None for x in h["mse"] + h["pll"] + h["log_likelihood"])
    assert h["log_likelihood"][-1] > h["log_likelihood"][0]
    assert h["log_likelihood"][-1] == pytest.approx(model.log_likelihood(data))


def reference_update(rbm, v_pos, v_neg, h_neg):
    """The gradient of one CD/PCD update written out plainly, given the chain's last
    visible sample and hidden means."""
    W = rbm.components_
    a = v_pos @ W.T + rbm.intercept_hidden_
    h_pos = np.tanh(a) if rbm.units == "spin" else 1 / (1 + np.exp(-a))
    grad_w = h_pos.T @ v_pos / len(v_pos) - h_neg.T @ v_neg / len(v_neg) - rbm.weight_decay * W
    grad_v = v_pos.mean(0) - v_neg.mean(0)
    grad_h = h_pos.mean(0) - h_neg.mean(0)
    return grad_w, grad_v, grad_h


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_training_update_matches_a_written_out_reference(units, method, monkeypatch):
    # Batch 5, 7 chains, k = 2, weight decay and momentum: the update equals the plain
    # formula with the same Gibbs draws, twice (so the momentum buffer counts).
    from isingml.rbm import model as model_module

    rbm, X = small_rbm(units, seed=6)
    rbm.method, rbm.k, rbm.batch_size, rbm.n_chains = method, 2, 5, 7
    rbm.momentum, rbm.weight_decay, rbm.learning_rate = 0.5, 0.01, 0.1
    rbm._initialize(X)
    rbm.components_ = np.random.default_rng(1).normal(size=(4, 6))
    rbm._velocity = [np.zeros((4, 6)), np.zeros(6), np.zeros(4)]
    calls = []
    real = model_module.RBM._sample

    def spy(self, pre, stream, draw, tag):
        means, samples = real(self, pre, stream, draw, tag)
        calls.append((tag, means.copy(), samples.copy()))
        return means, samples

    monkeypatch.setattr(model_module.RBM, "_sample", spy)
    velocity = [np.zeros((4, 6)), np.zeros(6), np.zeros(4)]
    for batch in (X[:5], X[5:10]):
        calls.clear()
        before = [
            rbm.components_.copy(),
            rbm.intercept_visible_.copy(),
            rbm.intercept_hidden_.copy(),
        ]
        snapshot = RBM.__new__(RBM)
        snapshot.__dict__.update(rbm.__dict__)
        snapshot.components_, snapshot.intercept_visible_, snapshot.intercept_hidden_ = before
        rbm.partial_fit(batch)
        visible = [c for c in calls if c[0] == 0x61]
        hidden = [c for c in calls if c[0] == 0x60]
        # The last Gibbs step's visible sample and hidden means make the negative phase.
        grads = reference_update(snapshot, batch, visible[-1][2], hidden[-1][1])
        for i, (param, g) in enumerate(
            zip(
                (rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_),
                grads,
                strict=True,
            )
        ):
            velocity[i] = 0.5 * velocity[i] + 0.1 * g
            np.testing.assert_allclose(param - before[i], velocity[i], atol=1e-12)


def test_seed_reproducibility_partial_fit_and_save_load(tmp_path):
    _, X = small_rbm()
    a = RBM(n_hidden=5, n_epochs=3, seed=np.int64(4), momentum=np.float32(0.5)).fit(X)
    b = RBM(n_hidden=5, n_epochs=3, seed=4, momentum=0.5).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    c = RBM(n_hidden=5, n_epochs=3, seed=5, momentum=0.5).fit(X)
    assert not np.array_equal(a.components_, c.components_)
    path = a.save(tmp_path / "rbm.npz")
    loaded = RBM.load(path)
    np.testing.assert_array_equal(loaded.components_, a.components_)
    np.testing.assert_array_equal(loaded.sample(5, 10, seed=2), a.sample(5, 10, seed=2))
    assert loaded.n_hidden == 5 and loaded.units == "binary"
    a.partial_fit(X[:8])
    loaded.partial_fit(X[:8])
    np.testing.assert_array_equal(a.components_, loaded.components_)
    with pytest.raises(ValueError, match="callable schedule cannot be saved"):
        RBM(n_hidden=3, n_epochs=1, schedule=lambda e: 1.0).fit(X).save(tmp_path / "s.npz")
    with pytest.raises(ValueError, match=r"schedule\(0\) must be finite"):
        RBM(n_hidden=3, n_epochs=1, schedule=lambda e: float("nan")).fit(X)
    assert RBM(n_hidden=3, n_epochs=0).fit(X).gibbs(X, steps=0) is not X
    fresh = RBM(n_hidden=3, seed=1).partial_fit(X[:4])
    assert fresh.components_.shape == (3, 6) and fresh.n_updates_ == 1


def test_transform_reconstruct_and_gibbs_shapes():
    rbm, X = small_rbm("spin")
    assert rbm.transform(X).shape == (40, 4)
    assert np.all(np.abs(rbm.transform(X)) <= 1)
    assert rbm.reconstruct(X).shape == (40, 6)
    v = rbm.gibbs(X, steps=3, seed=1)
    assert set(np.unique(v)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(v, rbm.gibbs(X, steps=3, seed=1))


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: RBM(n_hidden=0).fit(np.ones((3, 3))), ValueError, "n_hidden must be"),
        (lambda: RBM(n_hidden=2, k=0).fit(np.ones((3, 3))), ValueError, "k must be"),
        (
            lambda: RBM(n_hidden=2, units="ternary").fit(np.ones((3, 3))),
            ValueError,
            "units must be",
        ),
        (
            lambda: RBM(n_hidden=2, threshold=None).fit(np.array([[0, 2, 1]])),
            ValueError,
            r"X must hold 0 or 1",
        ),
        (
            lambda: RBM(n_hidden=2, units="spin", threshold=None).fit(np.array([[0, 1]])),
            ValueError,
            "X must hold -1 or 1",
        ),
        (lambda: RBM(n_hidden=2).fit(np.array([[0.0, np.nan]])), ValueError, "X must be finite"),
        (lambda: RBM(n_hidden=2).fit(np.ones(0)), ValueError, "non-empty"),
        (
            lambda: RBM(n_hidden=2, learning_rate=-1).fit(np.ones((2, 2))),
            ValueError,
            "learning_rate",
        ),
        (lambda: RBM(n_hidden=2).transform(np.ones((2, 2))), NotFittedError, "not fitted"),
        (
            lambda: RBM(n_hidden=2, n_epochs=0).fit(np.ones((2, 3))).transform(np.ones((2, 4))),
            ValueError,
            "X has 4 features, but RBM is expecting 3 features",
        ),
        (
            lambda: RBM(n_hidden=30, n_epochs=0).fit(np.ones((2, 30))).log_partition(),
            ValueError,
            "at most 24 units",
        ),
        (lambda: RBM.load(__file__), ValueError, "path: cannot read an RBM"),
    ],
)
def test_bad_input_is_a_clear_error(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_clamped_gibbs_imputation_gives_the_exact_conditional():
    # Unknown units of a 6-unit RBM: the averaged P(up | known) equals the exact
    # conditional marginal from enumeration, within 0.02 (about 4 standard errors).
    rbm, _ = small_rbm("binary", seed=2)
    states = all_states(6, "binary")
    p = np.exp(-rbm.free_energy(states))
    known = np.array([1.0, np.nan, 0.0, np.nan, np.nan, 1.0])
    match = (states[:, 0] == 1) & (states[:, 2] == 0) & (states[:, 5] == 1)
    exact = (p[match, None] * states[match]).sum(axis=0) / p[match].sum()
    filled, prob = rbm.impute(np.repeat(known[None], 200, axis=0), steps=300, burn_in=50, seed=3)
    np.testing.assert_allclose(prob.mean(axis=0), exact, atol=0.02)
    assert np.all(filled[:, [0, 2, 5]] == [1.0, 0.0, 1.0])
    assert set(np.unique(filled)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="burn_in must be < steps"):
        rbm.impute(known, steps=10, burn_in=10)
    with pytest.raises(ValueError, match="X must hold 0 or 1"):
        rbm.set_params(threshold=None).impute(np.array([0.5, np.nan, 0, 0, 0, 0]))


def test_ratings_with_planted_genres_are_filled_in_far_better_than_by_popularity():
    from isingml.rbm.ratings import imputation_experiment, synthetic_ratings

    ratings, genre = synthetic_ratings(50, n_genres=2, movies_per_genre=4, seed=1)
    assert ratings.shape == (50, 8) and genre.tolist() == [0] * 4 + [1] * 4
    result = imputation_experiment(n_train=1000, n_test=200, seed=2)
    assert result["rbm_accuracy"] > 0.78 > 0.6 > result["popularity_accuracy"]
    assert result["rbm_accuracy"] < result["oracle_accuracy"] + 0.02
