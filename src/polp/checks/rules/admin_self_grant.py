"""POLP-ADMIN-002: the principal can grant itself any permission.

Checked against the concrete ARNs polp knows: the principal's own user or role, its groups, the
customer-managed policies attached to it, and the groups of the inventory it could join. A grant
counts when one of its Resource patterns names the ARN (policy variables such as
``${aws:username}`` substituted for the principal). Administrators are left to POLP-ADMIN-001.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

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
from polp.checks.rules._asking import mentioned
from polp.checks.rules._grants import (
    allowed_on,
    covers,
    live_grants,
    principal_context,
    same_account,
    statements_of,
)
from polp.checks.rules.admin_effective import admin_status
from polp.iam.arn import account_of
from polp.iam.context import RequestContext
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.inventory import PolicyRef

Ranker = Callable[[Subject], bool]

_SELF = {
    "user": ("iam:PutUserPolicy", "iam:AttachUserPolicy"),
    "role": ("iam:PutRolePolicy", "iam:AttachRolePolicy"),
}
_UNBOUND = {
    "user": ("iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary"),
    "role": ("iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"),
}
_GROUP = ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")
_POLICY = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")
#: Every action a route may use.
_ROUTE_ACTIONS = (
    *_SELF["user"],
    *_SELF["role"],
    *_UNBOUND["user"],
    *_UNBOUND["role"],
    *_GROUP,
    *_POLICY,
    "iam:AddUserToGroup",
)


@dataclass(frozen=True, slots=True)
class Route:
    """One way to grant oneself permissions: an action allowed on one known ARN."""

    action: str
    target: str
    what: str
    grants: tuple[Grant, ...]
    #: The gain is capped (by a permissions boundary, or by what older policy versions allow).
    capped: bool = False


def _route(
    subject: Subject, now: float, ctx: RequestContext | None, action: str, arn: str, what: str, capped: bool
) -> Route | None:
    live = live_grants(subject.permissions, action, now)
    if not allowed_on(subject.permissions, subject.record, action, arn, live, ctx):
        return None
    return Route(action, arn, what, tuple(g for g in live if covers(g, arn, ctx)), capped)


def _customer_managed(refs: tuple[PolicyRef, ...]) -> dict[str, PolicyRef]:
    return {
        ref.arn: ref
        for ref in refs
        if ref.kind == "managed" and ref.arn and account_of(ref.arn) not in (None, "aws")
    }


def self_grant_routes(subject: Subject, context: AuditContext, group_privileged: Ranker) -> list[Route]:
    """Every self-grant route of a user or role (``group_privileged`` ranks groups it could join)."""
    if subject.record.kind not in ("user", "role"):
        return []
    own, joins = _routes(subject, context)
    return [*own, *(route for route, group in joins if group_privileged(group))]


_ROUTES: tuple[AuditContext, dict[int, tuple[list[Route], list[tuple[Route, Subject]]]]] | None = None


def _routes(subject: Subject, context: AuditContext) -> tuple[list[Route], list[tuple[Route, Subject]]]:
    """The routes on the subject's own ARNs, and the groups it could join with their routes, before
    the groups are ranked (computed once per subject of an audit)."""
    global _ROUTES
    if _ROUTES is None or _ROUTES[0] is not context:
        _ROUTES = (context, {})
    cache = _ROUTES[1]
    found = cache.get(id(subject))  # subjects live as long as their audit
    if found is None:
        found = cache[id(subject)] = _compute_routes(subject, context)
    return found


def _compute_routes(
    subject: Subject, context: AuditContext
) -> tuple[list[Route], list[tuple[Route, Subject]]]:
    record = subject.record
    named = subject.permissions.allowed_services()
    if named is not None and "iam" not in named:
        return [], []  # every route is an IAM action, and no Allow statement names IAM
    now = context.now_epoch
    ctx = principal_context(record)
    boundary = record.permissions_boundary
    capped = boundary is not None and not _admin_policies(subject.permissions.boundary, now)
    candidates: list[tuple[str, str, str, bool]] = [
        (a, record.arn, f"its own {record.kind}", capped) for a in _SELF[record.kind]
    ]
    if boundary is not None:
        uncapped = _admin_policies(subject.permissions.policies, now)
        candidates += [
            (a, record.arn, "its own permissions boundary", not uncapped) for a in _UNBOUND[record.kind]
        ]
    groups = list(context.inventory.groups_of(record)) if record.kind == "user" else []
    candidates += [(a, g.arn, f"its group {g.name}", capped) for g in groups for a in _GROUP]
    for arn, ref in _customer_managed(context.inventory.identity_policies(record)).items():
        candidates.append(("iam:CreatePolicyVersion", arn, f"its policy {ref.name}", capped))
        candidates.append(("iam:SetDefaultPolicyVersion", arn, f"its policy {ref.name}", True))
    asked = mentioned(subject.permissions, _ROUTE_ACTIONS)  # others cannot be granted: no route
    routes = [
        r for r in (_route(subject, now, ctx, *c) for c in candidates if c[0] in asked) if r is not None
    ]
    joins: list[tuple[Route, Subject]] = []
    if record.kind == "user":
        from polp.checks.rules._escalation import model_for

        member = {g.arn for g in groups}
        for group in model_for(context).groups if "iam:AddUserToGroup" in asked else ():
            if group.record.arn in member or not same_account(record, group.record):
                continue
            route = _route(
                subject,
                now,
                ctx,
                "iam:AddUserToGroup",
                group.record.arn,
                f"the privileged group {group.record.name}",
                capped,
            )
            if route is not None:
                joins.append((route, group))
    return routes, joins


def grants_itself_anything(subject: Subject, context: AuditContext) -> bool:
    """Whether an uncapped self-grant makes the principal an administrator in one call (cached)."""
    from polp.checks.rules._escalation import model_for

    model = model_for(context)
    return model.cached(
        ("self-grant", subject.record.kind, subject.record.arn),
        lambda: any(not r.capped for r in self_grant_routes(subject, context, model.privileged)),
    )


def _admin_policies(policies: tuple[SourcedPolicy, ...], now: float) -> bool:
    """Whether some policies on their own (a boundary, or the identity policies alone) make an admin."""
    return bool(policies) and admin_status(PolicySet(policies), now) is not None


RULE = Rule(
    id="POLP-ADMIN-002",
    name="self-grant",
    category="admin",
    severity=Severity.critical,
    confidence=Confidence.high,
    summary=(
        "The principal can grant itself any permission: it may write or attach policies on itself, "
        "its groups or its own managed policies, remove its boundary, or join a privileged group."
    ),
    explanation=(
        "A principal allowed to put or attach a policy on its own user or role, on one of its groups, "
        "to publish a new version of a managed policy attached to it, to delete its own permissions "
        "boundary, or to add itself to a more privileged group, is one API call away from being an "
        "administrator. Its other permissions do not matter: whoever holds its credentials (a leaked CI "
        "secret, a compromised dependency) holds everything. When a permissions boundary caps what it "
        "can grant itself, the severity is high instead of critical."
    ),
    remediation=(
        "Remove the IAM write actions from the principal, or scope their Resource to the ARNs it "
        "must manage (never its own user, role, groups or policies) and add a Deny for "
        "iam:*PermissionsBoundary on itself. Deployment pipelines that create roles should do it "
        "under a permissions boundary enforced with the iam:PermissionsBoundary condition key."
    ),
    help_uri="https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    if subject.record.kind not in ("user", "role"):
        return
    if admin_status(subject.permissions, context.now_epoch) is not None:
        return  # POLP-ADMIN-001 reports it
    from polp.checks.rules._escalation import model_for

    routes = self_grant_routes(subject, context, model_for(context).privileged)
    if not routes:
        return
    grants = [g for r in routes for g in r.grants]
    capped = all(r.capped for r in routes)
    parts = sorted({f"{r.action} on {r.what}" for r in routes})
    message = f"{subject.record.kind} {subject.record.name} can grant itself permissions: " + "; ".join(parts)
    if capped:
        message += " (what it can gain is capped by its permissions boundary or by existing policy versions)"
    details: dict[str, object] = {
        "routes": [
            {"action": r.action, "target": r.target, "via": r.what, "capped": r.capped} for r in routes
        ],
        "statements": statements_of(grants),
    }
    yield finding_for_grants(
        RULE, subject, grants, message, severity=Severity.high if capped else None, details=details
    )


CHECK = Check(rule=RULE, run=run, applies_to_policies=False)
