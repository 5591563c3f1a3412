"""Dataset generation: crash safety, resume, Dask, physics of the samples, bad input."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from isingml.cli import main
from isingml.data import generate, open_dataset, verify
from isingml.ising.exact import finite_lattice_energy
from isingml.stats import mean_with_error

ARGS = {
    "sizes": "8,16",
    "temperatures": "1.5:3.5:6",
    "samples": 150,
    "thermalize": 300,
    "interval": 4,
    "seed": 7,
}


def cli_args(out, **extra):
    args = ["generate", "--out", str(out), "--quiet"]
    for key, value in (ARGS | extra).items():
        args.append(f"--{key}={value}")
    return args


def assert_same_columns(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        assert sorted(fa) == sorted(fb)
        for group in fa:
            assert sorted(fa[group]) == sorted(fb[group])
            for name in fa[group]:
                np.testing.assert_array_equal(fa[group][name][...], fb[group][name][...])
        for key in ("sizes", "temperatures", "seed", "plan", "algorithm"):
            np.testing.assert_array_equal(fa.attrs[key], fb.attrs[key])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "ref.h5"
    generate(out, progress=False, **ARGS)
    return out


def test_sigkill_at_three_moments_then_resume_gives_the_same_bits(tmp_path, reference):
    out = tmp_path / "killed.h5"
    parts = tmp_path / "killed.h5.parts"
    n_tasks = 2 * 6
    cmd = [sys.executable, "-m", "isingml.cli", *cli_args(out)]
    # Kill when the first shard is complete, when half are, and when all are (assembly).
    for threshold in (1, n_tasks // 2, n_tasks):
        proc = subprocess.Popen([*cmd, "--resume"], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if parts.is_dir() and len(list(parts.glob("L*.h5"))) >= threshold:
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if threshold < n_tasks:  # the last kill may come after the run has finished
            assert proc.returncode == -signal.SIGKILL
        # Every completed shard is readable.
        for shard in parts.glob("L*.h5") if parts.is_dir() else []:
            with h5py.File(shard, "r") as f:
                assert f["spins"].shape[0] == 150
    assert main([*cli_args(out), "--resume"]) == 0
    assert_same_columns(out, reference)
    assert verify(out).ok
    assert not parts.exists() and not (tmp_path / "killed.h5.lock").exists()


def test_dask_local_cluster_writes_the_same_file(tmp_path, reference):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "dask.h5"
    generate(out, workers=2, progress=False, **ARGS)
    assert_same_columns(out, reference)


def test_dask_client_from_python(tmp_path, reference):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        out = generate(tmp_path / "client.h5", client=client, progress=False, **ARGS)
    assert_same_columns(out, reference)


def test_mean_energy_matches_kaufman_within_three_errors(reference):
    # Rows of one (size, temperature) are one chain in sampling order: a time series.
    with open_dataset(reference) as ds:
        for L in ds.sizes:
            energy = ds.column(L, "energy")
            tindex = ds.column(L, "temperature_index")
            for t, T in enumerate(ds.temperatures):
                stats = mean_with_error(energy[tindex == t])
                assert abs(stats.mean - finite_lattice_energy(L, T)) < 3 * stats.error, (L, T)


def test_reader_counts_spins_and_columns(reference):
    with open_dataset(reference) as ds:
        assert ds.sizes == (8, 16)
        np.testing.assert_allclose(ds.temperatures, np.linspace(1.5, 3.5, 6))
        assert ds.counts(16) == {float(T): 150 for T in ds.temperatures}
        s = ds.spins(16, temperatures=[1.5])
        assert s.shape == (150, 16, 16) and s.dtype == np.int8
        assert set(np.unique(s)) <= {-1, 1}
        m = ds.column(16, "magnetization")[ds.column(16, "temperature_index") == 0]
        np.testing.assert_allclose(s.mean(axis=(1, 2)), m)
        f = ds.spins(8, dtype=np.float32)
        assert f.dtype == np.float32 and f.shape == (900, 8, 8)


def test_batches_stream_every_wanted_sample_once(reference):
    with open_dataset(reference) as ds:
        wanted = [2.3, 3.1]
        expected = ds.spins(16, temperatures=wanted).reshape(300, -1)
        got, temps = [], []
        for spins, t in ds.batches(16, 64, shuffle=True, seed=3, temperatures=wanted):
            assert spins.dtype == np.float32 and spins.shape[1:] == (16, 16)
            assert spins.shape[0] <= 64
            got.append(spins.reshape(spins.shape[0], -1))
            temps.append(t)
        got = np.concatenate(got)
        assert sorted(np.round(np.concatenate(temps), 6)) == sorted([2.3] * 150 + [3.1] * 150)
        key = lambda a: sorted(map(bytes, (a > 0).astype(np.uint8)))  # noqa: E731
        assert key(got) == key(expected)
        # Reproducible for a seed, and different for another.
        first = next(ds.batches(16, 64, seed=3, temperatures=wanted))[0]
        again = next(ds.batches(16, 64, seed=3, temperatures=wanted))[0]
        other = next(ds.batches(16, 64, seed=4, temperatures=wanted))[0]
        np.testing.assert_array_equal(first, again)
        assert not np.array_equal(first, other)


def test_existing_output_is_refused_and_resume_of_a_complete_file_is_a_no_op(tmp_path):
    out = tmp_path / "d.h5"
    small = {"sizes": "4", "temperatures": "2.0", "samples": 5, "thermalize": 10}
    generate(out, progress=False, **small)
    before = out.read_bytes()
    with pytest.raises(ValueError, match="exists; pass resume=True") as refused:
        generate(out, progress=False, **small)
    assert refused.value.argument == "out"
    generate(out, resume=True, progress=False, **small)
    assert out.read_bytes() == before
    with pytest.raises(ValueError, match="written with other arguments"):
        generate(out, resume=True, progress=False, **(small | {"samples": 6}))
    generate(out, overwrite=True, progress=False, **(small | {"samples": 6}))
    with open_dataset(out) as ds:
        assert ds.n_samples(4) == 6


def test_a_second_writer_is_refused_by_the_lock(tmp_path):
    import fcntl

    out = tmp_path / "d.h5"
    with open(tmp_path / "d.h5.lock", "w") as held:  # a live writer holds the flock
        held.write(str(os.getpid()))
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match=f"another run \\(pid {os.getpid()}\\) is writing"):
            generate(out, "4", "2.0", 5, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5.lock"]


def test_a_stale_lock_is_taken_over(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp_path / "d.h5.lock").write_text(proc.stdout.strip())  # that process has ended
    generate(tmp_path / "d.h5", "4", "2.0", 5, thermalize=10, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"temperatures": "3.0:1.0:5"},
            "argument --temperatures: temperatures must be strictly increasing",
        ),
        (
            {"temperatures": "2.0:2.5:0"},
            "argument --temperatures: temperatures must have a count >= 1",
        ),
        ({"temperatures": ","}, "argument --temperatures: temperatures must not be empty"),
        (
            {"temperatures": "a:b:c"},
            "argument --temperatures: temperatures must be 'start:stop:count'",
        ),
        ({"temperatures": "-1,2"}, "argument --temperatures: temperatures must be finite and > 0"),
        ({"samples": 0}, "argument --samples: must be an integer >= 1, got 0"),
        ({"samples": -4}, "argument --samples: must be an integer >= 1, got -4"),
        ({"sizes": "7"}, "argument --sizes: sizes must be an even integer >= 2, got 7"),
        ({"sizes": "0,16"}, "argument --sizes: sizes must be an even integer >= 2, got 0"),
        ({"sizes": "x"}, "argument --sizes: sizes must be a comma list"),
        ({"chains": 500}, "argument --chains: must be <= --samples (150), got 500"),
        ({"algorithm": "exchange"}, "argument --algorithm: invalid choice: 'exchange'"),
        (
            {"algorithm": "wolff", "field": 0.5},
            "argument --field: --algorithm wolff needs h = 0, got 0.5",
        ),
        (
            {"kernel": "multispin", "algorithm": "wolff"},
            "argument --kernel: kernel 'multispin' runs",
        ),
        ({"threads": 0}, "argument --threads: must be an integer >= 1, got 0"),
        ({"seed": 2**32}, "argument --seed: must be an integer in [0, 2**32)"),
        ({"workers": 0}, "argument --workers: must be an integer >= 1"),
        (
            {"workers": 2, "scheduler": "tcp://h:1"},
            "argument --scheduler: not allowed with argument --workers",
        ),
        (
            {"scheduler": "nowhere"},
            "argument --scheduler: must be an address like tcp://host:8786",
        ),
        (
            {"scheduler": "tcp://127.0.0.1:1"},
            "argument --scheduler: cannot reach tcp://127.0.0.1:1",
        ),
    ],
)
def test_bad_arguments_fail_before_any_work_and_leave_no_files(tmp_path, capsys, extra, message):
    before = set(tmp_path.iterdir())
    assert main(cli_args(tmp_path / "x.h5", **extra)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert set(tmp_path.iterdir()) == before


def test_missing_or_unwritable_output_directory(tmp_path, capsys, monkeypatch):
    assert main(cli_args(tmp_path / "no" / "x.h5")) == 2
    assert f"argument --out: directory {tmp_path / 'no'} does not exist" in capsys.readouterr().err
    # Permission bits do not bind root, so the check is exercised through os.access.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert main(cli_args(tmp_path / "x.h5")) == 2
    assert capsys.readouterr().err.strip() == (
        f"isingml: error: argument --out: directory {tmp_path} is not writable"
    )
    assert list(tmp_path.iterdir()) == []


def test_truncated_file_is_a_clear_error(tmp_path, reference, capsys):
    bad = tmp_path / "truncated.h5"
    data = Path(reference).read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated\.h5"):
        open_dataset(bad)
    for command in ("info", "verify"):
        assert main([command, str(bad)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "truncated.h5" in err[0] and "Traceback" not in err[0]


def test_verify_reports_a_flipped_bit_with_status_1(tmp_path, reference, capsys):
    bad = tmp_path / "flipped.h5"
    bad.write_bytes(Path(reference).read_bytes())
    with h5py.File(bad, "r+") as f:
        # Rewrite one stored energy: the spins no longer agree with it.
        e = f["L8/energy"][...]
        e[17] += 0.25
        f["L8/energy"][...] = e
    assert main(["verify", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "L=8 row 17" in out
    assert main(["verify", str(reference)]) == 0


def test_corrupted_bytes_fail_the_checksum(tmp_path, reference, capsys):
    bad = tmp_path / "corrupt.h5"
    raw = bytearray(Path(reference).read_bytes())
    with h5py.File(reference, "r") as f:
        offset = f["L16/spins"].id.get_chunk_info(0).byte_offset
    raw[offset + 10] ^= 0xFF
    bad.write_bytes(bytes(raw))
    assert main(["verify", str(bad)]) == 1
    assert "unreadable" in capsys.readouterr().out


def test_info_prints_a_table(reference, capsys):
    assert main(["info", str(reference)]) == 0
    out = capsys.readouterr().out
    assert "bytes on disk" in out and "compression" in out


def test_interval_auto_follows_the_autocorrelation_time(tmp_path):
    out = generate(
        tmp_path / "auto.h5",
        "16",
        "1.5,2.269,3.5",
        20,
        interval="auto",
        thermalize=500,
        progress=False,
    )
    with open_dataset(out) as ds:
        assert ds.attrs["interval"] == "auto"
    with h5py.File(out, "r") as f:
        sweep, t = f["L16/sweep"][...], f["L16/temperature_index"][...]
    steps = [np.unique(np.diff(sweep[t == i])) for i in range(3)]
    assert all(s.size == 1 and s[0] >= 1 for s in steps)
    # Critical slowing down: the spacing at T_c exceeds both ends of the range.
    assert steps[1][0] > 2 * max(steps[0][0], steps[2][0])


def test_interval_must_be_an_integer_or_auto(tmp_path, capsys):
    assert main(cli_args(tmp_path / "x.h5", interval="often")) == 2
    assert (
        "argument --interval: must be an integer >= 1 or 'auto', got 'often'"
        in capsys.readouterr().err
    )


def test_two_runs_at_once_the_second_refuses_and_the_first_completes(tmp_path, capsys):
    out = tmp_path / "both.h5"
    lock = tmp_path / "both.h5.lock"
    first = subprocess.Popen(
        [sys.executable, "-m", "isingml.cli", *cli_args(out, samples=400)],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert first.poll() is None, "the first run ended before the second could start"
    assert main(cli_args(out, samples=400)) == 1  # a resource held elsewhere, not bad input
    assert f"another run (pid {first.pid}) is writing" in capsys.readouterr().err
    assert first.wait(timeout=300) == 0
    assert verify(out).ok


def test_resume_over_a_damaged_file_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "d.h5"
    out.write_bytes(b"not an HDF5 file")
    assert main([*cli_args(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert str(out) in err and "overwrite" in err and len(err.splitlines()) == 1
    assert out.read_bytes() == b"not an HDF5 file"


def test_a_file_missing_attributes_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bare.h5"
    with h5py.File(bad, "w") as f:
        f.attrs["format"] = "isingml-spin-dataset"
        f.attrs["sizes"] = [4]
        f.attrs["temperatures"] = [2.0]
        f.create_group("L4")
    for command in ("info", "verify"):
        assert main([command, str(bad)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "damaged dataset" in err[0], err


def test_temperatures_are_matched_exactly(tmp_path):
    out = generate(tmp_path / "close.h5", "4", "2.0,2.00001", 3, thermalize=5, progress=False)
    with open_dataset(out) as ds:
        assert ds.spins(4, temperatures=[2.0]).shape[0] == 3
        with pytest.raises(ValueError, match="not in the dataset"):
            ds.spins(4, temperatures=[2.000005])


def test_leftover_shards_of_a_finished_run_are_cleaned_on_resume(tmp_path):
    out = generate(tmp_path / "d.h5", "4", "2.0", 3, thermalize=5, progress=False)
    parts = tmp_path / "d.h5.parts"
    parts.mkdir()
    (parts / "L4_T0000_c0000.h5").write_bytes(b"x")  # as if killed after the rename
    generate(out, "4", "2.0", 3, thermalize=5, resume=True, progress=False)
    assert not parts.exists()


def test_a_failing_task_keeps_the_shards_and_leaves_no_partial_file(
    tmp_path, reference, monkeypatch
):
    from isingml.data import shards

    out = tmp_path / "failed.h5"
    real = shards.run_task

    def fail_at_the_fifth(task, plan, parts):
        if task.index == 4:
            raise OSError(28, "No space left on device")
        return real(task, plan, parts)

    monkeypatch.setattr(shards, "run_task", fail_at_the_fifth)
    with pytest.raises(OSError, match="No space left"):
        generate(out, progress=False, **ARGS)
    assert not out.exists() and not (tmp_path / "failed.h5.tmp").exists()
    assert len(list((tmp_path / "failed.h5.parts").glob("L*.h5"))) == 4
    monkeypatch.setattr(shards, "run_task", real)
    generate(out, resume=True, progress=False, **ARGS)
    assert_same_columns(out, reference)
    assert not (tmp_path / "failed.h5.parts").exists()


@pytest.mark.parametrize("compression", ["gzip", "lzf"])
def test_many_chunks_and_uneven_chains_hold_exactly_what_the_chains_sampled(
    tmp_path, monkeypatch, compression
):
    # Small chunks: every column spans several chunks with a partial last one, and chains
    # of 34/33/33 samples cross chunk boundaries.
    from isingml import IsingModel
    from isingml.data import schema

    monkeypatch.setattr(schema, "_CHUNK_BYTES", 64)
    out = tmp_path / "chunks.h5"
    kwargs = {"thermalize": 5, "interval": 2, "chains": 3, "seed": 4}
    generate(out, "4,6", "1.5,3.0", 100, compression=compression, progress=False, **kwargs)
    with h5py.File(out, "r") as f:
        row = {4: 0, 6: 0}
        index = 0
        for L in (4, 6):
            g = f[f"L{L}"]
            assert g["spins"].chunks[0] < 100 and g["energy"].chunks[0] < 100
            for t, T in enumerate((1.5, 3.0)):
                for c, n in enumerate((34, 33, 33)):
                    model = IsingModel(L, T, seed=4, stream=index)
                    model.thermalize(5)  # the default engine, generate's too
                    e, m, packed = model.sample(n, 2, return_spins=True, packed=True)
                    rows = slice(row[L], row[L] + n)
                    np.testing.assert_array_equal(g["spins"][rows], packed)
                    np.testing.assert_array_equal(g["energy"][rows], e)
                    np.testing.assert_array_equal(g["magnetization"][rows], m)
                    np.testing.assert_array_equal(g["sweep"][rows], 2 * np.arange(1, n + 1))
                    assert (g["chain"][rows] == c).all()
                    assert (g["temperature_index"][rows] == t).all()
                    assert (g["temperature"][rows] == T).all()
                    row[L] += n
                    index += 1
            assert row[L] == g["spins"].shape[0] == 200
    assert verify(out).ok


def test_a_failing_write_in_the_assembly_keeps_the_shards(tmp_path, reference, monkeypatch):
    from isingml.data import chunks

    out = tmp_path / "full.h5"
    real = chunks.ChunkedColumnWriter._write

    def disk_full(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(chunks.ChunkedColumnWriter, "_write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        generate(out, progress=False, **ARGS)
    assert not out.exists() and not (tmp_path / "full.h5.tmp").exists()
    # The failure surfaces at the next hand-over, so the run stops early; the shards done
    # by then stay for the resume.
    assert 0 < len(list((tmp_path / "full.h5.parts").glob("L*.h5"))) <= 12
    monkeypatch.setattr(chunks.ChunkedColumnWriter, "_write", real)
    generate(out, resume=True, progress=False, **ARGS)
    assert_same_columns(out, reference)


def test_abort_stops_the_assembly_within_a_block(tmp_path, reference, monkeypatch):
    from isingml.data import generation, shards

    plan = generation.GenerationPlan(
        sizes=(8, 16),
        temperatures=(1.5, 2.5),
        samples=20,
        chains=1,
        thermalize=5,
        interval=1,
        algorithm="metropolis",
        seed=1,
        J=1.0,
        h=0.0,
        compression="gzip",
    )
    parts = tmp_path / "a.h5.parts"
    parts.mkdir()
    for task in plan.tasks():
        shards.run_task(task, plan, str(parts))
    real = generation._Assembler._copy

    def copy_then_interrupt(self, task, writers):
        real(self, task, writers)
        self._stop.set()  # as abort() does, while more shards wait in the queue

    monkeypatch.setattr(generation._Assembler, "_copy", copy_then_interrupt)
    assembler = generation._Assembler(tmp_path / "a.h5", plan, parts)
    for task in plan.tasks():
        assembler.add(task)
    assembler._thread.join(timeout=60)  # it stops by itself after the first shard
    assert not assembler._thread.is_alive()
    assert assembler._copied == 1 and assembler._error is None
    assert (tmp_path / "a.h5.tmp").exists()
    assembler.abort()
    assert not (tmp_path / "a.h5.tmp").exists()
