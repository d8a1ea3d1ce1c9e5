"""Stage two: raw groups to usage rows (principal, IAM action, resource ARN, outcome, day).

Each raw group is mapped once, whichever way it was counted (streamed here or returned by SQL), and
its count and first/last seen are merged into the usage row it maps to. ``iam:PassRole``, which AWS
checks without logging it, is inferred from the calls that hand a role to a service and marked so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from polp.iam.catalog import ActionInfo, Catalog
from polp.iam.dependent_actions import PASS_ROLE, dependent_actions
from polp.usage.exceptions import Needs
from polp.usage.mapping import ActionMapper
from polp.usage.model import Outcome, UnmappedEvent, UnmappedKind, UsagePrincipal, UsageRow
from polp.usage.principals import normalize
from polp.usage.raw import BASE_COLUMNS, HINT_KEYS, RawAggregate, RawKey, add_stats, merge
from polp.usage.resources import (
    MAX_TYPES,
    ROLE_HINTS,
    RequestFacts,
    passed_roles,
    resolves_by_position,
    resource_types,
    resources_for,
)

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
#: Stand for request parameter values in :meth:`UsageAggregator.add_by_name`: lone surrogates, which
#: no decoded log holds (:data:`polp.usage.fast.OBJECT_KEY` is the one before them).
NAME_MARKS = tuple(chr(0xD801 + i) for i in range(8))
#: Values that may be marked: not empty, no ``:`` (so never an ARN), nothing ``_safe`` refuses.
_NAME_VALUE = re.compile(r"[^:*?$\x00-\x1f\x7f]+\Z")
#: Parameters read other than through an ARN format: the role of a federated caller, the roles
#: passed to a service, the source of a copy.
_NEVER_MARKED = frozenset({"copySource", *ROLE_HINTS})
#: S3's ARN formats for buckets and objects: see :meth:`UsageAggregator.object_templates`.
KEY_FREE_FORMATS = frozenset(
    {"arn:${Partition}:s3:::${BucketName}/${ObjectName}", "arn:${Partition}:s3:::${BucketName}"}
)
UsageAggregate = dict[UsageKey, list[Any]]

_I = {name: i for i, name in enumerate(BASE_COLUMNS)}
_BASE = len(BASE_COLUMNS)
_REGION = _I["region"]
_ACCOUNT = _I["account"]
_SOURCE = _I["event_source"]
_NAME = _I["event_name"]
_TYPE = _I["event_type"]
_ERROR = _I["error_code"]
_CATEGORY = _I["event_category"]
_DAY = _I["day"]
#: The identity columns, in the order :func:`polp.usage.principals.normalize` takes them.
_WHO = 6


def outcome_of(error_code: str | None) -> Outcome:
    if not error_code:
        return "success"
    if error_code in DENIED_CODES or error_code.endswith(_DENIED_SUFFIXES):
        return "denied"
    return "error"


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
    _key_free: dict[Needs, bool] = field(default_factory=dict)
    _by_position: dict[tuple[str, str, str | None], frozenset[str]] = field(default_factory=dict)
    _templates: dict[RawKey, Any] = field(default_factory=dict)

    @property
    def catalog(self) -> Catalog:
        return self.mapper.catalog

    def add(self, raw: RawAggregate | Iterable[tuple[RawKey, list[Any]]]) -> None:
        items = raw.items() if isinstance(raw, dict) else raw
        for key, (count, first, last) in items:
            self.records += count
            mapped = self.mapped(key)
            if mapped and isinstance(mapped[0], str):
                unmapped_key: tuple[str, str, UnmappedKind, str] = mapped
                self.unmapped[unmapped_key] = self.unmapped.get(unmapped_key, 0) + count
                continue
            for usage_key in mapped:
                add_stats(self.rows, usage_key, count, first, last)

    def add_by_name(self, groups: Iterable[tuple[RawKey, list[Any]]]) -> None:
        """As :meth:`add`, mapping groups that differ only by the names in their requests once.

        A request parameter whose value is a name (a job, a log stream) makes a group of each value,
        and mapping a group is the costly part of stage two. Where :func:`resources_for` depends on
        such a parameter only through where its value goes (see :func:`resolves_by_position`), the
        value is replaced with a mark (:data:`NAME_MARKS`), the marked group is mapped once, and the
        value is put back in place of the mark. When that makes two resources equal, which mapping
        the value would have merged, the group is mapped with its own values.
        """
        for key, (count, first, last) in groups:
            mapped = self._by_name(key)
            if mapped is None:
                self.add(((key, [count, first, last]),))
                continue
            self.records += count
            if mapped and isinstance(mapped[0], str):
                unmapped_key: tuple[str, str, UnmappedKind, str] = mapped
                self.unmapped[unmapped_key] = self.unmapped.get(unmapped_key, 0) + count
                continue
            for usage_key in mapped:
                add_stats(self.rows, usage_key, count, first, last)

    def _by_name(self, key: RawKey) -> tuple[UsageKey, ...] | tuple[str, str, UnmappedKind, str] | None:
        hints = key[_BASE + 1]
        if not hints:
            return None
        event = (key[_SOURCE] or "", key[_NAME] or "", key[_TYPE])
        names = self._by_position.get(event)
        if names is None:
            names = self._by_position[event] = self._names_by_position(*event)
        if not names:
            return None
        values: list[str] = []
        marked: list[tuple[str, str]] = []
        for hint, value in hints:
            if hint in names and len(values) < len(NAME_MARKS) and _NAME_VALUE.match(value):
                marked.append((hint, NAME_MARKS[len(values)]))
                values.append(value)
            else:
                marked.append((hint, value))
        if not values:
            return None
        abstract = (*key[: _BASE + 1], tuple(marked))
        template = self._templates.get(abstract)
        if template is None:
            template = self._template(abstract)
            if len(self._templates) > 20_000:
                self._templates.clear()
            self._templates[abstract] = template
        if isinstance(template, tuple):
            return template  # an unmapped event, or usage that does not depend on the values
        out: list[UsageKey] = []
        for usage_key, lower in template:
            if lower is None:
                out.append(usage_key)
                continue
            resource = usage_key[5]
            for mark, value in zip(NAME_MARKS, values, strict=False):
                resource = resource.replace(mark, value.lower() if lower else value)
            out.append((*usage_key[:5], resource, *usage_key[6:]))
        if len(out) > 1 and len({k[4:6] for k in out}) != len({k[4:6] for k, _ in template}):
            return None  # the values made two resources one: map the group with its own values
        return tuple(out)

    def _template(
        self, key: RawKey
    ) -> list[tuple[UsageKey, bool | None]] | tuple[UsageKey, ...] | tuple[str, str, UnmappedKind, str]:
        """The usage of a group with marks, each key with None if its resource holds no mark, else
        whether the value goes in lower-cased (as _hint_value fills SageMaker names)."""
        mapped = self._map(key)
        if mapped and isinstance(mapped[0], str):
            return mapped
        usage: tuple[UsageKey, ...] = mapped
        template: list[tuple[UsageKey, bool | None]] = [
            (k, k[4].startswith("sagemaker:") if any(m in k[5] for m in NAME_MARKS) else None) for k in usage
        ]
        return usage if all(lower is None for _, lower in template) else template

    def _names_by_position(self, source: str, name: str, event_type: str | None) -> frozenset[str]:
        """The request parameters an event's resources depend on only through where they go."""
        mapping = self.mapper.map(source, name, event_type)
        if mapping.unmapped is not None:
            return frozenset()
        names: list[str] = []
        for hint in HINT_KEYS:
            if hint in _NEVER_MARKED:
                continue
            for need in mapping.needs:
                info = self._action(need.action)
                if info is not None and not resolves_by_position(
                    self.catalog, info, need.resource_from, hint
                ):
                    break
            else:
                names.append(hint)
        return frozenset(names)

    def mapped(self, key: RawKey) -> tuple[UsageKey, ...] | tuple[str, str, UnmappedKind, str]:
        """The usage keys a raw group maps to, or the unmapped event it is (cached)."""
        mapped = self._cache.get(key)
        if mapped is None:
            mapped = self._map(key)
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[key] = mapped
        return mapped

    def object_templates(
        self, key: RawKey
    ) -> tuple[UsageKey, ...] | tuple[str, str, UnmappedKind, str] | None:
        """What :meth:`mapped` gives for a group of S3 object events keyed with
        :data:`polp.usage.fast.OBJECT_KEY` for the object key; None where that could differ from
        mapping each object's own key and replacing OBJECT_KEY in the resources with it.

        Exact for object keys that :data:`polp.usage.fast.PLAIN_OBJECT_KEY` accepts, when every action
        the event needs either takes no resource from the request or takes only resource types whose
        ARN formats are in :data:`KEY_FREE_FORMATS`: a placeholder in those formats matches whatever
        follows the bucket's ``/``, so whether an ARN fits does not depend on the object key, and a
        plain object key passes every check of :mod:`polp.usage.resources` that OBJECT_KEY passes.
        The caller must still take apart (see ``ingest``) an object whose ARN another request
        parameter also holds, which the concrete mapping would count once.
        """
        mapping = self.mapper.map(key[_SOURCE] or "", key[_NAME] or "", key[_TYPE])
        for need in mapping.needs:
            free = self._key_free.get(need)
            if free is None:
                free = self._key_free[need] = self._resolves_key_free(need)
            if not free:
                return None
        return self.mapped(key)

    def _resolves_key_free(self, need: Needs) -> bool:
        info = self._action(need.action)
        if info is None or need.resource_from == "copySource":
            return True
        types = resource_types(self.catalog, info)
        if not types or len(types) > MAX_TYPES:
            return True
        return all(f in KEY_FREE_FORMATS for rt, _ in types for f in rt.arn_formats)

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
        source = key[_SOURCE] or ""
        name = key[_NAME] or ""
        mapping = self.mapper.map(source, name, key[_TYPE])
        if mapping.unmapped is not None:
            return (source, name, mapping.unmapped, mapping.reason)
        hints = dict(key[_BASE + 1] or ())
        who = (*key[:_WHO], hints.get("roleArn"))
        principal = self._principals.get(who)
        if principal is None:
            principal = self._principals[who] = normalize(*who)
        facts = RequestFacts(
            key[_REGION],
            key[_ACCOUNT],
            tuple(arn for arn in key[_BASE] or () if arn),
            hints,
            principal.arn if principal.kind == "user" else None,
        )
        error_code = key[_ERROR] or ""
        outcome = outcome_of(error_code)
        category = key[_CATEGORY] or "Management"
        day = key[_DAY] or ""
        head = (principal.arn, principal.kind, principal.subject, principal.via)
        out: list[UsageKey] = []
        for need in mapping.needs:
            info = self._action(need.action)
            if info is None:
                continue
            action = info.full_name
            for i, resource in enumerate(resources_for(self.catalog, info, facts, need.resource_from)):
                out.append((*head, action, resource, outcome, error_code, "", category, i > 0, day))
            if outcome == "success" and self._passes_role(action):
                for i, role in enumerate(passed_roles(facts)):
                    out.append((*head, PASS_ROLE, role, outcome, "", action, "Inferred", i > 0, day))
        return tuple(out)

    def merge(
        self, rows: UsageAggregate, unmapped: dict[tuple[str, str, UnmappedKind, str], int], records: int
    ) -> None:
        """Merge what another aggregator (a worker's) produced."""
        self.records += records
        for key, count in unmapped.items():
            self.unmapped[key] = self.unmapped.get(key, 0) + count
        merge(self.rows, rows)

    def values(self) -> Iterator[tuple[Any, ...]]:
        """The rows as tuples in the store's column order (no UsageRow objects: cheaper to load)."""
        for key, (count, first, last) in self.rows.items():
            yield (*key, count, first, last)

    def usage_rows(self) -> Iterator[UsageRow]:
        for key, (count, first, last) in self.rows.items():
            yield row_from(key, count, first, last)

    def unmapped_events(self) -> list[UnmappedEvent]:
        return unmapped_events(self.unmapped)

    def clear_rows(self) -> None:
        self.rows = {}


def unmapped_events(unmapped: dict[tuple[str, str, UnmappedKind, str], int]) -> list[UnmappedEvent]:
    return [UnmappedEvent(s, n, k, r, c) for (s, n, k, r), c in sorted(unmapped.items())]


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
