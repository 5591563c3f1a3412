"""Philox4x32-10, the counter-based random-number generator behind every isingml kernel.

Philox4x32-10 (Salmon et al., *Parallel random numbers: as easy as 1, 2, 3*, SC'11; the
generator cuRAND calls ``Philox4_32_10``) maps a 128-bit counter and a 64-bit key to 128
random bits through ten rounds of multiply-and-xor. It keeps no state: the random numbers
of a site at a step are a pure function of ``(seed, stream, step, site)``. A simulation
therefore gives the same bits whatever the number of threads, the order in which work is
done, an interruption and resume, or the backend (CPU or GPU).

How isingml uses it
-------------------
* **Key** ``(k0, k1) = (seed, stream)``: two 32-bit words. ``seed`` is the user's seed;
  ``stream`` separates independent simulations that share a seed (a chain of a dataset,
  a replica, a temperature of a scan).
* **Counter** ``(c0, c1, c2, c3)``: ``c0`` counts sites (or blocks of four sites) within a
  step, ``c1``/``c2`` hold the low/high 32 bits of the step, ``c3`` is a *tag* naming the
  kind of draw (for example the black half-sweep of Metropolis, a Wolff bond test), so that
  two algorithms applied to the same model never reuse a counter.

The round function is written once, as plain Python over unsigned 64-bit integers (a
32 x 32 -> 64-bit product gives both halves of ``mulhilo``), and compiled from the same
source by ``numba.njit`` here and by ``numba.cuda.jit(device=True)`` in the CUDA kernels.

Notes
-----
``numpy.random.Philox`` is the 4x64 variant, a different generator. The 4x32 outputs here
agree bit for bit with the Random123 known-answer vectors and with ``randomgen``'s
``Philox(number=4, width=32)``.
"""

from __future__ import annotations

import numba
import numpy as np

from isingml.errors import InputError, InputTypeError

__all__ = [
    "MASK32",
    "STREAM_AUTOENCODER_BATCHES",
    "STREAM_CLASSIFIER_SPLIT",
    "STREAM_DENOISE_FLIPS",
    "STREAM_HOLDOUT_SPLIT",
    "STREAM_NN_BATCHES",
    "STREAM_NN_INIT",
    "STREAM_RATINGS_DATA",
    "STREAM_RATINGS_UNSEEN",
    "STREAM_RBM_BATCHES",
    "STREAM_RBM_IMPUTE_START",
    "STREAM_RBM_INIT",
    "STREAM_RBM_PSEUDO_LIKELIHOOD",
    "STREAM_RBM_SAMPLE_START",
    "STREAM_VALIDATION_SPLIT",
    "TAG_HOPFIELD_GLAUBER",
    "TAG_HOPFIELD_ORDER",
    "TAG_METROPOLIS",
    "TAG_MULTISPIN",
    "TAG_RANDOM_NETWORK",
    "TAG_RBM_HIDDEN",
    "TAG_RBM_VISIBLE",
    "TAG_SPIN_GLASS",
    "TAG_SPIN_GLASS_DISORDER",
    "TAG_SPIN_GLASS_EXCHANGE",
    "TAG_SWENDSEN_WANG",
    "TAG_WOLFF",
    "TAG_WOLFF_SEED",
    "fill_blocks",
    "host_rng",
    "normal_pair",
    "output_of_block_source",
    "philox4x32",
    "philox4x32_source",
    "philox_block",
    "philox_fill",
    "philox_fill_source",
    "random_normal",
    "random_uint32",
    "random_uniform",
    "threshold_uint32",
    "uint32_to_float32",
    "uint32_to_float64",
    "validate_seed",
]

# Philox4x32 multipliers and Weyl key increments (Random123).
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
MASK32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO_M32 = 2.0**-32
_TWO_M24 = np.float32(2.0**-24)
_S8 = np.uint64(8)

# Tags (counter word c3) naming the kind of draw. Kernels add small offsets to their tag
# (the Metropolis half-sweep adds its colour), so tags are spaced by 16.
TAG_METROPOLIS = 0x10
TAG_WOLFF = 0x20
TAG_WOLFF_SEED = 0x21
TAG_SWENDSEN_WANG = 0x30
TAG_INITIAL_STATE = 0x40
TAG_HOPFIELD_ORDER = 0x50
TAG_HOPFIELD_GLAUBER = 0x51
TAG_RBM_HIDDEN = 0x60
TAG_RBM_VISIBLE = 0x61
TAG_MULTISPIN = 0x70
TAG_RANDOM_NETWORK = 0x80
TAG_SPIN_GLASS = 0x90
TAG_SPIN_GLASS_EXCHANGE = 0x91
TAG_SPIN_GLASS_DISORDER = 0x92
_TWO_PI = 2.0 * np.pi

# Host streams: the NumPy generators of the work around the kernels (initial weights,
# minibatch orders, data splits, synthetic data), each ``host_rng(seed, STREAM_..., *n)``.
# They are registered here beside the Philox tags so that no two uses share a stream.
STREAM_RBM_INIT = 0x11
STREAM_RBM_SAMPLE_START = 0x22
STREAM_RBM_BATCHES = 0x33
STREAM_RBM_IMPUTE_START = 0x44
STREAM_RATINGS_DATA = 0x55
STREAM_RATINGS_UNSEEN = 0x66
STREAM_NN_INIT = 0x77
STREAM_NN_BATCHES = 0x88
STREAM_CLASSIFIER_SPLIT = 0x99
STREAM_AUTOENCODER_BATCHES = 0xAE
STREAM_VALIDATION_SPLIT = 0x5A1
STREAM_HOLDOUT_SPLIT = 0x5B
STREAM_DENOISE_FLIPS = 0xF11
STREAM_RBM_PSEUDO_LIKELIHOOD = 0x1F1


def host_rng(seed: int, stream: int, *counters: int) -> np.random.Generator:
    """A NumPy generator for host-side randomness: ``default_rng([seed, stream, *counters])``.

    Parameters
    ----------
    seed : int
        The user's seed.
    stream : int
        One of the ``STREAM_*`` constants of this module.
    *counters : int
        Further words (an epoch, an update count) that make successive uses independent.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng([validate_seed(seed), stream, *counters])


def philox4x32_source(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of one counter under one key (plain-Python source of every twin).

    The same source is compiled by ``numba.njit`` (:func:`philox4x32`) and by
    ``numba.cuda.jit(device=True)`` in the CUDA kernels. All words are uint64 holding
    32-bit values; a 32 x 32-bit product in 64 bits gives both halves of ``mulhilo``.

    Parameters
    ----------
    c0, c1, c2, c3 : uint64
        Counter words.
    k0, k1 : uint64
        Key words.

    Returns
    -------
    tuple of four uint64
        The four 32-bit outputs.
    """
    for _ in range(9):
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (
            ((p1 >> _S32) ^ c1 ^ k0) & MASK32,
            p1 & MASK32,
            ((p0 >> _S32) ^ c3 ^ k1) & MASK32,
            p0 & MASK32,
        )
        k0 = (k0 + _W0) & MASK32
        k1 = (k1 + _W1) & MASK32
    p0 = _M0 * c0
    p1 = _M1 * c2
    return (
        ((p1 >> _S32) ^ c1 ^ k0) & MASK32,
        p1 & MASK32,
        ((p0 >> _S32) ^ c3 ^ k1) & MASK32,
        p0 & MASK32,
    )


philox4x32 = numba.njit(inline="always")(philox4x32_source)


def output_of_block_source(r0, r1, r2, r3, q):
    """Output ``q`` (0-3) of a Philox block, for kernels where one thread consumes a block's
    four outputs in turn (plain Python, compiled for the GPU by the CUDA twins)."""
    if q == 0:
        return r0
    if q == 1:
        return r1
    if q == 2:
        return r2
    return r3


@numba.njit(inline="always")
def uint32_to_float64(r):
    """Map a 32-bit output (uint64 word) to a double in [0, 1): ``r * 2**-32``."""
    return np.float64(r) * _TWO_M32


@numba.njit(inline="always")
def uint32_to_float32(r):
    """Map a 32-bit output to a float32 in [0, 1) from its top 24 bits."""
    return np.float32(r >> _S8) * _TWO_M24


@numba.njit(inline="always")
def normal_pair(r0, r1):
    """Two independent standard normal doubles from two 32-bit outputs (Box-Muller).

    ``u1 = (r0 + 1) * 2**-32`` lies in (0, 1] so that its logarithm is finite, and
    ``u2 = r1 * 2**-32``; the pair is ``sqrt(-2 ln u1) * (cos 2 pi u2, sin 2 pi u2)``.
    The tails reach ``sqrt(2 * 32 ln 2) = 6.66`` standard deviations.
    """
    radius = np.sqrt(-2.0 * np.log((np.float64(r0) + 1.0) * _TWO_M32))
    angle = _TWO_PI * (np.float64(r1) * _TWO_M32)
    return radius * np.cos(angle), radius * np.sin(angle)


@numba.njit(inline="always")
def philox_block(index, step, tag, seed, stream):
    """Four 32-bit outputs for counter ``(index, step_lo, step_hi, tag)``, key ``(seed, stream)``.

    Parameters
    ----------
    index : int
        Position within the step (a site, or a block of four sites).
    step : int
        Step number (64 bits: split over two counter words).
    tag : int
        The kind of draw (one of the ``TAG_*`` constants plus a small offset).
    seed, stream : int
        The key words (each < 2**32).

    Returns
    -------
    tuple of four uint64
    """
    s = np.uint64(step)
    return philox4x32(
        np.uint64(index),
        s & MASK32,
        s >> _S32,
        np.uint64(tag),
        np.uint64(seed),
        np.uint64(stream),
    )


def philox_fill_source(philox):
    """The one Philox fill loop, for a given compiled ``philox4x32`` (plain-Python source).

    Every kernel that draws a run of random words before using them fills its buffer with
    this loop, compiled for its target: ``numba.njit`` here (:func:`fill_blocks`), and
    ``numba.cuda.jit(device=True)`` by the CUDA twins, each handing in its own compiled
    :func:`philox4x32_source`.

    Parameters
    ----------
    philox : callable
        The target's compiled Philox4x32-10.

    Returns
    -------
    callable
        ``fill(out, n_blocks, first, s_lo, s_hi, tag, k0, k1)``: output ``o`` of block
        ``first + j`` (counter ``(first + j, s_lo, s_hi, tag)``, key ``(k0, k1)``, all
        uint64 words) goes to ``out[4 j + o]``, for ``j < n_blocks``. The loop is
        branch-free over consecutive counters so that LLVM vectorizes it.
    """

    def fill(out, n_blocks, first, s_lo, s_hi, tag, k0, k1):
        base = np.uint64(first)
        for j in range(n_blocks):
            r0, r1, r2, r3 = philox(base + np.uint64(j), s_lo, s_hi, tag, k0, k1)
            out[4 * j] = np.uint32(r0)
            out[4 * j + 1] = np.uint32(r1)
            out[4 * j + 2] = np.uint32(r2)
            out[4 * j + 3] = np.uint32(r3)

    return fill


#: :func:`philox_fill_source` compiled for the CPU (inlined into the kernels that call it).
fill_blocks = numba.njit(inline="always")(philox_fill_source(philox4x32))


@numba.njit(cache=True)
def philox_fill(out, first_index, step, tag, seed, stream):
    """Fill ``out`` (uint32, length multiple of 4) from consecutive counters.

    Block ``b`` of four outputs comes from counter ``(first_index + b, step_lo, step_hi,
    tag)`` (:func:`fill_blocks`).

    Parameters
    ----------
    out : ndarray of uint32, shape (4 * n_blocks,)
        Destination.
    first_index : int
        Counter word ``c0`` of the first block.
    step, tag, seed, stream : int
        As in :func:`philox_block`.
    """
    s = np.uint64(step)
    fill_blocks(
        out,
        out.shape[0] // 4,
        first_index,
        s & MASK32,
        s >> _S32,
        np.uint64(tag),
        np.uint64(seed),
        np.uint64(stream),
    )


def validate_seed(seed: object, name: str = "seed") -> int:
    """Check that ``seed`` is an integer in [0, 2**32) and return it as ``int``.

    Parameters
    ----------
    seed : object
        The value given by the user.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``seed`` is not an integer (``bool`` is refused too).
    ValueError
        If ``seed`` is outside [0, 2**32).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputTypeError(f"{name} must be an integer in [0, 2**32), got {seed!r}")
    value = int(seed)
    if not 0 <= value < 2**32:
        raise InputError(f"{name} must be an integer in [0, 2**32), got {value}")
    return value


def random_uint32(
    n: int, seed: int, stream: int = 0, step: int = 0, tag: int = 0, first_index: int = 0
) -> np.ndarray:
    """``n`` consecutive 32-bit Philox4x32-10 outputs as a NumPy array.

    Parameters
    ----------
    n : int
        How many outputs (need not be a multiple of 4).
    seed, stream : int
        The key, each in [0, 2**32).
    step : int
        Counter words ``c1``/``c2`` (low/high 32 bits), in [0, 2**64).
    tag : int
        Counter word ``c3``, in [0, 2**32).
    first_index : int
        Counter word ``c0`` of the first block of four.

    Returns
    -------
    ndarray of uint32, shape (n,)

    Examples
    --------
    >>> from isingml.random import random_uint32
    >>> [f"{x:08x}" for x in random_uint32(4, seed=0)]
    ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n must be a non-negative integer, got {n!r}")
    seed = validate_seed(seed)
    stream = validate_seed(stream, "stream")
    tag = validate_seed(tag, "tag")
    if not 0 <= int(step) < 2**64:
        raise InputError(f"step must be in [0, 2**64), got {step!r}")
    if not 0 <= int(first_index) < 2**32:
        raise InputError(f"first_index must be in [0, 2**32), got {first_index!r}")
    out = np.empty(4 * ((int(n) + 3) // 4), dtype=np.uint32)
    philox_fill(out, np.uint64(first_index), np.uint64(step), tag, seed, stream)
    return out[: int(n)]


def random_uniform(n: int, seed: int, stream: int = 0, step: int = 0, tag: int = 0) -> np.ndarray:
    """``n`` uniform doubles in [0, 1) from Philox4x32-10 (``r * 2**-32``).

    Parameters
    ----------
    n, seed, stream, step, tag : int
        As in :func:`random_uint32`.

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    return random_uint32(n, seed, stream, step, tag).astype(np.float64) * _TWO_M32


def random_normal(n: int, seed: int, stream: int = 0, step: int = 0, tag: int = 0) -> np.ndarray:
    """``n`` standard normal doubles from Philox4x32-10 by :func:`normal_pair`.

    Output ``2k`` and ``2k + 1`` come from the 32-bit outputs ``2k`` and ``2k + 1`` of
    :func:`random_uint32` with the same arguments, so a kernel that draws normals from
    consecutive counters reproduces this array.

    Parameters
    ----------
    n, seed, stream, step, tag : int
        As in :func:`random_uint32`.

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n must be a non-negative integer, got {n!r}")
    bits = random_uint32(2 * ((int(n) + 1) // 2), seed, stream, step, tag)
    u1 = (bits[0::2].astype(np.float64) + 1.0) * _TWO_M32
    u2 = bits[1::2].astype(np.float64) * _TWO_M32
    radius = np.sqrt(-2.0 * np.log(u1))
    out = np.empty(2 * radius.size)
    out[0::2] = radius * np.cos(_TWO_PI * u2)
    out[1::2] = radius * np.sin(_TWO_PI * u2)
    return out[: int(n)]


def threshold_uint32(p: np.ndarray | float) -> np.ndarray:
    """Integer acceptance thresholds: accept when a 32-bit output ``r < threshold``.

    ``threshold = floor(p * 2**32)`` clipped to [0, 2**32], so the acceptance probability
    is ``threshold / 2**32``, within ``2**-32`` of ``p`` below, exactly 1 for ``p >= 1`` and
    exactly 0 for ``p <= 0``.

    Parameters
    ----------
    p : float or ndarray
        Probabilities.

    Returns
    -------
    ndarray of int64
        Thresholds (int64 so that 2**32, "always", is representable).
    """
    q = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.floor(q * 2.0**32).astype(np.int64)
