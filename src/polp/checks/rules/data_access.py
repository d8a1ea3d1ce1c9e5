"""POLP-DATA-001: reading or writing the data of every bucket, table, repository, stream or queue.

Only grants that reach every resource of the data plane are reported (``*``, ``arn:aws:s3:::*``,
``arn:aws:s3:::*/*``, ``arn:aws:dynamodb:*:*:table/*``). A named bucket, prefix, table or repository,
and a wildcard inside a name (``arn:aws:s3:::ml-*``), are deliberate scoping and stay silent.
Effective administrators are left to the admin checks: every data plane is theirs anyway.
"""

from __future__ import annotations

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
from polp.checks.rules._asking import PerPolicySet, by_statement, granted, is_effective_admin
from polp.checks.rules._scoping import Scope, grant_scope
from polp.checks.rules._wording import condition_keys, join_words, who
from polp.iam.effective import Grant, PolicySet


@dataclass(frozen=True, slots=True)
class DataPlane:
    phrase: str
    severity: Severity
    actions: tuple[str, ...]


PLANES: tuple[DataPlane, ...] = (
    DataPlane("read objects in every S3 bucket", Severity.high, ("s3:GetObject", "s3:GetObjectVersion")),
    DataPlane("write objects into every S3 bucket", Severity.high, ("s3:PutObject",)),
    DataPlane(
        "read items of every DynamoDB table",
        Severity.high,
        (
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:PartiQLSelect",
        ),
    ),
    DataPlane(
        "write items into every DynamoDB table",
        Severity.high,
        (
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
        ),
    ),
    # Pushing to every repository is how a poisoned build replaces the images other teams deploy.
    DataPlane(
        "push images to every ECR repository",
        Severity.high,
        ("ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"),
    ),
    DataPlane(
        "pull images from every ECR repository",
        Severity.medium,
        ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
    ),
    DataPlane(
        "run SQL on every Aurora cluster through the RDS Data API",
        Severity.high,
        ("rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement"),
    ),
    DataPlane(
        "run SQL on every Redshift cluster and workgroup through the Redshift Data API",
        Severity.high,
        ("redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"),
    ),
    DataPlane("read records of every Kinesis stream", Severity.high, ("kinesis:GetRecords",)),
    DataPlane("receive (and consume) messages of every SQS queue", Severity.high, ("sqs:ReceiveMessage",)),
    DataPlane(
        "write records into every Kinesis and Firehose stream",
        Severity.medium,
        ("kinesis:PutRecord", "kinesis:PutRecords", "firehose:PutRecord", "firehose:PutRecordBatch"),
    ),
    DataPlane(
        "invoke every SageMaker endpoint",
        Severity.medium,
        (
            "sagemaker:InvokeEndpoint",
            "sagemaker:InvokeEndpointAsync",
            "sagemaker:InvokeEndpointWithResponseStream",
        ),
    ),
)

#: Every action this rule asks about, with its data plane (the catalog test reads it).
ACTIONS: dict[str, DataPlane] = {action: plane for plane in PLANES for action in plane.actions}

RULE = Rule(
    id="POLP-DATA-001",
    name="data-access-everywhere",
    category="data-access",
    severity=Severity.high,
    confidence=Confidence.high,
    summary="Reads or writes the data of every bucket, table, repository, stream or queue",
    explanation=(
        "The principal can read or write data in every S3 bucket, DynamoDB table, ECR repository, stream "
        "or queue of the account, not just the ones its job uses. A compromised build or training job "
        "(a malicious dependency, a leaked token) can then copy out customer data or overwrite the "
        "images and artefacts other pipelines deploy."
    ),
    remediation=(
        "Replace the wildcard Resource with the ARNs the workload uses: the training bucket and its prefix "
        "(arn:aws:s3:::ml-data/training/*), the feature table, the model's ECR repository. Split pull and "
        "push: only the image build needs ecr:PutImage, and only on its own repository."
    ),
    help_uri="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
)


def _broad_grants(permissions: PolicySet) -> list[list[Grant]]:
    if is_effective_admin(permissions):
        return []
    found = [g for g in granted(permissions, ACTIONS) if grant_scope(g) is Scope.ALL]
    return by_statement(found)


_BROAD = PerPolicySet(_broad_grants)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    for grants in _BROAD(subject.permissions):
        held = {g.action for g in grants}
        planes = [plane for plane in PLANES if not held.isdisjoint(plane.actions)]
        message = f"{who(subject)} can {join_words(p.phrase for p in planes)}"
        yield finding_for_grants(
            RULE,
            subject,
            grants,
            message,
            severity=max(p.severity for p in planes),
            details={
                "data_planes": [p.phrase for p in planes],
                "condition_keys": list(condition_keys(grants)),
            },
        )


CHECK = Check(rule=RULE, run=run)
