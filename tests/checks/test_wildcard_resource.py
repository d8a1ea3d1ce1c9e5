"""POLP-WILD-002: scopable write and permissions-management actions on "Resource": "*"."""

from __future__ import annotations

from rulekit import allow, deny, findings, one_role, policy_ref, role

from polp.checks.interface import Confidence, Severity
from polp.checks.rules.wildcard_resource import CHECK, STAR_IN_PRACTICE
from polp.iam.catalog import get_catalog
from polp.sources.managed_snapshot import lookup_managed_policy


def test_star_only_actions_are_never_reported() -> None:
    """The precision example: these accept nothing but "*", so "*" is not a finding."""
    assert one_role(CHECK, allow(["ecr:GetAuthorizationToken", "cloudwatch:PutMetricData",
                                  "sts:GetCallerIdentity", "ec2:Describe*", "logs:DescribeLogGroups"])) == []


def test_scopable_writes_on_star_grouped_per_statement() -> None:
    (finding,) = one_role(CHECK, allow(["ecr:GetAuthorizationToken", "sns:Publish", "sns:CreateTopic",
                                        "sns:GetTopicAttributes", "cloudwatch:PutMetricData"]))
    assert finding.actions == ("sns:CreateTopic", "sns:Publish")
    assert finding.effective_severity is Severity.medium
    assert finding.message.endswith('2 write or permissions-management actions on "Resource": "*" that could '
                                    "be limited to named resources")
    assert finding.resources == ("*",)


def test_named_resources_are_silent() -> None:
    assert one_role(CHECK, allow("sns:Publish", "arn:aws:sns:eu-west-1:111122223333:alerts")) == []
    # Only a literal "*" counts; broad ARN patterns are the data, destruction and exposure rules' business.
    assert one_role(CHECK, allow("sqs:SendMessage", "arn:aws:sqs:*:*:*")) == []


def test_service_wildcards_are_left_to_wild_001() -> None:
    # sagemaker:* is reported by POLP-WILD-001; only the sns action remains here.
    (finding,) = one_role(CHECK, allow(["sagemaker:*", "sns:Publish"]))
    assert finding.actions == ("sns:Publish",)
    assert one_role(CHECK, allow("*", "*"), deny("iam:*")) == []  # Action "*": WILD-001's
    # A partial wildcard of a sensitive service is still this rule's.
    (partial,) = one_role(CHECK, allow("sagemaker:Create*"))
    assert "sagemaker:CreateEndpoint" in partial.actions


def test_deny_and_boundary_block() -> None:
    assert one_role(CHECK, allow("sns:Publish"), deny("sns:*")) == []
    bound = allow("sns:Publish", "arn:aws:sns:*:*:alerts")
    assert one_role(CHECK, allow("sns:Publish"), boundary=bound) == []


def test_effective_admins_are_left_to_the_admin_checks() -> None:
    admin = lookup_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None
    extra = policy_ref("extra", allow("sns:Publish"))
    assert findings(CHECK, role("deployer", admin, extra)) == []


def test_conditional_statement_lowers_confidence() -> None:
    condition = {"StringEquals": {"aws:ResourceTag/team": "ml"}}
    (finding,) = one_role(CHECK, allow("sagemaker:UpdateEndpoint", Condition=condition))
    assert finding.effective_confidence is Confidence.medium
    assert "only under conditions" in finding.message


def test_exceptions_are_in_the_catalog() -> None:
    for name in STAR_IN_PRACTICE:
        info = get_catalog().action(name)
        assert info is not None and info.full_name == name


def test_iam_writes_are_left_to_the_escalation_checks() -> None:
    assert one_role(CHECK, allow(["iam:PassRole", "iam:PutRolePolicy", "iam:CreateAccessKey"])) == []
    (finding,) = one_role(CHECK, allow(["iam:PassRole", "sagemaker:CreateTrainingJob"]))
    assert finding.actions == ("sagemaker:CreateTrainingJob",)
