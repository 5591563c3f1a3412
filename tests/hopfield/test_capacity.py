"""The capacity experiment, and the hopfield command."""

import json
import re

import numpy as np
import pytest

from isingml.cli import main
from isingml.hopfield.capacity import AGS_CRITICAL_LOAD, capacity_curve


@pytest.mark.slow
def test_capacity_drop_at_n1000_lies_between_012_and_016():
    result = capacity_curve(1000, np.arange(0.08, 0.2001, 0.01), trials=6, seed=1)
    alpha = result.critical_load(0.9)
    assert 0.12 < alpha < 0.16
    # Below alpha_c retrieval is almost perfect; well above it, it fails.
    assert (result.overlap[result.alphas <= 0.10] > 0.98).all()
    assert (result.overlap[result.alphas >= 0.19] < 0.7).all()
    # Fewer stored patterns are exact fixed points as the load grows.
    assert result.stable_fraction[0] > 0.5 > result.stable_fraction[-1]
    assert AGS_CRITICAL_LOAD == pytest.approx(0.138)


def test_capacity_curve_is_reproducible_and_validates():
    a = capacity_curve(64, [0.05, 0.3], trials=2, corruption=0.1, seed=3)
    b = capacity_curve(64, [0.05, 0.3], trials=2, corruption=0.1, seed=3)
    np.testing.assert_array_equal(a.overlap, b.overlap)
    assert a.overlap[0] > a.overlap[1]
    assert a.patterns.tolist() == [3, 19]
    with pytest.raises(ValueError, match="alphas must be"):
        capacity_curve(64, [0.0])
    with pytest.raises(ValueError, match="corruption must be"):
        capacity_curve(64, [0.1], corruption=0.7)
    assert np.isnan(a.critical_load(level=-1.0))
    # A load gives the same numbers whatever other loads are asked for.
    alone = capacity_curve(64, [0.3], trials=2, corruption=0.1, seed=3)
    assert alone.overlap[0] == a.overlap[1]


def test_hopfield_demo_command(tmp_path, capsys):
    out = tmp_path / "demo.png"
    assert main(["hopfield", "demo", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert out.stat().st_size > 10_000
    finals = [r["final"] for r in report["recalls"]]
    assert finals == ["vertical stripes", "horizontal stripes", "inverted horizontal"]
    assert [r["stored"] for r in report["recalls"]] == [True, True, False]


def test_hopfield_capacity_command(tmp_path, capsys):
    out = tmp_path / "cap.png"
    code = main(
        [
            "hopfield",
            "capacity",
            "--units",
            "100",
            "--trials",
            "2",
            "--alphas",
            "0.05,0.3",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0 and out.exists()
    text = capsys.readouterr().out
    assert "alpha" in text and "0.300" in text and "AGS" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["capacity", "--units", "1"], "argument --units: must be an integer >= 2, got 1"),
        (["capacity", "--alphas", "0.1:x"], "argument --alphas: values must be"),
        (["capacity", "--alphas", "-0.1"], "argument --alphas: must be finite numbers > 0"),
        (
            ["capacity", "--corruption", "0.9"],
            "argument --corruption: must be a number in [0, 0.5], got 0.9",
        ),
        (["capacity", "--trials", "0"], "argument --trials: must be an integer >= 1, got 0"),
        (["capacity", "--threads", "0"], "argument --threads: must be an integer >= 1, got 0"),
        (
            ["demo", "--out", "/nonexistent/dir/x.png"],
            "argument --out: directory /nonexistent/dir does not exist",
        ),
        (["demo", "--seed", "-1"], "argument --seed: must be an integer in [0, 2**32), got -1"),
        (["fly"], "invalid choice"),
    ],
)
def test_hopfield_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert main(["hopfield", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("n", "alphas", "message"),
    [
        (1_000_000, [0.1], "Hopfield network of 1000000 units storing up to 100000 patterns"),
        (100, [1e300], "Hopfield network of 100 units storing up to 1e+302 patterns"),
    ],
)
def test_a_network_too_large_for_memory_is_refused_before_any_work(n, alphas, message):
    from isingml.errors import ResourceError

    with pytest.raises(ResourceError, match=re.escape(message) + " needs .* of memory"):
        capacity_curve(n, alphas)


def test_the_memory_estimate_covers_the_weights_and_the_patterns():
    from isingml.hopfield.capacity import recall_bytes

    n, p = 300, 40
    assert recall_bytes(n, p, p, 100) >= 3 * 8 * n * n + p * n * 9
    assert recall_bytes(n, 2 * p, p, 100) > recall_bytes(n, p, p, 100)
