"""The Ising and dataset figures of isingml.plotting: drawn on Agg, checked by what they plot."""

import numpy as np
import pytest

from isingml.ising.exact import T_C, finite_lattice_energy, finite_lattice_heat_capacity
from isingml.ising.results import SimulationResult
from isingml.stats import Stats, autocorrelation_function

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture
def figure():
    from matplotlib.figure import Figure

    return Figure()


def fake_result(L, T, h=0.0, algorithm="metropolis", n=400, seed=0, spm=1.0):
    """A SimulationResult with known observables (value = L + T per observable)."""
    rng = np.random.default_rng(seed)
    m = np.clip(0.5 + 0.1 * np.cumsum(rng.normal(size=n)) / np.sqrt(n), -1, 1)
    e = -1.5 + 0.01 * rng.normal(size=n)
    names = (
        "energy_per_spin",
        "magnetization",
        "abs_magnetization",
        "heat_capacity",
        "susceptibility",
        "binder",
    )
    observables = {
        name: Stats(mean=L + T + k, error=0.1 * (k + 1), tau_int=1.0, n=n)
        for k, name in enumerate(names)
    }
    return SimulationResult(
        L=L,
        T=T,
        J=1.0,
        h=h,
        algorithm=algorithm,
        seed=seed,
        stream=0,
        sweeps=n,
        thermalize=0,
        interval=1,
        energy=e,
        magnetization=m,
        observables=observables,
        tau_int={"energy": 1.5, "abs_magnetization": 2.5 + seed},
        flips_per_ns=1.0,
        updates_per_measurement=1,
        sweeps_per_measurement=spm,
        elapsed=1.0,
        model=None,
    )


def containers(ax):
    """Error-bar containers by label -> (x, y) of their data line."""
    return {c.get_label(): c.lines[0].get_data() for c in ax.containers}


def lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


SCAN = [fake_result(L, T) for L in (8, 4) for T in (2.5, 1.5, 2.0)]


def test_plot_observables_draws_the_points_and_the_exact_curves(figure):
    from isingml.plotting import plot_observables

    axes = figure.subplots(2, 2)
    out = plot_observables(SCAN, axes=axes)
    assert out.shape == (4,)
    # energy, |m|, heat capacity, susceptibility: observables 0, 2, 3, 4 of fake_result
    for ax, offset in zip(out, (0, 2, 3, 4), strict=True):
        points = containers(ax)
        assert set(points) == {"L = 4", "L = 8"}
        x, y = points["L = 4"]
        np.testing.assert_array_equal(x, [1.5, 2.0, 2.5])  # sorted by T
        np.testing.assert_allclose(y, 4 + np.array([1.5, 2.0, 2.5]) + offset)
    energy = lines(out[0])
    for L in (4, 8):
        x, y = energy[f"exact L = {L}"].get_data()
        np.testing.assert_allclose(y, finite_lattice_energy(L, x))
        assert x.min() == 1.5 and x.max() == 2.5
    x, y = lines(out[2])["exact L = 8"].get_data()
    np.testing.assert_allclose(y, finite_lattice_heat_capacity(8, x))
    assert "Onsager, L = inf" in lines(out[2]) and "Yang, L = inf" in lines(out[1])
    assert out[2].get_ylim()[0] == 0.0
    assert not any(label.startswith("exact") for label in lines(out[3]))
    assert "mean field" not in lines(out[1])


def test_plot_observables_mean_field_and_no_exact_curves_in_a_field(figure):
    from isingml.ising.exact import mean_field_magnetization
    from isingml.plotting import plot_observables

    axes = plot_observables(
        [fake_result(4, T, h=0.1) for T in (1.0, 3.0, 5.0)],
        mean_field=True,
        axes=figure.subplots(2, 2),
    )
    assert not any("exact" in label or "inf" in label for label in lines(axes[0]))
    y = lines(axes[1])["mean field"].get_ydata()
    assert y[0] == pytest.approx(mean_field_magnetization(1.0).equilibrium)
    assert y[-1] == 0.0  # T = 5 > q J = 4


def test_plot_observables_refuses_no_results_and_wrong_axes(figure):
    from isingml.plotting import plot_observables

    with pytest.raises(ValueError, match="at least one"):
        plot_observables([])
    with pytest.raises(ValueError, match="4 Axes"):
        plot_observables(SCAN, axes=figure.subplots(1, 3))


def test_plot_time_series_in_sweeps(figure):
    from isingml.plotting import plot_time_series

    a, b = fake_result(16, T_C), fake_result(16, T_C, algorithm="wolff", seed=1, spm=0.5)
    ax = plot_time_series([a, b], max_sweeps=100, ax=figure.subplots())
    first, second = ax.get_lines()
    x, y = first.get_data()
    np.testing.assert_allclose(x, np.arange(1, 101))
    np.testing.assert_array_equal(y, np.abs(a.magnetization[:100]))
    x, y = second.get_data()
    np.testing.assert_allclose(x, 0.5 * np.arange(1, 201))
    assert "wolff" in second.get_label() and "3.5" in second.get_label()
    with pytest.raises(ValueError, match="quantity"):
        plot_time_series([a], quantity="spins", ax=figure.subplots())


def test_plot_autocorrelation_is_the_normalised_function_in_sweeps(figure):
    from isingml.plotting import plot_autocorrelation

    a, b = fake_result(16, T_C), fake_result(16, T_C, algorithm="wolff", seed=1, spm=0.5)
    ax = plot_autocorrelation([a, b], ax=figure.subplots())
    metropolis, wolff = (line for line in ax.get_lines() if line.get_label()[0] != "_")
    x, y = metropolis.get_data()
    max_lag = int(np.ceil(5 * 3.5))  # five times the largest tau_int (3.5 sweeps)
    np.testing.assert_allclose(x, np.arange(max_lag + 1))
    np.testing.assert_allclose(y, autocorrelation_function(np.abs(a.magnetization), max_lag))
    x, y = wolff.get_data()
    assert x[-1] == pytest.approx(5 * 3.5) and y[0] == pytest.approx(1.0)
    ax = plot_autocorrelation([a], quantity="energy", max_sweeps=3, ax=figure.subplots())
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(), autocorrelation_function(a.energy, 3)
    )


def test_plot_binder_draws_one_curve_per_size(figure):
    from isingml.plotting import plot_binder

    ax = plot_binder(SCAN, ax=figure.subplots())
    points = containers(ax)
    x, y = points["L = 8"]
    np.testing.assert_array_equal(x, [1.5, 2.0, 2.5])
    np.testing.assert_allclose(y, 8 + x + 5)  # binder is observable 5
    drawn = lines(ax)
    assert drawn[f"Onsager $T_c$ = {T_C:.4f}"].get_xdata()[0] == pytest.approx(T_C)
    assert drawn["$U^*$ = 0.61069"].get_ydata()[0] == pytest.approx(0.61069)
    ax = plot_binder(SCAN, critical_value=None, ax=figure.subplots())
    assert not any("U^*" in label for label in lines(ax))


def test_plot_configurations_draws_each_lattice(figure):
    from isingml.plotting import plot_configurations

    rng = np.random.default_rng(3)
    spins = np.where(rng.random((2, 3, 8, 8)) < 0.5, -1, 1).astype(np.int8)
    axes = plot_configurations(
        spins,
        row_labels=["a", "b"],
        col_labels=["T = 1", "T = 2", "T = 3"],
        axes=figure.subplots(2, 3),
    )
    assert axes.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(axes[i, j].get_images()[0].get_array(), spins[i, j])
    assert axes[0, 2].get_title() == "T = 3" and axes[1, 0].get_ylabel() == "b"
    row = plot_configurations(spins[0], axes=figure.subplots(1, 3))  # (n, L, L): one row
    assert row.shape == (1, 3)
    with pytest.raises(ValueError, match="-1 and \\+1"):
        plot_configurations(spins * 0)
    with pytest.raises(ValueError, match="shape"):
        plot_configurations(spins[0, 0])
    with pytest.raises(ValueError, match="6 Axes"):
        plot_configurations(spins, axes=figure.subplots(1, 2))


def histogram_data():
    rng = np.random.default_rng(4)
    temperature = np.repeat([3.0, 1.5, 2.25], 500)
    sign = np.where(rng.random(1500) < 0.5, -1.0, 1.0)
    magnetization = np.where(temperature < 2, 0.9 * sign, rng.normal(0, 0.2, 1500))
    return magnetization, temperature


def test_plot_magnetization_histograms_as_lines_are_densities_per_temperature(figure):
    from isingml.plotting import plot_magnetization_histograms

    magnetization, temperature = histogram_data()
    ax = plot_magnetization_histograms(
        magnetization, temperature, bins=20, style="lines", ax=figure.subplots()
    )
    drawn = ax.get_lines()
    assert [line.get_label() for line in drawn] == ["T = 1.5", "T = 2.25", "T = 3"]
    for line in drawn:
        x, y = line.get_data()
        np.testing.assert_allclose(x, np.linspace(-1, 1, 21))
        assert np.sum(y[:-1] * np.diff(x)) == pytest.approx(1.0)
    cold = drawn[0].get_ydata()[:-1]
    assert cold[1] > 0 and cold[-2] > 0 and cold[10] == 0  # two peaks near +-0.9


def test_plot_magnetization_histograms_as_an_image_over_t_and_m(figure):
    from isingml.ising.exact import spontaneous_magnetization
    from isingml.plotting import plot_magnetization_histograms

    magnetization, temperature = histogram_data()
    ax = plot_magnetization_histograms(magnetization, temperature, bins=20, ax=figure.subplots())
    (mesh,) = ax.collections
    image = np.asarray(mesh.get_array()).reshape(20, 3)  # (m bins, temperatures)
    expected = np.histogram(magnetization[temperature == 2.25], np.linspace(-1, 1, 21))[0]
    np.testing.assert_allclose(image[:, 1], expected / expected.max())
    assert image.max(axis=0).tolist() == [1.0, 1.0, 1.0]  # each column scaled to its peak
    assert ax.get_xlim() == pytest.approx((1.5 - 0.375, 3.0 + 0.375))
    x, y = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(y, spontaneous_magnetization(x))
    bare = plot_magnetization_histograms(
        magnetization, temperature, exact=False, ax=figure.subplots()
    )
    assert not bare.get_lines()


def test_plot_magnetization_histograms_refuses_bad_input(figure):
    from isingml.plotting import plot_magnetization_histograms

    magnetization, temperature = histogram_data()
    with pytest.raises(ValueError, match="one length"):
        plot_magnetization_histograms(magnetization, temperature[:-1])
    with pytest.raises(ValueError, match="style"):
        plot_magnetization_histograms(magnetization, temperature, style="bars")
