"""The ``Sequential`` model: a stack of layers, a loss and an optimizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from isingml._backend import check_backend
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.nn import layers as layer_module
from isingml.nn.layers import Layer
from isingml.nn.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from isingml.nn.optimizers import SGD, Optimizer
from isingml.nn.serialization import read_model_file, write_model_file
from isingml.random import validate_seed

__all__ = ["EarlyStopping", "LossDiverged", "Sequential"]

_LOSSES = {
    "mse": MeanSquaredError,
    "cross_entropy": SoftmaxCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
}


def _check_array(name: str, x: object, dtype: type = np.float64) -> np.ndarray:
    arr = np.asarray(x, dtype=dtype)
    if arr.ndim < 2 or arr.shape[0] == 0:
        raise InputError(f"{name} must be a non-empty batch (samples first), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} must be finite, found NaN or inf")
    return arr


class LossDiverged(RuntimeError):
    """The training loss became NaN or infinite (no step was taken with it)."""

    def __init__(self, loss: float, where: str = "") -> None:
        self.loss = loss
        at = f" at {where}" if where else ""
        super().__init__(f"the loss diverged (loss={loss}){at}; lower the learning rate")


class EarlyStopping:
    """Keeps the parameters of the best validation loss and says when to stop.

    Parameters
    ----------
    patience : int or None
        Epochs without a new best loss before stopping; None never stops or restores.
    """

    def __init__(self, patience: int | None) -> None:
        self.patience = patience
        self.best = np.inf
        self.waited = 0
        self.saved: list[np.ndarray] | None = None

    def stop(self, loss: float, params: list[np.ndarray]) -> bool:
        """Record this epoch's validation ``loss``; True when training should stop."""
        if self.patience is None:
            return False
        if loss < self.best:
            self.best, self.waited = loss, 0
            self.saved = [p.copy() for p in params]
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore(self, params: list[np.ndarray]) -> None:
        """Put the best parameters back (in place), if any were kept."""
        if self.saved is not None:
            for p, saved in zip(params, self.saved, strict=True):
                p[...] = saved


class Sequential:
    """Layers applied in order, trained by backpropagation written out by hand.

    Parameters
    ----------
    layers : list of Layer
    loss : Loss or {"mse", "cross_entropy", "binary_cross_entropy"}
        ``cross_entropy`` expects logits from the last layer and integer labels (or one-hot
        rows); ``predict`` then returns softmax probabilities.
    optimizer : Optimizer, optional
        Default: ``SGD(0.01)``.
    input_shape : tuple of int, optional
        Per-sample input shape; otherwise taken from the first ``fit``/``predict``.
    seed : int
        Seed of the initial weights and of the minibatch order.
    dtype : {np.float32, np.float64}
        Float type of the weights and the arithmetic (float32, as in PyTorch, by default;
        float64 for gradient checks).
    """

    def __init__(
        self,
        layers: list[Layer],
        loss: Loss | str = "mse",
        optimizer: Optimizer | None = None,
        input_shape: tuple[int, ...] | None = None,
        seed: int = 0,
        dtype: type = np.float32,
    ) -> None:
        if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise InputError(f"dtype must be float32 or float64, got {dtype!r}")
        self.dtype = np.dtype(dtype).type
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise InputError("layers must be a non-empty list of isingml.nn layers")
        if isinstance(loss, str):
            if loss not in _LOSSES:
                raise InputError(f"loss must be one of {sorted(_LOSSES)}, got {loss!r}")
            loss = _LOSSES[loss]()
        self.layers = list(layers)
        self.loss = loss
        self.optimizer = optimizer if optimizer is not None else SGD(0.01)
        self.seed = validate_seed(seed)
        self.history: dict[str, list[float]] = {}
        self.input_shape: tuple[int, ...] | None = None
        if input_shape is not None:
            self.build(tuple(input_shape))

    # -- structure -------------------------------------------------------------------

    def build(self, input_shape: tuple[int, ...], input_grad: bool = False) -> None:
        """Create every layer's parameters for per-sample inputs of ``input_shape``.

        ``input_grad=True`` makes :meth:`backward` return ``dL/d input`` too (a model fed by
        another model, such as an autoencoder's decoder, needs it).
        """
        rng = np.random.default_rng([self.seed, 0x77])
        shape = tuple(int(s) for s in input_shape)
        self.input_shape = shape
        previous = "the input"
        for i, layer in enumerate(self.layers):
            layer.dtype = self.dtype
            layer.input_grad = i > 0 or input_grad  # nobody needs dL/dx of the data
            try:
                shape = layer.build(shape, rng)
            except ValueError as exc:
                raise InputError(f"{layer.name} after {previous}: {exc}") from None
            previous = f"{layer.name} (output {shape})"

    def _ensure_built(self, x: np.ndarray) -> None:
        if self.input_shape is None:
            self.build(x.shape[1:])
        elif tuple(x.shape[1:]) != self.input_shape:
            raise InputError(
                f"x has per-sample shape {tuple(x.shape[1:])}, but the first layer "
                f"({self.layers[0].name}) was built for {self.input_shape}"
            )

    def parameters(self) -> list[np.ndarray]:
        """Every parameter array, in layer order."""
        return [p for layer in self.layers for p in layer.params.values()]

    # -- passes ----------------------------------------------------------------------

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """The network's raw output (logits for ``cross_entropy``)."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        """Backpropagate ``dL/d output`` through every layer (fills their ``grads``).

        Returns ``dL/d input`` when the model was built with ``input_grad=True``, else None.
        """
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
            if grad is None:  # the first layer skips dL/dx
                break
        return grad

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last :meth:`backward`, in the order of :meth:`parameters`."""
        return [g for layer in self.layers for g in layer.grads.values()]

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """One optimizer step on the minibatch ``(x, y)``; returns its loss and output.

        Raises
        ------
        RuntimeError
            When the loss is NaN or infinite (no step is taken).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            out = self.forward(x, training=True)
            loss = self.loss(out, y)
        if not np.isfinite(loss):
            raise LossDiverged(loss)
        self.backward(self.loss.gradient(out, y))
        self.optimizer.step(self.parameters(), self.gradients())
        return loss, out

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Outputs for ``x`` (softmax probabilities with the cross-entropy loss)."""
        arr = _check_array("x", x, self.dtype)
        self._ensure_built(arr)
        batch_size = check_int("batch_size", batch_size, minimum=1)
        out = [self.forward(arr[i : i + batch_size]) for i in range(0, len(arr), batch_size)]
        y = np.concatenate(out)
        if isinstance(self.loss, SoftmaxCrossEntropy):
            return SoftmaxCrossEntropy.probabilities(y)
        return y

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Loss and (for classification) accuracy on ``(x, y)``."""
        arr = _check_array("x", x, self.dtype)
        self._ensure_built(arr)
        out = np.concatenate([self.forward(arr[i : i + 1024]) for i in range(0, len(arr), 1024)])
        result = {"loss": self.loss(out, np.asarray(y))}
        accuracy = self._accuracy(out, np.asarray(y))
        if accuracy is not None:
            result["accuracy"] = accuracy
        return result

    def _accuracy(self, out: np.ndarray, y: np.ndarray) -> float | None:
        if isinstance(self.loss, SoftmaxCrossEntropy) or (
            out.ndim == 2 and out.shape[1] > 1 and y.ndim == 2 and y.shape == out.shape
        ):
            labels = y if y.ndim == 1 else y.argmax(axis=1)
            return float(np.mean(out.argmax(axis=1) == labels))
        if isinstance(self.loss, BinaryCrossEntropy):
            return float(np.mean((out > 0.5) == (y > 0.5)))
        return None

    # -- training --------------------------------------------------------------------

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        epochs: int = 10,
        batch_size: int = 32,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        patience: int | None = None,
        shuffle: bool = True,
        progress: bool = False,
        backend: str = "cpu",
    ) -> dict[str, list[float]]:
        """Train by minibatch gradient descent with the model's optimizer.

        ``batch_size=len(x)`` is plain gradient descent, 1 is per-sample SGD.

        Parameters
        ----------
        x, y : arrays
            Inputs (samples first) and targets (labels or arrays).
        epochs : int
        batch_size : int
        validation_data : (x_val, y_val), optional
            Evaluated after every epoch.
        patience : int, optional
            Early stopping: stop when the validation loss has not improved for this many
            epochs, and restore the best weights.
        shuffle : bool
            Shuffle the samples every epoch (seeded).
        progress : bool
            Show a progress bar over epochs.
        backend : {"cpu", "cuda"}
            ``"cuda"`` trains on the GPU (:mod:`isingml.nn.training_cuda`): the data is
            copied over once, minibatches (in the same shuffled order) are gathered there,
            parameters and optimizer state stay there; the loss comes back once per epoch,
            the parameters at the end (and per epoch with ``validation_data``, scored on
            the CPU). Results equal the CPU's to rounding.

        Returns
        -------
        dict of str to list of float
            Per-epoch ``loss`` and ``accuracy`` (running means over the epoch's
            minibatches) and ``val_loss``, ``val_accuracy``.

        Raises
        ------
        RuntimeError
            When the loss becomes NaN or infinite (the weights are left as they were
            before the failing step).
        """
        xs = _check_array("x", x, self.dtype)
        ys = np.asarray(y)
        if ys.dtype.kind == "f":
            ys = ys.astype(self.dtype)
        if len(ys) != len(xs):
            raise InputError(f"x and y must have the same length, got {len(xs)} and {len(ys)}")
        if ys.dtype.kind == "f" and not np.isfinite(ys).all():
            raise InputError("y must be finite, found NaN or inf")
        epochs = check_int("epochs", epochs, minimum=0)
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if patience is not None:
            patience = check_int("patience", patience, minimum=1)
            if validation_data is None:
                raise InputError("patience (early stopping) needs validation_data")
        self._ensure_built(xs)
        if check_backend(backend) == "cuda":
            from isingml.nn.training_cuda import train_sequential_cuda

            return train_sequential_cuda(self, xs, ys, epochs, batch_size, validation_data,
                                         EarlyStopping(patience), shuffle, progress)  # fmt: skip
        rng = np.random.default_rng([self.seed, 0x88])
        keys = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if validation_data else [])
        self.history = {k: [] for k in keys}
        stopping = EarlyStopping(patience)
        for epoch in tqdm(range(epochs), disable=not progress, unit="epoch"):
            self.optimizer.epoch = epoch
            order = rng.permutation(len(xs)) if shuffle else np.arange(len(xs))
            total, count = 0.0, 0
            hits = 0.0 if self._accuracy(self.forward(xs[:1]), ys[:1]) is not None else None
            for start in range(0, len(xs), batch_size):
                idx = order[start : start + batch_size]
                try:
                    loss, out = self.train_batch(xs[idx], ys[idx])
                except LossDiverged as exc:
                    raise LossDiverged(exc.loss, f"epoch {epoch + 1}, samples {start}-"
                                       f"{start + len(idx) - 1}") from None  # fmt: skip
                total += loss * len(idx)
                count += len(idx)
                accuracy = self._accuracy(out, ys[idx])
                if accuracy is not None:
                    hits += accuracy * len(idx)
            # Training metrics are the running means over the epoch's minibatches (as in
            # Keras), not a second pass over the data.
            self.history["loss"].append(total / count)
            self.history["accuracy"].append(hits / count if hits is not None else np.nan)
            if validation_data is not None:
                val = self.evaluate(*validation_data)
                self.history["val_loss"].append(val["loss"])
                self.history["val_accuracy"].append(val.get("accuracy", np.nan))
                if stopping.stop(val["loss"], self.parameters()):
                    break
        stopping.restore(self.parameters())
        return self.history

    # -- persistence -----------------------------------------------------------------

    def describe(self) -> dict:
        """The architecture as plain data (what :meth:`save` writes besides the weights)."""
        if self.input_shape is None:
            raise RuntimeError("build the model (fit, predict or input_shape=) before saving")
        spec = []
        for layer in self.layers:
            keys = ("units", "init", "alpha", "use_bias", "filters", "kernel_size", "stride",
                    "padding", "pool_size")  # fmt: skip
            args = {k: v for k, v in vars(layer).items() if k in keys}
            spec.append({"class": layer.name, "args": args})
        return {
            "format": "isingml-sequential-1",
            "layers": spec,
            "input_shape": list(self.input_shape),
            "loss": type(self.loss).__name__,
            "seed": self.seed,
            "dtype": np.dtype(self.dtype).name,
        }

    def weights(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Every parameter array by name (``layer{i}_{name}``)."""
        return {
            f"{prefix}layer{i}_{name}": value
            for i, layer in enumerate(self.layers)
            for name, value in layer.params.items()
        }

    @classmethod
    def from_description(
        cls, meta: dict, arrays: dict[str, np.ndarray], prefix: str = "", input_grad: bool = False
    ) -> Sequential:
        """The model of :meth:`describe` with the weights of :meth:`weights` (built with
        ``input_grad``, see :meth:`build`)."""
        if meta.get("format") != "isingml-sequential-1":
            raise InputError("not an isingml Sequential description")
        from isingml.nn import conv

        classes = {
            name: obj
            for module in (layer_module, conv)
            for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, Layer)
        }
        layers = [classes[spec["class"]](**spec["args"]) for spec in meta["layers"]]
        losses = {c.__name__: c for c in _LOSSES.values()}
        model = cls(layers, losses[meta["loss"]](), seed=meta["seed"],
                    dtype=np.dtype(meta.get("dtype", "float64")).type)  # fmt: skip
        model.build(tuple(meta["input_shape"]), input_grad=input_grad)
        for i, layer in enumerate(model.layers):
            for name in layer.params:
                stored = arrays[f"{prefix}layer{i}_{name}"]
                if stored.shape != layer.params[name].shape:
                    raise InputError(f"layer {i} {name} has shape {stored.shape}")
                layer.params[name] = stored.astype(model.dtype)
        return model

    def save(self, path: str | Path) -> Path:
        """Write the architecture and weights, no pickle: HDF5 when ``path`` ends in
        ``.h5``/``.hdf5``, else ``.npz``. Returns the path written."""
        return write_model_file(path, self.describe(), self.weights())

    @classmethod
    def load(cls, path: str | Path) -> Sequential:
        """Read a model written by :meth:`save` (the optimizer starts afresh)."""
        try:
            meta, arrays = read_model_file(path)
            return cls.from_description(meta, arrays)
        except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"path: cannot read a Sequential model from {path} ({exc})") from None
