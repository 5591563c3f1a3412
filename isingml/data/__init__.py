"""Spin-configuration datasets (HDF5 schema, crash-safe generation, reading and streaming)
and the MNIST IDX reader."""

from isingml.data.generation import generate
from isingml.data.mnist import download_mnist, load_mnist, read_idx
from isingml.data.plan import parse_ints, parse_sizes, parse_temperatures, parse_values
from isingml.data.reader import Dataset, VerifyReport, open_dataset, verify
from isingml.data.schema import pack_spins, unpack_spins

__all__ = [
    "Dataset",
    "VerifyReport",
    "download_mnist",
    "generate",
    "load_mnist",
    "open_dataset",
    "pack_spins",
    "parse_ints",
    "parse_sizes",
    "parse_temperatures",
    "parse_values",
    "read_idx",
    "unpack_spins",
    "verify",
]
