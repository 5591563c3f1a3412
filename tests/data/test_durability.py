"""Generation under hostile conditions: a full disk, kills during an overwrite, planted
links, SIGTERM, damaged shards, impossible sizes."""

import errno
import fcntl
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

from isingml.cli import main
from isingml.data import durable, generate, shards, verify
from isingml.data.plan import MAX_TASKS, GenerationPlan, write_plan_file
from isingml.errors import InputError, ResourceError

SMALL = {
    "sizes": "4,8",
    "temperatures": "1.5:3.0:3",
    "samples": 40,
    "thermalize": 20,
    "interval": 2,
    "seed": 3,
}
# Long enough that a kill lands while tasks still run.
LONG = {
    "sizes": "32,64",
    "temperatures": "1.5:3.0:6",
    "samples": 1000,
    "thermalize": 100,
    "interval": 10,
    "seed": 2,
}
# The reproducer of the full disk: four shards of about 1 MiB each.
DISK = ["--sizes", "64", "--temperatures", "1.5:3.0:4", "--samples", "2000"]
DISK += ["--thermalize", "100", "--interval", "2", "--seed", "5", "--quiet"]
DISK_KW = {
    "sizes": "64",
    "temperatures": "1.5:3.0:4",
    "samples": 2000,
    "thermalize": 100,
    "interval": 2,
    "seed": 5,
}


def columns(path):
    with h5py.File(path, "r") as f:
        return {
            f"{g}/{name}": f[g][name][...]
            for g in f
            for name in f[g]
            if isinstance(f[g], h5py.Group)
        }


def assert_same_columns(a, b):
    ca, cb = columns(a), columns(b)
    assert sorted(ca) == sorted(cb)
    for name in ca:
        np.testing.assert_array_equal(ca[name], cb[name], err_msg=name)


@pytest.fixture(scope="module")
def small_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "ref.h5"
    return generate(out, progress=False, **SMALL)


def cli(*args):
    return [sys.executable, "-m", "isingml.cli", "generate", *args]


def wait_for_shards(proc, parts, count=1, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.is_dir() and len(list(parts.glob("L*.h5"))) >= count:
            return
        time.sleep(0.005)
    raise AssertionError("the run ended before it could be stopped")


def tmp_files(directory):
    return [p.name for p in directory.iterdir() if ".tmp" in p.name] if directory.is_dir() else []


# -- 1. a full disk ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def resize(disk, size):
    subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)


def test_a_run_that_cannot_fit_is_refused_in_one_line_before_it_starts(small_disk):
    proc = subprocess.run(cli(*DISK, "--out", str(small_disk / "out.h5")), capture_output=True)
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "of disk space" in err[0] and "out.h5" in err[0], err
    assert list(small_disk.iterdir()) == []


def test_a_disk_full_mid_run_is_one_line_keeps_the_shards_and_resumes_to_the_same_bits(
    small_disk, tmp_path
):
    resize(small_disk, "6M")  # the shards fit (the up-front check passes), not with the file
    out = small_disk / "out.h5"
    proc = subprocess.run(cli(*DISK, "--out", str(out)), capture_output=True)
    assert proc.returncode == 1, proc.stderr  # not 139: no crash in HDF5
    err = proc.stderr.decode().strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and str(small_disk) in err[0], err
    parts = small_disk / "out.h5.parts"
    plan_json = (parts / "plan.json").read_text()
    done = {t.filename: t for t in _plan(DISK_KW).tasks()}
    kept = sorted(parts.glob("L*.h5"))
    assert kept and tmp_files(parts) == [] and not out.exists()
    for shard in kept:
        assert shards.check_shard(shard, done[shard.name], plan_json) is None
    resize(small_disk, "40M")
    proc = subprocess.run(cli(*DISK, "--out", str(out), "--resume"), capture_output=True)
    assert proc.returncode == 0, proc.stderr
    reference = generate(tmp_path / "ref.h5", progress=False, **DISK_KW)
    assert_same_columns(out, reference)
    assert sorted(p.name for p in small_disk.iterdir()) == ["out.h5"]


def _plan(kw):
    from isingml.data.generation import GenerationPlan as Plan

    temps = np.linspace(1.5, 3.0, 4)
    return Plan(
        sizes=(int(kw["sizes"]),),
        temperatures=tuple(temps.tolist()),
        samples=kw["samples"],
        chains=1,
        thermalize=kw["thermalize"],
        interval=kw["interval"],
        algorithm="metropolis",
        seed=kw["seed"],
        J=1.0,
        h=0.0,
        compression="gzip",
    )


@pytest.mark.parametrize("where", ["reservation", "write"])
def test_an_injected_full_disk_is_a_resource_error_and_the_run_resumes(
    tmp_path, small_reference, monkeypatch, where
):
    out = tmp_path / "full.h5"
    calls = {"n": 0}

    def third_fails(real):
        def fail(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(*args, **kwargs)

        return fail

    if where == "reservation":  # the third shard's: the assembly reserves on its thread
        real_fallocate = durable._fallocate

        def shard_fallocate(fd, offset, length):
            name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
            if name.startswith("L"):
                return third_fails(real_fallocate)(fd, offset, length)
            return real_fallocate(fd, offset, length)

        monkeypatch.setattr(durable, "_fallocate", shard_fallocate)
    else:
        monkeypatch.setattr(shards._ShardWriter, "write", third_fails(shards._ShardWriter.write))
        monkeypatch.setattr(  # the assembly is not the one to fail here
            durable.NewFile, "reserve", lambda self, length, what=None: None
        )
    with pytest.raises(ResourceError, match="No space left on device") as refused:
        generate(out, progress=False, **SMALL)
    assert "\n" not in str(refused.value)
    assert "full.h5" in str(refused.value)
    parts = tmp_path / "full.h5.parts"
    assert not out.exists() and tmp_files(parts) == [] and tmp_files(tmp_path) == []
    assert 1 <= len(list(parts.glob("L*.h5"))) <= 2
    monkeypatch.undo()
    generate(out, resume=True, progress=False, **SMALL)
    assert_same_columns(out, small_reference)


def test_the_disk_check_counts_the_uncompressed_shards(tmp_path, monkeypatch):
    import isingml._resources as resources

    real = resources.shutil.disk_usage
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda p: real(p)._replace(free=100_000))
    # 3 x 3000 rows of 2 + 40 bytes: 369.1 KiB, uncompressed.
    with pytest.raises(ResourceError, match=r"needs 369\.1 KiB of disk space"):
        generate(tmp_path / "big.h5", "4", "1.0:2.0:3", 3000, thermalize=1, progress=False)
    assert list(tmp_path.iterdir()) == []
    assert (
        main(
            [
                "generate",
                "--out",
                str(tmp_path / "x.h5"),
                "--quiet",
                "--sizes",
                "4",
                "--temperatures",
                "2.0",
                "--samples",
                "1000000000000",
            ]
        )
        == 1
    )


# -- 2. overwrite keeps the old file until the new one is whole ------------------------------


def test_a_killed_overwrite_leaves_the_old_file_intact(tmp_path):
    out = tmp_path / "d.h5"
    generate(out, progress=False, **SMALL)
    before = out.read_bytes()
    args = [f"--{k}={v}" for k, v in LONG.items()]
    proc = subprocess.Popen(
        cli("--out", str(out), "--quiet", "--overwrite", *args), stderr=subprocess.PIPE
    )
    try:
        wait_for_shards(proc, tmp_path / "d.h5.parts")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert out.read_bytes() == before
    assert verify(out).ok


# -- 3. planted links, the lock, SIGTERM ---------------------------------------------------


def test_a_link_planted_at_the_assembled_name_is_refused_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "d.h5.tmp").symlink_to(victim)
    with pytest.raises(InputError, match=r"d\.h5\.tmp is in the way") as refused:
        generate(tmp_path / "d.h5", "4", "2.0", 5, thermalize=5, progress=False)
    assert refused.value.argument == "out"
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5.tmp", "victim.txt"]


def test_a_linked_parts_directory_is_refused_and_nothing_there_is_removed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("L4_T0000_c0000.h5.tmp123", "notes.tmp", "plan.json"):
        (elsewhere / name).write_text("keep")
    (tmp_path / "d.h5.parts").symlink_to(elsewhere)
    for kwargs in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(InputError, match=r"d\.h5\.parts is in the way"):
            generate(tmp_path / "d.h5", "4", "2.0", 5, thermalize=5, progress=False, **kwargs)
    assert sorted(p.name for p in elsewhere.iterdir()) == [
        "L4_T0000_c0000.h5.tmp123",
        "notes.tmp",
        "plan.json",
    ]
    assert (
        main(
            [
                "generate",
                "--out",
                str(tmp_path / "d.h5"),
                "--quiet",
                "--sizes",
                "4",
                "--temperatures",
                "2.0",
                "--samples",
                "5",
            ]
        )
        == 2
    )


def test_only_exact_temporary_names_that_are_files_are_cleaned(tmp_path, small_reference):
    parts = tmp_path / "d.h5.parts"
    parts.mkdir()
    victim = tmp_path / "victim.h5"
    victim.write_text("precious")
    (parts / "L4_T0000_c0000.h5.tmp999").write_text("stale")  # a killed run's: removed
    (parts / "plan.json.tmp12").write_text("stale")  # removed
    (parts / "L8_T0001_c0000.h5.tmp777").symlink_to(victim)  # not a file: kept
    (parts / "notes.tmp").write_text("mine")  # not a temporary name: kept
    (parts / "L4_T0000_c0000.h5.tmpx").write_text("mine")  # kept
    generate(tmp_path / "d.h5", resume=True, progress=False, **SMALL)
    assert_same_columns(tmp_path / "d.h5", small_reference)
    assert sorted(p.name for p in parts.iterdir()) == [
        "L4_T0000_c0000.h5.tmpx",
        "L8_T0001_c0000.h5.tmp777",
        "notes.tmp",
    ]
    assert victim.read_text() == "precious"


def test_the_lock_is_a_flock_not_a_pid(tmp_path):
    out = tmp_path / "d.h5"
    # A pid in the file without the flock held (a finished run whose pid was reused)
    # blocks nobody.
    (tmp_path / "d.h5.lock").write_text(str(os.getpid()))
    generate(out, "4", "2.0", 5, thermalize=5, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]
    # While held, the pid is in the file and a second taker is refused.
    with durable.lock(out):
        assert (tmp_path / "d.h5.lock").read_text() == str(os.getpid())
        with pytest.raises(ResourceError, match=f"another run \\(pid {os.getpid()}\\)"):
            with durable.lock(out):
                pass
    assert not (tmp_path / "d.h5.lock").exists()


def test_takers_racing_for_the_lock_never_hold_it_together(tmp_path):
    import threading

    out = tmp_path / "d.h5"
    (tmp_path / "d.h5.lock").write_text("999999")  # left by a run that ended
    inside, most, wins = [0], [0], [0]
    guard = threading.Lock()

    def taker():
        for _ in range(200):
            try:
                with durable.lock(out):
                    with guard:
                        inside[0] += 1
                        most[0] = max(most[0], inside[0])
                        wins[0] += 1
                    time.sleep(0.0005)
                    with guard:
                        inside[0] -= 1
            except ResourceError:
                pass

    threads = [threading.Thread(target=taker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and wins[0] > 0
    assert not (tmp_path / "d.h5.lock").exists()


def test_a_linked_lock_file_is_refused_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "d.h5.lock").symlink_to(victim)
    with pytest.raises(InputError, match=r"d\.h5\.lock is a symbolic link"):
        generate(tmp_path / "d.h5", "4", "2.0", 5, thermalize=5, progress=False)
    assert victim.read_text() == "precious"


def test_exclusive_creation_never_follows_a_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "x.tmp1").symlink_to(victim)
    with pytest.raises(FileExistsError):
        with durable.new_file(tmp_path / "x.tmp1"):
            pass
    assert victim.read_text() == "precious"


# SIGTERM raised as KeyboardInterrupt the way the command line does it (an interruption that
# lands in a finalizer, where Python swallows it, is delivered again).
SIGTERM_CHILD = """
import sys

from isingml.cli.app import _sigterm_interrupts
from isingml.data import generate

try:
    with _sigterm_interrupts():
        generate(sys.argv[1], progress=False, **{kwargs})
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


def test_sigterm_as_keyboard_interrupt_releases_the_lock_and_resumes(tmp_path):
    out = tmp_path / "t.h5"
    child = SIGTERM_CHILD.replace("{kwargs}", repr(LONG))
    proc = subprocess.Popen([sys.executable, "-c", child, str(out)], stderr=subprocess.PIPE)
    parts = tmp_path / "t.h5.parts"
    wait_for_shards(proc, parts)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.decode().strip() == "interrupted"
    assert not (tmp_path / "t.h5.lock").exists() and not out.exists()
    # An interruption between a shard's last write and its rename may leave that shard's
    # temporary (Python cannot finish a clean-up that the interruption itself lands in);
    # it is never a complete name, and the next run removes it.
    leftover = tmp_files(parts)
    assert len(leftover) <= 1 and all(
        re.fullmatch(r"L\d+_T\d+_c\d+\.h5\.tmp\d+", n) for n in leftover
    )
    assert tmp_files(tmp_path) == []
    kept = len(list(parts.glob("L*.h5")))
    assert 1 <= kept < 12
    with open(tmp_path / "t.h5.lock", "w") as f:  # nobody holds it
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.unlink(tmp_path / "t.h5.lock")
    generate(out, resume=True, progress=False, **LONG)
    assert not parts.exists() and tmp_files(tmp_path) == []
    reference = generate(tmp_path / "ref.h5", progress=False, **LONG)
    assert_same_columns(out, reference)


# -- 4. shards carry checksums and their plan ----------------------------------------------


def _interrupted(tmp_path, monkeypatch, stop_at=4):
    """A run of SMALL stopped by a failing task: shards 0 .. stop_at - 1 are complete."""
    out = tmp_path / "d.h5"
    real = shards.run_task

    def fail(task, plan, parts):
        if task.index == stop_at:
            raise OSError(errno.EIO, "stopped")
        return real(task, plan, parts)

    monkeypatch.setattr(shards, "run_task", fail)
    with pytest.raises(OSError, match="stopped"):
        generate(out, progress=False, **SMALL)
    monkeypatch.setattr(shards, "run_task", real)
    return out, tmp_path / "d.h5.parts"


def _flip_sweep_byte(shard):
    raw = bytearray(shard.read_bytes())
    with h5py.File(shard, "r") as f:
        offset = f["sweep"].id.get_chunk_info(0).byte_offset
    raw[offset + 3] ^= 0x10
    shard.write_bytes(bytes(raw))


def _rewrite_sweep(shard):
    with h5py.File(shard, "r+") as f:  # valid Fletcher-32, wrong SHA-256
        f["sweep"][5] += 1


def _truncate(shard):
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_flip_sweep_byte, "unreadable"),
        (_rewrite_sweep, "column sweep fails its checksum"),
        (_truncate, "unreadable"),
    ],
)
def test_a_damaged_shard_is_named_and_written_again_on_resume(
    tmp_path, monkeypatch, small_reference, damage, reason
):
    out, parts = _interrupted(tmp_path, monkeypatch)
    shard = parts / "L4_T0001_c0000.h5"
    damage(shard)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generate(out, resume=True, progress=False, **SMALL)
    messages = [
        str(w.message) for w in caught if issubclass(w.category, shards.DamagedShardWarning)
    ]
    assert len(messages) == 1 and str(shard) in messages[0] and reason in messages[0], messages
    assert "\n" not in messages[0]
    assert_same_columns(out, small_reference)
    assert verify(out).ok


def test_a_byte_flipped_anywhere_in_a_shard_is_repaired_on_resume(
    tmp_path, monkeypatch, small_reference
):
    # A corpus: one flipped byte at each of 24 offsets spread over a complete shard
    # (superblock, object headers, attributes, the plan, every column's chunks). Resume
    # either finds the shard sound (a byte HDF5 never reads) or names it and writes it
    # again; either way the final file is the uninterrupted run's, and nothing escapes.
    out, parts = _interrupted(tmp_path, monkeypatch)
    shard = parts / "L4_T0001_c0000.h5"
    pristine = shard.read_bytes()
    saved = {p.name: p.read_bytes() for p in parts.iterdir()}
    offsets = np.unique(np.linspace(0, len(pristine) - 1, 24).astype(int))
    redone = 0
    for offset in offsets:
        for name, data in saved.items():
            (parts / name).write_bytes(data)
        out.unlink(missing_ok=True)
        damaged = bytearray(pristine)
        damaged[offset] ^= 0x5A
        shard.write_bytes(bytes(damaged))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            generate(out, resume=True, progress=False, **SMALL)
        named = [w for w in caught if issubclass(w.category, shards.DamagedShardWarning)]
        assert len(named) <= 1 and all(str(shard) in str(w.message) for w in named), offset
        redone += len(named)
        assert_same_columns(out, small_reference)
        parts.mkdir()  # the next case starts from the interrupted run again
    # Most of a small shard's bytes are space HDF5 allocated and never reads (5 of these 24
    # offsets are read: superblock, headers, chunks); those were all caught.
    assert redone >= 3


def test_shards_of_another_plan_are_refused_not_mixed(tmp_path, monkeypatch):
    out, parts = _interrupted(tmp_path, monkeypatch)
    (parts / "plan.json").unlink()
    before = sorted(p.name for p in parts.iterdir())
    with pytest.raises(InputError, match="holds the shards of a different run") as refused:
        generate(out, resume=True, progress=False, **(SMALL | {"seed": 4}))
    assert "overwrite=True" in str(refused.value) and refused.value.argument == "out"
    assert sorted(p.name for p in parts.iterdir()) == before  # plan.json not written
    # Shards of none of this run's tasks are refused too.
    with pytest.raises(InputError, match="holds the shards of a different run"):
        generate(out, resume=True, progress=False, **(SMALL | {"sizes": "6,10"}))
    assert sorted(p.name for p in parts.iterdir()) == before


def test_the_assembly_fails_loudly_on_a_shard_that_fails_its_checksum(tmp_path):
    from isingml.data import generation

    plan = _plan({"sizes": "4", "samples": 30, "thermalize": 5, "interval": 1, "seed": 1})
    parts = tmp_path / "a.h5.parts"
    parts.mkdir()
    write_plan_file(parts, plan)
    for task in plan.tasks():
        shards.run_task(task, plan, str(parts))
    _rewrite_sweep(parts / plan.tasks()[2].filename)
    assembler = generation._Assembler(tmp_path / "a.h5", plan, parts)
    for task in plan.tasks():
        assembler.add(task)
    with pytest.raises(OSError, match=r"L4_T0002_c0000\.h5: column sweep fails its checksum"):
        assembler.finish()
    assembler.abort()
    assert not (tmp_path / "a.h5").exists() and not (tmp_path / "a.h5.tmp").exists()


def test_a_shard_carries_its_plan_task_and_checksums(tmp_path):
    plan = _plan({"sizes": "4", "samples": 30, "thermalize": 5, "interval": 1, "seed": 1})
    task = plan.tasks()[1]
    path = Path(shards.run_task(task, plan, str(tmp_path)))
    with h5py.File(path, "r") as f:
        assert bytes(f["plan"][...]).decode() == plan.to_json() and f.attrs["task"] == 1
        assert f["plan"].fletcher32
        for name in ("spins", *shards.SHARD_COLUMNS):
            assert f[name].fletcher32 and len(f[name].attrs["sha256"]) == 64
        for name, value in [*f.attrs.items(), *(i for c in f.values() for i in c.attrs.items())]:
            assert h5py.check_vlen_dtype(np.asarray(value).dtype) is None, name  # no heap
    assert shards.check_shard(path, task, plan.to_json()) is None
    assert "plan and task" in shards.check_shard(path, plan.tasks()[0], plan.to_json())


# -- 5. impossible sizes ---------------------------------------------------------------------


def test_a_lattice_too_large_for_memory_is_refused_up_front(tmp_path, monkeypatch, capsys):
    import isingml._resources as resources

    monkeypatch.setattr(resources, "available_memory", lambda: 8 << 30)
    args = ["generate", "--out", str(tmp_path / "x.h5"), "--quiet", "--temperatures", "2.0"]
    assert main([*args, "--sizes", "65536", "--samples", "2"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sizes 65536" in err[0] and "of memory" in err[0], err
    assert list(tmp_path.iterdir()) == []


def test_ten_million_temperatures_are_refused_at_once(tmp_path, capsys):
    args = ["generate", "--out", str(tmp_path / "x.h5"), "--quiet", "--sizes", "4"]
    assert main([*args, "--temperatures", "1:3:10000000", "--samples", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"at most {MAX_TASKS} values" in err[0], err
    with pytest.raises(InputError, match=f"more than the {MAX_TASKS}") as refused:
        generate(tmp_path / "y.h5", "4,8", np.linspace(1, 3, MAX_TASKS), 2, progress=False)
    assert refused.value.argument == "temperatures"
    assert list(tmp_path.iterdir()) == []


def test_the_plan_json_of_many_temperatures_is_the_same_text(tmp_path):
    import json

    plan = _plan(DISK_KW)
    fields = json.loads(plan.to_json())
    assert fields["temperatures"] == list(plan.temperatures)
    assert "backend" not in fields and "threads" not in fields
    assert isinstance(plan, GenerationPlan)


# -- 6. the library speaks of its own arguments ----------------------------------------------


def test_library_messages_name_the_library_arguments(tmp_path):
    out = tmp_path / "d.h5"
    out.write_bytes(b"not an HDF5 file")
    with pytest.raises(InputError, match="pass overwrite=True") as refused:
        generate(out, "4", "2.0", 5, resume=True, progress=False)
    assert refused.value.argument == "out" and "--" not in str(refused.value)
    with pytest.raises(InputError, match="pass resume=True") as refused:
        generate(out, "4", "2.0", 5, progress=False)
    assert refused.value.argument == "out" and "--" not in str(refused.value)
