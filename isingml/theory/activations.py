"""Activation functions of deep random networks and their Gaussian expectations.

An activation is known by name (:data:`ACTIVATIONS`) or given as any vectorised function
of a float array, with its derivative or by central differences. Each provides the
Gaussian integrals that the mean-field maps of :mod:`isingml.theory.signal` need, by
Gauss-Hermite quadrature (probabilists' rule, one and two dimensions) or by closed forms
where they exist (ReLU: ``E[relu(u)^2] = q / 2`` and the arc-cosine kernel of Cho and
Saul; the identity; ``erf``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from isingml.errors import InputError, InputTypeError

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_QUADRATURE_POINTS",
    "ActivationLike",
    "GaussHermiteRule",
    "as_activation",
]

#: Activation functions known by name (any vectorised callable is accepted too).
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "erf")

#: Gauss-Hermite nodes per dimension. For tanh the relative error of ``E[phi'^2]`` is
#: about 1e-9 at q = 1, 4e-5 at q = 3 and 2e-2 at q = 10 (poles of tanh near the real
#: axis at large q); the named closed forms (relu, linear, erf) are exact.
DEFAULT_QUADRATURE_POINTS = 101

#: An activation given by name or as a vectorised function of a float array.
ActivationLike = str | Callable[[np.ndarray], np.ndarray]

_CHUNK_NODES = 100_000  # points x nodes per two-dimensional evaluation (fits in cache)


# --------------------------------------------------------------------------------------
# Activations and their Gaussian expectations
# --------------------------------------------------------------------------------------


def _tanh_derivative(x: np.ndarray) -> np.ndarray:
    e = np.exp(-2.0 * np.abs(x))  # sech^2 without overflow or cancellation
    return 4.0 * e / (1.0 + e) ** 2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    return 0.25 * _tanh_derivative(0.5 * x)


_erf = np.vectorize(math.erf, otypes=[float])


def _erf_derivative(x: np.ndarray) -> np.ndarray:
    return 2.0 / math.sqrt(math.pi) * np.exp(-np.square(x))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _step(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x) > 0).astype(float)


def _identity(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _ones(x: np.ndarray) -> np.ndarray:
    return np.ones_like(np.asarray(x, dtype=float))


class GaussHermiteRule:
    """Probabilists' Gauss-Hermite rule with weights summing to one: ``E[g(z)] ~ w . g(x)``."""

    def __init__(self, n: int) -> None:
        x, w = hermegauss(n)
        self.n = n
        self.x = x
        self.w = w / w.sum()
        self.w2 = np.outer(self.w, self.w)

    def expect(self, g: Callable, q: np.ndarray) -> np.ndarray:
        """``E[g(sqrt(q) z)]`` for every entry of ``q`` (``g(0)`` exactly at ``q = 0``)."""
        q = np.asarray(q, dtype=float)
        values = np.einsum("...i,i->...", g(np.multiply.outer(np.sqrt(q), self.x)), self.w)
        return np.where(q == 0, g(np.zeros(1))[0], values)

    def pair(self, g: Callable, q: np.ndarray, delta: np.ndarray) -> tuple:
        """``E[g(u_1)^2]``, ``E[g(u_1) g(u_2)]`` and ``E[(g(u_1) - g(u_2))^2] / 2`` for
        Gaussian ``u_1, u_2`` of variance ``q`` and correlation ``c = 1 - delta``.

        The rule is symmetric, ``u_(1,2) = sqrt(q) (a z_1 +/- b z_2)`` with
        ``a = sqrt(1 - delta / 2)``, ``b = sqrt(delta / 2)``: ``u_2`` at node ``(i, j)`` is
        ``u_1`` at the mirrored node ``(i, n - 1 - j)``, so one evaluation of ``g`` gives
        both, ``E[g(u_1)^2] = E[g(u_2)^2]`` holds exactly, and the difference term keeps
        its relative precision as ``c -> 1``.
        """
        q, delta = np.broadcast_arrays(np.asarray(q, float), np.asarray(delta, float))
        shape = q.shape
        q, delta = q.ravel(), delta.ravel()
        out = np.empty((3, q.size))
        step = max(1, _CHUNK_NODES // (self.n * self.n))
        for s in range(0, q.size, step):
            sl = slice(s, s + step)
            a = np.sqrt(1.0 - 0.5 * delta[sl])[:, None, None]
            b = np.sqrt(0.5 * delta[sl])[:, None, None]
            root = np.sqrt(q[sl])[:, None, None]
            p = g(root * (a * self.x[None, :, None] + b * self.x[None, None, :]))
            mirror = p[:, :, ::-1]
            # einsum, not a BLAS product: no thread start-up per call on a busy machine
            out[1, sl] = np.einsum("gij,ij->g", p * mirror, self.w2)
            out[2, sl] = 0.5 * np.einsum("gij,ij->g", np.square(p - mirror), self.w2)
        out[0] = out[1] + out[2]  # E[g(u_1)^2] = E[g(u_2)^2] in this rule
        return tuple(v.reshape(shape) for v in out)


class _Activation:
    """An activation ``phi`` with its derivative, and the Gaussian expectations of the
    length and correlation maps (by quadrature; subclasses use closed forms)."""

    #: ``phi(a x) = a phi(x)`` for ``a > 0``: every expectation scales with ``q``, and a
    #: map without a fixed point can be followed to ``q -> inf``.
    homogeneous = False

    def __init__(self, name: str, phi: Callable, dphi: Callable) -> None:
        self.name = name
        self.phi = phi
        self.dphi = dphi

    def second_moment(self, q: np.ndarray, rule: GaussHermiteRule) -> np.ndarray:
        """``E[phi(sqrt(q) z)^2]``."""
        return rule.expect(lambda u: np.square(self.phi(u)), q)

    def derivative_moment(self, q: np.ndarray, rule: GaussHermiteRule) -> np.ndarray:
        """``E[phi'(sqrt(q) z)^2]``."""
        return rule.expect(lambda u: np.square(self.dphi(u)), q)

    def second_moment_slope(self, q: np.ndarray, rule: GaussHermiteRule) -> np.ndarray:
        """``d/dq E[phi(sqrt(q) z)^2]`` by the Gaussian score,
        ``E[g(sqrt(q) z) (z^2 - 1)] / (2 q)``, and ``phi'(0)^2 + phi(0) phi''(0)`` at
        ``q = 0`` (where only ``phi(0) = 0`` occurs: the slope is ``phi'(0)^2``)."""
        q = np.asarray(q, dtype=float)
        safe = np.where(q > 0, q, 1.0)
        score = rule.x**2 - 1.0
        values = np.einsum(
            "...i,i->...",
            np.square(self.phi(np.multiply.outer(np.sqrt(safe), rule.x))),
            rule.w * score,
        )
        at_zero = np.square(self.dphi(np.zeros(1)))[0]
        return np.where(q > 0, values / (2.0 * safe), at_zero)

    def pair(self, q: np.ndarray, delta: np.ndarray, rule: GaussHermiteRule) -> tuple:
        """``(E[phi_1^2], E[phi_1 phi_2], E[(phi_1 - phi_2)^2] / 2)`` at correlation
        ``1 - delta``."""
        return rule.pair(self.phi, q, delta)

    def derivative_pair(
        self, q: np.ndarray, delta: np.ndarray, rule: GaussHermiteRule
    ) -> np.ndarray:
        """``E[phi'(u_1) phi'(u_2)]`` at correlation ``1 - delta``."""
        return rule.pair(self.dphi, q, delta)[1]


class _ReLU(_Activation):
    """ReLU: ``E[relu(u)^2] = q / 2`` and the arc-cosine kernel of Cho and Saul,
    ``E[relu(u_1) relu(u_2)] = q (sqrt(1 - c^2) + (pi - arccos c) c) / (2 pi)``."""

    homogeneous = True

    def __init__(self) -> None:
        super().__init__("relu", _relu, _step)

    def second_moment(self, q, rule):
        return 0.5 * np.asarray(q, dtype=float)

    def derivative_moment(self, q, rule):
        return np.full_like(np.asarray(q, dtype=float), 0.5)

    def second_moment_slope(self, q, rule):
        return np.full_like(np.asarray(q, dtype=float), 0.5)

    def pair(self, q, delta, rule):
        q, delta = np.broadcast_arrays(np.asarray(q, float), np.asarray(delta, float))
        c = 1.0 - delta
        sine = np.sqrt(delta * (2.0 - delta))
        angle = 2.0 * np.arcsin(np.sqrt(0.5 * delta))  # arccos(c), accurate near c = 1
        cross = q * (sine + (np.pi - angle) * c) / (2.0 * np.pi)
        half_difference = q * (np.pi * delta + angle * c - sine) / (2.0 * np.pi)
        return 0.5 * q, cross, np.maximum(half_difference, 0.0)

    def derivative_pair(self, q, delta, rule):
        q, delta = np.broadcast_arrays(np.asarray(q, float), np.asarray(delta, float))
        return (np.pi - 2.0 * np.arcsin(np.sqrt(0.5 * delta))) / (2.0 * np.pi)


class _Linear(_Activation):
    """The identity: a deep linear network, every expectation exact."""

    homogeneous = True

    def __init__(self) -> None:
        super().__init__("linear", _identity, _ones)

    def second_moment(self, q, rule):
        return np.asarray(q, dtype=float) * 1.0

    def derivative_moment(self, q, rule):
        return np.ones_like(np.asarray(q, dtype=float))

    def second_moment_slope(self, q, rule):
        return np.ones_like(np.asarray(q, dtype=float))

    def pair(self, q, delta, rule):
        q, delta = np.broadcast_arrays(np.asarray(q, float), np.asarray(delta, float))
        return q * 1.0, q * (1.0 - delta), q * delta

    def derivative_pair(self, q, delta, rule):
        return np.ones(np.broadcast_shapes(np.shape(q), np.shape(delta)))


class _Erf(_Activation):
    """``erf``: ``E[erf(u_1) erf(u_2)] = (2/pi) arcsin(2 q c / (1 + 2 q))`` and
    ``E[erf'(u_1) erf'(u_2)] = (4/pi) / sqrt((1 + 2q)^2 - 4 q^2 c^2)``."""

    def __init__(self) -> None:
        super().__init__("erf", _erf, _erf_derivative)

    def second_moment(self, q, rule):
        q = np.asarray(q, dtype=float)
        return 2.0 / np.pi * np.arcsin(2.0 * q / (1.0 + 2.0 * q))

    def derivative_moment(self, q, rule):
        return 4.0 / np.pi / np.sqrt(1.0 + 4.0 * np.asarray(q, dtype=float))

    def second_moment_slope(self, q, rule):
        q = np.asarray(q, dtype=float)
        return 4.0 / np.pi / ((1.0 + 2.0 * q) * np.sqrt(1.0 + 4.0 * q))

    def pair(self, q, delta, rule):
        q, delta = np.broadcast_arrays(np.asarray(q, float), np.asarray(delta, float))
        t = 2.0 * q / (1.0 + 2.0 * q)
        same = 2.0 / np.pi * np.arcsin(t)
        cross = 2.0 / np.pi * np.arcsin(t * (1.0 - delta))
        return same, cross, np.maximum(same - cross, 0.0)

    def derivative_pair(self, q, delta, rule):
        q, delta = np.broadcast_arrays(np.asarray(q, float), np.asarray(delta, float))
        c = 1.0 - delta
        return 4.0 / np.pi / np.sqrt((1.0 + 2.0 * q) ** 2 - 4.0 * q**2 * c**2)


def _named_activation(name: str) -> _Activation:
    if name == "relu":
        return _ReLU()
    if name == "linear":
        return _Linear()
    if name == "erf":
        return _Erf()
    if name == "tanh":
        return _Activation("tanh", np.tanh, _tanh_derivative)
    return _Activation("sigmoid", _sigmoid, _sigmoid_derivative)


def _central_difference(phi: Callable) -> Callable:
    def dphi(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        h = 6e-6 * np.maximum(1.0, np.abs(x))  # about eps^(1/3): O(h^2) = rounding error
        return (np.asarray(phi(x + h)) - np.asarray(phi(x - h))) / (2.0 * h)

    return dphi


def _check_vectorised(name: str, fn: object) -> None:
    probe = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 2.0]])
    try:
        with np.errstate(all="ignore"):
            value = np.asarray(fn(probe), dtype=float)
    except Exception as exc:
        raise InputTypeError(
            f"{name} must map a float array to a float array of the same shape, "
            f"calling it on one raised {type(exc).__name__}: {exc}"
        ) from None
    if value.shape != probe.shape:
        raise InputTypeError(
            f"{name} must map a float array to a float array of the same shape "
            f"(a vectorised NumPy function), got shape {value.shape} for {probe.shape}"
        )
    if not np.isfinite(value).all():
        raise InputError(f"{name} must be finite on [-2, 2], got {value.ravel().tolist()}")


def as_activation(activation: object, derivative: object = None) -> _Activation:
    """The activation named ``activation`` (see :data:`ACTIVATIONS`), or a vectorised
    callable with an optional ``derivative`` (central differences otherwise).

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For anything else, or a callable that does not map arrays to arrays.
    """
    if isinstance(activation, _Activation):
        return activation
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            allowed = ", ".join(repr(a) for a in ACTIVATIONS)
            raise InputError(
                f"activation must be one of {allowed} or a callable, got {activation!r}"
            )
        if derivative is not None:
            raise InputTypeError(
                f"derivative is only for a callable activation, not {activation!r}"
            )
        return _named_activation(activation)
    if not callable(activation):
        raise InputTypeError(f"activation must be a name or a callable, got {activation!r}")
    _check_vectorised("activation", activation)
    if derivative is None:
        dphi = _central_difference(activation)
    elif callable(derivative):
        _check_vectorised("derivative", derivative)
        dphi = derivative
    else:
        raise InputTypeError(f"derivative must be a callable or None, got {derivative!r}")
    name = getattr(activation, "__name__", type(activation).__name__)
    return _Activation(name, activation, dphi)
