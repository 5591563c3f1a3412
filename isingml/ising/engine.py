"""How chains advance: the update algorithm, the kernel, the backend and the threads, in one
validated object.

An :class:`Engine` is resolved once, where it is made, and then passed as one argument to
every entry point (:meth:`IsingModel.update <isingml.ising.model.IsingModel.update>`,
``thermalize``, ``sample``, :func:`~isingml.ising.model.update_many`,
:func:`~isingml.ising.model.sample_many`, :func:`~isingml.ising.simulation.simulate`,
:func:`~isingml.ising.simulation.temperature_scan` and :func:`isingml.data.generate`), which
all default to the same ``Engine()``. Wherever an engine is asked for, a plain algorithm
string is accepted as shorthand: ``"wolff"`` means ``Engine("wolff")``.

The two checkerboard kernels of Metropolis and heat bath, ``"byte"``
(:mod:`isingml.ising.metropolis`: one int8 per spin, one 32-bit random number per site) and
``"multispin"`` (:mod:`isingml.ising.multispin`: 64 spins per word, random bits drawn only
until every flip is decided), are two different, equally exact chains; the same seed and
kernel give the same bits on any number of threads and on either backend. ``"auto"``, the
default everywhere, picks ``"multispin"`` wherever it exists (Metropolis and heat bath),
measured faster at every size from L = 16 (0.19 vs 0.17 flips/ns) to L = 1024 (3.0 vs 1.45
flips/ns on one thread of the 2-core test machine); the cluster algorithms have one
implementation, on int8 spins, named ``"byte"``. The choice depends on nothing else, so a
dataset's bits do not depend on the machine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numba

from isingml._backend import check_backend, require_cuda
from isingml._validation import check_choice, check_int
from isingml.errors import InputError, InputTypeError

__all__ = [
    "ALGORITHMS",
    "CHECKERBOARD",
    "KERNELS",
    "PARALLEL_MIN_L",
    "Engine",
    "as_engine",
    "resolve_kernel",
]

#: Update algorithms an :class:`Engine` runs.
ALGORITHMS = ("metropolis", "heatbath", "wolff", "swendsen-wang")
#: The checkerboard algorithms: two kernels each, and a CUDA twin of both.
CHECKERBOARD = ("metropolis", "heatbath")
#: Kernel choices; ``"auto"`` resolves to ``"multispin"`` where it exists, else ``"byte"``.
KERNELS = ("auto", "byte", "multispin")

#: Below this side the parallel kernels cost more in thread start-up than they save.
PARALLEL_MIN_L = 256


def resolve_kernel(kernel: str, algorithm: str) -> str:
    """The kernel that ``kernel`` names for ``algorithm``: ``"byte"`` or ``"multispin"``.

    Parameters
    ----------
    kernel : {"auto", "byte", "multispin"}
        The request; ``"auto"`` is ``"multispin"`` for Metropolis and heat bath and
        ``"byte"`` for the cluster algorithms.
    algorithm : {"metropolis", "heatbath", "wolff", "swendsen-wang"}
        The update rule.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        An unknown kernel or algorithm, or ``"multispin"`` for a cluster algorithm.
    """
    check_choice("algorithm", algorithm, ALGORITHMS)
    check_choice("kernel", kernel, KERNELS)
    if algorithm not in CHECKERBOARD:
        if kernel == "multispin":
            raise InputError(
                f"kernel 'multispin' runs the metropolis and heatbath sweeps; algorithm "
                f"{algorithm!r} has one kernel (kernel='auto' or 'byte')",
                argument="kernel",
            )
        return "byte"
    return "multispin" if kernel == "auto" else kernel


@dataclass(frozen=True)
class Engine:
    """The update algorithm, kernel, backend and threads of a chain, validated and resolved.

    Parameters
    ----------
    algorithm : {"metropolis", "heatbath", "wolff", "swendsen-wang"}
        Update rule. The cluster algorithms need ``h == 0`` (checked by the model).
    kernel : {"auto", "byte", "multispin"}
        The checkerboard kernel of Metropolis and heat bath. ``"auto"`` (the default of
        every entry point) is ``"multispin"`` for those and ``"byte"`` (their one
        implementation) for the cluster algorithms; ``"multispin"`` exists only for
        Metropolis and heat bath. Stored resolved: :attr:`kernel` is ``"byte"`` or
        ``"multispin"``, so engines that run the same chain compare equal. The kernel is
        part of the chain's bits.
    backend : {"cpu", "cuda"}
        Where the sweeps run. ``"cuda"`` runs Metropolis and heat bath (both kernels have a
        CUDA twin giving the CPU's bits) and needs a GPU, or Numba's CUDA simulator, when
        the engine is made.
    threads : int, optional
        Threads of the CPU checkerboard kernels, between 1 and Numba's thread count
        (default: all of them for L >= :data:`PARALLEL_MIN_L`, else 1; see
        :meth:`threads_for`). The result never depends on it; the GPU and the cluster
        kernels do not use it.

    Raises
    ------
    ValueError
        An unknown algorithm, kernel or backend, a combination that does not exist
        (``"multispin"`` or ``"cuda"`` with a cluster algorithm), or threads out of range.
    ResourceError
        ``backend="cuda"`` without a usable GPU.

    Examples
    --------
    >>> from isingml.ising import Engine
    >>> Engine().kernel
    'multispin'
    >>> Engine("wolff")
    Engine(algorithm='wolff', kernel='byte', backend='cpu', threads=None)
    """

    algorithm: str = "metropolis"
    kernel: str = "auto"
    backend: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        kernel = resolve_kernel(self.kernel, self.algorithm)
        object.__setattr__(self, "kernel", kernel)
        backend = check_backend(self.backend)
        if backend == "cuda":
            if self.algorithm not in CHECKERBOARD:
                raise InputError(
                    f"backend 'cuda' runs the metropolis and heatbath sweeps; algorithm "
                    f"{self.algorithm!r} runs on the CPU (backend='cpu')",
                    argument="backend",
                )
            require_cuda()
        if self.threads is not None:
            threads = check_int("threads", self.threads, minimum=1)
            available = numba.config.NUMBA_NUM_THREADS
            if threads > available:
                raise InputError(
                    f"threads must be between 1 and {available} (Numba's thread count), "
                    f"got {threads}",
                    argument="threads",
                )
            object.__setattr__(self, "threads", threads)

    @property
    def checkerboard(self) -> bool:
        """Whether the algorithm is Metropolis or heat bath (checkerboard sweeps)."""
        return self.algorithm in CHECKERBOARD

    @property
    def cluster(self) -> bool:
        """Whether the algorithm is a cluster update (Wolff or Swendsen–Wang)."""
        return self.algorithm not in CHECKERBOARD

    def threads_for(self, L: int) -> int:
        """Threads the CPU kernels use on an L x L lattice.

        Parameters
        ----------
        L : int
            Lattice side.

        Returns
        -------
        int
            :attr:`threads`, or by default all of Numba's threads for
            ``L >= PARALLEL_MIN_L`` and 1 below.
        """
        if self.threads is not None:
            return self.threads
        return numba.config.NUMBA_NUM_THREADS if L >= PARALLEL_MIN_L else 1


@functools.cache
def _of_algorithm(algorithm: str) -> Engine:
    return Engine(algorithm)


def as_engine(engine: object, name: str = "engine") -> Engine:
    """``engine`` itself, or ``Engine(engine)`` for the shorthand of an algorithm string.

    Parameters
    ----------
    engine : Engine or str
        An engine, or an algorithm name (``"wolff"`` is ``Engine("wolff")``).
    name : str
        Argument name for messages.

    Returns
    -------
    Engine

    Raises
    ------
    TypeError
        Neither an :class:`Engine` nor a string.
    ValueError
        An unknown algorithm name.
    """
    if isinstance(engine, Engine):
        return engine
    if isinstance(engine, str):
        check_choice("algorithm", engine, ALGORITHMS)
        return _of_algorithm(engine)
    raise InputTypeError(
        f"{name} must be an isingml.ising.Engine or an algorithm name {ALGORITHMS}, got "
        f"{type(engine).__name__}"
    )
