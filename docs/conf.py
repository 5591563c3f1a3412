"""Sphinx configuration of the isingml documentation (``make docs``)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import isingml  # noqa: E402

project = "isingml"
author = "the isingml developers"
copyright = "2026, the isingml developers"
release = isingml.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "isingml_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "notebooks/_work", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# API reference: one page per public name, from the numpydoc docstrings.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# The notebooks are executed by the isingml_docs extension (quick parameters) before the
# build reads them; myst-nb only renders them.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"isingml {release}"
html_static_path = []

# "more than one target found": a re-exported class (isingml.X and isingml.ising.X) named
# bare in an annotation that autodoc could not resolve; either page is the right one.
suppress_warnings = ["ref.python"]
