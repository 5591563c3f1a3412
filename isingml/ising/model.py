"""The 2D Ising model on an L x L periodic square lattice: state, parameters and updates.

:class:`IsingModel` holds one lattice; an :class:`~isingml.ising.engine.Engine` says how it
is updated. :func:`update_many` and :func:`sample_many` advance several models of one size
together: with an engine on ``backend="cuda"`` their Metropolis or heat-bath sweeps share
the kernel launches of the batched twins
(:func:`isingml.ising.metropolis_cuda.metropolis_sample_cuda_batch`,
:func:`isingml.ising.multispin_cuda.multispin_sample_cuda_batch`), so that many small
lattices (many temperatures or chains) fill the GPU; each model still gets bit for bit the
chain it follows alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from isingml._persistence import load_arrays, save_arrays
from isingml._validation import (
    check_choice,
    check_finite,
    check_int,
    check_lattice_size,
    check_positive,
)
from isingml.errors import InputError, InputTypeError
from isingml.ising.cluster import (
    swendsen_wang_sample,
    wolff_sample,
    wolff_updates,
)
from isingml.ising.engine import ALGORITHMS, PARALLEL_MIN_L, Engine, as_engine
from isingml.ising.lattice import (
    bond_sum,
    from_checkerboard,
    magnetization_sum,
    packed_from_checkerboard,
    to_checkerboard,
)
from isingml.ising.metropolis import acceptance_table, metropolis_sample, thresholds32
from isingml.ising.multispin import multispin_sample, pack_checkerboard, unpack_checkerboard
from isingml.random import TAG_INITIAL_STATE, random_uint32, validate_seed

__all__ = ["ALGORITHMS", "PARALLEL_MIN_L", "IsingModel", "sample_many", "update_many"]


def check_spins(spins: object, L: int | None = None, name: str = "initial") -> np.ndarray:
    """Validate a user-given ``(L, L)`` int8 lattice of +/-1 and return a C-contiguous copy.

    Parameters
    ----------
    spins : object
        The candidate lattice.
    L : int, optional
        Required side; any even side >= 2 when omitted.
    name : str
        Argument name for messages.

    Returns
    -------
    ndarray of int8, shape (L, L)
    """
    if not isinstance(spins, np.ndarray):
        raise InputTypeError(
            f"{name} must be a NumPy int8 array of +/-1, got {type(spins).__name__}"
        )
    if spins.dtype != np.int8:
        raise InputTypeError(
            f"{name} must have dtype int8 (spins are int8 +/-1), got dtype {spins.dtype}; "
            "convert with .astype(np.int8)"
        )
    if spins.ndim != 2 or spins.shape[0] != spins.shape[1]:
        raise InputError(f"{name} must be a square (L, L) array, got shape {spins.shape}")
    if L is not None and spins.shape[0] != L:
        raise InputError(f"{name} must have shape ({L}, {L}), got shape {spins.shape}")
    check_lattice_size(spins.shape[0], f"{name}.shape[0]")
    if not np.all((spins == 1) | (spins == -1)):
        bad = spins[(spins != 1) & (spins != -1)][0]
        raise InputError(f"{name} must contain only +1 and -1, found {int(bad)}")
    return np.ascontiguousarray(spins).copy()


#: Largest inverse temperature accepted: far beyond any physics, small enough that
#: ``beta * dE`` stays finite.
MAX_BETA = 1e100
_FORMAT_VERSION = 1


def _beta_of(name: str, value: object) -> float:
    x = check_positive(name, value)
    beta = 1.0 / x if name == "T" else x
    if not beta <= MAX_BETA:
        limit = f">= {1 / MAX_BETA:g}" if name == "T" else f"<= {MAX_BETA:g}"
        raise InputError(f"{name} must be {limit}, got {x}")
    return beta


class IsingModel:
    """The 2D Ising model ``H = -J sum_<ij> s_i s_j - h sum_i s_i`` on an L x L torus.

    The spins live in the checkerboard layout of :mod:`isingml.ising.lattice`; every
    update draws its random numbers from Philox4x32-10 keyed by ``(seed, stream)`` and
    counted by the model's update counter :attr:`step` and the site, so the same seed
    gives bit-identical lattices whatever the number of threads.

    Parameters
    ----------
    L : int
        Lattice side, even, >= 2.
    T : float, optional
        Temperature in units of J/k_B (give ``T`` or ``beta``, not both).
    beta : float, optional
        Inverse temperature.
    J : float
        Coupling; positive is ferromagnetic, negative antiferromagnetic. Nonzero.
    h : float
        External field.
    initial : {"hot", "cold"} or ndarray of int8, shape (L, L)
        Random (from the seed), all +1, or a given lattice of +/-1.
    seed : int
        Philox key word, in [0, 2**32).
    stream : int
        Second key word, in [0, 2**32): independent chains sharing a seed.

    Attributes
    ----------
    step : int
        Number of updates done so far (sweeps for Metropolis and heat bath, cluster
        updates for Wolff, Swendsen–Wang updates): the Philox counter of the next one.
    flipped_by_clusters : int
        Spins flipped by Wolff updates so far (sweep-equivalents = this / N).

    Examples
    --------
    >>> from isingml import Engine, IsingModel
    >>> model = IsingModel(32, T=2.0, seed=1)
    >>> _ = model.update(100, Engine("wolff"))
    >>> abs(model.magnetization()) > 0.8
    True
    """

    def __init__(
        self,
        L: int,
        T: float | None = None,
        *,
        beta: float | None = None,
        J: float = 1.0,
        h: float = 0.0,
        initial: str | np.ndarray = "hot",
        seed: int = 0,
        stream: int = 0,
    ) -> None:
        self._L = check_lattice_size(L)
        if (T is None) == (beta is None):
            raise InputError(f"give exactly one of T and beta, got T={T!r}, beta={beta!r}")
        self._beta = _beta_of("T", T) if T is not None else 0.0
        if beta is not None:
            self._beta = _beta_of("beta", beta)
        self._J = check_finite("J", J, nonzero=True)
        self._h = check_finite("h", h)
        self._seed = validate_seed(seed)
        self._stream = validate_seed(stream, "stream")
        self.step = 0
        self.flipped_by_clusters = 0
        self._work: np.ndarray | None = None
        self._tables: dict[str, tuple] = {}
        if isinstance(initial, str):
            check_choice("initial", initial, ("hot", "cold"))
            if initial == "cold":
                lattice = np.ones((self._L, self._L), dtype=np.int8)
            else:
                bits = random_uint32(
                    self._L * self._L, self._seed, self._stream, tag=TAG_INITIAL_STATE
                )
                lattice = (1 - 2 * (bits & 1).astype(np.int8)).reshape(self._L, self._L)
        else:
            lattice = check_spins(initial, self._L)
        self._cb = to_checkerboard(lattice)

    # -- parameters ---------------------------------------------------------------------
    @property
    def L(self) -> int:
        """Lattice side."""
        return self._L

    @property
    def n_spins(self) -> int:
        """Number of spins, L**2."""
        return self._L * self._L

    @property
    def T(self) -> float:
        """Temperature (J/k_B); setting it changes beta."""
        return 1.0 / self._beta

    @T.setter
    def T(self, value: float) -> None:
        self._beta = _beta_of("T", value)
        self._tables.clear()

    @property
    def beta(self) -> float:
        """Inverse temperature."""
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        self._beta = _beta_of("beta", value)
        self._tables.clear()

    @property
    def J(self) -> float:
        """Coupling."""
        return self._J

    @property
    def h(self) -> float:
        """External field."""
        return self._h

    @property
    def seed(self) -> int:
        """Philox seed (first key word)."""
        return self._seed

    @property
    def stream(self) -> int:
        """Philox stream (second key word)."""
        return self._stream

    # -- state --------------------------------------------------------------------------
    @property
    def spins(self) -> np.ndarray:
        """A copy of the lattice, ``(L, L)`` int8 of +/-1; assign to replace it."""
        return from_checkerboard(self._cb)

    @spins.setter
    def spins(self, value: np.ndarray) -> None:
        self._cb = to_checkerboard(check_spins(value, self._L, "spins"))

    @property
    def checkerboard(self) -> np.ndarray:
        """The live ``(2, L, L // 2)`` checkerboard array (not a copy; for kernels)."""
        return self._cb

    def energy(self) -> float:
        """Energy per spin, ``E / N``."""
        n = self.n_spins
        return float(-self._J * bond_sum(self._cb) / n - self._h * magnetization_sum(self._cb) / n)

    def magnetization(self) -> float:
        """Magnetization per spin, ``M / N`` (signed)."""
        return float(magnetization_sum(self._cb) / self.n_spins)

    def measure(self) -> tuple[float, float]:
        """Energy and magnetization per spin, in one call."""
        n = self.n_spins
        m = magnetization_sum(self._cb) / n
        return float(-self._J * bond_sum(self._cb) / n - self._h * m), float(m)

    # -- updates ------------------------------------------------------------------------
    def update(self, n: int = 1, engine: Engine | str = "metropolis") -> IsingModel:
        """Advance the chain by ``n`` updates of the engine's algorithm.

        Parameters
        ----------
        n : int
            Updates to run (>= 0): sweeps (one attempt per site) for Metropolis and heat
            bath, single-cluster updates for Wolff, whole-lattice updates for
            Swendsen–Wang. :meth:`thermalize` and :func:`isingml.simulate` count Wolff work
            in sweep-equivalents (N flipped spins).
        engine : Engine or str
            Algorithm, kernel, backend and threads (:class:`isingml.ising.Engine`; the
            default ``Engine()`` is Metropolis with the multi-spin kernel on the CPU, the
            default of every entry point). An algorithm name is shorthand for
            ``Engine(name)``. The cluster algorithms need ``h == 0``. On ``"cuda"`` the
            lattice stays on the GPU during the call and comes back bit for bit the
            CPU's; the result never depends on the threads.

        Returns
        -------
        IsingModel
            ``self``, for chaining.
        """
        n = check_int("n", n, minimum=0)
        engine = self._check_update(engine)
        if n:
            self._run(n, engine, None)
        return self

    def thermalize(self, n_sweeps: int, engine: Engine | str = "metropolis") -> int:
        """Run ``n_sweeps`` sweeps, counting Wolff work in sweep-equivalents.

        For Wolff, cluster updates run until ``n_sweeps * N`` spins have flipped (a
        trajectory-dependent stop, which is fine before measuring).

        Parameters
        ----------
        n_sweeps : int
            Sweeps (or sweep-equivalents) to run, >= 0.
        engine : Engine or str
            As in :meth:`update`.

        Returns
        -------
        int
            Updates done (cluster updates for Wolff, sweeps otherwise).
        """
        n_sweeps = check_int("n_sweeps", n_sweeps, minimum=0)
        engine = self._check_update(engine)
        if n_sweeps == 0:
            return 0
        if engine.algorithm == "wolff":
            return self._run(2**62, engine, n_sweeps * self.n_spins)
        return self._run(n_sweeps, engine, None)

    def _check_update(self, engine: Engine | str) -> Engine:
        # The engine, resolved, once it is known to run on this model.
        engine = as_engine(engine)
        if engine.cluster and self._h != 0.0:
            raise InputError(
                f"algorithm {engine.algorithm!r} needs h = 0 (cluster updates ignore the "
                f"field), got h={self._h}"
            )
        return engine

    def sample(
        self,
        n_measurements: int,
        updates_per_measurement: int = 1,
        engine: Engine | str = "metropolis",
        *,
        return_spins: bool = False,
        packed: bool = False,
    ) -> tuple[np.ndarray, ...]:
        """Alternate updates and measurements inside the kernels (no Python per sample).

        Parameters
        ----------
        n_measurements : int
            Measurements to take (>= 0).
        updates_per_measurement : int
            Updates (as in :meth:`update`) before each measurement, >= 1.
        engine : Engine or str
            As in :meth:`update`.
        return_spins : bool
            Also return the configuration at each measurement.
        packed : bool
            With ``return_spins``, give the configurations bit-packed as datasets store
            them (``np.packbits`` of ``s > 0`` per configuration, 8x less memory).

        Returns
        -------
        energy, magnetization : ndarray of float64, shape (n_measurements,)
            Per spin, after each block of updates.
        spins : ndarray of int8, shape (n_measurements, L, L)
            Only with ``return_spins``; uint8 of shape ``(n_measurements, ceil(L*L/8))``
            with ``packed``.
        """
        n_meas = check_int("n_measurements", n_measurements, minimum=0)
        per = check_int("updates_per_measurement", updates_per_measurement, minimum=1)
        if packed and not return_spins:
            raise InputError("packed=True needs return_spins=True")
        engine = self._check_update(engine)
        if n_meas == 0:  # nothing to measure: the chain does not move
            empty = np.empty(0)
            if return_spins:
                snaps = np.empty((0, *self._cb.shape), dtype=np.int8)
                spins = packed_from_checkerboard(snaps) if packed else from_checkerboard(snaps)
                return empty, empty.copy(), spins
            return empty, empty.copy()
        # The multi-spin kernel writes dataset bytes straight from its words.
        direct = (
            packed
            and engine.backend == "cpu"
            and self._L % 8 == 0
            and engine.kernel == "multispin"
        )
        rows = n_meas if return_spins and not direct else 0
        snaps = np.empty((rows, *self._cb.shape), dtype=np.int8)
        words = np.empty((n_meas, self._L * self._L // 8), np.uint8) if direct else None
        bonds, mags = self._kernel(n_meas, per, engine, snaps, words)
        energy, m = self._per_spin(bonds, mags)
        if return_spins:
            if direct:
                return energy, m, words
            spins = packed_from_checkerboard(snaps) if packed else from_checkerboard(snaps)
            return energy, m, spins
        return energy, m

    def _per_spin(self, bonds: np.ndarray, mags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Energy and magnetization per spin from the kernels' integer sums.
        n = self.n_spins
        m = mags / n
        return -self._J * bonds / n - self._h * m, m

    def _run(self, n: int, engine: Engine, min_flips: int | None) -> int:
        if engine.algorithm == "wolff" and min_flips is not None:
            done, flipped = wolff_updates(
                self._cb,
                self.step,
                self._beta,
                self._J,
                self._seed,
                self._stream,
                self._workspace(),
                n,
                min_flips,
            )
            self.flipped_by_clusters += flipped
            self.step += done
            return done
        self._kernel(0, n, engine)
        return n

    def _kernel(
        self,
        n_meas: int,
        per: int,
        engine: Engine,
        snapshots: np.ndarray | None = None,
        packed_snapshots: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        if snapshots is None:
            snapshots = np.empty((0, *self._cb.shape), dtype=np.int8)
        # n_meas blocks of `per` updates, measuring after each; n_meas = 0: `per` updates.
        algorithm, kind, backend = engine.algorithm, engine.kernel, engine.backend
        threads = engine.threads_for(self._L)
        if engine.checkerboard and (kind == "multispin" or backend == "cuda"):
            table = acceptance_table(self._beta, self._J, self._h, algorithm)
            args = (n_meas, per, self.step, table, self._seed, self._stream)
            if kind == "byte":  # on the GPU
                from isingml.ising.metropolis_cuda import metropolis_sample_cuda

                out = metropolis_sample_cuda(self._cb, *args, snapshots)
            else:
                words = pack_checkerboard(self._cb)
                if backend == "cuda":
                    from isingml.ising.multispin_cuda import multispin_sample_cuda

                    out = multispin_sample_cuda(words, self._L // 2, *args, snapshots)
                else:
                    out = multispin_sample(
                        words, self._L // 2, *args, threads, snapshots, packed_snapshots
                    )
                unpack_checkerboard(words, self._cb)
        elif engine.checkerboard:
            t = self._tables.get(algorithm)
            if t is None:
                t = thresholds32(acceptance_table(self._beta, self._J, self._h, algorithm))
                self._tables[algorithm] = t
            out = metropolis_sample(
                self._cb, n_meas, per, self.step, t, self._seed, self._stream, threads, snapshots
            )
        elif algorithm == "wolff":
            bonds, mags, flipped = wolff_sample(
                self._cb,
                max(n_meas, 1),
                per,
                self.step,
                self._beta,
                self._J,
                self._seed,
                self._stream,
                self._workspace(),
                snapshots,
            )
            self.flipped_by_clusters += flipped
            out = (bonds[:n_meas], mags[:n_meas])
        else:
            bonds, mags = swendsen_wang_sample(
                self._cb,
                max(n_meas, 1),
                per,
                self.step,
                self._beta,
                self._J,
                self._seed,
                self._stream,
                self._workspace(),
                snapshots,
            )
            out = (bonds[:n_meas], mags[:n_meas])
        self.step += max(n_meas, 1) * per
        return out

    def copy(self) -> IsingModel:
        """An independent copy with the same state, parameters and counter."""
        other = IsingModel.__new__(IsingModel)
        other.__dict__.update(self.__dict__)
        other._cb = self._cb.copy()
        other._work = None
        other._tables = dict(self._tables)
        return other

    def save(self, path: str | os.PathLike) -> Path:
        """Write the state (spins, parameters, seed, stream and update counter), atomically.

        A model read back by :meth:`load` continues the same chain bit for bit: the
        Philox counter is part of the state.

        Parameters
        ----------
        path : path
            ``.npz`` (added when the name has no suffix) or ``.h5``.

        Returns
        -------
        Path
        """
        meta = {
            "L": self._L,
            "beta": self._beta,
            "J": self._J,
            "h": self._h,
            "seed": self._seed,
            "stream": self._stream,
            "step": int(self.step),
            "flipped_by_clusters": int(self.flipped_by_clusters),
        }
        return save_arrays(path, "IsingModel", _FORMAT_VERSION, meta, {"spins": self.spins})

    @classmethod
    def load(cls, path: str | os.PathLike) -> IsingModel:
        """Read a state written by :meth:`save`.

        Raises
        ------
        InputError
            Naming the file, when it is not a saved IsingModel or is damaged.
        """
        meta, arrays, _ = load_arrays(path, "IsingModel")
        try:
            model = cls(
                meta["L"],
                beta=meta["beta"],
                J=meta["J"],
                h=meta["h"],
                initial=arrays["spins"],
                seed=meta["seed"],
                stream=meta["stream"],
            )
            model.step = check_int("step", meta["step"], minimum=0)
            model.flipped_by_clusters = check_int(
                "flipped_by_clusters", meta["flipped_by_clusters"], minimum=0
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InputError(f"{path}: not a valid saved IsingModel ({exc})") from None
        return model

    def _workspace(self) -> np.ndarray:
        if self._work is None:
            self._work = np.empty(self.n_spins, dtype=np.int64)
        return self._work

    def __repr__(self) -> str:
        return (
            f"IsingModel(L={self._L}, T={self.T:.6g}, J={self._J:g}, h={self._h:g}, "
            f"seed={self._seed}, stream={self._stream}, step={self.step})"
        )


# -- many models at once ----------------------------------------------------------------


def _check_models(models: object, engine: Engine | str) -> tuple[list[IsingModel], Engine]:
    if isinstance(models, IsingModel) or not isinstance(models, (list, tuple)):
        raise InputTypeError(f"models must be a list of IsingModel, got {type(models).__name__}")
    for i, model in enumerate(models):
        if not isinstance(model, IsingModel):
            raise InputTypeError(f"models[{i}] must be an IsingModel, got {type(model).__name__}")
    if len({id(model) for model in models}) != len(models):
        raise InputError("models must be distinct objects; a model is listed twice")
    engine = as_engine(engine)
    if engine.backend == "cuda" and len({model.L for model in models}) > 1:
        raise InputError(
            "backend 'cuda' runs models of one lattice size together, got sizes "
            f"{sorted({model.L for model in models})}"
        )
    for model in models:
        model._check_update(engine)
    return list(models), engine


def _per_model(name: str, value: object, n: int, minimum: int) -> list[int]:
    if isinstance(value, (list, tuple, np.ndarray)):
        counts = [check_int(f"{name}[{i}]", v, minimum) for i, v in enumerate(value)]
        if len(counts) != n:
            raise InputError(
                f"{name} must be an int or {n} ints (one per model), got {len(counts)}"
            )
        return counts
    return [check_int(name, value, minimum)] * n


def _kernel_many(
    models: list[IsingModel],
    n_meas: int,
    per: list[int],
    engine: Engine,
    snapshots: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    # IsingModel._kernel for a batch of models of one size on the GPU: n_meas blocks of
    # per[b] updates for model b, measuring after each; n_meas = 0: per[b] updates.
    L = models[0].L
    if snapshots is None:
        snapshots = np.empty((len(models), 0, 2, L, L // 2), dtype=np.int8)
    tables = np.stack([acceptance_table(m._beta, m._J, m._h, engine.algorithm) for m in models])
    chains = (
        [m.step for m in models],
        tables,
        [m._seed for m in models],
        [m._stream for m in models],
    )
    if engine.kernel == "byte":
        from isingml.ising.metropolis_cuda import metropolis_sample_cuda_batch

        cbs = np.stack([m._cb for m in models])
        out = metropolis_sample_cuda_batch(cbs, n_meas, per, *chains, snapshots)
        for model, cb in zip(models, cbs, strict=True):
            model._cb[...] = cb
    else:
        from isingml.ising.multispin_cuda import multispin_sample_cuda_batch

        words = np.stack([pack_checkerboard(m._cb) for m in models])
        out = multispin_sample_cuda_batch(words, L // 2, n_meas, per, *chains, snapshots)
        for model, w in zip(models, words, strict=True):
            unpack_checkerboard(w, model._cb)
    for model, p in zip(models, per, strict=True):
        model.step += max(n_meas, 1) * p
    return out


def update_many(
    models: list[IsingModel],
    n: int | list[int] = 1,
    engine: Engine | str = "metropolis",
) -> list[IsingModel]:
    """Advance several models, as :meth:`IsingModel.update` on each, in shared GPU launches.

    With an engine on ``backend="cuda"`` the Metropolis or heat-bath sweeps of all the models
    run in the same kernel launches (a batch: one lattice per slice of the grid), so that
    many small lattices fill the GPU together; each model still follows its own chain (its own
    temperature, field, coupling, seed, stream and :attr:`IsingModel.step`), bit for bit the
    chain :meth:`IsingModel.update` gives it alone, on either backend. With ``"cpu"`` the
    models are updated one after the other.

    Parameters
    ----------
    models : list of IsingModel
        Distinct models; of one lattice size with ``backend="cuda"``.
    n : int or list of int
        Updates to run (>= 0), for all models or one count per model.
    engine : Engine or str
        As in :meth:`IsingModel.update` (the GPU runs ``"metropolis"`` and ``"heatbath"``).

    Returns
    -------
    list of IsingModel
        The models, advanced in place.
    """
    models, engine = _check_models(models, engine)
    counts = _per_model("n", n, len(models), 0)
    if engine.backend == "cpu":
        for model, count in zip(models, counts, strict=True):
            model.update(count, engine)
        return models
    moving = [(model, count) for model, count in zip(models, counts, strict=True) if count]
    if moving:
        _kernel_many([m for m, _ in moving], 0, [c for _, c in moving], engine)
    return models


def sample_many(
    models: list[IsingModel],
    n_measurements: int,
    updates_per_measurement: int | list[int] = 1,
    engine: Engine | str = "metropolis",
    *,
    return_spins: bool = False,
    packed: bool = False,
) -> list[tuple[np.ndarray, ...]]:
    """:meth:`IsingModel.sample` for several models, in shared GPU launches.

    With an engine on ``backend="cuda"`` all the models sweep in the same kernel launches
    (see :func:`update_many`) and every model's measurements, configurations and final
    state are bit for bit those :meth:`IsingModel.sample` gives it alone. With ``"cpu"`` the models
    are sampled one after the other.

    Parameters
    ----------
    models : list of IsingModel
        Distinct models; of one lattice size with ``backend="cuda"``.
    n_measurements : int
        Measurements per model (>= 0).
    updates_per_measurement : int or list of int
        Updates before each measurement (>= 1), for all models or one count per model.
    engine, return_spins, packed
        As in :meth:`IsingModel.sample`.

    Returns
    -------
    list of tuple
        One ``(energy, magnetization)`` or ``(energy, magnetization, spins)`` per model, as
        :meth:`IsingModel.sample` returns them.
    """
    models, engine = _check_models(models, engine)
    n_meas = check_int("n_measurements", n_measurements, minimum=0)
    per = _per_model("updates_per_measurement", updates_per_measurement, len(models), 1)
    if packed and not return_spins:
        raise InputError("packed=True needs return_spins=True")
    if engine.backend == "cpu" or n_meas == 0 or not models:
        return [
            model.sample(n_meas, p, engine, return_spins=return_spins, packed=packed)
            for model, p in zip(models, per, strict=True)
        ]
    L = models[0].L
    snaps = np.empty((len(models), n_meas if return_spins else 0, 2, L, L // 2), np.int8)
    bonds, mags = _kernel_many(models, n_meas, per, engine, snaps)
    out: list[tuple[np.ndarray, ...]] = []
    for b, model in enumerate(models):
        energy, m = model._per_spin(bonds[b], mags[b])
        if return_spins:
            spins = packed_from_checkerboard(snaps[b]) if packed else from_checkerboard(snaps[b])
            out.append((energy, m, spins))
        else:
            out.append((energy, m))
    return out
