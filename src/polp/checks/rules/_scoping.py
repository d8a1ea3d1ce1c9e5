"""How far a grant reaches: one named resource, many through a wildcard, or all of them.

Judged against the action's resource types in the catalog: the part of a Resource pattern that names
the resource (the bucket, the table, the snapshot) decides. ``arn:aws:s3:::bucket/*`` names one bucket
even though it covers all of its objects; ``arn:aws:rds:*:*:snapshot:prod-*`` spans many snapshots;
``*``, ``arn:aws:s3:::*`` and ``arn:aws:dynamodb:*:*:table/*`` reach all.
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import lru_cache

from polp.iam.arn import split_components
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant
from polp.iam.wildcards import has_wildcard

_VARIABLE = re.compile(r"\$\{[^}]*\}")


class Scope(IntEnum):
    """How many resources a grant reaches, narrowest first."""

    NONE = 0
    NAMED = 1
    PATTERN = 2
    ALL = 3


def _name_scope(name: str) -> Scope:
    if not has_wildcard(name):
        return Scope.NAMED
    return Scope.ALL if not name.strip("*?") else Scope.PATTERN


#: Placeholders that name a kind of resource rather than the resource (AWS Backup recovery points:
#: ``${ResourceType}:${RecoveryPointId}``); the name is the next segment.
_TYPE_PLACEHOLDERS = ("${ResourceType}",)


def _scope_in_format(pattern: str, arn_format: str) -> Scope:
    """The scope of ``pattern`` for one ARN format (``arn:${Partition}:dynamodb:...:table/${TableName}``)."""
    parts = split_components(pattern)
    fmt = split_components(arn_format)
    if parts is None or fmt is None:  # "arn:aws:*" and the like: a glob over whole ARNs
        trailing_star_only = pattern.endswith("*") and pattern.count("*") == 1 and "?" not in pattern
        return Scope.ALL if trailing_star_only else Scope.PATTERN
    # A policy variable stands for one principal's value (its own home prefix): not a wildcard.
    return _resource_scope(_VARIABLE.sub("v", parts[5]), fmt[5])


def _resource_scope(resource: str, template: str) -> Scope:
    """The scope of a pattern's resource component against a format's (``table/${TableName}``)."""
    fixed = template.split("${", 1)[0]  # "table/", "snapshot:", "" for S3 buckets
    after = template[len(fixed) :]
    close = after.find("}")
    delimiter = after[close + 1 : close + 2] if close >= 0 else ""
    if resource.startswith(fixed):
        rest = resource[len(fixed) :]
    else:
        # The pattern leaves the type's fixed prefix early, which only a wildcard can do ("*", "tab*").
        first = (
            min(i for i in (resource.find("*"), resource.find("?")) if i >= 0)
            if has_wildcard(resource)
            else -1
        )
        if first < 0 or not fixed.startswith(resource[:first]):
            return Scope.NAMED
        return _name_scope(resource[first:])
    name, found, remainder = rest.partition(delimiter) if delimiter else rest.partition("/")
    if delimiter and after.startswith(_TYPE_PLACEHOLDERS):
        if not found or _name_scope(name) is Scope.ALL:
            return _name_scope(name)
        return _resource_scope(remainder, after[close + 2 :])
    return _name_scope(name)


@lru_cache(maxsize=1 << 15)
def pattern_scope(action: str, pattern: str, target: str | None = None) -> Scope:
    """How far the Resource ``pattern`` reaches for ``action``.

    ``target`` restricts the judgement to one resource type of the action (the cluster that
    ``rds:DeleteDBCluster`` deletes, not the final snapshot it may write); patterns that only address
    other types give :attr:`Scope.NONE`.
    """
    catalog = get_catalog()
    info = catalog.action(action)
    if info is None:
        return Scope.NONE
    if pattern == "*":
        return Scope.ALL
    if not info.resource_types:
        return Scope.ALL  # only "*"-like patterns grant such actions at all
    best = Scope.NONE
    for rtype in catalog.resource_types_matching(info, pattern):
        if target is not None and rtype.name.lower() != target.lower():
            continue
        for arn_format in rtype.arn_formats:
            if _foreign(pattern, arn_format, info.service):
                continue
            best = max(best, _scope_in_format(pattern, arn_format))
    return best


def _foreign(pattern: str, arn_format: str, service: str) -> bool:
    """Whether ``pattern`` only fits a format whose service is a placeholder by naming another service.

    AWS Backup's recovery points are ``arn:${Partition}:${Vendor}:...``: read literally, any ARN of any
    service (an S3 object pattern) would address them. Only the action's own service counts there.
    """
    fmt = split_components(arn_format)
    if fmt is None or "${" not in fmt[2]:
        return False
    parts = split_components(pattern)
    return parts is not None and parts[2] != service and bool(parts[2].strip("*?"))


def grant_scope(grant: Grant, target: str | None = None) -> Scope:
    """The widest scope among a grant's resource patterns (a NotResource grant reaches all but a few)."""
    if grant.not_resources:
        return Scope.ALL
    resources = grant.resources
    if len(resources) == 1:
        return pattern_scope(grant.action, resources[0], target)  # most grants: one pattern
    return _widest(grant.action, resources, target)


@lru_cache(maxsize=1 << 15)
def _widest(action: str, patterns: tuple[str, ...], target: str | None) -> Scope:
    return max((pattern_scope(action, p, target) for p in patterns), default=Scope.NONE)
