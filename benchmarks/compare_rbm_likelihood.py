"""Exact log-likelihood of isingml's RBM and scikit-learn's BernoulliRBM, like for like.

Run from the repository root::

    python benchmarks/compare_rbm_likelihood.py [--seeds 10]

scikit-learn's digits binarized at 8 (1797 x 64), 16 hidden units, learning rate 0.05,
batch size 10, 20 epochs, seeds 0 ... seeds-1 for both. BernoulliRBM keeps its learning
rate constant; isingml's default schedule decays it linearly to 1/n_epochs, so isingml is
trained both ways and only its constant-rate column compares like with like. The exact
mean log-likelihood per sample (``RBM.log_likelihood``, the partition function summed
over the 2^16 hidden states) is computed for both, scikit-learn's weights loaded into a
float64 isingml RBM. Each column is the mean over seeds with its standard error.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from isingml.rbm import RBM

SETTINGS = {"learning_rate": 0.05, "batch_size": 10}
N_HIDDEN = 16
N_EPOCHS = 20


def likelihoods(seeds: int) -> dict[str, list[float]] | None:
    """Exact log-likelihood per sample, per implementation and schedule, one per seed."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.neural_network import BernoulliRBM
    except ImportError:
        return None
    X = (load_digits().data >= 8).astype(np.float64)
    out: dict[str, list[float]] = {
        "isingml, constant rate": [],
        "scikit-learn BernoulliRBM (constant rate)": [],
        "isingml, linear decay (its default)": [],
    }
    for seed in range(seeds):
        for name, schedule in (
            ("isingml, constant rate", "constant"),
            ("isingml, linear decay (its default)", "linear"),
        ):
            rbm = RBM(
                n_hidden=N_HIDDEN,
                n_epochs=N_EPOCHS,
                seed=seed,
                track=(),
                schedule=schedule,
                **SETTINGS,
            ).fit(X)
            out[name].append(float(rbm.log_likelihood(X)))
        sk = BernoulliRBM(
            n_components=N_HIDDEN, n_iter=N_EPOCHS, random_state=seed, **SETTINGS
        ).fit(X)
        twin = RBM(n_hidden=N_HIDDEN, n_epochs=0, dtype=np.float64).fit(X)
        twin.components_ = sk.components_
        twin.intercept_hidden_ = sk.intercept_hidden_
        twin.intercept_visible_ = sk.intercept_visible_
        out["scikit-learn BernoulliRBM (constant rate)"].append(float(twin.log_likelihood(X)))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the table: mean +- standard error over the seeds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 ... SEEDS-1 (>= 2)")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error(f"--seeds must be >= 2 for an error bar, got {args.seeds}")
    values = likelihoods(args.seeds)
    if values is None:
        print("scikit-learn is not installed: nothing to compare")
        return 0
    print(f"exact log-likelihood per sample, digits, seeds 0-{args.seeds - 1}:")
    for name, v in values.items():
        a = np.array(v)
        err = float(a.std(ddof=1)) / math.sqrt(a.size)
        print(f"  {name:<44}{a.mean():8.2f} +- {err:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
