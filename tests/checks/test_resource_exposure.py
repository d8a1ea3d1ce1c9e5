"""POLP-EXPOSE-001: writing resource policies, ACLs and sharing settings."""

from __future__ import annotations

from rulekit import allow, deny, one_role

from polp.checks.interface import Confidence, Severity
from polp.checks.rules.resource_exposure import CHECK, EXTRA_EXPOSING, NOT_EXPOSING, exposing_actions
from polp.iam.catalog import get_catalog


def test_listed_actions_are_in_the_catalog() -> None:
    catalog = get_catalog()
    for name in (*EXTRA_EXPOSING, *NOT_EXPOSING):
        info = catalog.action(name)
        assert info is not None and info.full_name == name, name
    for name in EXTRA_EXPOSING:
        info = catalog.action(name)
        assert info is not None and info.access_level != "Permissions management", name
        assert info.supports_resource_level, name


def test_action_list() -> None:
    actions = exposing_actions()
    for expected in ("s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl", "kms:PutKeyPolicy",
                     "kms:CreateGrant", "secretsmanager:PutResourcePolicy", "ecr:SetRepositoryPolicy",
                     "lambda:AddPermission", "sns:AddPermission", "sqs:AddPermission",
                     "glacier:SetVaultAccessPolicy", "ec2:ModifySnapshotAttribute",
                     "rds:ModifyDBSnapshotAttribute", "sagemaker:PutModelPackageGroupPolicy",
                     "ram:AssociateResourceShare"):
        assert expected in actions, expected
    for excluded in ("iam:PutRolePolicy", "iam:AttachRolePolicy", "kms:RevokeGrant", "s3:DeleteBucketPolicy",
                     "ecr:PutRegistryPolicy", "sso:CreatePermissionSet"):
        assert excluded not in actions, excluded


def test_every_bucket_policy_is_high() -> None:
    (finding,) = one_role(CHECK, allow(["s3:PutBucketPolicy", "s3:PutBucketAcl", "s3:GetObject"]))
    assert finding.actions == ("s3:PutBucketAcl", "s3:PutBucketPolicy")
    assert finding.effective_severity is Severity.high
    assert "resources of s3" in finding.message and "on every resource" in finding.message


def test_wildcard_pattern_is_medium_and_named_is_silent() -> None:
    repos = "arn:aws:ecr:*:111122223333:repository/ml-*"
    (finding,) = one_role(CHECK, allow("ecr:SetRepositoryPolicy", repos))
    assert finding.effective_severity is Severity.medium
    assert one_role(CHECK, allow("ecr:SetRepositoryPolicy",
                                 "arn:aws:ecr:eu-west-1:111122223333:repository/churn")) == []


def test_service_wildcard_reaches_its_policy_actions() -> None:
    (finding,) = one_role(CHECK, allow("kms:*"))
    assert {"kms:CreateGrant", "kms:PutKeyPolicy"} <= set(finding.actions)
    assert "kms:RevokeGrant" not in finding.actions


def test_iam_and_star_only_actions_are_not_reported() -> None:
    assert one_role(CHECK, allow(["iam:PutRolePolicy", "iam:AttachRolePolicy", "ecr:PutRegistryPolicy",
                                  "s3:PutAccountPublicAccessBlock"])) == []


def test_deny_and_boundary_block() -> None:
    assert one_role(CHECK, allow("s3:*"), deny(["s3:PutBucket*", "s3:PutObject*Acl", "s3:PutAccessPoint*",
                                                 "s3:PutMultiRegionAccessPointPolicy", "s3:*AccessGrant*",
                                                 "s3:ObjectOwnerOverrideToBucketOwner"])) == []
    assert one_role(CHECK, allow("lambda:AddPermission"), boundary=allow("lambda:InvokeFunction")) == []


def test_conditional_grant_lowers_confidence() -> None:
    condition = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    (finding,) = one_role(CHECK, allow("kms:CreateGrant", Condition=condition))
    assert finding.effective_confidence is Confidence.medium
    assert "only under conditions" in finding.message
