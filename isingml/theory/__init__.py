"""Theory of deep random networks: mean-field signal propagation (order, chaos and the
depth scales), checked against Numba simulations of wide random networks, and the
trainability of deep networks against the correlation depth scale."""

from isingml.theory.random_networks import (
    NetworkSimulation,
    TheoryComparison,
    compare_with_theory,
    simulate_random_network,
)
from isingml.theory.signal import (
    ACTIVATIONS,
    MeanField,
    PhaseDiagram,
    critical_sigma_w2,
    phase_diagram,
)
from isingml.theory.trainability import (
    TrainabilityResult,
    mean_field_network,
    trainability_data,
    trainability_scan,
)

__all__ = [
    "ACTIVATIONS",
    "MeanField",
    "NetworkSimulation",
    "PhaseDiagram",
    "TheoryComparison",
    "TrainabilityResult",
    "compare_with_theory",
    "critical_sigma_w2",
    "mean_field_network",
    "phase_diagram",
    "simulate_random_network",
    "trainability_data",
    "trainability_scan",
]
