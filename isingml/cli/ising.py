"""The ``isingml simulate``, ``isingml scan`` and ``isingml exact`` commands: the 2D Ising
model, simulated with error bars next to the exact finite-lattice values (at one
temperature, or over a list of them), and the exact values alone."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from isingml.cli import _types
from isingml.cli._common import (
    JSON,
    QUIET,
    SEED,
    THREADS,
    backend_parent,
    engine,
    kernel_parent,
    usage_error,
)
from isingml.errors import InputError
from isingml.ising import ALGORITHMS

if TYPE_CHECKING:
    from isingml.ising import ScanResult

__all__ = ["add_parser"]

#: Algorithms that ignore a field (cluster updates).
_NEEDS_ZERO_FIELD = ("wolff", "swendsen-wang")
#: The library arguments of ``simulate`` and ``scan`` that name one of their flags.
_RUN_FLAGS = {"sweeps": "--sweeps", "thermalize": "--thermalize", "interval": "--interval"}


@contextlib.contextmanager
def _flag_errors() -> Iterator[None]:
    """Refusals of the run's counts by the library, as usage errors naming the flag."""
    try:
        yield
    except InputError as exc:
        if exc.argument not in _RUN_FLAGS:
            raise
        usage_error(_RUN_FLAGS[exc.argument], str(exc).removeprefix(f"{exc.argument}: "))


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``simulate``, ``scan`` and ``exact`` to the command's subparsers."""
    sim = sub.add_parser(
        "simulate",
        parents=_run_parents(),
        help="simulate the 2D Ising model and print observables with errors",
        description="Simulate the 2D Ising model on an L x L torus and print the observables "
        "with error bars next to the exact finite-lattice values (h = 0).",
    )
    sim.set_defaults(handler=_simulate)
    _lattice_arguments(sim, temperature=2.269)
    _run_arguments(sim)
    _save_argument(sim)

    scan = sub.add_parser(
        "scan",
        parents=_run_parents(),
        help="simulate the 2D Ising model at several temperatures and print a table",
        description="Simulate the 2D Ising model on an L x L torus at each temperature (one "
        "Philox stream per temperature) and print e, |m|, C, chi and U4 with error bars, "
        "the exact finite-lattice e and C beside them (h = 0).",
    )
    scan.set_defaults(handler=_scan)
    _lattice_arguments(scan, temperature=None)
    _run_arguments(scan)
    _save_argument(scan)

    ex = sub.add_parser(
        "exact",
        parents=[JSON],
        help="exact finite-lattice and Onsager values",
        description="Exact energy and heat capacity per spin of the L x L torus (Kaufman) "
        "and of the infinite lattice (Onsager), at h = 0.",
    )
    ex.set_defaults(handler=_exact)
    _lattice_arguments(ex, temperature=2.0)


def _run_parents() -> list[argparse.ArgumentParser]:
    """The shared flags of the commands that run chains: seed, engine, output."""
    return [SEED, THREADS, backend_parent(), kernel_parent(), JSON, QUIET]


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    """The sweeps, algorithm and field of a run, spelled as ``simulate`` spells them."""
    parser.add_argument(
        "--sweeps", type=_types.positive_int, default=10000, help="production sweeps"
    )
    parser.add_argument(
        "--thermalize", type=_types.non_negative_int, default=1000, help="sweeps before measuring"
    )
    parser.add_argument(
        "--interval", type=_types.positive_int, default=1, help="sweeps between measurements"
    )
    parser.add_argument(
        "--algorithm", choices=ALGORITHMS, default="metropolis", help="update algorithm"
    )
    parser.add_argument("--field", type=_types.finite_float, default=0.0, help="external field h")


def _save_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--save",
        type=_types.output_file,
        default=None,
        metavar="FILE",
        help="also write the result here, .h5 or .npz (default: not saved)",
    )


def _lattice_arguments(parser: argparse.ArgumentParser, temperature: float | None) -> None:
    """``--size/-L``, the temperature (``--temperatures`` when ``temperature`` is None) and
    ``--coupling``."""
    parser.add_argument(
        "--size", "-L", type=_types.lattice_size, default=32, help="lattice side L (even)"
    )
    if temperature is None:
        parser.add_argument(
            "--temperatures",
            type=_types.temperatures,
            default="1.5:3.5:9",
            help="start:stop:count pieces (inclusive) and values a,b,c, in J/k_B",
        )
    else:
        parser.add_argument(
            "--temperature",
            "-T",
            type=_types.positive_float,
            default=temperature,
            help="T in J/k_B",
        )
    parser.add_argument("--coupling", type=_types.nonzero_float, default=1.0, help="coupling J")


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


def _run_options(args: argparse.Namespace) -> dict:
    """The chain's settings that ``simulate`` and ``scan`` share, checked before any work."""
    if args.algorithm in _NEEDS_ZERO_FIELD and args.field != 0:
        usage_error("--field", f"--algorithm {args.algorithm} needs h = 0, got {args.field:g}")
    return {
        "thermalize": args.thermalize,
        "interval": args.interval,
        "engine": engine(args),
        "J": args.coupling,
        "h": args.field,
        "seed": args.seed,
        "progress": not (args.quiet or args.json),
    }


def _simulate(args: argparse.Namespace) -> int:
    from isingml.ising import simulate
    from isingml.ising.observables import OBSERVABLES

    options = _run_options(args)
    with warnings.catch_warnings(record=True) as caught, _flag_errors():
        warnings.simplefilter("always", RuntimeWarning)
        result = simulate(args.size, args.temperature, args.sweeps, **options)
    notes = sorted({str(w.message) for w in caught})
    exact = _exact_values(args.size, args.temperature, args.coupling) if args.field == 0 else {}
    saved = str(result.save(args.save)) if args.save else None
    if args.json:
        out = result.to_dict()
        out["exact"] = exact
        out["warnings"] = notes
        out["saved"] = saved
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
    if saved:
        print(f"saved: {saved}")
    return 0


#: The columns of the scan table: observable, heading, width, exact value beside it.
_SCAN_COLUMNS = (
    ("energy_per_spin", "e", 22, "energy_per_spin"),
    ("abs_magnetization", "|m|", 20, None),
    ("heat_capacity", "C", 20, "heat_capacity"),
    ("susceptibility", "chi", 20, None),
    ("binder", "U4", 20, None),
)


def _scan(args: argparse.Namespace) -> int:
    from isingml.ising import ScanResult, temperature_scan

    options = _run_options(args)
    with warnings.catch_warnings(record=True) as caught, _flag_errors():
        warnings.simplefilter("always", RuntimeWarning)
        scan = ScanResult(temperature_scan(args.size, args.temperatures, args.sweeps, **options))
    notes = [f"T={r.T:g}: {r.reliability_note}" for r in scan if not r.reliable]
    known = {r.reliability_note for r in scan}
    notes += sorted({str(w.message) for w in caught} - known)
    exact = [_exact_values(args.size, r.T, args.coupling) if args.field == 0 else {} for r in scan]
    saved = str(scan.save(args.save)) if args.save else None
    if args.json:
        out = scan.to_dict()
        for row, values in zip(out["results"], exact, strict=True):
            row["exact"] = values
        out["warnings"] = notes
        out["saved"] = saved
        print(json.dumps(out))
        return 0
    first = scan[0]
    print(
        f"2D Ising model temperature scan  L={first.L}  J={first.J:g}  h={first.h:g}  "
        f"{first.algorithm}  seed={first.seed} (stream i at the i-th temperature)"
    )
    print(
        f"{len(scan)} temperatures, each {first.sweeps} sweeps after {first.thermalize} "
        f"thermalization sweeps, measured every {first.interval} sweeps"
    )
    _print_scan_table(scan, exact)
    for note in notes:
        print(f"warning: {note}")
    if saved:
        print(f"saved: {saved}")
    return 0


def _print_scan_table(scan: ScanResult, exact: list[dict[str, float | None]]) -> None:
    """One row per temperature; the exact (L) columns only where there are exact values."""
    with_exact = any(exact)
    heading = f"{'T':>8}"
    for _, title, width, ref in _SCAN_COLUMNS:
        heading += f"{title:>{width}}"
        if ref and with_exact:
            heading += f"{'exact (L)':>12}"
    print(heading)
    for r, values in zip(scan, exact, strict=True):
        row = f"{r.T:>8.4g}"
        for name, _, width, ref in _SCAN_COLUMNS:
            row += f"{r.observables[name]!s:>{width}}"
            if ref and with_exact:
                value = values.get(ref)
                row += f"{value:>12.6f}" if value is not None else f"{'':>12}"
        print(row)


def _exact(args: argparse.Namespace) -> int:
    L, T, J = args.size, args.temperature, args.coupling
    values = _exact_values(L, T, J)
    if args.json:
        print(json.dumps({"L": L, "T": T, "J": J, **values}))
        return 0
    print(f"2D Ising model, exact results  L={L}  T={T:g}  J={J:g}  h=0")
    print(f"{'':<28}{'L x L torus':>16}{'infinite (Onsager)':>20}")

    def fmt(x: float | None) -> str:
        if x is None:
            return "inf"
        # Ten decimals, or ten significant digits where they would all be zeros (high T)
        return f"{x:.9e}" if 0 < abs(x) < 1e-4 else f"{x:.10f}"

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
