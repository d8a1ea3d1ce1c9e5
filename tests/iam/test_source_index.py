"""The on-demand position index of a JSON text against the full scan it replaces."""

from __future__ import annotations

import json
import pickle
import random
from collections.abc import Iterator
from dataclasses import FrozenInstanceError, replace
from typing import Any

import orjson
import pytest

from polp.errors import Location
from polp.iam.jsonpath import JsonPath
from polp.iam.source import DocumentSource, _Index, _line_col, _scan, loads_strict


def _paths(value: Any, prefix: JsonPath = ()) -> Iterator[JsonPath]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _expected(text: str, path: JsonPath) -> tuple[int, int]:
    """Where the full scan puts ``path`` (the longest prefix it knows)."""
    scan = _scan(text)
    probe = path
    while probe not in scan.offsets and probe:
        probe = probe[:-1]
    return _line_col(scan.line_starts, scan.offsets.get(probe, 0))


_CHARS = ["a", "b", "{", "}", "[", "]", '"', "\\", "\n", "é", "$", "\t", " ", ":", ","]


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.3:
        text = "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 6)))
        return rng.choice([text, rng.randint(-5, 500), 1.5e3, True, False, None])
    if roll < 0.65:
        return {
            "".join(rng.choice(_CHARS) for _ in range(3)) + str(i): _value(rng, depth + 1) for i in range(4)
        }
    return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


@pytest.mark.parametrize("seed", range(40))
def test_every_path_is_where_the_full_scan_puts_it(seed: int) -> None:
    rng = random.Random(seed)
    value = _value(rng)
    text = json.dumps(
        value,
        indent=rng.choice([None, 0, 2, "\t"]),
        ensure_ascii=rng.random() < 0.5,
        separators=rng.choice([None, (",", ":"), (" , ", " : ")]),
    )
    if seed % 3 == 0:
        text = "  \n " + text + " \n"
    index = _Index(text)
    for path in [*_paths(value), ("missing",), (0,), ("x", 1), (-1,)]:
        assert index.line_col(index.offset(path)) == _expected(text, path), path


def test_brackets_inside_strings_are_not_structure() -> None:
    text = (
        '{"Statement": [\n {"Resource": "arn:aws:s3:::b/${aws:username}/[x]{",\n'
        '  "Sid": "a]}"},\n {"Action": ["s3:Get*"]}\n]}'
    )
    _, source = loads_strict(text, "p.json")
    assert source.locate(("Statement", 1, "Action", 0)).line == 4
    assert source.locate(("Statement", 0, "Sid")).line == 3


def test_escaped_keys_and_missing_paths() -> None:
    text = '{"a\\"b": {"c": [1, 2, {"d": null}]}, "e": []}'
    index = _Index(text)
    assert index.offset(('a"b', "c", 2, "d")) == text.index('"d"')
    assert index.offset(("e", 0)) == text.index('"e"')  # no item: the longest prefix
    # members are placed at their key
    assert index.offset(('a"b', "c", 5)) == text.index('"c"')
    assert index.offset(('a"b', "c", "0")) == text.index('"c"')
    assert index.offset(('a"b', "c", 1)) == text.index("2")


def test_embedded_documents_share_the_index() -> None:
    text = json.dumps({"Policies": [{"Document": {"Statement": [{"Effect": "Allow"}]}}]}, indent=1)
    _, source = loads_strict(text, "account.json")
    embedded = source.embedded(("Policies", 0, "Document"))
    location = embedded.locate(("Statement", 0))
    assert location.path == "Policies[0].Document.Statement[0]"
    assert location.line == _expected(text, ("Policies", 0, "Document", "Statement", 0))[0]
    assert embedded._get_index() is source._get_index()


def test_a_duplicate_key_is_still_placed() -> None:
    found = DocumentSource(name="d.json", text='{"a": 1,\n "a": 2}').first_duplicate("a")
    assert found is not None
    assert found[1].line == 2


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\"b\\": 1", "b": 2}',  # the key's text inside an earlier string
        '{"a": {"b": 1}, "b": 2}',  # the same key one level deeper
        '{"a": "x\\\\", "b": 2}',  # a string that ends in an escaped backslash
        '{"a": ["b", "b" ], "b": 2}',  # the key's text as array items
        '{"a": "b", "b": 2}',  # the key's text as a value
    ],
)
def test_a_key_searched_for_in_a_small_object_is_the_objects_own(text: str) -> None:
    index = _Index(text)
    assert json.loads(text)["b"] == 2
    assert index.offset(("b",)) == text.rindex('"b"')


@pytest.mark.parametrize("indent", [None, 1, 7])
def test_lines_and_columns_across_blocks(indent: int | None) -> None:
    """Line counting by blocks of text, checked on a text of many blocks (and on one long line)."""
    value = {"List": [{"Name": f"item-{i}", "Values": list(range(i % 9))} for i in range(900)]}
    text = json.dumps(value, indent=indent)
    scan = _scan(text)
    index = _Index(text)
    for offset in [*range(0, len(text), 97), len(text) - 1, len(text)]:
        assert index.line_col(offset) == _line_col(scan.line_starts, offset), offset


def test_locations_are_looked_up_when_read() -> None:
    text = json.dumps({"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]}, indent=2)
    _, source = loads_strict(text, "p.json")
    location = source.locate(("Statement", 1))
    assert source._index is None  # nothing read yet
    assert location.path == "Statement[1]"
    assert source._index is None  # the path needs no look-up
    assert (location.file, location.line, location.column) == ("p.json", 6, 5)
    plain = Location("p.json", 6, 5, "Statement[1]")
    assert location == plain and plain == location and hash(location) == hash(plain)
    assert repr(location) == repr(plain) and str(location) == str(plain)
    assert replace(location, path="x") == Location("p.json", 6, 5, "x")
    unread = source.locate(("Statement", 0))
    assert pickle.loads(pickle.dumps(unread)) == Location("p.json", 3, 5, "Statement[0]")
    assert orjson.loads(orjson.dumps(source.locate(("Statement",)))) == {
        "file": "p.json",
        "line": 2,
        "column": 3,
        "path": "Statement",
    }
    with pytest.raises(FrozenInstanceError):
        location.line = 1  # type: ignore[misc]
