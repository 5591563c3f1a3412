"""Forward passes through deep random networks, to check the mean-field theory.

:func:`simulate_random_network` draws many independent fully connected networks of width
``N`` and depth ``L`` (``W_ij ~ N(0, sigma_w2 / N)``, ``b_i ~ N(0, sigma_b2)``), sends
the same two inputs of length ``q0`` and correlation ``c0`` through each, and records at
every layer the lengths ``q^a_l, q^b_l`` of the two pre-activation vectors, their
correlation ``c_l``, and a histogram of the pre-activations. :func:`compare_with_theory`
sets the means over networks beside :meth:`MeanField.iterate`.

Random numbers
--------------
Every weight and bias is a Box-Muller normal (:func:`isingml.random.normal_pair`) of a
Philox4x32-10 block keyed by ``(seed, draw)``: row ``i`` of ``W^l`` takes blocks
``i * ceil(N / 4) + k`` (four weights each) of counter ``(step = l,
tag = TAG_RANDOM_NETWORK)``, and the biases of layer ``l`` blocks ``k`` of tag
``TAG_RANDOM_NETWORK + 1``. ``W^l`` is therefore
``random_normal(N * 4 * ceil(N / 4), seed, draw, l, TAG_RANDOM_NETWORK)`` reshaped to
rows of ``4 * ceil(N / 4)`` and cut to ``N`` columns (to the last bit where NumPy's and
the C library's logarithm, sine and cosine agree). The inputs come from tag
``TAG_RANDOM_NETWORK + 2`` (stream 0, step 0), made exactly of length ``q0`` and
correlation ``c0``. Each network is computed by one thread from its own counters, so the
results are the same bits whatever the number of threads.

Kernels
-------
The rows of ``W`` are generated on the fly, one row at a time into a scratch vector, and
never stored as a matrix; two multiply-adds per weight propagate both inputs at once. The
cost is that of the normals (a logarithm, a square root, a sine and a cosine per two
weights): about 17 ns per weight and thread on an AMD EPYC (Zen 4) core, of which the
Box-Muller transform takes 14; a network of width 1000 and depth 20 takes 0.35 s per
thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
from numba import prange

from isingml._numba import numba_threads
from isingml._progress import progress_bar
from isingml._validation import check_int
from isingml.errors import InputError, InputTypeError
from isingml.random import (
    TAG_RANDOM_NETWORK,
    normal_pair,
    philox_block,
    random_normal,
    validate_seed,
)
from isingml.theory.activations import DEFAULT_QUADRATURE_POINTS, ActivationLike, as_activation
from isingml.theory.signal import MeanField

__all__ = [
    "NetworkSimulation",
    "TheoryComparison",
    "compare_with_theory",
    "make_inputs",
    "simulate_random_network",
]

_TAG_WEIGHTS = TAG_RANDOM_NETWORK
_TAG_BIASES = TAG_RANDOM_NETWORK + 1
_TAG_INPUTS = TAG_RANDOM_NETWORK + 2
#: Integer codes of the named activations inside the kernels.
_CODES = {"tanh": 0, "relu": 1, "sigmoid": 2, "linear": 3, "erf": 4}
#: Histogram partial sums: draws are dealt round-robin to this many independent counts
#: (integers, so the total does not depend on how threads share them).
_HISTOGRAM_SLOTS = 64
#: Default histogram: this many bins over +/- _HISTOGRAM_RANGE standard deviations.
_DEFAULT_BINS = 60
_HISTOGRAM_RANGE = 5.0
_MAX_WIDTH = 131072  # row blocks i * ceil(N / 4) + k stay below 2**32


# --------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _preactivations(ya, yb, ha, hb, row, layer, width, w_scale, b_scale, seed, draw):
    """``h = W^layer y + b^layer`` for both inputs of one network.

    ``ya, yb, ha, hb, row`` : float64, shape ``(4 * ceil(width / 4),)``; the entries past
    ``width`` of ``ya, yb`` are zero, those of ``ha, hb`` are left at zero; ``row`` is
    scratch for one row of ``W`` (generating a row, then taking both dot products, is
    15 % faster than multiplying each block of four as it comes).
    """
    blocks = row.shape[0] // 4
    for i in range(width):
        base = i * blocks
        for k in range(blocks):
            r0, r1, r2, r3 = philox_block(base + k, layer, _TAG_WEIGHTS, seed, draw)
            row[4 * k], row[4 * k + 1] = normal_pair(r0, r1)
            row[4 * k + 2], row[4 * k + 3] = normal_pair(r2, r3)
        sa = 0.0
        sb = 0.0
        for j in range(row.shape[0]):
            sa += row[j] * ya[j]
            sb += row[j] * yb[j]
        ha[i] = w_scale * sa
        hb[i] = w_scale * sb
    if b_scale != 0.0:
        for k in range(blocks):
            r0, r1, r2, r3 = philox_block(k, layer, _TAG_BIASES, seed, draw)
            row[4 * k], row[4 * k + 1] = normal_pair(r0, r1)
            row[4 * k + 2], row[4 * k + 3] = normal_pair(r2, r3)
        for i in range(width):
            ha[i] += b_scale * row[i]
            hb[i] += b_scale * row[i]


@numba.njit(cache=True)
def _measure(ha, hb, width, edges, moments, counts):
    """``moments = (q^a, q^b, q^ab)`` of the first ``width`` entries; both vectors are
    added to ``counts`` (bins ``edges``, the last one closed)."""
    sa = 0.0
    sb = 0.0
    sab = 0.0
    last = edges.shape[0] - 1
    for i in range(width):
        sa += ha[i] * ha[i]
        sb += hb[i] * hb[i]
        sab += ha[i] * hb[i]
        for h in (ha[i], hb[i]):
            if edges[0] <= h <= edges[last]:
                b = np.searchsorted(edges, h, side="right") - 1
                counts[min(b, last - 1)] += 1
    moments[0] = sa / width
    moments[1] = sb / width
    moments[2] = sab / width


@numba.njit(inline="always")
def _activate(code, x):
    if code == 0:
        return np.tanh(x)
    if code == 1:
        return x if x > 0.0 else 0.0
    if code == 2:
        return 0.5 * (1.0 + np.tanh(0.5 * x))
    if code == 3:
        return x
    return math.erf(x)


@numba.njit(parallel=True, cache=True)
def _simulate_named(code, xa, xb, width, w_scale, b_scale, seed, edges, first, moments, counts):
    """All networks with a named activation (``code``, see ``_CODES``).

    ``xa, xb`` : float64, shape ``(4 * ceil(width / 4),)``, zero past ``width``;
    ``edges`` : float64, shape ``(depth, bins + 1)``; ``first`` : the number of the first
    network (its Philox stream); ``moments`` : float64, shape ``(draws, depth, 3)``,
    filled with ``(q^a, q^b, q^ab)``; ``counts`` : int64, shape ``(slots, depth, bins)``,
    added to (network ``d`` into slot ``d % slots``).
    """
    slots = counts.shape[0]
    draws, depth = moments.shape[0], moments.shape[1]
    for s in prange(slots):
        for d in range(s, draws, slots):
            ya = xa.copy()
            yb = xb.copy()
            ha = np.zeros_like(xa)
            hb = np.zeros_like(xa)
            row = np.empty_like(xa)
            for layer in range(depth):
                _preactivations(
                    ya, yb, ha, hb, row, layer + 1, width, w_scale, b_scale, seed, first + d
                )
                _measure(ha, hb, width, edges[layer], moments[d, layer], counts[s, layer])
                for i in range(width):
                    ya[i] = _activate(code, ha[i])
                    yb[i] = _activate(code, hb[i])


@numba.njit(parallel=True)
def _simulate_callable(fn, xa, xb, width, w_scale, b_scale, seed, edges, first, moments, counts):
    """As ``_simulate_named`` with a compiled activation ``fn`` (a Numba function of one
    float, passed as a first-class function: compiled for each function, not cached)."""
    slots = counts.shape[0]
    draws, depth = moments.shape[0], moments.shape[1]
    for s in prange(slots):
        for d in range(s, draws, slots):
            ya = xa.copy()
            yb = xb.copy()
            ha = np.zeros_like(xa)
            hb = np.zeros_like(xa)
            row = np.empty_like(xa)
            for layer in range(depth):
                _preactivations(
                    ya, yb, ha, hb, row, layer + 1, width, w_scale, b_scale, seed, first + d
                )
                _measure(ha, hb, width, edges[layer], moments[d, layer], counts[s, layer])
                for i in range(width):
                    ya[i] = fn(ha[i])
                    yb[i] = fn(hb[i])


# --------------------------------------------------------------------------------------
# Host side
# --------------------------------------------------------------------------------------


def _compile_callable(fn: Callable) -> Callable:
    """``fn`` compiled by Numba for a float64 argument, or a ``TypeError`` saying why not."""
    name = getattr(fn, "__name__", repr(fn))
    if isinstance(fn, np.ufunc):
        ufunc = fn

        def fn(x):
            return ufunc(x)

    try:
        jitted = fn if isinstance(fn, numba.core.registry.CPUDispatcher) else numba.njit(fn)
        value = jitted(0.5)
        float(value)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputTypeError(
            f"activation {name} could not be compiled by Numba for a float argument "
            f"({first}); use one of the named activations or a function of one float "
            "written with NumPy and math calls"
        ) from None
    return jitted


def make_inputs(width: int, q0: float, c0: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two inputs of length ``|x|^2 / N = q0`` and correlation exactly ``c0``.

    Parameters
    ----------
    width : int
        Input dimension ``N``.
    q0 : float
        Length, > 0.
    c0 : float
        Correlation in [-1, 1].
    seed : int
        Philox seed (tag ``TAG_RANDOM_NETWORK + 2``, stream 0, step 0).

    Returns
    -------
    xa, xb : ndarray, shape (width,)
    """
    z = random_normal(2 * width, seed, 0, 0, _TAG_INPUTS)
    u = z[:width] / np.linalg.norm(z[:width])
    if width == 1:
        e = np.zeros(1)
    else:
        e = z[width:] - (z[width:] @ u) * u
        e /= np.linalg.norm(e)
    scale = math.sqrt(q0 * width)
    return scale * u, scale * (c0 * u + math.sqrt(max(0.0, 1.0 - c0 * c0)) * e)


@dataclass
class NetworkSimulation:
    """Result of :func:`simulate_random_network`.

    Attributes
    ----------
    activation : str
        Name of the activation (a callable's ``__name__``).
    sigma_w2, sigma_b2, q0, c0 : float
    width, depth, draws, seed : int
    q_a, q_b, c : ndarray, shape (draws, depth)
        Per network: the lengths of the two inputs' pre-activations and their
        correlation; column ``l`` is layer ``l + 1``.
    hist_edges : ndarray, shape (depth, bins + 1)
    hist_counts : ndarray of int64, shape (depth, bins)
        Pre-activations of both inputs in each bin, summed over networks.
    seconds : float
        Wall time of the kernel.
    """

    activation: str
    sigma_w2: float
    sigma_b2: float
    width: int
    depth: int
    draws: int
    q0: float
    c0: float
    seed: int
    q_a: np.ndarray
    q_b: np.ndarray
    c: np.ndarray
    hist_edges: np.ndarray
    hist_counts: np.ndarray
    seconds: float
    _activation: object = field(default=None, repr=False, compare=False)

    def mean_field(self, quadrature_points: int = DEFAULT_QUADRATURE_POINTS) -> MeanField:
        """The mean-field theory of the simulated networks (same activation and variances)."""
        return MeanField(self._activation, self.sigma_w2, self.sigma_b2, quadrature_points)

    @property
    def layers(self) -> np.ndarray:
        """Layer numbers ``1 .. depth``."""
        return np.arange(1, self.depth + 1)

    @property
    def q_mean(self) -> np.ndarray:
        """Mean over networks of ``(q^a_l + q^b_l) / 2``, shape ``(depth,)``."""
        return (0.5 * (self.q_a + self.q_b)).mean(axis=0)

    @property
    def q_error(self) -> np.ndarray:
        """Standard error of :attr:`q_mean` (NaN for one network)."""
        return _standard_error(0.5 * (self.q_a + self.q_b))

    @property
    def c_mean(self) -> np.ndarray:
        """Mean over networks of ``c_l``, shape ``(depth,)``."""
        return self.c.mean(axis=0)

    @property
    def c_error(self) -> np.ndarray:
        """Standard error of :attr:`c_mean` (NaN for one network)."""
        return _standard_error(self.c)

    @property
    def weights_per_second(self) -> float:
        """Kernel speed: weights generated and applied (to both inputs) per second."""
        return self.draws * self.depth * self.width**2 / self.seconds

    def density(self) -> np.ndarray:
        """Histograms as probability densities (each layer integrates to the fraction of
        pre-activations inside its edges), shape ``(depth, bins)``."""
        total = 2 * self.draws * self.width
        return self.hist_counts / (total * np.diff(self.hist_edges, axis=1))

    def to_dict(self, per_draw: bool = False) -> dict:
        """Plain-Python form (for JSON): parameters, per-layer means and errors,
        histograms, and with ``per_draw`` the per-network arrays."""
        out = {
            key: getattr(self, key)
            for key in (
                "activation",
                "sigma_w2",
                "sigma_b2",
                "width",
                "depth",
                "draws",
                "q0",
                "c0",
                "seed",
                "seconds",
            )
        }
        out["weights_per_second"] = self.weights_per_second
        for key in ("layers", "q_mean", "q_error", "c_mean", "c_error"):
            out[key] = _json_list(getattr(self, key))
        out["hist_edges"] = self.hist_edges.tolist()
        out["hist_counts"] = self.hist_counts.tolist()
        if per_draw:
            for key in ("q_a", "q_b", "c"):
                out[key] = _json_list(getattr(self, key))
        return out


def _standard_error(x: np.ndarray) -> np.ndarray:
    if x.shape[0] < 2:
        return np.full(x.shape[1], np.nan)
    return x.std(axis=0, ddof=1) / math.sqrt(x.shape[0])


def _json_list(x: np.ndarray) -> list:
    return np.where(np.isfinite(x), x, None).tolist()


def _histogram_edges(bins, theory_q: np.ndarray) -> np.ndarray:
    depth = theory_q.size
    if bins is None or (isinstance(bins, (int, np.integer)) and not isinstance(bins, bool)):
        count = _DEFAULT_BINS if bins is None else check_int("bins", bins, minimum=1)
        scale = np.where(np.isfinite(theory_q) & (theory_q > 0), np.sqrt(theory_q), 1.0)
        unit = np.linspace(-_HISTOGRAM_RANGE, _HISTOGRAM_RANGE, count + 1)
        return scale[:, None] * unit[None, :]
    try:
        edges = np.asarray(bins, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"bins must be None, an integer or an array of edges, got {bins!r}"
        ) from None
    if (
        edges.ndim != 1
        or edges.size < 2
        or not np.isfinite(edges).all()
        or (np.diff(edges) <= 0).any()
    ):
        raise InputError(f"bins must be at least two finite increasing edges, got {bins!r}")
    return np.repeat(edges[None, :], depth, axis=0)


def _check_real(name: str, value: object, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    bad = not math.isfinite(value) or value < low or (high is not None and value > high)
    if bad:
        span = f"in [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise InputError(f"{name} must be a finite number {span}, got {value}")
    return value


def simulate_random_network(
    activation: ActivationLike,
    sigma_w2: float,
    sigma_b2: float,
    width: int,
    depth: int,
    draws: int = 32,
    q0: float = 1.0,
    c0: float = 0.5,
    seed: int = 0,
    bins: int | np.ndarray | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> NetworkSimulation:
    """Send two inputs through ``draws`` independent deep random networks.

    Parameters
    ----------
    activation : str or callable
        One of :data:`isingml.theory.ACTIVATIONS`, or a function of one float that Numba
        can compile (``numba.njit`` is applied to it; a NumPy ufunc such as ``np.sin``
        works too). A callable is compiled into its own (uncached) kernel.
    sigma_w2, sigma_b2 : float
        Weight variance times fan-in and bias variance, >= 0.
    width : int
        Units per layer ``N`` (the inputs have ``N`` components too), 1 .. 131072.
    depth : int
        Layers ``L`` >= 1.
    draws : int
        Independent networks, >= 1.
    q0 : float
        Length ``|x|^2 / N`` of both inputs, > 0.
    c0 : float
        Correlation of the inputs, in [-1, 1].
    seed : int
        Philox seed; network ``d`` draws its weights from stream ``d``.
    bins : int, array of float or None
        Histogram of the pre-activations: ``None`` for 60 bins over +/-5 standard
        deviations ``sqrt(q_l)`` of the mean-field theory at each layer, an integer for
        that many such bins, or an array of edges used at every layer.
    threads : int, optional
        Numba threads (default: all); the result does not depend on it.
    progress : bool
        Show a progress bar over the networks (run in batches of at least one per thread).

    Returns
    -------
    NetworkSimulation

    Examples
    --------
    >>> from isingml.theory import simulate_random_network
    >>> sim = simulate_random_network("tanh", 2.5, 0.05, width=64, depth=5, draws=4)
    >>> sim.q_a.shape, sim.hist_counts.shape
    ((4, 5), (5, 60))
    """
    act = as_activation(activation)
    sigma_w2 = _check_real("sigma_w2", sigma_w2, 0.0)
    sigma_b2 = _check_real("sigma_b2", sigma_b2, 0.0)
    width = check_int("width", width, minimum=1)
    if width > _MAX_WIDTH:
        raise InputError(f"width must be an integer <= {_MAX_WIDTH}, got {width}")
    depth = check_int("depth", depth, minimum=1)
    draws = check_int("draws", draws, minimum=1)
    if draws > 2**32:
        raise InputError(f"draws must be an integer <= 2**32, got {draws}")
    q0 = _check_real("q0", q0, 0.0)
    if q0 == 0.0:
        raise InputError(f"q0 must be a finite number > 0, got {q0}")
    c0 = _check_real("c0", c0, -1.0, 1.0)
    seed = validate_seed(seed)
    if threads is not None:
        threads = check_int("threads", threads, minimum=1)
    if not isinstance(progress, bool):
        raise InputTypeError(f"progress must be True or False, got {progress!r}")
    kernel, selector = _kernel_for(activation, act)

    with np.errstate(over="ignore", invalid="ignore"):
        theory_q, _ = MeanField(act, sigma_w2, sigma_b2).iterate(q0, c0, depth)
    edges = np.ascontiguousarray(_histogram_edges(bins, theory_q))
    padded = 4 * ((width + 3) // 4)
    xa, xb = (np.zeros(padded) for _ in range(2))
    xa[:width], xb[:width] = make_inputs(width, q0, c0, seed)
    moments = np.zeros((draws, depth, 3))
    counts = np.zeros((depth, edges.shape[1] - 1), dtype=np.int64)
    args = (xa, xb, width, math.sqrt(sigma_w2 / width), math.sqrt(sigma_b2), seed, edges)
    with numba_threads(threads), progress_bar(total=draws, progress=progress, unit="net") as bar:
        batch = max(numba.get_num_threads(), -(-draws // 20)) if progress else draws
        start = time.perf_counter()
        for low in range(0, draws, batch):
            high = min(draws, low + batch)
            slots = np.zeros((min(high - low, _HISTOGRAM_SLOTS), *counts.shape), np.int64)
            kernel(selector, *args, low, moments[low:high], slots)
            counts += slots.sum(axis=0)
            bar.update(high - low)
        seconds = time.perf_counter() - start
    with np.errstate(divide="ignore", invalid="ignore"):
        c = moments[:, :, 2] / np.sqrt(moments[:, :, 0] * moments[:, :, 1])
    return NetworkSimulation(
        activation=act.name,
        sigma_w2=sigma_w2,
        sigma_b2=sigma_b2,
        width=width,
        depth=depth,
        draws=draws,
        q0=q0,
        c0=c0,
        seed=seed,
        q_a=moments[:, :, 0],
        q_b=moments[:, :, 1],
        c=c,
        hist_edges=edges,
        hist_counts=counts,
        seconds=seconds,
        _activation=act,
    )


def _kernel_for(activation: object, act) -> tuple[Callable, object]:
    """The kernel and its first argument: the code of a named activation, or the
    compiled callable."""
    if isinstance(activation, str):
        return _simulate_named, _CODES[act.name]
    return _simulate_callable, _compile_callable(activation)


@dataclass
class TheoryComparison:
    """Simulated means beside the mean-field theory, per layer (from
    :func:`compare_with_theory`). Relative deviations are ``(sim - theory) / theory``;
    pulls are ``(sim - theory) / standard error``."""

    layers: np.ndarray
    q_theory: np.ndarray
    q_sim: np.ndarray
    q_error: np.ndarray
    c_theory: np.ndarray
    c_sim: np.ndarray
    c_error: np.ndarray

    @property
    def q_deviation(self) -> np.ndarray:
        """Relative deviation of the simulated length."""
        return (self.q_sim - self.q_theory) / self.q_theory

    @property
    def c_deviation(self) -> np.ndarray:
        """Relative deviation of the simulated correlation."""
        return (self.c_sim - self.c_theory) / self.c_theory

    @property
    def q_pull(self) -> np.ndarray:
        """Deviation of the length in standard errors."""
        return (self.q_sim - self.q_theory) / self.q_error

    @property
    def c_pull(self) -> np.ndarray:
        """Deviation of the correlation in standard errors."""
        return (self.c_sim - self.c_theory) / self.c_error

    def max_relative_deviation(self) -> float:
        """Largest ``|relative deviation|`` of ``q`` or ``c`` over the layers."""
        return float(max(np.max(np.abs(self.q_deviation)), np.max(np.abs(self.c_deviation))))

    def max_pull(self) -> float:
        """Largest ``|pull|`` of ``q`` or ``c`` over the layers."""
        return float(max(np.max(np.abs(self.q_pull)), np.max(np.abs(self.c_pull))))

    def to_dict(self) -> dict:
        """Plain-Python form (for JSON)."""
        out = {key: _json_list(np.asarray(value)) for key, value in vars(self).items()}
        for key in ("q_deviation", "c_deviation", "q_pull", "c_pull"):
            out[key] = _json_list(getattr(self, key))
        out["max_relative_deviation"] = self.max_relative_deviation()
        return out


def compare_with_theory(
    result: NetworkSimulation, mean_field: MeanField | None = None
) -> TheoryComparison:
    """The simulated ``q_l`` and ``c_l`` beside :meth:`MeanField.iterate` of the same
    activation, variances and inputs.

    Parameters
    ----------
    result : NetworkSimulation
    mean_field : MeanField, optional
        The theory to compare with (default: built from ``result``, with the default
        quadrature).

    Returns
    -------
    TheoryComparison
    """
    if not isinstance(result, NetworkSimulation):
        raise InputTypeError(f"result must be a NetworkSimulation, got {type(result).__name__}")
    if mean_field is None:
        mean_field = result.mean_field()
    with np.errstate(over="ignore", invalid="ignore"):
        q, c = mean_field.iterate(result.q0, result.c0, result.depth)
    return TheoryComparison(
        layers=result.layers,
        q_theory=q,
        q_sim=result.q_mean,
        q_error=result.q_error,
        c_theory=c,
        c_sim=result.c_mean,
        c_error=result.c_error,
    )
