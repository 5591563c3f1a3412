"""Elementwise and row-wise kernels on device arrays, shared by the GPU training loops.

Gathering a minibatch's rows, scaling, column sums and means, and the parameter steps of
gradient descent (plain, with momentum, Adam) on ``numba.cuda`` device arrays of float32 or
float64. Every arithmetic runs in float64 and is stored in the arrays' type; the results
equal the CPU's NumPy arithmetic to rounding. This module imports ``numba.cuda``; the
package imports it only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from isingml._backend import simulated

__all__ = [
    "BLOCK_2D",
    "THREADS",
    "adam_step",
    "column_mean_difference",
    "column_sums",
    "flat",
    "gather_rows",
    "launch_1d",
    "launch_2d",
    "momentum_ascent",
    "scale",
    "sgd_step",
]

#: Threads per block of the one-dimensional kernels (fewer under the simulator, where each
#: is a Python thread; results do not depend on it).
THREADS = 16 if simulated() else 128


#: Threads per block of the two-dimensional kernels.
BLOCK_2D = (4, 4) if simulated() else (16, 16)


def launch_1d(n: int) -> tuple[int, int]:
    """``(blocks, threads)`` covering ``n`` elements (at least one block)."""
    return max(1, -(-n // THREADS)), THREADS


def launch_2d(shape: tuple[int, ...]) -> tuple[tuple[int, int], tuple[int, int]]:
    """``(grid, block)`` covering a 2-D index space of ``shape`` (at least one block)."""
    return (max(1, -(-shape[0] // BLOCK_2D[0])), max(1, -(-shape[1] // BLOCK_2D[1]))), BLOCK_2D


def flat(x):
    """The device array ``x`` as a 1-D view (C-contiguous arrays only)."""
    return x.reshape(x.size)


@cuda.jit
def _gather(src, idx, out):  # pragma: no cover - compiled for the GPU
    r, j = cuda.grid(2)
    if r < out.shape[0] and j < out.shape[1]:
        out[r, j] = src[idx[r], j]


def gather_rows(src, idx, out) -> None:
    """``out[r] = src[idx[r]]`` for the 2-D device arrays ``src`` and ``out``."""
    _gather[launch_2d(out.shape)](src, idx, out)


@cuda.jit
def _scale(x, factor):  # pragma: no cover - compiled for the GPU
    i = cuda.grid(1)
    if i < x.size:
        x[i] = np.float64(x[i]) * factor


def scale(x, factor: float) -> None:
    """``x *= factor`` in place."""
    f = flat(x)
    _scale[launch_1d(f.size)](f, float(factor))


@cuda.jit
def _column_sums(g, out):  # pragma: no cover - compiled for the GPU
    j = cuda.grid(1)
    if j >= out.size:
        return
    acc = np.float64(0.0)
    for i in range(g.shape[0]):
        acc += g[i, j]
    out[j] = acc


def column_sums(g, out) -> None:
    """``out[j] = sum_i g[i, j]`` (summed in float64)."""
    _column_sums[launch_1d(out.size)](g, out)


@cuda.jit
def _column_mean_difference(x, n_first, factor, out):  # pragma: no cover - GPU
    j = cuda.grid(1)
    if j >= out.size:
        return
    first = np.float64(0.0)
    second = np.float64(0.0)
    for i in range(n_first):
        first += x[i, j]
    for i in range(n_first, x.shape[0]):
        second += x[i, j]
    out[j] = factor * (first / n_first - second / (x.shape[0] - n_first))


def column_mean_difference(x, n_first: int, factor: float, out) -> None:
    """``out = factor * (mean of rows [:n_first] - mean of rows [n_first:])`` per column."""
    _column_mean_difference[launch_1d(out.size)](x, n_first, float(factor), out)


@cuda.jit
def _momentum_ascent(p, g, vel, momentum):  # pragma: no cover - compiled for the GPU
    i = cuda.grid(1)
    if i >= p.size:
        return
    if momentum != 0.0:
        v = momentum * np.float64(vel[i]) + g[i]
        vel[i] = v
        p[i] += vel[i]
    else:
        p[i] += g[i]


def momentum_ascent(p, g, vel, momentum: float) -> None:
    """``vel = momentum vel + g; p += vel`` (``p += g`` without momentum), in place."""
    f = flat(p)
    _momentum_ascent[launch_1d(f.size)](f, flat(g), flat(vel), float(momentum))


@cuda.jit
def _sgd(p, g, vel, rate, momentum, halt):  # pragma: no cover - compiled for the GPU
    i = cuda.grid(1)
    if i >= p.size or halt[0] != 0:
        return
    if momentum != 0.0:
        vel[i] = momentum * np.float64(vel[i]) - rate * np.float64(g[i])
        p[i] += vel[i]
    else:
        p[i] -= rate * np.float64(g[i])


def sgd_step(p, g, vel, rate: float, momentum: float, halt) -> None:
    """:class:`isingml.nn.SGD`'s step: ``vel = mu vel - rate g; p += vel`` (``p -= rate g``
    without momentum; ``vel`` is then unused). Nothing happens while the device flag
    ``halt[0]`` is set."""
    f = flat(p)
    _sgd[launch_1d(f.size)](f, flat(g), flat(vel), float(rate), float(momentum), halt)


@cuda.jit
def _adam(p, g, m, v, step, beta1, beta2, c2, eps, halt):  # pragma: no cover - GPU
    i = cuda.grid(1)
    if i >= p.size or halt[0] != 0:
        return
    gi = np.float64(g[i])
    m[i] = beta1 * np.float64(m[i]) + (1.0 - beta1) * gi
    v[i] = beta2 * np.float64(v[i]) + (1.0 - beta2) * gi * gi
    p[i] -= step * m[i] / (math.sqrt(v[i] / c2) + eps)


def adam_step(
    p, g, m, v, rate: float, beta1: float, beta2: float, t: int, eps: float, halt
) -> None:
    """:class:`isingml.nn.Adam`'s bias-corrected step number ``t`` (from 1), in place;
    nothing happens while the device flag ``halt[0]`` is set."""
    c1 = 1.0 - beta1**t
    c2 = 1.0 - beta2**t
    f = flat(p)
    _adam[launch_1d(f.size)](
        f,
        flat(g),
        flat(m),
        flat(v),
        float(rate / c1),
        float(beta1),
        float(beta2),
        float(c2),
        float(eps),
        halt,
    )
