"""CUDA twins of the convolution and pooling kernels of :mod:`isingml.nn.conv`.

One GPU thread per output value (forward), per input value (``dL/dx``, gathered rather
than scattered, so no atomics), per filter weight (``dL/dw``) and per filter (``dL/db``).
Every value is summed in the CPU kernel's order; the pooling twins therefore give the same
bits, and the convolutions agree to rounding (fused multiply-adds may be placed
differently). Sums the CPU kernel does in double are written in double explicitly: the
CUDA simulator follows NumPy's scalar rules, where ``float32 / int`` stays float32. This
module imports ``numba.cuda``; the package imports it only when a CUDA backend is asked for.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml._cuda_arrays import launch_1d
from isingml.nn.conv import pool_window_source

__all__ = [
    "conv2d_backward_cuda",
    "conv2d_forward_cuda",
    "pool2d_backward_cuda",
    "pool2d_forward_cuda",
]


@cuda.jit(device=True)
def _unflatten(t, d1, d2, d3):  # pragma: no cover - compiled for the GPU
    """Thread index ``t`` as 4-D indices of a C-ordered array whose last three sides are
    ``d1, d2, d3``."""
    return t // (d3 * d2 * d1), (t // (d3 * d2)) % d1, (t // d3) % d2, t % d3


_pool_window = cuda.jit(device=True)(pool_window_source)


def _launch(kernel, n, *args):
    kernel[launch_1d(n)](*args)


@cuda.jit
def _conv_forward(x, w, b, sh, sw, ph, pw, y):  # pragma: no cover - compiled for the GPU
    t = cuda.grid(1)
    _, n_f, ho, wo = y.shape
    if t >= y.size:
        return
    n, f, i, j = _unflatten(t, n_f, ho, wo)
    n_c, h, wd = x.shape[1], x.shape[2], x.shape[3]
    acc = b[f]
    for c in range(n_c):
        for u in range(w.shape[2]):
            r = i * sh + u - ph
            if r < 0 or r >= h:
                continue
            for v in range(w.shape[3]):
                col = j * sw + v - pw
                if 0 <= col < wd:
                    acc += w[f, c, u, v] * x[n, c, r, col]
    y[n, f, i, j] = acc


@cuda.jit
def _conv_dx(w, g, sh, sw, ph, pw, dx):  # pragma: no cover - compiled for the GPU
    t = cuda.grid(1)
    _, n_c, h, wd = dx.shape
    if t >= dx.size:
        return
    n, c, r, col = _unflatten(t, n_c, h, wd)
    ho, wo = g.shape[2], g.shape[3]
    acc = np.float64(0.0)
    for f in range(w.shape[0]):
        for u in range(w.shape[2]):
            top = r + ph - u
            if top < 0 or top % sh != 0 or top // sh >= ho:
                continue
            i = top // sh
            for v in range(w.shape[3]):
                left = col + pw - v
                if left < 0 or left % sw != 0 or left // sw >= wo:
                    continue
                acc += w[f, c, u, v] * g[n, f, i, left // sw]
    dx[n, c, r, col] = acc


@cuda.jit
def _conv_dw(x, g, sh, sw, ph, pw, dw):  # pragma: no cover - compiled for the GPU
    t = cuda.grid(1)
    _, n_c, kh, kw = dw.shape
    if t >= dw.size:
        return
    f, c, u, v = _unflatten(t, n_c, kh, kw)
    h, wd = x.shape[2], x.shape[3]
    acc = np.float64(0.0)
    for n in range(x.shape[0]):
        for i in range(g.shape[2]):
            r = i * sh + u - ph
            if r < 0 or r >= h:
                continue
            for j in range(g.shape[3]):
                col = j * sw + v - pw
                if 0 <= col < wd:
                    acc += g[n, f, i, j] * x[n, c, r, col]
    dw[f, c, u, v] = acc


@cuda.jit
def _conv_db(g, db):  # pragma: no cover - compiled for the GPU
    f = cuda.grid(1)
    if f >= db.size:
        return
    acc = np.float64(0.0)
    for n in range(g.shape[0]):
        for i in range(g.shape[2]):
            for j in range(g.shape[3]):
                acc += g[n, f, i, j]
    db[f] = acc


def conv2d_forward_cuda(x, w, b, stride_h, stride_w, pad_h, pad_w):
    """:func:`isingml.nn.conv.conv2d_forward` on the GPU; returns a device array."""
    require_cuda()
    n_b, _, h, wd = x.shape
    n_f, _, kh, kw = w.shape
    ho = (h + 2 * pad_h - kh) // stride_h + 1
    wo = (wd + 2 * pad_w - kw) // stride_w + 1
    y = cuda.device_array((n_b, n_f, ho, wo), dtype=x.dtype)
    _launch(_conv_forward, y.size, x, w, b, stride_h, stride_w, pad_h, pad_w, y)
    return y


def conv2d_backward_cuda(x, w, g, stride_h, stride_w, pad_h, pad_w, input_grad=True):
    """:func:`isingml.nn.conv.conv2d_backward` on the GPU: device ``(dx, dw, db)``
    (``dx`` is None without ``input_grad``)."""
    require_cuda()
    dx = None
    if input_grad:
        dx = cuda.device_array(x.shape, dtype=x.dtype)
        _launch(_conv_dx, dx.size, w, g, stride_h, stride_w, pad_h, pad_w, dx)
    dw = cuda.device_array(w.shape, dtype=w.dtype)
    _launch(_conv_dw, dw.size, x, g, stride_h, stride_w, pad_h, pad_w, dw)
    db = cuda.device_array(w.shape[0], dtype=w.dtype)
    _launch(_conv_db, db.size, g, db)
    return dx, dw, db


@cuda.jit
def _pool_forward(x, ph, pw, sh, sw, use_max, y, arg):  # pragma: no cover - GPU
    t = cuda.grid(1)
    _, n_c, ho, wo = y.shape
    if t >= y.size:
        return
    n, c, i, j = _unflatten(t, n_c, ho, wo)
    value, where = _pool_window(x, n, c, i, j, ph, pw, sh, sw, use_max)
    y[n, c, i, j] = value
    if use_max:
        arg[n, c, i, j] = where


@cuda.jit
def _pool_dx(g, arg, ph, pw, sh, sw, use_max, dx):  # pragma: no cover - GPU
    t = cuda.grid(1)
    _, n_c, h, wd = dx.shape
    if t >= dx.size:
        return
    n, c, r, col = _unflatten(t, n_c, h, wd)
    ho, wo = g.shape[2], g.shape[3]
    # The outputs whose window holds (r, col), added in the CPU's order of (i, j) and,
    # like the CPU, rounded to dx's type after each addition.
    dx[n, c, r, col] = 0
    for i in range(ho):
        if r < i * sh or r >= i * sh + ph:
            continue
        for j in range(wo):
            if col < j * sw or col >= j * sw + pw:
                continue
            if use_max:
                if arg[n, c, i, j] == r * wd + col:
                    dx[n, c, r, col] += g[n, c, i, j]
            else:
                dx[n, c, r, col] += np.float64(g[n, c, i, j]) / (ph * pw)


def pool2d_forward_cuda(x, pool_h, pool_w, stride_h, stride_w, use_max):
    """Max or average pooling on the GPU: device ``(y, argmax)`` like the CPU kernel."""
    require_cuda()
    n_b, n_c, h, wd = x.shape
    ho = (h - pool_h) // stride_h + 1
    wo = (wd - pool_w) // stride_w + 1
    y = cuda.device_array((n_b, n_c, ho, wo), dtype=x.dtype)
    arg = cuda.to_device(np.zeros((n_b, n_c, ho, wo), dtype=np.int64))
    _launch(_pool_forward, y.size, x, pool_h, pool_w, stride_h, stride_w, use_max, y, arg)
    return y, arg


def pool2d_backward_cuda(shape, g, arg, pool_h, pool_w, stride_h, stride_w, use_max):
    """``dL/dx`` of the pooling on the GPU (a device array of ``shape``)."""
    require_cuda()
    dx = cuda.device_array(tuple(shape), dtype=g.dtype)
    _launch(_pool_dx, dx.size, g, arg, pool_h, pool_w, stride_h, stride_w, use_max, dx)
    return dx
