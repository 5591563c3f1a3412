"""The Hopfield network: +/-1 units, symmetric weights, thresholds, and its dynamics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isingml._backend import check_backend, require_cuda
from isingml._numba import numba_threads
from isingml._validation import check_choice, check_int
from isingml.errors import InputError, InputTypeError
from isingml.hopfield.dynamics import async_dynamics, sync_step, tie_tolerances
from isingml.hopfield.learning import hebbian_weights, projection_weights, storkey_weights
from isingml.hopfield.states import as_states
from isingml.random import validate_seed

__all__ = ["DYNAMICS", "RULES", "HopfieldNetwork", "RecallResult"]

RULES = ("hebbian", "projection", "storkey")
DYNAMICS = ("async", "sync", "glauber")


@dataclass
class RecallResult:
    """What :meth:`HopfieldNetwork.run` returns (leading probe axis dropped for one probe).

    Attributes
    ----------
    states : ndarray of int8, shape (k, n)
        Final states.
    sweeps : ndarray of int64, shape (k,)
        Sweeps (synchronous: steps) run.
    converged : ndarray of bool, shape (k,)
        Reached a fixed point (always False for Glauber dynamics at T > 0).
    cycled : ndarray of bool, shape (k,)
        Synchronous dynamics stopped on a 2-cycle.
    energies : ndarray of float64, shape (k, max_sweeps + 1)
        Energy (Eq. 4) before the first sweep and after each one; NaN past the last.
    overlaps : ndarray of float64, shape (k, p)
        Overlap ``m_mu = (1/n) sum_i P^mu_i S_i`` of each final state with each stored
        pattern.
    update_energies : ndarray of float64, shape (k, max_sweeps * n + 1) or None
        With ``record="updates"``: the energy after every single-unit update (NaN past the
        end).
    history : ndarray of int8, shape (k, max_sweeps + 1, n) or None
        With ``keep_states=True``: the state after every sweep (zeros past the end).
    """

    states: np.ndarray
    sweeps: np.ndarray
    converged: np.ndarray
    cycled: np.ndarray
    energies: np.ndarray
    overlaps: np.ndarray
    update_energies: np.ndarray | None = None
    history: np.ndarray | None = None


class HopfieldNetwork:
    """A Hopfield network of ``n_units`` +/-1 units (the primer's Section II).

    Parameters
    ----------
    n_units : int
        Number of units, >= 1.
    rule : {"hebbian", "projection", "storkey"}
        Learning rule used by :meth:`store`.
    thresholds : array of float, shape (n_units,), optional
        Thresholds ``b_i`` (zero by default): a unit becomes +1 when
        ``sum_j W_ij S_j >= b_i``.

    Notes
    -----
    The energy ``E = -1/2 sum_ij W_ij S_i S_j + sum_i b_i S_i`` (Eq. 4) never increases
    under asynchronous zero-temperature updates when ``W`` is symmetric with a
    non-negative diagonal; the learning rules give symmetric weights with a zero
    diagonal. Weights set with ``allow_asymmetric=True`` void that guarantee: the
    dynamics may then cycle and the energy is not a Lyapunov function.
    """

    def __init__(
        self, n_units: int, rule: str = "hebbian", thresholds: np.ndarray | None = None
    ) -> None:
        self.n_units = check_int("n_units", n_units, minimum=1)
        self.rule = check_choice("rule", rule, RULES)
        self._weights = np.zeros((self.n_units, self.n_units))
        self._patterns = np.zeros((0, self.n_units), dtype=np.int8)
        self._symmetric = True
        self._given_weights = False
        self.thresholds = thresholds

    # -- parameters ---------------------------------------------------------------------

    @property
    def weights(self) -> np.ndarray:
        """The weight matrix (a read-only view; set it with :meth:`set_weights`)."""
        view = self._weights.view()
        view.flags.writeable = False
        return view

    @property
    def thresholds(self) -> np.ndarray:
        """Thresholds ``b_i`` (read-only view)."""
        view = self._thresholds.view()
        view.flags.writeable = False
        return view

    @thresholds.setter
    def thresholds(self, values: np.ndarray | None) -> None:
        if values is None:
            self._thresholds = np.zeros(self.n_units)
            return
        b = np.asarray(values, dtype=np.float64)
        if b.shape != (self.n_units,):
            raise InputError(f"thresholds must have shape ({self.n_units},), got {b.shape}")
        if not np.isfinite(b).all():
            raise InputError("thresholds must be finite, found NaN or inf")
        self._thresholds = b.copy()

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns, shape (p, n_units), in the order they were stored."""
        return self._patterns.copy()

    @property
    def n_patterns(self) -> int:
        """Number of stored patterns."""
        return self._patterns.shape[0]

    @property
    def load(self) -> float:
        """``alpha = p / n``."""
        return self.n_patterns / self.n_units

    def set_weights(self, weights: np.ndarray, allow_asymmetric: bool = False) -> None:
        """Use a given weight matrix (forgets stored patterns).

        Parameters
        ----------
        weights : array of float, shape (n_units, n_units)
            Finite; symmetric unless ``allow_asymmetric``.
        allow_asymmetric : bool
            Accept ``W != W^T`` (then the energy is not a Lyapunov function).
        """
        w = np.array(weights, dtype=np.float64)
        n = self.n_units
        if w.shape != (n, n):
            raise InputError(f"weights must have shape ({n}, {n}), got {w.shape}")
        if not np.isfinite(w).all():
            raise InputError("weights must be finite, found NaN or inf")
        symmetric = np.array_equal(w, w.T)
        if not symmetric and not allow_asymmetric:
            worst = float(np.max(np.abs(w - w.T)))
            raise InputError(
                f"weights must be symmetric (max |W - W^T| = {worst:.3g}); pass "
                "allow_asymmetric=True to use them anyway (the energy then is not a Lyapunov "
                "function)"
            )
        self._weights = w
        self._symmetric = symmetric
        self._given_weights = True
        self._patterns = np.zeros((0, n), dtype=np.int8)

    @classmethod
    def from_weights(
        cls,
        weights: np.ndarray,
        thresholds: np.ndarray | None = None,
        allow_asymmetric: bool = False,
    ) -> HopfieldNetwork:
        """A network with given weights (see :meth:`set_weights`)."""
        w = np.asarray(weights)
        if w.ndim != 2:
            raise InputError(f"weights must be a square matrix, got shape {w.shape}")
        net = cls(w.shape[0], thresholds=thresholds)
        net.set_weights(w, allow_asymmetric=allow_asymmetric)
        return net

    # -- learning -------------------------------------------------------------------------

    def store(self, patterns: np.ndarray) -> HopfieldNetwork:
        """Store patterns (added to those already stored) with the network's rule.

        Hebb and Storkey add to the current weights (given ones included); the projection
        rule recomputes the weights from all stored patterns.

        Parameters
        ----------
        patterns : array of +/-1, shape (n_units,) or (p, n_units)

        Returns
        -------
        HopfieldNetwork
            ``self``.
        """
        new, _ = as_states("patterns", patterns, self.n_units, allow_blank=False)
        if not self._symmetric:
            raise InputError("cannot store patterns on top of asymmetric weights")
        if self.rule == "projection" and self._given_weights:
            raise InputError(
                "rule 'projection' recomputes the weights from the stored patterns and would "
                "discard the weights given to set_weights; use rule 'hebbian' or 'storkey' "
                "to build on them"
            )
        everything = np.concatenate([self._patterns, new])
        if self.rule == "hebbian":
            self._weights = self._weights + hebbian_weights(new)
        elif self.rule == "projection":
            self._weights = projection_weights(everything)
        else:
            self._weights = storkey_weights(new, self._weights)
        self._patterns = everything
        return self

    # -- observables ---------------------------------------------------------------------

    def local_fields(self, states: np.ndarray) -> np.ndarray:
        """``h = W S`` for each state (+/-1, or 0 for unknown units)."""
        s, single = as_states("states", states, self.n_units, allow_blank=True)
        h = s.astype(np.float64) @ self._weights.T
        return h[0] if single else h

    def energy(self, states: np.ndarray) -> float | np.ndarray:
        """Eq. (4) plus thresholds: ``E = -1/2 S^T W S + b^T S``."""
        s, single = as_states("states", states, self.n_units, allow_blank=True)
        sf = s.astype(np.float64)
        e = -0.5 * np.einsum("ki,ki->k", sf, sf @ self._weights.T) + sf @ self._thresholds
        return float(e[0]) if single else e

    def overlaps(self, states: np.ndarray) -> np.ndarray:
        """Overlap ``(1/n) sum_i P^mu_i S_i`` with every stored pattern, shape (..., p)."""
        s, single = as_states("states", states, self.n_units, allow_blank=True)
        m = s.astype(np.float64) @ self._patterns.T.astype(np.float64) / self.n_units
        return m[0] if single else m

    def is_stable(self, states: np.ndarray) -> bool | np.ndarray:
        """Whether no single unit would change under the zero-temperature update rule."""
        s, single = as_states("states", states, self.n_units, allow_blank=True)
        tol = tie_tolerances(self._weights, self._thresholds)
        d = s.astype(np.float64) @ self._weights.T - self._thresholds
        wanted = np.where(d >= -tol, 1, -1)
        ok = (wanted == s).all(axis=1)
        return bool(ok[0]) if single else ok

    def stored_patterns_stable(self) -> np.ndarray:
        """For each stored pattern, whether it is a fixed point."""
        if self.n_patterns == 0:
            return np.zeros(0, dtype=bool)
        return self.is_stable(self._patterns)

    # -- dynamics ------------------------------------------------------------------------

    def run(
        self,
        probes: np.ndarray,
        dynamics: str = "async",
        T: float = 0.0,
        max_sweeps: int = 100,
        seed: int = 0,
        threads: int | None = None,
        record: str = "sweeps",
        keep_states: bool = False,
        backend: str = "cpu",
    ) -> RecallResult:
        """Run the dynamics from each probe until a fixed point or ``max_sweeps``.

        Parameters
        ----------
        probes : array, shape (n_units,) or (k, n_units)
            Starting states: +1, -1, or 0 for an unknown unit.
        dynamics : {"async", "sync", "glauber"}
            Asynchronous updates in a random order per sweep; all units at once (stops on
            a fixed point or a 2-cycle); or Glauber dynamics at temperature ``T`` (runs
            exactly ``max_sweeps`` sweeps).
        T : float
            Temperature of Glauber dynamics, >= 0 (``T = 0`` is the asynchronous rule).
        max_sweeps : int
            Sweep limit, >= 1.
        seed : int
            Philox seed; probe ``p`` of the batch uses stream ``p``.
        threads : int, optional
            Threads sharing the probes (default: all); the result does not depend on it.
        record : {"sweeps", "updates"}
            Energy after every sweep, or also after every unit update (asynchronous and
            Glauber only; memory ``k * max_sweeps * n`` doubles).
        keep_states : bool
            Also keep the state after every sweep.
        backend : {"cpu", "cuda"}
            ``"cuda"`` runs the dynamics on the GPU (:mod:`isingml.hopfield.dynamics_cuda`).
            Synchronous: the same states, energies to rounding. Asynchronous and Glauber:
            one GPU thread per probe runs the CPU's algorithm (compiled from the same
            source, with the same Philox streams), so for the same seed the states, sweeps,
            convergence, history and energies are the CPU's. ``threads`` applies to the
            CPU only.

        Returns
        -------
        RecallResult
        """
        s, single = as_states("probes", probes, self.n_units, allow_blank=True)
        s = s.copy()  # the kernels work in place; the caller's probes stay as they were
        check_choice("dynamics", dynamics, DYNAMICS)
        check_choice("record", record, ("sweeps", "updates"))
        if isinstance(T, bool) or not isinstance(T, (int, float, np.integer, np.floating)):
            raise InputTypeError(f"T must be a real number >= 0, got {T!r}")
        if not np.isfinite(T) or T < 0:
            raise InputError(f"T must be a finite number >= 0, got {T}")
        if dynamics != "glauber" and T != 0:
            raise InputError(f"T applies to dynamics='glauber' only, got T={T} with {dynamics!r}")
        max_sweeps = check_int("max_sweeps", max_sweeps, minimum=1)
        seed = validate_seed(seed)
        if record == "updates" and dynamics == "sync":
            raise InputError("record='updates' needs dynamics 'async' or 'glauber'")
        if check_backend(backend) == "cuda":
            require_cuda()
        k, n = s.shape
        energies = np.full((k, max_sweeps + 1), np.nan)
        history = np.zeros((k, max_sweeps + 1 if keep_states else 0, n), dtype=np.int8)
        per_update = np.full((k, max_sweeps * n + 1 if record == "updates" else 0), np.nan)
        sweeps = np.zeros(k, dtype=np.int64)
        converged = np.zeros(k, dtype=bool)
        cycled = np.zeros(k, dtype=bool)
        w = self._weights
        b = self._thresholds
        tol = tie_tolerances(w, b)
        with numba_threads(threads):
            if dynamics == "sync" and backend == "cuda":
                from isingml.hopfield.dynamics_cuda import run_sync_cuda

                run_sync_cuda(w, b, tol, s, max_sweeps, energies, history, sweeps, converged,
                              cycled)  # fmt: skip
            elif dynamics == "sync":
                _run_sync(w, b, tol, s, max_sweeps, energies, history, sweeps, converged, cycled)
            else:
                wt = w if self._symmetric else np.ascontiguousarray(w.T)
                temperature = float(T) if dynamics == "glauber" else 0.0
                fields = s.astype(np.float64) @ w.T
                if backend == "cuda":
                    from isingml.hopfield.dynamics_cuda import run_async_cuda

                    run_async_cuda(
                        w, wt, b, tol, s, fields, max_sweeps, temperature, seed, energies,
                        per_update, history, sweeps, converged,
                    )  # fmt: skip
                else:
                    async_dynamics(
                        w, wt, b, tol, s, fields, max_sweeps, temperature, seed, energies,
                        per_update, history, sweeps, converged,
                    )  # fmt: skip
        result = RecallResult(
            states=s,
            sweeps=sweeps,
            converged=converged,
            cycled=cycled,
            energies=energies,
            overlaps=s.astype(np.float64) @ self._patterns.T / self.n_units,
            update_energies=per_update if record == "updates" else None,
            history=history if keep_states else None,
        )
        if single:
            for name, value in vars(result).items():
                if value is not None:
                    setattr(result, name, value[0])
        return result

    def recall(self, probes: np.ndarray, **kwargs: object) -> np.ndarray:
        """Final states of :meth:`run` (same arguments)."""
        return self.run(probes, **kwargs).states


def _run_sync(w, b, tol, s, max_sweeps, energies, history, sweeps, converged, cycled) -> None:
    # Fields of the whole batch by one BLAS product per step; decisions in the kernel.
    k = s.shape[0]
    fields = s.astype(np.float64) @ w.T
    energies[:, 0] = np.einsum("ki,ki->k", s, b - 0.5 * fields)
    if history.shape[1]:
        history[:, 0] = s
    previous = s.copy()
    active = np.ones(k, dtype=bool)
    for step in range(max_sweeps):
        running = np.flatnonzero(active)
        if running.size == 0:
            break
        sync_step(fields, b, tol, s, previous, step, active, converged, cycled)
        sweeps[running] = step + 1
        fields[running] = s[running].astype(np.float64) @ w.T
        energies[running, step + 1] = np.einsum("ki,ki->k", s[running], b - 0.5 * fields[running])
        if history.shape[1]:
            history[running, step + 1] = s[running]
