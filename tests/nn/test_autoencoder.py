"""The autoencoder: a single latent neuron learns the magnetization of L = 32 spins."""

import numpy as np
import pytest

from isingml.data import generate, open_dataset
from isingml.nn import Autoencoder


@pytest.mark.slow
def test_one_latent_neuron_correlates_with_the_magnetization_at_L32(tmp_path):
    path = generate(tmp_path / "ae.h5", "32", "1.0:3.5:11", 200, thermalize=300, interval=5,
                    seed=3, progress=False)  # fmt: skip
    with open_dataset(path) as ds:
        spins = ds.spins(32, dtype=np.float32)
        m = ds.column(32, "magnetization")
    ae = Autoencoder((256, 64), latent_dim=1, seed=0)
    history = ae.fit(spins, epochs=10, batch_size=128)
    assert history["loss"][-1] < history["loss"][0]
    latent = ae.encode(spins)[:, 0]
    assert abs(np.corrcoef(latent, m)[0, 1]) >= 0.95
    assert ae.reconstruct(spins[:5]).shape == (5, 1024)
    assert ae.reconstruction_error(spins[:5]).shape == (5,)


def test_autoencoder_shapes_and_bad_input():
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(64, 4, 4))
    ae = Autoencoder((8,), latent_dim=2, seed=1)
    ae.fit(x, epochs=2, batch_size=16)
    assert ae.encode(x).shape == (64, 2) and ae.decode(np.zeros((3, 2))).shape == (3, 16)
    np.testing.assert_array_equal(ae.encode(x), ae.encode(x))
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        Autoencoder(latent_dim=0)
    with pytest.raises(ValueError, match="needs output_activation 'sigmoid'"):
        Autoencoder(loss="binary_cross_entropy")
    with pytest.raises(
        ValueError,
        match="x has 9 values per sample, but the autoencoder was built for 16 \\(L = 4\\)",
    ):
        ae.encode(np.ones((2, 9)))
    with pytest.raises(RuntimeError, match="not fitted"):
        Autoencoder().encode(x)
    binary = Autoencoder((8,), output_activation="sigmoid", loss="binary_cross_entropy")
    history = binary.fit((x > 0).astype(float), epochs=3, batch_size=16)
    assert history["loss"][-1] < history["loss"][0]
