"""Sphinx extension of the isingml site: generated pages, executed notebooks, API checks.

``config-inited``
    Writes the API pages ``docs/api/packages/*.rst`` (ignored by git): one per package of
    :data:`PACKAGES`, an autosummary table per kind of name of its ``__all__``, so that a
    name added to an ``__all__`` is documented with no further step.

    Writes the command reference ``docs/cli/index.md`` (ignored by git): the ``--help``
    of every ``isingml`` command.

    Draws the Hopfield recall figure of ``isingml hopfield demo`` into ``docs/_figures/``.

    Runs every notebook of ``notebooks/`` with small parameters (``ISINGML_QUICK=1``),
    through ``notebooks/execute.py``, the runner the test suite uses, and writes the
    executed copies to ``docs/notebooks/`` (ignored by git), which myst-nb renders with
    execution off. A notebook whose cell fails, that draws no figure inline, or whose
    source gains outputs stops the build: the checks of ``tests/test_notebooks.py``.
    The committed notebooks stay without outputs.
``env-check-consistency``
    Warns (an error under ``-W``) for every name of an ``__all__`` of :data:`PACKAGES`
    that the API reference does not document.

autodoc adjustments: a re-exported constant shows the ``#:`` comment where it is defined
(:func:`attribute_doc`); scikit-learn's ``set_*_request`` methods are left out; classes are
described without their ``:canonical:`` alias, which re-exports would describe twice; bare
``|m|`` in the docstrings of :data:`ABSOLUTE_VALUE_MODULES` is escaped.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import inspect
import io
import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sphinx.domains.python import PythonDomain
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXECUTED = DOCS / "notebooks"
API_PAGES = DOCS / "api" / "packages"
CLI_PAGE = DOCS / "cli" / "index.md"
FIGURES = DOCS / "_figures"

#: The packages (and public modules) whose ``__all__`` the API reference covers, one page
#: each: every subpackage of isingml, and the modules the user guide imports from.
PACKAGES = (
    "isingml",
    "isingml.ising",
    "isingml.data",
    "isingml.hopfield",
    "isingml.rbm",
    "isingml.nn",
    "isingml.spinglass",
    "isingml.theory",
    "isingml.transition",
    "isingml.plotting",
    "isingml.cli",
    # modules the user guide uses by name
    "isingml.ising.exact",
    "isingml.stats",
    "isingml.errors",
    "isingml.nn.anomaly",
    "isingml.hopfield.examples",
    "isingml.nn.examples",
)


def public_names(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Every ``package.name`` for ``name`` in each package's ``__all__``."""
    names = []
    for package in packages:
        module = importlib.import_module(package)
        names.extend(f"{package}.{name}" for name in module.__all__)
    return names


def missing_names(documented: set[str], packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """The public names of ``packages`` that are not in ``documented``."""
    return [name for name in public_names(packages) if name not in documented]


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "Classes"
    if callable(obj):
        return "Functions"
    return "Constants"


def api_page(package: str) -> str:
    """The reST source of the API page of ``package``."""
    module = importlib.import_module(package)
    groups: dict[str, list[str]] = {"Classes": [], "Functions": [], "Constants": []}
    for name in module.__all__:
        groups[_kind(getattr(module, name))].append(name)
    title = f"``{package}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {package}", "   :no-members:", ""]
    lines += [f".. currentmodule:: {package}", ""]
    for kind, names in groups.items():
        if names:
            lines += [kind, "-" * len(kind), "", ".. autosummary::", "   :toctree: ../generated"]
            lines += ["", *(f"   {name}" for name in names), ""]
    return "\n".join(lines)


def write_api_pages(out_dir: Path = API_PAGES) -> None:
    """Write the API page of every package of :data:`PACKAGES` into ``out_dir``."""
    for package in PACKAGES:
        _write_if_changed(out_dir / f"{package}.rst", api_page(package))


def _subcommands(parser: argparse.ArgumentParser, prefix: str):
    """``(command line, parser)`` of ``parser`` and of every subcommand below it, in order."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subcommands(sub, f"{prefix} {name}")


def cli_page() -> str:
    """The MyST source of the command reference: the ``--help`` of every command."""
    from isingml.cli.app import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "92"  # argparse wraps to the terminal width
    try:
        lines = ["# Command reference", "", "The `--help` of every `isingml` command.", ""]
        for command, parser in _subcommands(build_parser(), "isingml"):
            lines += [f"## `{command}`", "", "```text", parser.format_help().rstrip(), "```", ""]
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def draw_figures(out_dir: Path = FIGURES) -> None:
    """Draw the README's command-line figures that take a second: ``isingml hopfield demo``
    (the primer's Fig. 2) into ``out_dir``."""
    from isingml.cli import main

    out_dir.mkdir(parents=True, exist_ok=True)
    figure = out_dir / "fig2.png"
    figure.unlink(missing_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):
        status = main(["hopfield", "demo", "--out", str(figure)])
    if status != 0 or not figure.exists():
        raise RuntimeError(f"isingml hopfield demo --out {figure} failed with status {status}")


def _runner():
    spec = importlib.util.spec_from_file_location("execute", ROOT / "notebooks" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def execute_notebooks(out_dir: Path = EXECUTED, jobs: int = 2) -> list[Path]:
    """Execute every notebook with small parameters into ``out_dir``; the executed copies.

    The notebooks run ``jobs`` at a time, each in its own kernel working in a fresh folder
    (the files a notebook writes stay there); only the executed ``.ipynb`` is kept.
    """
    runner = _runner()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    work = out_dir / "_work"
    work.mkdir(parents=True)
    # execute() sets these for its kernel and restores them afterwards; setting them here
    # first makes that restore a no-op, so that notebooks may run side by side.
    os.environ["ISINGML_QUICK"] = "1"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"

    def run(path: Path) -> Path:
        executed = runner.execute(path, work / path.stem, quick=True)
        if runner.has_outputs(path):
            raise RuntimeError(f"{path.name}: executing it wrote outputs into the source")
        if '"image/png"' not in executed.read_text(encoding="utf-8"):
            raise RuntimeError(f"{path.name}: no figure was drawn inline")
        return Path(shutil.copyfile(executed, out_dir / path.name))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(run, runner.notebooks()))
    shutil.rmtree(work)
    return done


def _on_config_inited(app, config) -> None:
    if config.isingml_generate_pages:
        write_api_pages()
        _write_if_changed(CLI_PAGE, cli_page())
        draw_figures()
    if not config.isingml_execute_notebooks:
        return
    start = time.perf_counter()
    done = execute_notebooks(jobs=config.isingml_notebook_jobs)
    seconds = time.perf_counter() - start
    logging.getLogger(__name__).info(
        f"isingml: executed {len(done)} notebooks (quick) in {seconds:.0f} s"
    )


def _on_check_consistency(app, env) -> None:
    documented = set(env.domaindata["py"]["objects"])
    for name in missing_names(documented):
        logging.getLogger(__name__).warning(
            "public name %s is missing from the API reference (docs/api/)", name
        )


#: Modules whose docstrings write ``|m|`` bare (read by reST as a substitution): the
#: absolute-value bars are escaped when their docstrings are rendered.
ABSOLUTE_VALUE_MODULES = ("isingml.ising.simulation", "isingml.ising.results")
_LITERAL = re.compile(r"(``.+?``)")
_BARS = re.compile(r"(?<![|`\\])\|([A-Za-z_][A-Za-z0-9_^]*)\|(?![|`])")


def _escape_bars(line: str) -> str:
    """``line`` with ``|name|`` escaped outside its inline literals."""
    parts = _LITERAL.split(line)
    return "".join(p if i % 2 else _BARS.sub(r"\\|\1\\|", p) for i, p in enumerate(parts))


def _module_of(obj) -> str:
    return getattr(obj, "__module__", None) or getattr(
        getattr(obj, "fget", None), "__module__", ""
    )


def attribute_doc(name: str, obj: object) -> list[str] | None:
    """The ``#:`` comment of the constant ``name`` where an isingml module defines it.

    A re-exported constant (``isingml.spinglass.COUPLINGS``, defined in
    ``isingml.spinglass.models``) has no comment in the package that lists it, and autodoc
    would show the docstring of its type (``tuple``) instead.
    """
    short = name.rsplit(".", 1)[-1]
    for modname, module in sorted(sys.modules.items()):
        if not modname.startswith("isingml") or getattr(module, short, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except PycodeError:
            continue
        if ("", short) in docs:
            return list(docs[("", short)])
    return None


def _on_process_docstring(app, what, name, obj, options, lines) -> None:
    if what == "data":
        doc = attribute_doc(name, obj)
        if doc is not None:
            lines[:] = doc
        elif not callable(obj):
            lines[:] = []  # what autodoc found is the docstring of its type (tuple, ndarray)
    if _module_of(obj) in ABSOLUTE_VALUE_MODULES:
        lines[:] = [_escape_bars(line) for line in lines]


def _on_skip_member(app, what, name, obj, skip, options):
    # scikit-learn's metadata-routing setters (set_fit_request, ...) are not isingml's API.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def _without_canonical(directive: type) -> type:
    """``directive`` (a ``py`` domain directive) with its ``:canonical:`` option dropped.

    isingml re-exports classes (``isingml.Engine`` is ``isingml.ising.Engine``); autodoc
    gives both pages the alias ``isingml.ising.engine.Engine``, which would then be
    described twice and make every reference to it ambiguous.
    """

    class WithoutCanonical(directive):
        def run(self):
            self.options.pop("canonical", None)
            return super().run()

    WithoutCanonical.__name__ = directive.__name__
    return WithoutCanonical


def setup(app):
    app.add_config_value("isingml_generate_pages", True, "env")
    app.add_config_value("isingml_execute_notebooks", True, "env")
    app.add_config_value("isingml_notebook_jobs", max(2, min(4, os.cpu_count() or 1)), "env")
    app.connect("config-inited", _on_config_inited)
    app.connect("env-check-consistency", _on_check_consistency)
    app.connect("autodoc-process-docstring", _on_process_docstring)
    app.connect("autodoc-skip-member", _on_skip_member)
    for name in ("class", "exception"):
        directive = _without_canonical(PythonDomain.directives[name])
        app.add_directive_to_domain("py", name, directive, override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
