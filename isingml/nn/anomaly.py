"""Anomaly detection by reconstruction loss, and the ROC curve to judge it.

An autoencoder trained on normal data reconstructs normal data well and anything else
badly (the primer's Section VII): a threshold on the reconstruction loss, set at a chosen
quantile of the losses of normal data, flags anomalies.
"""

from __future__ import annotations

import numpy as np

from isingml.errors import InputError, InputTypeError
from isingml.nn.autoencoder import Autoencoder

__all__ = ["AnomalyDetector", "roc_auc", "roc_curve"]


class AnomalyDetector:
    """Flags samples whose reconstruction loss exceeds a quantile of normal data's.

    Parameters
    ----------
    autoencoder : Autoencoder
        Trained on normal data (or trained by :meth:`fit`).
    quantile : float
        In (0, 1): the share of normal samples that the threshold keeps below it (so about
        ``1 - quantile`` of normal data is flagged).

    Attributes
    ----------
    threshold_ : float
        Set by :meth:`fit` or :meth:`fit_threshold`.
    """

    def __init__(self, autoencoder: Autoencoder, quantile: float = 0.99) -> None:
        if not isinstance(autoencoder, Autoencoder):
            raise InputTypeError(
                f"autoencoder must be an isingml Autoencoder, got {autoencoder!r}"
            )
        quantile = float(quantile)
        if not 0.0 < quantile < 1.0:
            raise InputError(f"quantile must be in (0, 1), got {quantile}")
        self.autoencoder = autoencoder
        self.quantile = quantile
        self.threshold_: float | None = None

    def fit(self, x_normal: np.ndarray, **fit_options: object) -> AnomalyDetector:
        """Train the autoencoder on normal data, then set the threshold on it.

        ``fit_options`` go to :meth:`Autoencoder.fit` (``epochs``, ``batch_size``, ...).
        """
        self.autoencoder.fit(x_normal, **fit_options)
        return self.fit_threshold(x_normal)

    def fit_threshold(self, x_normal: np.ndarray) -> AnomalyDetector:
        """Set the threshold at :attr:`quantile` of the reconstruction losses of
        ``x_normal`` (best on normal data held out of training)."""
        self.threshold_ = float(np.quantile(self.score(x_normal), self.quantile))
        return self

    def score(self, x: np.ndarray) -> np.ndarray:
        """The anomaly score of each sample: its reconstruction loss, shape ``(n,)``."""
        return self.autoencoder.reconstruction_error(x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """``True`` for the samples whose score exceeds the threshold."""
        if self.threshold_ is None:
            raise RuntimeError("the threshold is not set yet: call fit or fit_threshold")
        return self.score(x) > self.threshold_


def _check_scores(scores: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if s.size != y.size:
        raise InputError(f"scores and labels must have the same length, got {s.size} and "
                         f"{y.size}")  # fmt: skip
    if not np.isfinite(s).all():
        raise InputError("scores must be finite, found NaN or inf")
    if not np.isin(y, (0, 1)).all():
        raise InputError("labels must be 0 (normal) or 1 (anomalous) (or booleans)")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise InputError("labels must contain both normal (0) and anomalous (1) samples")
    return s, y


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False- and true-positive rates of ``score > threshold`` over every threshold.

    Parameters
    ----------
    scores : array (n,)
        Higher means more anomalous.
    labels : array (n,)
        1 (or True) for anomalous samples.

    Returns
    -------
    fpr, tpr, thresholds : ndarray
        From ``(0, 0)`` at threshold ``+inf`` to ``(1, 1)``; one point per distinct score.
    """
    s, y = _check_scores(scores, labels)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # the end of each run of ties
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    tpr = np.r_[0.0, tp / y.sum()]
    fpr = np.r_[0.0, fp / (~y).sum()]
    return fpr, tpr, np.r_[np.inf, s[last]]


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The area under the ROC curve: the probability that an anomalous sample scores above
    a normal one (ties count one half), from the Mann-Whitney U statistic."""
    s, y = _check_scores(scores, labels)
    order = np.argsort(s, kind="stable")
    ranks = np.empty(s.size)
    sorted_s = s[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], s.size]
    average = 0.5 * (starts + ends - 1) + 1.0  # the mean rank (1-based) of each tie group
    ranks[order] = np.repeat(average, ends - starts)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))
