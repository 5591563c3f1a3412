"""``isingml simulate --save`` and ``isingml scan``: results written, read back, refused
outputs before any work, and flags spelled as ``simulate`` spells them."""

import json

import numpy as np
import pytest

from isingml import ScanResult, SimulationResult
from isingml.cli import main
from isingml.cli.app import build_parser

SIMULATE = ["simulate", "-L", "8", "-T", "2.5", "--sweeps", "400", "--thermalize", "50"]
SCAN = ["scan", "-L", "8", "--temperatures", "2.0,3.0", "--sweeps", "200", "--thermalize", "20"]


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def _summary(out):
    return {k: v for k, v in out.items() if k not in ("exact", "warnings", "saved")}


@pytest.mark.parametrize("name", ["run.h5", "run.npz"])
def test_simulate_save_writes_what_it_printed(name, tmp_path, capsys):
    path = tmp_path / name
    assert main([*SIMULATE, "--seed", "3", "--json", "--save", str(path)]) == 0
    out = _json(capsys)
    assert out["saved"] == str(path)
    loaded = SimulationResult.load(path)
    assert loaded.to_dict() == _summary(out)
    assert (loaded.L, loaded.T, loaded.seed, loaded.sweeps, loaded.thermalize) == (
        8,
        2.5,
        3,
        400,
        50,
    )
    assert loaded.energy.size == 400 and loaded.engine.kernel == "multispin"


def test_simulate_without_save_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*SIMULATE, "--json"]) == 0
    assert _json(capsys)["saved"] is None
    assert list(tmp_path.iterdir()) == []


def test_simulate_save_says_where_in_the_table(tmp_path, capsys):
    path = tmp_path / "run"
    assert main([*SIMULATE, "--quiet", "--save", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"saved: {path}.npz"
    assert SimulationResult.load(f"{path}.npz").T == 2.5


@pytest.mark.parametrize("name", ["scan.h5", "scan.npz"])
def test_scan_save_writes_every_temperature_in_one_file(name, tmp_path, capsys):
    path = tmp_path / name
    assert main([*SCAN, "--seed", "4", "--json", "--save", str(path)]) == 0
    out = _json(capsys)
    assert out["saved"] == str(path) and out["temperatures"] == [2.0, 3.0]
    assert [p.name for p in tmp_path.iterdir()] == [name]
    loaded = ScanResult.load(path)
    np.testing.assert_array_equal(loaded.temperatures, [2.0, 3.0])
    assert [r.to_dict() for r in loaded] == [_summary(r) for r in out["results"]]
    assert [(r.seed, r.stream, r.L, r.sweeps) for r in loaded] == [(4, 0, 8, 200), (4, 1, 8, 200)]
    assert out["results"][0]["exact"]["energy_per_spin"] == pytest.approx(-1.7457, abs=1e-3)


def test_scan_prints_a_table_with_the_exact_values(tmp_path, capsys):
    path = tmp_path / "scan.h5"
    assert main([*SCAN, "--quiet", "--save", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    heading = next(line for line in lines if line.split()[:2] == ["T", "e"])
    assert heading.split() == ["T", "e", "exact", "(L)", "|m|", "C", "exact", "(L)", "chi", "U4"]
    rows = lines[lines.index(heading) + 1 : lines.index(heading) + 3]
    assert [row.split()[0] for row in rows] == ["2", "3"]
    assert "-1.745683" in rows[0] and "0.714123" in rows[0]  # Kaufman, L = 8, T = 2
    assert all(row.count("±") == 5 for row in rows)
    assert lines[-1] == f"saved: {path}"


def test_scan_in_a_field_leaves_the_exact_values_out(capsys):
    assert main([*SCAN, "--quiet", "--field", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "exact" not in out and "h=0.1" in out


def test_scan_matches_the_library_scan(capsys):
    from isingml import temperature_scan

    assert main([*SCAN, "--seed", "7", "--json", "--algorithm", "heatbath"]) == 0
    out = _json(capsys)
    with pytest.warns(RuntimeWarning):
        expected = temperature_scan(
            8, [2.0, 3.0], 200, thermalize=20, engine="heatbath", seed=7, progress=False
        )
    for row, r in zip(out["results"], expected, strict=True):
        assert row["energy_per_spin"] == r.to_dict()["energy_per_spin"]


def _never(*args, **kwargs):
    raise AssertionError("the work started before the output was checked")


@pytest.mark.parametrize(
    ("target", "argv"),
    [("isingml.ising.simulate", SIMULATE), ("isingml.ising.temperature_scan", SCAN)],
)
def test_an_unwritable_save_is_refused_before_any_work(
    target, argv, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(target, _never)
    assert main([*argv, "--save", str(tmp_path / "no" / "r.h5")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"argument --save: directory {tmp_path / 'no'} does not exist" in err, err
    assert main([*argv, "--save", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --save: " in err and "is a directory" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan", "--temperatures", "0,1"], "argument --temperatures: "),
        (["scan", "--temperatures", "3,2"], "argument --temperatures: "),
        (["scan", "--size", "7"], "argument --size/-L: must be an even integer >= 2, got 7"),
        (["scan", "--algorithm", "wolff", "--field", "0.1"], "argument --field: "),
        (["scan", "--sweeps", "1"], "argument --sweeps: sweeps must be >= 2 * interval (2)"),
        (["simulate", "--sweeps", "3", "--interval", "2"], "argument --sweeps: "),
        (["scan", "--kernel", "multispin", "--algorithm", "wolff"], "argument --kernel: "),
    ],
)
def test_scan_refuses_bad_flags_in_one_line(argv, message, capsys):
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("isingml: error: ") and message in err, err


def test_scan_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["scan", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for default in (
        "(default: 1.5:3.5:9)",
        "(default: 10000)",
        "(default: 1000)",
        "(default: metropolis)",
        "(default: 32)",
        "(default: 1)",
        "(default: not saved)",
        "(default: auto)",
        "(default: cpu)",
    ):
        assert default in text, default


def _flags(command):
    sub = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    parser = sub.choices[command]
    return {
        a.option_strings[0]: (tuple(a.option_strings), a.type, a.default, a.choices, a.metavar)
        for a in parser._actions
        if a.option_strings and a.dest != "help"
    }


def test_scan_spells_its_flags_as_simulate_does():
    simulate, scan = _flags("simulate"), _flags("scan")
    assert set(simulate) - set(scan) == {"--temperature"}
    assert set(scan) - set(simulate) == {"--temperatures"}
    for flag in simulate.keys() & scan.keys():
        assert scan[flag] == simulate[flag], flag
