"""Strict JSON loading with positions.

Fast path: the standard library's C decoder, with a hook that rejects duplicate keys (AWS keeps the
last of two ``"StringEquals"`` blocks and silently drops the first; that has dropped an OIDC ``sub``
condition in a real account). Positions are only needed for messages, so the line and column of a
JSON path are computed lazily by a small scanner, once per document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from polp.errors import InputError, Location
from polp.iam.jsonpath import JsonPath, render_path

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicates(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


@dataclass(slots=True)
class _Index:
    offsets: dict[JsonPath, int]
    duplicates: list[tuple[JsonPath, int]]
    line_starts: list[int]


def _scan(text: str) -> _Index:
    """Record the offset of every value (of the key, for object members) by JSON path.

    Iterative, so that hostile nesting cannot exhaust the stack. Stops quietly at the first syntax
    error: it is only run on text the decoder accepted, or to place a duplicate key.
    """
    offsets: dict[JsonPath, int] = {}
    duplicates: list[tuple[JsonPath, int]] = []
    # stack entries: [path, kind ('o'|'a'), seen keys or next index]
    stack: list[tuple[JsonPath, str, Any]] = []
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    path: JsonPath = ()
    n = len(text)
    expecting_value = True
    offsets[()] = pos
    while pos < n:
        if expecting_value:
            ch = text[pos]
            if ch == "{":
                stack.append((path, "o", set()))
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if pos < n and text[pos] == "}":
                    pos += 1
                    stack.pop()
                    expecting_value = False
                    continue
                # read first key
                m = _STRING.match(text, pos)
                if not m:
                    break
                key = json.loads(m.group())
                parent, _, seen = stack[-1]
                path = (*parent, key)
                if key in seen:
                    duplicates.append((path, pos))
                seen.add(key)
                offsets.setdefault(path, pos)
                pos = _WS.match(text, m.end()).end()  # type: ignore[union-attr]
                if pos >= n or text[pos] != ":":
                    break
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if ch == "[":
                stack.append((path, "a", 0))
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if pos < n and text[pos] == "]":
                    pos += 1
                    stack.pop()
                    expecting_value = False
                    continue
                path = (*path, 0)
                offsets.setdefault(path, pos)
                continue
            m = _STRING.match(text, pos) if ch == '"' else _SCALAR.match(text, pos)
            if not m:
                break
            pos = m.end()
            expecting_value = False
            continue
        # after a value: a comma or the end of the container
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if not stack or pos >= n:
            break
        parent, kind, state = stack[-1]
        ch = text[pos]
        if ch == ",":
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            if kind == "a":
                index = state + 1
                stack[-1] = (parent, kind, index)
                path = (*parent, index)
                offsets.setdefault(path, pos)
            else:
                m = _STRING.match(text, pos)
                if not m:
                    break
                key = json.loads(m.group())
                path = (*parent, key)
                if key in state:
                    duplicates.append((path, pos))
                state.add(key)
                offsets.setdefault(path, pos)
                pos = _WS.match(text, m.end()).end()  # type: ignore[union-attr]
                if pos >= n or text[pos] != ":":
                    break
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            expecting_value = True
        elif (ch == "}" and kind == "o") or (ch == "]" and kind == "a"):
            pos += 1
            stack.pop()
            path = parent
        else:
            break
    line_starts = [0]
    line_starts.extend(m.end() for m in re.finditer("\n", text))
    return _Index(offsets, duplicates, line_starts)


@dataclass(slots=True)
class DocumentSource:
    """Where a document came from: a display name (a file, or ``file#Policies[3]``) and its text.

    ``base`` is the location of the document inside a larger file (an account details file embeds
    policies); paths are then reported relative to it.
    """

    name: str | None = None
    text: str | None = None
    base: Location | None = None
    _index: _Index | None = field(default=None, repr=False)
    #: Where the document sits inside ``text`` when ``text`` is a whole file that embeds it (a policy
    #: in an account details file): paths are looked up, and reported, below this prefix.
    prefix: JsonPath = ()
    _root: DocumentSource | None = field(default=None, repr=False, compare=False)

    def embedded(self, prefix: JsonPath) -> DocumentSource:
        """The document at ``prefix`` inside this one, sharing its (lazily built) position index.

        One file may embed hundreds of policies; sharing the index scans the file once.
        """
        root = self._root if self._root is not None else self
        return DocumentSource(
            name=self.name, text=self.text, base=self.base, prefix=(*self.prefix, *prefix), _root=root
        )

    def _get_index(self) -> _Index | None:
        if self._root is not None:
            return self._root._get_index()
        if self.text is None:
            return None
        if self._index is None:
            self._index = _scan(self.text)
        return self._index

    def locate(self, path: JsonPath) -> Location:
        index = self._get_index()
        path = (*self.prefix, *path)
        rendered = render_path(path)
        if index is None:
            if self.base is not None:
                joined = ".".join(p for p in (self.base.path, rendered) if p)
                return Location(self.base.file, self.base.line, self.base.column, joined)
            return Location(self.name, None, None, rendered)
        probe = path
        while probe not in index.offsets and probe:
            probe = probe[:-1]
        offset = index.offsets.get(probe, 0)
        line, column = _line_col(index.line_starts, offset)
        return Location(self.name, line, column, rendered)

    def first_duplicate(self, key: str | None = None) -> tuple[JsonPath, Location] | None:
        """The first repeated key in the text (the first repeat of ``key`` when given).

        The decoder reports the first object to *close* with a repeat, which is not always the first
        repeat in the text (``{"a": 1, "a": {"b": 1, "b": 2}}`` fails on ``b``), hence ``key``.
        """
        index = self._get_index()
        if index is None:
            return None
        found = [d for d in index.duplicates if key is None or (d[0] and d[0][-1] == key)]
        if not found:
            return None
        path, offset = found[0]
        line, column = _line_col(index.line_starts, offset)
        return path, Location(self.name, line, column, render_path(path))


def _line_col(line_starts: list[int], offset: int) -> tuple[int, int]:
    lo, hi = 0, len(line_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if line_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, offset - line_starts[lo] + 1


def loads_strict(text: str, name: str | None = None) -> tuple[Any, DocumentSource]:
    """Decode JSON text, rejecting duplicate keys, NaN/Infinity and hostile nesting.

    Raises :class:`InputError` with the file, line and column of the problem.
    """
    source = DocumentSource(name=name, text=text)
    try:
        value = _DECODER.decode(text)
    except _DuplicateKey as dup:
        found = source.first_duplicate(dup.key)
        location = found[1] if found else Location(name)
        raise InputError(
            f'duplicate key "{dup.key}" in a JSON object (AWS would keep only the last one)', location
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", Location(name, exc.lineno, exc.colno)) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", Location(name)) from None
    except ValueError as exc:  # e.g. integers too long to convert
        raise InputError(f"not valid JSON: {exc}", Location(name)) from None
    return value, source


def read_text(path: str) -> str:
    """Read a file as UTF-8 (with or without BOM), as an :class:`InputError` on any failure."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", Location(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Location(path)) from None
