"""CUDA twins of the layers of :mod:`isingml.nn.layers`: Dense, the activations, softmax.

Dense: ``y = x W + b``; ``dL/dW = x^T g``, ``dL/db = sum_rows g``, ``dL/dx = g W^T``, on
device arrays, with the tiled product of :mod:`isingml._cuda_linalg`. Activations (ReLU,
LeakyReLU, Sigmoid, Tanh) one thread per element and softmax one thread per row, computed
in float64 and stored in the arrays' type. All equal the CPU's to rounding. This module
imports ``numba.cuda``; the package imports it only when a CUDA backend is asked for.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml._cuda_arrays import column_sums, flat, launch_1d
from isingml._cuda_linalg import add_row, matmul

__all__ = [
    "ACTIVATIONS",
    "activation_backward_cuda",
    "activation_forward_cuda",
    "dense_backward_cuda",
    "dense_forward_cuda",
    "softmax_backward_cuda",
    "softmax_forward_cuda",
]


def dense_forward_cuda(x, weights, bias=None):
    """``x @ weights (+ bias)`` on the GPU; a device array."""
    require_cuda()
    y = matmul(x, weights)
    if bias is not None:
        add_row(y, bias)
    return y


def dense_backward_cuda(x, weights, g, use_bias: bool = True, input_grad: bool = True):
    """Device ``(dW, db, dx)`` of :func:`dense_forward_cuda` given ``g = dL/dy`` (``db`` is
    None without a bias, ``dx`` None without ``input_grad``)."""
    require_cuda()
    dw = matmul(x, g, trans_a=True)
    db = None
    if use_bias:
        db = cuda.device_array(g.shape[1], dtype=g.dtype)
        column_sums(g, db)
    dx = matmul(g, weights, trans_b=True) if input_grad else None
    return dw, db, dx


# -- activations: one thread per element, in float64, stored in the arrays' type ----------

_RELU, _LEAKY, _SIGMOID, _TANH = 0, 1, 2, 3

#: Activation layers with elementwise twins, by class name.
ACTIVATIONS = {"ReLU": _RELU, "LeakyReLU": _LEAKY, "Sigmoid": _SIGMOID, "Tanh": _TANH}


@cuda.jit
def _activation_forward(kind, alpha, x, y):  # pragma: no cover - compiled for the GPU
    i = cuda.grid(1)
    if i >= x.size:
        return
    v = np.float64(x[i])
    if kind == _RELU:
        y[i] = v if v > 0.0 else 0.0
    elif kind == _LEAKY:
        y[i] = v if v > 0.0 else alpha * v
    elif kind == _SIGMOID:
        e = math.exp(-abs(v))
        y[i] = 1.0 / (1.0 + e) if v >= 0.0 else e / (1.0 + e)
    else:
        y[i] = math.tanh(v)


@cuda.jit
def _activation_backward(kind, alpha, x, y, g, dx):  # pragma: no cover - GPU
    i = cuda.grid(1)
    if i >= x.size:
        return
    gi = np.float64(g[i])
    if kind == _RELU:
        dx[i] = gi if x[i] > 0 else 0.0
    elif kind == _LEAKY:
        dx[i] = gi if x[i] > 0 else alpha * gi
    elif kind == _SIGMOID:
        yi = np.float64(y[i])
        dx[i] = gi * yi * (1.0 - yi)
    else:
        yi = np.float64(y[i])
        dx[i] = gi * (1.0 - yi * yi)


def activation_forward_cuda(name: str, x, alpha: float = 0.0):
    """The activation layer ``name`` (a key of :data:`ACTIVATIONS`) on the device array
    ``x``; a new device array."""
    y = cuda.device_array(x.shape, dtype=x.dtype)
    _activation_forward[launch_1d(x.size)](ACTIVATIONS[name], float(alpha), flat(x), flat(y))
    return y


def activation_backward_cuda(name: str, x, y, g, alpha: float = 0.0):
    """``dL/dx`` of :func:`activation_forward_cuda` given its input ``x``, output ``y`` and
    ``g = dL/dy``; a new device array."""
    dx = cuda.device_array(x.shape, dtype=x.dtype)
    _activation_backward[launch_1d(x.size)](
        ACTIVATIONS[name], float(alpha), flat(x), flat(y), flat(g), flat(dx)
    )
    return dx


@cuda.jit
def _softmax_rows(x, y):  # pragma: no cover - compiled for the GPU
    r = cuda.grid(1)
    if r >= x.shape[0]:
        return
    top = np.float64(x[r, 0])
    for j in range(1, x.shape[1]):
        top = max(top, np.float64(x[r, j]))
    total = np.float64(0.0)
    for j in range(x.shape[1]):
        total += math.exp(np.float64(x[r, j]) - top)
    for j in range(x.shape[1]):
        y[r, j] = math.exp(np.float64(x[r, j]) - top) / total


@cuda.jit
def _softmax_backward_rows(y, g, dx):  # pragma: no cover - compiled for the GPU
    r = cuda.grid(1)
    if r >= y.shape[0]:
        return
    dot = np.float64(0.0)
    for j in range(y.shape[1]):
        dot += np.float64(g[r, j]) * y[r, j]
    for j in range(y.shape[1]):
        dx[r, j] = y[r, j] * (g[r, j] - dot)


def softmax_forward_cuda(x):
    """Row-wise softmax of the 2-D device array ``x``; a new device array."""
    y = cuda.device_array(x.shape, dtype=x.dtype)
    _softmax_rows[launch_1d(x.shape[0])](x, y)
    return y


def softmax_backward_cuda(y, g):
    """``dL/dx = y (g - sum_k g_k y_k)`` row by row; a new device array."""
    dx = cuda.device_array(y.shape, dtype=y.dtype)
    _softmax_backward_rows[launch_1d(y.shape[0])](y, g, dx)
    return dx
