"""Convolution and pooling layers: direct ("naive") loops as in the primer's Figs. 9-11,
compiled by Numba and parallel over the batch.

The kernels are compiled with :data:`isingml._numba.FASTMATH` (reassociation, so that the
sums vectorize). Arrays are channels-first: inputs ``(B, C, H, W)``, filters
``(F, C, kh, kw)``. With
stride ``s`` and zero padding ``p`` the output is ``(B, F, Ho, Wo)``,
``Ho = (H + 2p - kh) // s + 1``. Like every deep-learning library, the "convolution" is a
cross-correlation (the filter is not flipped), which is what the primer's figures show.
"""

from __future__ import annotations

import numba
import numpy as np

from isingml._numba import FASTMATH
from isingml.errors import InputError
from isingml.nn.layers import INITIALIZERS, Layer, initial_weights

__all__ = ["AvgPool2D", "Conv2D", "MaxPool2D", "conv2d_backward", "conv2d_forward"]


def _pair(name: str, value: object, minimum: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum for v in pair
    ):
        raise InputError(
            f"{name} must be an integer >= {minimum} or a pair of them, got {value!r}"
        )
    return int(pair[0]), int(pair[1])


@numba.njit(parallel=True, cache=True, nogil=True)
def _padded(x, pad_h, pad_w):
    n_b, n_c, h, w = x.shape
    if pad_h == 0 and pad_w == 0:
        return x
    xp = np.zeros((n_b, n_c, h + 2 * pad_h, w + 2 * pad_w), dtype=x.dtype)
    for n in numba.prange(n_b):
        for c in range(n_c):
            for r in range(h):
                for col in range(w):
                    xp[n, c, r + pad_h, col + pad_w] = x[n, c, r, col]
    return xp


@numba.njit(parallel=True, cache=True, nogil=True, fastmath=FASTMATH)
def conv2d_forward(x, w, b, stride_h, stride_w, pad_h, pad_w):
    """``y[n, f, i, j] = b[f] + sum_{c,u,v} x[n, c, i s + u - p, j s + v - p] w[f, c, u, v]``
    with zeros outside ``x``.

    The input is padded once; the innermost loop runs along an output row, so that for
    stride 1 it reads the input contiguously and vectorizes.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (B, C, H, W)
    w : ndarray, shape (F, C, kh, kw), same dtype
    b : ndarray, shape (F,), same dtype
    stride_h, stride_w, pad_h, pad_w : int

    Returns
    -------
    ndarray, shape (B, F, Ho, Wo)
    """
    xp = _padded(x, pad_h, pad_w)
    n_b, n_c, hp, wp = xp.shape
    n_f, _, kh, kw = w.shape
    ho = (hp - kh) // stride_h + 1
    wo = (wp - kw) // stride_w + 1
    y = np.empty((n_b, n_f, ho, wo), dtype=x.dtype)
    for n in numba.prange(n_b):
        for f in range(n_f):
            out = y[n, f]
            out[:, :] = b[f]
            for c in range(n_c):
                src = xp[n, c]
                for u in range(kh):
                    for v in range(kw):
                        weight = w[f, c, u, v]
                        for i in range(ho):
                            row = src[i * stride_h + u]
                            orow = out[i]
                            for j in range(wo):
                                orow[j] += weight * row[j * stride_w + v]
    return y


@numba.njit(parallel=True, cache=True, nogil=True, fastmath=FASTMATH)
def conv2d_backward(x, w, g, stride_h, stride_w, pad_h, pad_w, input_grad=True):
    """Gradients of :func:`conv2d_forward` given ``g = dL/dy``.

    ``dL/dw[f,c,u,v] = sum_{n,i,j} g[n,f,i,j] x[n,c,i s+u-p,j s+v-p]``,
    ``dL/db[f] = sum_{n,i,j} g[n,f,i,j]``, and ``dL/dx`` scatters ``g[n,f,i,j] w[f,c,u,v]``
    back to the input positions each output read (skipped, and returned empty, when
    ``input_grad`` is False).

    Returns
    -------
    (dx, dw, db)
    """
    xp = _padded(x, pad_h, pad_w)
    n_b, n_c, hp, wp = xp.shape
    n_f, _, kh, kw = w.shape
    ho, wo = g.shape[2], g.shape[3]
    h, wd = x.shape[2], x.shape[3]
    if input_grad:
        dxp = np.zeros((n_b, n_c, hp, wp), dtype=x.dtype)
        for n in numba.prange(n_b):  # each sample's dx is its own
            for f in range(n_f):
                gin = g[n, f]
                for c in range(n_c):
                    dst = dxp[n, c]
                    for u in range(kh):
                        for v in range(kw):
                            weight = w[f, c, u, v]
                            for i in range(ho):
                                row = dst[i * stride_h + u]
                                grow = gin[i]
                                for j in range(wo):
                                    row[j * stride_w + v] += weight * grow[j]
        dx = np.ascontiguousarray(dxp[:, :, pad_h : pad_h + h, pad_w : pad_w + wd])
    else:
        dx = np.empty((0, n_c, h, wd), dtype=x.dtype)
    dw = np.zeros_like(w)
    db = np.zeros(n_f, dtype=w.dtype)
    for f in numba.prange(n_f):  # each filter's gradient is its own
        for n in range(n_b):
            gin = g[n, f]
            acc_b = 0.0
            for i in range(ho):
                for j in range(wo):
                    acc_b += gin[i, j]
            db[f] += acc_b
            for c in range(n_c):
                src = xp[n, c]
                for u in range(kh):
                    for v in range(kw):
                        acc = 0.0
                        for i in range(ho):
                            row = src[i * stride_h + u]
                            grow = gin[i]
                            for j in range(wo):
                                acc += grow[j] * row[j * stride_w + v]
                        dw[f, c, u, v] += acc
    return dx, dw, db


class Conv2D(Layer):
    """2-D convolution (cross-correlation) with bias, any kernel size, stride and padding.

    Parameters
    ----------
    filters : int
        Output channels F.
    kernel_size : int or (int, int)
    stride : int or (int, int)
    padding : int or (int, int)
        Zeros added on each side.
    init : {"he", "xavier", "normal"}
        Weight initialisation (fan-in ``C kh kw``).
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int] = 3,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        init: str = "he",
    ) -> None:
        super().__init__()
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise InputError(f"filters must be an integer >= 1, got {filters!r}")
        if init not in INITIALIZERS:
            raise InputError(f"init must be one of {INITIALIZERS}, got {init!r}")
        self.filters = int(filters)
        self.kernel_size = _pair("kernel_size", kernel_size, 1)
        self.stride = _pair("stride", stride, 1)
        self.padding = _pair("padding", padding, 0)
        self.init = init

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        if len(input_shape) != 3:
            raise InputError(
                f"Conv2D needs (channels, height, width) per sample, got {tuple(input_shape)}"
            )
        c, h, w = input_shape
        kh, kw = self.kernel_size
        ho = (h + 2 * self.padding[0] - kh) // self.stride[0] + 1
        wo = (w + 2 * self.padding[1] - kw) // self.stride[1] + 1
        if ho < 1 or wo < 1:
            raise InputError(f"kernel {self.kernel_size} does not fit inputs {tuple(input_shape)}")
        fan_in, fan_out = c * kh * kw, self.filters * kh * kw
        shape = (self.filters, c, kh, kw)
        self.params = {
            "W": initial_weights(self.init, shape, fan_in, fan_out, rng, self.dtype),
            "b": np.zeros(self.filters, dtype=self.dtype),
        }
        self.input_shape = tuple(input_shape)
        self.output_shape = (self.filters, ho, wo)
        return self.output_shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x = np.ascontiguousarray(x, dtype=self.params["W"].dtype)
        return conv2d_forward(
            self._x, self.params["W"], self.params["b"], *self.stride, *self.padding
        )

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        g = np.ascontiguousarray(grad, dtype=self._x.dtype)
        dx, dw, db = conv2d_backward(
            self._x, self.params["W"], g, *self.stride, *self.padding, self.input_grad
        )
        self.grads = {"W": dw, "b": db}
        return dx if self.input_grad else None

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.filters}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding})"
        )


def pool_window_source(x, n, c, i, j, ph, pw, sh, sw, use_max):
    """Output ``(i, j)`` of channel ``c`` of sample ``n``: the window's maximum and the flat
    index of its first maximum, or its mean (summed in double) and 0. Plain Python,
    compiled for the CPU here and for the GPU in :mod:`isingml.nn.conv_cuda`."""
    wd = x.shape[3]
    if use_max:
        best = -np.inf
        where = 0
        for u in range(ph):
            for v in range(pw):
                val = x[n, c, i * sh + u, j * sw + v]
                if val > best:
                    best = val
                    where = (i * sh + u) * wd + j * sw + v
        return best, where
    acc = np.float64(0.0)
    for u in range(ph):
        for v in range(pw):
            acc += x[n, c, i * sh + u, j * sw + v]
    return acc / (ph * pw), 0


_pool_window = numba.njit(inline="always")(pool_window_source)


@numba.njit(parallel=True, cache=True, nogil=True)
def _pool_forward(x, ph, pw, sh, sw, use_max):
    n_b, n_c, h, w = x.shape
    ho = (h - ph) // sh + 1
    wo = (w - pw) // sw + 1
    y = np.empty((n_b, n_c, ho, wo), dtype=x.dtype)
    arg = np.zeros((n_b, n_c, ho, wo), dtype=np.int64)  # flat index of each max
    for n in numba.prange(n_b):
        for c in range(n_c):
            for i in range(ho):
                for j in range(wo):
                    y[n, c, i, j], arg[n, c, i, j] = _pool_window(
                        x, n, c, i, j, ph, pw, sh, sw, use_max
                    )
    return y, arg


@numba.njit(parallel=True, cache=True, nogil=True)
def _pool_backward(shape, g, arg, ph, pw, sh, sw, use_max):
    n_b, n_c, h, w = shape
    dx = np.zeros((n_b, n_c, h, w), dtype=g.dtype)
    ho, wo = g.shape[2], g.shape[3]
    for n in numba.prange(n_b):
        for c in range(n_c):
            for i in range(ho):
                for j in range(wo):
                    if use_max:
                        k = arg[n, c, i, j]
                        dx[n, c, k // w, k % w] += g[n, c, i, j]
                    else:
                        share = g[n, c, i, j] / (ph * pw)
                        for u in range(ph):
                            for v in range(pw):
                                dx[n, c, i * sh + u, j * sw + v] += share
    return dx


class _Pool2D(Layer):
    _max = True

    @property
    def use_max(self) -> bool:
        """True for max pooling, False for average pooling."""
        return self._max

    def __init__(
        self, pool_size: int | tuple[int, int] = 2, stride: int | tuple[int, int] | None = None
    ) -> None:
        super().__init__()
        self.pool_size = _pair("pool_size", pool_size, 1)
        self.stride = self.pool_size if stride is None else _pair("stride", stride, 1)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        if len(input_shape) != 3:
            raise InputError(
                f"{self.name} needs (channels, height, width) per sample, got {tuple(input_shape)}"
            )
        c, h, w = input_shape
        ho = (h - self.pool_size[0]) // self.stride[0] + 1
        wo = (w - self.pool_size[1]) // self.stride[1] + 1
        if ho < 1 or wo < 1:
            raise InputError(f"pool {self.pool_size} does not fit inputs {tuple(input_shape)}")
        self.input_shape = tuple(input_shape)
        self.output_shape = (c, ho, wo)
        return self.output_shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = np.ascontiguousarray(x)
        self._shape = x.shape
        y, self._arg = _pool_forward(x, *self.pool_size, *self.stride, self._max)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return _pool_backward(
            self._shape,
            np.ascontiguousarray(grad),
            self._arg,
            *self.pool_size,
            *self.stride,
            self._max,
        )

    def __repr__(self) -> str:
        return f"{self.name}(pool_size={self.pool_size}, stride={self.stride})"


class MaxPool2D(_Pool2D):
    """Maximum over each window; the gradient goes to the (first) maximum."""

    _max = True


class AvgPool2D(_Pool2D):
    """Mean over each window; the gradient is shared equally."""

    _max = False
