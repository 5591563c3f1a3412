"""The ``isingml generate``, ``isingml info`` and ``isingml verify`` commands: HDF5
datasets of spin configurations, written crash-safe and resumable, summarized and checked."""

from __future__ import annotations

import argparse
from pathlib import Path

from isingml.cli import _types
from isingml.cli._common import (
    QUIET,
    SEED,
    THREADS,
    add_dataset_arguments,
    backend_parent,
    engine,
    kernel_parent,
    out_parent,
    usage_error,
)
from isingml.errors import InputError
from isingml.ising import ALGORITHMS

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``generate``, ``info`` and ``verify`` to the command's subparsers."""
    gen = sub.add_parser(
        "generate",
        parents=[
            out_parent(help="output HDF5 file", required=True),
            SEED,
            backend_parent(help="where the sweeps run (the same file)"),
            kernel_parent(),
            THREADS,
            QUIET,
        ],
        help="generate an HDF5 dataset of spin configurations",
        description="Generate spin configurations for every (size, temperature) into one "
        "HDF5 file, crash-safe and resumable; the same seed gives the same bits whatever "
        "the number of workers.",
    )
    gen.set_defaults(handler=_generate)
    gen.add_argument(
        "--sizes", type=_types.lattice_sizes, default="16,32", help="lattice sides, e.g. 16,32,64"
    )
    gen.add_argument(
        "--temperatures",
        type=_types.temperatures,
        default="1.0:3.5:26",
        help="start:stop:count pieces (inclusive) and values a,b,c",
    )
    gen.add_argument(
        "--samples", type=_types.positive_int, default=1000, help="per (size, temperature)"
    )
    gen.add_argument(
        "--thermalize", type=_types.non_negative_int, default=2000, help="sweeps before sampling"
    )
    gen.add_argument(
        "--interval", type=_types.interval, default=10, help="sweeps between samples, or auto"
    )
    gen.add_argument(
        "--algorithm", choices=ALGORITHMS, default="metropolis", help="update algorithm"
    )
    gen.add_argument(
        "--chains", type=_types.positive_int, default=1, help="chains per (size, temperature)"
    )
    gen.add_argument("--coupling", type=_types.nonzero_float, default=1.0, help="coupling J")
    gen.add_argument("--field", type=_types.finite_float, default=0.0, help="field h")
    again = gen.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="complete an interrupted run")
    again.add_argument("--overwrite", action="store_true", help="replace an existing output")
    workers = gen.add_mutually_exclusive_group()
    workers.add_argument(
        "--workers",
        type=_types.positive_int,
        default=None,
        help="local Dask worker processes (default: one process)",
    )
    workers.add_argument(
        "--scheduler",
        type=_types.scheduler_address,
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler tcp://host:port (default: none)",
    )

    info = sub.add_parser(
        "info", help="summarize a dataset file", description="Summarize a dataset file."
    )
    info.set_defaults(handler=_info)
    add_dataset_arguments(info, size=False)
    ver = sub.add_parser(
        "verify",
        help="check a dataset: checksums, and energy/magnetization recomputed from spins",
        description="Check a dataset: checksums, and energy/magnetization recomputed from "
        "the spins. Exit status 1 if anything is wrong.",
    )
    ver.set_defaults(handler=_verify)
    add_dataset_arguments(ver, size=False)


#: The library arguments of ``generate`` that name a flag of ``isingml generate``.
_GENERATE_FLAGS = {
    "out": "--out",
    "scheduler": "--scheduler",
    "workers": "--workers",
    "sizes": "--sizes",
    "temperatures": "--temperatures",
    "chains": "--chains",
}
#: The library's spelling of an option in a message, and the command line's.
_LIBRARY_WORDS = {"resume=True": "--resume", "overwrite=True": "--overwrite"}


def _generate(args: argparse.Namespace) -> int:
    from isingml.data import generate

    if args.chains > args.samples:
        usage_error("--chains", f"must be <= --samples ({args.samples}), got {args.chains}")
    if args.algorithm in ("wolff", "swendsen-wang") and args.field != 0:
        usage_error("--field", f"--algorithm {args.algorithm} needs h = 0, got {args.field:g}")
    if Path(args.out).exists() and not (args.resume or args.overwrite):
        usage_error("--out", f"{args.out} exists; pass --resume to complete it or --overwrite")
    chain = engine(args)
    try:
        path = generate(
            args.out,
            args.sizes,
            args.temperatures,
            args.samples,
            thermalize=args.thermalize,
            interval=args.interval,
            engine=chain,
            chains=args.chains,
            seed=args.seed,
            J=args.coupling,
            h=args.field,
            resume=args.resume,
            overwrite=args.overwrite,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
        )
    except InputError as exc:  # an unreachable scheduler, an output in the way
        if exc.argument not in _GENERATE_FLAGS:
            raise
        message = str(exc).removeprefix(f"{exc.argument}: ")
        for spelled, flag in _LIBRARY_WORDS.items():
            message = message.replace(spelled, flag)
        usage_error(_GENERATE_FLAGS[exc.argument], message)
    if not args.quiet:
        print(f"wrote {path}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from isingml.data import open_dataset

    with open_dataset(args.data) as ds:
        a = ds.attrs
        print(
            _escape(
                f"{ds.path}  ({a['algorithm']}, J={a['J']:g}, h={a['h']:g}, seed={a['seed']}, "
                f"thermalize={a['thermalize']}, interval={a['interval']})"
            )
        )
        t = ds.temperatures
        print(f"temperatures: {t.size} from {t.min():g} to {t.max():g}")
        print(
            f"{'L':>6}{'temperatures':>14}{'samples':>10}{'bytes on disk':>16}"
            f"{'bytes/sample':>14}{'compression':>13}"
        )
        for L in ds.sizes:
            n = ds.n_samples(L)
            stored, raw = ds.storage(L)
            print(
                f"{L:>6}{len(ds.temperatures):>14}{n:>10}{stored:>16,}{stored / max(n, 1):>14.1f}"
                f"{raw / max(stored, 1):>12.2f}x"
            )
        print(
            _escape(
                f"file size: {ds.path.stat().st_size:,} bytes, format version "
                f"{ds.format_version}; written by {a['versions']}"
            )
        )
    return 0


def _verify(args: argparse.Namespace) -> int:
    from isingml.data import verify

    report = verify(args.data)
    for note in report.notes:
        print(_escape(f"NOTE {note}"))
    for problem in report.problems:
        print(_escape(f"MISMATCH {problem}"))
    if report.ok:
        print(_escape(f"{report.path}: OK ({report.checked} configurations checked)"))
        return 0
    print(_escape(f"{report.path}: {len(report.problems)} problem(s)"))
    return 1


def _escape(text: str) -> str:
    """``text`` safe for a terminal: every non-printable character (escape sequences,
    newlines, carriage returns, C1 controls) written as a Python escape such as ``\\x1b``."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
