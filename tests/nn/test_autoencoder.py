"""The autoencoder, its denoising and variational variants, streaming training and files."""

import numpy as np
import pytest

from isingml.data import Dataset, open_dataset
from isingml.nn import Autoencoder, VariationalAutoencoder
from isingml.transition.experiments import denoising_experiment


@pytest.mark.slow
def test_one_latent_neuron_correlates_with_the_magnetization_at_L32(spin_dataset):
    with open_dataset(spin_dataset) as ds:
        spins = ds.spins(32, dtype=np.float32)
        m = ds.column(32, "magnetization")
    ae = Autoencoder((256, 64), latent_dim=1, seed=0)
    history = ae.fit(spins, epochs=10, batch_size=128)
    assert history["loss"][-1] < history["loss"][0]
    latent = ae.encode(spins)[:, 0]
    assert abs(np.corrcoef(latent, m)[0, 1]) >= 0.95
    assert ae.reconstruct(spins[:5]).shape == (5, 1024)
    assert ae.reconstruction_error(spins[:5]).shape == (5,)


def test_training_streams_from_the_file_without_loading_it(spin_dataset, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the whole size was loaded")

    monkeypatch.setattr(Dataset, "spins", refuse)
    ae = Autoencoder((), 1, (32,), seed=0)
    history = ae.fit(spin_dataset, epochs=3, batch_size=64, size=16)
    assert history["loss"][-1] < history["loss"][0]
    monkeypatch.undo()
    with open_dataset(spin_dataset) as ds:
        spins, m = ds.spins(16, dtype=np.float32), ds.column(16, "magnetization")
    assert abs(np.corrcoef(ae.encode(spins)[:, 0], m)[0, 1]) >= 0.95
    # Only some temperatures, from an open Dataset.
    with open_dataset(spin_dataset) as ds:
        ordered = Autoencoder((8,), 1, seed=0)
        ordered.fit(ds, epochs=1, size=16, temperatures=[1.0, 1.25])
        assert ordered.n_features == 256
        with pytest.raises(ValueError, match="size must be one of \\[16, 32\\], got 48"):
            Autoencoder().fit(ds, size=48)
        with pytest.raises(ValueError, match="size: give the lattice side"):
            Autoencoder().fit(ds)
        with pytest.raises(ValueError, match=r"temperatures \[9\.0\] are not in the dataset"):
            Autoencoder().fit(ds, size=16, temperatures=[9.0])
        wide = Autoencoder((8,), 1)
        wide.fit(np.ones((4, 32, 32)), epochs=1)
        with pytest.raises(ValueError, match="data has 256 values per sample, but the "
                           "autoencoder was built for 1024 \\(L = 32\\)"):  # fmt: skip
            wide.fit(ds, size=16)


def test_same_seed_same_model_and_files_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(64, 6, 6))
    a, b = Autoencoder((8,), 2, seed=4), Autoencoder((8,), 2, seed=4)
    for ae in (a, b):
        ae.fit(x, epochs=2, batch_size=16)
    np.testing.assert_array_equal(a.encode(x), b.encode(x))
    vae = VariationalAutoencoder((8,), 2, beta=2.0, corruption=0.05, seed=1)
    vae.fit(x, epochs=2, batch_size=16)
    for model in (a, vae):
        for name in ("m.h5", "m.npz"):
            loaded = Autoencoder.load(model.save(tmp_path / name))
            assert type(loaded) is type(model)
            np.testing.assert_array_equal(loaded.encode(x), model.encode(x))
            np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
            loaded.fit(x, epochs=1)  # and it trains on
    assert Autoencoder.load(tmp_path / "m.npz").beta == 2.0
    with pytest.raises(ValueError, match="cannot read an autoencoder from"):
        Autoencoder.load(tmp_path / "absent.h5")
    np.save(tmp_path / "other.npy", x)
    with pytest.raises(ValueError, match="cannot read an autoencoder from"):
        Autoencoder.load(tmp_path / "other.npy")


def test_autoencoder_shapes_and_bad_input():
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(64, 4, 4))
    ae = Autoencoder((8,), latent_dim=2, seed=1)
    ae.fit(x, epochs=2, batch_size=16)
    assert ae.encode(x).shape == (64, 2) and ae.decode(np.zeros((3, 2))).shape == (3, 16)
    denoised = ae.denoise(x)
    assert denoised.shape == x.shape and set(np.unique(denoised)) <= {-1.0, 1.0}
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        Autoencoder(latent_dim=0)
    with pytest.raises(ValueError, match="needs output_activation 'sigmoid'"):
        Autoencoder(loss="binary_cross_entropy")
    with pytest.raises(ValueError, match="x has 9 values per sample, but the autoencoder was "
                       "built for 16 \\(L = 4\\)"):  # fmt: skip
        ae.encode(np.ones((2, 9)))
    with pytest.raises(ValueError, match="z must have shape \\(n, 2\\)"):
        ae.decode(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="data must be finite"):
        Autoencoder().fit(np.full((4, 4), np.nan))
    with pytest.raises(RuntimeError, match="not fitted"):
        Autoencoder().encode(x)
    with pytest.raises(ValueError, match="corruption must be a probability in \\[0, 1\\)"):
        Autoencoder(corruption=1.5)
    with pytest.raises(ValueError, match="corruption flips values"):
        Autoencoder(corruption=0.1, output_activation="linear")
    with pytest.raises(ValueError, match=r"beta must be a positive number, got 0\.0"):
        VariationalAutoencoder(beta=0)
    with pytest.raises(ValueError, match="patience \\(early stopping\\) needs validation_data"):
        ae.fit(x, patience=2)
    linear = Autoencoder((8,), 1, output_activation="linear")
    linear.fit(x, epochs=1)
    out = linear.denoise(x.astype(np.int8))
    assert out.dtype.kind == "f" and not np.isin(out, (-1, 0, 1)).all()  # not truncated
    binary = Autoencoder((8,), output_activation="sigmoid", loss="binary_cross_entropy")
    history = binary.fit((x > 0).astype(float), epochs=3, batch_size=16)
    assert history["loss"][-1] < history["loss"][0]
    assert set(np.unique(binary.denoise((x > 0).astype(float)))) <= {0.0, 1.0}


def test_early_stopping_keeps_the_best_validation_loss():
    rng = np.random.default_rng(1)
    x = rng.choice([-1.0, 1.0], size=(200, 16))
    ae = Autoencoder((16,), 4, optimizer=None, seed=0)
    history = ae.fit(x[:150], epochs=40, batch_size=8, validation_data=x[150:], patience=2)
    assert len(history["val_loss"]) < 40  # random spins: validation stops improving early
    assert ae.evaluate(x[150:]) == pytest.approx(min(history["val_loss"]), rel=1e-6)


def test_the_vae_trades_reconstruction_for_kl_as_beta_grows(spin_dataset):
    with open_dataset(spin_dataset) as ds:
        spins = ds.spins(16, dtype=np.float32)
        m = ds.column(16, "magnetization")
    kl = {}
    for beta in (0.5, 20.0):
        vae = VariationalAutoencoder((64,), 2, beta=beta, seed=0)
        history = vae.fit(spins, epochs=6, batch_size=64)
        assert set(history) == {"loss", "reconstruction", "kl"}
        kl[beta] = history["kl"][-1] / beta  # the KL divergence itself
        mu, sd = vae.latent_distribution(spins)
        assert mu.shape == sd.shape == (len(spins), 2) and (sd > 0).all()
        assert vae.sample(5, seed=1).shape == (5, 256)
    # The latent mean still carries the magnetization (in one of its two units).
    best = max(abs(np.corrcoef(np.abs(mu[:, j]), np.abs(m))[0, 1]) for j in range(2))
    assert best > 0.8
    assert kl[20.0] < 0.5 * kl[0.5]


@pytest.mark.slow
def test_denoising_halves_the_wrong_spins_at_low_temperature(spin_dataset):
    """Done when: 10% of spins flipped, at every T <= 2.0 the denoised configurations have
    at most half as many wrong spins as the inputs (L = 32, held-out configurations)."""
    r = denoising_experiment(spin_dataset, 32, flip=0.1, max_temperature=2.0, epochs=10)
    assert list(r.temperatures) == [1.0, 1.25, 1.5, 1.75, 2.0]
    np.testing.assert_allclose(r.wrong_before, 0.1, atol=0.01)
    assert (r.reduction >= 2.0).all(), r.reduction
