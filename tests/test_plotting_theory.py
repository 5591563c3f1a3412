"""Figures of signal propagation: the phase diagram with its critical line, q_l and c_l
against depth, and the pre-activation histograms against their Gaussians."""

import math

import numpy as np
import pytest

from isingml.plotting.theory import (
    plot_phase_diagram,
    plot_preactivation_histograms,
    plot_signal_propagation,
)
from isingml.theory import MeanField, compare_with_theory, phase_diagram, simulate_random_network

Figure = pytest.importorskip("matplotlib.figure").Figure


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


@pytest.fixture(scope="module")
def small_run():
    return simulate_random_network("tanh", 2.5, 0.05, width=64, depth=6, draws=4, q0=2.0, seed=3)


def test_phase_diagram_of_tanh_has_its_critical_line_through_one():
    diagram = phase_diagram("tanh", np.linspace(0.5, 4.0, 8), np.array([0.0, 0.1, 0.2]))
    ax = Figure().subplots()
    assert plot_phase_diagram(diagram, ax=ax) is ax
    line = _line(ax, "critical line")
    np.testing.assert_array_equal(line.get_ydata(), diagram.line_sigma_b2)
    assert line.get_ydata()[0] == 0.0 and line.get_ydata()[-1] == pytest.approx(0.2)
    assert line.get_xdata()[0] == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(line.get_xdata()) > 0)
    mesh = ax.collections[0]
    assert mesh.get_array().shape == (3, 8)
    # xi_c on a log scale; the critical cell (infinite xi_c) at the top of the scale.
    assert mesh.norm.vmax == pytest.approx(
        np.nanmax(np.where(np.isfinite(diagram.xi_c), diagram.xi_c, np.nan))
    )
    texts = {t.get_text(): t.get_position()[0] for t in ax.texts}
    assert texts["ordered"] < diagram.critical_sigma_w2[1] < texts["chaotic"]
    assert ax.get_xlabel().startswith("weight variance")


def test_phase_diagram_of_chi_1_is_centred_on_one_and_relu_is_critical_at_two():
    diagram = phase_diagram("relu", [1.0, 1.5, 2.5, 3.0], [0.0, 0.5])
    ax = Figure().subplots()
    plot_phase_diagram(diagram, quantity="chi_1", ax=ax)
    np.testing.assert_array_equal(_line(ax, "critical line").get_xdata(), np.full(64, 2.0))
    mesh = ax.collections[0]
    assert mesh.norm.vcenter == 1.0
    np.testing.assert_allclose(mesh.get_array(), [[0.5, 0.75, 1.25, 1.5]] * 2)
    # Beyond sigma_w2 = 2 the length has no fixed point: grey cells, labelled so.
    ax = Figure().subplots()
    plot_phase_diagram(diagram, ax=ax)
    np.testing.assert_array_equal(ax.collections[0].get_array().mask, [[0, 0, 1, 1]] * 2)
    assert {t.get_text() for t in ax.texts} == {"ordered", "unbounded q"}
    with pytest.raises(ValueError, match="quantity must be one of"):
        plot_phase_diagram(diagram, quantity="q_star", ax=ax)


def test_signal_propagation_draws_theory_lines_and_simulated_points(small_run):
    axes = Figure().subplots(1, 2)
    assert list(plot_signal_propagation(small_run, axes=axes)) == list(axes)
    comparison = compare_with_theory(small_run)
    mf = MeanField("tanh", 2.5, 0.05)
    for ax, theory, sim, fixed, name in (
        (axes[0], comparison.q_theory, comparison.q_sim, mf.q_star, "q"),
        (axes[1], comparison.c_theory, comparison.c_sim, mf.c_star, "c"),
    ):
        line = _line(ax, "mean-field theory")
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 7))
        np.testing.assert_allclose(line.get_ydata(), theory)
        points = ax.containers[0]
        assert points.get_label() == "simulation (4 networks)"
        np.testing.assert_allclose(points.lines[0].get_ydata(), sim)
        fixed_line = _line(ax, f"{name}* = {fixed:.4g}")
        assert fixed_line.get_ydata()[0] == pytest.approx(fixed)
    assert "chaotic" in axes[1].get_title()


def test_no_fixed_length_is_drawn_where_every_length_is_fixed():
    run = simulate_random_network("relu", 2.0, 0.0, width=16, depth=3, draws=2)
    axes = Figure().subplots(1, 2)
    plot_signal_propagation(run, axes=axes)
    assert not any(line.get_label().startswith("q*") for line in axes[0].get_lines())
    assert _line(axes[1], "c* = 1").get_ydata()[0] == 1.0
    assert axes[1].get_title() == r"critical, $\xi_c = \infty$"


def test_histograms_are_drawn_against_their_gaussians(small_run):
    ax = Figure().subplots()
    assert plot_preactivation_histograms(small_run, layers=[1, 6], ax=ax) is ax
    steps = [p for p in ax.patches if p.get_label().startswith("layer")]
    assert [p.get_label() for p in steps] == ["layer 1", "layer 6"]
    mf = MeanField("tanh", 2.5, 0.05)
    fixed = _line(ax, r"$N(0, q^*)$")
    assert fixed.get_ydata().max() == pytest.approx(
        1 / math.sqrt(2 * math.pi * mf.q_star), rel=1e-3
    )
    q1 = 2.5 * 2.0 + 0.05
    first = _line(ax, r"$N(0, q_l)$")
    assert first.get_ydata().max() == pytest.approx(1 / math.sqrt(2 * math.pi * q1), rel=1e-3)
    with pytest.raises(ValueError, match=r"layers must lie in \[1, 6\]"):
        plot_preactivation_histograms(small_run, layers=[0], ax=ax)


def test_default_histogram_layers():
    run = simulate_random_network("relu", 2.0, 0.0, width=16, depth=3, draws=2)
    ax = plot_preactivation_histograms(run)
    labels = [p.get_label() for p in ax.patches if p.get_label().startswith("layer")]
    assert labels == ["layer 1", "layer 2", "layer 3"]
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
