"""The epoch loop of every nn learner, with early stopping and divergence handling.

:func:`run_epochs` is the one training loop of :class:`~isingml.nn.Sequential`,
:class:`~isingml.nn.Autoencoder` and :class:`~isingml.nn.VariationalAutoencoder`, on the
CPU and on the GPU. The model supplies the minibatches of each epoch and an
:class:`EpochStep`, the object that trains on them: the CPU steps live beside their
models, the GPU steps in :mod:`isingml.nn.training_cuda` (imported lazily, only when
``backend="cuda"``). The loop owns what is the same everywhere: the per-epoch history, the
validation after each epoch, early stopping on the validation loss (the best parameters
are restored) and :class:`LossDiverged`, which names the epoch and the samples of the
failing step.

This module imports no model, so that the models and the GPU steps can both import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np

from isingml._backend import check_backend
from isingml._progress import progress_bar
from isingml._validation import check_int
from isingml.errors import InputError
from isingml.random import STREAM_VALIDATION_SPLIT, host_rng, validate_seed

__all__ = [
    "CPUStep",
    "EarlyStopping",
    "EpochStep",
    "LossDiverged",
    "check_dtype",
    "check_training_params",
    "run_epochs",
    "samples",
    "train_epochs",
    "validation_split",
]


class LossDiverged(RuntimeError):
    """The training loss became NaN or infinite (no step was taken with it).

    Parameters
    ----------
    loss : float
        The loss that was not finite.
    where : str
        Where it happened (``"epoch 3, samples 16-23"``), empty when unknown.
    """

    def __init__(self, loss: float, where: str = "") -> None:
        self.loss = loss
        self.where = where
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


class EpochStep(Protocol):
    """What trains a model on one epoch's minibatches: the CPU's or a device's.

    The loop calls :meth:`begin_epoch`, then :meth:`step` with every minibatch of the
    epoch (whatever the model's minibatch source yields: row indices or arrays), then
    :meth:`end_epoch`; :meth:`sync_to_host` before the host reads the parameters (the
    validation, early stopping, the end of training).
    """

    def begin_epoch(self, epoch: int) -> None:
        """Start epoch ``epoch`` (counted from 0 over the model's whole training)."""

    def step(self, batch: Any) -> None:
        """One optimizer step on ``batch``; may raise :class:`LossDiverged` (no step is
        then taken), with ``where`` naming the samples."""

    def end_epoch(self) -> dict[str, float]:
        """The epoch's training metrics (running means over its minibatches); raises
        :class:`LossDiverged` for a divergence found only now (a device reports the first
        failing step, whose parameters and optimizer state are those before it)."""

    def sync_to_host(self) -> None:
        """Make the host's parameter and optimizer arrays current (a no-op on the CPU)."""


class CPUStep:
    """An :class:`EpochStep` that does nothing at the epoch's edges (the CPU's steps
    subclass it and define :meth:`step` and :meth:`end_epoch`)."""

    def begin_epoch(self, epoch: int) -> None:
        """Start epoch ``epoch``."""

    def sync_to_host(self) -> None:
        """Nothing to copy: the parameters are the host's."""


def samples(start: int, n: int) -> str:
    """``"samples a-b"``: the ``n`` samples from the ``start``-th of the epoch."""
    return f"samples {start}-{start + n - 1}"


def run_epochs(
    step: EpochStep,
    batches: Callable[[int], Iterable[Any]],
    n_epochs: int,
    *,
    history: dict[str, list[float]],
    parameters: Callable[[], list[np.ndarray]],
    first_epoch: int = 0,
    validate: Callable[[], dict[str, float]] | None = None,
    patience: int | None = None,
    progress: bool = False,
) -> int:
    """Train for ``n_epochs`` epochs (fewer when early stopping ends it).

    Parameters
    ----------
    step : EpochStep
        Trains on the minibatches.
    batches : callable
        ``batches(epoch)``: the minibatches of epoch ``epoch`` (drawn lazily, as they are
        iterated).
    n_epochs : int
    history : dict of str to list of float
        Appended to: the metrics of :meth:`EpochStep.end_epoch`, then those of
        ``validate``.
    parameters : callable
        The model's parameter arrays on the host (for early stopping).
    first_epoch : int
        The number of epochs the model was trained before (the epochs are counted on
        from it: the learning-rate schedule, the per-epoch seeds, the messages).
    validate : callable, optional
        Scores the model after each epoch; returns at least ``"val_loss"``.
    patience : int, optional
        Early stopping: stop when ``val_loss`` has not improved for this many epochs and
        restore the best parameters (needs ``validate``).
    progress : bool
        A progress bar over epochs.

    Returns
    -------
    int
        The epochs completed.

    Raises
    ------
    LossDiverged
        When a step's loss is NaN or infinite; the parameters are those before that step.
    """
    stopping = EarlyStopping(patience if validate is not None else None)
    done = 0
    try:
        for i in progress_bar(range(n_epochs), progress=progress, unit="epoch"):
            epoch = first_epoch + i
            step.begin_epoch(epoch)
            try:
                for batch in batches(epoch):
                    step.step(batch)
                metrics = step.end_epoch()
            except LossDiverged as exc:
                where = f"epoch {epoch + 1}" + (f", {exc.where}" if exc.where else "")
                raise LossDiverged(exc.loss, where) from None
            done += 1
            for key, value in metrics.items():
                history.setdefault(key, []).append(value)
            if validate is not None:
                step.sync_to_host()
                scores = validate()
                for key, value in scores.items():
                    history.setdefault(key, []).append(value)
                if stopping.stop(scores["val_loss"], parameters()):
                    break
    finally:
        step.sync_to_host()
    stopping.restore(parameters())
    return done


def train_epochs(
    model: Any,
    step: EpochStep,
    batches: Callable[[int], Iterable[Any]],
    n_epochs: int,
    validate: Callable[[], dict[str, float]] | None,
    patience: int | None,
) -> None:
    """:func:`run_epochs` on a network's fitted state: its ``history_`` is appended to and
    its ``n_epochs_`` counts on, also when the loss diverges (the epochs completed).

    Parameters
    ----------
    model : Sequential or Autoencoder
        Has ``history_`` (with ``"loss"``), ``n_epochs_``, ``parameters()``, ``progress``.
    step, batches, n_epochs, validate, patience
        As in :func:`run_epochs`.
    """
    try:
        model.n_epochs_ += run_epochs(
            step,
            batches,
            n_epochs,
            history=model.history_,
            parameters=model.parameters,
            first_epoch=model.n_epochs_,
            validate=validate,
            patience=patience,
            progress=model.progress,
        )
    except LossDiverged:
        model.n_epochs_ = len(model.history_["loss"])
        raise


def validation_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation row indices: ``fraction`` of ``n`` rows, seeded, held out.

    Raises
    ------
    ValueError
        When either part would be empty.
    """
    n_val = round(fraction * n)
    if n_val < 1 or n_val >= n:
        raise InputError(
            f"validation_fraction {fraction} of {n} samples leaves an empty training or "
            "validation set; pass validation_data or change validation_fraction"
        )
    order = host_rng(seed, STREAM_VALIDATION_SPLIT).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def check_dtype(dtype: object) -> type:
    """``dtype`` as ``np.float32`` or ``np.float64``; anything else is refused."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise InputError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt.type


def check_training_params(model: object) -> None:
    """Check the training hyperparameters that every nn learner shares (at ``fit``):
    ``n_epochs``, ``batch_size``, ``shuffle``, ``early_stopping``, ``validation_fraction``,
    ``n_iter_no_change``, ``warm_start``, ``seed``, ``dtype``, ``progress``, ``backend``."""
    check_int("n_epochs", model.n_epochs, minimum=0)
    check_int("batch_size", model.batch_size, minimum=1)
    check_int("n_iter_no_change", model.n_iter_no_change, minimum=1)
    for name in ("shuffle", "early_stopping", "warm_start", "progress"):
        if not isinstance(getattr(model, name), (bool, np.bool_)):
            raise InputError(f"{name} must be True or False, got {getattr(model, name)!r}")
    fraction = model.validation_fraction
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)):
        raise InputError(f"validation_fraction must be a number in (0, 1), got {fraction!r}")
    if not 0.0 < float(fraction) < 1.0:
        raise InputError(f"validation_fraction must be in (0, 1), got {fraction}")
    validate_seed(model.seed)
    check_dtype(model.dtype)
    check_backend(model.backend)
