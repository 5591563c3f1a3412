"""Engine: one validated choice of algorithm, kernel, backend and threads, and the same
defaults (the same chain) through every entry point."""

import dataclasses
import warnings

import numba
import numpy as np
import pytest

from isingml import Engine, IsingModel, simulate, temperature_scan
from isingml.ising.engine import PARALLEL_MIN_L, as_engine, resolve_kernel


def test_the_default_resolves_to_metropolis_on_the_multispin_kernel():
    engine = Engine()
    assert (engine.algorithm, engine.kernel, engine.backend, engine.threads) == (
        "metropolis",
        "multispin",
        "cpu",
        None,
    )
    assert Engine(kernel="auto") == Engine(kernel="multispin") != Engine(kernel="byte")
    assert Engine("heatbath").kernel == "multispin"
    assert Engine("wolff").kernel == Engine("swendsen-wang").kernel == "byte"
    assert as_engine("heatbath") == Engine("heatbath")
    assert as_engine(engine) is engine
    assert engine.checkerboard and not engine.cluster and Engine("wolff").cluster
    with pytest.raises(dataclasses.FrozenInstanceError):
        engine.kernel = "byte"


def test_threads_for_a_lattice():
    available = numba.config.NUMBA_NUM_THREADS
    assert Engine().threads_for(PARALLEL_MIN_L - 2) == 1
    assert Engine().threads_for(PARALLEL_MIN_L) == available
    assert Engine(threads=1).threads_for(1024) == 1


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"algorithm": "glauber"}, ValueError, "algorithm must be one of"),
        ({"kernel": "simd"}, ValueError, "kernel must be one of 'auto', 'byte', 'multispin'"),
        ({"backend": "gpu"}, ValueError, "backend must be one of \\('cpu', 'cuda'\\)"),
        (
            {"algorithm": "wolff", "kernel": "multispin"},
            ValueError,
            "kernel 'multispin' runs the metropolis and heatbath sweeps; algorithm 'wolff'",
        ),
        (
            {"algorithm": "swendsen-wang", "backend": "cuda"},
            ValueError,
            "algorithm 'swendsen-wang' runs on the CPU",
        ),
        ({"threads": 0}, ValueError, "threads must be an integer >= 1"),
        ({"threads": 10**6}, ValueError, "threads must be between 1 and"),
        ({"threads": 1.5}, TypeError, "threads must be an integer"),
    ],
)
def test_combinations_that_do_not_exist_are_refused(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Engine(**kwargs)


def test_resolve_kernel():
    assert resolve_kernel("auto", "metropolis") == "multispin"
    assert resolve_kernel("byte", "heatbath") == "byte"
    assert resolve_kernel("auto", "wolff") == "byte"
    with pytest.raises(ValueError, match="kernel 'multispin' runs the metropolis"):
        resolve_kernel("multispin", "swendsen-wang")


def test_an_engine_or_an_algorithm_name_and_nothing_else():
    with pytest.raises(TypeError, match=r"engine must be an isingml\.ising\.Engine"):
        IsingModel(4, 2.0).update(1, {"algorithm": "wolff"})
    with pytest.raises(TypeError, match=r"engine must be an isingml\.ising\.Engine"):
        simulate(4, 2.0, 10, engine=None, progress=False)


def _updated_then_measured(L, T, thermalize, n_meas, interval, engine=None, **model):
    # The chain as a user runs it by hand: update, then measure.
    args = () if engine is None else (engine,)
    chain = IsingModel(L, T, seed=9, **model)
    chain.update(thermalize, *args)
    series = []
    for _ in range(n_meas):
        chain.update(interval, *args)
        series.append(chain.measure())
    energy, magnetization = np.array(series).T
    return chain, energy, magnetization


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # short series: tau_int notes
@pytest.mark.parametrize(
    ("engine", "L", "h"),
    [
        (None, 8, 0.0),  # the defaults of both entry points
        (None, 10, 0.3),
        (Engine("heatbath"), 8, 0.2),
        (Engine(kernel="byte"), 6, 0.0),
        (Engine("heatbath", kernel="byte", threads=1), 8, 0.0),
        ("swendsen-wang", 8, 0.0),
    ],
)
def test_update_then_measure_is_the_chain_simulate_runs(engine, L, h):
    thermalize, sweeps, interval = 7, 30, 3
    chain, energy, magnetization = _updated_then_measured(
        L, 2.4, thermalize, sweeps // interval, interval, engine, h=h
    )
    options = {} if engine is None else {"engine": engine}
    r = simulate(
        L,
        2.4,
        sweeps,
        thermalize=thermalize,
        interval=interval,
        h=h,
        seed=9,
        progress=False,
        **options,
    )
    np.testing.assert_array_equal(r.model.spins, chain.spins)
    np.testing.assert_array_equal(r.energy, energy)
    np.testing.assert_array_equal(r.magnetization, magnetization)
    assert r.model.step == chain.step
    assert r.engine == as_engine(engine if engine is not None else Engine())


def test_sample_many_and_temperature_scan_take_the_same_default():
    from isingml.ising import sample_many

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scan = temperature_scan(8, [2.0], 20, thermalize=5, seed=4, progress=False)
    chain = IsingModel(8, 2.0, seed=4)
    chain.update(5)
    ((e, m),) = sample_many([chain], 20)
    np.testing.assert_array_equal(scan[0].energy, e)
    np.testing.assert_array_equal(scan[0].magnetization, m)
    assert scan[0].engine == Engine()
