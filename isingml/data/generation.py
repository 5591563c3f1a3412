"""Crash-safe, resumable generation of Ising spin datasets: :func:`generate`.

Work is split into tasks, one per (size, temperature, chain) (:mod:`isingml.data.plan`). A
task writes its own shard ``OUT.parts/L{L}_T{t}_c{c}.h5`` under a temporary name, flushes it
to disk and renames it atomically (:mod:`isingml.data.shards`, :mod:`isingml.data.durable`),
so a crash, a kill or a full disk at any moment leaves every completed shard readable. The
dataset file is assembled from the complete shards by copying them, in canonical order and
while later tasks still run, into ``OUT.tmp``, which is renamed over ``OUT`` when whole;
only then are the shards removed.
``resume=True`` redoes only missing shards; since the random numbers of a task come from
Philox keyed by ``(seed, task index)``, the result is bit for bit that of an uninterrupted
run, whatever the number of workers or the order in which tasks ran. It also checks every
shard there: a shard carries its plan, its task index, a Fletcher-32 checksum on every
chunk and a SHA-256 of every column, so a damaged one is written again (named in a
:class:`~isingml.data.shards.DamagedShardWarning`), shards of another plan are refused
rather than mixed, and the assembly stops, naming the shard, if a read fails its checksum.

Every file is created exclusively, never through a symbolic link, and the clean-up removes
only regular files with the exact names a run of this output writes. The disk space of each
file is reserved before it is written, so a full disk ends the run with one
:class:`~isingml.data.durable.DiskFullError` naming the file, the completed shards intact;
a run whose shards cannot fit on the disk, or whose largest lattice cannot fit in memory,
is refused before it starts. ``overwrite=True`` keeps the old ``OUT`` until the new one is
renamed over it.

With an engine on ``backend="cuda"`` (and no Dask) the tasks of one lattice size and one
sample count run together, up to :data:`~isingml.data.shards.BATCH_TASKS` tasks or
:data:`~isingml.data.shards.BATCH_SPINS` spins at a time
(:func:`~isingml.data.shards.batches`, :func:`~isingml.data.shards.run_tasks_together`):
their thermalization, their pilot runs for ``interval="auto"`` and their sampling share the
GPU launches of the batched kernels, so many small lattices fill the GPU. Each task still
writes its own shard, with the bits it gets alone (the chains share launches, never random
numbers); the shards of a batch appear when the whole batch is done, so a kill loses at
most the batch under way. With Dask each worker runs one task at a time.

An exclusive ``flock`` on ``OUT.lock`` (which holds the writer's process id) stops two runs
writing the same output; the kernel releases it when the writer ends, however it ends.
Ctrl-C (and SIGTERM, where the caller turns it into :class:`KeyboardInterrupt`) stops the
run with the lock released and the completed shards kept for a resume.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import queue
import stat
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import h5py
import numpy as np

import isingml.data.shards as shards
from isingml._progress import progress_bar
from isingml._resources import check_disk, check_memory
from isingml._validation import check_choice, check_finite, check_int
from isingml.data.chunks import ChunkedColumnWriter
from isingml.data.durable import (
    NewFile,
    disk_full_named,
    durable_replace,
    lock,
    new_file,
    remove_own_file,
)
from isingml.data.plan import (
    GenerationPlan,
    Task,
    check_task_count,
    parse_sizes,
    parse_temperatures,
    write_plan_file,
)
from isingml.data.schema import create_columns, decode_attribute, group_name, write_metadata
from isingml.errors import InputError, ResourceError
from isingml.ising.engine import ALGORITHMS, Engine, as_engine
from isingml.random import validate_seed

__all__ = [
    "GENERATION_ALGORITHMS",
    "GenerationPlan",
    "Task",
    "generate",
    "parse_sizes",
    "parse_temperatures",
]

#: The algorithms a dataset can be generated with (all of :data:`isingml.ising.ALGORITHMS`).
GENERATION_ALGORITHMS = ALGORITHMS


def _run_serial(
    tasks: list[Task], plan: GenerationPlan, parts: str, done: Callable[[Task], None]
) -> None:
    if plan.backend == "cuda":  # tasks of one size share GPU launches
        for group in shards.batches(tasks):
            shards.run_tasks_together(group, plan, parts)
            for task in group:
                done(task)
        return
    for task in tasks:
        shards.run_task(task, plan, parts)
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
        which = "workers" if workers is not None else "scheduler"
        raise InputError(
            f"{which}: needs Dask, which is not installed: pip install 'isingml[distributed]'",
            argument=which,
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
                        f"scheduler: cannot reach {scheduler} ({type(exc).__name__})",
                        argument="scheduler",
                    ) from None

        def run_dask(
            tasks: list[Task], plan: GenerationPlan, parts: str, done: Callable[[Task], None]
        ) -> None:
            _check_workers_see(client, parts, plan.to_json())
            # Keys unique to this output, so that two datasets on one cluster never share
            # futures.
            prefix = (
                "isingml-"
                + hashlib.sha1((os.path.abspath(parts) + plan.to_json()).encode()).hexdigest()[:16]
            )
            futures = {
                client.submit(
                    shards.run_task, t, plan, parts, pure=False, key=f"{prefix}-{t.filename}"
                ): t
                for t in tasks
            }
            for future in as_completed(futures):
                future.result()  # a failed task raises here
                done(futures[future])

        yield run_dask


def _sees(parts: str, plan_json: str) -> str | None:
    """Run on a worker: why it cannot write this run's shards into ``parts`` (``None``: it
    can). The run's ``plan.json`` must be there with this plan: the same directory, not
    one of the same name on another disk."""
    try:
        with open(os.path.join(parts, "plan.json")) as f:
            seen = f.read()
    except OSError as exc:
        return f"{exc.strerror or exc}: {os.path.join(parts, 'plan.json')}"
    if seen != plan_json:
        return f"{parts} holds another run's plan.json"
    if not os.access(parts, os.W_OK | os.X_OK):
        return f"{parts} is not writable"
    return None


def _check_workers_see(client: object, parts: str, plan_json: str) -> None:
    """Refuse a cluster whose workers cannot write into the output's directory: the
    output must be on a file system every worker shares, at the same path.

    Raises
    ------
    ResourceError
        Naming a worker that cannot, and why.
    """
    answers = client.run(_sees, parts, plan_json)
    if not answers:
        raise ResourceError("the Dask cluster has no workers")
    blind = {worker: why for worker, why in answers.items() if why is not None}
    if blind:
        worker, why = sorted(blind.items())[0]
        raise ResourceError(
            f"Dask worker {worker} cannot write the shards: {why}; the output directory "
            f"must be on a file system shared by every worker, at the same path "
            f"({len(blind)} of {len(answers)} workers cannot)"
        )


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
        self.tmp = assembled_tmp(path)
        self.plan = plan
        self.parts = parts
        self._tasks = plan.tasks()
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._copied = 0
        self._target: NewFile | None = None
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
        if self._copied != len(self._tasks):  # pragma: no cover - a bug, not a state
            raise RuntimeError(f"{self._copied} of {len(self._tasks)} shards assembled")
        durable_replace(self.tmp, self.path)

    def abort(self) -> None:
        """Stop copying and remove ``OUT.tmp`` (the shards are kept for a resume).

        The copy stops within one block of rows, however many shards were queued.
        """
        self._stop.set()
        self._queue.put(self._STOP)
        try:
            self._thread.join()
        finally:
            remove_own_file(self.tmp)

    def _run(self) -> None:
        try:
            with (
                disk_full_named(f"out: {self.path}", self.path.parent),
                new_file(self.tmp) as target,
            ):
                self._target = target
                try:
                    with h5py.File(self.tmp, "w") as f:
                        target.same_file()
                        self._assemble(f)
                        target.reserve(_METADATA_BYTES, f"out: {self.path}")
                except _Aborted:
                    pass  # abort() removes the file
        except BaseException as exc:  # handed to the main thread by add() and finish()
            self._error = exc

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise _Aborted

    def _assemble(self, f: h5py.File) -> None:
        plan = self.plan
        tasks = self._tasks
        write_metadata(f, plan)
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
        shard = self.parts / task.filename
        # Room for this shard's rows uncompressed (compression only shrinks them, but
        # for a few bytes a chunk) and for the chunks still buffered.
        buffered = sum(w.buffer.nbytes for w in writers.values())
        if self._target is not None:
            self._target.reserve(
                n * shards.row_bytes(task.L) * 101 // 100 + buffered + _METADATA_BYTES,
                f"out: {self.path}",
            )
        hashes = {name: hashlib.sha256() for name in _SHARD_COLUMNS}
        with _reading(shard):
            s = h5py.File(shard, "r")
        with s:
            with _reading(shard):
                step = max(1, shards.BLOCK_BYTES // s["spins"].shape[1])
            for a in range(0, n, step):
                self._check_stop()
                b = min(n, a + step)
                for name in _SHARD_COLUMNS:
                    with _reading(shard):
                        values = np.ascontiguousarray(s[name][a:b])
                    hashes[name].update(values.data)
                    writers[name].append(values)
            for name in _SHARD_COLUMNS:
                if decode_attribute(s[name].attrs.get("sha256")) != hashes[name].hexdigest():
                    raise OSError(
                        errno.EIO,
                        f"shard {shard}: column {name} fails its checksum; resume to write "
                        "it again",
                    )
        writers["temperature"].append(task.temperature, n)
        writers["temperature_index"].append(task.temperature_index, n)
        writers["chain"].append(task.chain, n)


@contextlib.contextmanager
def _reading(shard: Path) -> Iterator[None]:
    # A shard that cannot be read (a chunk failing its Fletcher-32, a missing column) is
    # named in one line, and the assembly stops: nothing of it reaches OUT.
    try:
        yield
    except (OSError, KeyError, RuntimeError) as exc:
        raise OSError(
            errno.EIO, f"shard {shard}: unreadable ({_first_line(exc)}); resume to write it again"
        ) from None


_SHARD_COLUMNS = ("spins", "energy", "magnetization", "sweep")
#: Room left for the metadata and the chunk indexes of the assembled file.
_METADATA_BYTES = 1 << 20


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def assembled_tmp(path: Path) -> Path:
    """The name ``OUT`` is assembled under: ``OUT.tmp``."""
    return path.with_name(path.name + ".tmp")


def _check_output(path: Path, resume: bool, overwrite: bool) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"out: directory {parent} does not exist", argument="out")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"out: directory {parent} is not writable", argument="out")
    if path.is_dir():
        raise InputError(f"out: {path} is a directory", argument="out")
    if resume and overwrite:
        raise InputError("give at most one of resume and overwrite")
    if path.exists() and not (resume or overwrite):
        raise InputError(
            f"out: {path} exists; pass resume=True to complete it or overwrite=True to replace it",
            argument="out",
        )
    for own, what in ((_parts_dir(path), "directory"), (assembled_tmp(path), "file")):
        try:
            mode = os.lstat(own).st_mode
        except FileNotFoundError:
            continue
        if not (stat.S_ISDIR(mode) if what == "directory" else stat.S_ISREG(mode)):
            raise InputError(
                f"out: {own} is in the way: it is not a {what} a run of {path.name} wrote; "
                "remove it",
                argument="out",
            )


def _parts_dir(path: Path) -> Path:
    return path.with_name(path.name + ".parts")


def _check_complete(path: Path, plan: GenerationPlan) -> None:
    # A resume of a complete file: it must be of the same plan.
    from isingml.data.reader import plan_json

    try:
        with h5py.File(path, "r") as f:
            written = plan_json(f)
    except OSError as exc:
        raise InputError(
            f"out: {path} is not a readable dataset ({_first_line(exc)}); pass "
            "overwrite=True to replace it",
            argument="out",
        ) from None
    if written != plan.to_json():
        raise InputError(
            f"out: {path} was written with other arguments; pass overwrite=True to replace it",
            argument="out",
        )


def _make_parts(parts: Path) -> None:
    with contextlib.suppress(FileExistsError):
        parts.mkdir()
    if not stat.S_ISDIR(os.lstat(parts).st_mode):
        raise InputError(
            f"out: {parts} is in the way: it is not a directory a run wrote; remove it",
            argument="out",
        )


def _existing_shards(parts: Path, tasks: list[Task], plan: GenerationPlan) -> set[int]:
    """The tasks whose shards are complete and sound; damaged ones are removed, each named
    in a :class:`~isingml.data.shards.DamagedShardWarning`."""
    plan_json = plan.to_json()
    names = {task.filename for task in tasks}
    with os.scandir(parts) as entries:
        foreign = sorted(e.name for e in entries if shards.is_shard_name(e.name))
    foreign = [name for name in foreign if name not in names]
    if foreign:
        raise InputError(
            f"out: {parts} holds the shards of a different run ({foreign[0]} is not a task "
            "of this one); pass overwrite=True to start again",
            argument="out",
        )
    good: set[int] = set()
    for task in tasks:
        shard = parts / task.filename
        try:
            mode = os.lstat(shard).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            raise InputError(
                f"out: {shard} is in the way: it is not a shard a run wrote; remove it",
                argument="out",
            )
        reason = shards.check_shard(shard, task, plan_json)
        if reason is None:
            good.add(task.index)
            continue
        warnings.warn(
            f"shard {shard}: {reason}; writing it again", shards.DamagedShardWarning, stacklevel=3
        )
        remove_own_file(shard)
    return good


def _check_resources(plan: GenerationPlan, path: Path, tasks: list[Task], overwrite: bool) -> None:
    # Memory: one task at a time per process (the largest lattice); disk: the shards not
    # written yet, uncompressed (the assembled file may compress to little).
    L = max(plan.sizes)
    sites = L * L
    n_bytes = (sites + 7) // 8
    block = max(1, min(plan.samples, shards.BLOCK_BYTES // n_bytes))
    check_memory(
        f"sizes {L}: the lattice, its random numbers and a block of samples",
        10 * sites + block * (sites + n_bytes + 24),
    )
    parts = _parts_dir(path)
    todo = [t for t in tasks if overwrite or not (parts / t.filename).exists()]
    check_disk(
        parts,
        f"out: {path} (its {len(todo)} shard{'s' if len(todo) != 1 else ''} still to "
        "write, uncompressed)",
        sum(t.samples * shards.row_bytes(t.L) for t in todo),
    )


def generate(
    out: str | os.PathLike,
    sizes: str | Sequence[int],
    temperatures: str | Sequence[float] | np.ndarray,
    samples: int,
    *,
    thermalize: int = 2000,
    interval: int | str = 10,
    engine: Engine | str = "metropolis",
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
        integrated autocorrelation time of ``|m|`` and E in a pilot run after thermalization
        and samples every ``ceil(2 tau_int)`` sweeps, per (size, temperature) (the
        ``sweep`` column records it).
    engine : Engine or str
        Algorithm, kernel, backend and threads (:class:`isingml.ising.Engine`; default
        ``Engine()``: Metropolis, multi-spin kernel, CPU), or an algorithm name as
        shorthand. The algorithm and the resolved kernel are part of the dataset's bits
        (recorded in its ``algorithm`` attribute and its plan). The backend and the threads
        are not: the file is the same bit for bit on either backend (so a resume may switch
        them). On ``"cuda"`` the tasks of one size run in shared launches (see the module
        docstring); with Dask, every worker needs the GPU and runs its tasks one by one.
    chains : int
        Independent chains per (size, temperature) sharing the samples.
    seed : int
        Philox seed.
    J, h : float
        Coupling and field.
    compression : {"gzip", "lzf"}
        HDF5 filter of the assembled file.
    resume : bool
        Complete an interrupted run (its arguments must be the same): the shards there
        are checked and damaged ones written again.
    overwrite : bool
        Replace an existing output; the old file stays until the new one is complete.
    workers : int, optional
        Start a local Dask cluster of this many single-threaded worker processes.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); the output directory
        must be shared with its workers.
    client : dask.distributed.Client, optional
        An existing client to run the tasks on.
    progress : bool
        Show a progress bar of samples.

    Returns
    -------
    pathlib.Path
        The dataset file.

    Raises
    ------
    InputError
        Bad arguments; an output that exists (without ``resume`` or ``overwrite``), was
        written with other arguments, or whose shard directory holds another run's
        shards; a path of the run that is in the way (a link, a directory).
    ResourceError
        Another run holds the lock; the run cannot fit in memory or on the disk
        (:class:`~isingml.data.durable.DiskFullError`, also an :class:`OSError`, when the
        disk fills up during the run).
    """
    given = Path(out)
    path = given.absolute()  # workers of a cluster run elsewhere: never a relative path
    engine = as_engine(engine)
    size_list = parse_sizes(sizes)
    temps = parse_temperatures(temperatures)
    samples = check_int("samples", samples, minimum=1)
    chains = check_int("chains", chains, minimum=1)
    check_task_count(len(size_list), temps.size, chains)
    plan = GenerationPlan(
        sizes=size_list,
        temperatures=tuple(temps.tolist()),
        samples=samples,
        chains=chains,
        thermalize=check_int("thermalize", thermalize, minimum=0),
        interval="auto" if interval == "auto" else check_int("interval", interval, minimum=1),
        algorithm=engine.algorithm,
        seed=validate_seed(seed),
        J=check_finite("J", J, nonzero=True),
        h=check_finite("h", h),
        compression=check_choice("compression", compression, ("gzip", "lzf")),
        kernel=engine.kernel,
        backend=engine.backend,
        threads=engine.threads,
    )
    if plan.chains > plan.samples:
        raise InputError(f"chains must be <= samples ({plan.samples}), got {plan.chains}")
    if plan.algorithm in ("wolff", "swendsen-wang") and plan.h != 0.0:
        raise InputError(f"algorithm {plan.algorithm!r} needs h = 0, got h={plan.h}")
    _check_output(path, resume, overwrite)
    parts = _parts_dir(path)
    tasks = plan.tasks()
    complete = path.exists() and not overwrite
    if not complete:
        _check_resources(plan, path, tasks, overwrite)
    with _executor(workers, scheduler, client) as run_all, lock(path):
        if complete:  # resume of a complete file: check it is the same plan
            _check_complete(path, plan)
            shards.remove_parts(parts)  # left by a kill after the rename
            return given
        if overwrite:  # the old OUT stays until the new one is renamed over it
            shards.remove_parts(parts)
        _make_parts(parts)
        shards.clean_parts(parts)
        remove_own_file(assembled_tmp(path))  # left by a killed run of this output
        good = _existing_shards(parts, tasks, plan)
        write_plan_file(parts, plan)
        todo = [t for t in tasks if t.index not in good]
        _run_and_assemble(path, plan, parts, tasks, todo, run_all, progress)
        shards.remove_parts(parts)
    return given


def _run_and_assemble(
    path: Path,
    plan: GenerationPlan,
    parts: Path,
    tasks: list[Task],
    todo: list[Task],
    run_all: Callable,
    progress: bool,
) -> None:
    total = sum(t.samples for t in tasks)
    pending = {t.index for t in todo}
    assembler = _Assembler(path, plan, parts)
    try:
        for task in tasks:
            if task.index not in pending:
                assembler.add(task)
        with progress_bar(
            total=total,
            initial=total - sum(t.samples for t in todo),
            progress=progress,
            unit="sample",
            desc=path.name,
        ) as bar:

            def done(task: Task) -> None:
                assembler.add(task)
                bar.update(task.samples)

            run_all(todo, plan, str(parts), done)
        assembler.finish()
    except BaseException:  # Ctrl-C and SIGTERM too: the shards stay for a resume
        assembler.abort()
        raise
