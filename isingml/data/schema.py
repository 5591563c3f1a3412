"""The HDF5 schema of an isingml spin dataset, and the helpers that read and write it.

One file per dataset, readable with plain h5py or ``h5dump``::

    /                      attrs: format, format_version, J, h, algorithm, thermalize,
                                  interval, seed, samples, chains, sizes, temperatures
                                  (when at most 1024 of them), spin_encoding, plan (when
                                  its JSON is at most 16 KiB), random_numbers, versions,
                                  created
    /metadata/             attrs: sha256 (of the canonical JSON of every root attribute,
                                  of the temperatures and of the plan's SHA-256)
        attributes         uint8 (k,)     the canonical JSON of every root attribute but
                                          ``created`` (which differs between otherwise
                                          identical runs; the sha256 covers it)
        temperatures       float64 (nT,)  the temperatures, however many
        plan               uint8 (p,)     the UTF-8 JSON of the plan, however long
    /L{L}/                 attrs: L, n_bytes (bytes per packed configuration)
        spins              uint8 (n, ceil(L*L / 8))  np.packbits of (s > 0), row-major
        temperature        float64 (n,)
        temperature_index  int32 (n,)
        energy             float64 (n,)   energy per spin
        magnetization      float64 (n,)   magnetization per spin
        chain              int32 (n,)
        sweep              int64 (n,)     sweeps since sampling began (after thermalization,
                                          the auto-interval pilot and Wolff calibration)

Rows are ordered by (temperature index, chain, sample). Every column is chunked (one
sample per row, about 256 KiB per spins chunk), gzip-compressed with shuffle, and
fletcher32-checksummed, and so are the three ``/metadata`` datasets.

Every string attribute is a fixed-length UTF-8 string (h5py reads it back as bytes;
:func:`decode_attribute` makes it ``str``): a version 2 file holds no variable-length data,
so it has no HDF5 global heap (a damaged global heap object can hang the HDF5 library).
Files written before, whose strings are variable-length, read the same.

Format version 1 files have no ``/metadata`` group: their temperatures and plan are root
attributes, and their root attributes carry no checksum. Version 2 files written before
``/metadata/plan`` existed keep their plan in the root attribute only. Readers accept
versions 1 and 2.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import h5py
import numba
import numpy as np

from isingml.errors import InputError, InputTypeError

if TYPE_CHECKING:
    from isingml.data.plan import GenerationPlan

__all__ = [
    "COLUMNS",
    "FORMAT",
    "FORMAT_VERSION",
    "METADATA",
    "PLAN",
    "REQUIRED_ATTRS",
    "SPIN_ENCODING",
    "SUPPORTED_VERSIONS",
    "attribute_json",
    "check_spin_dtype",
    "create_columns",
    "decode_attribute",
    "decode_attributes",
    "group_name",
    "metadata_digest",
    "metadata_record",
    "pack_spins",
    "stored_record",
    "unpack_spins",
    "versions",
    "write_metadata",
    "write_text",
]

FORMAT = "isingml-spin-dataset"
FORMAT_VERSION = 2
#: Format versions this code reads.
SUPPORTED_VERSIONS = (1, 2)
#: The group of the checksummed metadata (format version 2).
METADATA = "metadata"
#: The root attribute ``temperatures`` is written only up to this many values (HDF5
#: refuses attributes over 64 KiB); ``/metadata/temperatures`` always holds them all.
TEMPERATURES_ATTR_MAX = 1024
#: The dataset of the plan's JSON in ``/metadata`` (format version 2).
PLAN = "plan"
#: The root attribute ``plan`` is written only up to this many bytes of JSON (an object
#: header message holds at most 64 KiB); ``/metadata/plan`` always holds it.
PLAN_ATTR_MAX = 16 * 1024
#: Root attributes left out of ``/metadata/attributes`` (covered by the sha256 only).
VOLATILE_ATTRS = ("created",)
SPIN_ENCODING = (
    "np.packbits(s > 0) of each L x L configuration in row-major order, big-endian bit "
    "order, zero-padded to whole bytes: bit 1 is spin +1, bit 0 is spin -1"
)

#: Root attributes every dataset file carries (version 2 files may lack ``temperatures``,
#: and ``plan`` when ``/metadata/plan`` holds it).
REQUIRED_ATTRS = (
    "format",
    "format_version",
    "sizes",
    "temperatures",
    "samples",
    "chains",
    "thermalize",
    "interval",
    "algorithm",
    "seed",
    "J",
    "h",
    "spin_encoding",
    "plan",
    "versions",
    "created",
)

#: Column name -> dtype, besides ``spins``.
COLUMNS = {
    "temperature": np.float64,
    "temperature_index": np.int32,
    "energy": np.float64,
    "magnetization": np.float64,
    "chain": np.int32,
    "sweep": np.int64,
}

_CHUNK_BYTES = 256 * 1024


def group_name(L: int) -> str:
    """HDF5 group of lattice size ``L``: ``"L32"``."""
    return f"L{int(L)}"


def pack_spins(spins: np.ndarray) -> np.ndarray:
    """Bit-pack ``(n, L, L)`` +/-1 spins to ``(n, ceil(L*L/8))`` uint8.

    Parameters
    ----------
    spins : ndarray of int8, shape (n, L, L)

    Returns
    -------
    ndarray of uint8
    """
    n = spins.shape[0]
    return np.packbits(spins.reshape(n, -1) > 0, axis=1)


def unpack_spins(packed: np.ndarray, L: int, dtype: type = np.int8) -> np.ndarray:
    """Inverse of :func:`pack_spins`: ``(n, L, L)`` of +/-1 in ``dtype``.

    Parameters
    ----------
    packed : ndarray of uint8, shape (n, ceil(L*L/8))
    L : int
        Lattice side.
    dtype : numpy dtype
        ``np.int8`` (default) or a float type such as ``np.float32``.

    Returns
    -------
    ndarray, shape (n, L, L)
    """
    dtype = check_spin_dtype(dtype)
    bits = np.unpackbits(packed, axis=1, count=L * L)
    out = bits.astype(dtype)
    out *= 2
    out -= 1
    return out.reshape(packed.shape[0], L, L)


def check_spin_dtype(dtype: object) -> np.dtype:
    """The numpy dtype of unpacked spins: a signed integer or a float type.

    Raises
    ------
    InputError
        For unsigned integers (-1 would wrap to 255), bool and other types.
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise InputTypeError(
            f"dtype must be a signed integer or float type, got {dtype!r}", argument="dtype"
        ) from None
    if dt.kind not in "if":
        raise InputError(
            f"dtype must be a signed integer or float type (spins are -1 and +1), got {dt}",
            argument="dtype",
        )
    return dt


def _chunk_rows(row_bytes: int, n: int) -> int:
    return int(max(1, min(n, _CHUNK_BYTES // max(1, row_bytes))))


def create_columns(group: h5py.Group, L: int, n: int, compression: str = "gzip") -> None:
    """Create the empty, fixed-size columns of one lattice size in ``group``.

    Parameters
    ----------
    group : h5py.Group
        The ``/L{L}`` group.
    L : int
        Lattice side.
    n : int
        Rows (samples) of this size.
    compression : {"gzip", "lzf"}
        Filter; shuffle and fletcher32 are always on.
    """
    n_bytes = (L * L + 7) // 8
    opts = {"compression": compression, "shuffle": True, "fletcher32": True}
    if compression == "gzip":
        opts["compression_opts"] = 1
    group.attrs["L"] = L
    group.attrs["n_bytes"] = n_bytes
    group.create_dataset(
        "spins",
        shape=(n, n_bytes),
        dtype=np.uint8,
        chunks=(_chunk_rows(n_bytes, n), n_bytes),
        **opts,
    )
    for name, dtype in COLUMNS.items():
        size = np.dtype(dtype).itemsize
        group.create_dataset(name, shape=(n,), dtype=dtype, chunks=(_chunk_rows(size, n),), **opts)


def versions() -> str:
    """Versions of the software that wrote a file, as one line."""
    from isingml import __version__

    return (
        f"isingml {__version__}; numpy {np.__version__}; numba {numba.__version__}; "
        f"h5py {h5py.__version__}; HDF5 {h5py.version.hdf5_version}; "
        f"python {sys.version.split()[0]}"
    )


def utc_now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def attribute_json(value: object) -> object:
    """The canonical, JSON-ready form of one attribute value: its type, shape and values.

    Floats keep every bit (JSON writes the shortest repr that reads back the same).
    """
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, bytes):
        return {"type": "bytes", "value": value.hex()}
    a = np.asarray(value)
    if a.dtype.kind in "biuf":
        return {"type": a.dtype.str, "shape": list(a.shape), "value": a.tolist()}
    if a.dtype.kind == "O":
        return {"type": "O", "shape": list(a.shape), "value": [str(v) for v in a.ravel()]}
    return {"type": a.dtype.str, "repr": repr(value)}


def _dumps(record: object) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode_attribute(value: object) -> object:
    """An attribute value as callers expect it: a fixed-length string (bytes) as ``str``.

    Bytes that are not UTF-8 (a damaged file) decode with replacement characters, so
    they differ from what was written. Any other value is returned unchanged.
    """
    if isinstance(value, bytes):  # np.bytes_ too
        return bytes(value).decode("utf-8", errors="replace")
    return value


def decode_attributes(attrs: Mapping[str, object]) -> dict[str, object]:
    """Every attribute of ``attrs`` (an h5py ``AttributeManager``), decoded as by
    :func:`decode_attribute`."""
    return {str(k): decode_attribute(v) for k, v in attrs.items()}


def write_text(attrs: h5py.AttributeManager, name: str, text: str) -> None:
    """Write ``text`` as a fixed-length UTF-8 string attribute (no global heap)."""
    encoded = text.encode("utf-8")
    dtype = h5py.string_dtype("utf-8", max(1, len(encoded)))
    attrs.create(name, data=np.array(encoded, dtype=dtype))


def metadata_record(
    attrs: Mapping[str, object], temperatures: np.ndarray, plan: bytes | None = None
) -> dict:
    """The canonical record of a file's root attributes, temperatures and plan.

    Parameters
    ----------
    attrs : mapping
        The root attributes (as h5py reads them back, strings decoded by
        :func:`decode_attributes`).
    temperatures : ndarray
        The temperatures.
    plan : bytes, optional
        The bytes of ``/metadata/plan``; None where the file has none.

    Returns
    -------
    dict
        ``{"attributes": {name: attribute_json(value)}, "temperatures": ...}``, and
        ``"plan": {"type": "sha256", "value": ...}`` when ``plan`` is given.
    """
    record = {
        "attributes": {str(k): attribute_json(v) for k, v in attrs.items()},
        "temperatures": attribute_json(np.asarray(temperatures)),
    }
    if plan is not None:
        record["plan"] = {"type": "sha256", "value": hashlib.sha256(plan).hexdigest()}
    return record


def metadata_digest(record: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a :func:`metadata_record`."""
    return hashlib.sha256(_dumps(record)).hexdigest()


def stored_record(record: dict) -> bytes:
    """The bytes of ``/metadata/attributes``: ``record`` without the volatile attributes."""
    kept = {k: v for k, v in record["attributes"].items() if k not in VOLATILE_ATTRS}
    return _dumps({**record, "attributes": kept})


def write_metadata(f: h5py.File, plan: GenerationPlan) -> None:
    """Write the root attributes of a dataset generated by ``plan``, and their checksummed
    copy in ``/metadata`` (see the module docstring)."""
    temperatures = np.array(plan.temperatures, dtype=np.float64)
    plan_bytes = plan.to_json().encode("utf-8")
    attrs = f.attrs
    write_text(attrs, "format", FORMAT)
    attrs["format_version"] = FORMAT_VERSION
    attrs["sizes"] = np.array(plan.sizes, dtype=np.int64)
    if temperatures.size <= TEMPERATURES_ATTR_MAX:
        attrs["temperatures"] = temperatures
    attrs["samples"] = plan.samples
    attrs["chains"] = plan.chains
    attrs["thermalize"] = plan.thermalize
    if plan.interval == "auto":
        write_text(attrs, "interval", "auto")
    else:
        attrs["interval"] = plan.interval
    write_text(attrs, "algorithm", plan.algorithm)
    attrs["seed"] = plan.seed
    attrs["J"] = plan.J
    attrs["h"] = plan.h
    write_text(attrs, "spin_encoding", SPIN_ENCODING)
    write_text(
        attrs,
        "random_numbers",
        "Philox4x32-10, key (seed, task index), tasks ordered by (size, temperature, chain)",
    )
    if len(plan_bytes) <= PLAN_ATTR_MAX:
        write_text(attrs, "plan", plan_bytes.decode("utf-8"))
    write_text(attrs, "versions", versions())
    write_text(attrs, "created", utc_now())
    record = metadata_record(decode_attributes(attrs), temperatures, plan_bytes)
    opts = {"compression": "gzip", "compression_opts": 1, "shuffle": True, "fletcher32": True}
    group = f.create_group(METADATA)
    group.create_dataset("temperatures", data=temperatures, **opts)
    blob = np.frombuffer(stored_record(record), dtype=np.uint8)
    group.create_dataset("attributes", data=blob, **opts)
    group.create_dataset(PLAN, data=np.frombuffer(plan_bytes, dtype=np.uint8), **opts)
    write_text(group.attrs, "sha256", metadata_digest(record))
