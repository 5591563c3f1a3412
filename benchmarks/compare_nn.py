"""Side-by-side speed of the hand-written networks and PyTorch (CPU) / scikit-learn.

Run from the repository root (also part of ``python benchmarks/compare.py``)::

    python benchmarks/compare_nn.py [--quick]

The networks of ``bench_nn.py``, the same data (float32), the same batch size and
optimizer; PyTorch with as many threads as Numba; scikit-learn's MLPClassifier (100 ReLU
units, SGD, batch 64, one epoch) for the MLP. Interleaved medians, as the other
comparisons.
"""

from __future__ import annotations

import argparse
import sys

import numba
import numpy as np
from bench_nn import appendix_mlp, mnist_like, small_cnn
from timing import interleaved_medians

from isingml.nn import Conv2D


def nn_comparison(quick: bool = False) -> list[dict]:
    """Rows of (case, implementation, rate, isingml's ratio over it)."""
    repeats = 3 if quick else 7
    rows: list[dict] = []
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(int(numba.config.NUMBA_NUM_THREADS))

    # The appendix MLP.
    x, labels = mnist_like(4096)
    y = np.eye(10, dtype=np.float32)[labels]
    ours = appendix_mlp()
    ours.partial_fit(x[:64], y[:64])
    cases = {"isingml": lambda: ours.partial_fit(x, y)}  # one epoch
    if torch is not None:
        net = torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(784, 100),
            torch.nn.ReLU(),
            torch.nn.Linear(100, 10),
        )
        opt = torch.optim.SGD(net.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def torch_mlp() -> None:
            order = torch.randperm(len(xt))
            for i in range(0, len(xt), 64):
                idx = order[i : i + 64]
                opt.zero_grad()
                loss = ((net(xt[idx]) - yt[idx]) ** 2).mean()
                loss.backward()
                opt.step()

        cases[f"PyTorch {torch.__version__}"] = torch_mlp
    try:
        from sklearn.neural_network import MLPClassifier

        flat = x.reshape(len(x), -1)

        def sklearn_mlp() -> None:
            MLPClassifier(
                (100,),
                solver="sgd",
                batch_size=64,
                max_iter=1,
                learning_rate_init=1e-3,
                random_state=0,
            ).partial_fit(flat, labels, classes=np.arange(10))

        cases["scikit-learn MLPClassifier"] = sklearn_mlp
    except ImportError:
        pass
    rows += _rows(
        "MLP 784-100-10, batch 64 (samples/s)", interleaved_medians(cases, repeats), len(x)
    )

    # The small CNN.
    xc, yc = mnist_like(1024)
    cnn = small_cnn()
    cnn.partial_fit(xc[:64], yc[:64])
    cases = {"isingml": lambda: cnn.partial_fit(xc, yc)}
    if torch is not None:
        tnet = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(8 * 13 * 13, 10),
        )
        topt = torch.optim.SGD(tnet.parameters(), lr=1e-2)
        xct, yct = torch.from_numpy(xc), torch.from_numpy(yc)
        ce = torch.nn.CrossEntropyLoss()

        def torch_cnn() -> None:
            for i in range(0, len(xct), 64):
                topt.zero_grad()
                ce(tnet(xct[i : i + 64]), yct[i : i + 64]).backward()
                topt.step()

        cases[f"PyTorch {torch.__version__}"] = torch_cnn
    rows += _rows(
        "CNN conv8-pool-dense, batch 64 (samples/s)", interleaved_medians(cases, repeats), len(xc)
    )

    # Conv2D forward + backward alone.
    x64, _ = mnist_like(64)
    layer = Conv2D(8, 3)
    layer.dtype = np.float32
    layer.build((1, 28, 28), np.random.default_rng(0))
    g = np.ones((64, 8, 26, 26), dtype=np.float32)
    cases = {"isingml": lambda: (layer.forward(x64, True), layer.backward(g))}
    if torch is not None:
        conv = torch.nn.Conv2d(1, 8, 3)
        xin = torch.from_numpy(x64).requires_grad_(True)
        gt = torch.from_numpy(g)

        def torch_conv() -> None:
            conv(xin).backward(gt)

        cases[f"PyTorch {torch.__version__}"] = torch_conv
    rows += _rows(
        "Conv2D fwd+bwd, 64 x 28x28, 8 filters 3x3 (calls/s)",
        interleaved_medians(cases, repeats * 3),
        1,
    )
    return rows


def _rows(case: str, medians: dict[str, float], n: int) -> list[dict]:
    base = n / medians["isingml"]
    return [
        {"case": case, "impl": k, "rate": n / v, "ratio": base / (n / v)}
        for k, v in medians.items()
    ]


def print_nn(rows: list[dict]) -> None:
    """Print the comparison table."""
    case = None
    for r in rows:
        if r["case"] != case:
            case = r["case"]
            print(f"{case}")
        print(f"  {r['impl']:<30} {r['rate']:12.1f}   isingml/this {r['ratio']:6.2f}x")


def main(argv: list[str] | None = None) -> int:
    """Run the comparison."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    print_nn(nn_comparison(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
