"""The ``isingml spinglass`` command: parallel tempering, ladders, SK energies, Hopfield."""

from __future__ import annotations

import argparse
import json

from isingml.cli._common import action_group, float_values, int_values
from isingml.cli._figures import figure_output, save_figure

__all__ = ["add_parser"]

_MODELS = ("sk", "ea2d", "ea3d", "hopfield")


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="sk", help="sk | ea2d | ea3d | hopfield")
    parser.add_argument(
        "--size", "-n", type=int, default=64, help="spins n (SK, Hopfield) or side L (EA)"
    )
    parser.add_argument("--couplings", default=None, help="gaussian | pm | ferro")
    parser.add_argument("--patterns", type=int, default=None, help="Hopfield: p (default 0.2 n)")
    parser.add_argument("--t-min", type=float, default=None, help="lowest temperature")
    parser.add_argument("--t-max", type=float, default=None, help="highest temperature")
    parser.add_argument("--samples", type=int, default=8, help="disorder samples")
    parser.add_argument("--seed", type=int, default=0, help="Philox seed")
    parser.add_argument("--threads", type=int, default=None, help="kernel threads")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``spinglass tempering|ladder|sk-energy|hopfield`` to the command's subparsers."""
    add_action = action_group(
        sub, "spinglass", help="spin glasses: parallel tempering, P(q), SK, Hopfield"
    )
    pt = add_action(
        "tempering",
        _tempering,
        help="parallel tempering with two replicas: energy, overlaps, P(q), exchanges",
        description="Run parallel tempering of SK, Edwards-Anderson or Hopfield-coupling "
        "samples with two real replicas, on a ladder tuned to the target exchange "
        "acceptance (or a geometric one), and print the disorder averages per temperature.",
    )
    _add_model_arguments(pt)
    pt.add_argument("--count", type=int, default=None, help="temperatures (default: tuned)")
    pt.add_argument("--target", type=float, default=0.3, help="exchange acceptance to tune to")
    pt.add_argument("--geometric", action="store_true", help="geometric ladder, no tuning")
    pt.add_argument("--sweeps", type=int, default=4000, help="production sweeps")
    pt.add_argument("--thermalize", type=int, default=None, help="sweeps before (default: =)")
    pt.add_argument("--out", default="spinglass_pq.png", help="P(q) figure to write")
    pt.add_argument("--save", default=None, help="also write the result (.npz) to this file")
    lad = add_action(
        "ladder",
        _ladder,
        help="tune a temperature ladder to a target exchange acceptance",
        description="Place the temperatures at equal thermodynamic length, measured by short "
        "parallel-tempering runs, so that every neighbouring pair exchanges at the target "
        "rate; print the ladder and the acceptance measured on it.",
    )
    _add_model_arguments(lad)
    lad.add_argument("--count", type=int, default=None, help="temperatures (default: chosen)")
    lad.add_argument("--target", type=float, default=0.3, help="exchange acceptance")
    lad.add_argument("--sweeps", type=int, default=2000, help="sweeps of each pilot run")
    sk = add_action(
        "sk-energy",
        _sk_energy,
        help="SK ground-state energy against n, extrapolated to Parisi's -0.7633",
        description="Parallel tempering of the SK model down to --t-min for several sizes; "
        "the lowest energy found per sample, disorder-averaged, fitted against n^(-2/3).",
    )
    sk.add_argument("--sizes", type=int_values, default=(32, 64, 128, 256, 512), help="n values")
    sk.add_argument("--samples", type=int_values, default=(32, 16, 8, 4, 4), help="per size")
    sk.add_argument("--sweeps", type=int, default=4000, help="production sweeps")
    sk.add_argument("--t-min", type=float, default=0.2, help="lowest temperature")
    sk.add_argument("--couplings", default="gaussian", help="gaussian | pm")
    sk.add_argument("--seed", type=int, default=0, help="Philox seed")
    sk.add_argument("--threads", type=int, default=None, help="kernel threads")
    sk.add_argument("--out", default="sk_energy.png", help="figure to write")
    sk.add_argument("--json", action="store_true", help="print one JSON object")
    sk.add_argument("--quiet", action="store_true", help="no progress bar")
    hop = add_action(
        "hopfield",
        _hopfield,
        help="end states of Hopfield dynamics below and beyond capacity",
        description="Store p = alpha n random patterns, run T = 0 dynamics from the patterns, "
        "from symmetric three-pattern mixtures and from random states, and classify the end "
        "states as retrieval, mixture or glassy.",
    )
    hop.add_argument("--units", type=int, default=1000, help="network size n")
    hop.add_argument("--alphas", type=float_values, default="0.02:0.3:8", help="loads")
    hop.add_argument("--trials", type=int, default=4, help="pattern sets per load")
    hop.add_argument("--probes", type=int, default=10, help="probes of each kind per trial")
    hop.add_argument("--seed", type=int, default=0, help="seed")
    hop.add_argument("--threads", type=int, default=None, help="kernel threads")
    hop.add_argument("--out", default="hopfield_census.png", help="figure to write")
    hop.add_argument("--json", action="store_true", help="print one JSON object")
    hop.add_argument("--quiet", action="store_true", help="no progress bar")


def _model(args: argparse.Namespace):
    from isingml.spinglass import EdwardsAnderson, HopfieldGlass, SherringtonKirkpatrick

    if args.model not in _MODELS:
        raise ValueError(f"--model must be one of {', '.join(_MODELS)}, got {args.model!r}")
    if args.model == "sk":
        return SherringtonKirkpatrick(args.size, args.couplings or "gaussian")
    if args.model == "hopfield":
        if args.size < 8:
            raise ValueError(f"--size must be at least 8 for hopfield, got {args.size}")
        p = args.patterns if args.patterns is not None else max(1, round(0.2 * args.size))
        return HopfieldGlass(args.size, p)
    dim = 2 if args.model == "ea2d" else 3
    return EdwardsAnderson(args.size, dim, args.couplings or "pm")


def _range(args: argparse.Namespace, model) -> tuple[float, float]:
    defaults = {"SK": (0.3, 1.6), "Hopfield": (0.2, 1.2), "EA2D": (0.4, 2.0), "EA3D": (0.6, 2.0)}
    lo, hi = defaults[model.name]
    t_min = args.t_min if args.t_min is not None else lo
    t_max = args.t_max if args.t_max is not None else hi
    return t_min, t_max


def _ladder_for(args: argparse.Namespace, model, sweeps: int):
    from isingml.spinglass import geometric_ladder, tune_ladder

    t_min, t_max = _range(args, model)
    if getattr(args, "geometric", False):
        return geometric_ladder(t_min, t_max, args.count or 16), None
    tuned = tune_ladder(model, t_min, t_max, target=args.target, count=args.count,
                        sweeps=sweeps, samples=min(args.samples, 4), seed=args.seed,
                        threads=args.threads)  # fmt: skip
    return tuned.temperatures, tuned


def _tempering(args: argparse.Namespace) -> int:
    from isingml.plotting.spinglass import plot_overlap_distribution
    from isingml.spinglass import parallel_tempering

    figure_output(args.out)
    model = _model(args)
    ladder, _ = _ladder_for(args, model, max(200, args.sweeps // 4))
    r = parallel_tempering(model, ladder, args.sweeps, thermalize=args.thermalize,
                           samples=args.samples, seed=args.seed, threads=args.threads,
                           progress=not (args.quiet or args.json))  # fmt: skip
    ax = plot_overlap_distribution(r)
    save_figure(ax.figure, args.out)
    if args.save:
        r.save(args.save)
    if args.json:
        print(json.dumps(r.to_dict() | {"figure": args.out, "saved": args.save}))
        return 0
    print(f"{model!r}: {r.samples.size} samples x 2 replicas x {ladder.size} temperatures, "
          f"{r.sweeps} sweeps after {r.thermalize}, seed {r.seed}, {r.seconds:.1f} s")  # fmt: skip
    print(f"{'T':>7} {'energy/spin':>20} {'C':>16} {'[<q^2>]':>18} {'Binder g':>16} "
          f"{'accept':>7}")  # fmt: skip
    acc = [f"{a:7.3f}" for a in r.acceptance] + [""]
    for k, T in enumerate(r.temperatures):
        print(f"{T:7.4f} {r.energy[k]!s:>20} {r.specific_heat[k]!s:>16} {r.q2[k]!s:>18} "
              f"{r.binder[k]!s:>16} {acc[k]:>7}")  # fmt: skip
    print(f"round trips: {r.round_trips}, mean {r.round_trip_time:.0f} sweeps; lowest energy "
          f"per spin found {r.ground_state_energy}")  # fmt: skip
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

    figure_output(args.out)
    samples = args.samples[0] if len(args.samples) == 1 else args.samples
    r = sk_energy_scaling(args.sizes, samples, args.sweeps, t_min=args.t_min,
                          couplings=args.couplings, seed=args.seed, threads=args.threads,
                          progress=not (args.quiet or args.json))  # fmt: skip
    ax = plot_sk_energy_scaling(r)
    save_figure(ax.figure, args.out)
    if args.json:
        print(json.dumps(r.to_dict() | {"figure": args.out}))
        return 0
    print(f"{'n':>6} {'samples':>8} {'lowest e found':>18} {f'e at T={r.t_min:g}':>18} "
          f"{'min accept':>11} {'round trip':>11}")  # fmt: skip
    for n, g, low, run in zip(r.sizes, r.ground_state, r.low_temperature, r.results,
                              strict=True):  # fmt: skip
        print(f"{n:>6} {run.samples.size:>8} {g!s:>18} {low!s:>18} "
              f"{run.acceptance.min():>11.3f} {run.round_trip_time:>11.0f}")  # fmt: skip
    e = r.extrapolation
    print(f"n -> infinity (fit in n^-2/3): {e}  (Parisi {r.PARISI}, "
          f"{(e.mean - r.PARISI) / e.error:+.1f} sigma; chi2 {r.chi2:.1f})")  # fmt: skip
    print(f"figure: {args.out}")
    return 0


def _hopfield(args: argparse.Namespace) -> int:
    from isingml.plotting.spinglass import plot_hopfield_census
    from isingml.spinglass import hopfield_state_census
    from isingml.spinglass.hopfield_states import CLASSES, STARTS

    figure_output(args.out)
    r = hopfield_state_census(args.units, args.alphas, trials=args.trials, probes=args.probes,
                              seed=args.seed, threads=args.threads,
                              progress=not (args.quiet or args.json))  # fmt: skip
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
