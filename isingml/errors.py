"""The errors isingml raises for bad input.

:class:`InputError` is a :class:`ValueError` and :class:`InputTypeError` both an
``InputError`` and a :class:`TypeError`, so code that catches the built-in classes keeps
working; the ``isingml`` command prints exactly these (and the operating system's I/O
errors) as one line, and lets anything else, a bug included, show its traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "InputTypeError", "ResourceError"]


class InputError(ValueError):
    """A value, an argument combination or a file that isingml refuses.

    The message names the argument (or the file) and the value, and says what was
    expected.

    Parameters
    ----------
    message : str
    argument : str, optional
        The name of the refused argument, where one is to blame (a front end such as the
        command line maps it to what its user typed).
    """

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type (a float where an integer is needed, ...)."""


class ResourceError(RuntimeError):
    """Something a run needs is not to be had: a GPU and its driver, a lock that another
    run holds, a file that cannot be fetched. The message says what and how to get it."""
