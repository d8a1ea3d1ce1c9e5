"""The fast path of stage one: decode only the fields the key needs, with msgspec.

A CloudTrail record is mostly fields polp never reads (response elements, TLS details, user agents).
msgspec decodes a delivery file against a schema of the few fields :func:`polp.usage.raw.record_key`
uses and skips the rest without building Python objects for it, which is several times cheaper per
record than decoding everything. The result is the same key as ``record_key`` gives for the same
record; where a file does not fit the schema (a field of an unexpected type, anything that is not a
plain ``{"Records": [...]}`` document) this returns None and the caller takes the general path, which
decides and reports exactly as before.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec
import orjson

from polp.usage.raw import HINT_KEYS, RESOURCE_SLOTS, RawAggregate

_FEDERATED = frozenset({"WebIdentityUser", "SAMLUser"})
_SOURCE_KEYS = {"x-amz-copy-source": "copySource"}
_HINT_NAMES: dict[str, str] = {key: key for key in HINT_KEYS if key != "copySource"}
_HINT_NAMES.update(_SOURCE_KEYS)
_HINT_ORDER = {key: i for i, key in enumerate(HINT_KEYS)}
_HINT_SET = frozenset(_HINT_NAMES)


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


class Resource(msgspec.Struct, gc=False):
    ARN: msgspec.Raw = msgspec.Raw(b"null")


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
    resources: list[Resource] | None = None
    requestParameters: dict[str, msgspec.Raw] | None = None


class Document(msgspec.Struct, gc=False):
    Records: list[Record]


_DECODER = msgspec.json.Decoder(Document)


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


def add_document(data: bytes, into: RawAggregate, skipped: Counter[str]) -> int | None:
    """Add a ``{"Records": [...]}`` document's records; None if it must take the general path."""
    try:
        document = _DECODER.decode(data)
        return _add(document.Records, into, skipped)
    except (msgspec.DecodeError, orjson.JSONDecodeError, UnicodeDecodeError):
        return None


def _add(records: list[Any], into: RawAggregate, skipped: Counter[str]) -> int:
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
        stats = get(key)
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
