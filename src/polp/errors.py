"""Errors polp raises on purpose, each with a documented exit code.

Anything that reaches the user is a :class:`PolpError`; the CLI turns it into a one-line message and
its exit code, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_USAGE = 3
EXIT_INTERNAL = 4


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is in an input: file, 1-based line and column, and the JSON path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        where = ":".join(parts)
        return f"{where}: {self.path}" if self.path else where


class PolpError(Exception):
    """Base class of every error polp reports to the user."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class InputError(PolpError):
    """An input cannot be read, decoded, or is not of a kind polp understands."""


class PolicyParseError(InputError):
    """A policy document breaks the grammar of the IAM policy language.

    ``problems`` holds every grammar problem found (the first one is also the message), so that
    ``polp validate`` can report them all at once.
    """

    def __init__(self, problems: list[tuple[str, Location]]) -> None:
        message, location = problems[0]
        super().__init__(message, location)
        self.problems = problems


class UsageError(PolpError):
    """The command line or a request is malformed."""

    exit_code = EXIT_USAGE
