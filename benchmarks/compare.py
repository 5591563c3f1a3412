"""Side-by-side speed of isingml's Metropolis kernel and its peers, in one process.

Run from the repository root::

    python benchmarks/compare.py            # about 1-2 minutes on 2 cores
    python benchmarks/compare.py --quick    # about 20-30 seconds
    python benchmarks/compare.py --sizes 64 256 --json results.json

Every implementation is timed in this process, one after the other, so the ratios
``isingml / peer`` share the machine's state (clock, load, cache) and mean something even
when the absolute numbers are noisy. Each case is warmed up, then calibrated (the work per
timed call doubles until a call takes ``--target`` seconds) and timed ``--repeats`` times;
the table shows the median and the best of those repeats in spin-flip attempts per
nanosecond (one attempt = one site visited by a sweep).

Then the script checks that the plain NumPy sampler is roughly right (mean energy against
the exact finite-lattice value) and compares the integrated autocorrelation time of |m| of
Wolff and Metropolis at T_c and L = 64, in sweeps (sweep-equivalents for Wolff), and
times Hopfield recall against NumPy and the Hopfield packages on PyPI
(``compare_hopfield.py``), RBM training against scikit-learn (``compare_rbm.py``), and the
hand-written networks against PyTorch and scikit-learn (``compare_nn.py``), and the
autoencoder against PyTorch and itself streamed from HDF5 (``compare_autoencoder.py``), and
the deep-random-network simulation against NumPy and PyTorch (``compare_signal.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numba
import numpy as np

from isingml.hopfield import HopfieldNetwork
from isingml.ising import Engine, IsingModel, simulate
from isingml.ising.exact import T_C, finite_lattice_energy, onsager_energy
from isingml.stats import integrated_autocorrelation_time

ALL_THREADS = int(numba.config.NUMBA_NUM_THREADS)


# -- the first thing a physicist writes: vectorized NumPy checkerboard Metropolis ----------
def checkerboard_masks(L: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the black and white sublattices of an ``L x L`` lattice.

    Parameters
    ----------
    L : int
        Lattice side (even, so that the colouring is consistent across the boundary).

    Returns
    -------
    (ndarray, ndarray) of bool, shape (L, L)
        Black (``i + j`` even) and white sites.
    """
    i, j = np.indices((L, L))
    black = (i + j) % 2 == 0
    return black, ~black


def numpy_metropolis(
    spins: np.ndarray,
    beta: float,
    n_sweeps: int,
    rng: np.random.Generator,
    masks: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Plain vectorized NumPy checkerboard Metropolis sweeps (J = 1, h = 0), in place.

    Neighbour sums from ``np.roll``, one ``rng.random`` uniform per site and half-sweep,
    acceptance ``u < exp(-beta dE)``: the code a physicist writes first.

    Parameters
    ----------
    spins : ndarray of int8, shape (L, L)
        Lattice of +/-1, updated in place.
    beta : float
        Inverse temperature.
    n_sweeps : int
        Sweeps (black half-sweep, then white).
    rng : numpy.random.Generator
        Source of the uniforms.
    masks : (ndarray, ndarray), optional
        From :func:`checkerboard_masks` (computed when omitted).

    Returns
    -------
    ndarray
        ``spins``.
    """
    if masks is None:
        masks = checkerboard_masks(spins.shape[0])
    for _ in range(n_sweeps):
        for mask in masks:
            nb = (
                np.roll(spins, 1, axis=0)
                + np.roll(spins, -1, axis=0)
                + np.roll(spins, 1, axis=1)
                + np.roll(spins, -1, axis=1)
            )
            dE = 2.0 * spins * nb
            flip = mask & (rng.random(spins.shape) < np.exp(-beta * dE))
            spins[flip] *= -1
    return spins


def energy_per_spin(spins: np.ndarray) -> float:
    """Energy per spin ``-(1/N) sum_<ij> s_i s_j`` of an ``(L, L)`` periodic lattice."""
    s = spins.astype(np.int64)
    bonds = np.sum(s * np.roll(s, 1, axis=0)) + np.sum(s * np.roll(s, 1, axis=1))
    return float(-bonds / s.size)


# -- timing -------------------------------------------------------------------------------
@dataclass
class Row:
    """One timed case of the table."""

    L: int
    impl: str
    threads: int | None
    timed: str
    flips_per_ns_median: float = math.nan
    flips_per_ns_best: float = math.nan
    sweeps_per_call: float = math.nan
    energy_after: float = math.nan
    ratio: float = math.nan  # isingml (same thread count) / this, on the median
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def calibrate(run: Callable[[int], None], target: float, start: int = 1) -> int:
    """Work per call ``n`` (from ``start``, growing) for which ``run(n)`` takes >= ``target`` s.

    Parameters
    ----------
    run : callable
        ``run(n)`` does ``n`` units of work.
    target : float
        Seconds one timed call should last.
    start : int
        First ``n`` tried.

    Returns
    -------
    int
    """
    n = max(1, start)
    while True:
        t0 = time.perf_counter()
        run(n)
        dt = time.perf_counter() - t0
        if dt >= target:
            return n
        n = int(n * min(8.0, max(2.0, 1.2 * target / max(dt, 1e-9))))


def time_sweeps(
    run: Callable[[int], None], n_spins: int, target: float, repeats: int, start: int = 1
) -> tuple[float, float, int]:
    """Median and best spin-flip attempts per ns of ``run(n)`` (n sweeps of N sites).

    Returns
    -------
    (float, float, int)
        Median and best attempts per ns over ``repeats`` timed calls, and the sweeps per call.
    """
    run(start)  # warm-up (JIT, caches, thread pools)
    n = calibrate(run, target, start)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(n)
        times.append(time.perf_counter() - t0)
    work = n_spins * n
    return work / statistics.median(times) / 1e9, work / min(times) / 1e9, n


# -- the contenders ---------------------------------------------------------------------
def bench_isingml(L: int, threads: int, target: float, repeats: int) -> Row:
    """isingml Metropolis sweeps, ``IsingModel.update(n, Engine(kernel="byte", threads=t))``."""
    model = IsingModel(L, T_C, seed=1)
    engine = Engine("metropolis", kernel="byte", threads=threads)
    model.update(20, engine)

    def run(n: int) -> None:
        model.update(n, engine)

    med, best, n = time_sweeps(run, L * L, target, repeats)
    return Row(
        L,
        "isingml",
        threads,
        "IsingModel.update(n, 'metropolis')",
        med,
        best,
        n,
        model.energy(),
    )


def bench_numpy(L: int, target: float, repeats: int) -> Row:
    """The plain NumPy checkerboard Metropolis of this file."""
    rng = np.random.default_rng(1)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, L))
    masks = checkerboard_masks(L)
    beta = 1.0 / T_C

    def run(n: int) -> None:
        numpy_metropolis(spins, beta, n, rng, masks)

    med, best, n = time_sweeps(run, L * L, target, repeats)
    return Row(
        L,
        "numpy (np.roll)",
        1,
        "numpy_metropolis(spins, beta, n)",
        med,
        best,
        n,
        energy_per_spin(spins),
    )


def bench_isingenerator(L: int, threads: int, target: float, repeats: int) -> Row:
    """isingenerator (C++/OpenMP): equilibration sweeps only, no measurement blocks."""
    timed = "Simulation.run_single_temperature(T, n, 0, 1, threads)"
    try:
        import isingenerator
    except ImportError:
        return Row(L, "isingenerator", threads, timed, note="not installed")
    sim = isingenerator.Simulation(rows=L, cols=L, J=1.0, B=0.0, p=0.5, seed=1)

    def run(n: int) -> None:
        # equilibration_sweeps=n, measurement_blocks=0: only the Metropolis sweeps run
        # (plus a fixed per-call cost of tens of microseconds).
        sim.run_single_temperature(T_C, n, 0, 1, threads=threads)

    run(20)
    med, best, n = time_sweeps(run, L * L, target, repeats)
    e = energy_per_spin(np.array(sim.get_lattice()))
    return Row(L, "isingenerator", threads, timed, med, best, n, e)


def bench_isingmodel(L: int, target: float, repeats: int) -> Row:
    """ising-rs (Rust): one Python call per single-spin Metropolis attempt."""
    timed = "Lattice.simulation_step() x N*n (1 attempt/call)"
    try:
        import isingmodel
    except ImportError:
        return Row(L, "ising-rs", 1, timed, note="not installed")
    lat = isingmodel.Lattice(L, L, T_C, 0.0)
    n_spins = L * L

    def run(n: int) -> None:
        step = lat.simulation_step
        for _ in range(n * n_spins):
            step()

    med, best, n = time_sweeps(run, n_spins, target, repeats)
    return Row(
        L, "ising-rs", 1, timed, med, best, n, float(lat.get_energy()) / n_spins, note="no seed"
    )


# -- correctness of the NumPy reference and the autocorrelation comparison ------------------
def check_numpy_sampler(quick: bool) -> dict[str, Any]:
    """Mean energy of the NumPy sampler at T_c, L = 64 against the exact torus value."""
    L = 64
    therm, meas = (300, 1500) if quick else (500, 4000)
    rng = np.random.default_rng(7)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, L))
    masks = checkerboard_masks(L)
    beta = 1.0 / T_C
    numpy_metropolis(spins, beta, therm, rng, masks)
    e = np.empty(meas)
    for k in range(meas):
        numpy_metropolis(spins, beta, 1, rng, masks)
        e[k] = energy_per_spin(spins)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tau, _ = integrated_autocorrelation_time(e)
    err = float(np.sqrt(2.0 * tau * e.var(ddof=1) / meas))
    exact = float(finite_lattice_energy(L, T_C))
    z = (float(e.mean()) - exact) / err
    return {
        "L": L,
        "sweeps": meas,
        "mean_energy": float(e.mean()),
        "error": err,
        "exact": exact,
        "z": z,
        "ok": bool(abs(z) < 4.0),
    }


def tau_comparison(quick: bool) -> dict[str, Any]:
    """tau_int(|m|) in sweeps of Metropolis and Wolff at T_c, L = 64, via :func:`simulate`."""
    L = 64
    met_sweeps, wolff_sweeps = (40_000, 5_000) if quick else (200_000, 20_000)
    out: dict[str, Any] = {"L": L, "T": T_C}
    with warnings.catch_warnings():
        # the signed magnetization decorrelates far slower than |m| and warns; not used here
        warnings.simplefilter("ignore", RuntimeWarning)
        for alg, sweeps in (("metropolis", met_sweeps), ("wolff", wolff_sweeps)):
            t0 = time.perf_counter()
            r = simulate(
                L,
                T_C,
                sweeps,
                thermalize=2000,
                engine=Engine(alg, threads=1),
                seed=11,
                progress=False,
            )
            wall = time.perf_counter() - t0
            sweeps_per_s = r.flips_per_ns * 1e9 / (L * L)
            tau_m = float(r.tau_int["abs_magnetization"])
            out[alg] = {
                "sweeps": sweeps,
                "tau_abs_m": tau_m,
                "tau_energy": float(r.tau_int["energy"]),
                "flips_per_ns": float(r.flips_per_ns),
                "independent_samples_per_s": sweeps_per_s / (2.0 * tau_m),
                "wall_s": wall,
            }
    out["ratio"] = out["metropolis"]["tau_abs_m"] / out["wolff"]["tau_abs_m"]
    out["wolff_at_least_10x"] = bool(out["ratio"] >= 10.0)
    return out


# -- output -------------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    """Versions, CPU model and thread counts."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "numba_threads": ALL_THREADS,
        "numba_threading_layer": str(numba.config.THREADING_LAYER),
        "peers": {name: _version(name) for name in ("isingenerator", "ising-rs")},
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _fmt(x: float, spec: str) -> str:
    return "-" if not math.isfinite(x) else format(x, spec)


def print_table(rows: list[Row]) -> None:
    """Aligned plain-text table of the timed cases."""
    head = (
        "L",
        "implementation",
        "thr",
        "flips/ns med",
        "best",
        "sweeps/call",
        "E/N after",
        "isingml/peer",
        "timed",
    )
    lines = []
    for r in rows:
        ratio = "" if r.impl == "isingml" else _fmt(r.ratio, ".1f") + "x"
        lines.append(
            (
                str(r.L),
                r.impl,
                "-" if r.threads is None else str(r.threads),
                _fmt(r.flips_per_ns_median, ".4f") if not r.note.startswith("not") else "-",
                _fmt(r.flips_per_ns_best, ".4f"),
                _fmt(r.sweeps_per_call, "g"),
                _fmt(r.energy_after, ".4f"),
                ratio if not r.note.startswith("not") else "-",
                r.timed + (f"  [{r.note}]" if r.note else ""),
            )
        )
    widths = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    right = {0, 2, 3, 4, 5, 6, 7}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    print(fmt(head))
    print("  ".join("-" * w for w in widths))
    prev = None
    for r, cells in zip(rows, lines, strict=True):
        if prev is not None and r.L != prev:
            print()
        prev = r.L
        print(fmt(cells))


def _json_safe(x: Any) -> Any:
    # NaN and infinity are not JSON: write null.
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer | np.bool_):
        return x.item()
    return x


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print (and optionally save) the results.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status, 0.
    """
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="shorter timings and runs (< ~2 min)")
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024], help="lattice sides")
    p.add_argument("--repeats", type=int, default=None, help="timed calls per case")
    p.add_argument("--target", type=float, default=None, help="seconds per timed call")
    p.add_argument("--json", metavar="PATH", default=None, help="write the results as JSON")
    p.add_argument("--no-tau", action="store_true", help="skip the autocorrelation comparison")
    p.add_argument("--no-hopfield", action="store_true", help="skip the Hopfield comparison")
    p.add_argument("--no-rbm", action="store_true", help="skip the RBM comparison")
    p.add_argument("--no-nn", action="store_true", help="skip the neural-network comparison")
    p.add_argument("--no-autoencoder", action="store_true", help="skip the autoencoder comparison")
    p.add_argument("--no-signal", action="store_true", help="skip the random-network comparison")
    args = p.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 7)
    target = args.target or (0.1 if args.quick else 0.25)

    info = machine_info()
    print("isingml Metropolis vs peers at T = T_c (one process; attempts per ns)")
    print(
        f"python {info['python']}  numpy {info['numpy']}  numba {info['numba']} "
        f"(threading layer {info['numba_threading_layer']})"
    )
    print(
        f"CPU: {info['cpu']}  cpus {info['cpu_count']} (usable {info['usable_cpus']})  "
        f"numba threads (= 'all'): {ALL_THREADS}"
    )
    peers = info["peers"]
    print(f"peers: isingenerator {peers['isingenerator']}, ising-rs {peers['ising-rs']}")
    print(f"timing: warm-up, calibrate to >= {target} s/call, median and best of {repeats}")
    print()

    # JIT warm-up of every kernel used below, outside any timing.
    warm = IsingModel(8, T_C, seed=0)
    warm.update(2, Engine("metropolis", kernel="byte", threads=1))
    if ALL_THREADS > 1:
        warm.update(2, Engine("metropolis", kernel="byte", threads=ALL_THREADS))

    thread_counts = sorted({1, ALL_THREADS})
    rows: list[Row] = []
    t_start = time.perf_counter()
    for L in args.sizes:
        ml = {t: bench_isingml(L, t, target, repeats) for t in thread_counts}
        rows.extend(ml.values())
        peers = [bench_numpy(L, target, repeats)]
        peers += [bench_isingenerator(L, t, target, repeats) for t in thread_counts]
        peers.append(bench_isingmodel(L, target, repeats))
        for r in peers:
            ref = ml.get(r.threads or 1, ml[1])
            r.ratio = ref.flips_per_ns_median / r.flips_per_ns_median
        rows.extend(peers)
    print_table(rows)
    print(f"\n(timing took {time.perf_counter() - t_start:.0f} s)")
    print(
        "isingml/peer: isingml's median at the same thread count over the peer's median.\n"
        "isingenerator: run_single_temperature with equilibration_sweeps=n and "
        "measurement_blocks=0 (sweeps only; threads = its OpenMP count).\n"
        "ising-rs: its only Metropolis call flips at most one random site, so a sweep is N "
        "Python calls; the rate is mostly call overhead. It takes no seed or thread count.\n"
        "E/N after: energy per spin at the end of the timing, a sanity check only (near "
        f"{float(onsager_energy(T_C)):.4f}, the infinite-lattice value at T_c, once relaxed)."
    )

    print("\nNumPy reference sampler check (T_c, L = 64, hot start):")
    chk = check_numpy_sampler(args.quick)
    print(
        f"  <E/N> = {chk['mean_energy']:.4f} +- {chk['error']:.4f} over {chk['sweeps']} sweeps;"
        f" exact finite-lattice {chk['exact']:.4f}; z = {chk['z']:+.2f} -> "
        f"{'OK' if chk['ok'] else 'SUSPECT'}"
    )

    tau = None
    if not args.no_tau:
        print("\nAutocorrelation of |m| at T_c, L = 64 (simulate(..., threads=1), sweeps):")
        tau = tau_comparison(args.quick)
        for alg in ("metropolis", "wolff"):
            t = tau[alg]
            print(
                f"  {alg:<10}  tau_int(|m|) = {t['tau_abs_m']:8.2f} sweeps   "
                f"tau_int(E) = {t['tau_energy']:7.2f}   {t['flips_per_ns']:.4f} flips/ns   "
                f"{t['independent_samples_per_s']:9.1f} indep. samples/s "
                f"({t['sweeps']} sweeps, {t['wall_s']:.1f} s)"
            )
        verdict = "yes" if tau["wolff_at_least_10x"] else "NO"
        print(
            f"  tau_Metropolis / tau_Wolff = {tau['ratio']:.1f}  "
            f"(Wolff at least 10x smaller: {verdict})"
        )
        print("  independent samples/s = sweeps per second / (2 tau_int(|m|))")

    hopfield = None
    if not args.no_hopfield:
        from compare_hopfield import hopfield_comparison, print_hopfield

        print("\nHopfield asynchronous recall (p = 0.05 n, 10% flipped, until a fixed point):")
        HopfieldNetwork(4).run(np.ones(4))  # compile outside the timing
        hopfield = hopfield_comparison(args.quick)
        print_hopfield(hopfield)

    rbm = None
    if not args.no_rbm:
        from compare_rbm import print_rbm, rbm_comparison

        print("\nRBM training throughput vs scikit-learn's BernoulliRBM:")
        rbm = rbm_comparison(args.quick)
        print_rbm(rbm)

    nn = None
    if not args.no_nn:
        from compare_nn import nn_comparison, print_nn

        print("\nHand-written networks vs PyTorch (CPU) and scikit-learn:")
        nn = nn_comparison(args.quick)
        print_nn(nn)

    autoencoder = None
    if not args.no_autoencoder:
        from compare_autoencoder import autoencoder_comparison
        from compare_nn import print_nn

        print("\nThe 1024-256-64-1 autoencoder vs PyTorch (CPU), and streamed from HDF5:")
        autoencoder = autoencoder_comparison(args.quick)
        print_nn(autoencoder)

    signal = None
    if not args.no_signal:
        from compare_signal import print_signal, signal_comparison

        print("\nDeep random networks (weights drawn and used per second) vs NumPy and PyTorch:")
        signal = signal_comparison(args.quick)
        print_signal(signal)

    if args.json:
        payload = {
            "machine": info,
            "settings": {"quick": args.quick, "repeats": repeats, "target_s": target},
            "metropolis": [asdict(r) for r in rows],
            "numpy_check": chk,
            "tau": tau,
            "hopfield": hopfield,
            "rbm": rbm,
            "nn": nn,
            "autoencoder": autoencoder,
            "signal": signal,
        }
        with open(args.json, "w") as f:
            json.dump(_json_safe(payload), f, indent=2)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
