"""The streaming path (workers, cheap keys, S3 objects mapped once per group, bulk load) stores exactly
the usage that the general path maps record by record."""

from __future__ import annotations

import gzip
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from ct_helpers import event, role_identity
from hypothesis import given, settings
from hypothesis import strategies as st

from polp.usage import ingest as ingest_module
from polp.usage.aggregate import NAME_MARKS, UsageAggregator
from polp.usage.fast import OBJECT_KEY, PLAIN_OBJECT_KEY, Scan, raw_key, with_object_key
from polp.usage.ingest import ingest
from polp.usage.raw import RawAggregate, add_records
from polp.usage.store import UsageStore

ACCOUNT = "111122223333"
#: Object keys that must not resolve as a plain key would: wildcards, policy variables, control
#: characters, JSON-like (taken as absent), ARN-like, empty; and plain ones with awkward characters.
ODD_KEYS = [
    "data/part-*.parquet",
    "what?",
    "${aws:username}/x",
    "line\nbreak",
    "nul\x00byte",
    "cr\rx",
    '{"json": 1}',
    "[list]",
    "arn:aws:s3:::other/key",
    "",
    "a,b\"c'd\\e",
    "ünïcødé/😀/ключ",
    "colon:in:key",
    "//double//slash/",
    " leading space",
    "arn",
]


def _s3(name: str, bucket: str, key: str | None, day: int = 1, **fields: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com"}
    resources = [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}", "accountId": ACCOUNT}]
    if key is not None:
        params["key"] = key
        resources.insert(0, {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
    record = event(
        eventSource="s3.amazonaws.com",
        eventName=name,
        eventCategory="Data",
        eventTime=f"2024-05-{day:02d}T{random.randrange(24):02d}:00:00Z",
        userIdentity=role_identity(random.choice(["trainer", "scorer"])),
        requestParameters=params,
        resources=resources,
    )
    record.update(fields)
    return record


def _records(seed: int = 7) -> list[dict[str, Any]]:
    random.seed(seed)
    records: list[dict[str, Any]] = []
    for i in range(600):
        key = f"train/v{i % 3}/part-{random.randrange(40):03d}.parquet"
        name = random.choice(["GetObject", "GetObject", "HeadObject", "PutObject", "DeleteObject"])
        records.append(_s3(name, random.choice(["data", "models"]), key, day=1 + i % 3))
    for key in ODD_KEYS:
        records.append(_s3("GetObject", "data", key))
        records.append(_s3("PutObject", "data", key, errorCode="AccessDenied"))
    records += [
        _s3("ListObjectsV2", "data", None),
        _s3("GetObject", "data", "k", resources=None),  # the ARN comes from the request
        _s3("GetObject", "data", "k", resources=[]),
        _s3(
            "GetObject",
            "data",
            "k",
            resources=[{"ARN": "arn:aws-cn:s3:::data/k"}, {"ARN": "arn:aws:s3:::data"}],
        ),
        _s3(
            "GetObject",
            "data",
            "k2",
            resources=[{"ARN": f"arn:aws:s3:::data/k{i}"} for i in range(2, 7)],
        ),
        _s3("GetObject", "with/slash", "k"),
        _s3("GetObject", "with:colon", "k"),
        _s3("GetObject", "data", "k", requestParameters={"bucketName": "data", "key": "k", "name": "n"}),
        _s3(
            "GetObject",
            "data",
            "k",
            requestParameters={"bucketName": "data", "key": "k", "resourceArn": "arn:aws:s3:::data/k"},
        ),
        _s3(
            "CopyObject",
            "data",
            "copy",
            requestParameters={"bucketName": "data", "key": "copy", "x-amz-copy-source": "src/a%20b?v=1"},
        ),
        _s3("GetObject", "data", "k", eventName="MadeUpObjectCall"),
        _s3("GetObject", "data", "k", eventSource="example.com"),
        _s3(
            "GetObject",
            "data",
            "k",
            userIdentity={"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/ana", "accountId": ACCOUNT},
        ),
        event(
            eventSource="kms.amazonaws.com",
            eventName="Decrypt",
            requestParameters={"bucketName": "data", "key": "looks-like-s3", "keyId": "alias/x"},
        ),
        event(
            eventSource="sagemaker.amazonaws.com",
            eventName="CreateTrainingJob",
            requestParameters={
                "trainingJobName": "Churn-1",
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ml/exec",
                "resourceConfig": {"instanceCount": 1},
            },
        ),
        event(eventName="ListBuckets"),
        event(eventName="ListBuckets", eventTime="2024-05-01T23:59:59Z"),
        event(eventSource=""),  # skipped
    ]
    for name in ["churn-1", "Churn-2", "a:b", "x*", "with/slash", "", "ünï", "churn-1"]:  # names
        for source, event_name, params in (
            ("sagemaker", "DescribeTrainingJob", {"trainingJobName": name}),
            (
                "logs",
                "CreateLogStream",
                {"logGroupName": "/aws/sagemaker/Jobs", "logStreamName": f"{name}/a-1"},
            ),
            ("logs", "DescribeLogStreams", {"logGroupName": name, "logStreamNamePrefix": name}),
            ("ssm", "GetParameter", {"name": f"/ml/{name}"}),
            ("ssm", "GetParameter", {"name": name}),
            ("secretsmanager", "GetSecretValue", {"secretId": name}),
            ("lambda", "GetFunction20150331v2", {"functionName": name}),
            ("sqs", "SendMessage", {"queueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{name}"}),
            ("kms", "Decrypt", {"keyId": name or "0e5d0ab6-097e-49d8-99ef-747ce3e5f8f4"}),
            ("iam", "GetUser", {"userName": name}),
            ("iam", "GetUser", {}),
            ("ecr", "BatchGetImage", {"repositoryName": name, "registryId": ACCOUNT}),
        ):
            records.append(
                event(
                    eventSource=f"{source}.amazonaws.com",
                    eventName=event_name,
                    requestParameters=params,
                    userIdentity=random.choice([role_identity("trainer"), event()["userIdentity"]]),
                    errorCode=random.choice([None, None, "AccessDenied"]),
                )
            )
    return records


def _write_files(tmp_path: Path, records: list[dict[str, Any]], per_file: int) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    for n in range(0, len(records), per_file):
        data = orjson.dumps({"Records": records[n : n + per_file]})
        name = f"f{n:05d}.json" + (".gz" if n % 2 else "")
        (logs / name).write_bytes(gzip.compress(data) if n % 2 else data)
    return logs


def _expected(records: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], dict[Any, int]]:
    raw: RawAggregate = {}
    add_records(records, raw, Counter())
    usage = UsageAggregator()
    usage.add(raw)
    return sorted(usage.values()), usage.unmapped


def _stored(store: UsageStore) -> list[tuple[Any, ...]]:
    return sorted(store.connection.execute("SELECT * FROM usage").fetchall())


@pytest.mark.parametrize("workers", [1, 2])
def test_ingest_stores_what_the_general_path_maps(
    tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "_BATCH_FILES", 3)  # several batches, so groups span them
    records = _records()
    random.Random(1).shuffle(records)
    logs = _write_files(tmp_path, records, per_file=37)
    rows, unmapped = _expected(records)
    with UsageStore(str(tmp_path / "usage.duckdb")) as store:
        summary = ingest([str(logs)], store, workers=workers, progress=False)
        assert summary.records == len(records) - 1
        assert _stored(store) == rows
        assert {
            (e.event_source, e.event_name, e.kind, e.reason): e.count for e in store.unmapped()
        } == unmapped


def test_a_second_load_merges_into_the_first(tmp_path: Path) -> None:
    records = _records(seed=3)
    first, second = records[: len(records) // 2], records[len(records) // 2 :]
    logs = _write_files(tmp_path, first, per_file=50)
    with UsageStore(str(tmp_path / "usage.duckdb")) as store:
        ingest([str(logs)], store, workers=1, progress=False)
        for n in range(0, len(second), 50):
            (logs / f"late{n:05d}.json").write_bytes(orjson.dumps({"Records": second[n : n + 50]}))
        ingest([str(logs)], store, workers=1, progress=False)
        assert _stored(store) == _expected(records)[0]


def test_the_cheap_keys_are_the_general_keys_with_s3_objects() -> None:
    records = _records(seed=11)
    scan = Scan()
    assert scan.add_document(orjson.dumps({"Records": records}), Counter()) is not None
    expected: RawAggregate = {}
    add_records(records, expected, Counter())
    assert scan.stage_one() == expected


_KEY_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from([*'abcAZ09-_./:*?$ {}[]"\\\n\x00é😀']), max_size=12),
    st.text(alphabet="ab/:", max_size=6).map(lambda tail: "arn:" + tail),
)


@settings(max_examples=300, deadline=None)
@given(
    object_key=_KEY_TEXT,
    bucket=st.sampled_from(["data", "a/b", "a:b", "x*"]),
    name=st.sampled_from(["GetObject", "HeadObject", "PutObject", "DeleteObjects", "CopyObject", "Nope"]),
    listed=st.booleans(),
    extra=st.sampled_from([None, "resourceArn", "name", "roleArn"]),
)
def test_an_object_resolves_as_its_group_says(
    object_key: str, bucket: str, name: str, listed: bool, extra: str | None
) -> None:
    """Mapping a group once with OBJECT_KEY and putting the key back into the resources gives what
    mapping the object's own stage-one key gives, for every key the streaming path takes that way."""
    record = _s3(name, bucket, object_key)
    if not listed:
        record.pop("resources")
    if extra is not None:
        record["requestParameters"][extra] = f"arn:aws:s3:::{bucket}/{object_key}"
    scan = Scan()
    assert scan.add_document(orjson.dumps({"Records": [record]}), Counter()) == 1
    ((key, _, objects),) = list(scan.object_groups())
    assert list(objects) == [object_key]
    concrete = with_object_key(key, object_key)
    general: RawAggregate = {}
    add_records([record], general, Counter())
    assert list(general) == [concrete]
    usage = UsageAggregator()
    templates = usage.object_templates(key)
    expected = usage.mapped(concrete)
    skipped = ingest_module._one_by_one(key, objects)
    if templates is None or skipped:
        return  # mapped object by object
    assert PLAIN_OBJECT_KEY.match(object_key)
    if templates and isinstance(templates[0], str):
        assert templates == expected
        return
    assert tuple((*k[:5], k[5].replace(OBJECT_KEY, object_key), *k[6:]) for k in templates) == expected


def test_raw_key_of_a_plain_record() -> None:
    record = event(requestParameters={"roleArn": "r", "queueUrl": "{x", "other": {"a": 1}})
    scan = Scan()
    scan.add_document(orjson.dumps({"Records": [record]}), Counter())
    ((key, _),) = scan.plain.items()
    assert raw_key(key)[-1] == (("roleArn", "r"),)


_NAME_PIECES = [
    "job",
    "Churn",
    "a/b",
    "/lead",
    "x-1",
    "ü",
    " ",
    ".",
    "arn:",
    "a:b",
    "*",
    "?",
    "$",
    "\n",
    "-??????",
]


def _by_name_groups(seed: int) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Groups for every action of many services, with parameters of every kind of value."""
    from polp.iam.catalog import get_catalog
    from polp.usage.raw import HINT_KEYS
    from polp.usage.resources import _hint_names

    catalog = get_catalog()
    rng = random.Random(seed)
    services = [s for s in catalog.services() if rng.random() < 0.2] + [
        "sagemaker",
        "logs",
        "ssm",
        "s3",
        "sqs",
    ]
    shared = "churn-train-7"
    groups = []
    for service in services:
        for info in catalog.actions_of(service):
            hints: dict[str, str] = {}
            feeding = [  # the parameters that fill the action's ARN formats, and a few others
                hint
                for rt in catalog.resource_types_for(info)
                for arn_format in rt.arn_formats
                for placeholder in re.findall(r"\$\{([^}]+)\}", arn_format)
                for hint in _hint_names(placeholder)
            ]
            for hint in feeding + rng.sample(HINT_KEYS, 2):
                if rng.random() < 0.2:
                    hints[hint] = shared  # the same value in two parameters
                else:
                    hints[hint] = "".join(rng.choice(_NAME_PIECES) for _ in range(rng.randrange(1, 4)))
            order = {h: i for i, h in enumerate(HINT_KEYS)}
            listed = None
            if rng.random() < 0.2:
                listed = (f"arn:aws:{service}:us-east-1:{ACCOUNT}:thing/{shared}", None, None)
            identity: tuple[Any, ...] = (
                ("IAMUser", f"arn:aws:iam::{ACCOUNT}:user/u", None, ACCOUNT, None, None)
                if rng.random() < 0.5
                else ("AssumedRole", f"arn:aws:iam::{ACCOUNT}:role/r", None, ACCOUNT, None, None)
            )
            region = rng.choice(["us-east-1", "cn-north-1", "eu:west", None])
            key = (
                *identity,
                f"{service}.amazonaws.com",
                info.name,
                "AwsApiCall",
                "Management",
                region,
                ACCOUNT,
                rng.choice([None, "AccessDenied"]),
                "2024-05-01",
                listed,
                tuple(sorted(hints.items(), key=lambda pair: order[pair[0]])),
            )
            groups.append((key, [rng.randrange(1, 5), "2024-05-01T01", "2024-05-01T02"]))
    return groups


@pytest.mark.parametrize("seed", [1, 2])
def test_groups_mapped_once_by_name_map_as_each_would(seed: int) -> None:
    groups = _by_name_groups(seed)
    by_name, each = UsageAggregator(), UsageAggregator()
    by_name.add_by_name(groups)
    each.add(groups)
    assert by_name.rows == each.rows
    assert by_name.unmapped == each.unmapped
    assert by_name.records == each.records
    placed = [t for t in by_name._templates.values() if isinstance(t, list)]  # marks in resources
    assert len(placed) > 100  # the test reaches the path it is about


def test_values_that_make_two_resources_one_are_mapped_with_their_own() -> None:
    """Mapping merges equal resources; when putting the values back makes two equal, the marked
    group cannot stand for the group, which is mapped with its own values instead."""
    usage = UsageAggregator()
    hints = (("modelName", "v"), ("trainingJobName", "v"))
    key = (*event_key("sagemaker.amazonaws.com", "DescribeTrainingJob"), None, hints)
    assert usage._by_name(key) is not None
    abstract = (*key[:-1], tuple((name, mark) for (name, _), mark in zip(hints, NAME_MARKS, strict=False)))
    row = ("p", "role", "", "", "sagemaker:DescribeTrainingJob")
    tail = ("success", "", "", "Management", False, "2024-05-01")
    usage._templates[abstract] = [
        ((*row, f"x/{NAME_MARKS[0]}", *tail), False),
        ((*row, f"x/{NAME_MARKS[1]}", *tail), False),
    ]
    assert usage._by_name(key) is None
    usage.add_by_name([(key, [1, "a", "b"])])
    each = UsageAggregator()
    each.add([(key, [1, "a", "b"])])
    assert usage.rows == each.rows


def event_key(source: str, name: str) -> tuple[Any, ...]:
    return (
        "AssumedRole",
        f"arn:aws:iam::{ACCOUNT}:role/r",
        None,
        ACCOUNT,
        None,
        None,
        source,
        name,
        "AwsApiCall",
        "Management",
        "us-east-1",
        ACCOUNT,
        None,
        "2024-05-01",
    )
