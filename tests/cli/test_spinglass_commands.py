"""``isingml spinglass ...``: end to end through the command line."""

import json

import pytest

from isingml.cli import main


def test_tempering_prints_json_and_writes_the_figure(tmp_path, capsys):
    out = tmp_path / "pq.png"
    code = main(
        [
            "spinglass",
            "tempering",
            "--size",
            "16",
            "--samples",
            "3",
            "--sweeps",
            "400",
            "--count",
            "5",
            "--json",
            "--out",
            str(out),
            "--save",
            str(tmp_path / "run.npz"),
        ]
    )
    assert code == 0 and out.stat().st_size > 0
    from isingml.spinglass import TemperingResult

    assert TemperingResult.load(tmp_path / "run.npz").samples.size == 3
    d = json.loads(capsys.readouterr().out)
    assert d["n"] == 16 and d["samples"] == 3 and len(d["temperatures"]) == 5
    assert len(d["acceptance"]) == 4 and len(d["binder"]) == 5 and d["round_trips"] >= 0


def test_tempering_table_for_edwards_anderson(tmp_path, capsys):
    code = main(
        [
            "spinglass",
            "tempering",
            "--model",
            "ea2d",
            "--size",
            "4",
            "--samples",
            "2",
            "--sweeps",
            "300",
            "--geometric",
            "--count",
            "4",
            "--quiet",
            "--out",
            str(tmp_path / "a.png"),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "EdwardsAnderson(4, dim=2" in text and "round trips" in text


def test_ladder_and_hopfield_actions(tmp_path, capsys):
    assert (
        main(
            ["spinglass", "ladder", "--size", "24", "--samples", "2", "--sweeps", "300", "--json"]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["temperatures"][0] == 0.3 and d["target"] == 0.3
    assert (
        main(
            [
                "spinglass",
                "hopfield",
                "--units",
                "200",
                "--alphas",
                "0.05,0.3",
                "--trials",
                "1",
                "--probes",
                "3",
                "--json",
                "--out",
                str(tmp_path / "h.png"),
            ]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert len(d["fractions"]) == 2


def test_sk_energy_action(tmp_path, capsys):
    out = str(tmp_path / "sk.png")
    assert (
        main(
            [
                "spinglass",
                "sk-energy",
                "--sizes",
                "16,32",
                "--samples",
                "3",
                "--sweeps",
                "300",
                "--quiet",
                "--out",
                out,
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "Parisi -0.7633" in text and (tmp_path / "sk.png").exists()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["tempering", "--model", "spinice"], "argument --model: invalid choice: 'spinice'"),
        (
            ["tempering", "--t-min", "2", "--t-max", "1", "--quiet"],
            "argument --t-min: must be below --t-max (1), got 2",
        ),
        (
            ["tempering", "--samples", "0", "--quiet"],
            "argument --samples: must be an integer >= 1, got 0",
        ),
        (["tempering", "--size", "0"], "argument --size/-n: must be an integer >= 2, got 0"),
        (["tempering", "--t-max", "0", "--quiet"], "argument --t-max: must be finite and > 0"),
        (["tempering", "--couplings", "ising"], "argument --couplings: invalid choice"),
        (
            ["tempering", "--model", "ea2d", "--patterns", "3"],
            "argument --patterns: sets the patterns of --model hopfield only",
        ),
        (
            ["tempering", "--save", "/nonexistent/r.npz"],
            "argument --save: directory /nonexistent does not exist",
        ),
        (["ladder", "--target", "1.5"], "argument --target: must be a number in (0, 1), got 1.5"),
        (["ladder", "--count", "1"], "argument --count: must be an integer >= 2, got 1"),
        (
            ["sk-energy", "--sizes", "16", "--samples", "2"],
            "argument --sizes: must hold two or more sizes",
        ),
        (
            ["sk-energy", "--sizes", "16,32", "--samples", "2,2,2"],
            "argument --samples: must be one count or one per size (2), got 3",
        ),
        (["sk-energy", "--sizes", "a,b"], "argument --sizes: values must be a comma list"),
        (["sk-energy", "--couplings", "ferro"], "argument --couplings: invalid choice"),
        (["hopfield", "--alphas", "-1"], "argument --alphas: must be finite numbers > 0"),
        (["hopfield", "--units", "4"], "argument --units: must be an integer >= 8, got 4"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(argv, match, capsys, tmp_path):
    code = main(
        ["spinglass", *argv, "--out", str(tmp_path / "x.png")]
        if argv[0] != "ladder"
        else ["spinglass", *argv]
    )
    err = capsys.readouterr().err
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1
