"""Benchmarks of the hand-written networks (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_nn.py --benchmark-only

Training throughput (``extra_info["samples_per_s"]``) of the appendix MLP (784-100-10,
ReLU, MSE, SGD, batch 64) and of a small CNN (8 filters 3x3, ReLU, 2x2 max pooling, dense
to 10, cross-entropy, batch 64) on 28x28 inputs; forward + backward of Conv2D alone on 64
images of 28x28 with 8 filters 3x3. Float32, as PyTorch's default.
"""

from __future__ import annotations

import numpy as np
import pytest

from isingml.nn import SGD, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential

N = 4096


def mnist_like(n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random 28x28 images in [0, 1) and labels 0-9 (float32)."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def appendix_mlp(seed: int = 0) -> Sequential:
    """784-100-10, ReLU, MSE, SGD(1e-3): the primer's appendix network."""
    return Sequential(
        layers=[Flatten(), Dense(100), ReLU(), Dense(10)],
        loss="mse",
        optimizer=SGD(1e-3),
        batch_size=64,
        seed=seed,
    )


def small_cnn(seed: int = 0) -> Sequential:
    """Conv(8, 3x3) - ReLU - MaxPool(2) - Dense(10), cross-entropy, SGD(1e-2)."""
    return Sequential(
        layers=[Conv2D(8, 3), ReLU(), MaxPool2D(2), Flatten(), Dense(10)],
        loss="cross_entropy",
        optimizer=SGD(1e-2),
        batch_size=64,
        seed=seed,
    )


@pytest.mark.benchmark(group="nn training")
@pytest.mark.parametrize("network", ["mlp", "cnn"])
def test_training_throughput(benchmark, network):
    x, labels = mnist_like(N if network == "mlp" else 1024)
    y = np.eye(10, dtype=np.float32)[labels] if network == "mlp" else labels
    model = appendix_mlp() if network == "mlp" else small_cnn()
    model.partial_fit(x[:128], y[:128])  # build and JIT warm-up
    benchmark.pedantic(lambda: model.partial_fit(x, y), rounds=5, iterations=1)  # one epoch
    assert np.isfinite(model.history_["loss"][-1])
    benchmark.extra_info["samples_per_s"] = len(x) / benchmark.stats.stats.median


@pytest.mark.benchmark(group="nn conv2d")
def test_conv2d_forward_backward(benchmark):
    x, _ = mnist_like(64)
    layer = Conv2D(8, 3)
    layer.dtype = np.float32
    layer.build((1, 28, 28), np.random.default_rng(0))
    g = np.ones((64, 8, 26, 26), dtype=np.float32)

    def run():
        y = layer.forward(x, training=True)
        return y, layer.backward(g)

    run()
    y, dx = benchmark.pedantic(run, rounds=20, iterations=1)
    assert y.shape == (64, 8, 26, 26) and dx.shape == x.shape
    benchmark.extra_info["ms"] = benchmark.stats.stats.median * 1e3
