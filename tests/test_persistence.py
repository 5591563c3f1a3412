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


# -- a corpus of damaged files: every loader gives back the model or one InputError ------


def _small_models():
    from isingml.hopfield import HopfieldNetwork
    from isingml.ising.model import IsingModel
    from isingml.nn import Autoencoder, Sequential
    from isingml.nn.autoencoder import VariationalAutoencoder
    from isingml.nn.layers import Dense, ReLU
    from isingml.rbm import RBM
    from isingml.spinglass import SherringtonKirkpatrick, parallel_tempering
    from isingml.spinglass.tempering import TemperingResult

    x = np.random.default_rng(0).choice([-1.0, 1.0], size=(20, 9))
    small = {"n_epochs": 1, "seed": 0}
    coders = {"encoder_widths": (), "latent_dim": 1, "decoder_widths": (4,), **small}
    net = Sequential(layers=[Dense(3), ReLU(), Dense(2)], loss="mse", **small)
    tempering = parallel_tempering(
        SherringtonKirkpatrick(6), [0.5, 1.0], 20, bins=4, progress=False
    )
    return {
        "Sequential": (Sequential, net.fit(x, x[:, :2])),
        "Autoencoder": (Autoencoder, Autoencoder(**coders).fit(x)),
        "VariationalAutoencoder": (Autoencoder, VariationalAutoencoder(**coders).fit(x)),
        "RBM": (RBM, RBM(n_hidden=3, **small).fit((x > 0).astype(float))),
        "HopfieldNetwork": (HopfieldNetwork, HopfieldNetwork().fit(x[:2].astype(np.int8))),
        "IsingModel": (IsingModel, IsingModel(4, beta=0.4, seed=1)),
        "TemperingResult": (TemperingResult, tempering),
    }


def _damaged(raw: bytes, seed: int):
    for length in (0, 1, len(raw) // 2, len(raw) - 1):
        yield f"truncated to {length} bytes", raw[:length]
    for offset in np.random.default_rng(seed).integers(0, len(raw), 50):
        flipped = bytearray(raw)
        flipped[offset] ^= 0xFF
        yield f"byte {offset} flipped", bytes(flipped)


def _saved_contents(obj, directory, kind):
    """The description and arrays ``obj`` saves, to compare two models by."""
    path = obj.save(directory / "resaved.npz")
    meta, arrays, _ = load_arrays(path, kind)
    path.unlink()
    return meta, arrays


@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_every_loader_returns_the_model_or_one_input_error_for_a_damaged_file(tmp_path, suffix):
    for seed, (name, (cls, obj)) in enumerate(_small_models().items()):
        kind = cls.__name__
        raw = obj.save(tmp_path / f"{name}{suffix}").read_bytes()
        want = _saved_contents(obj, tmp_path, kind)
        damaged = tmp_path / f"damaged{suffix}"
        for label, content in _damaged(raw, seed):
            damaged.write_bytes(content)
            try:
                loaded = cls.load(damaged)
            except InputError as exc:
                assert damaged.name in str(exc), (name, label, str(exc))
                continue
            except Exception as exc:  # the defect: anything else escaping a loader
                pytest.fail(f"{name}{suffix}, {label}: {type(exc).__name__}: {exc}")
            meta, arrays = _saved_contents(loaded, tmp_path, kind)
            assert meta == want[0] and arrays.keys() == want[1].keys(), (name, label)
            for key, value in want[1].items():
                np.testing.assert_array_equal(arrays[key], value, err_msg=f"{name} {label}")


def test_an_array_declaring_more_bytes_than_stored_is_refused_without_allocating(tmp_path):
    import zipfile

    path = save_arrays(tmp_path / "a.npz", "Thing", 1, {}, {"w": np.zeros(4)})
    with zipfile.ZipFile(path) as z:
        members = {info.filename: z.read(info) for info in z.infolist()}
    members["w.npy"] = members["w.npy"].replace(b"(4,)", b"(1099511627776,)", 1)
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    with pytest.raises(InputError, match=r"huge\.npz: cannot read a Thing .*declares"):
        load_arrays(tmp_path / "huge.npz", "Thing")


def test_a_crafted_tempering_result_of_the_wrong_shape_is_refused(tmp_path):
    from isingml.spinglass.tempering import TemperingResult

    result = _small_models()["TemperingResult"][1]
    path = result.save(tmp_path / "pt.npz")
    meta, arrays, _ = load_arrays(path, "TemperingResult")
    for name, value in [("histograms", np.zeros((1, 2, 3), np.int64)), ("sums", np.zeros(3))]:
        save_arrays(path, "TemperingResult", 1, meta, {**arrays, name: value})
        with pytest.raises(InputError, match=rf"pt\.npz: not a valid .*{name}"):
            TemperingResult.load(path)
    save_arrays(path, "TemperingResult", 1, {**meta, "n": "6"}, arrays)
    with pytest.raises(InputError, match="n is '6'"):
        TemperingResult.load(path)


def test_crafted_files_with_valid_checksums_but_impossible_contents_are_refused(tmp_path):
    # A file can pass its checksum and still describe no model: each such is one
    # InputError naming the file, not an IndexError or ZeroDivisionError from inside.
    models = _small_models()
    cases = []
    cls, net = models["HopfieldNetwork"]
    path = net.save(tmp_path / "hop.npz")
    meta, arrays, _ = load_arrays(path, "HopfieldNetwork")
    for name, value in [
        ("weights", np.array(1.0)),
        ("weights", np.zeros((9, 8))),
        ("thresholds", np.zeros(3)),
        ("patterns", np.ones((2, 4), np.int8)),
        ("weights", np.zeros((9, 9), np.complex128)),
    ]:
        cases.append((cls, "HopfieldNetwork", meta, {**arrays, name: value}))
    for kind in ("Sequential", "Autoencoder"):
        cls, model = models[kind]
        meta, arrays, _ = load_arrays(model.save(tmp_path / f"{kind}.npz"), kind)
        if kind == "Sequential":
            broken = {**meta, "input_shape": [0]}
        else:
            broken = {**meta, "encoder": {**meta["encoder"], "input_shape": [0]}}
        cases.append((cls, kind, broken, arrays))
    for i, (cls, kind, meta, arrays) in enumerate(cases):
        crafted = save_arrays(tmp_path / f"crafted{i}.npz", kind, 1, meta, arrays)
        with pytest.raises(InputError, match=rf"crafted{i}\.npz"):
            cls.load(crafted)
