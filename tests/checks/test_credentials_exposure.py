"""POLP-CRED-001: minting credentials for others and opening sessions as other identities."""

from __future__ import annotations

from typing import Any

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
    role,
    service_trust,
    user,
)

from polp.checks.interface import Confidence, Finding, Severity
from polp.checks.rules.credentials_exposure import CHECK

SELF = f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"


def family(finding: Finding) -> Any:
    return finding.details["family"]


def test_access_keys_for_every_user() -> None:
    [finding] = audit(CHECK, role("ci", doc(allow("iam:CreateAccessKey"))))
    assert family(finding) == "user-credentials"
    assert finding.effective_severity is Severity.high
    findings = audit(CHECK, role("ci", doc(allow("iam:CreateAccessKey"))), user("root-ish", ADMIN))
    [finding] = about(findings, "ci")
    assert finding.effective_severity is Severity.critical
    assert finding.details["privileged_users"] == [f"arn:aws:iam::{ACCOUNT}:user/root-ish"]


def test_self_service_is_fine_for_users_and_groups() -> None:
    self_service = doc(
        allow(["iam:CreateAccessKey", "iam:UpdateLoginProfile", "iam:UploadSSHPublicKey"], SELF)
    )
    assert audit(CHECK, user("alice", self_service), user("bob")) == []
    assert audit(CHECK, group("everyone", self_service), user("bob")) == []
    own = doc(allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/alice"))
    assert audit(CHECK, user("alice", own)) == []


def test_a_named_other_user_or_a_pattern_covering_one() -> None:
    named = doc(allow("iam:CreateLoginProfile", f"arn:aws:iam::{ACCOUNT}:user/bob"))
    [finding] = about(audit(CHECK, user("alice", named)), "alice")
    assert finding.actions == ("iam:CreateLoginProfile",)
    prefix = doc(allow("iam:CreateServiceSpecificCredential", f"arn:aws:iam::{ACCOUNT}:user/svc-*"))
    assert about(audit(CHECK, user("svc-a", prefix), user("svc-b")), "svc-a") != []
    assert about(audit(CHECK, user("svc-a", prefix), user("human")), "svc-a") == []  # only itself


def test_deny_blocks_and_conditions_lower_confidence() -> None:
    assert audit(CHECK, role("ci", doc(allow("iam:CreateAccessKey"), deny("iam:CreateAccessKey")))) == []
    tagged = allow("iam:CreateAccessKey", Condition={"StringEquals": {"aws:ResourceTag/team": "ml"}})
    [finding] = audit(CHECK, role("ci", doc(tagged)))
    assert finding.effective_confidence is Confidence.medium


def test_session_manager_on_every_instance() -> None:
    ec2_admin = role("box-admin", ADMIN, trust=service_trust("ec2.amazonaws.com"))
    [finding] = about(audit(CHECK, role("ops", doc(allow("ssm:StartSession"))), ec2_admin), "ops")
    assert family(finding) == "instance-shell"
    assert finding.effective_severity is Severity.critical


def test_session_manager_scoped_is_fine() -> None:
    document = allow("ssm:StartSession", "arn:aws:ssm:*:*:document/AWS-StartPortForwardingSession")
    one = allow("ssm:StartSession", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0")
    assert audit(CHECK, role("ops", doc(document, one))) == []


def test_presigned_sagemaker_urls() -> None:
    [finding] = audit(CHECK, role("ds", doc(allow("sagemaker:CreatePresignedNotebookInstanceUrl"))))
    assert family(finding) == "sagemaker-presigned-url"
    one = allow(
        "sagemaker:CreatePresignedDomainUrl",
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/d-abc/alice",
    )
    assert audit(CHECK, role("ds", doc(one))) == []


def test_federation_tokens_only_for_users() -> None:
    [finding] = audit(CHECK, user("ci", doc(allow("sts:GetFederationToken"))))
    assert family(finding) == "federation-token"
    assert finding.effective_severity is Severity.medium
    assert audit(CHECK, role("ci", doc(allow("sts:GetFederationToken")))) == []


def test_cognito_developer_identities_need_a_pool_role() -> None:
    mint = doc(allow("cognito-identity:GetOpenIdTokenForDeveloperIdentity"))
    assert audit(CHECK, role("app", mint)) == []
    pool_trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        }
    )
    findings = audit(
        CHECK, role("app", mint), role("pool-auth", doc(allow("s3:GetObject")), trust=pool_trust)
    )
    assert [family(f) for f in about(findings, "app")] == ["cognito-developer-identity"]


def test_unauthenticated_and_star_only_apis_are_not_reported() -> None:
    public = [
        "cognito-identity:GetCredentialsForIdentity",
        "ecr:GetAuthorizationToken",
        "sts:GetCallerIdentity",
    ]
    assert audit(CHECK, role("app", doc(allow(public)))) == []


def test_cloudsplaining_example_credentials() -> None:
    findings = corpus_findings(CHECK)
    for name in (
        "privesc4-CreateAccessKey-user",
        "privesc5-CreateLoginProfile-user",
        "privesc6-UpdateLoginProfile-user",
    ):
        [finding] = about(findings, name)
        assert finding.effective_severity is Severity.critical
        assert "arn:aws:iam::200611803367:user/privesc-sre-user" in finding.details["privileged_users"]  # type: ignore[operator]
    assert [family(f) for f in about(findings, "privesc-ssmStartSession-user")] == ["instance-shell"]
    assert [family(f) for f in about(findings, "privesc-ec2InstanceConnect-user")] == ["instance-shell"]
    assert [family(f) for f in about(findings, "privesc-sageMakerCreatePresignedNotebookURL-user")] == [
        "sagemaker-presigned-url"
    ]
    [keys] = about(findings, "OverprivilegedEC2")  # iam:CreateAccessKey on *, next to two admin users
    assert keys.details["privileged_users"] == [
        "arn:aws:iam::012345678901:user/obama",
        "arn:aws:iam::012345678901:user/userwithlotsofpermissions",
    ]
    names = {f.principal.name for f in findings if f.principal}
    assert not names & {"fp1-allow-and-deny-user", "fp3-deny-iam-user", "obama"}
