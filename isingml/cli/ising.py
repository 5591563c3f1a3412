"""The ``isingml simulate`` and ``isingml exact`` commands: the 2D Ising model, simulated
with error bars next to the exact finite-lattice values, and the exact values alone."""

from __future__ import annotations

import argparse
import json
import math
import warnings

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
from isingml.ising import ALGORITHMS

__all__ = ["add_parser"]

#: Algorithms that ignore a field (cluster updates).
_NEEDS_ZERO_FIELD = ("wolff", "swendsen-wang")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and ``exact`` to the command's subparsers."""
    sim = sub.add_parser(
        "simulate",
        parents=[SEED, THREADS, backend_parent(), kernel_parent(), JSON, QUIET],
        help="simulate the 2D Ising model and print observables with errors",
        description="Simulate the 2D Ising model on an L x L torus and print the observables "
        "with error bars next to the exact finite-lattice values (h = 0).",
    )
    sim.set_defaults(handler=_simulate)
    _lattice_arguments(sim, temperature=2.269)
    sim.add_argument("--sweeps", type=_types.positive_int, default=10000, help="production sweeps")
    sim.add_argument(
        "--thermalize", type=_types.non_negative_int, default=1000, help="sweeps before measuring"
    )
    sim.add_argument(
        "--interval", type=_types.positive_int, default=1, help="sweeps between measurements"
    )
    sim.add_argument(
        "--algorithm", choices=ALGORITHMS, default="metropolis", help="update algorithm"
    )
    sim.add_argument("--field", type=_types.finite_float, default=0.0, help="external field h")

    ex = sub.add_parser(
        "exact",
        parents=[JSON],
        help="exact finite-lattice and Onsager values",
        description="Exact energy and heat capacity per spin of the L x L torus (Kaufman) "
        "and of the infinite lattice (Onsager), at h = 0.",
    )
    ex.set_defaults(handler=_exact)
    _lattice_arguments(ex, temperature=2.0)


def _lattice_arguments(parser: argparse.ArgumentParser, temperature: float) -> None:
    parser.add_argument(
        "--size", "-L", type=_types.lattice_size, default=32, help="lattice side L (even)"
    )
    parser.add_argument(
        "--temperature", "-T", type=_types.positive_float, default=temperature, help="T in J/k_B"
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


def _simulate(args: argparse.Namespace) -> int:
    from isingml.ising import simulate
    from isingml.ising.observables import OBSERVABLES

    if args.algorithm in _NEEDS_ZERO_FIELD and args.field != 0:
        usage_error("--field", f"--algorithm {args.algorithm} needs h = 0, got {args.field:g}")
    chain = engine(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        result = simulate(
            args.size,
            args.temperature,
            args.sweeps,
            thermalize=args.thermalize,
            interval=args.interval,
            engine=chain,
            J=args.coupling,
            h=args.field,
            seed=args.seed,
            progress=not (args.quiet or args.json),
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
