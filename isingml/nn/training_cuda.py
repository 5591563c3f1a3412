"""Training of :class:`~isingml.nn.Sequential` models and autoencoders on the GPU.

:class:`DeviceLayers` holds a network's parameters on the device and runs its layers'
forward and backward passes there (the twins in :mod:`isingml.nn.layers_cuda` and
:mod:`isingml.nn.conv_cuda`); :class:`DeviceOptimizer` steps SGD (with momentum) or Adam
there; :class:`~isingml.nn.losses_cuda.LossTwin` keeps the epoch's loss and accuracy on
the device. The training data is copied to the device once, minibatches are gathered
there in the CPU's shuffled order, and nothing comes back until the end of an epoch (the
loss totals; the parameters too when a validation set is scored). Results equal the
CPU's to rounding: the products sum in another order than BLAS's, elementwise maths is
done in float64.
"""

from __future__ import annotations

import numpy as np
from numba import cuda
from tqdm import tqdm

from isingml._backend import require_cuda
from isingml.cuda_arrays import adam_step, gather_rows, sgd_step
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

__all__ = ["DeviceLayers", "DeviceOptimizer", "train_autoencoder_cuda", "train_sequential_cuda"]

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
                raise InputError(f"backend 'cuda' has no twin of the layer {layer.name}; "
                                 f"it trains {sorted(_LAYERS)}")  # fmt: skip
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
            y, arg = pool2d_forward_cuda(x, *layer.pool_size, *layer.stride, layer._max)
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
                g, dw, db = conv2d_backward_cuda(x, p["W"], g, *layer.stride, *layer.padding,
                                                 layer.input_grad)  # fmt: skip
                grads[i] = [dw, db]
            elif kind in ("MaxPool2D", "AvgPool2D"):
                shape, arg = self._saved[i]
                g = pool2d_backward_cuda(shape, g, arg, *layer.pool_size, *layer.stride,
                                         layer._max)  # fmt: skip
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
    device, continuing from (and written back into) the host optimizer's."""

    def __init__(self, optimizer: Optimizer, params: list) -> None:
        if type(optimizer) not in (SGD, Adam):
            raise InputError(f"backend 'cuda' trains with SGD or Adam, got "
                             f"{type(optimizer).__name__}")  # fmt: skip
        self.optimizer = optimizer
        self.params = params
        if isinstance(optimizer, SGD):
            self.state = [[self._start(optimizer._velocity, i, p)] for i, p in enumerate(params)]
        else:
            self.state = [[self._start(optimizer._m, i, p), self._start(optimizer._v, i, p)]
                          for i, p in enumerate(params)]  # fmt: skip

    @staticmethod
    def _start(buffers: dict, i: int, p):
        host = buffers.get(i)
        return cuda.to_device(host) if host is not None else cuda.to_device(
            np.zeros(p.shape, dtype=p.dtype))  # fmt: skip

    def step(self, grads: list, halt) -> None:
        """One step with the device gradients ``grads`` (skipped while ``halt[0]`` is set)."""
        opt = self.optimizer
        rate = opt.rate
        if isinstance(opt, SGD):
            for p, g, (vel,) in zip(self.params, grads, self.state, strict=True):
                sgd_step(p, g, vel, rate, opt.momentum, halt)
            return
        opt._t += 1
        for p, g, (m, v) in zip(self.params, grads, self.state, strict=True):
            adam_step(p, g, m, v, rate, opt.beta1, opt.beta2, opt._t, opt.eps, halt)

    def to_host(self, steps_undone: int = 0) -> None:
        """Write the state back into the host optimizer (``steps_undone``: Adam steps that
        the halt flag skipped)."""
        opt = self.optimizer
        if isinstance(opt, SGD):
            if opt.momentum:
                opt._velocity = {i: s[0].copy_to_host() for i, s in enumerate(self.state)}
            return
        opt._m = {i: s[0].copy_to_host() for i, s in enumerate(self.state)}
        opt._v = {i: s[1].copy_to_host() for i, s in enumerate(self.state)}
        opt._t -= steps_undone


def _rows(x: np.ndarray):
    """A host array as a 2-D device array of rows."""
    return cuda.to_device(np.ascontiguousarray(x.reshape(len(x), -1)))


def _gather(d_rows, idx: np.ndarray, shape: tuple[int, ...]):
    out = cuda.device_array((len(idx), d_rows.shape[1]), dtype=d_rows.dtype)
    gather_rows(d_rows, cuda.to_device(idx.astype(np.int64)), out)
    return out.reshape(len(idx), *shape)


def _hit_kind(model, ys: np.ndarray, out_shape: tuple[int, ...]) -> int:
    if isinstance(model.loss, SoftmaxCrossEntropy):
        return HIT_ARGMAX
    if len(out_shape) == 1 and out_shape[0] > 1 and ys.ndim == 2 and ys.shape[1:] == out_shape:
        return HIT_ARGMAX
    if isinstance(model.loss, BinaryCrossEntropy):
        return HIT_THRESHOLD
    return HIT_NONE


def _step(net: DeviceLayers, opt: DeviceOptimizer, twin: LossTwin, x, target, labels, k: int):
    out = net.forward(x)
    n = out.shape[0]
    flat_out = out.reshape(n, out.size // n)
    grad = twin.batch(flat_out, target, labels, k)
    opt.step(net.backward(grad.reshape(*out.shape)), twin.halt)


def train_sequential_cuda(model, xs, ys, epochs, batch_size, validation_data, stopping, shuffle,
                          progress) -> dict[str, list[float]]:  # fmt: skip
    """:meth:`isingml.nn.Sequential.fit` on the GPU (arguments checked by it)."""
    from isingml.nn.model import LossDiverged

    net = DeviceLayers(model.layers)
    opt = DeviceOptimizer(model.optimizer, net.parameters())
    hit = _hit_kind(model, ys, model.layers[-1].output_shape)
    twin = LossTwin(model.loss, hit)
    d_x = _rows(xs)
    labels = target = None
    if ys.dtype.kind in "iub" and isinstance(model.loss, SoftmaxCrossEntropy):
        n_classes = model.layers[-1].output_shape[-1]
        SoftmaxCrossEntropy._onehot(ys, n_classes)  # the CPU's clear error for bad labels
        labels = cuda.to_device(ys.astype(np.int64).reshape(-1, 1))
    else:
        target = _rows(ys.astype(model.dtype, copy=False))
    rng = np.random.default_rng([model.seed, 0x88])
    keys = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if validation_data else [])
    model.history = {k: [] for k in keys}
    for epoch in tqdm(range(epochs), disable=not progress, unit="epoch"):
        model.optimizer.epoch = epoch
        order = rng.permutation(len(xs)) if shuffle else np.arange(len(xs))
        t_start = getattr(model.optimizer, "_t", 0)
        for k, start in enumerate(range(0, len(xs), batch_size)):
            idx = order[start : start + batch_size]
            xb = _gather(d_x, idx, model.input_shape)
            tb = None if target is None else _gather(target, idx, (target.shape[1],))
            lb = None if labels is None else _gather(labels, idx, (1,))
            _step(net, opt, twin, xb, tb, lb, k)
        total, hits, count, bad, where = twin.collect()
        if bad is not None:
            net.to_host()  # the weights before the failing step: later steps were skipped
            opt.to_host(getattr(model.optimizer, "_t", 0) - t_start - where)
            start = where * batch_size
            end = min(start + batch_size, len(xs)) - 1
            raise LossDiverged(bad, f"epoch {epoch + 1}, samples {start}-{end}")
        model.history["loss"].append(total / count)
        model.history["accuracy"].append(hits / count if hit != HIT_NONE else np.nan)
        if validation_data is not None:
            net.to_host()
            val = model.evaluate(*validation_data)
            model.history["val_loss"].append(val["loss"])
            model.history["val_accuracy"].append(val.get("accuracy", np.nan))
            if stopping.stop(val["loss"], model.parameters()):
                break
    net.to_host()
    opt.to_host()
    stopping.restore(model.parameters())
    return model.history


def train_autoencoder_cuda(ae, data, epochs, batch_size, size, temperatures, val, stopping,
                           progress) -> dict[str, list[float]]:  # fmt: skip
    """:class:`~isingml.nn.Autoencoder` training on the GPU (arguments checked by ``fit``).

    Arrays are copied to the device once and gathered there; a dataset file is streamed
    batch by batch as on the CPU. The denoising corruption is drawn on the host from the
    CPU's generator (the same flips) and its mask copied over per batch.
    """
    from isingml.nn.model import LossDiverged

    encoder, decoder = ae._check_fitted()
    net = DeviceLayers(encoder.layers + decoder.layers)
    opt = DeviceOptimizer(ae.optimizer, net.parameters())
    twin = LossTwin(ae._loss, HIT_NONE)
    rng = np.random.default_rng([ae.seed, 0xAE, ae._epochs_done])
    in_memory = isinstance(data, np.ndarray)
    d_data = _rows(data) if in_memory else None
    ae.history = {"loss": []}
    for epoch in tqdm(range(epochs), disable=not progress, unit="epoch"):
        ae.optimizer.epoch = ae._epochs_done
        t_start = getattr(ae.optimizer, "_t", 0)
        if in_memory:
            order = rng.permutation(len(data))
            batches = (order[s : s + batch_size] for s in range(0, len(data), batch_size))
        else:
            batches = ae._batches(data, size, temperatures, batch_size, ae._epochs_done, rng)
        for k, batch in enumerate(batches):
            if in_memory:
                clean = _gather(d_data, batch, (data.shape[1],))
            else:
                clean = cuda.to_device(np.ascontiguousarray(batch))
            inputs = clean
            if ae.corruption:
                flips = rng.random(clean.shape) < ae.corruption
                inputs = _corrupted(clean, flips, ae.output_activation == "tanh")
            _step(net, opt, twin, inputs, clean, None, k)
        total, _, count, bad, where = twin.collect()
        if bad is not None:
            net.to_host()
            opt.to_host(getattr(ae.optimizer, "_t", 0) - t_start - where)
            raise LossDiverged(bad, f"epoch {epoch + 1}")
        ae._epochs_done += 1
        ae.history["loss"].append(total / count)
        ae.history.setdefault("reconstruction", []).append(total / count)
        if val is not None:
            net.to_host()
            ae.history.setdefault("val_loss", []).append(ae.evaluate(val))
            if stopping.stop(ae.history["val_loss"][-1], ae.parameters()):
                break
    net.to_host()
    opt.to_host()
    stopping.restore(ae.parameters())
    return ae.history


@cuda.jit
def _corrupt(x, flips, spins, out):  # pragma: no cover - compiled for the GPU
    r, j = cuda.grid(2)
    if r < x.shape[0] and j < x.shape[1]:
        v = x[r, j]
        out[r, j] = (-v if spins else 1 - v) if flips[r, j] else v


def _corrupted(clean, flips: np.ndarray, spins: bool):
    from isingml.cuda_arrays import launch_2d

    out = cuda.device_array(clean.shape, dtype=clean.dtype)
    _corrupt[launch_2d(clean.shape)](clean, cuda.to_device(flips), spins, out)
    return out
