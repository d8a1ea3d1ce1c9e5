"""POLP-WILD-001: full service wildcards on sensitive services."""

from __future__ import annotations

from rulekit import allow, deny, findings, one_role, policy_ref, role

from polp.checks.interface import Confidence, Severity
from polp.checks.rules.wildcard_service import CHECK, SENSITIVE_SERVICES, covered_services
from polp.iam.catalog import get_catalog
from polp.sources.managed_snapshot import lookup_managed_policy


def test_services_are_in_the_catalog() -> None:
    catalog = get_catalog()
    for service in SENSITIVE_SERVICES:
        assert catalog.has_service(service) and catalog.actions_of(service), service


def test_only_full_wildcards_count() -> None:
    assert covered_services("kms:*") == ("kms",)
    assert covered_services("KMS:*") == ("kms",)
    assert covered_services("iam:*Policy*") == ()
    assert covered_services("s3:Get*") == ()
    assert set(covered_services("*")) == set(SENSITIVE_SERVICES)


def test_one_finding_per_statement_with_the_worst_severity() -> None:
    (finding,) = one_role(CHECK, allow(["iam:*", "ec2:*", "s3:*", "sns:*"]))
    assert finding.actions == ("iam:*", "ec2:*", "s3:*")
    assert finding.effective_severity is Severity.high
    assert finding.details["services"] == ["iam", "ec2", "s3"]
    assert "every action of iam, ec2 and s3" in finding.message


def test_medium_services() -> None:
    (finding,) = one_role(CHECK, allow("sagemaker:*"))
    assert finding.effective_severity is Severity.medium


def test_scoped_resources_still_grant_the_service() -> None:
    (finding,) = one_role(CHECK, allow("s3:*", ["arn:aws:s3:::ml-data", "arn:aws:s3:::ml-data/*"]))
    assert finding.actions == ("s3:*",)


def test_deny_and_boundary_that_remove_the_service() -> None:
    assert one_role(CHECK, allow("iam:*"), deny("iam:*")) == []
    assert one_role(CHECK, allow("kms:*"), boundary=allow("s3:GetObject")) == []
    # A partial Deny leaves the rest of the service granted.
    assert len(one_role(CHECK, allow("kms:*"), deny("kms:ScheduleKeyDeletion"))) == 1


def test_action_star() -> None:
    # Scoped to one bucket, "*" only grants S3: reported as such.
    (finding,) = one_role(CHECK, allow("*", "arn:aws:s3:::ml-data/*"))
    assert finding.details["services"] == ["s3"] and finding.actions == ("*",)
    assert "every action of every service" in finding.message
    # An effective administrator is the admin checks' business.
    admin = lookup_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None
    assert findings(CHECK, role("deployer", admin)) == []


def test_partial_wildcards_and_unlisted_services_are_silent() -> None:
    assert one_role(CHECK, allow(["iam:*Policy*", "s3:Get*", "sns:*", "ecr:GetAuthorizationToken"])) == []


def test_conditional_statement_lowers_confidence() -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    (finding,) = one_role(CHECK, allow("secretsmanager:*", Condition=condition))
    assert finding.effective_confidence is Confidence.medium
    assert "only under conditions" in finding.message


def test_managed_policy_statement_location() -> None:
    ref = policy_ref("ml-ops", allow("ec2:*"), kind="managed")
    (finding,) = findings(CHECK, role("trainer", ref))
    assert finding.policy == "arn:aws:iam::111122223333:policy/ml-ops"
    assert finding.location is not None and finding.location.line is not None


def test_patterns_of_denied_services_are_not_listed() -> None:
    (finding,) = one_role(CHECK, allow(["iam:*", "kms:*"]), deny("iam:*"))
    assert finding.actions == ("kms:*",) and finding.details["services"] == ["kms"]
