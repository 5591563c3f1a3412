"""The ``isingml`` command: one module per area, each adding its subcommands to one parser.

Every module here parses and validates flags, checks that outputs can be written, then
calls one library function per command; the science lives in the library.
"""

from isingml.cli.app import main

__all__ = ["main"]
