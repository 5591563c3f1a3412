"""The RBM as a scikit-learn estimator: the estimator checks, clone, get/set_params,
Pipeline and GridSearchCV, score_samples, the input boundary."""

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import check_estimator
from threadpoolctl import threadpool_limits

from isingml.rbm import RBM


def binary_data(n=40, n_visible=6, units="binary", seed=0):
    rng = np.random.default_rng(seed)
    low = -1.0 if units == "spin" else 0.0
    return rng.choice([low, 1.0], size=(n, n_visible))


@pytest.fixture
def digits():
    # The raw 8x8 digits (grey levels 0-16); the RBM binarizes them at 7.5 itself.
    X, y = load_digits(return_X_y=True)
    return X[:900], y[:900]


@pytest.fixture
def one_blas_thread():
    # LogisticRegression's BLAS threads fight Numba's for two shared cores (15 s instead
    # of 0.1 s); one thread keeps these tests at a second or two.
    with threadpool_limits(limits=1):
        yield


# scikit-learn skips its array-API check unless SCIPY_ARRAY_API=1 was set before SciPy's
# import (then it passes); the warning that says so is expected.
@pytest.mark.filterwarnings("ignore:Skipping check check_array_api_input")
@pytest.mark.parametrize(
    "estimator",
    [
        RBM(),
        RBM(n_hidden=3, n_epochs=2, threshold=0.25),
        RBM(n_hidden=2, units="spin", method="cd", k=2, n_epochs=2),
    ],
    ids=["default", "binary-pcd-threshold", "spin-cd"],
)
def test_rbm_passes_scikit_learns_estimator_checks(estimator):
    # Every check applies and passes (no expected failures). The checks feed real-valued
    # data, which the RBM binarizes by default (see the class docstring).
    check_estimator(estimator)


def test_strict_instance_refuses_real_valued_data_naming_the_option():
    with pytest.raises(ValueError, match=r"X must hold 0 or 1 .*set threshold"):
        RBM(n_hidden=2, threshold=None).fit(np.array([[0.2, 0.7], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"X must hold -1 or 1 .*set threshold"):
        RBM(n_hidden=2, units="spin", threshold=None).fit(np.array([[0.0, 1.0]]))


@pytest.mark.parametrize("units, low", [("binary", 0.0), ("spin", -1.0)])
def test_auto_threshold_is_the_midpoint_and_leaves_unit_values_alone(units, low):
    X = binary_data(units=units)
    options = dict(n_hidden=3, n_epochs=2, units=units, track=(), seed=3)
    strict = RBM(threshold=None, **options).fit(X)
    auto = RBM(**options).fit(X)  # unit values pass unchanged: the same bits
    np.testing.assert_array_equal(auto.components_, strict.components_)
    midpoint = 0.5 if units == "binary" else 0.0
    real = X * 0.6 + (1 - 0.6) * (low + 1.0) / 2 + 0.01  # shrunk towards the midpoint
    assert (np.where(real > midpoint, 1.0, low) == X).all()
    np.testing.assert_array_equal(RBM(**options).fit(real).components_, auto.components_)


def test_hyperparameters_are_keyword_only_and_only_stored():
    with pytest.raises(TypeError, match="positional"):
        RBM(3)
    bad = RBM(n_hidden=-4, units="ternary", threshold="high", seed=-1)  # no error yet
    assert bad.get_params()["n_hidden"] == -4 and bad.units == "ternary"
    with pytest.raises(ValueError, match="n_hidden must be an integer >= 1, got -4"):
        bad.fit(binary_data())
    with pytest.raises(TypeError, match="threshold must be a real number, got 'high'"):
        RBM(n_hidden=2, threshold="high").fit(binary_data())


def test_get_params_set_params_and_clone():
    rbm = RBM(n_hidden=3, n_epochs=2, learning_rate=0.1, track=("mse",), seed=7)
    params = rbm.get_params()
    assert params["n_hidden"] == 3 and params["seed"] == 7 and params["track"] == ("mse",)
    assert set(params) == set(RBM().get_params())
    X = binary_data()
    fitted = clone(rbm).fit(X)
    copy = clone(fitted)  # the hyperparameters, not the fitted state
    assert copy.get_params() == params and not hasattr(copy, "components_")
    assert copy.fit(X) is copy
    np.testing.assert_array_equal(copy.components_, fitted.components_)  # same seed, bits
    assert rbm.set_params(n_hidden=5, seed=8) is rbm
    assert rbm.fit(X).components_.shape == (5, 6)
    with pytest.raises(ValueError, match="Invalid parameter 'hidden'"):
        rbm.set_params(hidden=4)


def test_fitted_state_ends_in_an_underscore_and_history_is_kept():
    rbm = RBM(n_hidden=3, n_epochs=2, seed=1)
    before = set(vars(rbm))
    assert rbm.fit(binary_data(), y=np.zeros(40)) is rbm  # y is ignored
    added = {name for name in set(vars(rbm)) - before if not name.startswith("_")}
    assert added and all(name.endswith("_") for name in added)
    assert rbm.n_features_in_ == 6 and rbm.history_["epoch"] == [1, 2]
    assert rbm.partial_fit(binary_data(8), y=None) is rbm


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.transform(binary_data()),
        lambda r: r.score_samples(binary_data()),
        lambda r: r.score(binary_data()),
        lambda r: r.gibbs(binary_data()),
        lambda r: r.sample(3),
        lambda r: r.log_partition(),
        lambda r: r.reconstruction_error(binary_data()),
    ],
)
def test_an_unfitted_model_raises_not_fitted_error(call):
    with pytest.raises(NotFittedError, match="not fitted yet: call fit or partial_fit"):
        call(RBM(n_hidden=2))
    with pytest.raises(NotFittedError):
        RBM(n_hidden=2).get_feature_names_out()


def test_transform_fit_transform_and_feature_names():
    X = binary_data()
    rbm = RBM(n_hidden=4, n_epochs=2, seed=3)
    features = rbm.fit_transform(X)
    np.testing.assert_array_equal(
        features, RBM(n_hidden=4, n_epochs=2, seed=3).fit(X).transform(X)
    )
    assert features.shape == (40, 4) and features.dtype == np.float32
    assert rbm.get_feature_names_out().tolist() == ["rbm0", "rbm1", "rbm2", "rbm3"]


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_score_samples_is_the_exact_per_row_pseudo_log_likelihood(units):
    # 70 visible units (beyond the 64 where pseudo_log_likelihood switches to one random
    # unit per row): every unit is flipped, against free energies computed directly.
    X = binary_data(12, 70, units, seed=1)
    rbm = RBM(n_hidden=5, units=units, n_epochs=0, dtype=np.float64).fit(X)
    rng = np.random.default_rng(2)
    rbm.components_ = rng.normal(scale=0.3, size=(5, 70))
    rbm.intercept_hidden_ = rng.normal(size=5)
    rbm.intercept_visible_ = rng.normal(scale=0.5, size=70)
    low = -1.0 if units == "spin" else 0.0
    f0 = rbm.free_energy(X)
    expected = np.zeros(len(X))
    for i in range(70):
        flipped = X.copy()
        flipped[:, i] = (1.0 + low) - X[:, i]
        gap = f0 - rbm.free_energy(flipped)
        expected -= np.logaddexp(0.0, gap)  # log sigma(F(flipped) - F(v))
    scores = rbm.score_samples(X)
    np.testing.assert_allclose(scores, expected, rtol=1e-10)
    np.testing.assert_allclose(rbm.score_samples(X[3:5]), scores[3:5], rtol=1e-12)
    assert rbm.score(X) == pytest.approx(scores.mean())
    small = RBM(n_hidden=3, units=units, n_epochs=1).fit(binary_data(units=units))
    data = binary_data(units=units, seed=4)
    assert small.score(data) == pytest.approx(small.pseudo_log_likelihood(data), rel=1e-9)


def test_threshold_binarizes_exactly_as_binarizing_beforehand():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 6))
    for units, low in (("binary", 0.0), ("spin", -1.0)):
        options = {"n_hidden": 3, "units": units, "n_epochs": 2, "seed": 1}
        direct = RBM(threshold=0.2, **options).fit(X)
        binary = np.where(X > 0.2, 1.0, low)
        twin = RBM(**options).fit(binary)
        np.testing.assert_array_equal(direct.components_, twin.components_)
        np.testing.assert_array_equal(direct.transform(X), twin.transform(binary))
        np.testing.assert_array_equal(direct.score_samples(X), twin.score_samples(binary))


@pytest.mark.parametrize("threshold", [0.3, "auto", None])
def test_a_saved_threshold_is_loaded_back(tmp_path, threshold):
    X = binary_data(20, 5) if threshold is None else np.random.default_rng(0).random((20, 5))
    rbm = RBM(n_hidden=2, n_epochs=1, threshold=threshold).fit(X)
    loaded = RBM.load(rbm.save(tmp_path / "rbm.npz"))
    assert loaded.threshold == threshold
    np.testing.assert_array_equal(loaded.transform(X), rbm.transform(X))


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda r: r.fit(np.array([0.0, 1.0, 1.0])), ValueError, "Reshape your data"),
        (lambda r: r.partial_fit(np.array([0.0, 1.0, 1.0])), ValueError, "2-D array"),
        (lambda r: r.fit(np.zeros((0, 3))), ValueError, r"found 0 sample\(s\)"),
        (lambda r: r.fit(np.zeros((4, 0))), ValueError, r"found 0 feature\(s\)"),
        (lambda r: r.fit(scipy.sparse.csr_matrix(np.eye(3))), TypeError, "sparse input"),
        (lambda r: r.fit(np.eye(3) + 1j), ValueError, "Complex data not supported"),
        (lambda r: r.fit(np.array([["a", "b"]])), ValueError, "X must hold numbers"),
        (lambda r: r.fit(np.array([[1, {}]], dtype=object)), TypeError, "X must hold numbers"),
    ],
)
def test_the_estimator_boundary_names_the_argument_and_the_value(call, exc, match):
    with pytest.raises(exc, match=match):
        call(RBM(n_hidden=2))


def test_estimator_methods_take_2d_arrays_the_physics_helpers_also_one_row():
    X = binary_data()
    rbm = RBM(n_hidden=3, n_epochs=0).fit(X)
    with pytest.raises(ValueError, match="Reshape your data"):
        rbm.transform(X[0])
    with pytest.raises(ValueError, match="Reshape your data"):
        rbm.score_samples(X[0])
    np.testing.assert_array_equal(rbm.transform(X[:1]), rbm.transform(X)[:1])
    np.testing.assert_allclose(rbm.free_energy(X[0]), rbm.free_energy(X[:1]))


def test_rbm_features_in_a_pipeline_with_logistic_regression(digits, one_blas_thread):
    X, y = digits
    options = {"n_hidden": 32, "n_epochs": 10, "learning_rate": 0.1, "batch_size": 20}
    options.update(threshold=7.5, track=(), seed=0)
    pipe = Pipeline([("rbm", RBM(**options)), ("lr", LogisticRegression(max_iter=1000))])
    assert pipe.fit(X[:600], y[:600]) is pipe
    # The pipeline's RBM is the RBM fitted alone: the same seed gives the same bits.
    alone = RBM(**options).fit(X[:600])
    np.testing.assert_array_equal(pipe.named_steps["rbm"].components_, alone.components_)
    assert pipe.score(X[600:], y[600:]) > 0.6  # ten classes: chance is 0.1


def test_grid_search_tunes_the_rbm_inside_a_pipeline_and_on_its_own(digits, one_blas_thread):
    X, y = digits
    rbm = RBM(n_epochs=10, learning_rate=0.1, batch_size=20, threshold=7.5, track=())
    pipe = Pipeline([("rbm", rbm), ("lr", LogisticRegression(max_iter=1000))])
    search = GridSearchCV(pipe, {"rbm__n_hidden": [2, 32]}, cv=3).fit(X, y)
    assert search.best_params_ == {"rbm__n_hidden": 32}
    best = search.best_estimator_.named_steps["rbm"]
    refit = clone(rbm).set_params(n_hidden=32).fit(X)
    np.testing.assert_array_equal(best.components_, refit.components_)
    # On its own, GridSearchCV maximizes RBM.score (mean pseudo-log-likelihood):
    # training beats the untrained initialization.
    single = clone(rbm).set_params(n_hidden=16, learning_rate=0.3)
    alone = GridSearchCV(single, {"n_epochs": [0, 10]}, cv=3).fit(X)
    assert alone.best_params_ == {"n_epochs": 10}
    scores = alone.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] + 1.0  # nats per sample (3.4 measured)
