"""The SK model's physics: Parisi's energy, P(q) across T_c = 1, the paramagnet's
susceptibility; the ladder helper; the Hopfield network beyond capacity."""

import numpy as np
import pytest

from isingml.spinglass import SherringtonKirkpatrick, geometric_ladder, parallel_tempering
from isingml.spinglass.hopfield_states import classify_overlaps, hopfield_state_census
from isingml.spinglass.ladder import erfcinv, tune_ladder
from isingml.spinglass.sk import fit_finite_size, sk_energy_scaling
from isingml.stats import Stats

Z_MAX = 4.0  # standard errors


@pytest.mark.slow
def test_sk_energy_approaches_parisi_as_n_grows():
    # Lowest energy per spin found by parallel tempering down to T = 0.2, n = 32 ... 512,
    # disorder-averaged; the n^(-2/3) extrapolation against Parisi's -0.7633.
    r = sk_energy_scaling(progress=False, seed=1)
    e = np.array([s.mean for s in r.ground_state])
    assert np.all(np.diff(e) < 0)  # decreasing towards the limit
    assert e[-1] < -0.745  # n = 512 within 0.02 of the limit
    z = (r.extrapolation.mean - r.PARISI) / r.extrapolation.error
    assert abs(z) < Z_MAX, (r.extrapolation, z)
    assert r.chi2 < 3 * (len(r.sizes) - 2) + 10
    low = np.array([s.mean for s in r.low_temperature])
    assert np.all(low >= e - 1e-12) and np.all(np.diff(low) < 0)


@pytest.mark.slow
def test_overlap_distribution_is_broad_below_tc_and_narrows_above():
    T = np.array([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5])
    widths = {}
    for n, samples in [(64, 24), (256, 12)]:
        r = parallel_tempering(
            SherringtonKirkpatrick(n), T, 3000, samples=samples, seed=4, progress=False
        )
        q, P = r.overlap_distribution()
        dq = 2.0 / n
        low = P[0] * dq
        # Below T_c: weight both near +/- q_EA and all the way down to q = 0 (Parisi).
        assert low[np.abs(q) > 0.5].sum() > 0.5
        assert low[np.abs(q) < 0.25].sum() > 0.03
        widths[n] = np.sqrt([s.mean for s in r.q2])
        # Above T_c: chi_SG = n [<q^2>] -> 1 / (1 - beta^2) (finite-n corrections ~ 25%).
        chi = r.susceptibility[-1]
        assert abs(chi.mean * (1 - 1 / T[-1] ** 2) - 1) < 0.35, chi
    # The width of P(q) shrinks with n above T_c (like n^-1/2), hardly below.
    assert widths[256][-1] < 0.6 * widths[64][-1]
    assert widths[256][0] > 0.85 * widths[64][0]


def test_tuned_ladder_keeps_acceptance_near_the_target():
    model = SherringtonKirkpatrick(48)
    first = parallel_tempering(
        model, geometric_ladder(0.3, 1.6, 8), 2000, samples=4, seed=2, replicas=1, progress=False
    )
    spread_before = np.ptp(first.acceptance)
    tuned = tune_ladder(model, 0.3, 1.6, target=0.3, sweeps=2000, samples=4, seed=2)
    acc = tuned.acceptance
    assert tuned.temperatures[0] == 0.3 and tuned.temperatures[-1] == 1.6
    assert np.all(np.diff(tuned.temperatures) > 0)
    # Each pair within 0.1 of the target (the count is rounded up: at or above it), and
    # more even than the geometric ladder.
    assert np.all(np.abs(acc - 0.3) < 0.1), acc
    assert np.ptp(acc) < spread_before
    fixed = tune_ladder(model, 0.3, 1.6, count=10, sweeps=2000, samples=4, seed=2)
    assert fixed.temperatures.size == 10
    assert np.ptp(fixed.acceptance) < 0.12


def test_erfcinv_inverts_erfc():
    import math

    for a in (1e-6, 0.1, 0.3, 0.9, 1.0, 1.7):
        assert math.erfc(erfcinv(a)) == pytest.approx(a, rel=1e-12)
    with pytest.raises(ValueError, match="erfcinv"):
        erfcinv(0.0)


def test_finite_size_fit_recovers_a_known_line():
    sizes = np.array([32, 64, 128, 256])
    values = [Stats(-0.76 + 0.7 * n ** (-2 / 3), 0.001, np.nan, 4) for n in sizes]
    e_inf, slope, chi2 = fit_finite_size(sizes, values)
    assert e_inf.mean == pytest.approx(-0.76, abs=1e-12) and slope == pytest.approx(0.7)
    assert chi2 == pytest.approx(0.0, abs=1e-12)


def test_sk_scaling_checks_its_arguments():
    with pytest.raises(ValueError, match="sizes"):
        sk_energy_scaling(sizes=(32,), samples=4)
    with pytest.raises(ValueError, match="samples"):
        sk_energy_scaling(sizes=(16, 32), samples=(4, 4, 4))


def test_hopfield_beyond_capacity_ends_in_spurious_states():
    r = hopfield_state_census(
        n=400, alphas=(0.01, 0.05, 0.25), trials=2, probes=8, seed=3, progress=False
    )
    retrieval, mixture = 0, 1
    pattern, mix, rand = 0, 1, 2
    # Few patterns: symmetric three-pattern mixtures are stable spurious states.
    assert r.fractions[0, mix, mixture] > 0.5
    # Below capacity: patterns are recalled.
    assert r.fractions[1, pattern, retrieval] == 1.0 and r.start_overlap[1] > 0.95
    # Beyond alpha_c = 0.138 nothing is retrieved from any start: every end state is
    # spurious, far from each stored pattern.
    assert r.fractions[2, :, retrieval].max() <= 0.15
    assert r.start_overlap[2] < 0.6 and r.max_overlap[2, rand] < 0.6
    assert np.allclose(r.fractions.sum(axis=2), 1.0)
    assert r.to_dict()["classes"] == ["retrieval", "mixture", "glassy"]


def test_overlap_classes():
    m = np.array([[0.95, 0.1, 0.0], [0.5, -0.5, 0.5], [0.3, 0.1, 0.05]])
    assert classify_overlaps(m).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="significant"):
        hopfield_state_census(n=50, alphas=(0.1,), significant=0.9, retrieval=0.8)
    with pytest.raises(ValueError, match="alphas"):
        hopfield_state_census(n=50, alphas=(-0.1,))
