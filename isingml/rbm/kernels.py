"""Numba kernels of the restricted Boltzmann machine: layer sampling and exact sums.

Units are binary ``{0, 1}`` or spins ``{-1, +1}``. Given a unit's input ``a`` (its row of
``W v + b_h``, or of ``W^T h + b_v``):

=============  ======================  ==========================  ======================
units          P(unit = up)            mean                        log sum over its values
=============  ======================  ==========================  ======================
binary         sigma(a)                sigma(a)                    log(1 + e^a)
spin           sigma(2 a)              tanh(a)                     log(2 cosh a)
=============  ======================  ==========================  ======================

Sampling draws one Philox output per unit: unit ``j`` of row ``r`` uses output ``j % 4``
of the block with counter ``(j // 4, r, draw, tag)`` under key ``(seed, stream)`` and is
up when its top 24 bits, as a fraction of ``2**24``, fall below ``P(up)``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from isingml.random import philox4x32

__all__ = [
    "bernoulli_draws",
    "log_partition_by_enumeration",
    "sample_layer",
    "unit_log_sum",
]


@numba.njit(inline="always")
def unit_log_sum(a, spin):
    """``log sum_s exp(a s)`` over a unit's two values (stable for any ``a``)."""
    if spin:
        x = abs(a)
        return x + math.log1p(math.exp(-2.0 * x))  # log(e^a + e^-a)
    if a > 0:
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


def sample_layer(pre, spin, seed, stream, draw, tag, means, samples):
    """Means and samples of one layer given its inputs, in place.

    The probabilities come from NumPy's vectorized ``exp``; the draws from
    :func:`bernoulli_draws`.

    Parameters
    ----------
    pre : ndarray of float32 or float64, shape (n, m)
        Inputs ``a`` of the units (rows are samples).
    spin : bool
        Spin units (+/-1) instead of binary (0/1).
    seed, stream : int
        Philox key.
    draw : int
        Counter word distinguishing this call from every other one under the key.
    tag : int
        Counter word naming the layer.
    means, samples : ndarray, shape (n, m), same dtype as ``pre``
        Outputs: ``E[unit | a]`` and one sample.
    """
    scale = 2.0 if spin else 1.0
    np.multiply(pre, -scale, out=means)
    with np.errstate(over="ignore"):  # inf for very negative inputs: probability 0
        np.exp(means, out=means)
    means += 1.0
    np.reciprocal(means, out=means)  # P(unit up)
    bernoulli_draws(means, -1.0 if spin else 0.0, seed, stream, draw, tag, samples)
    if spin:
        means *= 2.0
        means -= 1.0  # tanh(a) = 2 sigma(2 a) - 1


@numba.njit(cache=True, nogil=True)
def bernoulli_draws(prob, low, seed, stream, draw, tag, samples):
    """``samples = 1 if u < prob else low`` with Philox uniforms ``u``, in place.

    ``u`` has 24 random bits (``(r >> 8) 2**-24``, exact in float32 and float64). Serial on
    purpose: it runs between BLAS products, and a Numba thread pool spinning next to
    BLAS's threads on the same cores costs more than it saves.

    Parameters
    ----------
    prob : ndarray of float, shape (n, m)
    low : float
        The value of a unit that is not up (0 or -1).
    seed, stream, draw, tag : int
        Key ``(seed, stream)`` and counter words (see the module docstring).
    samples : ndarray, shape (n, m)
    """
    n, m = prob.shape
    k0 = np.uint64(seed)
    k1 = np.uint64(stream)
    c2 = np.uint64(draw)
    c3 = np.uint64(tag)
    blocks = (m + 3) // 4
    u = np.empty(4 * blocks, dtype=np.float32)
    eight = np.uint64(8)
    unit = np.float32(2.0**-24)
    for r in range(n):
        # The row's uniforms first, in one branch-free loop over consecutive counters.
        for b in range(blocks):
            r0, r1, r2, r3 = philox4x32(np.uint64(b), np.uint64(r), c2, c3, k0, k1)
            u[4 * b] = np.float32(r0 >> eight) * unit
            u[4 * b + 1] = np.float32(r1 >> eight) * unit
            u[4 * b + 2] = np.float32(r2 >> eight) * unit
            u[4 * b + 3] = np.float32(r3 >> eight) * unit
        p = prob[r]
        out = samples[r]
        for j in range(m):
            out[j] = 1.0 if u[j] < p[j] else low


@numba.njit(parallel=True, cache=True, nogil=True)
def log_partition_by_enumeration(w, b_sum, b_other, spin, chunk_bits):
    """``log sum_x exp(b_sum . x + sum_i f((W^T x + b_other)_i))`` over every ``x``.

    ``x`` runs over all configurations of the layer with ``m = w.shape[0]`` units (the
    other layer is summed analytically through ``f``, :func:`unit_log_sum`). Chunks of
    configurations are visited in parallel, each in Gray-code order so that one unit
    changes per step and the inputs update in ``O(n)``.

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Weights, rows over the enumerated layer.
    b_sum : ndarray of float64, shape (m,)
        Biases of the enumerated layer.
    b_other : ndarray of float64, shape (n,)
        Biases of the summed-out layer.
    spin : bool
        Spin units.
    chunk_bits : int
        ``2**chunk_bits`` chunks (at most ``m``).

    Returns
    -------
    float
    """
    m, n = w.shape
    n_chunks = 1 << chunk_bits
    inner = m - chunk_bits
    maxima = np.full(n_chunks, -np.inf)
    sums = np.zeros(n_chunks)
    low = -1.0 if spin else 0.0
    for c in numba.prange(n_chunks):
        x = np.full(m, low)
        for j in range(chunk_bits):  # the chunk's fixed upper units
            if (c >> j) & 1:
                x[inner + j] = 1.0
        field = b_other.copy()
        linear = 0.0
        for j in range(m):
            linear += b_sum[j] * x[j]
            for i in range(n):
                field[i] += w[j, i] * x[j]
        best = -np.inf
        total = 0.0
        for step in range(1 << inner):
            if step > 0:
                j = 0  # the unit that changes: the lowest set bit of the step
                while not (step >> j) & 1:
                    j += 1
                delta = (1.0 - low) if x[j] == low else (low - 1.0)
                x[j] += delta
                linear += b_sum[j] * delta
                for i in range(n):
                    field[i] += w[j, i] * delta
            term = linear
            for i in range(n):
                term += unit_log_sum(field[i], spin)
            if term > best:
                total = total * math.exp(best - term) + 1.0
                best = term
            else:
                total += math.exp(term - best)
        maxima[c] = best
        sums[c] = total
    top = maxima.max()
    acc = 0.0
    for c in range(n_chunks):
        acc += sums[c] * math.exp(maxima[c] - top)
    return top + math.log(acc)
