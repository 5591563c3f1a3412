"""The GPU twins of the RBM's sampling and of the matrix product behind it (CUDA simulator
on every run; a real GPU with NUMBA_ENABLE_CUDASIM=0 pytest -m gpu)."""

import numpy as np
import pytest

from isingml.rbm import RBM
from isingml.rbm.kernels import sample_layer

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize(("trans_a", "trans_b"), [(False, False), (True, False), (False, True)])
def test_tiled_matmul_matches_numpy(trans_a, trans_b):
    from numba import cuda

    from isingml.cuda_linalg import add_row, matmul

    rng = np.random.default_rng(0)
    a = rng.normal(size=(33, 20) if trans_a else (20, 33))  # several tiles, partial ones
    b = rng.normal(size=(18, 33) if trans_b else (33, 18))
    got = matmul(cuda.to_device(a), cuda.to_device(b), trans_a, trans_b)
    add_row(got, cuda.to_device(np.arange(18.0)))
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b) + np.arange(18.0)
    np.testing.assert_allclose(got.copy_to_host(), expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="do not fit"):
        matmul(cuda.to_device(a), cuda.to_device(a))


@pytest.mark.parametrize("spin", [False, True])
def test_layer_sampling_draws_the_cpu_samples(spin):
    from numba import cuda

    from isingml.rbm.kernels_cuda import sample_layer_cuda

    rng = np.random.default_rng(1)
    pre = rng.normal(size=(5, 13)).astype(np.float32)  # 13 units: a last block of one
    means, samples = np.empty_like(pre), np.empty_like(pre)
    sample_layer(pre, spin, 3, 1, 2, 0x60, means, samples)
    d_means, d_samples = cuda.device_array_like(pre), cuda.device_array_like(pre)
    sample_layer_cuda(cuda.to_device(pre), spin, 3, 1, 2, 0x60, d_means, d_samples)
    np.testing.assert_array_equal(d_samples.copy_to_host(), samples)
    np.testing.assert_allclose(d_means.copy_to_host(), means, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_gibbs_chains_on_the_gpu_follow_the_cpu(units):
    rng = np.random.default_rng(2)
    X = (rng.random((40, 12)) < 0.5).astype(np.float32)
    if units == "spin":
        X = 2 * X - 1
    rbm = RBM(n_hidden=6, units=units, n_epochs=2, seed=0).fit(X)
    cpu = rbm.gibbs(X[:5], steps=2, seed=4)
    gpu = rbm.gibbs(X[:5], steps=2, seed=4, backend="cuda")
    np.testing.assert_array_equal(gpu, cpu)  # the same draws (no uniform near a rounding)
    np.testing.assert_array_equal(rbm.sample(3, steps=1, seed=2, backend="cuda"),
                                  rbm.sample(3, steps=1, seed=2))  # fmt: skip
    with pytest.raises(ValueError, match="backend must be one of"):
        rbm.gibbs(X[:2], backend="tpu")


@pytest.mark.parametrize(
    ("units", "method", "k"), [("binary", "cd", 2), ("spin", "pcd", 2), ("binary", "pcd", 1)]
)
def test_training_on_the_gpu_follows_the_cpu(units, method, k):
    # float64, so that no uniform falls within rounding of its probability: the same draws,
    # and parameters equal to the rounding of the tiled products.
    rng = np.random.default_rng(5)
    X = (rng.random((20, 9)) < 0.4).astype(np.float64)
    if units == "spin":
        X = 2 * X - 1
    options = dict(n_hidden=5, units=units, method=method, k=k, n_epochs=2, batch_size=8,
                   momentum=0.5, weight_decay=1e-3, n_chains=6 if method == "pcd" else None,
                   dtype=np.float64, seed=3)  # fmt: skip
    cpu = RBM(**options).fit(X)
    gpu = RBM(**options, backend="cuda").fit(X)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        np.testing.assert_allclose(getattr(gpu, name), getattr(cpu, name), rtol=0, atol=1e-13)
    np.testing.assert_array_equal(gpu.chains_, cpu.chains_)
    assert gpu.n_updates_ == cpu.n_updates_ == 6
    np.testing.assert_allclose(gpu.history_["mse"], cpu.history_["mse"], rtol=1e-12)
    # partial_fit copies the state over and back for its one update
    cpu.partial_fit(X[:8])
    gpu.partial_fit(X[:8])
    np.testing.assert_allclose(gpu.components_, cpu.components_, rtol=0, atol=1e-13)
    assert gpu.gibbs(X[:2], steps=1).shape == (2, 9)  # the model's backend by default


def test_gpu_training_refuses_what_it_cannot_do():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="'cd' or 'pcd', not 'exact'"):
        RBM(n_hidden=2, method="exact", backend="cuda").fit(X)
    with pytest.raises(ValueError, match="backend must be one of"):
        RBM(n_hidden=2, backend="gpu").fit(X)


@pytest.mark.filterwarnings("ignore:series of:RuntimeWarning", "ignore:jackknife:RuntimeWarning")
def test_rbm_ising_command_on_the_gpu(tmp_path, capsys):
    import json

    from isingml.cli import main
    from isingml.data import generate

    data = generate(tmp_path / "d.h5", "4", "2.5", 40, thermalize=20, interval=1, seed=1,
                    progress=False)  # fmt: skip
    reports = []
    for backend in ("cpu", "cuda"):
        args = ["rbm", "ising", "--data", str(data), "--size", "4", "--epochs", "1", "--hidden",
                "4", "--samples", "12", "--steps", "2", "--out", str(tmp_path / "f.png"),
                "--json", "--backend", backend]  # fmt: skip
        assert main(args) == 0
        reports.append(json.loads(capsys.readouterr().out))
    np.testing.assert_allclose(reports[1]["rbm"]["energy_per_spin"],
                               reports[0]["rbm"]["energy_per_spin"], rtol=1e-6)  # fmt: skip
    assert main([*args[:-1], "tpu"]) == 2
    assert "--backend must be one of" in capsys.readouterr().err
