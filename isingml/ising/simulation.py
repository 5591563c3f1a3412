"""The simulation driver: thermalize, measure every few sweeps, return series and statistics."""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from isingml._persistence import load_arrays, save_arrays
from isingml._progress import progress_bar
from isingml._resources import check_memory
from isingml._validation import check_int, check_positive
from isingml.errors import InputError, InputTypeError, ResourceError
from isingml.ising.engine import ALGORITHMS, Engine, as_engine
from isingml.ising.model import IsingModel
from isingml.ising.observables import (
    OBSERVABLES,
    derived_observables,
    linearised,
    tau_int,
    thermodynamics,
)
from isingml.stats import (
    Stats,
    error_uncertainty,
)

__all__ = [
    "BYTES_PER_MEASUREMENT",
    "MAX_ERROR_UNCERTAINTY",
    "RELIABLE_RUN_TAUS",
    "ScanResult",
    "SimulationResult",
    "simulate",
    "temperature_scan",
    "updates_per_interval",
]

#: A run shorter than this many integrated autocorrelation times (the longest of the
#: observables and of the series that govern the errors of C, chi and U4) is not reliable.
RELIABLE_RUN_TAUS = 100.0
#: An error bar whose own relative uncertainty (:func:`isingml.stats.error_uncertainty`)
#: exceeds this is not reliable: it hangs on how many rare bursts the run happened to see.
MAX_ERROR_UNCERTAINTY = 0.2
#: Bytes per measurement held at once: the two recorded float64 series, the derived
#: series of the analysis (``|m|``, m^2, m^4, e^2, the linearised series) and the FFT work
#: arrays of the autocorrelation times (measured: 156 bytes at the peak of the analysis).
BYTES_PER_MEASUREMENT = 20 * 8
#: Sweep counts must fit the kernels' signed 64-bit step counter, with room to add them.
_MAX_SWEEPS = 2**62


@dataclass
class SimulationResult:
    """What :func:`simulate` measured.

    Attributes
    ----------
    L, T, J, h : int, float, float, float
        The model's parameters.
    algorithm : str
        Update rule (``engine.algorithm``).
    seed, stream : int
        Philox key.
    sweeps, thermalize, interval : int
        Production sweeps, thermalization sweeps, sweeps between measurements.
    energy, magnetization : ndarray
        Per-spin series, one entry per measurement.
    observables : dict of str to Stats
        Energy, magnetization, ``|m|``, heat capacity, susceptibility and Binder cumulant.
    tau_int : dict of str to float
        Integrated autocorrelation times of ``energy`` and ``abs_magnetization``, in sweeps.
    flips_per_ns : float
        Spin-flip attempts (sweep-equivalents times N) per nanosecond of update time.
    updates_per_measurement : int
        Kernel updates between measurements (cluster updates for Wolff).
    sweeps_per_measurement : float
        Sweep-equivalents between measurements (``interval``, or measured for Wolff).
    elapsed : float
        Wall-clock seconds spent in updates during production.
    model : IsingModel
        The model in its final state (continue with ``model.update(n, engine)``).
    engine : Engine, optional
        The engine that ran the chain (its algorithm, resolved kernel, backend, threads).
    reliable : bool
        Whether the error bars can be trusted: the run spans at least
        :data:`RELIABLE_RUN_TAUS` integrated autocorrelation times and no error bar is
        itself uncertain by more than :data:`MAX_ERROR_UNCERTAINTY` (the signed
        magnetization at h = 0, zero by symmetry, is left out). When False, ``simulate``
        also warns, with ``reliability_note`` as the message.
    error_uncertainty : dict of str to float
        Relative uncertainty of each observable's error bar
        (:func:`isingml.stats.error_uncertainty` of its series, or of the linearised
        series for C, chi and U4).
    reliability_note : str
        Why the errors cannot be trusted ("" when ``reliable``).
    """

    L: int
    T: float
    J: float
    h: float
    algorithm: str
    seed: int
    stream: int
    sweeps: int
    thermalize: int
    interval: int
    energy: np.ndarray
    magnetization: np.ndarray
    observables: dict[str, Stats]
    tau_int: dict[str, float]
    flips_per_ns: float
    updates_per_measurement: int
    sweeps_per_measurement: float
    elapsed: float
    model: IsingModel = field(repr=False)
    engine: Engine | None = None
    reliable: bool = True
    error_uncertainty: dict[str, float] = field(default_factory=dict)
    reliability_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no time series).

        Returns
        -------
        dict
            Inputs, each observable as ``{"mean", "error"}``, ``tau_int`` (of ``|m|``, in
            sweeps), ``tau_int_energy``, ``flips_per_ns``, ``reliable``,
            ``error_uncertainty`` (per observable) and ``reliability_note``.
        """
        out: dict[str, Any] = {
            "L": self.L,
            "T": self.T,
            "J": self.J,
            "h": self.h,
            "algorithm": self.algorithm,
            "seed": self.seed,
            "stream": self.stream,
            "sweeps": self.sweeps,
            "thermalize": self.thermalize,
            "interval": self.interval,
            "measurements": int(self.energy.size),
        }
        for name in OBSERVABLES:
            s = self.observables[name]
            out[name] = {"mean": float(s.mean), "error": float(s.error)}
        out["tau_int"] = _finite_or_none(self.tau_int["abs_magnetization"])
        out["tau_int_energy"] = _finite_or_none(self.tau_int["energy"])
        out["flips_per_ns"] = self.flips_per_ns
        out["sweeps_per_measurement"] = self.sweeps_per_measurement
        out["reliable"] = bool(self.reliable)
        out["error_uncertainty"] = {
            k: _finite_or_none(v) for k, v in self.error_uncertainty.items()
        }
        out["reliability_note"] = self.reliability_note
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the result: its series, settings, observables and final model state.

        The file holds the energy and magnetization series, every setting of the run,
        each observable with its error, the autocorrelation times, the reliability
        verdict, the engine and the model's final spins and Philox counter, so that
        :meth:`load` gives back an equal result whose model continues the same chain bit
        for bit. It is written atomically and checksummed (no pickle).

        Parameters
        ----------
        path : str or path-like
            Destination: ``.h5``/``.hdf5`` for HDF5, else ``.npz`` (added when the name
            has no suffix).

        Returns
        -------
        Path
            The path written.
        """
        meta, arrays = _record(self, "")
        return save_arrays(path, "SimulationResult", _FORMAT_VERSION, meta, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> SimulationResult:
        """Read a result written by :meth:`save`.

        The engine is rebuilt as saved; a CUDA engine read where no GPU is usable becomes
        its CPU twin (the same bits), and a thread count beyond this machine's becomes the
        default.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        SimulationResult
            Equal to the one saved, with ``model`` in the saved final state.

        Raises
        ------
        InputError
            Naming the file, when it is not a saved SimulationResult or is damaged.
        FileNotFoundError
            When there is no such file.
        """
        meta, arrays, _ = load_arrays(path, "SimulationResult")
        return _from_record(meta, arrays, "", path, "SimulationResult")

    def to_frame(self) -> Any:
        """The time series as a pandas DataFrame (pandas is an optional dependency).

        Returns
        -------
        pandas.DataFrame
            One row per measurement (index ``measurement``, from 0), columns ``energy``
            and ``magnetization`` (per spin).

        Raises
        ------
        ImportError
            When pandas is not installed (the message says ``pip install pandas``).
        """
        pd = _pandas()
        frame = pd.DataFrame({"energy": self.energy, "magnetization": self.magnetization})
        frame.index.name = "measurement"
        return frame


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# -- saved results ------------------------------------------------------------------------

#: Format version of saved SimulationResult and ScanResult files.
_FORMAT_VERSION = 1
_INTS = ("L", "seed", "stream", "sweeps", "thermalize", "interval", "updates_per_measurement")
_FLOATS = ("T", "J", "h", "flips_per_ns", "sweeps_per_measurement", "elapsed")
_SERIES = ("energy", "magnetization")


def _pandas() -> Any:
    """The pandas module, or an ImportError that says how to install it."""
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_frame needs pandas, which is not installed: pip install pandas"
        ) from None
    return pandas


def _record(result: SimulationResult, suffix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON description and the arrays of one result (array names end in ``suffix``)."""
    meta: dict[str, Any] = {name: int(getattr(result, name)) for name in _INTS}
    meta |= {name: float(getattr(result, name)) for name in _FLOATS}
    meta["algorithm"] = str(result.algorithm)
    meta["reliable"] = bool(result.reliable)
    meta["reliability_note"] = str(result.reliability_note)
    meta["observables"] = {
        name: [float(s.mean), float(s.error), float(s.tau_int), int(s.n)]
        for name, s in result.observables.items()
    }
    meta["tau_int"] = {name: float(v) for name, v in result.tau_int.items()}
    meta["error_uncertainty"] = {name: float(v) for name, v in result.error_uncertainty.items()}
    engine = result.engine
    meta["engine"] = None
    if engine is not None:
        meta["engine"] = {
            "algorithm": engine.algorithm,
            "kernel": engine.kernel,
            "backend": engine.backend,
            "threads": engine.threads,
        }
    model = result.model
    meta["model"] = {
        "L": model.L,
        "beta": float(model.beta),
        "J": float(model.J),
        "h": float(model.h),
        "seed": int(model.seed),
        "stream": int(model.stream),
        "step": int(model.step),
        "flipped_by_clusters": int(model.flipped_by_clusters),
    }
    arrays = {
        f"energy{suffix}": np.asarray(result.energy, dtype=np.float64),
        f"magnetization{suffix}": np.asarray(result.magnetization, dtype=np.float64),
        f"spins{suffix}": model.spins,
    }
    return meta, arrays


def _typed(meta: dict[str, Any], name: str, kinds: type | tuple[type, ...]) -> Any:
    """``meta[name]``, refusing a value of another JSON type (a bool is not a number)."""
    value = meta[name]
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise TypeError(f"{name} is {value!r}")
    if not isinstance(value, kinds):
        raise TypeError(f"{name} is {value!r}")
    return value


def _saved_engine(spec: Any) -> Engine | None:
    """The saved engine, or its CPU twin (same bits) where no GPU is usable here."""
    if spec is None:
        return None
    algorithm = _typed(spec, "algorithm", str)
    kernel = _typed(spec, "kernel", str)
    backend = _typed(spec, "backend", str)
    threads = spec["threads"]
    while True:
        try:
            return Engine(algorithm, kernel, backend, threads)
        except ResourceError:  # no usable GPU here
            if backend == "cpu":
                raise
            backend = "cpu"
        except InputError as exc:  # more threads than this machine's Numba has
            if exc.argument != "threads" or threads is None:
                raise
            threads = None


def _saved_model(spec: dict[str, Any], spins: np.ndarray) -> IsingModel:
    model = IsingModel(
        _typed(spec, "L", int),
        beta=_typed(spec, "beta", (int, float)),
        J=_typed(spec, "J", (int, float)),
        h=_typed(spec, "h", (int, float)),
        initial=spins,
        seed=_typed(spec, "seed", int),
        stream=_typed(spec, "stream", int),
    )
    model.step = check_int("step", _typed(spec, "step", int), minimum=0)
    model.flipped_by_clusters = check_int(
        "flipped_by_clusters", _typed(spec, "flipped_by_clusters", int), minimum=0
    )
    return model


def _stats_of(meta: dict[str, Any]) -> dict[str, Stats]:
    saved = _typed(meta, "observables", dict)
    if set(saved) != set(OBSERVABLES):
        raise ValueError(f"observables are {sorted(saved)}, expected {list(OBSERVABLES)}")
    out = {}
    for name in OBSERVABLES:
        mean, error, tau, n = saved[name]
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"observables[{name!r}] n is {n!r}")
        out[name] = Stats(float(mean), float(error), float(tau), n)
    return out


def _floats_of(meta: dict[str, Any], name: str) -> dict[str, float]:
    return {str(k): float(v) for k, v in _typed(meta, name, dict).items()}


def _series(arrays: dict[str, np.ndarray], suffix: str) -> tuple[np.ndarray, np.ndarray]:
    energy, magnet = (arrays[f"{name}{suffix}"] for name in _SERIES)
    for name, x in zip(_SERIES, (energy, magnet), strict=True):
        if x.ndim != 1 or x.dtype != np.float64 or x.size < 2:
            raise ValueError(f"{name} is not a float64 series of >= 2 measurements")
    if energy.size != magnet.size:
        raise ValueError(f"energy has {energy.size} measurements, magnetization {magnet.size}")
    return energy, magnet


def _from_record(
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
    suffix: str,
    path: str | os.PathLike,
    kind: str,
) -> SimulationResult:
    """Rebuild one result; anything missing or out of place is an InputError naming the file."""
    try:
        energy, magnet = _series(arrays, suffix)
        fields: dict[str, Any] = {name: _typed(meta, name, int) for name in _INTS}
        fields |= {name: float(_typed(meta, name, (int, float))) for name in _FLOATS}
        algorithm = _typed(meta, "algorithm", str)
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        return SimulationResult(
            **fields,
            algorithm=algorithm,
            energy=energy,
            magnetization=magnet,
            observables=_stats_of(meta),
            tau_int=_floats_of(meta, "tau_int"),
            model=_saved_model(_typed(meta, "model", dict), arrays[f"spins{suffix}"]),
            engine=_saved_engine(meta["engine"]),
            reliable=_typed(meta, "reliable", bool),
            error_uncertainty=_floats_of(meta, "error_uncertainty"),
            reliability_note=_typed(meta, "reliability_note", str),
        )
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{path}: not a valid saved {kind} ({reason})") from None


def updates_per_interval(model: IsingModel, engine: Engine | str, interval: int) -> int:
    """Kernel updates that make up ``interval`` sweeps of the engine's algorithm on ``model``.

    For Wolff this is ``interval * N / <cluster size>``, the mean cluster size measured over
    two sweep-equivalents (at least 20 updates) that advance the model; call it after
    thermalization. Sampling with a fixed count keeps the samples unbiased, where stopping
    on a flip count would not. For every other algorithm it is ``interval``.

    Parameters
    ----------
    model : IsingModel
        A thermalized model (it is advanced by the calibration for Wolff).
    engine : Engine or str
        How the model is updated (or an algorithm name, as everywhere).
    interval : int
        Sweeps.

    Returns
    -------
    int
        At least 1.
    """
    engine = as_engine(engine)
    if engine.algorithm != "wolff":
        return interval
    flipped0 = model.flipped_by_clusters
    done = model.thermalize(2, engine)
    if done < 20:
        model.update(20 - done, engine)
        done = 20
    mean_cluster = (model.flipped_by_clusters - flipped0) / done
    return max(1, round(interval * model.n_spins / mean_cluster))


def simulate(
    L: int,
    T: float,
    sweeps: int,
    *,
    thermalize: int = 1000,
    interval: int = 1,
    engine: Engine | str = "metropolis",
    J: float = 1.0,
    h: float = 0.0,
    seed: int = 0,
    stream: int = 0,
    initial: str | np.ndarray = "hot",
    progress: bool = True,
) -> SimulationResult:
    """Simulate the 2D Ising model and measure its thermodynamics with honest errors.

    Parameters
    ----------
    L : int
        Lattice side (even, >= 2).
    T : float
        Temperature (J/k_B), finite and > 0.
    sweeps : int
        Production sweeps (>= 2 * interval, at most 2**62); ``sweeps // interval``
        measurements are taken.
    thermalize : int
        Sweeps before measuring (>= 0).
    interval : int
        Sweeps between measurements (>= 1).
    engine : Engine or str
        Algorithm, kernel, backend and threads (:class:`isingml.ising.Engine`, default
        ``Engine()``: Metropolis, multi-spin kernel, CPU), or an algorithm name as
        shorthand. The same model, seed and engine give the chain of
        ``IsingModel(L, T, seed=seed).update(thermalize, engine)`` followed by
        ``sample(sweeps // interval, interval, engine)``, bit for bit. For Wolff, sweeps are
        sweep-equivalents: the number of cluster updates per measurement is fixed after
        thermalization from the mean cluster size seen there (a fixed count keeps the
        sampling unbiased).
    J, h : float
        Coupling and field (cluster algorithms need h = 0).
    seed, stream : int
        Philox key: the same key gives the same bits on any number of threads and on
        either backend.
    initial : {"hot", "cold"} or ndarray
        Initial state.
    progress : bool
        Show a progress bar.

    Returns
    -------
    SimulationResult
        With ``reliable`` False where the error bars cannot be trusted.

    Warns
    -----
    RuntimeWarning
        When the error bars cannot be trusted (``SimulationResult.reliability_note``): a
        run shorter than :data:`RELIABLE_RUN_TAUS` integrated autocorrelation times, or
        an error bar itself uncertain by more than :data:`MAX_ERROR_UNCERTAINTY`. A run
        that never saw a rare event (a tunnelling, a large droplet) cannot know that it
        missed it: a reliable flag is necessary, not sufficient.

    Raises
    ------
    ResourceError
        Before any work, when the recorded series (:data:`BYTES_PER_MEASUREMENT` per
        measurement) would not fit in the available memory.
    InputError
        On bad arguments, also before any work.

    Examples
    --------
    >>> from isingml import simulate
    >>> r = simulate(16, 2.5, sweeps=2000, thermalize=200, seed=1, progress=False)
    >>> round(r.observables["energy_per_spin"].mean, 1)
    -1.1
    """
    sweeps, thermalize, interval = _check_counts(sweeps, thermalize, interval)
    T = check_positive("T", T)
    n_meas = sweeps // interval
    # Before any lattice or kernel: the recorded series must fit, or the run would end
    # in a MemoryError after the thermalization.
    check_memory(
        f"sweeps={sweeps} with interval={interval}: {n_meas} measurements (the energy "
        "and magnetization series and their error analysis)",
        n_meas * BYTES_PER_MEASUREMENT,
    )
    model = IsingModel(L, T, J=J, h=h, initial=initial, seed=seed, stream=stream)
    engine = model._check_update(engine)  # validate before any kernel
    algorithm = engine.algorithm
    n = model.n_spins

    with progress_bar(
        total=thermalize + n_meas * interval,
        progress=progress,
        unit="sweep",
        desc=f"L={L} T={T:.4g} {algorithm}",
        leave=False,
    ) as bar:
        model.thermalize(thermalize, engine)
        bar.update(thermalize)
        per_meas = updates_per_interval(model, engine, interval)
        # Chunks of about 2e7 spin updates keep the progress bar moving without
        # costing Python time per measurement.
        chunk = max(1, int(2e7 // (n * interval)))
        energy = np.empty(n_meas)
        magnet = np.empty(n_meas)
        flipped_start = model.flipped_by_clusters
        elapsed = 0.0
        for start in range(0, n_meas, chunk):
            stop = min(n_meas, start + chunk)
            t0 = time.perf_counter()
            energy[start:stop], magnet[start:stop] = model.sample(stop - start, per_meas, engine)
            elapsed += time.perf_counter() - t0
            bar.update((stop - start) * interval)

    if algorithm == "wolff":
        sweeps_per_meas = (model.flipped_by_clusters - flipped_start) / n / n_meas
    else:
        sweeps_per_meas = float(interval)
    total_attempts = sweeps_per_meas * n_meas * n
    analysis = _analyse(energy, magnet, model.beta, n, signed_matters=model.h != 0.0)
    if not analysis.reliable:
        warnings.warn(analysis.note, RuntimeWarning, stacklevel=2)
    tau = {
        "energy": analysis.taus["energy_per_spin"] * sweeps_per_meas,
        "abs_magnetization": analysis.taus["abs_magnetization"] * sweeps_per_meas,
    }
    return SimulationResult(
        L=model.L,
        T=model.T,
        J=model.J,
        h=model.h,
        algorithm=algorithm,
        seed=model.seed,
        stream=model.stream,
        sweeps=sweeps,
        thermalize=thermalize,
        interval=interval,
        energy=energy,
        magnetization=magnet,
        observables=analysis.observables,
        tau_int=tau,
        flips_per_ns=total_attempts / elapsed / 1e9 if elapsed > 0 else float("nan"),
        updates_per_measurement=int(per_meas),
        sweeps_per_measurement=float(sweeps_per_meas),
        elapsed=elapsed,
        model=model,
        engine=engine,
        reliable=analysis.reliable,
        error_uncertainty=analysis.uncertainty,
        reliability_note=analysis.note,
    )


def _check_counts(sweeps: int, thermalize: int, interval: int) -> tuple[int, int, int]:
    """Validate the sweep counts: integers, in range, and fitting the step counter."""
    sweeps = check_int("sweeps", sweeps, minimum=1)
    thermalize = check_int("thermalize", thermalize, minimum=0)
    interval = check_int("interval", interval, minimum=1)
    for name, value in (("sweeps", sweeps), ("thermalize", thermalize), ("interval", interval)):
        if value > _MAX_SWEEPS:
            raise InputError(
                f"{name} must be at most 2**62 (the chain's step counter), got {value}",
                argument=name,
            )
    if sweeps < interval:
        raise InputError(
            f"sweeps must be >= interval ({interval}), got {sweeps}", argument="sweeps"
        )
    if sweeps // interval < 2:
        raise InputError(
            f"sweeps must be >= 2 * interval ({2 * interval}) for two measurements and an "
            f"error bar, got {sweeps}",
            argument="sweeps",
        )
    return sweeps, thermalize, interval


@dataclass
class _Analysis:
    observables: dict[str, Stats]
    taus: dict[str, float]  # in measurements
    uncertainty: dict[str, float]
    reliable: bool
    note: str


def _analyse(
    energy: np.ndarray, magnet: np.ndarray, beta: float, n_spins: int, *, signed_matters: bool
) -> _Analysis:
    """Observables with errors, and whether those errors can be trusted.

    Means carry errors from ``tau_int`` (:func:`isingml.ising.observables.thermodynamics`).
    C, chi and U4 carry the blocked jackknife's plateau error (the largest over 12-100
    blocks), with blocks chosen from the longest ``tau_int`` among the observables and
    the linearised series that govern those errors: short runs, and runs whose
    fluctuations come in rare droplets or tunnelling events, give errors that vary much
    from run to run, and one blocking is too often too small.
    """
    e = np.asarray(energy, dtype=np.float64)
    m = np.asarray(magnet, dtype=np.float64)
    a = np.abs(m)
    derived = derived_observables(e, m, beta, n_spins)
    series: dict[str, np.ndarray] = {"energy_per_spin": e, "abs_magnetization": a}
    if signed_matters:
        series["magnetization"] = m
    for name, (func, args) in derived.items():
        series[name] = linearised(func, args)
    taus = {name: tau_int(x) for name, x in series.items()}
    if not signed_matters:
        taus["magnetization"] = tau_int(m)
    tau_max = max(taus[k] for k in series)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # summed up in the note below
        observables = thermodynamics(e, m, beta, n_spins, block_tau=tau_max)
    uncertainty = {name: error_uncertainty(x, taus[name]) for name, x in series.items()}
    if not signed_matters:
        uncertainty["magnetization"] = error_uncertainty(m, taus["magnetization"])
    reasons = []
    n = e.shape[0]
    if n < RELIABLE_RUN_TAUS * tau_max:
        reasons.append(
            f"the run spans {n / tau_max:.3g} integrated autocorrelation times "
            f"(tau_int = {tau_max:.3g} measurements), fewer than {RELIABLE_RUN_TAUS:g}"
        )
    shaky = {k: v for k, v in uncertainty.items() if k in series and v > MAX_ERROR_UNCERTAINTY}
    if shaky:
        listed = ", ".join(f"{k} ±{100 * v:.0f}%" for k, v in shaky.items())
        reasons.append(
            f"error bars are themselves uncertain ({listed}; the limit is "
            f"{100 * MAX_ERROR_UNCERTAINTY:.0f}%): the fluctuations come in rare bursts "
            "(droplets, tunnelling) and the error depends on how many the run saw"
        )
    note = ""
    if reasons:
        note = "error bars cannot be trusted: " + "; ".join(reasons) + ". Run longer."
    return _Analysis(observables, taus, uncertainty, not reasons, note)


def temperature_scan(
    L: int,
    temperatures: np.ndarray | list[float],
    sweeps: int,
    *,
    engine: Engine | str = "metropolis",
    progress: bool = True,
    seed: int = 0,
    **kwargs: Any,
) -> list[SimulationResult]:
    """Run :func:`simulate` at each temperature, each as its own Philox stream.

    Parameters
    ----------
    L : int
        Lattice side.
    temperatures : array_like of float
        Temperatures, each finite and > 0.
    sweeps : int
        Production sweeps per temperature.
    engine : Engine or str
        As in :func:`simulate` (validated once, before the first temperature).
    progress : bool
        Show a progress bar over temperatures.
    seed : int
        Philox seed; temperature ``i`` uses stream ``i``.
    **kwargs
        Passed on to :func:`simulate` (``thermalize``, ``interval``, ``J``, ``h``, ...).

    Returns
    -------
    list of SimulationResult
        In the order of ``temperatures``.
    """
    temps = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
    if temps.ndim != 1 or temps.size == 0:
        raise InputError(f"temperatures must be a non-empty 1-D list, got {temperatures!r}")
    for t in temps:
        check_positive("temperatures", float(t))
    if "stream" in kwargs:
        raise InputTypeError("temperature_scan sets stream itself (stream i for temperature i)")
    engine = as_engine(engine)
    return [
        simulate(L, float(t), sweeps, engine=engine, seed=seed, stream=i, progress=False, **kwargs)
        for i, t in enumerate(progress_bar(temps, progress=progress, desc=f"scan L={L}", unit="T"))
    ]


@dataclass
class ScanResult:
    """The results of a temperature scan, kept together: save, load, tabulate.

    It holds what :func:`temperature_scan` returns and behaves as that list does
    (``len``, iteration, indexing), so it can be passed wherever a sequence of
    :class:`SimulationResult` is taken (e.g. :func:`isingml.plotting.plot_observables`).

    Attributes
    ----------
    results : list of SimulationResult
        One per temperature, in the order run (at least one).

    Examples
    --------
    >>> from isingml.ising import ScanResult, temperature_scan
    >>> scan = ScanResult(temperature_scan(8, [2.0, 3.0], 200, thermalize=50, progress=False))
    >>> scan.temperatures.tolist()
    [2.0, 3.0]
    """

    results: list[SimulationResult]

    def __post_init__(self) -> None:
        if isinstance(self.results, SimulationResult) or not isinstance(
            self.results, (list, tuple)
        ):
            raise InputTypeError(
                f"results must be a list of SimulationResult, got {type(self.results).__name__}"
            )
        self.results = list(self.results)
        if not self.results:
            raise InputError("results must hold at least one SimulationResult")
        for i, r in enumerate(self.results):
            if not isinstance(r, SimulationResult):
                raise InputTypeError(
                    f"results[{i}] must be a SimulationResult, got {type(r).__name__}"
                )

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[SimulationResult]:
        return iter(self.results)

    def __getitem__(self, index: int) -> SimulationResult:
        return self.results[index]

    @property
    def temperatures(self) -> np.ndarray:
        """The temperatures, in the order of :attr:`results` (float64 array)."""
        return np.array([r.T for r in self.results], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no time series).

        Returns
        -------
        dict
            ``{"temperatures": [...], "results": [...]}``, each result as
            :meth:`SimulationResult.to_dict` gives it.
        """
        return {
            "temperatures": self.temperatures.tolist(),
            "results": [r.to_dict() for r in self.results],
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write every result of the scan into one file, as :meth:`SimulationResult.save`.

        Parameters
        ----------
        path : str or path-like
            Destination: ``.h5``/``.hdf5`` for HDF5, else ``.npz`` (added when the name
            has no suffix).

        Returns
        -------
        Path
            The path written.
        """
        records = []
        arrays: dict[str, np.ndarray] = {}
        for i, r in enumerate(self.results):
            meta, named = _record(r, f"_{i}")
            records.append(meta)
            arrays |= named
        return save_arrays(path, "ScanResult", _FORMAT_VERSION, {"results": records}, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ScanResult:
        """Read a scan written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        ScanResult
            Equal to the one saved (each model in its saved final state).

        Raises
        ------
        InputError
            Naming the file, when it is not a saved ScanResult or is damaged.
        FileNotFoundError
            When there is no such file.
        """
        meta, arrays, _ = load_arrays(path, "ScanResult")
        records = meta.get("results")
        if not isinstance(records, list) or not records:
            raise InputError(f"{path}: not a valid saved ScanResult (no results)")
        expected = {f"{name}_{i}" for i in range(len(records)) for name in (*_SERIES, "spins")}
        if set(arrays) != expected:
            raise InputError(f"{path}: not a valid saved ScanResult (its arrays do not match)")
        for record in records:
            if not isinstance(record, dict):
                raise InputError(f"{path}: not a valid saved ScanResult (a result is not a dict)")
        return cls(
            [
                _from_record(record, arrays, f"_{i}", path, "ScanResult")
                for i, record in enumerate(records)
            ]
        )

    def to_frame(self) -> Any:
        """Every time series as one long pandas DataFrame (pandas is optional).

        Returns
        -------
        pandas.DataFrame
            One row per measurement of each temperature, in the order run: columns ``L``,
            ``T``, ``measurement`` (from 0 at each temperature), ``energy`` and
            ``magnetization`` (per spin).

        Raises
        ------
        ImportError
            When pandas is not installed (the message says ``pip install pandas``).
        """
        pd = _pandas()
        frames = []
        for r in self.results:
            n = r.energy.size
            frames.append(
                pd.DataFrame(
                    {
                        "L": np.full(n, r.L, dtype=np.int64),
                        "T": np.full(n, r.T, dtype=np.float64),
                        "measurement": np.arange(n, dtype=np.int64),
                        "energy": r.energy,
                        "magnetization": r.magnetization,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)
