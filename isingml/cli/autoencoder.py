"""The autoencoder commands: ``isingml autoencoder train|anomaly|denoise``,
``isingml phase`` (T_c from one-neuron latents) and ``isingml pipeline`` (generate, train,
estimate, draw: the unsupervised discovery of the critical point in one command)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

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
    usage_error,
)
from isingml.cli._figures import figure_output, save_figure
from isingml.errors import InputError
from isingml.nn.autoencoder import ENCODER_ACTIVATIONS
from isingml.transition.latents import MIN_TEMPERATURES
from isingml.transition.pipeline import (
    PIPELINE_SIZES,
    PIPELINE_TEMPERATURES,
    pipeline_dataset,
)

__all__ = ["add_parser"]

#: The figures that ``phase`` and ``pipeline`` draw.
_LATENT_FIGURE = "fig14_latent.png"
_SCALING_FIGURE = "finite_size_scaling.png"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``autoencoder train|anomaly|denoise``, ``phase`` and ``pipeline``."""
    add_action = action_group(sub, "autoencoder", help="autoencoders on spin configurations")
    train = add_action(
        "train",
        _train,
        parents=[
            SEED,
            backend_parent("where training runs"),
            out_parent(help="model file to write (.h5 or .npz)", required=True),
            JSON,
            QUIET,
        ],
        help="train an autoencoder on a dataset's configurations and save it",
        description="Train an autoencoder (optionally denoising or variational) on the "
        "configurations of one lattice size, streamed from the file with --stream, print "
        "its loss per epoch and the correlation of a one-neuron latent with the "
        "magnetization, and save it (HDF5 for .h5, else .npz).",
    )
    add_dataset_arguments(train)
    train.add_argument("--latent", type=_types.positive_int, default=1, help="latent neurons")
    train.add_argument(
        "--encoder",
        type=_types.widths,
        default="256,64",
        help="encoder widths, e.g. 256,64 ('' for a linear encoder)",
    )
    train.add_argument(
        "--decoder",
        type=_types.widths,
        default=None,
        help="decoder widths (default: the encoder's, reversed)",
    )
    train.add_argument(
        "--activation",
        choices=tuple(ENCODER_ACTIVATIONS),
        default="tanh",
        help="hidden-layer activation",
    )
    train.add_argument(
        "--corruption",
        type=_types.float_in(0.0, 1.0, open_high=True),
        default=0.0,
        help="denoising: probability of flipping each input spin",
    )
    train.add_argument("--variational", action="store_true", help="a variational autoencoder")
    train.add_argument(
        "--beta",
        type=_types.positive_float,
        default=1.0,
        help="KL weight of the VAE (with --variational)",
    )
    train.add_argument(
        "--temperatures",
        type=_types.temperatures,
        default=None,
        help="only these temperatures, e.g. 1.0:2.0:11 (default: all)",
    )
    _training_arguments(train, epochs=10)
    train.add_argument(
        "--stream",
        action="store_true",
        help="stream minibatches from the file instead of loading it",
    )

    anomaly = add_action(
        "anomaly",
        _anomaly,
        parents=[SEED, out_parent(help="ROC figure to write (default: none)"), JSON, QUIET],
        help="train on ordered configurations only, flag disordered ones; print the ROC AUC",
        description="Train an autoencoder on the configurations below --normal-below only, "
        "score held-out normal ones and those above --anomalous-above by reconstruction "
        "error, and print the ROC AUC and the detection rate at a threshold.",
    )
    add_dataset_arguments(anomaly)
    anomaly.add_argument(
        "--normal-below", type=_types.positive_float, default=2.0, help="normal: T below this"
    )
    anomaly.add_argument(
        "--anomalous-above",
        type=_types.positive_float,
        default=3.0,
        help="anomalous: T above this",
    )
    anomaly.add_argument(
        "--quantile",
        type=_types.float_in(0.0, 1.0, open_low=True, open_high=True),
        default=0.99,
        help="threshold quantile of normal scores",
    )
    _training_arguments(anomaly, epochs=10)

    denoise = add_action(
        "denoise",
        _denoise,
        parents=[SEED, JSON, QUIET],
        help="train a denoising autoencoder and measure how many flipped spins it repairs",
        description="Train a denoising autoencoder on configurations with --flip of their "
        "spins flipped and print, per temperature, the share of wrong spins before and "
        "after denoising held-out configurations.",
    )
    add_dataset_arguments(denoise)
    denoise.add_argument(
        "--flip",
        type=_types.float_in(0.0, 1.0, open_high=True),
        default=0.1,
        help="probability of flipping each spin",
    )
    denoise.add_argument(
        "--max-temperature",
        type=_types.positive_float,
        default=2.0,
        help="train and test on T up to this",
    )
    _training_arguments(denoise, epochs=10)

    phase = sub.add_parser(
        "phase",
        parents=[SEED, out_parent(_LATENT_FIGURE, help="Fig. 14 file to write"), JSON, QUIET],
        help="estimate T_c from one-neuron autoencoder latents, with finite-size scaling",
        description="For each lattice size of the dataset, train a one-neuron autoencoder "
        "(or use --model), estimate T_c from its latent (Binder ratio and latent "
        "susceptibility, bootstrap errors), extrapolate over the sizes, print the "
        "estimates next to Onsager's value and draw the primer's Fig. 14.",
    )
    phase.set_defaults(handler=_phase)
    add_dataset_arguments(phase, size=False)
    phase.add_argument(
        "--size",
        "-L",
        type=_types.lattice_size,
        action="append",
        default=None,
        help="a lattice side to analyse (repeatable; default: all)",
    )
    phase.add_argument(
        "--model",
        type=_types.input_file,
        action="append",
        default=None,
        help="a trained model for its L (repeatable; default: train)",
    )
    phase.add_argument(
        "--scaling-out",
        type=_types.output_file,
        default=_SCALING_FIGURE,
        metavar="FILE",
        help="finite-size scaling figure (with two or more sizes)",
    )
    _analysis_arguments(phase)

    pipeline = sub.add_parser(
        "pipeline",
        parents=[SEED, JSON, QUIET],
        help="generate spins, train one-neuron autoencoders, print T_c vs Onsager, draw Fig. 14",
        description="The whole unsupervised discovery of the critical point: generate a "
        "dataset (several sizes, 26 temperatures; reused when present), train a "
        "one-neuron autoencoder per size, estimate T_c with finite-size scaling, print it "
        "against 2/ln(1+sqrt 2), and write the figures.",
    )
    pipeline.set_defaults(handler=_pipeline)
    pipeline.add_argument(
        "--out-dir",
        type=_types.output_dir,
        default="isingml_pipeline",
        help="folder for the dataset and the figures",
    )
    pipeline.add_argument(
        "--sizes",
        type=_types.lattice_sizes,
        default=",".join(map(str, PIPELINE_SIZES)),
        help="lattice sides",
    )
    pipeline.add_argument(
        "--temperatures",
        type=_types.temperatures,
        default=PIPELINE_TEMPERATURES,
        help="start:stop:count pieces and values; >= 5",
    )
    pipeline.add_argument(
        "--samples", type=_types.positive_int, default=1000, help="configurations per (L, T)"
    )
    _analysis_arguments(pipeline)


def _training_arguments(parser: argparse.ArgumentParser, epochs: int) -> None:
    parser.add_argument(
        "--epochs", type=_types.positive_int, default=epochs, help="training epochs"
    )
    parser.add_argument(
        "--batch-size", type=_types.positive_int, default=128, help="minibatch size"
    )


def _analysis_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs", type=_types.positive_int, default=5, help="training epochs per size"
    )
    parser.add_argument(
        "--bootstrap", type=_types.int_at_least(2), default=200, help="bootstrap replicas"
    )


# -- autoencoder train / anomaly / denoise ------------------------------------------------


def _train(args: argparse.Namespace) -> int:
    from isingml.nn.autoencoder import Autoencoder, VariationalAutoencoder
    from isingml.transition.discovery import train_on_dataset

    if args.beta != 1.0 and not args.variational:
        usage_error("--beta", f"{args.beta:g} weighs the KL term of --variational; add it")
    check_dataset_size(args.data, args.size)
    kind = VariationalAutoencoder if args.variational else Autoencoder
    extra = {"beta": args.beta} if args.variational else {}
    model = kind(
        encoder_widths=args.encoder,
        latent_dim=args.latent,
        decoder_widths=args.decoder,
        activation=args.activation,
        corruption=args.corruption,
        n_epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=not args.quiet,
        backend=args.backend,
        **extra,
    )
    run = train_on_dataset(
        args.data, args.size, model, args.temperatures, stream=args.stream, seed=args.seed
    )
    history, n, correlation = model.history_, run.n_configurations, run.correlation
    path = model.save(Path(args.out))
    result = {
        "size": args.size,
        "configurations": n,
        "loss": history["loss"],
        "samples_per_second": run.samples_per_second,
        "latent_magnetization_correlation": correlation,
        "model": str(path),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"L = {args.size}: {n} configurations, {len(history['loss'])} epochs, "
        f"{result['samples_per_second']:,.0f} samples/s"
    )
    print("loss per epoch: " + ", ".join(f"{v:.4f}" for v in history["loss"]))
    if correlation is not None:
        print(
            f"|r| of the (odd) latent with the magnetization, all configurations: "
            f"{correlation:.4f}"
        )
    print(f"model: {path}")
    return 0


def _check_temperatures_on_both_sides(args: argparse.Namespace) -> None:
    from isingml.data import open_dataset

    with open_dataset(args.data) as ds:
        held = [float(t) for t in ds.temperatures]
    for flag, value, side in (
        ("--normal-below", args.normal_below, "below"),
        ("--anomalous-above", args.anomalous_above, "above"),
    ):
        if not any(t < value if side == "below" else t > value for t in held):
            usage_error(
                flag,
                f"{args.data} holds no temperature {side} {value:g} (it has "
                f"{', '.join(f'{t:g}' for t in held)})",
            )


def _anomaly(args: argparse.Namespace) -> int:
    from isingml.transition.experiments import anomaly_experiment

    if args.normal_below > args.anomalous_above:
        usage_error(
            "--normal-below",
            f"must not exceed --anomalous-above "
            f"({args.anomalous_above:g}), got {args.normal_below:g}",
        )
    check_dataset_size(args.data, args.size)
    _check_temperatures_on_both_sides(args)
    if args.out:
        figure_output(args.out)
    r = anomaly_experiment(
        args.data,
        args.size,
        args.normal_below,
        args.anomalous_above,
        args.quantile,
        args.epochs,
        args.batch_size,
        seed=args.seed,
    )
    if args.out:
        from isingml.plotting import plot_roc

        ax = plot_roc(r.fpr, r.tpr, r.auc)
        ax.set_title(f"L = {r.size}: T < {r.normal_below:g} normal, T > {r.anomalous_above:g}")
        save_figure(ax.figure, args.out)
    summary = {
        "size": r.size,
        "auc": r.auc,
        "threshold": r.threshold,
        "detection_rate": r.detection_rate,
        "false_alarm_rate": r.false_alarm_rate,
        "trained_on": r.n_train,
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(
        f"L = {r.size}: trained on {r.n_train} configurations with T < {r.normal_below:g}; "
        f"tested on {r.n_normal_test} held-out normal and {r.n_anomalous} with "
        f"T > {r.anomalous_above:g}"
    )
    print(
        f"ROC AUC {r.auc:.4f}; threshold (quantile {r.quantile:g}) {r.threshold:.4g}: "
        f"detects {r.detection_rate:.1%}, false alarms {r.false_alarm_rate:.1%}"
    )
    if args.out:
        print(f"figure: {args.out}")
    return 0


def _denoise(args: argparse.Namespace) -> int:
    from isingml.transition.experiments import denoising_experiment

    check_dataset_size(args.data, args.size)
    r = denoising_experiment(
        args.data,
        args.size,
        args.flip,
        args.max_temperature,
        args.epochs,
        args.batch_size,
        seed=args.seed,
    )
    rows = [
        {"temperature": float(t), "wrong_before": float(b), "wrong_after": float(a)}
        for t, b, a in zip(r.temperatures, r.wrong_before, r.wrong_after, strict=True)
    ]
    if args.json:
        print(json.dumps({"size": r.size, "flip": r.flip, "temperatures": rows}))
        return 0
    print(f"L = {r.size}, {r.flip:.0%} of spins flipped; held-out configurations:")
    print("     T   wrong in input   wrong after denoising   reduction")
    for row, factor in zip(rows, r.reduction, strict=True):
        print(
            f"{row['temperature']:6.3f}   {row['wrong_before']:14.4f}   "
            f"{row['wrong_after']:21.4f}   {factor:8.1f}x"
        )
    return 0


# -- phase and pipeline ------------------------------------------------------------------


def _report(args: argparse.Namespace):
    return None if args.quiet or args.json else print


def _draw(args: argparse.Namespace, analysis) -> int:
    from isingml.plotting import plot_finite_size_scaling, plot_latent

    largest = analysis.sizes[max(analysis.sizes)]
    fig = plot_latent(largest)[0].figure
    save_figure(fig, args.out)
    written = [args.out]
    fit = analysis.fits.get("susceptibility") or next(iter(analysis.fits.values()), None)
    if fit is not None and args.scaling_out:
        save_figure(plot_finite_size_scaling(fit).figure, args.scaling_out)
        written.append(args.scaling_out)
    if args.json:
        print(json.dumps({**analysis.to_dict(), "figures": written}))
        return 0
    print(analysis.summary())
    print("figures: " + ", ".join(written))
    return 0


def _phase(args: argparse.Namespace) -> int:
    from isingml.data import open_dataset
    from isingml.nn.autoencoder import Autoencoder
    from isingml.transition.discovery import discover_transition

    check_dataset_size(args.data, args.size)
    with open_dataset(args.data) as ds:
        n_temperatures = len(ds.temperatures)
    if n_temperatures < MIN_TEMPERATURES:
        usage_error(
            "DATA.h5",
            f"{args.data}: {n_temperatures} temperatures are too few to "
            f"locate a transition (need >= {MIN_TEMPERATURES} spanning T_c)",
        )
    models, paths = {}, {}
    for path in args.model or []:
        try:
            model = Autoencoder.load(path)
        except InputError as exc:
            usage_error("--model", str(exc))
        side = math.isqrt(model.n_features_in_)
        if side * side != model.n_features_in_:
            usage_error(
                "--model",
                f"{path} takes {model.n_features_in_} values per sample, not an L x L lattice",
            )
        if side in models:
            usage_error("--model", f"{paths[side]} and {path} are both for L = {side}")
        models[side], paths[side] = model, path
    sizes = args.size
    if sizes is None and models:
        sizes = sorted(models)
    for side in models:
        if sizes is not None and side not in sizes:
            usage_error(
                "--model",
                f"{paths[side]} is for L = {side}, which is not analysed "
                f"(--size {', '.join(map(str, sizes))})",
            )
    check_dataset_size(args.data, sizes)
    figure_output(args.out)
    analysis = discover_transition(
        args.data,
        sizes,
        models,
        epochs=args.epochs,
        n_bootstrap=args.bootstrap,
        seed=args.seed,
        report=_report(args),
    )
    return _draw(args, analysis)


def _pipeline(args: argparse.Namespace) -> int:
    from isingml.transition.pipeline import discover_critical_point

    if len(args.temperatures) < MIN_TEMPERATURES:
        usage_error(
            "--temperatures",
            f"must hold >= {MIN_TEMPERATURES} values spanning T_c "
            f"to locate the transition, got {len(args.temperatures)}",
        )
    out_dir = Path(args.out_dir)
    args.out = str(out_dir / _LATENT_FIGURE)
    args.scaling_out = str(out_dir / _SCALING_FIGURE)
    for path in (args.out, args.scaling_out, pipeline_dataset(out_dir)):
        if Path(path).is_dir():
            usage_error("--out-dir", f"{path} is a directory, not a file")
    figure_output(args.out)
    result = discover_critical_point(
        out_dir,
        args.sizes,
        args.temperatures,
        args.samples,
        epochs=args.epochs,
        n_bootstrap=args.bootstrap,
        seed=args.seed,
        progress=not (args.quiet or args.json),
        report=_report(args),
    )
    return _draw(args, result.analysis)
