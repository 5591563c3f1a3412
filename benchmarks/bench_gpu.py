"""GPU kernels against the CPU kernels and, where installed, PyTorch on the GPU: one process.

Run from the repository root on a machine with an NVIDIA GPU::

    python benchmarks/bench_gpu.py                   # L = 1024 ... 32768, a few minutes
    python benchmarks/bench_gpu.py --quick           # L = 1024 ... 8192
    python benchmarks/bench_gpu.py --json gpu.json
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/bench_gpu.py --smoke   # tiny, any machine

Three tables, each case timed in this process so that the ratios share the machine's state:

1. Ising Metropolis at T_c, spin-flip attempts per ns: the byte-spin and the multi-spin
   kernels on the GPU (``IsingModel.thermalize(..., Engine(kernel=..., backend="cuda"))``), the
   same kernels on the CPU with all threads, and a checkerboard Metropolis written in
   PyTorch on the GPU (``torch.roll`` neighbour sums, ``torch.rand``), the peer a user
   would write. A GPU run copies the lattice over and back once per call; the rate is
   taken from the difference of two calls with ``n`` and ``2 n`` sweeps, which cancels
   the copies and the launch set-up.
2. RBM block-Gibbs sampling, chain-steps per second (``RBM.gibbs(..., backend=...)``),
   against the CPU and ``torch.bernoulli(torch.sigmoid(...))`` chains on the GPU.
3. Training an MLP (784-256-10, ReLU, cross-entropy, Adam, batches of 256), samples per
   second (``Sequential(..., backend=...).partial_fit``), against the CPU and the same network in
   PyTorch on the GPU.

``--smoke`` runs every path once on tiny inputs (under the CUDA simulator when set) so that
the script is checked on every CI run; its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable

import numba
import numpy as np

from isingml.ising import Engine, IsingModel
from isingml.ising.exact import T_C
from isingml.nn import Adam, Dense, ReLU, Sequential
from isingml.rbm import RBM

SIZES = (1024, 2048, 4096, 8192, 16384, 32768)


def gpu_name() -> str | None:
    """The GPU's name, "CUDA simulator", or None without one."""
    if numba.config.ENABLE_CUDASIM:
        return "CUDA simulator"
    try:
        from numba import cuda

        if not cuda.is_available():
            return None
        return cuda.get_current_device().name.decode()
    except Exception:  # no driver, no numba-cuda
        return None


def torch_cuda():
    """``torch`` when it is installed with a usable GPU, else None."""
    if numba.config.ENABLE_CUDASIM:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def best_of(run: Callable[[], None], repeats: int) -> float:
    """The shortest of ``repeats`` timed calls of ``run`` (after one untimed call)."""
    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def sweep_rate(sweeps: Callable[[int], None], n: int, n_spins: int, repeats: int) -> float:
    """Spin-flip attempts per ns from calls of ``n`` and ``2 n`` sweeps (their difference
    cancels what a call costs besides the sweeps); NaN when the difference is lost in the
    noise (too few sweeps)."""
    short = best_of(lambda: sweeps(n), repeats)
    long = best_of(lambda: sweeps(2 * n), repeats)
    return n * n_spins / (long - short) / 1e9 if long > short else float("nan")


# -- PyTorch peers ------------------------------------------------------------------------


def torch_metropolis(torch, L: int, T: float):
    """A checkerboard Metropolis sweep function on the GPU in PyTorch."""
    dev = torch.device("cuda")
    s = torch.where(torch.rand(L, L, device=dev) < 0.5, -1.0, 1.0)
    idx = torch.arange(L, device=dev)
    colour = ((idx[:, None] + idx[None, :]) % 2).bool()

    def sweeps(n: int) -> None:
        nonlocal s
        for _ in range(n):
            for mask in (colour, ~colour):
                h = (
                    torch.roll(s, 1, 0)
                    + torch.roll(s, -1, 0)
                    + torch.roll(s, 1, 1)
                    + torch.roll(s, -1, 1)
                )
                accept = torch.rand(L, L, device=dev) < torch.exp(-2.0 * s * h / T)
                s = torch.where(mask & accept, -s, s)
        torch.cuda.synchronize()

    return sweeps


def torch_gibbs(torch, W: np.ndarray, b_v: np.ndarray, b_h: np.ndarray, v: np.ndarray):
    dev = torch.device("cuda")
    tw, tv, th = (torch.tensor(a, device=dev) for a in (W, b_v, b_h))
    x0 = torch.tensor(v, device=dev)

    def run(steps: int) -> None:
        x = x0
        for _ in range(steps):
            h = torch.bernoulli(torch.sigmoid(x @ tw.T + th))
            x = torch.bernoulli(torch.sigmoid(h @ tw + tv))
        torch.cuda.synchronize()

    return run


def torch_mlp(torch, x: np.ndarray, y: np.ndarray, hidden: int, batch: int):
    dev = torch.device("cuda")
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    ).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x, device=dev), torch.tensor(y, device=dev)
    loss = torch.nn.CrossEntropyLoss()

    def epoch() -> None:
        order = torch.randperm(len(tx), device=dev)
        for i in range(0, len(tx), batch):
            idx = order[i : i + batch]
            opt.zero_grad()
            loss(net(tx[idx]), ty[idx]).backward()
            opt.step()
        torch.cuda.synchronize()

    return epoch


# -- the three tables ---------------------------------------------------------------------


def ising_table(sizes, n: int, repeats: int, torch) -> list[dict]:
    rows = []
    for L in sizes:
        row: dict = {"L": L}
        model = IsingModel(L, T_C, seed=1)
        for kernel in ("byte", "multispin"):
            for backend in ("cuda", "cpu"):
                if backend == "cpu" and L > 8192:
                    continue  # minutes per call on a CPU; the ratio is known from 8192

                engine = Engine("metropolis", kernel=kernel, backend=backend)

                def sweeps(k: int, model=model, engine=engine) -> None:
                    model.thermalize(k, engine)

                row[f"{kernel}_{backend}"] = sweep_rate(sweeps, n, L * L, repeats)
        if torch is not None:
            row["torch_cuda"] = sweep_rate(torch_metropolis(torch, L, T_C), n, L * L, repeats)
        rows.append(row)
        print(_ising_line(row), flush=True)
    return rows


def _ising_line(row: dict) -> str:
    def f(key: str) -> str:
        return f"{row[key]:9.1f}" if key in row else "        -"

    def ratio(a: str, b: str) -> str:
        return f"{row[a] / row[b]:8.1f}x" if a in row and b in row else "        -"

    return (
        f"L={row['L']:<6} byte {f('byte_cuda')} multispin {f('multispin_cuda')} | CPU "
        f"byte {f('byte_cpu')} multispin {f('multispin_cpu')} | torch {f('torch_cuda')} | "
        f"multispin/CPU {ratio('multispin_cuda', 'multispin_cpu')} multispin/torch "
        f"{ratio('multispin_cuda', 'torch_cuda')}"
    )


def gibbs_table(
    n_visible: int, n_hidden: int, chains: int, steps: int, repeats: int, torch
) -> dict:
    rng = np.random.default_rng(0)
    X = (rng.random((64, n_visible)) < 0.5).astype(np.float32)
    rbm = RBM(n_hidden=n_hidden, n_epochs=0, seed=0).fit(X)
    rbm.components_[:] = rng.normal(scale=0.05, size=rbm.components_.shape)
    v = (rng.random((chains, n_visible)) < 0.5).astype(np.float32)
    out = {"n_visible": n_visible, "n_hidden": n_hidden, "chains": chains, "steps": steps}
    for backend in ("cuda", "cpu"):
        seconds = best_of(lambda b=backend: rbm.gibbs(v, steps, seed=1, backend=b), repeats)
        out[f"{backend}_chain_steps_per_s"] = chains * steps / seconds
    if torch is not None:
        run = torch_gibbs(torch, rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_, v)
        out["torch_cuda_chain_steps_per_s"] = chains * steps / best_of(lambda: run(steps), repeats)
    return out


def mlp_table(n: int, features: int, hidden: int, batch: int, repeats: int, torch) -> dict:
    rng = np.random.default_rng(0)
    x = rng.random((n, features), dtype=np.float32)
    y = rng.integers(0, 10, size=n)
    out = {"samples": n, "features": features, "hidden": hidden, "batch": batch}
    for backend in ("cuda", "cpu"):
        model = Sequential(
            layers=[Dense(hidden), ReLU(), Dense(10)],
            loss="cross_entropy",
            optimizer=Adam(1e-3),
            batch_size=batch,
            backend=backend,
        )
        seconds = best_of(lambda m=model: m.partial_fit(x, y), repeats)
        out[f"{backend}_samples_per_s"] = n / seconds
    if torch is not None:
        epoch = torch_mlp(torch, x, y, hidden, batch)
        out["torch_cuda_samples_per_s"] = n / best_of(epoch, repeats)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (1 without a GPU)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="L up to 8192, fewer repeats")
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, every path once")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="lattice sides")
    parser.add_argument("--json", default=None, help="write the results to this file")
    args = parser.parse_args(argv)
    gpu = gpu_name()
    if gpu is None:
        print(
            "bench_gpu: no CUDA GPU found (NUMBA_ENABLE_CUDASIM=1 ... --smoke checks the "
            "script on any machine)",
            file=sys.stderr,
        )
        return 1
    torch = torch_cuda()
    if args.smoke:
        sizes, n, repeats = args.sizes or (64,), 1, 1
        gibbs = (16, 8, 4, 1)
        mlp = (32, 8, 4, 16)
    else:
        sizes = args.sizes or (SIZES[:4] if args.quick else SIZES)
        n, repeats = (20, 3) if args.quick else (50, 5)
        gibbs = (1024, 1024, 4096, 20)
        mlp = (60_000, 784, 256, 256)
    print(
        f"GPU {gpu}; CPU {platform.processor() or platform.machine()}, "
        f"{numba.config.NUMBA_NUM_THREADS} threads; PyTorch on the GPU: "
        f"{'yes, ' + torch.__version__ if torch else 'no'}"
    )
    print("Ising Metropolis at T_c, spin-flip attempts per ns")
    results: dict = {"gpu": gpu, "torch": getattr(torch, "__version__", None)}
    results["ising"] = ising_table(sizes, n, repeats, torch)
    results["gibbs"] = gibbs_table(*gibbs, repeats, torch)
    print(
        "RBM Gibbs sampling, chain-steps per s:",
        {k: f"{v:.3g}" for k, v in results["gibbs"].items()},
    )
    results["mlp"] = mlp_table(*mlp, repeats, torch)
    print("MLP training, samples per s:", {k: f"{v:.3g}" for k, v in results["mlp"].items()})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
