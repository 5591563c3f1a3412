"""The autoencoder figures of isingml.plotting draw what they are given (on Agg)."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from isingml.ising.exact import T_C  # noqa: E402
from isingml.plotting import (  # noqa: E402
    plot_anomaly_scores,
    plot_binder_curves,
    plot_denoising,
    plot_roc,
    plot_spin_images,
    plot_vae_latent,
)
from isingml.transition.latents import BINDER_CRITICAL, latent_curves  # noqa: E402


def _spins(k: int, L: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random((k, L, L)) < 0.5, -1, 1).astype(np.int8)


def _image(ax) -> np.ndarray:
    (image,) = ax.get_images()
    return np.asarray(image.get_array())


@pytest.mark.parametrize("shape", ["stack", "flat_stack", "one", "one_flat"])
def test_plot_spin_images_draws_each_configuration(shape):
    spins = _spins(3, 4)
    given = {
        "stack": spins,
        "flat_stack": spins.reshape(3, 16),
        "one": spins[0],
        "one_flat": spins[0].ravel(),
    }[shape]
    expected = spins if shape.startswith(("stack", "flat")) else spins[:1]
    axes = Figure().subplots(1, len(expected), squeeze=False).ravel()
    out = plot_spin_images(given, [f"c{i}" for i in range(len(expected))], axes=axes)
    assert len(out) == len(expected)
    for i, ax in enumerate(out):
        np.testing.assert_array_equal(_image(ax), expected[i])
        assert ax.get_title() == f"c{i}"


def test_plot_spin_images_shades_mean_spins_and_makes_its_own_figure():
    import matplotlib.pyplot as plt

    means = np.linspace(-1, 1, 9).reshape(1, 3, 3)
    axes = plot_spin_images(means)
    try:
        image = axes[0].get_images()[0]
        np.testing.assert_allclose(image.get_array(), means[0])
        assert image.get_clim() == (-1.0, 1.0)
    finally:
        plt.close(axes[0].figure)


def test_plot_spin_images_rejects_non_square_and_too_few_axes():
    with pytest.raises(ValueError, match="square"):
        plot_spin_images(np.ones((2, 12)), axes=Figure().subplots(1, 2))
    with pytest.raises(ValueError, match="axes"):
        plot_spin_images(_spins(3, 4), axes=Figure().subplots(1, 2))


def test_plot_denoising_titles_count_the_wrong_spins():
    clean = _spins(2, 10)
    noisy = clean.copy()
    noisy[0, 0, :5] *= -1  # 5% wrong
    noisy[1, :2, :] *= -1  # 20% wrong
    restored = clean.copy()
    restored[1, 0, 0] *= -1  # 1% wrong
    axes = plot_denoising(clean, noisy, restored, axes=Figure().subplots(2, 3))
    assert axes.shape == (2, 3)
    titles = [[ax.get_title() for ax in row] for row in axes]
    assert titles[0] == ["clean", "input: 5.0% wrong", "output: 0.0% wrong"]
    assert titles[1] == ["clean", "input: 20.0% wrong", "output: 1.0% wrong"]
    for i, row in enumerate(axes):
        for ax, given in zip(row, (clean, noisy, restored), strict=True):
            np.testing.assert_array_equal(_image(ax), given[i])


def test_plot_denoising_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        plot_denoising(_spins(2, 4), _spins(2, 4), _spins(1, 4))


def test_plot_binder_curves_draws_one_line_per_size_and_the_references():
    rng = np.random.default_rng(0)
    temps = np.repeat(np.linspace(1.5, 3.0, 6), 50)
    curves = [latent_curves(rng.normal(size=temps.size) + 1.0 / temps, temps, L) for L in (8, 4)]
    ax = Figure().subplots()
    assert plot_binder_curves(curves, ax=ax) is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    for c in curves:
        line = lines[f"L = {c.size}"]
        np.testing.assert_allclose(line.get_xdata(), c.temperatures)
        np.testing.assert_allclose(line.get_ydata(), c.binder)
    assert np.allclose(lines[f"U* = {BINDER_CRITICAL}"].get_ydata(), BINDER_CRITICAL)
    assert np.allclose(lines[f"Onsager T_c = {T_C:.3f}"].get_xdata(), T_C)


def test_plot_anomaly_scores_draws_medians_and_threshold():
    temps = np.repeat([1.0, 2.0, 3.0], 5)
    scores = np.arange(15, dtype=float) + 1.0
    ax = Figure().subplots()
    assert plot_anomaly_scores(scores, temps, threshold=4.5, ax=ax) is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["median per T"].get_xdata(), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(lines["median per T"].get_ydata(), [3.0, 8.0, 13.0])
    assert np.allclose(lines["threshold 4.5"].get_ydata(), 4.5)
    assert ax.get_yscale() == "log"
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets()[:, 1], scores)
    assert np.all(np.abs(points.get_offsets()[:, 0] - temps) < 0.25)  # jittered, not moved
    with pytest.raises(ValueError, match="one length"):
        plot_anomaly_scores(scores, temps[:-1], ax=Figure().subplots())


def test_plot_vae_latent_scatters_the_mean_against_m():
    rng = np.random.default_rng(1)
    m = rng.uniform(-1, 1, 200)
    mu = 2.0 * m + 0.01 * rng.normal(size=200)
    sigma = np.full(200, 0.1)
    t = rng.uniform(1, 3.5, 200)
    ax = Figure().subplots()
    assert plot_vae_latent(mu[:, None], sigma[:, None], m, t, n_bars=10, ax=ax) is ax
    offsets = [c.get_offsets() for c in ax.collections if len(c.get_offsets()) == 200]
    np.testing.assert_allclose(offsets[0], np.column_stack([m, mu]))
    assert ax.get_title() == f"VAE latent vs m: r = {np.corrcoef(mu, m)[0, 1]:.4f}"
    with pytest.raises(ValueError, match="one length"):
        plot_vae_latent(mu, sigma[:-1], m, t, ax=Figure().subplots())


def test_plot_roc_compares_curves_on_one_axes():
    ax = Figure().subplots()
    plot_roc([0.0, 0.5, 1.0], [0.0, 1.0, 1.0], 0.75, ax=ax, label="easy")
    plot_roc([0.0, 1.0], [0.0, 1.0], ax=ax)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels.count("easy, AUC = 0.7500") == 1 and labels.count("ROC") == 1
    assert sum(line.get_gid() == "roc-chance" for line in ax.get_lines()) == 1
    easy = next(line for line in ax.get_lines() if line.get_label().startswith("easy"))
    np.testing.assert_allclose(easy.get_ydata(), [0.0, 1.0, 1.0])
