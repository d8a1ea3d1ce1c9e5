"""Merging the same principal seen by several inputs (account details and a credential report, say).

Principals with the same ARN become one record: lists are united (first occurrence wins for a policy
of the same kind and label), single values are taken from the first input that has them, except
``last_used``, which is the latest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from polp.inventory import AccessKey, Inventory, PolicyRef, PrincipalRecord

T = TypeVar("T")


def _union(first: Sequence[T], second: Sequence[T], key: object = None) -> tuple[T, ...]:
    out = list(first)
    seen = [_key(item, key) for item in out]
    for item in second:
        k = _key(item, key)
        if k not in seen:
            out.append(item)
            seen.append(k)
    return tuple(out)


def _key(item: object, kind: object) -> object:
    if isinstance(item, PolicyRef):
        return (item.kind, item.label)
    if isinstance(item, AccessKey):
        return item.key_id
    if kind == "tag" and isinstance(item, tuple):
        return item[0]
    return item


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def combine(a: PrincipalRecord, b: PrincipalRecord) -> PrincipalRecord:
    """One record with everything ``a`` and ``b`` (same ARN) say, ``a`` first."""
    return PrincipalRecord(
        kind=a.kind,
        name=a.name,
        arn=a.arn,
        inline_policies=_union(a.inline_policies, b.inline_policies),
        managed_policies=_union(a.managed_policies, b.managed_policies),
        groups=_union(a.groups, b.groups),
        permissions_boundary=a.permissions_boundary or b.permissions_boundary,
        trust_policy=a.trust_policy or b.trust_policy,
        tags=_union(a.tags, b.tags, "tag"),
        access_keys=_union(a.access_keys, b.access_keys),
        password_enabled=a.password_enabled if a.password_enabled is not None else b.password_enabled,
        max_session_duration=a.max_session_duration
        if a.max_session_duration is not None
        else b.max_session_duration,
        created=a.created or b.created,
        last_used=_latest(a.last_used, b.last_used),
        location=a.location or b.location,
        unresolved=_union(a.unresolved, b.unresolved),
    )


def merge_inventories(inventories: Iterable[Inventory]) -> Inventory:
    """Concatenate inventories, merging principals that share an ARN (and kind)."""
    merged = Inventory.merge(inventories)
    by_key: dict[tuple[str, str], PrincipalRecord] = {}
    for principal in merged.principals:
        key = (principal.kind, principal.arn)
        found = by_key.get(key)
        by_key[key] = principal if found is None else combine(found, principal)
    if len(by_key) == len(merged.principals):
        return merged
    return merged.with_principals(by_key.values())
