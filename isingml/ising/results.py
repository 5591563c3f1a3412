"""The results of a simulation and of a temperature scan: what they hold, and how they are
kept (:meth:`SimulationResult.save`, through the one persistence helper: atomic,
checksummed, ``.h5`` or ``.npz``) and looked at (``to_dict``, ``to_frame``)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from isingml._persistence import load_arrays, save_arrays
from isingml._validation import check_int
from isingml.errors import InputError, InputTypeError, ResourceError
from isingml.ising.engine import ALGORITHMS, Engine
from isingml.ising.model import IsingModel
from isingml.ising.observables import OBSERVABLES
from isingml.stats import Stats

__all__ = ["ScanResult", "SimulationResult"]


@dataclass
class SimulationResult:
    """What :func:`~isingml.ising.simulation.simulate` measured.

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
        :data:`~isingml.ising.simulation.RELIABLE_RUN_TAUS` integrated autocorrelation
        times and no error bar is itself uncertain by more than
        :data:`~isingml.ising.simulation.MAX_ERROR_UNCERTAINTY` (the signed
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


@dataclass
class ScanResult:
    """The results of a temperature scan, kept together: save, load, tabulate.

    It holds what :func:`~isingml.ising.simulation.temperature_scan` returns and behaves
    as that list does (``len``, iteration, indexing), so it can be passed wherever a sequence of
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
