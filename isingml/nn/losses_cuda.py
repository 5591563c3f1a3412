"""CUDA twins of the losses of :mod:`isingml.nn.losses`: per-row loss, gradient and hits.

One thread per row of the output computes the row's share of the loss, its part of
``dL/d output`` and its share of correct answers (argmax against the label, or for the
binary cross-entropy the fraction of outputs on the right side of 1/2). A one-thread kernel
then adds the rows up in order into the epoch's running totals on the device, or, when the
batch's loss is not finite, raises the ``halt`` flag that stops every later optimizer step:
the training loop learns of it at the end of the epoch without a transfer per batch.
Targets are 2-D: integer labels as a column, or float rows like the output.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from isingml._cuda_arrays import launch_1d
from isingml.errors import InputError
from isingml.nn.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy

__all__ = ["HIT_ARGMAX", "HIT_NONE", "HIT_THRESHOLD", "LossTwin"]

_MSE, _CE, _BCE = 0, 1, 2
#: How a row's correct answers are counted: not at all, argmax, outputs beyond 1/2.
HIT_NONE, HIT_ARGMAX, HIT_THRESHOLD = 0, 1, 2


@cuda.jit(device=True)
def _argmax(x, r):  # pragma: no cover - compiled for the GPU
    best = 0
    for j in range(1, x.shape[1]):
        if x[r, j] > x[r, best]:
            best = j
    return best


@cuda.jit
def _rows(kind, hit, eps, out, target, labels, norm, grad, row_loss, row_hit):  # pragma: no cover
    r = cuda.grid(1)
    if r >= out.shape[0]:
        return
    m = out.shape[1]
    acc = np.float64(0.0)
    if kind == _CE:
        top = np.float64(out[r, 0])
        for j in range(1, m):
            top = max(top, np.float64(out[r, j]))
        total = np.float64(0.0)
        for j in range(m):
            total += math.exp(np.float64(out[r, j]) - top)
        label = labels[r, 0] if labels.shape[0] > 0 else -1
        for j in range(m):
            z = np.float64(out[r, j]) - top
            t = (1.0 if j == label else 0.0) if label >= 0 else np.float64(target[r, j])
            acc += t * z
            grad[r, j] = (math.exp(z) / total - t) * norm
        acc = math.log(total) - acc
    else:
        for j in range(m):
            o = np.float64(out[r, j])
            t = np.float64(target[r, j])
            if kind == _MSE:
                acc += (o - t) * (o - t)
                grad[r, j] = 2.0 * (o - t) * norm
            else:
                p = min(max(o, eps), 1.0 - eps)
                acc -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
                grad[r, j] = (p - t) / (p * (1.0 - p)) * norm
    row_loss[r] = acc * norm
    if hit == HIT_ARGMAX:
        want = labels[r, 0] if labels.shape[0] > 0 else _argmax(target, r)
        row_hit[r] = 1.0 if _argmax(out, r) == want else 0.0
    elif hit == HIT_THRESHOLD:
        right = 0
        for j in range(m):
            if (out[r, j] > 0.5) == (target[r, j] > 0.5):
                right += 1
        row_hit[r] = right / m


@cuda.jit
def _accumulate(row_loss, row_hit, batch, totals, halt):  # pragma: no cover - GPU
    if cuda.grid(1) != 0 or halt[0] != 0:
        return
    loss = np.float64(0.0)
    hits = np.float64(0.0)
    for r in range(row_loss.shape[0]):
        loss += row_loss[r]
        hits += row_hit[r]
    if not math.isfinite(loss):
        halt[0] = 1
        halt[1] = batch
        totals[2] = loss
        return
    n = row_loss.shape[0]
    totals[0] += loss * n
    totals[1] += hits
    totals[3] += n


class LossTwin:
    """A :class:`~isingml.nn.losses.Loss` evaluated on the device.

    Parameters
    ----------
    loss : Loss
        MeanSquaredError, SoftmaxCrossEntropy or BinaryCrossEntropy.
    hit : int
        :data:`HIT_NONE`, :data:`HIT_ARGMAX` or :data:`HIT_THRESHOLD`.
    """

    def __init__(self, loss: Loss, hit: int) -> None:
        kinds = {MeanSquaredError: _MSE, SoftmaxCrossEntropy: _CE, BinaryCrossEntropy: _BCE}
        if type(loss) not in kinds:
            raise InputError(
                f"backend 'cuda' trains with the losses {[k.__name__ for k in kinds]}"
                f", got {type(loss).__name__}"
            )
        self.kind = kinds[type(loss)]
        self.eps = float(getattr(loss, "eps", 0.0))
        self.hit = hit
        self.totals = cuda.to_device(np.zeros(4))  # loss * rows, hits, bad loss, rows
        self.halt = cuda.to_device(np.zeros(2, dtype=np.int64))  # flag, batch index
        self._no_labels = cuda.device_array((0, 1), dtype=np.int64)
        self._no_target = None

    def batch(self, out, target, labels, batch_index: int):
        """``dL/d out`` of one batch (a new device array); its loss and hits go into the
        running totals. ``labels`` (an int column) or ``target`` (float rows) gives the
        answers; the other is None."""
        n, m = out.shape
        if labels is None:
            labels = self._no_labels
        if target is None:
            target = self._no_target
            if target is None or target.shape[1] != m:
                target = self._no_target = cuda.device_array((0, m), dtype=out.dtype)
        norm = 1.0 / n if self.kind == _CE else 1.0 / (n * m)
        grad = cuda.device_array(out.shape, dtype=out.dtype)
        row_loss = cuda.device_array(n, dtype=np.float64)
        row_hit = cuda.device_array(n, dtype=np.float64)
        _rows[launch_1d(n)](
            self.kind, self.hit, self.eps, out, target, labels, norm, grad, row_loss, row_hit
        )
        _accumulate[1, 1](row_loss, row_hit, batch_index, self.totals, self.halt)
        return grad

    def collect(self) -> tuple[float, float, int, float | None, int]:
        """The epoch's ``(loss sum, hits, rows, bad loss or None, its batch)``; resets the
        totals (the halt flag stays)."""
        totals = self.totals.copy_to_host()
        halt = self.halt.copy_to_host()
        self.totals.copy_to_device(np.zeros(4))
        bad = float(totals[2]) if halt[0] else None
        return float(totals[0]), float(totals[1]), int(totals[3]), bad, int(halt[1])
