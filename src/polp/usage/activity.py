"""What each principal did: its actions with resources, counts, first and last seen, and denials."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from polp.usage.model import UsageRow


@dataclass(frozen=True, slots=True)
class ActionActivity:
    """One action of one principal; ``via`` is the AWS service that called on its behalf, if any."""

    action: str
    via: str
    inferred_from: str
    calls: int
    denied: int
    errors: int
    first_seen: str
    last_seen: str
    #: Resources of the successful calls with their counts, most used first.
    resources: tuple[tuple[str, int], ...]
    denied_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PrincipalActivity:
    arn: str
    kind: str
    subjects: tuple[str, ...]
    actions: tuple[ActionActivity, ...]

    @property
    def calls(self) -> int:
        return sum(a.calls + a.denied + a.errors for a in self.actions if not a.inferred_from)

    @property
    def denied(self) -> int:
        return sum(a.denied for a in self.actions)

    @property
    def first_seen(self) -> str:
        return min((a.first_seen for a in self.actions), default="")

    @property
    def last_seen(self) -> str:
        return max((a.last_seen for a in self.actions), default="")


def _action(action: str, via: str, inferred: str, rows: list[UsageRow]) -> ActionActivity:
    resources: dict[str, int] = defaultdict(int)
    counts = {"success": 0, "denied": 0, "error": 0}
    codes: set[str] = set()
    for row in rows:
        if not row.extra:
            counts[row.outcome] += row.count
        if row.outcome == "success":
            resources[row.resource] += row.count
        elif row.outcome == "denied":
            codes.add(row.error_code)
    ordered = tuple(sorted(resources.items(), key=lambda item: (-item[1], item[0])))
    return ActionActivity(
        action,
        via,
        inferred,
        counts["success"],
        counts["denied"],
        counts["error"],
        min(r.first_seen for r in rows),
        max(r.last_seen for r in rows),
        ordered,
        tuple(sorted(codes)),
    )


def summarize(rows: Iterable[UsageRow]) -> list[PrincipalActivity]:
    """Group usage rows by principal and action; principals by most calls first."""
    grouped: dict[tuple[str, str], dict[tuple[str, str, str], list[UsageRow]]] = defaultdict(
        lambda: defaultdict(list)
    )
    subjects: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        grouped[(row.principal, row.principal_kind)][(row.action, row.via, row.inferred_from)].append(row)
        if row.subject:
            subjects[(row.principal, row.principal_kind)].add(row.subject)
    out = [
        PrincipalActivity(
            arn,
            kind,
            tuple(sorted(subjects[(arn, kind)])),
            tuple(
                sorted(
                    (
                        _action(action, via, inferred, action_rows)
                        for (action, via, inferred), action_rows in actions.items()
                    ),
                    key=lambda a: (a.via != "", a.inferred_from != "", a.action, a.via),
                )
            ),
        )
        for (arn, kind), actions in grouped.items()
    ]
    return sorted(out, key=lambda p: (-p.calls, p.arn))
