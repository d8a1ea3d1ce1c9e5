"""CloudTrail ``eventSource`` and ``eventName`` to the IAM actions AWS authorized for the call.

Order of decision: events that are no API call; the reviewed exceptions (:mod:`polp.usage.exceptions`);
then the catalog, by name, under the IAM prefix of the event source (the host itself, the reviewed
prefix table, or botocore's signing name for that endpoint), with Lambda's and CloudFront's version
suffixes removed. What still maps to nothing is reported with the reason, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from polp.iam.catalog import Catalog, get_catalog
from polp.usage.exceptions import (
    NON_API_EVENT_TYPES,
    NOT_IAM_SOURCES,
    SOURCE_PREFIXES,
    Needs,
    NoPermission,
    exception_for,
    strip_version,
)
from polp.usage.model import UnmappedKind
from polp.usage.service_models import ServiceIndex, service_index

_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".c2s.ic.gov", ".sc2s.sgov.gov")


@dataclass(frozen=True, slots=True)
class EventMapping:
    """The actions an event needs (canonical names), or why it needs none."""

    needs: tuple[Needs, ...] = ()
    unmapped: UnmappedKind | None = None
    reason: str = ""


def source_host(event_source: str) -> str:
    for suffix in _HOST_SUFFIXES:
        if event_source.endswith(suffix):
            return event_source[: -len(suffix)]
    return event_source


class ActionMapper:
    """Maps events to actions, caching per (source, name, type)."""

    def __init__(self, catalog: Catalog | None = None, services: ServiceIndex | None = None) -> None:
        self._catalog = catalog or get_catalog()
        self._services = services if services is not None else service_index()
        self._cache: dict[tuple[str, str, str | None], EventMapping] = {}
        self._prefixes: dict[str, str | None] = {}

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def iam_prefix(self, event_source: str) -> str | None:
        """The IAM service prefix of an event source; None if no IAM service matches."""
        if event_source in self._prefixes:
            return self._prefixes[event_source]
        host = source_host(event_source)
        candidates = [SOURCE_PREFIXES.get(host), host, *self._services.signing_names(host)]
        found = next((c for c in candidates if c and self._catalog.has_service(c)), None)
        self._prefixes[event_source] = found
        return found

    def map(self, event_source: str, event_name: str, event_type: str | None = None) -> EventMapping:
        cache_key = (event_source, event_name, event_type)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._map(event_source, event_name, event_type)
            self._cache[cache_key] = found
        return found

    def _map(self, event_source: str, event_name: str, event_type: str | None) -> EventMapping:
        if event_type in NON_API_EVENT_TYPES:
            return EventMapping(unmapped="not-api-call", reason=NON_API_EVENT_TYPES[event_type or ""])
        host = source_host(event_source)
        if host in NOT_IAM_SOURCES:
            return EventMapping(unmapped="not-api-call", reason=NOT_IAM_SOURCES[host])
        prefix = self.iam_prefix(event_source)
        if prefix is None:
            return EventMapping(
                unmapped="unknown-service", reason=f"no IAM service for event source {event_source}"
            )
        stripped = strip_version(event_name)
        rule = exception_for(prefix, event_name) or exception_for(prefix, stripped)
        if isinstance(rule, NoPermission):
            kind: UnmappedKind = "no-permission" if rule.kind == "no-permission" else "not-api-call"
            return EventMapping(unmapped=kind, reason=rule.reason)
        if rule is not None:
            return self._resolve(rule, prefix, event_name)
        for name in dict.fromkeys((event_name, stripped)):
            info = self._catalog.action(f"{prefix}:{name}")
            if info is not None:
                return EventMapping(needs=(Needs(info.full_name),))
        return EventMapping(unmapped="unknown-action", reason=self._why_unknown(host, prefix, stripped))

    def _resolve(self, rule: tuple[Needs, ...], prefix: str, event_name: str) -> EventMapping:
        needs: list[Needs] = []
        for need in rule:
            info = self._catalog.action(need.action)
            if info is None:
                return EventMapping(
                    unmapped="unknown-action",
                    reason=f"reviewed table maps {prefix}:{event_name} to unknown {need.action}",
                )
            needs.append(Needs(info.full_name, need.resource_from))
        return EventMapping(needs=tuple(needs))

    def _why_unknown(self, host: str, prefix: str, name: str) -> str:
        if name in self._services.operations(host):
            return f"API operation {name} has no IAM action of that name in service {prefix}"
        return f"{name} is neither an IAM action of {prefix} nor an API operation in botocore's models"
