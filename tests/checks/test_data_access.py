"""POLP-DATA-001: data of every bucket, table, repository, stream or queue."""

from __future__ import annotations

from rulekit import allow, deny, one_role, policy_ref

from polp.audit.engine import run_checks
from polp.checks.interface import Confidence, Severity
from polp.checks.rules.data_access import ACTIONS, CHECK
from polp.iam.catalog import get_catalog
from polp.inventory import Inventory


def test_every_action_is_in_the_catalog() -> None:
    catalog = get_catalog()
    for name in ACTIONS:
        info = catalog.action(name)
        assert info is not None and info.full_name == name, name
        assert info.supports_resource_level, name


def test_every_bucket_is_reported_once_per_statement() -> None:
    for resource in ("*", "arn:aws:s3:::*", "arn:aws:s3:::*/*"):
        found = one_role(CHECK, allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], resource))
        assert len(found) == 1, resource
        finding = found[0]
        assert finding.actions == ("s3:GetObject", "s3:PutObject")
        assert finding.effective_severity is Severity.high
        assert "read objects in every S3 bucket" in finding.message
        assert "write objects into every S3 bucket" in finding.message
        assert finding.policy == "inline-policy" and finding.location is not None


def test_named_bucket_prefix_or_table_is_not_reported() -> None:
    assert one_role(CHECK, allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::ml-data/*")) == []
    assert one_role(CHECK, allow("s3:GetObject", "arn:aws:s3:::ml-data/training/*")) == []
    assert one_role(CHECK, allow("s3:GetObject", "arn:aws:s3:::ml-*/*")) == []
    table = "arn:aws:dynamodb:eu-west-1:111122223333:table/features"
    assert one_role(CHECK, allow("dynamodb:Query", table)) == []
    assert one_role(CHECK, allow("ecr:PutImage", "arn:aws:ecr:eu-west-1:111122223333:repository/churn")) == []


def test_all_tables_and_repositories() -> None:
    found = one_role(CHECK, allow(["dynamodb:Scan", "ecr:BatchGetImage"], "arn:aws:dynamodb:*:*:table/*"),
                     allow(["ecr:PutImage", "ecr:BatchGetImage"], "arn:aws:ecr:*:111122223333:repository/*"))
    assert len(found) == 2
    tables, repos = found
    assert tables.actions == ("dynamodb:Scan",)  # the ECR action cannot apply to a table ARN
    assert repos.actions == ("ecr:BatchGetImage", "ecr:PutImage")
    assert repos.effective_severity is Severity.high
    assert "push images to every ECR repository" in repos.message


def test_pull_only_and_endpoint_invoke_are_medium() -> None:
    (pull,) = one_role(CHECK, allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                     "ecr:GetAuthorizationToken"]))
    assert pull.effective_severity is Severity.medium
    assert "ecr:GetAuthorizationToken" not in pull.actions
    (invoke,) = one_role(CHECK, allow("sagemaker:InvokeEndpoint"))
    assert invoke.effective_severity is Severity.medium


def test_deny_and_boundary_block() -> None:
    assert one_role(CHECK, allow("s3:*"), deny(["s3:GetObject*", "s3:PutObject"])) == []
    bounded = one_role(CHECK, allow("s3:*"), boundary=allow("s3:*", "arn:aws:s3:::ml-data/*"))
    assert bounded == []
    # A Deny on one bucket leaves the rest: still every other bucket.
    assert len(one_role(CHECK, allow("s3:GetObject"), deny("s3:*", "arn:aws:s3:::secrets/*"))) == 1


def test_conditional_grant_lowers_confidence() -> None:
    condition = {"StringEquals": {"aws:ResourceTag/team": "ml"}}
    (finding,) = one_role(CHECK, allow("dynamodb:GetItem", Condition=condition))
    assert finding.effective_confidence is Confidence.medium
    assert "only under conditions" in finding.message
    assert finding.details["condition_keys"] == ["aws:ResourceTag/team"]


def test_not_resource_reaches_everything_else() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}
    (finding,) = one_role(CHECK, statement)
    assert finding.actions == ("s3:GetObject",)


def test_standalone_policy_document() -> None:
    ref = policy_ref("ml-data-access", allow("s3:GetObject"), kind="managed")
    (finding,) = run_checks(Inventory(policies=(ref,)), [CHECK]).findings
    assert finding.message.startswith("whoever holds policy ml-data-access can read objects in every S3")
