"""Tests of isingml.ising.exact (and the mean-field plot of isingml.plotting)."""

from __future__ import annotations

import math

import naive  # tests/naive.py, put on the path by tests/conftest.py
import numpy as np
import pytest

from isingml.ising import exact
from isingml.ising.exact import (
    T_C,
    critical_temperature,
    elliptic_e,
    elliptic_k,
    enumerate_lattice,
    finite_lattice_energy,
    finite_lattice_free_energy,
    finite_lattice_heat_capacity,
    finite_lattice_log_partition,
    mean_field_critical_temperature,
    mean_field_free_energy,
    mean_field_magnetization,
    onsager_energy,
    onsager_heat_capacity,
    spontaneous_magnetization,
)

scipy_integrate = pytest.importorskip("scipy.integrate")
scipy_special = pytest.importorskip("scipy.special")

TEMPERATURES = [0.5, 1.0, 1.5, 2.0, 2.269, 2.5, 3.0, 5.0]


def _reference(L: int, J: float, h: float = 0.0) -> dict[str, np.ndarray]:
    rows = [naive.exact_by_enumeration(L, T, J, h) for T in TEMPERATURES]
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


# --------------------------------------------------------------------------------------
# finite lattice (Kaufman) against brute-force enumeration
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("J", [1.0, -1.0, 0.7])
@pytest.mark.parametrize("L", [2, 4])
def test_kaufman_matches_enumeration(L, J):
    ref = _reference(L, J)
    T = np.array(TEMPERATURES)
    np.testing.assert_allclose(finite_lattice_log_partition(L, T, J), ref["log_Z"], rtol=1e-12)
    np.testing.assert_allclose(finite_lattice_free_energy(L, T, J), ref["free_energy"], rtol=1e-12)
    np.testing.assert_allclose(finite_lattice_energy(L, T, J), ref["energy"], rtol=1e-10)
    np.testing.assert_allclose(
        finite_lattice_heat_capacity(L, T, J), ref["heat_capacity"], rtol=1e-10
    )


def test_kaufman_at_critical_point_and_low_temperature():
    # gamma_0 = 0 exactly at T_c (Z4 = 0); at low T the heat capacity is ~1e-9
    for L in (2, 4):
        for T in (T_C, 0.4):
            ref = naive.exact_by_enumeration(L, T)
            assert finite_lattice_energy(L, T) == pytest.approx(ref["energy"], rel=1e-12)
            c = finite_lattice_heat_capacity(L, T)
            assert c == pytest.approx(ref["heat_capacity"], rel=1e-10)


def test_finite_lattice_shapes():
    T = np.array([[1.0, 2.0], [3.0, 4.0]])
    for func in (
        finite_lattice_energy,
        finite_lattice_heat_capacity,
        finite_lattice_free_energy,
        finite_lattice_log_partition,
    ):
        out = func(8, T)
        assert out.shape == (2, 2)
        assert isinstance(func(8, 2.0), float)
        assert out[1, 0] == pytest.approx(func(8, 3.0), rel=1e-14)


@pytest.mark.parametrize("T", [1.0, 1.5, 2.0, 2.6, 3.0, 5.0])
def test_finite_lattice_converges_to_onsager(T):
    L = 256
    assert finite_lattice_energy(L, T) == pytest.approx(onsager_energy(T), rel=1e-9)
    assert finite_lattice_heat_capacity(L, T) == pytest.approx(onsager_heat_capacity(T), rel=1e-8)
    # Onsager's free energy, -beta f = ln(2 cosh 2K) + (1/2pi) int_0^pi ln[(1 + sqrt(1 -
    # k^2 sin^2 p)) / 2] dp; below T_c the torus has the extra ln 2 / N of its two ground
    # states
    K = 1.0 / T
    k = 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    integral, _ = scipy_integrate.quad(
        lambda p: np.log(0.5 * (1.0 + np.sqrt(1.0 - (k * np.sin(p)) ** 2))),
        0.0,
        np.pi,
        epsabs=1e-14,
        epsrel=1e-13,
    )
    f_inf = -T * (np.log(2 * np.cosh(2 * K)) + integral / (2 * np.pi))
    if T < T_C:
        f_inf -= T * math.log(2.0) / L**2
    assert finite_lattice_free_energy(L, T) == pytest.approx(f_inf, rel=1e-10)


def test_large_lattice_is_finite():
    T = np.array([0.5, 2.269, T_C, 10.0])
    L = 1024
    for func in (
        finite_lattice_energy,
        finite_lattice_heat_capacity,
        finite_lattice_free_energy,
        finite_lattice_log_partition,
    ):
        out = func(L, T)
        assert np.all(np.isfinite(out)), func.__name__
    u = finite_lattice_energy(L, T)
    assert np.all((u > -2.0) & (u < 0.0))
    assert np.all(finite_lattice_heat_capacity(L, T) > 0.0)
    # deep in the ordered phase the energy is Onsager's to machine precision
    assert u[0] == pytest.approx(onsager_energy(0.5), rel=1e-14)
    # the finite-size peak sits near T_c and grows like ln L
    assert finite_lattice_heat_capacity(L, T_C) > finite_lattice_heat_capacity(64, T_C) + 0.8


# --------------------------------------------------------------------------------------
# infinite lattice
# --------------------------------------------------------------------------------------


def test_critical_temperature():
    assert pytest.approx(2.269185314213022, rel=1e-15) == T_C
    assert critical_temperature() == T_C
    assert critical_temperature(-2.5) == pytest.approx(2.5 * T_C, rel=1e-15)
    assert math.sinh(2.0 / T_C) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("k", [0.0, 1e-8, 0.1, 0.5, 0.9, 0.999, 1.0 - 1e-12])
def test_elliptic_integrals_match_scipy(k):
    # scipy takes the parameter m = k**2
    assert elliptic_k(k) == pytest.approx(scipy_special.ellipk(k * k), rel=1e-14)
    assert elliptic_e(k) == pytest.approx(scipy_special.ellipe(k * k), rel=1e-14)


def test_elliptic_integrals_limits_and_shapes():
    assert elliptic_k(1.0) == math.inf
    assert elliptic_e(1.0) == 1.0
    assert elliptic_k(0.0) == pytest.approx(math.pi / 2, rel=1e-15)
    k = np.linspace(0.0, 0.99, 12).reshape(3, 4)
    np.testing.assert_allclose(elliptic_k(k), scipy_special.ellipk(k**2), rtol=1e-14)
    np.testing.assert_allclose(elliptic_e(k), scipy_special.ellipe(k**2), rtol=1e-14)


@pytest.mark.parametrize("T", [0.5, 1.0, 2.0, 2.2, 2.3, 2.5, 3.0, 10.0, 100.0])
def test_onsager_energy_against_quadrature(T):
    # u = -J coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) int_0^{pi/2} dt / sqrt(1 - k^2 sin^2 t)]
    K = 1.0 / T
    k = 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    integral, _ = scipy_integrate.quad(
        lambda t: 1.0 / np.sqrt(1.0 - (k * np.sin(t)) ** 2),
        0.0,
        np.pi / 2,
        epsabs=1e-14,
        epsrel=1e-13,
    )
    kappa = 2.0 * np.tanh(2 * K) ** 2 - 1.0
    u = -1.0 / np.tanh(2 * K) * (1.0 + 2.0 / np.pi * kappa * integral)
    assert onsager_energy(T) == pytest.approx(u, rel=1e-11)
    assert onsager_energy(T, J=-1.0) == pytest.approx(u, rel=1e-11)
    assert onsager_energy(2 * T, J=2.0) == pytest.approx(2.0 * u, rel=1e-11)


def test_onsager_limits():
    assert onsager_energy(T_C) == pytest.approx(-math.sqrt(2.0), rel=1e-15)
    assert onsager_heat_capacity(T_C) == math.inf
    assert onsager_heat_capacity(2 * T_C, J=2.0) == math.inf
    assert onsager_energy(0.05) == pytest.approx(-2.0, rel=1e-15)
    # high temperature series: u = -2 tanh(K) + O(K^3), c = 2 K^2 + O(K^4)
    assert onsager_energy(1e6) == pytest.approx(-2e-6, rel=1e-10)
    assert onsager_heat_capacity(1e6) == pytest.approx(2e-12, rel=1e-10)
    T = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert onsager_energy(T).shape == (2, 2)
    assert isinstance(onsager_heat_capacity(3.0), float)


@pytest.mark.parametrize("T", [0.8, 1.5, 2.0, 2.2, 2.35, 3.0, 6.0])
def test_onsager_heat_capacity_is_derivative_of_energy(T):
    dT = 1e-5 * T
    numeric = (onsager_energy(T + dT) - onsager_energy(T - dT)) / (2 * dT)
    assert onsager_heat_capacity(T) == pytest.approx(numeric, rel=1e-7)


def test_spontaneous_magnetization():
    assert spontaneous_magnetization(0.1) == pytest.approx(1.0, abs=1e-15)
    expected = (1.0 - math.sinh(2.0 / 2.0) ** -4) ** 0.125
    assert spontaneous_magnetization(2.0) == pytest.approx(expected, rel=1e-14)
    assert spontaneous_magnetization(2.0) == pytest.approx(0.9113193778, rel=1e-9)
    assert spontaneous_magnetization(4.0, J=2.0) == pytest.approx(expected, rel=1e-14)
    assert spontaneous_magnetization(2.0, J=-1.0) == pytest.approx(expected, rel=1e-14)
    m = spontaneous_magnetization(np.array([T_C, 2.5, 3.0, 100.0]))
    np.testing.assert_array_equal(m, 0.0)
    # Yang's exponent beta = 1/8 just below T_c
    assert 0.0 < spontaneous_magnetization(T_C * (1 - 1e-6)) < 0.25


# --------------------------------------------------------------------------------------
# exact enumeration
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("L", "J", "h"), [(2, 1.0, 0.0), (3, -1.0, 0.3), (4, 1.0, 0.1)])
def test_enumerate_lattice_matches_naive(L, J, h):
    ref = _reference(L, J, h)
    got = enumerate_lattice(L, np.array(TEMPERATURES), J=J, h=h)
    np.testing.assert_allclose(got.energy, ref["energy"], rtol=1e-12)
    np.testing.assert_allclose(got.heat_capacity, ref["heat_capacity"], rtol=1e-10)
    np.testing.assert_allclose(got.abs_magnetization, ref["abs_magnetization"], rtol=1e-12)
    np.testing.assert_allclose(got.susceptibility, ref["susceptibility"], rtol=1e-10)
    np.testing.assert_allclose(got.binder, ref["binder"], rtol=1e-12)


def test_enumerate_lattice_scalar_and_limits():
    res = enumerate_lattice(4, 2.0)
    assert all(isinstance(x, float) for x in res)
    energy, c, abs_m, chi, _ = res
    assert 0.0 < abs_m < 1.0 and chi > 0.0
    assert energy == pytest.approx(finite_lattice_energy(4, 2.0), rel=1e-13)
    assert c == pytest.approx(finite_lattice_heat_capacity(4, 2.0), rel=1e-12)
    # ordered: U4 -> 2/3 and <|m|> -> 1; free spins: U4 = 2 / (3 N), chi = 1 - <|m|>^2 N
    cold = enumerate_lattice(4, 0.3)
    assert cold.binder == pytest.approx(2.0 / 3.0, abs=1e-6)
    assert cold.abs_magnetization == pytest.approx(1.0, abs=1e-6)
    hot = enumerate_lattice(4, 1e6)
    assert hot.binder == pytest.approx(2.0 / (3.0 * 16), rel=1e-5)
    assert hot.energy == pytest.approx(-2e-6, rel=1e-5)


# --------------------------------------------------------------------------------------
# mean-field theory
# --------------------------------------------------------------------------------------


def _assert_roots_solve(sol, T, J=1.0, h=0.0, q=4):
    residual = np.tanh((J * q * sol.roots + h) / T) - sol.roots
    assert np.all(np.abs(residual) < 1e-12)
    assert np.all(np.diff(sol.roots) > 0)


@pytest.mark.parametrize("T", [4.5, 5.0, 10.0, 100.0])
def test_mean_field_high_temperature(T):
    sol = mean_field_magnetization(T)
    np.testing.assert_array_equal(sol.roots, [0.0])
    np.testing.assert_array_equal(sol.stable, [True])
    assert sol.equilibrium == 0.0


@pytest.mark.parametrize("T", [0.1, 1.0, 2.0, 3.0, 3.99])
def test_mean_field_low_temperature(T):
    sol = mean_field_magnetization(T)
    _assert_roots_solve(sol, T)
    assert len(sol.roots) == 3
    assert sol.roots[1] == 0.0
    assert sol.roots[0] == pytest.approx(-sol.roots[2], rel=1e-14)
    np.testing.assert_array_equal(sol.stable, [True, False, True])
    assert sol.equilibrium == sol.roots[2] > 0
    assert sol.free_energy[0] == pytest.approx(sol.free_energy[2], rel=1e-14)
    assert sol.free_energy[1] > sol.free_energy[2]


def test_mean_field_at_critical_temperature():
    # tangency: m = 0 is a root of slope exactly 1 (marginal)
    assert mean_field_critical_temperature() == 4.0
    assert mean_field_critical_temperature(J=-0.5, q=6) == 3.0
    sol = mean_field_magnetization(4.0)
    np.testing.assert_array_equal(sol.roots, [0.0])
    assert sol.equilibrium == 0.0


@pytest.mark.parametrize(("T", "h"), [(1.0, 0.05), (2.0, 0.3), (3.0, 0.1)])
def test_mean_field_field_selects_positive_root(T, h):
    sol = mean_field_magnetization(T, h=h)
    _assert_roots_solve(sol, T, h=h)
    assert len(sol.roots) == 3
    np.testing.assert_array_equal(sol.stable, [True, False, True])
    assert sol.equilibrium == sol.roots[2] > 0
    # the negative root is metastable: stable but of higher free energy
    assert sol.free_energy[0] > sol.free_energy[2]
    np.testing.assert_allclose(
        sol.free_energy, mean_field_free_energy(sol.roots, T, h=h), rtol=1e-15
    )
    flipped = mean_field_magnetization(T, h=-h)
    assert flipped.equilibrium == pytest.approx(-sol.equilibrium, rel=1e-14)


def test_mean_field_spinodal_and_strong_field():
    T = 2.0
    t = math.sqrt(1.0 - T / 4.0)
    h_spinodal = 4.0 * t - T * math.atanh(t)  # the metastable branch ends at m = -t
    sol = mean_field_magnetization(T, h=h_spinodal)
    _assert_roots_solve(sol, T, h=h_spinodal)
    assert len(sol.roots) == 2
    assert sol.roots[0] == pytest.approx(-t, abs=1e-7)
    assert not sol.stable[0]
    strong = mean_field_magnetization(T, h=1.2 * h_spinodal)
    assert len(strong.roots) == 1 and strong.stable[0] and strong.equilibrium > 0.9


def test_mean_field_other_couplings():
    sol = mean_field_magnetization(3.0, J=-1.0, h=0.2)
    _assert_roots_solve(sol, 3.0, J=-1.0, h=0.2)
    assert len(sol.roots) == 1 and sol.stable[0]
    sol = mean_field_magnetization(5.0, q=6)
    _assert_roots_solve(sol, 5.0, q=6)
    assert len(sol.roots) == 3


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: finite_lattice_energy(5, 1.0), ValueError, "L"),
        (lambda: finite_lattice_energy(0, 1.0), ValueError, "L"),
        (lambda: finite_lattice_log_partition(4.0, 1.0), TypeError, "L"),
        (lambda: finite_lattice_heat_capacity(4, 0.0), ValueError, "T"),
        (lambda: finite_lattice_free_energy(4, -1.0), ValueError, "T"),
        (lambda: finite_lattice_energy(4, [1.0, math.nan]), ValueError, "T"),
        (lambda: onsager_energy(math.inf), ValueError, "T"),
        (lambda: onsager_energy("hot"), TypeError, "T"),
        (lambda: onsager_heat_capacity(1.0, J=0.0), ValueError, "J"),
        (lambda: spontaneous_magnetization(1.0, J=math.nan), ValueError, "J"),
        (lambda: critical_temperature(J=0), ValueError, "J"),
        (lambda: elliptic_k(1.5), ValueError, "k"),
        (lambda: elliptic_e(-0.1), ValueError, "k"),
        (lambda: enumerate_lattice(5, 1.0), ValueError, "L"),
        (lambda: enumerate_lattice(4, 1.0, h=math.inf), ValueError, "h"),
        (lambda: mean_field_magnetization(-2.0), ValueError, "T"),
        (lambda: mean_field_magnetization([1.0, 2.0]), TypeError, "T"),
        (lambda: mean_field_magnetization(2.0, q=0), ValueError, "q"),
        (lambda: mean_field_magnetization(2.0, q=2.5), TypeError, "q"),
        (lambda: mean_field_magnetization(2.0, J=0.0), ValueError, "J"),
        (lambda: mean_field_critical_temperature(q=-4), ValueError, "q"),
    ],
)
def test_bad_input(call, error, name):
    with pytest.raises(error, match=rf"^{name} "):
        call()


def test_error_message_names_value():
    with pytest.raises(ValueError, match=r"L must be an even integer >= 2, got 5"):
        finite_lattice_energy(5, 1.0)
    with pytest.raises(ValueError, match=r"T must be finite and > 0, got -1\.0"):
        onsager_energy(-1.0)
    with pytest.raises(ValueError, match=r"T must be >= "):
        finite_lattice_energy(4, 1e-3, J=1.0)


def test_public_names_documented():
    for name in exact.__all__:
        obj = getattr(exact, name)
        if callable(obj):
            doc = obj.__doc__ or ""
            assert "Parameters" in doc or "Attributes" in doc, name


# --------------------------------------------------------------------------------------
# plotting
# --------------------------------------------------------------------------------------


def _marked_points(ax) -> tuple[int, int]:
    counts = {"stable root": 0, "unstable root": 0}
    for line in ax.get_lines():
        if line.get_label() in counts:
            counts[line.get_label()] += len(line.get_xdata())
    return counts["stable root"], counts["unstable root"]


@pytest.mark.parametrize(("T", "h"), [(5.0, 0.0), (3.0, 0.0), (2.0, 0.3)])
def test_plot_mean_field_marks_every_root(T, h):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from isingml.plotting import plot_mean_field

    ax = Figure().subplots()
    assert plot_mean_field(T, h=h, ax=ax) is ax
    sol = mean_field_magnetization(T, h=h)
    n_stable, n_unstable = _marked_points(ax)
    assert n_stable + n_unstable == len(sol.roots)
    assert n_stable == int(sol.stable.sum())
    assert ax.get_xlabel() and ax.get_ylabel()


def test_plot_mean_field_makes_its_own_figure():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from isingml.plotting import plot_mean_field

    ax = plot_mean_field(3.0)
    try:
        assert sum(_marked_points(ax)) == 3
    finally:
        plt.close(ax.figure)


# --------------------------------------------------------------------------------------
# high temperature: the loop expansion, up to the largest float
# --------------------------------------------------------------------------------------


def _series_energy(L: int, T: float) -> float:
    """``u`` from ``ln Z / N = ln 2 + 2 ln cosh K + t^4 + 2 t^6 + O(t^8)`` (L >= 8; the
    plaquettes and the 1 x 2 rectangles), ``t = tanh K``, ``dt/dK = 1 - t^2``."""
    t = math.tanh(1.0 / T)
    return -(2.0 * t + (4.0 * t**3 + 12.0 * t**5) * (1.0 - t * t))


HUGE_TEMPERATURES = [1e4, 1e8, 1e10, 1e20, 1e100, 1e300, 1.7e308]


@pytest.mark.parametrize("T", HUGE_TEMPERATURES)
@pytest.mark.parametrize(("L", "bonds_per_spin"), [(2, 4), (4, 2), (8, 2), (64, 2)])
def test_torus_at_huge_temperatures_has_the_high_temperature_limit(L, bonds_per_spin, T):
    # u -> -z K and C -> z K^2 with z = 2 (4 on the 2 x 2 torus, whose neighbour pairs are
    # joined twice), f -> -T ln 2; the next terms are O(K^2) relative (1e-8 at T = 1e4).
    K = 1.0 / T
    z = bonds_per_spin
    assert finite_lattice_energy(L, T) == pytest.approx(-z * K, rel=1e-7)
    assert finite_lattice_heat_capacity(L, T) == pytest.approx(z * K * K, rel=1e-7)
    assert finite_lattice_free_energy(L, T) == pytest.approx(-T * math.log(2.0), rel=1e-7)
    assert finite_lattice_log_partition(L, T) == pytest.approx(L * L * math.log(2.0))
    assert onsager_energy(T) == pytest.approx(-2.0 * K, rel=1e-7)
    assert onsager_heat_capacity(T) == pytest.approx(2.0 * K * K, rel=1e-7)
    assert spontaneous_magnetization(T) == 0.0
    # J -> 0 at fixed T is the same limit; K underflowing to zero gives it exactly
    J = 1e-150
    assert finite_lattice_energy(L, T, J=J) == pytest.approx(-z * J * (J / T), rel=1e-7)


@pytest.mark.parametrize("T", [999.0, 1001.0, 1e4, 1e6])
@pytest.mark.parametrize("L", [8, 64])
def test_torus_energy_follows_the_high_temperature_series(L, T):
    # On either side of T = 1000 (where the high-temperature branch takes over from
    # Kaufman's formula) the energy is the series to its truncation, O(t^7) ~ 1e-20.
    assert finite_lattice_energy(L, T) == pytest.approx(_series_energy(L, T), rel=1e-12)
    assert onsager_energy(T) == pytest.approx(_series_energy(L, T), rel=1e-12)
    t = math.tanh(1.0 / T)
    c_series = (1.0 / T) ** 2 * (2.0 * (1.0 - t * t) + 12.0 * t * t)
    assert finite_lattice_heat_capacity(L, T) == pytest.approx(c_series, rel=1e-9)


@pytest.mark.parametrize("T", [100.0, 999.0, 1001.0, 1e4])
@pytest.mark.parametrize("L", [2, 4])
def test_torus_at_high_temperature_matches_enumeration(L, T):
    # Enumeration loses ~1e-16 / K relative to the cancellation of +-E; allow for it.
    ref = enumerate_lattice(L, T)
    assert finite_lattice_energy(L, T) == pytest.approx(ref.energy, rel=1e-11)
    assert finite_lattice_heat_capacity(L, T) == pytest.approx(ref.heat_capacity, rel=1e-11)


def test_torus_and_onsager_are_continuous_where_the_series_takes_over():
    # Each side of the switch is within its method's rounding (Kaufman: 1e-19 T^2; the
    # elliptic integrals: 3e-17 T^2) of the other; the functions change by 1e-13 there.
    T = 1000.0 * np.array([1.0 - 1e-13, 1.0 + 1e-13])  # Kaufman | series
    for L in (2, 4, 6, 8, 10, 16, 64):
        for f in (finite_lattice_energy, finite_lattice_heat_capacity):
            a, b = f(L, T)
            assert b == pytest.approx(a, rel=1e-12), (L, f.__name__)
    T = 50.0 * np.array([1.0 - 1e-13, 1.0 + 1e-13])  # elliptic integrals | series
    for f in (onsager_energy, onsager_heat_capacity):
        a, b = f(T)
        assert b == pytest.approx(a, rel=5e-13), f.__name__
