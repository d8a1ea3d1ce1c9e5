"""Errors polp raises on purpose, each with a documented exit code.

Anything that reaches the user is a :class:`PolpError`; the CLI turns it into a one-line message and
its exit code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_USAGE = 3
EXIT_INTERNAL = 4


@dataclass(frozen=True, slots=True, eq=False)
class Location:
    """Where something is in an input: file, 1-based line and column, and the JSON path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __eq__(self, other: object) -> bool:
        # Any Location compares by its fields (a deferred one too); the path first, as it is the
        # field most likely to differ and the only one a deferred location has without a look-up.
        if not isinstance(other, Location):
            return NotImplemented
        return self is other or (
            self.path == other.path
            and self.file == other.file
            and self.line == other.line
            and self.column == other.column
        )

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.column, self.path))

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        where = ":".join(parts)
        return f"{where}: {self.path}" if self.path else where


# The slots that hold Location's line and column, which DeferredLocation's properties hide.
_LINE_SLOT: Any = Location.__dict__["line"]
_COLUMN_SLOT: Any = Location.__dict__["column"]
_SET_LINE, _GET_LINE = _LINE_SLOT.__set__, _LINE_SLOT.__get__
_SET_COLUMN, _GET_COLUMN = _COLUMN_SLOT.__set__, _COLUMN_SLOT.__get__


class DeferredLocation(Location):
    """A :class:`Location` whose line and column are looked up on first access.

    Loading a large input places every principal, attachment and document, but a report shows few
    of those places; finding a line is the costly part, so it waits until someone reads it. Made by
    :meth:`of`; otherwise a plain Location (equal to one with the same fields, frozen, and working
    with :func:`dataclasses.replace`, copying and pickling, which build one through ``__init__``).
    """

    __slots__ = ("_key", "_lookup")
    #: Found in the class itself by serialisers such as orjson, which then write it as a Location.
    __dataclass_fields__ = Location.__dataclass_fields__

    _lookup: Callable[[Any], tuple[int | None, int | None]] | None
    _key: Any

    @classmethod
    def of(
        cls, file: str | None, path: str, lookup: Callable[[Any], tuple[int | None, int | None]], key: Any
    ) -> DeferredLocation:
        """The location ``file``/``path`` whose line and column are ``lookup(key)``."""
        self = object.__new__(cls)
        setter = object.__setattr__
        setter(self, "file", file)
        setter(self, "path", path)
        setter(self, "_lookup", lookup)
        setter(self, "_key", key)
        return self

    def _resolve(self) -> None:
        lookup = self._lookup
        if lookup is not None:
            line, column = lookup(self._key)
            _SET_LINE(self, line)
            _SET_COLUMN(self, column)
            object.__setattr__(self, "_lookup", None)
            object.__setattr__(self, "_key", None)

    def _store(self, setter: Callable[[Any, int | None], None], value: int | None) -> None:
        if getattr(self, "_lookup", None) is not None:
            self._resolve()  # so that the other field is not left unset
        setter(self, value)
        object.__setattr__(self, "_lookup", None)

    # object.__setattr__ (used by the dataclass __init__ and unpickling) goes through the setters;
    # plain assignment is still refused by the frozen Location.__setattr__.
    @property
    def line(self) -> int | None:
        if self._lookup is not None:
            self._resolve()
        return _GET_LINE(self)  # type: ignore[no-any-return]

    @line.setter
    def line(self, value: int | None) -> None:
        self._store(_SET_LINE, value)

    @property
    def column(self) -> int | None:
        if self._lookup is not None:
            self._resolve()
        return _GET_COLUMN(self)  # type: ignore[no-any-return]

    @column.setter
    def column(self, value: int | None) -> None:
        self._store(_SET_COLUMN, value)

    def __repr__(self) -> str:
        return Location.__repr__(self).replace(type(self).__qualname__, "Location", 1)


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
