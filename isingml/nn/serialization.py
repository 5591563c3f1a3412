"""Model files without pickle: a JSON description plus named arrays, in ``.npz`` or HDF5.

The format is chosen by the file name: ``.h5``/``.hdf5`` is HDF5 (the description in the
root attribute ``meta``, one dataset per array), anything else ``.npz`` (the description in
the array ``meta``). Reading recognises either by content.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

__all__ = ["read_model_file", "write_model_file"]

_HDF5_SUFFIXES = (".h5", ".hdf5")


def write_model_file(path: str | Path, meta: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``meta`` (JSON-serialisable) and ``arrays``; returns the path written.

    A name without a known suffix gets ``.npz`` (as :func:`numpy.savez` does).
    """
    path = Path(path)
    if path.suffix.lower() in _HDF5_SUFFIXES:
        tmp = path.with_name(path.name + ".tmp")
        try:
            with h5py.File(tmp, "w") as f:
                f.attrs["meta"] = json.dumps(meta)
                for name, value in arrays.items():
                    f.create_dataset(name, data=np.asarray(value))
            tmp.replace(path)  # never a half-written model under the final name
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def read_model_file(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """The description and the arrays of a file written by :func:`write_model_file`.

    Raises
    ------
    OSError, ValueError, KeyError
        When the file is missing or is not such a file (callers turn these into one clear
        ``ValueError`` naming the model class).
    """
    path = Path(path)
    if not path.is_file():
        raise OSError(f"no such file {path}")
    if h5py.is_hdf5(path):
        with h5py.File(path, "r") as f:
            meta = json.loads(f.attrs["meta"])
            arrays = {name: f[name][...] for name in f}
        return meta, arrays
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        arrays = {name: f[name] for name in f.files if name != "meta"}
    return meta, arrays
