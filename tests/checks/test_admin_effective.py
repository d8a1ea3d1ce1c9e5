"""POLP-ADMIN-001: effective administrators, whatever their policies are called."""

from __future__ import annotations

from rule_kit import ADMIN, about, allow, audit, corpus_findings, deny, doc, group, managed, role, user

from polp.checks.interface import Confidence, Severity
from polp.checks.rules.admin_effective import CHECK, EVERY_SERVICE, IAM_CONTROL
from polp.iam.catalog import get_catalog


def test_star_is_admin_and_names_the_statement() -> None:
    [finding] = audit(CHECK, role("deployer", doc(allow("*", Sid="Everything"))))
    assert finding.effective_severity is Severity.critical
    assert finding.effective_confidence is Confidence.high
    assert finding.details["criterion"] == "every-service"
    assert finding.statement == "Everything"
    assert finding.location is not None
    assert "Everything" in finding.message


def test_not_action_trick_is_admin() -> None:
    tricky = {"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}
    [finding] = audit(CHECK, role("deployer", doc(tricky)))
    assert finding.details["criterion"] == "every-service"


def test_full_iam_with_sts_is_admin() -> None:
    [finding] = audit(CHECK, role("ci", doc(allow(["iam:*", "sts:*"]))))
    assert finding.details["criterion"] == "iam-control"
    assert "iam:PutRolePolicy" in finding.actions


def test_managed_admin_via_group_makes_user_admin() -> None:
    findings = audit(CHECK, user("alice", groups=("admins",)), group("admins", ADMIN))
    assert {f.principal.name for f in findings if f.principal} == {"alice", "admins"}


def test_conditional_admin_is_high_with_lower_confidence() -> None:
    mfa = allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    [finding] = audit(CHECK, user("breakglass", doc(mfa)))
    assert finding.effective_severity is Severity.high
    assert finding.effective_confidence is Confidence.medium
    assert finding.details["condition_keys"] == ["aws:MultiFactorAuthPresent"]
    assert "conditions" in finding.message


def test_expired_time_window_is_not_admin_and_open_one_is() -> None:
    past = allow("*", Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})
    since = allow("*", Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}})
    assert audit(CHECK, role("expired", doc(past))) == []
    [finding] = audit(CHECK, role("opened", doc(since)))
    assert finding.effective_severity is Severity.critical
    assert finding.effective_confidence is Confidence.high


def test_not_resource_excluding_one_bucket_is_still_admin() -> None:
    almost = {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit-logs/*"}
    assert len(audit(CHECK, role("deployer", doc(almost)))) == 1


def test_deny_blocks() -> None:
    assert audit(CHECK, role("fp", doc(allow("*"), deny("*")))) == []
    assert audit(CHECK, role("no-iam", doc(allow("*"), deny("iam:*")))) == []


def test_boundary_blocks() -> None:
    boxed = role("boxed", ADMIN, boundary=doc(allow(["s3:*", "logs:*"])))
    assert audit(CHECK, boxed) == []


def test_power_user_is_not_admin() -> None:
    power = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
    assert (
        audit(CHECK, role("power", doc(power, allow(["iam:CreateServiceLinkedRole", "iam:ListRoles"])))) == []
    )


def test_star_only_actions_and_scoped_grants_are_not_admin() -> None:
    assert (
        audit(CHECK, role("puller", doc(allow(["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"])))) == []
    )
    scoped = allow(["iam:*", "sts:*"], "arn:aws:iam::111122223333:role/app-*")
    assert audit(CHECK, role("scoped", doc(scoped))) == []


def test_standalone_policy_document_is_checked() -> None:
    findings = audit(CHECK, policies=(managed(doc(allow("*")), "too-broad"),))
    assert [f.principal.type for f in findings if f.principal] == ["policy"]


def test_representative_actions_exist_in_the_catalog() -> None:
    catalog = get_catalog()
    assert [a for a in (*EVERY_SERVICE, *IAM_CONTROL) if catalog.action(a) is None] == []


def test_cloudsplaining_example_administrators() -> None:
    findings = corpus_findings(CHECK)
    admins = {f.principal.name for f in findings if f.principal}
    assert {
        "obama",
        "admin",
        "userwithlotsofpermissions",
        "OrganizationAccountAccessRole",
        "AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc",
        "privesc-high-priv-service-role",
        "privesc-AssumeRole-ending-role",
    } <= admins
    [sre] = about(findings, "privesc-sre-user")  # iam:*, ec2:*, s3:* through its group
    assert sre.details["criterion"] == "iam-control"
    # Allow-and-deny, deny-all and deny-iam users, read-only SSO and the Lambda/RDS user are not.
    assert not admins & {
        "fp1-allow-and-deny-user",
        "fp2-allow-and-deny-multiple-policies-user",
        "fp3-deny-iam-user",
        "AWSReservedSSO_ViewOnlyAccess_0ace44bbc7092ea8",
        "biden",
        "fn4-exploitableNotAction-user",
    }
