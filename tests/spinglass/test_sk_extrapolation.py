"""The SK ground-state extrapolation's error: disorder averages with a pooled spread, and a
fit whose error grows with its chi-square. Synthetic samples with a known limit."""

import math

import numpy as np
import pytest

from isingml.spinglass.sk import (
    _digamma,
    _trigamma,
    disorder_averages,
    fit_finite_size,
    pooled_spread,
)
from isingml.stats import Stats

SIZES = np.array([32, 64, 128, 256, 512])
COUNTS = (32, 16, 8, 4, 4)
E_INF = -0.7633


def synthetic(rng):
    # e_n = e_inf + 0.7 n^(-2/3), sample-to-sample spread 0.5 n^(-3/4), as SK's.
    return [
        E_INF + 0.7 * n ** (-2 / 3) + 0.5 * n**-0.75 * rng.normal(size=k)
        for n, k in zip(SIZES, COUNTS, strict=True)
    ]


def test_extrapolation_errors_are_honest_with_four_samples_at_the_large_sizes():
    # 400 synthetic scans of 32, 16, 8, 4, 4 samples. With each size's own standard
    # error the z-scores of e_inf have an rms of 1.46 here (1.41 over 2000 scans): a size
    # whose four samples happen to agree is believed too much. With the pooled spread it
    # is 0.95. The rms of 400 honest z-scores is 1 +- 0.035, so [0.8, 1.15] is a band of
    # more than 4 sigma either side (the pooled errors err on the large side).
    rng = np.random.default_rng(7)
    z_own, z_pooled = [], []
    for _ in range(400):
        samples = synthetic(rng)
        own = [
            Stats(float(v.mean()), float(v.std(ddof=1)) / math.sqrt(v.size), math.nan, v.size)
            for v in samples
        ]
        e, _, chi2 = fit_finite_size(SIZES, own)
        z_own.append((e.mean - E_INF) / (e.error / math.sqrt(max(1.0, chi2 / 3))))
        e, _, _ = fit_finite_size(SIZES, disorder_averages(SIZES, samples))
        z_pooled.append((e.mean - E_INF) / e.error)
    rms = math.sqrt(float(np.mean(np.square(z_pooled))))
    assert 0.8 < rms < 1.15, rms
    assert max(np.abs(z_pooled)) < 4.5
    assert math.sqrt(float(np.mean(np.square(z_own)))) > 1.25  # the failure it fixes


def test_pooled_spread_follows_the_power_law_and_never_lowers_a_size_s_own():
    rng = np.random.default_rng(8)
    big = [0.5 * n**-0.75 * rng.normal(size=400) for n in SIZES]
    np.testing.assert_allclose(pooled_spread(SIZES, big), 0.5 * SIZES**-0.75, rtol=0.06)
    samples = synthetic(rng)
    for s, v in zip(disorder_averages(SIZES, samples), samples, strict=True):
        assert s.n == v.size and s.mean == pytest.approx(v.mean())
        assert s.error >= float(v.std(ddof=1)) / math.sqrt(v.size)
    # Fewer than two sizes with a spread: each keeps its own.
    flat = [np.zeros(4), np.array([1.0, 2.0, 3.0])]
    np.testing.assert_array_equal(pooled_spread(np.array([8, 16]), flat), [0.0, 1.0])


def test_fit_error_grows_with_chi_square():
    sizes = np.array([32, 64, 128, 256])
    x = sizes ** (-2 / 3)
    wiggle = np.array([1.0, -1.0, 1.0, -1.0]) * 0.01
    values = [
        Stats(-0.76 + 0.7 * xi + d, 0.001, math.nan, 4) for xi, d in zip(x, wiggle, strict=True)
    ]
    e_inf, _, chi2 = fit_finite_size(sizes, values)
    A = np.stack([np.ones_like(x), x], axis=1)
    plain = math.sqrt(np.linalg.inv(A.T @ A / 0.001**2)[0, 0])
    assert chi2 > 2
    assert e_inf.error == pytest.approx(plain * math.sqrt(chi2 / 2), rel=1e-9)


@pytest.mark.parametrize("x", [0.5, 1.0, 1.5, 2.0, 3.5, 15.5])
def test_polygamma_helpers(x):
    # psi(1) = -Euler's gamma, psi(x + 1) = psi(x) + 1/x; psi'(1) = pi^2/6,
    # psi'(x + 1) = psi'(x) - 1/x^2.
    assert _digamma(1.0) == pytest.approx(-0.5772156649015329, abs=1e-9)
    assert _trigamma(1.0) == pytest.approx(math.pi**2 / 6, abs=1e-9)
    assert _digamma(x + 1) - _digamma(x) == pytest.approx(1 / x, abs=1e-9)
    assert _trigamma(x) - _trigamma(x + 1) == pytest.approx(1 / x**2, abs=1e-9)


def test_a_size_beyond_memory_is_refused_before_the_smaller_sizes_run(monkeypatch):
    from isingml.errors import ResourceError
    from isingml.spinglass import sk

    def never(*args, **kwargs):
        raise AssertionError("a size ran before every size was checked")

    monkeypatch.setattr(sk, "parallel_tempering", never)
    monkeypatch.setattr(sk, "tune_ladder", never)
    with pytest.raises(ResourceError, match="n = 1000000"):
        sk.sk_energy_scaling(sizes=(32, 1_000_000), samples=2)
