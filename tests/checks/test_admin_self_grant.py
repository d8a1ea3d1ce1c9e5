"""POLP-ADMIN-002: principals that can grant themselves permissions, judged on their own ARNs."""

from __future__ import annotations

from rule_kit import (
    ACCOUNT,
    ADMIN,
    about,
    allow,
    audit,
    corpus_findings,
    deny,
    doc,
    group,
    managed,
    role,
    user,
)

from polp.checks.interface import Severity
from polp.checks.rules.admin_self_grant import CHECK

SELF_USER = f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"


def test_put_user_policy_on_itself_through_a_variable() -> None:
    [finding] = audit(CHECK, user("ci", doc(allow("iam:PutUserPolicy", SELF_USER))))
    assert finding.effective_severity is Severity.critical
    assert finding.details["routes"] == [
        {
            "action": "iam:PutUserPolicy",
            "target": f"arn:aws:iam::{ACCOUNT}:user/ci",
            "via": "its own user",
            "capped": False,
        }
    ]


def test_self_service_policy_for_other_actions_is_fine() -> None:
    # The classic "manage your own access keys" policy grants nothing to escalate with.
    keys = allow(["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"], SELF_USER)
    assert audit(CHECK, user("alice", doc(keys))) == []


def test_attach_role_policy_on_all_roles_covers_itself() -> None:
    [finding] = audit(CHECK, role("deployer", doc(allow("iam:AttachRolePolicy", "arn:aws:iam::*:role/*"))))
    assert "iam:AttachRolePolicy on its own role" in finding.message


def test_group_policy_on_its_own_group() -> None:
    findings = audit(
        CHECK,
        user("bob", doc(allow("iam:PutGroupPolicy", f"arn:aws:iam::{ACCOUNT}:group/devs")), groups=("devs",)),
        group("devs"),
    )
    [finding] = about(findings, "bob")
    assert "its group devs" in finding.message


def test_new_version_of_its_own_managed_policy() -> None:
    own = managed(
        doc(allow("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/deployer-*")), "deployer-base"
    )
    [finding] = audit(CHECK, role("deployer", own))
    assert "iam:CreatePolicyVersion on its policy deployer-base" in finding.message


def test_joining_a_privileged_group_but_not_a_harmless_one() -> None:
    join = doc(allow("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/*"))
    findings = audit(
        CHECK, user("eve", join), group("admins", ADMIN), group("readers", doc(allow("s3:GetObject")))
    )
    [finding] = about(findings, "eve")
    assert "the privileged group admins" in finding.message
    assert "readers" not in finding.message
    assert audit(CHECK, user("eve", join), group("readers", doc(allow("s3:GetObject")))) == []


def test_boundary_caps_the_gain() -> None:
    capped = role(
        "boxed", doc(allow("iam:PutRolePolicy", "*")), boundary=doc(allow(["iam:PutRolePolicy", "s3:*"]))
    )
    [finding] = audit(CHECK, capped)
    assert finding.effective_severity is Severity.high
    assert "capped" in finding.message


def test_removing_its_boundary_when_its_policies_are_admin() -> None:
    escape = role(
        "escape",
        ADMIN,
        doc(allow("iam:DeleteRolePermissionsBoundary", "*")),
        boundary=doc(allow(["iam:DeleteRolePermissionsBoundary", "s3:*"])),
    )
    [finding] = audit(CHECK, escape)
    assert finding.effective_severity is Severity.critical
    assert "its own permissions boundary" in finding.message


def test_other_principals_only_deny_and_aws_managed_are_fine() -> None:
    others = doc(
        allow(["iam:PutUserPolicy", "iam:AttachUserPolicy"], f"arn:aws:iam::{ACCOUNT}:user/robots/*")
    )
    assert audit(CHECK, user("alice", others)) == []
    denied = doc(
        allow("iam:PutRolePolicy", "*"), deny("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/deployer")
    )
    assert audit(CHECK, role("deployer", denied)) == []
    aws_only = managed(doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/*")), "mine")
    assert audit(CHECK, role("deployer", aws_only)) == []


def test_administrators_are_left_to_admin_001() -> None:
    assert audit(CHECK, role("root-ish", ADMIN)) == []


def test_cloudsplaining_example_self_grants() -> None:
    findings = corpus_findings(CHECK)
    names = {f.principal.name for f in findings if f.principal}
    assert {
        "privesc10-PutUserPolicy-user",
        "privesc7-AttachUserPolicy-user",
        "privesc11-PutGroupPolicy-user",
        "privesc8-AttachGroupPolicy-user",
        "privesc12-PutRolePolicy-role",
        "privesc9-AttachRolePolicy-role",
        "privesc1-CreateNewPolicyVersion-user",
        "fn2-exploitableResourceConstraint-user",
        "fn3-exploitableConditionConstraint-user",
        "privesc13-AddUserToGroup-user",
    } <= names
    # An AWS-managed-only resource, a condition that expired in 2020, and plain denies: no finding.
    assert not names & {
        "fp4-nonExploitableResourceConstraint-user",
        "fp5-nonExploitableConditionConstraint-user",
        "fp1-allow-and-deny-user",
        "fp3-deny-iam-user",
    }
    [join] = about(findings, "privesc13-AddUserToGroup-user")
    assert "privesc-sre-group" in join.message
    assert "group admin" not in join.message  # that group is in another account
    [rollback] = about(findings, "privesc2-SetExistingDefaultPolicyVersion-user")
    assert rollback.effective_severity is Severity.high
