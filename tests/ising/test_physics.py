"""Monte Carlo against exact answers: Kaufman's finite lattice and enumeration.

Every comparison states its tolerance in standard errors; the errors come from the
integrated autocorrelation time (means) and the blocked jackknife (heat capacity,
susceptibility, Binder cumulant). Seeds are fixed.
"""

import json
import warnings

import numpy as np
import pytest

from isingml import simulate, temperature_scan
from isingml.ising.exact import (
    enumerate_lattice,
    finite_lattice_energy,
    finite_lattice_heat_capacity,
)

TEMPERATURES = (1.5, 2.0, 2.269, 2.5, 3.0)
SWEEPS = {"metropolis": 40_000, "wolff": 20_000, "heatbath": 40_000, "swendsen-wang": 20_000}


def run(L, T, algorithm, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # short-run notes on signed m
        return simulate(
            L,
            T,
            kwargs.pop("sweeps", SWEEPS[algorithm]),
            thermalize=2000,
            engine=algorithm,
            seed=1,
            progress=False,
            **kwargs,
        )


def deviation(stat, exact):
    return (stat.mean - exact) / stat.error


@pytest.mark.parametrize("algorithm", ["metropolis", "wolff"])
@pytest.mark.parametrize("L", [16, 32])
def test_energy_and_heat_capacity_match_kaufman(L, algorithm):
    # Within 3 standard errors at each of the five temperatures, and the errors are
    # honest overall: the mean squared deviation of the ten comparisons lies inside the
    # central 99.8% of chi^2(10)/10, i.e. between 0.15 and 2.96.
    squares = []
    for T in TEMPERATURES:
        r = run(L, T, algorithm)
        de = deviation(r.observables["energy_per_spin"], finite_lattice_energy(L, T))
        dc = deviation(r.observables["heat_capacity"], finite_lattice_heat_capacity(L, T))
        assert abs(de) < 3, (T, de)
        assert abs(dc) < 3, (T, dc)
        squares += [de * de, dc * dc]
    assert 0.15 < np.mean(squares) < 2.96, squares


@pytest.mark.parametrize("algorithm", ["heatbath", "swendsen-wang"])
@pytest.mark.parametrize("T", [2.0, 2.269, 3.0])
def test_other_algorithms_match_kaufman(algorithm, T):
    r = run(16, T, algorithm)
    assert abs(deviation(r.observables["energy_per_spin"], finite_lattice_energy(16, T))) < 3
    assert abs(deviation(r.observables["heat_capacity"], finite_lattice_heat_capacity(16, T))) < 3


@pytest.mark.parametrize(
    ("algorithm", "T", "J", "h"),
    [
        ("metropolis", 2.0, 1.0, 0.3),
        ("heatbath", 2.5, 1.0, -0.2),
        ("metropolis", 1.8, -1.0, 0.5),
        ("wolff", 2.269, 1.0, 0.0),
        ("swendsen-wang", 1.5, 1.0, 0.0),
    ],
)
def test_every_observable_matches_enumeration_at_L4(algorithm, T, J, h):
    # 2**16 states enumerated exactly, with a field and an antiferromagnet among them.
    exact = enumerate_lattice(4, T, J, h)
    r = run(4, T, algorithm, J=J, h=h, sweeps=100_000)
    obs = r.observables
    pairs = {
        "energy_per_spin": exact.energy,
        "heat_capacity": exact.heat_capacity,
        "abs_magnetization": exact.abs_magnetization,
        "susceptibility": exact.susceptibility,
        "binder": exact.binder,
    }
    for name, value in pairs.items():
        assert abs(deviation(obs[name], value)) < 3, (name, obs[name], value)


@pytest.mark.slow
def test_wolff_decorrelates_at_least_ten_times_faster_than_metropolis_at_tc():
    # L = 64 at T_c: tau_int of |m| in sweeps (Wolff in sweep-equivalents).
    metro = run(64, 2.269185, "metropolis", sweeps=60_000)
    wolff = run(64, 2.269185, "wolff", sweeps=10_000)
    tau_m = metro.tau_int["abs_magnetization"]
    tau_w = wolff.tau_int["abs_magnetization"]
    assert tau_m > 10 * tau_w, (tau_m, tau_w)
    # Both long enough for their own estimate: at least 50 tau per run.
    assert metro.sweeps > 50 * tau_m and wolff.sweeps > 50 * tau_w


def test_simulation_result_is_json_ready_and_complete():
    r = run(8, 2.5, "metropolis", sweeps=2000, interval=2)
    d = json.loads(json.dumps(r.to_dict()))
    for key in ("energy_per_spin", "abs_magnetization", "heat_capacity", "susceptibility"):
        assert set(d[key]) == {"mean", "error"}
    assert d["binder"]["error"] > 0
    assert d["measurements"] == 1000 and d["interval"] == 2
    assert d["flips_per_ns"] > 0 and d["tau_int"] > 0
    assert r.energy.shape == r.magnetization.shape == (1000,)
    assert r.model.step == 2000 + 2000


def test_temperature_scan_uses_one_stream_per_temperature():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        results = temperature_scan(8, [2.0, 3.0], 500, thermalize=100, seed=3, progress=False)
    assert [r.stream for r in results] == [0, 1]
    assert (
        results[0].observables["energy_per_spin"].mean
        < results[1].observables["energy_per_spin"].mean
    )


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"sweeps": -5}, ValueError, "sweeps must be an integer >= 1, got -5"),
        ({"thermalize": -1}, ValueError, "thermalize must be an integer >= 0"),
        ({"interval": 0}, ValueError, "interval must be an integer >= 1"),
        ({"sweeps": 3, "interval": 5}, ValueError, "sweeps must be >= interval"),
        ({"engine": "exchange"}, ValueError, "algorithm must be one of"),
        ({"engine": "wolff", "h": 0.5}, ValueError, "needs h = 0"),
        ({"T": float("nan")}, ValueError, "T must be finite"),
        ({"L": 7}, ValueError, "L must be an even integer >= 2, got 7"),
    ],
)
def test_bad_simulation_arguments_fail_before_any_work(kwargs, exc, match):
    args = {"L": 8, "T": 2.0, "sweeps": 100} | kwargs
    L, T, sweeps = args.pop("L"), args.pop("T"), args.pop("sweeps")
    with pytest.raises(exc, match=match):
        simulate(L, T, sweeps, progress=False, **args)
