"""Learning rules of the Hopfield network: Hebb, projection (pseudo-inverse) and Storkey.

Every rule returns a symmetric ``(n, n)`` float64 matrix with a zero diagonal (Storkey
started from given weights keeps their diagonal). Patterns are rows of a ``(p, n)`` array of
+/-1 (a single pattern may be 1-D).
"""

from __future__ import annotations

import numba
import numpy as np

from isingml.errors import InputError
from isingml.hopfield.states import as_states

__all__ = ["hebbian_weights", "projection_weights", "storkey_weights"]


def hebbian_weights(patterns: np.ndarray) -> np.ndarray:
    """The Hebb rule, Eq. (3) of the primer: ``W = (1/n) sum_mu P^mu (P^mu)^T``, zero diagonal.

    Parameters
    ----------
    patterns : ndarray of int8, shape (p, n)
        +/-1 patterns.

    Returns
    -------
    ndarray of float64, shape (n, n)
    """
    xi = as_states("patterns", patterns, None, allow_blank=False)[0].astype(np.float64)
    w = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(w, 0.0)
    return w


def projection_weights(patterns: np.ndarray) -> np.ndarray:
    """The projection (pseudo-inverse) rule: ``W = X^T C^+ X`` with ``C = X X^T``, zero diagonal.

    ``X^T C^+ X`` projects onto the span of the patterns, so every stored pattern is a fixed
    point even when patterns are correlated (up to ``p < n`` linearly independent ones).

    Parameters
    ----------
    patterns : ndarray of int8, shape (p, n)

    Returns
    -------
    ndarray of float64, shape (n, n)
    """
    xi = as_states("patterns", patterns, None, allow_blank=False)[0].astype(np.float64)
    w = xi.T @ np.linalg.pinv(xi @ xi.T, hermitian=True) @ xi
    w = 0.5 * (w + w.T)  # exactly symmetric despite rounding
    np.fill_diagonal(w, 0.0)
    return w


def storkey_weights(patterns: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The Storkey rule, one pattern at a time (incremental and local).

    For each pattern ``xi``, with ``h_ij = sum_{k != i, j} W_ik xi_k``::

        W_ij += (xi_i xi_j - xi_i h_ji - h_ij xi_j) / n      (i != j)

    Parameters
    ----------
    patterns : ndarray of int8, shape (p, n)
    weights : ndarray of float64, shape (n, n), optional
        Weights to start from (a copy is updated); zero by default.

    Returns
    -------
    ndarray of float64, shape (n, n)
    """
    xi_all = as_states("patterns", patterns, None, allow_blank=False)[0]
    n = xi_all.shape[1]
    w = np.zeros((n, n)) if weights is None else np.array(weights, dtype=np.float64)
    if w.shape != (n, n) or not np.isfinite(w).all():
        raise InputError(f"weights must be a finite ({n}, {n}) matrix, got shape {w.shape}")
    for xi in xi_all.astype(np.float64):
        _storkey_step(w, xi)
    return w


@numba.njit(cache=True)
def _storkey_step(w, xi):
    n = xi.shape[0]
    h = np.zeros(n)
    for i in range(n):
        acc = 0.0
        for k in range(n):
            if k != i:
                acc += w[i, k] * xi[k]
        h[i] = acc
    delta = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                h_ij = h[i] - w[i, j] * xi[j]
                h_ji = h[j] - w[j, i] * xi[i]
                delta[i, j] = (xi[i] * xi[j] - xi[i] * h_ji - h_ij * xi[j]) / n
    for i in range(n):
        for j in range(n):
            w[i, j] += delta[i, j]
