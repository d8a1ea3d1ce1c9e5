"""POLP-KEY-001: active IAM user access keys, worse when old or unused.

Every active key is a finding (medium): workloads should get short-lived credentials from a role (OIDC
federation from CI, instance and task roles) instead of a secret stored in a pipeline. A key older than
``max_key_age_days`` or without use for :data:`UNUSED_DAYS` days is high. "Never used" is only claimed
when the key's creation date is known and old enough; a key from Terraform or CloudFormation, with no
dates, stays at medium. Inactive keys are not credentials anyone can use and are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from polp.checks.interface import AuditContext, Check, Confidence, Finding, Rule, Severity, Subject
from polp.inventory import AccessKey

UNUSED_DAYS = 90
_DAY = 86400.0
_ROOT = "<root_account>"

RULE = Rule(
    id="POLP-KEY-001",
    name="long-lived-access-key",
    category="long-lived-credentials",
    severity=Severity.medium,
    confidence=Confidence.high,
    summary="An IAM user holds an active long-lived access key",
    explanation=(
        "An access key works until someone deletes it, from anywhere. Keys of service users end up in CI "
        "variables, build images and laptops; a malicious dependency that reads the environment takes them "
        "with it. Old keys have been copied more often, and keys nobody uses are risk without benefit."
    ),
    remediation=(
        "Move the workload to a role: OIDC federation for CI (GitHub Actions, GitLab), instance profiles, "
        "ECS task roles or IRSA for EKS, SageMaker execution roles. Then deactivate and delete the key. "
        "Delete unused keys now; rotate keys that must stay, and alert on their use."
    ),
    help_uri="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
)


def _days(now: float, moment: datetime | None) -> float | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (now - aware.timestamp()) / _DAY


def _key_finding(subject: Subject, key: AccessKey, context: AuditContext) -> Finding:
    record = subject.record
    age = _days(context.now_epoch, key.created)
    idle = _days(context.now_epoch, key.last_used)
    reasons: list[str] = []
    if age is not None and age > context.max_key_age_days:
        reasons.append(f"created {int(age)} days ago (limit {context.max_key_age_days})")
    if idle is not None and idle > UNUSED_DAYS:
        reasons.append(f"last used {int(idle)} days ago")
    elif key.last_used is None and age is not None and age > UNUSED_DAYS:
        reasons.append("no recorded use since it was created")
    severity = Severity.high if reasons else Severity.medium
    if record.name == _ROOT:
        severity = Severity.critical
        message = f"the root user has an active access key {key.key_id}"
    else:
        message = f"user {record.name} has an active access key {key.key_id}"
    if reasons:
        message += ": " + "; ".join(reasons)
    elif age is None:
        message += " (a long-lived secret; use a role instead)"
    return Finding(
        rule=RULE,
        message=message,
        principal=subject.info,
        resources=(key.key_id,),
        location=record.location,
        severity=severity,
        details={
            "access_key": key.key_id,
            "age_days": None if age is None else int(age),
            "days_since_use": None if idle is None else int(idle),
            "password_enabled": record.password_enabled,
        },
    )


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    if subject.record.kind != "user":
        return
    for key in subject.record.access_keys:
        if key.active:
            yield _key_finding(subject, key, context)


CHECK = Check(rule=RULE, run=run, applies_to_policies=False)
