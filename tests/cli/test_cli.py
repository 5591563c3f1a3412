"""The isingml command: output, JSON, and one-line errors with exit status 2."""

import json
import re
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


def test_a_damaged_model_file_is_one_line_and_status_2(tmp_path, capsys):
    import numpy as np

    from isingml.data import generate
    from isingml.nn import Autoencoder

    data = generate(tmp_path / "d.h5", "4", "1.0:3.5:5", 10, progress=False)
    x = np.random.default_rng(0).choice([-1.0, 1.0], size=(20, 16))
    raw = Autoencoder(encoder_widths=(), n_epochs=1, seed=0).fit(x).save(tmp_path / "m.npz")
    raw = raw.read_bytes()
    for content in (raw[: len(raw) // 2], b"", raw[:-1]):
        (tmp_path / "truncated.npz").write_bytes(content)
        argv = ["phase", str(data), "--model", str(tmp_path / "truncated.npz")]
        assert main([*argv, "--out", str(tmp_path / "f.png")]) == 2
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "truncated.npz" in lines[0], captured.err
        assert lines[0].startswith("isingml: error: argument --model: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["hopfield", "capacity", "--units", "1000000"],
        ["spinglass", "tempering", "--size", "1000000"],
        ["spinglass", "tempering", "--size", "1000000", "--geometric"],
        ["spinglass", "tempering", "--model", "ea3d", "--size", "1000000"],
        ["spinglass", "tempering", "--model", "hopfield", "--size", "1000000"],
        ["spinglass", "tempering", "--size", "16", "--geometric", "--count", "1000000000000"],
        ["spinglass", "ladder", "--size", "1000000"],
        ["spinglass", "hopfield", "--units", "1000000"],
        ["spinglass", "sk-energy", "--sizes", "1000000,32", "--samples", "2", "--quiet"],
    ],
)
def test_sizes_beyond_memory_are_one_line_and_status_1(argv, tmp_path, capsys):
    out = [] if "ladder" in argv else ["--out", str(tmp_path / "f.png")]
    assert main([*argv, *out]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("isingml: error: ") and " of memory, and " in lines[0]


def test_sigterm_ends_like_ctrl_c_and_the_run_resumes(tmp_path):
    import signal
    import time

    from isingml.data import verify

    out = tmp_path / "out.h5"
    argv = ["generate", "--out", str(out), "--sizes", "64", "--temperatures", "1.5:3:8"]
    argv += ["--samples", "1000", "--threads", "1", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "isingml", *argv], stderr=subprocess.PIPE, text=True
    )
    parts = tmp_path / "out.h5.parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.is_dir() and any(parts.glob("L*.h5")):  # the run is under way
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err  # 128 + SIGTERM, as documented in isingml.cli.app
    assert err.strip() == "isingml: interrupted", err
    assert not (tmp_path / "out.h5.lock").exists() and not out.exists()
    assert main([*argv, "--resume"]) == 0
    assert verify(out).ok and not parts.exists()


def test_exact_at_a_huge_temperature_prints_the_high_temperature_limit(capsys):
    assert main(["exact", "--size", "8", "--temperature", "1e300", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["energy_per_spin"] == pytest.approx(-2e-300, rel=1e-12)
    assert d["onsager_energy_per_spin"] == pytest.approx(-2e-300, rel=1e-12)
    assert d["heat_capacity"] == 0.0  # 2 K^2 = 2e-600 is below the smallest float
    assert main(["exact", "--size", "8", "--temperature", "1e300"]) == 0
    table = capsys.readouterr().out
    assert not re.search(r"\binf\b", table) and table.count("-2.000000000e-300") == 2


def test_sigterm_swallowed_by_a_finalizer_is_delivered_again(capsys):
    import os
    import signal
    import time

    from isingml.cli import app

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)  # handled here, where raising is swallowed
            for _ in range(1000):
                pass

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), app._sigterm_interrupts():
        obj = Finalized()
        del obj
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the interruption arrives again, here
            pass
    assert signal.getsignal(signal.SIGTERM) is before
    assert "Exception ignored" not in capsys.readouterr().err


def test_a_redirected_log_gets_no_progress_bars(tmp_path):
    log = tmp_path / "log"
    argv = ["generate", "--sizes", "4", "--temperatures", "2,3", "--samples", "5"]
    with open(log, "wb") as err:
        status = subprocess.run(
            [sys.executable, "-m", "isingml", *argv, "--out", str(tmp_path / "d.h5")],
            stderr=err,
            stdout=subprocess.DEVNULL,
        ).returncode
    assert status == 0 and b"\r" not in log.read_bytes()


def test_progress_bars_are_drawn_where_someone_watches(monkeypatch):
    from isingml import _progress

    monkeypatch.setattr(_progress, "watched", lambda: True)
    assert not _progress.progress_bar(range(3), progress=True).disable
    assert _progress.progress_bar(range(3), progress=False).disable
    monkeypatch.setattr(_progress, "watched", lambda: False)
    assert _progress.progress_bar(range(3), progress=True).disable
