"""The msgspec fast path gives exactly the keys of the general path, or steps aside."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from ct_helpers import event, role_identity
from test_sql import EDGE_CASES

from polp.usage.fast import add_document
from polp.usage.raw import RawAggregate, add_records


def _both(records: list[Any]) -> tuple[RawAggregate | None, RawAggregate, Counter[str], Counter[str]]:
    fast: RawAggregate = {}
    general: RawAggregate = {}
    fast_skips: Counter[str] = Counter()
    general_skips: Counter[str] = Counter()
    used = add_document(orjson.dumps({"Records": records}), fast, fast_skips)
    add_records(records, general, general_skips)
    return (fast if used is not None else None), general, fast_skips, general_skips


def test_same_keys_on_the_corpus(ct_dir: Path) -> None:
    for path in sorted(ct_dir.glob("2*.json")):
        data = path.read_bytes()
        fast: RawAggregate = {}
        assert add_document(data, fast, Counter()) is not None, path
        general: RawAggregate = {}
        add_records(orjson.loads(data)["Records"], general, Counter())
        assert fast == general, path


def test_same_keys_and_skips_where_the_schema_fits() -> None:
    records = [
        event(userIdentity=role_identity(web={"federatedProvider": "p"})),
        event(eventSource=""),
        event(eventTime="2024"),
        event(userIdentity=None),
        event(
            requestParameters={
                "bucketName": "b",
                "key": 7,
                "name": False,
                "roleArn": None,
                "queueUrl": "{x",
                "x-amz-copy-source": "a/b",
                "tableName": {"nested": 1},
                "other": [1, 2],
            }
        ),
        event(resources=[{"ARN": 5}, {"type": "t"}, {"ARN": "arn:aws:s3:::b"}, {"ARN": "arn:aws:s3:::d"}]),
    ]
    fast, general, fast_skips, general_skips = _both(records)
    assert fast == general and fast_skips == general_skips


def test_documents_outside_the_schema_take_the_general_path() -> None:
    for odd in (
        event(eventName=5),
        event(userIdentity="root"),
        event(resources="x"),
        event(requestParameters="x"),
        "not a record",
        event(userIdentity={"type": 3}),
    ):
        fast, _, _, _ = _both([event(), odd])
        assert fast is None
    assert add_document(b'{"Records": [', {}, Counter()) is None


def test_edge_cases_agree_or_step_aside() -> None:
    fast, general, _, _ = _both(EDGE_CASES)
    assert fast is None or fast == general
