"""Reading isingml spin datasets: sizes, temperatures, spins and streaming minibatches,
and :func:`verify`, which checks every byte that matters of a file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numba
import numpy as np

from isingml.data.schema import (
    COLUMNS,
    FORMAT,
    METADATA,
    PLAN,
    REQUIRED_ATTRS,
    SUPPORTED_VERSIONS,
    VOLATILE_ATTRS,
    attribute_json,
    check_spin_dtype,
    decode_attribute,
    decode_attributes,
    group_name,
    metadata_digest,
    metadata_record,
    unpack_spins,
)
from isingml.errors import InputError, InputTypeError

__all__ = [
    "BLOCK_BYTES",
    "Dataset",
    "Minibatches",
    "VerifyReport",
    "open_dataset",
    "plan_json",
    "verify",
]

#: Bytes of rows that :func:`verify` reads at a time (all columns together).
BLOCK_BYTES = 16 * 2**20

#: What h5py raises for damaged HDF5 structures (a bad object header is a KeyError).
_H5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError, IndexError)

_FILTERS = ("gzip", "lzf")


class Dataset:
    """A read-only view of a dataset file; use :func:`open_dataset` to get one.

    Parameters
    ----------
    path : path
        The HDF5 file.

    Attributes
    ----------
    path : pathlib.Path
    sizes : tuple of int
    temperatures : ndarray of float64
    attrs : dict
        The file's root attributes (strings as ``str``, however they are stored).
    format_version : int
        1 or 2 (2: the metadata have a checksummed record in ``/metadata``).

    Raises
    ------
    InputError
        For a file that is not a readable dataset of a supported format version: one line
        naming the file and what is wrong.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self._file = h5py.File(self.path, "r")
        except _H5_ERRORS as exc:
            raise InputError(f"{self.path}: not a readable HDF5 file ({_reason(exc)})") from None
        try:
            self._load()
        except InputError:
            self._file.close()
            raise
        except _H5_ERRORS as exc:
            self._file.close()
            raise InputError(f"{self.path}: damaged dataset ({_reason(exc)})") from None

    def _damaged(self, what: str) -> InputError:
        return InputError(f"{self.path}: damaged dataset ({what})")

    def _load(self) -> None:
        attrs = decode_attributes(self._file.attrs)
        if not _is_text(attrs.get("format"), FORMAT):
            raise InputError(f"{self.path}: not an isingml spin dataset (no format tag)")
        version = attrs.get("format_version")
        if version is not None:
            self.format_version = _format_version(self.path, version)
        required = REQUIRED_ATTRS
        if version is not None and self.format_version >= 2:
            optional = ["temperatures"]
            if _plan_dataset(self._file) is not None:
                optional.append("plan")
            required = tuple(k for k in REQUIRED_ATTRS if k not in optional)
        missing = [k for k in required if k not in attrs]
        if missing:
            raise self._damaged(f"attributes {missing} missing")
        self.attrs = attrs
        self.sizes = self._sizes(attrs["sizes"])
        for name in ("samples", "chains"):
            if not _positive_int(attrs[name]):
                raise self._damaged(f"{name} = {attrs[name]!r}")
        for name in ("J", "h"):
            if not _finite_real(attrs[name]):
                raise self._damaged(f"{name} = {attrs[name]!r}")
        self.temperatures = self._temperatures()
        self._columns = {L: self._size_columns(L) for L in self.sizes}

    def _sizes(self, value: object) -> tuple[int, ...]:
        a = np.asarray(value)
        if a.ndim != 1 or a.size == 0 or a.dtype.kind not in "iu" or (a < 1).any():
            raise self._damaged(f"sizes = {value!r}")
        if np.unique(a).size != a.size:
            raise self._damaged(f"sizes = {value!r} repeat a size")
        return tuple(int(L) for L in a)

    def _temperatures(self) -> np.ndarray:
        if self.format_version >= 2:
            group = self._file.get(METADATA)
            if not isinstance(group, h5py.Group) or "temperatures" not in group:
                raise self._damaged(f"/{METADATA}/temperatures missing")
            ds = group["temperatures"]
            self._check_dataset(ds, f"/{METADATA}/temperatures", np.float64, 1)
            temps = self._read(ds, f"/{METADATA}/temperatures")
        else:
            temps = np.asarray(self.attrs["temperatures"])
        if temps.ndim != 1 or temps.size == 0 or temps.dtype.kind != "f":
            raise self._damaged(f"temperatures of shape {temps.shape} and type {temps.dtype}")
        if not np.isfinite(temps).all():
            raise self._damaged("temperatures are not all finite")
        return temps.astype(np.float64)

    @property
    def plan(self) -> str | None:
        """The JSON of the plan the file was written with (:func:`plan_json`).

        Raises
        ------
        InputError
            Where it cannot be read.
        """
        try:
            return plan_json(self._file)
        except _H5_ERRORS as exc:
            raise InputError(f"{self.path}: cannot read the plan ({_reason(exc)})") from None

    def _size_columns(self, L: int) -> dict[str, h5py.Dataset]:
        name = group_name(L)
        group = self._file.get(name)
        if not isinstance(group, h5py.Group):
            raise self._damaged(f"group {name} missing")
        absent = [c for c in ("spins", *COLUMNS) if c not in group]
        if absent:
            raise self._damaged(f"columns {absent} missing in {name}")
        columns = {c: group[c] for c in ("spins", *COLUMNS)}
        n_bytes = (L * L + 7) // 8
        spins = columns["spins"]
        self._check_dataset(spins, f"{name}/spins", np.uint8, 2)
        if spins.shape[1] != n_bytes:
            raise self._damaged(
                f"spins of L={L} hold {spins.shape[1]} bytes per row, L*L needs {n_bytes}"
            )
        for c, dtype in COLUMNS.items():
            self._check_dataset(columns[c], f"{name}/{c}", dtype, 1)
            if columns[c].shape[0] != spins.shape[0]:
                raise self._damaged(
                    f"{name}/{c} has {columns[c].shape[0]} rows, spins {spins.shape[0]}"
                )
        return columns

    def _check_dataset(self, ds: object, name: str, dtype: type, ndim: int) -> None:
        if not isinstance(ds, h5py.Dataset):
            raise self._damaged(f"{name} is not a dataset")
        if ds.dtype != np.dtype(dtype) or len(ds.shape) != ndim:
            raise self._damaged(
                f"{name} is {ds.dtype} of shape {ds.shape}, expected {np.dtype(dtype)} "
                f"with {ndim} dimension(s)"
            )
        if ds.chunks is None or not ds.fletcher32:
            raise self._damaged(f"{name} has no fletcher32 checksum")
        if ds.compression not in _FILTERS or not ds.shuffle:
            raise self._damaged(f"{name} lacks its compression (gzip or lzf, with shuffle)")

    def _read(self, ds: h5py.Dataset, name: str, rows: slice | None = None) -> np.ndarray:
        try:
            return ds[...] if rows is None else ds[rows]
        except _H5_ERRORS as exc:
            raise InputError(f"{self.path}: cannot read {name} ({_reason(exc)})") from None

    # -- lifetime --------------------------------------------------------------------
    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata --------------------------------------------------------------------
    def _group(self, size: int) -> dict[str, h5py.Dataset]:
        if size not in self.sizes:
            raise InputError(f"size must be one of {list(self.sizes)}, got {size!r}")
        return self._columns[size]

    def n_samples(self, size: int, temperatures: Sequence[float] | None = None) -> int:
        """Number of configurations of lattice size ``size`` (optionally of some temperatures).

        Raises
        ------
        ValueError
            For a size the file lacks, or a temperature it does not hold.
        """
        if temperatures is not None:
            return len(self._rows(size, temperatures))
        return int(self._group(size)["spins"].shape[0])

    def counts(self, size: int) -> dict[float, int]:
        """Samples per temperature for ``size``."""
        n = np.bincount(self._index(size), minlength=len(self.temperatures))
        return {float(T): int(c) for T, c in zip(self.temperatures, n, strict=True)}

    def column(self, size: int, name: str) -> np.ndarray:
        """One per-sample column (``energy``, ``magnetization``, ``temperature``, ...)."""
        if name not in COLUMNS:
            raise InputError(f"name must be one of {sorted(COLUMNS)}, got {name!r}")
        return self._column(size, name)

    def _column(self, size: int, name: str) -> np.ndarray:
        return self._read(self._group(size)[name], f"{name} of L={size}")

    def _index(self, size: int) -> np.ndarray:
        """The temperature_index column, each value checked to name a temperature."""
        index = self._column(size, "temperature_index")
        bad = np.flatnonzero((index < 0) | (index >= self.temperatures.size))
        if bad.size:
            raise self._damaged(
                f"temperature_index of L={size} row {bad[0]} is {index[bad[0]]}, outside "
                f"[0, {self.temperatures.size})"
            )
        return index

    def _rows(self, size: int, temperatures: Sequence[float] | None) -> np.ndarray:
        index = self._index(size)
        if temperatures is None:
            return np.arange(index.size)
        wanted = np.atleast_1d(np.asarray(temperatures, dtype=np.float64))
        # Each wanted value must name one stored temperature (to 1e-9 relative).
        close = np.isclose(self.temperatures[None, :], wanted[:, None], rtol=1e-9, atol=0.0)
        missing = [float(w) for w, row in zip(wanted, close, strict=True) if not row.any()]
        if missing:
            raise InputError(
                f"temperatures {missing} are not in the dataset (it has "
                f"{np.round(self.temperatures, 6).tolist()})"
            )
        return np.flatnonzero(np.isin(index, np.flatnonzero(close.any(axis=0))))

    # -- data ------------------------------------------------------------------------
    def spins(
        self,
        size: int,
        temperatures: Sequence[float] | None = None,
        dtype: type = np.int8,
    ) -> np.ndarray:
        """Configurations of one size (optionally only some temperatures), unpacked.

        Parameters
        ----------
        size : int
            Lattice side.
        temperatures : sequence of float, optional
            Keep only these temperatures (each must be in the dataset).
        dtype : numpy dtype
            ``np.int8`` (default) or ``np.float32``/``np.float64``.

        Returns
        -------
        ndarray, shape (n, L, L), values +/-1
        """
        dtype = check_spin_dtype(dtype)
        rows = self._rows(size, temperatures)
        packed = self._read(self._group(size)["spins"], f"spins of L={size}")
        if rows.size != packed.shape[0]:
            packed = packed[rows]
        return unpack_spins(packed, size, dtype)

    def batches(
        self,
        size: int,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        temperatures: Sequence[float] | None = None,
        dtype: type = np.float32,
        drop_last: bool = False,
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Stream minibatches ``(spins, temperature)`` without loading the file.

        Reads whole chunks of the spins column (in a shuffled chunk order when
        ``shuffle``), keeps the wanted temperatures, shuffles within a window of a few
        chunks, and yields batches; memory stays at a few chunks whatever the file size.

        Parameters
        ----------
        size : int
            Lattice side.
        batch_size : int
            Samples per batch, >= 1.
        shuffle : bool
            Shuffle chunk order and samples within the window.
        seed : int
            Seed of the shuffle.
        temperatures : sequence of float, optional
            Only these temperatures.
        dtype : numpy dtype
            Of the spins.
        drop_last : bool
            Drop a last, smaller batch.

        Yields
        ------
        (ndarray, ndarray)
            Spins ``(b, L, L)`` and temperatures ``(b,)``.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise InputTypeError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        if batch_size < 1:
            raise InputError(f"batch_size must be an integer >= 1, got {batch_size}")
        dtype = check_spin_dtype(dtype)
        group = self._group(size)
        keep = np.zeros(self.n_samples(size), dtype=bool)
        keep[self._rows(size, temperatures)] = True
        temps = self._column(size, "temperature")
        spins_ds = group["spins"]
        chunk = spins_ds.chunks[0]
        starts = np.arange(0, spins_ds.shape[0], chunk)
        rng = np.random.default_rng(seed)
        if shuffle:
            rng.shuffle(starts)
        window = 4  # chunks shuffled together
        buf_s: list[np.ndarray] = []
        buf_t: list[np.ndarray] = []
        for w in range(0, len(starts), window):
            for s in starts[w : w + window]:
                stop = min(s + chunk, spins_ds.shape[0])
                mask = keep[s:stop]
                if not mask.any():
                    continue
                packed = self._read(spins_ds, f"spins of L={size}", slice(s, stop))
                buf_s.append(packed[mask])
                buf_t.append(temps[s:stop][mask])
            if not buf_s:
                continue
            packed = np.concatenate(buf_s)
            tt = np.concatenate(buf_t)
            if shuffle:
                order = rng.permutation(tt.size)
                packed, tt = packed[order], tt[order]
            n_full = tt.size // batch_size * batch_size
            for b in range(0, n_full, batch_size):
                yield unpack_spins(packed[b : b + batch_size], size, dtype), tt[b : b + batch_size]
            buf_s = [packed[n_full:]] if n_full < tt.size else []
            buf_t = [tt[n_full:]] if n_full < tt.size else []
        if buf_s and not drop_last:
            packed = np.concatenate(buf_s)
            yield unpack_spins(packed, size, dtype), np.concatenate(buf_t)

    def minibatches(
        self,
        size: int,
        batch_size: int,
        *,
        seed: int = 0,
        temperatures: Sequence[float] | None = None,
        dtype: type = np.float32,
        shuffle: bool = True,
        drop_last: bool = False,
    ) -> Minibatches:
        """A re-iterable source of minibatches of spins, for training without loading the
        file (``Autoencoder().fit(ds.minibatches(16, 128))``).

        Each ``iter()`` is one epoch of :meth:`batches` (spins only, each ``(b, L, L)``),
        shuffled with a seed of its own: epoch ``k`` (counted from 0 by the source) uses
        ``seed + 7919 * (k + 1)``. The size and temperatures are checked here, at once.
        The dataset must stay open while the source is iterated.

        Parameters
        ----------
        size : int
            Lattice side.
        batch_size : int
            Samples per batch, >= 1.
        seed : int
            Seed of the per-epoch shuffles.
        temperatures : sequence of float, optional
            Only these temperatures.
        dtype : numpy dtype
            Of the spins.
        shuffle : bool
            Shuffle every epoch (False: file order).
        drop_last : bool
            Drop a last, smaller batch.

        Returns
        -------
        Minibatches

        Raises
        ------
        ValueError
            For a size the file lacks, a temperature it does not hold or a bad batch size.
        """
        return Minibatches(self, size, batch_size, seed, temperatures, dtype, shuffle, drop_last)

    def storage(self, size: int) -> tuple[int, int]:
        """Bytes on disk and uncompressed bytes of all columns of ``size``."""
        group = self._group(size)
        stored = raw = 0
        for name in ("spins", *COLUMNS):
            ds = group[name]
            try:
                stored += ds.id.get_storage_size()
            except _H5_ERRORS as exc:
                raise self._damaged(f"storage of {name} of L={size}: {_reason(exc)}") from None
            raw += ds.size * ds.dtype.itemsize
        return stored, raw


class Minibatches:
    """Minibatches of one size of a :class:`Dataset`, one epoch per ``iter()``; made by
    :meth:`Dataset.minibatches`, which documents the parameters.

    Attributes
    ----------
    size : int
        Lattice side.
    n_samples : int
        Configurations per epoch.
    sample_shape : tuple of int
        ``(size, size)``.
    epoch : int
        Epochs iterated so far (the next ``iter()`` shuffles with
        ``seed + 7919 * (epoch + 1)``).
    """

    def __init__(
        self,
        dataset: Dataset,
        size: int,
        batch_size: int,
        seed: int,
        temperatures: Sequence[float] | None,
        dtype: type,
        shuffle: bool,
        drop_last: bool,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise InputTypeError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        if batch_size < 1:
            raise InputError(f"batch_size must be an integer >= 1, got {batch_size}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputError(f"seed must be an integer >= 0, got {seed!r}")
        self.dataset = dataset
        dtype = check_spin_dtype(dtype)
        self.size = size
        self.n_samples = dataset.n_samples(size, temperatures)  # checks size and temperatures
        self.sample_shape = (size, size)
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.temperatures = temperatures
        self.dtype = dtype
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.epoch = 0

    def __iter__(self) -> Iterator[np.ndarray]:
        seed = self.seed + 7919 * (self.epoch + 1)
        self.epoch += 1  # at iter(), not at the first batch: one seed per epoch asked for
        batches = self.dataset.batches(
            self.size,
            self.batch_size,
            self.shuffle,
            seed,
            self.temperatures,
            self.dtype,
            self.drop_last,
        )
        return (spins for spins, _ in batches)

    def __repr__(self) -> str:
        return (
            f"Minibatches({self.dataset.path.name}, size={self.size}, "
            f"batch_size={self.batch_size}, n_samples={self.n_samples})"
        )


def plan_json(f: h5py.File) -> str | None:
    """The JSON of the plan a dataset file was written with.

    It is ``/metadata/plan`` where the file has it, and otherwise the root attribute
    ``plan`` (format version 1 files and older version 2 files).

    Parameters
    ----------
    f : h5py.File
        The open file.

    Returns
    -------
    str or None
        None where the file holds no plan (or a root attribute ``plan`` that is not text).

    Raises
    ------
    OSError
        A ``/metadata/plan`` that cannot be read (a chunk failing its checksum) or is not
        a vector of bytes.
    """
    data = _plan_bytes(f)
    if data is not None:
        return data.decode("utf-8", errors="replace")
    value = decode_attribute(f.attrs.get("plan"))
    return value if isinstance(value, str) else None


def _plan_dataset(f: h5py.File) -> h5py.Dataset | None:
    group = f.get(METADATA)
    if not isinstance(group, h5py.Group) or PLAN not in group:
        return None
    ds = group[PLAN]
    if not isinstance(ds, h5py.Dataset) or ds.dtype != np.uint8 or len(ds.shape) != 1:
        raise OSError(f"/{METADATA}/{PLAN} is not a vector of bytes")
    return ds


def _plan_bytes(f: h5py.File) -> bytes | None:
    ds = _plan_dataset(f)
    return None if ds is None else ds[...].tobytes()


def open_dataset(path: str | os.PathLike) -> Dataset:
    """Open a dataset file written by :func:`isingml.data.generate`.

    Parameters
    ----------
    path : path

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        A missing, truncated, corrupt or foreign file, naming the file.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    return Dataset(p)


@dataclass
class VerifyReport:
    """What :func:`verify` found: an empty ``problems`` list means the file is sound.

    Attributes
    ----------
    path : pathlib.Path
    checked : int
        Configurations checked.
    problems : list of str
        What is wrong, one line each.
    notes : list of str
        What could not be checked (a format version 1 file has no metadata checksum).
    """

    path: Path
    checked: int
    problems: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems


@numba.njit(cache=True, nogil=True)
def _packed_bonds_spins(packed: np.ndarray, L: int, bonds: np.ndarray, total: np.ndarray) -> None:
    """Bond sum and spin sum of each packed configuration (periodic boundaries)."""
    for r in range(packed.shape[0]):
        b = 0
        m = 0
        for i in range(L):
            down = (i + 1) % L
            for j in range(L):
                k = i * L + j
                s = 2 * ((packed[r, k >> 3] >> (7 - (k & 7))) & 1) - 1
                kd = down * L + j
                kr = i * L + (j + 1) % L
                sd = 2 * ((packed[r, kd >> 3] >> (7 - (kd & 7))) & 1) - 1
                sr = 2 * ((packed[r, kr >> 3] >> (7 - (kr & 7))) & 1) - 1
                b += s * (sd + sr)
                m += s
        bonds[r] = b
        total[r] = m


def _energy_magnetization(
    packed: np.ndarray, L: int, J: float, h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Energy and magnetization per spin of packed configurations, in O(1) extra memory
    per configuration."""
    packed = np.ascontiguousarray(packed, dtype=np.uint8)
    bonds = np.empty(packed.shape[0], dtype=np.int64)
    total = np.empty(packed.shape[0], dtype=np.int64)
    _packed_bonds_spins(packed, L, bonds, total)
    n = L * L
    m = total / n
    return -J * bonds / n - h * m, m


class _Findings:
    """Problems of one kind, listed for the first few rows and counted for the rest."""

    SHOWN = 10

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.counts: dict[str, int] = {}

    def add(self, kind: str, lines: Iterator[str], count: int) -> None:
        seen = self.counts.get(kind, 0)
        for line in lines:
            if seen >= self.SHOWN:
                break
            self.problems.append(line)
            seen += 1
        self.counts[kind] = self.counts.get(kind, 0) + count

    def close(self) -> None:
        for kind, count in self.counts.items():
            if count > self.SHOWN:
                self.problems.append(f"{kind}: {count} rows in all")


def verify(path: str | os.PathLike) -> VerifyReport:
    """Check a dataset file: its format version, its metadata against their checksummed
    record, the layout and filters of every column, the values of every column (ranges,
    temperatures, row counts) and energy and magnetization recomputed from the spins;
    reading every chunk runs its fletcher32 check.

    Memory stays bounded whatever the lattice size: every column is read in blocks of
    rows of about :data:`BLOCK_BYTES` together (at least one row).

    Parameters
    ----------
    path : path
        The dataset.

    Returns
    -------
    VerifyReport

    Raises
    ------
    InputError
        A file that cannot be opened as a dataset at all (naming the file and why).
    """
    problems: list[str] = []
    notes: list[str] = []
    checked = 0
    with open_dataset(path) as ds:
        try:
            if ds.format_version < 2:
                notes.append(
                    f"format version {ds.format_version}: the root attributes carry no "
                    "checksum (only their consistency with the columns is checked)"
                )
            else:
                problems += _check_metadata(ds)
            problems += _check_plan(ds)
            problems += _check_structure(ds)
            for L in ds.sizes:
                checked += _check_size(ds, L, problems)
        except _H5_ERRORS as exc:
            problems.append(f"unreadable structure ({_reason(exc)})")
    return VerifyReport(Path(path), checked, problems, notes)


def _short(value: object, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_metadata(ds: Dataset) -> list[str]:
    """Compare the root attributes and temperatures with ``/metadata``."""
    group = ds._file[METADATA]
    if "attributes" not in group:
        return [f"/{METADATA}/attributes missing: the metadata cannot be checked"]
    blob_ds = group["attributes"]
    try:
        ds._check_dataset(blob_ds, f"/{METADATA}/attributes", np.uint8, 1)
    except InputError as exc:
        return [str(exc)]
    try:
        blob = blob_ds[...].tobytes()
    except OSError as exc:
        return [f"/{METADATA}/attributes unreadable ({_reason(exc)})"]
    try:
        stored = json.loads(blob.decode("utf-8"))
        written = stored["attributes"]
        if not isinstance(written, dict) or "temperatures" not in stored:
            raise TypeError
    except (ValueError, TypeError, KeyError):
        return [f"/{METADATA}/attributes is not a metadata record"]
    problems = []
    try:
        plan = _plan_bytes(ds._file)
        if plan is not None:
            ds._check_dataset(group[PLAN], f"/{METADATA}/{PLAN}", np.uint8, 1)
    except InputError as exc:
        problems.append(str(exc))
    except _H5_ERRORS as exc:
        return [f"/{METADATA}/{PLAN} unreadable ({_reason(exc)})"]
    current = metadata_record(ds.attrs, ds.temperatures, plan)
    now = current["attributes"]
    for name in sorted(set(now) | set(written)):
        if name in VOLATILE_ATTRS:
            continue
        if name not in written:
            problems.append(f"root attribute {name!r} is not in the metadata record")
        elif name not in now:
            problems.append(f"root attribute {name!r} is missing (the metadata record has it)")
        elif _canon(now[name]) != _canon(written[name]):
            problems.append(
                f"root attribute {name!r} differs from the metadata record: "
                f"{_short(now[name])}, written {_short(written[name])}"
            )
    if _canon(current["temperatures"]) != _canon(stored["temperatures"]):
        problems.append(f"/{METADATA}/temperatures differ from the metadata record")
    if _canon(current.get("plan")) != _canon(stored.get("plan")):
        if plan is None:
            problems.append(f"/{METADATA}/{PLAN} is missing (the metadata record has it)")
        else:
            problems.append(f"/{METADATA}/{PLAN} differs from the metadata record")
    for name in VOLATILE_ATTRS:
        if name in now:
            written[name] = now[name]
    digest = decode_attribute(group.attrs.get("sha256"))
    if not problems and not _is_text(digest, metadata_digest(stored)):
        problems.append(
            f"root attribute {VOLATILE_ATTRS[0]!r} or the metadata checksum "
            f"(/{METADATA} sha256) changed since the file was written"
        )
    return problems


def _check_structure(ds: Dataset) -> list[str]:
    """Every group and attribute of the file can be listed, and the root holds only what
    the schema names."""
    problems: list[str] = []

    def walk(name: str, obj: object) -> None:
        list(obj.attrs)

    try:
        list(ds._file.attrs)
        ds._file.visititems(walk)
        members = set(ds._file)
    except _H5_ERRORS as exc:
        return [f"the file's groups cannot be walked ({_reason(exc)})"]
    expected = {group_name(L) for L in ds.sizes} | (
        {METADATA} if ds.format_version >= 2 else set()
    )
    for name in sorted(members - expected):
        problems.append(f"unexpected member {name!r} at the root")
    for L in ds.sizes:
        names = set(ds._file[group_name(L)])
        if names != {"spins", *COLUMNS}:
            problems.append(
                f"L={L}: members {sorted(names)}, expected {sorted({'spins', *COLUMNS})}"
            )
    return problems


def _check_plan(ds: Dataset) -> list[str]:
    """The root attributes must say what the plan (:func:`plan_json`) says."""
    try:
        text = plan_json(ds._file)
    except _H5_ERRORS as exc:
        return [f"the plan cannot be read ({_reason(exc)})"]
    in_metadata = _plan_dataset(ds._file) is not None
    where = f"/{METADATA}/{PLAN}" if in_metadata else "root attribute 'plan'"
    problems = []
    if in_metadata and "plan" in ds.attrs and not _is_text(ds.attrs["plan"], text):
        problems.append(f"root attribute 'plan' differs from /{METADATA}/{PLAN}")
    try:
        plan = json.loads(text)
        if not isinstance(plan, dict):
            raise TypeError
    except (ValueError, TypeError):
        return [*problems, f"{where} is not a JSON object"]
    for key in (
        "sizes",
        "samples",
        "chains",
        "thermalize",
        "interval",
        "algorithm",
        "seed",
        "J",
        "h",
    ):
        if key not in plan:
            continue
        mine = attribute_json(ds.attrs[key]).get("value") if key in ds.attrs else None
        if np.asarray(mine).tolist() != np.asarray(plan[key]).tolist():
            problems.append(
                f"root attribute {key!r} = {_short(mine)}, the plan says {_short(plan[key])}"
            )
    if "temperatures" in plan and ds.temperatures.tolist() != list(plan["temperatures"]):
        problems.append("the temperatures differ from the plan's")
    return problems


def _check_size(ds: Dataset, L: int, problems: list[str]) -> int:
    """Check every column of size ``L`` in blocks of rows; return the rows checked."""
    columns = ds._group(L)
    group = ds._file[group_name(L)]
    n_bytes = (L * L + 7) // 8
    for key, want in (("L", L), ("n_bytes", n_bytes)):
        got = group.attrs.get(key)
        if not isinstance(got, (int, np.integer)) or int(got) != want:
            problems.append(f"L={L}: group attribute {key} = {got!r}, expected {want}")
    n = columns["spins"].shape[0]
    nT = ds.temperatures.size
    samples = int(ds.attrs["samples"])
    chains = int(ds.attrs["chains"])
    if n != samples * nT:
        problems.append(f"L={L}: {n} rows, samples x temperatures = {samples * nT}")
    J = float(ds.attrs["J"])
    h = float(ds.attrs["h"])
    row_bytes = n_bytes + sum(np.dtype(t).itemsize for t in COLUMNS.values())
    step = max(1, BLOCK_BYTES // row_bytes)
    found = _Findings(problems)
    counts = np.zeros(nT, dtype=np.int64)
    last_index = 0
    checked = 0
    for a in range(0, n, step):
        b = min(n, a + step)
        try:
            block = {name: columns[name][a:b] for name in columns}
        except OSError as exc:
            found.add(
                f"L={L} unreadable",
                iter([f"L={L} rows {a}..{b - 1}: unreadable data ({_reason(exc)})"]),
                b - a,
            )
            continue
        last_index = _check_block(ds, L, a, block, J, h, chains, found, counts, last_index)
        checked += b - a
    found.close()
    for t in np.flatnonzero(counts != samples)[: _Findings.SHOWN]:
        problems.append(f"L={L} T={ds.temperatures[t]:g}: {counts[t]} rows, samples = {samples}")
    return checked


def _check_block(
    ds: Dataset,
    L: int,
    start: int,
    block: dict[str, np.ndarray],
    J: float,
    h: float,
    chains: int,
    found: _Findings,
    counts: np.ndarray,
    last_index: int,
) -> int:
    """Check one block of rows; return its last temperature index (rows are ordered)."""
    temps = ds.temperatures
    nT = temps.size
    index = block["temperature_index"]
    valid = (index >= 0) & (index < nT)
    _flag(
        found,
        f"L={L} temperature_index",
        start,
        ~valid,
        lambda r: f"temperature_index {index[r]}, outside [0, {nT})",
        L,
    )
    good = index[valid]
    counts += np.bincount(good, minlength=nT)
    order = np.diff(np.concatenate(([last_index], good))) < 0
    if order.any():
        rows = np.flatnonzero(valid)[order]
        wrong = np.zeros(index.size, dtype=bool)
        wrong[rows] = True
        _flag(
            found,
            f"L={L} row order",
            start,
            wrong,
            lambda r: f"temperature_index {index[r]} after a larger one (rows go by temperature)",
            L,
        )
    temperature = block["temperature"]
    expected = np.where(valid, temps[np.where(valid, index, 0)], np.nan)
    mismatch = valid & ~(temperature == expected)
    _flag(
        found,
        f"L={L} temperature",
        start,
        mismatch,
        lambda r: (
            f"temperature {float(temperature[r])!r}, "
            f"temperatures[{index[r]}] = {float(expected[r])!r}"
        ),
        L,
    )
    chain = block["chain"]
    _flag(
        found,
        f"L={L} chain",
        start,
        (chain < 0) | (chain >= chains),
        lambda r: f"chain {chain[r]}, outside [0, {chains})",
        L,
    )
    sweep = block["sweep"]
    _flag(found, f"L={L} sweep", start, sweep < 1, lambda r: f"sweep {sweep[r]}, must be >= 1", L)
    energy, magnet = block["energy"], block["magnetization"]
    e, m = _energy_magnetization(block["spins"], L, J, h)
    bad = ~np.isclose(e, energy, rtol=0, atol=1e-12) | ~np.isclose(m, magnet, rtol=0, atol=1e-12)
    _flag(
        found,
        f"L={L} energy",
        start,
        bad,
        lambda r: f"stored (E, M) = ({energy[r]}, {magnet[r]}), spins give ({e[r]}, {m[r]})",
        L,
    )
    return int(good[-1]) if good.size else last_index


def _flag(found: _Findings, kind: str, start: int, mask: np.ndarray, say, L: int) -> None:
    rows = np.flatnonzero(mask)
    if rows.size:
        lines = (f"L={L} row {start + r}: {say(r)}" for r in rows)
        found.add(kind, lines, int(rows.size))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _is_text(value: object, text: str) -> bool:
    return isinstance(value, str) and value == text


def _positive_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


def _finite_real(value: object) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and bool(np.isfinite(value))
    )


def _format_version(path: Path, value: object) -> int:
    if (
        isinstance(value, (int, np.integer))
        and not isinstance(value, (bool, np.bool_))
        and int(value) in SUPPORTED_VERSIONS
    ):
        return int(value)
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    shown = repr(value) if isinstance(value, (int, float, str)) else type(value).__name__
    raise InputError(
        f"{path}: unsupported format version {shown} (this isingml reads versions "
        f"{', '.join(map(str, SUPPORTED_VERSIONS))})"
    )


def _canon(value: object) -> str:
    return json.dumps(value, sort_keys=True)
