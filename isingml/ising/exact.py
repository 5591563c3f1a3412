"""Exact results for the two-dimensional square-lattice Ising model.

The model is ``H = -J sum_<ij> s_i s_j - h sum_i s_i`` with ``s_i = +-1`` on an ``L x L``
periodic lattice (a torus of ``N = L**2`` spins and ``2 N`` bonds, every bond counted once).
Temperatures are in units of ``J / k_B`` with ``k_B = 1``; ``beta = 1 / T`` and
``K = beta |J|`` is the reduced coupling.

What is here:

* the infinite lattice: the critical temperature, Onsager's internal energy and heat
  capacity, and Yang's spontaneous magnetization;
* the finite ``L x L`` torus at ``h = 0``: Kaufman's (1949) exact partition function and
  its analytic temperature derivatives (energy, heat capacity, free energy), stable for
  ``L`` up to a few thousand;
* at high temperature (``T >= 1000 |J|`` for the torus, ``T >= 50 |J|`` for the infinite
  lattice) the high-temperature (loop) expansion in ``tanh K`` instead, whose neglected
  terms are below rounding there, so that every function keeps its full accuracy up to
  the largest float temperature (``u -> -2 |J| K``, ``C -> 2 K^2``, ``f -> -T ln 2``);
* exact enumeration of all ``2**(L*L)`` states for ``L <= 4``, at any field ``h``;
* mean-field theory, ``m = tanh(beta (J q m + h))``: every real root with its stability.

The complete elliptic integrals are computed with the arithmetic-geometric mean, so the
module needs only numpy.

For ``J < 0`` at ``h = 0`` the square lattice is bipartite, and flipping every spin of one
sublattice maps the antiferromagnet onto the ferromagnet with coupling ``|J|``: the energy,
heat capacity and partition function are those of ``|J|``, and the order parameter is the
staggered magnetization. All the ``h = 0`` functions below use this.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from isingml._validation import check_finite, check_int, check_lattice_size
from isingml.errors import InputError, InputTypeError

__all__ = [
    "T_C",
    "EnumerationResult",
    "MeanFieldSolution",
    "critical_temperature",
    "elliptic_e",
    "elliptic_k",
    "enumerate_lattice",
    "finite_lattice_energy",
    "finite_lattice_free_energy",
    "finite_lattice_heat_capacity",
    "finite_lattice_log_partition",
    "mean_field_critical_temperature",
    "mean_field_free_energy",
    "mean_field_magnetization",
    "onsager_energy",
    "onsager_heat_capacity",
    "spontaneous_magnetization",
]

_LN_1P_SQRT2 = math.log1p(math.sqrt(2.0))

T_C: float = 2.0 / _LN_1P_SQRT2
"""Onsager's critical temperature of the ferromagnet, ``2 / ln(1 + sqrt 2)`` in units of J."""

# Largest reduced coupling K = |J| / T for which sinh(2 K) stays finite in float64.
_K_MAX = 350.0

#: ``ln P / N = sum_n a_n t^n`` of the infinite square lattice, the high-temperature series
#: of ``ln Z / N - ln 2 - 2 ln cosh K`` in ``t = tanh K`` (Domb 1960), through ``t^14``.
_INFINITE_SERIES = {4: 1.0, 6: 2.0, 8: 4.5, 10: 12.0, 12: 112.0 / 3.0, 14: 130.0}
#: Reduced coupling at and below which Onsager's functions use :data:`_INFINITE_SERIES`
#: (its first neglected term is below 1e-20 relative there; the elliptic-integral forms
#: lose digits as ``3e-17 / K^2``).
_K_SERIES_INFINITE = 0.02

# Largest side handled by exact enumeration (2**16 states at L = 4).
_L_ENUM_MAX = 4


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------


def _check_temperature(T: object, name: str = "T") -> tuple[np.ndarray, bool]:
    """Return ``T`` as a float64 array and whether it was a scalar; all finite and > 0."""
    if isinstance(T, (str, bytes)) or T is None:
        raise InputTypeError(f"{name} must be a real number or an array of them, got {T!r}")
    try:
        arr = np.asarray(T, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{name} must be a real number or an array of them, got {T!r}"
        ) from None
    if np.iscomplexobj(np.asarray(T)):
        raise InputTypeError(f"{name} must be real, got {T!r}")
    bad = ~np.isfinite(arr) | (arr <= 0.0)
    if np.any(bad):
        value = arr[bad].flat[0] if arr.ndim else float(arr)
        raise InputError(f"{name} must be finite and > 0, got {value}")
    return arr, arr.ndim == 0


def _check_J(J: object) -> float:
    return check_finite("J", J, nonzero=True)


def _reduced_coupling(T: np.ndarray, J: float, name: str = "T") -> np.ndarray:
    """``K = |J| / T``, refusing temperatures so low that sinh(2 K) overflows."""
    K = abs(J) / T
    if np.any(K > _K_MAX):
        value = T[K > _K_MAX].flat[0] if T.ndim else float(T)
        raise InputError(
            f"{name} must be >= |J| / {_K_MAX:g} = {abs(J) / _K_MAX:.3g} "
            f"(float64 range), got {value}"
        )
    return K


def _at_critical_point(T: np.ndarray, J: float) -> np.ndarray:
    """True where ``T`` is ``T_c(J)`` to within rounding."""
    return np.abs(T * (_LN_1P_SQRT2 / (2.0 * abs(J))) - 1.0) <= 4.0 * np.finfo(np.float64).eps


def _output(values: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(values) if scalar else values


# --------------------------------------------------------------------------------------
# elliptic integrals (arithmetic-geometric mean)
# --------------------------------------------------------------------------------------


def _agm(kp: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arithmetic-geometric mean ``M = AGM(1, k')`` of the moduli ``k' = sqrt(1 - k^2)``, ``k``.

    Returns ``M``, ``M - k'`` and ``S = sum_n 2**(n-1) c_n**2`` with ``c_0 = k`` and
    ``c_{n+1} = (a_n - b_n) / 2``, evaluated as ``c_n**2 / (4 a_{n+1})`` so that no
    difference of nearly equal numbers is ever taken; ``M - k'`` is the sum of the
    (positive) increments of ``b_n``. Both moduli are passed so that the caller can compute
    each accurately. Convergence is quadratic. ``k' = 0`` gives ``M = 0``, ``S = inf``.
    """
    kp = np.asarray(kp, dtype=np.float64)
    c = np.asarray(k, dtype=np.float64)
    zero = kp == 0.0
    a = np.ones_like(kp)
    b = np.where(zero, 1.0, kp)  # k' = 0 would converge slowly; it is set at the end
    total = 0.5 * c * c
    rise = np.zeros_like(kp)
    weight = 0.5
    eps = np.finfo(np.float64).eps
    for _ in range(64):
        root_a, root_b = np.sqrt(a), np.sqrt(b)
        a_next = 0.5 * (a + b)
        c = c * c / (4.0 * a_next)
        rise = rise + 2.0 * c * root_b / (root_a + root_b)  # b_{n+1} - b_n
        a, b = a_next, root_a * root_b
        weight *= 2.0
        total = total + weight * c * c
        if np.all(c <= eps * a):
            break
    M = np.where(zero, 0.0, a)
    rise = np.where(zero, 0.0, rise + (a - b))
    total = np.where(zero, np.inf, total)
    return M, rise, total


def _agm_k_e(kp: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Complete elliptic integrals ``K``, ``E`` and ``K - E`` of modulus ``k``.

    ``kp = k' = sqrt(1 - k^2)``; ``K = pi / (2 AGM(1, k'))`` and
    ``K - E = K sum_n 2**(n-1) c_n**2`` (see :func:`_agm`).
    ``K - E`` is returned directly because it is small for small ``k`` and would lose its
    relative accuracy as a difference. ``k' = 0`` gives ``K = inf``, ``E = 1``.
    """
    M, _, total = _agm(kp, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        K = np.pi / (2.0 * M)
        k_minus_e = K * total
        E = np.where(M == 0.0, 1.0, K - k_minus_e)
    return K, E, k_minus_e


def _check_modulus(k: object) -> tuple[np.ndarray, bool]:
    try:
        arr = np.asarray(k, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"k must be a real number or an array of them, got {k!r}") from None
    bad = ~((arr >= 0.0) & (arr <= 1.0))
    if np.any(bad):
        value = arr[bad].flat[0] if arr.ndim else float(arr)
        raise InputError(f"k must be in [0, 1], got {value}")
    return arr, arr.ndim == 0


def elliptic_k(k: ArrayLike) -> float | np.ndarray:
    """Complete elliptic integral of the first kind, ``K(k)``, of modulus ``k``.

    ``K(k) = int_0^{pi/2} dtheta / sqrt(1 - k^2 sin^2 theta)``, computed by the
    arithmetic-geometric mean to machine precision. Note that ``scipy.special.ellipk``
    takes the *parameter* ``m = k**2`` instead.

    Parameters
    ----------
    k : float or array_like
        Modulus, ``0 <= k <= 1``.

    Returns
    -------
    float or ndarray
        ``K(k)``, same shape as ``k``; ``inf`` at ``k = 1``.
    """
    arr, scalar = _check_modulus(k)
    K, _, _ = _agm_k_e(np.sqrt((1.0 - arr) * (1.0 + arr)), arr)
    return _output(K, scalar)


def elliptic_e(k: ArrayLike) -> float | np.ndarray:
    """Complete elliptic integral of the second kind, ``E(k)``, of modulus ``k``.

    ``E(k) = int_0^{pi/2} sqrt(1 - k^2 sin^2 theta) dtheta``, computed by the
    arithmetic-geometric mean. ``scipy.special.ellipe`` takes the parameter ``m = k**2``.

    Parameters
    ----------
    k : float or array_like
        Modulus, ``0 <= k <= 1``.

    Returns
    -------
    float or ndarray
        ``E(k)``, same shape as ``k``; ``1`` at ``k = 1``.
    """
    arr, scalar = _check_modulus(k)
    _, E, _ = _agm_k_e(np.sqrt((1.0 - arr) * (1.0 + arr)), arr)
    return _output(E, scalar)


# --------------------------------------------------------------------------------------
# infinite lattice
# --------------------------------------------------------------------------------------


def critical_temperature(J: float = 1.0) -> float:
    """Onsager's critical temperature ``T_c = 2 |J| / ln(1 + sqrt 2)``.

    Parameters
    ----------
    J : float, default 1.0
        Coupling (nonzero; the antiferromagnet orders at the same ``|J|``).

    Returns
    -------
    float
        ``T_c`` in the units of ``J`` (``k_B = 1``), about ``2.269185 |J|``.
    """
    return 2.0 * abs(_check_J(J)) / _LN_1P_SQRT2


def _onsager_parts(K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``coth 2K``, ``tanh 2K``, the modulus ``k = 2 sinh 2K / cosh^2 2K`` and the signed
    complementary modulus ``kappa' = 2 tanh^2 2K - 1 = (sinh^2 2K - 1) / cosh^2 2K``."""
    s = np.sinh(2.0 * K)
    ch = np.cosh(2.0 * K)
    t = s / ch
    k = 2.0 * t / ch
    kappa_p = ((s - 1.0) / ch) * ((s + 1.0) / ch)
    return 1.0 / t, t, k, kappa_p


def onsager_energy(T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """Internal energy per spin of the infinite lattice at ``h = 0`` (Onsager 1944).

    ``u = -J coth(2K) [1 + (2/pi) (2 tanh^2(2K) - 1) K_1(k)]`` with ``K = J / T``,
    ``k = 2 sinh(2K) / cosh^2(2K)`` and ``K_1`` the complete elliptic integral of the first
    kind. At ``T = T_c`` the product is finite and ``u = -sqrt(2) |J|``.

    Parameters
    ----------
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero; ``J < 0`` gives the same energy as ``|J|``.

    Returns
    -------
    float or ndarray
        Energy per spin, same shape as ``T``.
    """
    T, scalar = _check_temperature(T)
    J = _check_J(J)
    K = _reduced_coupling(T, J)
    coth2k, _, k, kappa_p = _onsager_parts(K)
    # (2/pi) K_1 = 1 / M with M = AGM(1, |kappa'|); above T_c (kappa' < 0) the bracket
    # 1 + kappa' / M = (M - |kappa'|) / M is formed without cancellation
    M, rise, _ = _agm(np.abs(kappa_p), k)
    with np.errstate(divide="ignore", invalid="ignore"):
        bracket = np.where(kappa_p > 0.0, 1.0 + kappa_p / M, rise / M)
    bracket = np.where(kappa_p == 0.0, 1.0, bracket)
    u = -abs(J) * coth2k * bracket
    u = np.where(_at_critical_point(T, J), -math.sqrt(2.0) * abs(J), u)
    high = K <= _K_SERIES_INFINITE  # high temperature: the series, exact to rounding
    if np.any(high):
        u = np.where(high, -abs(J) * _infinite_high_temperature(np.where(high, K, 0.0))[0], u)
    return _output(u, scalar)


def onsager_heat_capacity(T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """Heat capacity per spin of the infinite lattice at ``h = 0`` (Onsager 1944).

    ``c = (4/pi) (K coth 2K)^2 {K_1 - E_1 - (1 - tanh^2 2K) [pi/2 + (2 tanh^2 2K - 1) K_1]}``
    with ``K = J / T`` and ``K_1, E_1`` the complete elliptic integrals of modulus
    ``k = 2 sinh(2K) / cosh^2(2K)``. It diverges logarithmically at ``T_c``, where ``inf``
    is returned. ``K_1 - E_1`` comes straight from the arithmetic-geometric mean (not as a
    difference), which keeps the low-temperature values accurate.

    Parameters
    ----------
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero; ``J < 0`` gives the same heat capacity as ``|J|``.

    Returns
    -------
    float or ndarray
        ``C / N`` (``k_B = 1``), same shape as ``T``.
    """
    T, scalar = _check_temperature(T)
    J = _check_J(J)
    K = _reduced_coupling(T, J)
    coth2k, _, k, kappa_p = _onsager_parts(K)
    M, rise, total = _agm(np.abs(kappa_p), k)
    sech2 = (1.0 / np.cosh(2.0 * K)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        k1 = 0.5 * np.pi / M
        # pi/2 + kappa' K_1 = (pi/2)(1 + kappa'/M), taken as (pi/2)(M - |kappa'|)/M above T_c
        tail = 0.5 * np.pi * np.where(kappa_p > 0.0, 1.0 + kappa_p / M, rise / M)
        bracket = k1 * total - sech2 * tail
        c = (4.0 / np.pi) * (K * coth2k) ** 2 * bracket
    c = np.where((kappa_p == 0.0) | _at_critical_point(T, J), np.inf, c)
    high = K <= _K_SERIES_INFINITE  # high temperature: the series, exact to rounding
    if np.any(high):
        k_high = np.where(high, K, 0.0)
        c = np.where(high, k_high * k_high * _infinite_high_temperature(k_high)[1], c)
    return _output(c, scalar)


def spontaneous_magnetization(T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """Spontaneous magnetization of the infinite lattice (Yang 1952).

    ``m = (1 - sinh(2K)^-4)^(1/8)`` for ``T < T_c`` and ``0`` for ``T >= T_c``, with
    ``K = |J| / T``. For ``J < 0`` this is the *staggered* magnetization (the order
    parameter of the antiferromagnet); the uniform magnetization is then zero.

    Parameters
    ----------
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero.

    Returns
    -------
    float or ndarray
        The magnetization per spin, in ``[0, 1)``, same shape as ``T``.
    """
    T, scalar = _check_temperature(T)
    J = _check_J(J)
    K = np.minimum(abs(J) / T, _K_MAX)
    s = np.sinh(2.0 * K)
    ordered = s > 1.0
    # 1 - sinh(2K)^-4 where ordered; above T_c nothing is computed (no overflow there)
    inner = -np.expm1(-4.0 * np.log(np.where(ordered, s, 2.0)))
    m = np.where(ordered, inner**0.125, 0.0)
    return _output(m, scalar)


# --------------------------------------------------------------------------------------
# finite L x L torus: Kaufman (1949)
# --------------------------------------------------------------------------------------


def _log2cosh(a: np.ndarray) -> np.ndarray:
    a = np.abs(a)
    return a + np.log1p(np.exp(-2.0 * a))


def _log2sinh(a: np.ndarray) -> np.ndarray:
    """``ln(2 sinh a)`` for ``a > 0``, accurate for small and large ``a``."""
    return a + np.log(-np.expm1(-2.0 * a))


def _kaufman(L: int, K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ln Z``, ``d ln Z / dK`` and ``d^2 ln Z / dK^2`` of the ``L x L`` torus at ``h = 0``.

    ``K`` is a 1-D array of reduced couplings ``|J| / T``. Kaufman's result is

    ``Z = (1/2) (2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4)``,
    ``Z1 = prod_r 2 cosh(L g_{2r+1} / 2)``, ``Z2 = prod_r 2 sinh(L g_{2r+1} / 2)``,
    ``Z3 = prod_r 2 cosh(L g_{2r} / 2)``, ``Z4 = prod_r 2 sinh(L g_{2r} / 2)``,

    ``r = 0 .. L-1``, with ``cosh g_k = cosh 2K coth 2K - cos(pi k / L)`` for ``k >= 1`` and
    the signed ``g_0 = 2K + ln tanh K`` (zero at ``T_c``; ``Z4`` has its sign).

    Each product is kept as its logarithm; the ``r = 0`` factor of ``Z4`` (which can vanish
    or change sign) is kept apart so that its derivatives stay finite at ``T_c``. Writing
    ``cosh g_k = 1 + d_k`` with ``d_k = (s - 1)^2 / s + 2 sin^2(pi k / 2L)``, ``s = sinh 2K``,
    keeps ``g_k`` accurate where it is small. The derivatives are ``g' = d' / sinh g`` and
    ``g'' = (d'' - cosh g g'^2) / sinh g`` (expanded in powers of ``1 / s`` at low
    temperature, where its two terms nearly cancel); the second derivative of ``ln(sum Z_i)`` is
    assembled as a weighted variance about the mean slope, which avoids the cancellation of
    ``W''/W - (W'/W)^2`` at low temperature.

    The arithmetic is done in ``numpy.longdouble`` (80-bit extended precision on x86; plain
    double on platforms without it): at low temperature the heat capacity is exponentially
    small while the terms that sum to it are not, and the extra digits keep its relative
    accuracy near ``1e-13`` down to ``T ~ 0.5 |J|`` (about ``1e-10`` in plain double).
    At high temperature ``N coth 2K`` and the mean slope cancel to ``O(N K)``, so the
    relative accuracy of the derivatives is about ``1e-19 (T / |J|)^2``: ``1e-17`` at
    ``T = 10 |J|``, ``1e-11`` at ``T = 1e4 |J|``.
    """
    ld = np.longdouble
    K = np.asarray(K, dtype=ld)
    pi = 4 * np.arctan(ld(1))
    N = L * L
    half_L = ld(L) / 2
    Kc = K[:, None]
    s = np.sinh(2.0 * Kc)
    ch = np.cosh(2.0 * Kc)

    # d_k = cosh g_k - 1 and its K-derivatives (common part plus 2 sin^2(pi k / 2L))
    base = (s - 1.0) * (1.0 - 1.0 / s)
    d1 = 2.0 * ch * (1.0 - 1.0 / (s * s))
    d2 = 4.0 * (s - 1.0 / s) + 8.0 * (ch / s) ** 2 / s

    def gammas(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d = base + 2.0 * np.sin(pi * k / (2 * L)) ** 2
        sinh_g = np.sqrt(d) * np.sqrt(d + 2.0)
        g = np.log1p(d + sinh_g)
        g1 = d1 / sinh_g
        # g'' = (d'' (x^2 - 1) - x d'^2) / (x^2 - 1)^(3/2), x = cosh g. Near T_c use it as
        # is; at low temperature (s >= 2) its two terms cancel to O(1/s), so use the
        # expanded numerator, a polynomial in kappa = cos(pi k / L) and 1/s.
        g2_direct = (d2 - (1.0 + d) * g1 * g1) / sinh_g
        kappa = np.cos(pi * k / L)
        t = 1.0 / s
        poly = 1.0
        for coeff in (
            -3.0 * kappa,
            2.0 * kappa**2 + 3.0,
            -7.0 * kappa,
            kappa**2 + 6.0,
            -5.0 * kappa,
            kappa**2 + 2.0,
            -kappa,
        ):
            poly = poly * t + coeff
        g2_low = 4.0 * s * s * poly / sinh_g**3
        g2 = np.where(s >= 2.0, g2_low, g2_direct)
        return g, g1, g2

    r = np.arange(L, dtype=ld)
    g_odd, g1_odd, g2_odd = gammas(2.0 * r + 1.0)
    g_even, g1_even, g2_even = gammas(2.0 * r[1:])  # k = 2, 4, ..., 2L - 2

    # g_0 with its sign: 2K + ln tanh K, ln tanh K = log1p(-e^-2K) - log1p(e^-2K)
    x = np.exp(-2.0 * K)
    g0 = 2.0 * K + np.log1p(-x) - np.log1p(x)
    s0 = np.sinh(2.0 * K)
    g0_1 = 2.0 + 2.0 / s0
    g0_2 = -4.0 * np.cosh(2.0 * K) / (s0 * s0)

    def cosh_terms(g, g1, g2):
        a = half_L * g
        e = np.exp(-2.0 * np.abs(a))
        tanh_a = np.sign(a) * (1.0 - e) / (1.0 + e)
        sech2 = 4.0 * e / (1.0 + e) ** 2
        S = _log2cosh(a).sum(axis=-1)
        S1 = (half_L * g1 * tanh_a).sum(axis=-1)
        S2 = (half_L * g2 * tanh_a + (half_L * g1) ** 2 * sech2).sum(axis=-1)
        return S, S1, S2

    def sinh_terms(g, g1, g2):  # all g > 0 here
        a = half_L * g
        e = np.exp(-2.0 * a)
        coth_a = (1.0 + e) / (1.0 - e)
        csch2 = 4.0 * e / (1.0 - e) ** 2
        S = _log2sinh(a).sum(axis=-1)
        S1 = (half_L * g1 * coth_a).sum(axis=-1)
        S2 = (half_L * g2 * coth_a - (half_L * g1) ** 2 * csch2).sum(axis=-1)
        return S, S1, S2

    terms = [
        cosh_terms(g_odd, g1_odd, g2_odd),  # Z1
        sinh_terms(g_odd, g1_odd, g2_odd),  # Z2
        cosh_terms(
            np.concatenate([g0[:, None], g_even], axis=1),
            np.concatenate([g0_1[:, None], g1_even], axis=1),
            np.concatenate([g0_2[:, None], g2_even], axis=1),
        ),  # Z3
    ]
    # Z4 = 2 sinh(L g0 / 2) * exp(R), R the k >= 2 factors
    R, R1, R2 = sinh_terms(g_even, g1_even, g2_even)
    a0 = half_L * g0
    e0 = np.exp(-2.0 * np.abs(a0))
    ch0 = 0.5 * (1.0 + e0)  # cosh(a0) e^-|a0|
    sh0 = 0.5 * np.sign(a0) * (1.0 - e0)  # sinh(a0) e^-|a0|

    logs = np.stack([t[0] for t in terms] + [R + np.abs(a0)])
    M = logs.max(axis=0)
    w = np.exp(logs - M)

    # W~ = sum w_i v_i and W~' = sum w_i v_i' (v_i = W_i e^-log_i)
    v = [np.ones_like(K)] * 3 + [2.0 * sh0]
    v1 = [t[1] for t in terms] + [L * g0_1 * ch0 + 2.0 * sh0 * R1]
    W = sum(wi * vi for wi, vi in zip(w, v, strict=True))
    mu = sum(wi * vi for wi, vi in zip(w, v1, strict=True)) / W
    # centred second moments: v'' - 2 mu v' + mu^2 v
    c2 = [t[2] + (t[1] - mu) ** 2 for t in terms]
    c2.append(
        L * g0_2 * ch0
        + 0.5 * L * L * g0_1**2 * sh0
        + 2.0 * L * g0_1 * ch0 * (R1 - mu)
        + 2.0 * sh0 * (R2 + (R1 - mu) ** 2)
    )
    var = sum(wi * ci for wi, ci in zip(w, c2, strict=True)) / W

    log_2sinh2k = 2.0 * K + np.log(-np.expm1(-4.0 * K))
    log_z = -np.log(ld(2)) + N / 2 * log_2sinh2k + M + np.log(W)
    dlog_z = N / np.tanh(2.0 * K) + mu
    d2log_z = -2.0 * N / (s0 * s0) + var
    return (
        log_z.astype(np.float64),
        dlog_z.astype(np.float64),
        d2log_z.astype(np.float64),
    )


def _kaufman_chunked(L: int, K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_kaufman` over a flat array of couplings, a block of rows at a time."""
    rows = max(1, 2**18 // L)
    parts = [_kaufman(L, K[i : i + rows]) for i in range(0, K.size, rows)] or [_kaufman(L, K)]
    return tuple(np.concatenate([p[j] for p in parts]) for j in range(3))


# At and below this reduced coupling (T >= 1000 |J|) the torus functions use the
# high-temperature expansion: Kaufman's derivatives lose digits as (T / |J|)^2 (1e-13
# relative at T = 1000 |J|), while the expansion's first neglected term is O(K^6) relative.
_K_SERIES = 1e-3


@functools.lru_cache(maxsize=4)
def _even_subgraph_counts(L: int) -> tuple[float, ...]:
    """``c_n``, the number of even subgraphs of ``n`` bonds of the ``L x L`` torus
    (``L <= 4``), from the enumeration spectrum: ``Z = 2^N cosh^(2N) K sum_n c_n t^n`` with
    ``t = tanh K``, since a state with ``a`` satisfied bonds of ``2 N`` has weight
    ``(2 cosh K)^(2N) 2^(-2N) (1 + t)^a (1 - t)^(2N - a)``."""
    N = L * L
    bonds, _ = _spectrum(L)
    values, counts = np.unique(bonds, return_counts=True)
    total = [0] * (2 * N + 1)
    for b, g in zip(values.tolist(), counts.tolist(), strict=True):
        a = (2 * N + b) // 2  # satisfied bonds
        term = [1]
        for factor in [(1, 1)] * a + [(1, -1)] * (2 * N - a):
            term = [x + factor[1] * y for x, y in zip([*term, 0], [0, *term], strict=True)]
        total = [x + g * y for x, y in zip(total, term, strict=True)]
    return tuple(float(c // 2**N) for c in total)


def _series_in_k(
    N: int, t: np.ndarray, log_p: np.ndarray, f_t: np.ndarray, f_tt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ln Z = N ln 2 + 2 N ln cosh K + ln P(t)`` and its K-derivatives, given ``ln P``
    and its t-derivatives (``dt/dK = 1 - t^2``, ``d^2t/dK^2 = -2 t (1 - t^2)``)."""
    sech2 = 1.0 - t * t
    log_cosh = -0.5 * np.log1p(-t * t)
    log_z = N * math.log(2.0) + 2 * N * log_cosh + log_p
    dlog_z = 2 * N * t + f_t * sech2
    d2log_z = 2 * N * sech2 + f_tt * sech2 * sech2 - 2.0 * t * sech2 * f_t
    return log_z, dlog_z, d2log_z


def _power_series(
    coefficients: dict[int, float], t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sum_n a_n t^n`` and its first two derivatives (terms with ``n >= 4``)."""
    value, first, second = (np.zeros_like(t) for _ in range(3))
    for n, a in coefficients.items():
        value = value + a * t**n
        first = first + n * a * t ** (n - 1)
        second = second + n * (n - 1) * a * t ** (n - 2)
    return value, first, second


def _high_temperature(L: int, K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ln Z``, ``d ln Z / dK`` and ``d^2 ln Z / dK^2`` of the ``L x L`` torus for small
    ``K``, from the high-temperature (loop) expansion.

    ``Z = 2^N cosh^(2N) K P(t)`` with ``t = tanh K`` and ``P(t) = sum_n c_n t^n`` the
    generating function of the even subgraphs. For ``L <= 4`` it is used whole (the counts
    come from enumeration); for ``L >= 6``, ``ln P / N`` is the infinite lattice's series
    below order ``L`` (the smallest subgraphs are the ``N`` plaquettes of 4 bonds and the
    ``2 N`` rectangles of 6), plus ``2 / L`` at order ``L`` from the ``2 L`` straight loops
    around the torus, truncated there; the neglected terms are below ``2e-17`` relative
    for ``K <= 1e-3``. Hence
    ``u = -|J| (2 t + 4 t^3 + ...)`` per spin as ``K -> 0`` (``-|J| (4 t + ...)`` at
    ``L = 2``, where every neighbour pair is joined by two bonds), and every term is
    formed without cancellation down to ``K = 0``.
    """
    N = L * L
    t = np.tanh(np.asarray(K, dtype=np.float64))
    if L <= _L_ENUM_MAX:
        c = _even_subgraph_counts(L)
        rest = t * _horner_derivative(c[1:], t, 0)  # P - 1 (c_0 = 1; all c_n >= 0)
        P = 1.0 + rest
        f_t = _horner_derivative(c, t, 1) / P
        f_tt = _horner_derivative(c, t, 2) / P - f_t * f_t
        return _series_in_k(N, t, np.log1p(rest), f_t, f_tt)
    # Clusters of fewer than L bonds cannot wind around the torus: their per-site counts
    # are the infinite lattice's; at L bonds come the 2 L straight loops around it.
    per_site = {n: a for n, a in _INFINITE_SERIES.items() if n < L}
    if L in _INFINITE_SERIES:
        per_site[L] = _INFINITE_SERIES[L] + 2.0 / L
    log_p, f_t, f_tt = _power_series({n: N * a for n, a in per_site.items()}, t)
    return _series_in_k(N, t, log_p, f_t, f_tt)


def _infinite_high_temperature(K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``d (ln Z / N) / dK`` and ``d^2 (ln Z / N) / dK^2`` of the infinite lattice from
    :data:`_INFINITE_SERIES`."""
    t = np.tanh(np.asarray(K, dtype=np.float64))
    _, dlog_z, d2log_z = _series_in_k(1, t, *_power_series(_INFINITE_SERIES, t))
    return dlog_z, d2log_z


def _horner_derivative(c: tuple[float, ...], t: np.ndarray, order: int) -> np.ndarray:
    """The ``order``-th derivative of ``sum_n c_n t^n`` at ``t``, by Horner's rule."""
    out = np.zeros_like(t)
    for n in range(len(c) - 1, order - 1, -1):
        out = out * t + math.perm(n, order) * c[n]
    return out


def _torus(L: int, K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ln Z`` and its first two K-derivatives over a flat array of couplings: the
    high-temperature expansion where ``K <= _K_SERIES``, Kaufman's formula elsewhere."""
    high = K <= _K_SERIES
    out = tuple(np.empty(K.shape) for _ in range(3))
    for mask, method in ((high, _high_temperature), (~high, _kaufman_chunked)):
        if mask.any():
            for target, part in zip(out, method(L, K[mask]), strict=True):
                target[mask] = part
    return out


def _finite_setup(L: object, T: object, J: object) -> tuple[int, np.ndarray, bool, float]:
    L = check_lattice_size(L)
    T, scalar = _check_temperature(T)
    J = _check_J(J)
    K = _reduced_coupling(T, J)
    return L, K, scalar, J


def finite_lattice_log_partition(L: int, T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """``ln Z`` of the ``L x L`` periodic lattice at ``h = 0``, exactly (Kaufman 1949).

    Every product of Kaufman's formula is summed in log space and the four terms (the last
    of which is negative for ``T > T_c``) are combined with a sign-aware log-sum-exp, so the
    result is finite and accurate for ``L`` in the thousands and for any ``T`` with
    ``|J| / T <= 350``.

    Parameters
    ----------
    L : int
        Lattice side, an even integer >= 2.
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero; ``J < 0`` gives the same ``Z`` as ``|J|`` (``L`` is even).

    Returns
    -------
    float or ndarray
        ``ln Z`` (not per spin), same shape as ``T``.
    """
    L, K, scalar, _ = _finite_setup(L, T, J)
    log_z, _, _ = _torus(L, K.ravel())
    return _output(log_z.reshape(K.shape), scalar)


def finite_lattice_energy(L: int, T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """Exact internal energy per spin of the ``L x L`` torus at ``h = 0``.

    ``u = -(1/N) d ln Z / d beta = -(|J| / N) d ln Z / dK``, obtained by differentiating
    Kaufman's expression analytically term by term (no finite differences); it agrees with
    exact enumeration to about ``1e-13`` relative.

    Parameters
    ----------
    L : int
        Lattice side, an even integer >= 2.
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero; ``J < 0`` gives the same energy as ``|J|``.

    Returns
    -------
    float or ndarray
        Energy per spin, same shape as ``T``.
    """
    L, K, scalar, J = _finite_setup(L, T, J)
    _, dlog_z, _ = _torus(L, K.ravel())
    u = -abs(J) * dlog_z / (L * L)
    return _output(u.reshape(K.shape), scalar)


def finite_lattice_heat_capacity(L: int, T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """Exact heat capacity per spin of the ``L x L`` torus at ``h = 0``.

    ``C / N = (beta^2 / N) d^2 ln Z / d beta^2 = (K^2 / N) d^2 ln Z / dK^2``, from the
    analytic second derivative of Kaufman's expression (no finite differences).

    Parameters
    ----------
    L : int
        Lattice side, an even integer >= 2.
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero; ``J < 0`` gives the same heat capacity as ``|J|``.

    Returns
    -------
    float or ndarray
        ``C / N`` (``k_B = 1``), same shape as ``T``.
    """
    L, K, scalar, _ = _finite_setup(L, T, J)
    k = K.ravel()
    _, _, d2log_z = _torus(L, k)
    # C >= 0; at very low T the exact value underflows and rounding could leave -1e-18
    c = np.maximum(k * k * d2log_z / (L * L), 0.0)
    return _output(c.reshape(K.shape), scalar)


def finite_lattice_free_energy(L: int, T: ArrayLike, J: float = 1.0) -> float | np.ndarray:
    """Exact free energy per spin, ``f = -T ln Z / N``, of the ``L x L`` torus at ``h = 0``.

    Parameters
    ----------
    L : int
        Lattice side, an even integer >= 2.
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero; ``J < 0`` gives the same free energy as ``|J|``.

    Returns
    -------
    float or ndarray
        Free energy per spin, same shape as ``T``.
    """
    L, K, scalar, _ = _finite_setup(L, T, J)
    Tarr = np.asarray(T, dtype=np.float64)
    log_z, _, _ = _torus(L, K.ravel())
    f = -Tarr * (log_z.reshape(K.shape) / (L * L))  # ~ -T ln 2: finite up to the largest T
    return _output(f, scalar)


# --------------------------------------------------------------------------------------
# exact enumeration (L <= 4)
# --------------------------------------------------------------------------------------


class EnumerationResult(NamedTuple):
    """Thermal averages of the ``L x L`` torus from exact enumeration (all per spin).

    Attributes
    ----------
    energy : float or ndarray
        ``<e>`` with ``e = E / N``.
    heat_capacity : float or ndarray
        ``C / N = beta^2 N (<e^2> - <e>^2)``.
    abs_magnetization : float or ndarray
        ``<|m|>`` with ``m = (1/N) sum_i s_i``.
    susceptibility : float or ndarray
        ``chi = beta N (<m^2> - <|m|>^2)``.
    binder : float or ndarray
        Binder cumulant ``U_4 = 1 - <m^4> / (3 <m^2>^2)``; ``nan`` where ``<m^2>``
        underflows to zero (an antiferromagnet deep in its Neel state).
    """

    energy: float | np.ndarray
    heat_capacity: float | np.ndarray
    abs_magnetization: float | np.ndarray
    susceptibility: float | np.ndarray
    binder: float | np.ndarray


@functools.lru_cache(maxsize=4)
def _spectrum(L: int) -> tuple[np.ndarray, np.ndarray]:
    """Bond sum ``sum_<ij> s_i s_j`` and ``sum_i s_i`` of every one of the 2**(L*L) states."""
    n = L * L
    index = np.arange(2**n, dtype=np.int64)
    bits = (index[:, None] >> np.arange(n, dtype=np.int64)) & 1
    spins = (1 - 2 * bits).astype(np.int8).reshape(-1, L, L)
    s = spins.astype(np.int32)
    bonds = (s * np.roll(s, -1, axis=1) + s * np.roll(s, -1, axis=2)).sum(axis=(1, 2))
    mags = s.sum(axis=(1, 2))
    bonds.flags.writeable = False
    mags.flags.writeable = False
    return bonds, mags


def enumerate_lattice(L: int, T: ArrayLike, J: float = 1.0, h: float = 0.0) -> EnumerationResult:
    """Exact thermal averages of the ``L x L`` torus by summing over all ``2**(L*L)`` states.

    Feasible for ``L <= 4`` (65536 states). Works at any field ``h`` and for odd ``L``;
    variances are computed as centred second moments, so small heat capacities at low
    temperature keep their relative accuracy.

    Parameters
    ----------
    L : int
        Lattice side, ``2 <= L <= 4``. On the ``2 x 2`` torus each neighbour pair is joined
        by two bonds (``2 N`` bonds in all, as for every ``L``).
    T : float or array_like
        Temperature(s), finite and > 0.
    J : float, default 1.0
        Coupling, nonzero.
    h : float, default 0.0
        External field.

    Returns
    -------
    EnumerationResult
        ``(energy, heat_capacity, abs_magnetization, susceptibility, binder)`` per spin,
        each a float for scalar ``T`` or an array of the shape of ``T``.
    """
    L = check_int("L", L)
    if not 2 <= L <= _L_ENUM_MAX:
        raise InputError(f"L must be an integer with 2 <= L <= {_L_ENUM_MAX}, got {L}")
    T, scalar = _check_temperature(T)
    J = _check_J(J)
    h = check_finite("h", h)
    N = L * L
    bonds, mags = _spectrum(L)
    e = (-J * bonds - h * mags) / N
    m = mags / N
    am = np.abs(m)
    m2 = m * m
    out = np.empty((5, T.size))
    for i, t in enumerate(T.ravel()):
        beta = 1.0 / t
        x = -beta * N * e
        p = np.exp(x - x.max())
        p /= p.sum()
        e_mean = p @ e
        am_mean = p @ am
        m2_mean = p @ m2
        out[0, i] = e_mean
        out[1, i] = beta * beta * N * (p @ (e - e_mean) ** 2)
        out[2, i] = am_mean
        out[3, i] = beta * N * (p @ (am - am_mean) ** 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[4, i] = 1.0 - (p @ (m2 * m2)) / (3.0 * m2_mean**2)
    values = [_output(row.reshape(T.shape), scalar) for row in out]
    return EnumerationResult(*values)


# --------------------------------------------------------------------------------------
# mean-field theory
# --------------------------------------------------------------------------------------


class MeanFieldSolution(NamedTuple):
    """All solutions of the mean-field equation ``m = tanh(beta (J q m + h))``.

    Attributes
    ----------
    roots : ndarray of float
        Every real root in ``[-1, 1]``, sorted ascending.
    stable : ndarray of bool
        ``True`` where the slope of the right-hand side at the root is below one,
        ``beta J q (1 - m^2) < 1`` (for ``J > 0``: a local minimum of the mean-field free
        energy). A root where the curve touches the line (slope exactly one) is marginal
        and counted as unstable.
    equilibrium : float
        The stable root of lowest free energy (the lowest-free-energy root if none is
        strictly stable, which happens only at the marginal point ``T = q J``, ``h = 0``).
        When two roots tie (``h = 0`` below ``q J``) the positive one is chosen.
    free_energy : ndarray of float
        Mean-field free energy per spin (:func:`mean_field_free_energy`) at each root.
    """

    roots: np.ndarray
    stable: np.ndarray
    equilibrium: float
    free_energy: np.ndarray


def _check_q(q: object) -> int:
    q = check_int("q", q)
    if q < 1:
        raise InputError(f"q must be a positive integer, got {q}")
    return q


def mean_field_critical_temperature(J: float = 1.0, q: int = 4) -> float:
    """Mean-field critical temperature ``T_c^MF = q |J|``.

    For ``J > 0`` this is where the nonzero roots of ``m = tanh(beta J q m)`` appear. For
    ``J < 0`` it is the mean-field Neel temperature of the staggered magnetization on a
    bipartite lattice, which has the same value.

    Parameters
    ----------
    J : float, default 1.0
        Coupling, nonzero.
    q : int, default 4
        Coordination number (4 on the square lattice).

    Returns
    -------
    float
        ``q |J|``, to compare with the exact ``T_c = 2.269 |J|`` on the square lattice.
    """
    J = _check_J(J)
    q = _check_q(q)
    return q * abs(J)


def mean_field_free_energy(
    m: ArrayLike, T: float, J: float = 1.0, h: float = 0.0, q: int = 4
) -> float | np.ndarray:
    """Mean-field free energy per spin ``f(m) = (J q / 2) m^2 - T ln(2 cosh(beta (J q m + h)))``.

    Its stationary points are the solutions of ``m = tanh(beta (J q m + h))``.

    Parameters
    ----------
    m : float or array_like
        Magnetization(s) per spin.
    T : float
        Temperature, finite and > 0.
    J : float, default 1.0
        Coupling, nonzero.
    h : float, default 0.0
        External field.
    q : int, default 4
        Coordination number.

    Returns
    -------
    float or ndarray
        ``f(m)``, same shape as ``m``.
    """
    m_arr = np.asarray(m, dtype=np.float64)
    T = _check_scalar_temperature(T)
    J = _check_J(J)
    h = check_finite("h", h)
    q = _check_q(q)
    f = 0.5 * J * q * m_arr**2 - T * _log2cosh((J * q * m_arr + h) / T)
    return _output(f, m_arr.ndim == 0)


def _check_scalar_temperature(T: object) -> float:
    arr, scalar = _check_temperature(T)
    if not scalar:
        raise InputTypeError(f"T must be a single number here, got an array of shape {arr.shape}")
    return float(arr)


def _bisect(g, lo: float, hi: float, g_lo: float) -> float:
    """Root of ``g`` in ``[lo, hi]`` with ``g(lo)`` and ``g(hi)`` of opposite signs."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        g_mid = g(mid)
        if g_mid == 0.0:
            return mid
        if (g_mid > 0.0) == (g_lo > 0.0):
            lo, g_lo = mid, g_mid
        else:
            hi = mid
    return lo if abs(g(lo)) <= abs(g(hi)) else hi


def mean_field_magnetization(
    T: float, J: float = 1.0, h: float = 0.0, q: int = 4
) -> MeanFieldSolution:
    """Solve the mean-field equation ``m = tanh(beta (J q m + h))`` for all its real roots.

    ``g(m) = tanh(beta (J q m + h)) - m`` has at most two critical points, where
    ``tanh^2(beta (J q m + h)) = 1 - T / (J q)`` (only when ``beta J q > 1``); between them
    ``g`` is monotonic, so each monotonic piece of ``[-1, 1]`` holds at most one root, found
    by bisection to machine precision. A critical point where ``|g|`` is at rounding level
    is a double root (the curve touches the line) and is reported once. At ``T = q J``,
    ``h = 0`` the single root ``m = 0`` is marginal.

    For ``J < 0`` the uniform-magnetization equation has exactly one root; it is returned
    as stable, but note that the uniform ansatz misses the antiferromagnetic order.

    Parameters
    ----------
    T : float
        Temperature, finite and > 0.
    J : float, default 1.0
        Coupling, nonzero.
    h : float, default 0.0
        External field.
    q : int, default 4
        Coordination number (4 on the square lattice).

    Returns
    -------
    MeanFieldSolution
        ``(roots, stable, equilibrium, free_energy)``.
    """
    T = _check_scalar_temperature(T)
    J = _check_J(J)
    h = check_finite("h", h)
    q = _check_q(q)
    beta = 1.0 / T
    slope = beta * J * q

    def g(m: float) -> float:
        return math.tanh(beta * (J * q * m + h)) - m

    # monotonic pieces of [-1, 1]
    points = [-1.0, 1.0]
    critical: list[float] = []
    if slope > 1.0:
        t = math.sqrt(1.0 - 1.0 / slope)
        for sign in (-1.0, 1.0):
            m_star = (math.atanh(sign * t) / beta - h) / (J * q)
            if -1.0 < m_star < 1.0:
                critical.append(m_star)
    points = sorted([*points, *critical])
    values = [g(p) for p in points]
    tol = 16.0 * np.finfo(np.float64).eps
    roots: list[float] = []
    for p, v in zip(points, values, strict=True):
        if v == 0.0 or (p in critical and abs(v) <= tol):
            roots.append(p)
    for lo, hi, g_lo, g_hi in zip(points[:-1], points[1:], values[:-1], values[1:], strict=True):
        if lo in roots or hi in roots:
            # a root sits at an end; a second one inside needs a strict sign change that an
            # exact zero at the end cannot show, and monotonicity rules it out
            continue
        if (g_lo > 0.0) != (g_hi > 0.0):
            roots.append(_bisect(g, lo, hi, g_lo))

    root_arr = np.array(sorted(set(roots)), dtype=np.float64)
    rhs_slope = slope * (1.0 - root_arr**2)
    stable = rhs_slope < 1.0
    # a tangency root from the tolerance test is marginal, never stable
    for i, r in enumerate(root_arr):
        if r in critical:
            stable[i] = False
    free = np.asarray(mean_field_free_energy(root_arr, T, J, h, q), dtype=np.float64)
    candidates = np.flatnonzero(stable) if stable.any() else np.arange(root_arr.size)
    f_min = free[candidates].min()
    # exact ties (h = 0 below T_c) go to the positive root
    tied = candidates[free[candidates] <= f_min + 8.0 * np.finfo(np.float64).eps * abs(f_min)]
    equilibrium = float(root_arr[tied].max())
    return MeanFieldSolution(root_arr, stable, equilibrium, free)
