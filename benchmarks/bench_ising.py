"""Benchmarks of the Ising update kernels (pytest-benchmark).

Run from the repository root::

    pytest benchmarks/bench_ising.py --benchmark-only
    pytest benchmarks/bench_ising.py --benchmark-only -k "64 or 256"

Every case warms the JIT up before timing, runs a fixed amount of work per round with
:meth:`benchmark.pedantic`, asserts on the physics of the final state (so that a fast
wrong kernel fails), and stores in ``extra_info`` the rates physicists quote:
``flips_per_ns`` (spin-flip attempts, N per sweep or sweep-equivalent, per nanosecond),
``sweeps_per_s`` and, for Wolff, independent samples of |m| per second.

Groups compare like with like: within ``checkerboard L=...`` every row does the same
number of sweeps per round, so the time columns are directly comparable.
"""

from __future__ import annotations

import functools
import warnings

import numba
import pytest

from isingml.ising import Engine, IsingModel, simulate
from isingml.ising.exact import T_C

ALL = int(numba.config.NUMBA_NUM_THREADS)
THREADS = sorted({1, ALL})

#: Sweeps per round and rounds, per lattice side: about 0.05-0.3 s a round on one core.
CHECKERBOARD = {64: (4000, 8), 256: (1600, 8), 1024: (128, 6), 4096: (8, 3)}


def _warm_up(model: IsingModel, engine: Engine) -> None:
    """Compile (and run once) the kernel on a copy, so no timed round pays for the JIT."""
    model.copy().update(1, engine)


def _rates(benchmark, n_spins: int, sweeps: float) -> None:
    """Store flips per ns and sweeps per second from the mean round time."""
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["sweeps_per_round"] = sweeps
    benchmark.extra_info["sweeps_per_s"] = sweeps / mean
    benchmark.extra_info["flips_per_ns"] = n_spins * sweeps / mean / 1e9


def _assert_critical_state(model: IsingModel, e0: float) -> None:
    e = model.energy()
    assert -2.0 < e < 0.0, f"energy per spin {e} outside (-2, 0) at T_c"
    assert e != e0, "the lattice did not change"
    assert -1.0 <= model.magnetization() <= 1.0


# -- checkerboard kernels -------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["byte", "multispin"])
@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"threads={t}")
@pytest.mark.parametrize("L", sorted(CHECKERBOARD), ids=lambda L: f"L={L}")
def test_metropolis_tc(benchmark, L: int, threads: int, kernel: str) -> None:
    """Metropolis sweeps at T_c from a hot start, 1 thread and all of Numba's threads, with
    the byte-spin and the multi-spin kernel."""
    sweeps, rounds = CHECKERBOARD[L]
    if kernel == "multispin":
        sweeps *= 2  # about twice as fast: keep the rounds long enough to time
    benchmark.group = f"checkerboard L={L}"
    model = IsingModel(L, T_C, seed=1)
    engine = Engine("metropolis", kernel=kernel, threads=threads)
    _warm_up(model, engine)
    e0 = model.energy()
    benchmark.pedantic(model.update, args=(sweeps, engine), rounds=rounds, iterations=1)
    _rates(benchmark, model.n_spins, sweeps)
    benchmark.extra_info["threads"] = threads
    benchmark.extra_info["kernel"] = kernel
    _assert_critical_state(model, e0)


@pytest.mark.benchmark(group="checkerboard L=1024")
def test_heatbath_tc(benchmark) -> None:
    """Heat-bath (Glauber) sweeps at T_c, L = 1024, all threads, byte-spin kernel."""
    L = 1024
    sweeps, rounds = CHECKERBOARD[L]
    model = IsingModel(L, T_C, seed=2)
    engine = Engine("heatbath", kernel="byte", threads=ALL)
    _warm_up(model, engine)
    e0 = model.energy()
    benchmark.pedantic(model.update, args=(sweeps, engine), rounds=rounds, iterations=1)
    _rates(benchmark, model.n_spins, sweeps)
    benchmark.extra_info["threads"] = ALL
    _assert_critical_state(model, e0)


@pytest.mark.benchmark(group="checkerboard L=256")
def test_metropolis_ordered(benchmark) -> None:
    """Metropolis sweeps deep in the ordered phase (T = 1.5, cold start), byte-spin kernel,
    one thread: |m| stays > 0.9."""
    L = 256
    sweeps, rounds = CHECKERBOARD[L]
    model = IsingModel(L, 1.5, initial="cold", seed=3)
    engine = Engine("metropolis", kernel="byte", threads=1)
    _warm_up(model, engine)
    benchmark.pedantic(model.update, args=(sweeps, engine), rounds=rounds, iterations=1)
    _rates(benchmark, model.n_spins, sweeps)
    benchmark.extra_info["threads"] = 1
    assert abs(model.magnetization()) > 0.9
    assert model.energy() < -1.8


# -- cluster algorithms -----------------------------------------------------------------------
#: Sweep-equivalents per round (about 3e6 flipped spins each, ~0.1 s) and rounds.
WOLFF = {64: (800, 6), 256: (50, 6)}
#: Sweep-equivalents of the (untimed) run that measures tau_int(|m|).
WOLFF_TAU_SWEEPS = {64: 4000, 256: 1000}


@functools.cache
def wolff_tau(L: int) -> float:
    """tau_int(|m|) of Wolff at T_c in sweep-equivalents, from one untimed :func:`simulate`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # signed m decorrelates slowly
        r = simulate(
            L,
            T_C,
            WOLFF_TAU_SWEEPS[L],
            thermalize=200,
            engine="wolff",
            seed=5,
            progress=False,
        )
    return float(r.tau_int["abs_magnetization"])


@pytest.mark.benchmark(group="wolff T_c")
@pytest.mark.parametrize("L", sorted(WOLFF), ids=lambda L: f"L={L}")
def test_wolff_tc(benchmark, L: int) -> None:
    """Wolff cluster updates at T_c: sweep-equivalents and independent samples per second.

    Each round runs ``model.thermalize(k, "wolff")``: single-cluster updates until ``k * N``
    spins have flipped. The rates use the spins actually flipped during the timed rounds.
    """
    sweeps, rounds = WOLFF[L]
    tau = wolff_tau(L)  # outside the timing
    model = IsingModel(L, T_C, seed=4)
    model.thermalize(200, "wolff")  # JIT and equilibration
    e0 = model.energy()
    flipped0 = model.flipped_by_clusters
    benchmark.pedantic(model.thermalize, args=(sweeps, "wolff"), rounds=rounds, iterations=1)
    st = benchmark.stats.stats
    done = (model.flipped_by_clusters - flipped0) / model.n_spins  # sweep-equivalents
    sweeps_per_s = done / (st.mean * st.rounds)
    benchmark.extra_info["tau_int_abs_m_sweeps"] = tau
    benchmark.extra_info["sweep_equivalents_per_s"] = sweeps_per_s
    benchmark.extra_info["flips_per_ns"] = sweeps_per_s * model.n_spins / 1e9
    # tau_int is 1/2 for uncorrelated data here, so n samples hold n / (2 tau) independent ones.
    benchmark.extra_info["independent_samples_per_s"] = sweeps_per_s / (2.0 * tau)
    benchmark.extra_info["sweeps_per_s_over_tau"] = sweeps_per_s / tau
    assert done >= sweeps * rounds
    assert 0.0 < tau < 20.0, f"Wolff tau_int(|m|) = {tau} sweeps at T_c is not small"
    _assert_critical_state(model, e0)


@pytest.mark.benchmark(group="swendsen-wang T_c")
def test_swendsen_wang_tc(benchmark) -> None:
    """Swendsen–Wang updates at T_c, L = 64 (one update touches every spin)."""
    L, sweeps, rounds = 64, 1000, 5
    model = IsingModel(L, T_C, seed=6)
    _warm_up(model, Engine("swendsen-wang"))
    e0 = model.energy()
    benchmark.pedantic(model.update, args=(sweeps, "swendsen-wang"), rounds=rounds, iterations=1)
    _rates(benchmark, model.n_spins, sweeps)
    _assert_critical_state(model, e0)
