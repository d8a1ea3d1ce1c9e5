"""Strict JSON loading with positions.

Fast path: the standard library's C decoder, with a hook that rejects duplicate keys (AWS keeps the
last of two ``"StringEquals"`` blocks and silently drops the first; that has dropped an OIDC ``sub``
condition in a real account). Positions are only needed for messages, so the line and column of a
JSON path are computed lazily by a small scanner, once per document.
"""

from __future__ import annotations

import json
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from typing import Any

from polp.errors import DeferredLocation, InputError, Location
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
class _Scan:
    offsets: dict[JsonPath, int]
    duplicates: list[tuple[JsonPath, int]]
    line_starts: list[int]


def _scan(text: str) -> _Scan:
    """Record the offset of every value (of the key, for object members) by JSON path, and every
    repeated key (only needed to place a duplicate key: :class:`_Index` finds values on demand).

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
    return _Scan(offsets, duplicates, line_starts)


_BRACKET = re.compile(r"[\[\]{}]")


#: Objects up to this many characters are searched for a key; larger ones are listed once.
_SEARCHED = 4096


def _offsets(text: str) -> str:
    """The array type code for offsets into ``text`` (32 bits below 2 GB of text)."""
    return "i" if len(text) < 1 << 31 and array("i").itemsize >= 4 else "q"


#: Text up to the next string that holds a bracket (``"${aws:username}"``): everything else, strings
#: without brackets included, is consumed at the regular expression engine's speed.
_PLAIN = re.compile(r'(?:[^"]++|"(?:[^"\\\[\]{}]++|\\.)*+")*+')  # possessive: no backtracking


#: The size of the blocks of text whose newlines :meth:`_Index.line_col` counts.
_BLOCK = 4096


def _newlines_before_blocks(text: str) -> tuple[list[int], list[int]]:
    """For each block of :data:`_BLOCK` characters (and the end of the text): how many newlines come
    before it, and the offset of the last of them (``-1``: none)."""
    starts = range(0, len(text), _BLOCK)
    ends = range(_BLOCK, len(text) + _BLOCK, _BLOCK)
    counts = accumulate(map(text.count, repeat("\n"), starts, ends), initial=0)
    lasts = accumulate(map(text.rfind, repeat("\n"), starts, ends), max, initial=-1)
    return list(counts), list(lasts)


class _Index:
    """Where the values of a JSON text are, found on demand.

    Built from one pass over the brackets of the text (pairing each ``{``/``[`` with its closing
    bracket, brackets inside strings left out), so that any value can be skipped in one step. The
    members of an object or array are listed the first time a path goes through it; only the
    containers on the paths asked about are ever listed.
    """

    __slots__ = ("_children", "_closes", "_lines", "_opens", "_parents", "_walked", "root", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._opens, self._closes, self._parents = _pair_brackets(text)
        self._lines: tuple[list[int], list[int]] | None = None
        self._children: dict[int, dict[str, int] | array[int]] = {}
        self._walked: dict[JsonPath, tuple[int, int]] = {}
        self.root = _WS.match(text, 0).end()  # type: ignore[union-attr]

    def offset(self, path: JsonPath) -> int:
        """The offset of the value at ``path`` (of its key, for an object member), or of the longest
        prefix of ``path`` that exists."""
        if not path:
            return self.root
        # Paths come in families (the statements of one policy, the attachments of one role): the
        # walk to a parent is kept, and its children are one step away.
        parent = path[:-1]
        walked = self._walked.get(parent)
        if walked is None:
            walked = self._walk(self.root, self.root, parent)
            self._walked[parent] = walked
        found, pos = walked
        return found if pos < 0 else self._walk(found, pos, path[-1:])[0]

    def _walk(self, found: int, pos: int, path: JsonPath) -> tuple[int, int]:
        """Follow ``path`` from the value at ``pos`` (found at ``found``): where the value at ``path``
        is found, and where it starts (``-1`` when the path stops early: ``found`` is then where the
        longest prefix that exists is)."""
        text = self.text
        for key in path:
            if pos >= len(text):
                return found, -1
            ch = text[pos]
            if ch == "{" and isinstance(key, str):
                at = self._member(pos, key)
                if at is None:
                    return found, -1
                found, pos = at, self._value_after_key(at)
            elif ch == "[" and isinstance(key, int):
                items = self._members(pos)
                assert isinstance(items, array)
                if not 0 <= key < len(items):
                    return found, -1
                found = pos = items[key]
            else:
                return found, -1
        return found, pos

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset``.

        Counted from the start of its block of :data:`_BLOCK` characters, whose number of earlier
        newlines (and last one) is known: listing every line start would cost more than the few
        thousand look-ups of a large file together.
        """
        text = self.text
        if self._lines is None:
            self._lines = _newlines_before_blocks(text)
        newlines, last_newline = self._lines
        block = offset // _BLOCK
        start = block * _BLOCK
        newline = text.rfind("\n", start, offset)
        if newline < 0:
            newline = last_newline[block]
        return newlines[block] + text.count("\n", start, offset) + 1, offset - newline

    def _member(self, pos: int, key: str) -> int | None:
        """The offset of the key ``key`` of the object at ``pos``, ``None`` if it has none.

        Most objects are passed through once: the key of a small object is searched for in its
        text rather than all its members listed (large ones, such as the top of an account file,
        are listed once). A match counts when it is a whole string (not preceded by a backslash),
        directly inside this object (no nearer enclosing bracket) and followed by a colon: a key of
        this object, and the only one with that name (the decoder refuses repeated keys). Keys that
        need escapes, or that the text writes with escapes, are found by listing.
        """
        members = self._children.get(pos)
        if members is None and '"' not in key and "\\" not in key:
            text, opens = self.text, self._opens
            container = bisect_left(opens, pos)
            end = self._closes[container] if container < len(opens) and opens[container] == pos else -1
            if 0 <= end - pos <= _SEARCHED:
                needle = f'"{key}"'
                start = pos + 1
                while True:
                    at = text.find(needle, start, end)
                    if at < 0:
                        break  # not written plainly: list the members to be sure
                    start = at + 1
                    if text[at - 1] == "\\" or self._innermost(at) != container:
                        continue
                    colon = _WS.match(text, at + len(needle)).end()  # type: ignore[union-attr]
                    if colon < end and text[colon] == ":":
                        return at
        if members is None:
            members = self._members(pos)
        assert isinstance(members, dict)
        return members.get(key)

    def _innermost(self, at: int) -> int:
        """The index of the innermost bracket pair around offset ``at`` (``-1``: none)."""
        opens, closes, parents = self._opens, self._closes, self._parents
        i = bisect_right(opens, at) - 1
        while i >= 0 and 0 <= closes[i] < at:
            i = parents[i]
        return i

    def _value_after_key(self, pos: int) -> int:
        """The offset of the value of the object member whose key starts at ``pos``."""
        text, ws = self.text, _WS.match
        m = _STRING.match(text, pos)
        assert m is not None  # listed by _list_object
        colon = ws(text, m.end()).end()  # type: ignore[union-attr]
        return ws(text, colon + 1).end()  # type: ignore[union-attr]

    def _end(self, pos: int) -> int:
        """The offset just after the value that starts at ``pos`` (``-1`` if there is none)."""
        text = self.text
        ch = text[pos] if pos < len(text) else ""
        if ch in ("{", "["):
            i = bisect_left(self._opens, pos)
            if i < len(self._opens) and self._opens[i] == pos and self._closes[i] >= 0:
                return self._closes[i] + 1
            return -1
        m = _STRING.match(text, pos) if ch == '"' else _SCALAR.match(text, pos)
        return m.end() if m else -1

    def _members(self, pos: int) -> dict[str, int] | array[int]:
        found = self._children.get(pos)
        if found is None:
            found = self._list_object(pos) if self.text[pos] == "{" else self._list_array(pos)
            self._children[pos] = found
        return found

    def _list_object(self, pos: int) -> dict[str, int]:
        """``key: offset of the key`` for each member (the first of a key)."""
        text, ws, n = self.text, _WS.match, len(self.text)
        members: dict[str, int] = {}
        p = ws(text, pos + 1).end()  # type: ignore[union-attr]
        while p < n and text[p] == '"':
            m = _STRING.match(text, p)
            if m is None:
                break
            raw = m.group()
            key = sys.intern(raw[1:-1] if "\\" not in raw else json.loads(raw))
            q = ws(text, m.end()).end()  # type: ignore[union-attr]
            if q >= n or text[q] != ":":
                break
            value = ws(text, q + 1).end()  # type: ignore[union-attr]
            members.setdefault(key, p)
            end = self._end(value)
            if end < 0:
                break
            p = ws(text, end).end()  # type: ignore[union-attr]
            if p >= n or text[p] != ",":
                break
            p = ws(text, p + 1).end()  # type: ignore[union-attr]
        return members

    def _list_array(self, pos: int) -> array[int]:
        """The offset of each item."""
        text, ws, n = self.text, _WS.match, len(self.text)
        items: array[int] = array(_offsets(text))
        p = ws(text, pos + 1).end()  # type: ignore[union-attr]
        if p < n and text[p] == "]":
            return items
        while p < n:
            end = self._end(p)
            if end < 0:
                break
            items.append(p)
            p = ws(text, end).end()  # type: ignore[union-attr]
            if p >= n or text[p] != ",":
                break
            p = ws(text, p + 1).end()  # type: ignore[union-attr]
        return items


def _pair_brackets(text: str) -> tuple[array[int], array[int], array[int]]:
    """The offsets of the opening brackets outside strings, in order, of their closing brackets
    (``-1`` when unclosed), and the index of the pair around each (``-1`` at the top). Stops
    quietly where the text stops being JSON."""
    # Strings that hold a bracket: their brackets are not structure.
    spans: list[tuple[int, int]] = []
    n = len(text)
    pos = 0
    limit = n
    while True:
        pos = _PLAIN.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            break
        m = _STRING.match(text, pos)
        if m is None:  # an unterminated string: nothing after it is structure
            limit = pos
            break
        spans.append((pos, m.end()))
        pos = m.end()
    opens: array[int] = array(_offsets(text))
    closes: array[int] = array(_offsets(text))
    parents: array[int] = array(_offsets(text))
    stack: list[int] = []
    span_index = 0
    span_start, span_end = spans[0] if spans else (n, n)
    for m in _BRACKET.finditer(text, 0, limit):
        at = m.start()
        if at >= span_start:
            while at >= span_end:
                span_index += 1
                span_start, span_end = spans[span_index] if span_index < len(spans) else (n, n)
            if at >= span_start:
                continue  # inside a string
        if text[at] in "{[":
            parents.append(stack[-1] if stack else -1)
            stack.append(len(opens))
            opens.append(at)
            closes.append(-1)
        elif stack:
            closes[stack.pop()] = at
        else:
            break
    return opens, closes, parents


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
            self._index = _Index(self.text)
        return self._index

    def locate(self, path: JsonPath) -> Location:
        """Where ``path`` is (the longest prefix of it that exists); the line and column are only
        looked up when read."""
        path = (*self.prefix, *path) if self.prefix else path
        rendered = render_path(path)
        root = self._root if self._root is not None else self
        if root.text is None:
            if self.base is not None:
                joined = ".".join(p for p in (self.base.path, rendered) if p)
                return Location(self.base.file, self.base.line, self.base.column, joined)
            return Location(self.name, None, None, rendered)
        return DeferredLocation.of(self.name, rendered, root._position, path)

    def _position(self, path: JsonPath) -> tuple[int, int]:
        index = self._get_index()
        assert index is not None  # only asked for when there is a text
        return index.line_col(index.offset(path))

    def first_duplicate(self, key: str | None = None) -> tuple[JsonPath, Location] | None:
        """The first repeated key in the text (the first repeat of ``key`` when given).

        The decoder reports the first object to *close* with a repeat, which is not always the first
        repeat in the text (``{"a": 1, "a": {"b": 1, "b": 2}}`` fails on ``b``), hence ``key``.
        """
        root = self._root if self._root is not None else self
        if root.text is None:
            return None
        scan = _scan(root.text)  # an error path: a full scan is fine
        found = [d for d in scan.duplicates if key is None or (d[0] and d[0][-1] == key)]
        if not found:
            return None
        path, offset = found[0]
        line, column = _line_col(scan.line_starts, offset)
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
