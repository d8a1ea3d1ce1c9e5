"""POLP-ADMIN-001: the principal is an administrator in effect, whatever its policies are called.

Administrator means one of two things, each judged on a fixed set of high-impact actions that must
all be allowed on every resource (after denies, NotAction/NotResource and the boundary):

* **every service**: IAM writes, STS, EC2, S3, KMS, Secrets Manager, RDS, Lambda, DynamoDB,
  CloudTrail and Organizations (``"Action": "*"``, ``NotAction: iam:PassRole`` and friends);
* **all of IAM's permission writes**: whoever can put or attach any policy on any user, group or
  role, or rewrite any managed policy, can make itself administrator in one call (``iam:*``).

Other checks import :func:`admin_status` to skip administrators and to rank targets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

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
from polp.checks.rules._grants import condition_keys, live_grants, statements_of, unbounded
from polp.iam.effective import Grant, PolicySet

#: A sample of what an administrator can do, one or two actions per critical service.
EVERY_SERVICE = (
    "iam:PutRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "sts:AssumeRole",
    "ec2:RunInstances",
    "ec2:TerminateInstances",
    "s3:GetObject",
    "s3:DeleteBucket",
    "kms:Decrypt",
    "kms:ScheduleKeyDeletion",
    "secretsmanager:GetSecretValue",
    "rds:DeleteDBInstance",
    "rds:DeleteDBClusterSnapshot",
    "lambda:UpdateFunctionCode",
    "dynamodb:DeleteTable",
    "cloudtrail:StopLogging",
    "organizations:LeaveOrganization",
)

#: Every way to change what an identity may do, on any identity: one call from administrator.
IAM_CONTROL = (
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:CreatePolicyVersion",
)


@dataclass(frozen=True, slots=True)
class AdminStatus:
    #: "every-service" or "iam-control".
    criterion: str
    #: The unbounded grants of the criterion's actions.
    grants: tuple[Grant, ...]
    #: True when at least one of the actions is allowed only under conditions.
    conditional: bool


#: The key of :func:`admin_status` answers in :attr:`PolicySet.memo` (with the time asked about).
_ADMIN = object()


def _judge(
    permissions: PolicySet, actions: tuple[str, ...], now: float
) -> tuple[tuple[Grant, ...], bool] | None:
    if len(mentioned(permissions, actions)) < len(actions):
        return None  # an action no Allow statement names is not granted
    found: list[Grant] = []
    conditional = False
    for action in actions:
        grants = [g for g in live_grants(permissions, action, now) if unbounded(g)]
        if not grants:
            return None
        solid = [g for g in grants if g.unconditional]
        conditional = conditional or not solid
        found.extend(solid or grants)
    return tuple(found), conditional


def admin_status(permissions: PolicySet, now: float) -> AdminStatus | None:
    """Whether a policy set makes its holder an administrator (cached per policy set)."""
    key = (_ADMIN, now)
    if key in permissions.memo:
        return cast(AdminStatus | None, permissions.memo[key])
    status: AdminStatus | None = None
    candidates = []
    for criterion, actions in (("every-service", EVERY_SERVICE), ("iam-control", IAM_CONTROL)):
        judged = _judge(permissions, actions, now)
        if judged is not None:
            candidates.append(AdminStatus(criterion, judged[0], judged[1]))
    if candidates:
        status = min(candidates, key=lambda s: s.conditional)  # an unconditional criterion wins
    permissions.memo[key] = status
    return status


def is_admin(subject: Subject, context: AuditContext, *, strict: bool = True) -> bool:
    """Administrator; with ``strict``, only when no condition stands in the way."""
    status = admin_status(subject.permissions, context.now_epoch)
    return status is not None and (not strict or not status.conditional)


RULE = Rule(
    id="POLP-ADMIN-001",
    name="effective-administrator",
    category="admin",
    severity=Severity.critical,
    confidence=Confidence.high,
    summary=(
        "The principal is an administrator in effect: it can act on every resource of every "
        "critical service, or rewrite any identity's permissions."
    ),
    explanation=(
        "Whatever the policy is called, this principal can modify IAM, assume roles, run and "
        "terminate instances, read and delete data, decrypt with any key and stop CloudTrail on "
        "every resource, or it can change the permissions of any identity and so grant itself "
        "all of that in one call. A service account that trains, builds or deploys models needs "
        "none of it; if its credentials leak, or a malicious dependency runs in its pipeline, the "
        "whole account is lost, backups included. Grants behind a Deny or outside the permissions "
        "boundary are not counted."
    ),
    remediation=(
        "Replace the broad statements with the actions and resources the workload uses (generate "
        "them from CloudTrail with IAM Access Analyzer policy generation, or from polp's usage "
        "view), attach a permissions boundary that excludes IAM writes, and keep administrator "
        "access for break-glass roles that humans assume with MFA."
    ),
    help_uri="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    status = admin_status(subject.permissions, context.now_epoch)
    if status is None:
        return
    statements = statements_of(status.grants)
    if status.criterion == "every-service":
        what = "every critical service on every resource"
    else:
        what = "IAM: it can give any identity, itself included, any permission"
    message = (
        f"{subject.record.kind} {subject.record.name} is an effective administrator of {what}; granted by "
        + ", ".join(statements[:3])
        + (f" and {len(statements) - 3} more" if len(statements) > 3 else "")
    )
    details: dict[str, object] = {"criterion": status.criterion, "statements": statements}
    severity = None
    if status.conditional:
        severity = Severity.high
        details["conditional"] = True
        details["condition_keys"] = list(condition_keys(status.grants))
        message += "; some of it only under conditions, which lowers the severity to high"
    yield finding_for_grants(RULE, subject, list(status.grants), message, severity=severity, details=details)


CHECK = Check(rule=RULE, run=run)
