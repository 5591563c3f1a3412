"""Dataset generation and reading: end-to-end vs kernel-only rates, bytes, streaming, memory."""

import json
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from isingml import IsingModel
from isingml.data import generate, open_dataset, unpack_spins

TEMPERATURES = "1.0:3.5:26"
SETTINGS = {32: {"samples": 1000, "interval": 10}, 128: {"samples": 1000, "interval": 10}}
THERMALIZE = 200


def kernel_only(L, samples, interval):
    """The same sweeps as generate() (the default engine everywhere: Metropolis, multi-spin
    kernel), with no sampling or HDF5 writing."""
    for i, T in enumerate(np.linspace(1.0, 3.5, 26)):
        model = IsingModel(L, T, seed=7, stream=i)
        model.update(THERMALIZE + samples * interval)


@pytest.mark.benchmark(group="generate")
@pytest.mark.parametrize("L", [32, 128])
def test_generation_end_to_end_vs_kernel_only(benchmark, tmp_path, L):
    """Both measured three times, interleaved (the kernel-only run is the untimed setup of
    each round); the ratio is of the best times, the least disturbed by other load."""
    import time

    cfg = SETTINGS[L]
    kernel_only(L, 1, 1)  # JIT warm-up
    kernel_s = []
    counter = iter(range(10**6))

    def setup():
        t0 = time.perf_counter()
        kernel_only(L, cfg["samples"], cfg["interval"])
        kernel_s.append(time.perf_counter() - t0)

    def run():
        return generate(
            tmp_path / f"g{next(counter)}.h5",
            str(L),
            TEMPERATURES,
            cfg["samples"],
            thermalize=THERMALIZE,
            interval=cfg["interval"],
            seed=7,
            progress=False,
        )

    path = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1, warmup_rounds=1)
    flips = 26 * L * L * (THERMALIZE + cfg["samples"] * cfg["interval"])
    best = benchmark.stats.stats.min
    benchmark.extra_info["flips_per_ns_end_to_end"] = flips / best / 1e9
    benchmark.extra_info["flips_per_ns_kernel_only"] = flips / min(kernel_s) / 1e9
    benchmark.extra_info["end_to_end_over_kernel"] = min(kernel_s) / best
    benchmark.extra_info["end_to_end_over_kernel_median"] = float(
        np.median(kernel_s) / benchmark.stats.stats.median
    )
    with open_dataset(path) as ds:
        assert ds.n_samples(L) == 26 * cfg["samples"]


@pytest.mark.benchmark(group="generate")
def test_generation_on_a_two_worker_dask_cluster(benchmark, tmp_path):
    """Scaling: the L = 32 run on a LocalCluster of 2 worker processes (cluster start-up
    included) against the same run in one process."""
    import time

    from dask.distributed import Client, LocalCluster

    cfg = SETTINGS[32]
    kwargs = {
        "thermalize": THERMALIZE,
        "interval": cfg["interval"],
        "seed": 7,
        "progress": False,
        "overwrite": True,
    }
    generate(tmp_path / "s.h5", "32", TEMPERATURES, cfg["samples"], **kwargs)  # warm-up
    t0 = time.perf_counter()
    generate(tmp_path / "s.h5", "32", TEMPERATURES, cfg["samples"], **kwargs)
    serial_s = time.perf_counter() - t0
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        generate(tmp_path / "d.h5", "32", "1.0,2.0", 10, client=client, **kwargs)  # warm-up

        def run():
            return generate(
                tmp_path / "d.h5", "32", TEMPERATURES, cfg["samples"], client=client, **kwargs
            )

        benchmark.pedantic(run, rounds=3, iterations=1)
    benchmark.extra_info["serial_s"] = serial_s
    benchmark.extra_info["speedup_two_workers"] = serial_s / benchmark.stats.stats.mean


@pytest.mark.benchmark(group="storage")
def test_bytes_per_sample_at_L64(benchmark, tmp_path):
    path = benchmark.pedantic(
        lambda: generate(
            tmp_path / "b.h5",
            "64",
            "1.5,2.269,3.5",
            100,
            thermalize=50,
            interval=2,
            seed=1,
            overwrite=True,
            progress=False,
        ),
        rounds=1,
        iterations=1,
    )
    with h5py.File(path, "r") as f:
        spins = f["L64/spins"]
        per_sample = spins.id.get_storage_size() / spins.shape[0]
    benchmark.extra_info["spin_bytes_per_sample"] = per_sample
    benchmark.extra_info["packed_bytes_per_sample"] = 64 * 64 / 8
    assert per_sample <= 64 * 64 / 8 * 1.05  # bit-packed, before compression


@pytest.fixture(scope="module")
def read_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("read") / "r.h5"
    generate(path, "32", "1.5:3.5:8", 2000, thermalize=20, interval=1, seed=2, progress=False)
    return path


@pytest.mark.benchmark(group="read")
def test_minibatch_iterator(benchmark, read_file):
    def run():
        with open_dataset(read_file) as ds:
            return sum(b[0].shape[0] for b in ds.batches(32, 128, seed=0))

    n = benchmark(run)
    benchmark.extra_info["samples_per_s"] = n / benchmark.stats.stats.mean
    assert n == 16000


@pytest.mark.benchmark(group="read")
def test_plain_h5py_loop(benchmark, read_file):
    def run():
        n = 0
        with h5py.File(read_file, "r") as f:
            spins = f["L32/spins"]
            for start in range(0, spins.shape[0], 128):
                n += unpack_spins(spins[start : start + 128], 32, np.float32).shape[0]
        return n

    n = benchmark(run)
    benchmark.extra_info["samples_per_s"] = n / benchmark.stats.stats.mean
    assert n == 16000


_PEAK = textwrap.dedent(
    """
    import json, resource, sys
    from isingml.data import generate, open_dataset
    mode, path, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "generate":
        generate(path, "64", "2.0,2.5", samples, thermalize=10, interval=1, progress=False)
    else:
        with open_dataset(path) as ds:
            for _ in ds.batches(64, 64):
                pass
    print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    """
)


def _peak_kib(mode, path, samples):
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, mode, str(path), str(samples)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.benchmark(group="memory")
def test_peak_memory_does_not_grow_with_samples(benchmark, tmp_path):
    def run():
        small = _peak_kib("generate", tmp_path / "s.h5", 1000)
        large = _peak_kib("generate", tmp_path / "l.h5", 10000)
        read_small = _peak_kib("read", tmp_path / "s.h5", 0)
        read_large = _peak_kib("read", tmp_path / "l.h5", 0)
        for p in tmp_path.glob("*.h5"):
            p.unlink()
        return small, large, read_small, read_large

    small, large, read_small, read_large = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        generate_peak_mib_1000=small / 1024,
        generate_peak_mib_10000=large / 1024,
        batches_peak_mib_1000=read_small / 1024,
        batches_peak_mib_10000=read_large / 1024,
    )
    # 10x the samples (36 MB more spins in int8) may not cost 10x the memory.
    assert large < 1.5 * small and read_large < 1.5 * read_small
