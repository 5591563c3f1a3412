"""Labels and augmentation: one-hot encoding, random shifts, flips and noise (seeded)."""

from __future__ import annotations

import numpy as np

from isingml._validation import check_int
from isingml.errors import InputError
from isingml.random import validate_seed

__all__ = ["add_noise", "flip_images", "one_hot", "shift_images"]


def one_hot(labels: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """``(n, n_classes)`` float32 rows with a 1 at each label."""
    y = np.asarray(labels)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise InputError(f"labels must be a 1-D integer array, got {y.dtype} {y.shape}")
    k = int(y.max()) + 1 if n_classes is None else check_int("n_classes", n_classes, minimum=1)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise InputError(f"labels must be in [0, {k}), got values in [{y.min()}, {y.max()}]")
    out = np.zeros((y.size, k), dtype=np.float32)
    out[np.arange(y.size), y] = 1.0
    return out


def _images(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim < 3:
        raise InputError(f"images must have shape (n, ..., H, W), got {arr.shape}")
    return arr


def shift_images(x: np.ndarray, max_shift: int = 2, seed: int = 0) -> np.ndarray:
    """Shift each image by up to ``max_shift`` pixels in each direction, filling with zeros."""
    arr = _images(x)
    max_shift = check_int("max_shift", max_shift, minimum=0)
    rng = np.random.default_rng(validate_seed(seed))
    out = np.zeros_like(arr)
    h, w = arr.shape[-2:]
    for i, (dy, dx) in enumerate(rng.integers(-max_shift, max_shift + 1, size=(len(arr), 2))):
        src = arr[i, ..., max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
        out[
            i,
            ...,
            max(0, dy) : max(0, dy) + src.shape[-2],
            max(0, dx) : max(0, dx) + src.shape[-1],
        ] = src
    return out


def flip_images(x: np.ndarray, horizontal: bool = True, seed: int = 0) -> np.ndarray:
    """Mirror a random half of the images (left-right, or up-down)."""
    arr = _images(x)
    rng = np.random.default_rng(validate_seed(seed))
    out = arr.copy()
    chosen = rng.random(len(arr)) < 0.5
    out[chosen] = np.flip(arr[chosen], axis=-1 if horizontal else -2)
    return out


def add_noise(x: np.ndarray, sigma: float = 0.1, seed: int = 0) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``sigma``."""
    if not (np.isfinite(sigma) and sigma >= 0):
        raise InputError(f"sigma must be finite and >= 0, got {sigma}")
    arr = np.asarray(x, dtype=np.float32)
    rng = np.random.default_rng(validate_seed(seed))
    return arr + rng.normal(0.0, sigma, size=arr.shape).astype(np.float32)
