"""``generate(engine=Engine(backend="cuda"))`` runs the tasks of one size in shared GPU
launches and still writes, shard by shard, the CPU's file bit for bit."""

import h5py
import numpy as np
import pytest

from isingml import Engine
from isingml.data import generate
from isingml.data import shards as runners

pytestmark = pytest.mark.gpu


def assert_same_file(a, b):
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        assert f.attrs["plan"] == g.attrs["plan"]
        assert sorted(f) == sorted(g)
        for group in f:
            assert sorted(f[group]) == sorted(g[group])
            for name in f[group]:
                np.testing.assert_array_equal(g[group][name][...], f[group][name][...])


def record_batches(monkeypatch):
    sizes = []
    real = runners.run_tasks_together

    def spy(tasks, plan, parts):
        sizes.append([t.index for t in tasks])
        return real(tasks, plan, parts)

    monkeypatch.setattr(runners, "run_tasks_together", spy)
    return sizes


def test_batches_of_uneven_chains_write_the_cpu_file(tmp_path, monkeypatch):
    # Chains of 3 and 2 samples: per size, one batch of the three temperatures' chain 0
    # and one of their chain 1.
    options = dict(
        sizes="6,8",
        temperatures="1.5,2.3,3.5",
        samples=5,
        chains=2,
        thermalize=3,
        interval=2,
        h=0.1,
        seed=3,
        progress=False,
    )
    cpu = generate(tmp_path / "cpu.h5", engine=Engine("heatbath", "byte"), **options)
    batches = record_batches(monkeypatch)
    gpu = generate(tmp_path / "gpu.h5", engine=Engine("heatbath", "byte", "cuda"), **options)
    assert batches == [[0, 2, 4], [1, 3, 5], [6, 8, 10], [7, 9, 11]]
    assert_same_file(cpu, gpu)


def test_auto_interval_pilots_run_batched_and_match_the_cpu(tmp_path, monkeypatch):
    monkeypatch.setattr(runners, "AUTO_PILOT_SWEEPS", 40)
    options = dict(
        sizes="8",
        temperatures="1.5,2.3,3.5",
        samples=3,
        thermalize=4,
        interval="auto",
        seed=5,
        progress=False,
    )
    cpu = generate(tmp_path / "cpu.h5", **options)
    batches = record_batches(monkeypatch)
    gpu = generate(tmp_path / "gpu.h5", engine=Engine(backend="cuda"), **options)
    assert batches == [[0, 1, 2]]
    assert_same_file(cpu, gpu)
    with h5py.File(gpu, "r") as f:  # the pilots chose intervals of their own
        sweep, t = f["L8/sweep"][...], f["L8/temperature_index"][...]
    assert len({int(sweep[t == i][0]) for i in range(3)}) > 1


def test_a_failure_mid_run_keeps_whole_batches_and_the_resume_is_exact(tmp_path, monkeypatch):
    options = dict(
        sizes="6",
        temperatures="1.5:3.5:5",
        samples=2,
        thermalize=2,
        interval=1,
        seed=8,
        progress=False,
    )
    cpu = generate(tmp_path / "cpu.h5", **options)
    monkeypatch.setattr(runners, "BATCH_TASKS", 2)  # batches of 2, 2 and 1 tasks
    real = runners.sample_many
    calls = []

    def fail_in_the_second_batch(models, *args, **kwargs):
        calls.append(len(models))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(models, *args, **kwargs)

    monkeypatch.setattr(runners, "sample_many", fail_in_the_second_batch)
    out = tmp_path / "gpu.h5"
    with pytest.raises(OSError, match="No space left"):
        generate(out, engine=Engine(backend="cuda"), **options)
    parts = tmp_path / "gpu.h5.parts"
    shards = sorted(p.name for p in parts.glob("L*.h5"))
    assert shards == ["L6_T0000_c0000.h5", "L6_T0001_c0000.h5"]  # the first batch, whole
    for shard in shards:
        with h5py.File(parts / shard, "r") as f:
            assert f["spins"].shape == (2, 36 // 8 + 1)
    assert not out.exists()
    monkeypatch.setattr(runners, "sample_many", real)
    batches = record_batches(monkeypatch)
    generate(out, engine=Engine(backend="cuda"), resume=True, **options)
    assert batches == [[2, 3], [4]]  # only the missing tasks
    assert_same_file(cpu, out)
    assert not parts.exists()
