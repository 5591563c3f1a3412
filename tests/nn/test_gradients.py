"""Finite-difference checks (float64, relative error < 1e-6) of every backward pass."""

import numpy as np
import pytest

from isingml.nn import (
    Autoencoder,
    BinaryCrossEntropy,
    Dense,
    Flatten,
    LeakyReLU,
    MeanSquaredError,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    Tanh,
    VariationalAutoencoder,
)


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)


def numeric_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f()
        x[idx] = old - eps
        down = f()
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def check_layer(layer, x, rng):
    """Loss = sum(y * r) for a random r: dL/dy = r; compare dL/dx and dL/dparams."""
    layer.build(x.shape[1:], rng)
    r = rng.normal(size=layer.forward(x).shape)

    def loss():
        return float(np.sum(layer.forward(x) * r))

    layer.forward(x, training=True)
    dx = layer.backward(r)
    assert relative_error(dx, numeric_gradient(loss, x)) < 1e-6
    for name, param in layer.params.items():
        layer.forward(x, training=True)
        layer.backward(r)
        analytic = layer.grads[name].copy()
        assert relative_error(analytic, numeric_gradient(loss, param)) < 1e-6, name


@pytest.mark.parametrize(
    "make",
    [
        lambda: Dense(4, init="he"),
        lambda: Dense(3, init="xavier"),
        lambda: Dense(2, init="normal"),
        lambda: Dense(3, use_bias=False),
        Sigmoid,
        Tanh,
        Softmax,
        lambda: LeakyReLU(0.1),
        ReLU,
    ],
)
def test_layer_gradients(make):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 6))
    if make is ReLU or make is Softmax:
        x += np.sign(x) * 0.05  # keep ReLU's kink out of the finite-difference step
    check_layer(make(), x, rng)


def test_flatten_gradient():
    rng = np.random.default_rng(1)
    check_layer(Flatten(), rng.normal(size=(3, 2, 4, 5)), rng)


@pytest.mark.parametrize(
    ("loss", "target"),
    [
        (MeanSquaredError(), lambda rng: rng.normal(size=(6, 4))),
        (SoftmaxCrossEntropy(), lambda rng: rng.integers(0, 4, 6)),
        (SoftmaxCrossEntropy(), lambda rng: np.eye(4)[rng.integers(0, 4, 6)]),
        (BinaryCrossEntropy(), lambda rng: (rng.random((6, 4)) < 0.5).astype(float)),
    ],
)
def test_loss_gradients(loss, target):
    rng = np.random.default_rng(2)
    out = rng.normal(size=(6, 4))
    if isinstance(loss, BinaryCrossEntropy):
        out = 1 / (1 + np.exp(-out))  # probabilities
    t = target(rng)
    numeric = numeric_gradient(lambda: loss(out, t), out)
    assert relative_error(loss.gradient(out, t), numeric) < 1e-6


def test_mse_is_the_primer_equation_39():
    out = np.array([[1.0, 2.0], [0.0, 4.0]])
    known = np.array([[0.0, 2.0], [0.0, 2.0]])
    # (1/n)|y_out - y_known|^2 per sample with n = 2 outputs, averaged: (1/2 + 4/2) / 2.
    assert MeanSquaredError()(out, known) == pytest.approx(1.25)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0]])
    loss = SoftmaxCrossEntropy()
    assert loss(logits, np.array([0])) == pytest.approx(0.0)
    assert loss(logits, np.array([2])) == pytest.approx(2000.0)
    assert np.isfinite(loss.gradient(logits, np.array([1]))).all()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Autoencoder(
            encoder_widths=(5,), latent_dim=2, decoder_widths=(4,), dtype=np.float64, seed=2
        ),
        lambda: Autoencoder(
            encoder_widths=(5,), latent_dim=1, corruption=0.2, dtype=np.float64, seed=2
        ),
        lambda: Autoencoder(
            encoder_widths=(),
            latent_dim=1,
            decoder_widths=(),
            output_activation="sigmoid",
            loss="binary_cross_entropy",
            dtype=np.float64,
        ),
        lambda: VariationalAutoencoder(
            encoder_widths=(5,), latent_dim=2, dtype=np.float64, seed=3
        ),
        lambda: VariationalAutoencoder(
            encoder_widths=(),
            latent_dim=1,
            decoder_widths=(4,),
            beta=4.0,
            dtype=np.float64,
            seed=3,
        ),
    ],
)
def test_autoencoder_gradients_through_the_latent(make):
    """The whole loss (reconstruction, corruption, reparameterised sample and KL term) with
    the same random draws on every evaluation, against central differences."""
    rng = np.random.default_rng(0)
    ae = make()
    x = rng.choice([-1.0, 1.0], size=(6, 9))
    if ae.output_activation == "sigmoid":
        x = (x + 1) / 2
    ae.set_params(n_epochs=1, batch_size=6).fit(x)  # builds, moves off the initial weights

    def loss():
        return ae._batch_gradients(x, np.random.default_rng(5))[0]

    loss()
    analytic = [g.copy() for g in ae.gradients()]
    for param, grad in zip(ae.parameters(), analytic, strict=True):
        assert relative_error(grad, numeric_gradient(loss, param)) < 1e-6
