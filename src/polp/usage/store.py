"""The local usage store: an embedded DuckDB database of aggregated usage, one row per day.

Rows are kept per day so that any window (``--since``, ``--days``) is answered by SQL without reading
the logs again. Files already loaded are remembered by path, size and modification time, so pointing
``polp usage`` at a growing log tree only reads what is new. Rows are loaded in bulk through a JSON
array file (DuckDB's row-by-row inserts are orders of magnitude slower): see :meth:`UsageStore.add_parts`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
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
_KEY = f"{_GROUP}, day"

#: The bulk-loading format: one JSON array of arrays per file (orjson writes it in one call; DuckDB
#: reads it exactly, control characters included), of the kind its name ends with.
ROWS_PART = ".rows.json"
TEMPLATES_PART = ".templates.json"
OBJECTS_PART = ".objects.json"
_CHUNK = 50_000
_READ = (
    "read_json(?, format='array', records=false, maximum_object_size=67108864, columns={'j': 'VARCHAR[]'})"
)
_NAMES = [name for name, _ in USAGE_COLUMNS]
_STATS = "j[13]::BIGINT AS n, j[14] AS f, j[15] AS l"
_ROWS_COLUMNS = (
    ", ".join(f"j[{i + 1}] AS {name}" for i, name in enumerate(_NAMES[:10]))
    + ", j[11]::BOOLEAN AS extra, j[12] AS day, "
    + _STATS
)
_OBJECT_FIELDS = "j[1]::BIGINT AS g, j[2] AS k, j[3]::BIGINT AS n, j[4] AS f, j[5] AS l"
_TEMPLATE_FIELDS = (
    "j[1]::BIGINT AS g, "
    + ", ".join(f"j[{i + 2}] AS {name}" for i, name in enumerate(_NAMES[:5]))
    + ", j[7] AS head, j[8] AS tail, "
    + ", ".join(f"j[{i + 9}] AS {name}" for i, name in enumerate(_NAMES[6:10]))
    + ", j[13]::BOOLEAN AS extra, j[14] AS day"
)
_TEMPLATE_COLUMNS = (
    ", ".join(f"t.{name}" for name in _NAMES[:5])
    + ", CASE WHEN t.tail IS NULL THEN t.head ELSE t.head || o.k || t.tail END AS resource, "
    + ", ".join(f"t.{name}" for name in _NAMES[6:12])
    + ", o.n, o.f, o.l"
)


def write_part(path: str, rows: Iterable[Sequence[Any]]) -> int:
    """Write rows (lists or tuples of strings, numbers, booleans and nulls) as one JSON array."""
    written = 0
    with open(path, "wb") as handle:
        handle.write(b"[")
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _CHUNK:
                handle.write(b"," if written else b"")
                handle.write(orjson.dumps(chunk)[1:-1])
                written += len(chunk)
                chunk = []
        if chunk:
            handle.write(b"," if written else b"")
            handle.write(orjson.dumps(chunk)[1:-1])
            written += len(chunk)
        handle.write(b"]")
    return written


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

    def add_values(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Load rows given as tuples in USAGE_COLUMNS order (the fast way, without UsageRow objects)."""
        fd, path = tempfile.mkstemp(prefix="polp-usage-", suffix=ROWS_PART)
        os.close(fd)
        try:
            written = write_part(path, rows)
            if written:
                self.add_parts([path])
        finally:
            os.unlink(path)
        return written

    def add_parts(self, paths: Sequence[str]) -> None:
        """Load usage written by :func:`write_part` in one statement, then merge it by key.

        A path ending in :data:`ROWS_PART` holds usage rows (USAGE_COLUMNS); one ending in
        :data:`TEMPLATES_PART` holds ``[group, principal, ..., action, head, tail, outcome, ...,
        day]`` and one ending in :data:`OBJECTS_PART` ``[group, object key, count, first, last]``: each
        object of a group is a row of each of the group's templates, with the resource ``head``,
        object key, ``tail`` (just ``head`` where ``tail`` is null: a resource that does not depend
        on the object).
        """
        kinds: dict[str, list[str]] = {ROWS_PART: [], TEMPLATES_PART: [], OBJECTS_PART: []}
        for path in paths:
            kinds[next(suffix for suffix in kinds if path.endswith(suffix))].append(path)
        parts: list[str] = []
        params: list[Any] = []
        if kinds[ROWS_PART]:
            parts.append(f"SELECT {_ROWS_COLUMNS} FROM {_READ}")
            params.append(kinds[ROWS_PART])
        if kinds[OBJECTS_PART] and kinds[TEMPLATES_PART]:
            parts.append(
                f"SELECT {_TEMPLATE_COLUMNS} FROM (SELECT {_OBJECT_FIELDS} FROM {_READ}) o "
                f"JOIN (SELECT {_TEMPLATE_FIELDS} FROM {_READ}) t ON o.g = t.g"
            )
            params += [kinds[OBJECTS_PART], kinds[TEMPLATES_PART]]
        if not parts:
            return
        # Writing the table is what costs: one thread does it with less CPU and memory than several.
        self._db.execute("SET threads = 1")
        try:
            self._db.execute(f"INSERT INTO usage {' UNION ALL '.join(parts)}", params)
            self.compact()
        finally:
            self._db.execute("RESET threads")

    def compact(self) -> None:
        """Merge rows that several loads (or batches of one load) wrote for the same key.

        Only the keys that occur more than once are regrouped, found by a hash of the key (rows whose
        hash occurs once hold a key that occurs once), so that DuckDB never holds a hash table of every
        row: the usage of a large load stays within the store's memory limit.
        """
        db = self._db
        db.begin()
        try:
            db.execute(
                f"CREATE OR REPLACE TEMP TABLE usage_dupes AS SELECT h FROM "
                f"(SELECT hash({_KEY}) AS h FROM usage) GROUP BY h HAVING count(*) > 1"
            )
            if db.execute("SELECT count(*) FROM usage_dupes").fetchone() != (0,):
                where = f"WHERE hash({_KEY}) IN (SELECT h FROM usage_dupes)"
                db.execute(
                    f"CREATE OR REPLACE TEMP TABLE usage_merged AS SELECT {_KEY}, SUM(event_count), "
                    f"MIN(first_seen), MAX(last_seen) FROM usage {where} GROUP BY ALL"
                )
                db.execute(f"DELETE FROM usage {where}")
                db.execute("INSERT INTO usage SELECT * FROM usage_merged")
                db.execute("DROP TABLE usage_merged")
            db.execute("DROP TABLE usage_dupes")
            db.commit()
        except BaseException:
            db.rollback()
            raise

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
