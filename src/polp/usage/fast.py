"""The fast path of stage one: decode only the fields the key needs, with msgspec, and group cheaply.

A CloudTrail record is mostly fields polp never reads (response elements, TLS details, user agents).
msgspec decodes a delivery file against a schema of the few fields :func:`polp.usage.raw.record_key`
uses and skips the rest without building Python objects for it. Each record is then counted under a
cheap key made of what msgspec gave (strings and a frozen struct of the request parameters that name
resources), and only each distinct key is turned into a stage-one key (:func:`raw_key`), which is the
same key as ``record_key`` gives for the same record.

S3 object events: the object key makes nearly every data event a group of its own, and Python work per
group is what costs most. A record whose request names a bucket and an object key is therefore counted
in two levels, under its key with the object key replaced by :data:`OBJECT_KEY` (which no decoded
string can hold) and, inside it, under the object key. Stage two then resolves the group once, with
:data:`OBJECT_KEY` standing for the object, and the object keys are put back into the resources it
gives (see :meth:`polp.usage.aggregate.UsageAggregator.object_templates`, which decides when that is
exact). Nothing is folded: every object keeps its own count and first and last seen.

Where a file does not fit the schema (a field of an unexpected type) a second schema that takes any
JSON value for the parameters and ARNs is tried, and where that fails too (anything that is not a plain
``{"Records": [...]}`` document) the caller takes the general path, which decides and reports exactly
as before.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgspec
import orjson

from polp.usage.raw import HINT_KEYS, RESOURCE_SLOTS, RawAggregate, RawKey, RawStats, add_stats, merge

#: Stands for the object key in a group of S3 object events: a lone surrogate, which neither msgspec
#: nor orjson ever decodes (both refuse it), so it cannot collide with a value from a log.
OBJECT_KEY = "\ud800"
#: CloudTrail's ARN of an S3 object is ``arn:aws:s3:::<bucket>/<key>``; others are left as they are.
S3_OBJECT_PREFIX = "arn:aws:s3:::"

_FEDERATED = frozenset({"WebIdentityUser", "SAMLUser"})
_SOURCE_KEYS = {"x-amz-copy-source": "copySource"}
_HINT_NAMES: dict[str, str] = {key: key for key in HINT_KEYS if key != "copySource"}
_HINT_NAMES.update(_SOURCE_KEYS)
_HINT_ORDER = {key: i for i, key in enumerate(HINT_KEYS)}
_HINT_SET = frozenset(_HINT_NAMES)
_BASE = 14
#: Object keys that resolve like :data:`OBJECT_KEY` would: not empty, not like JSON (taken as absent),
#: not an ARN, and without what :mod:`polp.usage.resources` refuses as unsafe (wildcards, controls).
PLAIN_OBJECT_KEY = re.compile(r"(?!arn:)[^{\[*?$\x00-\x1f\x7f][^*?$\x00-\x1f\x7f]*\Z")

# --- the typed schema: every field the key uses, as the type it has in CloudTrail -----------------


class Issuer(msgspec.Struct, gc=False):
    arn: str | None = None


class Federation(msgspec.Struct, gc=False):
    federatedProvider: str | None = None


class Context(msgspec.Struct, gc=False):
    sessionIssuer: Issuer | None = None
    webIdFederationData: Federation | None = None


class Identity(msgspec.Struct, gc=False):
    type: str | None = None
    arn: str | None = None
    principalId: str | None = None
    accountId: str | None = None
    invokedBy: str | None = None
    sessionContext: Context | None = None


class Listed(msgspec.Struct, gc=False):
    ARN: str | None = None


#: The request parameters that name resources, in HINT_KEYS order; frozen, so that it can be a key.
Params: Any = msgspec.defstruct(
    "Params",
    [
        (key, "str | None", msgspec.field(default=None, name="x-amz-copy-source"))
        if key == "copySource"
        else (key, "str | None", None)
        for key in HINT_KEYS
    ],
    frozen=True,
    gc=False,
    omit_defaults=True,
)


class Record(msgspec.Struct, gc=False):
    eventSource: str | None = None
    eventName: str | None = None
    eventTime: str | None = None
    userIdentity: Identity | None = None
    eventType: str | None = None
    eventCategory: str | None = None
    awsRegion: str | None = None
    recipientAccountId: str | None = None
    errorCode: str | None = None
    resources: list[Listed] | None = None
    requestParameters: Params | None = None


class Document(msgspec.Struct, gc=False):
    Records: list[Record]


# --- the lenient schema: any JSON value where the typed one expects a string ----------------------


class AnyListed(msgspec.Struct, gc=False):
    ARN: msgspec.Raw = msgspec.Raw(b"null")


class AnyRecord(msgspec.Struct, gc=False):
    eventSource: str | None = None
    eventName: str | None = None
    eventTime: str | None = None
    userIdentity: Identity | None = None
    eventType: str | None = None
    eventCategory: str | None = None
    awsRegion: str | None = None
    recipientAccountId: str | None = None
    errorCode: str | None = None
    resources: list[AnyListed] | None = None
    requestParameters: dict[str, msgspec.Raw] | None = None


class AnyDocument(msgspec.Struct, gc=False):
    Records: list[AnyRecord]


_TYPED = msgspec.json.Decoder(Document)
_LENIENT = msgspec.json.Decoder(AnyDocument)
_to_builtins = msgspec.to_builtins
_replace = msgspec.structs.replace


def raw_key(key: tuple[Any, ...]) -> RawKey:
    """The stage-one key of a cheap key (the fast path's, with :data:`OBJECT_KEY` kept if present)."""
    listed = key[_BASE]
    params = key[_BASE + 1]
    if type(params) is str:  # a bucket name: an S3 object event with no other parameter of note
        params = Params(bucketName=params, key=OBJECT_KEY)
    if listed is not None:
        slots: list[str | None] = list(listed)
        if OBJECT_KEY in slots:
            arn = f"{S3_OBJECT_PREFIX}{params.bucketName}/{OBJECT_KEY}"
            slots = [arn if slot == OBJECT_KEY else slot for slot in slots]
        slots += [None] * (RESOURCE_SLOTS - len(slots))
        listed = tuple(slots) if any(v is not None for v in slots) else None
    hints = None
    if params is not None:  # the fields present, in HINT_KEYS order (omit_defaults drops the others)
        hints = (
            tuple(
                [
                    (_HINT_NAMES[name], value)
                    for name, value in _to_builtins(params).items()
                    if value[:1] not in ("{", "[")
                ]
            )
            or None
        )
    return (*key[:_BASE], listed, hints)


def with_object_key(key: RawKey, object_key: str) -> RawKey:
    """The stage-one key of one object of a group keyed with :data:`OBJECT_KEY`."""
    listed = key[_BASE]
    if listed is not None:
        listed = tuple(None if v is None else v.replace(OBJECT_KEY, object_key) for v in listed)
    hints = key[_BASE + 1] or ()
    if object_key[:1] in ("{", "["):  # as the general path, which takes a JSON-like string as absent
        hints = tuple(pair for pair in hints if pair[1] != OBJECT_KEY)
    else:
        hints = tuple((name, object_key if value == OBJECT_KEY else value) for name, value in hints)
    return (*key[:_BASE], listed, hints or None)


class Scan:
    """The stage-one groups of a batch of files, counted cheaply.

    ``plain`` maps cheap keys to ``[count, first, last]``; ``objects`` maps cheap keys of S3 object
    events (with :data:`OBJECT_KEY` for the object) to the group's number and ``{object key: [group
    number, object key, count, first, last]}`` (a row as the store loads it, built once per object);
    ``raw`` holds stage-one groups counted by the lenient schema or the general path. Group numbers
    start at ``first_group``.
    """

    __slots__ = ("first_group", "objects", "plain", "raw")

    def __init__(self, first_group: int = 0) -> None:
        self.first_group = first_group
        self.plain: dict[tuple[Any, ...], list[Any]] = {}
        self.objects: dict[tuple[Any, ...], tuple[int, dict[str, list[Any]]]] = {}
        self.raw: RawAggregate = {}

    def add_document(self, data: bytes, skipped: Counter[str]) -> int | None:
        """Add a ``{"Records": [...]}`` document's records; None if it must take the general path."""
        try:
            document = _TYPED.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return _add_lenient(data, self.raw, skipped)
        return _scan(document.Records, self.plain, self.objects, self.first_group, skipped)

    def object_groups(self) -> Iterator[tuple[RawKey, int, dict[str, list[Any]]]]:
        """Each group of S3 object events: its stage-one key (with OBJECT_KEY), number and objects."""
        for key, (number, objects) in self.objects.items():
            yield raw_key(key), number, objects

    def stage_one(self) -> RawAggregate:
        """Every group as :func:`polp.usage.raw.record_key` would key it (objects one by one)."""
        out: RawAggregate = {}
        merge(out, self.raw)
        for key, stats in self.plain.items():
            add_stats(out, raw_key(key), *stats)
        for key, _, objects in self.object_groups():
            for _, object_key, count, first, last in objects.values():
                add_stats(out, with_object_key(key, object_key), count, first, last)
        return out


def add_document(data: bytes, into: RawAggregate, skipped: Counter[str]) -> int | None:
    """Add a ``{"Records": [...]}`` document's stage-one groups to ``into``; None if it must take the
    general path."""
    scan = Scan()
    used = scan.add_document(data, skipped)
    if used is not None:
        merge(into, scan.stage_one())
    return used


def _lacks(source: str | None, name: str | None, time: str | None) -> str:
    if not source:
        return "record lacks eventSource"
    if not name:
        return "record lacks eventName"
    if time is None or len(time) < 10:
        return "record lacks eventTime"
    return "record lacks userIdentity"


def _scan(
    records: list[Any],
    plain: dict[tuple[Any, ...], list[Any]],
    objects: dict[tuple[Any, ...], tuple[int, dict[str, list[Any]]]],
    first_group: int,
    skipped: Counter[str],
) -> int:
    """The hot loop: one cheap key per record, made of the strings and structs msgspec gave."""
    used = 0
    plain_get = plain.get
    objects_get = objects.get
    replace = _replace
    to_builtins = _to_builtins
    for record in records:
        source, name, time, identity = (
            record.eventSource,
            record.eventName,
            record.eventTime,
            record.userIdentity,
        )
        if not source or not name or time is None or len(time) < 10 or identity is None:
            skipped[_lacks(source, name, time)] += 1
            continue
        used += 1
        kind = identity.type
        arn = identity.arn
        web = None
        context = identity.sessionContext
        if context is not None:
            issuer = context.sessionIssuer
            if kind == "AssumedRole" and issuer is not None and issuer.arn:
                arn = issuer.arn
            federation = context.webIdFederationData
            if federation is not None:
                web = federation.federatedProvider
        resources = record.resources
        params = record.requestParameters
        object_key = None if params is None else params.key
        if object_key is not None and (bucket := params.bucketName) is not None:
            full = f"{S3_OBJECT_PREFIX}{bucket}/{object_key}"
            named = to_builtins(params)  # the parameters present, usually just these two
            listed: tuple[Any, ...] | None
            if not resources:
                listed = None
            elif len(resources) == 2:  # the object and its bucket, as CloudTrail lists them
                first_arn = resources[0].ARN
                second_arn = resources[1].ARN
                listed = (
                    OBJECT_KEY if first_arn == full else first_arn,
                    OBJECT_KEY if second_arn == full else second_arn,
                )
            else:
                listed = tuple(
                    [OBJECT_KEY if (a := r.ARN) == full else a for r in resources[:RESOURCE_SLOTS]]
                )
            key = (
                kind,
                arn,
                identity.principalId if kind in _FEDERATED else None,
                identity.accountId,
                identity.invokedBy,
                web,
                source,
                name,
                record.eventType,
                record.eventCategory,
                record.awsRegion,
                record.recipientAccountId,
                record.errorCode,
                time[:10],
                listed,
                bucket if len(named) == 2 else replace(params, key=OBJECT_KEY),
            )
            entry = objects_get(key)
            if entry is None:
                entry = objects[key] = (first_group + len(objects), {})
            group = entry[1]
            stats = group.get(object_key)
            if stats is None:
                group[object_key] = [entry[0], object_key, 1, time, time]
            else:
                stats[2] += 1
                if time < stats[3]:
                    stats[3] = time
                elif time > stats[4]:
                    stats[4] = time
            continue
        key = (
            kind,
            arn,
            identity.principalId if kind in _FEDERATED else None,
            identity.accountId,
            identity.invokedBy,
            web,
            source,
            name,
            record.eventType,
            record.eventCategory,
            record.awsRegion,
            record.recipientAccountId,
            record.errorCode,
            time[:10],
            tuple([r.ARN for r in resources[:RESOURCE_SLOTS]]) if resources else None,
            params,
        )
        stats = plain_get(key)
        if stats is None:
            plain[key] = [1, time, time]
        else:
            stats[0] += 1
            if time < stats[1]:
                stats[1] = time
            elif time > stats[2]:
                stats[2] = time
    return used


# --- the lenient path ------------------------------------------------------------------------------


def _scalar(raw: Any) -> str | None:
    """What :func:`polp.usage.raw._scalar` gives for the JSON value whose text is ``raw``."""
    text = bytes(raw)
    first = text[:1]
    if first == b'"':
        value: str = msgspec.json.decode(text)
        return None if value[:1] in ("{", "[") else value
    if first == b"t":
        return "true"
    if first == b"f":
        return "false"
    if first in (b"n", b"{", b"[", b""):
        return None
    return orjson.dumps(orjson.loads(text)).decode()


def _arn(raw: Any) -> str | None:
    if raw is None:
        return None
    text = bytes(raw)
    return msgspec.json.decode(text) if text[:1] == b'"' else None


def _add_lenient(data: bytes, into: RawAggregate, skipped: Counter[str]) -> int | None:
    try:
        document = _LENIENT.decode(data)
        return _add_any(document.Records, into, skipped)
    except (msgspec.DecodeError, orjson.JSONDecodeError, UnicodeDecodeError):
        return None


def _add_any(records: list[Any], into: RawAggregate, skipped: Counter[str]) -> int:
    used = 0
    get = into.get
    for record in records:
        source, name, time, identity = (
            record.eventSource,
            record.eventName,
            record.eventTime,
            record.userIdentity,
        )
        if not source:
            skipped["record lacks eventSource"] += 1
            continue
        if not name:
            skipped["record lacks eventName"] += 1
            continue
        if time is None or len(time) < 10:
            skipped["record lacks eventTime"] += 1
            continue
        if identity is None:
            skipped["record lacks userIdentity"] += 1
            continue
        kind = identity.type
        arn = identity.arn
        web = None
        context = identity.sessionContext
        if context is not None:
            issuer = context.sessionIssuer
            if kind == "AssumedRole" and issuer is not None and issuer.arn:
                arn = issuer.arn
            federation = context.webIdFederationData
            if federation is not None:
                web = federation.federatedProvider
        listed = None
        resources = record.resources
        if resources:
            slots = [_arn(item.ARN) for item in resources[:RESOURCE_SLOTS]]
            slots += [None] * (RESOURCE_SLOTS - len(slots))
            listed = tuple(slots) if any(v is not None for v in slots) else None
        hints = None
        params = record.requestParameters
        if params:
            found = params.keys() & _HINT_SET
            if found:
                pairs = []
                for param in found:
                    value = _scalar(params[param])
                    if value is not None:
                        hint = _HINT_NAMES[param]
                        pairs.append((_HINT_ORDER[hint], hint, value))
                if pairs:
                    pairs.sort()
                    hints = tuple((hint, value) for _, hint, value in pairs)
        key = (
            kind,
            arn,
            identity.principalId if kind in _FEDERATED else None,
            identity.accountId,
            identity.invokedBy,
            web,
            source,
            name,
            record.eventType,
            record.eventCategory,
            record.awsRegion,
            record.recipientAccountId,
            record.errorCode,
            time[:10],
            listed,
            hints,
        )
        stats: RawStats | None = get(key)
        if stats is None:
            into[key] = [1, time, time]
        else:
            stats[0] += 1
            if time < stats[1]:
                stats[1] = time
            elif time > stats[2]:
                stats[2] = time
        used += 1
    return used
