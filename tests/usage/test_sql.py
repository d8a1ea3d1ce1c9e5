"""The SQL path gives the same aggregate as the streaming path (DuckDB over the standard table)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
import sqlglot
from ct_helpers import event, role_identity

from polp.errors import InputError, UsageError
from polp.usage.aggregate import UsageAggregator
from polp.usage.athena import AthenaOptions, run_query
from polp.usage.commands import UsageSource, sql_command, usage_command
from polp.usage.query_result import raw_groups, read_result_file
from polp.usage.raw import KEY_COLUMNS, STAT_COLUMNS, RawAggregate, add_records, dense, from_dense
from polp.usage.records import SkipLog
from polp.usage.sql import DIALECTS, Dialect, aggregation_sql
from polp.usage.standard_table import create_table, load_records

EDGE_CASES: list[dict[str, Any]] = [
    event(
        userIdentity=role_identity(
            web={
                "federatedProvider": "arn:aws:iam::111122223333:oidc-provider/x",
                "attributes": {"aud": "sts"},
            }
        )
    ),
    event(
        userIdentity={"type": "WebIdentityUser", "principalId": "accounts.google.com:a:b", "userName": "b"},
        eventSource="sts.amazonaws.com",
        eventName="AssumeRoleWithWebIdentity",
        requestParameters={"roleArn": "arn:aws:iam::111122223333:role/w"},
    ),
    event(
        userIdentity={
            "type": "AssumedRole",
            "arn": "arn:aws:sts::1:assumed-role/R/s",
            "sessionContext": {"sessionIssuer": {"arn": ""}},
        }
    ),
    event(
        userIdentity={"accountId": "1", "invokedBy": "secretsmanager.amazonaws.com"},
        eventType="AwsServiceEvent",
    ),
    event(
        resources=[
            {"type": "AWS::S3::Object"},
            {"ARN": "arn:aws:s3:::b"},
            {"ARN": "arn:aws:s3:::c"},
            {"ARN": "arn:aws:s3:::fourth"},
        ]
    ),
    event(resources=[]),
    event(
        requestParameters={
            "bucketName": "b",
            "key": 42,
            "name": True,
            "roleArn": 1.5,
            "keyId": None,
            "secretId": {"nested": 1},
            "functionName": ["x"],
            "x-amz-copy-source": "a/b",
            "topicArn": "{looks like json",
            "queueUrl": "",
        }
    ),
    event(requestParameters="not an object"),
    event(errorCode="AccessDenied", eventTime="2024-05-03T23:59:59Z"),
    event(eventCategory=None, awsRegion=None, recipientAccountId=None),
]


def _sql_aggregate(records: list[dict[str, Any]], dialect: Dialect = "duckdb") -> RawAggregate:
    db = duckdb.connect()
    create_table(db)
    load_records(db, records)
    sql = aggregation_sql("cloudtrail_logs", "duckdb")
    if dialect != "duckdb":  # a query rendered for another engine, read back into DuckDB's dialect
        sql = sqlglot.transpile(aggregation_sql("cloudtrail_logs", dialect), read=dialect, write="duckdb")[0]
    rows = db.execute(sql).fetchall()
    return {from_dense(row[: len(KEY_COLUMNS)]): list(row[len(KEY_COLUMNS) :]) for row in rows}


def _stream_aggregate(records: list[dict[str, Any]]) -> RawAggregate:
    aggregate: RawAggregate = {}
    add_records(records, aggregate, Counter())
    return aggregate


def test_sql_equals_streaming_on_the_real_corpus(ct_records: list[dict[str, Any]]) -> None:
    streamed = _stream_aggregate(ct_records)
    assert sum(stats[0] for stats in streamed.values()) == len(ct_records)
    assert _sql_aggregate(ct_records) == streamed


def test_sql_equals_streaming_on_edge_cases() -> None:
    assert _sql_aggregate(EDGE_CASES) == _stream_aggregate(EDGE_CASES)


@pytest.mark.parametrize("dialect", ["athena", "trino", "spark"])
def test_other_dialects_mean_the_same(ct_records: list[dict[str, Any]], dialect: Dialect) -> None:
    # Spark's GET_JSON_OBJECT tolerates bad JSON where DuckDB, reading the query back, would not.
    edge = [r for r in EDGE_CASES if not isinstance(r["requestParameters"], str)]
    records = ct_records[:400] + edge
    assert _sql_aggregate(records, dialect) == _stream_aggregate(records)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rendered_sql_parses_and_groups_explicitly(dialect: Dialect) -> None:
    sql = aggregation_sql("db.cloudtrail_logs", dialect)
    tree = sqlglot.parse_one(sql, read=dialect)
    group = tree.args["group"]
    assert len(group.expressions) == len(KEY_COLUMNS)
    assert [e.alias_or_name for e in tree.expressions] == list(KEY_COLUMNS + STAT_COLUMNS)


def test_window_and_table_name_are_validated() -> None:
    from datetime import date

    sql = aggregation_sql("cloudtrail_logs", "athena", date(2024, 5, 1), date(2024, 5, 2))
    assert "eventtime >= '2024-05-01'" in sql
    with pytest.raises(UsageError):
        aggregation_sql("logs; DROP TABLE x", "athena")
    with pytest.raises(UsageError):
        aggregation_sql("logs", "oracle")  # type: ignore[arg-type]


def test_dense_and_sparse_keys_round_trip(ct_records: list[dict[str, Any]]) -> None:
    for key in _stream_aggregate(ct_records + EDGE_CASES):
        assert from_dense(dense(key)) == key


def _as_csv(aggregate: RawAggregate) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(KEY_COLUMNS + STAT_COLUMNS)
    for key, stats in aggregate.items():
        writer.writerow(["" if v is None else v for v in dense(key)] + stats)
    return buffer.getvalue()


def test_query_result_file_gives_the_same_usage(ct_records: list[dict[str, Any]], tmp_path: Path) -> None:
    sql_side = _sql_aggregate(ct_records)
    path = tmp_path / "result.csv"
    path.write_text(_as_csv(sql_side))
    from_file = UsageAggregator()
    skips = SkipLog()
    from_file.add(raw_groups(read_result_file(str(path)), skips, str(path)))
    streamed = UsageAggregator()
    streamed.add(_stream_aggregate(ct_records))
    assert from_file.rows == streamed.rows
    assert from_file.unmapped == streamed.unmapped
    assert not skips.records


def test_query_result_json_lines_and_bad_rows(tmp_path: Path) -> None:
    aggregate = _stream_aggregate(EDGE_CASES)
    lines = [
        orjson.dumps(dict(zip(KEY_COLUMNS + STAT_COLUMNS, [*dense(k), *v], strict=True)))
        for k, v in aggregate.items()
    ]
    bad = dict(
        zip(KEY_COLUMNS + STAT_COLUMNS, [*dense(next(iter(aggregate))), "many", "x", "y"], strict=True)
    )
    path = tmp_path / "result.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(bad), b"{oops"]))
    skips = SkipLog()
    groups = list(raw_groups(read_result_file(str(path)), skips, "r"))
    assert len(groups) == len(aggregate)
    assert set(skips.records) == {
        "query result: event_count is not a number",
        f"query result: line {len(lines) + 2} is not valid JSON",
    }


def test_a_result_of_another_query_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="missing columns"):
        list(raw_groups(read_result_file(str(path)), SkipLog(), str(path)))


def test_usage_command_from_query_result(ct_records: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "result.csv"
    path.write_text(_as_csv(_sql_aggregate(ct_records)))
    out, err = io.StringIO(), io.StringIO()
    assert usage_command(UsageSource(query_result=str(path)), output_format="json", out=out, err=err) == 0
    report = orjson.loads(out.getvalue())
    assert report["summary"]["records"] == len(ct_records)
    bad, err = tmp_path / "bad.csv", io.StringIO()
    bad.write_text("x\n")
    assert usage_command(UsageSource(query_result=str(bad)), out=io.StringIO(), err=err) == 2
    assert "missing columns" in err.getvalue()


def test_sql_command_prints_each_dialect() -> None:
    for dialect in DIALECTS:
        out = io.StringIO()
        assert sql_command(dialect=dialect, out=out) == 0
        assert "GROUP BY" in out.getvalue()
    assert sql_command(dialect="oracle", out=io.StringIO(), err=io.StringIO()) == 3


class _FakeAthena:
    """Just enough of boto3's Athena client to run the query path without AWS."""

    def __init__(self, rows: list[list[str | None]], state: str = "SUCCEEDED") -> None:
        self.rows, self.state, self.polls, self.sql = rows, state, 0, ""

    def start_query_execution(self, **request: Any) -> dict[str, str]:
        self.sql = request["QueryString"]
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        self.polls += 1
        state = "RUNNING" if self.polls == 1 else self.state
        return {"QueryExecution": {"Status": {"State": state, "StateChangeReason": "boom"}}}

    def get_paginator(self, _name: str) -> Any:
        rows = self.rows

        class _Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                data = [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in rows]
                return [{"ResultSet": {"Rows": data[:2]}}, {"ResultSet": {"Rows": data[2:]}}]

        return _Pages()


def test_athena_rows_feed_the_same_groups() -> None:
    aggregate = _stream_aggregate(EDGE_CASES)
    rows: list[list[str | None]] = [list(KEY_COLUMNS + STAT_COLUMNS)]
    rows += [[*dense(k), str(v[0]), v[1], v[2]] for k, v in aggregate.items()]
    fake = _FakeAthena(rows)
    fetched = list(run_query("SELECT 1", AthenaOptions(database="db"), client=fake, sleep=lambda _s: None))
    from_athena, streamed = UsageAggregator(), UsageAggregator()
    from_athena.add(raw_groups(fetched, SkipLog(), "athena"))
    streamed.add(aggregate)
    assert from_athena.rows == streamed.rows and from_athena.records == streamed.records
    with pytest.raises(InputError, match="failed: boom"):
        list(run_query("SELECT 1", AthenaOptions(), client=_FakeAthena([], "FAILED"), sleep=lambda _s: None))
