"""The named categories of "must never reach" items, as action patterns the catalog expands.

``iam`` leaves out ``iam:PassRole``: it is not an API call but the permission, checked by other APIs,
to hand a role to a service, and capabilities grant it only on named roles for a named service.
Each category names an example action: the one the verifier simulates to show the item is denied.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    patterns: tuple[str, ...]
    description: str
    example: str
    excluded: tuple[str, ...] = ()


CATEGORIES: dict[str, Category] = {
    "databases": Category(
        (
            "rds:*",
            "rds-data:*",
            "rds-db:*",
            "dynamodb:*",
            "dax:*",
            "redshift:*",
            "redshift-data:*",
            "redshift-serverless:*",
            "docdb-elastic:*",
            "neptune-db:*",
            "neptune-graph:*",
            "elasticache:*",
            "memorydb:*",
            "cassandra:*",
            "timestream:*",
            "qldb:*",
            "dsql:*",
        ),
        "every action of the database services (RDS, Aurora, DynamoDB, Redshift, DocumentDB, Neptune, "
        "ElastiCache, MemoryDB, Keyspaces, Timestream, QLDB, Aurora DSQL)",
        "rds:DeleteDBInstance",
    ),
    "secrets": Category(
        (
            "secretsmanager:*",
            "ssm:GetParameter",
            "ssm:GetParameterHistory",
            "ssm:GetParameters",
            "ssm:GetParametersByPath",
        ),
        "Secrets Manager, and reading SSM parameters",
        "secretsmanager:GetSecretValue",
    ),
    "iam": Category(
        ("iam:*",),
        "every IAM API action (iam:PassRole is not an API call)",
        "iam:AttachRolePolicy",
        ("iam:PassRole",),
    ),
    "kms": Category(("kms:*",), "every KMS action", "kms:CreateKey"),
    "organizations": Category(
        ("account:*", "organizations:*"),
        "AWS Organizations and account settings",
        "organizations:LeaveOrganization",
    ),
    "role-assumption": Category(
        ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"),
        "assuming other roles (role chaining)",
        "sts:AssumeRole",
    ),
}
