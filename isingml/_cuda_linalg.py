"""Dense linear algebra on the GPU for the CUDA twins: a tiled shared-memory matrix product.

``C = op(A) @ op(B)`` with ``op`` the identity or the transpose, in the arrays' float type;
each block of ``TILE x TILE`` threads computes one tile of ``C`` from tiles of ``A`` and
``B`` staged in shared memory. Sums run in a different order than BLAS's, so results agree
with NumPy to floating-point tolerance, not bit for bit. This module imports
``numba.cuda``; the package imports it only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda, simulated
from isingml.errors import InputError

__all__ = ["TILE", "add_row", "matmul"]

#: Threads per block side, and the side of the shared-memory tiles (4 under the simulator:
#: each thread adds the products in the order of the inner index whatever the tile, so the
#: bits do not depend on it).
TILE = 4 if simulated() else 16


def _make_matmul(dtype):
    @cuda.jit
    def kernel(a, b, c, trans_a, trans_b):  # pragma: no cover - compiled for the GPU
        sa = cuda.shared.array((TILE, TILE), dtype)
        sb = cuda.shared.array((TILE, TILE), dtype)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        row = cuda.blockIdx.y * TILE + ty
        col = cuda.blockIdx.x * TILE + tx
        n, m = c.shape
        inner = a.shape[0] if trans_a else a.shape[1]
        acc = dtype(0)
        for t in range((inner + TILE - 1) // TILE):
            k = t * TILE + tx
            if row < n and k < inner:
                sa[ty, tx] = a[k, row] if trans_a else a[row, k]
            else:
                sa[ty, tx] = 0
            k = t * TILE + ty
            if col < m and k < inner:
                sb[ty, tx] = b[col, k] if trans_b else b[k, col]
            else:
                sb[ty, tx] = 0
            cuda.syncthreads()
            for j in range(TILE):
                acc += sa[ty, j] * sb[j, tx]
            cuda.syncthreads()
        if row < n and col < m:
            c[row, col] = acc

    return kernel


_MATMUL = {
    np.dtype(np.float32): _make_matmul(np.float32),
    np.dtype(np.float64): _make_matmul(np.float64),
}


@cuda.jit
def _add_row(c, v):  # pragma: no cover - compiled for the GPU
    i, j = cuda.grid(2)
    if i < c.shape[0] and j < c.shape[1]:
        c[i, j] += v[j]


def matmul(a, b, trans_a: bool = False, trans_b: bool = False, out=None):
    """``op(a) @ op(b)`` of device (or host) 2-D arrays of one float type, on the GPU.

    Returns
    -------
    numba.cuda device array
        ``out`` when given (shape ``(rows of op(a), columns of op(b))``).
    """
    require_cuda()
    n = a.shape[1] if trans_a else a.shape[0]
    inner = a.shape[0] if trans_a else a.shape[1]
    m = b.shape[0] if trans_b else b.shape[1]
    if (b.shape[1] if trans_b else b.shape[0]) != inner:
        raise InputError(f"matmul: shapes {a.shape} and {b.shape} do not fit")
    if np.dtype(a.dtype) != np.dtype(b.dtype) or np.dtype(a.dtype) not in _MATMUL:
        raise InputError(
            f"matmul: float32 or float64 operands of one type, got {a.dtype}, {b.dtype}"
        )
    if out is None:
        out = cuda.device_array((n, m), dtype=a.dtype)
    grid = (-(-m // TILE), -(-n // TILE))
    _MATMUL[np.dtype(a.dtype)][grid, (TILE, TILE)](a, b, out, trans_a, trans_b)
    return out


def add_row(c, v) -> None:
    """``c += v`` for every row of the device array ``c`` (a bias)."""
    grid = (-(-c.shape[0] // TILE), -(-c.shape[1] // TILE))
    _add_row[grid, (TILE, TILE)](c, v)
