"""POLP-PRIVESC-001: the principal holds a documented privilege-escalation method, or can reach a
privileged role through a chain of ``sts:AssumeRole``.

The methods are data (:mod:`polp.checks.rules.escalation_paths`); the matching is in
:mod:`polp.checks.rules._escalation`. To keep one finding per problem: administrators are skipped
(POLP-ADMIN-001), methods that use an action already reported as a self-grant are skipped
(POLP-ADMIN-002), single-action credential minting is POLP-CRED-001's, and a method whose actions
include another firing method's actions is dropped in favour of the smaller one.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from polp.checks.interface import (
    AuditContext,
    Check,
    Confidence,
    Finding,
    Rule,
    Severity,
    Subject,
    finding_for_grants,
)
from polp.checks.rules._assume_graph import graph_for
from polp.checks.rules._escalation import Hit, Model, model_for
from polp.checks.rules._grants import covers, live_grants, principal_context, service_linked, statements_of
from polp.checks.rules.admin_effective import is_admin
from polp.checks.rules.admin_self_grant import grants_itself_anything, self_grant_routes

RULE = Rule(
    id="POLP-PRIVESC-001",
    name="privilege-escalation",
    category="privilege-escalation",
    severity=Severity.high,
    confidence=Confidence.high,
    summary=(
        "The principal can gain permissions it was not given: it holds a publicly documented "
        "escalation method or can assume its way to a privileged role."
    ),
    explanation=(
        "Attackers who steal a build or deployment identity do not stop at its own permissions. "
        "Passing a privileged role to a service that runs their code (EC2, Lambda, a SageMaker "
        "notebook or training job, a CodeBuild project, a Bedrock AgentCore interpreter), rewriting "
        "the code of an existing function or stack, changing IAM policies, or chaining role "
        "assumptions are the documented ways to become a more privileged role. Severity is critical "
        "when the target is an administrator, high when it can escalate further or the method "
        "needs no target, and medium when the grant is open-ended but no privileged target is known "
        "in the inventory."
    ),
    remediation=(
        "Scope iam:PassRole to the exact roles the workload passes and add an iam:PassedToService "
        "condition; scope the service actions (UpdateFunctionCode, StartBuild, SendCommand, ...) to "
        "the resources the pipeline owns; keep IAM writes out of workload identities; and make sure "
        "no role that a service can run code as is more privileged than the people and pipelines "
        "who can start that service."
    ),
    help_uri="https://pathfinding.cloud",
)


def _describe(model: Model, first: tuple[Subject, ...], total: int) -> str:
    """The first three subjects named, and how many more there are of ``total``."""
    names = [f"{s.record.name} ({'administrator' if model.admin(s) else 'can escalate'})" for s in first[:3]]
    more = f" and {total - 3} more" if total > 3 else ""
    return ", ".join(names) + more


def _severity(model: Model, hit: Hit) -> Severity:
    if not hit.known:
        return Severity.medium
    if hit.targets:
        return Severity.critical if model.any_admin(hit) else Severity.high
    return Severity.critical if hit.method.critical else Severity.high


def _method_details(hit: Hit) -> dict[str, object]:
    method = hit.method
    return {
        "id": method.id,
        "title": method.title,
        "source": method.url(),
        "actions": list(method.actions),
        "targets": hit.target_arns(),
        "target_known": hit.known,
    }


_OPENING = {
    "iam": "{who} can escalate privileges through IAM",
    "passrole": "{who} can pass roles to services that run code it chooses",
    "existing": "{who} can run code it chooses inside existing resources, as their roles",
}


def _finding(subject: Subject, model: Model, hits: list[Hit]) -> Finding:
    """One finding for the hits of one kind (for ``iam``: one hit)."""
    kind = hits[0].method.kind
    severity = max(_severity(model, h) for h in hits)
    target_sets = {h.target_set(): h for h in hits}
    if len(target_sets) == 1:
        only_targets = next(iter(target_sets.values()))
        arns = only_targets.target_arns()  # the pool's list, shared and read only
        targets = only_targets.targets[:3]
    else:
        # Pools differ between methods: the union is made of ARNs, first seen first (shared by the
        # findings with the same targets, like the pool's lists: read only).
        arns = model.cached(
            ("targets", *target_sets),
            lambda: list(dict.fromkeys(chain.from_iterable(h.target_arns() for h in target_sets.values()))),
        )
        targets = tuple(model.context.by_arn[arn] for arn in arns[:3])
    methods = ", ".join(f"{h.method.title} ({h.method.id})" for h in hits[:4])
    if len(hits) > 4:
        methods += f" and {len(hits) - 4} more methods"
    who = f"{subject.record.kind} {subject.record.name}"
    message = _OPENING[kind].format(who=who) + f": {methods}"
    if arns:
        message += f"; reaches {_describe(model, targets, len(arns))}"
    elif all(not h.known for h in hits):
        message += "; the grants are open-ended, though no privileged target is known in the inventory"
    grants = [g for h in hits for g in h.grants]
    grants.sort(key=lambda g: g.action != "iam:PassRole")  # the PassRole statement locates the finding
    details: dict[str, object] = {
        "kind": kind,
        "methods": [_method_details(h) for h in hits],
        "targets": arns,
        "statements": statements_of(grants),
    }
    passable_sets = {h.passable_set(): h for h in hits}
    if len(passable_sets) == 1:
        only = next(iter(passable_sets.values()))
        if only.passable:
            details["passable_roles"] = only.passable_arns_sorted()
    else:
        passable = model.cached(
            ("passable", *sorted(passable_sets)),
            lambda: sorted({a for h in passable_sets.values() for a in h.passable_arns_sorted()}),
        )
        if passable:
            details["passable_roles"] = passable
    return finding_for_grants(RULE, subject, grants, message, severity=severity, details=details)


def _minimal(hits: list[Hit]) -> list[Hit]:
    """Drop every hit whose actions strictly include another hit's actions."""
    sets = [frozenset(h.method.actions) for h in hits]
    return [h for h, s in zip(hits, sets, strict=True) if not any(other < s for other in sets)]


def _path_finding(subject: Subject, model: Model, chain: list[Subject], context: AuditContext) -> Finding:
    end = chain[-1]
    admin = model.admin(end)
    names = " → ".join(s.record.name for s in chain)
    message = (
        f"{subject.record.kind} {subject.record.name} can reach {'administrator' if admin else 'privileged'} "
        f"role {end.record.name} by assuming roles: {names}"
    )
    first = chain[1]
    ctx = principal_context(subject.record)
    grants = [
        g
        for g in live_grants(subject.permissions, "sts:AssumeRole", context.now_epoch)
        if covers(g, first.record.arn, ctx)
    ]
    details: dict[str, object] = {
        "kind": "assume-path",
        "chain": [s.record.arn for s in chain],
        "hops": len(chain) - 1,
    }
    severity = Severity.critical if admin else Severity.high
    if grants:
        return finding_for_grants(RULE, subject, grants, message, severity=severity, details=details)
    trust = first.record.trust_policy  # the first role's trust names the subject itself
    return Finding(
        rule=RULE,
        message=message,
        principal=subject.info,
        policy=trust.label if trust is not None else None,
        actions=("sts:AssumeRole",),
        resources=(first.record.arn,),
        location=trust.location if trust is not None else None,
        severity=severity,
        confidence=Confidence.medium if subject.symbolic else None,
        details=details,
    )


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    if is_admin(subject, context) or service_linked(subject.record):
        return
    if grants_itself_anything(subject, context):
        return  # one call from administrator: POLP-ADMIN-002 says so
    model = model_for(context)
    taken = {r.action for r in self_grant_routes(subject, context, model.privileged)}
    hits = _minimal(
        [
            h
            for h in model.hits(subject, 1)
            if not h.method.covered_by and not taken.intersection(h.method.actions)
        ]
    )
    for hit in (h for h in hits if h.method.kind == "iam"):
        yield _finding(subject, model, [hit])
    for kind in ("passrole", "existing"):
        group = [h for h in hits if h.method.kind == kind]
        if group:
            yield _finding(subject, model, group)
    if subject.record.kind in ("user", "role"):
        chain = graph_for(context, model.privileged).path(subject)
        if chain is not None:
            yield _path_finding(subject, model, chain, context)


CHECK = Check(rule=RULE, run=run)
