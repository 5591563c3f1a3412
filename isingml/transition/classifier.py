"""Finding the Ising phase transition with a classifier (Carrasquilla and Melko 2017).

A network is trained on spin configurations from an isingml dataset, labelled ordered or
disordered by whether their temperature is below a guess of T_c (Onsager's by default);
applied to held-out configurations at every temperature, its mean output for "ordered"
falls from 1 to 0, and the temperature where it crosses 1/2 is its estimate of T_c.
Configurations are flipped globally at random (the Z2 symmetry) so that the network cannot
learn the sign of the magnetization.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from isingml.data import open_dataset
from isingml.errors import InputError
from isingml.ising.exact import T_C
from isingml.nn.layers import Dense, Flatten, ReLU
from isingml.nn.model import Sequential
from isingml.nn.optimizers import Adam
from isingml.random import STREAM_CLASSIFIER_SPLIT, host_rng, validate_seed

__all__ = ["PhaseClassifierResult", "crossing_temperature", "phase_classifier"]


def crossing_temperature(temperatures: np.ndarray, ordered: np.ndarray) -> float:
    """Where ``ordered`` (decreasing with T) first crosses 1/2, by linear interpolation."""
    below = np.nonzero(ordered < 0.5)[0]
    if below.size == 0 or below[0] == 0:
        return float("nan")
    k = below[0]
    t0, t1 = temperatures[k - 1], temperatures[k]
    m0, m1 = ordered[k - 1], ordered[k]
    return float(t0 + (m0 - 0.5) * (t1 - t0) / (m0 - m1))


@dataclass
class PhaseClassifierResult:
    """Mean P(ordered) on held-out configurations per temperature, and the T_c estimate."""

    L: int
    temperatures: np.ndarray
    ordered: np.ndarray
    ordered_error: np.ndarray
    t_c: float
    test_accuracy: float
    label_temperature: float
    model: Sequential = field(repr=False)


def phase_classifier(
    dataset: str,
    size: int,
    label_temperature: float = T_C,
    hidden: int = 64,
    epochs: int = 15,
    batch_size: int = 64,
    test_fraction: float = 0.25,
    seed: int = 0,
    backend: str = "cpu",
) -> PhaseClassifierResult:
    """Train an MLP (L*L - hidden - 2) to tell ordered from disordered configurations.

    Parameters
    ----------
    dataset : path
        An isingml dataset with temperatures on both sides of ``label_temperature``.
    size : int
        Lattice side L.
    label_temperature : float
        Configurations below it are labelled ordered.
    hidden : int
        Hidden ReLU units.
    epochs, batch_size : int
        Training (Adam, learning rate 1e-3, cross-entropy).
    test_fraction : float
        Configurations held out per temperature for the crossing.
    seed : int
        Seed of the split, the flips and the weights.
    backend : {"cpu", "cuda"}
        Where the network trains (:meth:`~isingml.nn.Sequential.fit`).

    Returns
    -------
    PhaseClassifierResult
    """
    if not 0.0 < test_fraction < 1.0:
        raise InputError(f"test_fraction must be in (0, 1), got {test_fraction}")
    seed = validate_seed(seed)
    with open_dataset(dataset) as ds:
        temps = np.asarray(ds.temperatures, dtype=float)
        per_t = [ds.spins(size, [float(t)], dtype=np.float32) for t in temps]
    if not (temps.min() < label_temperature < temps.max()):
        raise InputError(
            f"label_temperature {label_temperature} must lie inside the dataset's "
            f"temperatures [{temps.min()}, {temps.max()}]"
        )
    rng = host_rng(seed, STREAM_CLASSIFIER_SPLIT)
    train_x, train_y, tests = [], [], []
    for t, spins in zip(temps, per_t, strict=True):
        x = spins * rng.choice(np.array([-1, 1], dtype=np.float32), size=(len(spins), 1, 1))
        order = rng.permutation(len(x))
        n_test = max(1, round(test_fraction * len(x)))
        tests.append(x[order[:n_test]])
        train_x.append(x[order[n_test:]])
        train_y.append(np.full(len(x) - n_test, int(t < label_temperature)))
    model = Sequential(
        layers=[Flatten(), Dense(hidden), ReLU(), Dense(2)],
        loss="cross_entropy",
        optimizer=Adam(1e-3),
        n_epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        backend=backend,
    )
    model.fit(np.concatenate(train_x), np.concatenate(train_y))
    ordered, errors, hits, total = [], [], 0, 0
    for t, x in zip(temps, tests, strict=True):
        p = model.predict_proba(x)[:, 1]
        ordered.append(p.mean())
        errors.append(p.std(ddof=1) / np.sqrt(len(p)) if len(p) > 1 else np.nan)
        hits += int(np.sum((p > 0.5) == (t < label_temperature)))
        total += len(p)
    ordered_arr = np.array(ordered)
    return PhaseClassifierResult(
        L=size,
        temperatures=temps,
        ordered=ordered_arr,
        ordered_error=np.array(errors),
        t_c=crossing_temperature(temps, ordered_arr),
        test_accuracy=hits / total,
        label_temperature=float(label_temperature),
        model=model,
    )
