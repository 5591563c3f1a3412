"""Side-by-side training speed of isingml's RBM and scikit-learn's BernoulliRBM.

Run from the repository root (also part of ``python benchmarks/compare.py``)::

    python benchmarks/compare_rbm.py [--quick]

The same data, hidden units, batch size (64) and one Gibbs step per update; scikit-learn's
BernoulliRBM trains by PCD. All are timed in this process, taking turns epoch by epoch
(so that the load of a shared machine hits them alike), median of the repeats; the table
shows samples per second and isingml's ratio over it. The
data is float64 as users usually hold it (scikit-learn then computes in float64, isingml in
float32, its default); scikit-learn's figure on float32 data is shown too.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from bench_rbm import N_SAMPLES, random_binary
from timing import interleaved_medians

from isingml.rbm import RBM


def rbm_comparison(quick: bool = False) -> list[dict]:
    """Samples per second of one epoch, per implementation and data shape."""
    try:
        from sklearn.neural_network import BernoulliRBM
    except ImportError:
        return []
    repeats = 3 if quick else 9
    rows = []
    for n_visible in (784, 64):
        X = random_binary(n_visible)
        X32 = X.astype(np.float32)
        cases = {
            "isingml PCD-1": lambda X=X: RBM(
                n_hidden=500, batch_size=64, n_epochs=1, track=()
            ).fit(X),
            "isingml CD-1": lambda X=X: RBM(
                n_hidden=500, batch_size=64, n_epochs=1, method="cd", track=()
            ).fit(X),
            "scikit-learn (float64 data)": lambda X=X: BernoulliRBM(
                n_components=500, batch_size=64, n_iter=1, random_state=0
            ).fit(X),
            "scikit-learn (float32 data)": lambda X=X32: BernoulliRBM(
                n_components=500, batch_size=64, n_iter=1, random_state=0
            ).fit(X),
        }
        medians = interleaved_medians(cases, repeats)
        rates = {name: N_SAMPLES / seconds for name, seconds in medians.items()}
        base = rates["isingml PCD-1"]
        for name, rate in rates.items():
            rows.append(
                {"n_visible": n_visible, "impl": name, "samples_per_s": rate, "ratio": base / rate}
            )
    return rows


def print_rbm(rows: list[dict]) -> None:
    """Print the comparison table."""
    if not rows:
        print("scikit-learn is not installed: pip install scikit-learn")
        return
    print(f"{'visible':>7}  {'implementation':<30} {'samples/s':>11} {'PCD-1 / this':>13}")
    for r in rows:
        print(
            f"{r['n_visible']:7d}  {r['impl']:<30} {r['samples_per_s']:11.0f} {r['ratio']:12.2f}x"
        )
    print("500 hidden units, batch 64, one epoch over 2048 random binary samples.")


def main(argv: list[str] | None = None) -> int:
    """Run the RBM comparison."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    args = p.parse_args(argv)
    print_rbm(rbm_comparison(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
