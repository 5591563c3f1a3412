"""`isingml autoencoder train|anomaly|denoise`, `isingml phase` and `isingml pipeline`."""

import json

import pytest

from isingml import T_C
from isingml.cli import main
from isingml.data import generate
from isingml.nn import Autoencoder


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_train_then_phase_with_the_saved_model(spin_dataset, tmp_path, capsys):
    model = tmp_path / "model.h5"
    r = run_json(
        capsys,
        [
            "autoencoder",
            "train",
            str(spin_dataset),
            "--size",
            "16",
            "--encoder",
            "",
            "--decoder",
            "32",
            "--epochs",
            "3",
            "--out",
            str(model),
            "--json",
            "--quiet",
        ],
    )
    assert r["latent_magnetization_correlation"] >= 0.95 and r["configurations"] == 2200
    assert len(r["loss"]) == 3 and Autoencoder.load(model).n_features_in_ == 256
    figure = tmp_path / "fig14.png"
    p = run_json(
        capsys,
        [
            "phase",
            str(spin_dataset),
            "--model",
            str(model),
            "--bootstrap",
            "20",
            "--out",
            str(figure),
            "--json",
        ],
    )
    assert list(p["sizes"]) == ["16"] and p["finite_size_scaling"] == {}
    assert abs(p["sizes"]["16"]["estimates"]["binder"]["value"] - T_C) < 0.1
    assert figure.stat().st_size > 0 and p["onsager"] == pytest.approx(T_C)
    # Two sizes: the fit has no degree of freedom left, and the JSON stays strict.
    both = tmp_path / "m32.h5"
    run_json(
        capsys,
        [
            "autoencoder",
            "train",
            str(spin_dataset),
            "--size",
            "32",
            "--encoder",
            "",
            "--epochs",
            "2",
            "--out",
            str(both),
            "--json",
            "--quiet",
        ],
    )
    assert (
        main(
            [
                "phase",
                str(spin_dataset),
                "--model",
                str(model),
                "--model",
                str(both),
                "--bootstrap",
                "20",
                "--out",
                str(figure),
                "--scaling-out",
                str(tmp_path / "fss.png"),
                "--json",
            ]
        )
        == 0
    )
    strict = json.loads(capsys.readouterr().out, parse_constant=lambda c: 1 / 0)
    assert strict["finite_size_scaling"]["binder"]["chi2"] is None
    # Human-readable output names Onsager's value.
    assert (
        main(
            [
                "phase",
                str(spin_dataset),
                "--model",
                str(model),
                "--bootstrap",
                "20",
                "--out",
                str(figure),
            ]
        )
        == 0
    )
    assert "Onsager: T_c = 2/ln(1+sqrt 2) = 2.2692" in capsys.readouterr().out


def test_train_streaming_denoising_and_variational(spin_dataset, tmp_path, capsys):
    for extra in (
        ["--stream", "--corruption", "0.1", "--temperatures", "1.0:3.5:11"],
        ["--variational", "--beta", "4"],
    ):
        out = tmp_path / "m.npz"
        r = run_json(
            capsys,
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "-L",
                "16",
                "--encoder",
                "32",
                "--epochs",
                "2",
                "--out",
                str(out),
                "--json",
                "--quiet",
                *extra,
            ],
        )
        assert r["loss"][-1] < r["loss"][0] and out.exists() and r["configurations"] == 2200
    assert type(Autoencoder.load(out)).__name__ == "VariationalAutoencoder"


def test_anomaly_and_denoise_commands(spin_dataset, tmp_path, capsys):
    roc = tmp_path / "roc.png"
    r = run_json(
        capsys,
        [
            "autoencoder",
            "anomaly",
            str(spin_dataset),
            "--size",
            "16",
            "--epochs",
            "5",
            "--out",
            str(roc),
            "--json",
        ],
    )
    assert r["auc"] >= 0.99 and roc.stat().st_size > 0
    d = run_json(
        capsys,
        ["autoencoder", "denoise", str(spin_dataset), "--size", "16", "--epochs", "5", "--json"],
    )
    assert [row["temperature"] for row in d["temperatures"]] == [1.0, 1.25, 1.5, 1.75, 2.0]
    assert all(row["wrong_after"] < row["wrong_before"] for row in d["temperatures"])


def test_bad_input_is_one_line_and_status_2(spin_dataset, tmp_path, capsys):
    model16 = tmp_path / "m16.h5"
    run_json(
        capsys,
        [
            "autoencoder",
            "train",
            str(spin_dataset),
            "--size",
            "16",
            "--encoder",
            "8",
            "--epochs",
            "1",
            "--out",
            str(model16),
            "--json",
            "--quiet",
        ],
    )
    few = generate(tmp_path / "few.h5", "8", "1.0:3.0:3", 10, progress=False)
    figure = str(tmp_path / "f.png")
    cases = [
        (
            ["phase", str(spin_dataset), "--size", "48", "--out", figure],
            f"argument --size/-L: {spin_dataset} holds L = 16, 32, not 48",
        ),
        (
            ["phase", str(spin_dataset), "--size", "32", "--model", str(model16), "--out", figure],
            f"argument --model: {model16} is for L = 16, which is not analysed",
        ),
        (
            ["phase", str(few), "--out", figure],
            "argument DATA.h5: " + f"{few}: 3 temperatures are too few",
        ),
        (
            ["phase", str(spin_dataset), "--model", str(tmp_path / "absent.h5"), "--out", figure],
            "argument --model: no such file",
        ),
        (
            ["phase", str(spin_dataset), "--model", str(spin_dataset), "--out", figure],
            "cannot read an autoencoder",
        ),
        (
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "--size",
                "16",
                "--latent",
                "0",
                "--out",
                str(tmp_path / "x.h5"),
            ],
            "argument --latent: must be an integer >= 1, got 0",
        ),
        (
            ["autoencoder", "anomaly", str(spin_dataset), "--size", "16", "--normal-below", "0.5"],
            f"argument --normal-below: {spin_dataset} holds no temperature below 0.5",
        ),
        (
            [
                "autoencoder",
                "anomaly",
                str(spin_dataset),
                "--size",
                "16",
                "--anomalous-above",
                "9",
            ],
            f"argument --anomalous-above: {spin_dataset} holds no temperature above 9",
        ),
        (
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "--size",
                "16",
                "--encoder",
                "a,b",
                "--out",
                str(tmp_path / "x.h5"),
            ],
            "argument --encoder: ",
        ),
        (
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "--size",
                "16",
                "--out",
                str(tmp_path / "nowhere" / "x.h5"),
            ],
            f"argument --out: directory {tmp_path / 'nowhere'} does not exist",
        ),
        (
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "--size",
                "16",
                "--activation",
                "cube",
                "--out",
                str(tmp_path / "x.h5"),
            ],
            "argument --activation: invalid choice: 'cube'",
        ),
        (
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "--size",
                "8",
                "--out",
                str(tmp_path / "x.h5"),
            ],
            "argument --size/-L: ",
        ),
        (
            [
                "autoencoder",
                "train",
                str(spin_dataset),
                "--size",
                "16",
                "--beta",
                "4",
                "--out",
                str(tmp_path / "x.h5"),
            ],
            "argument --beta: 4 weighs the KL term of --variational",
        ),
        (
            [
                "autoencoder",
                "anomaly",
                str(spin_dataset),
                "--size",
                "16",
                "--normal-below",
                "3.0",
                "--anomalous-above",
                "2.0",
            ],
            "argument --normal-below: must not exceed --anomalous-above (2), got 3",
        ),
        (
            ["autoencoder", "anomaly", str(spin_dataset), "--size", "16", "--quantile", "1"],
            "argument --quantile: must be a number in (0, 1), got 1.0",
        ),
        (
            ["autoencoder", "denoise", str(spin_dataset), "--size", "16", "--flip", "-0.1"],
            "argument --flip: must be a number in [0, 1), got -0.1",
        ),
        (
            ["autoencoder", "denoise", str(tmp_path / "absent.h5"), "--size", "16"],
            "argument DATA.h5: no such file",
        ),
        (
            ["pipeline", "--out-dir", str(tmp_path / "p"), "--samples", "0"],
            "argument --samples: must be an integer >= 1, got 0",
        ),
        (
            ["pipeline", "--out-dir", str(tmp_path / "p"), "--sizes", "16,7"],
            "argument --sizes: sizes must be an even integer >= 2, got 7",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (argv, err)


@pytest.mark.slow
def test_the_pipeline_runs_end_to_end(tmp_path, capsys):
    """The README's first command (`make demo` runs `isingml pipeline`), with its defaults
    apart from fewer configurations, and again on the dataset it left behind."""
    out = tmp_path / "run"
    argv = [
        "pipeline",
        "--out-dir",
        str(out),
        "--samples",
        "300",
        "--bootstrap",
        "50",
        "--quiet",
        "--json",
    ]
    r = run_json(capsys, argv)
    assert set(r["sizes"]) == {"16", "32", "64"}
    assert all(abs(s["estimates"]["binder"]["deviation"]) < 0.02 for s in r["sizes"].values())
    assert abs(r["finite_size_scaling"]["binder"]["deviation"]) < 0.01
    for name in ("ising.h5", "fig14_latent.png", "finite_size_scaling.png"):
        assert (out / name).stat().st_size > 0
    again = run_json(capsys, argv)  # reuses the dataset, same seeds: the same numbers
    assert again["finite_size_scaling"] == r["finite_size_scaling"]
