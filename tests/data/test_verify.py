"""verify, info and the reader on damaged files: metadata checksums, column checks,
format versions, byte flips anywhere in a file, bounded memory, escaped output."""

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from isingml.cli import main
from isingml.data import generate, generation, open_dataset, reader, schema, verify
from isingml.errors import InputError

V1_FILE = Path(__file__).parents[1] / "nn" / "data" / "pre_estimator_spins.h5"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify") / "small.h5"
    return generate(out, "8", "1.5:3.0:5", 20, thermalize=10, progress=False)


@pytest.fixture
def copy(tmp_path, small):
    out = tmp_path / "copy.h5"
    shutil.copyfile(small, out)
    return out


@pytest.fixture
def v1(tmp_path):
    out = tmp_path / "v1.h5"
    shutil.copyfile(V1_FILE, out)
    return out


def problems(path):
    return "\n".join(verify(path).problems)


# -- item 1: metadata and columns ----------------------------------------------------------


def test_a_fresh_file_is_version_2_and_verifies(small, capsys):
    with h5py.File(small, "r") as f:
        assert f.attrs["format_version"] == 2
        assert f["metadata/temperatures"].fletcher32
        assert f["metadata/attributes"].fletcher32
    report = verify(small)
    assert report.ok and report.notes == [] and report.checked == 100
    assert main(["verify", str(small)]) == 0
    assert capsys.readouterr().out.strip().endswith("OK (100 configurations checked)")


def test_a_version_1_file_reads_and_verifies_with_a_note(v1, capsys):
    with open_dataset(v1) as ds:
        assert ds.format_version == 1 and ds.spins(8).shape == (240, 8, 8)
    report = verify(v1)
    assert report.ok and report.notes and "no checksum" in report.notes[0]
    assert main(["verify", str(v1)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("NOTE format version 1") and out[-1].endswith("checked)")


def test_a_changed_temperature_attribute_is_named(copy):
    with h5py.File(copy, "r+") as f:
        t = f.attrs["temperatures"]
        assert t[2] == 2.25
        t[2] = 2.375  # one mantissa bit
        f.attrs["temperatures"] = t
    text = problems(copy)
    assert "root attribute 'temperatures' differs from the metadata record" in text


@pytest.mark.parametrize(
    ("name", "value"),
    [("J", 1.0000000000000002), ("seed", 1), ("created", "2000-01-01T00:00:00+00:00")],
)
def test_any_changed_root_attribute_fails_the_checksum(copy, name, value):
    with h5py.File(copy, "r+") as f:
        f.attrs[name] = value
    text = problems(copy)
    assert repr(name) in text


def test_an_added_attribute_and_a_changed_sha256_are_problems(copy, tmp_path):
    with h5py.File(copy, "r+") as f:
        f.attrs["extra"] = 1
    assert "'extra' is not in the metadata record" in problems(copy)
    other = tmp_path / "sha.h5"
    shutil.copyfile(copy, other)
    with h5py.File(other, "r+") as f:
        del f.attrs["extra"]
        f["metadata"].attrs["sha256"] = "0" * 64
    assert "metadata checksum" in problems(other)


def test_a_changed_temperature_attribute_of_a_version_1_file_shows_in_the_column(v1):
    with h5py.File(v1, "r+") as f:
        t = f.attrs["temperatures"]
        t[2] = 2.125
        f.attrs["temperatures"] = t
    assert "temperature 2.0, temperatures[2] = 2.125" in problems(v1)


def test_a_short_temperature_attribute_is_a_problem(copy):
    with h5py.File(copy, "r+") as f:
        f.attrs["temperatures"] = f.attrs["temperatures"][:3]
    assert "'temperatures' differs" in problems(copy)


def rewrite(path, column, change):
    with h5py.File(path, "r+") as f:
        values = f[f"L8/{column}"][...]
        change(values)
        f[f"L8/{column}"][...] = values


@pytest.mark.parametrize(
    ("column", "change", "message"),
    [
        ("temperature_index", lambda v: v.__setitem__(30, 1000), "row 30: temperature_index 1000"),
        ("temperature_index", lambda v: v.__setitem__(0, -1), "row 0: temperature_index -1"),
        (
            "temperature_index",
            lambda v: v.__setitem__(99, 3),
            "row 100: temperature_index 2 after",
        ),
        ("temperature", lambda v: v.__setitem__(5, 1.5000000000000002), "row 5: temperature 1.5"),
        ("chain", lambda v: v.__setitem__(7, 1), "row 7: chain 1, outside [0, 1)"),
        ("sweep", lambda v: v.__setitem__(8, 0), "row 8: sweep 0, must be >= 1"),
        ("energy", lambda v: v.__setitem__(9, v[9] + 1e-9), "row 9: stored (E, M)"),
    ],
)
def test_every_column_is_checked(v1, column, change, message):
    rewrite(v1, column, change)
    assert message in problems(v1)


def test_rows_per_temperature_are_counted(v1):
    rewrite(v1, "temperature_index", lambda v: v.__setitem__(39, 1))
    text = problems(v1)
    assert "T=1: 39 rows, samples = 40" in text and "T=1.5: 41 rows" in text


def test_missing_rows_are_a_problem(v1):
    with h5py.File(v1, "r+") as f:
        f.attrs["samples"] = 41
    assert "240 rows, samples x temperatures = 246" in problems(v1)


def replace_column(path, name, data, **filters):
    with h5py.File(path, "r+") as f:
        del f[name]
        f.create_dataset(name, data=data, chunks=True, **filters)


def test_a_column_without_its_filters_is_refused(copy, capsys):
    with h5py.File(copy, "r") as f:
        sweep = f["L8/sweep"][...]
    replace_column(copy, "L8/sweep", sweep)
    with pytest.raises(InputError, match="L8/sweep has no fletcher32 checksum"):
        verify(copy)
    replace_column(copy, "L8/sweep", sweep, fletcher32=True)
    assert main(["verify", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "copy.h5" in err[0] and "lacks its compression" in err[0]


@pytest.mark.parametrize(
    ("value", "shown"), [(99, "99"), ("one", "'one'"), (np.array([1, 2]), "ndarray")]
)
def test_unsupported_format_versions_are_refused_in_one_line(copy, capsys, value, shown):
    with h5py.File(copy, "r+") as f:
        f.attrs["format_version"] = value
    with pytest.raises(InputError, match=f"unsupported format version {shown}"):
        open_dataset(copy)
    for command in ("info", "verify"):
        assert main([command, str(copy)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "unsupported format version" in err[0]


def test_a_version_1_file_claiming_version_2_is_damaged(v1):
    with h5py.File(v1, "r+") as f:
        f.attrs["format_version"] = 2
    with pytest.raises(InputError, match=r"damaged dataset.*/metadata/temperatures missing"):
        open_dataset(v1)


def many_temperatures_plan(temps):
    text = json.dumps({"sizes": [2], "samples": 1, "temperatures": temps.tolist()})
    return SimpleNamespace(
        sizes=(2,),
        temperatures=tuple(temps),
        samples=1,
        chains=1,
        thermalize=0,
        interval=1,
        algorithm="metropolis",
        seed=0,
        J=1.0,
        h=0.0,
        to_json=lambda: text,
    )


def write_many(path, temps):
    """A dataset of one sample of L = 2 at each temperature, written by the schema."""
    plan = many_temperatures_plan(temps)
    n = temps.size
    with h5py.File(path, "w") as f:
        schema.write_metadata(f, plan)
        g = f.create_group("L2")
        schema.create_columns(g, 2, n)
        g["spins"][...] = 0  # every spin -1: E = -2 J, M = -1 per spin
        g["temperature"][...] = temps
        g["temperature_index"][...] = np.arange(n)
        g["energy"][...] = -2.0
        g["magnetization"][...] = -1.0
        g["chain"][...] = 0
        g["sweep"][...] = 1
    return plan


def test_a_hundred_thousand_temperatures(tmp_path):
    # More than a 64 KiB attribute holds: the temperatures and the plan (about 2 MB of
    # JSON) are in /metadata only.
    temps = 1.0 + np.arange(100_000) / 100_000
    path = tmp_path / "many.h5"
    plan = write_many(path, temps)
    with h5py.File(path, "r") as f:
        assert "temperatures" not in f.attrs and "plan" not in f.attrs
        assert f["metadata/plan"].fletcher32
        assert reader.plan_json(f) == plan.to_json()
    with open_dataset(path) as ds:
        np.testing.assert_array_equal(ds.temperatures, temps)
        assert ds.spins(2, temperatures=[temps[-1]]).shape == (1, 2, 2)
        assert "plan" not in ds.attrs and ds.plan == plan.to_json()
    report = verify(path)
    assert report.ok, report.problems[:3]


def test_a_resume_of_a_complete_file_reads_a_plan_kept_in_metadata(tmp_path):
    temps = 1.0 + np.arange(2000) / 2000
    path = tmp_path / "long_plan.h5"
    plan = write_many(path, temps)
    assert len(plan.to_json()) > schema.PLAN_ATTR_MAX
    generation._check_complete(path, plan)  # the same plan: nothing to do
    other = many_temperatures_plan(temps[:-1])
    with pytest.raises(InputError, match="was written with other arguments") as info:
        generation._check_complete(path, other)
    assert info.value.argument == "out"


def string_dtypes(path):
    """(where, dtype) of every attribute and dataset of a file."""
    found = []
    with h5py.File(path, "r") as f:

        def attributes(name, obj):
            for key in obj.attrs:
                found.append((f"{name}@{key}", obj.attrs.get_id(key).dtype))

        attributes("/", f)

        def visit(name, obj):
            attributes(name, obj)
            if isinstance(obj, h5py.Dataset):
                found.append((name, obj.dtype))

        f.visititems(visit)
    return found


def test_a_fresh_file_holds_no_variable_length_data(small, tmp_path):
    write_many(tmp_path / "many.h5", 1.0 + np.arange(3000) / 3000)
    for path in (small, tmp_path / "many.h5"):
        found = string_dtypes(path)
        assert len(found) > 20
        for where, dtype in found:
            info = h5py.check_string_dtype(dtype)
            assert info is None or info.length is not None, where
            assert h5py.check_vlen_dtype(dtype) is None and dtype.kind != "O", where
        assert b"GCOL" not in Path(path).read_bytes()  # no global heap
    with open_dataset(small) as ds:
        strings = [k for k, v in ds.attrs.items() if isinstance(v, str)]
        assert ds.plan == ds.attrs["plan"]
    assert len(strings) == 7 and ds.attrs["format"] == "isingml-spin-dataset"


def test_variable_length_string_attributes_read_and_verify_the_same(tmp_path, monkeypatch):
    # Files written before the strings were fixed-length store them variable-length.
    monkeypatch.setattr(schema, "write_text", lambda attrs, name, text: attrs.create(name, text))
    path = generate(tmp_path / "vlen.h5", "4", "2.0,3.0", 3, thermalize=1, progress=False)
    with h5py.File(path, "r") as f:
        assert h5py.check_string_dtype(f.attrs.get_id("plan").dtype).length is None
    report = verify(path)
    assert report.ok, report.problems
    with open_dataset(path) as ds:
        assert ds.attrs["algorithm"] == "metropolis" and ds.plan == ds.attrs["plan"]


def test_a_changed_or_missing_metadata_plan_is_a_problem(copy, tmp_path):
    other = tmp_path / "gone.h5"
    shutil.copyfile(copy, other)
    with h5py.File(copy, "r+") as f:
        data = f["metadata/plan"][...]
        data[data == ord("1")] = ord("2")
        f["metadata/plan"][...] = data
    text = problems(copy)
    assert "/metadata/plan differs from the metadata record" in text
    assert "root attribute 'plan' differs from /metadata/plan" in text
    with h5py.File(other, "r+") as f:
        del f["metadata/plan"]
    assert "/metadata/plan is missing (the metadata record has it)" in problems(other)


# -- item 2: a flipped byte anywhere -------------------------------------------------------


def content(path):
    """Every attribute and every dataset value of a file, for comparison."""
    found = {}
    with h5py.File(path, "r") as f:
        found["/"] = {k: np.asarray(v).tolist() for k, v in f.attrs.items()}

        def visit(name, obj):
            found[name + "@"] = {k: np.asarray(v).tolist() for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Dataset):
                found[name] = (obj.dtype.str, obj[...].tobytes())

        f.visititems(visit)
    return found


def heap_object_sizes(data):
    """Byte offsets of the object-size fields of the file's global heap collections."""
    found = set()
    at = data.find(b"GCOL")
    while at >= 0:
        end = at + int.from_bytes(data[at + 8 : at + 16], "little")
        p = at + 16
        while data[at + 4] == 1 and p + 16 <= end:
            found.update(range(p + 8, p + 16))
            if int.from_bytes(data[p : p + 2], "little") == 0:  # free space: the rest
                break
            p += 16 + -(-int.from_bytes(data[p + 8 : p + 16], "little") // 8) * 8
        at = data.find(b"GCOL", at + 4)
    return found


def test_a_flipped_byte_anywhere_is_found_or_harmless(tmp_path, small, capsys):
    original = Path(small).read_bytes()
    reference = content(small)
    rng = np.random.default_rng(11)
    # HDF5 (2.0.0) does not return from reading a variable-length string whose global
    # heap holds a damaged object size; a version 2 file has no global heap, so no byte
    # is left out. The first bytes of some strings, and the bytes before them (their
    # datatype and dataspace), are flipped too.
    assert heap_object_sizes(original) == set()
    with h5py.File(small, "r") as f:
        digest = bytes(f["metadata"].attrs["sha256"])
    strings = [b"isingml-spin-dataset", b'{"J"', b"Philox", b"isingml 0.", b"np.packbits", digest]
    starts = [original.find(text) for text in strings]
    assert min(starts) > 0
    targeted = [s + d for s in starts for d in (-9, -1, 0)]
    offsets = np.unique(
        np.concatenate([np.arange(0, 4096, 73), rng.integers(0, len(original), 50), targeted])
    )
    bad = tmp_path / "flipped.h5"
    passed = 0
    for offset in offsets:
        data = bytearray(original)
        data[offset] ^= 1 << int(rng.integers(8))
        bad.write_bytes(bytes(data))
        try:
            with open_dataset(bad) as ds:
                ds.spins(8)
                ds.counts(8)
        except (InputError, OSError):
            pass
        for command in ("info", "verify"):
            status = main([command, str(bad)])
            err = capsys.readouterr().err
            assert status in (0, 1, 2), (offset, command)
            assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, (offset, err)
            if status == 2:
                assert "flipped.h5" in err, (offset, err)
            if command == "verify" and status == 0:
                passed += 1
                try:
                    same = content(bad) == reference
                except (OSError, KeyError, ValueError, RuntimeError):
                    same = False
                assert same, f"verify passed a change at byte {offset}"
    assert passed > 0  # flips in unused bytes do not matter


# -- item 3: the reader refuses instead of returning wrong values ---------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint64, bool])
def test_unsigned_spin_dtypes_are_refused(small, dtype):
    with open_dataset(small) as ds:
        with pytest.raises(InputError, match="dtype must be a signed integer or float") as info:
            ds.spins(8, dtype=dtype)
        assert info.value.argument == "dtype"
        with pytest.raises(InputError, match="dtype"):
            ds.minibatches(8, 4, dtype=dtype)
        with pytest.raises(InputError, match="dtype"):
            next(ds.batches(8, 4, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.float32, np.float64])
def test_signed_spin_dtypes_give_plus_and_minus_one(small, dtype):
    with open_dataset(small) as ds:
        s = ds.spins(8, dtype=dtype)
    assert s.dtype == dtype and set(np.unique(s).tolist()) == {-1, 1}


def test_a_spins_column_too_narrow_for_L_is_refused(v1):
    with h5py.File(v1, "r") as f:
        spins = f["L8/spins"][:, :4]
    replace_column(v1, "L8/spins", spins, compression="gzip", shuffle=True, fletcher32=True)
    with pytest.raises(InputError, match="spins of L=8 hold 4 bytes per row, L\\*L needs 8"):
        open_dataset(v1)


def test_an_out_of_range_temperature_index_is_refused_by_the_reader(v1):
    rewrite(v1, "temperature_index", lambda v: v.__setitem__(239, 6))
    with open_dataset(v1) as ds:
        with pytest.raises(InputError, match="temperature_index of L=8 row 239 is 6"):
            ds.spins(8, temperatures=[3.5])
        with pytest.raises(InputError, match="damaged dataset"):
            ds.counts(8)


# -- item 4: bounded memory ----------------------------------------------------------------


def test_verify_reads_in_blocks_of_bounded_bytes(tmp_path, monkeypatch):
    path = generate(tmp_path / "wide.h5", "32", "2.0,3.0", 30, thermalize=2, progress=False)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1000)
    row_bytes = 32 * 32 // 8 + 4 + 4 + 8 + 8 + 8 + 8 + 8
    reads = []
    real = h5py.Dataset.__getitem__

    def spy(self, key):
        out = real(self, key)
        if self.name.startswith("/L32/"):
            reads.append(np.asarray(out).shape[0] if np.ndim(out) else 1)
        return out

    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
    report = verify(path)
    assert report.ok and report.checked == 60
    assert reads and max(reads) == 1000 // row_bytes
    assert sum(reads) == 7 * 60  # every column, every row, once


@pytest.mark.parametrize("L", [1, 2, 3, 5, 8, 13])
def test_energy_from_packed_spins_matches_the_unpacked_formula(L):
    rng = np.random.default_rng(L)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(7, L, L))
    e, m = reader._energy_magnetization(schema.pack_spins(s), L, 1.5, 0.25)
    t = s.astype(np.int64)
    bonds = (t * np.roll(t, 1, axis=1) + t * np.roll(t, 1, axis=2)).sum(axis=(1, 2))
    np.testing.assert_allclose(m, t.sum(axis=(1, 2)) / (L * L), rtol=0, atol=1e-15)
    np.testing.assert_allclose(e, -1.5 * bonds / (L * L) - 0.25 * m, rtol=0, atol=1e-12)


# -- item 5: escaped output ----------------------------------------------------------------


def test_info_and_verify_escape_attribute_strings(v1, capsys):
    with h5py.File(v1, "r+") as f:
        f.attrs["algorithm"] = "\x1b[2J\nOK"
        f.attrs["versions"] = "x\rOK\x9b"
    assert main(["info", str(v1)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\x9b" not in out
    assert "OK" not in out.splitlines()
    assert "(\\x1b[2J\\nOK, J=1" in out and "x\\rOK\\x9b" in out
    shutil.copyfile(V1_FILE, v1)
    with h5py.File(v1, "r+") as f:
        f.attrs["plan"] = json.dumps({"algorithm": "\x1b[2J\nOK"})
    assert main(["verify", str(v1)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001b[2J\\nOK" in out
