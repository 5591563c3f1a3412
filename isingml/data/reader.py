"""Reading isingml spin datasets: sizes, temperatures, spins and streaming minibatches."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from isingml.data.schema import COLUMNS, FORMAT, REQUIRED_ATTRS, group_name, unpack_spins
from isingml.errors import InputError, InputTypeError

__all__ = ["Dataset", "Minibatches", "VerifyReport", "open_dataset", "verify"]


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
        The file's root attributes.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self._file = h5py.File(self.path, "r")
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.path}: not a readable HDF5 file ({_reason(exc)})") from None
        try:
            attrs = dict(self._file.attrs)
            if attrs.get("format") != FORMAT:
                raise InputError(f"{self.path}: not an isingml spin dataset (no format tag)")
            self.attrs = attrs
            self.sizes = tuple(int(L) for L in attrs["sizes"])
            self.temperatures = np.asarray(attrs["temperatures"], dtype=np.float64)
            missing = [k for k in REQUIRED_ATTRS if k not in attrs]
            if missing:
                raise InputError(f"{self.path}: damaged dataset (attributes {missing} missing)")
            for L in self.sizes:
                name = group_name(L)
                if name not in self._file:
                    raise InputError(f"{self.path}: damaged dataset (group {name} missing)")
                absent = [c for c in ("spins", *COLUMNS) if c not in self._file[name]]
                if absent:
                    raise InputError(
                        f"{self.path}: damaged dataset (columns {absent} missing in {name})"
                    )
        except (OSError, KeyError) as exc:
            self._file.close()
            raise InputError(f"{self.path}: damaged dataset ({_reason(exc)})") from None
        except ValueError:
            self._file.close()
            raise

    # -- lifetime --------------------------------------------------------------------
    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata --------------------------------------------------------------------
    def _group(self, size: int) -> h5py.Group:
        if size not in self.sizes:
            raise InputError(f"size must be one of {list(self.sizes)}, got {size!r}")
        return self._file[group_name(size)]

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
        t = self._column(size, "temperature_index")
        n = np.bincount(t, minlength=len(self.temperatures))
        return {float(T): int(c) for T, c in zip(self.temperatures, n, strict=True)}

    def column(self, size: int, name: str) -> np.ndarray:
        """One per-sample column (``energy``, ``magnetization``, ``temperature``, ...)."""
        if name not in COLUMNS:
            raise InputError(f"name must be one of {sorted(COLUMNS)}, got {name!r}")
        return self._column(size, name)

    def _column(self, size: int, name: str) -> np.ndarray:
        try:
            return self._group(size)[name][...]
        except OSError as exc:
            raise InputError(
                f"{self.path}: cannot read {name} of L={size} ({_reason(exc)})"
            ) from None

    def _rows(self, size: int, temperatures: Sequence[float] | None) -> np.ndarray:
        index = self._column(size, "temperature_index")
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
        rows = self._rows(size, temperatures)
        try:
            packed = self._group(size)["spins"][...][rows]
        except OSError as exc:
            raise InputError(
                f"{self.path}: cannot read spins of L={size} ({_reason(exc)})"
            ) from None
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
                try:
                    packed = spins_ds[s:stop]
                except OSError as exc:
                    raise InputError(
                        f"{self.path}: cannot read spins of L={size} ({_reason(exc)})"
                    ) from None
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
            stored += ds.id.get_storage_size()
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
    """What :func:`verify` found: an empty ``problems`` list means the file is sound."""

    path: Path
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems


def _energy_magnetization(spins: np.ndarray, J: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    s = spins.astype(np.int32)
    bonds = (s * np.roll(s, 1, axis=1) + s * np.roll(s, 1, axis=2)).sum(axis=(1, 2))
    n = s.shape[1] * s.shape[2]
    m = s.sum(axis=(1, 2)) / n
    return -J * bonds / n - h * m, m


def verify(path: str | os.PathLike, rows_per_read: int = 4096) -> VerifyReport:
    """Recompute energy and magnetization from the stored spins and read every checksum.

    Parameters
    ----------
    path : path
        The dataset.
    rows_per_read : int
        Rows per read (memory bound).

    Returns
    -------
    VerifyReport
    """
    problems: list[str] = []
    checked = 0
    with open_dataset(path) as ds:
        J = float(ds.attrs["J"])
        h = float(ds.attrs["h"])
        for L in ds.sizes:
            g = ds._group(L)
            n = g["spins"].shape[0]
            try:
                for name in COLUMNS:
                    g[name][...]  # reading runs the fletcher32 check
                energy = g["energy"][...]
                magnet = g["magnetization"][...]
                for s in range(0, n, rows_per_read):
                    stop = min(n, s + rows_per_read)
                    spins = unpack_spins(g["spins"][s:stop], L)
                    e, m = _energy_magnetization(spins, J, h)
                    bad = np.flatnonzero(
                        ~np.isclose(e, energy[s:stop], rtol=0, atol=1e-12)
                        | ~np.isclose(m, magnet[s:stop], rtol=0, atol=1e-12)
                    )
                    for b in bad[:10]:
                        problems.append(
                            f"L={L} row {s + b}: stored (E, M) = ({energy[s + b]}, "
                            f"{magnet[s + b]}), spins give ({e[b]}, {m[b]})"
                        )
                    checked += stop - s
            except OSError as exc:
                problems.append(f"L={L}: unreadable data ({_reason(exc)})")
    return VerifyReport(Path(path), checked, problems)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
