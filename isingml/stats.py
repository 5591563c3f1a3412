"""Error analysis for Monte Carlo time series.

Markov-chain Monte Carlo produces correlated samples, so the naive standard error
``std(x) / sqrt(n)`` of a time-series mean is too small by a factor ``sqrt(2 tau_int)``.
This module provides the standard tools to quote honest error bars:

* :func:`autocorrelation_function` -- normalised autocorrelation ``rho(t)`` by FFT.
* :func:`integrated_autocorrelation_time` -- ``tau_int`` with Sokal's automatic window [1]_.
* :func:`binning_analysis` / :func:`binning_error` -- Flyvbjerg--Petersen blocking [2]_.
* :func:`mean_with_error` -- mean and error of one series, as a :class:`Stats`.
* :func:`jackknife` -- blocked jackknife [3]_ for functions of several means
  (heat capacity, susceptibility, Binder cumulant, ratios, ...).
* :func:`influence_series` -- the linearised series of a function of means.
* :func:`error_uncertainty` -- how far an error bar can itself be trusted.

Conventions
-----------
``tau_int`` is measured in units of the sampling interval and normalised so that
uncorrelated data have ``tau_int = 1/2``::

    tau_int = 1/2 + sum_{t >= 1} rho(t),     sigma_mean^2 = 2 tau_int sigma^2 / n.

With this convention ``2 tau_int`` is the number of samples per statistically independent
sample; an AR(1) process ``x_t = r x_{t-1} + eps_t`` has ``tau_int = (1 + r) / (2 (1 - r))``.

References
----------
.. [1] A. D. Sokal, "Monte Carlo Methods in Statistical Mechanics: Foundations and New
   Algorithms", in *Functional Integration*, Springer (1997), pp. 131--192.
.. [2] H. Flyvbjerg and H. G. Petersen, "Error estimates on averages of correlated data",
   J. Chem. Phys. 91, 461 (1989).
.. [3] B. Efron, *The Jackknife, the Bootstrap and Other Resampling Plans*, SIAM (1982).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from isingml.errors import InputError, InputTypeError

__all__ = [
    "BinningAnalysis",
    "Stats",
    "autocorrelation_function",
    "binning_analysis",
    "binning_error",
    "error_uncertainty",
    "influence_series",
    "integrated_autocorrelation_time",
    "jackknife",
    "mean_with_error",
]

#: Runs shorter than this many ``tau_int`` trigger a warning in the tau estimators.
MIN_RUN_TAUS = 50.0
#: The smallest ``tau_int`` the estimators return: that of uncorrelated data, so an error
#: is never below the naive ``std / sqrt(n)``.
MIN_TAU = 0.5
#: Bounds on the default number of jackknife blocks (see :func:`jackknife`).
JACKKNIFE_MIN_BLOCKS = 10
JACKKNIFE_MAX_BLOCKS = 100
#: Default jackknife blocks aim to be at least this many ``tau_int`` long.
JACKKNIFE_BLOCK_TAUS = 10.0
#: Blocks shorter than this many ``tau_int`` trigger a warning in :func:`jackknife`.
JACKKNIFE_WARN_TAUS = 5.0
#: ``jackknife(plateau=True)`` uses block counts whose blocks are this many ``tau_int`` long.
PLATEAU_MIN_TAUS = 2.0


# --------------------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------------------


def _pm_string(mean: float, error: float) -> str:
    """Format ``mean ± error`` with the error to two significant digits."""
    fallback = f"{mean:.6g} ± {error:.2g}"
    if not (math.isfinite(mean) and math.isfinite(error)) or error <= 0.0:
        return fallback
    # Round the error to two significant digits first (0.0996 -> 0.10), then read off its
    # decade so that the mean is quoted to the same decimal place.
    exponent = int(f"{error:.1e}".split("e")[1])
    decimals = max(1 - exponent, 0)
    if decimals > 12 or error >= 1e6 or abs(mean) >= 1e12:
        return fallback
    return f"{mean:.{decimals}f} ± {error:.{decimals}f}"


def _json_float(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Stats:
    """Mean of a Monte Carlo observable with an honest statistical error.

    Parameters
    ----------
    mean : float
        Estimate of the observable (for :func:`jackknife`: the bias-corrected estimate).
    error : float
        Standard error of ``mean``, accounting for autocorrelations.
    tau_int : float
        Integrated autocorrelation time in units of the sampling interval, with
        ``tau_int = 1/2`` for uncorrelated data. NaN where not applicable (derived
        quantities from :func:`jackknife`).
    n : int
        Number of samples the estimate is based on.

    Notes
    -----
    ``str(stats)`` gives ``"mean ± error"`` with the error rounded to two significant
    digits and the mean to the same decimal place, e.g. ``"-1.4142 ± 0.0023"``. A format
    spec is applied to both numbers: ``f"{stats:.3e}"`` gives ``"1.234e+00 ± 5.678e-03"``.
    """

    mean: float
    error: float
    tau_int: float
    n: int

    def __str__(self) -> str:
        return _pm_string(self.mean, self.error)

    def __format__(self, format_spec: str) -> str:
        if not format_spec:
            return str(self)
        return f"{format(self.mean, format_spec)} ± {format(self.error, format_spec)}"

    def to_dict(self) -> dict[str, float | int | None]:
        """Return the fields as a JSON-ready dictionary.

        Returns
        -------
        dict
            ``{"mean": float, "error": float, "tau_int": float, "n": int}`` with plain
            Python numbers. Non-finite floats (NaN, e.g. ``tau_int`` of a jackknife
            result, or infinities) are mapped to ``None`` so that the result is valid
            strict JSON (``json.dumps(..., allow_nan=False)``).
        """
        return {
            "mean": _json_float(self.mean),
            "error": _json_float(self.error),
            "tau_int": _json_float(self.tau_int),
            "n": int(self.n),
        }


@dataclass(frozen=True, eq=False)
class BinningAnalysis:
    """Per-level results of a Flyvbjerg--Petersen blocking analysis.

    Level ``k`` averages the series in blocks of ``2**k`` consecutive samples.

    Parameters
    ----------
    block_sizes : numpy.ndarray of int
        Samples per block at each level, ``1, 2, 4, ...``.
    n_blocks : numpy.ndarray of int
        Number of blocks at each level (an odd trailing block is dropped when pairing).
    errors : numpy.ndarray of float
        Naive standard error of the mean computed from the block means at each level,
        ``std(blocks, ddof=1) / sqrt(n_blocks)``. Level 0 is the naive error of the data.
    error_errors : numpy.ndarray of float
        Approximate standard error of each entry of ``errors``,
        ``errors / sqrt(2 (n_blocks - 1))`` (valid once blocks are uncorrelated).
    """

    block_sizes: NDArray[np.int64]
    n_blocks: NDArray[np.int64]
    errors: NDArray[np.float64]
    error_errors: NDArray[np.float64]

    @property
    def naive_error(self) -> float:
        """Naive standard error ``std(x, ddof=1) / sqrt(n)`` of the unblocked data."""
        return float(self.errors[0])


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------


def _as_series(x: Any, name: str) -> NDArray[np.float64]:
    """Validate a 1-D, finite, real time series with at least two samples."""
    if isinstance(x, (str, bytes)):
        raise InputTypeError(f"{name} must be a 1-D array of real numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested sequences and the like
        raise InputTypeError(f"{name} must be a 1-D array of real numbers: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise InputTypeError(f"{name} must contain real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.shape[0] < 2:
        raise InputError(
            f"{name} must be a 1-D array with at least 2 samples, got shape {arr.shape}"
        )
    arr = arr.astype(np.float64, copy=False)
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise InputError(f"{name} contains non-finite values (first at index {bad}: {arr[bad]!r})")
    return arr


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputTypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {value}")
    return value


def _check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0.0):
        raise InputError(f"{name} must be finite and > 0, got {value}")
    return value


def _is_constant(arr: NDArray[np.float64]) -> bool:
    return bool(arr.max() == arr.min())


# --------------------------------------------------------------------------------------
# Autocorrelations
# --------------------------------------------------------------------------------------


def _fft_length(n: int) -> int:
    """Smallest 5-smooth integer (2^a 3^b 5^c) that is >= n, a fast size for pocketfft."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _acf(arr: NDArray[np.float64], max_lag: int) -> NDArray[np.float64]:
    """Normalised autocorrelation of a validated series for lags ``0..max_lag``."""
    n = arr.shape[0]
    rho = np.zeros(max_lag + 1)
    rho[0] = 1.0
    if _is_constant(arr):
        return rho
    d = arr - arr.mean()
    nfft = _fft_length(2 * n - 1)  # >= 2n - 1: no circular wrap-around
    spectrum = np.fft.rfft(d, nfft)
    acov = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, nfft)[: max_lag + 1]
    if not acov[0] > 0.0:  # pragma: no cover - only for denormal-sized fluctuations
        return rho
    return acov / acov[0]


def autocorrelation_function(x: ArrayLike, max_lag: int | None = None) -> NDArray[np.float64]:
    """Normalised autocorrelation function of a time series.

    Computes ::

        C(t) = 1/n sum_{i=0}^{n-1-t} (x_i - xbar) (x_{i+t} - xbar),    rho(t) = C(t) / C(0)

    by FFT of the zero-padded series (no circular wrap-around), in ``O(n log n)``.
    The ``1/n`` (rather than ``1/(n-t)``) normalisation is the standard biased estimator
    recommended by Sokal: it has smaller variance at large lags and guarantees
    ``|rho(t)| <= 1``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real time series with ``n >= 2`` finite samples.
    max_lag : int, optional
        Largest lag returned, ``0 <= max_lag <= n - 1``. Default ``n - 1``.

    Returns
    -------
    numpy.ndarray, shape (max_lag + 1,)
        ``rho(0), ..., rho(max_lag)`` with ``rho(0) = 1``. For a constant series
        ``rho = [1, 0, 0, ...]`` by definition.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued or ``max_lag`` is not an integer.
    ValueError
        If ``x`` is not 1-D, has fewer than 2 samples or contains NaN/inf, or if
        ``max_lag`` is out of range.
    """
    arr = _as_series(x, "x")
    n = arr.shape[0]
    if max_lag is None:
        max_lag = n - 1
    else:
        max_lag = _check_int(max_lag, "max_lag", 0)
        if max_lag > n - 1:
            raise InputError(
                f"max_lag must be <= n - 1 = {n - 1} for x of length {n}, got {max_lag}"
            )
    return _acf(arr, max_lag)


def _sokal_window(arr: NDArray[np.float64], c: float, stacklevel: int) -> tuple[float, int]:
    n = arr.shape[0]
    if _is_constant(arr):
        return 0.5, 0
    max_window = n // 2
    rho = _acf(arr, max_window)
    taus = 0.5 + np.cumsum(rho[1:])  # taus[M - 1] = tau(M)
    windows = np.arange(1, max_window + 1)
    ok = np.flatnonzero(windows >= c * taus)
    if ok.size:
        m = int(windows[ok[0]])
    else:
        m = max_window
        warnings.warn(
            f"series of {n} samples is too short for a reliable estimate of tau_int: no "
            f"window M <= n/2 satisfies M >= c*tau(M) (c={c:g}); returning tau(M={m}) = "
            f"{taus[-1]:.4g}, which is likely an underestimate. Use runs of at least "
            f"~50 tau_int samples.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    # The windowed sum dips below 1/2, even below zero, for anticorrelated data (a Wolff
    # chain flips the sign of m at almost every update). An error below the naive one, let
    # alone zero, cannot be vouched for from the data, so tau_int is clipped at 1/2.
    tau = max(float(taus[m - 1]), MIN_TAU)
    if ok.size and n < MIN_RUN_TAUS * tau:
        warnings.warn(
            f"series of {n} samples is too short for a reliable estimate of tau_int: it "
            f"spans only {n / tau:.3g} tau_int (tau_int = {tau:.4g}); tau_int and the error "
            f"of the mean are then noisy and usually underestimated. Use runs of at least "
            f"~{MIN_RUN_TAUS:g} tau_int samples.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    return tau, m


def integrated_autocorrelation_time(x: ArrayLike, c: float = 5.0) -> tuple[float, int]:
    """Integrated autocorrelation time with Sokal's automatic windowing.

    The windowed estimator ::

        tau(M) = 1/2 + sum_{t=1}^{M} rho(t)

    is evaluated at the smallest window ``M >= 1`` with ``M >= c * tau(M)``, which
    balances the bias from the neglected tail (``~ exp(-M / tau)``) against the
    statistical error, ``var(tau) ~ 2 (2M + 1) / n * tau^2`` [1]_.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real time series with ``n >= 2`` finite samples.
    c : float, default 5.0
        Window constant. ``c ~ 5`` is appropriate for nearly exponential decay; use
        larger values (e.g. 8-10) when ``rho(t)`` has a slow tail.

    Returns
    -------
    tau : float
        Integrated autocorrelation time in units of the sampling interval, ``1/2`` for
        uncorrelated data (so ``sigma_mean = sqrt(2 tau var / n)``). Clipped to
        ``>= 1/2`` (:data:`MIN_TAU`): anticorrelated data, whose windowed sum falls below
        1/2 (or below zero), get the naive error, never a smaller or a zero one.
    window : int
        The chosen window ``M`` (``0`` for a constant series).

    Warns
    -----
    RuntimeWarning
        If the series is too short: either no window ``M <= n/2`` satisfies the
        criterion (``tau(n/2)`` is then returned; it is unreliable and usually an
        underestimate), or the estimate satisfies ``n < 50 tau``. Very short runs can
        still slip through, because the autocorrelation of a short, strongly correlated
        series decays spuriously fast.

    Raises
    ------
    TypeError, ValueError
        On invalid ``x`` (see :func:`autocorrelation_function`) or ``c``.

    Notes
    -----
    A constant series returns ``(0.5, 0)`` without warnings. For a trustworthy estimate
    the run should be at least ``~50 tau`` long; the relative statistical error of the
    result is about ``sqrt(2 (2M + 1) / n)``.

    References
    ----------
    .. [1] A. D. Sokal, "Monte Carlo Methods in Statistical Mechanics: Foundations and
       New Algorithms" (1997), section 3.
    """
    arr = _as_series(x, "x")
    c = _check_positive(c, "c")
    return _sokal_window(arr, c, stacklevel=3)


# --------------------------------------------------------------------------------------
# Blocking
# --------------------------------------------------------------------------------------


def binning_analysis(x: ArrayLike) -> BinningAnalysis:
    """Flyvbjerg--Petersen blocking analysis of a time series.

    Starting from the raw data (level 0), neighbouring values are repeatedly averaged in
    pairs (an odd trailing value is dropped), and at every level with at least two blocks
    the naive standard error of the mean of the block averages is recorded. Once the
    blocks are much longer than ``tau_int`` the errors reach a plateau, the true standard
    error of the mean.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real time series with ``n >= 2`` finite samples.

    Returns
    -------
    BinningAnalysis
        Block sizes, block counts, errors and their approximate uncertainties per level,
        suitable for plotting ``errors`` against ``block_sizes``.

    Raises
    ------
    TypeError, ValueError
        On invalid ``x``.

    See Also
    --------
    binning_error : Plateau estimate from this analysis.
    """
    arr = _as_series(x, "x")
    constant = _is_constant(arr)
    sizes: list[int] = []
    counts: list[int] = []
    errors: list[float] = []
    blocks = arr
    size = 1
    while blocks.shape[0] >= 2:
        nb = blocks.shape[0]
        err = 0.0 if constant else float(np.sqrt(np.var(blocks, ddof=1) / nb))
        sizes.append(size)
        counts.append(nb)
        errors.append(err)
        half = nb // 2
        blocks = 0.5 * (blocks[0 : 2 * half : 2] + blocks[1 : 2 * half : 2])
        size *= 2
    n_blocks = np.asarray(counts, dtype=np.int64)
    errs = np.asarray(errors, dtype=np.float64)
    return BinningAnalysis(
        block_sizes=np.asarray(sizes, dtype=np.int64),
        n_blocks=n_blocks,
        errors=errs,
        error_errors=errs / np.sqrt(2.0 * (n_blocks - 1)),
    )


def _plateau_error(result: BinningAnalysis, min_bins: int, n: int, stacklevel: int) -> float:
    eligible = result.n_blocks >= min_bins
    n_eligible = int(eligible.sum())
    if n_eligible < 3:
        warnings.warn(
            f"series of {n} samples is too short for a blocking analysis with "
            f"min_bins={min_bins}: only {n_eligible} level(s) have >= min_bins blocks, so "
            f"no plateau can be identified and the error is likely underestimated. Use "
            f"at least {4 * min_bins} samples, and runs much longer than tau_int.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )
    if n_eligible == 0:
        return float(result.errors[0])
    return float(result.errors[eligible].max())


def binning_error(x: ArrayLike, min_bins: int = 32) -> float:
    """Standard error of the mean from a blocking (binning) analysis.

    Returns the *maximum* of the per-level errors of :func:`binning_analysis` over all
    levels that still have at least ``min_bins`` blocks. The naive errors grow with the
    block size until the blocks are decorrelated and then stay on a plateau, so the
    maximum is the classic conservative plateau estimate (it is biased slightly upwards
    by the noise of the largest-block levels, whose relative error is
    ``~ 1 / sqrt(2 min_bins)``).

    Parameters
    ----------
    x : array_like, shape (n,)
        Real time series with ``n >= 2`` finite samples.
    min_bins : int, default 32
        Smallest number of blocks for a level to be used (``>= 2``).

    Returns
    -------
    float
        Estimated standard error of the mean of ``x`` (0 for a constant series).

    Warns
    -----
    RuntimeWarning
        If fewer than three levels have ``min_bins`` blocks (``n < 4 * min_bins``); the
        plateau cannot then be seen. If no level qualifies, the naive error is returned.

    Raises
    ------
    TypeError, ValueError
        On invalid ``x`` or ``min_bins``.

    Notes
    -----
    A plateau is only reached if the largest usable blocks (``n / min_bins`` samples)
    are much longer than ``tau_int``; otherwise the result underestimates the error
    without any warning. Inspect :func:`binning_analysis` when in doubt.
    """
    arr = _as_series(x, "x")
    min_bins = _check_int(min_bins, "min_bins", 2)
    return _plateau_error(binning_analysis(arr), min_bins, arr.shape[0], stacklevel=3)


# --------------------------------------------------------------------------------------
# Mean with error
# --------------------------------------------------------------------------------------


def mean_with_error(
    x: ArrayLike,
    method: Literal["tau", "binning"] = "tau",
    *,
    c: float = 5.0,
    min_bins: int = 32,
) -> Stats:
    """Mean of a correlated time series with an honest standard error.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real time series (e.g. energy per spin after thermalisation) with ``n >= 2``
        finite samples.
    method : {"tau", "binning"}, default "tau"
        ``"tau"``: ``error = sqrt(2 tau_int C(0) / (n - 2 tau_int))`` with ``tau_int``
        from :func:`integrated_autocorrelation_time` and ``C(0)`` the (``1/n``) sample
        variance. The denominator ``n - 2 tau_int`` corrects the bias of the sample
        variance of correlated data and reduces to the usual ``std(x, ddof=1)/sqrt(n)``
        for ``tau_int = 1/2``.
        ``"binning"``: ``error`` from :func:`binning_error`, and ``tau_int`` inferred as
        ``0.5 * (error / naive_error)**2``.
    c : float, default 5.0
        Sokal window constant for ``method="tau"``.
    min_bins : int, default 32
        Minimum number of blocks for ``method="binning"``.

    Returns
    -------
    Stats
        ``mean``, ``error``, ``tau_int`` and ``n = len(x)``.

    Warns
    -----
    RuntimeWarning
        If the series is too short for the chosen method (see
        :func:`integrated_autocorrelation_time` and :func:`binning_error`).

    Raises
    ------
    TypeError, ValueError
        On invalid ``x``, ``method``, ``c`` or ``min_bins``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> s = mean_with_error(rng.normal(size=10_000))
    >>> abs(s.tau_int - 0.5) < 0.1
    True
    """
    arr = _as_series(x, "x")
    n = arr.shape[0]
    if method not in ("tau", "binning"):
        raise InputError(f"method must be 'tau' or 'binning', got {method!r}")
    if _is_constant(arr):
        # Exact mean (np.mean of a constant array can be off in the last bit).
        if method == "tau":
            _check_positive(c, "c")
        else:
            _check_int(min_bins, "min_bins", 2)
        return Stats(mean=float(arr[0]), error=0.0, tau_int=0.5, n=n)
    mean = float(arr.mean())
    if method == "tau":
        c = _check_positive(c, "c")
        tau, _ = _sokal_window(arr, c, stacklevel=3)
        c0 = float(np.mean((arr - mean) ** 2))
        error = math.sqrt(2.0 * tau * c0 / max(n - 2.0 * tau, 1.0))
        return Stats(mean=mean, error=error, tau_int=tau, n=n)
    min_bins = _check_int(min_bins, "min_bins", 2)
    analysis = binning_analysis(arr)
    error = _plateau_error(analysis, min_bins, n, stacklevel=3)
    naive = analysis.naive_error
    tau = 0.5 * (error / naive) ** 2 if naive > 0.0 else 0.5
    return Stats(mean=mean, error=error, tau_int=tau, n=n)


# --------------------------------------------------------------------------------------
# Jackknife
# --------------------------------------------------------------------------------------


def _default_blocks(n: int, tau: float) -> int:
    target_length = max(math.ceil(JACKKNIFE_BLOCK_TAUS * tau), 1)
    n_blocks = min(max(n // target_length, JACKKNIFE_MIN_BLOCKS), JACKKNIFE_MAX_BLOCKS)
    return min(n_blocks, n)


def _plateau_blocks(n: int, tau: float) -> list[int]:
    """Block counts for ``plateau=True``: 100, 50, 25, 12 (halving down to
    :data:`JACKKNIFE_MIN_BLOCKS`), those whose blocks are at least ``2 tau`` long; the
    fewest blocks (the longest) when none are."""
    counts = []
    count = JACKKNIFE_MAX_BLOCKS
    while count >= JACKKNIFE_MIN_BLOCKS:
        counts.append(count)
        count //= 2
    counts = [c for c in counts if c <= n]
    long_enough = [c for c in counts if n // c >= PLATEAU_MIN_TAUS * tau]
    return long_enough or [min(counts) if counts else n]


def _scalar(func: Callable[..., float], means: Sequence[float]) -> float:
    value = func(*[np.float64(m) for m in means])
    if np.ndim(value) != 0:
        raise InputTypeError(
            f"func must return a real scalar, got {type(value).__name__} "
            f"with shape {np.shape(value)}"
        )
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"func must return a real scalar, got {value!r}") from exc


def _jackknife_blocks(
    func: Callable[..., float], arrays: list[NDArray[np.float64]], n_blocks: int
) -> tuple[float, float, int]:
    """Bias-corrected estimate, error and samples used, for ``n_blocks`` blocks."""
    n = arrays[0].shape[0]
    length = n // n_blocks
    start = n - n_blocks * length
    # Block sums, shape (n_series, n_blocks); leave-one-out means from the totals.
    sums = np.stack([a[start:].reshape(n_blocks, length).sum(axis=1) for a in arrays])
    totals = sums.sum(axis=1)
    full_means = totals / (n_blocks * length)
    loo_means = (totals[:, None] - sums) / ((n_blocks - 1) * length)
    f_full = _scalar(func, full_means)
    f_loo = np.array([_scalar(func, loo_means[:, i]) for i in range(n_blocks)])
    f_bar = float(f_loo.mean())
    estimate = n_blocks * f_full - (n_blocks - 1) * f_bar
    error = math.sqrt((n_blocks - 1) / n_blocks * float(np.sum((f_loo - f_bar) ** 2)))
    return estimate, error, n_blocks * length


def _validate_jackknife(
    func: Callable[..., float], series: tuple[ArrayLike, ...]
) -> list[NDArray[np.float64]]:
    if not callable(func):
        raise InputTypeError(f"func must be callable, got {func!r}")
    if not series:
        raise InputError("jackknife needs at least one series after func, got none")
    arrays = [_as_series(s, f"series[{i}]") for i, s in enumerate(series)]
    n = arrays[0].shape[0]
    lengths = [a.shape[0] for a in arrays]
    if any(length != n for length in lengths):
        raise InputError(f"all series must have the same length, got lengths {lengths}")
    return arrays


def jackknife(
    func: Callable[..., float],
    *series: ArrayLike,
    n_blocks: int | None = None,
    tau: float | None = None,
    plateau: bool = False,
) -> Stats:
    """Blocked jackknife estimate of a function of several time-series means.

    For aligned series ``a, b, ...`` (measured at the same Monte Carlo times) estimates
    ``f(<a>, <b>, ...)`` and its standard error, e.g. the heat capacity
    ``f = beta^2 N (<e^2> - <e>^2)`` from the series ``e`` and ``e**2``, or the Binder
    cumulant ``1 - <m^4> / (3 <m^2>^2)`` from ``m**2`` and ``m**4``.

    The series are cut into ``n_blocks`` contiguous blocks of equal length ``L``; the
    ``n mod n_blocks`` leftover samples are dropped from the *beginning* (the part of the
    run closest to thermalisation). With ``f_i`` the function of the means with block
    ``i`` left out, ``fbar = mean(f_i)`` and ``f_full`` the function of the full means::

        estimate = n_blocks * f_full - (n_blocks - 1) * fbar      (bias-corrected)
        error    = sqrt((n_blocks - 1) / n_blocks * sum_i (f_i - fbar)^2)

    The bias correction removes the ``O(1/n)`` bias of nonlinear ``f``; for linear ``f``
    the estimate is the plain mean and the error the naive error of the block means.

    Parameters
    ----------
    func : callable
        ``func(mean_a, mean_b, ...) -> float``; receives one ``numpy.float64`` scalar
        per series and must return a real scalar.
    *series : array_like, shape (n,)
        One or more real 1-D series of equal length.
    n_blocks : int, optional
        Number of jackknife blocks, ``2 <= n_blocks <= n``. By default blocks are made at
        least ``10 * tau`` samples long, ``n_blocks = n // ceil(10 tau)``, clipped to
        ``[10, 100]`` (and to ``n``): more than ~100 blocks barely improves the error
        estimate, fewer than ~10 makes it very noisy (relative error
        ``~ 1 / sqrt(2 (n_blocks - 1))``).
    tau : float, optional
        Integrated autocorrelation time in samples used to choose ``n_blocks``. If
        ``None`` and ``n_blocks`` is not given, the largest
        :func:`integrated_autocorrelation_time` of the input series is used.
    plateau : bool, default False
        Quote the blocking plateau, as :func:`binning_error` does for a mean: compute the
        jackknife error with 100, 50, 25 and 12 blocks (those at least ``2 tau`` long)
        and return the largest. The estimate is that of the most blocks. On short runs,
        and on runs whose fluctuations come in rare bursts (droplets, tunnelling), the
        error from one blocking is noisy and too often too small; the maximum over block
        lengths is the conservative plateau value. Not combinable with ``n_blocks``.

    Returns
    -------
    Stats
        ``mean`` is the bias-corrected estimate, ``error`` the jackknife error,
        ``tau_int`` is NaN and ``n`` the number of samples used per series
        (``n_blocks * L``).

    Warns
    -----
    RuntimeWarning
        If ``tau`` is known (given or estimated) and the blocks are shorter than
        ``5 tau`` (with ``plateau``: the longest blocks): the blocks are then correlated
        and the error underestimated. Also propagates the warning of
        :func:`integrated_autocorrelation_time` for series too short to estimate ``tau``.

    Raises
    ------
    TypeError
        If ``func`` is not callable, returns a non-scalar, or a series is not real.
    ValueError
        If no series is given, a series is invalid (not 1-D, fewer than 2 samples,
        NaN/inf), lengths differ, ``n_blocks``/``tau`` are out of range, or ``n_blocks``
        is given with ``plateau``.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.random.default_rng(0).normal(size=20_000)
    >>> var = jackknife(lambda a, b: b - a**2, e, e**2)
    >>> abs(var.mean - 1.0) < 5 * var.error
    True
    """
    arrays = _validate_jackknife(func, series)
    n = arrays[0].shape[0]
    if tau is not None:
        tau = _check_positive(tau, "tau")
    if plateau and n_blocks is not None:
        raise InputError(
            f"n_blocks={n_blocks} and plateau=True exclude each other: the plateau scans "
            "its own block counts",
            argument="n_blocks",
        )
    if n_blocks is None:
        if tau is None:
            tau = max(_sokal_window(a, 5.0, stacklevel=3)[0] for a in arrays)
        tau = max(tau, MIN_TAU)
        counts = _plateau_blocks(n, tau) if plateau else [_default_blocks(n, tau)]
    else:
        n_blocks = _check_int(n_blocks, "n_blocks", 2)
        if n_blocks > n:
            raise InputError(f"n_blocks must be <= the series length {n}, got {n_blocks}")
        counts = [n_blocks]

    length = n // min(counts)
    if tau is not None and length < JACKKNIFE_WARN_TAUS * tau:
        warnings.warn(
            f"jackknife blocks of {length} samples are shorter than "
            f"{JACKKNIFE_WARN_TAUS:g} tau_int (tau_int = {tau:.3g}); neighbouring blocks "
            f"are correlated and the error is likely underestimated. Use a longer run "
            f"(>= {int(JACKKNIFE_MIN_BLOCKS * JACKKNIFE_BLOCK_TAUS * tau)} samples) or "
            f"fewer blocks.",
            RuntimeWarning,
            stacklevel=2,
        )
    results = [_jackknife_blocks(func, arrays, c) for c in counts]
    estimate, _, used = results[0]
    error = max(r[1] for r in results)
    return Stats(mean=estimate, error=error, tau_int=math.nan, n=used)


# --------------------------------------------------------------------------------------
# Linearisation and the reliability of an error
# --------------------------------------------------------------------------------------


def influence_series(func: Callable[..., float], *series: ArrayLike) -> NDArray[np.float64]:
    """The linearised series of a function of means: ``sum_k df/dmu_k (x_k(t) - mu_k)``.

    Its mean is zero and its variance and autocorrelation are those that govern the
    error of ``func(<a>, <b>, ...)`` to first order (the delta method): the
    autocorrelation time of a heat capacity is that of ``(e - <e>)**2``, not of ``e``.
    Use it to choose blocks for :func:`jackknife` or to judge the error with
    :func:`error_uncertainty`.

    Parameters
    ----------
    func : callable
        As for :func:`jackknife`.
    *series : array_like, shape (n,)
        As for :func:`jackknife`.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The gradient at the full means is taken by central differences, with steps of
        ``1e-6`` times each series' spread (or mean, where constant).

    Raises
    ------
    TypeError, ValueError
        As for :func:`jackknife`.
    """
    arrays = _validate_jackknife(func, series)
    means = np.array([a.mean() for a in arrays])
    out = np.zeros(arrays[0].shape[0])
    for k, a in enumerate(arrays):
        scale = float(a.std()) or abs(float(means[k])) or 1.0
        step = 1e-6 * scale
        up, down = means.copy(), means.copy()
        up[k] += step
        down[k] -= step
        grad = (_scalar(func, up) - _scalar(func, down)) / (2.0 * step)
        out += grad * (a - means[k])
    return out


def error_uncertainty(x: ArrayLike, tau: float | None = None) -> float:
    """Relative standard error of the standard error of the mean of ``x``.

    The series is cut into the default :func:`jackknife` blocks (at least ``10 tau``
    long, 10 to 100 of them); with ``n_b`` blocks of sample excess kurtosis ``kappa``
    (taken as ``>= 0``), the variance of their sample variance is
    ``sigma^4 (kappa / n_b + 2 / (n_b - 1))``, so the error of the mean is itself
    uncertain by ::

        delta = 1/2 sqrt(kappa / n_b + 2 / (n_b - 1)).

    For Gaussian blocks this is ``1 / sqrt(2 (n_b - 1))``: 0.07 for 100 blocks, 0.24 for
    10. Fluctuations that come in rare bursts (tunnelling into an unfavoured state,
    large droplets) make the blocks heavy-tailed, and ``delta`` large: the error then
    hangs on how many bursts the run happened to see, and it is too small on the runs
    that saw fewer than their share. An error with ``delta`` above ~0.2 cannot be
    trusted; the run must be longer.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real time series with ``n >= 2`` finite samples (for a function of means, its
        :func:`influence_series`).
    tau : float, optional
        Integrated autocorrelation time in samples; estimated when ``None``.

    Returns
    -------
    float
        ``delta``; 0 for a constant series.

    Raises
    ------
    TypeError, ValueError
        On invalid ``x`` or ``tau``.
    """
    arr = _as_series(x, "x")
    if _is_constant(arr):
        return 0.0
    if tau is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            tau = _sokal_window(arr, 5.0, stacklevel=3)[0]
    tau = max(_check_positive(tau, "tau"), MIN_TAU)
    n = arr.shape[0]
    n_b = max(_default_blocks(n, tau), 2)
    length = n // n_b
    blocks = arr[n - n_b * length :].reshape(n_b, length).mean(axis=1)
    d = blocks - blocks.mean()
    var = float(np.mean(d * d))
    kappa = float(np.mean(d**4)) / (var * var) - 3.0 if var > 0.0 else 0.0
    return 0.5 * math.sqrt(max(kappa, 0.0) / n_b + 2.0 / (n_b - 1))
