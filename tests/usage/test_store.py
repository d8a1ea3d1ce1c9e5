"""The store's bulk loading keeps every value exactly and merges rows of one key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from polp.usage.store import OBJECTS_PART, ROWS_PART, TEMPLATES_PART, UsageStore, write_part

HOSTILE = [
    "",
    "plain",
    'quote"comma,',
    "cr\rlf\r\nnl\n",
    "nul\x00tab\t",
    "back\\slash",
    "ünï😀",
    "null",
    "NULL",
]


def _row(resource: str, count: int, first: str, last: str, **changes: Any) -> tuple[Any, ...]:
    row: dict[str, Any] = {
        "principal": "arn:aws:iam::1:role/r",
        "principal_kind": "role",
        "subject": "",
        "via": "",
        "action": "s3:GetObject",
        "resource": resource,
        "outcome": "success",
        "error_code": "",
        "inferred_from": "",
        "category": "Data",
        "extra": False,
        "day": "2024-05-01",
    }
    row.update(changes)
    return (*row.values(), count, first, last)


def _all(store: UsageStore) -> list[tuple[Any, ...]]:
    return sorted(store.connection.execute("SELECT * FROM usage").fetchall())


def test_values_round_trip_exactly(tmp_path: Path) -> None:
    rows = [
        _row(value, i + 1, f"2024-05-01T00:00:0{i}Z{value}", f"2024-05-01T01:00:00Z{value}", subject=value)
        for i, value in enumerate(HOSTILE)
    ]
    rows.append(_row("r", 1, "a", "b", extra=True))
    with UsageStore(str(tmp_path / "s.duckdb")) as store:
        assert store.add_values(rows) == len(rows)
        assert _all(store) == sorted(rows)


def test_rows_of_one_key_are_merged_across_loads(tmp_path: Path) -> None:
    with UsageStore(str(tmp_path / "s.duckdb")) as store:
        store.add_values([_row("a", 1, "2024-05-01T05", "2024-05-01T06"), _row("b", 2, "x", "y")])
        store.add_values([_row("a", 3, "2024-05-01T01", "2024-05-01T02"), _row("a", 1, "z", "z", extra=True)])
        store.add_values([_row("a", 5, "2024-05-01T03", "2024-05-01T09")])
        assert _all(store) == sorted(
            [
                _row("a", 9, "2024-05-01T01", "2024-05-01T09"),
                _row("a", 1, "z", "z", extra=True),
                _row("b", 2, "x", "y"),
            ]
        )


def test_templates_and_objects_make_rows(tmp_path: Path) -> None:
    """Each object of a group is a row of each of the group's templates; a template without a tail
    does not depend on the object, so its objects merge into one row."""
    head = ["arn:aws:iam::1:role/r", "role", "", "", "s3:GetObject"]
    tail = ["success", "", "", "Data", False, "2024-05-01"]
    templates = [
        [7, *head, "arn:aws:s3:::b/", "", *tail],
        [7, *head[:4], "s3:ListBucket", "arn:aws:s3:::b", None, *tail[:4], True, tail[5]],
    ]
    objects = [[7, "k\r\n1", 2, "t1", "t4"], [7, "k2", 1, "t2", "t3"], [8, "orphan", 1, "t", "t"]]
    rows = [[*head, "arn:aws:s3:::b/k2", *tail, 4, "t0", "t9"]]
    paths = []
    for suffix, part in ((TEMPLATES_PART, templates), (OBJECTS_PART, objects), (ROWS_PART, rows)):
        paths.append(str(tmp_path / f"0{suffix}"))
        assert write_part(paths[-1], part) == len(part)
    with UsageStore() as store:
        store.add_parts(paths)
        assert _all(store) == sorted(
            [
                _row("arn:aws:s3:::b/k\r\n1", 2, "t1", "t4"),
                _row("arn:aws:s3:::b/k2", 5, "t0", "t9"),
                _row("arn:aws:s3:::b", 3, "t1", "t4", action="s3:ListBucket", extra=True),
            ]
        )
