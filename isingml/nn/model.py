"""The ``Sequential`` model: a stack of layers, a loss and an optimizer.

A scikit-learn estimator: the layers, the loss, the optimizer and the training settings are
keyword-only hyperparameters, only stored by ``__init__`` (so ``get_params``,
``set_params`` and ``sklearn.base.clone`` work, and a ``Pipeline`` can hold the model);
``fit`` checks them, deep-copies the layers and the optimizer into the fitted ``layers_``
and ``optimizer_``, trains those and returns ``self``. The epoch loop is
:func:`isingml.nn.training.run_epochs`, on the CPU or (``backend="cuda"``) the GPU.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from isingml._persistence import load_arrays, save_arrays
from isingml._validation import check_int, check_samples
from isingml.errors import InputError, InputTypeError
from isingml.nn import layers as layer_module
from isingml.nn.layers import Layer
from isingml.nn.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from isingml.nn.optimizers import SGD, Optimizer
from isingml.nn.training import (
    CPUStep,
    LossDiverged,
    check_dtype,
    check_training_params,
    samples,
    train_epochs,
    validation_split,
)
from isingml.random import STREAM_NN_BATCHES, STREAM_NN_INIT, host_rng

__all__ = ["Sequential"]

_FORMAT_VERSION = 1

_LOSSES = {
    "mse": MeanSquaredError,
    "cross_entropy": SoftmaxCrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
}
_CHUNK = 1024  # samples per forward pass when predicting


def _check_array(name: str, x: object, dtype: type = np.float64) -> np.ndarray:
    return check_samples(name, x).astype(dtype, copy=False)


def resolve_loss(loss: object) -> Loss:
    """A :class:`~isingml.nn.losses.Loss` from a loss or its name."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in _LOSSES:
        return _LOSSES[loss]()
    raise InputError(f"loss must be a Loss or one of {sorted(_LOSSES)}, got {loss!r}")


class _Step(CPUStep):
    """The CPU's :class:`~isingml.nn.training.EpochStep` of a :class:`Sequential`: a batch
    is the row indices of the training arrays."""

    def __init__(self, model: Sequential, xs: np.ndarray, ys: np.ndarray) -> None:
        self.model, self.xs, self.ys = model, xs, ys
        self.scores_accuracy = model._accuracy(model.forward(xs[:1]), ys[:1]) is not None

    def begin_epoch(self, epoch: int) -> None:
        self.model.optimizer_.epoch = epoch
        self.total, self.hits, self.count = 0.0, 0.0, 0

    def step(self, idx: np.ndarray) -> None:
        yb = self.ys[idx]
        try:
            loss, out = self.model.train_batch(self.xs[idx], yb)
        except LossDiverged as exc:
            raise LossDiverged(exc.loss, samples(self.count, len(idx))) from None
        self.total += loss * len(idx)
        self.count += len(idx)
        accuracy = self.model._accuracy(out, yb)
        if accuracy is not None:
            self.hits += accuracy * len(idx)

    def end_epoch(self) -> dict[str, float]:
        # Running means over the epoch's minibatches (as in Keras), not a second pass.
        accuracy = self.hits / self.count if self.scores_accuracy else np.nan
        return {"loss": self.total / self.count, "accuracy": accuracy}


class Sequential(BaseEstimator):
    """Layers applied in order, trained by backpropagation written out by hand.

    Parameters
    ----------
    layers : list of Layer
        The architecture (not modified: ``fit`` trains deep copies, ``layers_``).
    loss : Loss or {"mse", "cross_entropy", "binary_cross_entropy"}
        ``cross_entropy`` expects logits from the last layer and integer labels (or one-hot
        rows); :meth:`predict` then returns labels and :meth:`predict_proba` the softmax
        probabilities.
    optimizer : Optimizer, optional
        Default ``SGD(0.01)``; ``fit`` trains a deep copy (``optimizer_``).
    input_shape : tuple of int, optional
        Per-sample input shape; otherwise taken from the data of the first ``fit``.
    n_epochs : int
        Epochs of :meth:`fit` (``partial_fit`` trains one).
    batch_size : int
        Samples per minibatch: ``len(X)`` is plain gradient descent, 1 per-sample SGD.
    shuffle : bool
        Shuffle the samples every epoch (seeded).
    early_stopping : bool
        Stop when the validation loss has not improved for ``n_iter_no_change`` epochs
        and restore the best weights. The validation set is ``validation_data`` of
        :meth:`fit`, or else ``validation_fraction`` of ``X`` held out (seeded).
    validation_fraction : float
        In (0, 1): the share of ``X`` held out for early stopping without
        ``validation_data``.
    n_iter_no_change : int
        The patience of early stopping, in epochs.
    warm_start : bool
        ``fit`` continues from the fitted weights and optimizer state (and from those
        :meth:`build` made) instead of starting afresh.
    seed : int
        Seed of the initial weights, the minibatch order and the validation split.
    dtype : {np.float32, np.float64}
        Float type of the weights and the arithmetic (float32, as in PyTorch, by default;
        float64 for gradient checks).
    progress : bool
        Show a progress bar over epochs.
    backend : {"cpu", "cuda"}
        ``"cuda"`` trains on the GPU (:mod:`isingml.nn.training_cuda`): the data is copied
        over once, minibatches (in the same shuffled order) are gathered there, parameters
        and optimizer state stay there; the loss comes back once per epoch, the
        parameters at the end (and per epoch with a validation set, scored on the CPU).
        Results equal the CPU's to rounding.

    Attributes
    ----------
    layers_ : list of Layer
        The built, trained layers.
    loss_ : Loss
    optimizer_ : Optimizer
        With its state (moments, step count) after training.
    input_shape_ : tuple of int
        Per-sample input shape.
    n_features_in_ : int
        Values per sample (the product of ``input_shape_``).
    n_epochs_ : int
        Epochs trained so far.
    history_ : dict of str to list of float
        Per-epoch ``loss`` and ``accuracy`` (running means over the epoch's minibatches;
        NaN where no accuracy applies) and, with a validation set, ``val_loss`` and
        ``val_accuracy``.
    classes_ : ndarray
        ``arange(n_outputs)`` with the cross-entropy loss.

    Notes
    -----
    A regressor (squared error) passes ``sklearn.utils.estimator_checks.check_estimator``
    but for ``check_regressor_multioutput``: the layers are the user's, so a network
    built with one output does not grow more for a wider ``y``
    (``tests/nn/test_estimator_api.py``). A single output takes a 1-D ``y`` and
    :meth:`predict` gives shape ``(n,)``, as scikit-learn's regressors do. A classifier
    (cross-entropy) takes the labels ``0 ... n_outputs - 1`` the last layer's width
    fixes, not arbitrary class labels, so the classifier checks that feed string or
    single-class labels do not apply.
    """

    def __init__(
        self,
        *,
        layers: Sequence[Layer] | None = None,
        loss: Loss | str = "mse",
        optimizer: Optimizer | None = None,
        input_shape: tuple[int, ...] | None = None,
        n_epochs: int = 10,
        batch_size: int = 32,
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
        self.layers = layers
        self.loss = loss
        self.optimizer = optimizer
        self.input_shape = input_shape
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

    def __sklearn_tags__(self):  # scikit-learn >= 1.6 reads the tags here
        from sklearn.utils import ClassifierTags, RegressorTags

        tags = super().__sklearn_tags__()
        if self._classifies():
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        else:
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            tags.target_tags.multi_output = True  # any shape of outputs
        return tags

    def _classifies(self) -> bool:
        return self.loss == "cross_entropy" or isinstance(self.loss, SoftmaxCrossEntropy)

    # -- structure -------------------------------------------------------------------

    @property
    def _dtype(self) -> type:
        return check_dtype(self.dtype)

    def _check_params(self) -> None:
        layers = self.layers
        if (
            not isinstance(layers, (list, tuple))
            or not layers
            or not all(isinstance(layer, Layer) for layer in layers)
        ):
            raise InputError(
                f"layers must be a non-empty list of isingml.nn layers, got {layers!r}"
            )
        resolve_loss(self.loss)
        if self.optimizer is not None and not isinstance(self.optimizer, Optimizer):
            raise InputTypeError(
                f"optimizer must be an isingml.nn Optimizer or None, got {self.optimizer!r}"
            )
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if not shape or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in shape):
                raise InputError(
                    f"input_shape must be positive integers, got {self.input_shape!r}"
                )
        check_training_params(self)

    def build(self, input_shape: tuple[int, ...] | None = None, input_grad: bool = False):
        """Start afresh: deep-copy ``layers`` and ``optimizer`` into ``layers_`` and
        ``optimizer_`` and create the weights for per-sample inputs of ``input_shape``
        (default: the ``input_shape`` hyperparameter), without training.

        :meth:`fit` calls it; call it yourself to set weights by hand before training
        with ``warm_start=True``. ``input_grad=True`` makes :meth:`backward` return
        ``dL/d input`` too (a model fed by another model, such as an autoencoder's
        decoder, needs it).

        Returns
        -------
        Sequential
            ``self``.
        """
        self._check_params()
        if input_shape is None:
            input_shape = self.input_shape
        if input_shape is None:
            raise InputError("input_shape: give the per-sample input shape (or call fit)")
        dtype = self._dtype
        rng = host_rng(self.seed, STREAM_NN_INIT)
        shape = tuple(int(s) for s in input_shape)
        layers = copy.deepcopy(list(self.layers))
        previous = "the input"
        for i, layer in enumerate(layers):
            layer.dtype = dtype
            layer.input_grad = i > 0 or input_grad  # nobody needs dL/dx of the data
            try:
                out = layer.build(shape, rng)
            except ValueError as exc:
                raise InputError(f"{layer.name} after {previous}: {exc}") from None
            previous = f"{layer.name} (output {out})"
            shape = out
        self.layers_ = layers
        self.loss_ = resolve_loss(self.loss)
        self.optimizer_ = SGD(0.01) if self.optimizer is None else copy.deepcopy(self.optimizer)
        self.input_shape_ = tuple(int(s) for s in input_shape)
        self.n_features_in_ = math.prod(self.input_shape_)
        self.n_epochs_ = 0
        self.history_: dict[str, list[float]] = {}
        if isinstance(self.loss_, SoftmaxCrossEntropy):
            self.classes_ = np.arange(shape[-1])
        self._rng = host_rng(self.seed, STREAM_NN_BATCHES)
        return self

    def _check_fitted(self) -> None:
        check_is_fitted(
            self, "layers_", msg="this %(name)s is not fitted yet: call fit or partial_fit first"
        )

    def _check_shape(self, x: np.ndarray, name: str = "X") -> None:
        if tuple(x.shape[1:]) != self.input_shape_:
            features = ""
            if x.ndim == 2 and len(self.input_shape_) == 1:
                features = (
                    f"X has {x.shape[1]} features, but Sequential is expecting "
                    f"{self.input_shape_[0]} features as input: "
                )
            raise InputError(
                f"{features}{name} has per-sample shape {tuple(x.shape[1:])}, but the first "
                f"layer ({self.layers_[0].name}) was built for {self.input_shape_}"
            )

    def parameters(self) -> list[np.ndarray]:
        """Every parameter array of ``layers_``, in layer order."""
        self._check_fitted()
        return [p for layer in self.layers_ for p in layer.params.values()]

    # -- passes ----------------------------------------------------------------------

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """The network's raw output (logits for ``cross_entropy``) for a batch ``x``."""
        for layer in self.layers_:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        """Backpropagate ``dL/d output`` through every layer (fills their ``grads``).

        Returns ``dL/d input`` when the model was built with ``input_grad=True``, else None.
        """
        for layer in reversed(self.layers_):
            grad = layer.backward(grad)
            if grad is None:  # the first layer skips dL/dx
                break
        return grad

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last :meth:`backward`, in the order of :meth:`parameters`."""
        return [g for layer in self.layers_ for g in layer.grads.values()]

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """One optimizer step on the minibatch ``(x, y)``; returns its loss and output.

        Raises
        ------
        LossDiverged
            When the loss is NaN or infinite (no step is taken).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            out = self.forward(x, training=True)
            loss = self.loss_(out, y)
        if not np.isfinite(loss):
            raise LossDiverged(loss)
        self.backward(self.loss_.gradient(out, y))
        self.optimizer_.step(self.parameters(), self.gradients())
        return loss, out

    def _outputs(self, X: object) -> np.ndarray:
        self._check_fitted()
        arr = _check_array("X", X, self._dtype)
        self._check_shape(arr)
        return np.concatenate(
            [self.forward(arr[i : i + _CHUNK]) for i in range(0, len(arr), _CHUNK)]
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions for ``X``: class labels with the cross-entropy loss (the argmax of
        the logits), ``output > 1/2`` as 0/1 with the binary cross-entropy, the outputs
        themselves with the mean squared error; a single output comes as shape ``(n,)``,
        as scikit-learn's regressors give it."""
        out = self._outputs(X)
        if isinstance(self.loss_, SoftmaxCrossEntropy):
            return out.argmax(axis=1)
        if isinstance(self.loss_, BinaryCrossEntropy):
            out = (out > 0.5).astype(np.int64)
        return out.reshape(len(out)) if out.shape[1:] == (1,) else out

    def _gives_probabilities(self) -> bool:
        loss = self.loss_ if hasattr(self, "loss_") else self.loss
        return loss in ("cross_entropy", "binary_cross_entropy") or isinstance(
            loss, (SoftmaxCrossEntropy, BinaryCrossEntropy)
        )

    @available_if(_gives_probabilities)
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities: the softmax of the logits (cross-entropy), the outputs
        (binary cross-entropy, a Sigmoid's probabilities). Only a model with one of these
        losses has this method (``hasattr`` says so, as scikit-learn's meta-estimators
        ask); the squared error gives no probabilities.
        """
        out = self._outputs(X)
        if isinstance(self.loss_, SoftmaxCrossEntropy):
            return SoftmaxCrossEntropy.probabilities(out)
        return out

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Loss and (for classification) accuracy on ``(X, y)``."""
        out = self._outputs(X)
        target = self._targets(np.asarray(y))
        result = {"loss": self.loss_(out, target)}
        accuracy = self._accuracy(out, target)
        if accuracy is not None:
            result["accuracy"] = accuracy
        return result

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy for a classification loss, else the coefficient of determination
        R^2 of the outputs (uniformly averaged over them), as scikit-learn's estimators
        score (higher is better)."""
        if isinstance(resolve_loss(self.loss), (SoftmaxCrossEntropy, BinaryCrossEntropy)):
            accuracy = self.evaluate(X, y).get("accuracy")
            if accuracy is not None:
                return float(accuracy)
        from sklearn.metrics import r2_score

        out = self._outputs(X)
        return float(r2_score(np.asarray(y).reshape(len(out), -1), out.reshape(len(out), -1)))

    def _accuracy(self, out: np.ndarray, y: np.ndarray) -> float | None:
        if isinstance(self.loss_, SoftmaxCrossEntropy) or (
            out.ndim == 2 and out.shape[1] > 1 and y.ndim == 2 and y.shape == out.shape
        ):
            labels = y if y.ndim == 1 else y.argmax(axis=1)
            return float(np.mean(out.argmax(axis=1) == labels))
        if isinstance(self.loss_, BinaryCrossEntropy):
            return float(np.mean((out > 0.5) == (y > 0.5)))
        return None

    # -- training --------------------------------------------------------------------

    def _check_xy(self, X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        if y is None:
            raise InputError("y: Sequential.fit needs targets (labels or arrays)")
        xs = _check_array("X", X, self._dtype)
        ys = np.asarray(y)
        if ys.dtype.kind == "f":
            ys = ys.astype(self._dtype)
        if len(ys) != len(xs):
            raise InputError(f"X and y must have the same length, got {len(xs)} and {len(ys)}")
        if ys.dtype.kind == "f" and not np.isfinite(ys).all():
            raise InputError("y must be finite, found NaN or inf")
        return xs, ys

    def _targets(self, ys: np.ndarray, name: str = "y") -> np.ndarray:
        """Targets in the shape of the outputs: labels (or one-hot rows) for the
        cross-entropy; otherwise the outputs' per-sample shape, a 1-D ``y`` being one
        target per sample for a single output (as scikit-learn's regressors take it)."""
        if isinstance(self.loss_, SoftmaxCrossEntropy):
            return ys
        shape = tuple(self.layers_[-1].output_shape)
        if ys.ndim == 1 and shape == (1,):
            ys = ys.reshape(-1, 1)
        if tuple(ys.shape[1:]) != shape:
            raise InputError(
                f"{name} has per-sample shape {tuple(ys.shape[1:])}, but the last layer "
                f"({self.layers_[-1].name}) gives {shape}"
            )
        return ys if ys.dtype.kind == "f" else ys.astype(self._dtype)

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Sequential:
        """Train for ``n_epochs`` epochs by minibatch gradient descent.

        Parameters
        ----------
        X, y : arrays
            Inputs (samples first) and targets (labels or arrays).
        validation_data : (X_val, y_val), optional
            Scored after every epoch (``val_loss``, ``val_accuracy`` in ``history_``);
            the validation set of early stopping.

        Returns
        -------
        Sequential
            ``self``, fitted.

        Raises
        ------
        LossDiverged
            A ``RuntimeError``, when the loss becomes NaN or infinite (the weights are left
            as they were before the failing step).
        """
        self._check_params()
        xs, ys = self._check_xy(X, y)
        if not (self.warm_start and hasattr(self, "layers_")):
            self.build(self.input_shape if self.input_shape is not None else xs.shape[1:])
        self._check_shape(xs)
        ys = self._targets(ys)
        if self.early_stopping and validation_data is None:
            train, val = validation_split(len(xs), self.validation_fraction, self.seed)
            validation_data = (xs[val], ys[val])
            xs, ys = xs[train], ys[train]
        patience = self.n_iter_no_change if self.early_stopping else None
        self._train(xs, ys, validation_data, self.n_epochs, patience)
        return self

    def partial_fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Sequential:
        """Train one epoch on ``(X, y)``, continuing from the fitted state (built on the
        first call); no early stopping. Returns ``self``."""
        self._check_params()
        xs, ys = self._check_xy(X, y)
        if not hasattr(self, "layers_"):
            self.build(self.input_shape if self.input_shape is not None else xs.shape[1:])
        self._check_shape(xs)
        self._train(xs, self._targets(ys), validation_data, 1, None)
        return self

    def _train(self, xs, ys, validation_data, n_epochs: int, patience: int | None) -> None:
        batch_size = check_int("batch_size", self.batch_size, minimum=1)
        if self.backend == "cuda":
            from isingml.nn.training_cuda import SequentialDeviceStep

            step = SequentialDeviceStep(self.layers_, self.optimizer_, self.loss_, xs, ys)
        else:
            step = _Step(self, xs, ys)
        validate = None
        if validation_data is not None:
            x_val, y_val = validation_data

            def validate() -> dict[str, float]:
                scores = self.evaluate(x_val, y_val)
                return {"val_loss": scores["loss"], "val_accuracy": scores.get("accuracy", np.nan)}

        n = len(xs)

        def batches(epoch: int):
            order = self._rng.permutation(n) if self.shuffle else np.arange(n)
            for start in range(0, n, batch_size):
                yield order[start : start + batch_size]

        keys = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if validate else [])
        for key in keys:
            self.history_.setdefault(key, [])
        train_epochs(self, step, batches, n_epochs, validate, patience)

    # -- persistence -----------------------------------------------------------------

    def describe(self) -> dict:
        """The architecture as plain data (what :meth:`save` writes besides the weights)."""
        self._check_fitted()
        spec = []
        for layer in self.layers_:
            keys = (
                "units",
                "init",
                "alpha",
                "use_bias",
                "filters",
                "kernel_size",
                "stride",
                "padding",
                "pool_size",
            )
            args = {k: v for k, v in vars(layer).items() if k in keys}
            spec.append({"class": layer.name, "args": args})
        return {
            "format": "isingml-sequential-1",
            "layers": spec,
            "input_shape": list(self.input_shape_),
            "loss": type(self.loss_).__name__,
            "seed": self.seed,
            "dtype": np.dtype(self._dtype).name,
        }

    def weights(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Every parameter array by name (``layer{i}_{name}``)."""
        self._check_fitted()
        return {
            f"{prefix}layer{i}_{name}": value
            for i, layer in enumerate(self.layers_)
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
        model = cls(
            layers=layers,
            loss=losses[meta["loss"]](),
            seed=meta["seed"],
            dtype=np.dtype(meta.get("dtype", "float64")).type,
        )
        shape = meta["input_shape"]
        if (
            not isinstance(shape, list)
            or not shape
            or not all(type(d) is int and d >= 1 for d in shape)
        ):
            raise InputError(f"input_shape must be a list of integers >= 1, got {shape!r}")
        model.build(tuple(shape), input_grad=input_grad)
        for i, layer in enumerate(model.layers_):
            for name in layer.params:
                stored = arrays[f"{prefix}layer{i}_{name}"]
                if stored.shape != layer.params[name].shape:
                    raise InputError(f"layer {i} {name} has shape {stored.shape}")
                layer.params[name] = stored.astype(model._dtype)
        return model

    def save(self, path: str | Path) -> Path:
        """Write the architecture and weights through the one persistence helper (atomic,
        checksummed, no pickle): HDF5 when ``path`` ends in ``.h5``/``.hdf5``, else
        ``.npz``. Returns the path written."""
        return save_arrays(path, "Sequential", _FORMAT_VERSION, self.describe(), self.weights())

    @classmethod
    def load(cls, path: str | Path) -> Sequential:
        """Read a model written by :meth:`save`: fitted (``layers_`` hold the weights), the
        optimizer starting afresh; set ``warm_start=True`` (or use ``partial_fit``) to
        train it on."""
        try:
            meta, arrays, _ = load_arrays(path, "Sequential")
            return cls.from_description(meta, arrays)
        except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"path: cannot read a Sequential model from {path} ({exc})") from None
