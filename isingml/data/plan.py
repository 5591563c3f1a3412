"""What a dataset is made of: the value grammar, the generation plan, its tasks and
``plan.json``.

One grammar reads lists of values everywhere (the library and the command line):
:func:`parse_values` reads ``"start:stop:count"`` pieces (inclusive, evenly spaced) and
single numbers, separated by commas (``"1.0:2.0:5,2.1,2.5"``); :func:`parse_ints` reads
integers ``"a,b,c"``. :func:`parse_temperatures` and :func:`parse_sizes` are built on them
and add what temperatures and lattice sizes must be.

A :class:`GenerationPlan` holds everything that determines a dataset's bits; its canonical
JSON text (:meth:`GenerationPlan.to_json`) is written to ``OUT.parts/plan.json`` and to the
dataset's ``plan`` attribute, so that a resume with other arguments is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path

import numpy as np

from isingml._validation import check_lattice_size
from isingml.data.durable import durable_replace, new_file, tmp_name
from isingml.errors import InputError
from isingml.ising.engine import Engine

__all__ = [
    "MAX_TASKS",
    "GenerationPlan",
    "Task",
    "check_task_count",
    "parse_ints",
    "parse_sizes",
    "parse_temperatures",
    "parse_values",
    "write_plan_file",
]


#: Most tasks (sizes x temperatures x chains) of one run: each writes a shard file.
MAX_TASKS = 100_000


def check_task_count(n_sizes: int, n_temperatures: int, chains: int) -> None:
    """Refuse a run of more than :data:`MAX_TASKS` tasks (one shard file each).

    Raises
    ------
    InputError
        Naming the counts and the limit.
    """
    n = n_sizes * n_temperatures * chains
    if n > MAX_TASKS:
        largest = max(
            ("sizes", n_sizes),
            ("temperatures", n_temperatures),
            ("chains", chains),
            key=lambda item: item[1],
        )[0]
        raise InputError(
            f"{largest}: {n_sizes} sizes x {n_temperatures} temperatures x {chains} chains "
            f"make {n} tasks, more than the {MAX_TASKS} one run can hold (each writes a "
            "shard file); split the run",
            argument=largest,
        )


def parse_values(text: str, name: str = "values", max_count: int | None = None) -> np.ndarray:
    """Numbers from comma-separated pieces, each ``start:stop:count`` or one number.

    A piece ``start:stop:count`` stands for ``count`` evenly spaced values from ``start`` to
    ``stop`` inclusive (``numpy.linspace``); ``"1.0:2.0:5,2.1:2.5:17"`` and ``"2.0,2.5"``
    are both lists. Order and repeats are kept as written.

    Parameters
    ----------
    text : str
        The list.
    name : str
        What the values are, for messages.
    max_count : int, optional
        Most values the list may hold (refused before they are made).

    Returns
    -------
    ndarray of float64
        Finite, at least one.

    Raises
    ------
    ValueError
        A piece that is neither a number nor ``start:stop:count``, a count < 1, a
        non-finite value, or no value at all.
    """
    if not isinstance(text, str):
        raise InputError(f"{name} must be a string like '1.0:3.0:5' or 'a,b,c', got {text!r}")
    pieces = []
    total = 0
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            if ":" in part:
                start, stop, count = part.split(":")
                bounds, n = (float(start), float(stop)), int(count)
            else:
                bounds, n = (float(part),), 1
        except ValueError:
            raise InputError(
                f"{name} must be 'start:stop:count', a comma list, or a comma list of both, "
                f"got {text!r}"
            ) from None
        if n < 1:
            raise InputError(f"{name} must have a count >= 1, got {text!r}")
        if not np.all(np.isfinite(bounds)):
            raise InputError(f"{name} must be finite, got {text!r}")
        total += n
        if max_count is not None and total > max_count:
            raise InputError(f"{name} must hold at most {max_count} values, got {text!r}")
        pieces.append(np.linspace(bounds[0], bounds[-1], n))
    if not pieces:
        raise InputError(f"{name} must not be empty, got {text!r}")
    return np.concatenate(pieces)


def parse_ints(text: str, name: str = "values") -> tuple[int, ...]:
    """Integers from ``"a,b,c"``, in the order written.

    Parameters
    ----------
    text : str
        The list.
    name : str
        What the integers are, for messages.

    Returns
    -------
    tuple of int
        At least one.

    Raises
    ------
    ValueError
        A piece that is not an integer, or no integer at all.
    """
    if not isinstance(text, str):
        raise InputError(f"{name} must be a string like '16,32,64', got {text!r}")
    try:
        values = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise InputError(f"{name} must be a comma list of integers, got {text!r}") from None
    if not values:
        raise InputError(f"{name} must not be empty, got {text!r}")
    return values


def parse_temperatures(spec: str | Sequence[float] | np.ndarray) -> np.ndarray:
    """Temperatures from ``"start:stop:count"`` (inclusive, evenly spaced), ``"a,b,c"``, a
    comma list of both (``"1.0:2.0:5,2.1:2.5:17"``) or a list: :func:`parse_values`, then
    the checks of temperatures.

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
        temps = parse_values(spec, "temperatures", max_count=MAX_TASKS)
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
    """Lattice sizes from ``"16,32,64"`` (:func:`parse_ints`) or a list: even, >= 2,
    distinct, sorted.

    Parameters
    ----------
    spec : str or sequence of int

    Returns
    -------
    tuple of int
    """
    if isinstance(spec, str):
        if not spec.strip():
            raise InputError(f"sizes must not be empty, got {spec!r}")
        try:
            items: list[object] = list(parse_ints(spec, "sizes"))
        except InputError:
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
    """Everything that determines a dataset's bits (validated).

    ``algorithm`` and ``kernel`` are those of the :class:`~isingml.ising.engine.Engine`
    (the kernel resolved); ``backend`` and ``threads``, which do not change the bits, are
    not part of the plan's identity nor of its JSON text. :attr:`engine` rebuilds the
    engine.
    """

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
    #: Threads of the CPU kernels; not part of the plan's identity either.
    threads: int | None = field(default=None, compare=False)

    @property
    def engine(self) -> Engine:
        """The engine that runs the plan's chains."""
        return Engine(self.algorithm, self.kernel, self.backend, self.threads)

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
        cached = self.__dict__.get("_json")
        if cached is None:
            # Field by field, not dataclasses.asdict, which deep-copies the temperatures.
            fields = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}
            del fields["backend"]  # the same bits on either backend: a resume may switch
            del fields["threads"]  # nor on any number of threads
            cached = json.dumps(fields, sort_keys=True)
            object.__setattr__(self, "_json", cached)  # the plan is frozen: computed once
        return cached


def write_plan_file(parts: Path, plan: GenerationPlan) -> None:
    """Write ``parts/plan.json`` durably, or check that the one there is this plan's.

    Parameters
    ----------
    parts : pathlib.Path
        The shard directory (it exists).
    plan : GenerationPlan
        The run's plan.

    Raises
    ------
    ValueError
        ``plan.json`` holds another plan: the shards there belong to another run.
    """
    plan_file = parts / "plan.json"
    text = plan.to_json()
    if plan_file.exists():
        fd = os.open(plan_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            written = f.read()
        if written != text.encode():
            raise InputError(
                f"out: {parts} holds the shards of a run with other arguments; "
                "pass overwrite=True to start again",
                argument="out",
            )
        return
    tmp = tmp_name(plan_file)
    with new_file(tmp) as target:
        os.write(target.fd, text.encode())
    durable_replace(tmp, plan_file)
