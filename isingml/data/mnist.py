"""MNIST in its IDX files: a reader (raw or gzip) and a download helper.

The four files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally ``.gz``) are looked
for in the directory given, or in ``$ISINGML_DATA``. Nothing is downloaded at import or
read time; :func:`download_mnist` fetches them on request and fails with a clear message
when offline.
"""

from __future__ import annotations

import gzip
import os
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from isingml.errors import InputError, ResourceError

__all__ = ["MNIST_FILES", "download_mnist", "load_mnist", "read_idx"]

#: File stems by (kind, part).
MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) into an array of its shape and type.

    Raises
    ------
    ValueError
        A file that is not IDX, or whose size does not match its header.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        data = gzip.decompress(f.read()) if head == b"\x1f\x8b" else f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise InputError(f"{path} is not an IDX file")
    dtype = np.dtype(_DTYPES[data[2]])
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise InputError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = data[4 + 4 * ndim :]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise InputError(f"{path}: {len(body)} data bytes, the header says {expected}")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _directory(directory: str | os.PathLike | None) -> Path:
    if directory is None:
        env = os.environ.get("ISINGML_DATA")
        if not env:
            raise InputError(
                "directory: give the folder holding the MNIST IDX files or set ISINGML_DATA "
                "(isingml.data.download_mnist fetches them when online)"
            )
        directory = env
    path = Path(directory)
    if not path.is_dir():
        raise InputError(f"directory: {path} does not exist")
    return path


def load_mnist(
    directory: str | os.PathLike | None = None, kind: str = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n, 28, 28)`` uint8 and labels ``(n,)`` uint8 of the training or test set.

    Parameters
    ----------
    directory : path, optional
        Folder with the IDX files (``.gz`` or raw, named ``train-images-idx3-ubyte`` or
        ``train-images.idx3-ubyte`` and so on); default ``$ISINGML_DATA``.
    kind : {"train", "test"}
    """
    if kind not in ("train", "test"):
        raise InputError(f"kind must be 'train' or 'test', got {kind!r}")
    folder = _directory(directory)
    parts = []
    for part in ("images", "labels"):
        stem = MNIST_FILES[(kind, part)]
        dotted = stem.replace("-idx", ".idx")  # the other common spelling
        names = (stem, stem + ".gz", dotted, dotted + ".gz")
        found = [folder / name for name in names if (folder / name).is_file()]
        if not found:
            raise InputError(
                f"directory: {folder} has no {stem}[.gz]; download_mnist({str(folder)!r}) "
                "fetches the four MNIST files"
            )
        parts.append(read_idx(found[0]))
    images, labels = parts
    if len(images) != len(labels):
        raise InputError(f"{folder}: {len(images)} images but {len(labels)} labels")
    return images, labels


def download_mnist(directory: str | os.PathLike, base_url: str = _MIRROR) -> Path:
    """Fetch the four gzip IDX files into ``directory`` (skipping those present).

    Raises
    ------
    ResourceError
        When a file cannot be fetched (offline, or the mirror is gone), naming the file and
        the folder to put it in by hand.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for stem in MNIST_FILES.values():
        target = folder / (stem + ".gz")
        if target.is_file() or (folder / stem).is_file():
            continue
        url = base_url + stem + ".gz"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                payload = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise ResourceError(
                f"cannot download {url} ({exc}); are you offline? Put {stem}.gz in {folder} "
                "by hand"
            ) from None
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(payload)
        read_idx(tmp)  # refuse a damaged download
        tmp.replace(target)
    return folder
