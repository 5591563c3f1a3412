"""The isingml rbm command."""

import json

import pytest

from isingml.cli import main
from isingml.data import generate


def test_rbm_ising_command_prints_and_plots(tmp_path, capsys):
    data = generate(tmp_path / "d.h5", "4", "2.0,3.0", 2000, thermalize=100, interval=2,
                    seed=1, progress=False)  # fmt: skip
    out = tmp_path / "fig.png"
    code = main(["rbm", "ising", "--data", str(data), "--size", "4", "--epochs", "5",
                 "--samples", "500", "--steps", "50", "--out", str(out), "--json"])  # fmt: skip
    assert code == 0 and out.stat().st_size > 10_000
    report = json.loads(capsys.readouterr().out)
    assert report["temperatures"] == [2.0, 3.0]
    assert set(report["rbm"]) == {"energy_per_spin", "abs_magnetization", "heat_capacity",
                                  "susceptibility"}  # fmt: skip


def test_rbm_ratings_command(capsys):
    assert main(["rbm", "ratings", "--train", "300", "--test", "50", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rbm_accuracy"] > result["popularity_accuracy"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ising", "--data", "missing.h5", "--size", "4"], "missing.h5"),
        (["ratings", "--unseen", "1.5"], "--unseen must be"),
        (["ratings", "--train", "0"], "--train must be an integer >= 1"),
        (["ising", "--size", "4"], "--data"),
    ],
)
def test_rbm_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert main(["rbm", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
