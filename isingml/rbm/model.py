"""The restricted Boltzmann machine (the primer's Section IV, Eqs. 20-31).

Energy ``E(v, h) = -h^T W v - b_h . h - b_v . v`` (Eq. 20) over binary ``{0, 1}`` or spin
``{-1, +1}`` units; ``W`` has shape ``(n_hidden, n_visible)``. Summing out the hidden layer
gives the free energy ``F(v) = -b_v . v - sum_j f((W v + b_h)_j)`` with
``f(a) = log(1 + e^a)`` for binary units and ``log(2 cosh a)`` for spins, and
``P(v) = exp(-F(v)) / Z``. Conditionals (Eqs. 22, 26): ``P(h_j = 1 | v) = sigma(a_j)`` for
binary units, ``P(h_j = +1 | v) = sigma(2 a_j)`` for spins, ``a = W v + b_h``; and the same
for ``v`` given ``h`` through ``W^T h + b_v``.

Training ascends the average log-likelihood, whose gradient is
``<h v^T>_data - <h v^T>_model`` (Eq. 28 with the sign of an ascent; the primer's Eqs. 29-30
write the descent step with the opposite sign). The data term uses ``E[h | v]``; the model
term comes from Gibbs chains: restarted at the data for CD-k, persistent for PCD, or from
exact enumeration for small models (:meth:`RBM.gradient`).

:class:`RBM` is a scikit-learn estimator and transformer: it clones, takes part in
``Pipeline`` and ``GridSearchCV``, and passes ``sklearn.utils.estimator_checks``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from isingml._backend import check_backend, require_cuda
from isingml._persistence import load_arrays, save_arrays
from isingml._progress import progress_bar
from isingml._validation import check_choice, check_finite, check_int, check_samples
from isingml.errors import InputError, InputTypeError
from isingml.random import (
    STREAM_RBM_BATCHES,
    STREAM_RBM_IMPUTE_START,
    STREAM_RBM_INIT,
    STREAM_RBM_PSEUDO_LIKELIHOOD,
    STREAM_RBM_SAMPLE_START,
    TAG_RBM_HIDDEN,
    TAG_RBM_VISIBLE,
    host_rng,
    validate_seed,
)
from isingml.rbm.kernels import log_partition_by_enumeration, sample_layer
from isingml.rbm.training import (
    TrainingState,
    UpdateConfig,
    UpdateStep,
    check_parameters_finite,
)

__all__ = ["METHODS", "RBM", "UNITS"]

#: Unit values of :class:`RBM`: ``"binary"`` (0/1) or ``"spin"`` (-1/+1).
UNITS = ("binary", "spin")
#: Training gradients of :class:`RBM`: contrastive divergence, persistent CD, or exact.
METHODS = ("cd", "pcd", "exact")

#: Largest layer summed over exactly (2**24 configurations).
MAX_EXACT_UNITS = 24

#: Philox streams of the random draws: training, user sampling, AIS.
_STREAM_TRAIN, _STREAM_SAMPLE, _STREAM_AIS = 0, 1, 2

#: Elements of the (rows, visible, hidden) block that :meth:`RBM.score_samples` works on
#: at a time (32 MiB of float64 per temporary array).
_SCORE_BLOCK = 1 << 22
_FORMAT_VERSION = 1


def _sigmoid(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp overflows to inf for very negative a: p = 0
        return 1.0 / (1.0 + np.exp(-a))


def _softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def _log2cosh(a: np.ndarray) -> np.ndarray:
    x = np.abs(a)
    return x + np.log1p(np.exp(-2.0 * x))


class RBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A restricted Boltzmann machine with Bernoulli (or spin) units, trained by CD-k or PCD.

    A scikit-learn estimator: the hyperparameters are keyword-only and only stored by
    ``__init__`` (``get_params`` / ``set_params`` / ``clone`` work on them); they are
    checked, and the data validated, by :meth:`fit` and :meth:`partial_fit`; fitted state
    ends in ``_``; a method that needs a fitted model raises
    :class:`sklearn.exceptions.NotFittedError` before one. As a transformer it maps
    visible rows to hidden means (:meth:`transform`, :meth:`fit_transform`), so it can be
    the feature step of a ``Pipeline``; :meth:`score_samples` and :meth:`score` rate data
    by pseudo-log-likelihood, so ``GridSearchCV`` can tune it on its own.

    Parameters
    ----------
    n_hidden : int
        Hidden units, >= 1.
    units : {"binary", "spin"}
        Unit values ``{0, 1}`` or ``{-1, +1}`` (both layers).
    learning_rate : float
        Step size of the gradient ascent, > 0.
    batch_size : int
        Minibatch size.
    n_epochs : int
        Passes over the data in :meth:`fit`.
    method : {"pcd", "cd", "exact"}
        Persistent contrastive divergence (a pool of ``n_chains`` chains carried across
        updates), CD-k (chains restarted at the minibatch), or exact model statistics by
        enumeration (smaller layer <= 20 units; exact gradient ascent, for small models).
    k : int
        Gibbs steps per update, >= 1.
    n_chains : int, optional
        PCD chains (default: ``batch_size``).
    momentum : float
        Momentum of the updates, in [0, 1).
    weight_decay : float
        L2 penalty on ``W`` (added to the gradient as ``-weight_decay * W``).
    schedule : {"constant", "linear"} or callable
        Learning-rate factor per epoch: constant, linear decay to ``1 / n_epochs`` at the
        last epoch, or ``schedule(epoch) -> factor``.
    init_scale : float
        Standard deviation of the initial weights.
    init_visible_bias : {"data", "zero"}
        Visible biases start at the log-odds of the data's unit means (Hinton's practical
        guide) or at zero.
    track : {"auto"} or sequence of {"mse", "pll", "exact"}
        What ``history_`` records per epoch: reconstruction MSE (Eq. 31), pseudo-log-
        likelihood, exact log-likelihood. "auto": all three when the smaller layer has at
        most 16 units, else the first two.
    threshold : "auto", float or None
        How visible data become unit values, in every method that takes visible data.
        ``"auto"`` (the default): at the midpoint of the two unit values (0.5 for binary
        units, 0 for spins), so data already holding the unit values pass unchanged and
        real-valued data (grey levels, probabilities) are binarized, values above the
        midpoint becoming 1 and the others 0 (or -1 for spins), as scikit-learn's
        ``Binarizer`` would in a ``Pipeline`` before the RBM. A number: the same at that
        threshold. ``None``: strict; visible data must hold the unit values exactly and
        anything else is an error.
    dtype : numpy float type
        Of the parameters and the training arithmetic (float32 by default); also the
        dtype of :meth:`transform`'s output, whatever the input's.
    seed : int
        Philox seed of initialization and sampling (:mod:`isingml.random`; the RBM does
        not take scikit-learn's ``random_state``). The same hyperparameters and data give
        the same bits.
    progress : bool
        Show a progress bar over epochs.
    backend : {"cpu", "cuda"}
        Where training runs. ``"cuda"`` (methods "cd" and "pcd") keeps the parameters,
        chains and data on the GPU for the whole of ``fit``
        (:mod:`isingml.rbm.training_cuda`) and copies them back once per epoch for the
        history and at the end: the same random draws as the CPU, parameters equal to
        rounding. It is also the default backend of :meth:`gibbs` and :meth:`sample`.
        Either way the same epoch loop runs; only its update step
        (:class:`isingml.rbm.training.UpdateStep`) differs.

    Attributes
    ----------
    components_ : ndarray, shape (n_hidden, ``n_features_in_``)
        The weights ``W``.
    intercept_hidden_ : ndarray, shape (n_hidden,)
        Hidden biases ``b_h``.
    intercept_visible_ : ndarray, shape (``n_features_in_``,)
        Visible biases ``b_v``.
    chains_ : ndarray, shape (n_chains, ``n_features_in_``)
        Visible states of the persistent chains (PCD); ``training_state_.chains``.
    n_updates_ : int
        Parameter updates made so far; ``training_state_.n_updates``.
    training_state_ : isingml.rbm.training.TrainingState
        What training carries from one update to the next besides the parameters
        (momentum buffers, persistent chains and their hidden states, Philox draw and
        update counters): handed to the update step, saved and loaded with the model.
    n_features_in_ : int
        Visible units (the number of features seen by :meth:`fit`).
    history_ : dict of lists
        Per epoch of :meth:`fit`: "epoch", "mse", "pll", "log_likelihood" (``None``
        where not tracked). :meth:`partial_fit` records nothing.

    Notes
    -----
    :meth:`fit` and :meth:`partial_fit` raise
    :class:`isingml.rbm.training.TrainingDiverged` (a ``RuntimeError``) when an epoch, or
    the update, leaves a parameter NaN or infinite; the message names the epoch and the
    learning rate, and ``history_`` holds the epochs before.

    ``score_samples`` is the pseudo-log-likelihood ``sum_i log P(v_i | v_-i)`` of each
    row, summed over every unit (exact and deterministic, unlike scikit-learn's
    ``BernoulliRBM``, which estimates it from one random unit per row); the exact
    log-likelihood is :meth:`log_likelihood`, whose ``log Z`` is only computable for small
    models.

    Against ``sklearn.utils.estimator_checks.check_estimator`` (scikit-learn >= 1.6) the
    default instance, and any with a numeric ``threshold``, passes every check with no
    expected failures (``tests/rbm/test_rbm_estimator.py``); the checks feed arbitrary
    real-valued data, which the default binarizes. With ``threshold=None`` such data
    are refused by design, so that instance fails the checks that feed them. The tags
    (``__sklearn_tags__``) differ from the defaults in one place:
    :meth:`transform` returns ``dtype`` whatever the input's, so
    ``transformer_tags.preserves_dtype`` is ``[dtype]``. Sparse input is refused
    (``input_tags.sparse`` stays False) with a message saying so. One check,
    ``check_array_api_input``, is skipped by scikit-learn itself unless the environment
    sets ``SCIPY_ARRAY_API=1`` before SciPy is imported; with it set, it passes too (the
    RBM declares no array-API support and computes in NumPy).
    """

    def __init__(
        self,
        *,
        n_hidden: int = 64,
        units: str = "binary",
        learning_rate: float = 0.05,
        batch_size: int = 32,
        n_epochs: int = 10,
        method: str = "pcd",
        k: int = 1,
        n_chains: int | None = None,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        schedule: str | Callable[[int], float] = "linear",
        init_scale: float = 0.01,
        init_visible_bias: str = "data",
        track: str | tuple[str, ...] = "auto",
        threshold: float | str | None = "auto",
        dtype: type = np.float32,
        seed: int = 0,
        progress: bool = False,
        backend: str = "cpu",
    ) -> None:
        self.n_hidden = n_hidden
        self.units = units
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.method = method
        self.k = k
        self.n_chains = n_chains
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.init_scale = init_scale
        self.init_visible_bias = init_visible_bias
        self.track = track
        self.threshold = threshold
        self.dtype = dtype
        self.seed = seed
        self.progress = progress
        self.backend = backend

    def __sklearn_tags__(self):  # scikit-learn >= 1.6 reads the tags here
        tags = super().__sklearn_tags__()
        try:
            tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        except TypeError:  # an invalid dtype: fit says so
            pass
        return tags

    @property
    def chains_(self) -> np.ndarray:
        """Visible states of the persistent chains (``training_state_.chains``)."""
        return self.training_state_.chains

    @property
    def n_updates_(self) -> int:
        """Parameter updates made so far (``training_state_.n_updates``)."""
        return self.training_state_.n_updates

    @property
    def _n_features_out(self) -> int:
        """Output features of :meth:`transform` (for ``get_feature_names_out``)."""
        return self.components_.shape[0]

    # -- validation --------------------------------------------------------------------

    def _check_params(self) -> None:
        check_int("n_hidden", self.n_hidden, minimum=1)
        check_choice("units", self.units, UNITS)
        check_choice("method", self.method, METHODS)
        check_int("k", self.k, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_int("n_epochs", self.n_epochs, minimum=0)
        if self.n_chains is not None:
            check_int("n_chains", self.n_chains, minimum=1)
        for name, low, high in (
            ("learning_rate", 0.0, np.inf),
            ("momentum", 0.0, 1.0),
            ("weight_decay", 0.0, np.inf),
            ("init_scale", 0.0, np.inf),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise InputTypeError(f"{name} must be a real number, got {value!r}")
            ok = low <= value < high
            if not np.isfinite(value) or not ok or (name == "learning_rate" and value == 0):
                raise InputError(f"{name} must be in [{low}, {high}), got {value}")
        if not callable(self.schedule):
            check_choice("schedule", self.schedule, ("constant", "linear"))
        check_choice("init_visible_bias", self.init_visible_bias, ("data", "zero"))
        self._threshold()
        if np.dtype(self.dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise InputError(f"dtype must be float32 or float64, got {self.dtype!r}")
        validate_seed(self.seed)
        if check_backend(self.backend) == "cuda":
            if self.method == "exact":
                raise InputError("backend 'cuda' trains with method 'cd' or 'pcd', not 'exact'")
            require_cuda()

    @property
    def _spin(self) -> bool:
        return self.units == "spin"

    def _threshold(self) -> float | None:
        """The binarizing threshold in force (``None``: strict), validated."""
        if isinstance(self.threshold, str) and self.threshold == "auto":
            return 0.0 if self._spin else 0.5
        if self.threshold is None:
            return None
        return float(check_finite("threshold", self.threshold))

    @property
    def _low(self) -> float:
        return -1.0 if self._spin else 0.0

    def _check_data(
        self,
        X: object,
        name: str = "X",
        n_features: int | None = None,
        fitted: bool = True,
        one_row: bool = True,
        visible: bool = True,
    ) -> np.ndarray:
        """``X`` as a C-contiguous ``(n, n_features)`` array of unit values in ``dtype``.

        ``one_row``: a 1-D array is one row (the physics helpers); otherwise it is refused,
        as scikit-learn's estimator methods do. ``visible``: the array is visible data, so
        ``threshold`` binarizes it.
        """
        arr = check_samples(name, X, one_row=one_row)
        threshold = self._threshold() if visible else None
        if threshold is not None:
            arr = np.where(arr > threshold, 1.0, self._low)
        allowed = (-1, 1) if self._spin else (0, 1)
        if not np.isin(arr, allowed).all():
            bad = arr[~np.isin(arr, allowed)].ravel()[0]
            raise InputError(
                f"{name} must hold {allowed[0]} or {allowed[1]} for {self.units!r} units, "
                f"found {bad!r} (set threshold to binarize real-valued data)"
            )
        expected = n_features
        if expected is None and fitted:
            expected = getattr(self, "n_features_in_", None)
        if expected is not None and arr.shape[1] != expected:
            raise InputError(
                f"{name} has {arr.shape[1]} features, but {type(self).__name__} is "
                f"expecting {expected} features as input"
            )
        return np.ascontiguousarray(arr, dtype=self.dtype)

    def _check_fitted(self) -> None:
        check_is_fitted(
            self,
            "components_",
            msg="this %(name)s is not fitted yet: call fit or partial_fit first",
        )

    # -- initialization ----------------------------------------------------------------

    def _initialize(self, X: np.ndarray) -> None:
        self._check_params()
        n_v = X.shape[1]
        rng = host_rng(self.seed, STREAM_RBM_INIT)
        self.n_features_in_ = n_v
        self.components_ = (rng.normal(size=(self.n_hidden, n_v)) * self.init_scale).astype(
            self.dtype
        )
        self.intercept_hidden_ = np.zeros(self.n_hidden, dtype=self.dtype)
        self.intercept_visible_ = np.zeros(n_v, dtype=self.dtype)
        if self.init_visible_bias == "data":
            up = (X.mean(axis=0) - self._low) / (1.0 - self._low)  # fraction of units up
            p = np.clip(up, 1e-3, 1 - 1e-3)
            logit = np.log(p / (1 - p))
            self.intercept_visible_[:] = logit / 2 if self._spin else logit
        n_chains = self.n_chains or self.batch_size
        start = rng.integers(0, 2, size=(n_chains, n_v)).astype(self.dtype)
        chains = start * (1.0 - self._low) + self._low
        a = chains @ self.components_.T + self.intercept_hidden_
        _, chain_hidden = self._sample(a, _STREAM_TRAIN, 0, TAG_RBM_HIDDEN)
        velocity = tuple(np.zeros_like(p) for p in self._parameters())
        # Draw 0 of the training stream started the chains' hidden layer.
        self.training_state_ = TrainingState(chains, chain_hidden, velocity, draw=1)
        self.history_ = {"epoch": [], "mse": [], "pll": [], "log_likelihood": []}

    # -- conditionals and sampling -----------------------------------------------------

    def _sample(self, pre: np.ndarray, stream: int, draw: int, tag: int):
        means = np.empty_like(pre)
        samples = np.empty_like(pre)
        sample_layer(pre, self._spin, validate_seed(self.seed), stream, draw, tag, means, samples)
        return means, samples

    def _hidden_means(self, v: np.ndarray) -> np.ndarray:
        a = v @ self.components_.T + self.intercept_hidden_
        return np.tanh(a) if self._spin else _sigmoid(a)

    def _visible_means(self, h: np.ndarray) -> np.ndarray:
        a = h @ self.components_ + self.intercept_visible_
        return np.tanh(a) if self._spin else _sigmoid(a)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Hidden features ``E[h | v]`` of each row of ``X`` (Eq. 22).

        Parameters
        ----------
        X : array, shape (n_samples, ``n_features_in_``)
            Visible rows (a 2-D array: one sample is ``X.reshape(1, -1)``).

        Returns
        -------
        ndarray, shape (n_samples, n_hidden), of ``dtype``
            ``P(h_j = 1 | v)`` for binary units, ``E[h_j | v] = tanh(a_j)`` for spins.
        """
        self._check_fitted()
        return self._hidden_means(self._check_data(X, one_row=False))

    def reconstruct(self, X: np.ndarray, seed: int = 0) -> np.ndarray:
        """``E[v | h]`` for one sampled ``h ~ P(h | v)`` per row (Eqs. 22-26)."""
        self._check_fitted()
        return self._reconstruct(self._check_data(X), seed)

    def _reconstruct(self, v: np.ndarray, seed: int) -> np.ndarray:
        _, h = self._sample_user(v @ self.components_.T + self.intercept_hidden_, seed, 0)
        return self._visible_means(h)

    def _sample_user(self, pre: np.ndarray, seed: int, draw: int, tag: int = TAG_RBM_HIDDEN):
        means = np.empty_like(pre)
        samples = np.empty_like(pre)
        sample_layer(
            pre, self._spin, validate_seed(seed), _STREAM_SAMPLE, draw, tag, means, samples
        )
        return means, samples

    def gibbs(
        self, v: np.ndarray, steps: int = 1, seed: int = 0, backend: str | None = None
    ) -> np.ndarray:
        """Run ``steps`` block-Gibbs steps from each row of ``v`` and return the visible state.

        Reproducible for a seed (Philox stream of its own, independent of training).
        ``backend="cuda"`` keeps the chains on the GPU (:mod:`isingml.rbm.kernels_cuda`):
        the same random numbers; its matrix products round differently from BLAS's, so a
        unit may differ where its uniform falls within rounding of its probability.
        ``backend=None`` takes the model's ``backend``.
        """
        self._check_fitted()
        return self._gibbs(self._check_data(v, "v"), steps, seed, backend)

    def _gibbs(self, x: np.ndarray, steps: int, seed: int, backend: str | None) -> np.ndarray:
        """:meth:`gibbs` from the validated unit values ``x``."""
        steps = check_int("steps", steps, minimum=0)
        backend = self.backend if backend is None else backend
        if check_backend(backend) == "cuda":
            require_cuda()
        if steps == 0:
            return x.copy()  # never the caller's own array
        if backend == "cuda":
            from isingml.rbm.kernels_cuda import gibbs_cuda

            return gibbs_cuda(
                self.components_,
                self.intercept_visible_,
                self.intercept_hidden_,
                x,
                steps,
                validate_seed(seed),
                _STREAM_SAMPLE,
                self._spin,
            )
        W = self.components_
        for s in range(steps):
            _, h = self._sample_user(x @ W.T + self.intercept_hidden_, seed, s, TAG_RBM_HIDDEN)
            _, x = self._sample_user(h @ W + self.intercept_visible_, seed, s, TAG_RBM_VISIBLE)
        return x

    def sample(
        self, n: int, steps: int = 1000, seed: int = 0, backend: str | None = None
    ) -> np.ndarray:
        """``n`` visible samples from independent chains after ``steps`` Gibbs steps.

        Chains start from uniformly random visible states; ``backend`` as in :meth:`gibbs`.
        """
        self._check_fitted()
        n = check_int("n", n, minimum=1)
        rng = host_rng(seed, STREAM_RBM_SAMPLE_START)
        start = rng.integers(0, 2, size=(n, self.n_features_in_)).astype(self.dtype)
        return self._gibbs(start * (1.0 - self._low) + self._low, steps, seed, backend)

    def impute(
        self, X: np.ndarray, steps: int = 200, burn_in: int = 50, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill in unknown visible units (NaN) by Gibbs sampling with the known ones clamped.

        Each row's unknown units start at random; every step samples ``h ~ P(h | v)`` and
        then the unknown units from ``P(v | h)``, the known units staying as given. The
        probability that an unknown unit is up is averaged over the steps after
        ``burn_in``.

        Parameters
        ----------
        X : array, shape (n, n_visible)
            Unit values, NaN where unknown.
        steps, burn_in : int
            Gibbs steps in all, and those discarded before averaging.
        seed : int
            Seed of the chains.

        Returns
        -------
        filled : ndarray
            ``X`` with every unknown unit set to its more probable value.
        probability : ndarray
            ``P(unit up | known units)`` estimated for every unit (1 or 0 where known).
        """
        self._check_fitted()
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[None, :]
        unknown = np.isnan(arr)
        known_values = np.where(unknown, 1.0, arr)  # placeholder where unknown
        # The known units as the model reads them (binarized when threshold is set).
        arr = np.where(unknown, np.nan, self._check_data(known_values).astype(np.float64))
        steps = check_int("steps", steps, minimum=1)
        burn_in = check_int("burn_in", burn_in, minimum=0)
        if burn_in >= steps:
            raise InputError(f"burn_in must be < steps ({steps}), got {burn_in}")
        rng = host_rng(seed, STREAM_RBM_IMPUTE_START)
        start = rng.integers(0, 2, size=arr.shape) * (1.0 - self._low) + self._low
        v = np.where(unknown, start, arr).astype(self.dtype)
        W = self.components_
        up = np.zeros(arr.shape)
        for s in range(steps):
            _, h = self._sample_user(v @ W.T + self.intercept_hidden_, seed, s, TAG_RBM_HIDDEN)
            pre = h @ W + self.intercept_visible_
            means, x = self._sample_user(pre, seed, s, TAG_RBM_VISIBLE)
            v = np.where(unknown, x, v).astype(self.dtype)
            if s >= burn_in:
                up += (means - self._low) / (1.0 - self._low)
        probability = np.where(
            unknown, up / (steps - burn_in), (arr - self._low) / (1 - self._low)
        )
        filled = np.where(unknown, np.where(probability > 0.5, 1.0, self._low), arr)
        return filled, probability

    # -- energies ----------------------------------------------------------------------

    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        """``E(v, h)`` of Eq. (20), per row."""
        self._check_fitted()
        vv = self._check_data(v, "v").astype(np.float64)
        hh = self._check_data(h, "h", n_features=self.n_hidden, visible=False)
        hh = hh.astype(np.float64)
        W = self.components_.astype(np.float64)
        return (
            -np.einsum("ki,ki->k", hh @ W, vv)
            - hh @ self.intercept_hidden_
            - vv @ (self.intercept_visible_.astype(np.float64))
        )

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """``F(v) = -log sum_h exp(-E(v, h))``, per row."""
        self._check_fitted()
        return self._free_energy(self._check_data(v, "v").astype(np.float64))

    def _free_energy(self, v: np.ndarray) -> np.ndarray:
        W = self.components_.astype(np.float64)
        a = v @ W.T + self.intercept_hidden_.astype(np.float64)
        f = _log2cosh(a) if self._spin else _softplus(a)
        return -v @ self.intercept_visible_.astype(np.float64) - f.sum(axis=1)

    # -- likelihoods -------------------------------------------------------------------

    def log_partition(self, method: str = "exact", **ais_options: object):
        """``log Z``: exact (smaller layer <= 24 units) or by annealed importance sampling.

        Parameters
        ----------
        method : {"exact", "ais"}
        **ais_options
            Passed to :func:`isingml.rbm.ais.ais_log_partition` (``n_betas``, ``n_runs``,
            ``seed``).

        Returns
        -------
        float, or (float, float) for AIS
            ``log Z``; AIS also returns its standard error.
        """
        self._check_fitted()
        check_choice("method", method, ("exact", "ais"))
        if method == "exact" and ais_options:
            raise InputError(f"options {sorted(ais_options)} apply to method='ais' only")
        if method == "ais":
            from isingml.rbm.ais import ais_log_partition

            return ais_log_partition(self, **ais_options)
        W = self.components_.astype(np.float64)
        b_v = self.intercept_visible_.astype(np.float64)
        b_h = self.intercept_hidden_.astype(np.float64)
        if self.n_hidden <= self.n_features_in_:
            w, b_sum, b_other = W, b_h, b_v
        else:
            w, b_sum, b_other = np.ascontiguousarray(W.T), b_v, b_h
        m = w.shape[0]
        if m > MAX_EXACT_UNITS:
            raise InputError(
                f"exact log Z sums over 2**{m} states; the smaller layer must have at most "
                f"{MAX_EXACT_UNITS} units (use method='ais')"
            )
        return float(log_partition_by_enumeration(w, b_sum, b_other, self._spin, min(m, 8)))

    def log_likelihood(self, X: np.ndarray, log_z: float | None = None) -> float:
        """Average ``log P(v)`` over the rows of ``X`` (exact ``log Z`` unless given)."""
        self._check_fitted()
        return self._log_likelihood(self._check_data(X), log_z)

    def _log_likelihood(self, v: np.ndarray, log_z: float | None = None) -> float:
        v = v.astype(np.float64)
        if log_z is None:
            log_z = self.log_partition("exact")
        return float(np.mean(-self._free_energy(v)) - log_z)

    def pseudo_log_likelihood(self, X: np.ndarray) -> float:
        """Average pseudo-log-likelihood ``sum_i log P(v_i | v_-i)`` over the rows of ``X``.

        Summed over every unit (exact) for up to 64 visible units; above that, estimated
        from one random unit per row (scaled by the number of units), as is customary.
        """
        self._check_fitted()
        v = self._check_data(X).astype(np.float64)
        return self._pll(v)

    def _pll(self, v: np.ndarray) -> float:
        n, n_v = v.shape
        f0 = self._free_energy(v)
        flip_to = (1.0 + self._low) - v  # the other value of each unit
        if n_v <= 64:
            total = np.zeros(n)
            for i in range(n_v):
                x = v.copy()
                x[:, i] = flip_to[:, i]
                total -= _softplus(f0 - self._free_energy(x))  # log sigma(F(x) - F(v))
            return float(total.mean())
        rng = host_rng(self.seed, STREAM_RBM_PSEUDO_LIKELIHOOD, self.n_updates_)
        i = rng.integers(0, n_v, size=n)
        x = v.copy()
        x[np.arange(n), i] = flip_to[np.arange(n), i]
        return float(-(n_v * _softplus(f0 - self._free_energy(x))).mean())

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Pseudo-log-likelihood ``sum_i log P(v_i | v_-i)`` of each row of ``X``.

        Summed over every visible unit, exactly (no random unit as in scikit-learn's
        ``BernoulliRBM.score_samples``, so the result is deterministic and each row's
        value does not depend on the other rows). Flipping unit ``i`` shifts the hidden
        inputs by ``W[:, i]`` times the change of ``v_i``, so all the flips cost
        ``O(n_samples * n_features * n_hidden)``. For up to 64 visible units the mean over
        the rows is :meth:`pseudo_log_likelihood` (to rounding).

        Parameters
        ----------
        X : array, shape (n_samples, ``n_features_in_``)

        Returns
        -------
        ndarray, shape (n_samples,), float64
        """
        self._check_fitted()
        v = self._check_data(X, one_row=False).astype(np.float64)
        W = self.components_.astype(np.float64)
        b_v = self.intercept_visible_.astype(np.float64)
        a = v @ W.T + self.intercept_hidden_.astype(np.float64)
        f = _log2cosh if self._spin else _softplus
        f_a = f(a)
        delta = (1.0 + self._low) - 2.0 * v  # the other value of each unit, minus v
        n, n_v = v.shape
        out = np.empty(n)
        rows = max(1, _SCORE_BLOCK // (n_v * W.shape[0]))
        for s in range(0, n, rows):
            d = delta[s : s + rows]
            # F(v) - F(v with unit i flipped), for every row and unit i.
            a_flip = a[s : s + rows, None, :] + d[:, :, None] * W.T[None, :, :]
            gap = d * b_v + (f(a_flip) - f_a[s : s + rows, None, :]).sum(axis=2)
            out[s : s + rows] = -_softplus(gap).sum(axis=1)  # log sigma(F(x) - F(v))
        return out

    def score(self, X: np.ndarray, y: object = None) -> float:
        """Mean of :meth:`score_samples` over the rows of ``X`` (higher is better).

        The criterion ``GridSearchCV`` maximizes when it tunes the RBM on its own;
        ``y`` is ignored.
        """
        return float(np.mean(self.score_samples(X)))

    def reconstruction_error(self, X: np.ndarray, seed: int = 0) -> float:
        """Eq. (31): mean over units and rows of ``(v - v')^2`` with ``v'`` from
        :meth:`reconstruct`."""
        self._check_fitted()
        return self._reconstruction_error(self._check_data(X), seed)

    def _reconstruction_error(self, v: np.ndarray, seed: int) -> float:
        return float(np.mean((v - self._reconstruct(v, seed)) ** 2))

    # -- gradients ---------------------------------------------------------------------

    def _model_statistics_exact(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``<h v^T>``, ``<v>``, ``<h>`` under the model, by enumerating the smaller layer."""
        W = self.components_.astype(np.float64)
        b_v = self.intercept_visible_.astype(np.float64)
        b_h = self.intercept_hidden_.astype(np.float64)
        values = np.array([self._low, 1.0])
        m = min(self.n_hidden, self.n_features_in_)
        if m > 20:
            raise InputError(f"exact statistics enumerate 2**{m} states; at most 20 units")
        grid = values[(np.arange(2**m)[:, None] >> np.arange(m)) & 1]
        f = _log2cosh if self._spin else _softplus
        mean = np.tanh if self._spin else _sigmoid
        if self.n_hidden <= self.n_features_in_:  # enumerate h, v summed out
            a = grid @ W + b_v
            log_p = grid @ b_h + f(a).sum(axis=1)
            p = np.exp(log_p - log_p.max())
            p /= p.sum()
            v_mean = mean(a)
            return (grid * p[:, None]).T @ v_mean, p @ v_mean, p @ grid
        a = grid @ W.T + b_h  # enumerate v, h summed out
        log_p = grid @ b_v + f(a).sum(axis=1)
        p = np.exp(log_p - log_p.max())
        p /= p.sum()
        h_mean = mean(a)
        return (h_mean * p[:, None]).T @ grid, p @ grid, p @ h_mean

    def gradient(
        self, X: np.ndarray, method: str = "exact", k: int = 1, seed: int = 0
    ) -> dict[str, np.ndarray]:
        """Gradient of the average log-likelihood of ``X`` with respect to the parameters.

        Parameters
        ----------
        X : array, shape (n, n_visible)
        method : {"exact", "cd"}
            Model statistics by enumeration (smaller layer <= 20 units), or from CD-k
            chains started at the rows of ``X`` (the estimate training uses).
        k : int
            Gibbs steps for CD.
        seed : int
            Seed of the CD chains.

        Returns
        -------
        dict with "weights" (n_hidden, n_visible), "visible_bias", "hidden_bias"
        """
        self._check_fitted()
        v = self._check_data(X).astype(np.float64)
        check_choice("method", method, ("exact", "cd"))
        h = self._hidden_means(v.astype(self.dtype)).astype(np.float64)
        pos = (h.T @ v / len(v), v.mean(axis=0), h.mean(axis=0))
        if method == "exact":
            neg = self._model_statistics_exact()
        else:
            k = check_int("k", k, minimum=1)
            x = v.astype(self.dtype)
            W = self.components_
            for s in range(k):
                _, hs = self._sample_user(x @ W.T + self.intercept_hidden_, seed, s)
                _, x = self._sample_user(
                    hs @ W + self.intercept_visible_, seed, s, TAG_RBM_VISIBLE
                )
            hn = self._hidden_means(x).astype(np.float64)
            xn = x.astype(np.float64)
            neg = (hn.T @ xn / len(xn), xn.mean(axis=0), hn.mean(axis=0))
        return {
            "weights": pos[0] - neg[0],
            "visible_bias": pos[1] - neg[1],
            "hidden_bias": pos[2] - neg[2],
        }

    # -- training ----------------------------------------------------------------------

    def _factor(self, epoch: int) -> float:
        if callable(self.schedule):
            value = self.schedule(epoch)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise InputTypeError(f"schedule({epoch}) must return a number, got {value!r}")
            if not np.isfinite(value) or value < 0:
                raise InputError(f"schedule({epoch}) must be finite and >= 0, got {value}")
            return float(value)
        if self.schedule == "linear" and self.n_epochs > 0:
            return 1.0 - epoch / self.n_epochs
        return 1.0

    def _parameters(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W, b_v, b_h)``: the arrays an update step changes in place."""
        return self.components_, self.intercept_visible_, self.intercept_hidden_

    def _update_config(self) -> UpdateConfig:
        # The hyperparameters as given (a NumPy scalar stays one: the same arithmetic).
        return UpdateConfig(
            method=self.method,
            k=self.k,
            spin=self._spin,
            seed=validate_seed(self.seed),
            stream=_STREAM_TRAIN,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            weight_decay=self.weight_decay,
        )

    def _make_step(self, data: np.ndarray) -> UpdateStep:
        """The update step of ``backend`` over the validated training rows ``data``."""
        config = self._update_config()
        if self.backend == "cuda":
            from isingml.rbm.training_cuda import DeviceStep

            return DeviceStep(self._parameters(), self.training_state_, config, data)
        return _CPUStep(self, self.training_state_, config, data)

    def partial_fit(self, X: np.ndarray, y: object = None) -> RBM:
        """One update on the minibatch ``X`` (initializing the model on first use).

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            A 2-D minibatch of visible rows.
        y : ignored
            Present for scikit-learn's API.

        Returns
        -------
        RBM
            ``self``.

        Raises
        ------
        isingml.rbm.training.TrainingDiverged
            When the update leaves a parameter NaN or infinite.
        """
        self._check_params()
        v = self._check_data(X, one_row=False)
        if not hasattr(self, "components_"):
            self._initialize(v)
        step = self._make_step(v)
        step.step(np.arange(len(v)), 1.0)
        step.sync_to_host()
        where = f"update {self.n_updates_} (partial_fit)"
        check_parameters_finite(self._parameters(), self.learning_rate, where)
        return self

    def fit(self, X: np.ndarray, y: object = None) -> RBM:
        """Train for ``n_epochs`` passes over ``X`` in shuffled minibatches.

        Every call starts afresh from the initialization that ``seed`` fixes (use
        :meth:`partial_fit` to continue training). One loop serves every backend: it
        hands each minibatch's rows to the update step
        (:class:`isingml.rbm.training.UpdateStep`, the CPU's or the GPU's), brings the
        parameters to the host after each epoch, checks that they are finite and records
        the history.

        Parameters
        ----------
        X : array, shape (n_samples, n_features)
            Visible rows: unit values, or real values when ``threshold`` is set.
        y : ignored
            Present for scikit-learn's API (``Pipeline``, ``GridSearchCV``).

        Returns
        -------
        RBM
            ``self``, with ``history_`` holding the tracked quantities per epoch.

        Raises
        ------
        isingml.rbm.training.TrainingDiverged
            When an epoch leaves a parameter NaN or infinite (the message names the epoch
            and the learning rate; ``history_`` holds the epochs before).
        """
        self._check_params()
        v = self._check_data(X, fitted=False, one_row=False)  # fit starts afresh
        self._initialize(v)
        tracked = self._tracked(v.shape[1])
        rng = host_rng(self.seed, STREAM_RBM_BATCHES)
        step = self._make_step(v)
        for epoch in progress_bar(range(self.n_epochs), progress=self.progress, unit="epoch"):
            order = rng.permutation(len(v))
            factor = self._factor(epoch)
            for start in range(0, len(v), self.batch_size):
                step.step(order[start : start + self.batch_size], factor)
            step.sync_to_host()  # the history is measured on the host
            where = f"epoch {epoch + 1} of {self.n_epochs}"
            check_parameters_finite(self._parameters(), self.learning_rate, where)
            self._record(epoch, v, tracked)
        return self

    def _tracked(self, n_visible: int) -> tuple[str, ...]:
        if self.track == "auto":
            small = min(self.n_hidden, n_visible) <= 16
            return ("mse", "pll", "exact") if small else ("mse", "pll")
        items = (self.track,) if isinstance(self.track, str) else tuple(self.track)
        for item in items:
            check_choice("track", item, ("mse", "pll", "exact"))
        return items

    def _record(self, epoch: int, v: np.ndarray, tracked: tuple[str, ...]) -> None:
        sample = v[:1000]
        h = self.history_
        h["epoch"].append(epoch + 1)
        h["mse"].append(self._reconstruction_error(sample, epoch) if "mse" in tracked else None)
        h["pll"].append(self._pll(sample.astype(np.float64)) if "pll" in tracked else None)
        h["log_likelihood"].append(self._log_likelihood(v) if "exact" in tracked else None)

    # -- persistence -------------------------------------------------------------------

    _HYPER = (
        "n_hidden",
        "units",
        "learning_rate",
        "batch_size",
        "n_epochs",
        "method",
        "k",
        "n_chains",
        "momentum",
        "weight_decay",
        "init_scale",
        "init_visible_bias",
        "track",
        "seed",
        "progress",
    )

    def save(self, path: str | Path) -> Path:
        """Write the parameters, hyperparameters and training state through the one
        persistence helper (atomic, checksummed, no pickle; ``.npz``, or ``.h5``)."""
        self._check_fitted()
        if callable(self.schedule):
            raise InputError("schedule: a callable schedule cannot be saved; use a named one")
        state = self.training_state_
        hyper = {}
        for name in self._HYPER:
            value = getattr(self, name)
            if isinstance(value, np.generic):
                value = value.item()
            hyper[name] = list(value) if isinstance(value, tuple) else value
        hyper["dtype"] = np.dtype(self.dtype).name
        hyper["schedule"] = self.schedule
        threshold = self.threshold
        hyper["threshold"] = threshold if threshold in ("auto", None) else float(threshold)
        arrays = {
            "components": self.components_,
            "intercept_hidden": self.intercept_hidden_,
            "intercept_visible": self.intercept_visible_,
            "chains": state.chains,
            "chain_hidden": state.chain_hidden,
            "velocity_weights": state.velocity[0],
            "velocity_visible": state.velocity[1],
            "velocity_hidden": state.velocity[2],
        }
        meta = {
            "hyperparameters": hyper,
            "n_updates": int(state.n_updates),
            "draw": int(state.draw),
        }
        return save_arrays(path, "RBM", _FORMAT_VERSION, meta, arrays)

    @classmethod
    def load(cls, path: str | Path) -> RBM:
        """Read a model written by :meth:`save`."""
        try:
            meta, f, _ = load_arrays(path, "RBM")
            hyper = dict(meta["hyperparameters"])
            hyper["dtype"] = np.dtype(hyper["dtype"]).type
            hyper.setdefault("threshold", None)  # files from before "auto": strict
            if isinstance(hyper.get("track"), list):
                hyper["track"] = tuple(hyper["track"])
            model = cls(**hyper)
            model._check_params()
            model.components_ = f["components"]
            model.intercept_hidden_ = f["intercept_hidden"]
            model.intercept_visible_ = f["intercept_visible"]
            state = TrainingState(
                chains=f["chains"],
                chain_hidden=f["chain_hidden"],
                velocity=(f["velocity_weights"], f["velocity_visible"], f["velocity_hidden"]),
                draw=int(meta["draw"]),
                n_updates=int(meta["n_updates"]),
            )
            model.training_state_ = state
            n_h, n_v = model.components_.shape
            shapes = {
                "intercept_hidden": (model.intercept_hidden_.shape, (n_h,)),
                "intercept_visible": (model.intercept_visible_.shape, (n_v,)),
                "chain_hidden": (state.chain_hidden.shape[1:], (n_h,)),
                "chains": (state.chains.shape[1:], (n_v,)),
                "velocity_weights": (state.velocity[0].shape, (n_h, n_v)),
                "velocity_visible": (state.velocity[1].shape, (n_v,)),
                "velocity_hidden": (state.velocity[2].shape, (n_h,)),
            }
            for name, (got, want) in shapes.items():
                if got != want or n_h != model.n_hidden:
                    raise InputError(f"{name} has shape {got}, expected {want}")
        except (OSError, KeyError, ValueError, TypeError) as exc:
            if str(exc).startswith("path:"):
                raise
            raise InputError(f"path: cannot read an RBM from {path} ({exc})") from None
        model.n_features_in_ = model.components_.shape[1]
        model.history_ = {"epoch": [], "mse": [], "pll": [], "log_likelihood": []}
        return model


class _CPUStep:
    """The CPU's :class:`~isingml.rbm.training.UpdateStep`: CD-k, PCD or exact-gradient
    updates on the model's host arrays, with the model's samplers and exact statistics.

    Parameters
    ----------
    model : RBM
        Whose parameters are updated in place.
    state : TrainingState
        The model's training state, kept current after every update.
    config : UpdateConfig
    data : ndarray, shape (n, n_visible)
        The rows that :meth:`step` indexes.
    """

    def __init__(
        self, model: RBM, state: TrainingState, config: UpdateConfig, data: np.ndarray
    ) -> None:
        self.model, self.state, self.config, self.data = model, state, config, data

    def step(self, rows: np.ndarray, factor: float) -> None:
        """One update on ``data[rows]``."""
        # A diverging run overflows on its way to inf and NaN: the loop reports that.
        with np.errstate(over="ignore", invalid="ignore"):
            self._update(self.data[rows], factor)

    def sync_to_host(self) -> None:
        """Nothing to copy: the parameters and the state are the host's."""

    def _update(self, v_pos: np.ndarray, factor: float) -> None:
        # Each Gibbs step costs two products: v ~ P(v | h) through h W, and the hidden
        # inputs of the new v, whose means enter the gradient and whose sample carries the
        # chain on (PCD keeps the hidden samples between updates, as Tieleman's does).
        model, state, config = self.model, self.state, self.config
        W, b_v, b_h = model._parameters()
        sample = model._sample
        stream, k, spin = config.stream, config.k, config.spin
        rate = config.learning_rate * factor
        if config.method == "exact":
            a_pos = v_pos @ W.T + b_h
            h_pos = np.tanh(a_pos) if spin else _sigmoid(a_pos)
            neg_w, neg_v, neg_h = model._model_statistics_exact()
            b = len(v_pos)
            self._apply(
                rate * (h_pos.T @ v_pos / b - neg_w - config.weight_decay * W),
                rate * (v_pos.mean(axis=0) - neg_v),
                rate * (h_pos.mean(axis=0) - neg_h),
            )
            return
        # Gibbs step i samples the visible layer with draw d + i and the hidden layer with
        # draw d + i + 1 (CD's first hidden sample, from the data, takes draw d).
        d = state.draw
        if config.method == "cd":
            a_pos = v_pos @ W.T + b_h
            h_pos, h = sample(a_pos, stream, d, TAG_RBM_HIDDEN)
            for step in range(k):
                _, v_neg = sample(h @ W + b_v, stream, d + step, TAG_RBM_VISIBLE)
                h_neg, h = sample(v_neg @ W.T + b_h, stream, d + step + 1, TAG_RBM_HIDDEN)
            v_both = np.concatenate([v_pos, v_neg])
        else:
            # PCD: the chains do not depend on the data, so the last step's hidden inputs
            # and the data's come from one product over both (better BLAS efficiency, one
            # product fewer), and that stacked visible block serves the gradient too.
            h = state.chain_hidden
            for step in range(k - 1):
                _, v = sample(h @ W + b_v, stream, d + step, TAG_RBM_VISIBLE)
                _, h = sample(v @ W.T + b_h, stream, d + step + 1, TAG_RBM_HIDDEN)
            _, v_neg = sample(h @ W + b_v, stream, d + k - 1, TAG_RBM_VISIBLE)
            v_both = np.concatenate([v_pos, v_neg])
            a_both = v_both @ W.T + b_h
            a_pos, a_neg = a_both[: len(v_pos)], a_both[len(v_pos) :]
            h_pos = np.tanh(a_pos) if spin else _sigmoid(a_pos)
            h_neg, h = sample(a_neg, stream, d + k, TAG_RBM_HIDDEN)
            state.chains = v_neg
            state.chain_hidden = h
        state.draw += k + 1
        # Both phases in one product: [h_pos; -c h_neg]^T [v_pos; v_neg] with c = B / C is
        # B times the weight gradient (no separate products, no subtraction pass).
        b, c = len(v_pos), len(v_neg)
        h_both = np.concatenate([h_pos, h_neg * (-b / c)])
        grad_w = h_both.T @ v_both
        if config.weight_decay:
            grad_w -= (config.weight_decay * b) * W
        grad_w *= rate / b
        self._apply(
            grad_w,
            rate * (v_pos.mean(axis=0) - v_neg.mean(axis=0)),
            rate * (h_pos.mean(axis=0) - h_neg.mean(axis=0)),
        )

    def _apply(self, *steps: np.ndarray) -> None:
        """Add the learning-rate-scaled gradient steps (through the momentum buffers)."""
        momentum, dtype = self.config.momentum, self.model.dtype
        for p, vel, g in zip(self.model._parameters(), self.state.velocity, steps, strict=True):
            g = np.asarray(g, dtype=dtype)
            if momentum:
                vel *= momentum
                vel += g
                p += vel
            else:
                p += g
        self.state.n_updates += 1
