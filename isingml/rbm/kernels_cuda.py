"""The CUDA twin of the RBM's layer sampling, and block-Gibbs chains that stay on the GPU.

One GPU thread per four units of a row: the same ``P(up)`` (``sigma(a)``, or ``sigma(2 a)``
for spins), the same Philox counters and the same 24-bit uniforms as
:func:`isingml.rbm.kernels.bernoulli_draws`, so the same probabilities give the same
samples bit for bit. The inputs ``a`` come from :func:`isingml._cuda_linalg.matmul`, whose
sums run in another order than BLAS's: probabilities agree to rounding, and a draw can
differ only where the uniform lies within that rounding of ``P(up)``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from isingml._backend import require_cuda, simulated
from isingml._cuda_arrays import launch_2d
from isingml._cuda_linalg import add_row, matmul
from isingml.random import (
    TAG_RBM_HIDDEN,
    TAG_RBM_VISIBLE,
    output_of_block_source,
    philox4x32_source,
)

__all__ = ["gibbs_cuda", "layer_means_cuda", "sample_layer_cuda"]

_BLOCK = (4, 2) if simulated() else (16, 8)
_philox = cuda.jit(device=True)(philox4x32_source)
_output = cuda.jit(device=True)(output_of_block_source)


@cuda.jit
def _layer(pre, scale, low, spin, k0, k1, c2, c3, means, samples):  # pragma: no cover - GPU
    r, b = cuda.grid(2)
    n, m = pre.shape
    if r >= n or 4 * b >= m:
        return
    o0, o1, o2, o3 = _philox(np.uint64(b), np.uint64(r), c2, c3, k0, k1)
    for q in range(4):
        j = 4 * b + q
        if j < m:
            o = _output(o0, o1, o2, o3, q)
            u = np.float32(o >> np.uint64(8)) * np.float32(2.0**-24)
            p = 1.0 / (1.0 + math.exp(-scale * pre[r, j]))
            samples[r, j] = 1.0 if u < p else low
            means[r, j] = 2.0 * p - 1.0 if spin else p


def sample_layer_cuda(pre, spin, seed, stream, draw, tag, means, samples) -> None:
    """:func:`isingml.rbm.kernels.sample_layer` on device arrays, in place."""
    require_cuda()
    grid = (-(-pre.shape[0] // _BLOCK[0]), -(-((pre.shape[1] + 3) // 4) // _BLOCK[1]))
    _layer[grid, _BLOCK](
        pre,
        2.0 if spin else 1.0,
        -1.0 if spin else 0.0,
        bool(spin),
        np.uint64(seed),
        np.uint64(stream),
        np.uint64(draw),
        np.uint64(tag),
        means,
        samples,
    )


@cuda.jit
def _means(pre, spin, factor, out):  # pragma: no cover - compiled for the GPU
    r, j = cuda.grid(2)
    if r >= pre.shape[0] or j >= pre.shape[1]:
        return
    a = np.float64(pre[r, j])
    out[r, j] = factor * (math.tanh(a) if spin else 1.0 / (1.0 + math.exp(-a)))


def layer_means_cuda(pre, spin: bool, out, factor: float = 1.0) -> None:
    """``out = factor * E[unit | a]`` (``tanh a`` for spins, ``sigma(a)`` for binary units)
    for the device array of inputs ``pre``, without drawing samples."""
    _means[launch_2d(pre.shape)](pre, bool(spin), float(factor), out)


def gibbs_cuda(
    weights: np.ndarray,
    visible_bias: np.ndarray,
    hidden_bias: np.ndarray,
    v: np.ndarray,
    steps: int,
    seed: int,
    stream: int,
    spin: bool,
) -> np.ndarray:
    """``steps`` block-Gibbs steps from each row of ``v`` on the GPU, as ``RBM.gibbs``.

    Parameters
    ----------
    weights : ndarray, shape (n_hidden, n_visible)
    visible_bias, hidden_bias : ndarray
    v : ndarray, shape (n, n_visible)
        Starting states (copied; the chains stay on the device until the end).
    steps, seed, stream : int
    spin : bool

    Returns
    -------
    ndarray, shape (n, n_visible)
    """
    require_cuda()
    dtype = v.dtype
    d_w = cuda.to_device(np.ascontiguousarray(weights, dtype=dtype))
    d_bv = cuda.to_device(np.ascontiguousarray(visible_bias, dtype=dtype))
    d_bh = cuda.to_device(np.ascontiguousarray(hidden_bias, dtype=dtype))
    x = cuda.to_device(np.ascontiguousarray(v))
    n, n_hidden = v.shape[0], weights.shape[0]
    pre_h = cuda.device_array((n, n_hidden), dtype=dtype)
    h = cuda.device_array((n, n_hidden), dtype=dtype)
    means_h = cuda.device_array((n, n_hidden), dtype=dtype)
    pre_v = cuda.device_array(v.shape, dtype=dtype)
    means_v = cuda.device_array(v.shape, dtype=dtype)
    for s in range(steps):
        matmul(x, d_w, trans_b=True, out=pre_h)
        add_row(pre_h, d_bh)
        sample_layer_cuda(pre_h, spin, seed, stream, s, TAG_RBM_HIDDEN, means_h, h)
        matmul(h, d_w, out=pre_v)
        add_row(pre_v, d_bv)
        sample_layer_cuda(pre_v, spin, seed, stream, s, TAG_RBM_VISIBLE, means_v, x)
    return x.copy_to_host()
