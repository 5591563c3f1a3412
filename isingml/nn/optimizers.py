"""Optimizers and learning-rate schedules (the primer's "Nuances of Training").

An optimizer updates every parameter array in place from its gradient; plain gradient
descent, minibatch SGD and per-sample SGD are the same rule with a batch size of the
whole set, ``B``, or 1 (:meth:`isingml.nn.Sequential.fit` chooses).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from isingml.errors import InputError, InputTypeError

__all__ = ["SGD", "Adam", "Optimizer", "schedule"]


class Optimizer:
    """Base class: ``learning_rate`` times a per-epoch schedule factor."""

    def __init__(self, learning_rate: float, schedule: Callable[[int], float] | None = None):
        if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
            raise InputError(f"learning_rate must be a number > 0, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.schedule = schedule
        self.epoch = 0

    @property
    def rate(self) -> float:
        """The learning rate of the current epoch."""
        factor = 1.0 if self.schedule is None else float(self.schedule(self.epoch))
        if not math.isfinite(factor) or factor < 0:
            raise InputError(f"schedule({self.epoch}) must be finite and >= 0, got {factor}")
        return self.learning_rate * factor

    def get_state(self) -> dict:
        """The optimizer's state besides its hyperparameters (moment buffers by parameter
        index, step count), for a device to continue from (:meth:`set_state`)."""
        return {}

    def set_state(self, state: dict) -> None:
        """Continue from ``state`` (as :meth:`get_state` returns it)."""

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update ``params`` in place."""
        raise InputTypeError(f"{type(self).__name__} does not define step")  # pragma: no cover


class SGD(Optimizer):
    """Gradient descent with optional (heavy-ball) momentum:
    ``v = mu v - eta g``, ``p += v``.
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        schedule: Callable[[int], float] | None = None,
    ) -> None:
        super().__init__(learning_rate, schedule)
        if not 0.0 <= momentum < 1.0:
            raise InputError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self._velocity: dict[int, np.ndarray] = {}

    def get_state(self) -> dict:
        """``{"velocity": {index: array}}`` (empty before the first step)."""
        return {"velocity": self._velocity}

    def set_state(self, state: dict) -> None:
        """Continue from ``{"velocity": {index: array}}``."""
        self._velocity = dict(state["velocity"])

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        rate = self.rate
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if self.momentum:
                v = self._velocity.setdefault(i, np.zeros_like(p))
                v *= self.momentum
                v -= rate * g
                p += v
            else:
                g *= rate  # the layer's fresh gradient array, used once
                p -= g


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015) with bias-corrected first and second moments."""

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        schedule: Callable[[int], float] | None = None,
    ) -> None:
        super().__init__(learning_rate, schedule)
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise InputError(f"beta1 and beta2 must be in [0, 1), got {beta1}, {beta2}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._m: dict[int, np.ndarray] = {}
        self._v: dict[int, np.ndarray] = {}
        self._buffers: dict[np.dtype, np.ndarray] = {}
        self._t = 0

    def get_state(self) -> dict:
        """``{"m": {index: array}, "v": {index: array}, "t": steps taken}``."""
        return {"m": self._m, "v": self._v, "t": self._t}

    def set_state(self, state: dict) -> None:
        """Continue from ``{"m": ..., "v": ..., "t": ...}``."""
        self._m, self._v, self._t = dict(state["m"]), dict(state["v"]), int(state["t"])

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self._t += 1
        rate = self.rate
        c1 = 1.0 - self.beta1**self._t
        c2 = 1.0 - self.beta2**self._t
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            m = self._m.setdefault(i, np.zeros_like(p))
            v = self._v.setdefault(i, np.zeros_like(p))
            # In place, through one scratch buffer: no temporaries of the parameters' size.
            tmp = self._scratch(p)
            m *= self.beta1
            np.multiply(g, 1.0 - self.beta1, out=tmp)
            m += tmp
            v *= self.beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - self.beta2
            v += tmp
            np.multiply(v, 1.0 / c2, out=tmp)
            np.sqrt(tmp, out=tmp)
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= rate / c1
            p -= tmp

    def _scratch(self, p: np.ndarray) -> np.ndarray:
        buffer = self._buffers.get(p.dtype)
        if buffer is None or buffer.size < p.size:
            buffer = self._buffers[p.dtype] = np.empty(p.size, dtype=p.dtype)
        return buffer[: p.size].reshape(p.shape)


def schedule(kind: str, **options: float) -> Callable[[int], float]:
    """A learning-rate factor per epoch.

    Parameters
    ----------
    kind : {"step", "exponential", "cosine"}
        ``step``: multiply by ``gamma`` every ``every`` epochs; ``exponential``:
        ``gamma ** epoch``; ``cosine``: ``(1 + cos(pi epoch / epochs)) / 2``.
    **options
        ``gamma`` and ``every`` (step), ``gamma`` (exponential), ``epochs`` (cosine).

    Returns
    -------
    callable
        ``factor(epoch)``.
    """
    if kind == "step":
        gamma, every = float(options.get("gamma", 0.1)), int(options.get("every", 10))
        if every < 1:
            raise InputError(f"every must be >= 1, got {every}")
        return lambda epoch: gamma ** (epoch // every)
    if kind == "exponential":
        gamma = float(options.get("gamma", 0.95))
        return lambda epoch: gamma**epoch
    if kind == "cosine":
        epochs = int(options.get("epochs", 10))
        if epochs < 1:
            raise InputError(f"epochs must be >= 1, got {epochs}")
        return lambda epoch: 0.5 * (1.0 + math.cos(math.pi * min(epoch, epochs) / epochs))
    raise InputError(f"kind must be 'step', 'exponential' or 'cosine', got {kind!r}")
