"""The standard CloudTrail table that AWS documents for Athena, reproduced in DuckDB.

It lets the SQL of :mod:`polp.usage.sql` run locally over the same schema Athena and Spark use, which
is how the tests prove that SQL and streaming give the same aggregate. Records are converted as the
CloudTrail SerDe does: field names matched without case, JSON objects in string columns kept as JSON
text (``requestparameters``), fields the DDL does not name dropped.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import Any

import duckdb
import orjson

_S = "VARCHAR"
_SESSION_ISSUER = {"type": _S, "principalid": _S, "arn": _S, "accountid": _S, "username": _S}
_WEB_IDENTITY = {"federatedprovider": _S, "attributes": "MAP(VARCHAR, VARCHAR)"}
_SESSION_CONTEXT = {
    "attributes": {"mfaauthenticated": _S, "creationdate": _S},
    "sessionissuer": _SESSION_ISSUER,
    "ec2roledelivery": _S,
    "webidfederationdata": _WEB_IDENTITY,
}
_USER_IDENTITY = {
    "type": _S,
    "principalid": _S,
    "arn": _S,
    "accountid": _S,
    "invokedby": _S,
    "accesskeyid": _S,
    "username": _S,
    "onbehalfof": {"userid": _S, "identitystorearn": _S},
    "sessioncontext": _SESSION_CONTEXT,
}
_RESOURCE = {"arn": _S, "accountid": _S, "type": _S}
#: Column name to type: a SQL type name, a dict for a STRUCT, a one-element list for an array.
SCHEMA: dict[str, Any] = {
    "eventversion": _S,
    "useridentity": _USER_IDENTITY,
    "eventtime": _S,
    "eventsource": _S,
    "eventname": _S,
    "awsregion": _S,
    "sourceipaddress": _S,
    "useragent": _S,
    "errorcode": _S,
    "errormessage": _S,
    "requestparameters": _S,
    "responseelements": _S,
    "additionaleventdata": _S,
    "requestid": _S,
    "eventid": _S,
    "resources": [_RESOURCE],
    "eventtype": _S,
    "apiversion": _S,
    "readonly": _S,
    "recipientaccountid": _S,
    "serviceeventdetails": _S,
    "sharedeventid": _S,
    "vpcendpointid": _S,
    "vpcendpointaccountid": _S,
    "eventcategory": _S,
}


def _sql_type(spec: Any) -> str:
    if isinstance(spec, dict):
        return "STRUCT(" + ", ".join(f"{name} {_sql_type(t)}" for name, t in spec.items()) + ")"
    if isinstance(spec, list):
        return f"{_sql_type(spec[0])}[]"
    return str(spec)


def _convert(value: Any, spec: Any) -> Any:
    if value is None:
        return None
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return None
        lowered = {str(k).lower(): v for k, v in value.items()}
        return {name: _convert(lowered.get(name), t) for name, t in spec.items()}
    if isinstance(spec, list):
        return [_convert(item, spec[0]) for item in value] if isinstance(value, list) else None
    if spec.startswith("MAP"):
        return (
            {str(k): v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else None
        )
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


def table_row(record: dict[str, Any]) -> dict[str, Any]:
    """One CloudTrail record as a row of the standard table."""
    return _convert(record, SCHEMA)  # type: ignore[no-any-return]


def create_table(db: duckdb.DuckDBPyConnection, name: str = "cloudtrail_logs") -> None:
    columns = ", ".join(f"{column} {_sql_type(spec)}" for column, spec in SCHEMA.items())
    db.execute(f"CREATE TABLE {name} ({columns})")


def load_records(db: duckdb.DuckDBPyConnection, records: Iterable[Any], name: str = "cloudtrail_logs") -> int:
    """Insert records (dicts; anything else is skipped) into the table; returns how many."""
    columns = "{" + ", ".join(f"'{c}': '{_sql_type(s)}'" for c, s in SCHEMA.items()) + "}"
    fd, path = tempfile.mkstemp(prefix="polp-ct-", suffix=".jsonl")
    count = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for record in records:
                if isinstance(record, dict):
                    handle.write(orjson.dumps(table_row(record)) + b"\n")
                    count += 1
        if count:
            db.execute(
                f"INSERT INTO {name} SELECT * FROM read_json(?, format='newline_delimited', "
                f"columns={columns})",
                [path],
            )
    finally:
        os.unlink(path)
    return count
