"""The ``isingml signal`` command: the order-to-chaos phase diagram, signal propagation
through simulated deep random networks beside the mean-field theory, and trainability."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from isingml.cli import _types
from isingml.cli._common import JSON, QUIET, SEED, THREADS, action_group, out_parent
from isingml.cli._figures import figure_output, save_figure
from isingml.theory.activations import ACTIVATIONS
from isingml.theory.trainability import TRAINABLE_ACTIVATIONS

__all__ = ["add_parser"]

#: Bias variances at which ``phase-diagram`` prints the critical sigma_w^2.
_TABLE_SIGMA_B2 = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3)
#: What ``phase-diagram`` colours (:func:`isingml.plotting.theory.plot_phase_diagram`).
_QUANTITIES = ("xi_c", "chi_1")
#: The activations of the trainable networks.
_TRAINABLE = tuple(TRAINABLE_ACTIVATIONS)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``signal phase-diagram``, ``signal propagate`` and ``signal trainability`` to
    the command's subparsers."""
    add_action = action_group(
        sub, "signal", help="signal propagation in deep random networks: order, chaos, depth"
    )
    diagram = add_action(
        "phase-diagram",
        _phase_diagram,
        parents=[out_parent("signal_phase_diagram.png"), JSON],
        help="the (sigma_w^2, sigma_b^2) phase diagram and its critical line",
        description="Mean-field theory of deep random networks: the correlation depth "
        "xi_c over the (sigma_w^2, sigma_b^2) plane and the order-to-chaos line chi_1 = 1; "
        "prints the critical sigma_w^2 at a few sigma_b^2.",
    )
    diagram.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="activation")
    diagram.add_argument(
        "--sigma-w2",
        type=_types.float_values(minimum=0.0),
        default="0.1:4:60",
        help="sigma_w^2 grid",
    )
    diagram.add_argument(
        "--sigma-b2",
        type=_types.float_values(minimum=0.0),
        default="0:0.3:31",
        help="sigma_b^2 grid",
    )
    diagram.add_argument("--quantity", choices=_QUANTITIES, default="xi_c", help="colour")

    prop = add_action(
        "propagate",
        _propagate,
        parents=[SEED, THREADS, out_parent("signal_propagation.png"), JSON, QUIET],
        help="simulated q_l and c_l per layer beside the mean-field theory",
        description="Send two inputs through many independent deep random networks and "
        "print, per layer, the mean length q_l and correlation c_l with their standard "
        "errors next to the mean-field maps, and the relative deviation.",
    )
    prop.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="activation")
    prop.add_argument(
        "--sigma-w2", type=_types.non_negative_float, default=2.5, help="weight variance x fan-in"
    )
    prop.add_argument(
        "--sigma-b2", type=_types.non_negative_float, default=0.05, help="bias variance"
    )
    prop.add_argument("--width", type=_types.positive_int, default=1000, help="units per layer")
    prop.add_argument("--depth", type=_types.positive_int, default=20, help="layers")
    prop.add_argument("--draws", type=_types.positive_int, default=32, help="independent networks")
    prop.add_argument(
        "--q0", type=_types.positive_float, default=1.0, help="input length |x|^2 / N"
    )
    prop.add_argument("--c0", type=_types.correlation, default=0.5, help="input correlation")

    train = add_action(
        "trainability",
        _trainability,
        parents=[SEED, out_parent("signal_trainability.png"), JSON, QUIET],
        help="held-out accuracy over (depth, sigma_w^2) against 6 xi_c",
        description="Train mean-field-initialised deep networks at every depth and "
        "sigma_w^2 and compare the deepest trainable network with the correlation depth "
        "xi_c (Schoenholz et al. 2017).",
    )
    train.add_argument("--activation", choices=_TRAINABLE, default="tanh", help="activation")
    train.add_argument(
        "--sigma-w2s",
        type=_types.float_values(positive=True, increasing=True),
        default="0.5:4:12",
        help="sigma_w^2 values",
    )
    train.add_argument(
        "--depths",
        type=_types.int_values(minimum=1, increasing=True),
        default="4,8,12,16,24,32,48,64",
        help="depths",
    )
    train.add_argument(
        "--sigma-b2", type=_types.non_negative_float, default=0.05, help="bias variance"
    )
    train.add_argument(
        "--width", type=_types.positive_int, default=64, help="units per hidden layer"
    )
    train.add_argument("--epochs", type=_types.positive_int, default=4, help="SGD epochs")
    train.add_argument(
        "--samples", type=_types.int_at_least(12), default=2400, help="configurations in the data"
    )


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _phase_diagram(args: argparse.Namespace) -> int:
    from isingml.plotting.theory import plot_phase_diagram
    from isingml.theory import critical_sigma_w2, phase_diagram

    figure_output(args.out)
    diagram = phase_diagram(args.activation, args.sigma_w2, args.sigma_b2)
    critical = critical_sigma_w2(args.activation, np.array(_TABLE_SIGMA_B2))
    ax = plot_phase_diagram(diagram, quantity=args.quantity)
    save_figure(ax.figure, args.out)
    table = [
        {"sigma_b2": b, "critical_sigma_w2": _finite(s)}
        for b, s in zip(_TABLE_SIGMA_B2, critical, strict=True)
    ]
    if args.json:
        print(json.dumps({"critical": table, "diagram": diagram.to_dict(), "figure": args.out}))
        return 0
    print(f"{diagram.activation}: order-to-chaos boundary chi_1 = 1 (mean-field theory)")
    print(f"{'sigma_b^2':>10} {'critical sigma_w^2':>20}")
    for row in table:
        value = row["critical_sigma_w2"]
        print(f"{row['sigma_b2']:>10g} {'none' if value is None else f'{value:.6f}':>20}")
    print(f"figure: {args.out}")
    return 0


def _propagate(args: argparse.Namespace) -> int:
    from isingml.plotting.theory import plot_preactivation_histograms, plot_signal_propagation
    from isingml.theory import MeanField, compare_with_theory, simulate_random_network

    figure_output(args.out)
    import matplotlib.pyplot as plt

    sim = simulate_random_network(
        args.activation,
        args.sigma_w2,
        args.sigma_b2,
        args.width,
        args.depth,
        draws=args.draws,
        q0=args.q0,
        c0=args.c0,
        seed=args.seed,
        threads=args.threads,
        progress=not (args.quiet or args.json),
    )
    comparison = compare_with_theory(sim)
    mf = MeanField(args.activation, sim.sigma_w2, sim.sigma_b2)
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    plot_signal_propagation(sim, axes=axes[:2], comparison=comparison)
    plot_preactivation_histograms(sim, ax=axes[2])
    fig.tight_layout()
    save_figure(fig, args.out)
    fixed = {
        "q_star": _finite(mf.q_star),
        "c_star": _finite(mf.c_star),
        "chi_1": _finite(mf.chi_1),
        "xi_q": _finite(mf.xi_q),
        "xi_c": _finite(mf.xi_c),
        "phase": mf.phase,
    }
    if args.json:
        out = sim.to_dict() | {"theory": comparison.to_dict(), "fixed_point": fixed}
        print(json.dumps(out | {"figure": args.out}))
        return 0
    _print_propagation(sim, comparison, fixed)
    print(f"figure: {args.out}")
    return 0


def _print_propagation(sim, comparison, fixed: dict) -> None:
    print(
        f"{sim.activation}  sigma_w^2={sim.sigma_w2:g}  sigma_b^2={sim.sigma_b2:g}  "
        f"width {sim.width}  depth {sim.depth}  {sim.draws} networks  q0={sim.q0:g}  "
        f"c0={sim.c0:g}  seed={sim.seed}"
    )
    print(
        f"mean field: q* = {fixed['q_star']}, c* = {fixed['c_star']}, chi_1 = {fixed['chi_1']}, "
        f"xi_c = {fixed['xi_c']} ({fixed['phase']})"
    )
    print(
        f"{'layer':>5} {'q simulated':>20} {'q theory':>11} {'dev':>7} "
        f"{'c simulated':>20} {'c theory':>10} {'dev':>7}"
    )
    for k, layer in enumerate(comparison.layers):
        q = f"{comparison.q_sim[k]:.5f} ± {comparison.q_error[k]:.5f}"
        c = f"{comparison.c_sim[k]:.5f} ± {comparison.c_error[k]:.5f}"
        print(
            f"{layer:>5d} {q:>20} {comparison.q_theory[k]:>11.5f} "
            f"{100 * comparison.q_deviation[k]:>+6.2f}% {c:>20} {comparison.c_theory[k]:>10.5f} "
            f"{100 * comparison.c_deviation[k]:>+6.2f}%"
        )
    print(
        f"largest deviation {100 * comparison.max_relative_deviation():.2f}% "
        f"({comparison.max_pull():.1f} standard errors at most)"
    )
    print(f"speed: {sim.weights_per_second / 1e6:.3g} million weights per second")


def _trainability(args: argparse.Namespace) -> int:
    from isingml.plotting.trainability import plot_trainability
    from isingml.theory.trainability import trainability_scan

    figure_output(args.out)
    result = trainability_scan(
        activation=args.activation,
        sigma_w2s=args.sigma_w2s,
        depths=args.depths,
        sigma_b2=args.sigma_b2,
        width=args.width,
        epochs=args.epochs,
        samples=args.samples,
        seed=args.seed,
        progress=not (args.quiet or args.json),
    )
    ax = plot_trainability(result)
    save_figure(ax.figure, args.out)
    if args.json:
        print(json.dumps(result.to_dict() | {"figure": args.out}))
        return 0
    print(f"held-out accuracy, {args.activation}, sigma_b^2 = {args.sigma_b2:g}")
    print(f"{'depth':>7} " + " ".join(f"{s:>6.3g}" for s in result.sigma_w2s))
    for depth, row in zip(result.depths, result.accuracy, strict=True):
        print(f"{depth:>7d} " + " ".join(f"{a:>6.3f}" for a in row))
    print(f"{'xi_c':>7} " + " ".join(f"{x:>6.3g}" for x in result.xi_c))
    print(f"{'6 xi_c':>7} " + " ".join(f"{6 * x:>6.3g}" for x in result.xi_c))
    print(f"figure: {args.out}")
    return 0
