"""POLP-WILD-001: an Allow statement that grants every action of a sensitive service (``kms:*``, ``*``).

Only patterns that name every action of the service count (``kms:*``, ``*:*``, ``*``); ``iam:*Policy*``
is a partial wildcard and is judged by the rules about what it grants. The statement must still grant
something of the service after Deny statements and the permissions boundary. A statement with
``"Action": "*"`` held by an effective administrator is left to the admin checks.

Overlap with POLP-WILD-002: this rule owns the services it names for a statement; POLP-WILD-002 leaves
out those services for that statement, and leaves statements with ``"Action": "*"`` entirely to this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
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
    StatementKey,
    grants_of,
    is_effective_admin,
    per_source,
    separable,
    statement_key,
)
from polp.checks.rules._scoping import Scope, grant_scope
from polp.checks.rules._wording import join_words, who
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.model import Statement

_HIGH = ("iam", "sts", "kms", "organizations", "secretsmanager")
_MEDIUM = (
    "ssm",
    "s3",
    "ec2",
    "lambda",
    "rds",
    "dynamodb",
    "sagemaker",
    "ecr",
    "eks",
    "ecs",
    "cloudtrail",
    "logs",
    "backup",
    "glue",
    "bedrock",
    "cloudformation",
    "codebuild",
)

#: Service prefix -> the severity of a full wildcard on it.
SENSITIVE_SERVICES: dict[str, Severity] = {
    **{s: Severity.high for s in _HIGH},
    **{s: Severity.medium for s in _MEDIUM},
}


@lru_cache(maxsize=1 << 14)
def covered_services(pattern: str) -> tuple[str, ...]:
    """The sensitive services of which the Action pattern names every action."""
    catalog = get_catalog()
    names = frozenset(catalog.expand(pattern))
    if not names:
        return ()
    return tuple(s for s in SENSITIVE_SERVICES if all(a in names for a in catalog.expand(f"{s}:*")))


@lru_cache(maxsize=1 << 12)
def names_every_service(pattern: str) -> bool:
    """Whether the pattern names every action of every service (``*``, ``*:*``)."""
    catalog = get_catalog()
    return len(catalog.expand(pattern)) == len(catalog.expand("*"))


def identity_allows(permissions: PolicySet) -> Iterator[tuple[SourcedPolicy, Statement]]:
    """Every identity-policy Allow statement with an Action element (NotAction is the admin checks')."""
    for sourced in permissions.policies:
        for statement in sourced.policy.statements:
            if (
                statement.effect == "Allow"
                and statement.action is not None
                and statement.principal is None
                and statement.not_principal is None
            ):
                yield sourced, statement


def key_of(sourced: SourcedPolicy, statement: Statement) -> StatementKey:
    return (sourced.label, id(sourced.handle), statement.label)


def _granted_by(
    permissions: PolicySet, sourced: SourcedPolicy, key: StatementKey, service: str
) -> Grant | None:
    """A grant of some action of ``service`` made by the statement, if any survives denies and bounds."""
    label = key[2]
    for action in get_catalog().expand(f"{service}:*"):
        if not any(g.source.statement == label for g in PolicySet.policy_grants(sourced, action)):
            continue  # the statement does not grant it even on its own
        for grant in grants_of(permissions, action):
            if statement_key(grant) == key and grant_scope(grant) > Scope.NONE:
                return grant
    return None


def _own_grant(sourced: SourcedPolicy, label: str, service: str) -> Grant | None:
    """:func:`_granted_by` when the statement's grants are its policy's own (:func:`separable`)."""
    for action in get_catalog().expand(f"{service}:*"):
        for grant in PolicySet.policy_grants(sourced, action):
            if grant.source.statement == label and grant_scope(grant) > Scope.NONE:
                return grant
    return None


@dataclass(frozen=True, slots=True)
class Wildcard:
    patterns: tuple[str, ...]
    services: tuple[str, ...]
    every_service: bool
    grants: tuple[Grant, ...]


def _wildcards(permissions: PolicySet) -> list[Wildcard]:
    found: list[Wildcard] = []
    for sourced, statement in identity_allows(permissions):
        assert statement.action is not None
        patterns = tuple(p for p in statement.action if covered_services(p))
        if not patterns:
            continue
        every = any(names_every_service(p) for p in patterns)
        if every and is_effective_admin(permissions):
            continue
        key = key_of(sourced, statement)
        own = separable(permissions)
        services: list[str] = []
        grants: list[Grant] = []
        for service in dict.fromkeys(s for p in patterns for s in covered_services(p)):
            if own:
                grant = per_source(
                    sourced,
                    ("wild-001", statement.label, service),
                    partial(_own_grant, sourced, statement.label, service),
                )
            else:
                grant = _granted_by(permissions, sourced, key, service)
            if grant is not None:
                services.append(service)
                grants.append(grant)
        if grants:
            kept = tuple(p for p in patterns if set(covered_services(p)) & set(services))
            found.append(Wildcard(kept, tuple(services), every, tuple(grants)))
    return found


_WILDCARDS = PerPolicySet(_wildcards)

RULE = Rule(
    id="POLP-WILD-001",
    name="service-wildcard",
    category="wildcards",
    severity=Severity.high,
    confidence=Confidence.high,
    summary="Grants every action of a sensitive service (svc:* or *)",
    explanation=(
        "A full service wildcard grants every present and future action of the service, including the ones "
        "that change permissions, delete data or read secrets. On IAM, STS, KMS, Organizations and Secrets "
        "Manager that is a path to the whole account; on the other services it hands a build or training "
        "job far more than its task."
    ),
    remediation=(
        "List the actions the workload calls instead of svc:*: generate the list from what it actually "
        "called (CloudTrail, IAM Access Analyzer policy generation) and keep each service's actions to the "
        "resources the workload owns."
    ),
    help_uri="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    for wildcard in _WILDCARDS(subject.permissions):
        services = join_words(wildcard.services)
        if wildcard.every_service:
            message = f"{who(subject)} is allowed every action of every service, including all of {services}"
        else:
            message = f"{who(subject)} is allowed every action of {services}"
        finding = finding_for_grants(
            RULE,
            subject,
            list(wildcard.grants),
            message + f" ({', '.join(wildcard.patterns)})",
            severity=max(SENSITIVE_SERVICES[s] for s in wildcard.services),
            details={"services": list(wildcard.services)},
        )
        yield replace(finding, actions=wildcard.patterns)


CHECK = Check(rule=RULE, run=run)
