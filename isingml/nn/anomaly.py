"""Anomaly detection by reconstruction loss, and the ROC curve to judge it.

An autoencoder trained on normal data reconstructs normal data well and anything else
badly (the primer's Section VII): a threshold on the reconstruction loss, set at a chosen
quantile of the losses of normal data, flags anomalies.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted

from isingml.errors import InputError, InputTypeError
from isingml.nn.autoencoder import Autoencoder

__all__ = ["AnomalyDetector", "roc_auc", "roc_curve"]


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Flags samples whose reconstruction loss exceeds a quantile of normal data's.

    A scikit-learn outlier detector: :meth:`score_samples` is minus the reconstruction
    loss (lower is more anomalous), :meth:`decision_function` is negative for anomalies,
    :meth:`predict` gives -1 for anomalies and +1 for normal samples.

    Parameters
    ----------
    autoencoder : Autoencoder, optional
        The model (default ``Autoencoder()``): :meth:`fit` trains a clone of it on normal
        data; :meth:`fit_threshold` uses it as it is, already trained.
    quantile : float
        In (0, 1): the share of normal samples that the threshold keeps below it (so about
        ``1 - quantile`` of normal data is flagged).

    Attributes
    ----------
    autoencoder_ : Autoencoder
        The trained autoencoder.
    threshold_ : float
        The reconstruction loss above which a sample is anomalous.
    offset_ : float
        ``-threshold_``: :meth:`decision_function` is ``score_samples - offset_``.
    n_features_in_ : int
        Values per sample (those of ``autoencoder_``).
    """

    def __init__(self, *, autoencoder: Autoencoder | None = None, quantile: float = 0.99) -> None:
        self.autoencoder = autoencoder
        self.quantile = quantile

    def _check_params(self) -> None:
        if self.autoencoder is not None and not isinstance(self.autoencoder, Autoencoder):
            raise InputTypeError(
                f"autoencoder must be an isingml Autoencoder, got {self.autoencoder!r}"
            )
        quantile = float(self.quantile)
        if not 0.0 < quantile < 1.0:
            raise InputError(f"quantile must be in (0, 1), got {quantile}")

    def fit(self, X: np.ndarray, y: None = None) -> AnomalyDetector:
        """Train a clone of ``autoencoder`` on the normal data ``X`` (its own
        hyperparameters: ``n_epochs``, ``batch_size``, ...), then set the threshold on
        ``X``. Returns ``self``."""
        self._check_params()
        model = Autoencoder() if self.autoencoder is None else clone(self.autoencoder)
        self.autoencoder_ = model.fit(X)
        return self._set_threshold(X)

    def fit_threshold(self, X: np.ndarray, y: None = None) -> AnomalyDetector:
        """Set the threshold at :attr:`quantile` of the reconstruction losses of ``X``
        with the already trained ``autoencoder`` (best on normal data held out of its
        training). Returns ``self``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            When ``autoencoder`` is not fitted.
        """
        self._check_params()
        if self.autoencoder is None:
            raise InputError("autoencoder: fit_threshold needs a trained autoencoder")
        check_is_fitted(self.autoencoder, "encoder_")
        self.autoencoder_ = self.autoencoder
        return self._set_threshold(X)

    def _set_threshold(self, X: np.ndarray) -> AnomalyDetector:
        self.n_features_in_ = self.autoencoder_.n_features_in_
        losses = -self.autoencoder_.score_samples(X)
        self.threshold_ = float(np.quantile(losses, float(self.quantile)))
        self.offset_ = -self.threshold_
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Minus the reconstruction loss of each sample, shape ``(n,)`` (lower is more
        anomalous)."""
        check_is_fitted(self, "threshold_")
        return self.autoencoder_.score_samples(X).astype(np.float64)  # exact widening

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """``threshold_ - reconstruction loss``: negative for the samples flagged."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """-1 for the samples whose reconstruction loss exceeds the threshold, +1 for the
        others."""
        return np.where(self.decision_function(X) < 0, -1, 1)


def _check_scores(scores: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if s.size != y.size:
        raise InputError(f"scores and labels must have the same length, got {s.size} and {y.size}")
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
