"""Restricted Boltzmann machines: Gibbs sampling kernels, CD-k and PCD training, exact and
annealed-importance-sampling likelihoods."""

from isingml.rbm.ais import ais_log_partition
from isingml.rbm.model import METHODS, RBM, UNITS
from isingml.rbm.training import TrainingDiverged, TrainingState, UpdateStep

__all__ = [
    "METHODS",
    "RBM",
    "UNITS",
    "TrainingDiverged",
    "TrainingState",
    "UpdateStep",
    "ais_log_partition",
]
