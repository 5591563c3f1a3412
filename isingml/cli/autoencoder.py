"""The autoencoder commands: ``isingml autoencoder train|anomaly|denoise``,
``isingml phase`` (T_c from one-neuron latents) and ``isingml pipeline`` (generate, train,
estimate, draw: the unsupervised discovery of the critical point in one command)."""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from isingml.cli._common import action_group
from isingml.cli._figures import figure_output, save_figure
from isingml.transition.pipeline import PIPELINE_SIZES, PIPELINE_TEMPERATURES

__all__ = ["add_parser"]


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 256,64, got {text!r}") from None
    if any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"widths must be >= 1, got {text!r}")
    return widths


def _sizes(text: str) -> tuple[int, ...]:
    from isingml.data.generation import parse_sizes

    try:
        return parse_sizes(text)
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _check_counts(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        value = getattr(args, name)
        if value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be an integer >= 1, got {value}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``autoencoder train|anomaly|denoise``, ``phase`` and ``pipeline``."""
    add_action = action_group(sub, "autoencoder", help="autoencoders on spin configurations")
    train = add_action(
        "train",
        _train,
        help="train an autoencoder on a dataset's configurations and save it",
        description="Train an autoencoder (optionally denoising or variational) on the "
        "configurations of one lattice size, streamed from the file with --stream, print "
        "its loss per epoch and the correlation of a one-neuron latent with the "
        "magnetization, and save it (HDF5 for .h5, else .npz).",
    )
    _dataset_positional(train)
    train.add_argument("--latent", type=int, default=1, help="latent neurons")
    train.add_argument("--encoder", type=_widths, default=(256, 64),
                       help="encoder widths, e.g. 256,64 ('' for a linear encoder)")  # fmt: skip
    train.add_argument("--decoder", type=_widths, default=None,
                       help="decoder widths (default: the encoder's, reversed)")  # fmt: skip
    train.add_argument("--activation", default="tanh", help="tanh | relu | leaky_relu | sigmoid")
    train.add_argument("--corruption", type=float, default=0.0,
                       help="denoising: probability of flipping each input spin")  # fmt: skip
    train.add_argument("--variational", action="store_true", help="a variational autoencoder")
    train.add_argument("--beta", type=float, default=1.0, help="KL weight of the VAE")
    train.add_argument("--temperatures", default=None,
                       help="only these temperatures of the file, e.g. 1.0:2.0:11")  # fmt: skip
    _training_arguments(train, epochs=10)
    train.add_argument("--stream", action="store_true",
                       help="stream minibatches from the file instead of loading it")  # fmt: skip
    train.add_argument("--backend", default="cpu", help="cpu | cuda (training)")
    train.add_argument("--out", required=True, help="model file to write (.h5 or .npz)")
    train.add_argument("--json", action="store_true", help="print one JSON object")

    anomaly = add_action(
        "anomaly",
        _anomaly,
        help="train on ordered configurations only, flag disordered ones; print the ROC AUC",
    )
    _dataset_positional(anomaly)
    anomaly.add_argument("--normal-below", type=float, default=2.0, help="normal: T below")
    anomaly.add_argument("--anomalous-above", type=float, default=3.0, help="anomalous: T above")
    anomaly.add_argument("--quantile", type=float, default=0.99, help="threshold quantile")
    _training_arguments(anomaly, epochs=10)
    anomaly.add_argument("--figure", default=None, help="ROC figure to write")
    anomaly.add_argument("--json", action="store_true", help="print one JSON object")

    denoise = add_action(
        "denoise",
        _denoise,
        help="train a denoising autoencoder and measure how many flipped spins it repairs",
    )
    _dataset_positional(denoise)
    denoise.add_argument("--flip", type=float, default=0.1, help="share of spins flipped")
    denoise.add_argument("--max-temperature", type=float, default=2.0,
                         help="train and test on T up to this")  # fmt: skip
    _training_arguments(denoise, epochs=10)
    denoise.add_argument("--json", action="store_true", help="print one JSON object")

    phase = sub.add_parser(
        "phase",
        help="estimate T_c from one-neuron autoencoder latents, with finite-size scaling",
        description="For each lattice size of the dataset, train a one-neuron autoencoder "
        "(or use --model), estimate T_c from its latent (Binder ratio and latent "
        "susceptibility, bootstrap errors), extrapolate over the sizes, print the "
        "estimates next to Onsager's value and draw the primer's Fig. 14.",
    )
    phase.set_defaults(handler=_phase)
    _dataset_positional(phase, size=False)
    phase.add_argument("--size", "-L", type=int, action="append", default=None,
                       help="a lattice side to analyse (repeatable; default: all)")  # fmt: skip
    phase.add_argument("--model", action="append", default=None,
                       help="a trained autoencoder for its size (repeatable)")  # fmt: skip
    _analysis_arguments(phase)
    phase.add_argument("--figure", default="fig14_latent.png", help="Fig. 14 file to write")
    phase.add_argument("--scaling-figure", default="finite_size_scaling.png",
                       help="finite-size scaling figure (with two or more sizes)")  # fmt: skip

    pipeline = sub.add_parser(
        "pipeline",
        help="generate spins, train one-neuron autoencoders, print T_c vs Onsager, draw Fig. 14",
        description="The whole unsupervised discovery of the critical point: generate a "
        "dataset (several sizes, 26 temperatures; reused when present), train a "
        "one-neuron autoencoder per size, estimate T_c with finite-size scaling, print it "
        "against 2/ln(1+sqrt 2), and write the figures.",
    )
    pipeline.set_defaults(handler=_pipeline)
    pipeline.add_argument("--out-dir", default="isingml_pipeline",
                          help="folder for the dataset and the figures")  # fmt: skip
    pipeline.add_argument("--sizes", type=_sizes, default=PIPELINE_SIZES, help="lattice sides")
    pipeline.add_argument("--temperatures", default=PIPELINE_TEMPERATURES,
                          help="temperatures: start:stop:count pieces and values")  # fmt: skip
    pipeline.add_argument("--samples", type=int, default=1000, help="configurations per (L, T)")
    _analysis_arguments(pipeline)


def _dataset_positional(parser: argparse.ArgumentParser, size: bool = True) -> None:
    parser.add_argument("data", metavar="DATA.h5", help="isingml dataset (isingml generate)")
    if size:
        parser.add_argument("--size", "-L", type=int, required=True, help="lattice side L")


def _training_arguments(parser: argparse.ArgumentParser, epochs: int) -> None:
    parser.add_argument("--epochs", type=int, default=epochs, help="training epochs")
    parser.add_argument("--batch-size", type=int, default=128, help="minibatch size")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _analysis_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=5, help="training epochs per size")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap replicas")
    parser.add_argument("--seed", type=int, default=1, help="seed")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


# -- autoencoder train / anomaly / denoise ------------------------------------------------


def _train(args: argparse.Namespace) -> int:
    import numpy as np

    from isingml.data.generation import parse_temperatures
    from isingml.data.reader import open_dataset
    from isingml.nn.autoencoder import Autoencoder, VariationalAutoencoder
    from isingml.transition.discovery import latent_of_dataset

    _check_counts(args, "epochs", "batch_size")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise ValueError(f"out: directory {out.parent} does not exist")
    if args.beta != 1.0 and not args.variational:
        raise ValueError(f"--beta {args.beta} weighs the KL term of --variational; add it")
    kind = VariationalAutoencoder if args.variational else Autoencoder
    extra = {"beta": args.beta} if args.variational else {}
    model = kind(args.encoder, args.latent, args.decoder, activation=args.activation,
                 corruption=args.corruption, seed=args.seed, **extra)  # fmt: skip
    temps = None if args.temperatures is None else parse_temperatures(args.temperatures)
    with open_dataset(args.data) as ds:
        start = time.perf_counter()
        if args.stream:
            history = model.fit(ds, args.epochs, args.batch_size, size=args.size,
                                temperatures=temps, progress=not args.quiet,
                                backend=args.backend)  # fmt: skip
            n = ds.n_samples(args.size, temps)
        else:
            spins = ds.spins(args.size, temps, dtype=model.dtype)
            history = model.fit(
                spins, args.epochs, args.batch_size, progress=not args.quiet, backend=args.backend
            )
            n = len(spins)
            del spins
        seconds = time.perf_counter() - start
        correlation = None
        if args.latent == 1:
            z, _, m = latent_of_dataset(ds, args.size, model)
            correlation = abs(float(np.corrcoef(z, m)[0, 1]))
    path = model.save(out)
    result = {
        "size": args.size,
        "configurations": n,
        "loss": history["loss"],
        "samples_per_second": n * len(history["loss"]) / seconds,
        "latent_magnetization_correlation": correlation,
        "model": str(path),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"L = {args.size}: {n} configurations, {len(history['loss'])} epochs, "
          f"{result['samples_per_second']:,.0f} samples/s")  # fmt: skip
    print("loss per epoch: " + ", ".join(f"{v:.4f}" for v in history["loss"]))
    if correlation is not None:
        print(f"|r| of the (odd) latent with the magnetization, all configurations: "
              f"{correlation:.4f}")  # fmt: skip
    print(f"model: {path}")
    return 0


def _anomaly(args: argparse.Namespace) -> int:
    from isingml.transition.experiments import anomaly_experiment

    _check_counts(args, "epochs", "batch_size")
    if args.figure:
        figure_output(args.figure)
    r = anomaly_experiment(args.data, args.size, args.normal_below, args.anomalous_above,
                           args.quantile, args.epochs, args.batch_size,
                           seed=args.seed)  # fmt: skip
    if args.figure:
        from isingml.plotting import plot_roc

        ax = plot_roc(r.fpr, r.tpr, r.auc)
        ax.set_title(f"L = {r.size}: T < {r.normal_below:g} normal, T > {r.anomalous_above:g}")
        save_figure(ax.figure, args.figure)
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
    print(f"L = {r.size}: trained on {r.n_train} configurations with T < {r.normal_below:g}; "
          f"tested on {r.n_normal_test} held-out normal and {r.n_anomalous} with "
          f"T > {r.anomalous_above:g}")  # fmt: skip
    print(f"ROC AUC {r.auc:.4f}; threshold (quantile {r.quantile:g}) {r.threshold:.4g}: "
          f"detects {r.detection_rate:.1%}, false alarms {r.false_alarm_rate:.1%}")  # fmt: skip
    if args.figure:
        print(f"figure: {args.figure}")
    return 0


def _denoise(args: argparse.Namespace) -> int:
    from isingml.transition.experiments import denoising_experiment

    _check_counts(args, "epochs", "batch_size")
    r = denoising_experiment(args.data, args.size, args.flip, args.max_temperature,
                             args.epochs, args.batch_size, seed=args.seed)  # fmt: skip
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
        print(f"{row['temperature']:6.3f}   {row['wrong_before']:14.4f}   "
              f"{row['wrong_after']:21.4f}   {factor:8.1f}x")  # fmt: skip
    return 0


# -- phase and pipeline ------------------------------------------------------------------


def _report(args: argparse.Namespace):
    return None if args.quiet or args.json else print


def _analyse(args: argparse.Namespace, data: str, sizes, models) -> int:
    from isingml.transition.discovery import discover_transition

    _check_counts(args, "epochs", "bootstrap")
    if args.bootstrap < 2:
        raise ValueError(f"--bootstrap must be an integer >= 2, got {args.bootstrap}")
    analysis = discover_transition(data, sizes, models, epochs=args.epochs,
                                   n_bootstrap=args.bootstrap, seed=args.seed,
                                   report=_report(args))  # fmt: skip
    return _draw(args, analysis)


def _draw(args: argparse.Namespace, analysis) -> int:
    from isingml.plotting import plot_finite_size_scaling, plot_latent

    largest = analysis.sizes[max(analysis.sizes)]
    fig = plot_latent(largest)[0].figure
    save_figure(fig, args.figure)
    written = [args.figure]
    fit = analysis.fits.get("susceptibility") or next(iter(analysis.fits.values()), None)
    if fit is not None and args.scaling_figure:
        save_figure(plot_finite_size_scaling(fit).figure, args.scaling_figure)
        written.append(args.scaling_figure)
    if args.json:
        print(json.dumps({**analysis.to_dict(), "figures": written}))
        return 0
    print(analysis.summary())
    print("figures: " + ", ".join(written))
    return 0


def _phase(args: argparse.Namespace) -> int:
    from isingml.nn.autoencoder import Autoencoder

    figure_output(args.figure)
    if args.scaling_figure:
        figure_output(args.scaling_figure)
    models, paths = {}, {}
    for path in args.model or []:
        model = Autoencoder.load(path)
        side = math.isqrt(model.n_features)
        if side * side != model.n_features:
            raise ValueError(f"model: {path} takes {model.n_features} values per sample, not "
                             "an L x L lattice")  # fmt: skip
        if side in models:
            raise ValueError(f"model: two models for L = {side}")
        models[side], paths[side] = model, path
    sizes = args.size
    if sizes is None and models:
        sizes = sorted(models)
    for side in models:
        if sizes is not None and side not in sizes:
            raise ValueError(f"model: {paths[side]} is for L = {side}, which is not analysed "
                             f"(--size {sizes})")  # fmt: skip
    return _analyse(args, args.data, sizes, models)


def _pipeline(args: argparse.Namespace) -> int:
    from isingml.transition.pipeline import discover_critical_point, pipeline_dataset

    _check_counts(args, "samples", "epochs", "bootstrap")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    args.figure = str(out_dir / "fig14_latent.png")
    args.scaling_figure = str(out_dir / "finite_size_scaling.png")
    for path in (args.figure, args.scaling_figure, pipeline_dataset(out_dir)):
        figure_output(str(path))
    result = discover_critical_point(out_dir, args.sizes, args.temperatures, args.samples,
                                     epochs=args.epochs, n_bootstrap=args.bootstrap,
                                     seed=args.seed, progress=not (args.quiet or args.json),
                                     report=_report(args))  # fmt: skip
    return _draw(args, result.analysis)
