"""MNIST IDX files, one-hot labels and augmentation."""

import gzip
import struct

import numpy as np
import pytest

from isingml.data import download_mnist, load_mnist, read_idx
from isingml.nn.preprocessing import add_noise, flip_images, one_hot, shift_images


def write_idx(path, array, compress):
    codes = {np.dtype("uint8"): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    arr = np.ascontiguousarray(array)
    big = arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.itemsize > 1 else arr
    head = bytes([0, 0, codes[big.dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = head + big.tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("sep", ["-", "."])  # t10k-images-idx3-ubyte or t10k-images.idx3-ubyte
def test_idx_round_trip_and_mnist_layout(tmp_path, compress, sep):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 5, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"t10k-images{sep}idx3-ubyte{suffix}", images, compress)
    write_idx(tmp_path / f"t10k-labels{sep}idx1-ubyte{suffix}", labels, compress)
    x, y = load_mnist(tmp_path, "test")
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    floats = rng.normal(size=(3, 4)).astype(">f4")
    write_idx(tmp_path / "f.idx", floats, compress)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), floats.astype("<f4"))


def test_mnist_errors_are_clear(tmp_path, monkeypatch):
    monkeypatch.delenv("ISINGML_DATA", raising=False)
    with pytest.raises(ValueError, match="set ISINGML_DATA"):
        load_mnist()
    with pytest.raises(ValueError, match="has no train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="is not an IDX file"):
        read_idx(tmp_path / "bad")
    short = bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"\x00" * 3
    (tmp_path / "short").write_bytes(short)
    with pytest.raises(ValueError, match="3 data bytes, the header says 10"):
        read_idx(tmp_path / "short")


def test_download_fails_with_a_clear_message_when_offline(tmp_path, monkeypatch):
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(RuntimeError, match="are you offline"):
        download_mnist(tmp_path / "mnist")


def test_one_hot_and_augmentation():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        one_hot(np.array([3]), 3)
    img = np.zeros((4, 1, 5, 5), dtype=np.float32)
    img[:, :, 2, 2] = 1.0
    shifted = shift_images(img, 1, seed=1)
    assert shifted.sum() == 4 and shifted.shape == img.shape
    np.testing.assert_array_equal(shifted, shift_images(img, 1, seed=1))
    flipped = flip_images(np.arange(8.0).reshape(2, 1, 2, 2), seed=0)
    assert flipped.shape == (2, 1, 2, 2)
    noisy = add_noise(img, 0.1, seed=2)
    assert 0.05 < np.std(noisy - img) < 0.15
