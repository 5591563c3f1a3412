"""The documentation site (docs/, ``make docs``): every public name is in the API reference.

The build itself runs after the test suite (``make test``); these tests check, without
building, that the API pages cover every ``__all__`` and that the check the build runs
finds a missing name. When a build is present in build/docs, its object inventory is
checked too.
"""

import importlib
import importlib.util
import pkgutil
import re
import zlib
from pathlib import Path

import pytest

import isingml
import isingml.ising.results
import isingml.stats

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "docs"
_spec = importlib.util.spec_from_file_location(
    "isingml_docs", ROOT / "docs" / "_ext" / "isingml_docs.py"
)
isingml_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(isingml_docs)


def _packages_with_all() -> set[str]:
    names = {"isingml"}
    for info in pkgutil.iter_modules(isingml.__path__, "isingml."):
        if info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_"):
            if hasattr(importlib.import_module(info.name), "__all__"):
                names.add(info.name)
    return names


def test_every_public_package_has_an_api_page():
    assert _packages_with_all() <= set(isingml_docs.PACKAGES)
    index = (ROOT / "docs" / "api" / "index.rst").read_text(encoding="utf-8")
    for package in isingml_docs.PACKAGES:
        assert f"packages/{package}\n" in index, package


@pytest.mark.parametrize("package", isingml_docs.PACKAGES)
def test_api_page_lists_every_name_of_all(package):
    page = isingml_docs.api_page(package)
    listed = set(re.findall(r"^   (\w+)$", page, flags=re.MULTILINE))
    module = importlib.import_module(package)
    assert set(module.__all__) <= listed
    assert f".. automodule:: {package}" in page


def test_public_names_cover_the_top_level_package():
    names = isingml_docs.public_names()
    assert {f"isingml.{name}" for name in isingml.__all__} <= set(names)
    assert "isingml.ising.IsingModel" in names
    assert "isingml.cli.main" in names


def test_the_build_check_finds_a_missing_name():
    names = set(isingml_docs.public_names())
    assert isingml_docs.missing_names(names) == []
    assert isingml_docs.missing_names(names - {"isingml.rbm.RBM"}) == ["isingml.rbm.RBM"]


def test_bare_absolute_value_bars_are_escaped_and_literals_kept():
    lines = ["Energy, |m|, heat capacity", "``|m|`` and ``<|q|>``", "a |a| b"]
    docs = isingml.ising.results.SimulationResult
    isingml_docs._on_process_docstring(None, "class", "", docs, {}, lines)
    assert lines[0] == r"Energy, \|m\|, heat capacity"
    assert lines[1] == "``|m|`` and ``<|q|>``"
    other = ["Energy, |m|"]
    isingml_docs._on_process_docstring(None, "function", "", isingml.stats.jackknife, {}, other)
    assert other == ["Energy, |m|"]  # only the listed modules are touched


def test_scikit_learn_request_setters_are_skipped():
    assert isingml_docs._on_skip_member(None, "method", "set_fit_request", None, False, {})
    assert isingml_docs._on_skip_member(None, "method", "fit", None, False, {}) is None


def _inventory_names(path: Path) -> list[str]:
    """The ``py`` domain names of a Sphinx ``objects.inv`` (format 2: four header lines,
    then zlib-compressed lines ``name domain:role priority uri display``)."""
    raw = path.read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = raw.index(b"\n", header_end) + 1
    lines = zlib.decompress(raw[header_end:]).decode("utf-8").splitlines()
    return [line.split(" ", 2)[0] for line in lines if " py:" in line]


def _current_build() -> bool:
    """Whether build/docs holds a build newer than every source of the package."""
    inventory = BUILD / "objects.inv"
    if not inventory.exists():
        return False
    sources = [*(ROOT / "isingml").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]
    return inventory.stat().st_mtime >= max(path.stat().st_mtime for path in sources)


@pytest.mark.skipif(not _current_build(), reason="no current docs build (make docs)")
def test_built_site_documents_every_public_name_with_a_page():
    documented = set(_inventory_names(BUILD / "objects.inv"))
    assert isingml_docs.missing_names(documented) == []
    for name in isingml_docs.public_names():
        assert (BUILD / "api" / "generated" / f"{name}.html").exists(), name
    for path in isingml_docs._runner().notebooks():
        assert (BUILD / "notebooks" / f"{path.stem}.html").exists(), path.name


def test_a_reexported_constant_gets_the_comment_where_it_is_defined():
    import isingml.spinglass

    doc = isingml_docs.attribute_doc("isingml.spinglass.COUPLINGS", isingml.spinglass.COUPLINGS)
    assert doc is not None and doc[0].startswith("Coupling distributions")
    lines = ["Built-in immutable sequence."]
    obj = isingml.spinglass.COUPLINGS
    isingml_docs._on_process_docstring(None, "data", "isingml.spinglass.COUPLINGS", obj, {}, lines)
    assert lines == doc
    for name in isingml_docs.public_names():
        package, short = name.rsplit(".", 1)
        obj = getattr(importlib.import_module(package), short)
        if not callable(obj):
            assert isingml_docs.attribute_doc(name, obj), f"{name} has no #: comment"


def test_a_build_that_misses_a_public_name_fails(tmp_path):
    from sphinx.cmd.build import build_main

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        "extensions = ['sphinx.ext.autodoc', 'isingml_docs']\n"
        "isingml_generate_pages = False\n"
        "isingml_execute_notebooks = False\n",
        encoding="utf-8",
    )
    (src / "index.rst").write_text(
        "Index\n=====\n\n.. autoclass:: isingml.rbm.RBM\n   :no-members:\n", encoding="utf-8"
    )
    warnings = tmp_path / "warnings.txt"
    argv = ["-q", "-E", "-W", "--keep-going", "-w", str(warnings), "-b", "html"]
    status = build_main([*argv, str(src), str(tmp_path / "out")])
    text = warnings.read_text(encoding="utf-8")
    assert status != 0
    assert "public name isingml.ising.IsingModel is missing" in text
    assert "isingml.rbm.RBM is missing" not in text


def test_a_constant_with_no_comment_does_not_show_its_types_docstring():
    import numpy as np

    lines = ["ndarray(shape, dtype=float, ...)", "An array object represents ..."]
    isingml_docs._on_process_docstring(None, "data", "isingml.nn.NOT_THERE", np.ones(2), {}, lines)
    assert lines == []
