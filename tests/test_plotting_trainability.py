"""The trainability figure: accuracy over (sigma_w^2, depth), the multiple of xi_c, the
critical sigma_w^2 and the deepest trained networks."""

import numpy as np
import pytest

from isingml.plotting.trainability import plot_trainability
from isingml.theory.signal import MeanField, critical_sigma_w2
from isingml.theory.trainability import TrainabilityResult

Figure = pytest.importorskip("matplotlib.figure").Figure
QuadMesh = pytest.importorskip("matplotlib.collections").QuadMesh

SIGMAS = np.array([0.5, 1.0, 1.5, 2.5, 4.0])
DEPTHS = np.array([4, 8, 16, 32])


@pytest.fixture(scope="module")
def result() -> TrainabilityResult:
    accuracy = np.array(
        [
            [0.6, 0.9, 0.9, 0.9, 0.9],
            [0.5, 0.9, 0.9, 0.9, 0.9],
            [0.5, 0.5, 0.9, 0.9, 0.8],
            [0.5, 0.5, 0.9, 0.6, 0.5],
        ]
    )
    return TrainabilityResult(
        activation="tanh",
        sigma_b2=0.05,
        sigma_w2s=SIGMAS,
        depths=DEPTHS,
        accuracy=accuracy,
        train_loss=np.zeros_like(accuracy),
        diverged=np.zeros(accuracy.shape, dtype=bool),
        xi_c=np.array([MeanField("tanh", s, 0.05).xi_c for s in SIGMAS]),
        sigma_w2_critical=float(critical_sigma_w2("tanh", 0.05)),
        chance=0.5,
        task="phase",
        width=16,
        epochs=2,
        batch_size=32,
        learning_rate=0.01,
        samples=600,
        L=8,
        seed=0,
        seconds=0.0,
    )


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_heat_map_holds_the_accuracy_grid(result):
    ax = Figure().subplots()
    assert plot_trainability(result, ax=ax) is ax
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(4, 5), result.accuracy)
    assert mesh.norm.vmin == 0.5 and mesh.norm.vmax == 0.9
    assert ax.get_yscale() == "log"
    low, high = ax.get_ylim()
    assert low < 4 and high > 32  # every depth's cell is inside the view
    assert ax.get_xlabel() and ax.get_ylabel() and "tanh" in ax.get_title()


def test_curve_is_the_multiple_of_xi_c_and_the_critical_line_is_marked(result):
    ax = Figure().subplots()
    plot_trainability(result, ax=ax, multiple=4.0)
    lines = _lines(ax)
    (curve,) = [line for label, line in lines.items() if "xi_c" in label]
    x, y = curve.get_xdata(), curve.get_ydata()
    assert x[0] == 0.5 and x[-1] == 4.0
    for k in (0, len(x) // 2, len(x) - 1):
        assert y[k] == pytest.approx(4.0 * MeanField("tanh", x[k], 0.05).xi_c, rel=1e-12)
    (critical,) = [line for label, line in lines.items() if label.startswith("critical")]
    np.testing.assert_allclose(critical.get_xdata(), result.sigma_w2_critical)
    assert "1.76" in critical.get_label()


def test_dots_mark_the_deepest_trained_network(result):
    ax = Figure().subplots()
    plot_trainability(result, ax=ax)
    (dots,) = [line for label, line in _lines(ax).items() if label.startswith("deepest")]
    np.testing.assert_array_equal(dots.get_xdata(), SIGMAS)
    # Threshold 0.5 + 0.5 (0.9 - 0.5) = 0.7; no depth trains at sigma_w2 = 0.5.
    np.testing.assert_array_equal(dots.get_ydata(), [np.nan, 8, 32, 16, 16])
    assert "0.70" in dots.get_label()


def test_a_multiple_that_is_not_positive_is_refused(result):
    with pytest.raises(ValueError, match="multiple"):
        plot_trainability(result, ax=Figure().subplots(), multiple=0.0)
