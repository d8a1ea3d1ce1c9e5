"""The local usage store: an embedded DuckDB database of aggregated usage, one row per day.

Rows are kept per day so that any window (``--since``, ``--days``) is answered by SQL without reading
the logs again. Files already loaded are remembered by path, size and modification time, so pointing
``polp usage`` at a growing log tree only reads what is new. Rows are loaded in bulk through a JSON
Lines file (DuckDB's row-by-row inserts are orders of magnitude slower).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from types import TracebackType
from typing import Any, cast

import duckdb
import orjson

from polp.errors import InputError
from polp.usage.model import Outcome, Skipped, UnmappedEvent, UnmappedKind, UsageRow
from polp.usage.records import SkipLog

USAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("principal", "VARCHAR"),
    ("principal_kind", "VARCHAR"),
    ("subject", "VARCHAR"),
    ("via", "VARCHAR"),
    ("action", "VARCHAR"),
    ("resource", "VARCHAR"),
    ("outcome", "VARCHAR"),
    ("error_code", "VARCHAR"),
    ("inferred_from", "VARCHAR"),
    ("category", "VARCHAR"),
    ("extra", "BOOLEAN"),
    ("day", "VARCHAR"),
    ("event_count", "BIGINT"),
    ("first_seen", "VARCHAR"),
    ("last_seen", "VARCHAR"),
)
_GROUP = ", ".join(name for name, _ in USAGE_COLUMNS[:11])
_SCHEMA = [
    f"CREATE TABLE IF NOT EXISTS usage ({', '.join(f'{n} {t}' for n, t in USAGE_COLUMNS)})",
    "CREATE TABLE IF NOT EXISTS unmapped (event_source VARCHAR, event_name VARCHAR, kind VARCHAR, "
    "reason VARCHAR, event_count BIGINT)",
    "CREATE TABLE IF NOT EXISTS skipped (scope VARCHAR, reason VARCHAR, item_count BIGINT, examples VARCHAR)",
    "CREATE TABLE IF NOT EXISTS loaded_files (path VARCHAR, size BIGINT, mtime_ns BIGINT)",
    "CREATE TABLE IF NOT EXISTS loads (records BIGINT, files BIGINT)",
]


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the store holds: records counted, files read, and the first and last event seen."""

    records: int
    files: int
    first_seen: str | None
    last_seen: str | None


class UsageStore:
    """A DuckDB database of usage rows; ``path=None`` keeps it in memory."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        try:
            self._db = duckdb.connect(path or ":memory:")
            if path:  # a file store may spill; keep the process small next to the workers
                self._db.execute("SET memory_limit = '256MB'")
            for statement in _SCHEMA:
                self._db.execute(statement)
        except duckdb.Error as exc:
            raise InputError(f"cannot open usage store {path}: {exc}") from None

    def __enter__(self) -> UsageStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._db

    # --- loading -------------------------------------------------------------------------------

    def add_rows(self, rows: Iterable[UsageRow]) -> int:
        return self.add_values(astuple(row) for row in rows)

    def add_values(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Load rows given as tuples in USAGE_COLUMNS order (the fast way, without UsageRow objects)."""
        names = [name for name, _ in USAGE_COLUMNS]
        columns = ", ".join(f"'{n}': '{t}'" for n, t in USAGE_COLUMNS)
        fd, path = tempfile.mkstemp(prefix="polp-usage-", suffix=".jsonl")
        written = 0
        dumps = orjson.dumps
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
                for row in rows:
                    handle.write(dumps(dict(zip(names, row, strict=True))))
                    handle.write(b"\n")
                    written += 1
            if written:
                self._db.execute(
                    f"INSERT INTO usage SELECT * FROM read_json(?, format='newline_delimited', "
                    f"columns={{{columns}}})",
                    [path],
                )
        finally:
            os.unlink(path)
        return written

    def compact(self) -> None:
        """Merge rows that several loads wrote for the same key."""
        self._db.execute(
            f"CREATE OR REPLACE TEMP TABLE usage_compact AS SELECT {_GROUP}, day, SUM(event_count) AS "
            f"event_count, MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen FROM usage "
            f"GROUP BY ALL"
        )
        self._db.execute("DELETE FROM usage")
        self._db.execute("INSERT INTO usage SELECT * FROM usage_compact")
        self._db.execute("DROP TABLE usage_compact")

    def add_unmapped(self, events: Iterable[UnmappedEvent]) -> None:
        for event in events:
            self._db.execute("INSERT INTO unmapped VALUES (?, ?, ?, ?, ?)", list(astuple(event)))

    def add_skips(self, skips: SkipLog) -> None:
        for scope, table in (("file", skips.files), ("record", skips.records)):
            for reason, (count, examples) in table.items():
                self._db.execute(
                    "INSERT INTO skipped VALUES (?, ?, ?, ?)",
                    [scope, reason, count, orjson.dumps(examples).decode()],
                )

    def add_load(self, records: int, files: Iterable[tuple[str, int, int]]) -> None:
        listed = list(files)
        self._db.execute("INSERT INTO loads VALUES (?, ?)", [records, len(listed)])
        if listed:
            fd, path = tempfile.mkstemp(prefix="polp-files-", suffix=".jsonl")
            try:
                with os.fdopen(fd, "wb") as handle:
                    for name, size, mtime in listed:
                        handle.write(orjson.dumps({"path": name, "size": size, "mtime_ns": mtime}) + b"\n")
                self._db.execute(
                    "INSERT INTO loaded_files SELECT * FROM read_json(?, format='newline_delimited', "
                    "columns={'path': 'VARCHAR', 'size': 'BIGINT', 'mtime_ns': 'BIGINT'})",
                    [path],
                )
            finally:
                os.unlink(path)

    def loaded_files(self) -> set[tuple[str, int, int]]:
        rows = self._db.execute("SELECT path, size, mtime_ns FROM loaded_files").fetchall()
        return {(str(p), int(s), int(m)) for p, s, m in rows}

    # --- reading -------------------------------------------------------------------------------

    def rows(
        self, principal: str | None = None, since: str | None = None, until: str | None = None
    ) -> list[UsageRow]:
        """Usage rows merged over the days in ``[since, until]`` (``YYYY-MM-DD``, inclusive)."""
        where, params = _window(principal, since, until)
        result = self._db.execute(
            f"SELECT {_GROUP}, '' AS day, SUM(event_count), MIN(first_seen), MAX(last_seen) FROM usage "
            f"{where} GROUP BY {_GROUP} ORDER BY principal, action, resource, outcome, error_code",
            params,
        )
        return [_row(values) for values in result.fetchall()]

    def principals(self) -> list[tuple[str, str]]:
        result = self._db.execute("SELECT DISTINCT principal, principal_kind FROM usage ORDER BY 1, 2")
        return [(str(p), str(k)) for p, k in result.fetchall()]

    def unmapped(self) -> list[UnmappedEvent]:
        result = self._db.execute(
            "SELECT event_source, event_name, kind, reason, SUM(event_count) FROM unmapped "
            "GROUP BY ALL ORDER BY 5 DESC, 1, 2"
        )
        return [
            UnmappedEvent(str(s), str(n), cast(UnmappedKind, k), str(r), int(c))
            for s, n, k, r, c in result.fetchall()
        ]

    def skipped(self) -> list[tuple[str, Skipped]]:
        result = self._db.execute("SELECT scope, reason, item_count, examples FROM skipped")
        merged: dict[tuple[str, str], tuple[int, list[str]]] = {}
        for scope, reason, count, examples in result.fetchall():
            total, seen = merged.get((scope, reason), (0, []))
            for example in orjson.loads(examples):
                if example not in seen and len(seen) < 3:
                    seen.append(example)
            merged[(scope, reason)] = (total + int(count), seen)
        return [
            (scope, Skipped(reason, count, tuple(examples)))
            for (scope, reason), (count, examples) in sorted(merged.items())
        ]

    def coverage(self) -> Coverage:
        records, files = self._db.execute(
            "SELECT COALESCE(SUM(records), 0), COALESCE(SUM(files), 0) FROM loads"
        ).fetchone() or (0, 0)
        first, last = self._db.execute("SELECT MIN(first_seen), MAX(last_seen) FROM usage").fetchone() or (
            None,
            None,
        )
        return Coverage(int(records), int(files), first, last)

    def data_event_services(self) -> set[str]:
        """Service prefixes for which data events were recorded (so their absence means something)."""
        result = self._db.execute(
            "SELECT DISTINCT split_part(action, ':', 1) FROM usage WHERE category = 'Data'"
        )
        return {str(prefix) for (prefix,) in result.fetchall()}


def _window(principal: str | None, since: str | None, until: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if principal:
        clauses.append("principal = ?")
        params.append(principal)
    if since:
        clauses.append("day >= ?")
        params.append(since[:10])
    if until:
        clauses.append("day <= ?")
        params.append(until[:10])
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _row(values: tuple[Any, ...]) -> UsageRow:
    principal, kind, subject, via, action, resource, outcome, error_code, inferred, category = map(
        str, values[:10]
    )
    extra, day, count, first, last = values[10:]
    return UsageRow(
        principal,
        kind,
        subject,
        via,
        action,
        resource,
        cast(Outcome, outcome),
        error_code,
        inferred,
        category,
        bool(extra),
        str(day),
        int(count),
        str(first),
        str(last),
    )
