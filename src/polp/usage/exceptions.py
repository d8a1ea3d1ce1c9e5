"""The reviewed table of CloudTrail events whose IAM action is not ``<source prefix>:<eventName>``.

Most events map by name: ``iam.amazonaws.com`` / ``GetRole`` is ``iam:GetRole``. This table holds the
known exceptions, each checked against AWS's documentation of the API's required permissions:

* event sources whose host differs from the IAM service prefix (``monitoring`` is ``cloudwatch``);
* S3 APIs authorized by an action of another name (``ListObjectsV2`` needs ``s3:ListBucket``,
  ``HeadObject`` needs ``s3:GetObject``, the ``DeleteBucket*`` configuration APIs need ``Put*``);
* APIs that need two actions (``CopyObject``: read the source, write the target);
* events that need no permission (``sts:GetCallerIdentity``) or are no API call at all (console
  sign-in), reported as such instead of being mapped.

Lambda's versioned event names (``ListFunctions20150331``, ``GetFunction20150331v2``) and CloudFront's
(``GetDistribution2020_05_31``) lose their version suffix before lookup. A test checks that every
action named here exists in the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Event source host (without ``.amazonaws.com``) to IAM service prefix, where they differ and
#: botocore's service models do not tell (their signing name is the endpoint, not the IAM prefix).
SOURCE_PREFIXES: dict[str, str] = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "appstream2": "appstream",
    "models.lex": "lex",
    "runtime.lex": "lex",
    "models-v2-lex": "lex",
    "runtime-v2-lex": "lex",
    "mturk-requester": "mechanicalturk",
    "streams.dynamodb": "dynamodb",
    "tagging": "tag",
    "api.ecr": "ecr",
    "api.sagemaker": "sagemaker",
    "runtime.sagemaker": "sagemaker",
    "api.pricing": "pricing",
    "sso-directory": "sso-directory",
    "s3-control": "s3",
    "execute-api": "execute-api",
    "iot-data": "iot",
    "data.iot": "iot",
    "metering.marketplace": "aws-marketplace",
    "entitlement.marketplace": "aws-marketplace",
    "catalog.marketplace": "aws-marketplace",
}

#: Whole event sources that are not authorized by IAM policies.
NOT_IAM_SOURCES: dict[str, str] = {
    "signin": "console sign-in event, not authorized by IAM policies",
}

#: ``eventType`` values that are no API call made by the principal.
NON_API_EVENT_TYPES: dict[str, str] = {
    "AwsServiceEvent": "event raised by an AWS service, not an API call",
    "AwsConsoleSignIn": "console sign-in event, not authorized by IAM policies",
    "AwsConsoleAction": "console action, not an API call",
    "AwsCloudTrailInsight": "CloudTrail Insights event, not an API call",
}

#: Version suffixes Lambda (``20150331``, ``20150331v2``) and CloudFront (``2020_05_31``) append.
VERSION_SUFFIX = re.compile(r"^(?P<name>[A-Za-z]+?)(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?$")


@dataclass(frozen=True, slots=True)
class Needs:
    """An API needs ``action``; ``resource_from`` names the request parameter (hint) that holds its
    resource when it is not the API's main resource (the source of a copy)."""

    action: str
    resource_from: str | None = None


@dataclass(frozen=True, slots=True)
class NoPermission:
    """The event needs no IAM permission, or is no API call; ``kind`` tells which."""

    kind: str
    reason: str


EventRule = tuple[Needs, ...] | NoPermission


def _needs(*actions: str) -> tuple[Needs, ...]:
    return tuple(Needs(a) for a in actions)


_S3: dict[str, EventRule] = {
    "ListBuckets": _needs("s3:ListAllMyBuckets"),
    "HeadBucket": _needs("s3:ListBucket"),
    "ListObjects": _needs("s3:ListBucket"),
    "ListObjectsV2": _needs("s3:ListBucket"),
    "ListObjectVersions": _needs("s3:ListBucketVersions"),
    "ListMultipartUploads": _needs("s3:ListBucketMultipartUploads"),
    "ListParts": _needs("s3:ListMultipartUploadParts"),
    "HeadObject": _needs("s3:GetObject"),
    "GetObjectAttributes": _needs("s3:GetObjectAttributes"),
    "SelectObjectContent": _needs("s3:GetObject"),
    "CreateMultipartUpload": _needs("s3:PutObject"),
    "UploadPart": _needs("s3:PutObject"),
    "CompleteMultipartUpload": _needs("s3:PutObject"),
    "CopyObject": (Needs("s3:PutObject"), Needs("s3:GetObject", resource_from="copySource")),
    "UploadPartCopy": (Needs("s3:PutObject"), Needs("s3:GetObject", resource_from="copySource")),
    "DeleteObjects": _needs("s3:DeleteObject"),
    "GetBucketLifecycle": _needs("s3:GetLifecycleConfiguration"),
    "GetBucketLifecycleConfiguration": _needs("s3:GetLifecycleConfiguration"),
    "PutBucketLifecycle": _needs("s3:PutLifecycleConfiguration"),
    "PutBucketLifecycleConfiguration": _needs("s3:PutLifecycleConfiguration"),
    "DeleteBucketLifecycle": _needs("s3:PutLifecycleConfiguration"),
    "GetBucketCors": _needs("s3:GetBucketCORS"),
    "PutBucketCors": _needs("s3:PutBucketCORS"),
    "DeleteBucketCors": _needs("s3:PutBucketCORS"),
    "GetBucketEncryption": _needs("s3:GetEncryptionConfiguration"),
    "PutBucketEncryption": _needs("s3:PutEncryptionConfiguration"),
    "DeleteBucketEncryption": _needs("s3:PutEncryptionConfiguration"),
    "GetBucketReplication": _needs("s3:GetReplicationConfiguration"),
    "PutBucketReplication": _needs("s3:PutReplicationConfiguration"),
    "DeleteBucketReplication": _needs("s3:PutReplicationConfiguration"),
    "DeleteBucketTagging": _needs("s3:PutBucketTagging"),
    "DeleteBucketPublicAccessBlock": _needs("s3:PutBucketPublicAccessBlock"),
    "DeleteBucketOwnershipControls": _needs("s3:PutBucketOwnershipControls"),
    "DeleteAccountPublicAccessBlock": _needs("s3:PutAccountPublicAccessBlock"),
    "GetAccelerateConfiguration": _needs("s3:GetAccelerateConfiguration"),
    "GetBucketAccelerateConfiguration": _needs("s3:GetAccelerateConfiguration"),
    "PutBucketAccelerateConfiguration": _needs("s3:PutAccelerateConfiguration"),
    "GetBucketNotificationConfiguration": _needs("s3:GetBucketNotification"),
    "PutBucketNotificationConfiguration": _needs("s3:PutBucketNotification"),
    "GetBucketAnalyticsConfiguration": _needs("s3:GetAnalyticsConfiguration"),
    "PutBucketAnalyticsConfiguration": _needs("s3:PutAnalyticsConfiguration"),
    "DeleteBucketAnalyticsConfiguration": _needs("s3:PutAnalyticsConfiguration"),
    "ListBucketAnalyticsConfigurations": _needs("s3:GetAnalyticsConfiguration"),
    "GetBucketInventoryConfiguration": _needs("s3:GetInventoryConfiguration"),
    "PutBucketInventoryConfiguration": _needs("s3:PutInventoryConfiguration"),
    "DeleteBucketInventoryConfiguration": _needs("s3:PutInventoryConfiguration"),
    "ListBucketInventoryConfigurations": _needs("s3:GetInventoryConfiguration"),
    "GetBucketMetricsConfiguration": _needs("s3:GetMetricsConfiguration"),
    "PutBucketMetricsConfiguration": _needs("s3:PutMetricsConfiguration"),
    "DeleteBucketMetricsConfiguration": _needs("s3:PutMetricsConfiguration"),
    "ListBucketMetricsConfigurations": _needs("s3:GetMetricsConfiguration"),
    "GetBucketIntelligentTieringConfiguration": _needs("s3:GetIntelligentTieringConfiguration"),
    "PutBucketIntelligentTieringConfiguration": _needs("s3:PutIntelligentTieringConfiguration"),
    "DeleteBucketIntelligentTieringConfiguration": _needs("s3:PutIntelligentTieringConfiguration"),
    "ListBucketIntelligentTieringConfigurations": _needs("s3:GetIntelligentTieringConfiguration"),
    "GetStorageLensDashboardDataInternal": _needs("s3:GetStorageLensDashboard"),
}

_NO_PERMISSION = "no-permission"
_NOT_API = "not-api-call"

#: (event source prefix, event name) -> what the event needs. Names here are after version stripping.
EVENT_EXCEPTIONS: dict[tuple[str, str], EventRule] = {
    **{("s3", name): needs for name, needs in _S3.items()},
    ("sts", "GetCallerIdentity"): NoPermission(_NO_PERMISSION, "needs no permission (AWS allows it always)"),
    ("lambda", "Invoke"): _needs("lambda:InvokeFunction"),
    ("lambda", "InvokeWithResponseStream"): _needs("lambda:InvokeFunction"),
    ("kms", "ReEncrypt"): _needs("kms:ReEncryptFrom", "kms:ReEncryptTo"),
    ("ec2", "SharedSnapshotVolumeCreated"): NoPermission(_NOT_API, "event raised by EC2, not an API call"),
    ("ec2", "SharedSnapshotCopyInitiated"): NoPermission(_NOT_API, "event raised by EC2, not an API call"),
}


def exception_for(prefix: str, event_name: str) -> EventRule | None:
    return EVENT_EXCEPTIONS.get((prefix, event_name))


def strip_version(event_name: str) -> str:
    """``ListFunctions20150331`` -> ``ListFunctions``; other names unchanged."""
    match = VERSION_SUFFIX.match(event_name)
    return match.group("name") if match else event_name
