"""Which granted actions CloudTrail could show being used, and why not for the others.

An action that no log can show must never be reported as unused: that would invite removing a
permission a workload needs. Three reasons make an action unobservable:

* AWS checks it inside another call without logging it (``iam:PassRole``), which is what a
  permission without an API operation of its name is (botocore's models tell);
* it is a data-plane action (S3 objects, Lambda invocation, DynamoDB items, model invocation...),
  logged only when the trail records data events, and the logs hold no data event for its service;
* its service is unknown to botocore's models, so nothing can be said (treated as observable only if
  some event of the service was seen).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from polp.usage.exceptions import EVENT_EXCEPTIONS, SOURCE_PREFIXES, Needs
from polp.usage.service_models import ServiceIndex, service_index

#: Checked by AWS without a CloudTrail event of their own, whatever the trail records.
NEVER_LOGGED: dict[str, str] = {
    "iam:PassRole": "AWS checks it when a role is handed to a service and never logs it",
}

#: Data-plane actions, per service: logged only as data events (reviewed, ML-relevant services).
DATA_PLANE: dict[str, frozenset[str]] = {
    "s3": frozenset(
        {
            "GetObject",
            "GetObjectVersion",
            "PutObject",
            "DeleteObject",
            "DeleteObjectVersion",
            "GetObjectAcl",
            "PutObjectAcl",
            "GetObjectTagging",
            "PutObjectTagging",
            "DeleteObjectTagging",
            "GetObjectAttributes",
            "RestoreObject",
            "AbortMultipartUpload",
            "ListBucket",
            "ListBucketVersions",
            "ListBucketMultipartUploads",
            "ListMultipartUploadParts",
            "GetObjectRetention",
            "PutObjectRetention",
            "GetObjectLegalHold",
            "PutObjectLegalHold",
        }
    ),
    "lambda": frozenset({"InvokeFunction", "InvokeFunctionUrl", "InvokeAsync"}),
    "dynamodb": frozenset(
        {
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchGetItem",
            "BatchWriteItem",
            "Query",
            "Scan",
            "ConditionCheckItem",
            "PartiQLSelect",
            "PartiQLInsert",
            "PartiQLUpdate",
            "PartiQLDelete",
            "GetRecords",
            "GetShardIterator",
        }
    ),
    "sagemaker": frozenset(
        {
            "InvokeEndpoint",
            "InvokeEndpointAsync",
            "InvokeEndpointWithResponseStream",
            "BatchPutMetrics",
            "PutRecord",
            "GetRecord",
            "DeleteRecord",
            "BatchGetRecord",
        }
    ),
    "bedrock": frozenset(
        {"InvokeModel", "InvokeModelWithResponseStream", "InvokeAgent", "Retrieve", "RetrieveAndGenerate"}
    ),
    "kinesis": frozenset({"GetRecords", "PutRecord", "PutRecords", "GetShardIterator", "SubscribeToShard"}),
    "sns": frozenset({"Publish"}),
    "sqs": frozenset({"SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"}),
    "logs": frozenset({"PutLogEvents", "GetLogEvents", "FilterLogEvents"}),
    "cloudwatch": frozenset({"PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics"}),
    "ecr": frozenset(
        {
            "BatchCheckLayerAvailability",
            "GetDownloadUrlForLayer",
            "InitiateLayerUpload",
            "UploadLayerPart",
            "CompleteLayerUpload",
        }
    ),
    "xray": frozenset({"PutTraceSegments", "PutTelemetryRecords"}),
}

_ENDPOINTS_BY_PREFIX: dict[str, tuple[str, ...]] = {}
for _host, _prefix in SOURCE_PREFIXES.items():
    _ENDPOINTS_BY_PREFIX[_prefix] = (*_ENDPOINTS_BY_PREFIX.get(_prefix, ()), _host)
_MAPPED_TARGETS = frozenset(
    need.action.lower()
    for rule in EVENT_EXCEPTIONS.values()
    if isinstance(rule, tuple)
    for need in rule
    if isinstance(need, Needs)
)


@dataclass(slots=True)
class Observability:
    """Decides observability for one set of logs (``data_services``: services with data events)."""

    data_services: frozenset[str]
    services: ServiceIndex = field(default_factory=service_index)

    def why_not(self, action: str) -> str | None:
        """None if CloudTrail records calls of ``action``; otherwise the reason it cannot."""
        if action in NEVER_LOGGED:
            return NEVER_LOGGED[action]
        prefix, _, name = action.partition(":")
        if name in DATA_PLANE.get(prefix, ()) and prefix not in self.data_services:
            return "data event, and the logs hold no data event of this service (data events may be off)"
        if action.lower() in _MAPPED_TARGETS:
            return None
        operations = self.services.operations_for_prefix(prefix, _ENDPOINTS_BY_PREFIX.get(prefix, ()))
        if operations is not None and name not in operations:
            return "no API operation of this name: AWS checks it inside calls logged under their own name"
        return None
