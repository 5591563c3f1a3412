"""The error bars of ``simulate``: honest over seeds, never zero, refused runs that cannot
fit, and a flag where the errors cannot be trusted."""

import math
import warnings

import numpy as np
import pytest

from isingml import simulate
from isingml.cli.app import main
from isingml.errors import InputError, ResourceError
from isingml.ising import simulation
from isingml.ising.exact import finite_lattice_heat_capacity


def quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return simulate(*args, progress=False, **kwargs)


def test_heat_capacity_z_scores_are_honest_over_forty_seeds():
    # L = 16 at T = 2.269, 3000 sweeps after the default 1000: about 300 tau_int, short
    # enough that one jackknife blocking gave errors too small: on these 40 seeds the rms
    # of z against Kaufman's exact finite-lattice C was 1.42 (1.21 over 240 seeds); the
    # blocking plateau gives 1.27 (1.10 over 240). For honest errors z is nearly standard
    # normal (t-like, from 12-100 blocks): the rms of 40 z-scores is 1 +- 0.11, so
    # [0.7, 1.3] is a ~3 sigma band, and |z| > 4 has a chance of 40 * 6e-5 = 0.3%.
    L, T = 16, 2.269
    exact = finite_lattice_heat_capacity(L, T)
    z = []
    for seed in range(40):
        c = quiet(L, T, 3000, thermalize=1000, seed=seed).observables["heat_capacity"]
        z.append((c.mean - exact) / c.error)
    rms = math.sqrt(float(np.mean(np.square(z))))
    assert 0.7 <= rms <= 1.3, (rms, z)
    assert max(np.abs(z)) < 4, z


def test_anticorrelated_wolff_magnetization_never_gets_a_zero_error():
    # Wolff flips the sign of m at almost every update: the windowed autocorrelation sum
    # of m falls below zero, and the error of <m> was printed as 0. It may not go below
    # the naive error of the series.
    r = quiet(16, 2.269, 5000, engine="wolff", seed=1)
    m = r.magnetization
    naive = float(np.std(m, ddof=1) / math.sqrt(m.size))
    s = r.observables["magnetization"]
    assert s.error >= naive * (1 - 1e-9) and s.error > 0
    assert abs(s.mean) < 4 * s.error  # zero by symmetry


def test_a_run_that_cannot_fit_in_memory_is_refused_before_any_work(monkeypatch):
    def no_lattice(*args, **kwargs):
        raise AssertionError("the lattice was built before the memory check")

    monkeypatch.setattr(simulation, "IsingModel", no_lattice)
    with pytest.raises(ResourceError, match=r"sweeps=10\*\*15|1000000000000000 measurements"):
        simulation.simulate(32, 2.0, 10**15, progress=False)


def test_the_command_says_so_in_one_line_and_exits_1(capsys):
    assert main(["simulate", "--sweeps", "1000000000000000", "--quiet"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "of memory" in lines[0], captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("name", ["sweeps", "thermalize", "interval"])
def test_step_counts_beyond_the_counter_are_refused_quickly(name):
    # Checked before the memory estimate, the lattice and any kernel; the kernels count
    # steps in signed 64 bits.
    kwargs = {"sweeps": 100, "thermalize": 10, "interval": 1} | {name: 2**70}
    with pytest.raises(InputError, match=f"{name} must be at most 2\\*\\*62") as info:
        simulate(8, 2.0, progress=False, **kwargs)
    assert info.value.argument == name


def test_one_measurement_is_refused_for_the_argument_not_for_a_series():
    # Once refused deep in the analysis as "series[0] must be a 1-D array ...".
    with pytest.raises(InputError, match=r"sweeps must be >= 2 \* interval \(10\)") as info:
        simulate(8, 2.0, 9, interval=5, progress=False)
    assert info.value.argument == "sweeps"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rare_tunnelling_is_flagged_and_a_plain_long_run_is_not(seed):
    # L = 4, T = 2, h = 0.3: the chain visits the unfavoured state ~10 times in 10 000
    # sweeps, so the error of <m> hangs on that count (the spread of m over 24 seeds is
    # 1.14-1.24 times the reported error). Flagged in 24 of 24 seeds 0-23; after
    # 200 000 sweeps in none of seeds 0-3.
    with pytest.warns(RuntimeWarning, match="error bars cannot be trusted"):
        r = simulate(4, 2.0, 10_000, h=0.3, seed=seed, progress=False)
    assert not r.reliable
    assert "magnetization" in r.reliability_note
    assert r.error_uncertainty["magnetization"] > simulation.MAX_ERROR_UNCERTAINTY
    d = r.to_dict()
    assert d["reliable"] is False and d["reliability_note"] == r.reliability_note
    # A plain run: L = 8 at T = 3, 10 000 sweeps, ~5000 tau_int; errors uncertain by ~7%.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        plain = simulate(8, 3.0, 10_000, seed=seed, progress=False)
    assert plain.reliable and plain.reliability_note == ""
    assert max(plain.error_uncertainty.values()) < 0.15


def test_a_run_shorter_than_a_hundred_tau_is_flagged():
    # L = 16 at T_c, 500 sweeps: tau_int of |m| ~ 10 sweeps, so ~50 tau_int.
    r = quiet(16, 2.269, 500, thermalize=500, seed=1)
    assert not r.reliable
    assert "integrated autocorrelation times" in r.reliability_note
