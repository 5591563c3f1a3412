"""Mean-field theory of signal propagation through deep random networks.

A fully connected network of depth ``L`` maps an input ``y^0 = x`` through

    h^l = W^l y^(l-1) + b^l,     y^l = phi(h^l),     l = 1 .. L,

with independent weights ``W_ij ~ N(0, sigma_w2 / N_(l-1))`` and biases
``b_i ~ N(0, sigma_b2)``. For wide layers each pre-activation ``h_i^l`` is a sum of many
independent terms, hence Gaussian, and the whole forward pass reduces to two maps of a few
numbers (Poole et al. 2016):

* the **length map** of ``q^l = (1/N) sum_i (h_i^l)^2``,
  ``q^(l+1) = sigma_w2 E_z[phi(sqrt(q^l) z)^2] + sigma_b2``, starting from
  ``q^1 = sigma_w2 |x|^2 / N_0 + sigma_b2``;
* the **correlation map** of two inputs of the same length ``q``,
  ``c^(l+1) = (sigma_w2 E[phi(u_1) phi(u_2)] + sigma_b2) / q^(l+1)``, where ``u_1, u_2``
  are Gaussian with variance ``q`` and correlation ``c^l``.

Iterated, the length flows to a fixed point ``q*`` and the correlation to a fixed point
``c*``. The slope of the correlation map at ``c = 1``,
``chi_1 = sigma_w2 E[phi'(sqrt(q*) z)^2]``, separates an **ordered** phase (``chi_1 < 1``:
``c* = 1``, every two inputs end up aligned) from a **chaotic** one (``chi_1 > 1``:
``c* < 1``, nearby inputs decorrelate). Perturbations of ``q`` and ``c`` around the fixed
point decay as ``exp(-l / xi)`` with the depth scales (Schoenholz et al. 2017)

    xi_q = -1 / ln(sigma_w2 d/dq E[phi(sqrt(q) z)^2] at q*),
    xi_c = -1 / ln(chi_c),   chi_c = sigma_w2 E[phi'(u_1) phi'(u_2)] at (q*, c*),

and ``xi_c`` diverges on the critical line ``chi_1 = 1``: only there can signals cross
arbitrarily many layers, which is why networks much deeper than ``xi_c`` do not train.

Gaussian expectations are computed by Gauss-Hermite quadrature (probabilists' rule,
:func:`numpy.polynomial.hermite_e.hermegauss`), in one dimension for the length map and
by a product rule in two for the correlation map, except where closed forms exist: ReLU
(``E[relu(u)^2] = q / 2`` and the arc-cosine kernel), the identity, and ``erf``.

References
----------
.. [1] B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein and S. Ganguli, "Exponential
   expressivity in deep neural networks through transient chaos", NeurIPS (2016).
.. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli and J. Sohl-Dickstein, "Deep information
   propagation", ICLR (2017).
.. [3] Y. Cho and L. K. Saul, "Kernel methods for deep learning", NeurIPS (2009): the
   arc-cosine kernel of the ReLU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from isingml._validation import check_int
from isingml.errors import InputError, InputTypeError
from isingml.theory.activations import (
    ACTIVATIONS,
    DEFAULT_QUADRATURE_POINTS,
    ActivationLike,
    GaussHermiteRule,
    as_activation,
)

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_QUADRATURE_POINTS",
    "MeanField",
    "PhaseDiagram",
    "critical_sigma_w2",
    "phase_diagram",
]

#: ``|chi_1 - 1|`` below this counts as the critical line.
CRITICAL_TOLERANCE = 1e-12

_Q_MAX = 1e15  # a length map that is still growing here has no fixed point (q* = inf)
_Q_MIN = 1e-12  # without bias, a length map still shrinking here flows to q* = 0
_DELTA_MIN = 1e-13  # 1 - c closer to 0 than this is c = 1
_LINE_POINTS = 64  # points of the critical line drawn with a phase diagram


# --------------------------------------------------------------------------------------
# Fixed points and slopes, vectorised over (sigma_w2, sigma_b2) points
# --------------------------------------------------------------------------------------


def _length_gap(act, rule, sw, sb, q):
    """``length_map(q) - q``."""
    return sw * act.second_moment(q, rule) + sb - q


def _bisect(f, lo, hi, f_lo, iterations=64):
    """Vectorised bisection of ``f`` between ``lo`` and ``hi`` (``f`` of one sign at
    ``lo``, given by ``f_lo``, and of the other at ``hi``)."""
    lo, hi = lo.copy(), hi.copy()
    sign_lo = np.sign(f_lo)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        same = np.sign(f(mid)) == sign_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def _q_star(act, rule, sw, sb):
    """The fixed point of the length map reached from ``q = 1``: the first root above 1
    if the map grows there, the first root below 1 if it shrinks (0 if it shrinks to 0),
    ``inf`` if it grows without bound; where every ``q`` is fixed, 1."""
    sw, sb = np.broadcast_arrays(np.asarray(sw, float), np.asarray(sb, float))
    if act.homogeneous:  # q' = sw m q + sb with m = E[phi(z)^2]: solved in closed form
        m = act.second_moment(np.ones(1), rule)[0]
        gain = sw * m
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(gain < 1.0, sb / (1.0 - gain), np.inf)
        return np.where((gain == 1.0) & (sb == 0.0), 1.0, out)
    out = np.full(sw.shape, np.nan)
    gap1 = _length_gap(act, rule, sw, sb, np.ones(sw.shape))
    out[gap1 == 0] = 1.0
    for direction in (+1, -1):
        todo = np.flatnonzero(direction * gap1 > 0)
        if todo.size == 0:
            continue
        s, b = sw.ravel()[todo], sb.ravel()[todo]
        near = np.ones(todo.size)  # last point on the growing (shrinking) side
        far = np.full(todo.size, np.nan)  # first point past the root
        open_ = np.ones(todo.size, dtype=bool)
        q = np.ones(todo.size)
        factor = 8.0 if direction > 0 else 1.0 / 8.0
        # With a bias the map grows below q = sigma_b2, so the search stops there; without
        # one, below _Q_MIN the gap is rounding error and q* = 0 (an error < 1e-12).
        floor = np.where(b > 0, np.minimum(_Q_MIN, b / 16.0), _Q_MIN)
        while open_.any():
            q = np.where(open_, q * factor, q)
            gap = _length_gap(act, rule, s, b, q)
            crossed = open_ & (direction * gap <= 0)
            far = np.where(crossed, q, far)
            near = np.where(open_ & ~crossed, q, near)
            open_ &= ~crossed
            limit = q > _Q_MAX if direction > 0 else q < floor
            open_ &= ~limit
        found = np.isfinite(far)
        result = np.full(todo.size, np.inf if direction > 0 else 0.0)
        if found.any():
            i = np.flatnonzero(found)
            result[i] = _bisect(
                lambda x, i=i, s=s, b=b: _length_gap(act, rule, s[i], b[i], x),
                near[i],
                far[i],
                np.full(i.size, float(direction)),
            )
        out.ravel()[todo] = result
    return out


def _effective_length(act, q, sb):
    """Where ``q* = inf``, a homogeneous activation's correlation map is its ``q -> inf``
    limit: ``q = 1`` without bias. Other activations have none (NaN)."""
    infinite = np.isinf(q)
    if act.homogeneous:
        return np.where(infinite, 1.0, q), np.where(infinite, 0.0, sb)
    return np.where(infinite, np.nan, q), sb


def _one_minus_next_c(act, rule, sw, sb, q, delta):
    """``1 - c'`` for correlation ``c = 1 - delta`` at length ``q``:
    ``sigma_w2 E[(phi_1 - phi_2)^2] / 2 / (sigma_w2 E[phi^2] + sigma_b2)``, exact to
    rounding as ``c -> 1``. At ``q = 0`` without bias the map is the identity."""
    same, _, half_difference = act.pair(q, delta, rule)
    denominator = sw * same + sb
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, sw * half_difference / denominator, delta)


def _illinois(f, a, b, fa, fb, tol, iterations=80):
    """Vectorised regula falsi with the Illinois modification: a root of ``f(x, idx)`` (the
    points ``idx`` at ``x``) between ``a`` and ``b``, where ``fa`` and ``fb`` have opposite
    signs; stops where the bracket is narrower than ``tol`` or ``f`` vanishes."""
    a, b, fa, fb = (np.array(v, dtype=float) for v in (a, b, fa, fb))
    x = 0.5 * (a + b)
    last = np.zeros(a.size, dtype=int)  # +1: b was replaced last, -1: a was
    active = np.ones(a.size, dtype=bool)
    for _ in range(iterations):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        new = (a[idx] * fb[idx] - b[idx] * fa[idx]) / (fb[idx] - fa[idx])
        value = f(new, idx)
        x[idx] = new
        like_b = np.sign(value) == np.sign(fb[idx])
        ib, ia = idx[like_b], idx[~like_b]
        fa[ib] = np.where(last[ib] == 1, 0.5 * fa[ib], fa[ib])
        b[ib], fb[ib], last[ib] = new[like_b], value[like_b], 1
        fb[ia] = np.where(last[ia] == -1, 0.5 * fb[ia], fb[ia])
        a[ia], fa[ia], last[ia] = new[~like_b], value[~like_b], -1
        done = (value == 0) | (np.abs(b[idx] - a[idx]) <= tol)
        active[idx[done]] = False
    return x


def _c_star_delta(act, rule, sw, sb, q):
    """``1 - c*`` for chaotic points (``chi_1 > 1``, finite effective ``q``): the stable
    fixed point of the correlation map nearest to ``c = -1``, found by scanning
    ``c = 1 - delta`` upward from -1 and refining the bracket in ``log delta``."""
    n = sw.size

    def gap(d, idx):  # c' - c at c = 1 - d: positive below the stable root, negative above
        return d - _one_minus_next_c(act, rule, sw[idx], sb[idx], q[idx], d)

    scan = np.concatenate([[1.75, 1.5, 1.25], 2.0 ** -np.arange(0, 44, 2.0)])
    scan = scan[scan >= _DELTA_MIN]
    upper, g_upper = np.full(n, 2.0), gap(np.full(n, 2.0), np.arange(n))  # >= 0 at c = -1
    lower, g_lower = np.full(n, np.nan), np.full(n, np.nan)  # first delta past the root
    open_ = np.ones(n, dtype=bool)
    for d in scan:
        idx = np.flatnonzero(open_)
        if idx.size == 0:
            break
        g = gap(np.full(idx.size, d), idx)
        negative = g < 0
        lower[idx[negative]], g_lower[idx[negative]] = d, g[negative]
        upper[idx[~negative]], g_upper[idx[~negative]] = d, g[~negative]
        open_[idx[negative]] = False
    out = 0.5 * upper  # where no delta down to _DELTA_MIN was past the root: c* ~ 1
    idx = np.flatnonzero(~np.isnan(lower))
    exact = idx[g_upper[idx] == 0]
    out[exact] = upper[exact]
    idx = idx[g_upper[idx] > 0]
    if idx.size:
        log_root = _illinois(
            lambda x, i: gap(np.exp(x), idx[i]),
            np.log(upper[idx]),
            np.log(lower[idx]),
            g_upper[idx],
            g_lower[idx],
            tol=1e-14,
        )
        out[idx] = np.exp(log_root)
    return out


def _depth_scale(chi: np.ndarray) -> np.ndarray:
    """``-1 / ln(chi)`` for ``0 <= chi < 1``; ``inf`` where ``chi >= 1``."""
    chi = np.asarray(chi, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = -1.0 / np.log(chi)
    return np.where(chi >= 1.0, np.inf, xi)


@dataclass
class _Point:
    """Everything at a set of (sigma_w2, sigma_b2) points, computed together."""

    q_star: np.ndarray
    chi_1: np.ndarray
    c_star: np.ndarray
    one_minus_c_star: np.ndarray
    chi_c: np.ndarray
    length_slope: np.ndarray


def _chi_1(act, rule, sw, q):
    """``sigma_w2 E[phi'(sqrt(q) z)^2]`` (NaN where ``q`` has no effective value)."""
    q_eff = _effective_length(act, q, np.zeros_like(q))[0]
    chi = sw * act.derivative_moment(np.where(np.isnan(q_eff), 1.0, q_eff), rule)
    return np.where(np.isnan(q_eff), np.nan, chi)


def _solve(act, rule, sw, sb) -> _Point:
    sw, sb = np.broadcast_arrays(np.asarray(sw, float), np.asarray(sb, float))
    sw, sb = sw.ravel(), sb.ravel()
    q = _q_star(act, rule, sw, sb)
    chi_1 = _chi_1(act, rule, sw, q)
    q_eff, sb_eff = _effective_length(act, q, sb)
    delta = np.where(np.isnan(q_eff), np.nan, 0.0)
    chaotic = np.flatnonzero(chi_1 > 1.0 + CRITICAL_TOLERANCE)
    if chaotic.size and not act.homogeneous:
        delta[chaotic] = _c_star_delta(act, rule, sw[chaotic], sb_eff[chaotic], q_eff[chaotic])
    # The correlation map of a homogeneous activation has c* = 1 (its slope there is 1
    # when q* = inf); finite q* with chi_1 > 1 does not occur for it.
    chi_c = chi_1.copy()
    moved = np.flatnonzero(delta > 0)
    if moved.size:
        chi_c[moved] = sw[moved] * act.derivative_pair(q_eff[moved], delta[moved], rule)
    safe_q = np.where(np.isfinite(q), q, 1.0)
    slope = sw * act.second_moment_slope(safe_q, rule)
    slope = np.where(np.isfinite(q), slope, np.inf)
    return _Point(q, chi_1, 1.0 - delta, delta, chi_c, slope)


def _phase_of(chi_1: float) -> str:
    if not math.isfinite(chi_1):
        return "unbounded"
    if abs(chi_1 - 1.0) <= CRITICAL_TOLERANCE:
        return "critical"
    return "ordered" if chi_1 < 1.0 else "chaotic"


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _check_variance(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"{name} must be a real number >= 0, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0.0):
        raise InputError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _check_variances(name: str, values: ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be real numbers >= 0, got {values!r}") from None
    if not (np.isfinite(array).all() and (array >= 0).all()):
        raise InputError(f"{name} must be finite numbers >= 0, got {values!r}")
    return array


def _check_points(value: object) -> int:
    return check_int("quadrature_points", value, minimum=8)


class MeanField:
    """Mean-field signal propagation through a deep random network with one activation.

    Parameters
    ----------
    activation : str or callable
        One of :data:`ACTIVATIONS` (``"tanh"``, ``"relu"``, ``"sigmoid"``, ``"linear"``,
        ``"erf"``), or a vectorised function of a float array (``np.sin``,
        ``lambda x: np.maximum(x, 0.1 * x)``).
    sigma_w2 : float
        Weight variance times fan-in, ``W_ij ~ N(0, sigma_w2 / N)``; >= 0.
    sigma_b2 : float
        Bias variance, >= 0.
    quadrature_points : int
        Gauss-Hermite nodes per dimension (see :data:`DEFAULT_QUADRATURE_POINTS`).
    derivative : callable, optional
        ``phi'`` of a callable activation (central differences otherwise).

    Attributes
    ----------
    activation_name : str
    sigma_w2, sigma_b2 : float
    quadrature_points : int

    Notes
    -----
    ``q_star`` is the fixed point that the length map reaches from ``q = 1``; it is
    ``inf`` where the map grows without bound (ReLU with ``sigma_w2 > 2``, or
    ``sigma_w2 = 2`` and ``sigma_b2 > 0``), and 1 where every length is fixed (ReLU at
    ``sigma_w2 = 2``, ``sigma_b2 = 0``; the identity at ``sigma_w2 = 1``, ``sigma_b2 = 0``).
    For ReLU and the identity, whose maps only scale with ``q``, the correlation quantities
    at ``q* = inf`` are those of the limit ``q -> inf``; for a callable without a fixed
    point they are NaN and ``phase`` is ``"unbounded"``.

    Examples
    --------
    >>> from isingml.theory import MeanField
    >>> mf = MeanField("tanh", sigma_w2=2.5, sigma_b2=0.05)
    >>> mf.phase, round(mf.c_star, 4) < 1
    ('chaotic', True)
    >>> MeanField("relu", 2.0, 0.0).chi_1
    1.0
    """

    def __init__(
        self,
        activation: ActivationLike,
        sigma_w2: float,
        sigma_b2: float,
        quadrature_points: int = DEFAULT_QUADRATURE_POINTS,
        derivative: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self._activation = as_activation(activation, derivative)
        self.activation_name = self._activation.name
        self.sigma_w2 = _check_variance("sigma_w2", sigma_w2)
        self.sigma_b2 = _check_variance("sigma_b2", sigma_b2)
        self.quadrature_points = _check_points(quadrature_points)
        self._rule = GaussHermiteRule(self.quadrature_points)

    def __repr__(self) -> str:
        return (
            f"MeanField({self.activation_name!r}, sigma_w2={self.sigma_w2:g}, "
            f"sigma_b2={self.sigma_b2:g})"
        )

    @cached_property
    def _point(self) -> _Point:
        return _solve(self._activation, self._rule, self.sigma_w2, self.sigma_b2)

    @property
    def q_star(self) -> float:
        """Fixed point of the length map (``inf`` where there is none)."""
        return float(self._point.q_star[0])

    @property
    def c_star(self) -> float:
        """Stable fixed point of the correlation map at ``q*``: 1 in the ordered phase and
        on the critical line, < 1 in the chaotic phase."""
        return float(self._point.c_star[0])

    @property
    def chi_1(self) -> float:
        """``sigma_w2 E[phi'(sqrt(q*) z)^2]``, the slope of the correlation map at
        ``c = 1``; 1 on the order-to-chaos boundary."""
        return float(self._point.chi_1[0])

    @property
    def chi_c(self) -> float:
        """``sigma_w2 E[phi'(u_1) phi'(u_2)]`` at ``(q*, c*)``, the slope of the
        correlation map at its fixed point (``chi_1`` when ``c* = 1``)."""
        return float(self._point.chi_c[0])

    @property
    def xi_q(self) -> float:
        """Depth scale of the length, ``-1 / ln(slope of the length map at q*)``
        (``inf`` where ``q* = inf`` or the slope is 1)."""
        return float(_depth_scale(self._point.length_slope)[0])

    @property
    def xi_c(self) -> float:
        """Depth scale of the correlation, ``-1 / ln(chi_c)``; diverges on the critical
        line (``inf`` there)."""
        return float(_depth_scale(self._point.chi_c)[0])

    @property
    def phase(self) -> str:
        """``"ordered"`` (``chi_1 < 1``), ``"chaotic"`` (``chi_1 > 1``), ``"critical"``
        (``|chi_1 - 1| <= 1e-12``), or ``"unbounded"`` (a callable activation whose length
        map has no fixed point, so that ``chi_1`` is undefined)."""
        return _phase_of(self.chi_1)

    def length_map(self, q: ArrayLike) -> np.ndarray | float:
        """``sigma_w2 E[phi(sqrt(q) z)^2] + sigma_b2``.

        Parameters
        ----------
        q : float or array of float
            Lengths >= 0.

        Returns
        -------
        float or ndarray
            The next layer's length, with the shape of ``q``.
        """
        array = _check_variances("q", q)
        out = self.sigma_w2 * self._activation.second_moment(array, self._rule) + self.sigma_b2
        return float(out) if np.ndim(q) == 0 else out

    def correlation_map(self, c: ArrayLike, q: float | None = None) -> np.ndarray | float:
        """The next layer's correlation of two inputs of length ``q`` and correlation
        ``c``, ``(sigma_w2 E[phi(u_1) phi(u_2)] + sigma_b2) / length_map(q)``.

        Parameters
        ----------
        c : float or array of float
            Correlations in [-1, 1].
        q : float, optional
            Length of both inputs (default ``q*``; where ``q* = inf``, the ``q -> inf``
            limit of a ReLU or linear network).

        Returns
        -------
        float or ndarray
            With the shape of ``c``.
        """
        array = _check_correlation("c", c)
        if q is None:
            q_eff, sb = _effective_length(
                self._activation, np.array([self.q_star]), np.array([self.sigma_b2])
            )
            if np.isnan(q_eff[0]):
                raise InputError(
                    f"q must be given: the length map of {self.activation_name} has no "
                    "fixed point (q* = inf)"
                )
            length, bias = float(q_eff[0]), float(sb[0])
        else:
            length, bias = _check_variance("q", q), self.sigma_b2
        out = 1.0 - _one_minus_next_c(
            self._activation, self._rule, self.sigma_w2, bias, length, 1.0 - array
        )
        return float(out) if np.ndim(c) == 0 else out

    def iterate(self, q0: float, c0: float, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Length and correlation of the pre-activations at layers ``1 .. depth``.

        Parameters
        ----------
        q0 : float
            Length ``|x|^2 / N_0`` of both inputs, > 0.
        c0 : float
            Their correlation ``x^a . x^b / |x^a| |x^b|``, in [-1, 1].
        depth : int
            Number of layers, >= 1.

        Returns
        -------
        q : ndarray, shape (depth,)
            ``q^l``, with ``q^1 = sigma_w2 q0 + sigma_b2``.
        c : ndarray, shape (depth,)
            ``c^l``.
        """
        q0 = _check_variance("q0", q0)
        if q0 == 0.0:
            raise InputError(f"q0 must be a finite number > 0, got {q0}")
        c0 = float(_check_correlation("c0", c0))
        depth = check_int("depth", depth, minimum=1)
        act, rule, sw, sb = self._activation, self._rule, self.sigma_w2, self.sigma_b2
        q = np.empty(depth)
        delta = np.empty(depth)
        q[0] = sw * q0 + sb
        delta[0] = sw * q0 * (1.0 - c0) / q[0] if q[0] > 0 else 1.0 - c0
        for layer in range(1, depth):
            with np.errstate(over="ignore", invalid="ignore"):
                q[layer] = sw * act.second_moment(q[layer - 1], rule) + sb
                delta[layer] = _one_minus_next_c(act, rule, sw, sb, q[layer - 1], delta[layer - 1])
        return q, 1.0 - delta


def _check_correlation(name: str, value: ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a correlation in [-1, 1], got {value!r}") from None
    if not (np.isfinite(array).all() and (np.abs(array) <= 1.0).all()):
        raise InputError(f"{name} must be a correlation in [-1, 1], got {value!r}")
    return array


def critical_sigma_w2(
    activation: ActivationLike,
    sigma_b2: ArrayLike = 0.0,
    quadrature_points: int = DEFAULT_QUADRATURE_POINTS,
) -> np.ndarray | float:
    """The weight variance on the order-to-chaos boundary, ``chi_1(sigma_w2) = 1``, with
    ``q*`` following ``sigma_w2``.

    Parameters
    ----------
    activation : str or callable
        As in :class:`MeanField`.
    sigma_b2 : float or array of float
        Bias variances >= 0.
    quadrature_points : int
        Gauss-Hermite nodes.

    Returns
    -------
    float or ndarray
        With the shape of ``sigma_b2``; NaN where ``chi_1 <= 1`` up to ``sigma_w2 = 2**40``.
        Exactly 2 for ReLU (He initialisation) and 1 for the identity at every
        ``sigma_b2``; ``1 / phi'(0)^2`` without bias for an odd activation that saturates
        (1 for tanh, pi / 4 for erf), to about 1e-14.

    Examples
    --------
    >>> from isingml.theory import critical_sigma_w2
    >>> round(float(critical_sigma_w2("tanh", 0.0)), 12), float(critical_sigma_w2("relu", 0.3))
    (1.0, 2.0)
    """
    act = as_activation(activation)
    rule = GaussHermiteRule(_check_points(quadrature_points))
    sb = _check_variances("sigma_b2", sigma_b2)
    flat = sb.ravel()
    if act.homogeneous:  # chi_1 = sigma_w2 E[phi'(z)^2] whatever q*
        out = np.full(flat.shape, 1.0 / act.derivative_moment(np.ones(1), rule)[0])
    else:
        out = _critical_by_bisection(act, rule, flat)
    return float(out[0]) if sb.ndim == 0 else out.reshape(sb.shape)


def _critical_by_bisection(act, rule, sb):
    # chi_1 - 1 may touch zero quadratically from above (tanh without bias: 1 + eps^2 / 3
    # at sigma_w2 = 1 + eps), so the sign is taken 1e-14 below 1: the root is then found to
    # about 1e-14 where the rounding error of chi_1 would otherwise leave 1e-8.
    def excess(sw):
        return _chi_1(act, rule, sw, _q_star(act, rule, sw, sb)) - (1.0 - 1e-14)

    hi = np.ones(sb.shape)
    for _ in range(40):  # double until chaotic
        below = excess(hi) <= 0
        if not below.any():
            break
        hi = np.where(below, 2.0 * hi, hi)
    found = excess(hi) > 0
    lo = np.zeros(sb.shape)
    root = _bisect(excess, lo, hi, np.full(sb.shape, -1.0), iterations=64)
    return np.where(found, root, np.nan)


@dataclass
class PhaseDiagram:
    """Mean-field quantities on a grid of ``(sigma_b2, sigma_w2)``, from
    :func:`phase_diagram`. Grids are indexed ``[i_b, i_w]`` (rows: bias variance);
    ``critical_sigma_w2`` is the critical line at each ``sigma_b2`` of the grid, and
    ``(line_sigma_w2, line_sigma_b2)`` the same line on a finer, quadratically spaced
    ``sigma_b2`` grid (it rises steeply from ``sigma_b2 = 0``), for drawing."""

    activation: str
    sigma_w2: np.ndarray
    sigma_b2: np.ndarray
    q_star: np.ndarray
    c_star: np.ndarray
    chi_1: np.ndarray
    chi_c: np.ndarray
    xi_q: np.ndarray
    xi_c: np.ndarray
    critical_sigma_w2: np.ndarray
    line_sigma_b2: np.ndarray
    line_sigma_w2: np.ndarray

    def phases(self) -> np.ndarray:
        """``"ordered"``, ``"critical"``, ``"chaotic"`` or ``"unbounded"`` per grid point."""
        return np.vectorize(_phase_of, otypes=[object])(self.chi_1)

    def to_dict(self) -> dict:
        """Plain-Python form (for JSON; infinities and NaN become ``None``)."""
        out = {}
        for key, value in vars(self).items():
            if isinstance(value, np.ndarray):
                out[key] = np.where(np.isfinite(value), value, None).tolist()
            else:
                out[key] = value
        return out


def phase_diagram(
    activation: ActivationLike,
    sigma_w2_grid: ArrayLike,
    sigma_b2_grid: ArrayLike,
    quadrature_points: int = DEFAULT_QUADRATURE_POINTS,
) -> PhaseDiagram:
    """``chi_1``, ``xi_c`` and the fixed points on a ``(sigma_w2, sigma_b2)`` grid, and the
    critical ``sigma_w2`` of every ``sigma_b2``.

    Parameters
    ----------
    activation : str or callable
        As in :class:`MeanField`.
    sigma_w2_grid, sigma_b2_grid : array of float
        One-dimensional grids of variances >= 0.
    quadrature_points : int
        Gauss-Hermite nodes per dimension.

    Returns
    -------
    PhaseDiagram
        Arrays of shape ``(len(sigma_b2_grid), len(sigma_w2_grid))``.
    """
    act = as_activation(activation)
    points = _check_points(quadrature_points)
    rule = GaussHermiteRule(points)
    sw = np.atleast_1d(_check_variances("sigma_w2_grid", sigma_w2_grid)).ravel()
    sb = np.atleast_1d(_check_variances("sigma_b2_grid", sigma_b2_grid)).ravel()
    if sw.size == 0 or sb.size == 0:
        raise InputError("sigma_w2_grid and sigma_b2_grid must not be empty")
    W, B = np.meshgrid(sw, sb)
    point = _solve(act, rule, W, B)
    shape = W.shape
    line_sb = sb.min() + (sb.max() - sb.min()) * np.linspace(0.0, 1.0, _LINE_POINTS) ** 2
    return PhaseDiagram(
        activation=act.name,
        sigma_w2=sw,
        sigma_b2=sb,
        q_star=point.q_star.reshape(shape),
        c_star=point.c_star.reshape(shape),
        chi_1=point.chi_1.reshape(shape),
        chi_c=point.chi_c.reshape(shape),
        xi_q=_depth_scale(point.length_slope).reshape(shape),
        xi_c=_depth_scale(point.chi_c).reshape(shape),
        critical_sigma_w2=np.atleast_1d(critical_sigma_w2(act, sb, points)),
        line_sigma_b2=line_sb,
        line_sigma_w2=np.atleast_1d(critical_sigma_w2(act, line_sb, points)),
    )
