"""Side-by-side speed of isingml's Hopfield recall and its peers, in one process.

Run from the repository root (also part of ``python benchmarks/compare.py``)::

    python benchmarks/compare_hopfield.py [--quick]

Workload (as in ``bench_hopfield.py``): p = 0.05 n Hebbian patterns, probes with 10% of
the units flipped, asynchronous updates in a random order until a sweep changes nothing.
Peers: a plain NumPy implementation that updates one unit at a time for the whole batch
(``S[:, i] = sign(S @ W[i])``, one shared order per sweep, the same batch), and the PyPI packages
``hopfieldkit`` and ``hopfieldnetwork`` when installed (one probe at a time, as their APIs
work). The figure of merit is probes recalled per second; every implementation's recall
quality (mean final overlap) is printed beside it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
from collections.abc import Callable

import numpy as np
from bench_hopfield import BATCH, recall_case

from isingml.hopfield import HopfieldNetwork


def numpy_async_recall(w: np.ndarray, probes: np.ndarray, seed: int, max_sweeps: int = 100):
    """Asynchronous recall of a batch in plain NumPy: one unit of every probe at a time."""
    rng = np.random.default_rng(seed)
    s = probes.astype(np.float64)
    n = s.shape[1]
    for _ in range(max_sweeps):
        changed = False
        for i in rng.permutation(n):
            new = np.where(s @ w[i] >= 0.0, 1.0, -1.0)
            if not changed and np.any(new != s[:, i]):
                changed = True
            s[:, i] = new
        if not changed:
            break
    return s.astype(np.int8)


def _time(run: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    out = run()  # warm-up (and JIT)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _overlap(states: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean(np.sum(states * targets, axis=1) / targets.shape[1]))


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def hopfield_comparison(quick: bool = False) -> list[dict]:
    """Probes per second of isingml and each peer, per network size."""
    rows = []
    for n in sorted(BATCH):
        rows.extend(_compare_size(n, quick))
    return rows


def _compare_size(n: int, quick: bool) -> list[dict]:
    rows = []
    repeats = 2 if quick else 3
    net, probes, targets = recall_case(n)
    w = np.array(net.weights_)
    k = probes.shape[0]
    t, out = _time(lambda: net.run(probes, seed=1).states, repeats)
    base = k / t
    rows.append(
        {
            "n": n,
            "impl": "isingml",
            "probes_per_s": base,
            "ratio": 1.0,
            "overlap": _overlap(out, targets),
            "probes": k,
        }
    )
    few = k // 2 if quick else k  # the same batch: NumPy gains from batching too
    t, out = _time(lambda: numpy_async_recall(w, probes[:few], 1), 1)
    rows.append(
        {
            "n": n,
            "impl": "NumPy (batch, unit by unit)",
            "probes_per_s": few / t,
            "overlap": _overlap(out, targets[:few]),
            "probes": few,
        }
    )
    one = 2 if n >= 4096 else 8
    if _version("hopfieldkit"):
        from hopfieldkit import HopfieldNetwork as KitNetwork

        kit = KitNetwork(n)
        kit.weights = w.copy()

        def run_kit() -> np.ndarray:
            return np.stack([kit.recall(p, seed=1) for p in probes[:one]])

        t, out = _time(run_kit, 1)
        rows.append(
            {
                "n": n,
                "impl": f"hopfieldkit {_version('hopfieldkit')}",
                "probes_per_s": one / t,
                "overlap": _overlap(out, targets[:one]),
                "probes": one,
            }
        )
    if _version("hopfieldnetwork"):
        from hopfieldnetwork import HopfieldNetwork as PeerNetwork

        peer = PeerNetwork(n)
        peer.w = w.copy()

        def run_peer() -> np.ndarray:
            finals = []
            for p in probes[:one]:
                peer.set_initial_neurons_state(p.copy())
                peer.update_neurons(0, "async", run_max=True)
                finals.append(peer.S.copy())
            return np.stack(finals)

        t, out = _time(run_peer, 1)
        rows.append(
            {
                "n": n,
                "impl": f"hopfieldnetwork {_version('hopfieldnetwork')}",
                "probes_per_s": one / t,
                "overlap": _overlap(out, targets[:one]),
                "probes": one,
            }
        )
    for r in rows:
        r["ratio"] = base / r["probes_per_s"]
    return rows


def print_hopfield(rows: list[dict]) -> None:
    """Print the comparison table."""
    print(f"{'n':>5}  {'implementation':<30} {'probes/s':>12} {'isingml/peer':>13} {'overlap':>8}")
    for r in rows:
        print(
            f"{r['n']:5d}  {r['impl']:<30} {r['probes_per_s']:12.1f} {r['ratio']:12.1f}x "
            f"{r['overlap']:8.3f}"
        )
    print(
        "isingml: one batch call, all threads; NumPy: the same batch. The one-probe-at-a-time "
        "peers are timed on a few probes (rates are per probe, so the ratio holds)."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the Hopfield comparison."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats and probes")
    args = p.parse_args(argv)
    HopfieldNetwork().fit(np.ones(4)).run(np.ones(4))  # compile outside any timing
    print_hopfield(hopfield_comparison(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
