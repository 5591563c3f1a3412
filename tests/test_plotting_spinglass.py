"""Spin-glass figures: what each one draws."""

import matplotlib

matplotlib.use("Agg")

import numpy as np

from isingml.plotting import (
    plot_exchange,
    plot_hopfield_census,
    plot_overlap_distribution,
    plot_sk_energy_scaling,
    plot_spin_glass_binder,
)
from isingml.spinglass import (
    SherringtonKirkpatrick,
    geometric_ladder,
    hopfield_state_census,
    parallel_tempering,
)
from isingml.spinglass.sk import SKScaling, fit_finite_size
from isingml.stats import Stats


def _run(n=16):
    return parallel_tempering(
        SherringtonKirkpatrick(n),
        geometric_ladder(0.4, 1.5, 5),
        400,
        samples=2,
        seed=0,
        progress=False,
    )


def test_overlap_distribution_draws_one_curve_per_temperature():
    r = _run()
    ax = plot_overlap_distribution(r)
    assert len(ax.lines) == 5
    _, density = r.overlap_distribution()
    assert np.allclose(ax.lines[0].get_ydata(), density[0])
    ax = plot_overlap_distribution(r, temperatures=[0.4, 1.5])
    assert len(ax.lines) == 2


def test_exchange_panels_show_acceptance_and_flux():
    r = _run()
    a, b = plot_exchange(r)
    assert np.allclose(a.lines[0].get_ydata(), r.acceptance)
    assert np.allclose(b.lines[0].get_ydata(), r.up_fraction)
    assert "round trips" in b.get_title()


def test_binder_curves_one_per_size():
    ax = plot_spin_glass_binder([_run(8), _run(16)])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["n = 8", "n = 16"]


def test_sk_scaling_plot_marks_parisi_and_the_fit():
    sizes = np.array([32, 64, 128])
    gs = [Stats(-0.7633 + 0.7 * n ** (-2 / 3), 0.002, np.nan, 4) for n in sizes]
    e, slope, chi2 = fit_finite_size(sizes, gs)
    ax = plot_sk_energy_scaling(SKScaling(sizes, gs, gs, 0.2, e, slope, chi2, []))
    star = next(line for line in ax.lines if line.get_marker() == "*")
    assert star.get_ydata()[0] == -0.7633 and star.get_xdata()[0] == 0
    fit = next(line for line in ax.lines if line.get_linestyle() == "--")
    assert abs(fit.get_ydata()[0] - e.mean) < 1e-9


def test_hopfield_census_panels():
    r = hopfield_state_census(n=100, alphas=(0.05, 0.3), trials=1, probes=2, progress=False)
    axes = plot_hopfield_census(r)
    assert len(axes) == 3 and all(len(ax.lines) == 4 for ax in axes)  # 3 classes, alpha_c
    assert np.allclose(axes[2].lines[0].get_ydata(), r.fractions[:, 2, 0])
