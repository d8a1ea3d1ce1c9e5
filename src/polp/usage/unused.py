"""Permission creep: what each principal holds but did not use in a window of days.

The window ends at the last event the logs hold (not today: old logs still answer "in the 90 days
they cover"), and the report says how much of it the logs actually cover. Actions CloudTrail cannot
show are "not observable", never "unused" (see :mod:`polp.usage.observability`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from polp.iam.effective import PolicySet, SourcedPolicy
from polp.inventory import Inventory, PrincipalRecord
from polp.usage.model import UsageRow
from polp.usage.observability import Observability


@dataclass(frozen=True, slots=True)
class NotObservable:
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class PrincipalUnused:
    arn: str
    kind: str
    granted: tuple[str, ...]
    used: tuple[str, ...]
    unused: tuple[str, ...]
    not_observable: tuple[NotObservable, ...]
    unused_services: tuple[str, ...]
    denied: tuple[str, ...]
    events: int
    last_seen: str | None
    #: Policies that could not be resolved: the granted set may be incomplete.
    unresolved: tuple[str, ...] = ()

    @property
    def observable_granted(self) -> int:
        return len(self.granted) - len(self.not_observable)

    @property
    def used_share(self) -> float | None:
        """Share of the observable granted actions that were used; None if nothing is observable."""
        total = self.observable_granted
        return len(self.used) / total if total > 0 else None

    @property
    def never_used(self) -> bool:
        return self.events == 0


@dataclass(frozen=True, slots=True)
class UnusedReport:
    since: str
    until: str
    days: int
    logs_first: str | None
    logs_last: str | None
    principals: tuple[PrincipalUnused, ...]

    @property
    def window_covered(self) -> bool:
        """Whether the logs reach back to the start of the window."""
        return self.logs_first is not None and self.logs_first[:10] <= self.since

    @property
    def has_findings(self) -> bool:
        return any(p.unused or p.never_used for p in self.principals)


def granted_actions(
    inventory: Inventory, principal: PrincipalRecord
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The actions a principal's identity policies allow (after denies and its boundary).

    Returns the actions and the labels of policies that could not be resolved. The one place that
    decides what "granted" means, so that it can follow :mod:`polp.iam.effective`.
    """
    refs = inventory.identity_policies(principal)
    policies = [SourcedPolicy(ref.policy, ref.label) for ref in refs if ref.policy is not None]
    unresolved = tuple(ref.label for ref in refs if ref.policy is None)
    boundary_ref = principal.permissions_boundary
    boundary = (
        [SourcedPolicy(boundary_ref.policy, boundary_ref.label)]
        if boundary_ref is not None and boundary_ref.policy is not None
        else []
    )
    return tuple(PolicySet(policies, boundary).allowed_actions()), unresolved


def window(days: int, last_seen: str | None, until: date | None = None) -> tuple[str, str]:
    """``(since, until)`` as ``YYYY-MM-DD``: ``days`` days ending at ``until`` or the last event."""
    end = until or (date.fromisoformat(last_seen[:10]) if last_seen else date.today())
    return (end - timedelta(days=max(days, 1) - 1)).isoformat(), end.isoformat()


def _principal_unused(
    record: PrincipalRecord,
    granted: Sequence[str],
    unresolved: tuple[str, ...],
    rows: Sequence[UsageRow],
    observability: Observability,
) -> PrincipalUnused:
    used_all = {r.action for r in rows if r.outcome == "success"}
    granted_set = set(granted)
    used = tuple(sorted(granted_set & used_all))
    hidden: list[NotObservable] = []
    unused: list[str] = []
    for action in granted:
        if action in used_all:
            continue
        reason = observability.why_not(action)
        if reason is not None:
            hidden.append(NotObservable(action, reason))
        else:
            unused.append(action)
    by_service: dict[str, list[str]] = defaultdict(list)
    for action in granted:
        by_service[action.split(":", 1)[0]].append(action)
    hidden_names = {n.action for n in hidden}
    unused_services = tuple(
        sorted(
            service
            for service, actions in by_service.items()
            if not any(a in used_all for a in actions) and any(a not in hidden_names for a in actions)
        )
    )
    denied = tuple(sorted({r.action for r in rows if r.outcome == "denied"}))
    last = max((r.last_seen for r in rows), default=None)
    return PrincipalUnused(
        record.arn,
        record.kind,
        tuple(granted),
        used,
        tuple(unused),
        tuple(hidden),
        unused_services,
        denied,
        sum(r.count for r in rows if not r.inferred_from and not r.extra),
        last,
        unresolved,
    )


def find_unused(
    inventory: Inventory,
    rows: Iterable[UsageRow],
    observability: Observability,
    *,
    since: str,
    until: str,
    days: int,
    logs_first: str | None,
    logs_last: str | None,
    principal: str | None = None,
) -> UnusedReport:
    """The unused report for every user and role of the inventory (or the one named)."""
    by_principal: dict[str, list[UsageRow]] = defaultdict(list)
    for row in rows:
        by_principal[row.principal.lower()].append(row)
    results: list[PrincipalUnused] = []
    for record in inventory.principals:
        if record.kind not in ("user", "role") or (principal and record.arn != principal):
            continue
        granted, unresolved = granted_actions(inventory, record)
        results.append(
            _principal_unused(
                record, granted, unresolved, by_principal.get(record.arn.lower(), []), observability
            )
        )
    return UnusedReport(since, until, days, logs_first, logs_last, tuple(results))
