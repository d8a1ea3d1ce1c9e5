"""Stage two: raw groups to usage rows (principal, IAM action, resource ARN, outcome, day).

Each raw group is mapped once, whichever way it was counted (streamed here or returned by SQL), and
its count and first/last seen are merged into the usage row it maps to. ``iam:PassRole``, which AWS
checks without logging it, is inferred from the calls that hand a role to a service and marked so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, cast

from polp.iam.catalog import ActionInfo, Catalog
from polp.iam.dependent_actions import PASS_ROLE, dependent_actions
from polp.usage.mapping import ActionMapper
from polp.usage.model import Outcome, UnmappedEvent, UnmappedKind, UsagePrincipal, UsageRow
from polp.usage.principals import normalize
from polp.usage.raw import BASE_COLUMNS, RawAggregate, RawKey
from polp.usage.resources import RequestFacts, passed_roles, resources_for

#: Error codes that mean the caller lacked permission, as services spell them.
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "UnauthorizedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
        "ForbiddenException",
        "Client.AccessDenied",
        "AccessDeniedFault",
        "NotAuthorized",
        "InsufficientPermissionsException",
        "Client.AuthFailure",
    }
)
_DENIED_SUFFIXES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")

UsageKey = tuple[str, str, str, str, str, str, str, str, str, str, bool, str]
UsageAggregate = dict[UsageKey, list[Any]]

_I = {name: i for i, name in enumerate(BASE_COLUMNS)}
_BASE = len(BASE_COLUMNS)
#: The identity columns, in the order :func:`polp.usage.principals.normalize` takes them.
_WHO = 6


def outcome_of(error_code: str | None) -> Outcome:
    if not error_code:
        return "success"
    if error_code in DENIED_CODES or error_code.endswith(_DENIED_SUFFIXES):
        return "denied"
    return "error"


def _facts(key: RawKey) -> RequestFacts:
    listed = tuple(arn for arn in key[_BASE] or () if arn)
    return RequestFacts(key[_I["region"]], key[_I["account"]], listed, dict(key[_BASE + 1] or ()))


@dataclass(slots=True)
class UsageAggregator:
    """Maps raw groups to usage rows and merges them; also counts what maps to no action."""

    mapper: ActionMapper = field(default_factory=ActionMapper)
    rows: UsageAggregate = field(default_factory=dict)
    unmapped: dict[tuple[str, str, UnmappedKind, str], int] = field(default_factory=dict)
    records: int = 0
    _principals: dict[tuple[str | None, ...], UsagePrincipal] = field(default_factory=dict)
    _actions: dict[str, ActionInfo | None] = field(default_factory=dict)
    _role_passing: dict[str, bool] = field(default_factory=dict)
    _cache: dict[RawKey, tuple[UsageKey, ...] | tuple[str, str, UnmappedKind, str]] = field(
        default_factory=dict
    )

    @property
    def catalog(self) -> Catalog:
        return self.mapper.catalog

    def add(self, raw: RawAggregate | Iterable[tuple[RawKey, list[Any]]]) -> None:
        items = raw.items() if isinstance(raw, dict) else raw
        for key, (count, first, last) in items:
            self.records += count
            mapped = self._cache.get(key)
            if mapped is None:
                mapped = self._map(key)
                if len(self._cache) > 20_000:
                    self._cache.clear()
                self._cache[key] = mapped
            if mapped and isinstance(mapped[0], str):
                unmapped_key: tuple[str, str, UnmappedKind, str] = mapped
                self.unmapped[unmapped_key] = self.unmapped.get(unmapped_key, 0) + count
                continue
            for usage_key in mapped:
                stats = self.rows.get(usage_key)
                if stats is None:
                    self.rows[usage_key] = [count, first, last]
                else:
                    stats[0] += count
                    if first < stats[1]:
                        stats[1] = first
                    if last > stats[2]:
                        stats[2] = last

    def _action(self, name: str) -> ActionInfo | None:
        if name not in self._actions:
            self._actions[name] = self.catalog.action(name)
        return self._actions[name]

    def _passes_role(self, action: str) -> bool:
        found = self._role_passing.get(action)
        if found is None:
            found = self._role_passing[action] = any(d.action == PASS_ROLE for d in dependent_actions(action))
        return found

    def _map(self, key: RawKey) -> tuple[UsageKey, ...] | tuple[str, str, UnmappedKind, str]:
        source = key[_I["event_source"]] or ""
        name = key[_I["event_name"]] or ""
        mapping = self.mapper.map(source, name, key[_I["event_type"]])
        if mapping.unmapped is not None:
            return (source, name, mapping.unmapped, mapping.reason)
        facts = _facts(key)
        who = (*key[:_WHO], facts.hints.get("roleArn"))
        principal = self._principals.get(who)
        if principal is None:
            principal = self._principals[who] = normalize(*who)
        if principal.kind == "user":
            facts = replace(facts, caller=principal.arn)
        error_code = key[_I["error_code"]] or ""
        outcome = outcome_of(error_code)
        category = key[_I["event_category"]] or "Management"
        day = key[_I["day"]] or ""
        head = (principal.arn, principal.kind, principal.subject, principal.via)
        out: list[UsageKey] = []
        for need in mapping.needs:
            info = self._action(need.action)
            if info is None:
                continue
            for i, resource in enumerate(resources_for(self.catalog, info, facts, need.resource_from)):
                out.append((*head, info.full_name, resource, outcome, error_code, "", category, i > 0, day))
            if outcome == "success" and self._passes_role(info.full_name):
                for i, role in enumerate(passed_roles(facts)):
                    out.append((*head, PASS_ROLE, role, outcome, "", info.full_name, "Inferred", i > 0, day))
        return tuple(out)

    def merge(
        self, rows: UsageAggregate, unmapped: dict[tuple[str, str, UnmappedKind, str], int], records: int
    ) -> None:
        """Merge what another aggregator (a worker's) produced."""
        self.records += records
        for key, count in unmapped.items():
            self.unmapped[key] = self.unmapped.get(key, 0) + count
        mine = self.rows
        for row_key, (count, first, last) in rows.items():
            stats = mine.get(row_key)
            if stats is None:
                mine[row_key] = [count, first, last]
            else:
                stats[0] += count
                if first < stats[1]:
                    stats[1] = first
                if last > stats[2]:
                    stats[2] = last

    def values(self) -> Iterator[tuple[Any, ...]]:
        """The rows as tuples in the store's column order (no UsageRow objects: cheaper to load)."""
        for key, (count, first, last) in self.rows.items():
            yield (*key, count, first, last)

    def usage_rows(self) -> Iterator[UsageRow]:
        for key, (count, first, last) in self.rows.items():
            yield row_from(key, count, first, last)

    def unmapped_events(self) -> list[UnmappedEvent]:
        return [UnmappedEvent(s, n, k, r, c) for (s, n, k, r), c in sorted(self.unmapped.items())]

    def clear_rows(self) -> None:
        self.rows = {}


def row_from(key: UsageKey, count: int, first: str, last: str) -> UsageRow:
    principal, kind, subject, via, action, resource, outcome, error_code, inferred, category, extra, day = key
    return UsageRow(
        principal,
        kind,
        subject,
        via,
        action,
        resource,
        cast(Outcome, outcome),
        error_code,
        inferred,
        category,
        extra,
        day,
        count,
        first,
        last,
    )
