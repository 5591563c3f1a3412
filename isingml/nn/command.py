"""The ``isingml nn`` command: the Ising phase classifier and the Fig. 12 feature maps."""

from __future__ import annotations

import argparse
import json

from isingml._figures import figure_output, save_figure

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``nn ising`` to the command's subparsers."""
    nn = sub.add_parser("nn", help="neural networks written out by hand")
    what = nn.add_subparsers(dest="nn_command", metavar="ACTION", parser_class=type(nn))
    what.required = True
    ising = what.add_parser(
        "ising",
        help="classify ordered/disordered configurations and estimate T_c",
        description="Train an MLP on the configurations of a dataset labelled by T < T_c "
        "(Onsager's value) and print where its mean output on held-out configurations "
        "crosses 1/2.",
    )
    ising.add_argument("--data", required=True, help="isingml dataset (isingml generate)")
    ising.add_argument("--size", "-L", type=int, required=True, help="lattice side L")
    ising.add_argument("--hidden", type=int, default=64, help="hidden units")
    ising.add_argument("--epochs", type=int, default=15, help="training epochs")
    ising.add_argument("--seed", type=int, default=0, help="seed")
    ising.add_argument("--out", default="phase_classifier.png", help="figure file to write")
    ising.add_argument("--json", action="store_true", help="print one JSON object")
    features = what.add_parser(
        "features",
        help="feature maps of fixed filters + ReLU + max pooling (the primer's Fig. 12)",
    )
    features.add_argument("--image", default=None, help="image file (default: a sample photo)")
    features.add_argument("--layers", type=int, default=3, help="convolution stages")
    features.add_argument("--out", default="feature_maps.png", help="figure file to write")


def _features(args: argparse.Namespace) -> int:
    figure_output(args.out)
    import matplotlib.image as mpimg
    import numpy as np

    from isingml.nn.examples import feature_maps, sample_photograph
    from isingml.plotting import plot_feature_maps

    if args.image is None:
        image = sample_photograph()
    else:
        try:
            pixels = mpimg.imread(args.image)
        except (OSError, SyntaxError, ValueError) as exc:
            raise ValueError(f"image: cannot read {args.image} ({exc})") from None
        image = pixels[..., :3].mean(axis=-1) if pixels.ndim == 3 else pixels
        image = np.asarray(image, dtype=float)
    if args.layers < 1:
        raise ValueError(f"--layers must be an integer >= 1, got {args.layers}")
    axes = plot_feature_maps(feature_maps(image, layers=args.layers))
    fig = np.asarray(axes).ravel()[0].figure
    save_figure(fig, args.out, dpi=100)
    print(f"figure: {args.out}")
    return 0


def _ising(args: argparse.Namespace) -> int:
    from isingml.ising.exact import T_C
    from isingml.nn.ising import phase_classifier
    from isingml.plotting import plot_phase_classifier

    figure_output(args.out)
    result = phase_classifier(args.data, args.size, hidden=args.hidden, epochs=args.epochs,
                              seed=args.seed)  # fmt: skip
    ax = plot_phase_classifier(result)
    save_figure(ax.figure, args.out)
    report = {
        "L": result.L,
        "temperatures": result.temperatures.tolist(),
        "ordered": result.ordered.tolist(),
        "t_c": result.t_c,
        "onsager_t_c": T_C,
        "relative_error": result.t_c / T_C - 1,
        "test_accuracy": result.test_accuracy,
        "figure": args.out,
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"phase classifier on L = {result.L} ({args.data}), held-out accuracy "
          f"{result.test_accuracy:.3f}")  # fmt: skip
    for t, p in zip(result.temperatures, result.ordered, strict=True):
        print(f"  T = {t:6.3f}   P(ordered) = {p:.3f}")
    print(f"T_c estimate {result.t_c:.4f}  (Onsager {T_C:.4f}, {report['relative_error']:+.2%})")
    print(f"figure: {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``isingml nn ACTION``."""
    return {"ising": _ising, "features": _features}[args.nn_command](args)
