"""Whole-chunk column writing: the chunks hold what HDF5 itself would store."""

import zlib

import h5py
import numpy as np
import pytest

from isingml.data.chunks import ChunkedColumnWriter, encode_chunk, fletcher32
from isingml.data.schema import create_columns


def fletcher32_reference(data: bytes) -> int:
    # Fletcher-32 over big-endian 16-bit words, sums modulo 65535 in ones' complement
    # (0 and 65535 are the same residue; HDF5 keeps whichever its reductions leave).
    if len(data) % 2:
        data += b"\0"
    words = np.frombuffer(data, dtype=">u2").astype(np.int64)
    s1 = s2 = 0
    for w in words:
        s1 = (s1 + w) % 65535
        s2 = (s2 + s1) % 65535
    return s2, s1


@pytest.mark.parametrize("n", [1, 2, 3, 719, 720, 721, 5000])
def test_fletcher32_is_the_fletcher_checksum(n):
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8)
    c = fletcher32(data)
    s2, s1 = fletcher32_reference(data.tobytes())
    assert (c >> 16) % 65535 == s2 and (c & 0xFFFF) % 65535 == s1


@pytest.mark.parametrize("n", [1, 2, 3, 361, 720, 4097])
def test_fletcher32_matches_what_hdf5_stores(tmp_path, n):
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("x", data=data, chunks=(n,), fletcher32=True)
        stored = f["x"].id.read_direct_chunk((0,))[1]
    assert stored[:-4] == data.tobytes()
    assert int.from_bytes(stored[-4:], "little") == fletcher32(data)


def _columns(n, L, seed):
    rng = np.random.default_rng(seed)
    sparse = rng.random((n, (L * L + 7) // 8)) < 0.3
    return {
        "spins": (sparse * rng.integers(0, 256, sparse.shape)).astype(np.uint8),
        "energy": rng.normal(size=n),
        "temperature_index": rng.integers(0, 30, n).astype(np.int32),
        "sweep": np.arange(n, dtype=np.int64),
    }


@pytest.mark.parametrize("compression", ["gzip", "lzf"])
@pytest.mark.parametrize(("n", "L", "piece"), [(5000, 32, 777), (700, 6, 1), (64, 128, 64)])
def test_writer_stores_the_chunks_hdf5_would(tmp_path, compression, n, L, piece):
    data = _columns(n, L, n)
    with h5py.File(tmp_path / "a.h5", "w") as a, h5py.File(tmp_path / "b.h5", "w") as b:
        create_columns(a, L, n, compression)
        create_columns(b, L, n, compression)
        for name, values in data.items():
            a[name][:] = values  # HDF5's own filter pipeline
            writer = ChunkedColumnWriter(b[name])
            for start in range(0, n, piece):
                writer.append(values[start : start + piece])
            writer.close()
    with h5py.File(tmp_path / "a.h5", "r") as a, h5py.File(tmp_path / "b.h5", "r") as b:
        for name, values in data.items():
            np.testing.assert_array_equal(b[name][:], values)  # checksums checked on read
            ours, theirs = b[name].id, a[name].id
            assert ours.get_num_chunks() == theirs.get_num_chunks()
            for i in range(theirs.get_num_chunks()):
                offset = theirs.get_chunk_info(i).chunk_offset
                mask, mine = ours.read_direct_chunk(offset)
                their_mask, reference = theirs.read_direct_chunk(offset)
                assert mask == their_mask == 0
                if compression == "gzip":
                    # The same filtered bytes before deflate (deflate's output may differ
                    # between zlib builds), and a checksum of the stored bytes.
                    assert zlib.decompress(mine[:-4]) == zlib.decompress(reference[:-4])
                    checksum = fletcher32(np.frombuffer(mine[:-4], np.uint8))
                    assert int.from_bytes(mine[-4:], "little") == checksum
                else:
                    assert mine == reference


def test_encoded_chunk_is_shuffled_deflate_with_checksum():
    chunk = np.arange(10, dtype=np.float64)
    data = encode_chunk(chunk, 1)
    raw = zlib.decompress(data[:-4])
    assert raw == chunk.view(np.uint8).reshape(10, 8).T.tobytes()
    assert int.from_bytes(data[-4:], "little") == fletcher32(np.frombuffer(data[:-4], np.uint8))


def test_writer_scalar_rows_and_length_checks(tmp_path):
    with h5py.File(tmp_path / "c.h5", "w") as f:
        create_columns(f, 4, 10, "gzip")
        writer = ChunkedColumnWriter(f["chain"])
        writer.append(7, 6)
        with pytest.raises(ValueError, match="more rows than its length"):
            writer.append(np.zeros(5, np.int32))
        with pytest.raises(ValueError, match="6 of 10 rows"):
            writer.close()
        writer.append(np.arange(4, dtype=np.int32))
        writer.close()
        np.testing.assert_array_equal(f["chain"][:], [7] * 6 + [0, 1, 2, 3])
        f.create_dataset("contiguous", (4,), dtype="f4")
        with pytest.raises(ValueError, match="chunked by rows"):
            ChunkedColumnWriter(f["contiguous"])
