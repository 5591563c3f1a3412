"""The isingml rbm command."""

import json

import pytest

from isingml.cli import main
from isingml.data import generate


def test_rbm_ising_command_prints_and_plots(tmp_path, capsys):
    data = generate(
        tmp_path / "d.h5", "4", "2.0,3.0", 2000, thermalize=100, interval=2, seed=1, progress=False
    )
    out = tmp_path / "fig.png"
    code = main(
        [
            "rbm",
            "ising",
            str(data),
            "--size",
            "4",
            "--epochs",
            "5",
            "--samples",
            "500",
            "--steps",
            "50",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0 and out.stat().st_size > 10_000
    report = json.loads(capsys.readouterr().out)
    assert report["temperatures"] == [2.0, 3.0]
    assert set(report["rbm"]) == {
        "energy_per_spin",
        "abs_magnetization",
        "heat_capacity",
        "susceptibility",
    }


def test_rbm_ratings_command(capsys):
    assert main(["rbm", "ratings", "--train", "300", "--test", "50", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rbm_accuracy"] > result["popularity_accuracy"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ising", "missing.h5", "--size", "4"], "argument DATA.h5: no such file: missing.h5"),
        (["ratings", "--unseen", "1.5"], "argument --unseen: must be a number in (0, 1), got 1.5"),
        (["ratings", "--train", "0"], "argument --train: must be an integer >= 1, got 0"),
        (["ising", "--size", "4"], "the following arguments are required: DATA.h5"),
        (["ising", "{data}", "--size", "6"], "argument --size/-L: "),
        (
            ["ising", "{data}", "--size", "4", "--temperatures", "3,2"],
            "argument --temperatures: temperatures must be strictly increasing",
        ),
        (
            ["ising", "{data}", "--size", "4", "--backend", "tpu"],
            "argument --backend: invalid choice: 'tpu'",
        ),
    ],
)
def test_rbm_bad_arguments_exit_2_with_one_line(args, message, tmp_path, capsys):
    data = generate(tmp_path / "d.h5", "4", "2.0", 10, thermalize=10, progress=False)
    assert main(["rbm", *(a.format(data=data) for a in args)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
