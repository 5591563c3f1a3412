"""Autoencoders built from the nn layers (the primer's Section VII, Figs. 13-14).

An encoder of Dense layers narrows the input to a latent vector (the bottleneck) and a
decoder widens it back; training minimizes the reconstruction loss of the input against
itself. On Ising configurations a single latent neuron learns the magnetization
(the primer's Fig. 14). Variants: the denoising autoencoder (``corruption=``: inputs with
randomly flipped spins, targets clean) and the variational autoencoder
(:class:`VariationalAutoencoder`, Gaussian latent, reparameterisation, KL term, ``beta``).

Both are scikit-learn estimators and transformers (``transform`` gives the latent,
``score_samples`` minus the reconstruction loss of each sample). Training takes a NumPy
array or a re-iterable minibatch source (iterated once per epoch, yielding arrays of
samples), so data larger than memory trains too: an isingml dataset file gives one with
:meth:`isingml.data.Dataset.minibatches`. The models never open files themselves. Every
backward pass is written out: the decoder's ``dL/dz`` flows into the encoder by hand.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from isingml._backend import require_cuda
from isingml._persistence import load_arrays, save_arrays
from isingml._validation import check_int, check_samples
from isingml.errors import InputError, InputTypeError
from isingml.nn.layers import Dense, Flatten, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from isingml.nn.losses import BinaryCrossEntropy, MeanSquaredError
from isingml.nn.model import Sequential
from isingml.nn.optimizers import Adam, Optimizer
from isingml.nn.training import (
    CPUStep,
    LossDiverged,
    check_dtype,
    check_training_params,
    samples,
    train_epochs,
    validation_split,
)
from isingml.random import STREAM_AUTOENCODER_BATCHES, host_rng, validate_seed

__all__ = ["ENCODER_ACTIVATIONS", "Autoencoder", "VariationalAutoencoder"]

#: The activations an autoencoder's hidden layers take, by name.
ENCODER_ACTIVATIONS = {"tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid}
_LOSSES = {"mse": MeanSquaredError, "binary_cross_entropy": BinaryCrossEntropy}
_FORMAT_VERSION = 1
_CHUNK = 4096  # samples per forward pass when encoding or scoring many
_FITTED = ("encoder_", "decoder_", "n_features_in_")


def _is_source(X: object) -> bool:
    """Whether ``X`` is a minibatch source rather than an array (or array-like)."""
    from scipy.sparse import issparse

    return (
        not isinstance(X, (np.ndarray, list, tuple))
        and not issparse(X)  # refused as an array, with a message saying so
        and isinstance(X, Iterable)
        and (not hasattr(X, "__array__"))
    )


class _Step(CPUStep):
    """The CPU's :class:`~isingml.nn.training.EpochStep` of an autoencoder: a batch is row
    indices of the training array, or an array of samples from a source."""

    def __init__(self, model: Autoencoder, data: np.ndarray | None) -> None:
        self.model, self.data = model, data

    def begin_epoch(self, epoch: int) -> None:
        self.model.optimizer_.epoch = epoch
        self.sums: dict[str, float] = {}
        self.count = 0

    def step(self, batch: np.ndarray) -> None:
        model = self.model
        xb = batch if self.data is None else self.data[batch]
        try:
            total, parts = model._batch_gradients(xb, model._rng)
        except LossDiverged as exc:
            raise LossDiverged(exc.loss, samples(self.count, len(xb))) from None
        model.optimizer_.step(model.parameters(), model.gradients())
        for key, value in {"loss": total, **parts}.items():
            self.sums[key] = self.sums.get(key, 0.0) + value * len(xb)
        self.count += len(xb)

    def end_epoch(self) -> dict[str, float]:
        if not self.count:
            raise InputError("X: the minibatch source yielded no samples this epoch")
        return {key: value / self.count for key, value in self.sums.items()}


class Autoencoder(TransformerMixin, BaseEstimator):
    """Encoder - latent - decoder of Dense layers, trained to reproduce its input.

    A scikit-learn estimator: keyword-only hyperparameters, only stored by ``__init__``
    and checked by :meth:`fit`; fitted state ends in ``_``;
    :class:`sklearn.exceptions.NotFittedError` before a fit.

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
        Default ``Adam(1e-3)``; training uses a deep copy (``optimizer_``).
    n_epochs : int
        Epochs of :meth:`fit` (:meth:`partial_fit` trains one).
    batch_size : int
        Samples per minibatch of an array (a minibatch source sets its own).
    shuffle : bool
        Shuffle an array's samples every epoch (seeded; a source shuffles itself).
    early_stopping : bool
        Stop when the validation loss has not improved for ``n_iter_no_change`` epochs
        and restore the best weights; the validation set is ``validation_data`` of
        :meth:`fit`, or else ``validation_fraction`` of an array held out (seeded).
    validation_fraction : float
        In (0, 1), for early stopping without ``validation_data``.
    n_iter_no_change : int
        The patience of early stopping, in epochs.
    warm_start : bool
        ``fit`` continues from the fitted weights, optimizer state and random stream
        instead of starting afresh.
    seed : int
        Seed of the initial weights, the minibatch order and the corruption.
    dtype : {np.float32, np.float64}
    progress : bool
        A progress bar over epochs.
    backend : {"cpu", "cuda"}
        ``"cuda"`` trains on the GPU (:class:`isingml.nn.training_cuda.AutoencoderDeviceStep`;
        not for the variational autoencoder): an array is copied over once and its
        minibatches gathered there, a minibatch source copied batch by batch; parameters
        and optimizer state stay on the device until the end of each epoch's measurement.
        The same batches and corruption as the CPU, results equal to rounding.

    Attributes
    ----------
    encoder_, decoder_ : Sequential
        The built, trained networks.
    n_features_in_ : int
        Values per sample (``L * L`` for spins).
    optimizer_ : Optimizer
        With its state after training.
    n_epochs_ : int
        Epochs trained so far.
    history_ : dict of str to list of float
        Per-epoch ``loss`` (mean over the epoch's minibatches, with its parts
        ``reconstruction`` and, for a VAE, ``kl``) and, with a validation set,
        ``val_loss``.

    Notes
    -----
    A scikit-learn transformer: this class and :class:`VariationalAutoencoder` pass
    ``sklearn.utils.estimator_checks.check_estimator`` with no expected failures
    (``tests/nn/test_estimator_api.py``). :meth:`transform` returns ``dtype`` whatever
    the input's (the tag ``transformer_tags.preserves_dtype`` says so).
    """

    def __init__(
        self,
        *,
        encoder_widths: Sequence[int] = (256, 64),
        latent_dim: int = 1,
        decoder_widths: Sequence[int] | None = None,
        activation: str = "tanh",
        output_activation: str = "tanh",
        loss: str = "mse",
        corruption: float = 0.0,
        optimizer: Optimizer | None = None,
        n_epochs: int = 10,
        batch_size: int = 128,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        warm_start: bool = False,
        seed: int = 0,
        dtype: type = np.float32,
        progress: bool = False,
        backend: str = "cpu",
    ) -> None:
        self.encoder_widths = encoder_widths
        self.latent_dim = latent_dim
        self.decoder_widths = decoder_widths
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.corruption = corruption
        self.optimizer = optimizer
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.seed = seed
        self.dtype = dtype
        self.progress = progress
        self.backend = backend

    # -- hyperparameters -----------------------------------------------------------------

    def __sklearn_tags__(self):  # scikit-learn >= 1.6 reads the tags here
        tags = super().__sklearn_tags__()
        try:  # transform returns ``dtype`` whatever the input's
            tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        except TypeError:  # an invalid dtype: fit says so
            pass
        return tags

    @property
    def _dtype(self) -> type:
        return check_dtype(self.dtype)

    def _widths(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        encoder = tuple(check_int("encoder_widths", w, 1) for w in self.encoder_widths)
        decoder = encoder[::-1] if self.decoder_widths is None else self.decoder_widths
        return encoder, tuple(check_int("decoder_widths", w, 1) for w in decoder)

    def _check_params(self) -> None:
        check_int("latent_dim", self.latent_dim, minimum=1)
        self._widths()
        if self.activation not in ENCODER_ACTIVATIONS:
            choices = sorted(ENCODER_ACTIVATIONS)
            raise InputError(f"activation must be one of {choices}, got {self.activation!r}")
        if self.output_activation not in ("tanh", "sigmoid", "linear"):
            raise InputError(
                "output_activation must be 'tanh', 'sigmoid' or 'linear', got "
                f"{self.output_activation!r}"
            )
        if self.loss not in _LOSSES:
            raise InputError(f"loss must be 'mse' or 'binary_cross_entropy', got {self.loss!r}")
        if self.loss == "binary_cross_entropy" and self.output_activation != "sigmoid":
            raise InputError("loss 'binary_cross_entropy' needs output_activation 'sigmoid'")
        corruption = float(self.corruption)
        if not 0.0 <= corruption < 1.0:
            raise InputError(f"corruption must be a probability in [0, 1), got {corruption}")
        if corruption and self.output_activation == "linear":
            raise InputError(
                "corruption flips values: it needs output_activation 'tanh' (+/-1 spins) or "
                "'sigmoid' (0/1 data), got 'linear'"
            )
        if self.optimizer is not None and not isinstance(self.optimizer, Optimizer):
            raise InputTypeError(
                f"optimizer must be an isingml.nn Optimizer or None, got {self.optimizer!r}"
            )
        check_training_params(self)

    def _config(self) -> dict:
        encoder, decoder = self._widths()
        return {
            "encoder_widths": list(encoder),
            "latent_dim": int(self.latent_dim),
            "decoder_widths": list(decoder),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "loss": self.loss,
            "corruption": float(self.corruption),
            "seed": int(self.seed),
            "dtype": np.dtype(self._dtype).name,
        }

    # -- structure -------------------------------------------------------------------

    @property
    def _encoder_outputs(self) -> int:
        return int(self.latent_dim)

    def _reset(self) -> None:
        """Forget any fitted state: the next batch builds afresh."""
        for name in _FITTED:
            self.__dict__.pop(name, None)
        self.optimizer_ = Adam(1e-3) if self.optimizer is None else copy.deepcopy(self.optimizer)
        self.loss_ = _LOSSES[self.loss]()
        self.n_epochs_ = 0
        self.history_: dict[str, list[float]] = {}
        self._rng = host_rng(self.seed, STREAM_AUTOENCODER_BATCHES, 0)

    def _initialize(self, n_features: int) -> None:
        """Build the encoder and the decoder for ``n_features`` values per sample."""
        act = ENCODER_ACTIVATIONS[self.activation]
        encoder_widths, decoder_widths = self._widths()
        encoder: list[Layer] = [Flatten()]
        for width in encoder_widths:
            encoder += [Dense(width, init="xavier"), act()]
        encoder.append(Dense(self._encoder_outputs, init="xavier"))
        decoder: list[Layer] = []
        for width in decoder_widths:
            decoder += [Dense(width, init="xavier"), act()]
        decoder.append(Dense(n_features, init="xavier"))
        if self.output_activation == "tanh":
            decoder.append(Tanh())
        elif self.output_activation == "sigmoid":
            decoder.append(Sigmoid())
        seed, dtype = int(self.seed), self._dtype
        self.encoder_ = Sequential(layers=encoder, loss=self.loss, seed=seed, dtype=dtype)
        self.encoder_.build((n_features,))
        # A different stream for the decoder's weights than the encoder's.
        self.decoder_ = Sequential(layers=decoder, loss=self.loss, seed=seed ^ 0x5EED, dtype=dtype)
        self.decoder_.build((int(self.latent_dim),), input_grad=True)
        self.n_features_in_ = n_features

    def _check_fitted(self) -> tuple[Sequential, Sequential]:
        check_is_fitted(
            self, "encoder_", msg="this %(name)s is not fitted yet: call fit or partial_fit first"
        )
        return self.encoder_, self.decoder_

    def _flat(self, name: str, x: object, finite: bool = True) -> np.ndarray:
        arr = check_samples(name, x, finite=False).astype(self._dtype, copy=False)
        arr = arr.reshape(len(arr), -1)
        n_features = getattr(self, "n_features_in_", None)
        if n_features is not None and arr.shape[1] != n_features:
            side = math.isqrt(n_features)
            size = f" (L = {side})" if side * side == n_features else ""
            raise InputError(
                f"{name} has {arr.shape[1]} features, but {type(self).__name__} is "
                f"expecting {n_features} features as input{size}"
            )
        if finite and not np.isfinite(arr).all():
            raise InputError(f"{name} must be finite, found NaN or inf")
        return arr

    # -- the pieces of one training step -------------------------------------------------

    def _corrupt(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        flip = rng.random(x.shape) < self.corruption
        flipped = -x if self.output_activation == "tanh" else 1.0 - x
        return np.where(flip, flipped, x).astype(self._dtype, copy=False)

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
            reconstruction = self.loss_(out, x)
            parts = {"reconstruction": reconstruction, **self._penalty(h)}
        total = float(sum(parts.values()))
        if not np.isfinite(total):
            raise LossDiverged(total)
        grad_z = decoder.backward(self.loss_.gradient(out, x))
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

    def _data(self, X: object, once: bool) -> tuple[np.ndarray | None, Iterable | None]:
        """``(array, None)`` or ``(None, source)``."""
        if not _is_source(X):
            return self._flat("X", X), None
        if isinstance(X, Iterator) and not once:
            raise InputTypeError(
                "X: a minibatch source must be re-iterable (each iter() one epoch), not an "
                f"iterator such as a generator ({type(X).__name__}); partial_fit takes one"
            )
        return None, X

    def _source_batches(self, source: Iterable) -> Iterator[np.ndarray]:
        for batch in source:
            if isinstance(batch, tuple):
                raise InputTypeError(
                    "X: a minibatch source must yield arrays of samples, got a tuple "
                    "(Dataset.minibatches gives spins alone)"
                )
            if not hasattr(self, "n_features_in_"):
                self._initialize(self._flat("X", batch, finite=False).shape[1])
            yield self._flat("X", batch)

    def fit(
        self,
        X: np.ndarray | Iterable,
        y: None = None,
        *,
        validation_data: np.ndarray | None = None,
    ) -> Autoencoder:
        """Train for ``n_epochs`` epochs to reproduce the data.

        Parameters
        ----------
        X : ndarray or minibatch source
            Samples first (any per-sample shape); or a re-iterable source whose every
            ``iter()`` is one epoch of arrays of samples (such as
            :meth:`isingml.data.Dataset.minibatches`), so the data never has to fit in
            memory.
        y : None
            Ignored.
        validation_data : ndarray, optional
            Scored after every epoch (``val_loss``); the validation set of early stopping.

        Returns
        -------
        Autoencoder
            ``self``, fitted.

        Raises
        ------
        LossDiverged
            A ``RuntimeError``, when the loss becomes NaN or infinite (no step is taken
            with it).
        """
        self._check_params()
        data, source = self._data(X, once=False)
        if not (self.warm_start and hasattr(self, "encoder_")):
            self._reset()
            if data is not None:
                self._initialize(data.shape[1])
        val = None
        if validation_data is not None:
            val = self._flat("validation_data", validation_data)
        elif self.early_stopping:
            if data is None:
                raise InputError(
                    "early_stopping on a minibatch source needs validation_data (a "
                    "validation_fraction is held out of arrays only)"
                )
            train, held = validation_split(len(data), self.validation_fraction, int(self.seed))
            data, val = data[train], data[held]
        patience = self.n_iter_no_change if self.early_stopping else None
        self._train(data, source, val, self.n_epochs, patience)
        return self

    def partial_fit(
        self,
        X: np.ndarray | Iterable,
        y: None = None,
        *,
        validation_data: np.ndarray | None = None,
    ) -> Autoencoder:
        """Train one epoch on ``X`` (an array, a source or an iterator of batches),
        continuing from the fitted state (built on the first call). Returns ``self``."""
        self._check_params()
        data, source = self._data(X, once=True)
        if not hasattr(self, "encoder_"):
            if not hasattr(self, "n_epochs_"):
                self._reset()
            if data is not None:
                self._initialize(data.shape[1])
        val = None if validation_data is None else self._flat("validation_data", validation_data)
        self._train(data, source, val, 1, None)
        return self

    def _train(self, data, source, val, n_epochs: int, patience: int | None) -> None:
        if getattr(self, "_rng", None) is None:  # a loaded model: on from its epochs
            self._rng = host_rng(self.seed, STREAM_AUTOENCODER_BATCHES, self.n_epochs_)
        if self.backend == "cuda":
            if isinstance(self, VariationalAutoencoder):
                raise InputError(
                    "backend 'cuda' trains Autoencoder; a VariationalAutoencoder "
                    "trains on the CPU (backend='cpu')"
                )
            require_cuda()
            from isingml.nn.training_cuda import AutoencoderDeviceStep

            step = AutoencoderDeviceStep(
                lambda: self.encoder_.layers_ + self.decoder_.layers_,
                self.optimizer_,
                self.loss_,
                data,
                float(self.corruption),
                self.output_activation == "tanh",
                self._rng,
                self._dtype,
            )
        else:
            step = _Step(self, data)

        def batches(epoch: int):
            if source is not None:
                yield from self._source_batches(source)
                return
            n = len(data)
            order = self._rng.permutation(n) if self.shuffle else np.arange(n)
            for start in range(0, n, self.batch_size):
                yield order[start : start + self.batch_size]

        validate = None if val is None else (lambda: {"val_loss": self._mean_loss(val)})
        self.history_.setdefault("loss", [])
        train_epochs(self, step, batches, n_epochs, validate, patience)

    # -- use -------------------------------------------------------------------------

    def _encoded(self, flat: np.ndarray) -> np.ndarray:
        encoder, _ = self._check_fitted()
        return np.concatenate(
            [encoder.forward(flat[i : i + _CHUNK]) for i in range(0, len(flat), _CHUNK)]
        )

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Latent vectors ``(n, latent_dim)`` of ``X`` (the mean of the latent for a VAE)."""
        self._check_fitted()
        return self._encoded(self._flat("X", X))[:, : self.latent_dim]

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Reconstructions ``(n, n_features_in_)`` of latent vectors ``Z``."""
        _, decoder = self._check_fitted()
        latent = np.asarray(Z, dtype=self._dtype)
        if latent.ndim == 1 and self.latent_dim == 1:
            latent = latent[:, None]
        if latent.ndim != 2 or latent.shape[1] != self.latent_dim:
            raise InputError(f"Z must have shape (n, {self.latent_dim}), got {latent.shape}")
        return np.concatenate(
            [decoder.forward(latent[i : i + _CHUNK]) for i in range(0, len(latent), _CHUNK)]
        )

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        """``inverse_transform(transform(X))``, flattened per sample."""
        return self.inverse_transform(self.transform(X))

    def _sample_losses(self, flat: np.ndarray) -> np.ndarray:
        out = self.reconstruct(flat)
        if self.loss == "mse":
            return np.mean((out - flat) ** 2, axis=1)
        p = np.clip(out, 1e-7, 1.0 - 1e-7)
        return -np.mean(flat * np.log(p) + (1.0 - flat) * np.log1p(-p), axis=1)

    def _mean_loss(self, flat: np.ndarray) -> float:
        return float(np.mean(self._sample_losses(flat)))

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Minus the reconstruction loss of each sample (the mean over its values, no
        corruption, the latent mean for a VAE), shape ``(n,)``: higher is better."""
        self._check_fitted()
        return -self._sample_losses(self._flat("X", X))

    def score(self, X: np.ndarray, y: None = None) -> float:
        """Minus the mean reconstruction loss on ``X`` (``y`` is ignored)."""
        self._check_fitted()
        return -self._mean_loss(self._flat("X", X))

    def denoise(self, X: np.ndarray) -> np.ndarray:
        """Reconstructions snapped back onto the data's values, in the input's shape.

        +/-1 spins (tanh outputs) come back as ``sign`` (a tie goes to +1), 0/1 data
        (sigmoid outputs) as ``output > 1/2``; linear outputs are returned as they are.
        """
        arr = np.asarray(X)
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
        """Write the configuration and weights through the one persistence helper (atomic,
        checksummed, no pickle): HDF5 for ``.h5``/``.hdf5``, else ``.npz``. Returns the
        path written."""
        encoder, decoder = self._check_fitted()
        meta = {
            "class": type(self).__name__,
            "config": self._config(),
            "n_features": self.n_features_in_,
            "epochs": self.n_epochs_,
            "encoder": encoder.describe(),
            "decoder": decoder.describe(),
        }
        arrays = {**encoder.weights("encoder_"), **decoder.weights("decoder_")}
        return save_arrays(path, "Autoencoder", _FORMAT_VERSION, meta, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Autoencoder:
        """Read a file written by :meth:`save` (an autoencoder or a VAE, whichever it
        holds): fitted, the optimizer starting afresh; ``partial_fit`` (or ``fit`` with
        ``warm_start=True``) trains it on."""
        try:
            meta, arrays, _ = load_arrays(path, "Autoencoder")
            kinds = {c.__name__: c for c in (Autoencoder, VariationalAutoencoder)}
            config = dict(meta["config"])
            config["dtype"] = np.dtype(config["dtype"]).type
            config["encoder_widths"] = tuple(config["encoder_widths"])
            config["decoder_widths"] = tuple(config["decoder_widths"])
            model = kinds[meta["class"]](**config)
            model._check_params()
            model._reset()
            model.encoder_ = Sequential.from_description(meta["encoder"], arrays, "encoder_")
            model.decoder_ = Sequential.from_description(
                meta["decoder"], arrays, "decoder_", input_grad=True
            )
            model.n_features_in_ = int(meta["n_features"])
            model.n_epochs_ = int(meta.get("epochs", 0))
            model._rng = None
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
    encoder_widths, latent_dim, decoder_widths, activation, output_activation, loss, \
    corruption, optimizer, n_epochs, batch_size, shuffle, early_stopping, \
    validation_fraction, n_iter_no_change, warm_start, seed, dtype, progress, backend
        As :class:`Autoencoder` (``backend`` must be ``"cpu"``).
    """

    def __init__(
        self,
        *,
        encoder_widths: Sequence[int] = (256, 64),
        latent_dim: int = 1,
        decoder_widths: Sequence[int] | None = None,
        activation: str = "tanh",
        output_activation: str = "tanh",
        loss: str = "mse",
        corruption: float = 0.0,
        beta: float = 1.0,
        optimizer: Optimizer | None = None,
        n_epochs: int = 10,
        batch_size: int = 128,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        warm_start: bool = False,
        seed: int = 0,
        dtype: type = np.float32,
        progress: bool = False,
        backend: str = "cpu",
    ) -> None:
        super().__init__(
            encoder_widths=encoder_widths,
            latent_dim=latent_dim,
            decoder_widths=decoder_widths,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            corruption=corruption,
            optimizer=optimizer,
            n_epochs=n_epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            warm_start=warm_start,
            seed=seed,
            dtype=dtype,
            progress=progress,
            backend=backend,
        )
        self.beta = beta

    def _check_params(self) -> None:
        super()._check_params()
        beta = float(self.beta)
        if not beta > 0.0 or not np.isfinite(beta):
            raise InputError(f"beta must be a positive number, got {beta}")

    def _config(self) -> dict:
        return {**super()._config(), "beta": float(self.beta)}

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
        eps = rng.standard_normal(mu.shape).astype(self._dtype)
        return mu + std * eps, (std, eps)

    def _penalty(self, h: np.ndarray) -> dict[str, float]:
        mu, log_var = self._split(h)
        kl = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1.0 - log_var, axis=1)
        return {"kl": float(self.beta * np.mean(kl) / self.n_features_in_)}

    def _latent_backward(
        self, h: np.ndarray, saved: tuple | None, grad_z: np.ndarray
    ) -> np.ndarray:
        std, eps = saved
        mu, _ = self._split(h)
        c = self.beta / (len(h) * self.n_features_in_)
        grad_mu = grad_z + c * mu
        grad_log_var = 0.5 * grad_z * eps * std + 0.5 * c * (std**2 - 1.0)
        return np.concatenate([grad_mu, grad_log_var], axis=1)

    def latent_distribution(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean and standard deviation of the latent Gaussian, each ``(n, latent_dim)``."""
        self._check_fitted()
        mu, log_var = self._split(self._encoded(self._flat("X", X)))
        return mu, np.exp(0.5 * log_var)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` new samples: latents drawn from the prior N(0, 1), decoded."""
        n = check_int("n", n, minimum=1)
        rng = np.random.default_rng(validate_seed(seed))
        return self.inverse_transform(rng.standard_normal((n, self.latent_dim)))
