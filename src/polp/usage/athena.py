"""Running the stage-one SQL on Amazon Athena through boto3 (optional: ``pip install polp[aws]``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from polp.errors import InputError

_DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


@dataclass(frozen=True, slots=True)
class AthenaOptions:
    """Where the standard CloudTrail table lives and where Athena may write its result."""

    table: str = "cloudtrail_logs"
    database: str | None = None
    workgroup: str | None = None
    output_location: str | None = None
    region: str | None = None
    poll_seconds: float = 2.0
    timeout_seconds: float = 1800.0


def _client(options: AthenaOptions) -> Any:
    try:
        import boto3
    except ImportError:
        raise InputError("--athena needs boto3: pip install 'polp[aws]'") from None
    return boto3.client("athena", region_name=options.region)


def run_query(
    sql: str, options: AthenaOptions, client: Any = None, sleep: Callable[[float], None] = time.sleep
) -> Iterator[dict[str, str | None]]:
    """Run ``sql`` and yield its rows as ``{column: value}`` (None for NULL)."""
    athena = client if client is not None else _client(options)
    request: dict[str, Any] = {"QueryString": sql}
    if options.database:
        request["QueryExecutionContext"] = {"Database": options.database}
    if options.workgroup:
        request["WorkGroup"] = options.workgroup
    if options.output_location:
        request["ResultConfiguration"] = {"OutputLocation": options.output_location}
    try:
        query_id = athena.start_query_execution(**request)["QueryExecutionId"]
        waited = 0.0
        while True:
            status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
            if status["State"] in _DONE:
                break
            if waited >= options.timeout_seconds:
                raise InputError(f"Athena query {query_id} did not finish in {options.timeout_seconds:.0f} s")
            sleep(options.poll_seconds)
            waited += options.poll_seconds
        if status["State"] != "SUCCEEDED":
            raise InputError(
                f"Athena query {query_id} {status['State'].lower()}: "
                f"{status.get('StateChangeReason', 'no reason given')}"
            )
        header: list[str] | None = None
        for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
            for row in page["ResultSet"]["Rows"]:
                values = [cell.get("VarCharValue") for cell in row["Data"]]
                if header is None:
                    header = [str(v) for v in values]
                    continue
                yield dict(zip(header, values, strict=False))
    except InputError:
        raise
    except Exception as exc:  # botocore's errors: credentials, permissions, throttling
        raise InputError(f"Athena: {exc}") from None
