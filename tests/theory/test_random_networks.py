"""Deep random networks simulated by the Numba kernel: bits against a NumPy forward pass,
independence of the thread count, and agreement with the mean-field theory at width 1000.

At width N every network's ``q_l`` scatters by about ``sqrt(2 / N) = 4.5 %`` around the
mean (more for ReLU at He initialisation, where the length performs a multiplicative random
walk of variance ``~5 l / N``), so the theory is checked on the mean over many networks,
with the standard error of that mean.
"""

import json
import math

import numpy as np
import pytest

from isingml.random import random_uint32
from isingml.theory import MeanField, compare_with_theory, simulate_random_network
from isingml.theory.random_networks import make_inputs

#: The three checks of the theory: tanh ordered, tanh chaotic (c* = 0.73), ReLU at He init.
CASES = {
    "tanh-ordered": ("tanh", 1.3, 0.05),
    "tanh-chaotic": ("tanh", 4.0, 0.5),
    "relu-he": ("relu", 2.0, 0.0),
}
WIDTH, DEPTH = 1000, 20


def _normals(n, seed, stream, step, tag):
    """Box-Muller normals of consecutive Philox outputs, in NumPy."""
    bits = random_uint32(n, seed, stream, step, tag).astype(float)
    radius = np.sqrt(-2.0 * np.log((bits[0::2] + 1.0) * 2.0**-32))
    angle = 2.0 * np.pi * bits[1::2] * 2.0**-32
    out = np.empty(n)
    out[0::2], out[1::2] = radius * np.cos(angle), radius * np.sin(angle)
    return out


def _naive_forward(phi, sw, sb, width, depth, draws, q0, c0, seed):
    """``(q_a, q_b, q_ab)`` per network and layer, with every weight matrix built whole."""
    padded = 4 * ((width + 3) // 4)
    xa, xb = make_inputs(width, q0, c0, seed)
    out = np.zeros((draws, depth, 3))
    for d in range(draws):
        y = np.stack([xa, xb])
        for layer in range(1, depth + 1):
            w = _normals(width * padded, seed, d, layer, 0x80).reshape(width, padded)
            b = _normals(padded, seed, d, layer, 0x81)[:width]
            h = y @ (w[:, :width] * math.sqrt(sw / width)).T + math.sqrt(sb) * b
            out[d, layer - 1] = [np.mean(h[0] ** 2), np.mean(h[1] ** 2), np.mean(h[0] * h[1])]
            y = phi(h)
    return out


@pytest.mark.parametrize("width", [12, 13])
def test_kernel_matches_a_naive_forward_pass(width):
    sim = simulate_random_network(
        "tanh", 1.7, 0.3, width=width, depth=4, draws=3, q0=0.7, c0=-0.3, seed=5
    )
    ref = _naive_forward(np.tanh, 1.7, 0.3, width, 4, 3, 0.7, -0.3, 5)
    np.testing.assert_allclose(sim.q_a, ref[:, :, 0], rtol=1e-12)
    np.testing.assert_allclose(sim.q_b, ref[:, :, 1], rtol=1e-12)
    np.testing.assert_allclose(
        sim.c, ref[:, :, 2] / np.sqrt(ref[:, :, 0] * ref[:, :, 1]), rtol=1e-12
    )


def test_results_do_not_depend_on_the_number_of_threads_or_batches():
    runs = [
        simulate_random_network("relu", 2.0, 0.1, width=37, depth=6, draws=70, seed=3, threads=t)
        for t in (1, 2)
    ]
    # progress=True runs the networks in batches (of 4 here): the same bits.
    runs.append(
        simulate_random_network(
            "relu", 2.0, 0.1, width=37, depth=6, draws=70, seed=3, progress=True
        )
    )
    for name in ("q_a", "q_b", "c", "hist_counts"):
        for other in runs[1:]:
            np.testing.assert_array_equal(getattr(runs[0], name), getattr(other, name))
    # Every pre-activation of both inputs is counted once (the bins reach +/-5 sigma).
    assert runs[0].hist_counts.sum(axis=1).max() <= 2 * 70 * 37
    assert runs[0].hist_counts.sum() > 0.999 * 2 * 70 * 37 * 6


def test_inputs_have_exact_length_and_correlation():
    xa, xb = make_inputs(500, q0=0.8, c0=-0.4, seed=9)
    assert xa @ xa / 500 == pytest.approx(0.8, rel=1e-14)
    assert xb @ xb / 500 == pytest.approx(0.8, rel=1e-14)
    assert xa @ xb / 500 / 0.8 == pytest.approx(-0.4, abs=1e-14)
    same = simulate_random_network("tanh", 1.0, 0.1, width=16, depth=3, draws=2, c0=1.0)
    np.testing.assert_array_equal(same.c, np.ones((2, 3)))


def test_a_compiled_callable_gives_the_bits_of_the_named_activation():
    named = simulate_random_network("tanh", 2.0, 0.1, width=24, depth=3, draws=3, seed=1)
    ufunc = simulate_random_network(np.tanh, 2.0, 0.1, width=24, depth=3, draws=3, seed=1)
    np.testing.assert_array_equal(named.q_a, ufunc.q_a)
    np.testing.assert_array_equal(named.c, ufunc.c)
    assert ufunc.activation == "tanh"


def test_a_callable_numba_cannot_compile_is_refused_clearly():
    def stringly(x):
        return float(str(x))

    with pytest.raises(TypeError, match="activation stringly could not be compiled by Numba"):
        simulate_random_network(_Vectorised(stringly), 1.0, 0.0, width=8, depth=2)


class _Vectorised:
    """A vectorised callable that Numba cannot compile."""

    def __init__(self, fn):
        self.fn = np.vectorize(fn)
        self.__name__ = fn.__name__

    def __call__(self, x):
        return self.fn(x)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"activation": "swish"}, ValueError, "activation must be one of"),
        ({"sigma_w2": -1.0}, ValueError, "sigma_w2 must be a finite number >= 0, got -1.0"),
        ({"width": 0}, ValueError, "width must be an integer >= 1, got 0"),
        ({"width": 10**6}, ValueError, "width must be an integer <= 131072"),
        ({"depth": 2.5}, TypeError, "depth must be an integer"),
        ({"draws": 0}, ValueError, "draws must be an integer >= 1"),
        ({"q0": 0.0}, ValueError, "q0 must be a finite number > 0"),
        ({"c0": 1.5}, ValueError, r"c0 must be a finite number in \[-1, 1\], got 1.5"),
        ({"seed": -1}, ValueError, "seed must be an integer in"),
        ({"threads": 0}, ValueError, "threads must be an integer >= 1"),
        ({"bins": [1.0, 0.0]}, ValueError, "bins must be at least two finite increasing edges"),
        ({"bins": "many"}, TypeError, "bins must be None, an integer or an array"),
        ({"progress": 1}, TypeError, "progress must be True or False"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_value(kwargs, error, message):
    args = {"activation": "tanh", "sigma_w2": 1.0, "sigma_b2": 0.0, "width": 8, "depth": 2}
    with pytest.raises(error, match=message):
        simulate_random_network(**(args | kwargs))


def test_result_serialises_to_json():
    sim = simulate_random_network("erf", 1.5, 0.1, width=20, depth=3, draws=2, bins=[-3, 0, 3])
    d = json.loads(json.dumps(sim.to_dict(per_draw=True)))
    assert d["hist_edges"] == [[-3.0, 0.0, 3.0]] * 3 and len(d["q_a"]) == 2
    assert d["weights_per_second"] > 0
    comparison = json.loads(json.dumps(compare_with_theory(sim).to_dict()))
    assert len(comparison["q_theory"]) == 3 and comparison["max_relative_deviation"] >= 0


# --------------------------------------------------------------------------------------
# The mean-field theory
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_narrow_networks_agree_with_the_theory_within_4_standard_errors(case):
    """A quick check at width 200 (the finite-width bias, O(1/N) ~ 0.5 %, is well inside
    the standard error of 16 networks, ~1-3 %)."""
    act, sw, sb = CASES[case]
    sim = simulate_random_network(act, sw, sb, width=200, depth=DEPTH, draws=16, seed=6)
    comparison = compare_with_theory(sim)
    assert np.all(np.abs(comparison.q_pull) < 4), comparison.q_pull
    assert np.all(np.abs(comparison.c_pull) < 4), comparison.c_pull
    density = sim.density()
    widths = np.diff(sim.hist_edges, axis=1)
    inside = sim.hist_counts.sum(axis=1) / (2 * sim.draws * sim.width)
    np.testing.assert_allclose((density * widths).sum(axis=1), inside)
    assert inside.min() > 0.999  # the default bins reach +/-5 sigma of the theory


@pytest.fixture(scope="module")
def width_1000():
    """48 networks of width 1000 and depth 20 per case: 1e9 weights, ~7 s on two cores."""
    return {
        name: simulate_random_network(act, sw, sb, WIDTH, DEPTH, draws=48, q0=1.0, c0=0.5, seed=1)
        for name, (act, sw, sb) in CASES.items()
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_every_layer_agrees_with_the_theory_at_width_1000(width_1000, case):
    """Within 2 % and within 4 standard errors at every layer.

    One network's ``q_l`` scatters by ~4.5 % and 48 networks make the standard error of
    the mean ~0.65 %, so 2 % is three standard errors. ReLU at He initialisation is the
    exception for ``q_l``: the length performs a multiplicative random walk whose spread
    reaches ~30 % per network at layer 20, and 2 % would take ~2000 networks; its ``q_l``
    is held to 4 standard errors (exact in the mean at any width) and its ``c_l`` to 2 %."""
    comparison = compare_with_theory(width_1000[case])
    assert np.all(np.abs(comparison.c_deviation) < 0.02), comparison.c_deviation
    assert np.all(np.abs(comparison.c_pull) < 4), comparison.c_pull
    assert np.all(np.abs(comparison.q_pull) < 4), comparison.q_pull
    if case != "relu-he":
        assert np.all(np.abs(comparison.q_deviation) < 0.02), comparison.q_deviation


def _gaussian_bin_probabilities(edges, q):
    cdf = np.array([0.5 * (1.0 + math.erf(e / math.sqrt(2.0 * q))) for e in edges])
    return np.diff(cdf)


@pytest.mark.slow
def test_preactivations_flow_to_the_gaussian_of_the_fixed_point(width_1000):
    sim = width_1000["tanh-ordered"]
    mf = MeanField("tanh", 1.3, 0.05)
    q_theory, _ = mf.iterate(sim.q0, sim.c0, sim.depth)
    total = 2 * sim.draws * sim.width

    def distance(layer, q):  # total variation between the histogram and N(0, q)
        edges = sim.hist_edges[layer]
        observed = sim.hist_counts[layer] / total
        return 0.5 * np.abs(observed - _gaussian_bin_probabilities(edges, q)).sum()

    # Each layer is Gaussian with the variance of the theory (binning noise ~0.01) ...
    for layer in (0, 4, DEPTH - 1):
        assert distance(layer, q_theory[layer]) < 0.03
    # ... and the last one is N(0, q*), far from where the first layer started.
    assert distance(DEPTH - 1, mf.q_star) < 0.03
    assert distance(0, mf.q_star) > 0.3


@pytest.mark.slow
def test_relu_length_map_holds_one_layer_at_a_time(width_1000):
    """ReLU at He initialisation, one layer at a time: ``q_(l+1)`` of each network against
    the length map of its own ``q_l``. One step is self-averaging (about 7 % per network,
    1 % for the mean of 48) where the product of 20 steps is not: every layer within 4
    standard errors, and the steps pooled over layers and networks within 1 %."""
    sim = width_1000["relu-he"]
    mf = MeanField("relu", 2.0, 0.0)
    for q in (sim.q_a, sim.q_b):
        ratio = q[:, 1:] / mf.length_map(q[:, :-1])
        mean = ratio.mean(axis=0)
        error = ratio.std(axis=0, ddof=1) / np.sqrt(ratio.shape[0])
        assert np.all(np.abs(mean - 1) < 4 * error), (mean - 1) / error
        pooled = ratio.mean()
        assert abs(pooled - 1) < min(0.01, 4 * ratio.std(ddof=1) / np.sqrt(ratio.size))
