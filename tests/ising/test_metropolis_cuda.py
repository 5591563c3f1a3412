"""The CUDA twin of the checkerboard sweeps: the same lattice, bit for bit, as the CPU."""

import h5py
import numpy as np
import pytest

from isingml import Engine, IsingModel, simulate
from isingml.data import generate
from isingml.ising.lattice import to_checkerboard
from isingml.ising.metropolis import acceptance_table, metropolis_sample, thresholds32

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize(
    ("L", "h", "rule", "block"),
    [
        (8, 0.0, "metropolis", (2, 1)),  # several blocks; the h = 0 (symmetric) table
        (6, 0.3, "heatbath", (4, 1)),  # odd row width L/2 = 3
        (10, -0.2, "metropolis", (3, 2)),  # L/2 = 5: a last Philox block half used
    ],
)
def test_cuda_sweeps_match_the_cpu_bit_for_bit(L, h, rule, block):
    from isingml.ising.metropolis_cuda import metropolis_sample_cuda

    rng = np.random.default_rng(L)
    cpu = to_checkerboard(rng.choice(np.int8([-1, 1]), size=(L, L)))
    gpu = cpu.copy()
    table = acceptance_table(0.44, 1.0, h, rule)
    snaps_cpu = np.empty((3, *cpu.shape), np.int8)
    snaps_gpu = np.empty_like(snaps_cpu)
    bonds, mags = metropolis_sample(cpu, 3, 2, 5, thresholds32(table), 7, 3, 1, snaps_cpu)
    bonds_g, mags_g = metropolis_sample_cuda(gpu, 3, 2, 5, table, 7, 3, snaps_gpu, block)
    np.testing.assert_array_equal(gpu, cpu)
    np.testing.assert_array_equal(snaps_gpu, snaps_cpu)
    np.testing.assert_array_equal(bonds_g, bonds)
    np.testing.assert_array_equal(mags_g, mags)
    assert not np.array_equal(snaps_cpu[0], snaps_cpu[-1])  # the chain moved


@pytest.mark.filterwarnings("ignore:error bars cannot be trusted:RuntimeWarning")  # bits only
def test_models_and_simulations_agree_across_backends():
    a = IsingModel(8, T=2.2, seed=4, stream=1)
    b = IsingModel(8, T=2.2, seed=4, stream=1)
    a.update(3, Engine(kernel="byte"))
    b.update(3, Engine(kernel="byte", backend="cuda"))
    np.testing.assert_array_equal(a.spins, b.spins)
    ea, ma, sa = a.sample(4, 2, Engine("heatbath", kernel="byte"), return_spins=True)
    eb, mb, sb = b.sample(4, 2, Engine("heatbath", "byte", "cuda"), return_spins=True)
    np.testing.assert_array_equal(sa, sb)
    np.testing.assert_array_equal(ea, eb)
    np.testing.assert_array_equal(ma, mb)
    assert a.step == b.step == 11
    r_cpu = simulate(6, 2.5, 100, thermalize=5, seed=2, progress=False)
    r_gpu = simulate(
        6, 2.5, 100, thermalize=5, seed=2, progress=False, engine=Engine(backend="cuda")
    )
    np.testing.assert_array_equal(r_cpu.energy, r_gpu.energy)
    np.testing.assert_array_equal(r_cpu.magnetization, r_gpu.magnetization)


def test_generate_on_cuda_writes_the_cpu_file(tmp_path):
    options = dict(
        sizes="8,6",
        temperatures="1.5:3.0:3",
        samples=4,
        thermalize=6,
        interval=2,
        seed=9,
        progress=False,
    )
    cpu = generate(tmp_path / "cpu.h5", **options)
    gpu = generate(tmp_path / "gpu.h5", engine=Engine(backend="cuda"), **options)
    with h5py.File(cpu, "r") as f, h5py.File(gpu, "r") as g:
        assert f.attrs["plan"] == g.attrs["plan"]
        for group in f:
            for name in f[group]:
                np.testing.assert_array_equal(g[group][name][...], f[group][name][...])


def test_cuda_backend_errors_are_clear(monkeypatch, tmp_path):
    model = IsingModel(8, T=2.0)
    with pytest.raises(ValueError, match="backend must be one of \\('cpu', 'cuda'\\)"):
        model.update(1, Engine(backend="gpu"))
    with pytest.raises(ValueError, match="algorithm 'wolff' runs on the CPU"):
        model.update(1, Engine("wolff", backend="cuda"))
    from numba import cuda

    monkeypatch.setattr(cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="needs an NVIDIA GPU with a working driver"):
        model.update(1, Engine(backend="cuda"))
    with pytest.raises(RuntimeError, match="needs an NVIDIA GPU"):
        generate(
            tmp_path / "never.h5", "8", "2.0", 1, engine=Engine(backend="cuda"), progress=False
        )
    assert not (tmp_path / "never.h5").exists()


def test_cli_backend_flag(tmp_path, capsys):
    from isingml.cli import main

    argv = [
        "generate",
        "--sizes",
        "6",
        "--temperatures",
        "2.0,3.0",
        "--samples",
        "3",
        "--thermalize",
        "4",
        "--interval",
        "1",
        "--quiet",
    ]
    assert main([*argv, "--out", str(tmp_path / "a.h5")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b.h5"), "--backend", "cuda"]) == 0
    with h5py.File(tmp_path / "a.h5", "r") as f, h5py.File(tmp_path / "b.h5", "r") as g:
        np.testing.assert_array_equal(f["L6/spins"][...], g["L6/spins"][...])
    assert (
        main(
            [
                "simulate",
                "--size",
                "6",
                "--sweeps",
                "50",
                "--thermalize",
                "5",
                "--backend",
                "cuda",
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["simulate", "--backend", "gpu"]) == 2
    assert "argument --backend: invalid choice: 'gpu'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("L", "h", "rule", "block"),
    [
        (8, 0.0, "metropolis", (2, 1)),
        (6, 0.4, "heatbath", (4, 1)),  # ten thresholds, ten groups
        (130, 0.0, "metropolis", (32, 1)),  # two words a row, the second with one lane
    ],
)
def test_cuda_multispin_matches_the_cpu_bit_for_bit(L, h, rule, block):
    from isingml.ising.metropolis import acceptance_table
    from isingml.ising.multispin import multispin_sample, pack_checkerboard
    from isingml.ising.multispin_cuda import multispin_sample_cuda

    rng = np.random.default_rng(L)
    cpu = pack_checkerboard(to_checkerboard(rng.choice(np.int8([-1, 1]), size=(L, L))))
    gpu = cpu.copy()
    table = acceptance_table(1 / 2.3, 1.0, h, rule)
    snaps_cpu = np.empty((2, 2, L, L // 2), np.int8)
    snaps_gpu = np.empty_like(snaps_cpu)
    bonds, mags = multispin_sample(cpu, L // 2, 2, 2, 3, table, 5, 1, 1, snaps_cpu)
    bonds_g, mags_g = multispin_sample_cuda(gpu, L // 2, 2, 2, 3, table, 5, 1, snaps_gpu, block)
    np.testing.assert_array_equal(gpu, cpu)
    np.testing.assert_array_equal(snaps_gpu, snaps_cpu)
    np.testing.assert_array_equal(bonds_g, bonds)
    np.testing.assert_array_equal(mags_g, mags)
