"""The ``isingml hopfield`` command: the Fig. 2 demo and the capacity curve."""

from __future__ import annotations

import argparse
import json

from isingml.cli import _types
from isingml.cli._common import JSON, QUIET, SEED, THREADS, action_group, out_parent
from isingml.cli._figures import figure_output, save_figure

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``hopfield demo`` and ``hopfield capacity`` to the command's subparsers."""
    add_action = action_group(sub, "hopfield", help="Hopfield networks: the Fig. 2 demo, capacity")
    add_action(
        "demo",
        _demo,
        parents=[SEED, out_parent("hopfield_demo.png"), JSON],
        help="recall of 4x4 stripes from blanked probes (the primer's Fig. 2)",
        description="Store vertical and horizontal 4x4 stripes with the Hebb rule, recall "
        "them from partly unknown probes, and show the extreme probe that ends in a state "
        "that was never stored. --seed picks the update order.",
    )
    cap = add_action(
        "capacity",
        _capacity,
        parents=[SEED, THREADS, out_parent("hopfield_capacity.png"), JSON, QUIET],
        help="stability and retrieval overlap against the load alpha = p/n",
        description="Store p = alpha n random patterns with the Hebb rule and measure the "
        "fraction that are stable and the overlap reached from probes, over trials.",
    )
    cap.add_argument("--units", type=_types.int_at_least(2), default=1000, help="network size n")
    cap.add_argument(
        "--trials", type=_types.positive_int, default=10, help="pattern sets per load"
    )
    cap.add_argument(
        "--alphas",
        type=_types.float_values(positive=True),
        default="0.02:0.24:12",
        help="loads: start:stop:count pieces and values a,b",
    )
    cap.add_argument(
        "--corruption",
        type=_types.float_in(0.0, 0.5),
        default=0.0,
        help="fraction of units flipped in probes",
    )


def _demo(args: argparse.Namespace) -> int:
    figure_output(args.out)
    from isingml.hopfield.examples import figure2_recall
    from isingml.plotting import plot_figure2_recall

    recall = figure2_recall(seed=args.seed)
    rows = recall.recalls
    save_figure(plot_figure2_recall(recall), args.out)
    if args.json:
        print(json.dumps({"figure": args.out, "recalls": rows}))
    else:
        for row in rows:
            kind = "stored" if row["stored"] else "NOT stored"
            print(
                f"{row['probe']:<36} {row['unknown_units']:>2} unknown -> {row['final']} "
                f"({kind}) after {row['sweeps']} sweeps, E = {row['energy']:g}"
            )
        print(f"figure: {args.out}")
    return 0


def _capacity(args: argparse.Namespace) -> int:
    from isingml.hopfield.capacity import AGS_CRITICAL_LOAD, capacity_curve
    from isingml.plotting import plot_capacity

    figure_output(args.out)
    result = capacity_curve(
        args.units,
        args.alphas,
        trials=args.trials,
        corruption=args.corruption,
        seed=args.seed,
        threads=args.threads,
        progress=not (args.quiet or args.json),
    )
    ax = plot_capacity(result)
    save_figure(ax.figure, args.out)
    if args.json:
        print(json.dumps(result.to_dict() | {"figure": args.out}))
        return 0
    print(f"n = {result.n_units}, {result.trials} trials, corruption {result.corruption:g}")
    print(f"{'alpha':>7} {'p':>5} {'stable':>14} {'overlap':>14}")
    for i, a in enumerate(result.alphas):
        print(
            f"{a:7.3f} {result.patterns[i]:5d} "
            f"{result.stable_fraction[i]:7.3f} ± {result.stable_fraction_error[i]:.3f} "
            f"{result.overlap[i]:7.3f} ± {result.overlap_error[i]:.3f}"
        )
    print(
        f"overlap falls below 0.9 at alpha = {result.critical_load():.3f} "
        f"(AGS, n -> infinity: {AGS_CRITICAL_LOAD})"
    )
    print(f"figure: {args.out}")
    return 0
