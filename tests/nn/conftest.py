"""A small spin dataset shared by the autoencoder tests (L = 16 and 32, T = 1.0 ... 3.5)."""

import pytest

from isingml.data import generate


@pytest.fixture(scope="session")
def spin_dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("spins") / "spins.h5"
    return generate(path, "16,32", "1.0:3.5:11", 200, thermalize=200, interval=2,
                    algorithm="wolff", seed=3, progress=False)  # fmt: skip
