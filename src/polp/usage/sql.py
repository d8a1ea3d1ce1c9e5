"""The stage-one aggregation as SQL, for the engine that already holds an organization's logs.

One query, written once against the standard CloudTrail table that AWS documents for Athena
(``useridentity`` and ``resources`` as structs, ``requestparameters`` as a JSON string), rendered by
sqlglot for Athena/Trino, Spark and DuckDB. Each column is the SQL twin of what :mod:`polp.usage.raw`
computes in Python, and the GROUP BY lists every column explicitly, so both paths give the same
groups (a test runs this SQL on DuckDB over the corpus and compares).

JSON extraction differs between engines for objects and arrays (Trino returns NULL, Spark and DuckDB
the JSON text), so a value starting with ``{`` or ``[`` counts as absent everywhere, in Python too;
request parameters that are not JSON give NULL everywhere (``TRY``, which DuckDB needs).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

import sqlglot
from sqlglot import exp

from polp.errors import UsageError
from polp.usage.raw import BASE_COLUMNS, HINT_COLUMNS, HINT_KEYS, RESOURCE_COLUMNS, RESOURCE_SLOTS

Dialect = Literal["athena", "trino", "spark", "duckdb"]
DIALECTS: tuple[Dialect, ...] = ("athena", "trino", "spark", "duckdb")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")
_ISSUER_ARN = "useridentity.sessioncontext.sessionissuer.arn"
_FEDERATED = "('WebIdentityUser', 'SAMLUser')"

#: Stage-one columns as Trino SQL over the standard CloudTrail table (see raw.BASE_COLUMNS).
BASE_SQL: dict[str, str] = {
    "identity_type": "useridentity.type",
    "identity_arn": (
        f"CASE WHEN useridentity.type = 'AssumedRole' AND COALESCE({_ISSUER_ARN}, '') <> '' "
        f"THEN {_ISSUER_ARN} ELSE useridentity.arn END"
    ),
    "principal_id": f"CASE WHEN useridentity.type IN {_FEDERATED} THEN useridentity.principalid END",
    "identity_account": "useridentity.accountid",
    "invoked_by": "useridentity.invokedby",
    "web_provider": "useridentity.sessioncontext.webidfederationdata.federatedprovider",
    "event_source": "eventsource",
    "event_name": "eventname",
    "event_type": "eventtype",
    "event_category": "eventcategory",
    "region": "awsregion",
    "account": "recipientaccountid",
    "error_code": "errorcode",
    "day": "SUBSTR(eventtime, 1, 10)",
}


def _hint_sql(key: str) -> str:
    path = '$["x-amz-copy-source"]' if key == "copySource" else f"$.{key}"
    value = f"TRY(JSON_EXTRACT_SCALAR(requestparameters, '{path}'))"
    return f"CASE WHEN SUBSTR({value}, 1, 1) IN ('{{', '[') THEN NULL ELSE {value} END"


def column_sql() -> list[tuple[str, str]]:
    """Every stage-one key column with its SQL expression, in key order."""
    columns = [(name, BASE_SQL[name]) for name in BASE_COLUMNS]
    columns += [
        (name, f"ELEMENT_AT(resources, {i + 1}).arn")
        for i, name in zip(range(RESOURCE_SLOTS), RESOURCE_COLUMNS, strict=True)
    ]
    columns += [(name, _hint_sql(key)) for name, key in zip(HINT_COLUMNS, HINT_KEYS, strict=True)]
    return columns


def _table(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise UsageError(f"not a table name: {name!r} (expected name, db.name or catalog.db.name)")
    return ".".join(f'"{part}"' for part in name.split("."))


def aggregation_sql(
    table: str = "cloudtrail_logs",
    dialect: Dialect = "athena",
    since: date | None = None,
    until: date | None = None,
) -> str:
    """The stage-one query for ``dialect``; ``since``/``until`` bound ``eventtime`` by day, inclusive."""
    if dialect not in DIALECTS:
        raise UsageError(f"unknown SQL dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    columns = column_sql()
    select = ",\n  ".join(f"{expression} AS {name}" for name, expression in columns)
    group = ",\n  ".join(expression for _, expression in columns)
    where = [
        "eventsource IS NOT NULL",
        "eventsource <> ''",
        "eventname IS NOT NULL",
        "eventname <> ''",
        "eventtime IS NOT NULL",
        "LENGTH(eventtime) >= 10",
        "useridentity IS NOT NULL",
    ]
    if since is not None:
        where.append(f"eventtime >= '{since.isoformat()}'")
    if until is not None:
        where.append(f"SUBSTR(eventtime, 1, 10) <= '{until.isoformat()}'")
    query = (
        f"SELECT\n  {select},\n  COUNT(*) AS event_count,\n  MIN(eventtime) AS first_seen,\n"
        f"  MAX(eventtime) AS last_seen\nFROM {_table(table)}\nWHERE {' AND '.join(where)}\n"
        f"GROUP BY\n  {group}"
    )
    tree = sqlglot.parse_one(query, read="trino")
    if dialect == "spark":  # Spark has no TRY(); its GET_JSON_OBJECT already gives NULL for bad JSON
        tree = tree.transform(lambda node: node.this if isinstance(node, exp.Try) else node)
    return tree.sql(dialect=dialect, pretty=True)
