"""The one persistence helper: atomic, checksummed, self-describing files."""

import json

import numpy as np
import pytest

from isingml._persistence import atomic_write, load_arrays, save_arrays
from isingml.errors import InputError

ARRAYS = {"w": np.arange(12.0).reshape(3, 4), "s": np.array([1, -1, 1], dtype=np.int8)}


@pytest.mark.parametrize("name", ["thing.npz", "thing.h5", "thing"])
def test_round_trip_keeps_dtypes_shapes_and_description(tmp_path, name):
    path = save_arrays(tmp_path / name, "Thing", 3, {"rule": "hebbian", "n": 3}, ARRAYS)
    assert path.exists() and path.suffix in (".npz", ".h5")
    meta, arrays, version = load_arrays(path, "Thing", versions=(3,))
    assert meta == {"rule": "hebbian", "n": 3} and version == 3
    for key, value in ARRAYS.items():
        assert arrays[key].dtype == value.dtype
        np.testing.assert_array_equal(arrays[key], value)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_kind_version_and_foreign_files_are_refused_naming_the_file(tmp_path):
    path = save_arrays(tmp_path / "a.npz", "Thing", 1, {}, ARRAYS)
    with pytest.raises(InputError, match=r"a\.npz: holds a 'Thing', not a Other"):
        load_arrays(path, "Other")
    with pytest.raises(InputError, match="format version 1 is not one"):
        load_arrays(path, "Thing", versions=(2,))
    np.savez(tmp_path / "plain.npz", x=np.zeros(2))
    with pytest.raises(InputError, match=r"plain\.npz: cannot read a Thing"):
        load_arrays(tmp_path / "plain.npz", "Thing")
    for damaged in (b"", b"PK\x03\x04 truncated", path.read_bytes()[:100]):
        (tmp_path / "bad.npz").write_bytes(damaged)
        with pytest.raises(InputError, match=r"bad\.npz"):
            load_arrays(tmp_path / "bad.npz", "Thing")
    with pytest.raises(FileNotFoundError):
        load_arrays(tmp_path / "missing.npz", "Thing")


def test_a_changed_array_or_description_fails_the_checksum(tmp_path):
    import h5py

    path = save_arrays(tmp_path / "a.h5", "Thing", 1, {"n": 3}, ARRAYS)
    with h5py.File(path, "r+") as f:
        f["w"][0, 0] = 99.0  # a silent change to the payload
    with pytest.raises(InputError, match="checksum mismatch"):
        load_arrays(path, "Thing")
    path = save_arrays(tmp_path / "b.h5", "Thing", 1, {"n": 3}, ARRAYS)
    with h5py.File(path, "r+") as f:
        header = json.loads(f.attrs["isingml"])
        header["meta"] = json.dumps({"n": 4})
        f.attrs["isingml"] = json.dumps(header)
    with pytest.raises(InputError, match="checksum mismatch"):
        load_arrays(path, "Thing")


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path):
    path = tmp_path / "model.npz"
    save_arrays(path, "Thing", 1, {"generation": 1}, ARRAYS)
    before = path.read_bytes()

    def failing(f, tmp):
        f.write(b"half a file")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, failing)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    assert load_arrays(path, "Thing")[0] == {"generation": 1}
    with pytest.raises(FileNotFoundError):
        save_arrays(tmp_path / "no" / "such" / "dir.npz", "Thing", 1, {}, ARRAYS)
