"""Shared pieces of the command groups (``isingml hopfield|rbm|nn ACTION``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np


def action_group(
    sub: argparse._SubParsersAction, name: str, help: str
) -> Callable[..., argparse.ArgumentParser]:
    """Add the command ``name`` with required ACTION subcommands.

    Returns
    -------
    callable
        ``add_action(action, handler, **parser_options)``: adds one action whose parsed
        arguments carry ``handler`` (what ``isingml`` calls with them).
    """
    group = sub.add_parser(name, help=help)
    actions = group.add_subparsers(dest="action", metavar="ACTION", parser_class=type(group))
    actions.required = True

    def add_action(
        action: str, handler: Callable[[argparse.Namespace], int], **options: object
    ) -> argparse.ArgumentParser:
        parser = actions.add_parser(action, **options)
        parser.set_defaults(handler=handler)
        return parser

    return add_action


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """``--data FILE`` (required) and ``--size/-L`` (required) of a dataset command."""
    parser.add_argument("--data", required=True, help="isingml dataset (isingml generate)")
    parser.add_argument("--size", "-L", type=int, required=True, help="lattice side L")


def float_values(text: str) -> np.ndarray:
    """An argparse type: ``start:stop:count`` (inclusive, evenly spaced) or ``a,b,c``."""
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            return np.linspace(float(start), float(stop), int(count))
        return np.array([float(a) for a in text.split(",") if a.strip()])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected start:stop:count or a,b,c, got {text!r}"
        ) from None


def int_values(text: str) -> tuple[int, ...]:
    """An argparse type: integers ``a,b,c``."""
    try:
        return tuple(int(a) for a in text.split(",") if a.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers a,b,c, got {text!r}") from None
