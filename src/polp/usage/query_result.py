"""Reading the result of the stage-one SQL (:mod:`polp.usage.sql`) run elsewhere: Athena's CSV, Spark's
JSON Lines, or rows fetched through boto3. Each row becomes a stage-one group for stage two.

Column names are matched without case; an empty value is taken as NULL (Athena's CSV cannot tell them
apart, and no stage-one column needs the difference). A row that cannot be used is skipped, with the
reason; a result without the expected columns is refused as a whole.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from polp.errors import InputError, Location
from polp.usage.raw import KEY_COLUMNS, STAT_COLUMNS, RawKey, RawStats, from_dense
from polp.usage.records import SkipLog

REQUIRED = KEY_COLUMNS + STAT_COLUMNS


def _rows_of_text(text: str, where: str) -> Iterator[Mapping[str, Any]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"query result is not valid JSON: {exc}", Location(where)) from None
        yield from (row for row in data if isinstance(row, dict))
    elif stripped.startswith("{"):
        for number, line in enumerate(stripped.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield {"__invalid__": f"line {number} is not valid JSON"}
                continue
            yield row if isinstance(row, dict) else {"__invalid__": f"line {number} is not an object"}
    else:
        reader = csv.DictReader(io.StringIO(text))
        _check_columns(reader.fieldnames or [], where)
        yield from reader


def _check_columns(columns: Iterable[str], where: str) -> None:
    present = {str(c).lower() for c in columns}
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        raise InputError(
            f"not a polp query result: missing columns {', '.join(missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''} (run the SQL that `polp usage --sql` prints)",
            Location(where),
        )


def read_result_file(path: str) -> Iterator[Mapping[str, Any]]:
    """The rows of a query result file (CSV with a header, JSON Lines or a JSON array; gzip or not)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read query result: {exc}", Location(path)) from None
    return _rows_of_text(text, path)


def raw_groups(
    rows: Iterable[Mapping[str, Any]], skips: SkipLog, where: str
) -> Iterator[tuple[RawKey, RawStats]]:
    """Stage-one groups from result rows; the first row decides whether the columns are there."""
    checked = False
    for row in rows:
        if "__invalid__" in row:
            skips.record(f"query result: {row['__invalid__']}", where)
            continue
        lowered = {str(k).lower(): v for k, v in row.items()}
        if not checked:
            _check_columns(lowered, where)
            checked = True
        values = [_text(lowered.get(c)) for c in KEY_COLUMNS]
        first, last = _text(lowered.get("first_seen")), _text(lowered.get("last_seen"))
        try:
            count = int(str(lowered.get("event_count")))
        except ValueError:
            skips.record("query result: event_count is not a number", where)
            continue
        if count <= 0 or not first or not last or not values[KEY_COLUMNS.index("event_source")]:
            skips.record("query result: row lacks event_count, first_seen, last_seen or event_source", where)
            continue
        yield from_dense(values), [count, first, last]


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)
