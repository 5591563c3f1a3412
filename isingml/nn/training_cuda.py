"""Training of :class:`~isingml.nn.Sequential` models and autoencoders on the GPU.

Only the device half of training lives here: :class:`SequentialDeviceStep` and
:class:`AutoencoderDeviceStep` are :class:`~isingml.nn.training.EpochStep` objects
(``begin_epoch`` / ``step(batch)`` / ``end_epoch`` / ``sync_to_host``) that the one epoch
loop, :func:`isingml.nn.training.run_epochs`, drives exactly as it drives the CPU's steps;
they are made from built layers, an optimizer, a loss and the data, and read no model.
The models import this module lazily, only for ``backend="cuda"``, and it imports no model.

:class:`DeviceLayers` holds a network's parameters on the device and runs its layers'
forward and backward passes there (the twins in :mod:`isingml.nn.layers_cuda` and
:mod:`isingml.nn.conv_cuda`); :class:`DeviceOptimizer` steps SGD (with momentum) or Adam
there, from and back into the optimizer's public state (``get_state`` / ``set_state``);
:class:`~isingml.nn.losses_cuda.LossTwin` keeps the epoch's loss and accuracy on the
device. The training data is copied to the device once, minibatches are gathered there in
the CPU's shuffled order, and nothing comes back until the end of an epoch (the loss
totals; the parameters too when a validation set is scored). Results equal the CPU's to
rounding: the products sum in another order than BLAS's, elementwise maths is done in
float64.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from isingml._backend import require_cuda
from isingml._cuda_arrays import adam_step, gather_rows, sgd_step
from isingml.errors import InputError
from isingml.nn.conv_cuda import (
    conv2d_backward_cuda,
    conv2d_forward_cuda,
    pool2d_backward_cuda,
    pool2d_forward_cuda,
)
from isingml.nn.layers_cuda import (
    ACTIVATIONS,
    activation_backward_cuda,
    activation_forward_cuda,
    dense_backward_cuda,
    dense_forward_cuda,
    softmax_backward_cuda,
    softmax_forward_cuda,
)
from isingml.nn.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from isingml.nn.losses_cuda import HIT_ARGMAX, HIT_NONE, HIT_THRESHOLD, LossTwin
from isingml.nn.optimizers import SGD, Adam, Optimizer
from isingml.nn.training import LossDiverged, samples

__all__ = ["AutoencoderDeviceStep", "DeviceLayers", "DeviceOptimizer", "SequentialDeviceStep"]

_LAYERS = {"Dense", "Flatten", "Softmax", "Conv2D", "MaxPool2D", "AvgPool2D", *ACTIVATIONS}


class DeviceLayers:
    """A list of built layers with their parameters on the device.

    Parameters
    ----------
    layers : list of Layer
        Built layers (``params`` filled); any of Dense, Flatten, ReLU, LeakyReLU, Sigmoid,
        Tanh, Softmax, Conv2D, MaxPool2D, AvgPool2D.
    """

    def __init__(self, layers: list) -> None:
        require_cuda()
        for layer in layers:
            if type(layer).__name__ not in _LAYERS:
                raise InputError(
                    f"backend 'cuda' has no twin of the layer {layer.name}; "
                    f"it trains {sorted(_LAYERS)}"
                )
        self.layers = list(layers)
        self.params = [{k: cuda.to_device(v) for k, v in layer.params.items()} for layer in layers]
        self._saved: list[tuple] = [()] * len(layers)

    def parameters(self) -> list:
        """The device parameters, in the order of the host models' ``parameters()``."""
        return [p for params in self.params for p in params.values()]

    def forward(self, x):
        """The network's output for the device batch ``x`` (inputs kept for backward)."""
        for i, layer in enumerate(self.layers):
            x = self._forward(i, layer, x)
        return x

    def _forward(self, i: int, layer, x):
        kind = type(layer).__name__
        p = self.params[i]
        if kind == "Dense":
            y = dense_forward_cuda(x, p["W"], p.get("b"))
        elif kind == "Flatten":
            y = x.reshape(x.shape[0], x.size // x.shape[0])
        elif kind == "Softmax":
            y = softmax_forward_cuda(x)
        elif kind == "Conv2D":
            y = conv2d_forward_cuda(x, p["W"], p["b"], *layer.stride, *layer.padding)
        elif kind in ("MaxPool2D", "AvgPool2D"):
            y, arg = pool2d_forward_cuda(x, *layer.pool_size, *layer.stride, layer.use_max)
            self._saved[i] = (x.shape, arg)
            return y
        else:
            y = activation_forward_cuda(kind, x, getattr(layer, "alpha", 0.0))
        self._saved[i] = (x, y)
        return y

    def backward(self, g) -> list:
        """Backpropagate ``g = dL/d output``; the parameter gradients in parameter order."""
        grads: list[list] = [[] for _ in self.layers]
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            kind = type(layer).__name__
            p = self.params[i]
            if kind == "Dense":
                x, _ = self._saved[i]
                dw, db, g = dense_backward_cuda(x, p["W"], g, layer.use_bias, layer.input_grad)
                grads[i] = [dw] + ([db] if layer.use_bias else [])
            elif kind == "Flatten":
                x, _ = self._saved[i]
                g = g.reshape(*x.shape)
            elif kind == "Softmax":
                g = softmax_backward_cuda(self._saved[i][1], g)
            elif kind == "Conv2D":
                x, _ = self._saved[i]
                g, dw, db = conv2d_backward_cuda(
                    x, p["W"], g, *layer.stride, *layer.padding, layer.input_grad
                )
                grads[i] = [dw, db]
            elif kind in ("MaxPool2D", "AvgPool2D"):
                shape, arg = self._saved[i]
                g = pool2d_backward_cuda(
                    shape, g, arg, *layer.pool_size, *layer.stride, layer.use_max
                )
            else:
                x, y = self._saved[i]
                g = activation_backward_cuda(kind, x, y, g, getattr(layer, "alpha", 0.0))
            if g is None:  # the first layer skips dL/dx
                break
        return [d for layer_grads in grads for d in layer_grads]

    def to_host(self) -> None:
        """Copy the parameters into the layers' own arrays."""
        for layer, params in zip(self.layers, self.params, strict=True):
            for name, d in params.items():
                d.copy_to_host(layer.params[name])


class DeviceOptimizer:
    """An :class:`~isingml.nn.SGD` or :class:`~isingml.nn.Adam` optimizer's state on the
    device, continuing from (and written back into) the host optimizer's
    (:meth:`~isingml.nn.Optimizer.get_state` / :meth:`~isingml.nn.Optimizer.set_state`)."""

    def __init__(self, optimizer: Optimizer, params: list) -> None:
        if type(optimizer) not in (SGD, Adam):
            raise InputError(
                f"backend 'cuda' trains with SGD or Adam, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.params = params
        state = optimizer.get_state()
        self.t = int(state.get("t", 0))
        if isinstance(optimizer, SGD):
            self.state = [[self._start(state["velocity"], i, p)] for i, p in enumerate(params)]
        else:
            self.state = [
                [self._start(state["m"], i, p), self._start(state["v"], i, p)]
                for i, p in enumerate(params)
            ]

    @staticmethod
    def _start(buffers: dict, i: int, p):
        host = buffers.get(i)
        return (
            cuda.to_device(host)
            if host is not None
            else cuda.to_device(np.zeros(p.shape, dtype=p.dtype))
        )

    def step(self, grads: list, halt) -> None:
        """One step with the device gradients ``grads`` (skipped while ``halt[0]`` is set)."""
        opt = self.optimizer
        rate = opt.rate
        if isinstance(opt, SGD):
            for p, g, (vel,) in zip(self.params, grads, self.state, strict=True):
                sgd_step(p, g, vel, rate, opt.momentum, halt)
            return
        self.t += 1
        for p, g, (m, v) in zip(self.params, grads, self.state, strict=True):
            adam_step(p, g, m, v, rate, opt.beta1, opt.beta2, self.t, opt.eps, halt)

    def to_host(self, steps_undone: int = 0) -> None:
        """Write the state back into the host optimizer (``steps_undone``: Adam steps that
        the halt flag skipped, no longer counted)."""
        opt = self.optimizer
        if isinstance(opt, SGD):
            if opt.momentum:
                opt.set_state(
                    {"velocity": {i: s[0].copy_to_host() for i, s in enumerate(self.state)}}
                )
            return
        self.t -= steps_undone
        opt.set_state(
            {
                "m": {i: s[0].copy_to_host() for i, s in enumerate(self.state)},
                "v": {i: s[1].copy_to_host() for i, s in enumerate(self.state)},
                "t": self.t,
            }
        )


def _rows(x: np.ndarray):
    """A host array as a 2-D device array of rows."""
    return cuda.to_device(np.ascontiguousarray(x.reshape(len(x), -1)))


def _gather(d_rows, idx: np.ndarray, shape: tuple[int, ...]):
    out = cuda.device_array((len(idx), d_rows.shape[1]), dtype=d_rows.dtype)
    gather_rows(d_rows, cuda.to_device(idx.astype(np.int64)), out)
    return out.reshape(len(idx), *shape)


def _hit_kind(loss, ys: np.ndarray, out_shape: tuple[int, ...]) -> int:
    if isinstance(loss, SoftmaxCrossEntropy):
        return HIT_ARGMAX
    if len(out_shape) == 1 and out_shape[0] > 1 and ys.ndim == 2 and ys.shape[1:] == out_shape:
        return HIT_ARGMAX
    if isinstance(loss, BinaryCrossEntropy):
        return HIT_THRESHOLD
    return HIT_NONE


class _DeviceStep:
    """The device half of an :class:`~isingml.nn.training.EpochStep`: layers, optimizer
    and loss twin on the device, started at the first step (a model fed by a minibatch
    source builds its layers at its first batch)."""

    def __init__(self, layers, optimizer: Optimizer, loss, hit: int) -> None:
        require_cuda()
        self._layers = layers
        self.optimizer = optimizer
        self.twin = LossTwin(loss, hit)
        self.net: DeviceLayers | None = None
        self.opt: DeviceOptimizer | None = None

    def _start(self) -> None:
        if self.net is None:
            layers = self._layers() if callable(self._layers) else self._layers
            self.net = DeviceLayers(layers)
            self.opt = DeviceOptimizer(self.optimizer, self.net.parameters())

    def begin_epoch(self, epoch: int) -> None:
        """Set the optimizer's epoch (its schedule); count the epoch's steps and samples."""
        self.optimizer.epoch = epoch
        self.sizes: list[int] = []

    def _step(self, x, target, labels) -> None:
        self._start()
        out = self.net.forward(x)
        n = out.shape[0]
        flat_out = out.reshape(n, out.size // n)
        grad = self.twin.batch(flat_out, target, labels, len(self.sizes))
        self.opt.step(self.net.backward(grad.reshape(*out.shape)), self.twin.halt)
        self.sizes.append(n)

    def _collect(self) -> tuple[float, float, int]:
        total, hits, count, bad, where = self.twin.collect()
        if bad is not None:
            # The weights before the failing step: the later steps were skipped.
            self.net.to_host()
            self.opt.to_host(len(self.sizes) - where)
            start = sum(self.sizes[:where])
            raise LossDiverged(bad, samples(start, self.sizes[where]))
        return total, hits, count

    def sync_to_host(self) -> None:
        """Copy the parameters and the optimizer state into the host's arrays."""
        if self.net is not None:
            self.net.to_host()
            self.opt.to_host()


class SequentialDeviceStep(_DeviceStep):
    """The GPU's epoch step of a :class:`~isingml.nn.Sequential`: the training arrays are
    copied over once and each batch (row indices) gathered there.

    Parameters
    ----------
    layers : list of Layer
        The built layers (``Sequential.layers_``), updated by :meth:`sync_to_host`.
    optimizer : Optimizer
        SGD or Adam, continued from its state and written back by :meth:`sync_to_host`.
    loss : Loss
    xs, ys : ndarray
        Inputs and targets (labels or arrays), checked by ``fit``.
    """

    def __init__(
        self, layers: list, optimizer: Optimizer, loss, xs: np.ndarray, ys: np.ndarray
    ) -> None:
        self.hit = _hit_kind(loss, ys, layers[-1].output_shape)
        super().__init__(layers, optimizer, loss, self.hit)
        self.shape = tuple(xs.shape[1:])
        self.d_x = _rows(xs)
        self.labels = self.target = None
        if ys.dtype.kind in "iub" and isinstance(loss, SoftmaxCrossEntropy):
            n_classes = layers[-1].output_shape[-1]
            SoftmaxCrossEntropy.check_labels(ys, n_classes)  # the CPU's clear error
            self.labels = cuda.to_device(ys.astype(np.int64).reshape(-1, 1))
        else:
            self.target = _rows(ys.astype(xs.dtype, copy=False))
        self._start()

    def step(self, idx: np.ndarray) -> None:
        """One step on the rows ``idx`` of the training arrays."""
        xb = _gather(self.d_x, idx, self.shape)
        tb = None if self.target is None else _gather(self.target, idx, (self.target.shape[1],))
        lb = None if self.labels is None else _gather(self.labels, idx, (1,))
        self._step(xb, tb, lb)

    def end_epoch(self) -> dict[str, float]:
        """The epoch's mean loss and accuracy (NaN where none applies)."""
        total, hits, count = self._collect()
        accuracy = hits / count if self.hit != HIT_NONE else np.nan
        return {"loss": total / count, "accuracy": accuracy}


class AutoencoderDeviceStep(_DeviceStep):
    """The GPU's epoch step of an :class:`~isingml.nn.Autoencoder`.

    An array is copied over once and each batch (row indices) gathered there; a batch of a
    minibatch source (an array) is copied over as it comes. The denoising corruption is
    drawn on the host from the model's generator (the same flips as the CPU) and its mask
    copied over per batch.

    Parameters
    ----------
    layers : callable
        Returns the built layers, encoder's then decoder's (called at the first step).
    optimizer : Optimizer
    loss : Loss
        The reconstruction loss.
    data : ndarray (n, n_features) or None
        The training array (batches are then row indices), or None for a source.
    corruption : float
        The probability of flipping each input value.
    spins : bool
        Flip ``x -> -x`` (True, tanh outputs) or ``x -> 1 - x``.
    rng : numpy.random.Generator
        The model's generator of the corruption.
    dtype : numpy float type
    """

    def __init__(
        self,
        layers,
        optimizer: Optimizer,
        loss,
        data: np.ndarray | None,
        corruption: float,
        spins: bool,
        rng: np.random.Generator,
        dtype: type,
    ) -> None:
        super().__init__(layers, optimizer, loss, HIT_NONE)
        self.d_data = None if data is None else _rows(data)
        self.n_features = None if data is None else data.shape[1]
        self.corruption, self.spins, self.rng, self.dtype = corruption, spins, rng, dtype

    def step(self, batch: np.ndarray) -> None:
        """One step on a batch: row indices of the array, or an array of samples."""
        if self.d_data is not None:
            clean = _gather(self.d_data, batch, (self.n_features,))
        else:
            clean = cuda.to_device(np.ascontiguousarray(batch, dtype=self.dtype))
        inputs = clean
        if self.corruption:
            flips = self.rng.random(clean.shape) < self.corruption
            inputs = _corrupted(clean, flips, self.spins)
        self._step(inputs, clean, None)

    def end_epoch(self) -> dict[str, float]:
        """The epoch's mean reconstruction loss."""
        total, _, count = self._collect()
        return {"loss": total / count, "reconstruction": total / count}


@cuda.jit
def _corrupt(x, flips, spins, out):  # pragma: no cover - compiled for the GPU
    r, j = cuda.grid(2)
    if r < x.shape[0] and j < x.shape[1]:
        v = x[r, j]
        out[r, j] = (-v if spins else 1 - v) if flips[r, j] else v


def _corrupted(clean, flips: np.ndarray, spins: bool):
    from isingml._cuda_arrays import launch_2d

    out = cuda.device_array(clean.shape, dtype=clean.dtype)
    _corrupt[launch_2d(clean.shape)](clean, cuda.to_device(flips), spins, out)
    return out
