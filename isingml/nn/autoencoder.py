"""Autoencoders built from the nn layers (the primer's Section VII, Figs. 13-14).

An encoder of Dense layers narrows the input to a latent vector (the bottleneck) and a
decoder widens it back; training minimizes the reconstruction loss of the input against
itself. On Ising configurations a single latent neuron learns the magnetization
(the primer's Fig. 14). Variants: the denoising autoencoder (``corruption=``: inputs with
randomly flipped spins, targets clean) and the variational autoencoder
(:class:`VariationalAutoencoder`, Gaussian latent, reparameterisation, KL term, ``beta``).

Training reads NumPy arrays or streams minibatches from an isingml HDF5 dataset
(:meth:`isingml.data.Dataset.batches`), so a file larger than memory trains too. Every
backward pass is written out: the decoder's ``dL/dz`` flows into the encoder by hand.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from isingml._backend import check_backend, require_cuda
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.nn.layers import Dense, Flatten, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from isingml.nn.losses import BinaryCrossEntropy, MeanSquaredError
from isingml.nn.model import EarlyStopping, LossDiverged, Sequential
from isingml.nn.optimizers import Adam, Optimizer
from isingml.nn.serialization import read_model_file, write_model_file
from isingml.random import validate_seed

__all__ = ["Autoencoder", "VariationalAutoencoder"]

_ACTIVATIONS = {"tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid}
_LOSSES = {"mse": MeanSquaredError, "binary_cross_entropy": BinaryCrossEntropy}
_FORMAT = "isingml-autoencoder-1"
_CHUNK = 4096  # samples per forward pass when encoding or scoring many


class Autoencoder:
    """Encoder - latent - decoder of Dense layers, trained to reproduce its input.

    Parameters
    ----------
    encoder_widths : sequence of int
        Hidden widths of the encoder, e.g. ``(256, 64)``; ``()`` makes the encoder one
        linear map (the latent is then a weighted sum of the spins).
    latent_dim : int
        Width of the bottleneck, >= 1 (linear units).
    decoder_widths : sequence of int, optional
        Hidden widths of the decoder (default: the encoder's, reversed).
    activation : {"tanh", "relu", "leaky_relu", "sigmoid"}
        Of the hidden layers.
    output_activation : {"tanh", "sigmoid", "linear"}
        ``tanh`` for +/-1 spins, ``sigmoid`` for 0/1 data (with binary cross-entropy).
    loss : {"mse", "binary_cross_entropy"}
        Reconstruction loss, averaged over features and samples.
    corruption : float
        Denoising: the probability with which each input value is flipped during training
        (``x -> -x`` for tanh outputs, ``x -> 1 - x`` for sigmoid ones); the target stays
        the clean input. 0 trains a plain autoencoder.
    optimizer : Optimizer, optional
        Default ``Adam(1e-3)``.
    seed : int
        Seed of the initial weights, the minibatch order and the corruption.
    dtype : {np.float32, np.float64}

    Attributes
    ----------
    encoder, decoder : Sequential
        Built by the first :meth:`fit` (or :meth:`load`).
    n_features : int
        Values per sample (``L * L`` for spins).
    history : dict of str to list of float
        Per-epoch ``loss`` (and ``val_loss``) of the last :meth:`fit`.
    """

    def __init__(
        self,
        encoder_widths: Sequence[int] = (256, 64),
        latent_dim: int = 1,
        decoder_widths: Sequence[int] | None = None,
        activation: str = "tanh",
        output_activation: str = "tanh",
        loss: str = "mse",
        corruption: float = 0.0,
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
            raise InputError(f"activation must be one of {choices}, got {activation!r}")
        if output_activation not in ("tanh", "sigmoid", "linear"):
            raise InputError(
                "output_activation must be 'tanh', 'sigmoid' or 'linear', got "
                f"{output_activation!r}"
            )
        if loss not in _LOSSES:
            raise InputError(f"loss must be 'mse' or 'binary_cross_entropy', got {loss!r}")
        if loss == "binary_cross_entropy" and output_activation != "sigmoid":
            raise InputError("loss 'binary_cross_entropy' needs output_activation 'sigmoid'")
        corruption = float(corruption)
        if not 0.0 <= corruption < 1.0:
            raise InputError(f"corruption must be a probability in [0, 1), got {corruption}")
        if corruption and output_activation == "linear":
            raise InputError(
                "corruption flips values: it needs output_activation 'tanh' (+/-1 spins) or "
                "'sigmoid' (0/1 data), got 'linear'"
            )
        if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise InputError(f"dtype must be float32 or float64, got {dtype!r}")
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.corruption = corruption
        self.seed = validate_seed(seed)
        self.dtype = np.dtype(dtype).type
        self.optimizer = optimizer if optimizer is not None else Adam(1e-3)
        self.encoder: Sequential | None = None
        self.decoder: Sequential | None = None
        self.n_features: int | None = None
        self.history: dict[str, list[float]] = {}
        self._loss = _LOSSES[loss]()
        self._epochs_done = 0

    # -- structure -------------------------------------------------------------------

    def _config(self) -> dict:
        return {
            "encoder_widths": list(self.encoder_widths),
            "latent_dim": self.latent_dim,
            "decoder_widths": list(self.decoder_widths),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "loss": self.loss,
            "corruption": self.corruption,
            "seed": self.seed,
            "dtype": np.dtype(self.dtype).name,
        }

    @property
    def _encoder_outputs(self) -> int:
        return self.latent_dim

    def _build(self, n_features: int) -> None:
        act = _ACTIVATIONS[self.activation]
        encoder: list[Layer] = [Flatten()]
        for width in self.encoder_widths:
            encoder += [Dense(width, init="xavier"), act()]
        encoder.append(Dense(self._encoder_outputs, init="xavier"))
        decoder: list[Layer] = []
        for width in self.decoder_widths:
            decoder += [Dense(width, init="xavier"), act()]
        decoder.append(Dense(n_features, init="xavier"))
        if self.output_activation == "tanh":
            decoder.append(Tanh())
        elif self.output_activation == "sigmoid":
            decoder.append(Sigmoid())
        self.encoder = Sequential(encoder, self.loss, seed=self.seed, dtype=self.dtype)
        self.encoder.build((n_features,))
        # A different stream for the decoder's weights than the encoder's.
        self.decoder = Sequential(decoder, self.loss, seed=self.seed ^ 0x5EED, dtype=self.dtype)
        self.decoder.build((self.latent_dim,), input_grad=True)
        self.n_features = n_features

    def _check_fitted(self) -> tuple[Sequential, Sequential]:
        if self.encoder is None or self.decoder is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet: call fit first")
        return self.encoder, self.decoder

    def _flat(self, name: str, x: np.ndarray) -> np.ndarray:
        arr = np.asarray(x, dtype=self.dtype)
        if arr.ndim < 2 or arr.shape[0] == 0:
            raise InputError(f"{name} must be a non-empty batch (samples first), got {arr.shape}")
        arr = arr.reshape(len(arr), -1)
        if self.n_features is not None and arr.shape[1] != self.n_features:
            side = math.isqrt(self.n_features)
            size = f" (L = {side})" if side * side == self.n_features else ""
            raise InputError(
                f"{name} has {arr.shape[1]} values per sample, but the autoencoder was built "
                f"for {self.n_features}{size}"
            )
        if not np.isfinite(arr).all():
            raise InputError(f"{name} must be finite, found NaN or inf")
        return arr

    # -- the pieces of one training step -------------------------------------------------

    def _corrupt(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        flip = rng.random(x.shape) < self.corruption
        flipped = -x if self.output_activation == "tanh" else 1.0 - x
        return np.where(flip, flipped, x).astype(self.dtype, copy=False)

    def _sample_latent(
        self, h: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, tuple | None]:
        """The decoder's input from the encoder's output (the identity here)."""
        return h, None

    def _latent_backward(
        self, h: np.ndarray, saved: tuple | None, grad_z: np.ndarray
    ) -> np.ndarray:
        """``dL/dh`` from ``dL/dz`` (the identity here)."""
        return grad_z

    def _penalty(self, h: np.ndarray) -> dict[str, float]:
        """Terms of the loss besides the reconstruction (none here)."""
        return {}

    def _batch_gradients(
        self, x: np.ndarray, rng: np.random.Generator
    ) -> tuple[float, dict[str, float]]:
        """Forward and backward over one clean batch ``x``; fills every layer's grads.

        Returns the total loss and its parts (``reconstruction`` and, for a VAE, ``kl``).
        """
        encoder, decoder = self._check_fitted()
        inputs = self._corrupt(x, rng) if self.corruption else x
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            h = encoder.forward(inputs, training=True)
            z, saved = self._sample_latent(h, rng)
            out = decoder.forward(z, training=True)
            reconstruction = self._loss(out, x)
            parts = {"reconstruction": reconstruction, **self._penalty(h)}
        total = float(sum(parts.values()))
        if not np.isfinite(total):
            raise LossDiverged(total)
        grad_z = decoder.backward(self._loss.gradient(out, x))
        grad_h = self._latent_backward(h, saved, grad_z)
        encoder.backward(grad_h)
        return total, parts

    def parameters(self) -> list[np.ndarray]:
        """Every parameter array, encoder first."""
        encoder, decoder = self._check_fitted()
        return encoder.parameters() + decoder.parameters()

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last training step, in the order of :meth:`parameters`."""
        encoder, decoder = self._check_fitted()
        return encoder.gradients() + decoder.gradients()

    # -- training --------------------------------------------------------------------

    def _batches(
        self,
        data: object,
        size: int | None,
        temperatures: Sequence[float] | None,
        batch_size: int,
        epoch: int,
        rng: np.random.Generator,
    ) -> Iterator[np.ndarray]:
        if isinstance(data, np.ndarray):
            order = rng.permutation(len(data))
            for start in range(0, len(data), batch_size):
                yield data[order[start : start + batch_size]]
            return
        # An isingml dataset: stream chunks, never the whole file.
        for spins, _ in data.batches(size, batch_size, shuffle=True, seed=self.seed + 7919 *
                                     (epoch + 1), temperatures=temperatures,
                                     dtype=self.dtype):  # fmt: skip
            yield spins.reshape(len(spins), -1)

    def fit(
        self,
        data: np.ndarray | str | os.PathLike,
        epochs: int = 10,
        batch_size: int = 128,
        *,
        size: int | None = None,
        temperatures: Sequence[float] | None = None,
        validation_data: np.ndarray | None = None,
        patience: int | None = None,
        progress: bool = False,
        backend: str = "cpu",
    ) -> dict[str, list[float]]:
        """Train to reproduce the data (a further call continues the training).

        Parameters
        ----------
        data : ndarray or path or Dataset
            Samples first (any per-sample shape), or an isingml dataset file (or an open
            :class:`~isingml.data.Dataset`) streamed in minibatches; then ``size`` is needed.
        epochs : int
        batch_size : int
        size : int, optional
            Lattice side to train on, for a dataset.
        temperatures : sequence of float, optional
            Only these temperatures of a dataset (e.g. the ordered phase alone).
        validation_data : ndarray, optional
            Evaluated after every epoch (``val_loss``).
        patience : int, optional
            Early stopping on ``val_loss``; the best weights are restored.
        progress : bool
            A progress bar over epochs.
        backend : {"cpu", "cuda"}
            ``"cuda"`` trains on the GPU (:func:`isingml.nn.training_cuda.train_autoencoder_cuda`;
            not for the variational autoencoder): an array is copied over once and its
            minibatches gathered there, a dataset file streamed batch by batch; parameters
            and optimizer state stay on the device until the end of each epoch's
            measurement. The same batches and corruption as the CPU, results equal to
            rounding.

        Returns
        -------
        dict of str to list of float
            Per-epoch ``loss`` (mean over the epoch's minibatches, with its parts
            ``reconstruction`` and, for a VAE, ``kl``) and ``val_loss``.

        Raises
        ------
        RuntimeError
            When the loss becomes NaN or infinite (no step is taken with it).
        """
        epochs = check_int("epochs", epochs, minimum=0)
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if patience is not None:
            patience = check_int("patience", patience, minimum=1)
            if validation_data is None:
                raise InputError("patience (early stopping) needs validation_data")
        if check_backend(backend) == "cuda":
            if isinstance(self, VariationalAutoencoder):
                raise InputError("backend 'cuda' trains Autoencoder; a VariationalAutoencoder "
                                 "trains on the CPU (backend='cpu')")  # fmt: skip
            require_cuda()
        from isingml.data.reader import Dataset, open_dataset

        owned = None
        if isinstance(data, (str, os.PathLike)):
            data = owned = open_dataset(data)
        try:
            if isinstance(data, Dataset):
                if size is None:
                    raise InputError(f"size: give the lattice side to train on, one of "
                                     f"{list(data.sizes)}")  # fmt: skip
                n_features = check_int("size", size, minimum=2) ** 2
                data._group(size)  # a clear error for a size the file lacks
                if temperatures is not None:
                    data._rows(size, temperatures)
            else:
                if size is not None or temperatures is not None:
                    raise InputError("size and temperatures select from a dataset file; "
                                     "data is an array")  # fmt: skip
                data = self._flat("data", data)
                n_features = data.shape[1]
            if self.encoder is None:
                self._build(n_features)
            elif n_features != self.n_features:
                self._flat("data", np.zeros((1, n_features)))  # raises the clear error
            val = None
            if validation_data is not None:
                val = self._flat("validation_data", validation_data)
            return self._train(data, epochs, batch_size, size, temperatures, val, patience,
                               backend, progress)  # fmt: skip
        finally:
            if owned is not None:
                owned.close()

    def _train(
        self, data, epochs, batch_size, size, temperatures, val, patience, backend, progress
    ):
        if backend == "cuda":
            from isingml.nn.training_cuda import train_autoencoder_cuda

            return train_autoencoder_cuda(self, data, epochs, batch_size, size, temperatures,
                                          val, EarlyStopping(patience), progress)  # fmt: skip
        rng = np.random.default_rng([self.seed, 0xAE, self._epochs_done])
        self.history = {"loss": []}
        stopping = EarlyStopping(patience)
        for epoch in tqdm(range(epochs), disable=not progress, unit="epoch"):
            self.optimizer.epoch = self._epochs_done
            sums: dict[str, float] = {}
            count = 0
            batches = self._batches(data, size, temperatures, batch_size, self._epochs_done, rng)
            for xb in batches:
                try:
                    total, parts = self._batch_gradients(xb, rng)
                except LossDiverged as exc:
                    raise LossDiverged(exc.loss, f"epoch {epoch + 1}") from None
                self.optimizer.step(self.parameters(), self.gradients())
                for key, value in {"loss": total, **parts}.items():
                    sums[key] = sums.get(key, 0.0) + value * len(xb)
                count += len(xb)
            self._epochs_done += 1
            for key, value in sums.items():
                self.history.setdefault(key, []).append(value / count)
            if val is not None:
                self.history.setdefault("val_loss", []).append(self.evaluate(val))
                if stopping.stop(self.history["val_loss"][-1], self.parameters()):
                    break
        stopping.restore(self.parameters())
        return self.history

    def evaluate(self, x: np.ndarray) -> float:
        """The reconstruction loss on ``x`` (no corruption, the latent mean for a VAE)."""
        flat = self._flat("x", x)
        return float(np.mean(self._sample_losses(flat)))

    # -- use -------------------------------------------------------------------------

    def _encoded(self, flat: np.ndarray) -> np.ndarray:
        encoder, _ = self._check_fitted()
        return np.concatenate(
            [encoder.forward(flat[i : i + _CHUNK]) for i in range(0, len(flat), _CHUNK)]
        )

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Latent vectors ``(n, latent_dim)`` (the mean of the latent for a VAE)."""
        self._check_fitted()
        return self._encoded(self._flat("x", x))[:, : self.latent_dim]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Reconstructions ``(n, n_features)`` of latent vectors."""
        _, decoder = self._check_fitted()
        latent = np.asarray(z, dtype=self.dtype)
        if latent.ndim == 1 and self.latent_dim == 1:
            latent = latent[:, None]
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
            raise InputError(f"z must have shape (n, {self.latent_dim}), got {latent.shape}")
        return np.concatenate(
            [decoder.forward(latent[i : i + _CHUNK]) for i in range(0, len(latent), _CHUNK)]
        )

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """``decode(encode(x))``, flattened per sample."""
        return self.decode(self.encode(x))

    def _sample_losses(self, flat: np.ndarray) -> np.ndarray:
        out = self.reconstruct(flat)
        if self.loss == "mse":
            return np.mean((out - flat) ** 2, axis=1)
        p = np.clip(out, 1e-7, 1.0 - 1e-7)
        return -np.mean(flat * np.log(p) + (1.0 - flat) * np.log1p(-p), axis=1)

    def reconstruction_error(self, x: np.ndarray) -> np.ndarray:
        """The reconstruction loss per sample (mean over its values), shape ``(n,)``."""
        return self._sample_losses(self._flat("x", x))

    def denoise(self, x: np.ndarray) -> np.ndarray:
        """Reconstructions snapped back onto the data's values, in the input's shape.

        +/-1 spins (tanh outputs) come back as ``sign`` (a tie goes to +1), 0/1 data
        (sigmoid outputs) as ``output > 1/2``; linear outputs are returned as they are.
        """
        arr = np.asarray(x)
        out = self.reconstruct(arr)
        if self.output_activation == "linear":
            return out.reshape(arr.shape)
        if self.output_activation == "tanh":
            out = np.where(out >= 0, 1, -1)
        else:
            out = (out > 0.5).astype(np.int8)
        return out.reshape(arr.shape).astype(arr.dtype, copy=False)

    # -- persistence -----------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the configuration and weights, no pickle: HDF5 for ``.h5``/``.hdf5``,
        else ``.npz``. Returns the path written."""
        encoder, decoder = self._check_fitted()
        meta = {
            "format": _FORMAT,
            "class": type(self).__name__,
            "config": self._config(),
            "n_features": self.n_features,
            "epochs": self._epochs_done,
            "encoder": encoder.describe(),
            "decoder": decoder.describe(),
        }
        arrays = {**encoder.weights("encoder_"), **decoder.weights("decoder_")}
        return write_model_file(path, meta, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Autoencoder:
        """Read a file written by :meth:`save` (an autoencoder or a VAE, whichever it holds;
        the optimizer starts afresh)."""
        try:
            meta, arrays = read_model_file(path)
            if meta.get("format") != _FORMAT:
                raise InputError("not an isingml autoencoder file")
            kinds = {c.__name__: c for c in (Autoencoder, VariationalAutoencoder)}
            config = dict(meta["config"])
            config["dtype"] = np.dtype(config["dtype"]).type
            model = kinds[meta["class"]](**config)
            model.encoder = Sequential.from_description(meta["encoder"], arrays, "encoder_")
            model.decoder = Sequential.from_description(meta["decoder"], arrays, "decoder_",
                                                        input_grad=True)  # fmt: skip
            model.n_features = int(meta["n_features"])
            model._epochs_done = int(meta.get("epochs", 0))
        except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"path: cannot read an autoencoder from {path} ({exc})") from None
        return model


class VariationalAutoencoder(Autoencoder):
    """A variational autoencoder (Kingma and Welling 2014); ``beta != 1`` is a beta-VAE.

    The encoder gives the mean ``mu`` and log-variance ``log s^2`` of a Gaussian latent;
    training decodes ``z = mu + s * eps`` with ``eps ~ N(0, 1)`` (the reparameterisation)
    and adds ``beta`` times the KL divergence to the standard normal prior,
    ``KL = 1/2 sum_j (mu_j^2 + s_j^2 - 1 - log s_j^2)`` per sample, divided by the number
    of values per sample so that it sits on the scale of the mean reconstruction loss.

    Backward, written out: with ``g = dL/dz`` from the decoder and ``c = beta / (B n)``,
    ``dL/dmu = g + c mu`` and ``dL/dlog s^2 = g eps s / 2 + c (s^2 - 1) / 2``.

    Parameters
    ----------
    beta : float
        Weight of the KL term, > 0 (Higgins et al. 2017: beta > 1 favours disentangled
        latents).
    **options
        As :class:`Autoencoder`.
    """

    def __init__(self, *args: object, beta: float = 1.0, **options: object) -> None:
        super().__init__(*args, **options)
        beta = float(beta)
        if not beta > 0.0 or not np.isfinite(beta):
            raise InputError(f"beta must be a positive number, got {beta}")
        self.beta = beta

    def _config(self) -> dict:
        return {**super()._config(), "beta": self.beta}

    @property
    def _encoder_outputs(self) -> int:
        return 2 * self.latent_dim

    def _split(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return h[:, : self.latent_dim], h[:, self.latent_dim :]

    def _sample_latent(
        self, h: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, tuple | None]:
        mu, log_var = self._split(h)
        std = np.exp(0.5 * log_var)
        eps = rng.standard_normal(mu.shape).astype(self.dtype)
        return mu + std * eps, (std, eps)

    def _penalty(self, h: np.ndarray) -> dict[str, float]:
        mu, log_var = self._split(h)
        kl = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1.0 - log_var, axis=1)
        return {"kl": float(self.beta * np.mean(kl) / self.n_features)}

    def _latent_backward(
        self, h: np.ndarray, saved: tuple | None, grad_z: np.ndarray
    ) -> np.ndarray:
        std, eps = saved
        mu, _ = self._split(h)
        c = self.beta / (len(h) * self.n_features)
        grad_mu = grad_z + c * mu
        grad_log_var = 0.5 * grad_z * eps * std + 0.5 * c * (std**2 - 1.0)
        return np.concatenate([grad_mu, grad_log_var], axis=1)

    def latent_distribution(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean and standard deviation of the latent Gaussian, each ``(n, latent_dim)``."""
        self._check_fitted()
        mu, log_var = self._split(self._encoded(self._flat("x", x)))
        return mu, np.exp(0.5 * log_var)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` new samples: latents drawn from the prior N(0, 1), decoded."""
        n = check_int("n", n, minimum=1)
        rng = np.random.default_rng(validate_seed(seed))
        return self.decode(rng.standard_normal((n, self.latent_dim)))
