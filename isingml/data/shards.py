"""The shard runners: simulate tasks and write each one's shard ``OUT.parts/L{L}_T{t}_c{c}.h5``.

:func:`run_task` runs one task on the CPU or the GPU; :func:`run_tasks_together` runs tasks
of one lattice size and one sample count in shared GPU launches (grouped by
:func:`batches`), each task still getting bit for bit the shard it gets alone. A shard is
written under a temporary name created exclusively, its disk space reserved first, and
renamed when complete (:mod:`isingml.data.durable`); shards that exist already are
skipped.

A shard carries what a resume needs to trust it (:func:`check_shard`): the plan's JSON
text and the task index (root attributes ``plan`` and ``task``), a Fletcher-32 checksum on
every chunk of every column (``spins``, ``energy``, ``magnetization``, ``sweep``), and the
SHA-256 of each column's bytes (the column's ``sha256`` attribute).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import h5py
import numpy as np

from isingml.data.durable import (
    disk_full_named,
    durable_replace,
    is_tmp_name,
    new_file,
    remove_own_file,
    tmp_name,
)
from isingml.data.plan import GenerationPlan, Task
from isingml.data.schema import decode_attribute, write_text
from isingml.errors import InputError
from isingml.ising.engine import Engine
from isingml.ising.model import IsingModel, sample_many, update_many
from isingml.ising.simulation import updates_per_interval
from isingml.stats import integrated_autocorrelation_time

__all__ = [
    "AUTO_MAX_INTERVAL",
    "AUTO_PILOT_SWEEPS",
    "BATCH_SPINS",
    "BATCH_TASKS",
    "SHARD_COLUMNS",
    "DamagedShardWarning",
    "auto_interval",
    "batches",
    "check_shard",
    "clean_parts",
    "is_shard_name",
    "remove_parts",
    "row_bytes",
    "run_task",
    "run_tasks_together",
    "shard_bytes",
]

#: Bytes of packed spins held in memory at once by a task or by the assembly.
BLOCK_BYTES = 1 << 20

#: Sweeps of the pilot run behind ``interval="auto"`` (at least; thermalize if longer).
AUTO_PILOT_SWEEPS = 2000
#: Largest interval ``"auto"`` picks.
AUTO_MAX_INTERVAL = 1000

#: Most tasks run together in one batch of GPU launches (each holds an open shard).
BATCH_TASKS = 256
#: Most spins of one batch (lattices on the device); one lattice runs alone if larger.
BATCH_SPINS = 1 << 24
#: Bytes of int8 snapshots a batch brings to the host at once.
_BATCH_SNAPSHOT_BYTES = 1 << 26


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
    return _auto_intervals([model], plan, _cpu_engine(plan))[0]


def _cpu_engine(plan: GenerationPlan) -> Engine:
    return Engine(plan.algorithm, plan.kernel, "cpu", plan.threads)


def _auto_intervals(models: list[IsingModel], plan: GenerationPlan, engine: Engine) -> list[int]:
    # auto_interval for each model; on backend "cuda" the pilots share GPU launches (the
    # pilot series, hence the intervals, are bit for bit those of the CPU).
    pilot = max(AUTO_PILOT_SWEEPS, plan.thermalize)
    per = [updates_per_interval(model, engine, 1) for model in models]
    series = sample_many(models, pilot, per, engine)
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


class DamagedShardWarning(UserWarning):
    """A shard found on resume is damaged or incomplete; it is written again."""


#: The columns of a shard, besides ``spins``, and their dtypes.
SHARD_COLUMNS = {"energy": np.float64, "magnetization": np.float64, "sweep": np.int64}

_SHARD_NAME = re.compile(r"L[0-9]+_T[0-9]{4,}_c[0-9]{4,}\.h5")


def is_shard_name(name: str) -> bool:
    """Whether ``name`` is the file name of a shard (:attr:`Task.filename`)."""
    return _SHARD_NAME.fullmatch(name) is not None


def _block_rows(task: Task) -> int:
    n_bytes = (task.L * task.L + 7) // 8
    return max(1, min(task.samples, BLOCK_BYTES // n_bytes))


def row_bytes(L: int) -> int:
    """Bytes of one row of a shard or a dataset, uncompressed: the packed spins and 40
    bytes of columns."""
    return (L * L + 7) // 8 + 8 * 5


def shard_bytes(task: Task) -> int:
    """An upper bound of the bytes a task's shard takes on disk (the whole chunks, their
    checksums, and room for the metadata and the chunk indexes)."""
    n_bytes = (task.L * task.L + 7) // 8
    block = _block_rows(task)
    chunks = -(-task.samples // block)
    data = chunks * block * (n_bytes + 8 * len(SHARD_COLUMNS))
    return data + chunks * (1 + len(SHARD_COLUMNS)) * 1024 + (256 << 10)


class _ShardWriter:
    """The columns of one shard, written in order, with a SHA-256 of each column's bytes."""

    def __init__(self, f: h5py.File, task: Task, plan_json: str, interval: int) -> None:
        n = task.samples
        n_bytes = (task.L * task.L + 7) // 8
        self.block = _block_rows(task)
        self.interval = interval
        opts = {"fletcher32": True}
        # The plan as bytes in a checksummed dataset: no variable-length string (whose
        # global heap, once damaged, can hang HDF5) and no size limit (a large plan).
        f.create_dataset("plan", data=np.frombuffer(plan_json.encode(), np.uint8), **opts)
        f.attrs["task"] = task.index
        self.columns = {
            "spins": f.create_dataset(
                "spins", (n, n_bytes), np.uint8, chunks=(self.block, n_bytes), **opts
            )
        }
        for name, dtype in SHARD_COLUMNS.items():
            self.columns[name] = f.create_dataset(name, (n,), dtype, chunks=(self.block,), **opts)
        self.hashes = {name: hashlib.sha256() for name in self.columns}

    def write(self, start: int, e: np.ndarray, m: np.ndarray, spins: np.ndarray) -> None:
        """Write rows ``start, start + 1, ...``: energies, magnetizations, packed spins."""
        stop = start + e.shape[0]
        sweep = self.interval * np.arange(start + 1, stop + 1, dtype=np.int64)
        for name, values in (
            ("spins", spins),
            ("energy", e),
            ("magnetization", m),
            ("sweep", sweep),
        ):
            values = np.ascontiguousarray(values, dtype=self.columns[name].dtype)
            self.columns[name][start:stop] = values
            self.hashes[name].update(values.data)

    def finish(self) -> None:
        """Record the checksums (every row written)."""
        for name, column in self.columns.items():
            write_text(column.attrs, "sha256", self.hashes[name].hexdigest())


def _write_shard(final: Path, task: Task, plan_json: str, interval: int, rows: Callable) -> None:
    # Write ``final`` under its temporary name, its space reserved first, then rename it.
    tmp = tmp_name(final)
    needed = shard_bytes(task)
    with disk_full_named(f"shard {final}", final.parent, needed), new_file(tmp) as target:
        target.reserve(needed, f"shard {final}")
        with h5py.File(tmp, "w") as f:
            target.same_file()
            writer = _ShardWriter(f, task, plan_json, interval)
            for start, (e, m, spins) in rows():
                writer.write(start, e, m, spins)
            writer.finish()
    durable_replace(tmp, final)


def check_shard(path: Path, task: Task, plan_json: str) -> str | None:
    """Check a complete shard against its task: why it is to be written again, if it is.

    Parameters
    ----------
    path : pathlib.Path
        The shard.
    task : Task
        Its task.
    plan_json : str
        The run's :meth:`GenerationPlan.to_json`.

    Returns
    -------
    str or None
        ``None`` for a good shard (readable, of this plan and task, of the right shapes,
        every chunk's Fletcher-32 and every column's SHA-256 matching), else the reason.

    Raises
    ------
    InputError
        The shard belongs to another plan: the directory holds another run's shards.
    """
    try:
        with h5py.File(path, "r") as f:
            written = _shard_plan(f)
            if written is not None and written != plan_json:
                raise InputError(
                    f"out: {path.parent} holds the shards of a different run ({path.name} "
                    "was written with other arguments); pass overwrite=True to start again",
                    argument="out",
                )
            if written is None or f.attrs.get("task") != task.index:
                return "it does not carry this run's plan and task"
            n_bytes = (task.L * task.L + 7) // 8
            shapes = {"spins": (task.samples, n_bytes)}
            shapes |= {name: (task.samples,) for name in SHARD_COLUMNS}
            for name, shape in shapes.items():
                column = f.get(name)
                if not isinstance(column, h5py.Dataset) or column.shape != shape:
                    return f"column {name} is missing or of the wrong shape"
                if decode_attribute(column.attrs.get("sha256")) != _column_sha256(column):
                    return f"column {name} fails its checksum"
    except InputError:
        raise
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        return f"it is unreadable ({_reason(exc)})"
    return None


def _shard_plan(f: h5py.File) -> str | None:
    """The plan JSON a shard carries (``None`` if none): its ``plan`` dataset, or the
    attribute of shards written before it."""
    stored = f.get("plan")
    if isinstance(stored, h5py.Dataset):
        return bytes(np.asarray(stored[...], dtype=np.uint8)).decode("utf-8", errors="replace")
    return decode_attribute(f.attrs.get("plan"))


def _column_sha256(column: h5py.Dataset) -> str:
    digest = hashlib.sha256()
    step = max(1, BLOCK_BYTES // max(1, column.dtype.itemsize * math.prod(column.shape[1:])))
    for a in range(0, column.shape[0], step):
        digest.update(np.ascontiguousarray(column[a : a + step]).data)
    return digest.hexdigest()


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def clean_parts(parts: Path) -> None:
    """Remove the temporary files of shards and of ``plan.json`` left in ``parts`` by a
    killed run of this output: regular files with exactly a temporary name, nothing else."""
    with os.scandir(parts) as entries:
        for entry in entries:
            final = entry.name.rpartition(".tmp")[0]
            own = final == "plan.json" or is_shard_name(final)
            if own and is_tmp_name(entry.name, final) and entry.is_file(follow_symlinks=False):
                remove_own_file(parts / entry.name)


def remove_parts(parts: Path) -> None:
    """Remove the shard directory of an output: its shards, ``plan.json`` and temporary
    files (regular files with exactly those names), then the directory if it is empty.
    A symbolic link is never followed (nor removed)."""
    try:
        if not stat.S_ISDIR(os.lstat(parts).st_mode):
            return
    except FileNotFoundError:
        return
    clean_parts(parts)
    with os.scandir(parts) as entries:
        for entry in entries:
            if (entry.name == "plan.json" or is_shard_name(entry.name)) and entry.is_file(
                follow_symlinks=False
            ):
                remove_own_file(parts / entry.name)
    with contextlib.suppress(OSError):
        parts.rmdir()


def run_task(task: Task, plan: GenerationPlan, parts_dir: str) -> str:
    """Simulate one task and write its shard atomically; skip it if the shard exists.

    The shard's disk space is reserved before it is written; a full disk raises
    :class:`~isingml.errors.ResourceError` naming the shard and leaves no partial file.

    Parameters
    ----------
    task : Task
        What to do.
    plan : GenerationPlan
        The dataset's parameters (its :attr:`~GenerationPlan.engine` runs the chain).
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
    engine = plan.engine
    model.thermalize(plan.thermalize, engine)
    interval = plan.interval if plan.interval != "auto" else auto_interval(model, plan)
    per = updates_per_interval(model, engine, interval)
    n = task.samples
    block = _block_rows(task)

    def rows() -> Iterator[tuple[int, tuple]]:
        for start in range(0, n, block):
            yield (
                start,
                model.sample(
                    min(n, start + block) - start, per, engine, return_spins=True, packed=True
                ),
            )

    _write_shard(final, task, plan.to_json(), interval, rows)
    return str(final)


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
        The dataset's parameters, with ``backend="cuda"`` (hence a checkerboard algorithm).
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
        engine = plan.engine
        models = [_task_model(task, plan) for task, _ in todo]
        update_many(models, plan.thermalize, engine)
        if plan.interval == "auto":
            intervals = _auto_intervals(models, plan, engine)
        else:
            intervals = [plan.interval] * len(models)
        per = [
            updates_per_interval(model, engine, interval)
            for model, interval in zip(models, intervals, strict=True)
        ]
        L, n = todo[0][0].L, todo[0][0].samples
        rows = max(1, min(n, _BATCH_SNAPSHOT_BYTES // (L * L * len(models))))
        tmps = [tmp_name(final) for _, final in todo]
        plan_json = plan.to_json()
        needed = sum(shard_bytes(task) for task, _ in todo)
        with contextlib.ExitStack() as stack:
            stack.enter_context(disk_full_named(f"shards in {parts_dir}", Path(parts_dir), needed))
            writers = []
            for (task, final), tmp, interval in zip(todo, tmps, intervals, strict=True):
                target = stack.enter_context(new_file(tmp))
                target.reserve(shard_bytes(task), f"shard {final}")
                f = stack.enter_context(h5py.File(tmp, "w"))
                target.same_file()
                writers.append(_ShardWriter(f, task, plan_json, interval))
            for start in range(0, n, rows):
                results = sample_many(
                    models,
                    min(n, start + rows) - start,
                    per,
                    engine,
                    return_spins=True,
                    packed=True,
                )
                for writer, (e, m, spins) in zip(writers, results, strict=True):
                    writer.write(start, e, m, spins)
            for writer in writers:
                writer.finish()
        for tmp, (_, final) in zip(tmps, todo, strict=True):
            durable_replace(tmp, final)
    return [str(final) for final in finals]
