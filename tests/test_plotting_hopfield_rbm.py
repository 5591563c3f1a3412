"""The RBM figures added for the notebooks: training curves (Fig. 5) and the visible
distribution of a Gibbs sampler against the exact one."""

import numpy as np
import pytest

from isingml.plotting import plot_training_curves, plot_visible_distribution

Figure = pytest.importorskip("matplotlib.figure").Figure


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_training_curves_draw_each_history_against_its_epochs():
    ax = Figure().subplots()
    histories = {"CD-1": [-6.0, -5.0, -4.5], "exact": [-6.0, -4.0, -3.0]}
    assert plot_training_curves(histories, epochs=[10, 20, 30], reference=-2.6, ax=ax) is ax
    lines = _lines(ax)
    for label, values in histories.items():
        np.testing.assert_array_equal(lines[label].get_xdata(), [10, 20, 30])
        np.testing.assert_array_equal(lines[label].get_ydata(), values)
    np.testing.assert_array_equal(lines["bound"].get_ydata(), [-2.6, -2.6])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel()


def test_training_curves_default_epochs_skip_missing_values():
    ax = Figure().subplots()
    plot_training_curves({"run": [None, -5.0, float("nan"), -4.0]}, ax=ax)
    line = _lines(ax)["run"]
    np.testing.assert_array_equal(line.get_xdata(), [2, 4])
    np.testing.assert_array_equal(line.get_ydata(), [-5.0, -4.0])
    assert "bound" not in _lines(ax)


def test_training_curves_reject_epochs_of_another_length():
    with pytest.raises(ValueError, match="epochs"):
        plot_training_curves({"run": [1.0, 2.0]}, epochs=[1, 2, 3], ax=Figure().subplots())


def test_visible_distribution_orders_by_exact_probability_and_gives_the_distance():
    ax = Figure().subplots()
    exact = np.array([0.1, 0.6, 0.3])
    counts = np.array([20, 50, 30])  # frequencies 0.2, 0.5, 0.3
    assert plot_visible_distribution(exact, counts, ax=ax) is ax
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [0.6, 0.3, 0.1])
    np.testing.assert_allclose(_lines(ax)["Gibbs samples"].get_ydata(), [0.5, 0.3, 0.2])
    assert "0.1000" in ax.get_title()  # (|0.1 - 0.2| + |0.6 - 0.5|) / 2


def test_visible_distribution_rejects_mismatched_or_empty_input():
    ax = Figure().subplots()
    with pytest.raises(ValueError, match="shape"):
        plot_visible_distribution(np.ones(3), np.ones(4), ax=ax)
    with pytest.raises(ValueError, match="counts"):
        plot_visible_distribution(np.ones(3), np.zeros(3), ax=ax)


def test_figures_make_their_own_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for ax in (
        plot_training_curves({"run": [1.0, 2.0]}),
        plot_visible_distribution(np.ones(4), np.arange(1, 5)),
    ):
        try:
            assert ax.figure is not None and ax.get_lines()
        finally:
            plt.close(ax.figure)
