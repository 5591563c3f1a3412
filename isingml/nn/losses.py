"""Loss functions with their gradients with respect to the network's output."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from isingml.errors import InputError

__all__ = ["BinaryCrossEntropy", "Loss", "MeanSquaredError", "SoftmaxCrossEntropy"]


class Loss(ABC):
    """A loss ``L(y_out, y_known)`` averaged over the batch; :meth:`gradient` returns
    ``dL/dy_out``."""

    @abstractmethod
    def __call__(self, output: np.ndarray, target: np.ndarray) -> float:
        """The loss, averaged over the batch."""

    @abstractmethod
    def gradient(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """``dL/d output``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """Eq. (39): ``L = (1/n) |y_out - y_known|^2`` per sample with ``n`` outputs, averaged
    over the batch (so the mean over all elements); ``dL/dy = 2 (y_out - y_known) / (n B)``.
    """

    def __call__(self, output: np.ndarray, target: np.ndarray) -> float:
        return float(np.mean((output - target) ** 2))

    def gradient(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        return 2.0 * (output - target) / output.size


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of ``softmax(logits)`` against integer labels or one-hot rows, fused:
    ``L = mean_batch [logsumexp(z) - z_label]``, ``dL/dz = (softmax(z) - onehot) / B``.

    The network's last layer gives logits (no Softmax layer); ``predict`` of a model with
    this loss applies the softmax.
    """

    @staticmethod
    def check_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
        """Integer class labels in ``[0, n_classes)``, or an error saying what they hold.

        Parameters
        ----------
        labels : array_like of int, shape (n,)
        n_classes : int

        Returns
        -------
        ndarray of int, shape (n,)
        """
        t = np.asarray(labels)
        if t.ndim != 1 or t.dtype.kind not in "iu" or t.min() < 0 or t.max() >= n_classes:
            shown = f"values in [{t.min()}, {t.max()}]" if t.size else "no labels"
            raise InputError(
                f"labels must be integers in [0, {n_classes}), got {shown} "
                f"(dtype {t.dtype}, shape {t.shape})"
            )
        return t

    @staticmethod
    def _onehot(target: np.ndarray, n_classes: int) -> np.ndarray:
        t = np.asarray(target)
        if t.ndim == 1:
            t = SoftmaxCrossEntropy.check_labels(t, n_classes)
            out = np.zeros((t.size, n_classes))
            out[np.arange(t.size), t] = 1.0
            return out
        return t

    @staticmethod
    def probabilities(logits: np.ndarray) -> np.ndarray:
        """``softmax`` over the last axis, stably."""
        z = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def __call__(self, output: np.ndarray, target: np.ndarray) -> float:
        t = self._onehot(target, output.shape[-1])
        z = output - output.max(axis=-1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=-1))
        return float(np.mean(log_sum - (z * t).sum(axis=-1)))

    def gradient(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        t = self._onehot(target, output.shape[-1])
        return (self.probabilities(output) - t) / output.shape[0]


class BinaryCrossEntropy(Loss):
    """``L = -mean [y log p + (1 - y) log(1 - p)]`` of probabilities ``p`` (a Sigmoid
    output) against targets in [0, 1]; ``dL/dp = (p - y) / (p (1 - p) N)`` with ``N`` the
    number of elements. ``p`` is clipped to ``[eps, 1 - eps]``.
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def __call__(self, output: np.ndarray, target: np.ndarray) -> float:
        p = np.clip(output, self.eps, 1.0 - self.eps)
        return float(-np.mean(target * np.log(p) + (1.0 - target) * np.log(1.0 - p)))

    def gradient(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        p = np.clip(output, self.eps, 1.0 - self.eps)
        return (p - target) / (p * (1.0 - p)) / output.size
