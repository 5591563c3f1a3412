"""RBM training on the GPU: CD-k and PCD updates whose arrays never leave the device.

:class:`DeviceTrainer` holds the parameters, the momentum buffers, the persistent chains and
the training data on the device and runs :meth:`isingml.rbm.RBM._update`'s algorithm step
for step: the same Philox draws (stream, draw counter, tags), the same stacked products
(``[h_pos; -c h_neg]^T [v_pos; v_neg]`` for the weight gradient), the same momentum and
weight decay. Products come from :func:`isingml.cuda_linalg.matmul`, which rounds
differently from BLAS, so the parameters equal the CPU's to rounding, and a draw can differ
only where its uniform falls within that rounding of its probability. Parameters come back
to the host at measurements (the per-epoch history) and at the end (:meth:`to_host`).
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml.cuda_arrays import (
    column_mean_difference,
    gather_rows,
    launch_2d,
    momentum_ascent,
    scale,
)
from isingml.cuda_linalg import add_row, matmul
from isingml.random import TAG_RBM_HIDDEN, TAG_RBM_VISIBLE
from isingml.rbm.kernels_cuda import layer_means_cuda, sample_layer_cuda

__all__ = ["DeviceTrainer"]


class DeviceTrainer:
    """The training state of an :class:`~isingml.rbm.RBM` on the GPU.

    Parameters
    ----------
    rbm : RBM
        An initialized model (``components_``, chains, momentum buffers); read, not changed
        until :meth:`to_host`.
    stream : int
        Philox stream of the training draws.
    """

    def __init__(self, rbm, stream: int) -> None:
        require_cuda()
        self.rbm = rbm
        self.stream = stream
        self.seed = int(rbm.seed)
        self.spin = rbm._spin
        self.dtype = np.dtype(rbm.dtype)
        self.W = cuda.to_device(rbm.components_)
        self.b_v = cuda.to_device(rbm.intercept_visible_)
        self.b_h = cuda.to_device(rbm.intercept_hidden_)
        self.velocity = [cuda.to_device(v) for v in rbm._velocity]
        self.chains = cuda.to_device(np.ascontiguousarray(rbm.chains_, dtype=self.dtype))
        self.chain_hidden = cuda.to_device(
            np.ascontiguousarray(rbm._chain_hidden, dtype=self.dtype)
        )
        self.data = None
        self._buffers: dict[tuple, object] = {}

    def _buffer(self, name: str, shape: tuple[int, ...]):
        key = (name, shape)
        if key not in self._buffers:
            self._buffers[key] = cuda.device_array(shape, dtype=self.dtype)
        return self._buffers[key]

    def load_data(self, X: np.ndarray) -> None:
        """Copy the training set to the device (once per ``fit``)."""
        self.data = cuda.to_device(np.ascontiguousarray(X, dtype=self.dtype))

    def update_rows(self, rows: np.ndarray, factor: float) -> None:
        """One update on the rows ``rows`` of the loaded data."""
        idx = cuda.to_device(np.ascontiguousarray(rows, dtype=np.int64))
        n = len(rows)
        both = self._buffer("v_both", (n + self._negatives(n), self.data.shape[1]))
        gather_rows(self.data, idx, both[:n])
        self._update(both, n, factor)

    def update(self, v_pos: np.ndarray, factor: float) -> None:
        """One update on the minibatch ``v_pos`` (a host array, copied over)."""
        n = len(v_pos)
        both = self._buffer("v_both", (n + self._negatives(n), v_pos.shape[1]))
        both[:n].copy_to_device(np.ascontiguousarray(v_pos, dtype=self.dtype))
        self._update(both, n, factor)

    def _negatives(self, n: int) -> int:
        return n if self.rbm.method == "cd" else self.chains.shape[0]

    def _sample(self, pre, draw: int, tag: int, means, samples) -> None:
        sample_layer_cuda(pre, self.spin, self.seed, self.stream, draw, tag, means, samples)

    def _update(self, v_both, b: int, factor: float) -> None:
        # v_both holds the data rows [:b]; the negative phase's visible rows go to [b:].
        rbm = self.rbm
        k = rbm.k
        n_h = self.W.shape[0]
        c = v_both.shape[0] - b
        v_pos, v_neg = v_both[:b], v_both[b:]
        a_both = self._buffer("a_both", (b + c, n_h))
        h_both = self._buffer("h_both", (b + c, n_h))
        pre_v = self._buffer("pre_v", (c, v_both.shape[1]))
        means_v = self._buffer("means_v", (c, v_both.shape[1]))
        d = rbm._draw
        if rbm.method == "cd":
            h = self._buffer("h", (b, n_h))
            matmul(v_pos, self.W, trans_b=True, out=a_both[:b])
            add_row(a_both[:b], self.b_h)
            self._sample(a_both[:b], d, TAG_RBM_HIDDEN, h_both[:b], h)
            for step in range(k):
                matmul(h, self.W, out=pre_v)
                add_row(pre_v, self.b_v)
                self._sample(pre_v, d + step, TAG_RBM_VISIBLE, means_v, v_neg)
                matmul(v_neg, self.W, trans_b=True, out=a_both[b:])
                add_row(a_both[b:], self.b_h)
                self._sample(a_both[b:], d + step + 1, TAG_RBM_HIDDEN, h_both[b:], h)
        else:
            h = self.chain_hidden
            v = self.chains
            for step in range(k - 1):
                matmul(h, self.W, out=pre_v)
                add_row(pre_v, self.b_v)
                self._sample(pre_v, d + step, TAG_RBM_VISIBLE, means_v, v)
                matmul(v, self.W, trans_b=True, out=a_both[b:])
                add_row(a_both[b:], self.b_h)
                self._sample(a_both[b:], d + step + 1, TAG_RBM_HIDDEN, h_both[b:], h)
            matmul(h, self.W, out=pre_v)
            add_row(pre_v, self.b_v)
            self._sample(pre_v, d + k - 1, TAG_RBM_VISIBLE, means_v, v_neg)
            matmul(v_both, self.W, trans_b=True, out=a_both)
            add_row(a_both, self.b_h)
            layer_means_cuda(a_both[:b], self.spin, h_both[:b])
            self._sample(a_both[b:], d + k, TAG_RBM_HIDDEN, h_both[b:], h)
            self.chains.copy_to_device(v_neg)
        rbm._draw += k + 1
        rate = rbm.learning_rate * factor
        grad_v = self._buffer("grad_v", (v_both.shape[1],))
        grad_h = self._buffer("grad_h", (n_h,))
        column_mean_difference(v_both, b, rate, grad_v)
        column_mean_difference(h_both, b, rate, grad_h)
        # Both phases in one product: [h_pos; -(b / c) h_neg]^T [v_pos; v_neg] is b times
        # the weight gradient.
        scale(h_both[b:], -b / c)
        grad_w = self._buffer("grad_w", (n_h, v_both.shape[1]))
        matmul(h_both, v_both, trans_a=True, out=grad_w)
        if rbm.weight_decay:
            _decay(grad_w, self.W, rbm.weight_decay * b)
        scale(grad_w, rate / b)
        for p, vel, g in zip((self.W, self.b_v, self.b_h), self.velocity,
                             (grad_w, grad_v, grad_h), strict=True):  # fmt: skip
            momentum_ascent(p, g, vel, rbm.momentum)
        rbm.n_updates_ += 1

    def to_host(self) -> None:
        """Copy the parameters, momentum buffers and chains back into the model."""
        rbm = self.rbm
        self.W.copy_to_host(rbm.components_)
        self.b_v.copy_to_host(rbm.intercept_visible_)
        self.b_h.copy_to_host(rbm.intercept_hidden_)
        for d_vel, vel in zip(self.velocity, rbm._velocity, strict=True):
            d_vel.copy_to_host(vel)
        rbm.chains_ = self.chains.copy_to_host()
        rbm._chain_hidden = self.chain_hidden.copy_to_host()


@cuda.jit
def _decay_kernel(g, w, amount):  # pragma: no cover - compiled for the GPU
    i, j = cuda.grid(2)
    if i < g.shape[0] and j < g.shape[1]:
        g[i, j] -= amount * np.float64(w[i, j])


def _decay(grad_w, W, amount: float) -> None:
    _decay_kernel[launch_2d(grad_w.shape)](grad_w, W, float(amount))
