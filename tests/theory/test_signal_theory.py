"""Mean-field signal propagation: Gaussian integrals against closed forms and Monte Carlo,
fixed points, the order-to-chaos boundary (tanh at 1, ReLU at 2) and the depth scales."""

import json
import math

import numpy as np
import pytest

from isingml.theory import ACTIVATIONS, MeanField, critical_sigma_w2, phase_diagram


def _relu(x):
    return np.maximum(x, 0.0)


def _step(x):
    return (x > 0).astype(float)


def _erf(x):
    from scipy.special import erf

    return erf(x)


def _erf_derivative(x):
    return 2.0 / math.sqrt(math.pi) * np.exp(-np.square(x))


def _sech2(x):
    return 1.0 / np.cosh(x) ** 2


def _pair_samples(q, c, n, seed):
    rng = np.random.default_rng(seed)
    z1, z2 = rng.standard_normal((2, n))
    return math.sqrt(q) * z1, math.sqrt(q) * (c * z1 + math.sqrt(1.0 - c * c) * z2)


def _mc(values):
    return values.mean(), values.std(ddof=1) / math.sqrt(values.size)


# --------------------------------------------------------------------------------------
# Gaussian integrals: quadrature against closed forms and Monte Carlo
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "c"), [(0.3, -0.6), (1.0, 0.2), (2.5, 0.9), (0.8, 0.999)])
def test_relu_closed_forms_are_the_arc_cosine_kernel(q, c):
    mf = MeanField("relu", sigma_w2=1.7, sigma_b2=0.2)
    assert mf.length_map(q) == pytest.approx(1.7 * q / 2 + 0.2, rel=1e-15)
    theta = math.acos(c)
    kernel = q / (2 * math.pi) * (math.sqrt(1 - c * c) + (math.pi - theta) * c)
    expected = (1.7 * kernel + 0.2) / (1.7 * q / 2 + 0.2)
    assert mf.correlation_map(c, q=q) == pytest.approx(expected, rel=1e-13)


def test_quadrature_of_a_relu_callable_converges_to_the_closed_form():
    # relu^2 is even in the sense relu(x)^2 + relu(-x)^2 = x^2, so the length map is exact;
    # the kink of relu(u1) relu(u2) limits the correlation map to ~1e-4 with 101 nodes.
    exact = MeanField("relu", 1.5, 0.1)
    errors = []
    for n in (51, 101, 201):
        quad = MeanField(_relu, 1.5, 0.1, quadrature_points=n, derivative=_step)
        assert quad.length_map(0.7) == pytest.approx(exact.length_map(0.7), rel=1e-14)
        errors.append(abs(quad.correlation_map(0.3, q=0.7) - exact.correlation_map(0.3, q=0.7)))
    assert errors[0] > errors[1] > errors[2] and errors[1] < 3e-4


def test_quadrature_of_erf_matches_its_closed_forms():
    exact = MeanField("erf", 2.0, 0.05)
    quad = MeanField(_erf, 2.0, 0.05, derivative=_erf_derivative)
    # Gauss-Hermite converges fast for the entire function erf, slower as it steepens.
    for q, tolerance in ((0.2, 1e-14), (1.0, 1e-12), (3.0, 1e-7)):
        assert quad.length_map(q) == pytest.approx(exact.length_map(q), rel=tolerance)
        for c in (-0.5, 0.4, 0.99):
            assert quad.correlation_map(c, q=q) == pytest.approx(
                exact.correlation_map(c, q=q), abs=tolerance
            )
    for name in ("q_star", "c_star", "chi_1", "chi_c", "xi_q", "xi_c"):
        assert getattr(quad, name) == pytest.approx(getattr(exact, name), rel=1e-11), name
    # Without the derivative, central differences cost ~1e-11.
    assert MeanField(_erf, 2.0, 0.05).chi_1 == pytest.approx(exact.chi_1, rel=1e-9)


def test_a_linear_network_is_exact():
    mf = MeanField("linear", 0.7, 0.05)
    assert mf.q_star == pytest.approx(0.05 / 0.3, rel=1e-15)
    assert mf.chi_1 == 0.7 and mf.c_star == 1.0 and mf.phase == "ordered"
    q, c = mf.iterate(2.0, 0.4, 6)
    q_expected, qab_expected = [0.7 * 2.0 + 0.05], [0.7 * 0.8 + 0.05]
    for _ in range(5):
        q_expected.append(0.7 * q_expected[-1] + 0.05)
        qab_expected.append(0.7 * qab_expected[-1] + 0.05)
    np.testing.assert_allclose(q, q_expected, rtol=1e-14)
    np.testing.assert_allclose(c, np.array(qab_expected) / q_expected, rtol=1e-14)
    callable_mf = MeanField(lambda x: 1.0 * x, 0.7, 0.05)
    assert callable_mf.chi_1 == pytest.approx(0.7, rel=1e-10)


@pytest.mark.parametrize(("q", "c"), [(0.5, 0.3), (1.5, -0.4), (1.06, 0.45)])
def test_tanh_maps_agree_with_monte_carlo_within_4_standard_errors(q, c):
    sw, sb = 2.5, 0.05
    mf = MeanField("tanh", sw, sb)
    u1, u2 = _pair_samples(q, c, 400_000, seed=11)
    length, length_error = _mc(np.tanh(u1) ** 2)
    assert abs(mf.length_map(q) - (sw * length + sb)) < 4 * sw * length_error
    cross, cross_error = _mc(np.tanh(u1) * np.tanh(u2))
    next_q = mf.length_map(q)
    assert (
        abs(mf.correlation_map(c, q=q) - (sw * cross + sb) / next_q)
        < 4 * sw * cross_error / next_q
    )


def test_chi_values_agree_with_monte_carlo_within_4_standard_errors():
    mf = MeanField("tanh", 2.5, 0.05)
    u1, u2 = _pair_samples(mf.q_star, mf.c_star, 400_000, seed=12)
    chi_1, chi_1_error = _mc(2.5 * _sech2(u1) ** 2)
    assert abs(mf.chi_1 - chi_1) < 4 * chi_1_error
    chi_c, chi_c_error = _mc(2.5 * _sech2(u1) * _sech2(u2))
    assert abs(mf.chi_c - chi_c) < 4 * chi_c_error


# --------------------------------------------------------------------------------------
# Fixed points, slopes and depth scales
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "sw", "sb"),
    [
        ("tanh", 2.5, 0.05),
        ("tanh", 0.8, 0.1),
        ("tanh", 4.0, 0.0),
        ("erf", 2.0, 0.05),
        ("sigmoid", 4.0, 0.1),
        (np.sin, 3.0, 0.1),
    ],
)
def test_fixed_points_are_fixed_stable_and_reached_by_iteration(activation, sw, sb):
    mf = MeanField(activation, sw, sb)
    assert mf.length_map(mf.q_star) == pytest.approx(mf.q_star, rel=1e-12)
    assert mf.correlation_map(mf.c_star) == pytest.approx(mf.c_star, abs=1e-12)
    assert 0 <= mf.chi_c < 1 and mf.xi_c > 0 and mf.xi_q > 0
    q, c = mf.iterate(1.0, 0.2, 300)
    assert q[-1] == pytest.approx(mf.q_star, rel=1e-9)
    assert c[-1] == pytest.approx(mf.c_star, abs=1e-6)


def test_ordered_and_chaotic_phases_of_tanh():
    ordered, chaotic = MeanField("tanh", 0.8, 0.1), MeanField("tanh", 2.5, 0.05)
    assert ordered.phase == "ordered" and ordered.chi_1 < 1
    assert ordered.c_star == 1.0 and ordered.chi_c == ordered.chi_1
    assert chaotic.phase == "chaotic" and chaotic.chi_1 > 1
    assert 0.3 < chaotic.c_star < 0.6 and chaotic.chi_c < 1
    # Without bias the chaotic correlation map of an odd activation is odd: c* = 0.
    assert MeanField("tanh", 4.0, 0.0).c_star == pytest.approx(0.0, abs=1e-12)
    # Identical inputs stay identical.
    assert chaotic.correlation_map(1.0) == 1.0


def test_xi_q_is_minus_one_over_the_log_of_the_length_map_slope():
    mf = MeanField("tanh", 2.5, 0.05)
    h = 1e-5
    slope = (mf.length_map(mf.q_star + h) - mf.length_map(mf.q_star - h)) / (2 * h)
    assert mf.xi_q == pytest.approx(-1 / math.log(slope), rel=1e-8)
    assert MeanField("relu", 1.5, 0.1).xi_q == pytest.approx(-1 / math.log(0.75), rel=1e-14)


def test_xi_c_is_minus_one_over_the_log_of_the_correlation_map_slope():
    mf = MeanField("tanh", 2.5, 0.05)
    h = 1e-6
    slope = (mf.correlation_map(mf.c_star + h) - mf.correlation_map(mf.c_star - h)) / (2 * h)
    assert mf.chi_c == pytest.approx(slope, rel=1e-7)
    assert mf.xi_c == pytest.approx(-1 / math.log(mf.chi_c), rel=1e-14)


def test_tanh_without_bias_is_critical_at_one():
    assert critical_sigma_w2("tanh", 0.0) == pytest.approx(1.0, abs=1e-13)
    mf = MeanField("tanh", 1.0, 0.0)
    assert mf.q_star == 0.0 and mf.chi_1 == 1.0 and mf.phase == "critical"
    assert mf.xi_c == math.inf
    assert MeanField("tanh", 0.5, 0.0).xi_c == pytest.approx(-1 / math.log(0.5), rel=1e-14)


def test_relu_is_critical_at_he_initialisation():
    np.testing.assert_array_equal(critical_sigma_w2("relu", [0.0, 0.1, 1.0]), [2.0, 2.0, 2.0])
    he = MeanField("relu", 2.0, 0.0)
    assert he.chi_1 == 1.0 and he.phase == "critical" and he.xi_c == math.inf
    assert he.q_star == 1.0  # every length is a fixed point; 1 is where the search starts
    assert MeanField("relu", 1.5, 0.1).q_star == pytest.approx(0.1 / 0.25, rel=1e-15)
    for sw, sb in ((3.0, 0.1), (2.0, 0.1)):  # the length grows without bound
        mf = MeanField("relu", sw, sb)
        assert mf.q_star == math.inf and mf.xi_q == math.inf and mf.c_star == 1.0
    assert MeanField("relu", 3.0, 0.1).phase == "chaotic"
    assert MeanField("relu", 2.0, 0.1).phase == "critical"


def test_other_critical_points_without_bias():
    # phi(0) = 0 without bias: q* = 0 is stable until sigma_w2 phi'(0)^2 = 1.
    assert critical_sigma_w2("erf", 0.0) == pytest.approx(math.pi / 4, abs=1e-13)
    assert critical_sigma_w2("linear", 0.5) == 1.0


def test_critical_line_of_tanh_grows_with_the_bias_and_separates_the_phases():
    sb = np.array([0.0, 0.05, 0.1, 0.3])
    line = critical_sigma_w2("tanh", sb)
    assert line.shape == (4,) and np.all(np.diff(line) > 0)
    for s, b in zip(line[1:], sb[1:], strict=True):
        assert MeanField("tanh", s, b).chi_1 == pytest.approx(1.0, abs=1e-12)
        assert MeanField("tanh", s * (1 - 1e-6), b).phase == "ordered"
        assert MeanField("tanh", s * (1 + 1e-6), b).phase == "chaotic"


def test_xi_c_diverges_like_one_over_the_distance_to_the_critical_line():
    s = critical_sigma_w2("tanh", 0.05)
    xi = {
        e: [MeanField("tanh", s * (1 + sign * e), 0.05).xi_c for sign in (-1, 1)]
        for e in (1e-2, 1e-3)
    }
    for side in range(2):
        assert xi[1e-3][side] / xi[1e-2][side] == pytest.approx(10, rel=0.05)
    assert min(xi[1e-3]) > 2000


def test_iterate_starts_from_the_input_layer():
    mf = MeanField("tanh", 2.5, 0.05)
    q, c = mf.iterate(q0=2.0, c0=0.3, depth=3)
    assert q.shape == c.shape == (3,)
    assert q[0] == pytest.approx(2.5 * 2.0 + 0.05, rel=1e-15)
    assert c[0] == pytest.approx((2.5 * 0.3 * 2.0 + 0.05) / q[0], rel=1e-15)
    assert q[1] == pytest.approx(mf.length_map(q[0]), rel=1e-15)
    assert c[1] == pytest.approx(mf.correlation_map(c[0], q=q[0]), rel=1e-12)


def test_maps_are_vectorised():
    mf = MeanField("tanh", 1.3, 0.05)
    qs = np.array([[0.1, 0.5], [1.0, 2.0]])
    np.testing.assert_allclose(mf.length_map(qs), [[mf.length_map(q) for q in r] for r in qs])
    cs = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(mf.correlation_map(cs), [mf.correlation_map(c) for c in cs])


# --------------------------------------------------------------------------------------
# Phase diagram
# --------------------------------------------------------------------------------------


def test_phase_diagram_agrees_with_single_points_and_serialises():
    sw, sb = np.array([0.5, 1.0, 2.5, 4.0]), np.array([0.0, 0.05, 0.3])
    pd = phase_diagram("tanh", sw, sb)
    assert pd.chi_1.shape == pd.xi_c.shape == (3, 4)
    for i, b in enumerate(sb):
        for j, w in enumerate(sw):
            mf = MeanField("tanh", w, b)
            assert pd.chi_1[i, j] == pytest.approx(mf.chi_1, rel=1e-12)
            assert pd.xi_c[i, j] == pytest.approx(mf.xi_c, rel=1e-9)
            assert pd.c_star[i, j] == pytest.approx(mf.c_star, abs=1e-12)
    np.testing.assert_allclose(pd.critical_sigma_w2, critical_sigma_w2("tanh", sb), rtol=1e-12)
    phases = pd.phases()
    assert phases[0, 1] == "critical" and phases[0, 0] == "ordered" and phases[2, 3] == "chaotic"
    text = json.dumps(pd.to_dict())
    assert json.loads(text)["xi_c"][0][1] is None  # infinite on the critical point


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


_TANH = MeanField("tanh", 1.0, 0.0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: MeanField("tanh", -1.0, 0.0),
            ValueError,
            "sigma_w2 must be a finite number >= 0, got -1.0",
        ),
        (lambda: MeanField("tanh", 1.0, float("nan")), ValueError, "sigma_b2 must be"),
        (lambda: MeanField("tanh", "1", 0.0), TypeError, "sigma_w2 must be a real number"),
        (lambda: MeanField("softsign", 1.0, 0.0), ValueError, "activation must be one of"),
        (lambda: MeanField(3, 1.0, 0.0), TypeError, "activation must be a name or a callable"),
        (lambda: MeanField(lambda x: 1.0, 1.0, 0.0), TypeError, "same shape"),
        (lambda: MeanField(np.log, 1.0, 0.0), ValueError, "activation must be finite"),
        (lambda: MeanField("tanh", 1.0, 0.0, derivative=np.cos), TypeError, "derivative is only"),
        (
            lambda: MeanField("tanh", 1.0, 0.0, quadrature_points=4),
            ValueError,
            "quadrature_points",
        ),
        (
            lambda: _TANH.iterate(1.0, 1.5, 3),
            ValueError,
            "c0 must be a correlation in [-1, 1], got 1.5",
        ),
        (lambda: _TANH.iterate(0.0, 0.5, 3), ValueError, "q0 must be"),
        (lambda: _TANH.iterate(1.0, 0.5, 0), ValueError, "depth must be an integer >= 1, got 0"),
        (lambda: _TANH.correlation_map([0.5, -2.0]), ValueError, "c must be"),
        (lambda: _TANH.length_map(-1.0), ValueError, "q must be"),
        (lambda: critical_sigma_w2("tanh", [-0.1]), ValueError, "sigma_b2 must be"),
        (lambda: phase_diagram("tanh", [], [0.0]), ValueError, "must not be empty"),
    ],
)
def test_bad_input_names_the_argument_and_the_value(call, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()


def test_named_activations_are_listed():
    assert ACTIVATIONS == ("tanh", "relu", "sigmoid", "linear", "erf")
    for name in ACTIVATIONS:
        assert MeanField(name, 1.2, 0.1).activation_name == name
