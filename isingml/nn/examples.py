"""The primer's convolution examples as constants (Figs. 7-11)."""

from __future__ import annotations

import numpy as np

from isingml.errors import InputError

__all__ = [
    "FIG7_IMAGE",
    "FIG8_HORIZONTAL",
    "FIG8_VERTICAL",
    "FIG9_FILTER",
    "FIG10_STRIDE1",
    "FIG11_STRIDE2",
    "FIG12_X",
    "convolve_example",
    "feature_maps",
    "sample_photograph",
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
#: Fig. 8: the 3 x 3 filter that picks out vertical lines.
FIG8_VERTICAL = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], dtype=np.float64)
#: Fig. 8: the 3 x 3 filter that picks out horizontal lines.
FIG8_HORIZONTAL = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=np.float64)
#: The X-shaped filter of Fig. 12 (the two diagonals).
FIG12_X = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
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

    # C-contiguous float64 always: one compiled kernel, whatever layout the caller has.
    img = np.ascontiguousarray(image, dtype=np.float64)
    k = np.ascontiguousarray(kernel, dtype=np.float64)
    if img.ndim != 2 or k.ndim != 2:
        raise InputError(f"image and kernel must be 2-D, got {img.shape} and {k.shape}")
    out = conv2d_forward(
        img[None, None], k[None, None], np.zeros(1), stride, stride, padding, padding
    )
    return out[0, 0]


def sample_photograph() -> np.ndarray:
    """The greyscale photograph matplotlib ships (Grace Hopper), float in [0, 1]."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    rgb = mpimg.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    return rgb[..., :3].astype(np.float64).mean(axis=-1) / 255.0


def feature_maps(
    image: np.ndarray,
    filters: dict[str, np.ndarray] | None = None,
    layers: int = 3,
    pool: int = 2,
    center: bool = True,
) -> list[dict[str, np.ndarray]]:
    """Fig. 12: each filter, then ReLU and max pooling, over several layers.

    The first layer filters the image; every later layer filters the previous layer's
    output of the *horizontal* filter, as in the primer's figure. With ``center`` the
    filters are shifted to zero mean, so that a flat patch gives 0 and the ReLU keeps only
    the lines that match the filter (the primer's 0/1 filters on a positive image would
    only blur it).

    Parameters
    ----------
    image : ndarray, 2-D
    filters : dict of name to 2-D filter, optional
        Default: the vertical and horizontal filters of Fig. 8 and the X of Fig. 12.
    layers : int
        Convolution-ReLU-pooling stages.
    pool : int
        Max-pooling window and stride.
    center : bool
        Subtract each filter's mean first.

    Returns
    -------
    list of dict of name to 2-D ndarray
        The feature maps after each stage.
    """
    from isingml.nn.conv import MaxPool2D

    if filters is None:
        filters = {"vertical": FIG8_VERTICAL, "horizontal": FIG8_HORIZONTAL, "X": FIG12_X}
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise InputError(f"image must be 2-D (greyscale), got shape {img.shape}")
    pooling = MaxPool2D(pool)
    out = []
    source = img
    for _ in range(layers):
        stage = {}
        for name, kernel in filters.items():
            k = np.asarray(kernel, dtype=np.float64)
            if center:
                k = k - k.mean()
            conv = np.maximum(convolve_example(source, k, padding=k.shape[0] // 2), 0.0)
            stage[name] = pooling.forward(conv[None, None])[0, 0]
        out.append(stage)
        source = stage.get("horizontal", next(iter(stage.values())))
    return out
