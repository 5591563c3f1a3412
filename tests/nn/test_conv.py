"""Convolution and pooling: the primer's figures, finite differences, a CNN on digits."""

import numpy as np
import pytest
from test_gradients import check_layer

from isingml.nn import (
    Adam,
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    ReLU,
    Sequential,
)
from isingml.nn.examples import (
    FIG7_IMAGE,
    FIG8_VERTICAL,
    FIG9_FILTER,
    FIG10_STRIDE1,
    FIG11_STRIDE2,
    convolve_example,
)


def test_figures_10_and_11_exactly():
    np.testing.assert_array_equal(convolve_example(FIG7_IMAGE, FIG9_FILTER), FIG10_STRIDE1)
    np.testing.assert_array_equal(
        convolve_example(FIG7_IMAGE, FIG9_FILTER, stride=2), FIG11_STRIDE2
    )
    # Each entry is the sum of its 2 x 2 window of the image.
    windows = np.lib.stride_tricks.sliding_window_view(FIG7_IMAGE, (2, 2)).sum(axis=(2, 3))
    np.testing.assert_array_equal(windows, FIG10_STRIDE1)


def test_padding_keeps_the_size_and_the_vertical_filter_sees_columns():
    out = convolve_example(FIG7_IMAGE, FIG8_VERTICAL, padding=1)
    assert out.shape == (6, 6)
    assert out[3, 2] == 6.0  # column 2, rows 2-4: 2 + 2 + 2


def naive_conv(x, w, b, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, wd = xp.shape
    f, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            y[:, :, i, j] = np.einsum("nckl,fckl->nf", patch, w) + b
    return y


@pytest.mark.parametrize(("stride", "pad", "kernel"), [(1, 0, 3), (2, 1, 3), (2, 0, 2), (3, 2, 4)])
def test_conv_forward_matches_a_plain_reference(stride, pad, kernel):
    rng = np.random.default_rng(stride + pad)
    layer = Conv2D(4, kernel, stride=stride, padding=pad)
    x = rng.normal(size=(3, 2, 9, 8))
    layer.build(x.shape[1:], rng)
    layer.params["b"] = rng.normal(size=4)
    expected = naive_conv(x, layer.params["W"], layer.params["b"], stride, pad)
    np.testing.assert_allclose(layer.forward(x), expected, atol=1e-12)
    assert layer.output_shape == expected.shape[1:]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Conv2D(3, 3),
        lambda: Conv2D(2, 3, stride=2, padding=1),
        lambda: Conv2D(2, (2, 3), stride=(2, 1), padding=(1, 0)),
        lambda: MaxPool2D(2),
        lambda: MaxPool2D(3, stride=2),
        lambda: AvgPool2D(2),
        lambda: AvgPool2D(3, stride=2),
    ],
)
def test_conv_and_pool_gradients(make):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 2, 7, 7))
    check_layer(make(), x, rng)


def _digits_cnn_accuracy(seed):
    """Held-out accuracy of the small CNN trained from ``seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data / 16.0).reshape(-1, 1, 8, 8)
    x_train, x_test, y_train, y_test = train_test_split(
        x, d.target, test_size=0.2, random_state=0, stratify=d.target
    )
    model = Sequential(
        layers=[
            Conv2D(16, 3, padding=1),
            ReLU(),
            MaxPool2D(2),
            Flatten(),
            Dense(64),
            ReLU(),
            Dense(10),
        ],
        loss="cross_entropy",
        optimizer=Adam(2e-3),
        n_epochs=25,
        batch_size=32,
        seed=seed,
    ).fit(x_train, y_train)
    return model.evaluate(x_test, y_test)["accuracy"]


# Held-out accuracy (360 test digits) over seeds 0-4: 0.9806, 0.9861, 0.9778, 0.975, 0.9778;
# mean 0.9794, sd 0.0042, min 0.975. A one-ulp step down of half of the initial weights or
# of the (float32) pixels, or training in float64, leaves seed 0 at 0.9806.


def test_small_cnn_clearly_learns_the_held_out_digits():
    # Seeds 0-4 give 0.9794 +/- 0.0042 (min 0.975); one-ulp changes of the data or the
    # initial weights, and float64, leave seed 0 at 0.9806: 0.96 is 4.6 sd below the mean.
    assert _digits_cnn_accuracy(0) >= 0.96


def test_bad_conv_arguments():
    with pytest.raises(ValueError, match="filters must be"):
        Conv2D(0)
    with pytest.raises(ValueError, match="stride must be"):
        Conv2D(2, 3, stride=0)
    with pytest.raises(ValueError, match="does not fit"):
        Sequential(layers=[Conv2D(2, 5)], input_shape=(1, 3, 3)).build()
    with pytest.raises(ValueError, match=r"Conv2D after the input: .*\(channels, height, width\)"):
        Sequential(layers=[Conv2D(2, 3)]).fit(np.ones((2, 8, 8)), np.zeros((2, 2)))


def test_feature_maps_pick_out_lines_of_their_orientation():
    from isingml.nn.examples import feature_maps

    image = np.zeros((16, 16))
    image[8, :] = 1.0  # one horizontal line
    maps = feature_maps(image, layers=2)
    assert [m["horizontal"].shape for m in maps] == [(8, 8), (4, 4)]
    assert maps[0]["horizontal"].max() > 2 * maps[0]["vertical"].max()
    with pytest.raises(ValueError, match="image must be 2-D"):
        feature_maps(np.zeros((2, 3, 4)))


def test_nn_features_command_draws_the_sample_photograph(tmp_path, capsys):
    from isingml.cli import main

    out = tmp_path / "fm.png"
    assert main(["nn", "features", "--layers", "2", "--out", str(out)]) == 0
    assert out.stat().st_size > 20_000
    assert main(["nn", "features", "--image", str(tmp_path / "none.png")]) == 2
    assert "argument --image: no such file" in capsys.readouterr().err
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert main(["nn", "features", "--image", str(tmp_path / "bad.png"), "--out", str(out)]) == 2
    assert "argument --image: cannot read" in capsys.readouterr().err


def test_a_cnn_survives_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((4, 1, 8, 8))
    model = Sequential(
        layers=[
            Conv2D(3, 3, stride=2, padding=1),
            ReLU(),
            AvgPool2D(2),
            Flatten(),
            Dense(5, use_bias=False),
        ],
        loss="cross_entropy",
        input_shape=(1, 8, 8),
        seed=1,
    ).build()
    loaded = Sequential.load(model.save(tmp_path / "cnn.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert "b" not in loaded.layers_[-1].params
