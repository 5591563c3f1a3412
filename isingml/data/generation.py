"""Crash-safe, resumable generation of Ising spin datasets.

Work is split into tasks, one per (size, temperature, chain). A task writes its own shard
``OUT.parts/L{L}_T{t}_c{c}.h5`` under a temporary name, flushes it to disk and renames it
atomically, so a crash, a kill or a full disk at any moment leaves every completed shard
readable. The dataset file is assembled from the complete shards by copying them, in
canonical order and while later tasks still run, into ``OUT.tmp``, which is renamed over
``OUT`` when whole; only then are the shards removed.
``resume=True`` redoes only missing shards; since the random numbers of a task come from
Philox keyed by ``(seed, task index)``, the result is bit for bit that of an uninterrupted
run, whatever the number of workers or the order in which tasks ran.

With ``backend="cuda"`` (and no Dask) the tasks of one lattice size and one sample count
run together, up to :data:`BATCH_TASKS` tasks or :data:`BATCH_SPINS` spins at a time
(:func:`batches`, :func:`run_tasks_together`): their thermalization, their pilot runs for
``interval="auto"`` and their sampling share the GPU launches of the batched kernels, so
many small lattices fill the GPU. Each task still writes its own shard, with the bits it
gets alone (the chains share launches, never random numbers); the shards of a batch appear
when the whole batch is done, so a kill loses at most the batch under way. With Dask each
worker runs one task at a time.

A lock file ``OUT.lock`` (holding the writer's process id) stops two runs writing the same
output; a lock left by a process that no longer runs is taken over.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import queue
import shutil
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import h5py
import numpy as np
from tqdm import tqdm

from isingml._backend import check_backend, require_cuda
from isingml._validation import check_choice, check_finite, check_int, check_lattice_size
from isingml.data.chunks import ChunkedColumnWriter
from isingml.data.schema import (
    FORMAT,
    FORMAT_VERSION,
    SPIN_ENCODING,
    create_columns,
    group_name,
    utc_now,
    versions,
)
from isingml.errors import InputError, ResourceError
from isingml.ising.kernels import resolve_kernel
from isingml.ising.model import IsingModel, sample_many, update_many
from isingml.ising.simulation import updates_per_interval
from isingml.random import validate_seed
from isingml.stats import integrated_autocorrelation_time

__all__ = ["GenerationPlan", "Task", "generate", "parse_sizes", "parse_temperatures"]

GENERATION_ALGORITHMS = ("metropolis", "heatbath", "wolff", "swendsen-wang")


def parse_temperatures(spec: str | Sequence[float] | np.ndarray) -> np.ndarray:
    """Temperatures from ``"start:stop:count"`` (inclusive, evenly spaced), ``"a,b,c"``, a
    comma list of both (``"1.0:2.0:5,2.1:2.5:17"``) or a list.

    Parameters
    ----------
    spec : str or sequence of float

    Returns
    -------
    ndarray of float64
        Strictly increasing, finite, > 0.

    Raises
    ------
    ValueError
        Empty, reversed, repeated, non-finite or non-positive temperatures.
    """
    if isinstance(spec, str):
        text = spec.strip()
        try:
            pieces = []
            for part in (p.strip() for p in text.split(",") if p.strip()):
                if ":" in part:
                    bounds = part.split(":")
                    if len(bounds) != 3:
                        raise ValueError
                    start, stop, count = float(bounds[0]), float(bounds[1]), int(bounds[2])
                    if count < 1:
                        raise InputError(f"temperatures must have a count >= 1, got {spec!r}")
                    pieces.append(np.linspace(start, stop, count))
                else:
                    pieces.append(np.array([float(part)]))
            temps = np.concatenate(pieces) if pieces else np.array([], dtype=float)
        except ValueError as exc:
            if str(exc).startswith("temperatures"):
                raise
            raise InputError(
                "temperatures must be 'start:stop:count', a comma list, or a comma list of "
                f"both, got {spec!r}"
            ) from None
    else:
        temps = np.asarray(spec, dtype=np.float64).ravel()
    if temps.size == 0:
        raise InputError(f"temperatures must not be empty, got {spec!r}")
    if not np.all(np.isfinite(temps)) or np.any(temps <= 0):
        raise InputError(f"temperatures must be finite and > 0, got {spec!r}")
    if temps.size > 1 and np.any(np.diff(temps) <= 0):
        raise InputError(f"temperatures must be strictly increasing, got {spec!r}")
    return temps


def parse_sizes(spec: str | Sequence[int]) -> tuple[int, ...]:
    """Lattice sizes from ``"16,32,64"`` or a list: even, >= 2, distinct, sorted.

    Parameters
    ----------
    spec : str or sequence of int

    Returns
    -------
    tuple of int
    """
    if isinstance(spec, str):
        try:
            items: list[object] = [int(s) for s in spec.split(",") if s.strip()]
        except ValueError:
            raise InputError(
                f"sizes must be a comma list of even integers, got {spec!r}"
            ) from None
    else:
        items = list(spec)
    if not items:
        raise InputError(f"sizes must not be empty, got {spec!r}")
    sizes = sorted({check_lattice_size(s, "sizes") for s in items})
    if len(sizes) != len(items):
        raise InputError(f"sizes must be distinct, got {spec!r}")
    return tuple(sizes)


@dataclass(frozen=True)
class Task:
    """One unit of work: ``samples`` configurations of one chain at one (L, T)."""

    index: int
    L: int
    temperature_index: int
    temperature: float
    chain: int
    samples: int

    @property
    def filename(self) -> str:
        """The shard's file name."""
        return f"L{self.L}_T{self.temperature_index:04d}_c{self.chain:04d}.h5"


@dataclass(frozen=True)
class GenerationPlan:
    """Everything that determines a dataset's bits (validated)."""

    sizes: tuple[int, ...]
    temperatures: tuple[float, ...]
    samples: int
    chains: int
    thermalize: int
    interval: int | str
    algorithm: str
    seed: int
    J: float
    h: float
    compression: str
    #: The checkerboard kernel, resolved ("byte" or "multispin"): part of the bits.
    kernel: str = "multispin"
    #: Where the sweeps run; not part of the plan's identity (the bits are the same).
    backend: str = field(default="cpu", compare=False)

    def chain_samples(self, chain: int) -> int:
        """Samples of one chain: ``samples`` split as evenly as possible."""
        base, extra = divmod(self.samples, self.chains)
        return base + (1 if chain < extra else 0)

    def tasks(self) -> list[Task]:
        """All tasks in canonical order (size, temperature, chain); ``index`` is the stream."""
        out = []
        for L in self.sizes:
            for t, T in enumerate(self.temperatures):
                for c in range(self.chains):
                    out.append(Task(len(out), L, t, T, c, self.chain_samples(c)))
        return out

    def to_json(self) -> str:
        """A canonical JSON text of the plan (used to refuse a mismatched resume)."""
        fields = asdict(self)
        del fields["backend"]  # the same bits on either backend: a resume may switch
        return json.dumps(fields, sort_keys=True)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system can sync a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _durable_replace(tmp: Path, final: Path) -> None:
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)
    _fsync_dir(final.parent)


#: Bytes of packed spins held in memory at once by a task or by the assembly.
_BLOCK_BYTES = 1 << 20

#: Sweeps of the pilot run behind ``interval="auto"`` (at least; thermalize if longer).
AUTO_PILOT_SWEEPS = 2000
#: Largest interval ``"auto"`` picks.
AUTO_MAX_INTERVAL = 1000


def auto_interval(model: IsingModel, plan: GenerationPlan) -> int:
    """Sampling interval from a pilot run: ``ceil(2 max(tau_int(|m|), tau_int(E)))`` sweeps.

    Samples that far apart are nearly independent (autocorrelation ``e^-4`` for an
    exponential decay). The pilot advances the model; it is part of the chain, so the
    result is as reproducible as the rest.

    Parameters
    ----------
    model : IsingModel
        A thermalized model.
    plan : GenerationPlan
        The dataset's parameters.

    Returns
    -------
    int
        Between 1 and :data:`AUTO_MAX_INTERVAL`.
    """
    return _auto_intervals([model], plan, "cpu")[0]


def _auto_intervals(models: list[IsingModel], plan: GenerationPlan, backend: str) -> list[int]:
    # auto_interval for each model; with backend "cuda" the pilots share GPU launches (the
    # pilot series, hence the intervals, are bit for bit those of the CPU).
    pilot = max(AUTO_PILOT_SWEEPS, plan.thermalize)
    per = [updates_per_interval(model, plan.algorithm, 1) for model in models]
    series = sample_many(models, pilot, per, plan.algorithm, backend=backend, kernel=plan.kernel)
    intervals = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a short pilot still bounds tau
        for e, m in series:
            tau = max(
                integrated_autocorrelation_time(e)[0],
                integrated_autocorrelation_time(np.abs(m))[0],
            )
            intervals.append(int(min(AUTO_MAX_INTERVAL, max(1, math.ceil(2.0 * tau)))))
    return intervals


def _task_model(task: Task, plan: GenerationPlan) -> IsingModel:
    return IsingModel(
        task.L, task.temperature, J=plan.J, h=plan.h, seed=plan.seed, stream=task.index
    )


def _tmp_part(final: Path) -> Path:
    return final.with_name(final.name + f".tmp{os.getpid()}")


def _create_part(f: h5py.File, task: Task, interval: int) -> tuple[tuple, int]:
    """The columns of a task's shard, and the samples a task holds in memory at once."""
    n = task.samples
    n_bytes = (task.L * task.L + 7) // 8
    block = max(1, min(n, _BLOCK_BYTES // n_bytes))
    packed = f.create_dataset("spins", (n, n_bytes), np.uint8, chunks=(block, n_bytes))
    energy = f.create_dataset("energy", (n,), np.float64)
    magnet = f.create_dataset("magnetization", (n,), np.float64)
    f.create_dataset("sweep", data=interval * np.arange(1, n + 1, dtype=np.int64))
    return (packed, energy, magnet), block


def _write_rows(
    columns: tuple, start: int, e: np.ndarray, m: np.ndarray, spins: np.ndarray
) -> None:
    packed, energy, magnet = columns
    stop = start + e.shape[0]
    packed[start:stop] = spins
    energy[start:stop] = e
    magnet[start:stop] = m


def run_task(task: Task, plan: GenerationPlan, parts_dir: str) -> str:
    """Simulate one task and write its shard atomically; skip it if the shard exists.

    Parameters
    ----------
    task : Task
        What to do.
    plan : GenerationPlan
        The dataset's parameters.
    parts_dir : str
        Directory of the shards (shared by all workers).

    Returns
    -------
    str
        Path of the complete shard.
    """
    final = Path(parts_dir) / task.filename
    if final.exists():
        return str(final)
    model = _task_model(task, plan)
    backend = plan.backend if plan.algorithm in ("metropolis", "heatbath") else "cpu"
    model.thermalize(plan.thermalize, plan.algorithm, backend=backend, kernel=plan.kernel)
    interval = plan.interval if plan.interval != "auto" else auto_interval(model, plan)
    per = updates_per_interval(model, plan.algorithm, interval)
    n = task.samples
    tmp = _tmp_part(final)
    with h5py.File(tmp, "w") as f:
        columns, block = _create_part(f, task, interval)
        for start in range(0, n, block):
            e, m, spins = model.sample(
                min(n, start + block) - start,
                per,
                plan.algorithm,
                return_spins=True,
                packed=True,
                backend=backend,
                kernel=plan.kernel,
            )
            _write_rows(columns, start, e, m, spins)
    _durable_replace(tmp, final)
    return str(final)


#: Most tasks run together in one batch of GPU launches (each holds an open shard).
BATCH_TASKS = 256
#: Most spins of one batch (lattices on the device); one lattice runs alone if larger.
BATCH_SPINS = 1 << 24
#: Bytes of int8 snapshots a batch brings to the host at once.
_BATCH_SNAPSHOT_BYTES = 1 << 26


def batches(tasks: list[Task]) -> list[list[Task]]:
    """Tasks grouped for :func:`run_tasks_together`: of one size and one sample count, at
    most :data:`BATCH_TASKS` tasks and :data:`BATCH_SPINS` spins a group (at least one task),
    in the order of their first task."""
    groups: dict[tuple[int, int], list[list[Task]]] = {}
    for task in tasks:
        runs = groups.setdefault((task.L, task.samples), [[]])
        if len(runs[-1]) >= max(1, min(BATCH_TASKS, BATCH_SPINS // (task.L * task.L))):
            runs.append([])
        runs[-1].append(task)
    out = [group for runs in groups.values() for group in runs]
    return sorted(out, key=lambda group: group[0].index)


def run_tasks_together(tasks: list[Task], plan: GenerationPlan, parts_dir: str) -> list[str]:
    """Simulate tasks of one size and sample count in shared GPU launches; write each shard.

    Every task gets exactly the shard :func:`run_task` would write for it (the same
    thermalization, pilot run for ``interval="auto"``, samples and bits): the lattices only
    share the kernel launches (:func:`isingml.ising.model.sample_many`). Each shard is
    written under a temporary name and renamed when the whole batch is done; shards that
    exist already are skipped.

    Parameters
    ----------
    tasks : list of Task
        Tasks of one lattice size and one sample count.
    plan : GenerationPlan
        The dataset's parameters, with ``backend="cuda"`` and a checkerboard algorithm.
    parts_dir : str
        Directory of the shards.

    Returns
    -------
    list of str
        Paths of the complete shards, in the order of ``tasks``.
    """
    if plan.backend != "cuda" or plan.algorithm not in ("metropolis", "heatbath"):
        raise InputError(
            "run_tasks_together runs metropolis and heatbath sweeps on backend 'cuda', got "
            f"algorithm {plan.algorithm!r} on {plan.backend!r}"
        )
    if len({(task.L, task.samples) for task in tasks}) > 1:
        raise InputError("run_tasks_together needs tasks of one size and one sample count")
    finals = [Path(parts_dir) / task.filename for task in tasks]
    todo = [(t, final) for t, final in zip(tasks, finals, strict=True) if not final.exists()]
    if todo:
        models = [_task_model(task, plan) for task, _ in todo]
        update_many(models, plan.thermalize, plan.algorithm, "cuda", plan.kernel)
        if plan.interval == "auto":
            intervals = _auto_intervals(models, plan, "cuda")
        else:
            intervals = [plan.interval] * len(models)
        per = [
            updates_per_interval(model, plan.algorithm, interval)
            for model, interval in zip(models, intervals, strict=True)
        ]
        L, n = todo[0][0].L, todo[0][0].samples
        rows = max(1, min(n, _BATCH_SNAPSHOT_BYTES // (L * L * len(models))))
        tmps = [_tmp_part(final) for _, final in todo]
        with contextlib.ExitStack() as stack:
            columns = []
            for (task, _), tmp, interval in zip(todo, tmps, intervals, strict=True):
                f = stack.enter_context(h5py.File(tmp, "w"))
                columns.append(_create_part(f, task, interval)[0])
            for start in range(0, n, rows):
                results = sample_many(
                    models,
                    min(n, start + rows) - start,
                    per,
                    plan.algorithm,
                    return_spins=True,
                    packed=True,
                    backend="cuda",
                    kernel=plan.kernel,
                )
                for cols, (e, m, spins) in zip(columns, results, strict=True):
                    _write_rows(cols, start, e, m, spins)
        for tmp, (_, final) in zip(tmps, todo, strict=True):
            _durable_replace(tmp, final)
    return [str(final) for final in finals]


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold ``OUT.lock`` while writing ``OUT``.

    The lock appears atomically with the holder's pid in it (written to a private file,
    then hard-linked to the lock's name, which fails if the name exists). A lock whose
    process is gone is renamed aside (only one taker can win that rename) and taken anew.
    Liveness is checked with the pid on this host: runs started from several hosts on a
    shared file system must not target the same output at once.
    """
    lock = path.with_name(path.name + ".lock")
    mine = path.with_name(f"{path.name}.lock.{os.getpid()}")
    mine.write_text(str(os.getpid()))
    try:
        for _ in range(10):
            try:
                os.link(mine, lock)
                break
            except FileExistsError:
                try:
                    pid = int(lock.read_text().strip())
                except (OSError, ValueError):
                    pid = 0
                if pid > 0 and _alive(pid):
                    raise ResourceError(
                        f"another run (pid {pid}) is writing {path}; wait for it, or remove "
                        f"{lock} if that process is gone"
                    ) from None
                aside = path.with_name(f"{path.name}.lock.stale.{os.getpid()}")
                with contextlib.suppress(FileNotFoundError):
                    os.rename(lock, aside)  # another taker may have been first
                    aside.unlink()
        else:  # pragma: no cover - lost the race ten times
            raise ResourceError(f"could not take the lock {lock}")
    finally:
        mine.unlink(missing_ok=True)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return True
    return True


def _run_serial(
    tasks: list[Task], plan: GenerationPlan, parts: str, done: Callable[[Task], None]
) -> None:
    if plan.backend == "cuda":  # tasks of one size share GPU launches
        for group in batches(tasks):
            run_tasks_together(group, plan, parts)
            for task in group:
                done(task)
        return
    for task in tasks:
        run_task(task, plan, parts)
        done(task)


@contextlib.contextmanager
def _executor(workers: int | None, scheduler: str | None, client: object | None):
    """Yield a function that runs tasks: in this process, or on a Dask cluster."""
    chosen = sum(x is not None for x in (workers, scheduler, client))
    if chosen > 1:
        raise InputError("give at most one of workers, scheduler and client")
    if chosen == 0:
        yield _run_serial
        return
    if workers is not None:
        workers = check_int("workers", workers, minimum=1)
    if scheduler is not None and (
        not isinstance(scheduler, str) or "://" not in scheduler or scheduler.endswith("://")
    ):
        raise InputError(f"scheduler must be an address like tcp://host:8786, got {scheduler!r}")
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(
            "workers/scheduler need Dask: pip install 'isingml[distributed]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if client is None:
            if workers is not None:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                client = stack.enter_context(Client(cluster))
            else:
                try:
                    client = stack.enter_context(Client(scheduler, timeout="10s"))
                except (OSError, TimeoutError) as exc:
                    raise InputError(
                        f"scheduler: cannot reach {scheduler} ({type(exc).__name__})"
                    ) from None

        def run_dask(
            tasks: list[Task], plan: GenerationPlan, parts: str, done: Callable[[Task], None]
        ) -> None:
            # Keys unique to this output, so that two datasets on one cluster never share
            # futures.
            prefix = (
                "isingml-"
                + hashlib.sha1((os.path.abspath(parts) + plan.to_json()).encode()).hexdigest()[:16]
            )
            futures = {
                client.submit(
                    run_task, t, plan, parts, pure=False, key=f"{prefix}-{t.filename}"
                ): t
                for t in tasks
            }
            for future in as_completed(futures):
                future.result()  # a failed task raises here
                done(futures[future])

        yield run_dask


def _write_attrs(f: h5py.File, plan: GenerationPlan) -> None:
    attrs = f.attrs
    attrs["format"] = FORMAT
    attrs["format_version"] = FORMAT_VERSION
    attrs["sizes"] = np.array(plan.sizes, dtype=np.int64)
    attrs["temperatures"] = np.array(plan.temperatures)
    attrs["samples"] = plan.samples
    attrs["chains"] = plan.chains
    attrs["thermalize"] = plan.thermalize
    attrs["interval"] = str(plan.interval) if plan.interval == "auto" else plan.interval
    attrs["algorithm"] = plan.algorithm
    attrs["seed"] = plan.seed
    attrs["J"] = plan.J
    attrs["h"] = plan.h
    attrs["spin_encoding"] = SPIN_ENCODING
    attrs["random_numbers"] = (
        "Philox4x32-10, key (seed, task index), tasks ordered by (size, temperature, chain)"
    )
    attrs["plan"] = plan.to_json()
    attrs["versions"] = versions()
    attrs["created"] = utc_now()


class _Aborted(Exception):
    """Raised inside the assembler thread to unwind after :meth:`_Assembler.abort`."""


class _Assembler:
    """Copy complete shards into ``OUT.tmp`` in canonical order on a background thread.

    Copying and compressing overlap the simulation of the tasks still running (the kernels
    release the GIL), so a serial run spends little time on HDF5 after its last task.
    ``OUT.tmp`` is scratch: the shards stay the durable record until :meth:`finish` has
    renamed the whole file over ``OUT``, and a new run rewrites ``OUT.tmp`` from the start.
    """

    _STOP = -1

    def __init__(self, path: Path, plan: GenerationPlan, parts: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self.plan = plan
        self.parts = parts
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._copied = 0
        self._thread = threading.Thread(target=self._run, name="isingml-assemble", daemon=True)
        self._thread.start()

    def add(self, task: Task) -> None:
        """Hand over a task whose shard is complete."""
        if self._error is not None:
            raise self._error
        self._queue.put(task.index)

    def finish(self) -> None:
        """Copy what is left, check that every task arrived, and replace ``OUT``."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._copied != len(self.plan.tasks()):  # pragma: no cover - a bug, not a state
            raise RuntimeError(f"{self._copied} of {len(self.plan.tasks())} shards assembled")
        _durable_replace(self.tmp, self.path)

    def abort(self) -> None:
        """Stop copying and remove ``OUT.tmp`` (the shards are kept for a resume).

        The copy stops within one block of rows, however many shards were queued.
        """
        self._stop.set()
        self._queue.put(self._STOP)
        try:
            self._thread.join()
        finally:
            self.tmp.unlink(missing_ok=True)

    def _run(self) -> None:
        try:
            with h5py.File(self.tmp, "w") as f:
                self._assemble(f)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the main thread by add() and finish()
            self._error = exc

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise _Aborted

    def _assemble(self, f: h5py.File) -> None:
        plan = self.plan
        tasks = plan.tasks()
        _write_attrs(f, plan)
        writers: dict[int, dict[str, ChunkedColumnWriter]] = {}
        for L in plan.sizes:
            g = f.create_group(group_name(L))
            create_columns(g, L, len(plan.temperatures) * plan.samples, plan.compression)
            writers[L] = {name: ChunkedColumnWriter(g[name]) for name in g}
        ready: set[int] = set()
        while self._copied < len(tasks):
            item = self._queue.get()
            if item is None or item == self._STOP:
                return
            ready.add(item)
            while self._copied in ready:
                self._check_stop()
                task = tasks[self._copied]
                self._copy(task, writers[task.L])
                self._copied += 1
                if self._copied == len(tasks) or tasks[self._copied].L != task.L:
                    for writer in writers[task.L].values():
                        writer.close()

    def _copy(self, task: Task, writers: dict[str, ChunkedColumnWriter]) -> None:
        n = task.samples
        with h5py.File(self.parts / task.filename, "r") as s:
            step = max(1, _BLOCK_BYTES // s["spins"].shape[1])
            for a in range(0, n, step):
                self._check_stop()
                b = min(n, a + step)
                for name in ("spins", "energy", "magnetization", "sweep"):
                    writers[name].append(s[name][a:b])
        writers["temperature"].append(task.temperature, n)
        writers["temperature_index"].append(task.temperature_index, n)
        writers["chain"].append(task.chain, n)


def _check_output(path: Path, resume: bool, overwrite: bool) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"out: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"out: directory {parent} is not writable")
    if path.is_dir():
        raise InputError(f"out: {path} is a directory")
    if resume and overwrite:
        raise InputError("give at most one of resume and overwrite")
    if path.exists() and not (resume or overwrite):
        raise InputError(f"out: {path} exists; pass --resume to complete it or --overwrite")


def generate(
    out: str | os.PathLike,
    sizes: str | Sequence[int],
    temperatures: str | Sequence[float] | np.ndarray,
    samples: int,
    *,
    thermalize: int = 2000,
    interval: int | str = 10,
    algorithm: str = "metropolis",
    chains: int = 1,
    seed: int = 0,
    J: float = 1.0,
    h: float = 0.0,
    compression: str = "gzip",
    resume: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    client: object | None = None,
    progress: bool = True,
    backend: str = "cpu",
    kernel: str = "auto",
) -> Path:
    """Generate a spin-configuration dataset (see the module docstring for the guarantees).

    Parameters
    ----------
    out : path
        The HDF5 file to write.
    sizes : str or sequence of int
        Lattice sides, e.g. ``"16,32,64"``.
    temperatures : str, sequence of float or ndarray
        ``"1.0:3.5:26"`` (inclusive), ``"2.0,2.5"`` or values; strictly increasing.
    samples : int
        Configurations per (size, temperature), >= 1.
    thermalize : int
        Sweeps before the first sample of each chain.
    interval : int or "auto"
        Sweeps between samples (sweep-equivalents for Wolff). ``"auto"`` measures the
        integrated autocorrelation time of |m| and E in a pilot run after thermalization
        and samples every ``ceil(2 tau_int)`` sweeps, per (size, temperature) (the
        ``sweep`` column records it).
    algorithm : {"metropolis", "heatbath", "wolff", "swendsen-wang"}
        Update rule.
    chains : int
        Independent chains per (size, temperature) sharing the samples.
    seed : int
        Philox seed.
    J, h : float
        Coupling and field.
    compression : {"gzip", "lzf"}
        HDF5 filter of the assembled file.
    resume : bool
        Complete an interrupted run (its arguments must be the same).
    overwrite : bool
        Replace an existing output.
    workers : int, optional
        Start a local Dask cluster of this many single-threaded worker processes.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); the output directory
        must be shared with its workers.
    client : dask.distributed.Client, optional
        An existing client to run the tasks on.
    progress : bool
        Show a progress bar of samples.
    backend : {"cpu", "cuda"}
        Where the Metropolis and heat-bath sweeps run; the file is the same bit for bit
        (so a resume may switch backends). On ``"cuda"`` the tasks of one size run in
        shared launches (see the module docstring). With Dask, every worker needs the GPU
        and runs its tasks one by one.
    kernel : {"auto", "byte", "multispin"}
        The checkerboard kernel of Metropolis and heat bath (:mod:`isingml.ising.kernels`;
        ``"auto"``: multi-spin). Part of the dataset's bits: recorded in its plan.

    Returns
    -------
    pathlib.Path
        The dataset file.
    """
    path = Path(out)
    plan = GenerationPlan(
        sizes=parse_sizes(sizes),
        temperatures=tuple(float(t) for t in parse_temperatures(temperatures)),
        samples=check_int("samples", samples, minimum=1),
        chains=check_int("chains", chains, minimum=1),
        thermalize=check_int("thermalize", thermalize, minimum=0),
        interval="auto" if interval == "auto" else check_int("interval", interval, minimum=1),
        algorithm=check_choice("algorithm", algorithm, GENERATION_ALGORITHMS),
        seed=validate_seed(seed),
        J=check_finite("J", J, nonzero=True),
        h=check_finite("h", h),
        compression=check_choice("compression", compression, ("gzip", "lzf")),
        backend=check_backend(backend),
        kernel=resolve_kernel(kernel, algorithm),
    )
    if backend == "cuda":
        if plan.algorithm not in ("metropolis", "heatbath"):
            raise InputError(
                f"backend 'cuda' runs the metropolis and heatbath sweeps; algorithm "
                f"{plan.algorithm!r} runs on the CPU (backend='cpu')"
            )
        require_cuda()
    if plan.chains > plan.samples:
        raise InputError(f"chains must be <= samples ({plan.samples}), got {plan.chains}")
    if plan.algorithm in ("wolff", "swendsen-wang") and plan.h != 0.0:
        raise InputError(f"algorithm {plan.algorithm!r} needs h = 0, got h={plan.h}")
    _check_output(path, resume, overwrite)
    parts = path.with_name(path.name + ".parts")
    with _executor(workers, scheduler, client) as run_all, _lock(path):
        if overwrite:
            path.unlink(missing_ok=True)
            shutil.rmtree(parts, ignore_errors=True)
        if path.exists():  # resume of a complete file: check it is the same plan
            try:
                with h5py.File(path, "r") as f:
                    written = f.attrs.get("plan")
            except OSError as exc:
                raise InputError(
                    f"out: {path} is not a readable dataset ({exc}); pass --overwrite"
                ) from None
            if written != plan.to_json():
                raise InputError(f"out: {path} was written with other arguments")
            shutil.rmtree(parts, ignore_errors=True)  # left by a kill after the rename
            return path
        parts.mkdir(exist_ok=True)
        plan_file = parts / "plan.json"
        if plan_file.exists() and plan_file.read_text() != plan.to_json():
            raise InputError(
                f"out: {parts} holds the shards of a run with other arguments; "
                "pass --overwrite to start again"
            )
        if not plan_file.exists():
            tmp = parts / f"plan.json.tmp{os.getpid()}"
            tmp.write_text(plan.to_json())
            _durable_replace(tmp, plan_file)
        for stale in parts.glob("*.tmp*"):
            stale.unlink()
        tasks = plan.tasks()
        todo = [t for t in tasks if not (parts / t.filename).exists()]
        total = sum(t.samples for t in tasks)
        pending = {t.index for t in todo}
        assembler = _Assembler(path, plan, parts)
        try:
            for task in tasks:
                if task.index not in pending:
                    assembler.add(task)
            with tqdm(
                total=total,
                initial=total - sum(t.samples for t in todo),
                disable=not progress,
                unit="sample",
                desc=path.name,
            ) as bar:

                def done(task: Task) -> None:
                    assembler.add(task)
                    bar.update(task.samples)

                run_all(todo, plan, str(parts), done)
            assembler.finish()
        except BaseException:
            assembler.abort()
            raise
        shutil.rmtree(parts, ignore_errors=True)
    return path
