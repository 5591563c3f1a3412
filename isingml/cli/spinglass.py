"""The ``isingml spinglass`` command: parallel tempering, ladders, SK energies, Hopfield."""

from __future__ import annotations

import argparse
import json

from isingml.cli import _types
from isingml.cli._common import (
    JSON,
    QUIET,
    SEED,
    THREADS,
    action_group,
    out_parent,
    usage_error,
)
from isingml.cli._figures import figure_output, save_figure
from isingml.spinglass.models import COUPLINGS

__all__ = ["add_parser"]

_MODELS = ("sk", "ea2d", "ea3d", "hopfield")
#: The smallest network that ``--model hopfield`` accepts.
_HOPFIELD_MIN_SIZE = 8
#: ``sk-energy`` couplings: the SK model's own (ferro is the Curie-Weiss model).
_SK_COUPLINGS = ("gaussian", "pm")
_ACCEPTANCE = _types.float_in(0.0, 1.0, open_low=True, open_high=True)


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=_MODELS, default="sk", help="disordered model")
    parser.add_argument(
        "--size",
        "-n",
        type=_types.int_at_least(2),
        default=64,
        help="spins n (SK, Hopfield) or side L (EA)",
    )
    parser.add_argument(
        "--couplings",
        choices=COUPLINGS,
        default=None,
        help="couplings (default: gaussian for SK, pm for EA)",
    )
    parser.add_argument(
        "--patterns", type=_types.positive_int, default=None, help="Hopfield: p (default: 0.2 n)"
    )
    parser.add_argument(
        "--t-min",
        type=_types.positive_float,
        default=None,
        help="lowest temperature (default: per model)",
    )
    parser.add_argument(
        "--t-max",
        type=_types.positive_float,
        default=None,
        help="highest temperature (default: per model)",
    )
    parser.add_argument("--samples", type=_types.positive_int, default=8, help="disorder samples")
    parser.add_argument(
        "--count", type=_types.int_at_least(2), default=None, help="temperatures (default: tuned)"
    )
    parser.add_argument(
        "--target", type=_ACCEPTANCE, default=0.3, help="exchange acceptance to tune to"
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``spinglass tempering|ladder|sk-energy|hopfield`` to the command's subparsers."""
    add_action = action_group(
        sub, "spinglass", help="spin glasses: parallel tempering, P(q), SK, Hopfield"
    )
    pt = add_action(
        "tempering",
        _tempering,
        parents=[
            SEED,
            THREADS,
            out_parent("spinglass_pq.png", help="P(q) figure to write"),
            JSON,
            QUIET,
        ],
        help="parallel tempering with two replicas: energy, overlaps, P(q), exchanges",
        description="Run parallel tempering of SK, Edwards-Anderson or Hopfield-coupling "
        "samples with two real replicas, on a ladder tuned to the target exchange "
        "acceptance (or a geometric one), and print the disorder averages per temperature.",
    )
    _add_model_arguments(pt)
    pt.add_argument("--geometric", action="store_true", help="geometric ladder, no tuning")
    pt.add_argument("--sweeps", type=_types.positive_int, default=4000, help="production sweeps")
    pt.add_argument(
        "--thermalize",
        type=_types.non_negative_int,
        default=None,
        help="sweeps before (default: --sweeps)",
    )
    pt.add_argument(
        "--save",
        type=_types.output_file,
        default=None,
        metavar="FILE",
        help="also write the result (.npz) here (default: not saved)",
    )
    lad = add_action(
        "ladder",
        _ladder,
        parents=[SEED, THREADS, JSON, QUIET],
        help="tune a temperature ladder to a target exchange acceptance",
        description="Place the temperatures at equal thermodynamic length, measured by short "
        "parallel-tempering runs, so that every neighbouring pair exchanges at the target "
        "rate; print the ladder and the acceptance measured on it.",
    )
    _add_model_arguments(lad)
    lad.add_argument(
        "--sweeps", type=_types.positive_int, default=2000, help="sweeps of each pilot run"
    )
    sk = add_action(
        "sk-energy",
        _sk_energy,
        parents=[SEED, THREADS, out_parent("sk_energy.png"), JSON, QUIET],
        help="SK ground-state energy against n, extrapolated to Parisi's -0.7633",
        description="Parallel tempering of the SK model down to --t-min for several sizes; "
        "the lowest energy found per sample, disorder-averaged, fitted against n^(-2/3).",
    )
    sk.add_argument(
        "--sizes",
        type=_types.int_values(minimum=2),
        default="32,64,128,256,512",
        help="spins n, two or more",
    )
    sk.add_argument(
        "--samples",
        type=_types.int_values(minimum=2),
        default="32,16,8,8,8",
        help="disorder samples: one count, or one per size",
    )
    sk.add_argument("--sweeps", type=_types.positive_int, default=4000, help="production sweeps")
    sk.add_argument("--t-min", type=_types.positive_float, default=0.2, help="lowest temperature")
    sk.add_argument(
        "--couplings", choices=_SK_COUPLINGS, default="gaussian", help="coupling distribution"
    )
    hop = add_action(
        "hopfield",
        _hopfield,
        parents=[SEED, THREADS, out_parent("hopfield_census.png"), JSON, QUIET],
        help="end states of Hopfield dynamics below and beyond capacity",
        description="Store p = alpha n random patterns, run T = 0 dynamics from the patterns, "
        "from symmetric three-pattern mixtures and from random states, and classify the end "
        "states as retrieval, mixture or glassy.",
    )
    hop.add_argument(
        "--units",
        type=_types.int_at_least(_HOPFIELD_MIN_SIZE),
        default=1000,
        help="network size n",
    )
    hop.add_argument(
        "--alphas",
        type=_types.float_values(positive=True),
        default="0.02:0.3:8",
        help="loads: start:stop:count pieces and values a,b",
    )
    hop.add_argument("--trials", type=_types.positive_int, default=4, help="pattern sets per load")
    hop.add_argument(
        "--probes", type=_types.positive_int, default=10, help="probes of each kind per trial"
    )


def _check_model_arguments(args: argparse.Namespace) -> None:
    if args.model == "hopfield" and args.size < _HOPFIELD_MIN_SIZE:
        usage_error(
            "--size/-n", f"must be >= {_HOPFIELD_MIN_SIZE} for --model hopfield, got {args.size}"
        )
    if args.patterns is not None and args.model != "hopfield":
        usage_error("--patterns", "sets the patterns of --model hopfield only")
    if args.couplings is not None and args.model == "hopfield":
        usage_error("--couplings", "--model hopfield takes its couplings from the patterns")


def _model(args: argparse.Namespace):
    from isingml.spinglass import EdwardsAnderson, HopfieldGlass, SherringtonKirkpatrick

    _check_model_arguments(args)
    if args.model == "sk":
        return SherringtonKirkpatrick(args.size, args.couplings or "gaussian")
    if args.model == "hopfield":
        p = args.patterns if args.patterns is not None else max(1, round(0.2 * args.size))
        return HopfieldGlass(args.size, p)
    dim = 2 if args.model == "ea2d" else 3
    return EdwardsAnderson(args.size, dim, args.couplings or "pm")


def _range(args: argparse.Namespace, model) -> tuple[float, float]:
    defaults = {"SK": (0.3, 1.6), "Hopfield": (0.2, 1.2), "EA2D": (0.4, 2.0), "EA3D": (0.6, 2.0)}
    lo, hi = defaults[model.name]
    t_min = args.t_min if args.t_min is not None else lo
    t_max = args.t_max if args.t_max is not None else hi
    if t_min >= t_max:
        usage_error("--t-min", f"must be below --t-max ({t_max:g}), got {t_min:g}")
    return t_min, t_max


def _ladder_for(args: argparse.Namespace, model, sweeps: int):
    from isingml.spinglass import geometric_ladder, tune_ladder

    t_min, t_max = _range(args, model)
    if getattr(args, "geometric", False):
        return geometric_ladder(t_min, t_max, args.count or 16), None
    tuned = tune_ladder(
        model,
        t_min,
        t_max,
        target=args.target,
        count=args.count,
        sweeps=sweeps,
        samples=min(args.samples, 4),
        seed=args.seed,
        threads=args.threads,
    )
    return tuned.temperatures, tuned


def _tempering(args: argparse.Namespace) -> int:
    from isingml.plotting.spinglass import plot_overlap_distribution
    from isingml.spinglass import parallel_tempering

    figure_output(args.out)
    model = _model(args)
    ladder, _ = _ladder_for(args, model, max(200, args.sweeps // 4))
    r = parallel_tempering(
        model,
        ladder,
        args.sweeps,
        thermalize=args.thermalize,
        samples=args.samples,
        seed=args.seed,
        threads=args.threads,
        progress=not (args.quiet or args.json),
    )
    ax = plot_overlap_distribution(r)
    save_figure(ax.figure, args.out)
    if args.save:
        r.save(args.save)
    if args.json:
        print(json.dumps(r.to_dict() | {"figure": args.out, "saved": args.save}))
        return 0
    print(
        f"{model!r}: {r.samples.size} samples x 2 replicas x {ladder.size} temperatures, "
        f"{r.sweeps} sweeps after {r.thermalize}, seed {r.seed}, {r.seconds:.1f} s"
    )
    print(f"{'T':>7} {'energy/spin':>20} {'C':>16} {'[<q^2>]':>18} {'Binder g':>16} {'accept':>7}")
    acc = [f"{a:7.3f}" for a in r.acceptance] + [""]
    for k, T in enumerate(r.temperatures):
        print(
            f"{T:7.4f} {r.energy[k]!s:>20} {r.specific_heat[k]!s:>16} {r.q2[k]!s:>18} "
            f"{r.binder[k]!s:>16} {acc[k]:>7}"
        )
    print(
        f"round trips: {r.round_trips}, mean {r.round_trip_time:.0f} sweeps; lowest energy "
        f"per spin found {r.ground_state_energy}"
    )
    print(f"figure: {args.out}" + (f"; result: {args.save}" if args.save else ""))
    return 0


def _ladder(args: argparse.Namespace) -> int:
    model = _model(args)
    ladder, tuned = _ladder_for(args, model, args.sweeps)
    if args.json:
        print(json.dumps(tuned.to_dict() | {"model": model.to_dict()}))
        return 0
    print(f"{model!r}: {ladder.size} temperatures, target acceptance {args.target:g}")
    for k, T in enumerate(ladder):
        nxt = f"   acceptance to the next {tuned.acceptance[k]:.3f}" if k < ladder.size - 1 else ""
        print(f"T = {T:.5f}{nxt}")
    return 0


def _sk_energy(args: argparse.Namespace) -> int:
    from isingml.plotting.spinglass import plot_sk_energy_scaling
    from isingml.spinglass import sk_energy_scaling

    if len(args.sizes) < 2:
        usage_error("--sizes", f"must hold two or more sizes to extrapolate, got {args.sizes}")
    if len(args.samples) not in (1, len(args.sizes)):
        usage_error(
            "--samples",
            f"must be one count or one per size ({len(args.sizes)}), got {len(args.samples)}",
        )
    figure_output(args.out)
    samples = args.samples[0] if len(args.samples) == 1 else args.samples
    r = sk_energy_scaling(
        args.sizes,
        samples,
        args.sweeps,
        t_min=args.t_min,
        couplings=args.couplings,
        seed=args.seed,
        threads=args.threads,
        progress=not (args.quiet or args.json),
    )
    ax = plot_sk_energy_scaling(r)
    save_figure(ax.figure, args.out)
    if args.json:
        print(json.dumps(r.to_dict() | {"figure": args.out}))
        return 0
    print(
        f"{'n':>6} {'samples':>8} {'lowest e found':>18} {f'e at T={r.t_min:g}':>18} "
        f"{'min accept':>11} {'round trip':>11}"
    )
    for n, g, low, run in zip(r.sizes, r.ground_state, r.low_temperature, r.results, strict=True):
        print(
            f"{n:>6} {run.samples.size:>8} {g!s:>18} {low!s:>18} "
            f"{run.acceptance.min():>11.3f} {run.round_trip_time:>11.0f}"
        )
    e = r.extrapolation
    print(
        f"n -> infinity (fit in n^-2/3): {e}  (Parisi {r.PARISI}, "
        f"{(e.mean - r.PARISI) / e.error:+.1f} sigma; chi2 {r.chi2:.1f})"
    )
    print(f"figure: {args.out}")
    return 0


def _hopfield(args: argparse.Namespace) -> int:
    from isingml.plotting.spinglass import plot_hopfield_census
    from isingml.spinglass import hopfield_state_census
    from isingml.spinglass.hopfield_states import CLASSES, STARTS

    figure_output(args.out)
    r = hopfield_state_census(
        args.units,
        args.alphas,
        trials=args.trials,
        probes=args.probes,
        seed=args.seed,
        threads=args.threads,
        progress=not (args.quiet or args.json),
    )
    axes = plot_hopfield_census(r)
    save_figure(axes[0].figure, args.out)
    if args.json:
        print(json.dumps(r.to_dict() | {"figure": args.out}))
        return 0
    head = "".join(f"{s[:4] + ':' + c[:5]:>12}" for s in STARTS for c in CLASSES)
    print(f"n = {r.n}, {args.trials} pattern sets per load; fractions of end states")
    print(f"{'alpha':>6}{head}")
    for i, a in enumerate(r.alphas):
        print(f"{a:6.3f}" + "".join(f"{x:12.2f}" for x in r.fractions[i].ravel()))
    print(f"figure: {args.out}")
    return 0
