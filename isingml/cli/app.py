"""The ``isingml`` command: the root parser, and how errors end.

Bad input (a usage error, :class:`isingml.errors.InputError`) ends in one line on standard
error and exit status 2; a missing resource (:class:`isingml.errors.ResourceError`) or an
operating-system error (a missing file, a full disk, a damaged HDF5 file) in one line and
status 1. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from isingml import __version__
from isingml.cli import autoencoder, data, hopfield, ising, nn, rbm, signal, spinglass
from isingml.cli._common import Parser, UsageError
from isingml.errors import InputError, ResourceError

__all__ = ["build_parser", "main"]

#: The areas, in the order ``isingml --help`` lists their commands.
_AREAS = (ising, data, hopfield, rbm, nn, autoencoder, spinglass, signal)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``isingml`` command, with every area's subcommands.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = Parser(
        prog="isingml",
        description="The physics of machine learning, runnable and fast.",
    )
    parser.add_argument("--version", action="version", version=f"isingml {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for area in _AREAS:
        area.add_parser(sub)
    return parser


def _error(message: object, status: int) -> int:
    print(f"isingml: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``isingml`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad input, 1 when a resource is missing or the
        operating system refuses (and ``verify`` finds a problem); 130 on Ctrl-C.

    Raises
    ------
    Exception
        Anything that is not bad input or an I/O error: a bug, with its traceback.
    """
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (UsageError, InputError) as exc:
        return _error(exc, 2)
    except ResourceError as exc:
        return _error(exc, 1)
    except BrokenPipeError:  # output piped into head and the like
        sys.stdout = open(os.devnull, "w")  # silence the interpreter's final flush
        return 0
    except OSError as exc:  # the disk, not the arguments: a full disk, a lost mount
        return _error(exc, 1)
    except KeyboardInterrupt:
        print("isingml: interrupted", file=sys.stderr)
        return 130
