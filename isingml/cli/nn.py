"""The ``isingml nn`` command: the Ising phase classifier, the Fig. 12 feature maps and the
appendix network on MNIST."""

from __future__ import annotations

import argparse
import json

from isingml.cli import _types
from isingml.cli._common import (
    JSON,
    SEED,
    action_group,
    add_dataset_arguments,
    backend_parent,
    check_dataset_size,
    out_parent,
    usage_error,
)
from isingml.cli._figures import figure_output, save_figure

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``nn ising``, ``nn mnist`` and ``nn features`` to the command's subparsers."""
    add_action = action_group(sub, "nn", help="neural networks written out by hand")
    ising = add_action(
        "ising",
        _ising,
        parents=[
            SEED,
            backend_parent("where training runs"),
            out_parent("phase_classifier.png"),
            JSON,
        ],
        help="classify ordered/disordered configurations and estimate T_c",
        description="Train an MLP on the configurations of a dataset labelled by T < T_c "
        "(Onsager's value) and print where its mean output on held-out configurations "
        "crosses 1/2.",
    )
    add_dataset_arguments(ising)
    ising.add_argument("--hidden", type=_types.positive_int, default=64, help="hidden units")
    ising.add_argument("--epochs", type=_types.positive_int, default=15, help="training epochs")
    ising.add_argument("--batch-size", type=_types.positive_int, default=64, help="minibatch size")
    mnist = add_action(
        "mnist",
        _mnist,
        parents=[SEED, JSON],
        help="the primer's appendix network on MNIST, its sigmoid variant, and CE + Adam",
        description="Train the appendix's 784-100-10 network (no biases, N(0,1) weights, "
        "ReLU, MSE, SGD 1e-3, batch 64), its sigmoid variant, and a cross-entropy + Adam "
        "network on MNIST's IDX files, and print their losses and test accuracy.",
    )
    mnist.add_argument(
        "data",
        metavar="MNIST_DIR",
        nargs="?",
        default=None,
        help="folder of the IDX files (default: $ISINGML_DATA)",
    )
    mnist.add_argument(
        "--epochs", type=_types.positive_int, default=2, help="epochs of the appendix variants"
    )
    mnist.add_argument(
        "--modern-epochs", type=_types.positive_int, default=5, help="epochs of CE + Adam"
    )
    features = add_action(
        "features",
        _features,
        parents=[out_parent("feature_maps.png")],
        help="feature maps of fixed filters + ReLU + max pooling (the primer's Fig. 12)",
        description="Feature maps of fixed filters + ReLU + max pooling of an image (the "
        "primer's Fig. 12).",
    )
    features.add_argument(
        "--image",
        type=_types.input_file,
        default=None,
        help="image file (default: a sample photo)",
    )
    features.add_argument(
        "--layers", type=_types.positive_int, default=3, help="convolution stages"
    )


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
            usage_error("--image", f"cannot read {args.image} ({exc})")
        image = pixels[..., :3].mean(axis=-1) if pixels.ndim == 3 else pixels
        image = np.asarray(image, dtype=float)
    axes = plot_feature_maps(feature_maps(image, layers=args.layers))
    fig = np.asarray(axes).ravel()[0].figure
    save_figure(fig, args.out, dpi=100)
    print(f"figure: {args.out}")
    return 0


def _ising(args: argparse.Namespace) -> int:
    from isingml.ising.exact import T_C
    from isingml.plotting import plot_phase_classifier
    from isingml.transition.classifier import phase_classifier

    check_dataset_size(args.data, args.size)
    figure_output(args.out)
    result = phase_classifier(
        args.data,
        args.size,
        hidden=args.hidden,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        backend=args.backend,
    )
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
    print(
        f"phase classifier on L = {result.L} ({args.data}), held-out accuracy "
        f"{result.test_accuracy:.3f}"
    )
    for t, p in zip(result.temperatures, result.ordered, strict=True):
        print(f"  T = {t:6.3f}   P(ordered) = {p:.3f}")
    print(f"T_c estimate {result.t_c:.4f}  (Onsager {T_C:.4f}, {report['relative_error']:+.2%})")
    print(f"figure: {args.out}")
    return 0


def _mnist(args: argparse.Namespace) -> int:
    from isingml.data.mnist import load_mnist
    from isingml.nn.appendix import appendix_experiments

    x_train, y_train = load_mnist(args.data, "train")
    x_test, y_test = load_mnist(args.data, "test")
    results = appendix_experiments(
        x_train,
        y_train,
        x_test,
        y_test,
        epochs=args.epochs,
        modern_epochs=args.modern_epochs,
        seed=args.seed,
    )
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"MNIST: {len(x_train)} training and {len(x_test)} test images")
    for name, r in results.items():
        losses = ", ".join(f"{v:.4g}" for v in r["loss"]) or "-"
        status = f"  DIVERGED: {r['diverged']}" if r["diverged"] else ""
        if r["dead_outputs"] > 0.5:
            status += f"  (all outputs zero on {r['dead_outputs']:.0%} of images: dead ReLUs)"
        print(
            f"  {name:<24} loss per epoch {losses:<24} test accuracy "
            f"{r['test_accuracy']:.3f}{status}"
        )
    return 0
