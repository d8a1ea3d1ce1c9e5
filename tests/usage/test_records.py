"""Reading CloudTrail in every shape it comes in, and counting what is broken instead of crashing."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import orjson
import pytest
from ct_helpers import event

from polp.usage.ingest import Batch, ingest, scan_batch
from polp.usage.raw import add_records
from polp.usage.records import LogFileError, SkipLog, discover, read_log_file
from polp.usage.store import UsageStore


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def _records(path: str) -> tuple[list[object], Counter[str]]:
    problems: Counter[str] = Counter()
    return list(read_log_file(path, problems)), problems


def test_delivery_file_plain_and_gzipped(tmp_path: Path) -> None:
    document = orjson.dumps({"Records": [event(), event(eventName="GetObject")]})
    for name, data in (("a.json", document), ("b.json.gz", gzip.compress(document))):
        records, problems = _records(_write(tmp_path / name, data))
        assert len(records) == 2 and not problems


def test_lookup_events_output(tmp_path: Path) -> None:
    data = orjson.dumps(
        {
            "Events": [
                {
                    "EventId": "1",
                    "EventName": "ListBuckets",
                    "CloudTrailEvent": orjson.dumps(event()).decode(),
                },
                {"EventId": "2", "EventName": "broken"},
                {"EventId": "3", "CloudTrailEvent": "{not json"},
            ]
        }
    )
    records, problems = _records(_write(tmp_path / "lookup.json", data))
    assert len(records) == 1
    assert problems == {
        "lookup-events entry lacks CloudTrailEvent": 1,
        "lookup-events CloudTrailEvent is not valid JSON": 1,
    }


def test_json_lines_bare_and_eventbridge(tmp_path: Path) -> None:
    lines = [
        orjson.dumps(event()),
        orjson.dumps(
            {
                "version": "0",
                "detail-type": "AWS API Call via CloudTrail",
                "source": "aws.s3",
                "detail": event(eventName="PutObject"),
            }
        ),
        b"",
        b"{truncated",
        orjson.dumps({"something": "else"}),
    ]
    records, problems = _records(_write(tmp_path / "events.jsonl", b"\n".join(lines)))
    assert [r["eventName"] for r in records] == ["ListBuckets", "PutObject"]  # type: ignore[index]
    assert problems["invalid JSON line"] == 1
    assert sum(problems.values()) == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(orjson.dumps({"Records": [event()] * 50}))[:-20], "truncated gzip data"),
        (b"\x1f\x8b\x08\x00garbage-garbage", "corrupt gzip data"),
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"this is not json", "not JSON (or truncated JSON)"),
        (b'{"Records": [{"eventName": "x"', "not JSON (or truncated JSON)"),
        (orjson.dumps({"Records": {"not": "a list"}}), "not CloudTrail: Records is not a list"),
        (orjson.dumps({"Policy": {}}), "not CloudTrail: a JSON object without Records, Events or an event"),
        (orjson.dumps("a string"), "not CloudTrail: the JSON is not an object"),
        (
            orjson.dumps({"digestStartTime": "x", "awsAccountId": "1"}),
            "CloudTrail digest file (holds no events)",
        ),
    ],
)
def test_broken_files_raise_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = _write(tmp_path / "broken.json.gz", data)
    with pytest.raises(LogFileError) as raised:
        list(read_log_file(path, Counter()))
    assert reason in str(raised.value)


def test_records_lacking_fields_are_counted_by_reason() -> None:
    hostile: list[object] = [
        event(),
        "a string",
        None,
        42,
        {"eventName": "x"},
        event(eventSource=None),
        event(eventSource=""),
        event(eventName=7),
        event(eventTime="2024"),
        event(eventTime=None),
        event(userIdentity="root"),
        event(userIdentity={"type": 3, "arn": ["x"]}),  # wrong types count as absent, not as a crash
        event(resources="nope", requestParameters=["x"]),
        event(
            resources=[None, {"ARN": 5}, {"ARN": "arn:aws:s3:::b"}],
            requestParameters={"bucketName": {"a": 1}},
        ),
    ]
    aggregate: dict[tuple[object, ...], list[object]] = {}
    skipped: Counter[str] = Counter()
    used = add_records(hostile, aggregate, skipped)
    assert used == 4
    assert skipped == {
        "record is not a JSON object": 3,
        "record lacks eventSource": 3,
        "record lacks eventName": 1,
        "record lacks eventTime": 2,
        "record lacks userIdentity": 1,
    }


def test_discover_reports_what_it_skips(tmp_path: Path) -> None:
    tree = tmp_path / "AWSLogs" / "111122223333"
    good = _write(
        tree / "CloudTrail" / "us-east-1" / "2024" / "05" / "01" / "x.json.gz",
        gzip.compress(orjson.dumps({"Records": [event()]})),
    )
    _write(tree / "CloudTrail-Digest" / "us-east-1" / "d.json.gz", b"digest")
    _write(tree / "notes.txt", b"hello")
    skips = SkipLog()
    found = list(discover([str(tmp_path), str(tmp_path / "missing")], skips))
    assert found == [good]
    assert set(skips.files) == {
        "not a log file (expected .json, .json.gz or .jsonl)",
        "no such file or directory",
        "CloudTrail digest file (holds no events)",
    }


def test_digest_directory_is_reported(tmp_path: Path) -> None:
    _write(tmp_path / "CloudTrail-Digest" / "d.json.gz", b"x")
    skips = SkipLog()
    assert list(discover([str(tmp_path)], skips)) == []
    assert "CloudTrail digest file (holds no events)" in skips.files


def test_ingest_of_a_broken_tree_never_crashes(tmp_path: Path) -> None:
    good = orjson.dumps({"Records": [event(), event(eventName="ListBuckets"), {"broken": True}]})
    _write(tmp_path / "good.json.gz", gzip.compress(good))
    _write(tmp_path / "truncated.json.gz", gzip.compress(good)[:-10])
    _write(tmp_path / "policy.json", orjson.dumps({"Version": "2012-10-17", "Statement": []}))
    _write(tmp_path / "binary.json", bytes(range(256)))
    _write(tmp_path / "deep.json", b"[" * 5000 + b"]" * 5000)
    with UsageStore() as store:
        summary = ingest([str(tmp_path)], store, workers=2, progress=False)
        assert summary.files_read == 1
        assert summary.records == 2
        assert summary.skips.file_count == 4
        assert summary.skips.records == {"record lacks eventSource": [1, [str(tmp_path / "good.json.gz")]]}
        reasons = {s.reason for scope, s in store.skipped() if scope == "file"}
        assert "truncated gzip data" in reasons


def test_scan_batch_counts_unreadable_files(tmp_path: Path) -> None:
    result = scan_batch(Batch(0, str(tmp_path), [(str(tmp_path / "gone.json"), 0, 0)]))
    assert result.files == [] and result.skips.file_count == 1


def test_already_loaded_files_are_not_read_again(tmp_path: Path) -> None:
    _write(tmp_path / "logs" / "a.json", orjson.dumps({"Records": [event()]}))
    store_path = str(tmp_path / "usage.duckdb")
    with UsageStore(store_path) as store:
        assert ingest([str(tmp_path / "logs")], store, progress=False).files_read == 1
    _write(tmp_path / "logs" / "b.json", orjson.dumps({"Records": [event(eventTime="2024-05-02T00:00:00Z")]}))
    with UsageStore(store_path) as store:
        second = ingest([str(tmp_path / "logs")], store, progress=False)
        assert (second.files_read, second.files_already_loaded) == (1, 1)
        assert store.coverage().records == 2
        assert sum(r.count for r in store.rows()) == 2
