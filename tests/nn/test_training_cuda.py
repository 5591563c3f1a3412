"""Training on the GPU (Sequential.fit and Autoencoder.fit with backend="cuda") against the
CPU: the same batches, the same steps, parameters and histories equal to rounding (float64,
so the tolerance is a few ulps of accumulated rounding). CUDA simulator on every run; a real
GPU with NUMBA_ENABLE_CUDASIM=0 pytest -m gpu."""

import json

import numpy as np
import pytest

from isingml.nn import (
    SGD,
    Adam,
    Autoencoder,
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    LeakyReLU,
    Loss,
    MaxPool2D,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    VariationalAutoencoder,
)
from isingml.nn.model import LossDiverged

pytestmark = pytest.mark.gpu

TOL = 1e-12


def _twins(make, x, y, **fit):
    cpu, gpu = make(), make()
    history_cpu = cpu.fit(x, y, **fit)
    history_gpu = gpu.fit(x, y, backend="cuda", **fit)
    for p, q in zip(cpu.parameters(), gpu.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOL)
    assert history_gpu.keys() == history_cpu.keys()
    for key in history_cpu:
        np.testing.assert_allclose(history_gpu[key], history_cpu[key], rtol=1e-10)
    return cpu, gpu


def test_dense_classifier_with_adam_follows_the_cpu():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 6)), rng.integers(0, 3, size=20)

    def make():
        layers = [Dense(5), Tanh(), Dense(4), LeakyReLU(0.1), Dense(3)]
        return Sequential(layers, "cross_entropy", Adam(1e-2), dtype=np.float64, seed=1)

    cpu, gpu = _twins(make, x, y, epochs=2, batch_size=8)  # a last batch of 4
    assert 0 < gpu.history["accuracy"][-1] <= 1
    assert gpu.optimizer._t == cpu.optimizer._t == 6
    for i in cpu.optimizer._m:  # the optimizer's state comes back too
        np.testing.assert_allclose(gpu.optimizer._m[i], cpu.optimizer._m[i], atol=TOL)


def test_momentum_sgd_with_binary_cross_entropy_and_early_stopping():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(24, 5))
    y = (rng.random((24, 2)) < 0.5).astype(np.float64)

    def make():
        layers = [Dense(6, init="xavier"), ReLU(), Dense(2), Sigmoid()]
        return Sequential(layers, "binary_cross_entropy", SGD(0.5, momentum=0.9),
                          dtype=np.float64, seed=2)  # fmt: skip

    cpu, gpu = _twins(make, x, y, epochs=4, batch_size=10, validation_data=(x[:6], y[:6]),
                      patience=1)  # fmt: skip
    for key in cpu.optimizer._velocity:
        np.testing.assert_allclose(gpu.optimizer._velocity[key], cpu.optimizer._velocity[key],
                                   atol=TOL)  # fmt: skip


def test_convolutional_network_with_pooling_and_softmax():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 1, 6, 6))
    y = np.eye(3)[rng.integers(0, 3, size=6)]  # one-hot rows: accuracy by argmax

    def make():
        layers = [Conv2D(2, 3, padding=1), ReLU(), MaxPool2D(2), Conv2D(2, 2), Sigmoid(),
                  AvgPool2D(2, stride=1), Flatten(), Dense(3), Softmax()]  # fmt: skip
        return Sequential(layers, "mse", Adam(1e-2), dtype=np.float64, seed=3)

    _, gpu = _twins(make, x, y, epochs=2, batch_size=4, shuffle=False)
    assert not np.isnan(gpu.history["accuracy"]).any()


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # the simulator's NumPy scalars
def test_a_diverging_loss_stops_with_the_weights_before_the_failing_step():
    x = np.linspace(-1, 1, 16).reshape(8, 2) * 1e3
    y = np.ones((8, 1))
    models = []
    for backend in ("cpu", "cuda"):
        model = Sequential([Dense(1)], "mse", SGD(10.0), dtype=np.float64, seed=0)
        with pytest.raises(LossDiverged, match="samples"):
            model.fit(x, y, epochs=30, batch_size=2, backend=backend)
        models.append(model)
    for p, q in zip(*(m.parameters() for m in models), strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-12)
        assert np.isfinite(q).all()


def test_gpu_training_refuses_what_it_has_no_twin_for():
    x = np.zeros((4, 3))

    class Hinge(Loss):
        def __call__(self, output, target):
            return 0.0

        def gradient(self, output, target):
            return output * 0

    with pytest.raises(ValueError, match="losses"):
        Sequential([Dense(1)], Hinge()).fit(x, np.zeros((4, 1)), epochs=1, backend="cuda")
    with pytest.raises(ValueError, match="backend must be one of"):
        Sequential([Dense(1)]).fit(x, np.zeros((4, 1)), backend="tpu")
    with pytest.raises(ValueError, match="VariationalAutoencoder trains on the CPU"):
        VariationalAutoencoder((4,)).fit(np.ones((4, 9)), epochs=1, backend="cuda")


@pytest.mark.parametrize("corruption", [0.0, 0.1])
def test_autoencoder_follows_the_cpu(corruption):
    rng = np.random.default_rng(3)
    x = np.where(rng.random((20, 16)) < 0.5, -1.0, 1.0)
    histories, models = [], []
    for backend in ("cpu", "cuda"):
        model = Autoencoder((6,), latent_dim=2, corruption=corruption, dtype=np.float64, seed=1)
        histories.append(model.fit(x, epochs=2, batch_size=8, validation_data=x[:4],
                                   backend=backend))  # fmt: skip
        models.append(model)
    for p, q in zip(*(m.parameters() for m in models), strict=True):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOL)
    for key in histories[0]:
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-10)


def test_autoencoder_streams_a_dataset_on_the_gpu(tmp_path, capsys):
    from isingml.cli import main
    from isingml.data import generate

    data = generate(tmp_path / "d.h5", "4", "1.5,3.5", 12, thermalize=10, interval=1, seed=2,
                    progress=False)  # fmt: skip
    reports = []
    for backend in ("cpu", "cuda"):
        out = tmp_path / f"{backend}.npz"
        args = ["autoencoder", "train", str(data), "-L", "4", "--encoder", "4", "--epochs", "2",
                "--batch-size", "8", "--stream", "--quiet", "--json", "--out", str(out),
                "--backend", backend]  # fmt: skip
        assert main(args) == 0
        reports.append(json.loads(capsys.readouterr().out))
    # float32 by default: the same batches and steps, losses equal to float32 rounding
    np.testing.assert_allclose(reports[1]["loss"], reports[0]["loss"], rtol=1e-5)
    assert main([*args[:-1], "tpu"]) == 2
    assert "--backend must be one of" in capsys.readouterr().err
