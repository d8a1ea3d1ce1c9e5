"""Run every check over every principal of an inventory.

Principals that hold the same policies share one :class:`PolicySet`, so a managed policy attached to
two thousand roles is compiled once and each question about it is answered once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from polp.checks.interface import AuditContext, Check, Finding, Subject
from polp.iam.effective import PolicySet, SourcedPolicy
from polp.inventory import Inventory, PolicyRef, PrincipalRecord

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class AuditResult:
    findings: list[Finding]
    subjects: int
    inventory: Inventory
    errors: list[str] = field(default_factory=list)


def _sourced(
    refs: Iterable[PolicyRef], interned: dict[int, SourcedPolicy] | None = None
) -> tuple[SourcedPolicy, ...]:
    """The policies of ``refs``; with ``interned``, one object per reference, so that principals
    holding a policy through the same reference share what is worked out about it."""
    out: list[SourcedPolicy] = []
    for ref in refs:
        if ref.policy is None:
            continue
        found = interned.get(id(ref)) if interned is not None else None
        if found is None:
            found = SourcedPolicy(ref.policy, ref.label, ref, ref.location)
            if interned is not None:
                interned[id(ref)] = found  # the inventory keeps every reference alive
        out.append(found)
    return tuple(out)


def build_subjects(inventory: Inventory) -> list[Subject]:
    """One subject per user, role and group, plus one per standalone policy document."""
    shared: dict[tuple[int, ...], PolicySet] = {}
    interned: dict[int, SourcedPolicy] = {}
    subjects: list[Subject] = []
    for record in inventory.principals:
        refs = inventory.identity_policies(record)
        boundary = (record.permissions_boundary,) if record.permissions_boundary else ()
        policies = _sourced(refs, interned)
        bounds = _sourced(boundary, interned)
        key = (*(id(p.policy) for p in policies), -1, *(id(p.policy) for p in bounds))
        permissions = shared.get(key)
        if permissions is None:
            permissions = PolicySet(policies, bounds)
            shared[key] = permissions
        symbolic = any(ref.symbolic or ref.policy is None for ref in (*refs, *boundary)) or bool(
            record.unresolved
        )
        subjects.append(
            Subject(record, permissions, symbolic, {ref.label: ref for ref in (*refs, *boundary)})
        )
    for ref in inventory.policies:
        if ref.policy is None:
            continue
        record = PrincipalRecord(
            kind="policy",
            name=ref.name,
            arn=ref.arn or ref.name,
            managed_policies=(ref,),
            location=ref.location,
        )
        subjects.append(Subject(record, PolicySet(_sourced((ref,), interned)), ref.symbolic))
    return subjects


def run_checks(
    inventory: Inventory,
    checks: Sequence[Check],
    *,
    now: float | None = None,
    max_key_age_days: int = 90,
    progress: Progress | None = None,
) -> AuditResult:
    subjects = build_subjects(inventory)
    context = AuditContext(
        inventory,
        subjects,
        now_epoch=now if now is not None else time.time(),
        max_key_age_days=max_key_age_days,
    )
    findings: list[Finding] = []
    total = len(subjects)
    for index, subject in enumerate(subjects, start=1):
        is_policy = subject.record.kind == "policy"
        for check in checks:
            if is_policy and not check.applies_to_policies:
                continue
            findings.extend(check.run(subject, context))
        if progress is not None:
            progress(index, total)
    return AuditResult(findings, total, inventory)
