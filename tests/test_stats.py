"""Tests for isingml.stats: autocorrelation times, blocking, jackknife, Stats."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy.signal import lfilter

from isingml.stats import (
    BinningAnalysis,
    Stats,
    autocorrelation_function,
    binning_analysis,
    binning_error,
    error_uncertainty,
    influence_series,
    integrated_autocorrelation_time,
    jackknife,
    mean_with_error,
)


def ar1(rng: np.random.Generator, rho: float, shape: int | tuple[int, ...]) -> np.ndarray:
    """Stationary AR(1) series x_t = rho x_{t-1} + eps_t with unit-variance noise.

    The first sample is drawn from the stationary law N(0, 1/(1 - rho^2)), so there is
    no burn-in. Along the last axis.
    """
    eps = rng.normal(size=shape)
    eps[..., 0] /= math.sqrt(1.0 - rho**2)
    return lfilter([1.0], [1.0, -rho], eps, axis=-1)


def ar1_tau(rho: float) -> float:
    return (1.0 + rho) / (2.0 * (1.0 - rho))


@pytest.fixture(scope="module")
def long_ar1() -> tuple[np.ndarray, float]:
    rho = 0.9
    return ar1(np.random.default_rng(12345), rho, 200_000), rho


# --------------------------------------------------------------------------------------
# Autocorrelation function
# --------------------------------------------------------------------------------------


def direct_acf(x: np.ndarray) -> np.ndarray:
    d = x - x.mean()
    n = len(d)
    c = np.array([np.dot(d[: n - t], d[t:]) / n for t in range(n)])
    return c / c[0]


@pytest.mark.parametrize("n", [2, 3, 17, 64, 101, 250])
def test_acf_matches_direct_computation(n: int) -> None:
    x = np.random.default_rng(n).normal(size=n).cumsum()  # correlated, non-zero mean
    np.testing.assert_allclose(autocorrelation_function(x), direct_acf(x), atol=1e-12)


def test_acf_max_lag_and_normalisation() -> None:
    x = np.random.default_rng(1).normal(size=100) + 3.0
    rho = autocorrelation_function(x, max_lag=10)
    assert rho.shape == (11,)
    assert rho[0] == 1.0
    np.testing.assert_allclose(rho, direct_acf(x)[:11], atol=1e-12)
    assert np.all(np.abs(autocorrelation_function(x)) <= 1.0 + 1e-12)


def test_acf_accepts_lists_and_integers() -> None:
    rho = autocorrelation_function([1, 2, 3, 2, 1, 2, 3])
    assert rho.dtype == np.float64
    np.testing.assert_allclose(rho, direct_acf(np.array([1, 2, 3, 2, 1, 2, 3.0])), atol=1e-12)


def test_acf_constant_series() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rho = autocorrelation_function(np.full(50, 0.1))
    np.testing.assert_array_equal(rho, np.r_[1.0, np.zeros(49)])


def test_acf_of_ar1_is_geometric(long_ar1: tuple[np.ndarray, float]) -> None:
    x, r = long_ar1
    rho = autocorrelation_function(x, max_lag=5)
    # Statistical error of rho(t) is ~ sqrt(2 tau / n) ~ 0.01 here.
    np.testing.assert_allclose(rho, r ** np.arange(6), atol=0.04)


# --------------------------------------------------------------------------------------
# Integrated autocorrelation time and mean_with_error
# --------------------------------------------------------------------------------------


def test_tau_int_ar1(long_ar1: tuple[np.ndarray, float]) -> None:
    x, r = long_ar1
    exact = ar1_tau(r)  # 9.5
    tau, window = integrated_autocorrelation_time(x)
    # Sokal: sd(tau)/tau ~ sqrt(2 (2M + 1) / n) = sqrt(2 * 97 / 2e5) ~ 3% at M ~ 48, and
    # the truncation bias r^(M+1) / (1 - r) / tau is < 1%; 10% is a ~3 sigma tolerance.
    assert window >= 5.0 * tau
    assert abs(tau - exact) / exact < 0.10
    assert abs(tau - exact) / exact < 3 * math.sqrt(2 * (2 * window + 1) / len(x)) + 0.01


@pytest.mark.parametrize("method", ["tau", "binning"])
def test_mean_with_error_ar1_matches_asymptotic_error(
    long_ar1: tuple[np.ndarray, float], method: str
) -> None:
    x, r = long_ar1
    exact_tau = ar1_tau(r)
    exact_error = math.sqrt(2.0 * exact_tau / (1.0 - r**2) / len(x))
    s = mean_with_error(x, method=method)
    assert isinstance(s, Stats)
    assert s.n == len(x)
    assert s.mean == pytest.approx(float(np.mean(x)))
    # "tau": error ~ sqrt(tau), so ~1.5% noise; 10% is a > 3 sigma tolerance.
    # "binning": the largest usable level has 48 blocks (~10% noise per level) and taking
    # the maximum over levels biases upwards; over 40 seeds error/exact = 1.05 +- 0.065,
    # so 25% is a ~3 sigma tolerance. tau_int ~ error^2, hence twice the tolerance.
    tol = 0.10 if method == "tau" else 0.25
    assert abs(s.error - exact_error) / exact_error < tol
    assert abs(s.tau_int - exact_tau) / exact_tau < 2 * tol
    # The true mean is zero.
    assert abs(s.mean) < 4 * s.error


@pytest.mark.parametrize("method", ["tau", "binning"])
def test_error_bar_coverage(method: str) -> None:
    """Honesty check: error bars of short correlated runs cover the truth as advertised."""
    rho, n, trials = 0.8, 5000, 400
    series = ar1(np.random.default_rng(2024), rho, (trials, n))
    z = np.empty(trials)
    for i, x in enumerate(series):
        s = mean_with_error(x, method=method)
        z[i] = abs(s.mean) / s.error  # true mean is 0
    # Binomial sd of a coverage fraction over 400 trials: ~2.3% at 68%, ~1.1% at 95%.
    within1 = float(np.mean(z < 1.0))
    within2 = float(np.mean(z < 2.0))
    assert 0.60 <= within1 <= 0.76, within1
    assert 0.90 <= within2 <= 0.98, within2


def test_uncorrelated_data() -> None:
    x = np.random.default_rng(7).normal(loc=2.0, scale=3.0, size=20_000)
    tau, window = integrated_autocorrelation_time(x)
    # sd(tau) ~ 0.5 * sqrt(2 * (2M + 1) / n) ~ 0.01 for M ~ 3.
    assert tau == pytest.approx(0.5, abs=0.05)
    assert window >= 1
    naive = float(np.std(x, ddof=1) / math.sqrt(len(x)))
    s = mean_with_error(x)
    assert s.error == pytest.approx(naive, rel=0.06)
    assert s.mean == pytest.approx(float(np.mean(x)))
    sb = mean_with_error(x, method="binning")
    assert sb.error == pytest.approx(naive, rel=0.20)
    assert sb.error >= naive  # max over levels includes level 0
    assert sb.tau_int == pytest.approx(0.5 * (sb.error / naive) ** 2)


def test_tau_error_formula() -> None:
    # error = sqrt(2 tau C(0) / (n - 2 tau)), which for tau = 1/2 is std(ddof=1)/sqrt(n).
    x = np.random.default_rng(3).normal(size=1000)
    s = mean_with_error(x)
    c0 = float(np.var(x))
    expected = math.sqrt(2 * s.tau_int * c0 / (len(x) - 2 * s.tau_int))
    assert s.error == pytest.approx(expected, rel=1e-12)


def test_constant_series_no_warnings() -> None:
    x = np.full(10, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert integrated_autocorrelation_time(x) == (0.5, 0)
        s = mean_with_error(x)
        sb = mean_with_error(np.full(1000, 0.1), method="binning")
    assert s == Stats(mean=0.1, error=0.0, tau_int=0.5, n=10)
    assert sb.error == 0.0
    assert sb.tau_int == 0.5


def test_short_series_warns() -> None:
    x = ar1(np.random.default_rng(5), 0.99, 200)  # tau ~ 100 >> n / 10
    with pytest.warns(RuntimeWarning, match="too short"):
        tau, window = integrated_autocorrelation_time(x)
    assert 0 < tau < 50  # n < 50 tau even though the window criterion was met
    x = ar1(np.random.default_rng(1), 0.99, 200)
    with pytest.warns(RuntimeWarning, match="no window M <= n/2"):
        tau, window = integrated_autocorrelation_time(x)
    assert window == 100
    with pytest.warns(RuntimeWarning, match="too short"):
        mean_with_error(x)
    with pytest.warns(RuntimeWarning, match="too short"):
        binning_error(np.random.default_rng(5).normal(size=100))


def test_anticorrelated_tau_is_clipped() -> None:
    x = np.tile([1.0, -1.0], 50) + 1e-3 * np.random.default_rng(0).normal(size=100)
    tau, window = integrated_autocorrelation_time(x)
    assert window == 1
    assert tau == 0.5  # the windowed sum is ~0; never below uncorrelated data


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["alternating", "ar1"])
def test_anticorrelated_series_never_get_an_error_below_the_naive_one(
    seed: int, kind: str
) -> None:
    # x_t = (-1)^t a + noise (the signed magnetization of a Wolff chain flips sign at
    # almost every update) and AR(1) with r = -0.8 (true tau_int = 0.056): the windowed
    # sum is ~0 or negative, which once gave an error of exactly 0. The error may not go
    # below the naive std / sqrt(n), the value for uncorrelated data.
    rng = np.random.default_rng(seed)
    n = 5000
    if kind == "alternating":
        x = 0.9 * (-1.0) ** np.arange(n) + 0.05 * rng.normal(size=n)
    else:
        x = ar1(rng, -0.8, n)
    naive = float(np.std(x, ddof=1) / math.sqrt(n))
    s = mean_with_error(x)
    assert s.tau_int == 0.5
    assert s.error == pytest.approx(naive, rel=1e-9)
    assert mean_with_error(x, method="binning").error >= naive


def test_window_constant_changes_window(long_ar1: tuple[np.ndarray, float]) -> None:
    x, _ = long_ar1
    _, m5 = integrated_autocorrelation_time(x, c=5.0)
    _, m10 = integrated_autocorrelation_time(x, c=10.0)
    assert m10 > m5


# --------------------------------------------------------------------------------------
# Binning
# --------------------------------------------------------------------------------------


def test_binning_analysis_levels() -> None:
    x = np.random.default_rng(11).normal(size=1000)
    result = binning_analysis(x)
    assert isinstance(result, BinningAnalysis)
    np.testing.assert_array_equal(result.block_sizes, 2 ** np.arange(len(result.errors)))
    np.testing.assert_array_equal(result.n_blocks, [1000, 500, 250, 125, 62, 31, 15, 7, 3])
    assert result.naive_error == pytest.approx(np.std(x, ddof=1) / math.sqrt(1000))
    # Level 3 by hand: 125 blocks of 8.
    blocks = x.reshape(125, 8).mean(axis=1)
    assert result.errors[3] == pytest.approx(np.std(blocks, ddof=1) / math.sqrt(125))
    np.testing.assert_allclose(
        result.error_errors, result.errors / np.sqrt(2 * (result.n_blocks - 1))
    )


def test_binning_error_is_max_over_eligible_levels() -> None:
    x = ar1(np.random.default_rng(12), 0.7, 4096)
    result = binning_analysis(x)
    for min_bins in (16, 32, 128):
        expected = result.errors[result.n_blocks >= min_bins].max()
        assert binning_error(x, min_bins=min_bins) == expected


# --------------------------------------------------------------------------------------
# Jackknife
# --------------------------------------------------------------------------------------


def test_jackknife_variance_iid() -> None:
    n = 10_000
    x = np.random.default_rng(21).normal(size=n)
    exact = math.sqrt(2.0 / n)  # sd of the sample variance for sigma = 1

    def variance(a: float, b: float) -> float:
        return b - a**2

    # Delete-one jackknife: error estimate driven by the sample 4th moment (~2.5% noise).
    s1 = jackknife(variance, x, x**2, n_blocks=n)
    assert s1.error == pytest.approx(exact, rel=0.10)
    # The bias-corrected estimate of <x^2> - <x>^2 is the unbiased (ddof=1) variance.
    assert s1.mean == pytest.approx(np.var(x, ddof=1), rel=1e-9)
    assert math.isnan(s1.tau_int)
    assert s1.n == n
    # Default blocking (100 blocks for iid data): relative noise ~ 1/sqrt(198) ~ 7%,
    # so 22% is a ~3 sigma tolerance.
    s2 = jackknife(variance, x, x**2)
    assert s2.error == pytest.approx(exact, rel=0.22)
    assert abs(s2.mean - 1.0) < 4 * s2.error


def test_jackknife_linear_function_reproduces_mean_and_naive_error() -> None:
    rng = np.random.default_rng(22)
    a = rng.normal(1.0, 2.0, size=3000)
    b = rng.normal(-1.0, 1.0, size=3000)
    s = jackknife(lambda u: u, a, n_blocks=len(a))
    assert s.mean == pytest.approx(np.mean(a), rel=1e-12)
    assert s.error == pytest.approx(np.std(a, ddof=1) / math.sqrt(len(a)), rel=1e-9)
    # Blocked: the naive error of the block means.
    s = jackknife(lambda u, v: 2 * u - 3 * v, a, b, n_blocks=30)
    combo = (2 * a - 3 * b).reshape(30, 100).mean(axis=1)
    assert s.mean == pytest.approx(np.mean(2 * a - 3 * b), rel=1e-12)
    assert s.error == pytest.approx(np.std(combo, ddof=1) / math.sqrt(30), rel=1e-9)


def test_jackknife_drops_remainder_at_beginning() -> None:
    x = np.arange(103, dtype=float)
    s = jackknife(lambda u: u, x, n_blocks=10)
    assert s.n == 100
    assert s.mean == pytest.approx(np.mean(x[3:]))


def test_jackknife_ratio_matches_delta_method() -> None:
    rng = np.random.default_rng(23)
    n = 20_000
    b = rng.normal(5.0, 1.0, size=n)
    a = 0.5 * b + rng.normal(2.0, 1.5, size=n)  # correlated with b
    ma, mb = a.mean(), b.mean()
    cov = np.cov(a, b) / n
    grad = np.array([1.0 / mb, -ma / mb**2])
    delta_error = math.sqrt(grad @ cov @ grad)
    s = jackknife(lambda u, v: u / v, a, b, n_blocks=1000)
    # Jackknife and delta method agree to O(1/n) plus the blocking noise of the
    # variance estimate, 1/sqrt(2 * 999) ~ 2%.
    assert s.error == pytest.approx(delta_error, rel=0.08)
    assert s.mean == pytest.approx(ma / mb, abs=0.1 * s.error)


def test_jackknife_correlated_default_blocks(long_ar1: tuple[np.ndarray, float]) -> None:
    x, r = long_ar1
    exact_error = math.sqrt(2.0 * ar1_tau(r) / (1.0 - r**2) / len(x))
    s = jackknife(lambda u: u, x)
    # Default: tau ~ 9.5 -> blocks of >= 95 samples, capped at 100 blocks of 2000.
    assert s.n == len(x)
    # 100 blocks: relative noise of the error ~ 7%; 25% is > 3 sigma.
    assert s.error == pytest.approx(exact_error, rel=0.25)
    # Passing tau explicitly gives the same blocking.
    assert jackknife(lambda u: u, x, tau=9.5) == s


def test_jackknife_short_blocks_warn() -> None:
    x = ar1(np.random.default_rng(24), 0.9, 300)  # default: 10 blocks of 30 < 5 tau
    with pytest.warns(RuntimeWarning, match="shorter than"):
        jackknife(lambda u: u, x, tau=9.5)
    with pytest.warns(RuntimeWarning, match="shorter than"):
        jackknife(lambda u: u, x, n_blocks=100, tau=9.5)


def test_jackknife_passes_float64_scalars() -> None:
    seen = []

    def f(u, v):
        seen.append((type(u), type(v)))
        return u * v

    jackknife(f, np.arange(20.0), np.ones(20), n_blocks=4)
    assert set(seen) == {(np.float64, np.float64)}


# --------------------------------------------------------------------------------------
# Stats container
# --------------------------------------------------------------------------------------


def test_stats_formatting() -> None:
    s = Stats(mean=-1.41421356, error=0.00234, tau_int=3.2, n=1000)
    assert str(s) == "-1.4142 ± 0.0023"
    assert f"{s}" == str(s)
    assert f"{s:.3f}" == "-1.414 ± 0.002"
    assert f"{s:.2e}" == "-1.41e+00 ± 2.34e-03"
    assert str(Stats(12345.6, 23.4, 0.5, 10)) == "12346 ± 23"
    assert str(Stats(0.5, 0.0996, 0.5, 10)) == "0.50 ± 0.10"
    assert str(Stats(1.0, 0.0, 0.5, 10)) == "1 ± 0"
    assert "nan" in str(Stats(1.0, math.nan, math.nan, 10))


def test_stats_to_dict_is_json_ready() -> None:
    s = mean_with_error(np.random.default_rng(31).normal(size=500))
    d = s.to_dict()
    assert set(d) == {"mean", "error", "tau_int", "n"}
    assert all(type(d[k]) is float for k in ("mean", "error", "tau_int"))
    assert type(d["n"]) is int
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    j = jackknife(lambda u: u, np.arange(100.0), n_blocks=10).to_dict()
    assert j["tau_int"] is None
    json.dumps(j, allow_nan=False)


def test_stats_is_frozen() -> None:
    s = Stats(1.0, 0.1, 0.5, 10)
    with pytest.raises(AttributeError):
        s.mean = 2.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------

VALIDATED = [
    autocorrelation_function,
    integrated_autocorrelation_time,
    binning_analysis,
    binning_error,
    mean_with_error,
]


@pytest.mark.parametrize("func", VALIDATED)
def test_rejects_2d(func) -> None:
    with pytest.raises(ValueError, match=r"x must be a 1-D array .* got shape \(10, 2\)"):
        func(np.zeros((10, 2)))


@pytest.mark.parametrize("func", VALIDATED)
@pytest.mark.parametrize("bad", [[1.0], [], 3.0])
def test_rejects_too_short(func, bad) -> None:
    with pytest.raises(ValueError, match="x must be a 1-D array with at least 2 samples"):
        func(bad)


@pytest.mark.parametrize("func", VALIDATED)
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_rejects_non_finite(func, bad) -> None:
    x = np.ones(100)
    x[7] = bad
    with pytest.raises(ValueError, match=r"x contains non-finite values .*index 7"):
        func(x)


@pytest.mark.parametrize("func", VALIDATED)
def test_rejects_non_real(func) -> None:
    with pytest.raises(TypeError, match="x must contain real numbers"):
        func(np.ones(10, dtype=complex))
    with pytest.raises(TypeError, match="x must"):
        func("abcdef")


def test_bad_parameters() -> None:
    x = np.random.default_rng(0).normal(size=100)
    with pytest.raises(ValueError, match=r"max_lag must be <= n - 1 = 99 .* got 100"):
        autocorrelation_function(x, max_lag=100)
    with pytest.raises(ValueError, match="max_lag must be >= 0, got -1"):
        autocorrelation_function(x, max_lag=-1)
    with pytest.raises(TypeError, match="max_lag must be an integer"):
        autocorrelation_function(x, max_lag=2.5)
    with pytest.raises(ValueError, match=r"c must be finite and > 0, got 0\.0"):
        integrated_autocorrelation_time(x, c=0)
    with pytest.raises(ValueError, match="min_bins must be >= 2, got 1"):
        binning_error(x, min_bins=1)
    with pytest.raises(ValueError, match="method must be 'tau' or 'binning', got 'blocking'"):
        mean_with_error(x, method="blocking")  # type: ignore[arg-type]


def test_jackknife_bad_input() -> None:
    a = np.ones(100)
    with pytest.raises(ValueError, match=r"same length, got lengths \[100, 99\]"):
        jackknife(lambda u, v: u + v, a, np.ones(99))
    with pytest.raises(ValueError, match="at least one series"):
        jackknife(lambda: 0.0)
    with pytest.raises(TypeError, match="func must be callable"):
        jackknife(a, a)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"series\[1\] must be a 1-D array .* shape \(1,\)"):
        jackknife(lambda u, v: u + v, a, [1.0])
    with pytest.raises(ValueError, match=r"series\[0\] contains non-finite"):
        jackknife(lambda u: u, np.r_[a, math.nan])
    with pytest.raises(ValueError, match="n_blocks must be <= the series length 100, got 101"):
        jackknife(lambda u: u, a, n_blocks=101)
    with pytest.raises(ValueError, match="n_blocks must be >= 2, got 1"):
        jackknife(lambda u: u, a, n_blocks=1)
    with pytest.raises(ValueError, match=r"tau must be finite and > 0, got -1\.0"):
        jackknife(lambda u: u, a, tau=-1.0)
    with pytest.raises(TypeError, match="func must return a real scalar"):
        jackknife(lambda u: np.array([u, u]), a, n_blocks=10)


# --------------------------------------------------------------------------------------
# Jackknife plateau, linearised series, uncertainty of an error
# --------------------------------------------------------------------------------------


def two_timescale(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Fast AR(1) (r = 0.5, variance 1) plus a weak slow one (r = 0.995, variance 0.05).

    True tau_int = (1.5 + 0.05 * 199.5) / 1.05 = 10.9, but Sokal's window (c = 5) stops
    within the fast decay and returns ~1.9: the slow tail is invisible to it, as a
    droplet or tunnelling mode is in a short Monte Carlo run.
    """
    fast = ar1(rng, 0.5, shape) * math.sqrt(1.0 - 0.5**2)
    slow = ar1(rng, 0.995, shape) * math.sqrt(0.05 * (1.0 - 0.995**2))
    return fast + slow


def test_jackknife_plateau_is_honest_where_one_blocking_is_not() -> None:
    # 100 series of 20 000 samples, true mean 0, blocks chosen from the (too small)
    # estimated tau. One blocking (100 blocks of 200) misses the slow mode: rms of z was
    # 1.45. The plateau (max over 100, 50, 25, 12 blocks) reaches blocks of 1666 >> 200.
    # For honest errors the rms of 100 z-scores is 1 +- 0.07 (a little above 1 for the
    # t-like z of 12-block errors), so [0.8, 1.2] is a ~3 sigma band.
    x = two_timescale(np.random.default_rng(31), (100, 20_000))
    z_one, z_plateau = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for xi in x:
            tau = integrated_autocorrelation_time(xi)[0]
            one = jackknife(lambda u: u, xi, tau=tau)
            plateau = jackknife(lambda u: u, xi, tau=tau, plateau=True)
            assert plateau.mean == one.mean and plateau.error >= one.error
            z_one.append(one.mean / one.error)
            z_plateau.append(plateau.mean / plateau.error)
    rms = math.sqrt(float(np.mean(np.square(z_plateau))))
    assert 0.8 < rms < 1.2, rms
    assert max(np.abs(z_plateau)) < 4
    assert math.sqrt(float(np.mean(np.square(z_one)))) > 1.3  # the failure it fixes


def test_jackknife_plateau_is_the_max_over_its_block_counts() -> None:
    x = ar1(np.random.default_rng(32), 0.7, 10_000)
    s = jackknife(lambda u, v: v - u * u, x, x * x, tau=3.0, plateau=True)
    # Blocks of >= 2 tau = 6 samples: all of 100, 50, 25, 12 qualify.
    each = [jackknife(lambda u, v: v - u * u, x, x * x, n_blocks=c) for c in (100, 50, 25, 12)]
    assert s.error == max(e.error for e in each)
    assert s.mean == each[0].mean and s.n == each[0].n
    # Too long a tau for 100 blocks: those counts are skipped.
    s = jackknife(lambda u: u, x, tau=60.0, plateau=True)
    assert s.error == max(jackknife(lambda u: u, x, n_blocks=c).error for c in (50, 25, 12))
    with pytest.raises(ValueError, match="n_blocks=10 and plateau=True exclude each other"):
        jackknife(lambda u: u, x, n_blocks=10, plateau=True)


def test_influence_series_is_the_delta_method() -> None:
    rng = np.random.default_rng(33)
    e = rng.normal(-1.5, 0.1, size=5000)
    psi = influence_series(lambda e1, e2: 4.0 * (e2 - e1 * e1), e, e * e)
    # d/d<e> = -8 <e>, d/d<e^2> = 4: psi = 4 (e^2 - <e^2>) - 8 <e> (e - <e>).
    expected = 4.0 * (e * e - np.mean(e * e)) - 8.0 * e.mean() * (e - e.mean())
    np.testing.assert_allclose(psi, expected, rtol=1e-5, atol=1e-8)
    assert abs(psi.mean()) < 1e-9
    # Its naive error is the delta-method error of the variance.
    var_err = jackknife(lambda e1, e2: 4.0 * (e2 - e1 * e1), e, e * e, n_blocks=5000).error
    assert psi.std() / math.sqrt(len(e)) == pytest.approx(var_err, rel=0.01)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_error_uncertainty_of_gaussian_blocks_and_of_rare_bursts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Uncorrelated Gaussian data: 100 blocks, kappa ~ 0 +- 0.5: delta ~ 1/sqrt(198) = 0.07.
    assert 0.06 < error_uncertainty(rng.normal(size=20_000)) < 0.09
    # tau = 1: 10 blocks of 10, so at least 1/sqrt(18) = 0.24 (kappa is taken as >= 0).
    assert error_uncertainty(rng.normal(size=100), tau=1.0) >= 0.5 * math.sqrt(2 / 9)
    # Rare bursts: 20 000 samples of 0 with 4 excursions of 25 samples to 10. The blocks
    # that hold a burst make all of the variance, so the squared error is proportional to
    # their count, Poisson(4): the error is uncertain by 1/2 * 1/sqrt(4) = 25%.
    x = np.zeros(20_000)
    for start in rng.choice(np.arange(0, 20_000 - 25, 500), size=4, replace=False):
        x[start : start + 25] = 10.0
    assert error_uncertainty(x) == pytest.approx(0.25, rel=0.2)
    assert error_uncertainty(np.full(50, 2.0)) == 0.0
