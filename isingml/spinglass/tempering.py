"""Parallel tempering (replica exchange) of disordered Ising models, with two real replicas.

:func:`parallel_tempering` runs ``K`` temperatures of ``R`` independent replicas of every
disorder sample; samples, replicas and temperatures are simulated in parallel by the
kernels of :mod:`isingml.spinglass.kernels`, reproducibly from Philox4x32-10. The result
holds per-sample thermal averages in bins, the overlap histograms and the exchange
statistics, and derives the disorder averages with their errors: energy, specific heat,
overlap moments, spin-glass susceptibility, Binder ratio, ``P(q)``, exchange acceptance,
round-trip times and the lowest energies found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

from isingml._numba import numba_threads
from isingml._persistence import load_arrays, save_arrays
from isingml._progress import progress_bar
from isingml._resources import check_memory
from isingml._validation import check_int
from isingml.errors import InputError, InputTypeError
from isingml.random import TAG_SPIN_GLASS, validate_seed
from isingml.spinglass import kernels
from isingml.spinglass.models import SpinGlassModel
from isingml.stats import Stats, jackknife

__all__ = ["TemperingResult", "check_temperatures", "geometric_ladder", "parallel_tempering"]

#: Couplings held in memory at once by a batch of dense samples (bytes).
_DENSE_BATCH_BYTES = 2**28
_FORMAT_VERSION = 1
#: Spins per sweep (all walkers of a sample) from which a parallel region per sweep pays.
_PER_SWEEP_WORK = 8192


def geometric_ladder(t_min: float, t_max: float, count: int) -> np.ndarray:
    """Temperatures ``t_min`` to ``t_max`` in geometric progression (the usual first ladder).

    Parameters
    ----------
    t_min, t_max : float
        Lowest and highest temperature, ``0 < t_min < t_max``.
    count : int
        Number of temperatures (at least 2).

    Returns
    -------
    ndarray of float64, shape (count,), ascending
    """
    count = check_int("count", count, minimum=2)
    check_memory(f"a ladder of {count} temperatures", 3 * 8 * count)
    t_min, t_max = float(t_min), float(t_max)
    if not (math.isfinite(t_min) and math.isfinite(t_max) and 0 < t_min < t_max):
        raise InputError(f"need 0 < t_min < t_max, got t_min={t_min!r}, t_max={t_max!r}")
    return t_min * (t_max / t_min) ** np.linspace(0.0, 1.0, count)


def check_temperatures(temperatures: object) -> np.ndarray:
    """Validate a temperature ladder: finite, positive, strictly ascending, 1-D."""
    try:
        t = np.asarray(temperatures, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"temperatures must be numbers, got {temperatures!r}") from None
    t = np.atleast_1d(t)
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"temperatures must be a non-empty 1-D sequence, got {temperatures!r}")
    if not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise InputError(
            f"temperatures must be positive, finite and strictly ascending, got {t.tolist()}"
        )
    return t


def _mean_and_error(per_sample: np.ndarray, per_bin: np.ndarray) -> tuple[np.ndarray, ...]:
    # Disorder average over samples (error from their scatter); one sample: thermal
    # average with the error of its bin means.
    if per_sample.shape[0] >= 2:
        s = per_sample.shape[0]
        return per_sample.mean(axis=0), per_sample.std(axis=0, ddof=1) / np.sqrt(s)
    b = per_bin[0]  # (K, bins)
    nb = b.shape[-1]
    return per_sample[0], b.std(axis=-1, ddof=1) / np.sqrt(nb)


@dataclass(eq=False)
class TemperingResult:
    """Parallel-tempering statistics of a set of disorder samples.

    Attributes
    ----------
    model : dict
        The model's parameters.
    n : int
        Number of spins.
    temperatures : ndarray, shape (K,)
        Ascending; slot 0 is the coldest.
    samples : ndarray of int64, shape (S,)
        Disorder sample numbers.
    sweeps, thermalize, interval, replicas, seed : int
        Run parameters (``sweeps`` of production after ``thermalize``).
    sums : ndarray, shape (S, K, bins, 6)
        Per-bin sums of (count, e, e^2, ``|q|``, q^2, q^4), ``e`` the energy per spin
        (averaged over replicas) and ``q`` the overlap of replicas 0 and 1.
    histograms : ndarray of int64, shape (S, K, n + 1)
        Counts of the overlap values ``q_j = (2 j - n) / n``.
    exchanges : ndarray of int64, shape (S, K, 2)
        Proposed and accepted exchanges between slots ``k`` and ``k + 1`` (production).
    trips : ndarray of int64, shape (S, 2)
        Completed round trips (coldest -> hottest -> coldest) and their total sweeps.
    flux : ndarray of int64, shape (S, K, 2)
        Visits of each slot by walkers that last saw the coldest / the hottest slot.
    best_energy : ndarray, shape (S,)
        Lowest energy per spin met by any walker (an upper bound on the ground state).
    best_spins : ndarray of int8, shape (S, n)
        A configuration with that energy.
    """

    model: dict
    n: int
    temperatures: np.ndarray
    samples: np.ndarray
    sweeps: int
    thermalize: int
    interval: int
    replicas: int
    seed: int
    sums: np.ndarray
    histograms: np.ndarray
    exchanges: np.ndarray
    trips: np.ndarray
    flux: np.ndarray
    best_energy: np.ndarray
    best_spins: np.ndarray
    seconds: float = field(default=0.0)

    # ---- per-sample thermal averages ------------------------------------------------
    def _per_sample(self, column: int) -> tuple[np.ndarray, np.ndarray]:
        counts = self.sums[..., 0]
        per_bin = self.sums[..., column] / np.maximum(counts, 1)
        per_sample = self.sums[..., column].sum(-1) / np.maximum(counts.sum(-1), 1)
        return per_sample, per_bin

    def _stats(self, column: int, scale: float = 1.0) -> list[Stats]:
        per_sample, per_bin = self._per_sample(column)
        mean, err = _mean_and_error(per_sample * scale, per_bin * scale)
        n = self.samples.size if self.samples.size >= 2 else per_bin.shape[-1]
        return [Stats(float(m), float(e), math.nan, n) for m, e in zip(mean, err, strict=True)]

    def _need_overlaps(self) -> None:
        if self.replicas < 2:
            raise InputError("overlaps need replicas >= 2; this run had replicas=1")

    @property
    def energy(self) -> list[Stats]:
        """Disorder-averaged energy per spin ``[<e>]`` at each temperature."""
        return self._stats(1)

    @property
    def specific_heat(self) -> list[Stats]:
        """Specific heat per spin ``n beta^2 [<e^2> - <e>^2]`` at each temperature."""
        e, e_bin = self._per_sample(1)
        e2, e2_bin = self._per_sample(2)
        beta2 = self.n / self.temperatures**2
        c = beta2 * (e2 - e**2)
        c_bin = beta2[:, None] * (e2_bin - e_bin**2)
        mean, err = _mean_and_error(c, c_bin)
        n = self.samples.size if self.samples.size >= 2 else c_bin.shape[-1]
        return [Stats(float(m), float(x), math.nan, n) for m, x in zip(mean, err, strict=True)]

    @property
    def abs_overlap(self) -> list[Stats]:
        """``[<|q|>]`` at each temperature."""
        self._need_overlaps()
        return self._stats(3)

    @property
    def q2(self) -> list[Stats]:
        """``[<q^2>]`` at each temperature."""
        self._need_overlaps()
        return self._stats(4)

    @property
    def q4(self) -> list[Stats]:
        """``[<q^4>]`` at each temperature."""
        self._need_overlaps()
        return self._stats(5)

    @property
    def susceptibility(self) -> list[Stats]:
        """Spin-glass susceptibility ``chi_SG = n [<q^2>]`` at each temperature."""
        self._need_overlaps()
        return self._stats(4, scale=float(self.n))

    @property
    def binder(self) -> list[Stats]:
        """Binder ratio ``g = (3 - [<q^4>] / [<q^2>]^2) / 2`` (jackknife over samples, or
        over bins for one sample): 1 for a single pair of states ``q = +/- q_EA``, 0 for a
        Gaussian ``P(q)`` (paramagnet); curves of different sizes cross at ``T_c``."""
        self._need_overlaps()
        q2, q2_bin = self._per_sample(4)
        q4, q4_bin = self._per_sample(5)
        out = []
        for k in range(self.temperatures.size):
            if self.samples.size >= 2:
                a, b = q4[:, k], q2[:, k]
            else:
                a, b = q4_bin[0, k], q2_bin[0, k]
            out.append(jackknife(lambda x, y: 0.5 * (3.0 - x / y**2), a, b, n_blocks=a.size))
        return out

    def overlap_values(self) -> np.ndarray:
        """The possible overlaps ``q_j = (2 j - n) / n``, ``j = 0 .. n``."""
        return (2.0 * np.arange(self.n + 1) - self.n) / self.n

    def overlap_distribution(self, symmetric: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Disorder-averaged overlap distribution ``P(q)`` at each temperature.

        Each sample's histogram is normalized before averaging (the disorder average of
        the thermal ``P_J(q)``). Overlaps change in steps of ``2/n``; ``P`` is returned as
        a density (probability / ``(2/n)``) so that curves of different ``n`` compare.

        Parameters
        ----------
        symmetric : bool
            Symmetrize ``P(q)`` and ``P(-q)`` (exact in zero field).

        Returns
        -------
        q : ndarray, shape (n + 1,)
        density : ndarray, shape (K, n + 1)
        """
        self._need_overlaps()
        h = self.histograms.astype(np.float64)
        p = h / np.maximum(h.sum(axis=-1, keepdims=True), 1.0)
        p = p.mean(axis=0)
        if symmetric:
            p = 0.5 * (p + p[:, ::-1])
        return self.overlap_values(), p * (self.n / 2.0)

    # ---- exchange statistics --------------------------------------------------------
    @property
    def acceptance(self) -> np.ndarray:
        """Exchange acceptance rate of each neighbouring pair ``(k, k + 1)``, shape (K-1,),
        pooled over samples and replicas."""
        ex = self.exchanges[:, :-1].sum(axis=0)
        return ex[:, 1] / np.maximum(ex[:, 0], 1)

    @property
    def acceptance_per_sample(self) -> np.ndarray:
        """Acceptance rate of each pair for each sample, shape (S, K-1)."""
        ex = self.exchanges[:, :-1]
        return ex[..., 1] / np.maximum(ex[..., 0], 1)

    @property
    def round_trips(self) -> int:
        """Completed round trips (coldest -> hottest -> coldest), all walkers and samples."""
        return int(self.trips[:, 0].sum())

    @property
    def round_trip_time(self) -> float:
        """Mean round-trip time in sweeps (NaN when no walker completed one)."""
        count = self.trips[:, 0].sum()
        return float(self.trips[:, 1].sum() / count) if count else math.nan

    @property
    def up_fraction(self) -> np.ndarray:
        """Fraction ``f(T)`` of visits to each slot by walkers last at the coldest slot
        (1 at the coldest, 0 at the hottest; a straight line in ``k`` for free diffusion)."""
        f = self.flux.sum(axis=0).astype(np.float64)
        return f[:, 0] / np.maximum(f.sum(axis=1), 1.0)

    @property
    def ground_state_energy(self) -> Stats:
        """Disorder average of the lowest energy per spin found, with its error."""
        e = self.best_energy
        err = float(e.std(ddof=1) / np.sqrt(e.size)) if e.size >= 2 else math.nan
        return Stats(float(e.mean()), err, math.nan, int(e.size))

    _ARRAYS = (
        "temperatures",
        "samples",
        "sums",
        "histograms",
        "exchanges",
        "trips",
        "flux",
        "best_energy",
        "best_spins",
    )
    _SCALARS = ("n", "sweeps", "thermalize", "interval", "replicas", "seed", "seconds")

    def save(self, path: str | Path) -> Path:
        """Write the result (arrays, the run's parameters, the model as JSON; no pickle),
        atomically and checksummed, so that runs can be pooled or analysed later.

        Parameters
        ----------
        path : str or Path
            Destination, ``.npz`` (added when the name has no suffix) or ``.h5``.

        Returns
        -------
        Path
        """
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        meta = {"model": self.model}
        meta |= {name: np.asarray(getattr(self, name)).item() for name in self._SCALARS}
        return save_arrays(path, "TemperingResult", _FORMAT_VERSION, meta, arrays)

    @classmethod
    def load(cls, path: str | Path) -> TemperingResult:
        """Read a result written by :meth:`save`.

        Raises
        ------
        InputError
            Naming the file, when it is not a saved TemperingResult or is damaged.
        """
        meta, arrays, _ = load_arrays(path, "TemperingResult")
        missing = [k for k in ("model", *cls._SCALARS) if k not in meta]
        missing += [k for k in cls._ARRAYS if k not in arrays]
        if missing:
            raise InputError(f"{path}: not a complete saved TemperingResult (missing {missing})")
        problem = _check_saved(meta, arrays)
        if problem:
            raise InputError(f"{path}: not a valid saved TemperingResult ({problem})")
        fields = {name: arrays[name] for name in cls._ARRAYS}
        fields |= {name: meta[name] for name in cls._SCALARS}
        return cls(model=meta["model"], **fields)

    @classmethod
    def combine(cls, results: list[TemperingResult]) -> TemperingResult:
        """Pool runs of disjoint disorder samples (same model, ladder and run parameters),
        e.g. ``first_sample=0, samples=8`` and ``first_sample=8, samples=8`` run apart.

        Raises
        ------
        ValueError
            If the runs differ in anything but their samples, or share a sample.
        """
        results = list(results)
        if not results:
            raise InputError("results must hold at least one TemperingResult")
        first = results[0]
        same = ("n", "sweeps", "thermalize", "interval", "replicas", "seed", "model")
        for r in results[1:]:
            for name in same:
                if getattr(r, name) != getattr(first, name):
                    raise InputError(
                        f"results differ in {name}: {getattr(first, name)!r} and "
                        f"{getattr(r, name)!r}"
                    )
            if not np.array_equal(r.temperatures, first.temperatures):
                raise InputError("results differ in their temperatures")
        samples = np.concatenate([r.samples for r in results])
        if np.unique(samples).size != samples.size:
            raise InputError("results share disorder samples; pool disjoint runs only")
        arrays = {
            name: np.concatenate([getattr(r, name) for r in results])
            for name in cls._ARRAYS
            if name != "temperatures"
        }
        scalars = {name: getattr(first, name) for name in cls._SCALARS if name != "seconds"}
        return cls(
            model=first.model,
            temperatures=first.temperatures,
            **arrays,
            **scalars,
            seconds=sum(r.seconds for r in results),
        )

    def to_dict(self) -> dict:
        """The run's parameters and derived statistics as a JSON-ready dictionary."""

        def stats(values: list[Stats]) -> list[dict]:
            return [s.to_dict() for s in values]

        out = {
            "model": self.model,
            "n": self.n,
            "temperatures": self.temperatures.tolist(),
            "samples": int(self.samples.size),
            "sweeps": self.sweeps,
            "thermalize": self.thermalize,
            "interval": self.interval,
            "replicas": self.replicas,
            "seed": self.seed,
            "seconds": self.seconds,
            "energy": stats(self.energy),
            "specific_heat": stats(self.specific_heat),
            "acceptance": self.acceptance.tolist(),
            "round_trips": self.round_trips,
            "round_trip_time": None if math.isnan(self.round_trip_time) else self.round_trip_time,
            "up_fraction": self.up_fraction.tolist(),
            "ground_state_energy": self.ground_state_energy.to_dict(),
        }
        if self.replicas >= 2:
            out |= {
                "abs_overlap": stats(self.abs_overlap),
                "q2": stats(self.q2),
                "q4": stats(self.q4),
                "susceptibility": stats(self.susceptibility),
                "binder": stats(self.binder),
            }
        return out


def _shapes(meta: dict, arrays: dict) -> dict[str, tuple[str, tuple]]:
    """The dtype kinds and shapes a saved result's arrays must have."""
    S, K, n = arrays["samples"].shape[:1], arrays["temperatures"].shape[:1], meta["n"]
    bins = arrays["sums"].shape[2:3]
    return {
        "temperatures": ("f", K),
        "samples": ("iu", S),
        "sums": ("f", S + K + bins + (kernels.N_ACCUMULATORS,)),
        "histograms": ("iu", (*S, *K, n + 1)),
        "exchanges": ("iu", (*S, *K, 2)),
        "trips": ("iu", (*S, 2)),
        "flux": ("iu", (*S, *K, 2)),
        "best_energy": ("f", S),
        "best_spins": ("i", (*S, n)),
    }


def _check_saved(meta: dict, arrays: dict) -> str | None:
    """What is wrong with a saved result's description and arrays, or None."""
    if not isinstance(meta["model"], dict):
        return f"model is {meta['model']!r}, not a description"
    for name in TemperingResult._SCALARS:
        value = meta[name]
        number = (int, float) if name == "seconds" else int
        if isinstance(value, bool) or not isinstance(value, number) or value < 0:
            return f"{name} is {value!r}"
    if meta["n"] < 1 or meta["replicas"] not in (1, 2) or meta["interval"] < 1:
        return f"n = {meta['n']}, replicas = {meta['replicas']}, interval = {meta['interval']}"
    for name in ("temperatures", "samples", "sums"):
        if arrays[name].ndim != (4 if name == "sums" else 1):
            return f"{name} has shape {arrays[name].shape}"
    for name, (kinds, shape) in _shapes(meta, arrays).items():
        a = arrays[name]
        if a.dtype.kind not in kinds or a.shape != shape:
            return f"{name} is {a.dtype} of shape {a.shape}, expected shape {shape}"
    t = arrays["temperatures"]
    if t.size < 1 or not np.all(np.isfinite(t) & (t > 0)) or np.any(np.diff(t) <= 0):
        return "the temperatures are not a positive ascending ladder"
    return None


def _batch_size(model: SpinGlassModel, samples: int) -> int:
    if model.dense:
        return max(1, min(samples, _DENSE_BATCH_BYTES // (8 * model.n * model.n)))
    return samples


def _tempering_bytes(model: SpinGlassModel, samples: int, replicas: int, K: int, bins: int) -> int:
    """An estimate of the peak memory of :func:`parallel_tempering`: the results of every
    sample, and the couplings and walkers of one batch of samples."""
    n = model.n
    per_sample = 8 * (K * bins * kernels.N_ACCUMULATORS + K * (n + 1) + 4 * K + 4) + n
    batch = _batch_size(model, samples)
    walkers = replicas * K * (n * (9 if model.dense else 1) + 6 * 8)
    return samples * per_sample + batch * (model.disorder_bytes() + walkers)


def _integer_levels(bonds: np.ndarray) -> int:
    # Sparse integer couplings: dE = 2 s h takes the values 2 k, k <= max_i sum_a |J_ia|.
    if bonds.size == 0 or not np.array_equal(bonds, np.round(bonds)):
        return 0
    return int(np.abs(bonds).sum(axis=-1).max())


def _stack_disorder(model: SpinGlassModel, ids: np.ndarray, seed: int) -> tuple:
    disorders = [model.disorder(int(i), seed) for i in ids]
    S, n = ids.size, model.n
    if model.dense:
        J = np.ascontiguousarray(np.stack([d.dense for d in disorders]))
        return J, np.zeros((0, 0), np.int64), np.zeros((S, 0, 0))
    nbr = np.ascontiguousarray(disorders[0].neighbors, dtype=np.int64)
    bonds = np.ascontiguousarray(np.stack([d.bonds for d in disorders]))
    return np.zeros((S, 0, 0)), nbr, bonds.reshape(S, n, -1)


def parallel_tempering(
    model: SpinGlassModel,
    temperatures: object,
    sweeps: int,
    *,
    thermalize: int | None = None,
    samples: int = 1,
    first_sample: int = 0,
    replicas: int = 2,
    interval: int = 1,
    bins: int = 32,
    seed: int = 0,
    threads: int | None = None,
    progress: bool = True,
) -> TemperingResult:
    """Parallel tempering of ``samples`` disorder samples, each with ``replicas`` copies.

    Every replica of every sample runs ``K = len(temperatures)`` walkers, one per
    temperature; after each sweep of all walkers, neighbouring temperatures exchange
    their configurations (even pairs after even sweeps, odd pairs after odd ones). Two
    replicas of a sample share the couplings and nothing else; their overlap
    ``q = (1/n) sum_i s_i^(1) s_i^(2)`` at equal temperature samples ``P(q)``.

    Parameters
    ----------
    model : SpinGlassModel
        :class:`~isingml.spinglass.SherringtonKirkpatrick`,
        :class:`~isingml.spinglass.EdwardsAnderson` or
        :class:`~isingml.spinglass.HopfieldGlass`.
    temperatures : sequence of float
        Strictly ascending ladder (see :func:`geometric_ladder`, :func:`tune_ladder`).
    sweeps : int
        Production sweeps (every walker, every temperature).
    thermalize : int, optional
        Sweeps before production; default ``sweeps`` (half the run discarded).
    samples : int
        Number of disorder samples, numbered ``first_sample, first_sample + 1, ...``.
    first_sample : int
        Number of the first sample (runs of disjoint ranges can be pooled).
    replicas : {1, 2}
        Real replicas per sample (2 for overlaps).
    interval : int
        Sweeps between measurements.
    bins : int
        Bins of the measurements kept per sample (errors of single-sample runs).
    seed : int
        Philox seed; the same seed gives the same bits for any threads and batching.
    threads : int, optional
        Numba threads.
    progress : bool
        Show a progress bar.

    Returns
    -------
    TemperingResult
    """
    import time

    if not isinstance(model, SpinGlassModel):
        raise InputTypeError(f"model must be a SpinGlassModel, got {model!r}")
    t = check_temperatures(temperatures)
    sweeps = check_int("sweeps", sweeps, minimum=1)
    thermalize = sweeps if thermalize is None else check_int("thermalize", thermalize, 0)
    samples = check_int("samples", samples, minimum=1)
    first_sample = check_int("first_sample", first_sample, minimum=0)
    if first_sample + samples > 2**32:
        raise InputError(f"sample numbers must stay below 2**32, got first_sample={first_sample}")
    if replicas not in (1, 2) or isinstance(replicas, bool):
        raise InputError(f"replicas must be 1 or 2, got {replicas!r}")
    interval = check_int("interval", interval, minimum=1)
    n_measure = sweeps // interval
    if n_measure < 1:
        raise InputError(f"sweeps ({sweeps}) must be at least interval ({interval})")
    bins = check_int("bins", bins, minimum=2)
    if bins > n_measure:
        raise InputError(
            f"bins must be at most the number of measurements {n_measure}, got {bins}"
        )
    seed = validate_seed(seed)

    K, n = t.size, model.n
    check_memory(
        f"parallel tempering of {samples} samples x {replicas} replicas x {K} temperatures "
        f"of {model!r}",
        _tempering_bytes(model, samples, replicas, K, bins),
    )
    betas = np.ascontiguousarray(1.0 / t)
    ids_all = np.arange(first_sample, first_sample + samples, dtype=np.int64)
    out = {
        "sums": np.zeros((samples, K, bins, kernels.N_ACCUMULATORS)),
        "histograms": np.zeros((samples, K, n + 1), np.int64),
        "exchanges": np.zeros((samples, K, 2), np.int64),
        "trips": np.zeros((samples, 2), np.int64),
        "flux": np.zeros((samples, K, 2), np.int64),
        "best_energy": np.full(samples, np.inf),
        "best_spins": np.zeros((samples, n), np.int8),
    }
    total = thermalize + sweeps
    batch = _batch_size(model, samples)
    chunk = max(1, min(total, 256))
    workers = numba.get_num_threads() if threads is None else threads
    start = time.perf_counter()
    bar = progress_bar(total=total * samples, progress=progress, unit="sweep", unit_scale=True)
    with numba_threads(threads), bar:
        for lo in range(0, samples, batch):
            ids = ids_all[lo : lo + batch]
            S = ids.size
            J, nbr, bonds = _stack_disorder(model, ids, seed)
            spins = np.empty((S, replicas, K, n), np.int8)
            kernels.initial_spins(spins, seed, ids, TAG_SPIN_GLASS + 1)
            fields = np.zeros((S, replicas, K, n if model.dense else 0))
            energy = np.zeros((S, replicas, K))
            walker_at = np.tile(np.arange(K, dtype=np.int64), (S, replicas, 1))
            slot_of = walker_at.copy()
            label = np.zeros((S, replicas, K), np.int64)
            cold_time = np.full((S, replicas, K), -1, np.int64)
            # Many samples: a thread per sample for the whole piece; few large ones: the
            # walkers of each sweep are shared out (a parallel region per sweep).
            per_sweep = S < workers and n * replicas * K >= _PER_SWEEP_WORK
            levels = _integer_levels(bonds)
            part = {key: value[lo : lo + S] for key, value in out.items()}
            for first in range(0, total, chunk):
                steps = min(chunk, total - first)
                kernels.run_tempering(
                    spins,
                    fields,
                    energy,
                    walker_at,
                    slot_of,
                    label,
                    cold_time,
                    J,
                    nbr,
                    bonds,
                    model.dense,
                    betas,
                    seed,
                    ids,
                    first,
                    steps,
                    thermalize,
                    n_measure,
                    interval,
                    part["sums"],
                    part["histograms"],
                    part["exchanges"],
                    part["trips"],
                    part["flux"],
                    part["best_energy"],
                    part["best_spins"],
                    per_sweep,
                    levels,
                )
                bar.update(steps * S)
    return TemperingResult(
        model=model.to_dict(),
        n=n,
        temperatures=t,
        samples=ids_all,
        sweeps=sweeps,
        thermalize=thermalize,
        interval=interval,
        replicas=replicas,
        seed=seed,
        sums=out["sums"],
        histograms=out["histograms"],
        exchanges=out["exchanges"],
        trips=out["trips"],
        flux=out["flux"],
        best_energy=out["best_energy"] / n,
        best_spins=out["best_spins"],
        seconds=time.perf_counter() - start,
    )
