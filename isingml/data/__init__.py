"""Spin-configuration datasets: HDF5 schema, crash-safe generation, reading and streaming."""

from isingml.data.generation import generate, parse_sizes, parse_temperatures
from isingml.data.reader import Dataset, VerifyReport, open_dataset, verify
from isingml.data.schema import pack_spins, unpack_spins

__all__ = [
    "Dataset",
    "VerifyReport",
    "generate",
    "open_dataset",
    "pack_spins",
    "parse_sizes",
    "parse_temperatures",
    "unpack_spins",
    "verify",
]
