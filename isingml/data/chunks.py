"""Whole-chunk writing of dataset columns, with the HDF5 filters applied outside HDF5.

The assembly of a dataset copies rows in order, so every chunk is written exactly once and
whole. For gzip columns the filter pipeline that h5py would run (shuffle, deflate,
fletcher32, in that order) is applied here and the finished chunk is stored with
``write_direct_chunk``: ``zlib.compress`` and :func:`fletcher32` run without the GIL, so
the compression of one task overlaps the simulation of the next on another core, where
HDF5's own filters would hold the GIL (and h5py's lock) for the whole write. The chunks are
ordinary HDF5 chunks: any HDF5 reader decodes them and checks their checksums. Other
filters (lzf) go through h5py, still one whole chunk per write.
"""

from __future__ import annotations

import zlib

import h5py
import numba
import numpy as np

from isingml.errors import InputError

__all__ = ["ChunkedColumnWriter", "encode_chunk", "fletcher32"]


@numba.njit(cache=True, nogil=True)
def fletcher32(data: np.ndarray) -> int:
    """HDF5's Fletcher-32 checksum of a byte buffer (``H5_checksum_fletcher32``).

    Big-endian 16-bit words summed in blocks of 360 with end-around carry; an odd last
    byte counts as the high byte of a word.

    Parameters
    ----------
    data : ndarray of uint8, 1-D

    Returns
    -------
    int
        The 32-bit checksum ``sum2 << 16 | sum1``.
    """
    n = data.shape[0]
    words = n // 2
    sum1 = np.int64(0)
    sum2 = np.int64(0)
    i = 0
    while words > 0:
        block = min(words, 360)
        words -= block
        for _ in range(block):
            sum1 += (np.int64(data[i]) << 8) | np.int64(data[i + 1])
            sum2 += sum1
            i += 2
        sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
        sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
    if n % 2:
        sum1 += np.int64(data[n - 1]) << 8
        sum2 += sum1
        sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
        sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
    sum1 = (sum1 & 0xFFFF) + (sum1 >> 16)
    sum2 = (sum2 & 0xFFFF) + (sum2 >> 16)
    return (sum2 << 16) | sum1


def encode_chunk(chunk: np.ndarray, level: int, shuffle: bool = True) -> bytes:
    """One chunk through HDF5's shuffle, deflate and fletcher32 filters.

    Parameters
    ----------
    chunk : ndarray
        The whole chunk (edge chunks padded to full size), C-contiguous.
    level : int
        Deflate level, 0-9.
    shuffle : bool
        Apply the byte shuffle first (a no-op for 1-byte types).

    Returns
    -------
    bytes
        What HDF5 stores for the chunk: the zlib stream, then the checksum as a
        little-endian 32-bit word.
    """
    data = np.ascontiguousarray(chunk)
    size = data.dtype.itemsize
    if shuffle and size > 1:
        raw = data.reshape(-1).view(np.uint8).reshape(-1, size).T.tobytes()
    else:
        raw = data.tobytes()
    packed = zlib.compress(raw, level)
    checksum = fletcher32(np.frombuffer(packed, dtype=np.uint8))
    return packed + int(checksum).to_bytes(4, "little")


class ChunkedColumnWriter:
    """Append rows to a chunked dataset in order, writing each chunk once, whole.

    Parameters
    ----------
    dataset : h5py.Dataset
        An empty, fixed-size, chunked dataset (chunked along the first axis only).
    """

    def __init__(self, dataset: h5py.Dataset) -> None:
        if dataset.chunks is None or tuple(dataset.chunks[1:]) != tuple(dataset.shape[1:]):
            raise InputError(f"dataset {dataset.name} must be chunked by rows")
        self.dataset = dataset
        self.rows = dataset.chunks[0]
        self.buffer = np.zeros((self.rows, *dataset.shape[1:]), dtype=dataset.dtype)
        self.start = 0  # first row of the buffered chunk
        self.filled = 0  # rows of it filled
        self._level = None
        if dataset.compression == "gzip" and dataset.fletcher32:
            self._level = int(dataset.compression_opts)
        self._shuffle = bool(dataset.shuffle)

    def append(self, values: np.ndarray | float | int, count: int | None = None) -> None:
        """Append rows (``count`` copies of a scalar when ``count`` is given)."""
        if count is not None:
            values = np.full((count, *self.buffer.shape[1:]), values, dtype=self.buffer.dtype)
        values = np.asarray(values)
        done = 0
        total = values.shape[0]
        if self.start + self.filled + total > self.dataset.shape[0]:
            raise InputError(f"dataset {self.dataset.name}: more rows than its length")
        while done < total:
            take = min(self.rows - self.filled, total - done)
            self.buffer[self.filled : self.filled + take] = values[done : done + take]
            self.filled += take
            done += take
            if self.filled == self.rows:
                self._write()

    def close(self) -> None:
        """Write the last, partial chunk; every row must have been appended."""
        appended = self.start + self.filled
        if appended < self.dataset.shape[0]:
            raise InputError(
                f"dataset {self.dataset.name}: {appended} of {self.dataset.shape[0]} rows"
            )
        if self.filled:
            self.buffer[self.filled :] = 0  # HDF5 pads edge chunks with the fill value
            self._write()

    def _write(self) -> None:
        n = min(self.rows, self.dataset.shape[0] - self.start)
        if self._level is None:
            self.dataset[self.start : self.start + n] = self.buffer[:n]
        else:
            offset = (self.start,) + (0,) * (self.buffer.ndim - 1)
            data = encode_chunk(self.buffer, self._level, self._shuffle)
            self.dataset.id.write_direct_chunk(offset, data)
        self.start += self.rows
        self.filled = 0
