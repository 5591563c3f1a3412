"""Layers with hand-written forward and backward passes (the primer's Sections V-VI).

Every layer maps a batch ``x`` (leading axis: samples) to ``y`` in :meth:`Layer.forward`,
keeping what its backward pass needs, and maps ``dL/dy`` to ``dL/dx`` in
:meth:`Layer.backward`, storing the gradients of its parameters in ``grads`` (same keys as
``params``). Matrix products go to BLAS through NumPy, which is the fastest honest choice
for dense layers; no automatic differentiation anywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from isingml.errors import InputError

__all__ = [
    "INITIALIZERS",
    "Dense",
    "Flatten",
    "Layer",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "initial_weights",
]

#: Weight initialisations by name: He (ReLU nets), Xavier/Glorot, and the appendix's
#: standard normal.
INITIALIZERS = ("he", "xavier", "normal")


def initial_weights(
    init: str,
    shape: tuple[int, ...],
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    dtype: type,
) -> np.ndarray:
    """Normal weights with standard deviation ``sqrt(2 / fan_in)`` (He),
    ``sqrt(2 / (fan_in + fan_out))`` (Xavier) or 1 (normal)."""
    scale = {
        "he": np.sqrt(2.0 / fan_in),
        "xavier": np.sqrt(2.0 / (fan_in + fan_out)),
        "normal": 1.0,
    }[init]
    return rng.normal(0.0, scale, size=shape).astype(dtype)


class Layer(ABC):
    """Base class: no parameters, identity shape."""

    #: Parameter arrays by name (empty for parameter-free layers).
    params: dict[str, np.ndarray]
    #: Gradients of the loss with respect to ``params``, filled by :meth:`backward`.
    grads: dict[str, np.ndarray]
    #: Float type of the parameters (set by the model before :meth:`build`).
    dtype: type = np.float64
    #: Whether :meth:`backward` must return ``dL/dx`` (the model turns it off for the first
    #: layer, whose input needs no gradient).
    input_grad: bool = True

    def __init__(self) -> None:
        self.params = {}
        self.grads = {}
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None

    @property
    def name(self) -> str:
        """The layer's class name (used in error messages)."""
        return type(self).__name__

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        """Create parameters for inputs of ``input_shape`` (per sample); return the output
        shape per sample."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.input_shape
        return self.output_shape

    @abstractmethod
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """``y = f(x)`` for a batch."""

    @abstractmethod
    def backward(self, grad: np.ndarray) -> np.ndarray:
        """``dL/dx`` from ``dL/dy``; fills :attr:`grads`."""

    def __repr__(self) -> str:
        return f"{self.name}()"


class Dense(Layer):
    """Fully connected layer ``y = x W + b`` (Eq. 32, with ``W`` of shape (in, out)).

    Backward: ``dL/dW = x^T g``, ``dL/db = sum_batch g``, ``dL/dx = g W^T``, with
    ``g = dL/dy``.

    Parameters
    ----------
    units : int
        Outputs per sample.
    init : {"he", "xavier", "normal"}
        Weight initialisation: ``N(0, 2 / fan_in)``, ``N(0, 2 / (fan_in + fan_out))``, or
        ``N(0, 1)`` (the primer's appendix). Biases start at zero.
    use_bias : bool
        Add the bias ``b`` (the appendix network has none).
    """

    def __init__(self, units: int, init: str = "he", use_bias: bool = True) -> None:
        super().__init__()
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise InputError(f"units must be an integer >= 1, got {units!r}")
        if init not in INITIALIZERS:
            raise InputError(f"init must be one of {INITIALIZERS}, got {init!r}")
        self.units = int(units)
        self.init = init
        self.use_bias = bool(use_bias)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        if len(input_shape) != 1:
            raise InputError(
                f"Dense needs flat inputs, got per-sample shape {tuple(input_shape)}; "
                "put a Flatten layer before it"
            )
        fan_in = input_shape[0]
        shape = (fan_in, self.units)
        self.params = {
            "W": initial_weights(self.init, shape, fan_in, self.units, rng, self.dtype),
        }
        if self.use_bias:
            self.params["b"] = np.zeros(self.units, dtype=self.dtype)
        self.input_shape = tuple(input_shape)
        self.output_shape = (self.units,)
        return self.output_shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x = x
        y = x @ self.params["W"]
        if self.use_bias:
            y += self.params["b"]
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        self.grads = {"W": self._x.T @ grad}
        if self.use_bias:
            self.grads["b"] = grad.sum(axis=0)
        return grad @ self.params["W"].T if self.input_grad else None

    def __repr__(self) -> str:
        bias = "" if self.use_bias else ", use_bias=False"
        return f"Dense({self.units}, init={self.init!r}{bias})"


class Flatten(Layer):
    """Reshape each sample to a vector."""

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        self.input_shape = tuple(input_shape)
        self.output_shape = (int(np.prod(input_shape)),)
        return self.output_shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self._shape)


class ReLU(Layer):
    """``y = max(0, x)`` (Eq. 36); ``dL/dx = g [x > 0]``."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._mask = x > 0
        return np.where(self._mask, x, 0.0)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self._mask


class LeakyReLU(Layer):
    """``y = x`` for ``x > 0``, ``alpha x`` otherwise (the primer's footnote on dead ReLUs);
    ``dL/dx = g`` or ``alpha g``.

    Parameters
    ----------
    alpha : float
        Slope for negative inputs, in [0, 1).
    """

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        if not (0.0 <= float(alpha) < 1.0):
            raise InputError(f"alpha must be in [0, 1), got {alpha}")
        self.alpha = float(alpha)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._mask = x > 0
        return np.where(self._mask, x, self.alpha * x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self._mask, grad, self.alpha * grad)

    def __repr__(self) -> str:
        return f"LeakyReLU({self.alpha})"


class Sigmoid(Layer):
    """``y = 1 / (1 + e^-x)`` (Eq. 37); ``dL/dx = g y (1 - y)``."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        # Stable for either sign of x: exp of a non-positive number only.
        e = np.exp(-np.abs(x))
        self._y = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self._y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self._y * (1.0 - self._y)


class Tanh(Layer):
    """``y = tanh x`` (Eq. 38); ``dL/dx = g (1 - y^2)``."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (1.0 - self._y * self._y)


class Softmax(Layer):
    """``y_k = e^{x_k} / sum_j e^{x_j}`` over the last axis;
    ``dL/dx = y (g - sum_k g_k y_k)``.

    For classification prefer :class:`~isingml.nn.losses.SoftmaxCrossEntropy` on the
    logits, which fuses the two and is numerically stable.
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        z = x - x.max(axis=-1, keepdims=True)
        e = np.exp(z)
        self._y = e / e.sum(axis=-1, keepdims=True)
        return self._y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        y = self._y
        return y * (grad - (grad * y).sum(axis=-1, keepdims=True))
