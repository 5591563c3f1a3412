"""The 2D Ising model: lattice, Metropolis and cluster updates, observables, exact results."""

from isingml.ising.model import ALGORITHMS, IsingModel
from isingml.ising.simulation import SimulationResult, simulate, temperature_scan

__all__ = ["ALGORITHMS", "IsingModel", "SimulationResult", "simulate", "temperature_scan"]
