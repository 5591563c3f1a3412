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

    from isingml._cuda_linalg import add_row, matmul

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
    np.testing.assert_array_equal(
        rbm.sample(3, steps=1, seed=2, backend="cuda"), rbm.sample(3, steps=1, seed=2)
    )
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
    options = dict(
        n_hidden=5,
        units=units,
        method=method,
        k=k,
        n_epochs=2,
        batch_size=8,
        momentum=0.5,
        weight_decay=1e-3,
        n_chains=6 if method == "pcd" else None,
        dtype=np.float64,
        seed=3,
    )
    cpu = RBM(**options).fit(X)
    gpu = RBM(**options, backend="cuda").fit(X)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        np.testing.assert_allclose(getattr(gpu, name), getattr(cpu, name), rtol=0, atol=1e-13)
    np.testing.assert_array_equal(gpu.chains_, cpu.chains_)
    assert gpu.n_updates_ == cpu.n_updates_ == 6
    g_state, c_state = gpu.training_state_, cpu.training_state_
    assert g_state.draw == c_state.draw
    np.testing.assert_array_equal(g_state.chain_hidden, c_state.chain_hidden)
    for g_vel, c_vel in zip(g_state.velocity, c_state.velocity, strict=True):
        np.testing.assert_allclose(g_vel, c_vel, rtol=0, atol=1e-13)
    np.testing.assert_allclose(gpu.history_["mse"], cpu.history_["mse"], rtol=1e-12)
    # partial_fit copies the state over and back for its one update
    cpu.partial_fit(X[:8])
    gpu.partial_fit(X[:8])
    np.testing.assert_allclose(gpu.components_, cpu.components_, rtol=0, atol=1e-13)
    assert gpu.gibbs(X[:2], steps=1).shape == (2, 9)  # the model's backend by default


@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_the_device_step_needs_only_arrays_a_state_and_a_config(method):
    # The GPU's UpdateStep, made by hand from copies of a model's arrays (no model), makes
    # the CPU's updates: the same draws, parameters equal to rounding.
    from isingml.rbm.model import _STREAM_TRAIN
    from isingml.rbm.training import TrainingState, UpdateConfig, UpdateStep
    from isingml.rbm.training_cuda import DeviceStep

    rng = np.random.default_rng(6)
    X = (rng.random((16, 7)) < 0.5).astype(np.float64)
    cpu = RBM(
        n_hidden=4,
        method=method,
        k=2,
        n_epochs=0,
        n_chains=5,
        momentum=0.5,
        weight_decay=1e-3,
        learning_rate=0.1,
        dtype=np.float64,
        seed=8,
    ).fit(X)
    params = [p.copy() for p in (cpu.components_, cpu.intercept_visible_, cpu.intercept_hidden_)]
    s = cpu.training_state_
    state = TrainingState(
        s.chains.copy(),
        s.chain_hidden.copy(),
        tuple(v.copy() for v in s.velocity),
        s.draw,
        s.n_updates,
    )
    config = UpdateConfig(
        method=method,
        k=2,
        spin=False,
        seed=8,
        stream=_STREAM_TRAIN,
        learning_rate=0.1,
        momentum=0.5,
        weight_decay=1e-3,
    )
    step = DeviceStep(params, state, config, X)
    assert isinstance(step, UpdateStep)
    step.step(np.arange(8), 1.0)
    step.step(np.arange(8, 16), 0.5)
    assert state.n_updates == 0  # the host's state is current at sync_to_host
    step.sync_to_host()
    cpu.partial_fit(X[:8])
    cpu.learning_rate = 0.05
    cpu.partial_fit(X[8:])
    for got, name in zip(
        params, ("components_", "intercept_visible_", "intercept_hidden_"), strict=True
    ):
        np.testing.assert_allclose(got, getattr(cpu, name), rtol=0, atol=1e-13)
    np.testing.assert_array_equal(state.chains, cpu.chains_)
    assert (state.draw, state.n_updates) == (cpu.training_state_.draw, 2)
    with pytest.raises(ValueError, match="'cd' or 'pcd', not 'exact'"):
        DeviceStep(params, state, UpdateConfig("exact", 1, False, 8, 0, 0.1, 0.0, 0.0), X)


# The simulator's scalar arithmetic warns on its way to inf; a GPU does not.
@pytest.mark.filterwarnings(
    "ignore:invalid value:RuntimeWarning", "ignore:overflow:RuntimeWarning"
)
def test_divergence_on_the_gpu_names_the_epoch_and_the_learning_rate():
    from isingml.rbm.training import TrainingDiverged

    X = (np.random.default_rng(7).random((16, 5)) < 0.5).astype(np.float64)
    rbm = RBM(
        n_hidden=3,
        n_epochs=3,
        batch_size=8,
        learning_rate=0.05,
        backend="cuda",
        schedule=lambda epoch: 1.0 if epoch < 1 else 1e300,
    )
    with pytest.raises(TrainingDiverged, match=r"epoch 2 of 3.*learning_rate=0\.05"):
        rbm.fit(X)
    assert rbm.history_["epoch"] == [1]
    with pytest.raises(TrainingDiverged, match=r"update 1 \(partial_fit\)"):
        RBM(n_hidden=3, learning_rate=1e300, backend="cuda").partial_fit(X[:8])


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

    data = generate(
        tmp_path / "d.h5", "4", "2.5", 40, thermalize=20, interval=1, seed=1, progress=False
    )
    reports = []
    for backend in ("cpu", "cuda"):
        args = [
            "rbm",
            "ising",
            str(data),
            "--size",
            "4",
            "--epochs",
            "1",
            "--hidden",
            "4",
            "--samples",
            "12",
            "--steps",
            "2",
            "--out",
            str(tmp_path / "f.png"),
            "--json",
            "--backend",
            backend,
        ]
        assert main(args) == 0
        reports.append(json.loads(capsys.readouterr().out))
    np.testing.assert_allclose(
        reports[1]["rbm"]["energy_per_spin"], reports[0]["rbm"]["energy_per_spin"], rtol=1e-6
    )
    assert main([*args[:-1], "tpu"]) == 2
    assert "argument --backend: invalid choice: 'tpu'" in capsys.readouterr().err
