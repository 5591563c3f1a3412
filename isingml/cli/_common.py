"""Shared pieces of the ``isingml`` command: the parser class, the parent parsers of the
flags every area spells the same way, the dataset arguments, and usage errors."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from isingml._backend import BACKENDS
from isingml.cli import _types
from isingml.errors import InputError
from isingml.ising.engine import KERNELS

if TYPE_CHECKING:
    from isingml.ising import Engine

__all__ = [
    "DEFAULT_SEED",
    "JSON",
    "QUIET",
    "SEED",
    "THREADS",
    "HelpFormatter",
    "Parser",
    "UsageError",
    "action_group",
    "add_dataset_arguments",
    "backend_parent",
    "check_dataset_size",
    "engine",
    "kernel_parent",
    "out_parent",
    "usage_error",
]

#: The default ``--seed`` of every command.
DEFAULT_SEED = 1


class UsageError(Exception):
    """A bad command-line value or combination; printed as one line, exit status 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` with every option's default: ``(default: ...)`` is added unless the help
    text already says what the default is, the option is required, or it is an on/off
    flag (off unless given)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.required or action.nargs == 0:
            return text
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """The parser of every ``isingml`` (sub)command: defaults shown in ``--help``
    (:class:`HelpFormatter`), and usage errors raised as :class:`UsageError` (one line on
    standard error, status 2)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> object:
        # ``--seed=--`` hands the option the value "--", which Python 3.11's argparse drops
        # (then the option holds [] unchecked by its type); later versions keep it.
        if arg_strings == ["--"] and action.option_strings and action.nargs in (None, "?"):
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


def usage_error(flag: str, message: str) -> NoReturn:
    """Refuse a flag's value, as argparse does: ``argument FLAG: MESSAGE``.

    Parameters
    ----------
    flag : str
        The flag as ``--help`` spells it, e.g. ``"--size/-L"``.
    message : str

    Raises
    ------
    UsageError
    """
    raise UsageError(f"argument {flag}: {message}")


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


SEED = _parent()
SEED.add_argument(
    "--seed", type=_types.seed, default=DEFAULT_SEED, help="Philox seed, 0 <= seed < 2**32"
)
JSON = _parent()
JSON.add_argument("--json", action="store_true", help="print one JSON object")
QUIET = _parent()
QUIET.add_argument("--quiet", action="store_true", help="no progress output")
THREADS = _parent()
THREADS.add_argument(
    "--threads", type=_types.positive_int, default=None, help="kernel threads (default: all)"
)


def out_parent(
    default: str | None = None, help: str = "figure file to write", required: bool = False
) -> argparse.ArgumentParser:
    """A parent parser with ``--out FILE`` (checked writable while parsing)."""
    parent = _parent()
    parent.add_argument(
        "--out",
        type=_types.output_file,
        default=None if required else default,
        required=required,
        metavar="FILE",
        help=help,
    )
    return parent


def backend_parent(help: str = "where the kernels run (the same bits)") -> argparse.ArgumentParser:
    """A parent parser with ``--backend {cpu,cuda}``."""
    parent = _parent()
    parent.add_argument("--backend", choices=BACKENDS, default="cpu", help=help)
    return parent


def kernel_parent() -> argparse.ArgumentParser:
    """A parent parser with ``--kernel {auto,byte,multispin}`` (Metropolis kernels)."""
    parent = _parent()
    parent.add_argument("--kernel", choices=KERNELS, default="auto", help="Metropolis kernel")
    return parent


def engine(args: argparse.Namespace) -> Engine:
    """The :class:`isingml.ising.Engine` of ``--algorithm``, ``--kernel``, ``--backend`` and
    ``--threads``: the combination is checked (and a GPU looked for) before any work."""
    from isingml.ising import Engine

    try:
        return Engine(
            algorithm=args.algorithm,
            kernel=args.kernel,
            backend=args.backend,
            threads=getattr(args, "threads", None),
        )
    except InputError as exc:  # a combination that does not exist
        if exc.argument is None:
            raise
        usage_error(f"--{exc.argument}", str(exc))


def action_group(
    sub: argparse._SubParsersAction, name: str, help: str
) -> Callable[..., argparse.ArgumentParser]:
    """Add the command ``name`` with required ACTION subcommands.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``isingml`` parser.
    name, help : str
        The command and its one-line help.

    Returns
    -------
    callable
        ``add_action(action, handler, **parser_options)``: adds one action whose parsed
        arguments carry ``handler`` (what ``isingml`` calls with them).
    """
    group = sub.add_parser(name, help=help, description=help)
    actions = group.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True

    def add_action(
        action: str, handler: Callable[[argparse.Namespace], int], **options: object
    ) -> argparse.ArgumentParser:
        parser = actions.add_parser(action, **options)
        parser.set_defaults(handler=handler)
        return parser

    return add_action


def add_dataset_arguments(parser: argparse.ArgumentParser, size: bool = True) -> None:
    """The dataset positional ``DATA.h5`` and (if ``size``) ``--size/-L`` (required)."""
    parser.add_argument(
        "data", metavar="DATA.h5", type=_types.input_file, help="isingml dataset (generate)"
    )
    if size:
        parser.add_argument(
            "--size", "-L", type=_types.lattice_size, required=True, help="lattice side L"
        )


def check_dataset_size(path: str, sizes: int | list[int] | tuple[int, ...] | None) -> None:
    """Refuse a ``--size/-L`` that the dataset ``path`` does not hold (opens the file's
    attributes only).

    Raises
    ------
    UsageError
        ``argument --size/-L: D.h5 holds L = 16, 32, not 48``.
    """
    from isingml.data import open_dataset

    if sizes is None:
        return
    wanted = [sizes] if isinstance(sizes, int) else list(sizes)
    with open_dataset(path) as ds:
        held = [int(L) for L in ds.sizes]
    missing = [L for L in wanted if L not in held]
    if missing:
        usage_error(
            "--size/-L",
            f"{path} holds L = {', '.join(map(str, held))}, not {', '.join(map(str, missing))}",
        )
