"""Why a command's value is refused before anything is written: a typed error that names
the flag or argument it is about, for the command to show as its usage error."""

from __future__ import annotations


class OptionError(Exception):
    """A value given to a command that the data refuses (an unknown person, a bad id, a
    missing flag); `option` names the flag or argument, None when it is about the whole
    command."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option

    def __str__(self) -> str:
        return self.message
