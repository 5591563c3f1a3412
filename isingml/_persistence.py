"""One way to save: model and result files that are atomic, checksummed and self-describing.

Every object that saves (networks, autoencoders, RBMs, Hopfield networks, Ising states,
tempering results) writes through :func:`save_arrays` and reads through
:func:`load_arrays`:

* the file is written to a temporary file created exclusively in the destination's
  directory, flushed to disk (``fsync``), renamed over the destination and the directory
  synced, so that a crash or a full disk leaves either the old file or the new one, never
  half of one; a failed write removes only its own temporary file;
* it holds a header (JSON): the format tag ``"isingml"``, the kind of object, the format
  version, the object's description, and a SHA-256 checksum of the description and of
  every array (name, dtype, shape and bytes);
* reading checks the tag, the kind, the version and the checksum, and turns every way a
  file can be damaged (truncated, not a zip or HDF5 file, a flipped byte, a missing
  array) into one :class:`~isingml.errors.InputError` that names the file.

The container is chosen by the file name: ``.h5``/``.hdf5`` is HDF5 (header in the root
attribute ``isingml``, one dataset per array), anything else ``.npz`` (header in the
array ``isingml``; a name without a suffix gets ``.npz``). No pickle anywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from isingml.errors import InputError, ResourceError

__all__ = ["FORMAT_TAG", "atomic_write", "fsync_dir", "load_arrays", "save_arrays"]

#: The tag every isingml model or result file carries.
FORMAT_TAG = "isingml"
_HEADER = "isingml"
_HDF5_SUFFIXES = (".h5", ".hdf5")


def fsync_dir(directory: Path) -> None:
    """Sync a directory's entries to disk, where the file system can."""
    with contextlib.suppress(OSError):  # not every file system can sync a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes], Path], None]) -> Path:
    """Write ``path`` all at once: a temporary file, fsync, rename, fsync of the directory.

    Parameters
    ----------
    path : path
        Destination; its directory must exist.
    write : callable
        ``write(file, temporary_path)`` writes the contents, either to the open binary
        ``file`` or (closing nothing) to ``temporary_path`` by name.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        When the directory is missing or not writable, or the disk is full; the
        destination is then untouched and the temporary file removed.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as f:
            write(f, tmp)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def _checksum(meta_json: str, arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256(meta_json.encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _destination(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix.lower() not in _HDF5_SUFFIXES and path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    return path


def save_arrays(
    path: str | os.PathLike,
    kind: str,
    version: int,
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
) -> Path:
    """Save ``meta`` (JSON-serialisable) and named ``arrays`` as one isingml file.

    Parameters
    ----------
    path : path
        Destination: ``.h5``/``.hdf5`` for HDF5, else ``.npz`` (added when missing).
    kind : str
        What the file holds (e.g. ``"HopfieldNetwork"``); :func:`load_arrays` insists on it.
    version : int
        The format version of that kind.
    meta : dict
        The object's description.
    arrays : dict of str to ndarray
        Its arrays (numeric or boolean; no object arrays).

    Returns
    -------
    Path
        The path written.
    """
    path = _destination(path)
    arrays = {name: np.asarray(value) for name, value in arrays.items()}
    if _HEADER in arrays:
        raise InputError(f"arrays must not use the reserved name {_HEADER!r}")
    meta_json = json.dumps(meta, sort_keys=True)
    header = json.dumps(
        {
            "format": FORMAT_TAG,
            "kind": kind,
            "version": int(version),
            "meta": meta_json,
            "sha256": _checksum(meta_json, arrays),
        }
    )
    if path.suffix.lower() in _HDF5_SUFFIXES:
        import h5py

        def write(f: IO[bytes], tmp: Path) -> None:
            with h5py.File(f, "w") as h5:
                # Fixed-length UTF-8: no variable-length string, whose global heap, once
                # damaged, can hang HDF5 when it is read.
                encoded = header.encode("utf-8")
                h5.attrs.create(
                    _HEADER, np.array(encoded, dtype=h5py.string_dtype("utf-8", len(encoded)))
                )
                for name, value in arrays.items():
                    h5.create_dataset(name, data=value)

    else:

        def write(f: IO[bytes], tmp: Path) -> None:
            np.savez_compressed(f, **{_HEADER: np.array(header)}, **arrays)

    return atomic_write(path, write)


_NUMERIC_KINDS = "biufc"
_CHUNK = 1 << 24


def _read_npy(f: IO[bytes], stored: int, kinds: str) -> np.ndarray:
    """One ``.npy`` member of an ``.npz``, holding no more than the ``stored`` bytes the
    archive says it has (so a damaged header cannot ask for a huge allocation)."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise InputError(f"an array has the unknown .npy version {version}")
    if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize == 0:
        raise InputError(f"an array has the unsupported dtype {dtype}")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > stored:
        raise InputError(f"an array declares {nbytes} bytes but {stored} are stored")
    array = np.empty(count, dtype=dtype)
    view = array.view(np.uint8)
    done = 0
    while done < nbytes:
        chunk = f.read(min(_CHUNK, nbytes - done))
        if not chunk:
            raise InputError("an array is truncated")
        view[done : done + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        done += len(chunk)
    return array.reshape(shape, order="F" if fortran else "C")


def _read_npz(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if name == info.filename or name in arrays:
                raise InputError(f"unexpected member {info.filename!r}")
            kinds = "U" if name == _HEADER else _NUMERIC_KINDS
            with archive.open(info) as f:
                arrays[name] = _read_npy(f, info.file_size, kinds)
    header = arrays.pop(_HEADER, None)
    if header is None or header.shape != ():
        raise InputError("it has no isingml header")
    return str(header[()]), arrays


def _read_hdf5(path: Path, size: int) -> tuple[str, dict[str, np.ndarray]]:
    import h5py

    arrays: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as h5:
        header = h5.attrs.get(_HEADER)
        if isinstance(header, bytes):  # fixed-length (files before it: variable-length)
            header = header.decode("utf-8")
        if not isinstance(header, str):
            raise InputError("it has no isingml header")
        for name in h5:
            data = h5[name]
            if not isinstance(data, h5py.Dataset) or data.dtype.kind not in _NUMERIC_KINDS:
                raise InputError(f"{name!r} is not a numeric array")
            if data.chunks is None and data.size * data.dtype.itemsize > size:
                raise InputError(f"{name!r} declares more bytes than the file holds")
            arrays[name] = np.asarray(data[()])
    return header, arrays


class _Refusal(InputError):
    """A reason that stands as the whole message after the file's name."""


def _read(
    path: Path, kind: str, versions: tuple[int, ...]
) -> tuple[dict[str, Any], dict[str, np.ndarray], int]:
    """Everything :func:`load_arrays` checks; any failure is an exception to translate."""
    with open(path, "rb") as f:
        magic = f.read(8)
        size = os.fstat(f.fileno()).st_size
    if magic == b"\x89HDF\r\n\x1a\n":
        header_json, arrays = _read_hdf5(path, size)
    else:
        header_json, arrays = _read_npz(path)
    header = json.loads(header_json)
    if not isinstance(header, dict) or header.get("format") != FORMAT_TAG:
        raise InputError("it is not an isingml file")
    if header.get("kind") != kind:
        raise _Refusal(f"holds a {header.get('kind')!r}, not a {kind}")
    version = header.get("version")
    if type(version) is not int or version not in versions:
        raise _Refusal(
            f"{kind} file format version {version!r} is not one this isingml reads "
            f"({', '.join(map(str, versions))})"
        )
    meta_json = header.get("meta")
    if not isinstance(meta_json, str) or header.get("sha256") != _checksum(meta_json, arrays):
        raise _Refusal(f"the {kind} file is damaged (checksum mismatch)")
    meta = json.loads(meta_json)
    if not isinstance(meta, dict):
        raise InputError("its description is not a JSON object")
    return meta, arrays, version


def load_arrays(
    path: str | os.PathLike, kind: str, versions: tuple[int, ...] = (1,)
) -> tuple[dict[str, Any], dict[str, np.ndarray], int]:
    """Read a file written by :func:`save_arrays`, checking everything it can.

    Every way a file can fail to read (empty, truncated, not a zip or HDF5 file, a
    flipped byte, bad JSON, a missing header, an array of an unsupported dtype or
    declaring more bytes than are stored, a checksum mismatch) is one
    :class:`~isingml.errors.InputError` naming the file: whatever numpy, zipfile, zlib,
    h5py or json raise is translated here, so a caller sees nothing else for a damaged
    file.

    Parameters
    ----------
    path : path
        The file.
    kind : str
        The kind it must hold.
    versions : tuple of int
        The format versions this reader understands.

    Returns
    -------
    (dict, dict of str to ndarray, int)
        The description (a JSON object), the arrays (numeric or boolean) and the file's
        version.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    OSError
        When the file exists but cannot be opened (permissions, a directory).
    InputError
        Naming the file, when it is not an isingml file of that kind and a known version,
        or is damaged.
    ResourceError
        When a sound file's arrays do not fit in memory.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb"):  # permissions and directories are the system's errors
        pass
    try:
        return _read(path, kind, versions)
    except _Refusal as exc:
        raise InputError(f"{path}: {exc}") from None
    except InputError as exc:
        raise InputError(f"{path}: cannot read a {kind} ({exc})") from None
    except MemoryError:
        raise ResourceError(f"{path}: not enough memory to read the {kind}") from None
    except Exception as exc:  # every library's way of saying the bytes are not right
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise InputError(
            f"{path}: cannot read a {kind}: not an isingml file, or damaged ({reason})"
        ) from None
