"""benchmarks/bench_gpu.py runs every path on tiny inputs under the CUDA simulator (its
numbers mean nothing there; the GPU figures in the README come from a real GPU)."""

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.gpu


def test_gpu_benchmark_script_runs_every_path(tmp_path, capsys):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "gpu.json"
    assert bench.main(["--smoke", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["gpu"] == "CUDA simulator"
    assert set(results["ising"][0]) >= {"L", "byte_cuda", "multispin_cuda", "byte_cpu"}
    assert results["gibbs"]["cuda_chain_steps_per_s"] > 0
    assert results["mlp"]["cuda_samples_per_s"] > 0
    assert "Ising Metropolis" in capsys.readouterr().out
