"""Annealed importance sampling of an RBM's partition function (Salakhutdinov & Murray 2008).

The base model A has no weights and no hidden biases and takes the target's visible biases
``b_A`` (by default), so ``log Z_A = sum_i f(b_A_i) + n_hidden log 2`` (``f`` the unit log-sum
of :mod:`isingml.rbm.kernels`). Intermediate models interpolate the visible marginal,

    ``log p*_beta(v) = (1 - beta) b_A . v + beta b_B . v + sum_j f(beta (W v + b_h)_j)``,

and each run moves through ``beta_0 = 0 < ... < beta_K = 1`` with one block-Gibbs step per
``beta`` (hidden layer at ``beta``, visible layer at the mixed bias), accumulating
``log w = sum_k log p*_{beta_k}(v_k) - log p*_{beta_{k-1}}(v_k)``. Then
``Z_B / Z_A ~ mean(w)``; the error is the delta-method standard error of ``log mean(w)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.exceptions import NotFittedError

from isingml._validation import check_int
from isingml.errors import InputError
from isingml.random import TAG_RBM_HIDDEN, TAG_RBM_VISIBLE, validate_seed
from isingml.rbm.kernels import sample_layer

__all__ = ["ais_log_partition"]

_STREAM_AIS = 2


def _f(a: np.ndarray, spin: bool) -> np.ndarray:
    if spin:
        x = np.abs(a)
        return x + np.log1p(np.exp(-2.0 * x))
    return np.logaddexp(0.0, a)


def ais_log_partition(
    rbm: object,
    n_betas: int = 10000,
    n_runs: int = 100,
    seed: int = 0,
    base_visible_bias: np.ndarray | None = None,
) -> tuple[float, float]:
    """Estimate ``log Z`` of a fitted :class:`~isingml.rbm.RBM`.

    Parameters
    ----------
    rbm : RBM
        A fitted model.
    n_betas : int
        Intermediate distributions (``beta`` evenly spaced in [0, 1]).
    n_runs : int
        Independent annealing runs.
    seed : int
        Philox seed.
    base_visible_bias : array, optional
        Visible biases of the base model (default: the target's).

    Returns
    -------
    (float, float)
        ``log Z`` and its standard error.
    """
    if not hasattr(rbm, "components_"):
        raise NotFittedError("this RBM is not fitted yet: call fit or partial_fit first")
    n_betas = check_int("n_betas", n_betas, minimum=2)
    n_runs = check_int("n_runs", n_runs, minimum=2)
    seed = validate_seed(seed)
    spin = rbm.units == "spin"
    W = rbm.components_.astype(np.float64)
    b_v = rbm.intercept_visible_.astype(np.float64)
    b_h = rbm.intercept_hidden_.astype(np.float64)
    b_a = b_v.copy() if base_visible_bias is None else np.asarray(base_visible_bias, float)
    if b_a.shape != b_v.shape or not np.isfinite(b_a).all():
        raise InputError(f"base_visible_bias must be finite with shape {b_v.shape}")
    n_h = W.shape[0]
    log_z_a = _f(b_a, spin).sum() + n_h * np.log(2.0)

    def log_p(v: np.ndarray, beta: float) -> np.ndarray:
        return ((1 - beta) * b_a + beta * b_v) @ v.T + _f(beta * (v @ W.T + b_h), spin).sum(1)

    # v_0 from the base model: independent units with biases b_a.
    means = np.empty((n_runs, b_a.size))
    v = np.empty_like(means)
    sample_layer(np.tile(b_a, (n_runs, 1)), spin, seed, _STREAM_AIS, 0, TAG_RBM_VISIBLE, means, v)
    betas = np.linspace(0.0, 1.0, n_betas)
    log_w = np.zeros(n_runs)
    h_means = np.empty((n_runs, n_h))
    h = np.empty_like(h_means)
    for k in range(1, n_betas):
        beta = betas[k]
        log_w += log_p(v, beta) - log_p(v, betas[k - 1])
        if k == n_betas - 1:
            break
        # One Gibbs step that leaves p*_beta invariant.
        sample_layer(
            beta * (v @ W.T + b_h), spin, seed, _STREAM_AIS, k, TAG_RBM_HIDDEN, h_means, h
        )
        pre = (1 - beta) * b_a + beta * (h @ W + b_v)
        sample_layer(pre, spin, seed, _STREAM_AIS, k, TAG_RBM_VISIBLE, means, v)
    top = log_w.max()
    w = np.exp(log_w - top)
    log_mean = top + np.log(w.mean())
    error = w.std(ddof=1) / np.sqrt(n_runs) / w.mean()
    return float(log_z_a + log_mean), float(error)
