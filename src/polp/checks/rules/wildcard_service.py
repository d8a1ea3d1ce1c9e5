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
from functools import cache, lru_cache, partial

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
from polp.iam.wildcards import has_wildcard

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


@cache
def _service_actions() -> dict[str, frozenset[str]]:
    catalog = get_catalog()
    return {s: frozenset(catalog.expand(f"{s}:*")) for s in SENSITIVE_SERVICES}


@lru_cache(maxsize=1 << 14)
def covered_services(pattern: str) -> tuple[str, ...]:
    """The sensitive services of which the Action pattern names every action."""
    expanded = get_catalog().expand(pattern)
    if not expanded:
        return ()
    actions = _service_actions()
    prefix, colon, _ = pattern.partition(":")
    if colon and not has_wildcard(prefix):
        # One service named: no other can be covered (but one without actions, as all() says).
        wanted = [s for s, names in actions.items() if s == prefix.lower() or not names]
    else:
        wanted = list(actions)
    if not wanted:
        return ()
    names = frozenset(expanded)
    return tuple(s for s in wanted if actions[s] <= names)


@lru_cache(maxsize=1 << 14)
def names_every_service(pattern: str) -> bool:
    """Whether the pattern names every action of every service (``*``, ``*:*``)."""
    catalog = get_catalog()
    return len(catalog.expand(pattern)) == len(catalog.expand("*"))


def is_identity_allow(statement: Statement) -> bool:
    """An identity-policy Allow statement with an Action element (NotAction is the admin checks')."""
    return (
        statement.effect == "Allow"
        and statement.action is not None
        and statement.principal is None
        and statement.not_principal is None
    )


def key_of(sourced: SourcedPolicy, statement: Statement) -> StatementKey:
    return (sourced.label, id(sourced.handle), statement.label)


def _granted_by(
    permissions: PolicySet, sourced: SourcedPolicy, key: StatementKey, service: str
) -> Grant | None:
    """A grant of some action of ``service`` made by the statement, if any survives denies and bounds."""
    label = key[2]
    inside = permissions.boundary_actions()  # a boundary without the service: no question per action
    for action in get_catalog().expand(f"{service}:*"):
        if inside is not None and action.lower() not in inside:
            continue
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


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A statement of one policy with full wildcards of sensitive services, before asking about grants."""

    statement: Statement
    patterns: tuple[str, ...]
    services: tuple[str, ...]
    every: bool


def _candidates(sourced: SourcedPolicy) -> tuple[_Candidate, ...]:
    found: list[_Candidate] = []
    for statement in sourced.policy.statements:
        if not is_identity_allow(statement):
            continue
        assert statement.action is not None
        patterns = tuple(p for p in statement.action if covered_services(p))
        if patterns:
            services = tuple(dict.fromkeys(s for p in patterns for s in covered_services(p)))
            every = any(names_every_service(p) for p in patterns)
            found.append(_Candidate(statement, patterns, services, every))
    return tuple(found)


def _wildcard(candidate: _Candidate, granted: list[tuple[str, Grant]]) -> Wildcard | None:
    if not granted:
        return None
    services = {s for s, _ in granted}
    kept = tuple(p for p in candidate.patterns if services.intersection(covered_services(p)))
    return Wildcard(kept, tuple(s for s, _ in granted), candidate.every, tuple(g for _, g in granted))


def _own_wildcards(sourced: SourcedPolicy) -> tuple[Wildcard, ...]:
    """The wildcards of one policy when its grants stand on their own (:func:`separable` sets)."""
    found: list[Wildcard] = []
    for candidate in per_source(sourced, "wild-001", partial(_candidates, sourced)):
        label = candidate.statement.label
        granted = [
            (service, grant)
            for service in candidate.services
            if (grant := _own_grant(sourced, label, service)) is not None
        ]
        wildcard = _wildcard(candidate, granted)
        if wildcard is not None:
            found.append(wildcard)
    return tuple(found)


def _wildcards(permissions: PolicySet) -> list[Wildcard]:
    # Statements of separable sets are judged once per policy; the others once per set.
    found: list[Wildcard] = []
    own = separable(permissions)
    for sourced in permissions.policies:
        if own:
            found.extend(per_source(sourced, "wild-001-own", partial(_own_wildcards, sourced)))
            continue
        for candidate in per_source(sourced, "wild-001", partial(_candidates, sourced)):
            if candidate.every and is_effective_admin(permissions):
                continue
            key = key_of(sourced, candidate.statement)
            granted = [
                (service, grant)
                for service in candidate.services
                if (grant := _granted_by(permissions, sourced, key, service)) is not None
            ]
            wildcard = _wildcard(candidate, granted)
            if wildcard is not None:
                found.append(wildcard)
    if own and any(w.every_service for w in found) and is_effective_admin(permissions):
        found = [w for w in found if not w.every_service]  # the admin checks' statements
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
