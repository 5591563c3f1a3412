"""The simulation driver: thermalize, measure every few sweeps, return series and statistics."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from isingml._progress import progress_bar
from isingml._resources import check_memory
from isingml._validation import check_int, check_positive
from isingml.errors import InputError, InputTypeError
from isingml.ising.engine import Engine, as_engine
from isingml.ising.model import IsingModel
from isingml.ising.observables import (
    derived_observables,
    linearised,
    tau_int,
    thermodynamics,
)
from isingml.ising.results import SimulationResult
from isingml.stats import (
    Stats,
    error_uncertainty,
)

__all__ = [
    "BYTES_PER_MEASUREMENT",
    "MAX_ERROR_UNCERTAINTY",
    "RELIABLE_RUN_TAUS",
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
