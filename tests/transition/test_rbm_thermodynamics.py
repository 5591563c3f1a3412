"""An RBM learns the thermodynamics of the 4 x 4 Ising model from an isingml dataset."""

import numpy as np
import pytest

from isingml.data import generate
from isingml.transition.rbm_thermodynamics import learn_ising


@pytest.mark.slow
def test_rbm_samples_reproduce_the_exact_energy_at_L4_within_3_percent(tmp_path):
    path = generate(
        tmp_path / "l4.h5",
        "4",
        "1.5,2.27,3.5",
        10000,
        thermalize=200,
        interval=2,
        seed=3,
        progress=False,
    )
    result = learn_ising(path, 4, n_samples=20000, steps=500, seed=1)
    exact = result.exact["energy_per_spin"]
    rbm = result.rbm["energy_per_spin"]
    assert np.all(np.abs(rbm / exact - 1) < 0.03)
    # The data itself agrees with the exact values within 4 of its standard errors.
    data = result.data["energy_per_spin"]
    assert np.all(np.abs(data - exact) < 4 * result.data_error["energy_per_spin"])
    assert np.all(
        np.abs(result.rbm["abs_magnetization"] / result.exact["abs_magnetization"] - 1) < 0.03
    )
    assert np.all(np.isfinite(result.log_likelihood))
