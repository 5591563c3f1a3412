"""Which deep random networks train: depth against sigma_w^2 (Schoenholz et al. 2017).

A network of ``depth`` dense layers with weights drawn ``N(0, sigma_w^2 / fan_in)`` and
biases ``N(0, sigma_b^2)`` carries the correlation between two inputs only over a depth of
the order of the correlation depth scale ``xi_c`` of mean-field theory
(:class:`isingml.theory.signal.MeanField`): in the ordered phase all inputs converge to
one point and the gradients vanish, in the chaotic phase they decorrelate and the
gradients explode. Schoenholz, Gilmer, Ganguli and Sohl-Dickstein ("Deep information
propagation", ICLR 2017) found that plain SGD trains such a network only while its depth
stays below about ``6 xi_c``, so that the trainable depth diverges on the critical line
``chi_1 = 1`` where ``xi_c`` does.

:func:`trainability_scan` repeats their experiment on data that isingml makes itself:
small Ising configurations (Swendsen–Wang samples) labelled by phase (ordered below T_c,
disordered above it) or by temperature. Each configuration is flipped globally at random
(the Z2 symmetry), so that the sign of the magnetization says nothing and the phase shows
in even functions such as ``|m|`` or the energy. Logistic regression on the spins stays
near chance (a half-space can at best hold the disordered configurations together with
one sign of the ordered ones: about 0.7), while a tanh net of a few hidden layers of 64
units reaches a held-out accuracy of about 0.95 at L = 8 in four epochs of SGD.

Every network of a scan draws the same standard normals layer by layer (Philox, keyed by
the seed), scaled by its ``sigma_w^2`` and ``sigma_b^2``, and sees the minibatches in the
same order, so that the grid compares like with like.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from isingml._progress import progress_bar
from isingml._validation import (
    check_choice,
    check_finite,
    check_int,
    check_lattice_size,
    check_positive,
)
from isingml.errors import InputError, InputTypeError
from isingml.ising.model import IsingModel
from isingml.nn.layers import Dense, Layer, ReLU, Sigmoid, Tanh
from isingml.nn.model import Sequential
from isingml.nn.optimizers import SGD
from isingml.nn.training import LossDiverged
from isingml.random import TAG_RANDOM_NETWORK, random_normal, random_uint32, validate_seed
from isingml.theory.signal import MeanField, critical_sigma_w2

__all__ = [
    "DEFAULT_DEPTHS",
    "DEFAULT_SIGMA_W2S",
    "TASKS",
    "TRAINABLE_ACTIVATIONS",
    "TrainabilityResult",
    "TrainingData",
    "mean_field_network",
    "trainability_data",
    "trainability_scan",
]

# Activations with a layer in isingml.nn and a mean-field theory.
#: The activations a trainability scan trains, by name.
TRAINABLE_ACTIVATIONS: dict[str, type[Layer]] = {"tanh": Tanh, "relu": ReLU, "sigmoid": Sigmoid}

#: Tasks of :func:`trainability_data`: ordered vs disordered, or which temperature.
TASKS = ("phase", "temperature")

#: Temperatures (units of J/k_B) of the data: three well below T_c ~ 2.269 (ordered),
#: three well above it (disordered).
ORDERED_TEMPERATURES = (1.5, 1.8, 2.0)
DISORDERED_TEMPERATURES = (2.8, 3.2, 3.6)

#: The default grid: sigma_w^2 across both phases of tanh (critical at about 1.76 for
#: sigma_b^2 = 0.05), and depths deep enough (64 = 9 xi_c at sigma_w^2 = 4, 54 xi_c at
#: 0.5) that both phases stop training inside the grid.
DEFAULT_SIGMA_W2S = tuple(float(s) for s in np.linspace(0.5, 4.0, 12))
DEFAULT_DEPTHS = (4, 8, 12, 16, 24, 32, 48, 64)

# Philox tags (counter word c3) in the random-network range, above those of
# isingml.theory.random_networks: the initial weights, and the data's global flips and
# train/held-out split.
_TAG_WEIGHTS = TAG_RANDOM_NETWORK + 8
_TAG_DATA = TAG_RANDOM_NETWORK + 9

# Swendsen–Wang updates before the first sample and between samples: at L <= 16 and these
# temperatures the chains decorrelate within one or two updates.
_THERMALIZE = 20
_UPDATES_PER_SAMPLE = 3


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Labelled spin configurations, split into training and held-out parts.

    Attributes
    ----------
    x_train, x_test : ndarray of float32, shape (n, L*L)
        Configurations of +/-1, flattened, each flipped globally at random.
    y_train, y_test : ndarray of int64, shape (n,)
        Class labels in ``[0, n_classes)``.
    n_classes : int
    temperatures : ndarray of float64
        The temperatures sampled, one class (``"temperature"``) or half a class
        (``"phase"``) each.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    temperatures: np.ndarray

    @property
    def chance(self) -> float:
        """Held-out accuracy of the best constant guess (the most common class)."""
        return float(np.bincount(self.y_test, minlength=self.n_classes).max() / self.y_test.size)


def _labels(task: str) -> tuple[tuple[float, ...], tuple[int, ...]]:
    temperatures = ORDERED_TEMPERATURES + DISORDERED_TEMPERATURES
    if task == "phase":
        return temperatures, (0,) * len(ORDERED_TEMPERATURES) + (1,) * len(DISORDERED_TEMPERATURES)
    return temperatures, tuple(range(len(temperatures)))


def _configurations(L: int, T: float, n: int, seed: int, stream: int) -> np.ndarray:
    """``n`` Swendsen–Wang configurations at ``T``, flattened and flipped at random."""
    model = IsingModel(L, T=T, seed=seed, stream=stream)
    model.update(_THERMALIZE, "swendsen-wang")
    _, _, spins = model.sample(n, _UPDATES_PER_SAMPLE, "swendsen-wang", return_spins=True)
    flips = 1 - 2 * (random_uint32(n, seed, stream, step=0, tag=_TAG_DATA) & 1).astype(np.int8)
    return (spins.reshape(n, L * L) * flips[:, None]).astype(np.float32)


def trainability_data(
    task: str = "phase",
    samples: int = 2400,
    L: int = 8,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> TrainingData:
    """Ising configurations for the trainability experiment, labelled by phase or
    temperature.

    ``samples / 6`` configurations are drawn at each of the temperatures 1.5, 1.8, 2.0
    (ordered) and 2.8, 3.2, 3.6 (disordered) by Swendsen–Wang updates of an L x L
    lattice, each flipped globally with probability 1/2. The same fraction of every
    temperature is held out, so both parts are balanced.

    Parameters
    ----------
    task : {"phase", "temperature"}
        ``"phase"``: two classes, ordered or disordered (chance 1/2); ``"temperature"``:
        six classes, one per temperature (chance 1/6).
    samples : int
        Configurations in all (rounded down to a multiple of six), >= 12.
    L : int
        Lattice side (even); the networks see ``L * L`` inputs.
    test_fraction : float
        Fraction of each temperature's configurations held out, in (0, 1).
    seed : int
        Seed of the Monte Carlo chains, the flips and the split.

    Returns
    -------
    TrainingData
    """
    task = check_choice("task", task, TASKS)
    samples = check_int("samples", samples, minimum=12)
    L = check_lattice_size(L)
    test_fraction = check_finite("test_fraction", test_fraction)
    if not 0.0 < test_fraction < 1.0:
        raise InputError(f"test_fraction must be in (0, 1), got {test_fraction}")
    seed = validate_seed(seed)
    temperatures, labels = _labels(task)
    per_t = samples // len(temperatures)
    n_test = min(max(1, round(test_fraction * per_t)), per_t - 1)
    parts: dict[str, list[np.ndarray]] = {"xtr": [], "ytr": [], "xte": [], "yte": []}
    for stream, (T, label) in enumerate(zip(temperatures, labels, strict=True)):
        x = _configurations(L, T, per_t, seed, stream)
        keys = random_uint32(per_t, seed, stream, step=1, tag=_TAG_DATA)
        order = np.argsort(keys, kind="stable")
        parts["xte"].append(x[order[:n_test]])
        parts["xtr"].append(x[order[n_test:]])
        parts["yte"].append(np.full(n_test, label, dtype=np.int64))
        parts["ytr"].append(np.full(per_t - n_test, label, dtype=np.int64))
    joined = {key: np.concatenate(value) for key, value in parts.items()}
    return TrainingData(
        x_train=joined["xtr"],
        y_train=joined["ytr"],
        x_test=joined["xte"],
        y_test=joined["yte"],
        n_classes=max(labels) + 1,
        temperatures=np.array(temperatures),
    )


def _bias_variance(sigma_b2: object) -> float:
    """Check ``sigma_b2 >= 0``."""
    sigma_b2 = check_finite("sigma_b2", sigma_b2)
    if sigma_b2 < 0:
        raise InputError(f"sigma_b2 must be >= 0, got {sigma_b2}")
    return sigma_b2


def mean_field_network(
    activation: str,
    depth: int,
    width: int,
    n_inputs: int,
    n_outputs: int,
    sigma_w2: float,
    sigma_b2: float,
    learning_rate: float = 0.01,
    seed: int = 0,
) -> Sequential:
    """A ``Sequential`` of ``depth`` Dense(width) + activation layers and a Dense readout,
    with the mean-field initialisation, trained by plain SGD on the cross-entropy.

    Every Dense layer ``k`` (the readout is ``k = depth``) gets weights
    ``sqrt(sigma_w2 / fan_in) z`` and biases ``sqrt(sigma_b2) z'``, with ``z`` and ``z'``
    standard normals from Philox keyed by ``seed`` and counted by ``k``: networks of any
    ``sigma_w2``, ``sigma_b2`` and depth share them layer by layer.

    Parameters
    ----------
    activation : {"tanh", "relu", "sigmoid"}
    depth : int
        Hidden layers, >= 1.
    width : int
        Units per hidden layer.
    n_inputs, n_outputs : int
        Inputs per sample and classes.
    sigma_w2, sigma_b2 : float
        Weight variance times fan-in (> 0) and bias variance (>= 0).
    learning_rate : float
        SGD step size (no momentum, no schedule).
    seed : int
        Seed of the weights and of the minibatch order.

    Returns
    -------
    Sequential
        Built (:meth:`~isingml.nn.Sequential.build`: the weights in ``layers_``) for inputs
        of shape ``(n_inputs,)``, float32, loss ``"cross_entropy"``, with
        ``warm_start=True`` so that ``fit`` trains from these weights.
    """
    layer = TRAINABLE_ACTIVATIONS[check_choice("activation", activation, TRAINABLE_ACTIVATIONS)]
    sigma_w2 = check_positive("sigma_w2", sigma_w2)
    sigma_b2 = _bias_variance(sigma_b2)
    hidden: list[Layer] = []
    width = check_int("width", width, minimum=1)
    for _ in range(check_int("depth", depth, minimum=1)):
        hidden += [Dense(width), layer()]
    model = Sequential(
        layers=[*hidden, Dense(check_int("n_outputs", n_outputs, minimum=1))],
        loss="cross_entropy",
        optimizer=SGD(learning_rate),
        input_shape=(check_int("n_inputs", n_inputs, minimum=1),),
        warm_start=True,  # fit trains on from the weights set here
        seed=seed,
    ).build()
    dense = [lay for lay in model.layers_ if isinstance(lay, Dense)]
    for k, lay in enumerate(dense):
        w, b = lay.params["W"], lay.params["b"]
        z = random_normal(w.size, seed, stream=0, step=k, tag=_TAG_WEIGHTS)
        w[...] = (math.sqrt(sigma_w2 / w.shape[0]) * z).reshape(w.shape)
        z = random_normal(b.size, seed, stream=1, step=k, tag=_TAG_WEIGHTS)
        b[...] = math.sqrt(sigma_b2) * z
    return model


def _train(
    model: Sequential, data: TrainingData, epochs: int, batch_size: int
) -> tuple[float, float, bool]:
    """Held-out accuracy, final training loss and whether the loss diverged."""
    try:
        model.set_params(n_epochs=epochs, batch_size=batch_size).fit(data.x_train, data.y_train)
        loss, diverged = float(model.history_["loss"][-1]), False
    except LossDiverged:  # the weights are those before the diverging step
        loss, diverged = math.nan, True
    with np.errstate(over="ignore", invalid="ignore"):
        out = model.forward(data.x_test)
    if not np.isfinite(out).all():
        return data.chance, loss, diverged
    return float(np.mean(out.argmax(axis=1) == data.y_test)), loss, diverged


def _json(values: np.ndarray) -> list:
    """Nested lists of floats, with NaN and infinities as None (strict JSON)."""
    arr = np.asarray(values, dtype=float)
    return np.where(np.isfinite(arr), arr, None).tolist()


@dataclass(frozen=True, eq=False)
class TrainabilityResult:
    """Held-out accuracy of mean-field-initialised networks over (depth, sigma_w^2).

    Attributes
    ----------
    activation : str
    sigma_b2 : float
    sigma_w2s : ndarray, shape (n_sigma,)
    depths : ndarray of int, shape (n_depths,)
    accuracy : ndarray, shape (n_depths, n_sigma)
        Held-out accuracy after training (:attr:`chance` where the outputs overflowed).
    train_loss : ndarray, shape (n_depths, n_sigma)
        Mean training loss of the last epoch (NaN where the loss diverged).
    diverged : ndarray of bool, shape (n_depths, n_sigma)
        Where SGD stopped on a NaN or infinite loss.
    xi_c : ndarray, shape (n_sigma,)
        Mean-field correlation depth scale (inf on the critical line).
    sigma_w2_critical : float
        The critical sigma_w^2 of ``activation`` at ``sigma_b2`` (NaN if it has none).
    chance : float
        Held-out accuracy of the best constant guess.
    task : str
    width, epochs, batch_size, samples, L, seed : int
    learning_rate : float
    seconds : float
        Wall time of the scan.
    """

    activation: str
    sigma_b2: float
    sigma_w2s: np.ndarray
    depths: np.ndarray
    accuracy: np.ndarray
    train_loss: np.ndarray
    diverged: np.ndarray
    xi_c: np.ndarray
    sigma_w2_critical: float
    chance: float
    task: str
    width: int
    epochs: int
    batch_size: int
    learning_rate: float
    samples: int
    L: int
    seed: int
    seconds: float

    def threshold(self, fraction: float = 0.5) -> float:
        """The accuracy ``chance + fraction (best - chance)`` that counts as trained.

        Parameters
        ----------
        fraction : float
            In (0, 1); ``best`` is the highest accuracy of the whole grid.

        Returns
        -------
        float
        """
        fraction = check_finite("fraction", fraction)
        if not 0.0 < fraction < 1.0:
            raise InputError(f"fraction must be in (0, 1), got {fraction}")
        return self.chance + fraction * (float(self.accuracy.max()) - self.chance)

    def trainable_depth(self, fraction: float = 0.5) -> np.ndarray:
        """The largest depth whose accuracy exceeds :meth:`threshold`, per sigma_w^2.

        Parameters
        ----------
        fraction : float
            As in :meth:`threshold`.

        Returns
        -------
        ndarray of float, shape (n_sigma,)
            NaN where no depth trains; the deepest scanned depth where all do (then the
            true trainable depth may be larger).
        """
        trained = self.accuracy > self.threshold(fraction)
        out = np.full(self.sigma_w2s.size, np.nan)
        for j in range(out.size):
            rows = np.flatnonzero(trained[:, j])
            if rows.size:
                out[j] = self.depths[rows[-1]]
        return out

    def depth_ratio(self, fraction: float = 0.5) -> np.ndarray:
        """Trainable depth over ``xi_c``, per sigma_w^2 (about 6 in Schoenholz et al.).

        Parameters
        ----------
        fraction : float
            As in :meth:`threshold`.

        Returns
        -------
        ndarray of float, shape (n_sigma,)
            0 on the critical line (``xi_c`` infinite), NaN where no depth trains; a lower
            bound where the deepest scanned depth trains.
        """
        return self.trainable_depth(fraction) / self.xi_c

    def to_dict(self) -> dict[str, Any]:
        """The scan as a JSON-ready dictionary (strict JSON: NaN and inf become None).

        Returns
        -------
        dict
            Every attribute (arrays as nested lists, ``accuracy[d][s]`` for depth ``d``
            and sigma_w^2 ``s``), plus ``threshold``, ``trainable_depth`` and
            ``depth_ratio`` at ``fraction = 0.5``.
        """
        out: dict[str, Any] = {}
        for key, value in vars(self).items():
            if isinstance(value, np.ndarray):
                out[key] = value.tolist() if value.dtype.kind in "bi" else _json(value)
            elif isinstance(value, float):
                out[key] = _json(value)
            else:
                out[key] = value
        out["threshold"] = self.threshold()
        out["trainable_depth"] = _json(self.trainable_depth())
        out["depth_ratio"] = _json(self.depth_ratio())
        return out


def _grid(name: str, values: object, integer: bool) -> np.ndarray:
    """A non-empty, strictly increasing 1-D grid of positive numbers."""
    arr = np.asarray(values)
    kind = "integers" if integer else "real numbers"
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in ("iu" if integer else "iuf")):
        raise InputTypeError(f"{name} must be a 1-D sequence of {kind}, got {values!r}")
    if arr.size == 0:
        raise InputError(f"{name} must not be empty")
    if not (np.all(np.isfinite(arr)) and np.all(arr > 0) and np.all(np.diff(arr) > 0)):
        raise InputError(f"{name} must be finite, > 0 and strictly increasing, got {values!r}")
    return arr.astype(np.int64 if integer else np.float64)


def _scan_grid(
    data: TrainingData,
    sigma_w2s: np.ndarray,
    depths: np.ndarray,
    network: dict[str, Any],
    epochs: int,
    batch_size: int,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accuracy, final loss and divergence of a trained network per (depth, sigma_w^2)."""
    shape = (depths.size, sigma_w2s.size)
    accuracy, loss, diverged = np.empty(shape), np.empty(shape), np.zeros(shape, dtype=bool)
    n_inputs = data.x_train.shape[1]
    with progress_bar(total=accuracy.size, progress=progress, unit="net") as bar:
        for i, depth in enumerate(depths):
            for j, s2 in enumerate(sigma_w2s):
                bar.set_postfix(depth=int(depth), sigma_w2=f"{s2:.3g}")
                model = mean_field_network(
                    depth=int(depth),
                    n_inputs=n_inputs,
                    n_outputs=data.n_classes,
                    sigma_w2=float(s2),
                    **network,
                )
                accuracy[i, j], loss[i, j], diverged[i, j] = _train(
                    model, data, epochs, batch_size
                )
                bar.update()
    return accuracy, loss, diverged


def trainability_scan(
    activation: str = "tanh",
    sigma_w2s: object = DEFAULT_SIGMA_W2S,
    depths: object = DEFAULT_DEPTHS,
    sigma_b2: float = 0.05,
    width: int = 64,
    epochs: int = 4,
    batch_size: int = 32,
    learning_rate: float = 0.01,
    samples: int = 2400,
    task: str = "phase",
    L: int = 8,
    seed: int = 0,
    progress: bool = True,
) -> TrainabilityResult:
    """Train a mean-field-initialised network at every (depth, sigma_w^2) and measure its
    held-out accuracy.

    The data (:func:`trainability_data`) is made once; every grid point builds
    :func:`mean_field_network` and trains it for ``epochs`` epochs of plain SGD (fixed
    learning rate, minibatches of ``batch_size``, cross-entropy). A loss that diverges
    stops that network's training (recorded in ``diverged``).

    Parameters
    ----------
    activation : {"tanh", "relu", "sigmoid"}
    sigma_w2s : sequence of float
        Weight variances times fan-in, > 0, strictly increasing.
    depths : sequence of int
        Hidden layers, >= 1, strictly increasing.
    sigma_b2 : float
        Bias variance, >= 0.
    width : int
        Units per hidden layer.
    epochs, batch_size : int
        SGD epochs and minibatch size.
    learning_rate : float
        SGD step size, > 0.
    samples : int
        Configurations in the data, training and held-out together.
    task : {"phase", "temperature"}
        See :func:`trainability_data`.
    L : int
        Lattice side of the configurations.
    seed : int
        Seed of the data, the weights and the minibatch order.
    progress : bool
        Show a progress bar over the grid.

    Returns
    -------
    TrainabilityResult

    Examples
    --------
    >>> from isingml.theory.trainability import trainability_scan
    >>> r = trainability_scan(sigma_w2s=[0.5, 1.76], depths=[2, 12], width=16,
    ...                       samples=600, epochs=2, progress=False)
    >>> r.accuracy.shape
    (2, 2)
    """
    activation = check_choice("activation", activation, TRAINABLE_ACTIVATIONS)
    s2s = _grid("sigma_w2s", sigma_w2s, integer=False)
    ds = _grid("depths", depths, integer=True)
    sigma_b2 = _bias_variance(sigma_b2)
    width = check_int("width", width, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    learning_rate = check_positive("learning_rate", learning_rate)
    task = check_choice("task", task, TASKS)
    L = check_lattice_size(L)
    seed = validate_seed(seed)
    if not isinstance(progress, bool):
        raise InputTypeError(f"progress must be True or False, got {progress!r}")
    start = time.perf_counter()
    data = trainability_data(task, check_int("samples", samples, minimum=12), L, seed=seed)
    network = {
        "activation": activation,
        "width": width,
        "sigma_b2": sigma_b2,
        "learning_rate": learning_rate,
        "seed": seed,
    }
    accuracy, loss, diverged = _scan_grid(data, s2s, ds, network, epochs, batch_size, progress)
    return TrainabilityResult(
        activation=activation,
        sigma_b2=sigma_b2,
        sigma_w2s=s2s,
        depths=ds,
        accuracy=accuracy,
        train_loss=loss,
        diverged=diverged,
        xi_c=np.array([MeanField(activation, float(s2), sigma_b2).xi_c for s2 in s2s]),
        sigma_w2_critical=float(critical_sigma_w2(activation, sigma_b2)),
        chance=data.chance,
        task=task,
        width=width,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        samples=data.y_train.size + data.y_test.size,
        L=L,
        seed=seed,
        seconds=time.perf_counter() - start,
    )
