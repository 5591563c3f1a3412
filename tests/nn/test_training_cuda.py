"""Training on the GPU (Sequential and Autoencoder with backend="cuda") against the
CPU: the same batches, the same steps, parameters and histories equal to rounding (float64,
so the tolerance is a few ulps of accumulated rounding). CUDA simulator on every run; a real
GPU with NUMBA_ENABLE_CUDASIM=0 pytest -m gpu."""

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
from isingml.nn.training import LossDiverged

pytestmark = pytest.mark.gpu

TOL = 1e-12


def _twins(make, x, y, validation_data=None, **params):
    cpu = make().set_params(**params)
    gpu = make().set_params(backend="cuda", **params)
    history_cpu = cpu.fit(x, y, validation_data=validation_data).history_
    history_gpu = gpu.fit(x, y, validation_data=validation_data).history_
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
        return Sequential(
            layers=layers, loss="cross_entropy", optimizer=Adam(1e-2), dtype=np.float64, seed=1
        )

    cpu, gpu = _twins(make, x, y, n_epochs=2, batch_size=8)  # a last batch of 4
    assert 0 < gpu.history_["accuracy"][-1] <= 1
    state_cpu, state_gpu = cpu.optimizer_.get_state(), gpu.optimizer_.get_state()
    assert state_gpu["t"] == state_cpu["t"] == 6
    for i in state_cpu["m"]:  # the optimizer's state comes back too
        np.testing.assert_allclose(state_gpu["m"][i], state_cpu["m"][i], atol=TOL)


def test_momentum_sgd_with_binary_cross_entropy_and_early_stopping():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(24, 5))
    y = (rng.random((24, 2)) < 0.5).astype(np.float64)

    def make():
        layers = [Dense(6, init="xavier"), ReLU(), Dense(2), Sigmoid()]
        return Sequential(
            layers=layers,
            loss="binary_cross_entropy",
            optimizer=SGD(0.5, momentum=0.9),
            dtype=np.float64,
            seed=2,
        )

    cpu, gpu = _twins(
        make,
        x,
        y,
        n_epochs=4,
        batch_size=10,
        validation_data=(x[:6], y[:6]),
        early_stopping=True,
        n_iter_no_change=1,
    )
    velocity_cpu = cpu.optimizer_.get_state()["velocity"]
    velocity_gpu = gpu.optimizer_.get_state()["velocity"]
    for key in velocity_cpu:
        np.testing.assert_allclose(velocity_gpu[key], velocity_cpu[key], atol=TOL)


def test_convolutional_network_with_pooling_and_softmax():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 1, 6, 6))
    y = np.eye(3)[rng.integers(0, 3, size=6)]  # one-hot rows: accuracy by argmax

    def make():
        layers = [
            Conv2D(2, 3, padding=1),
            ReLU(),
            MaxPool2D(2),
            Conv2D(2, 2),
            Sigmoid(),
            AvgPool2D(2, stride=1),
            Flatten(),
            Dense(3),
            Softmax(),
        ]
        return Sequential(
            layers=layers, loss="mse", optimizer=Adam(1e-2), dtype=np.float64, seed=3
        )

    _, gpu = _twins(make, x, y, n_epochs=2, batch_size=4, shuffle=False)
    assert not np.isnan(gpu.history_["accuracy"]).any()


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # the simulator's NumPy scalars
def test_a_diverging_loss_stops_with_the_weights_before_the_failing_step():
    x = np.linspace(-1, 1, 16).reshape(8, 2) * 1e3
    y = np.ones((8, 1))
    models = []
    for backend in ("cpu", "cuda"):
        model = Sequential(
            layers=[Dense(1)],
            loss="mse",
            optimizer=SGD(10.0),
            n_epochs=30,
            batch_size=2,
            dtype=np.float64,
            seed=0,
            backend=backend,
        )
        with pytest.raises(LossDiverged, match=r"at epoch \d+, samples \d+-\d+") as info:
            model.fit(x, y)
        models.append((model, str(info.value)))
    assert models[0][1] == models[1][1]  # the same epoch and samples named
    assert models[0][0].n_epochs_ == models[1][0].n_epochs_
    for p, q in zip(*(m.parameters() for m, _ in models), strict=True):
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
        Sequential(layers=[Dense(1)], loss=Hinge(), n_epochs=1, backend="cuda").fit(
            x, np.zeros((4, 1))
        )
    with pytest.raises(ValueError, match="backend must be one of"):
        Sequential(layers=[Dense(1)], backend="tpu").fit(x, np.zeros((4, 1)))
    with pytest.raises(ValueError, match="VariationalAutoencoder trains on the CPU"):
        VariationalAutoencoder(encoder_widths=(4,), n_epochs=1, backend="cuda").fit(
            np.ones((4, 9))
        )


@pytest.mark.parametrize("corruption", [0.0, 0.1])
def test_autoencoder_follows_the_cpu(corruption):
    rng = np.random.default_rng(3)
    x = np.where(rng.random((20, 16)) < 0.5, -1.0, 1.0)
    histories, models = [], []
    for backend in ("cpu", "cuda"):
        model = Autoencoder(
            encoder_widths=(6,),
            latent_dim=2,
            corruption=corruption,
            n_epochs=2,
            batch_size=8,
            dtype=np.float64,
            seed=1,
            backend=backend,
        )
        histories.append(model.fit(x, validation_data=x[:4]).history_)
        models.append(model)
    for p, q in zip(*(m.parameters() for m in models), strict=True):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOL)
    for key in histories[0]:
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-10)


@pytest.mark.parametrize("corruption", [0.0, 0.1])
def test_autoencoder_streams_a_dataset_on_the_gpu(tmp_path, corruption):
    from isingml.data import generate, open_dataset

    data = generate(
        tmp_path / "d.h5", "4", "1.5,3.5", 12, thermalize=10, interval=1, seed=2, progress=False
    )
    models = []
    with open_dataset(data) as ds:
        for backend in ("cpu", "cuda"):
            model = Autoencoder(
                encoder_widths=(4,),
                latent_dim=1,
                corruption=corruption,
                n_epochs=2,
                dtype=np.float64,
                seed=1,
                backend=backend,
            )
            models.append(model.fit(ds.minibatches(4, 8, seed=1, dtype=np.float64)))
    cpu, gpu = models
    assert gpu.n_features_in_ == 16 and gpu.n_epochs_ == 2
    for p, q in zip(cpu.parameters(), gpu.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=0, atol=TOL)
    np.testing.assert_allclose(gpu.history_["loss"], cpu.history_["loss"], rtol=1e-10)
    with pytest.raises(ValueError, match="backend must be one of"):
        Autoencoder(backend="tpu").fit(np.ones((4, 9)))
