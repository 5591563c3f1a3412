"""The 2D Ising model: lattice, Metropolis and cluster updates, observables, exact results."""

from isingml.ising.engine import ALGORITHMS, Engine
from isingml.ising.model import IsingModel, sample_many, update_many
from isingml.ising.results import ScanResult, SimulationResult
from isingml.ising.simulation import simulate, temperature_scan

__all__ = [
    "ALGORITHMS",
    "Engine",
    "IsingModel",
    "ScanResult",
    "SimulationResult",
    "sample_many",
    "simulate",
    "temperature_scan",
    "update_many",
]
