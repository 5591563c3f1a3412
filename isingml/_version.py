"""The version of isingml: the one place it is written (pyproject.toml reads it)."""

#: The version of isingml.
__version__ = "0.1.0"
