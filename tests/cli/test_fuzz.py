"""Every subcommand driven with generated bad arguments (hypothesis): the answer is one
line and exit status 2 (1 for a resource that is not to be had), never a traceback.

Three kinds of bad argument are drawn: a value that the flag's own type refuses (any text,
with the hostile spellings of numbers mixed in), a damaged or foreign dataset file in
place of a good one, and a size too large for any machine. The values are bad by
construction, so no example starts real work.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isingml.cli import main
from isingml.cli.app import build_parser

#: Spellings that numeric parsers get wrong: overflow, NaN, other numerals, separators.
HOSTILE = [
    "",
    " ",
    "-",
    "--",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "1e-999",
    "9" * 400,
    "-" + "9" * 400,
    "1e",
    "0x10",
    "1.5.2",
    "1,,2",
    ",",
    ":",
    "1:",
    "1:2:",
    "3:1:5",
    "1:3:0",
    "1:3:-2",
    "1:3:1.5",
    "1:nan:5",
    "1;2",
    "\x00",
    "\u0663",
    "\uff11",
    "1\n2",
    "true",
    "None",
    "[1, 2]",
    "-0",
    "0",
    "-1",
    "1.5",
]


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    if parser.get_default("handler"):
        yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _walk(child, (*path, name))


LEAVES = dict(_walk(build_parser()))


def _valued(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The options that take a value checked by a type of their own."""
    return [
        a
        for a in parser._actions
        if a.type is not None and a.nargs != 0 and a.type.__name__ != "input_file"
    ]


def _refused_by_type(action: argparse.Action, text: str) -> bool:
    try:
        action.type(text)
    except (argparse.ArgumentTypeError, ValueError, TypeError):
        return True
    return bool(action.choices) and text not in action.choices


TARGETS = [(path, a) for path, p in LEAVES.items() for a in _valued(p)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A good dataset (L = 8), a directory to write into, and room for bad files."""
    from isingml.data import generate

    root = tmp_path_factory.mktemp("fuzz")
    good = generate(root / "good.h5", "8", "1.5:3.0:5", 12, thermalize=5, progress=False)
    return {"root": root, "good": Path(good)}


def _required(path: tuple[str, ...], files: dict, skip: str) -> list[str]:
    """Valid values for the command's required arguments, except ``skip``."""
    argv: list[str] = []
    for action in LEAVES[path]._actions:
        name = (action.option_strings or [action.dest])[0]
        if name == skip or not (action.required or not action.option_strings):
            continue
        if action.dest in ("handler", "help"):
            continue
        if not action.option_strings:  # the dataset
            argv.append(str(files["good"]))
        elif name == "--out":
            argv += [name, str(files["root"] / f"out-{'-'.join(path)}.x")]
        elif name in ("--size", "-L"):
            argv += [name, "8"]
    return argv


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's own exit (never expected here)
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def _one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("isingml: error: "), lines[0]
    return lines[0]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_a_value_its_flag_refuses_is_one_line_naming_the_flag(files, data):
    path, action = data.draw(st.sampled_from(TARGETS), label="flag")
    flag = action.option_strings[0] if action.option_strings else action.dest
    text = data.draw(
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)).filter(
            lambda t: _refused_by_type(action, t)
        ),
        label="value",
    )
    value = [f"{flag}={text}"] if action.option_strings else [text]
    status, _, err = _run([*path, *_required(path, files, flag), *value])
    assert status == 2, (path, flag, text, err)
    line = _one_line(err)
    assert any(s in line for s in (action.option_strings or [action.metavar or action.dest]))


#: Commands that read a dataset, and the size argument each needs.
READERS = {
    ("info",): [],
    ("verify",): [],
    ("rbm", "ising"): ["--size", "8"],
    ("nn", "ising"): ["--size", "8"],
    ("autoencoder", "train"): ["--size", "8", "--out", "{root}/ae.npz"],
    ("autoencoder", "anomaly"): ["--size", "8"],
    ("autoencoder", "denoise"): ["--size", "8"],
    ("phase",): [],
}


def _damaged(kind: str, good: bytes, where: float, root: Path, tag: str) -> Path:
    target = root / f"bad-{tag}.h5"
    if target.is_dir():
        shutil.rmtree(target)
    target.unlink(missing_ok=True)
    cut = int(where * (len(good) - 1))
    if kind == "missing":
        return target
    if kind == "directory":
        target.mkdir()
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "foreign":
        target.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 4)
    elif kind == "truncated":
        target.write_bytes(good[: max(1, cut)])
    elif kind == "text":
        target.write_text("temperature,spins\n2.0,1\n")
    return target


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(sorted(READERS)),
    kind=st.sampled_from(["missing", "directory", "empty", "foreign", "truncated", "text"]),
    where=st.floats(0.0, 0.97),
)
def test_a_damaged_or_foreign_dataset_is_one_line(files, command, kind, where):
    good = files["good"].read_bytes()
    bad = _damaged(kind, good, where, files["root"], "-".join(command))
    extra = [a.format(root=files["root"]) for a in READERS[command]]
    status, out, err = _run([*command, str(bad), *extra])
    assert status in (1, 2), (command, kind, where, status, out, err)
    assert str(bad.name) in _one_line(err) or "DATA.h5" in err, err
