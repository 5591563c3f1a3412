"""Spin glasses: SK and Edwards-Anderson models, Hopfield couplings beyond capacity,
parallel tempering with two real replicas, overlaps and exact enumeration."""

from isingml.spinglass.exact import ExactSpinGlass, exact_spin_glass
from isingml.spinglass.hopfield_states import HopfieldCensus, hopfield_state_census
from isingml.spinglass.ladder import LadderTuning, tune_ladder
from isingml.spinglass.models import (
    COUPLINGS,
    Disorder,
    EdwardsAnderson,
    HopfieldGlass,
    SherringtonKirkpatrick,
    SpinGlassModel,
    energy,
)
from isingml.spinglass.sk import SKScaling, sk_energy_scaling
from isingml.spinglass.tempering import (
    TemperingResult,
    geometric_ladder,
    parallel_tempering,
)

__all__ = [
    "COUPLINGS",
    "Disorder",
    "EdwardsAnderson",
    "ExactSpinGlass",
    "HopfieldCensus",
    "HopfieldGlass",
    "LadderTuning",
    "SKScaling",
    "SherringtonKirkpatrick",
    "SpinGlassModel",
    "TemperingResult",
    "energy",
    "exact_spin_glass",
    "geometric_ladder",
    "hopfield_state_census",
    "parallel_tempering",
    "sk_energy_scaling",
    "tune_ladder",
]
