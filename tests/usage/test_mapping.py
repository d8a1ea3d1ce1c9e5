"""eventSource/eventName to IAM actions: the reviewed exceptions, and honest reports of the rest."""

from __future__ import annotations

import pytest

from polp.iam.catalog import get_catalog
from polp.usage.exceptions import EVENT_EXCEPTIONS, SOURCE_PREFIXES, NoPermission, strip_version
from polp.usage.mapping import ActionMapper
from polp.usage.observability import DATA_PLANE, NEVER_LOGGED


@pytest.fixture(scope="module")
def mapper() -> ActionMapper:
    return ActionMapper()


def test_every_action_in_the_reviewed_tables_exists() -> None:
    catalog = get_catalog()
    for rule in EVENT_EXCEPTIONS.values():
        if isinstance(rule, tuple):
            for need in rule:
                assert catalog.action(need.action) is not None, need.action
    for prefix in SOURCE_PREFIXES.values():
        assert catalog.has_service(prefix), prefix
    for prefix, names in DATA_PLANE.items():
        for name in names:
            assert catalog.action(f"{prefix}:{name}") is not None, f"{prefix}:{name}"
    for action in NEVER_LOGGED:
        assert catalog.action(action) is not None


@pytest.mark.parametrize(
    ("source", "name", "actions"),
    [
        ("s3.amazonaws.com", "ListObjectsV2", ["s3:ListBucket"]),
        ("s3.amazonaws.com", "ListObjects", ["s3:ListBucket"]),
        ("s3.amazonaws.com", "HeadObject", ["s3:GetObject"]),
        ("s3.amazonaws.com", "HeadBucket", ["s3:ListBucket"]),
        ("s3.amazonaws.com", "ListBuckets", ["s3:ListAllMyBuckets"]),
        ("s3.amazonaws.com", "CreateMultipartUpload", ["s3:PutObject"]),
        ("s3.amazonaws.com", "CopyObject", ["s3:PutObject", "s3:GetObject"]),
        ("s3.amazonaws.com", "DeleteBucketCors", ["s3:PutBucketCORS"]),
        ("s3.amazonaws.com", "GetObject", ["s3:GetObject"]),
        ("lambda.amazonaws.com", "Invoke", ["lambda:InvokeFunction"]),
        ("lambda.amazonaws.com", "ListFunctions20150331", ["lambda:ListFunctions"]),
        ("lambda.amazonaws.com", "GetFunction20150331v2", ["lambda:GetFunction"]),
        ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", ["lambda:UpdateFunctionCode"]),
        ("cloudfront.amazonaws.com", "GetDistribution2020_05_31", ["cloudfront:GetDistribution"]),
        ("monitoring.amazonaws.com", "PutMetricAlarm", ["cloudwatch:PutMetricAlarm"]),
        ("email.amazonaws.com", "SendEmail", ["ses:SendEmail"]),
        (
            "elasticloadbalancing.amazonaws.com",
            "DescribeLoadBalancers",
            ["elasticloadbalancing:DescribeLoadBalancers"],
        ),
        ("servicecatalog-appregistry.amazonaws.com", "ListApplications", ["servicecatalog:ListApplications"]),
        ("sagemaker.amazonaws.com", "CreateTrainingJob", ["sagemaker:CreateTrainingJob"]),
        ("sts.amazonaws.com", "AssumeRoleWithWebIdentity", ["sts:AssumeRoleWithWebIdentity"]),
        ("kms.amazonaws.com", "ReEncrypt", ["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
        ("iam.amazonaws.com", "getrole", ["iam:GetRole"]),  # the catalog is case-insensitive
    ],
)
def test_mapped(mapper: ActionMapper, source: str, name: str, actions: list[str]) -> None:
    mapping = mapper.map(source, name, "AwsApiCall")
    assert mapping.unmapped is None, mapping.reason
    assert [n.action for n in mapping.needs] == actions


@pytest.mark.parametrize(
    ("source", "name", "event_type", "kind"),
    [
        ("sts.amazonaws.com", "GetCallerIdentity", "AwsApiCall", "no-permission"),
        ("signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", "not-api-call"),
        ("signin.amazonaws.com", "CheckMfa", "AwsApiCall", "not-api-call"),
        ("secretsmanager.amazonaws.com", "StartSecretVersionDelete", "AwsServiceEvent", "not-api-call"),
        ("ec2.amazonaws.com", "SharedSnapshotVolumeCreated", None, "not-api-call"),
        ("nonsense.amazonaws.com", "DoThings", "AwsApiCall", "unknown-service"),
        ("s3.amazonaws.com", "NoSuchApi", "AwsApiCall", "unknown-action"),
    ],
)
def test_not_mapped_with_a_reason(
    mapper: ActionMapper, source: str, name: str, event_type: str | None, kind: str
) -> None:
    mapping = mapper.map(source, name, event_type)
    assert mapping.needs == ()
    assert mapping.unmapped == kind
    assert mapping.reason


def test_api_operation_without_an_action_of_its_name_says_so(mapper: ActionMapper) -> None:
    # ListObjectVersions is in the table; GetObjectTorrent is an S3 API whose action has that name,
    # and SelectObjectContent maps; an API with no IAM action of its name is reported, not guessed.
    mapping = mapper.map("s3.amazonaws.com", "WriteGetObjectResponse", "AwsApiCall")
    if mapping.unmapped is not None:
        assert "API operation" in mapping.reason or "neither" in mapping.reason


def test_strip_version() -> None:
    assert strip_version("Invoke20150331") == "Invoke"
    assert strip_version("GetDistribution2019_03_26") == "GetDistribution"
    assert strip_version("GetObject") == "GetObject"
    assert strip_version("PutObject2") == "PutObject2"


def test_no_permission_entries_have_reasons() -> None:
    for rule in EVENT_EXCEPTIONS.values():
        if isinstance(rule, NoPermission):
            assert rule.reason and rule.kind in ("no-permission", "not-api-call")


def test_every_corpus_event_is_mapped_or_explained(
    ct_records: list[dict[str, object]], mapper: ActionMapper
) -> None:
    unexplained = set()
    for record in ct_records:
        mapping = mapper.map(
            str(record["eventSource"]), str(record["eventName"]), str(record.get("eventType"))
        )
        if mapping.unmapped in ("unknown-service", "unknown-action"):
            unexplained.add((record["eventSource"], record["eventName"], mapping.reason))
    assert unexplained == set()
