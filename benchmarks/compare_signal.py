"""Side-by-side speed of isingml's deep-random-network simulation and its peers, one process.

Run from the repository root (also part of ``python benchmarks/compare.py``)::

    python benchmarks/compare_signal.py [--quick]

Workload: ``draws`` independent tanh networks of width 1000 and depth 10 (sigma_w^2 = 4,
sigma_b^2 = 0.5), two inputs propagated through each, the lengths ``q_l`` recorded. The
figure of merit is weights drawn and used per second. Peers: NumPy (``default_rng``
normals, a matrix-vector product per layer) and PyTorch on the CPU (``torch.randn``, the
same), both float64, what a user would write. isingml draws every weight from Philox with
a Box-Muller transform so that a network's bits do not depend on threads or on the order
in which networks run; NumPy's and PyTorch's generators are sequential streams. Every
implementation's mean final length is printed beside its rate (the mean-field value is
the target).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numba
import numpy as np

from isingml.theory import MeanField, simulate_random_network

WIDTH, DEPTH, SIGMA_W2, SIGMA_B2 = 1000, 10, 4.0, 0.5


def numpy_networks(draws: int, seed: int = 0) -> float:
    """Mean final length of ``draws`` networks in NumPy."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((WIDTH, 2))
    total = 0.0
    for _ in range(draws):
        x = y
        for _ in range(DEPTH):
            w = rng.standard_normal((WIDTH, WIDTH)) * np.sqrt(SIGMA_W2 / WIDTH)
            h = w @ x + rng.standard_normal((WIDTH, 1)) * np.sqrt(SIGMA_B2)
            x = np.tanh(h)
        total += float(np.mean(h[:, 0] ** 2))
    return total / draws


def torch_networks(draws: int, seed: int = 0) -> float:
    """Mean final length of ``draws`` networks in PyTorch (CPU, float64)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    y = torch.randn(WIDTH, 2, generator=g, dtype=torch.float64)
    total = 0.0
    for _ in range(draws):
        x = y
        for _ in range(DEPTH):
            w = torch.randn(WIDTH, WIDTH, generator=g, dtype=torch.float64)
            b = torch.randn(WIDTH, 1, generator=g, dtype=torch.float64)
            h = w @ x * (SIGMA_W2 / WIDTH) ** 0.5 + b * SIGMA_B2**0.5
            x = torch.tanh(h)
        total += float((h[:, 0] ** 2).mean())
    return total / draws


def _isingml(draws: int) -> float:
    sim = simulate_random_network("tanh", SIGMA_W2, SIGMA_B2, WIDTH, DEPTH, draws=draws, seed=0)
    return float(sim.q_a[:, -1].mean())


def _time(run: Callable[[], float], repeats: int) -> tuple[float, float]:
    out = run()  # warm-up (and JIT)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def signal_comparison(quick: bool = False) -> list[dict]:
    """Weights per second of isingml and each peer (same threads: all of Numba's)."""
    draws = 2 * numba.get_num_threads()
    repeats = 2 if quick else 3
    weights = draws * DEPTH * WIDTH**2
    rows = []
    t, q = _time(lambda: _isingml(draws), repeats)
    base = weights / t
    rows.append(
        {
            "impl": "isingml (Philox, parallel over networks)",
            "weights_per_s": base,
            "ratio": 1.0,
            "q_last": q,
        }
    )
    t, q = _time(lambda: numpy_networks(draws), repeats)
    rows.append(
        {
            "impl": "NumPy (default_rng, BLAS)",
            "weights_per_s": weights / t,
            "ratio": base / (weights / t),
            "q_last": q,
        }
    )
    try:
        import torch

        torch.set_num_threads(numba.get_num_threads())
        t, q = _time(lambda: torch_networks(draws), repeats)
        rows.append(
            {
                "impl": "PyTorch CPU (randn)",
                "weights_per_s": weights / t,
                "ratio": base / (weights / t),
                "q_last": q,
            }
        )
    except ImportError:
        pass
    return rows


def print_signal(rows: list[dict]) -> None:
    """Print the comparison table."""
    q_star = MeanField("tanh", SIGMA_W2, SIGMA_B2).q_star
    print(f"{'implementation':<42} {'M weights/s':>12} {'isingml/peer':>13} {'q_10':>8}")
    for r in rows:
        print(
            f"{r['impl']:<42} {r['weights_per_s'] / 1e6:12.1f} {r['ratio']:12.2f}x "
            f"{r['q_last']:8.3f}"
        )
    threads = numba.get_num_threads()
    print(
        f"mean-field q* = {q_star:.3f}; width {WIDTH}, depth {DEPTH}, tanh "
        f"(sigma_w^2 {SIGMA_W2}, sigma_b^2 {SIGMA_B2}), {threads} threads"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the random-network comparison."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    args = p.parse_args(argv)
    print_signal(signal_comparison(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
