"""T_c from a latent: curves, Binder ratio and susceptibility estimates, bootstrap errors,
finite-size scaling, and the whole discovery on generated configurations."""

import numpy as np
import pytest

from isingml import T_C
from isingml.data import generate, open_dataset
from isingml.nn import Autoencoder
from isingml.transition.discovery import (
    PHASE_AUTOENCODER,
    discover_transition,
    train_on_dataset,
)
from isingml.transition.latents import (
    BINDER_CRITICAL,
    CriticalTemperature,
    critical_temperature,
    finite_size_scaling,
    latent_curves,
    odd_latent,
)


def test_latent_curves_are_the_moments_per_temperature():
    z = np.array([1.0, -1.0, 1.0, -1.0, 0.5, -0.5, 2.0, 0.0, 1.0, 3.0, -3.0, 0.0, 1, 2, 3])
    t = np.repeat([1.0, 2.0, 3.0, 4.0, 5.0], 3)
    c = latent_curves(z, t, size=4)
    np.testing.assert_array_equal(c.temperatures, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(c.counts, [3, 3, 3, 3, 3])
    a = np.abs(z).reshape(5, 3)
    np.testing.assert_allclose(c.mean_abs, a.mean(axis=1))
    np.testing.assert_allclose(c.susceptibility, 16 * a.var(axis=1) / c.temperatures)
    u = 1 - (a**4).mean(axis=1) / (3 * (a**2).mean(axis=1) ** 2)
    np.testing.assert_allclose(c.binder, u)
    assert c.binder[0] == pytest.approx(2 / 3)  # two delta peaks: the ordered value


def _synthetic(levels, n, rng, temps, noise=0.2):
    """A latent whose |z| is a fixed level per temperature plus Gaussian noise."""
    z = np.concatenate([lv * rng.choice([-1, 1], n) + rng.normal(0, noise, n) for lv in levels])
    return z, np.repeat(temps, n)


def test_binder_estimate_recovers_a_known_crossing():
    # Latent = m * sign + Gaussian noise with the Binder ratio falling through U* between
    # the 4th and 5th temperature; a fine synthetic check of the interpolation.
    rng = np.random.default_rng(0)
    temps = np.linspace(1.0, 3.0, 9)
    levels = np.clip(1.6 - 0.55 * temps, 0, None)
    z, t = _synthetic(levels, 20000, rng, temps)
    c = latent_curves(z, t, 8)
    i = np.flatnonzero((c.binder[:-1] >= BINDER_CRITICAL) & (c.binder[1:] < BINDER_CRITICAL))
    assert i.size == 1
    e = critical_temperature(z, t, 8, "binder", n_bootstrap=50)
    assert c.temperatures[i[0]] <= e.value <= c.temperatures[i[0] + 1]
    assert 0 < e.error < 0.05 and e.n_bootstrap == 50 and e.method == "binder"


def test_bootstrap_error_shrinks_like_one_over_root_n():
    rng = np.random.default_rng(1)
    temps = np.linspace(1.0, 3.0, 9)
    levels = np.clip(1.6 - 0.55 * temps, 0, None)
    small = critical_temperature(*_synthetic(levels, 500, rng, temps), 8, n_bootstrap=400)
    large = critical_temperature(*_synthetic(levels, 8000, rng, temps), 8, n_bootstrap=400)
    assert 2.5 < small.error / large.error < 6.5  # sqrt(16) = 4


def test_estimates_refuse_what_cannot_locate_a_transition():
    rng = np.random.default_rng(2)
    with pytest.raises(ValueError, match="4 distinct values are too few"):
        critical_temperature(rng.normal(size=40), np.repeat([1.0, 2.0, 3.0, 4.0], 10), 8)
    temps = np.linspace(1.0, 1.8, 6)  # all ordered: U stays near 2/3
    z, t = _synthetic(np.ones(6), 100, rng, temps, noise=0.05)
    with pytest.raises(ValueError, match="never falls through U\\*"):
        critical_temperature(z, t, 8, "binder")
    with pytest.raises(ValueError, match="peaks at the edge of the temperatures"):
        growing = np.concatenate([rng.normal(1, 0.1 * (k + 1), 100) for k in range(6)])
        critical_temperature(growing, t, 8, "susceptibility")
    with pytest.raises(ValueError, match="method must be one of"):
        critical_temperature(z, t, 8, "steepest")
    with pytest.raises(ValueError, match="same length"):
        critical_temperature(z[:-1], t, 8)


def test_finite_size_scaling_fits_the_line_and_propagates_errors():
    exact = [CriticalTemperature(2.0 + 1.5 / L, 0.01, "binder", L, 100) for L in (8, 16, 32)]
    fit = finite_size_scaling(exact)
    assert fit.value == pytest.approx(2.0) and fit.slope == pytest.approx(1.5)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-12)
    x = np.array([1 / 8, 1 / 16, 1 / 32])  # the intercept's error of an unweighted line
    expected = 0.01 * np.sqrt(np.sum(x**2) / (3 * np.sum(x**2) - np.sum(x) ** 2))
    assert fit.error == pytest.approx(expected)
    np.testing.assert_allclose(fit.curve([8, 16]), [2.0 + 1.5 / 8, 2.0 + 1.5 / 16])
    scattered = [
        CriticalTemperature(2.0 + 1.5 / L + d, 0.001, "binder", L, 100)
        for L, d in ((8, 0.01), (16, -0.01), (32, 0.01))
    ]
    assert finite_size_scaling(scattered).error > 0.001 * 2  # inflated by sqrt(chi2/dof)
    with pytest.raises(ValueError, match="needs >= 2 sizes, got 1"):
        finite_size_scaling(exact[:1])
    with pytest.raises(ValueError, match="each size once"):
        finite_size_scaling([exact[0], exact[0]])
    other = CriticalTemperature(2.1, 0.01, "susceptibility", 64, 100)
    with pytest.raises(ValueError, match="one method"):
        finite_size_scaling([*exact, other])


def test_the_odd_latent_drops_a_learned_offset():
    rng = np.random.default_rng(3)
    x = rng.choice([-1.0, 1.0], size=(32, 16))
    ae = Autoencoder(encoder_widths=(), latent_dim=2, decoder_widths=(8,), n_epochs=1, seed=0)
    ae.fit(x)
    z = odd_latent(ae, x, unit=1)
    np.testing.assert_allclose(odd_latent(ae, -x, unit=1), -z, atol=1e-6)
    with pytest.raises(ValueError, match="unit must be below latent_dim = 2, got 2"):
        odd_latent(ae, x, unit=2)


def test_discovery_on_a_dataset_and_its_errors(spin_dataset, tmp_path):
    a = discover_transition(spin_dataset, sizes=[16], epochs=3, n_bootstrap=20)
    s = a.sizes[16]
    assert s.correlation > 0.99 and s.latent.shape == s.temperatures.shape == (2200,)
    assert abs(s.estimates["binder"].deviation) < 0.05  # 11 temperatures, 200 each
    assert a.fits == {} and "L = 16" in a.summary() and "Onsager" in a.summary()
    # A given model is used as it is.
    b = discover_transition(spin_dataset, sizes=[16], models={16: s.autoencoder}, n_bootstrap=20)
    np.testing.assert_array_equal(b.sizes[16].latent, s.latent)
    with pytest.raises(ValueError, match="size must be one of \\[16, 32\\], got 24"):
        discover_transition(spin_dataset, sizes=[24])
    with pytest.raises(ValueError, match="takes 256 values per sample, the data 1024"):
        discover_transition(spin_dataset, sizes=[32], models={32: s.autoencoder})
    few = generate(tmp_path / "few.h5", "8", "1.0:3.0:4", 20, progress=False)
    with pytest.raises(ValueError, match="4 temperatures are too few"):
        discover_transition(few)


def test_training_on_one_size_streamed_or_in_memory(spin_dataset):
    options = dict(PHASE_AUTOENCODER, n_epochs=2, batch_size=64, seed=1)
    cold = [1.0, 1.25]
    run = train_on_dataset(spin_dataset, 16, Autoencoder(**options), temperatures=cold)
    assert run.n_configurations == 400 and run.size == 16 and run.seconds > 0
    assert len(run.autoencoder.history_["loss"]) == 2 and run.samples_per_second > 0
    assert run.correlation > 0.95  # |r| over every temperature of the size
    with open_dataset(spin_dataset) as ds:  # an open Dataset is taken as it is
        streamed = train_on_dataset(ds, 16, Autoencoder(**options), stream=True, seed=1)
        assert ds.n_samples(16) == streamed.n_configurations == 2200  # still open
    wide = train_on_dataset(spin_dataset, 16, Autoencoder(**{**options, "latent_dim": 2}))
    assert wide.correlation is None
    with pytest.raises(ValueError, match="size must be an integer >= 2, got 1"):
        train_on_dataset(spin_dataset, 1, Autoencoder(**options))


@pytest.mark.slow
def test_tc_from_one_size_within_2_percent_and_finite_size_scaling_within_1(tmp_path):
    """Done when: one size within 2% of Onsager; three sizes extrapolated within 1%, with
    an error bar (the error bars themselves are checked: each result lies within 4 of
    its standard errors of Onsager's value)."""
    from isingml.data.generation import parse_temperatures
    from isingml.transition.pipeline import PIPELINE_TEMPERATURES

    path = generate(
        tmp_path / "fss.h5",
        "16,32,64",
        parse_temperatures(PIPELINE_TEMPERATURES),
        1000,
        thermalize=200,
        interval=2,
        engine="wolff",
        seed=1,
        progress=False,
    )
    a = discover_transition(path, n_bootstrap=100, seed=1)
    for size, s in a.sizes.items():
        assert s.correlation >= 0.999, size
        binder = s.estimates["binder"]
        assert abs(binder.deviation) < 0.02, (size, binder)
        assert abs(binder.value - T_C) < 4 * binder.error + 0.002, (size, binder)
    for method, fit in a.fits.items():
        assert [e.size for e in fit.estimates] == [16, 32, 64]
        assert abs(fit.deviation) < 0.01, (method, fit)
        assert 0 < fit.error < 0.005 and abs(fit.value - T_C) < 4 * fit.error, (method, fit)
    # The susceptibility peaks approach T_c from above like 1/L.
    peaks = [a.sizes[L].estimates["susceptibility"].value for L in (16, 32, 64)]
    assert peaks[0] > peaks[1] > peaks[2] > T_C
    with open_dataset(path) as ds:
        assert len(ds.temperatures) == 26
