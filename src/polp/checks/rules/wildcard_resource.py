"""POLP-WILD-002: write or permissions-management actions on ``"Resource": "*"`` that could be scoped.

Only actions the catalog lets a policy limit to resources count: ``ecr:GetAuthorizationToken``,
``cloudwatch:PutMetricData`` or ``ec2:Describe*`` accept nothing but ``*``, so listing them here would
be noise nobody can fix. One finding per statement lists the actions.

Left to other rules: statements with ``"Action": "*"`` and the services a statement grants with a full
wildcard (POLP-WILD-001 reports them), IAM's own actions (the escalation and credentials checks),
NotAction statements and effective administrators (the admin checks), where narrowing one statement
would change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache, partial

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
from polp.checks.rules._asking import (
    PerPolicySet,
    grants_of,
    is_effective_admin,
    per_source,
    separable,
    statement_key,
)
from polp.checks.rules._wording import who
from polp.checks.rules.wildcard_service import (
    covered_services,
    is_identity_allow,
    key_of,
    names_every_service,
)
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.model import Statement

SCOPED_LEVELS = ("Write", "Permissions management")

#: IAM writes on "*" (iam:PassRole, iam:PutRolePolicy, iam:CreateAccessKey) are judged by the
#: privilege-escalation and credentials checks, with the severity they deserve.
LEFT_TO_ESCALATION = frozenset({"iam"})

#: The catalog files some reads as writes (athena:GetSessionEndpoint, iot:ListSubscriptions); the ones
#: that issue credentials (redshift:GetClusterCredentials) are the credentials checks'. Applied to the
#: catalog's action names, never to policies.
READ_PREFIXES = ("Get", "List", "Describe")

#: The catalog lists a resource type for these, but in practice they take "*": PutMetricData's
#: optional CloudWatch "dataset" type is new and metrics are scoped with the cloudwatch:namespace key.
STAR_IN_PRACTICE = frozenset({"cloudwatch:PutMetricData"})


@lru_cache(maxsize=1 << 14)
def scopable_writes(pattern: str) -> tuple[tuple[str, str], ...]:
    """``(action, service)`` for each write or permissions-management action of the pattern that
    supports resource-level permissions."""
    catalog = get_catalog()
    out: list[tuple[str, str]] = []
    for name in catalog.expand(pattern):
        info = catalog.action(name)
        if (
            info is not None
            and info.access_level in SCOPED_LEVELS
            and info.supports_resource_level
            and info.full_name not in STAR_IN_PRACTICE
            and not info.name.startswith(READ_PREFIXES)
        ):
            out.append((info.full_name, info.service))
    return tuple(out)


def _statement_grants(permissions: PolicySet) -> list[list[Grant]]:
    if is_effective_admin(permissions):
        return []
    groups: list[list[Grant]] = []
    if separable(permissions):
        # The statements' grants are their policies' own: worked out once per policy.
        for sourced in permissions.policies:
            groups.extend(list(g) for g in per_source(sourced, "wild-002", partial(_own_groups, sourced)))
        return groups
    inside = permissions.boundary_actions()
    for sourced in permissions.policies:
        for statement, actions in per_source(sourced, "wild-002-actions", partial(_candidates, sourced)):
            key = key_of(sourced, statement)
            found = [
                g
                for a in actions
                if inside is None or a.lower() in inside
                for g in grants_of(permissions, a)
                if statement_key(g) == key and "*" in g.resources
            ]
            if found:
                groups.append(found)
    return groups


def _candidates(sourced: SourcedPolicy) -> tuple[tuple[Statement, tuple[str, ...]], ...]:
    """The policy's identity Allow statements on ``"*"`` this rule judges, with their :func:`_actions`."""
    found: list[tuple[Statement, tuple[str, ...]]] = []
    for statement in sourced.policy.statements:
        if (
            not is_identity_allow(statement)
            or statement.resource is None
            or "*" not in statement.resource
            or any(names_every_service(p) for p in statement.action or ())
        ):
            continue
        found.append((statement, tuple(_actions(statement))))
    return tuple(found)


def _actions(statement: Statement) -> dict[str, None]:
    """The scopable writes the statement names, outside the services it grants in full."""
    assert statement.action is not None
    owned = {s for p in statement.action for s in covered_services(p)} | LEFT_TO_ESCALATION
    return dict.fromkeys(a for p in statement.action for a, s in scopable_writes(p) if s not in owned)


def _own_groups(sourced: SourcedPolicy) -> tuple[tuple[Grant, ...], ...]:
    """:func:`_statement_grants`' groups of one policy, from its grants alone."""
    groups = []
    for statement, actions in per_source(sourced, "wild-002-actions", partial(_candidates, sourced)):
        label = statement.label
        found = tuple(
            g
            for a in actions
            for g in PolicySet.policy_grants(sourced, a)
            if g.source.statement == label and "*" in g.resources
        )
        if found:
            groups.append(found)
    return tuple(groups)


_GROUPS = PerPolicySet(_statement_grants)

RULE = Rule(
    id="POLP-WILD-002",
    name="write-on-any-resource",
    category="wildcards",
    generic=True,
    severity=Severity.medium,
    confidence=Confidence.high,
    summary='Write or permissions-management actions on "Resource": "*" that could name their resources',
    explanation=(
        'These actions can be limited to named resources, but the statement grants them on "*": on every '
        "existing and future resource of the account. A job that should update one endpoint or one queue "
        "can then change all of them."
    ),
    remediation=(
        'Replace "*" with the ARNs of the resources the workload changes, or a naming prefix it owns '
        '(arn:aws:sagemaker:eu-west-1:111122223333:endpoint/churn-*). Keep "*" only for the actions that '
        "accept nothing else, in a statement of their own."
    ),
    help_uri="https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    for grants in _GROUPS(subject.permissions):
        count = len({g.action for g in grants})
        noun = "action" if count == 1 else "actions"
        message = (
            f'{who(subject)} is allowed {count} write or permissions-management {noun} on "Resource": '
            '"*" that could be limited to named resources'
        )
        yield finding_for_grants(RULE, subject, grants, message)


CHECK = Check(rule=RULE, run=run)
