"""The ``isingml`` command: simulate, exact results, and spin datasets.

Bad arguments end in one line on standard error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Sequence

from isingml import __version__
from isingml.cli import autoencoder as autoencoder_command
from isingml.cli import hopfield as hopfield_command
from isingml.cli import nn as nn_command
from isingml.cli import rbm as rbm_command
from isingml.cli import signal as theory_command
from isingml.cli import spinglass as spinglass_command

__all__ = ["main"]


class _UsageError(Exception):
    """A bad command-line value; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2, like every other error
        raise _UsageError(message)


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    return value


def _interval(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or 'auto', got {text!r}") from None


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="isingml",
        description="The physics of machine learning, runnable and fast.",
    )
    parser.add_argument("--version", action="version", version=f"isingml {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    sim = sub.add_parser(
        "simulate",
        help="simulate the 2D Ising model and print observables with errors",
        description="Simulate the 2D Ising model on an L x L torus and print the observables "
        "with error bars next to the exact finite-lattice values (h = 0).",
    )
    sim.add_argument("--size", "-L", type=int, default=32, help="lattice side L (even)")
    sim.add_argument("--temperature", "-T", type=_finite_float, default=2.269, help="T in J/k_B")
    sim.add_argument("--sweeps", type=int, default=10000, help="production sweeps")
    sim.add_argument("--thermalize", type=int, default=1000, help="sweeps before measuring")
    sim.add_argument("--interval", type=int, default=1, help="sweeps between measurements")
    sim.add_argument(
        "--algorithm",
        default="metropolis",
        help="metropolis | heatbath | wolff | swendsen-wang",
    )
    sim.add_argument("--seed", type=int, default=1, help="Philox seed, 0 <= seed < 2**32")
    sim.add_argument("--field", type=_finite_float, default=0.0, help="external field h")
    sim.add_argument("--coupling", type=_finite_float, default=1.0, help="coupling J")
    sim.add_argument("--threads", type=int, default=None, help="kernel threads")
    sim.add_argument("--backend", default="cpu", help="cpu | cuda (the same bits)")
    sim.add_argument("--kernel", default="auto", help="auto | byte | multispin (Metropolis)")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.add_argument("--quiet", action="store_true", help="no progress bar")

    ex = sub.add_parser(
        "exact",
        help="exact finite-lattice and Onsager values",
        description="Exact energy and heat capacity per spin of the L x L torus (Kaufman) "
        "and of the infinite lattice (Onsager), at h = 0.",
    )
    ex.add_argument("--size", "-L", type=int, default=32, help="lattice side L (even)")
    ex.add_argument("--temperature", "-T", type=_finite_float, default=2.0, help="T in J/k_B")
    ex.add_argument("--coupling", type=_finite_float, default=1.0, help="coupling J")
    ex.add_argument("--json", action="store_true", help="print one JSON object")

    gen = sub.add_parser(
        "generate",
        help="generate an HDF5 dataset of spin configurations",
        description="Generate spin configurations for every (size, temperature) into one "
        "HDF5 file, crash-safe and resumable; the same seed gives the same bits whatever "
        "the number of workers.",
    )
    gen.add_argument("--sizes", default="16,32", help="lattice sides, e.g. 16,32,64")
    gen.add_argument(
        "--temperatures", default="1.0:3.5:26", help="start:stop:count (inclusive) or a,b,c"
    )
    gen.add_argument("--samples", type=int, default=1000, help="per (size, temperature)")
    gen.add_argument("--thermalize", type=int, default=2000, help="sweeps before sampling")
    gen.add_argument(
        "--interval", type=_interval, default=10, help="sweeps between samples, or auto"
    )
    gen.add_argument(
        "--algorithm", default="metropolis", help="metropolis | heatbath | wolff | swendsen-wang"
    )
    gen.add_argument("--chains", type=int, default=1, help="chains per (size, temperature)")
    gen.add_argument("--seed", type=int, default=7, help="Philox seed")
    gen.add_argument("--coupling", type=_finite_float, default=1.0, help="coupling J")
    gen.add_argument("--field", type=_finite_float, default=0.0, help="field h")
    gen.add_argument("--out", required=True, help="output HDF5 file")
    gen.add_argument("--resume", action="store_true", help="complete an interrupted run")
    gen.add_argument("--overwrite", action="store_true", help="replace an existing output")
    gen.add_argument("--workers", type=int, default=None, help="local Dask worker processes")
    gen.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port")
    gen.add_argument("--backend", default="cpu", help="cpu | cuda (the same file)")
    gen.add_argument("--kernel", default="auto", help="auto | byte | multispin (Metropolis)")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")

    info = sub.add_parser("info", help="summarize a dataset file")
    info.add_argument("file", help="dataset file")
    ver = sub.add_parser(
        "verify",
        help="check a dataset: checksums, and energy/magnetization recomputed from spins",
    )
    ver.add_argument("file", help="dataset file")
    hopfield_command.add_parser(sub)
    rbm_command.add_parser(sub)
    nn_command.add_parser(sub)
    autoencoder_command.add_parser(sub)
    spinglass_command.add_parser(sub)
    theory_command.add_parser(sub)
    return parser


def _exact_values(L: int, T: float, J: float) -> dict[str, float | None]:
    from isingml.ising import exact

    def clean(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return {
        "energy_per_spin": clean(exact.finite_lattice_energy(L, T, J)),
        "heat_capacity": clean(exact.finite_lattice_heat_capacity(L, T, J)),
        "onsager_energy_per_spin": clean(exact.onsager_energy(T, J)),
        "onsager_heat_capacity": clean(exact.onsager_heat_capacity(T, J)),
        "spontaneous_magnetization": clean(exact.spontaneous_magnetization(T, J)),
        "critical_temperature": exact.critical_temperature(J),
    }


def _run_simulate(args: argparse.Namespace) -> int:
    from isingml.ising import simulate
    from isingml.ising.observables import OBSERVABLES

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        result = simulate(
            args.size,
            args.temperature,
            args.sweeps,
            thermalize=args.thermalize,
            interval=args.interval,
            algorithm=args.algorithm,
            J=args.coupling,
            h=args.field,
            seed=args.seed,
            threads=args.threads,
            progress=not (args.quiet or args.json),
            backend=args.backend,
            kernel=args.kernel,
        )
    notes = sorted({str(w.message) for w in caught})
    exact = _exact_values(args.size, args.temperature, args.coupling) if args.field == 0 else {}
    if args.json:
        out = result.to_dict()
        out["exact"] = exact
        out["warnings"] = notes
        print(json.dumps(out))
        return 0
    print(
        f"2D Ising model  L={result.L}  T={result.T:g}  J={result.J:g}  h={result.h:g}  "
        f"{result.algorithm}  seed={result.seed}"
    )
    print(
        f"{result.sweeps} sweeps after {result.thermalize} thermalization sweeps, "
        f"{result.energy.size} measurements every {result.sweeps_per_measurement:.3g} sweeps"
    )
    exact_of = {"energy_per_spin": "energy_per_spin", "heat_capacity": "heat_capacity"}
    print(f"{'observable':<20}{'value':>26}{'exact (L)':>14}{'deviation':>12}")
    for name in OBSERVABLES:
        s = result.observables[name]
        ref = exact.get(exact_of.get(name, ""))
        if ref is None:
            print(f"{name:<20}{s!s:>26}")
        else:
            dev = (s.mean - ref) / s.error if s.error > 0 else float("nan")
            print(f"{name:<20}{s!s:>26}{ref:>14.6f}{dev:>+11.1f}σ")
    tau = result.tau_int
    print(f"tau_int (sweeps): |m| {tau['abs_magnetization']:.3g}, energy {tau['energy']:.3g}")
    print(f"speed: {result.flips_per_ns:.3g} spin-flip attempts per ns")
    for note in notes:
        print(f"warning: {note}")
    return 0


def _run_exact(args: argparse.Namespace) -> int:
    from isingml._validation import check_lattice_size, check_positive

    L = check_lattice_size(args.size, "--size")
    T = check_positive("--temperature", args.temperature)
    values = _exact_values(L, T, args.coupling)
    if args.json:
        print(json.dumps({"L": L, "T": T, "J": args.coupling, **values}))
        return 0
    print(f"2D Ising model, exact results  L={L}  T={T:g}  J={args.coupling:g}  h=0")
    print(f"{'':<28}{'L x L torus':>16}{'infinite (Onsager)':>20}")

    def fmt(x: float | None) -> str:
        return "inf" if x is None else f"{x:.10f}"

    print(
        f"{'energy per spin':<28}{fmt(values['energy_per_spin']):>16}"
        f"{fmt(values['onsager_energy_per_spin']):>20}"
    )
    print(
        f"{'heat capacity per spin':<28}{fmt(values['heat_capacity']):>16}"
        f"{fmt(values['onsager_heat_capacity']):>20}"
    )
    print(
        f"{'spontaneous magnetization':<28}{'':>16}{values['spontaneous_magnetization']:>20.10f}"
    )
    print(f"T_c = 2|J|/ln(1+sqrt 2) = {values['critical_temperature']:.10f}")
    return 0


def _run_generate(args: argparse.Namespace) -> int:
    from isingml.data import generate

    path = generate(
        args.out,
        args.sizes,
        args.temperatures,
        args.samples,
        thermalize=args.thermalize,
        interval=args.interval,
        algorithm=args.algorithm,
        chains=args.chains,
        seed=args.seed,
        J=args.coupling,
        h=args.field,
        resume=args.resume,
        overwrite=args.overwrite,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
        backend=args.backend,
        kernel=args.kernel,
    )
    if not args.quiet:
        print(f"wrote {path}")
    return 0


def _run_info(args: argparse.Namespace) -> int:
    from isingml.data import open_dataset

    with open_dataset(args.file) as ds:
        a = ds.attrs
        print(
            f"{ds.path}  ({a['algorithm']}, J={a['J']:g}, h={a['h']:g}, seed={a['seed']}, "
            f"thermalize={a['thermalize']}, interval={a['interval']})"
        )
        t = ds.temperatures
        print(f"temperatures: {t.size} from {t.min():g} to {t.max():g}")
        print(
            f"{'L':>6}{'temperatures':>14}{'samples':>10}{'bytes on disk':>16}"
            f"{'bytes/sample':>14}{'compression':>13}"
        )
        total = 0
        for L in ds.sizes:
            n = ds.n_samples(L)
            stored, raw = ds.storage(L)
            total += stored
            print(
                f"{L:>6}{len(ds.temperatures):>14}{n:>10}{stored:>16,}{stored / max(n, 1):>14.1f}"
                f"{raw / max(stored, 1):>12.2f}x"
            )
        print(f"file size: {ds.path.stat().st_size:,} bytes; written by {a['versions']}")
    return 0


def _run_verify(args: argparse.Namespace) -> int:
    from isingml.data import verify

    report = verify(args.file)
    for problem in report.problems:
        print(f"MISMATCH {problem}")
    if report.ok:
        print(f"{report.path}: OK ({report.checked} configurations checked)")
        return 0
    print(f"{report.path}: {len(report.problems)} problem(s)")
    return 1


def _renamed(message: str) -> str:
    # Python-level argument names to the flags a shell user typed.
    for name, flag in (
        ("L must", "--size must"),
        ("T must", "--temperature must"),
        ("sweeps must", "--sweeps must"),
        ("thermalize must", "--thermalize must"),
        ("interval must", "--interval must"),
        ("algorithm must", "--algorithm must"),
        ("seed must", "--seed must"),
        ("threads must", "--threads must"),
        ("J must", "--coupling must"),
        ("h must", "--field must"),
        ("samples must", "--samples must"),
        ("chains must", "--chains must"),
        ("workers must", "--workers must"),
        ("scheduler must", "--scheduler must"),
        ("sizes must", "--sizes must"),
        ("temperatures must", "--temperatures must"),
        ("out:", "--out:"),
        ("n_units must", "--units must"),
        ("trials must", "--trials must"),
        ("n_hidden must", "--hidden must"),
        ("units must be an integer", "--hidden must be an integer"),
        ("n_epochs must", "--epochs must"),
        ("n must", "--samples must"),
        ("steps must", "--steps must"),
        ("unseen must", "--unseen must"),
        ("n_train must", "--train must"),
        ("n_test must", "--test must"),
        ("alphas must", "--alphas must"),
        ("corruption must", "--corruption must"),
        ("backend must", "--backend must"),
        ("kernel must", "--kernel must"),
        ("latent_dim must", "--latent must"),
        ("beta must", "--beta must"),
        ("quantile must", "--quantile must"),
        ("normal_below (", "--normal-below ("),
    ):
        if message.startswith(name):
            return flag + message[len(name) :]
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``isingml`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad input.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        commands = {
            "simulate": _run_simulate,
            "exact": _run_exact,
            "generate": _run_generate,
            "info": _run_info,
            "verify": _run_verify,
        }
        handler = getattr(args, "handler", None)  # the command groups' actions carry it
        return handler(args) if handler is not None else commands[args.command](args)
    except _UsageError as exc:
        print(f"isingml: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, RuntimeError) as exc:
        print(f"isingml: error: {_renamed(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head and the like
        sys.stdout = open(os.devnull, "w")  # silence the interpreter's final flush
        return 0
    except OSError as exc:  # the disk, not the arguments: a full disk, a lost mount
        print(f"isingml: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("isingml: interrupted", file=sys.stderr)
        return 130
