"""POLP-DESTROY-001: deleting data stores, their backups, or the safeguards that keep backups.

Backups, snapshots and recovery points are critical: they are what an incident is recovered from,
and deleting them is what turns a breach into a loss (the deployer that also deleted the database
snapshots). Data stores are high, switching off a safeguard (versioning, lifecycle, point-in-time
recovery, a vault lock) is medium. A grant on every resource keeps the kind's severity; a wildcard
inside a name (``snapshot:prod-*``) is one step lower; named resources are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

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
from polp.checks.rules._asking import PerPolicySet, by_statement, granted
from polp.checks.rules._scoping import Scope, grant_scope
from polp.checks.rules._wording import condition_keys, join_words, lower, scope_text, who
from polp.iam.effective import Grant, PolicySet

Kind = Literal["backup", "store", "safeguard"]

_KIND_SEVERITY: dict[Kind, Severity] = {
    "backup": Severity.critical,
    "store": Severity.high,
    "safeguard": Severity.medium,
}


@dataclass(frozen=True, slots=True)
class Target:
    kind: Kind
    #: What a message calls it ("RDS and Aurora database snapshots and automated backups").
    phrase: str
    actions: tuple[str, ...]
    #: The resource type the action destroys, when the catalog lists others beside it (the final
    #: snapshot ``rds:DeleteDBCluster`` may write); ``None`` judges every type.
    resource_type: str | None = None


TARGETS: tuple[Target, ...] = (
    Target(
        "backup",
        "RDS and Aurora database snapshots and automated backups",
        (
            "rds:DeleteDBSnapshot",
            "rds:DeleteDBClusterSnapshot",
            "rds:DeleteDBInstanceAutomatedBackup",
            "rds:DeleteDBClusterAutomatedBackup",
        ),
    ),
    Target(
        "backup",
        "AWS Backup recovery points and vaults",
        ("backup:DeleteRecoveryPoint", "backup:DeleteBackupVault", "backup:UpdateRecoveryPointLifecycle"),
    ),
    Target("backup", "DynamoDB backups", ("dynamodb:DeleteBackup",)),
    Target("backup", "EBS snapshots", ("ec2:DeleteSnapshot",)),
    Target(
        "backup",
        "ElastiCache and MemoryDB snapshots",
        (
            "elasticache:DeleteSnapshot",
            "elasticache:DeleteServerlessCacheSnapshot",
            "memorydb:DeleteSnapshot",
        ),
    ),
    Target(
        "backup",
        "Redshift snapshots",
        ("redshift:DeleteClusterSnapshot", "redshift-serverless:DeleteSnapshot"),
        "snapshot",
    ),
    Target("backup", "FSx backups", ("fsx:DeleteBackup",)),
    Target("backup", "Glacier archives and vaults", ("glacier:DeleteArchive", "glacier:DeleteVault")),
    Target(
        "backup",
        "DocumentDB Elastic and Neptune Analytics snapshots",
        ("docdb-elastic:DeleteClusterSnapshot", "neptune-graph:DeleteGraphSnapshot"),
    ),
    # Permanently removes object versions: what makes a versioned bucket a backup.
    Target("backup", "S3 object versions (permanently)", ("s3:DeleteObjectVersion",)),
    Target("store", "RDS, Aurora, DocumentDB and Neptune clusters", ("rds:DeleteDBCluster",), "cluster"),
    # DeleteAutomatedBackups defaults to true: deleting an instance also drops its automated backups.
    Target(
        "store", "RDS database instances (with their automated backups by default)", ("rds:DeleteDBInstance",)
    ),
    Target("store", "DynamoDB tables", ("dynamodb:DeleteTable",)),
    Target("store", "S3 buckets", ("s3:DeleteBucket",)),
    Target("store", "S3 objects", ("s3:DeleteObject",)),
    Target("store", "EBS volumes", ("ec2:DeleteVolume",)),
    Target("store", "ElastiCache clusters", ("elasticache:DeleteCacheCluster",), "cluster"),
    Target(
        "store", "ElastiCache replication groups", ("elasticache:DeleteReplicationGroup",), "replicationgroup"
    ),
    Target(
        "store", "ElastiCache serverless caches", ("elasticache:DeleteServerlessCache",), "serverlesscache"
    ),
    Target("store", "MemoryDB clusters", ("memorydb:DeleteCluster",), "cluster"),
    Target(
        "store",
        "Redshift clusters and namespaces",
        ("redshift:DeleteCluster", "redshift-serverless:DeleteNamespace"),
    ),
    Target("store", "EFS file systems", ("elasticfilesystem:DeleteFileSystem",)),
    Target("store", "FSx file systems", ("fsx:DeleteFileSystem",), "file-system"),
    Target(
        "store",
        "OpenSearch domains and collections",
        ("es:DeleteDomain", "es:DeleteElasticsearchDomain", "aoss:DeleteCollection"),
    ),
    Target("store", "Aurora DSQL clusters", ("dsql:DeleteCluster",)),
    Target(
        "store",
        "DocumentDB Elastic clusters and Neptune Analytics graphs",
        ("docdb-elastic:DeleteCluster", "neptune-graph:DeleteGraph"),
    ),
    # A deleted key makes every backup encrypted with it unreadable (crypto-shredding).
    Target("store", "KMS keys (crypto-shredding everything they encrypt)", ("kms:ScheduleKeyDeletion",)),
    Target(
        "safeguard", "S3 lifecycle rules (which can expire every object)", ("s3:PutLifecycleConfiguration",)
    ),
    Target("safeguard", "S3 versioning (by suspending it)", ("s3:PutBucketVersioning",)),
    Target("safeguard", "DynamoDB point-in-time recovery", ("dynamodb:UpdateContinuousBackups",)),
    Target(
        "safeguard",
        "AWS Backup plans and vault locks",
        ("backup:DeleteBackupPlan", "backup:DeleteBackupVaultLockConfiguration"),
    ),
)

#: Every action this rule asks about, with what it destroys (the catalog test reads it).
ACTIONS: dict[str, Target] = {action: target for target in TARGETS for action in target.actions}

RULE = Rule(
    id="POLP-DESTROY-001",
    name="destroy-data-or-backups",
    category="destruction",
    severity=Severity.critical,
    confidence=Confidence.high,
    summary="Can delete backups, snapshots or data stores beyond the ones it owns",
    explanation=(
        "The principal can delete database snapshots, backup recovery points, tables, buckets or volumes "
        "across the account. Build and deployment identities never need this: when one is compromised "
        "(a malicious dependency in the build), the attacker deletes the backups along with the data, and "
        "there is nothing left to recover from."
    ),
    remediation=(
        "Remove the delete actions from deployment, build and training identities; keep them on a "
        "break-glass role. Where a pipeline really deletes something (a temporary table), name that "
        "resource in the Resource element. Protect backups independently: AWS Backup Vault Lock, S3 "
        "Object Lock, deletion protection on RDS, and an SCP that denies snapshot deletion."
    ),
    help_uri="https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html",
)

_PHRASES: dict[Kind, str] = {
    "backup": "delete backups and snapshots ({})",
    "store": "delete data stores ({})",
    "safeguard": "switch off backup safeguards ({})",
}


def _reach(grant: Grant) -> Scope:
    return grant_scope(grant, ACTIONS[grant.action].resource_type)


def _severity(grant: Grant) -> Severity:
    base = _KIND_SEVERITY[ACTIONS[grant.action].kind]
    return base if _reach(grant) is Scope.ALL else lower(base)


def _broad_grants(permissions: PolicySet) -> list[list[Grant]]:
    found = [g for g in granted(permissions, ACTIONS) if _reach(g) >= Scope.PATTERN]
    return by_statement(found)


_BROAD = PerPolicySet(_broad_grants)


def _message(subject: Subject, grants: list[Grant]) -> str:
    held = {g.action for g in grants}
    targets = [t for t in TARGETS if not held.isdisjoint(t.actions)]
    parts = [
        _PHRASES[kind].format(", ".join(t.phrase for t in targets if t.kind == kind))
        for kind in ("backup", "store", "safeguard")
        if any(t.kind == kind for t in targets)
    ]
    reach = max(_reach(g) for g in grants)
    return f"{who(subject)} can {join_words(parts)} {scope_text(grants, reach)}"


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    for grants in _BROAD(subject.permissions):
        yield finding_for_grants(
            RULE,
            subject,
            grants,
            _message(subject, grants),
            severity=max(_severity(g) for g in grants),
            details={
                "kinds": sorted({ACTIONS[g.action].kind for g in grants}),
                "condition_keys": list(condition_keys(grants)),
            },
        )


CHECK = Check(rule=RULE, run=run)
