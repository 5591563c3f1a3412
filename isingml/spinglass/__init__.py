"""Spin glasses: SK and Edwards-Anderson models, Hopfield couplings beyond capacity,
parallel tempering with two real replicas, overlaps and exact enumeration."""

from isingml.spinglass.models import (
    COUPLINGS,
    Disorder,
    EdwardsAnderson,
    HopfieldGlass,
    SherringtonKirkpatrick,
    SpinGlassModel,
    energy,
)
from isingml.spinglass.tempering import (
    TemperingResult,
    geometric_ladder,
    parallel_tempering,
)

__all__ = [
    "COUPLINGS",
    "Disorder",
    "EdwardsAnderson",
    "HopfieldGlass",
    "SherringtonKirkpatrick",
    "SpinGlassModel",
    "TemperingResult",
    "energy",
    "geometric_ladder",
    "parallel_tempering",
]
