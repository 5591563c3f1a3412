"""The ``isingml signal`` command: the phase diagram, propagation against the theory,
trainability, and one-line errors with exit status 2."""

import json

import pytest

from isingml.cli import main


def test_phase_diagram_prints_the_critical_line_and_writes_the_figure(tmp_path, capsys):
    out = tmp_path / "phase.png"
    args = ["signal", "phase-diagram", "--sigma-w2", "0.5:3:6", "--sigma-b2", "0:0.2:3"]
    assert main([*args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "critical sigma_w^2" in text and out.stat().st_size > 10_000
    rows = {line.split()[0]: line.split()[1] for line in text.splitlines()[2:8]}
    assert rows["0"] == "1.000000" and float(rows["0.05"]) == pytest.approx(1.761, abs=1e-3)


def test_phase_diagram_json_for_relu_is_critical_at_two(tmp_path, capsys):
    out = tmp_path / "relu.png"
    args = [
        "signal",
        "phase-diagram",
        "--activation",
        "relu",
        "--sigma-w2",
        "1,2.5",
        "--sigma-b2",
        "0,0.1",
        "--quantity",
        "chi_1",
        "--out",
        str(out),
        "--json",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert {row["critical_sigma_w2"] for row in report["critical"]} == {2.0}
    assert report["diagram"]["chi_1"] == [[0.5, 1.25], [0.5, 1.25]]
    assert report["figure"] == str(out) and out.exists()


def test_propagate_prints_a_table_per_layer(tmp_path, capsys):
    out = tmp_path / "prop.png"
    args = [
        "signal",
        "propagate",
        "--width",
        "64",
        "--depth",
        "5",
        "--draws",
        "4",
        "--seed",
        "2",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tanh  sigma_w^2=2.5  sigma_b^2=0.05  width 64  depth 5")
    assert "chaotic" in lines[1]
    layers = [line for line in lines if line.split() and line.split()[0] in "12345"]
    assert len(layers) == 5 and "%" in layers[0] and "±" in layers[0]
    assert any(line.startswith("largest deviation") for line in lines)
    assert out.stat().st_size > 10_000


def test_propagate_json_carries_simulation_and_theory(tmp_path, capsys):
    out = tmp_path / "prop.png"
    args = [
        "signal",
        "propagate",
        "--activation",
        "relu",
        "--sigma-w2",
        "2",
        "--sigma-b2",
        "0",
        "--width",
        "32",
        "--depth",
        "3",
        "--draws",
        "3",
        "--out",
        str(out),
        "--json",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["theory"]["q_theory"] == [2.0, 2.0, 2.0]
    assert len(report["q_mean"]) == 3 and report["fixed_point"]["phase"] == "critical"
    assert report["draws"] == 3 and report["figure"] == str(out)


def test_trainability_scan_command(tmp_path, capsys):
    out = tmp_path / "train.png"
    args = [
        "signal",
        "trainability",
        "--sigma-w2s",
        "0.5,2",
        "--depths",
        "2,3",
        "--width",
        "8",
        "--epochs",
        "1",
        "--samples",
        "200",
        "--out",
        str(out),
        "--json",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["accuracy"]) == 2 and len(report["accuracy"][0]) == 2
    assert report["sigma_w2s"] == [0.5, 2.0] and out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["propagate", "--activation", "swish"], "argument --activation: invalid choice"),
        (["propagate", "--width", "0"], "argument --width: must be an integer >= 1, got 0"),
        (["propagate", "--c0", "2"], "argument --c0: must be a number in [-1, 1], got 2.0"),
        (["propagate", "--sigma-w2", "-1"], "argument --sigma-w2: must be finite and >= 0"),
        (["propagate", "--draws", "0"], "argument --draws: must be an integer >= 1"),
        (["propagate", "--seed", "-3"], "argument --seed: must be an integer in [0, 2**32)"),
        (["propagate", "--threads", "0"], "argument --threads: must be an integer >= 1"),
        (
            ["propagate", "--depth", "many"],
            "argument --depth: must be an integer >= 1, got 'many'",
        ),
        (
            ["propagate", "--out", "/nonexistent/dir/x.png"],
            "argument --out: directory /nonexistent/dir does not exist",
        ),
        (["phase-diagram", "--sigma-w2", "1:x"], "argument --sigma-w2: values must be"),
        (
            ["phase-diagram", "--sigma-b2=-0.1,0.2"],
            "argument --sigma-b2: must be finite numbers >= 0, got '-0.1,0.2'",
        ),
        (["phase-diagram", "--activation", "cube"], "argument --activation: invalid choice"),
        (["phase-diagram", "--quantity", "q"], "argument --quantity: invalid choice"),
        (["trainability", "--depths", "2,x"], "argument --depths: values must be a comma list"),
        (["trainability", "--depths", "4,2"], "argument --depths: must be strictly increasing"),
        (
            ["trainability", "--sigma-w2s", "0,1"],
            "argument --sigma-w2s: must be finite numbers > 0",
        ),
        (["trainability", "--samples", "5"], "argument --samples: must be an integer >= 12"),
        (["trainability", "--activation", "erf"], "argument --activation: invalid choice: 'erf'"),
        (["fly"], "invalid choice"),
    ],
)
def test_signal_bad_arguments_exit_2_with_one_line(args, message, tmp_path, capsys):
    if "--out" not in args and args[0] != "fly":
        args = [*args, "--out", str(tmp_path / "x.png")]
    assert main(["signal", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
