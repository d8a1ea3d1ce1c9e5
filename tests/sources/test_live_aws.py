"""Reading an account from AWS: against moto's in-process IAM (no network; skipped without moto), and
against a fake client for the managed policy refresh."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from polp.errors import InputError
from polp.iam.parse import parse_policy_file
from polp.sources import live_aws

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
READ = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-training-data/*"}
    ],
}


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        session = boto3.Session(region_name="us-east-1")
        iam = session.client("iam")
        iam.create_role(
            RoleName="ml-trainer",
            Path="/ml/",
            AssumeRolePolicyDocument=json.dumps(TRUST),
            MaxSessionDuration=7200,
        )
        iam.put_role_policy(RoleName="ml-trainer", PolicyName="read-data", PolicyDocument=json.dumps(READ))
        arn = iam.create_policy(PolicyName="ml-extra", PolicyDocument=json.dumps(READ))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="ml-trainer", PolicyArn=arn)
        iam.create_group(GroupName="data-scientists")
        iam.create_user(UserName="ml-ci-bot")
        iam.add_user_to_group(GroupName="data-scientists", UserName="ml-ci-bot")
        iam.create_access_key(UserName="ml-ci-bot")
        yield session


def test_read_live_account(session: Any) -> None:
    inventory = live_aws.read_live_account(session)
    roles = {p.name: p for p in inventory.principals if p.kind == "role"}
    trainer = roles["ml-trainer"]
    assert trainer.arn.endswith(":role/ml/ml-trainer")
    assert trainer.max_session_duration is None  # RoleDetail has no MaxSessionDuration (ListRoles has)
    assert trainer.trust_policy is not None and trainer.trust_policy.policy is not None
    assert [r.name for r in trainer.inline_policies] == ["read-data"]
    assert trainer.inline_policies[0].policy is not None
    assert [r.name for r in trainer.managed_policies] == ["ml-extra"]
    assert trainer.managed_policies[0].policy is not None
    user = next(p for p in inventory.principals if p.name == "ml-ci-bot")
    assert user.groups == ("data-scientists",)
    assert [k.active for k in user.access_keys] == [True]  # from the credential report, merged by ARN
    assert inventory.origins[0] == live_aws.DETAILS_ORIGIN


def test_aws_errors_are_input_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import NoCredentialsError

    def fail() -> None:
        raise NoCredentialsError()

    with pytest.raises(InputError, match="iam:GetAccountAuthorizationDetails"):
        live_aws.aws_call(fail, "iam:GetAccountAuthorizationDetails")


def test_readonly_policy_is_shipped_and_valid() -> None:
    path = Path(live_aws.__file__).resolve().parents[1] / "data" / "polp-readonly-policy.json"
    policy = parse_policy_file(path)
    actions = {a for s in policy.statements for a in s.action or ()}
    assert actions == {
        "iam:GetAccountAuthorizationDetails",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "iam:ListPolicies",
        "iam:GetPolicyVersion",
    }
    assert all(s.effect == "Allow" for s in policy.statements)


class _FakePaginator:
    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        assert kwargs == {"Scope": "AWS"}
        return [
            {
                "Policies": [
                    {
                        "PolicyName": "ReadOnlyAccess",
                        "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                        "Path": "/",
                        "DefaultVersionId": "v9",
                    }
                ]
            },
            {
                "Policies": [
                    {
                        "PolicyName": "AWSConfigRole",
                        "DefaultVersionId": "v3",
                        "Path": "/service-role/",
                        "Arn": "arn:aws:iam::aws:policy/service-role/AWSConfigRole",
                    }
                ]
            },
        ]


class _FakeIam:
    def get_paginator(self, name: str) -> _FakePaginator:
        assert name == "list_policies"
        return _FakePaginator()

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
        }
        # the raw API returns the document URL-encoded; boto3 decodes it, both are accepted
        return {
            "PolicyVersion": {
                "Document": document if VersionId == "v9" else json.dumps(document),
                "VersionId": VersionId,
                "IsDefaultVersion": True,
            }
        }


class _FakeSession:
    def client(self, name: str) -> _FakeIam:
        assert name == "iam"
        return _FakeIam()


def test_refresh_snapshot_from_aws(tmp_path: Path) -> None:
    from polp.sources import managed_snapshot

    out = tmp_path / "snapshot.json.gz"
    try:
        assert managed_snapshot.refresh_snapshot(None, str(out), session=_FakeSession()) == 2
        managed_snapshot.set_snapshot_path(str(out))
        ref = managed_snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
        assert ref is not None and ref.policy is not None and ref.policy.statements[0].action == ("s3:Get*",)
        assert len(managed_snapshot.snapshot_names()) > 1600  # the rest of the bundled snapshot is kept
    finally:
        managed_snapshot.set_snapshot_path(None)
