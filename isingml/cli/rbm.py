"""The ``isingml rbm`` command: learn Ising thermodynamics, and fill in ratings."""

from __future__ import annotations

import argparse
import json

import numpy as np

from isingml.cli import _types
from isingml.cli._common import (
    JSON,
    QUIET,
    SEED,
    action_group,
    add_dataset_arguments,
    backend_parent,
    check_dataset_size,
    out_parent,
)
from isingml.cli._figures import figure_output, save_figure

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``rbm ising`` and ``rbm ratings`` to the command's subparsers."""
    add_action = action_group(sub, "rbm", help="restricted Boltzmann machines")
    ising = add_action(
        "ising",
        _ising,
        parents=[
            SEED,
            backend_parent("where training and sampling run"),
            out_parent("rbm_ising.png"),
            JSON,
            QUIET,
        ],
        help="train an RBM per temperature on a dataset and compare its samples (Torlai-Melko)",
        description="Train one spin RBM per temperature on the configurations of a dataset, "
        "sample it, and print energy, |m|, heat capacity and susceptibility per spin of the "
        "data, the RBM samples and the exact values.",
    )
    add_dataset_arguments(ising)
    ising.add_argument(
        "--temperatures",
        type=_types.temperatures,
        default=None,
        help="a subset of the file's, e.g. 1.5,2.27 (default: all)",
    )
    ising.add_argument(
        "--hidden", type=_types.positive_int, default=None, help="hidden units (default: L*L)"
    )
    ising.add_argument("--epochs", type=_types.positive_int, default=60, help="training epochs")
    ising.add_argument(
        "--samples", type=_types.positive_int, default=10000, help="RBM chains sampled"
    )
    ising.add_argument(
        "--steps", type=_types.positive_int, default=500, help="Gibbs steps per chain"
    )
    ratings = add_action(
        "ratings",
        _ratings,
        parents=[SEED, JSON],
        help="fill in unseen movie ratings by clamped Gibbs sampling (planted genres)",
        description="Train an RBM on the ratings of users of planted genres and fill in the "
        "unseen ratings of new users by clamped Gibbs sampling.",
    )
    ratings.add_argument(
        "--train", type=_types.positive_int, default=2000, help="fully rated users"
    )
    ratings.add_argument(
        "--test", type=_types.positive_int, default=500, help="users with unseen ratings"
    )
    ratings.add_argument(
        "--unseen",
        type=_types.float_in(0.0, 1.0, open_low=True, open_high=True),
        default=0.5,
        help="fraction of ratings hidden",
    )


def _ising(args: argparse.Namespace) -> int:
    from isingml.plotting import plot_ising_rbm
    from isingml.transition.rbm_thermodynamics import OBSERVABLES, learn_ising

    check_dataset_size(args.data, args.size)
    figure_output(args.out)
    result = learn_ising(
        args.data,
        args.size,
        temperatures=None if args.temperatures is None else args.temperatures.tolist(),
        n_hidden=args.hidden,
        n_samples=args.samples,
        steps=args.steps,
        seed=args.seed,
        progress=not (args.quiet or args.json),
        n_epochs=args.epochs,
        backend=args.backend,
    )
    axes = plot_ising_rbm(result)
    save_figure(axes[0].figure, args.out)
    if args.json:
        out = {"L": result.L, "temperatures": result.temperatures.tolist(), "figure": args.out}
        for kind in ("data", "data_error", "rbm", "rbm_error", "exact"):
            out[kind] = {k: np.asarray(v).tolist() for k, v in getattr(result, kind).items()}
        out["log_likelihood"] = result.log_likelihood.tolist()
        print(json.dumps(out))
        return 0
    print(f"RBMs on L = {result.L} Ising configurations ({args.data})")
    for i, T in enumerate(result.temperatures):
        print(f"T = {T:g}   log-likelihood of the data {result.log_likelihood[i]:.3f}")
        for name in OBSERVABLES:
            print(
                f"  {name:<18} data {result.data[name][i]:8.4f} ± {result.data_error[name][i]:.4f}"
                f"   RBM {result.rbm[name][i]:8.4f} ± {result.rbm_error[name][i]:.4f}"
                f"   exact {result.exact[name][i]:8.4f}"
            )
    print(f"figure: {args.out}")
    return 0


def _ratings(args: argparse.Namespace) -> int:
    from isingml.rbm.ratings import imputation_experiment

    result = imputation_experiment(args.train, args.test, args.unseen, seed=args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{result['hidden_ratings']} unseen ratings of {result['test_users']} new users filled "
        f"in (RBM trained on {result['train_users']} users)"
    )
    print(f"  RBM, clamped Gibbs sampling   accuracy {result['rbm_accuracy']:.3f}")
    print(f"  most popular rating per movie accuracy {result['popularity_accuracy']:.3f}")
    print(f"  best possible (rating noise)  accuracy {result['oracle_accuracy']:.3f}")
    return 0
