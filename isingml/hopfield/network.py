"""The Hopfield network: +/-1 units, symmetric weights, thresholds, and its dynamics."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from isingml._backend import check_backend, require_cuda
from isingml._numba import numba_threads
from isingml._persistence import load_arrays, save_arrays
from isingml._validation import check_choice, check_int
from isingml.errors import InputError, InputTypeError
from isingml.hopfield.dynamics import async_dynamics, sync_step, tie_tolerances
from isingml.hopfield.learning import hebbian_weights, projection_weights, storkey_weights
from isingml.hopfield.states import as_states
from isingml.random import validate_seed

__all__ = ["DYNAMICS", "RULES", "HopfieldNetwork", "RecallResult"]

#: Learning rules of :class:`HopfieldNetwork` (its ``rule``).
RULES = ("hebbian", "projection", "storkey")
#: Update dynamics of :meth:`HopfieldNetwork.run` (its ``dynamics``).
DYNAMICS = ("async", "sync", "glauber")
_FORMAT_VERSION = 1


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


#: The arrays a saved network holds.
_SAVED_ARRAYS = ("weights", "thresholds", "patterns")


class HopfieldNetwork(BaseEstimator):
    """A Hopfield network of +/-1 units (the primer's Section II).

    A scikit-learn estimator: :meth:`fit` stores patterns (the number of units is that
    of the patterns), :meth:`partial_fit` stores more on top of those stored, and the
    dynamics (:meth:`run`, :meth:`recall`) retrieve them.

    Parameters
    ----------
    rule : {"hebbian", "projection", "storkey"}
        Learning rule.
    thresholds : array of float, shape (n_units,), optional
        Thresholds ``b_i`` (zero by default): a unit becomes +1 when
        ``sum_j W_ij S_j >= b_i``.

    Attributes
    ----------
    weights_ : ndarray of float64, shape (n_units, n_units)
        The weight matrix (read-only).
    thresholds_ : ndarray of float64, shape (n_units,)
        The thresholds in use (read-only).
    patterns_ : ndarray of int8, shape (p, n_units)
        The stored patterns, in the order they were stored (read-only).
    n_features_in_ : int
        Number of units.

    Notes
    -----
    The energy ``E = -1/2 sum_ij W_ij S_i S_j + sum_i b_i S_i`` (Eq. 4) never increases
    under asynchronous zero-temperature updates when ``W`` is symmetric with a
    non-negative diagonal; the learning rules give symmetric weights with a zero
    diagonal. Weights given to :meth:`from_weights` with ``allow_asymmetric=True`` void
    that guarantee: the dynamics may then cycle and the energy is not a Lyapunov function.
    """

    def __init__(self, *, rule: str = "hebbian", thresholds: np.ndarray | None = None) -> None:
        self.rule = rule
        self.thresholds = thresholds

    # -- fitted state ----------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise NotFittedError(
                f"this {type(self).__name__} has no weights yet: call fit (or from_weights)"
            )

    @property
    def n_units_(self) -> int:
        """Number of units (``n_features_in_``)."""
        self._check_fitted()
        return self.n_features_in_

    @property
    def n_patterns_(self) -> int:
        """Number of stored patterns."""
        self._check_fitted()
        return self.patterns_.shape[0]

    @property
    def alpha_(self) -> float:
        """The load ``alpha = p / n``."""
        return self.n_patterns_ / self.n_units_

    def _set_state(
        self, weights: np.ndarray, thresholds: np.ndarray, patterns: np.ndarray, given: bool
    ) -> None:
        # The kernels take the writeable arrays; the public attributes are read-only views.
        self._w, self._b = weights, thresholds
        self.weights_, self.thresholds_, self.patterns_ = (
            a.view() for a in (weights, thresholds, patterns)
        )
        for view in (self.weights_, self.thresholds_, self.patterns_):
            view.flags.writeable = False
        self.n_features_in_ = weights.shape[0]
        self._symmetric = bool(np.array_equal(weights, weights.T))
        self._given_weights = given

    def _check_thresholds(self, n: int) -> np.ndarray:
        if self.thresholds is None:
            return np.zeros(n)
        b = np.array(self.thresholds, dtype=np.float64)
        if b.shape != (n,):
            raise InputError(f"thresholds must have shape ({n},), got {b.shape}")
        if not np.isfinite(b).all():
            raise InputError("thresholds must be finite, found NaN or inf")
        return b

    @classmethod
    def from_weights(
        cls,
        weights: np.ndarray,
        *,
        thresholds: np.ndarray | None = None,
        allow_asymmetric: bool = False,
        rule: str = "hebbian",
    ) -> HopfieldNetwork:
        """A fitted network with given weights and no stored patterns.

        Parameters
        ----------
        weights : array of float, shape (n, n)
            Finite; symmetric unless ``allow_asymmetric``.
        thresholds : array of float, shape (n,), optional
        allow_asymmetric : bool
            Accept ``W != W^T`` (then the energy is not a Lyapunov function).
        rule : {"hebbian", "storkey"}
            Rule of later :meth:`partial_fit` calls, which build on these weights.

        Returns
        -------
        HopfieldNetwork
        """
        w = np.array(weights, dtype=np.float64)
        if w.ndim != 2 or w.shape[0] != w.shape[1]:
            raise InputError(f"weights must be a square matrix, got shape {w.shape}")
        if w.shape[0] < 1:
            raise InputError("weights must hold at least one unit, got shape (0, 0)")
        if not np.isfinite(w).all():
            raise InputError("weights must be finite, found NaN or inf")
        if not np.array_equal(w, w.T) and not allow_asymmetric:
            worst = float(np.max(np.abs(w - w.T)))
            raise InputError(
                f"weights must be symmetric (max |W - W^T| = {worst:.3g}); pass "
                "allow_asymmetric=True to use them anyway (the energy then is not a Lyapunov "
                "function)"
            )
        net = cls(rule=rule, thresholds=thresholds)
        check_choice("rule", rule, RULES)
        n = w.shape[0]
        net._set_state(w, net._check_thresholds(n), np.zeros((0, n), dtype=np.int8), True)
        return net

    # -- learning -------------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: None = None) -> HopfieldNetwork:
        """Store the patterns ``X`` (forgetting anything stored before) with the rule.

        Parameters
        ----------
        X : array of +/-1, shape (p, n_units) or (n_units,)
            The patterns.
        y : None
            Ignored.

        Returns
        -------
        HopfieldNetwork
            ``self``.
        """
        check_choice("rule", self.rule, RULES)
        new, _ = as_states("X", X, None, allow_blank=False)
        n = new.shape[1]
        self._set_state(
            np.zeros((n, n)), self._check_thresholds(n), np.zeros((0, n), dtype=np.int8), False
        )
        return self.partial_fit(new)

    def partial_fit(self, X: np.ndarray, y: None = None) -> HopfieldNetwork:
        """Store the patterns ``X`` on top of those stored (or of given weights).

        Hebb and Storkey add to the current weights; the projection rule recomputes them
        from all stored patterns.

        Parameters
        ----------
        X : array of +/-1, shape (p, n_units) or (n_units,)
        y : None
            Ignored.

        Returns
        -------
        HopfieldNetwork
            ``self``.
        """
        if not hasattr(self, "weights_"):
            return self.fit(X)
        check_choice("rule", self.rule, RULES)
        new, _ = as_states("X", X, self.n_features_in_, allow_blank=False)
        if not self._symmetric:
            raise InputError("cannot store patterns on top of asymmetric weights")
        if self.rule == "projection" and self._given_weights:
            raise InputError(
                "rule 'projection' recomputes the weights from the stored patterns and would "
                "discard the weights given to from_weights; use rule 'hebbian' or 'storkey' "
                "to build on them"
            )
        everything = np.concatenate([self.patterns_, new])
        if self.rule == "hebbian":
            weights = self._w + hebbian_weights(new)
        elif self.rule == "projection":
            weights = projection_weights(everything)
        else:
            weights = storkey_weights(new, self._w)
        self._set_state(weights, self._b, everything, self._given_weights)
        return self

    # -- persistence ---------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the network (rule, weights, thresholds, stored patterns), atomically.

        Parameters
        ----------
        path : path
            ``.npz`` (added when the name has no suffix) or ``.h5``.

        Returns
        -------
        Path
        """
        self._check_fitted()
        meta = {"rule": self.rule, "given_weights": self._given_weights}
        arrays = {
            "weights": self.weights_,
            "thresholds": self.thresholds_,
            "patterns": self.patterns_,
        }
        return save_arrays(path, "HopfieldNetwork", _FORMAT_VERSION, meta, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> HopfieldNetwork:
        """Read a network written by :meth:`save`.

        Raises
        ------
        InputError
            Naming the file, when it is not a saved HopfieldNetwork or is damaged.
        """
        meta, arrays, _ = load_arrays(path, "HopfieldNetwork")
        try:
            if any(np.asarray(arrays[k]).dtype.kind not in "biuf" for k in _SAVED_ARRAYS):
                raise ValueError("arrays must hold real numbers")
            w = np.array(arrays["weights"], dtype=np.float64)
            b = np.array(arrays["thresholds"], dtype=np.float64)
            patterns = np.array(arrays["patterns"], dtype=np.int8)
            n = w.shape[0] if w.ndim == 2 else -1
            if w.shape != (n, n) or b.shape != (n,) or patterns.ndim != 2:
                raise ValueError(
                    f"shapes weights {w.shape}, thresholds {b.shape}, patterns {patterns.shape}"
                )
            if patterns.shape[0] and patterns.shape[1] != n:
                raise ValueError(f"patterns of {patterns.shape[1]} units for {n}")
            net = cls(rule=check_choice("rule", meta["rule"], RULES))
            net._set_state(w, b, patterns, bool(meta["given_weights"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise InputError(f"{path}: not a valid saved HopfieldNetwork ({exc})") from None
        return net

    # -- observables ---------------------------------------------------------------------

    def local_fields(self, states: np.ndarray) -> np.ndarray:
        """``h = W S`` for each state (+/-1, or 0 for unknown units)."""
        s, single = as_states("states", states, self.n_units_, allow_blank=True)
        h = s.astype(np.float64) @ self._w.T
        return h[0] if single else h

    def energy(self, states: np.ndarray) -> float | np.ndarray:
        """Eq. (4) plus thresholds: ``E = -1/2 S^T W S + b^T S``."""
        s, single = as_states("states", states, self.n_units_, allow_blank=True)
        sf = s.astype(np.float64)
        e = -0.5 * np.einsum("ki,ki->k", sf, sf @ self._w.T) + sf @ self._b
        return float(e[0]) if single else e

    def overlaps(self, states: np.ndarray) -> np.ndarray:
        """Overlap ``(1/n) sum_i P^mu_i S_i`` with every stored pattern, shape (..., p)."""
        s, single = as_states("states", states, self.n_units_, allow_blank=True)
        m = s.astype(np.float64) @ self.patterns_.T.astype(np.float64) / self.n_units_
        return m[0] if single else m

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Minus the energy of each state: higher for states the network holds more firmly.

        Parameters
        ----------
        X : array, shape (k, n_units)
            States: +1, -1, or 0 for an unknown unit.

        Returns
        -------
        ndarray of float64, shape (k,)
        """
        return -np.atleast_1d(self.energy(np.atleast_2d(X)))

    def is_stable(self, states: np.ndarray) -> bool | np.ndarray:
        """Whether no single unit would change under the zero-temperature update rule."""
        s, single = as_states("states", states, self.n_units_, allow_blank=True)
        tol = tie_tolerances(self._w, self._b)
        d = s.astype(np.float64) @ self._w.T - self._b
        wanted = np.where(d >= -tol, 1, -1)
        ok = (wanted == s).all(axis=1)
        return bool(ok[0]) if single else ok

    def stored_patterns_stable(self) -> np.ndarray:
        """For each stored pattern, whether it is a fixed point."""
        if self.n_patterns_ == 0:
            return np.zeros(0, dtype=bool)
        return self.is_stable(self.patterns_)

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
        s, single = as_states("probes", probes, self.n_units_, allow_blank=True)
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
        w = self._w
        b = self._b
        tol = tie_tolerances(w, b)
        with numba_threads(threads):
            if dynamics == "sync" and backend == "cuda":
                from isingml.hopfield.dynamics_cuda import run_sync_cuda

                run_sync_cuda(
                    w, b, tol, s, max_sweeps, energies, history, sweeps, converged, cycled
                )
            elif dynamics == "sync":
                _run_sync(w, b, tol, s, max_sweeps, energies, history, sweeps, converged, cycled)
            else:
                wt = w if self._symmetric else np.ascontiguousarray(w.T)
                temperature = float(T) if dynamics == "glauber" else 0.0
                fields = s.astype(np.float64) @ w.T
                if backend == "cuda":
                    from isingml.hopfield.dynamics_cuda import run_async_cuda as run_async
                else:
                    run_async = async_dynamics
                run_async(
                    w,
                    wt,
                    b,
                    tol,
                    s,
                    fields,
                    max_sweeps,
                    temperature,
                    seed,
                    energies,
                    per_update,
                    history,
                    sweeps,
                    converged,
                )
        result = RecallResult(
            states=s,
            sweeps=sweeps,
            converged=converged,
            cycled=cycled,
            energies=energies,
            overlaps=s.astype(np.float64) @ self.patterns_.T / self.n_units_,
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
