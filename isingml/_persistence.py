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
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from isingml.errors import InputError

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
                h5.attrs[_HEADER] = header
                for name, value in arrays.items():
                    h5.create_dataset(name, data=value)

    else:

        def write(f: IO[bytes], tmp: Path) -> None:
            np.savez_compressed(f, **{_HEADER: np.array(header)}, **arrays)

    return atomic_write(path, write)


def _read(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == b"\x89HDF\r\n\x1a\n":
        import h5py

        with h5py.File(path, "r") as h5:
            header = h5.attrs[_HEADER]
            arrays = {name: h5[name][()] for name in h5}
        return str(header), arrays
    with np.load(path, allow_pickle=False) as z:
        header = str(z[_HEADER])
        arrays = {name: z[name] for name in z.files if name != _HEADER}
    return header, arrays


def load_arrays(
    path: str | os.PathLike, kind: str, versions: tuple[int, ...] = (1,)
) -> tuple[dict[str, Any], dict[str, np.ndarray], int]:
    """Read a file written by :func:`save_arrays`, checking everything it can.

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
        The description, the arrays and the file's version.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    InputError
        Naming the file, when it is not an isingml file of that kind and a known version,
        or is damaged (truncated, checksum mismatch, missing pieces).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        header_json, arrays = _read(path)
        header = json.loads(header_json)
        if not isinstance(header, dict) or header.get("format") != FORMAT_TAG:
            raise InputError("it is not an isingml file")
    except InputError as exc:
        raise InputError(f"{path}: cannot read a {kind} ({exc})") from None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        raise InputError(
            f"{path}: cannot read a {kind}: not an isingml file, or damaged ({reason})"
        ) from None
    if header.get("kind") != kind:
        raise InputError(f"{path}: holds a {header.get('kind')!r}, not a {kind}")
    version = header.get("version")
    if version not in versions:
        raise InputError(
            f"{path}: {kind} file format version {version!r} is not one this isingml reads "
            f"({', '.join(map(str, versions))})"
        )
    meta_json = header.get("meta")
    if not isinstance(meta_json, str) or header.get("sha256") != _checksum(meta_json, arrays):
        raise InputError(f"{path}: the {kind} file is damaged (checksum mismatch)")
    return json.loads(meta_json), arrays, int(version)
