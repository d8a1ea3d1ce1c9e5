"""The least-privilege policy that would have allowed every successful call a principal made.

Actions keep the concrete ARNs they were used on where they take resources; when an action touched
many resources under one parent (objects of a bucket) they are folded into one prefix wildcard, so
the policy stays readable and under IAM's size limit. Actions with the same resources share a
statement. Calls that were denied are left out unless asked for.

What AWS checks without logging it comes on top, marked for review: ``iam:PassRole`` on the roles
the calls handed to a service (limited by ``iam:PassedToService``), and, as notes, the other
dependent actions AWS may check depending on the request (tags at creation, session tags).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from polp.iam.dependent_actions import PASS_ROLE, dependent_actions, passed_to_service
from polp.usage.model import UsageRow

#: Above this many ARNs under one parent, an action's resources fold into a prefix wildcard.
FOLD_ABOVE = 10
#: IAM's limit for a managed policy, in characters without white space.
MANAGED_POLICY_LIMIT = 6144
#: Principals whose calls were made by a federated identity before it became the role.
_FEDERATED_KINDS = frozenset({"web-identity", "saml"})
_SID_SAFE = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    review: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": list(self.actions),
            "Resource": self.resources[0] if len(self.resources) == 1 else list(self.resources),
        }
        if self.condition:
            block: dict[str, dict[str, Any]] = {}
            for operator, key, values in self.condition:
                block.setdefault(operator, {})[key] = values[0] if len(values) == 1 else list(values)
            out["Condition"] = block
        return out


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """Something a person should decide: an action AWS may also check, and when."""

    action: str
    needed_by: str
    when: str


@dataclass(frozen=True, slots=True)
class GeneratedPolicy:
    principal: str
    statements: tuple[PolicyStatement, ...]
    notes: tuple[ReviewNote, ...]
    calls: int
    denied_left_out: tuple[str, ...]

    def document(self) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [s.to_json() for s in self.statements]}

    @property
    def size(self) -> int:
        import orjson

        return len(re.sub(rb"\s", b"", orjson.dumps(self.document())))


def _common_prefix(values: Sequence[str]) -> str:
    first, last = min(values), max(values)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    return first[:i]


def _fold(arns: Sequence[str], limit: int, parent_of: Callable[[str], str]) -> list[str]:
    by_parent: dict[str, list[str]] = defaultdict(list)
    for arn in arns:
        by_parent[parent_of(arn)].append(arn)
    out: list[str] = []
    for parent, members in sorted(by_parent.items()):
        if len(members) > limit and parent.count(":") >= 5:
            out.append(_common_prefix(members) + "*")
        else:
            out.extend(members)
    return out


def _parent(arn: str) -> str:
    return arn[: max(arn.rfind("/"), arn.rfind(":")) + 1]


def _resource_type_prefix(arn: str) -> str:
    """The ARN up to the end of its resource type (``...:log-group:``, ``...:role/``)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    resource = parts[5]
    cut = min((i for i in (resource.find("/"), resource.find(":")) if i >= 0), default=len(resource))
    return ":".join(parts[:5]) + ":" + resource[: cut + 1]


def fold_resources(resources: Iterable[str], limit: int = FOLD_ABOVE) -> tuple[str, ...]:
    """Resources of one action; ``*`` absorbs everything, crowded parents fold into a wildcard.

    Folding goes by parent path first (the objects under one prefix), then, if the action still has
    too many resources, by resource type (the log streams of every job).
    """
    unique = sorted(set(resources))
    if "*" in unique:
        return ("*",)
    folded = _fold(unique, limit, _parent)
    if len(folded) > limit:
        folded = _fold(folded, limit, _resource_type_prefix)
    return tuple(dict.fromkeys(folded))


def _sid(prefix: str, actions: Iterable[str], taken: set[str]) -> str:
    services = sorted({a.split(":", 1)[0] for a in actions})
    base = prefix + "".join(_SID_SAFE.sub("", s.title()) for s in services[:4])
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}{n}", n + 1
    taken.add(sid)
    return sid


def select_rows(rows: Iterable[UsageRow], principal: str, include_denied: bool = False) -> list[UsageRow]:
    """The rows a generated policy must allow: the principal's own successful calls (and denied ones)."""
    wanted = ("success", "denied") if include_denied else ("success",)
    return [
        r
        for r in rows
        if r.principal == principal and r.principal_kind not in _FEDERATED_KINDS and r.outcome in wanted
    ]


def generate_policy(
    rows: Iterable[UsageRow], principal: str, include_denied: bool = False
) -> GeneratedPolicy:
    all_rows = [r for r in rows if r.principal == principal]
    chosen = select_rows(all_rows, principal, include_denied)
    resources: dict[str, set[str]] = defaultdict(set)
    passed: dict[str | None, set[str]] = defaultdict(set)
    for row in chosen:
        if row.inferred_from:
            if row.action == PASS_ROLE and row.outcome == "success":
                passed[passed_to_service(row.inferred_from)].add(row.resource)
            continue
        resources[row.action].add(row.resource)
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for action, arns in resources.items():
        groups[fold_resources(arns)].append(action)
    taken: set[str] = set()
    statements = [
        PolicyStatement(_sid("Used", actions, taken), tuple(sorted(actions)), arns)
        for arns, actions in sorted(groups.items(), key=lambda item: (item[0] != ("*",), sorted(item[1])))
    ]
    for service, roles in sorted(passed.items(), key=lambda item: item[0] or ""):
        condition = (("StringEquals", "iam:PassedToService", (service,)),) if service else ()
        statements.append(
            PolicyStatement(
                _sid("ReviewPassRole", (), taken), (PASS_ROLE,), tuple(sorted(roles)), condition, review=True
            )
        )
    granted = set(resources)
    notes = _notes(granted, {row.inferred_from for row in chosen if row.inferred_from})
    denied = sorted({r.action for r in all_rows if r.outcome == "denied" and r.action not in granted})
    calls = sum(r.count for r in chosen if not r.inferred_from and not r.extra)
    return GeneratedPolicy(
        principal, tuple(statements), notes, calls, () if include_denied else tuple(denied)
    )


def _notes(granted: set[str], passed_by: set[str]) -> tuple[ReviewNote, ...]:
    """Dependent actions not granted, except PassRole where the roles passed are known."""
    notes: dict[tuple[str, str], ReviewNote] = {}
    for action in sorted(granted):
        for dependency in dependent_actions(action):
            if dependency.action == PASS_ROLE and action in passed_by:
                continue
            if dependency.action in granted:
                continue
            notes.setdefault(
                (dependency.action, action), ReviewNote(dependency.action, action, dependency.when)
            )
    return tuple(notes.values())
