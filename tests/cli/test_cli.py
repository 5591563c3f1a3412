"""The isingml command: output, JSON, and one-line errors with exit status 2."""

import json
import shutil
import subprocess
import sys

import pytest

from isingml.cli import main


def test_simulate_prints_observables_next_to_exact_values(capsys):
    assert (
        main(
            [
                "simulate",
                "--size",
                "8",
                "--temperature",
                "2.5",
                "--sweeps",
                "2000",
                "--thermalize",
                "200",
                "--quiet",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for word in ("energy_per_spin", "heat_capacity", "binder", "tau_int", "per ns", "exact"):
        assert word in out


def test_simulate_json_has_the_documented_keys(capsys):
    args = [
        "simulate",
        "--size",
        "8",
        "--temperature",
        "2.0",
        "--sweeps",
        "1000",
        "--thermalize",
        "100",
        "--algorithm",
        "wolff",
        "--seed",
        "4",
        "--json",
    ]
    assert main(args) == 0
    d = json.loads(capsys.readouterr().out)
    for key in (
        "energy_per_spin",
        "abs_magnetization",
        "heat_capacity",
        "susceptibility",
        "binder",
    ):
        assert set(d[key]) == {"mean", "error"}
    assert d["tau_int"] > 0 and d["flips_per_ns"] > 0
    assert (d["L"], d["T"], d["algorithm"], d["seed"]) == (8, 2.0, "wolff", 4)
    assert d["exact"]["energy_per_spin"] == pytest.approx(-1.7, abs=0.1)
    # Same seed, same numbers.
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["energy_per_spin"] == d["energy_per_spin"]


def test_exact_json(capsys):
    assert main(["exact", "--size", "32", "--temperature", "2.0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["energy_per_spin"] == pytest.approx(-1.7455645270, abs=1e-9)
    assert d["heat_capacity"] == pytest.approx(0.7248739782, abs=1e-9)


def test_exact_table(capsys):
    assert main(["exact", "--size", "16", "--temperature", "2.269"]) == 0
    assert "Onsager" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--size", "5"], "argument --size/-L: must be an even integer >= 2, got 5"),
        (["simulate", "--size", "0"], "argument --size/-L: must be an even integer >= 2, got 0"),
        (
            ["simulate", "--temperature", "0"],
            "argument --temperature/-T: must be finite and > 0, got 0.0",
        ),
        (["simulate", "-T", "nan"], "--temperature/-T: must be finite and > 0, got nan"),
        (["simulate", "-T", "inf"], "--temperature/-T: must be finite and > 0, got inf"),
        (["simulate", "-T", "hot"], "--temperature/-T: must be finite and > 0, got 'hot'"),
        (["simulate", "--algorithm", "glauber"], "--algorithm: invalid choice: 'glauber'"),
        (
            ["simulate", "--algorithm", "wolff", "--field", "0.2"],
            "argument --field: --algorithm wolff needs h = 0, got 0.2",
        ),
        (["simulate", "--algorithm", "swendsen-wang", "--field", "1"], "needs h = 0"),
        (["simulate", "--sweeps", "-10"], "argument --sweeps: must be an integer >= 1, got -10"),
        (["simulate", "--thermalize", "-1"], "argument --thermalize: must be an integer >= 0"),
        (["simulate", "--seed", "-3"], "--seed: must be an integer in [0, 2**32), got -3"),
        (["simulate", "--threads", "0"], "argument --threads: must be an integer >= 1, got 0"),
        (["simulate", "--coupling", "0"], "argument --coupling: must be a finite nonzero number"),
        (["simulate", "--kernel", "fast"], "argument --kernel: invalid choice: 'fast'"),
        (["exact", "--size", "3"], "argument --size/-L: must be an even integer >= 2, got 3"),
        (["exact", "--temperature", "-2"], "argument --temperature/-T: must be finite and > 0"),
        (["bogus"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_is_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("isingml: error: ")
    assert message in lines[0]
    assert captured.out == ""


def test_console_script_exits_2_without_traceback():
    exe = shutil.which("isingml")
    cmd = [exe] if exe else [sys.executable, "-m", "isingml.cli"]
    proc = subprocess.run([*cmd, "simulate", "--size", "7"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "isingml: error: argument --size/-L: must be an even integer >= 2, got 7"
    )


@pytest.mark.parametrize("module", ["isingml", "isingml.cli"])
def test_python_dash_m_runs_the_command(module):
    proc = subprocess.run(
        [sys.executable, "-m", module, "exact", "--size", "4", "--temperature", "2", "--json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["L"] == 4
    bad = subprocess.run(
        [sys.executable, "-m", module, "exact", "--size", "3"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
