"""The shard runners: simulate tasks and write each one's shard ``OUT.parts/L{L}_T{t}_c{c}.h5``.

:func:`run_task` runs one task on the CPU or the GPU; :func:`run_tasks_together` runs tasks
of one lattice size and one sample count in shared GPU launches (grouped by
:func:`batches`), each task still getting bit for bit the shard it gets alone. A shard is
written under a temporary name and renamed when complete (:mod:`isingml.data.durable`);
shards that exist already are skipped.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from pathlib import Path

import h5py
import numpy as np

from isingml.data.durable import durable_replace, tmp_name
from isingml.data.plan import GenerationPlan, Task
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
    "auto_interval",
    "batches",
    "run_task",
    "run_tasks_together",
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


def _create_part(f: h5py.File, task: Task, interval: int) -> tuple[tuple, int]:
    """The columns of a task's shard, and the samples a task holds in memory at once."""
    n = task.samples
    n_bytes = (task.L * task.L + 7) // 8
    block = max(1, min(n, BLOCK_BYTES // n_bytes))
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
    tmp = tmp_name(final)
    with h5py.File(tmp, "w") as f:
        columns, block = _create_part(f, task, interval)
        for start in range(0, n, block):
            e, m, spins = model.sample(
                min(n, start + block) - start, per, engine, return_spins=True, packed=True
            )
            _write_rows(columns, start, e, m, spins)
    durable_replace(tmp, final)
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
                    engine,
                    return_spins=True,
                    packed=True,
                )
                for cols, (e, m, spins) in zip(columns, results, strict=True):
                    _write_rows(cols, start, e, m, spins)
        for tmp, (_, final) in zip(tmps, todo, strict=True):
            durable_replace(tmp, final)
    return [str(final) for final in finals]
