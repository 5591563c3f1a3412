"""The appendix network and `isingml nn mnist`, on MNIST-format files made from the digits
scikit-learn ships (8x8 scaled to 24x24 and padded to 28x28)."""

import json

import numpy as np
import pytest
from test_data_helpers import write_idx

from isingml.cli import main
from isingml.nn.appendix import VARIANTS, appendix_network


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    from sklearn.datasets import load_digits

    d = load_digits()
    images = np.pad(np.kron(d.images, np.ones((3, 3))), ((0, 0), (2, 2), (2, 2)))
    images = np.round(images * 255 / 16).astype(np.uint8)
    labels = d.target.astype(np.uint8)
    folder = tmp_path_factory.mktemp("mnist")
    for kind, rows in (("train", slice(0, 1400)), ("t10k", slice(1400, None))):
        write_idx(folder / f"{kind}-images-idx3-ubyte.gz", images[rows], compress=True)
        write_idx(folder / f"{kind}-labels-idx1-ubyte.gz", labels[rows], compress=True)
    return folder


def test_appendix_network_is_the_primer_s():
    model = appendix_network(VARIANTS[0])
    model.build((28, 28))
    dense = [layer for layer in model.layers_ if type(layer).__name__ == "Dense"]
    assert [d.params["W"].shape for d in dense] == [(784, 100), (100, 10)]
    assert all("b" not in d.params for d in dense)
    assert abs(dense[0].params["W"].std() - 1.0) < 0.02  # standard normal weights
    assert type(model.layers_[-1]).__name__ == "ReLU"
    with pytest.raises(ValueError, match="variant must be one of"):
        appendix_network("perceptron")


def test_nn_mnist_command_runs_the_three_variants(mnist_dir, capsys):
    assert main(["nn", "mnist", str(mnist_dir), "--modern-epochs", "10", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert list(results) == list(VARIANTS)
    assert all(len(r["loss"]) == 2 for name, r in results.items() if name != VARIANTS[2])
    # With the appendix's summed batch gradient the ReLU output layer dies: every output is
    # zero, so the loss is exactly 1/10 per sample (what MNIST itself shows too).
    relu, sigmoid = results[VARIANTS[0]], results[VARIANTS[1]]
    assert relu["dead_outputs"] == 1.0
    assert relu["loss"][-1] == pytest.approx(0.1, rel=1e-6)
    # The sigmoid network does not die and keeps learning.
    assert sigmoid["dead_outputs"] == 0.0
    assert sigmoid["loss"][1] < sigmoid["loss"][0]
    assert results[VARIANTS[2]]["test_accuracy"] > 0.85


def test_nn_mnist_without_data_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ISINGML_DATA", raising=False)
    assert main(["nn", "mnist"]) == 2
    assert "ISINGML_DATA" in capsys.readouterr().err
    assert main(["nn", "mnist", str(tmp_path)]) == 2
    assert "has no train-images-idx3-ubyte" in capsys.readouterr().err
