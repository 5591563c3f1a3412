"""The primer's convolution examples as constants (Figs. 7-11)."""

from __future__ import annotations

import numpy as np

__all__ = [
    "FIG7_IMAGE",
    "FIG8_HORIZONTAL",
    "FIG8_VERTICAL",
    "FIG9_FILTER",
    "FIG10_STRIDE1",
    "FIG11_STRIDE2",
    "convolve_example",
]

#: The 6 x 6 image of Fig. 7 (pixel intensities).
FIG7_IMAGE = np.array(
    [
        [0, 0, 0, 0, 0, 0],
        [0, 0, 0, 1, 0, 0],
        [0, 1, 2, 1, 1, 1],
        [1, 1, 2, 2, 1, 0],
        [0, 1, 2, 2, 0, 0],
        [0, 0, 2, 1, 0, 0],
    ],
    dtype=np.float64,
)
#: Fig. 8: 3 x 3 filters that pick out vertical and horizontal lines.
FIG8_VERTICAL = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], dtype=np.float64)
FIG8_HORIZONTAL = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=np.float64)
#: Fig. 9: the 2 x 2 all-ones filter.
FIG9_FILTER = np.ones((2, 2))
#: Fig. 10: the image convolved with the 2 x 2 filter at stride 1 (each entry the sum of
#: a 2 x 2 window).
FIG10_STRIDE1 = np.array(
    [
        [0, 0, 1, 1, 0],
        [1, 3, 4, 3, 2],
        [3, 6, 7, 5, 3],
        [3, 6, 8, 5, 1],
        [1, 5, 7, 3, 0],
    ],
    dtype=np.float64,
)
#: Fig. 11: the same at stride 2.
FIG11_STRIDE2 = np.array([[0, 1, 0], [3, 7, 3], [1, 7, 0]], dtype=np.float64)


def convolve_example(
    image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Convolve one 2-D image with one 2-D filter through :class:`~isingml.nn.Conv2D`.

    Returns
    -------
    ndarray, 2-D
    """
    from isingml.nn.conv import conv2d_forward

    img = np.asarray(image, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    if img.ndim != 2 or k.ndim != 2:
        raise ValueError(f"image and kernel must be 2-D, got {img.shape} and {k.shape}")
    out = conv2d_forward(img[None, None], k[None, None], np.zeros(1), stride, stride,
                         padding, padding)  # fmt: skip
    return out[0, 0]
