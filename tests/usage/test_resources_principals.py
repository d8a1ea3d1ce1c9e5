"""Resources from requests, and principals from userIdentity."""

from __future__ import annotations

from collections import Counter

import pytest
from ct_helpers import event, role_identity

from polp.iam.catalog import get_catalog
from polp.usage.aggregate import UsageAggregator, outcome_of
from polp.usage.principals import normalize, role_of_session
from polp.usage.raw import RawAggregate, add_records
from polp.usage.resources import RequestFacts, copy_source_arn, resources_for


def _resources(
    action: str,
    hints: dict[str, str],
    listed: tuple[str, ...] = (),
    caller: str | None = None,
    resource_from: str | None = None,
) -> tuple[str, ...]:
    catalog = get_catalog()
    info = catalog.action(action)
    assert info is not None
    facts = RequestFacts("us-east-1", "111122223333", listed, hints, caller)
    return resources_for(catalog, info, facts, resource_from)


def test_resources_from_request_parameters() -> None:
    assert _resources("s3:GetObject", {"bucketName": "data", "key": "train/part-0.parquet"}) == (
        "arn:aws:s3:::data/train/part-0.parquet",
    )
    assert _resources("s3:ListBucket", {"bucketName": "data"}) == ("arn:aws:s3:::data",)
    assert _resources("ssm:GetParameter", {"name": "/ml/token"}) == (
        "arn:aws:ssm:us-east-1:111122223333:parameter/ml/token",
    )
    assert _resources("secretsmanager:GetSecretValue", {"secretId": "db"}) == (
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????",
    )
    assert _resources("sagemaker:CreateTrainingJob", {"trainingJobName": "Churn-Model-7"}) == (
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-model-7",
    )
    assert _resources("iam:GetRole", {"roleName": "trainer"}) == ("arn:aws:iam::111122223333:role/trainer",)
    assert _resources("iam:GetUser", {}, caller="arn:aws:iam::111122223333:user/alice") == (
        "arn:aws:iam::111122223333:user/alice",
    )


def test_listed_arns_win_and_must_fit_the_action() -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/0e5d0ab6-097e-49d8-99ef-747ce3e5f8f4"
    assert _resources("kms:Decrypt", {"keyId": "alias/aws/s3"}, (key,)) == (key,)
    bucket, obj = "arn:aws:s3:::data", "arn:aws:s3:::data/x"
    assert _resources("s3:GetObject", {}, (obj, bucket)) == (obj,)
    assert _resources("s3:ListBucket", {}, (obj, bucket)) == (bucket,)


def test_actions_without_resource_types_need_star() -> None:
    assert _resources("s3:ListAllMyBuckets", {"bucketName": "x"}) == ("*",)
    assert _resources("ec2:DescribeInstances", {"instanceId": "i-1"}) == ("*",)


def test_unknown_resource_is_star() -> None:
    assert _resources("s3:GetObject", {}) == ("*",)
    assert _resources("kms:Decrypt", {"keyId": "alias/aws/s3"}) == ("*",)


def test_values_that_could_widen_a_policy_are_refused() -> None:
    assert _resources("s3:GetObject", {"bucketName": "data", "key": "*"}) == ("*",)
    assert _resources("s3:GetObject", {"bucketName": "da?a", "key": "x"}) == ("*",)
    assert _resources("iam:GetRole", {"roleName": "${aws:username}"}) == ("*",)
    assert _resources("s3:GetObject", {}, ("arn:aws:s3:::data/*",)) == ("*",)


def test_multi_type_actions_add_type_patterns() -> None:
    found = _resources("ec2:CreateRouteTable", {"vpcId": "vpc-1"})
    assert "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1" in found
    assert "arn:aws:ec2:us-east-1:111122223333:route-table/*" in found
    assert _resources("ec2:RunInstances", {"instanceId": "i-1"}) == ("*",)


def test_copy_source() -> None:
    assert copy_source_arn("src-bucket/a%20b.txt?versionId=3") == "arn:aws:s3:::src-bucket/a b.txt"
    assert copy_source_arn("/nokey") is None
    assert _resources("s3:GetObject", {"copySource": "in/x.csv"}, resource_from="copySource") == (
        "arn:aws:s3:::in/x.csv",
    )


def test_principals() -> None:
    assert role_of_session("arn:aws:sts::1:assumed-role/R/s") == "arn:aws:iam::1:role/R"
    role = normalize(
        "AssumedRole", "arn:aws:iam::1:role/ml/R", None, "1", None, "arn:aws:iam::1:oidc-provider/x"
    )
    assert (role.arn, role.kind, role.subject) == (
        "arn:aws:iam::1:role/ml/R",
        "role",
        "arn:aws:iam::1:oidc-provider/x",
    )
    web = normalize(
        "WebIdentityUser", None, "accounts.google.com:aud:sub", None, None, None, "arn:aws:iam::1:role/W"
    )
    assert (web.arn, web.kind, web.subject) == (
        "arn:aws:iam::1:role/W",
        "web-identity",
        "accounts.google.com:aud:sub",
    )
    service = normalize("AWSService", None, None, None, "sagemaker.amazonaws.com", None)
    assert (service.arn, service.kind) == ("sagemaker.amazonaws.com", "service")
    untyped = normalize(None, None, None, "1", "secretsmanager.amazonaws.com", None)
    assert untyped.kind == "service"
    via = normalize("IAMUser", "arn:aws:iam::1:user/u", None, "1", "cloudformation.amazonaws.com", None)
    assert (via.arn, via.via) == ("arn:aws:iam::1:user/u", "cloudformation.amazonaws.com")
    assert normalize("Root", "arn:aws:iam::1:root", None, "1", None, None).kind == "root"


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (None, "success"),
        ("AccessDenied", "denied"),
        ("Client.UnauthorizedOperation", "denied"),
        ("AccessDeniedException", "denied"),
        ("KMS.AccessDeniedException", "denied"),
        ("ThrottlingException", "error"),
        ("NoSuchBucketPolicy", "error"),
    ],
)
def test_outcome(code: str | None, outcome: str) -> None:
    assert outcome_of(code) == outcome


def test_stage_two_end_to_end_on_synthetic_events() -> None:
    records = [
        event(
            userIdentity=role_identity(),
            eventSource="sagemaker.amazonaws.com",
            eventName="CreateTrainingJob",
            requestParameters={"trainingJobName": "job-a", "roleArn": "arn:aws:iam::111122223333:role/exec"},
        ),
        event(
            userIdentity=role_identity(session="job-2"),
            eventSource="s3.amazonaws.com",
            eventName="GetObject",
            eventCategory="Data",
            requestParameters={"bucketName": "d", "key": "k"},
        ),
        event(
            userIdentity=role_identity(),
            eventSource="s3.amazonaws.com",
            eventName="PutObject",
            errorCode="AccessDenied",
            requestParameters={"bucketName": "d", "key": "out"},
        ),
        event(
            userIdentity={
                "type": "WebIdentityUser",
                "principalId": "oidc:aud:system:serviceaccount:ml:trainer",
                "userName": "system:serviceaccount:ml:trainer",
            },
            eventSource="sts.amazonaws.com",
            eventName="AssumeRoleWithWebIdentity",
            requestParameters={"roleArn": "arn:aws:iam::111122223333:role/ml/trainer"},
        ),
        event(eventSource="sts.amazonaws.com", eventName="GetCallerIdentity"),
    ]
    raw: RawAggregate = {}
    add_records(records, raw, Counter())
    usage = UsageAggregator()
    usage.add(raw)
    rows = {
        (r.principal, r.principal_kind, r.action, r.resource, r.outcome, r.inferred_from)
        for r in usage.usage_rows()
    }
    trainer = "arn:aws:iam::111122223333:role/ml/trainer"
    assert (
        trainer,
        "role",
        "sagemaker:CreateTrainingJob",
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/job-a",
        "success",
        "",
    ) in rows
    assert (
        trainer,
        "role",
        "iam:PassRole",
        "arn:aws:iam::111122223333:role/exec",
        "success",
        "sagemaker:CreateTrainingJob",
    ) in rows
    assert (trainer, "role", "s3:GetObject", "arn:aws:s3:::d/k", "success", "") in rows
    assert (trainer, "role", "s3:PutObject", "arn:aws:s3:::d/out", "denied", "") in rows
    assert (trainer, "web-identity", "sts:AssumeRoleWithWebIdentity", trainer, "success", "") in rows
    assert [(u.event_name, u.kind) for u in usage.unmapped_events()] == [
        ("GetCallerIdentity", "no-permission")
    ]
    assert usage.records == 5
