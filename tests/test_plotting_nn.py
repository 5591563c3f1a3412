"""The figures of isingml.plotting.nn, drawn on Agg: what each one plotted."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from isingml.plotting import (  # noqa: E402
    plot_activations,
    plot_convolution,
    plot_feature_maps,
    plot_loss_curves,
    plot_matrix,
)


def test_plot_activations_draws_each_layer_s_forward_pass():
    from isingml.nn import LeakyReLU, ReLU, Sigmoid, Tanh

    ax = Figure().subplots()
    z = np.linspace(-3, 3, 61)
    layers = {"relu": ReLU(), "leaky": LeakyReLU(0.1), "sigmoid": Sigmoid(), "tanh": Tanh()}
    assert plot_activations(layers, z=z, ax=ax) is ax
    lines = {
        line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")
    }
    assert list(lines) == list(layers)
    np.testing.assert_allclose(lines["relu"].get_ydata(), np.maximum(z, 0))
    np.testing.assert_allclose(lines["leaky"].get_ydata(), np.where(z > 0, z, 0.1 * z))
    np.testing.assert_allclose(lines["sigmoid"].get_ydata(), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(lines["tanh"].get_ydata(), np.tanh(z))
    with pytest.raises(ValueError, match="z must be 1-D"):
        plot_activations(z=np.zeros((2, 2)), ax=ax)


def test_plot_activations_defaults_to_fig_6():
    import matplotlib.pyplot as plt

    ax = plot_activations()
    try:
        labels = [line.get_label() for line in ax.get_lines()]
        assert [x for x in labels if not x.startswith("_")] == ["ReLU", "sigmoid", "tanh"]
    finally:
        plt.close(ax.figure)


def test_plot_loss_curves_draws_training_and_validation_per_epoch():
    histories = {
        "a": {"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 1.5]},
        "b": {"loss": [2.0, 1.0]},
    }
    ax = Figure().subplots()
    assert plot_loss_curves(histories, logy=True, ax=ax) is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["a", "a (validation)", "b"]
    np.testing.assert_array_equal(lines["a"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines["a"].get_ydata(), [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(lines["a (validation)"].get_ydata(), [3.5, 2.5, 1.5])
    assert lines["a"].get_color() == lines["a (validation)"].get_color()
    assert lines["a (validation)"].get_linestyle() == "--"
    np.testing.assert_array_equal(lines["b"].get_xdata(), [1, 2])
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"

    ax = Figure().subplots()
    plot_loss_curves(histories, validation=False, ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    with pytest.raises(ValueError, match="history 'b' has no 'val_loss'"):
        plot_loss_curves(histories, key="val_loss", ax=ax)


def test_plot_matrix_writes_every_entry_and_outlines_boxes():
    values = np.array([[0, 1, 2], [3, 4, 5.5]])
    ax = Figure().subplots()
    assert plot_matrix(values, ax, title="m", boxes=[(0, 1, 2, 2, "gold")]) is ax
    np.testing.assert_array_equal(ax.images[0].get_array(), values)
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2", "3", "4", "5.5"]
    (box,) = ax.patches
    assert box.get_xy() == (0.5, -0.5) and (box.get_width(), box.get_height()) == (2, 2)
    assert ax.get_title() == "m"

    ax = Figure().subplots()
    plot_matrix(np.array([[-2.0, 1.0]]), ax, annotate=False, symmetric=True)
    assert not ax.texts and ax.images[0].get_clim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="values must be 2-D"):
        plot_matrix(np.zeros(3), ax)


def test_plot_convolution_shows_fig_10_with_matching_windows():
    from isingml.nn.examples import FIG7_IMAGE, FIG9_FILTER, FIG11_STRIDE2

    axes = Figure().subplots(1, 3)
    out = plot_convolution(
        FIG7_IMAGE, FIG9_FILTER, FIG11_STRIDE2, stride=2, highlight=[(0, 1), (2, 2)], axes=axes
    )
    assert len(out) == 3
    image_ax, kernel_ax, output_ax = out
    np.testing.assert_array_equal(image_ax.images[0].get_array(), FIG7_IMAGE)
    np.testing.assert_array_equal(kernel_ax.images[0].get_array(), FIG9_FILTER)
    np.testing.assert_array_equal(output_ax.images[0].get_array(), FIG11_STRIDE2)
    # Output (i, j) sums the image window starting at (2i, 2j): same colour, 2x2 box there.
    windows = [(p.get_xy(), p.get_width(), p.get_edgecolor()) for p in image_ax.patches]
    cells = [(p.get_xy(), p.get_width(), p.get_edgecolor()) for p in output_ax.patches]
    assert [(xy, w) for xy, w, _ in windows] == [((1.5, -0.5), 2), ((3.5, 3.5), 2)]
    assert [(xy, w) for xy, w, _ in cells] == [((0.5, -0.5), 1), ((1.5, 1.5), 1)]
    assert [c for *_, c in windows] == [c for *_, c in cells]
    assert "stride 2" in output_ax.get_title()
    with pytest.raises(ValueError, match="outside the output"):
        plot_convolution(FIG7_IMAGE, FIG9_FILTER, FIG11_STRIDE2, highlight=[(3, 0)], axes=axes)


def test_plot_feature_maps_one_row_per_stage_with_clipped_contrast():
    rng = np.random.default_rng(0)
    maps = [
        {"vertical": rng.random((40, 40)), "horizontal": rng.random((40, 40))},
        {"vertical": rng.random((20, 20)), "horizontal": rng.random((20, 20))},
    ]
    maps[0]["vertical"][0, 0] = 100.0  # one outlier
    axes = Figure().subplots(2, 2, squeeze=False)
    assert plot_feature_maps(maps, axes=axes) is axes
    np.testing.assert_array_equal(axes[1][1].images[0].get_array(), maps[1]["horizontal"])
    assert [ax.get_title() for ax in axes[0]] == ["vertical", "horizontal"]
    assert axes[1][0].get_ylabel() == "layer 2"
    assert axes[0][0].images[0].get_clim()[1] < 2.0  # the outlier saturates
    plot_feature_maps(maps, axes=axes, clip=None)
    assert axes[0][0].images[-1].get_clim()[1] == 100.0
