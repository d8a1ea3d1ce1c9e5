"""Stage one: group CloudTrail records by a fixed set of columns and count them.

The columns are the same whether the grouping runs here, in Python, over streamed files, or as SQL
(:mod:`polp.usage.sql`) on the engine that holds the logs; the tests prove both give the same groups.
Only what the mapping needs is kept: the identity (an assumed-role session already reduced to its
role, so that session names do not multiply the groups), the event, the error code, the day, the first
ARNs of ``resources[]`` and the request parameters that name resources (:data:`HINT_KEYS`).

This module is the hot loop of ``polp usage``: it touches each record once, with no per-record objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar

import orjson

#: Identity and event columns, in key order. Documented with the SQL that computes them in sql.py.
BASE_COLUMNS: tuple[str, ...] = (
    "identity_type",
    "identity_arn",
    "principal_id",
    "identity_account",
    "invoked_by",
    "web_provider",
    "event_source",
    "event_name",
    "event_type",
    "event_category",
    "region",
    "account",
    "error_code",
    "day",
)

#: How many ARNs of ``resources[]`` are kept, in the order CloudTrail lists them.
RESOURCE_SLOTS = 3
RESOURCE_COLUMNS: tuple[str, ...] = tuple(f"resource_{i + 1}" for i in range(RESOURCE_SLOTS))

#: Top-level ``requestParameters`` keys that name resources (or roles passed to a service).
HINT_KEYS: tuple[str, ...] = (
    "bucketName",
    "key",
    "roleName",
    "roleArn",
    "userName",
    "groupName",
    "policyArn",
    "instanceProfileName",
    "functionName",
    "name",
    "secretId",
    "keyId",
    "logGroupName",
    "logStreamName",
    "repositoryName",
    "trainingJobName",
    "modelName",
    "endpointName",
    "endpointConfigName",
    "processingJobName",
    "transformJobName",
    "hyperParameterTuningJobName",
    "modelPackageGroupName",
    "modelPackageName",
    "pipelineName",
    "notebookInstanceName",
    "featureGroupName",
    "experimentName",
    "trialName",
    "trialComponentName",
    "projectName",
    "domainId",
    "userProfileName",
    "spaceName",
    "stackName",
    "tableName",
    "queueUrl",
    "topicArn",
    "stateMachineArn",
    "clusterName",
    "cluster",
    "jobQueue",
    "jobDefinition",
    "jobName",
    "crawlerName",
    "databaseName",
    "workGroup",
    "instanceId",
    "volumeId",
    "snapshotId",
    "imageId",
    "vpcId",
    "subnetId",
    "groupId",
    "dBInstanceIdentifier",
    "modelId",
    "resourceArn",
    "trailName",
    "alarmName",
    "executionRoleArn",
    "role",
    "serviceRole",
    "documentName",
    "copySource",
)
HINT_COLUMNS: tuple[str, ...] = tuple(f"rp_{key.lower()}" for key in HINT_KEYS)

KEY_COLUMNS: tuple[str, ...] = BASE_COLUMNS + RESOURCE_COLUMNS + HINT_COLUMNS
STAT_COLUMNS: tuple[str, ...] = ("event_count", "first_seen", "last_seen")
COLUMN_INDEX: dict[str, int] = {name: i for i, name in enumerate(KEY_COLUMNS)}

#: S3 records the copy source under a header name; it is kept as ``copySource``.
_HINT_ALIASES = {"x-amz-copy-source": "copySource"}
_HINT_SLOT: dict[str, int] = {key: i for i, key in enumerate(HINT_KEYS)}
for _alias, _target in _HINT_ALIASES.items():
    _HINT_SLOT[_alias] = _HINT_SLOT.pop(_target)
_FEDERATED_TYPES = frozenset({"WebIdentityUser", "SAMLUser"})

#: A stage-one key: the BASE_COLUMNS values, then the ``resources[]`` ARNs (a tuple of
#: RESOURCE_SLOTS values, or None) and the hints present (``(key, value)`` pairs in HINT_KEYS order,
#: or None). Sparse, because hashing it is the inner loop; :func:`dense` gives one value per column.
RawKey = tuple[Any, ...]
#: ``[count, first_seen, last_seen]``, mutable for speed while aggregating.
RawStats = list[Any]
RawAggregate = dict[RawKey, RawStats]
#: The key of an aggregate: a RawKey, or a usage key (see :mod:`polp.usage.aggregate`).
_K = TypeVar("_K")

_HINT_SET = frozenset(_HINT_SLOT)
_BASE = len(BASE_COLUMNS)


def _scalar(value: object) -> str | None:
    """The text SQL's ``json_extract_scalar`` gives for a JSON value (None for objects and arrays).

    A string that starts like JSON (``{``, ``[``) counts as absent, as in sql.py, where some engines
    cannot tell it from an object; no resource name starts so.
    """
    kind = type(value)
    if kind is str:
        return None if value[:1] in ("{", "[") else value  # type: ignore[index,return-value]
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return orjson.dumps(value).decode()
    return None


def _hints(params: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    found = params.keys() & _HINT_SET
    if not found:
        return None
    pairs: list[tuple[int, str, str]] = []
    for param in found:
        value = _scalar(params[param])
        if value is not None:
            slot = _HINT_SLOT[param]
            pairs.append((slot, HINT_KEYS[slot], value))
    if not pairs:
        return None
    pairs.sort()
    return tuple((key, value) for _, key, value in pairs)


def record_key(record: object) -> RawKey | str:
    """The stage-one key of one record, or the reason it cannot be used.

    Written flat on purpose: it runs once per record and function calls would dominate its cost.
    Values of the wrong JSON type count as absent, as the typed SQL table would have them.
    """
    if type(record) is not dict:
        return "record is not a JSON object"
    get = record.get
    source = get("eventSource")
    name = get("eventName")
    time = get("eventTime")
    identity = get("userIdentity")
    if type(source) is not str or not source:
        return "record lacks eventSource"
    if type(name) is not str or not name:
        return "record lacks eventName"
    if type(time) is not str or len(time) < 10:
        return "record lacks eventTime"
    if type(identity) is not dict:
        return "record lacks userIdentity"
    iget = identity.get
    kind = iget("type")
    if type(kind) is not str:
        kind = None
    arn = iget("arn")
    if type(arn) is not str:
        arn = None
    web = None
    context = iget("sessionContext")
    if context and type(context) is dict:
        if kind == "AssumedRole":
            issuer = context.get("sessionIssuer")
            if issuer and type(issuer) is dict:
                issuer_arn = issuer.get("arn")
                if issuer_arn and type(issuer_arn) is str:
                    arn = issuer_arn
        federation = context.get("webIdFederationData")
        if federation and type(federation) is dict:
            web = federation.get("federatedProvider")
            if type(web) is not str:
                web = None
    principal_id = iget("principalId") if kind in _FEDERATED_TYPES else None
    account = iget("accountId")
    invoked_by = iget("invokedBy")
    event_type = get("eventType")
    category = get("eventCategory")
    region = get("awsRegion")
    recipient = get("recipientAccountId")
    error = get("errorCode")
    resources = get("resources")
    listed = None
    if resources and type(resources) is list:
        slots: list[str | None] = [None] * RESOURCE_SLOTS
        for i, item in enumerate(resources[:RESOURCE_SLOTS]):
            if type(item) is dict:
                value = item.get("ARN")
                slots[i] = value if type(value) is str else None
        listed = tuple(slots) if any(v is not None for v in slots) else None
    params = get("requestParameters")
    return (
        kind,
        arn,
        principal_id if type(principal_id) is str else None,
        account if type(account) is str else None,
        invoked_by if type(invoked_by) is str else None,
        web,
        source,
        name,
        event_type if type(event_type) is str else None,
        category if type(category) is str else None,
        region if type(region) is str else None,
        recipient if type(recipient) is str else None,
        error if type(error) is str else None,
        time[:10],
        listed,
        _hints(params) if params and type(params) is dict else None,
    )


def add_records(records: Iterable[object], into: RawAggregate, skipped: Counter[str]) -> int:
    """Add records to an aggregate; count the unusable ones in ``skipped``. Returns records used."""
    used = 0
    key_of = record_key
    for record in records:
        key = key_of(record)
        if type(key) is str:
            skipped[key] += 1
            continue
        time: str = record["eventTime"]  # type: ignore[index]
        stats = into.get(key)  # type: ignore[arg-type]
        if stats is None:
            into[key] = [1, time, time]  # type: ignore[index]
        else:
            stats[0] += 1
            if time < stats[1]:
                stats[1] = time
            elif time > stats[2]:
                stats[2] = time
        used += 1
    return used


def dense(key: RawKey) -> tuple[str | None, ...]:
    """The key with one value per column of KEY_COLUMNS (as SQL returns it)."""
    listed = key[_BASE] or (None,) * RESOURCE_SLOTS
    hints: list[str | None] = [None] * len(HINT_KEYS)
    for name, value in key[_BASE + 1] or ():
        hints[HINT_KEYS.index(name)] = value
    return (*key[:_BASE], *listed, *hints)


def from_dense(values: tuple[str | None, ...] | list[str | None]) -> RawKey:
    """The sparse key of a row with one value per column of KEY_COLUMNS."""
    listed = tuple(values[_BASE : _BASE + RESOURCE_SLOTS])
    hint_values = values[_BASE + RESOURCE_SLOTS :]
    hints = tuple((k, v) for k, v in zip(HINT_KEYS, hint_values, strict=True) if v is not None)
    return (*values[:_BASE], listed if any(v is not None for v in listed) else None, hints or None)


def add_stats(into: dict[_K, list[Any]], key: _K, count: int, first: str, last: str) -> None:
    """Add a group's count and first and last seen to ``into`` (a raw or a usage aggregate)."""
    stats = into.get(key)
    if stats is None:
        into[key] = [count, first, last]
    else:
        stats[0] += count
        if first < stats[1]:
            stats[1] = first
        if last > stats[2]:
            stats[2] = last


def merge(into: dict[_K, list[Any]], other: dict[_K, list[Any]]) -> None:
    """Merge ``other`` into ``into`` (counts add, first and last seen widen)."""
    for key, (count, first, last) in other.items():
        add_stats(into, key, count, first, last)
