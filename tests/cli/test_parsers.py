"""The flags of every ``isingml`` subcommand, walked from the root parser: one spelling
and one type per concept, defaults in ``--help``, validating types and ``choices=``; errors
that name the flag typed; bugs that are not swallowed; outputs checked before any work."""

import argparse
import os

import pytest

from isingml.cli import _types, main
from isingml.cli._common import DEFAULT_SEED, HelpFormatter
from isingml.cli.app import build_parser
from isingml.errors import InputError, ResourceError

#: Flags whose values are an enumeration: each must have ``choices``.
ENUMERATED = {"algorithm", "kernel", "backend", "activation", "couplings", "quantity"}
#: Free-text values that are neither numbers nor enumerations.
FREE_TEXT = {"scheduler", "data"}
#: Concepts spelled and typed the same wherever they appear.
SHARED = (
    "--seed",
    "--threads",
    "--json",
    "--quiet",
    "--out",
    "--backend",
    "--kernel",
    "--epochs",
    "--batch-size",
    "--size",
)


def _dataset(request, argv):
    """The shared spin dataset, made only for the commands that read one."""
    return request.getfixturevalue("spin_dataset") if "{data}" in argv else None


def walk(parser, path=("isingml",)):
    """Every (command path, parser) under ``parser``, the root included."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from walk(child, (*path, name))


def leaves():
    return [(path, p) for path, p in walk(build_parser()) if p.get_default("handler")]


def options(parser):
    skip = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)
    return [a for a in parser._actions if not isinstance(a, skip)]


def flag_table():
    """``{(command, option strings): action}`` over every command."""
    return {
        (" ".join(path), tuple(a.option_strings) or (a.dest,)): a
        for path, p in leaves()
        for a in options(p)
    }


def type_name(action):
    return None if action.type is None else (action.type.__module__, action.type.__name__)


def test_every_command_is_a_leaf_with_a_handler():
    commands = {" ".join(path[1:]) for path, _ in leaves()}
    for command in (
        "simulate",
        "exact",
        "generate",
        "info",
        "verify",
        "hopfield demo",
        "rbm ising",
        "nn ising",
        "nn mnist",
        "autoencoder train",
        "phase",
        "pipeline",
        "spinglass tempering",
        "signal propagate",
    ):
        assert command in commands


def test_one_spelling_per_concept():
    table = flag_table()
    spellings = {s for _, strings in table for s in strings}
    assert not spellings & {"--data", "--figure", "--scaling-figure"}
    for (command, strings), action in table.items():
        where = f"{command} {strings}"
        if "--seed" in strings:
            assert action.default == DEFAULT_SEED == 1, where
            assert action.type is _types.seed, where
        if strings[0] in ("--out", "--save", "--scaling-out"):
            assert action.type is _types.output_file and action.metavar == "FILE", where
        if "--out-dir" in strings:
            assert action.type is _types.output_dir, where
        if strings == ("data",):
            assert action.metavar in ("DATA.h5", "MNIST_DIR"), where
        if "--size" in strings and "-L" in strings:
            assert action.type is _types.lattice_size, where
        if "--backend" in strings:
            assert tuple(action.choices) == ("cpu", "cuda") and action.default == "cpu", where
        if "--kernel" in strings:
            assert action.default == "auto", where
    # A shared concept has one option spelling, one type (phase takes --size repeatedly).
    for flag in SHARED:
        found = {
            (strings, a.nargs, a.const, type_name(a), tuple(a.choices or ()))
            for (_, strings), a in table.items()
            if flag in strings
        }
        if flag == "--size":  # spins n in spinglass, the lattice side L everywhere else
            found = {f for f in found if "-L" in f[0]}
        if flag == "--out":  # the one flag whose required-ness differs
            found = {f[0] for f in found}
        assert len(found) == 1, (flag, found)


def test_dataset_commands_take_the_file_positionally(capsys):
    table = flag_table()
    for command in (
        "rbm ising",
        "nn ising",
        "autoencoder train",
        "autoencoder anomaly",
        "autoencoder denoise",
        "phase",
    ):
        action = table[(f"isingml {command}", ("data",))]
        assert action.type is _types.input_file and not action.option_strings
    assert main(["rbm", "ising", "missing.h5", "--size", "4"]) == 2
    assert "argument DATA.h5: no such file: missing.h5" in capsys.readouterr().err


def test_help_shows_every_default():
    for path, parser in walk(build_parser()):
        assert issubclass(parser.formatter_class, HelpFormatter), path
        formatter = parser._get_formatter()
        for action in options(parser):
            assert action.help, (path, action.dest)
            if not action.option_strings or action.required or action.nargs == 0:
                continue  # positionals, required options and on/off flags have none
            text = formatter._get_help_string(action)
            assert "%(default)" in text or "(default: " in text or "; default: " in text, (
                path,
                action.dest,
                text,
            )
            if action.default is None:  # "None" says nothing: the help says what it means
                assert "%(default)" not in text, (path, action.dest, text)
        parser.format_help()  # formats without error


def test_numbers_use_validating_types_and_enumerations_have_choices():
    for (command, strings), action in flag_table().items():
        where = f"{command} {strings}"
        assert action.type not in (int, float), where
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            continue
        if action.type is not None:
            assert action.type.__module__ == "isingml.cli._types", where
        default = action.default
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            assert action.type is not None, where
        if action.dest in ENUMERATED or (action.dest == "model" and "spinglass" in command):
            assert action.choices, where
        if action.type is None and not action.choices:
            assert action.dest in FREE_TEXT, where


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["spinglass", "tempering", "--size", "0"],
            "argument --size/-n: must be an integer >= 2, got 0",
        ),
        (
            ["spinglass", "hopfield", "--units", "4"],
            "argument --units: must be an integer >= 8, got 4",
        ),
        (
            ["autoencoder", "denoise", "{tmp}/D.h5", "--size", "16", "--flip", "-0.1"],
            "argument --flip: must be a number in [0, 1), got -0.1",
        ),
        (
            ["phase", "{tmp}/D.h5", "--size", "0"],
            "argument --size/-L: must be an even integer >= 2, got 0",
        ),
        (["phase", "{data}", "--size", "48"], "argument --size/-L: "),
        (
            ["spinglass", "tempering", "--model", "hopfield", "--size", "4"],
            "argument --size/-n: must be >= 8 for --model hopfield, got 4",
        ),
        (
            ["spinglass", "tempering", "--t-min", "2"],
            "argument --t-min: must be below --t-max (1.6), got 2",
        ),
        (
            ["generate", "--out", "{tmp}/x.h5", "--resume", "--overwrite"],
            "argument --overwrite: not allowed with argument --resume",
        ),
        (
            ["generate", "--out", "{tmp}/x.h5", "--chains", "5", "--samples", "2"],
            "argument --chains: must be <= --samples (2), got 5",
        ),
        (
            ["pipeline", "--out-dir", "{tmp}/p", "--temperatures", "1,2,3"],
            "argument --temperatures: must hold >= 5 values",
        ),
        (
            ["signal", "trainability", "--depths", "8,4"],
            "argument --depths: must be strictly increasing, got '8,4'",
        ),
        (["nn", "features", "--layers", "0"], "argument --layers: must be an integer >= 1, got 0"),
    ],
)
def test_the_error_names_the_flag_typed(argv, message, request, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default figure files land here
    (tmp_path / "D.h5").write_bytes(b"")  # a dataset file that the parser finds
    argv = [a.format(data=_dataset(request, argv), tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].startswith("isingml: error: ") and message in lines[0], lines[0]
    assert [p.name for p in tmp_path.iterdir()] == ["D.h5"]


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bug"),
        TypeError("bug"),
        RuntimeError("bug"),
        KeyError("bug"),
        AssertionError("bug"),
    ],
)
def test_a_bug_is_not_swallowed(error, monkeypatch):
    from isingml.cli import ising

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(ising, "_exact_values", broken)
    with pytest.raises(type(error), match="bug"):
        main(["exact", "--size", "4"])


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InputError("x must be y"), 2),
        (ResourceError("needs an NVIDIA GPU"), 1),
        (FileNotFoundError(2, "No such file", "a.h5"), 1),
        (PermissionError("denied"), 1),
    ],
)
def test_known_errors_are_one_line(error, status, monkeypatch, capsys):
    from isingml.cli import ising

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(ising, "_exact_values", failing)
    assert main(["exact", "--size", "4"]) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"isingml: error: {error}")


def _never(*args, **kwargs):
    raise AssertionError("the work started before the output was checked")


@pytest.mark.parametrize(
    ("target", "argv", "flag"),
    [
        (
            "isingml.hopfield.capacity.capacity_curve",
            ["hopfield", "capacity", "--out", "{tmp}/no/x.png"],
            "--out",
        ),
        ("isingml.data.generate", ["generate", "--out", "{tmp}/no/x.h5"], "--out"),
        (
            "isingml.spinglass.parallel_tempering",
            ["spinglass", "tempering", "--out", "{tmp}/x.png", "--save", "{tmp}/no/r.npz"],
            "--save",
        ),
        (
            "isingml.transition.discovery.discover_transition",
            ["phase", "{tmp}/D.h5", "--scaling-out", "{tmp}/no/f.png"],
            "--scaling-out",
        ),
        (
            "isingml.theory.simulate_random_network",
            ["signal", "propagate", "--out", "{tmp}/no/x.png"],
            "--out",
        ),
    ],
)
def test_an_unwritable_output_fails_before_any_work(
    target, argv, flag, request, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(target, _never)
    (tmp_path / "D.h5").write_bytes(b"")
    argv = [a.format(tmp=tmp_path, data=_dataset(request, argv)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"argument {flag}: directory {tmp_path / 'no'} does not exist" in err, err


def test_an_unwritable_directory_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("isingml.transition.pipeline.discover_critical_point", _never)
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # root ignores mode bits
    assert main(["pipeline", "--out-dir", str(tmp_path / "p")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"isingml: error: argument --out-dir: directory {tmp_path} is not writable"
    )


def test_generate_refuses_an_existing_output_up_front(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("isingml.data.generate", _never)
    out = tmp_path / "x.h5"
    out.write_bytes(b"")
    assert main(["generate", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"isingml: error: argument --out: {out} exists; pass --resume to complete it or "
        "--overwrite"
    )


def test_a_library_warning_is_one_line(monkeypatch, capsys):
    import warnings

    from isingml.cli import ising

    original = ising._exact_values

    def warning(*args, **kwargs):
        warnings.warn("shard X: it is unreadable; writing it again", UserWarning, stacklevel=2)
        return original(*args, **kwargs)

    monkeypatch.setattr(ising, "_exact_values", warning)
    assert main(["exact", "--size", "4"]) == 0
    err = capsys.readouterr().err
    assert err == "isingml: warning: shard X: it is unreadable; writing it again\n"


def test_generate_names_the_flags_of_the_library_refusals(tmp_path, capsys):
    out = tmp_path / "d.h5"
    base = ["generate", "--sizes", "4", "--samples", "2", "--thermalize", "1", "--quiet"]
    assert main([*base, "--temperatures", "2,3", "--out", str(out)]) == 0
    assert main([*base, "--temperatures", "2,4", "--out", str(out), "--resume"]) == 2
    assert capsys.readouterr().err == (
        f"isingml: error: argument --out: {out} was written with other arguments; pass "
        "--overwrite to replace it\n"
    )
    (tmp_path / "e.h5.parts").symlink_to(tmp_path)
    assert main([*base, "--temperatures", "2,3", "--out", str(tmp_path / "e.h5")]) == 2
    assert capsys.readouterr().err.startswith("isingml: error: argument --out: ")


def test_a_missing_extra_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    argv = ["generate", "--sizes", "4", "--temperatures", "2,3", "--samples", "2"]
    assert main([*argv, "--out", str(tmp_path / "d.h5"), "--workers", "2", "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "isingml: error: argument --workers: needs Dask, which is not installed: "
        "pip install 'isingml[distributed]'\n"
    )
