"""The CUDA twin of the Dense layer's forward and backward passes (:class:`isingml.nn.Dense`).

``y = x W + b``; ``dL/dW = x^T g``, ``dL/db = sum_rows g``, ``dL/dx = g W^T``, on device
arrays, with the tiled product of :mod:`isingml.cuda_linalg`: equal to the CPU's to
rounding. This module imports ``numba.cuda``; the package imports it only when a CUDA
backend is asked for.
"""

from __future__ import annotations

from numba import cuda

from isingml._backend import require_cuda
from isingml.cuda_arrays import column_sums
from isingml.cuda_linalg import add_row, matmul

__all__ = ["dense_backward_cuda", "dense_forward_cuda"]


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
