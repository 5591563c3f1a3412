"""RBM training on the GPU: CD-k and PCD updates whose arrays never leave the device.

:class:`DeviceStep` is the GPU's :class:`~isingml.rbm.training.UpdateStep`. It is made
from plain data, the parameter arrays ``(W, b_v, b_h)``, a
:class:`~isingml.rbm.training.TrainingState` (momentum buffers, persistent chains, draw and
update counters), an :class:`~isingml.rbm.training.UpdateConfig` and the training rows,
and knows no model. It holds copies of them on the device and runs the CPU step's
algorithm (``isingml.rbm.model``) step for step: the same Philox draws (stream, draw
counter, tags), the same stacked products (``[h_pos; -c h_neg]^T [v_pos; v_neg]`` for the
weight gradient), the same momentum and weight decay. Products come from
:func:`isingml._cuda_linalg.matmul`, which rounds differently from BLAS, so the parameters
equal the CPU's to rounding, and a draw can differ only where its uniform falls within
that rounding of its probability. :meth:`DeviceStep.sync_to_host` copies the parameters
and the state back into the host's arrays and state (the model's, when the model made the
step): at the per-epoch history and at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml._cuda_arrays import (
    column_mean_difference,
    gather_rows,
    launch_2d,
    momentum_ascent,
    scale,
)
from isingml._cuda_linalg import add_row, matmul
from isingml.errors import InputError
from isingml.random import TAG_RBM_HIDDEN, TAG_RBM_VISIBLE
from isingml.rbm.kernels_cuda import layer_means_cuda, sample_layer_cuda
from isingml.rbm.training import TrainingState, UpdateConfig

__all__ = ["DeviceStep"]


class DeviceStep:
    """The training of an RBM on the GPU: an :class:`~isingml.rbm.training.UpdateStep`.

    Parameters
    ----------
    parameters : sequence of ndarray
        The host's ``(W, b_v, b_h)``, of one float dtype: copied to the device now, and
        written back in place by :meth:`sync_to_host`.
    state : TrainingState
        The host's training state: read now, made current by :meth:`sync_to_host`.
    config : UpdateConfig
        Method "cd" or "pcd", ``k``, the Philox key and stream, the learning rate,
        momentum and weight decay.
    data : ndarray, shape (n, n_visible)
        The training rows (copied to the device once); :meth:`step` takes row indices.
    """

    def __init__(
        self,
        parameters: Sequence[np.ndarray],
        state: TrainingState,
        config: UpdateConfig,
        data: np.ndarray,
    ) -> None:
        require_cuda()
        if config.method not in ("cd", "pcd"):
            raise InputError(f"the GPU trains with method 'cd' or 'pcd', not {config.method!r}")
        W, b_v, b_h = parameters
        self.host_parameters = (W, b_v, b_h)
        self.state = state
        self.config = config
        self.dtype = np.dtype(W.dtype)
        self.W = cuda.to_device(W)
        self.b_v = cuda.to_device(b_v)
        self.b_h = cuda.to_device(b_h)
        self.velocity = [cuda.to_device(v) for v in state.velocity]
        self.chains = cuda.to_device(np.ascontiguousarray(state.chains, dtype=self.dtype))
        self.chain_hidden = cuda.to_device(
            np.ascontiguousarray(state.chain_hidden, dtype=self.dtype)
        )
        # The counters live on the host and reach the state at sync_to_host.
        self.draw = int(state.draw)
        self.n_updates = int(state.n_updates)
        self.data = cuda.to_device(np.ascontiguousarray(data, dtype=self.dtype))
        self._buffers: dict[tuple, object] = {}

    def _buffer(self, name: str, shape: tuple[int, ...]):
        key = (name, shape)
        if key not in self._buffers:
            self._buffers[key] = cuda.device_array(shape, dtype=self.dtype)
        return self._buffers[key]

    def step(self, rows: np.ndarray, factor: float) -> None:
        """One update on the rows ``rows`` of the data, with the learning rate times
        ``factor``."""
        idx = cuda.to_device(np.ascontiguousarray(rows, dtype=np.int64))
        n = len(rows)
        both = self._buffer("v_both", (n + self._negatives(n), self.data.shape[1]))
        gather_rows(self.data, idx, both[:n])
        self._update(both, n, factor)

    def _negatives(self, n: int) -> int:
        return n if self.config.method == "cd" else self.chains.shape[0]

    def _sample(self, pre, draw: int, tag: int, means, samples) -> None:
        config = self.config
        sample_layer_cuda(pre, config.spin, config.seed, config.stream, draw, tag, means, samples)

    def _update(self, v_both, b: int, factor: float) -> None:
        # v_both holds the data rows [:b]; the negative phase's visible rows go to [b:].
        config = self.config
        k, spin = config.k, config.spin
        n_h = self.W.shape[0]
        c = v_both.shape[0] - b
        v_pos, v_neg = v_both[:b], v_both[b:]
        a_both = self._buffer("a_both", (b + c, n_h))
        h_both = self._buffer("h_both", (b + c, n_h))
        pre_v = self._buffer("pre_v", (c, v_both.shape[1]))
        means_v = self._buffer("means_v", (c, v_both.shape[1]))
        d = self.draw
        if config.method == "cd":
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
            layer_means_cuda(a_both[:b], spin, h_both[:b])
            self._sample(a_both[b:], d + k, TAG_RBM_HIDDEN, h_both[b:], h)
            self.chains.copy_to_device(v_neg)
        self.draw += k + 1
        rate = config.learning_rate * factor
        grad_v = self._buffer("grad_v", (v_both.shape[1],))
        grad_h = self._buffer("grad_h", (n_h,))
        column_mean_difference(v_both, b, rate, grad_v)
        column_mean_difference(h_both, b, rate, grad_h)
        # Both phases in one product: [h_pos; -(b / c) h_neg]^T [v_pos; v_neg] is b times
        # the weight gradient.
        scale(h_both[b:], -b / c)
        grad_w = self._buffer("grad_w", (n_h, v_both.shape[1]))
        matmul(h_both, v_both, trans_a=True, out=grad_w)
        if config.weight_decay:
            _decay(grad_w, self.W, config.weight_decay * b)
        scale(grad_w, rate / b)
        for p, vel, g in zip(
            (self.W, self.b_v, self.b_h), self.velocity, (grad_w, grad_v, grad_h), strict=True
        ):
            momentum_ascent(p, g, vel, config.momentum)
        self.n_updates += 1

    def sync_to_host(self) -> None:
        """Copy the parameters, momentum buffers, chains and counters back to the host's
        arrays and state."""
        state = self.state
        for d_param, param in zip((self.W, self.b_v, self.b_h), self.host_parameters, strict=True):
            d_param.copy_to_host(param)
        for d_vel, vel in zip(self.velocity, state.velocity, strict=True):
            d_vel.copy_to_host(vel)
        state.chains = self.chains.copy_to_host()
        state.chain_hidden = self.chain_hidden.copy_to_host()
        state.draw = self.draw
        state.n_updates = self.n_updates


@cuda.jit
def _decay_kernel(g, w, amount):  # pragma: no cover - compiled for the GPU
    i, j = cuda.grid(2)
    if i < g.shape[0] and j < g.shape[1]:
        g[i, j] -= amount * np.float64(w[i, j])


def _decay(grad_w, W, amount: float) -> None:
    _decay_kernel[launch_2d(grad_w.shape)](grad_w, W, float(amount))
