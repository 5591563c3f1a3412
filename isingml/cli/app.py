"""The ``isingml`` command: the root parser, and how errors end.

Bad input (a usage error, :class:`isingml.errors.InputError`) ends in one line on standard
error and exit status 2; a missing resource (:class:`isingml.errors.ResourceError`) or an
operating-system error (a missing file, a full disk, a damaged HDF5 file) in one line and
status 1. Anything else is a bug and shows its traceback.

An interruption ends the same way whichever way it comes: Ctrl-C (``SIGINT``) and, while a
command runs, ``SIGTERM`` (what ``kill``, a batch scheduler or a container stop send) both
raise :class:`KeyboardInterrupt` in the main thread, so that every ``finally`` runs (locks
released, temporary files removed) and the command prints ``isingml: interrupted`` and
exits with 130 for ``SIGINT``, 143 (128 + 15) for ``SIGTERM``. An interruption that arrives
while a finalizer runs (where Python cannot raise it) is delivered again right after. A
second ``SIGTERM`` during the clean-up ends the process at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal as _signals
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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


#: Seconds after which a swallowed interruption is sent again.
_REDELIVERY_DELAY_S = 0.01


class _Terminated(KeyboardInterrupt):
    """``SIGTERM`` received while a command ran."""


def _raise_terminated(signum: int, frame: object) -> None:
    _signals.signal(_signals.SIGTERM, _signals.SIG_DFL)  # a second one ends at once
    raise _Terminated


def _redeliver(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """An unraisable-exception hook that delivers again an interruption swallowed where
    exceptions cannot propagate (a finalizer, a weakref callback), and prints nothing
    for it; anything else goes to ``previous``."""

    def hook(unraisable: Any) -> None:
        kind = unraisable.exc_type
        if kind is None or not issubclass(kind, KeyboardInterrupt):
            previous(unraisable)
            return
        signum = _signals.SIGTERM if issubclass(kind, _Terminated) else _signals.SIGINT
        if signum == _signals.SIGTERM and threading.current_thread() is threading.main_thread():
            _signals.signal(_signals.SIGTERM, _raise_terminated)
        # Sent from a thread a moment later, so that it lands outside this hook and the
        # finalizer: a signal raised here would run its handler here, and be lost again.
        again = threading.Timer(_REDELIVERY_DELAY_S, os.kill, (os.getpid(), signum))
        again.daemon = True
        again.start()

    return hook


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Turn ``SIGTERM`` into :class:`KeyboardInterrupt` in the main thread for the duration,
    restoring the previous handler afterwards (elsewhere, a no-op). An interruption that
    lands in a finalizer, where Python swallows exceptions, is delivered again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = _signals.signal(_signals.SIGTERM, _raise_terminated)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _redeliver(previous_hook)
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        _signals.signal(_signals.SIGTERM, _signals.SIG_DFL if previous is None else previous)


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Show the library's warnings (a damaged shard redone, an error bar not to be trusted)
    as one line each, ``isingml: warning: ...``, not Python's two with a source line."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"isingml: warning: {message}", file=sys.stderr if file is None else file)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


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
        operating system refuses (and ``verify`` finds a problem); 130 on Ctrl-C, 143 on
        ``SIGTERM``.

    Raises
    ------
    Exception
        Anything that is not bad input or an I/O error: a bug, with its traceback.
    """
    try:
        args = build_parser().parse_args(argv)
        with _sigterm_interrupts(), _one_line_warnings():
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
    except KeyboardInterrupt as exc:
        print("isingml: interrupted", file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
