"""The phase classifier finds T_c within 2% of Onsager's value at L = 32."""

import numpy as np
import pytest

from isingml import T_C
from isingml.data import generate
from isingml.transition.classifier import crossing_temperature, phase_classifier


@pytest.mark.slow
def test_classifier_estimates_onsager_t_c_within_2_percent(tmp_path):
    path = generate(
        tmp_path / "l32.h5",
        "32",
        "1.6:3.0:15",
        400,
        thermalize=500,
        interval=5,
        seed=5,
        progress=False,
    )
    result = phase_classifier(path, 32, seed=0)
    assert abs(result.t_c / T_C - 1) < 0.02
    assert result.test_accuracy > 0.9
    assert result.ordered[0] > 0.95 and result.ordered[-1] < 0.05


def test_crossing_temperature():
    t = np.array([1.0, 2.0, 3.0])
    assert crossing_temperature(t, np.array([1.0, 0.75, 0.25])) == pytest.approx(2.5)
    assert np.isnan(crossing_temperature(t, np.array([1.0, 0.9, 0.8])))


def test_nn_ising_command(tmp_path, capsys):
    import json

    from isingml.cli import main

    data = generate(
        tmp_path / "l8.h5",
        "8",
        "1.5,2.0,2.6,3.2",
        100,
        thermalize=200,
        interval=2,
        seed=2,
        progress=False,
    )
    out = tmp_path / "pc.png"
    assert (
        main(
            ["nn", "ising", str(data), "--size", "8", "--epochs", "5", "--out", str(out), "--json"]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert out.stat().st_size > 10_000 and len(report["ordered"]) == 4
    assert main(["nn", "ising", str(data), "--size", "8", "--hidden", "0"]) == 2
    assert "argument --hidden: must be an integer >= 1, got 0" in capsys.readouterr().err
