"""The simulation driver: thermalize, measure every few sweeps, return series and statistics."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from isingml._validation import check_int, check_positive
from isingml.errors import InputError, InputTypeError
from isingml.ising.engine import Engine, as_engine
from isingml.ising.model import IsingModel
from isingml.ising.observables import OBSERVABLES, thermodynamics
from isingml.stats import Stats, integrated_autocorrelation_time

__all__ = ["SimulationResult", "simulate", "temperature_scan", "updates_per_interval"]


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
        Energy, magnetization, |m|, heat capacity, susceptibility and Binder cumulant.
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no time series).

        Returns
        -------
        dict
            Inputs, each observable as ``{"mean", "error"}``, ``tau_int`` (of |m|, in
            sweeps), ``tau_int_energy`` and ``flips_per_ns``.
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
        return out


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


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
        Production sweeps (>= interval); ``sweeps // interval`` measurements are taken.
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

    Examples
    --------
    >>> from isingml import simulate
    >>> r = simulate(16, 2.5, sweeps=2000, thermalize=200, seed=1, progress=False)
    >>> round(r.observables["energy_per_spin"].mean, 1)
    -1.1
    """
    sweeps = check_int("sweeps", sweeps, minimum=1)
    thermalize = check_int("thermalize", thermalize, minimum=0)
    interval = check_int("interval", interval, minimum=1)
    T = check_positive("T", T)
    if sweeps < interval:
        raise InputError(f"sweeps must be >= interval ({interval}), got {sweeps}")
    model = IsingModel(L, T, J=J, h=h, initial=initial, seed=seed, stream=stream)
    engine = model._check_update(engine)  # validate before any kernel
    algorithm = engine.algorithm
    n_meas = sweeps // interval
    n = model.n_spins

    with tqdm(
        total=thermalize + n_meas * interval,
        disable=not progress,
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
    observables = thermodynamics(energy, magnet, model.beta, n)
    tau = {
        "energy": integrated_autocorrelation_time(energy)[0] * sweeps_per_meas,
        "abs_magnetization": integrated_autocorrelation_time(np.abs(magnet))[0] * sweeps_per_meas,
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
        observables=observables,
        tau_int=tau,
        flips_per_ns=total_attempts / elapsed / 1e9 if elapsed > 0 else float("nan"),
        updates_per_measurement=int(per_meas),
        sweeps_per_measurement=float(sweeps_per_meas),
        elapsed=elapsed,
        model=model,
        engine=engine,
    )


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
        for i, t in enumerate(tqdm(temps, disable=not progress, desc=f"scan L={L}", unit="T"))
    ]
