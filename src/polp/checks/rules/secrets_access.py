"""POLP-SECRETS-001: the principal can read secrets it was not given by name.

"If your service account can read the production API keys from your Secret Manager, you haven't
actually applied PoLP." One finding per store (Secrets Manager, SSM Parameter Store, KMS):

* **high**: every secret, every parameter, or decrypt with every key;
* **medium**: every resource, but only under conditions (a tag, ``kms:ViaService``), or a wildcard
  scope such as ``secret:prod/*`` or ``parameter/prod/*``;
* not reported: named secrets and parameters, which is what least privilege looks like. A Secrets
  Manager pattern with the random suffix wildcard (``secret:prod/db-??????``, ``secret:prod/db-*``)
  names one secret.

``ssm:GetParametersByPath`` on a path reads everything below it, so a named path is a wildcard scope.
``secretsmanager:BatchGetSecretValue`` is not reported on its own: it only accepts ``"*"`` and still
needs ``GetSecretValue`` on each secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
from polp.checks.rules._grants import (
    condition_keys,
    conditional,
    live_grants,
    service_linked,
    statements_of,
    unbounded,
)
from polp.checks.rules.admin_effective import is_admin
from polp.checks.rules.admin_self_grant import grants_itself_anything
from polp.iam.arn import parse_arn
from polp.iam.effective import Grant
from polp.iam.wildcards import has_wildcard


@dataclass(frozen=True, slots=True)
class Store:
    name: str
    what: str
    actions: tuple[str, ...]


STORES = (
    Store("secretsmanager", "Secrets Manager secrets", ("secretsmanager:GetSecretValue",)),
    Store(
        "ssm",
        "SSM parameters (SecureStrings included)",
        ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"),
    ),
    Store("kms", "data encrypted with KMS keys", ("kms:Decrypt",)),
)

#: ``name`` + the random suffix Secrets Manager appends: the usual way to name one secret.
_SECRET_SUFFIX = re.compile(r"^(?P<name>.*?)(?:-\?{6}|\?{6}|-\*|\*)$")
_SEPARATORS = ("/", "-", "_", ":", ".", "+", "=", "@")


def _names_one(action: str, pattern: str) -> bool:
    """Whether a Resource pattern names a single secret, parameter or key."""
    if pattern == "*":
        return False
    resource = parse_arn(pattern)
    if resource is None:
        return False
    if action == "ssm:GetParametersByPath":
        return False  # a path: everything below it
    if not has_wildcard(resource.resource):
        return True
    if action.startswith("secretsmanager:") and resource.resource.startswith("secret:"):
        match = _SECRET_SUFFIX.match(resource.resource[len("secret:") :])
        if match is not None:
            name = match.group("name")
            return bool(name) and not has_wildcard(name) and not name.endswith(_SEPARATORS)
    return False


def _scope(grant: Grant) -> str | None:
    """``"all"``, ``"wildcard"`` or ``None`` (named resources only) for one grant."""
    if unbounded(grant):
        return "all"
    if grant.not_resources:
        return "wildcard"
    if any(not _names_one(grant.action, p) for p in grant.resources):
        return "wildcard"
    return None


RULE = Rule(
    id="POLP-SECRETS-001",
    name="secrets-access",
    category="secrets",
    severity=Severity.high,
    confidence=Confidence.high,
    summary=(
        "The principal can read secrets beyond the ones it needs: every secret, every parameter, "
        "decrypt with every key, or everything under a wildcard prefix."
    ),
    explanation=(
        "A training or deployment identity usually needs one or two named secrets (a registry "
        "token, a database password). Read access to every secret, every SecureString parameter "
        "or decrypt on every key hands whoever runs code as this identity (a compromised "
        "dependency, a poisoned notebook, a leaked CI token) the production API keys and "
        "database passwords of every other workload. A wildcard prefix such as prod/* or access "
        "only under a condition is reported at medium severity; named secrets are not reported."
    ),
    remediation=(
        "List the secrets and parameters by ARN (with the -?????? suffix for Secrets Manager), limit "
        "kms:Decrypt to the keys of those secrets and add a kms:ViaService condition, and use "
        "resource policies on the secrets to deny everyone else."
    ),
    help_uri="https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html",
)


def _store_finding(subject: Subject, context: AuditContext, store: Store) -> Finding | None:
    scoped: list[tuple[Grant, str]] = []
    for action in store.actions:
        for grant in live_grants(subject.permissions, action, context.now_epoch):
            scope = _scope(grant)
            if scope is not None:
                scoped.append((grant, scope))
    if not scoped:
        return None
    everything = [g for g, s in scoped if s == "all"]
    firm = [g for g in everything if g.unconditional]
    grants = firm or everything or [g for g, _ in scoped]
    who = f"{subject.record.kind} {subject.record.name}"
    details: dict[str, object] = {"store": store.name, "statements": statements_of(grants)}
    if firm:
        message = f"{who} can read all {store.what}"
        severity = Severity.high
        details["scope"] = "all"
    elif everything:
        message = (
            f"{who} can read all {store.what} when its conditions hold "
            f"({', '.join(condition_keys(everything))}), which lowers the severity to medium"
        )
        severity = Severity.medium
        details["scope"] = "all-conditional"
    else:
        patterns = sorted({p for g in grants for p in (g.resources or g.not_resources)})
        message = f"{who} can read {store.what} under wildcard scopes: {', '.join(patterns[:3])}" + (
            f" and {len(patterns) - 3} more" if len(patterns) > 3 else ""
        )
        severity = Severity.medium
        details["scope"] = "wildcard"
        if conditional(grants):
            details["condition_keys"] = list(condition_keys(grants))
    return finding_for_grants(RULE, subject, grants, message, severity=severity, details=details)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    if (
        is_admin(subject, context)
        or service_linked(subject.record)
        or grants_itself_anything(subject, context)
    ):
        return  # POLP-ADMIN-001 or POLP-ADMIN-002 covers it
    for store in STORES:
        finding = _store_finding(subject, context, store)
        if finding is not None:
            yield finding


CHECK = Check(rule=RULE, run=run)
