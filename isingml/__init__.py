"""isingml: the physics of machine learning, runnable and fast.

The 2D Ising model simulated by Numba kernels (checkerboard Metropolis, heat bath, Wolff
and Swendsen–Wang), driven by a counter-based Philox4x32-10 generator so that a seed gives
the same bits on any number of threads; observables with honest error bars; and the exact
results (Onsager, Kaufman's finite lattice, mean-field theory) to check them against.
"""

from isingml._version import __version__
from isingml.errors import InputError, InputTypeError, ResourceError
from isingml.ising import (
    ALGORITHMS,
    Engine,
    IsingModel,
    ScanResult,
    SimulationResult,
    simulate,
    temperature_scan,
)
from isingml.ising.exact import (
    T_C,
    critical_temperature,
    finite_lattice_energy,
    finite_lattice_heat_capacity,
    mean_field_magnetization,
    onsager_energy,
    onsager_heat_capacity,
    spontaneous_magnetization,
)
from isingml.stats import Stats, integrated_autocorrelation_time, jackknife, mean_with_error

__all__ = [
    "ALGORITHMS",
    "T_C",
    "Engine",
    "InputError",
    "InputTypeError",
    "IsingModel",
    "ResourceError",
    "ScanResult",
    "SimulationResult",
    "Stats",
    "__version__",
    "critical_temperature",
    "finite_lattice_energy",
    "finite_lattice_heat_capacity",
    "integrated_autocorrelation_time",
    "jackknife",
    "mean_field_magnetization",
    "mean_with_error",
    "onsager_energy",
    "onsager_heat_capacity",
    "simulate",
    "spontaneous_magnetization",
    "temperature_scan",
]
