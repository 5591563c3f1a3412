"""Fault injection: ``isingml generate`` killed with SIGKILL at many seeded moments, chained,
of a fresh run and of an ``--overwrite`` over a complete file.

After every kill, nothing complete is lost: each shard present passes its checksums, the
old file of an overwrite is byte for byte what it was, no lock is left held; and the run
resumed at the end gives the bits of an uninterrupted one. (Full disks, damaged shards and
metadata, hostile paths: tests/data/test_durability.py and tests/data/test_verify.py; bad
arguments: tests/cli/test_fuzz.py.)
"""

import fcntl
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from isingml.cli import main
from isingml.data import generate, verify
from isingml.data.plan import GenerationPlan
from isingml.data.shards import check_shard

ARGS = {"sizes": "8,16", "temperatures": "1.5:3.0:4", "samples": 400, "thermalize": 200}
N_TASKS = 2 * 4
#: The moments of the kills, chained: (what the file system shows, then a seeded delay).
#: A shard being written, k shards complete, the assembly under way, and in between.
_DELAYS = np.random.default_rng(2024).uniform(0.0, 0.05, size=8)
MOMENTS = [
    ("writing", _DELAYS[0]),
    ("shards", 1, _DELAYS[1]),
    ("writing", _DELAYS[2]),
    ("shards", N_TASKS // 2, _DELAYS[3]),
    ("shards", N_TASKS - 1, _DELAYS[4]),
    ("assembling", 0.0),
    ("assembling", _DELAYS[5]),
]


def _reached(out, moment) -> bool:
    parts = out.with_name(out.name + ".parts")
    if moment[0] == "assembling":
        return out.with_name(out.name + ".tmp").exists()
    if not parts.is_dir():
        return False
    names = [p.name for p in parts.iterdir()]
    if moment[0] == "writing":
        return any(".h5.tmp" in name for name in names)
    return sum(n.endswith(".h5") for n in names) >= moment[1]


def _argv(out, *extra):
    argv = ["generate", "--out", str(out), "--quiet", "--seed", "3"]
    argv += [f"--{k}={v}" for k, v in ARGS.items()]
    return [*argv, *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults") / "ref.h5"
    generate(out, **ARGS, seed=3, progress=False)
    return out


def _kill_at(argv, out, moment) -> int | None:
    """Run ``isingml`` and SIGKILL it at ``moment``; its exit status (negative: killed)."""
    proc = subprocess.Popen([sys.executable, "-m", "isingml", *argv], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while proc.poll() is None and not _reached(out, moment) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(moment[-1])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode


def _assert_nothing_complete_lost(out):
    parts = out.with_name(out.name + ".parts")
    if parts.is_dir():
        text = (parts / "plan.json").read_text()
        fields = json.loads(text)
        fields["sizes"], fields["temperatures"] = (
            tuple(fields["sizes"]),
            tuple(fields["temperatures"]),
        )
        tasks = {t.filename: t for t in GenerationPlan(**fields).tasks()}
        for shard in parts.glob("L*.h5"):
            assert check_shard(shard, tasks[shard.name], text) is None, shard
    lock = out.with_name(out.name + ".lock")
    if lock.exists():  # left by a killed run: never still held
        with open(lock, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _same_columns(a, b):
    import h5py

    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for group in ("L8", "L16"):
            for name in fa[group]:
                np.testing.assert_array_equal(fa[group][name][...], fb[group][name][...])


def test_sigkill_at_many_moments_then_resume_gives_the_same_bits(tmp_path, reference):
    out = tmp_path / "d.h5"
    killed = 0
    for moment in MOMENTS:
        killed += _kill_at(_argv(out, "--resume"), out, moment) == -signal.SIGKILL
        _assert_nothing_complete_lost(out)
        if out.exists():  # the kill came after the rename: the run is complete
            break
    assert killed >= 3  # most moments were reached before the run ended
    assert main(_argv(out, "--resume")) == 0
    _same_columns(out, reference)
    assert verify(out).ok


def test_sigkill_during_overwrite_never_loses_the_old_file(tmp_path, reference):
    out = tmp_path / "d.h5"
    generate(out, **{**ARGS, "samples": 60}, seed=9, progress=False)
    old = out.read_bytes()
    for moment in MOMENTS[::2]:
        status = _kill_at(_argv(out, "--overwrite"), out, moment)
        if status == 0 or out.read_bytes() != old:
            break  # the kill came after the rename: the new file is whole (checked below)
        _assert_nothing_complete_lost(out)  # and the old file is still byte for byte there
    else:
        assert main(_argv(out, "--overwrite")) == 0
    _same_columns(out, reference)
    assert verify(out).ok
