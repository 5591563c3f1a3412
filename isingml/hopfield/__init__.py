"""Hopfield networks: Hebbian, projection and Storkey learning; asynchronous, synchronous
and Glauber dynamics as Numba kernels; energy, overlaps, corruption and capacity."""

from isingml.hopfield.corruption import blank_units, flip_units
from isingml.hopfield.learning import hebbian_weights, projection_weights, storkey_weights
from isingml.hopfield.network import DYNAMICS, RULES, HopfieldNetwork, RecallResult

__all__ = [
    "DYNAMICS",
    "RULES",
    "HopfieldNetwork",
    "RecallResult",
    "blank_units",
    "flip_units",
    "hebbian_weights",
    "projection_weights",
    "storkey_weights",
]
