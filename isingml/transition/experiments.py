"""Autoencoders at work on Ising configurations: anomaly detection across the transition,
and denoising of configurations with flipped spins.

Both take an isingml dataset, hold out part of the configurations, and report what the
autoencoder does on data it has not seen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from isingml._validation import check_int
from isingml.data.reader import Dataset, open_dataset
from isingml.errors import InputError
from isingml.nn.anomaly import AnomalyDetector, roc_auc, roc_curve
from isingml.nn.autoencoder import Autoencoder
from isingml.random import STREAM_DENOISE_FLIPS, STREAM_HOLDOUT_SPLIT, host_rng

__all__ = ["AnomalyResult", "DenoisingResult", "anomaly_experiment", "denoising_experiment"]


def _temperatures(ds: Dataset, keep: np.ndarray, what: str) -> list[float]:
    chosen = [float(t) for t in ds.temperatures[keep]]
    if not chosen:
        raise InputError(
            f"{what}: no temperature of {ds.path} qualifies (it has "
            f"{np.round(ds.temperatures, 4).tolist()})"
        )
    return chosen


def _split(n: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if not 0.0 < holdout < 1.0:
        raise InputError(f"holdout must be in (0, 1), got {holdout}")
    order = host_rng(seed, STREAM_HOLDOUT_SPLIT).permutation(n)
    cut = n - max(2, round(holdout * n))
    if cut < 1:
        raise InputError(f"{n} configurations are too few to hold out {holdout:.0%}")
    return order[:cut], order[cut:]


def _open(data: str | os.PathLike | Dataset) -> tuple[Dataset, Dataset | None]:
    if isinstance(data, Dataset):
        return data, None
    ds = open_dataset(data)
    return ds, ds


@dataclass
class AnomalyResult:
    """Normal = ordered configurations, anomalous = disordered ones.

    Attributes
    ----------
    auc : float
        ROC AUC of the reconstruction loss, held-out normal vs anomalous configurations.
    threshold : float
        At ``quantile`` of the losses of held-out normal configurations (a calibration
        half, disjoint from the test half).
    detection_rate, false_alarm_rate : float
        Shares of anomalous and of normal test configurations above the threshold.
    fpr, tpr : ndarray
        The ROC curve.
    """

    size: int
    normal_below: float
    anomalous_above: float
    quantile: float
    auc: float
    threshold: float
    detection_rate: float
    false_alarm_rate: float
    fpr: np.ndarray
    tpr: np.ndarray
    n_train: int
    n_normal_test: int
    n_anomalous: int
    history: dict[str, list[float]] = field(default_factory=dict)


def anomaly_experiment(
    data: str | os.PathLike | Dataset,
    size: int,
    normal_below: float = 2.0,
    anomalous_above: float = 3.0,
    quantile: float = 0.99,
    epochs: int = 10,
    batch_size: int = 128,
    autoencoder_options: dict | None = None,
    holdout: float = 0.2,
    seed: int = 0,
) -> AnomalyResult:
    """Train on configurations with ``T < normal_below`` only; flag ``T > anomalous_above``.

    Parameters
    ----------
    data : path or Dataset
    size : int
        Lattice side.
    normal_below, anomalous_above : float
        Temperature limits of the normal (training) and the anomalous configurations.
    quantile : float
        Of the threshold (see :class:`~isingml.nn.anomaly.AnomalyDetector`).
    epochs, batch_size : int
    autoencoder_options : dict, optional
        Hyperparameters of :class:`~isingml.nn.autoencoder.Autoencoder` (its defaults
        otherwise); ``n_epochs``, ``batch_size`` and ``seed`` come from the arguments here.
    holdout : float
        Share of the normal configurations kept out of training (half calibrates the
        threshold, half tests).
    seed : int
    """
    if not normal_below <= anomalous_above:
        raise InputError(
            f"normal_below ({normal_below}) must not exceed anomalous_above "
            f"({anomalous_above}): the anomalous configurations would overlap the normal ones"
        )
    ds, owned = _open(data)
    try:
        normal_t = _temperatures(ds, ds.temperatures < normal_below, "normal_below")
        odd_t = _temperatures(ds, ds.temperatures > anomalous_above, "anomalous_above")
        normal = ds.spins(size, normal_t, dtype=np.float32)
        anomalous = ds.spins(size, odd_t, dtype=np.float32)
    finally:
        if owned is not None:
            owned.close()
    train, rest = _split(len(normal), holdout, seed)
    calibrate, test = rest[: len(rest) // 2], rest[len(rest) // 2 :]
    options = {
        **(autoencoder_options or {}),
        "n_epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
    }
    model = Autoencoder(**options).fit(normal[train])
    history = model.history_
    detector = AnomalyDetector(autoencoder=model, quantile=quantile).fit_threshold(
        normal[calibrate]
    )
    # The anomaly score: the reconstruction loss (higher is more anomalous).
    scores = -np.concatenate(
        [detector.score_samples(normal[test]), detector.score_samples(anomalous)]
    )
    labels = np.r_[np.zeros(len(test), bool), np.ones(len(anomalous), bool)]
    fpr, tpr, _ = roc_curve(scores, labels)
    flagged = scores > detector.threshold_
    return AnomalyResult(
        size,
        float(normal_below),
        float(anomalous_above),
        float(quantile),
        roc_auc(scores, labels),
        detector.threshold_,
        float(flagged[labels].mean()),
        float(flagged[~labels].mean()),
        fpr,
        tpr,
        len(train),
        len(test),
        len(anomalous),
        history,
    )


@dataclass
class DenoisingResult:
    """Per temperature, the share of spins that differ from the clean configuration.

    Attributes
    ----------
    temperatures : ndarray
    wrong_before : ndarray
        In the corrupted inputs (about ``flip``).
    wrong_after : ndarray
        In the denoised outputs.
    """

    size: int
    flip: float
    temperatures: np.ndarray
    wrong_before: np.ndarray
    wrong_after: np.ndarray
    n_train: int
    history: dict[str, list[float]] = field(default_factory=dict)

    @property
    def reduction(self) -> np.ndarray:
        """``wrong_before / wrong_after`` per temperature."""
        return self.wrong_before / np.maximum(self.wrong_after, 1e-300)


def denoising_experiment(
    data: str | os.PathLike | Dataset,
    size: int,
    flip: float = 0.1,
    max_temperature: float = 2.0,
    epochs: int = 10,
    batch_size: int = 128,
    autoencoder_options: dict | None = None,
    holdout: float = 0.2,
    seed: int = 0,
) -> DenoisingResult:
    """Train a denoising autoencoder (inputs with ``flip`` of their spins flipped, targets
    clean) on configurations with ``T <= max_temperature``; measure it on held-out ones.

    Parameters
    ----------
    data : path or Dataset
    size : int
    flip : float
        Probability of flipping each spin, in training and in the test.
    max_temperature : float
    epochs, batch_size : int
    autoencoder_options : dict, optional
        Hyperparameters of :class:`~isingml.nn.autoencoder.Autoencoder` besides
        ``corruption``, ``n_epochs``, ``batch_size`` and ``seed`` (set from the arguments).
    holdout : float
        Share of the configurations kept out of training for the measurement.
    seed : int
    """
    size = check_int("size", size, minimum=2)
    ds, owned = _open(data)
    try:
        wanted = ds.temperatures <= max_temperature
        temps = _temperatures(ds, wanted, "max_temperature")
        spins = ds.spins(size, temps, dtype=np.float32)  # in file order, like the column
        index = ds.column(size, "temperature_index")
        t_of = ds.temperatures[index[np.isin(index, np.flatnonzero(wanted))]]
    finally:
        if owned is not None:
            owned.close()
    train, test = _split(len(spins), holdout, seed)
    options = {
        **(autoencoder_options or {}),
        "corruption": flip,
        "n_epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
    }
    model = Autoencoder(**options).fit(spins[train])
    history = model.history_
    clean = spins[test]
    rng = host_rng(seed, STREAM_DENOISE_FLIPS)
    noisy = np.where(rng.random(clean.shape) < flip, -clean, clean)
    restored = model.denoise(noisy)
    axes = tuple(range(1, clean.ndim))
    before, after = np.mean(noisy != clean, axis=axes), np.mean(restored != clean, axis=axes)
    t_test = t_of[test]
    levels = np.unique(t_test)
    return DenoisingResult(
        size,
        float(flip),
        levels,
        np.array([before[t_test == t].mean() for t in levels]),
        np.array([after[t_test == t].mean() for t in levels]),
        len(train),
        history,
    )
