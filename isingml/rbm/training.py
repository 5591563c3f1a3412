"""What an RBM's training step is made of: its state, its settings and its protocol.

:meth:`isingml.rbm.RBM.fit` has one epoch loop, on the CPU and on the GPU; only the object
that makes the parameter updates is swapped. That object is an :class:`UpdateStep`: the
CPU's lives beside the model (:mod:`isingml.rbm.model`), the GPU's is
:class:`isingml.rbm.training_cuda.DeviceStep` (imported lazily, only for
``backend="cuda"``). A step is made from plain data and touches nothing else:

- the parameter arrays ``(W, b_v, b_h)`` (the model's ``components_``,
  ``intercept_visible_``, ``intercept_hidden_``), updated in place;
- a :class:`TrainingState`, everything else that training carries from one update to the
  next (momentum buffers, persistent chains, Philox draw counter, update counter), which
  the model owns (``RBM.training_state_``) and hands to the step;
- an :class:`UpdateConfig`, the hyperparameters of one update;
- the training data, whose rows the steps are given by index.

The loop checks after every epoch that the parameters are finite and raises
:class:`TrainingDiverged` when they are not.

This module imports no model, so that the model and the GPU step can both import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "PARAMETER_NAMES",
    "TrainingDiverged",
    "TrainingState",
    "UpdateConfig",
    "UpdateStep",
    "check_parameters_finite",
]

#: The model's attributes holding ``(W, b_v, b_h)``, in the order the steps take them.
PARAMETER_NAMES = ("components_", "intercept_visible_", "intercept_hidden_")


@dataclass(eq=False)
class TrainingState:
    """The state of training besides the parameters: what the next update continues from.

    The model owns one (``RBM.training_state_``), :meth:`~isingml.rbm.RBM.save` writes it
    and :meth:`~isingml.rbm.RBM.load` reads it back, so that training resumes with the
    same bits. A step reads it when it is made and leaves it current after each
    :meth:`UpdateStep.sync_to_host`.

    Attributes
    ----------
    chains : ndarray, shape (n_chains, n_visible)
        Visible states of the persistent chains (PCD; the model's ``chains_``).
    chain_hidden : ndarray, shape (n_chains, n_hidden)
        Their hidden states, carried between updates as Tieleman's PCD does.
    velocity : tuple of ndarray
        Momentum buffers of ``(W, b_v, b_h)``, updated in place.
    draw : int
        The next Philox draw of the training stream (each update takes ``k + 1``).
    n_updates : int
        Parameter updates made so far (the model's ``n_updates_``).
    """

    chains: np.ndarray
    chain_hidden: np.ndarray
    velocity: tuple[np.ndarray, np.ndarray, np.ndarray]
    draw: int = 0
    n_updates: int = 0


@dataclass(frozen=True)
class UpdateConfig:
    """The hyperparameters of one CD-k or PCD update, as a step needs them.

    Attributes
    ----------
    method : {"cd", "pcd", "exact"}
        "exact" only on the CPU.
    k : int
        Gibbs steps per update.
    spin : bool
        Units ``{-1, +1}`` (else ``{0, 1}``).
    seed, stream : int
        Philox key and stream of the training draws.
    learning_rate, momentum, weight_decay : float
        The step size (multiplied by the schedule's factor of each step), the momentum and
        the L2 penalty on ``W``.
    """

    method: str
    k: int
    spin: bool
    seed: int
    stream: int
    learning_rate: float
    momentum: float
    weight_decay: float


@runtime_checkable
class UpdateStep(Protocol):
    """What makes an RBM's parameter updates: the CPU's or a device's.

    A step is made with the parameter arrays, a :class:`TrainingState`, an
    :class:`UpdateConfig` and the training data. The loop calls :meth:`step` with the row
    indices of every minibatch, and :meth:`sync_to_host` before the host reads the
    parameters or the state (the per-epoch history, the divergence check, the end).
    """

    def step(self, rows: np.ndarray, factor: float) -> None:
        """One update on the data rows ``rows``, with the learning rate times ``factor``
        (the schedule's factor of the epoch)."""

    def sync_to_host(self) -> None:
        """Make the host's parameter arrays and training state current (a no-op on the
        CPU)."""


class TrainingDiverged(RuntimeError):
    """The RBM's parameters became NaN or infinite during training.

    Parameters
    ----------
    learning_rate : float
        The learning rate of the training that diverged.
    where : str
        When it was found (``"epoch 3"``, ``"update 12"``).
    names : sequence of str
        The parameters that are not finite.
    """

    def __init__(self, learning_rate: float, where: str, names: Sequence[str]) -> None:
        self.learning_rate = learning_rate
        self.where = where
        self.names = tuple(names)
        super().__init__(
            f"RBM training diverged at {where}: {', '.join(self.names)} not finite (NaN or "
            f"inf); lower the learning rate (learning_rate={learning_rate})"
        )


def check_parameters_finite(
    parameters: Sequence[np.ndarray], learning_rate: float, where: str
) -> None:
    """Raise :class:`TrainingDiverged` unless every array of ``(W, b_v, b_h)`` is finite."""
    bad = [
        name
        for name, p in zip(PARAMETER_NAMES, parameters, strict=True)
        if not np.isfinite(p).all()
    ]
    if bad:
        raise TrainingDiverged(learning_rate, where, bad)
