"""The unsupervised discovery of the critical point: one-neuron autoencoders on a dataset.

For every lattice size of an isingml dataset, train an autoencoder with a single latent
neuron on the configurations of all temperatures (no labels), read its odd latent for
every configuration, and estimate T_c from it (:mod:`isingml.transition.latents`); with several
sizes, extrapolate by finite-size scaling. Configurations are streamed from the file in
chunks for the analysis (and for training with ``stream=True``), so the file may be larger
than memory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from isingml._validation import check_int
from isingml.data.reader import Dataset, open_dataset
from isingml.errors import InputError
from isingml.nn.autoencoder import Autoencoder
from isingml.transition.latents import (
    BINDER_CRITICAL,
    METHODS,
    CriticalTemperature,
    LatentCurves,
    ScalingFit,
    estimate_all,
    latent_curves,
    odd_latent,
)

__all__ = [
    "PHASE_AUTOENCODER",
    "PhaseAnalysis",
    "SizeAnalysis",
    "TrainingRun",
    "discover_transition",
    "latent_of_dataset",
    "train_on_dataset",
]

#: The autoencoder of the phase analysis: a linear encoder to one latent neuron (so the
#: odd latent is a weighted sum of the spins, see :mod:`isingml.transition.latents`) and a decoder
#: with 64 tanh units.
PHASE_AUTOENCODER = {"encoder_widths": (), "latent_dim": 1, "decoder_widths": (64,)}

_IN_MEMORY_BYTES = 2 << 30  # train from memory below this many bytes of float spins
_READ_ROWS = 4096


@dataclass
class SizeAnalysis:
    """One lattice size: its autoencoder, latent and T_c estimates.

    Attributes
    ----------
    size : int
    autoencoder : Autoencoder
    latent, temperatures, magnetization : ndarray (n,)
        Per configuration, in file order (the odd latent, signed like the magnetization).
    correlation : float
        Pearson's r between the latent and the magnetization (>= 0 by the sign choice).
    curves : LatentCurves
    estimates : dict of method to CriticalTemperature
    history : dict
        The training history (the model's ``history_``; empty for a given model).
    """

    size: int
    autoencoder: Autoencoder
    latent: np.ndarray
    temperatures: np.ndarray
    magnetization: np.ndarray
    correlation: float
    curves: LatentCurves
    estimates: dict[str, CriticalTemperature] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class PhaseAnalysis:
    """Every size's analysis and, with two or more sizes, the finite-size scaling fits.

    Attributes
    ----------
    sizes : dict of int to SizeAnalysis
    fits : dict of method to ScalingFit
    notes : list of str
        Estimates that could not be made, and why.
    """

    sizes: dict[int, SizeAnalysis]
    fits: dict[str, ScalingFit]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A table of the estimates next to Onsager's value."""
        from isingml.ising.exact import T_C

        lines = [
            f"Onsager: T_c = 2/ln(1+sqrt 2) = {T_C:.4f}",
            "per size (binder: where the latent's Binder ratio reaches U* = "
            f"{BINDER_CRITICAL}; susceptibility: the latent susceptibility's peak, which "
            "lies above T_c by about a/L):",
        ]
        for size, s in sorted(self.sizes.items()):
            parts = [f"  L = {size:<4d} r(latent, m) = {s.correlation:.4f}"]
            for method, e in s.estimates.items():
                parts.append(f"{method} {e.value:.4f} +/- {e.error:.4f} ({e.deviation:+.2%})")
            lines.append("   ".join(parts))
        if self.fits:
            sizes = ", ".join(str(e.size) for e in next(iter(self.fits.values())).estimates)
            lines.append(f"finite-size scaling, T(L) = T_c + a/L over L = {sizes}:")
        for method, fit in self.fits.items():
            own = ", ".join(str(e.size) for e in fit.estimates)
            only = "" if own == sizes else f"  (L = {own} only)"
            lines.append(
                f"  {method:<15} T_c = {fit.value:.4f} +/- {fit.error:.4f} "
                f"({fit.deviation:+.2%}){only}"
            )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        from isingml.ising.exact import T_C

        def finite(x: float) -> float | None:  # JSON has no NaN
            return float(x) if np.isfinite(x) else None

        def est(e: CriticalTemperature) -> dict:
            return {"value": e.value, "error": finite(e.error), "deviation": e.deviation}

        return {
            "onsager": T_C,
            "sizes": {
                str(size): {
                    "correlation": s.correlation,
                    "estimates": {m: est(e) for m, e in s.estimates.items()},
                }
                for size, s in sorted(self.sizes.items())
            },
            "finite_size_scaling": {
                m: {
                    "value": f.value,
                    "error": finite(f.error),
                    "deviation": f.deviation,
                    "slope": f.slope,
                    "chi2": finite(f.chi2),
                    "sizes": [e.size for e in f.estimates],
                }
                for m, f in self.fits.items()
            },
            "notes": list(self.notes),
        }


def latent_of_dataset(
    ds: Dataset, size: int, autoencoder: Autoencoder
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Odd latent, temperature and magnetization of every configuration, chunk by chunk.

    Parameters
    ----------
    ds : Dataset
        An open isingml dataset.
    size : int
        Lattice side.
    autoencoder : Autoencoder
        A fitted autoencoder for ``size``.

    Returns
    -------
    (ndarray, ndarray, ndarray)
        :func:`~isingml.transition.latents.odd_latent` of latent unit 0, the temperature
        and the magnetization per spin of every configuration, each of shape ``(n,)``.
    """
    zs, ts, ms = [], [], []
    for spins, temps in ds.batches(size, _READ_ROWS, shuffle=False, dtype=autoencoder.dtype):
        zs.append(odd_latent(autoencoder, spins))
        ts.append(temps)
        ms.append(spins.reshape(len(spins), -1).mean(axis=1, dtype=np.float64))
    return np.concatenate(zs), np.concatenate(ts), np.concatenate(ms)


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`train_on_dataset` returns.

    Attributes
    ----------
    autoencoder : Autoencoder
        The fitted model.
    size : int
        Lattice side trained on.
    n_configurations : int
        Configurations per epoch.
    seconds : float
        Wall-clock time of the training.
    correlation : float or None
        ``|r|`` of the odd latent with the magnetization over every configuration of the
        size (all temperatures) for a one-neuron latent, else ``None``.
    """

    autoencoder: Autoencoder
    size: int
    n_configurations: int
    seconds: float
    correlation: float | None

    @property
    def samples_per_second(self) -> float:
        """Configurations trained on per second, all epochs together."""
        epochs = len(self.autoencoder.history_["loss"])
        return self.n_configurations * epochs / self.seconds if self.seconds > 0 else 0.0


def _fit_size(
    ds: Dataset,
    size: int,
    model: Autoencoder,
    temperatures: Sequence[float] | None,
    stream: bool | None,
    seed: int,
) -> int:
    """Fit ``model`` on one size's configurations (streamed from the file when asked, or
    when they would take more than 2 GiB as floats); the number of configurations."""
    n = ds.n_samples(size, temperatures)
    big = n * size * size * np.dtype(model.dtype).itemsize > _IN_MEMORY_BYTES
    if stream or (stream is None and big):
        model.fit(
            ds.minibatches(
                size, model.batch_size, seed=seed, temperatures=temperatures, dtype=model.dtype
            )
        )
    else:
        spins = ds.spins(size, temperatures, dtype=model.dtype)
        model.fit(spins)
        del spins
    return n


def train_on_dataset(
    data: str | os.PathLike | Dataset,
    size: int,
    autoencoder: Autoencoder,
    temperatures: Sequence[float] | None = None,
    stream: bool | None = None,
    seed: int = 0,
) -> TrainingRun:
    """Fit an autoencoder on the configurations of one size of a dataset (no labels).

    Parameters
    ----------
    data : path or Dataset
        An isingml dataset.
    size : int
        Lattice side; the autoencoder's input is ``size * size`` spins.
    autoencoder : Autoencoder
        An unfitted (or to be refitted) :class:`Autoencoder` or its variational kind.
    temperatures : sequence of float, optional
        Only these of the file's temperatures (default: all).
    stream : bool, optional
        Train from minibatches streamed off the file (default: only when the spins would
        take more than 2 GiB as floats).
    seed : int
        Philox seed of the streamed minibatch order.

    Returns
    -------
    TrainingRun
    """
    check_int("size", size, minimum=2)
    owned = None
    if not isinstance(data, Dataset):
        data = owned = open_dataset(data)
    try:
        start = time.perf_counter()
        n = _fit_size(data, size, autoencoder, temperatures, stream, seed)
        seconds = time.perf_counter() - start
        correlation = None
        if autoencoder.latent_dim == 1:
            z, _, m = latent_of_dataset(data, size, autoencoder)
            correlation = abs(float(np.corrcoef(z, m)[0, 1]))
    finally:
        if owned is not None:
            owned.close()
    return TrainingRun(autoencoder, size, n, seconds, correlation)


def discover_transition(
    data: str | os.PathLike | Dataset,
    sizes: Sequence[int] | None = None,
    models: dict[int, Autoencoder] | None = None,
    epochs: int = 5,
    batch_size: int = 128,
    autoencoder_options: dict | None = None,
    methods: Sequence[str] = METHODS,
    n_bootstrap: int = 200,
    stream: bool | None = None,
    seed: int = 0,
    progress: bool = False,
    report: Callable[[str], None] | None = None,
) -> PhaseAnalysis:
    """Train one-neuron autoencoders (or use given ones) and estimate T_c, size by size.

    Parameters
    ----------
    data : path or Dataset
        An isingml dataset.
    sizes : sequence of int, optional
        Lattice sides to analyse (default: all of the file's).
    models : dict of size to Autoencoder, optional
        Fitted autoencoders to use instead of training (each must match its size).
    epochs, batch_size : int
        Of the training.
    autoencoder_options : dict, optional
        Hyperparameters of :class:`Autoencoder` (default :data:`PHASE_AUTOENCODER`);
        ``n_epochs``, ``batch_size``, ``seed`` and ``progress`` are set from the arguments
        here.
    methods : sequence of {"binder", "susceptibility"}
    n_bootstrap : int
        Bootstrap replicas of each estimate.
    stream : bool, optional
        Train from minibatches streamed off the file (default: only when a size's spins
        would take more than 2 GiB as floats).
    seed : int
    progress : bool
        Progress bars while training.
    report : callable, optional
        Called with a line of progress text (e.g. ``print``).

    Returns
    -------
    PhaseAnalysis

    Raises
    ------
    ValueError
        For a size the file lacks, a model that does not match its size's shape, too few
        temperatures, or temperatures that do not bracket the transition.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise InputError(f"methods must be a non-empty subset of {METHODS}, got {methods!r}")
    epochs = check_int("epochs", epochs, minimum=1)
    owned = None
    if not isinstance(data, Dataset):
        data = owned = open_dataset(data)
    try:
        wanted = tuple(data.sizes) if sizes is None else tuple(sizes)
        for size in wanted:
            data.n_samples(check_int("sizes", size, minimum=2))  # names the missing size
        if len(data.temperatures) < 5:
            raise InputError(
                f"{data.path}: {len(data.temperatures)} temperatures are too few to locate a "
                "transition (need >= 5 spanning T_c)"
            )
        models = dict(models or {})
        for size, model in models.items():
            if size not in wanted:
                raise InputError(f"models: a model for L = {size}, which is not analysed")
            if model.n_features_in_ != size * size:
                raise InputError(
                    f"models: the model for L = {size} takes {model.n_features_in_} values per "
                    f"sample, the data {size * size}"
                )
        options = dict(PHASE_AUTOENCODER if autoencoder_options is None else autoencoder_options)
        analyses: dict[int, SizeAnalysis] = {}
        for size in wanted:
            history: dict[str, list[float]] = {}
            model = models.get(size)
            if model is None:
                model = Autoencoder(
                    **{
                        **options,
                        "n_epochs": epochs,
                        "batch_size": batch_size,
                        "seed": seed,
                        "progress": progress,
                    }
                )
                _fit_size(data, size, model, None, stream, seed)
                history = model.history_
                if report is not None:
                    report(
                        f"L = {size}: trained {epochs} epochs, reconstruction loss "
                        f"{history['loss'][-1]:.4f}"
                    )
            z, t, m = latent_of_dataset(data, size, model)
            r = float(np.corrcoef(z, m)[0, 1])
            if r < 0:  # the latent's sign is arbitrary: take the magnetization's
                z, r = -z, -r
            analyses[size] = SizeAnalysis(
                size, model, z, t, m, r, latent_curves(z, t, size), history=history
            )
    finally:
        if owned is not None:
            owned.close()
    notes: list[str] = []
    per_method, fits = estimate_all(
        {s: (a.latent, a.temperatures) for s, a in analyses.items()},
        methods,
        n_bootstrap,
        seed,
        on_error=notes.append,
    )
    for method, found in per_method.items():
        for e in found:
            analyses[e.size].estimates[method] = e
    return PhaseAnalysis(analyses, fits, notes)
