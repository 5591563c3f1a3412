"""Autoencoders built from the nn layers (the primer's Section VII, Fig. 13).

An encoder of Dense layers narrows the input to a latent vector (the bottleneck) and a
decoder widens it back; training minimizes the reconstruction loss of the input against
itself. On Ising configurations a single latent neuron learns the magnetization
(the primer's Fig. 14).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from isingml._validation import check_int
from isingml.nn.layers import Dense, Flatten, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from isingml.nn.model import Sequential
from isingml.nn.optimizers import Adam, Optimizer

__all__ = ["Autoencoder"]

_ACTIVATIONS = {"tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid}


class Autoencoder:
    """Encoder - latent - decoder of Dense layers, trained to reproduce its input.

    Parameters
    ----------
    encoder_widths : sequence of int
        Hidden widths of the encoder, e.g. ``(256, 64)``.
    latent_dim : int
        Width of the bottleneck, >= 1 (linear units).
    decoder_widths : sequence of int, optional
        Hidden widths of the decoder (default: the encoder's, reversed).
    activation : {"tanh", "relu", "leaky_relu", "sigmoid"}
        Of the hidden layers.
    output_activation : {"tanh", "sigmoid", "linear"}
        ``tanh`` for +/-1 spins, ``sigmoid`` for 0/1 data (with binary cross-entropy).
    loss : {"mse", "binary_cross_entropy"}
    optimizer : Optimizer, optional
        Default ``Adam(1e-3)``.
    seed : int
    dtype : numpy float type
    """

    def __init__(
        self,
        encoder_widths: Sequence[int] = (256, 64),
        latent_dim: int = 1,
        decoder_widths: Sequence[int] | None = None,
        activation: str = "tanh",
        output_activation: str = "tanh",
        loss: str = "mse",
        optimizer: Optimizer | None = None,
        seed: int = 0,
        dtype: type = np.float32,
    ) -> None:
        self.latent_dim = check_int("latent_dim", latent_dim, minimum=1)
        self.encoder_widths = tuple(check_int("encoder_widths", w, 1) for w in encoder_widths)
        decoder = self.encoder_widths[::-1] if decoder_widths is None else decoder_widths
        self.decoder_widths = tuple(check_int("decoder_widths", w, 1) for w in decoder)
        if activation not in _ACTIVATIONS:
            choices = sorted(_ACTIVATIONS)
            raise ValueError(f"activation must be one of {choices}, got {activation!r}")
        if output_activation not in ("tanh", "sigmoid", "linear"):
            raise ValueError(
                "output_activation must be 'tanh', 'sigmoid' or 'linear', got "
                f"{output_activation!r}"
            )
        if loss not in ("mse", "binary_cross_entropy"):
            raise ValueError(f"loss must be 'mse' or 'binary_cross_entropy', got {loss!r}")
        if loss == "binary_cross_entropy" and output_activation != "sigmoid":
            raise ValueError("loss 'binary_cross_entropy' needs output_activation 'sigmoid'")
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.seed = seed
        self.dtype = dtype
        self.optimizer = optimizer if optimizer is not None else Adam(1e-3)
        self.model: Sequential | None = None
        self._latent_index = 0

    def _build(self, n_features: int) -> None:
        act = _ACTIVATIONS[self.activation]
        layers: list[Layer] = [Flatten()]
        for width in self.encoder_widths:
            layers += [Dense(width, init="xavier"), act()]
        layers.append(Dense(self.latent_dim, init="xavier"))
        self._latent_index = len(layers)
        for width in self.decoder_widths:
            layers += [Dense(width, init="xavier"), act()]
        layers.append(Dense(n_features, init="xavier"))
        if self.output_activation == "tanh":
            layers.append(Tanh())
        elif self.output_activation == "sigmoid":
            layers.append(Sigmoid())
        self.model = Sequential(layers, self.loss, self.optimizer, seed=self.seed,
                                dtype=self.dtype)  # fmt: skip

    def _flat(self, x: np.ndarray) -> np.ndarray:
        arr = np.asarray(x, dtype=self.dtype)
        if arr.ndim < 2 or arr.shape[0] == 0:
            raise ValueError(f"x must be a non-empty batch (samples first), got {arr.shape}")
        return arr.reshape(len(arr), -1)

    def fit(
        self,
        x: np.ndarray,
        epochs: int = 10,
        batch_size: int = 128,
        validation_data: np.ndarray | None = None,
        patience: int | None = None,
        progress: bool = False,
    ) -> dict[str, list[float]]:
        """Train on ``x`` (samples first, any per-sample shape) to reproduce itself."""
        flat = self._flat(x)
        if self.model is None:
            self._build(flat.shape[1])
        val = None
        if validation_data is not None:
            v = self._flat(validation_data)
            val = (v, v)
        return self.model.fit(flat, flat, epochs=epochs, batch_size=batch_size,
                              validation_data=val, patience=patience,
                              progress=progress)  # fmt: skip

    def _check_fitted(self) -> Sequential:
        if self.model is None:
            raise RuntimeError("this autoencoder is not fitted yet: call fit first")
        return self.model

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Latent vectors ``(n, latent_dim)``."""
        model = self._check_fitted()
        z = self._flat(x)
        if z.shape[1] != model.input_shape[0]:
            raise ValueError(f"x has {z.shape[1]} features, the model {model.input_shape[0]}")
        for layer in model.layers[: self._latent_index]:
            z = layer.forward(z)
        return z

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Reconstructions ``(n, n_features)`` of latent vectors."""
        model = self._check_fitted()
        out = np.asarray(z, dtype=self.dtype).reshape(-1, self.latent_dim)
        for layer in model.layers[self._latent_index :]:
            out = layer.forward(out)
        return out

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """``decode(encode(x))``, flattened per sample."""
        return self.decode(self.encode(x))

    def reconstruction_error(self, x: np.ndarray) -> np.ndarray:
        """Mean squared reconstruction error per sample."""
        flat = self._flat(x)
        return np.mean((self.reconstruct(flat) - flat) ** 2, axis=1)
