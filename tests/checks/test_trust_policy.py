"""POLP-TRUST-001: trust policies that let in more than the workload they were made for."""

from __future__ import annotations

from typing import Any

from rule_kit import ACCOUNT, OTHER, about, audit, aws_trust, corpus_findings, doc, role, service_trust, user

from polp.checks.interface import Finding, Severity
from polp.checks.rules.trust_policy import CHECK

GITHUB = "token.actions.githubusercontent.com"


def oidc(
    issuer: str, conditions: dict[str, Any] | None = None, *, federated: str | None = None
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": federated or f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"},
    }
    if conditions:
        statement["Condition"] = conditions
    return doc(statement)


def github(sub: str | None, *, like: bool = True, aud: str | None = "sts.amazonaws.com") -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if aud is not None:
        conditions["StringEquals"] = {f"{GITHUB}:aud": aud}
    if sub is not None:
        conditions.setdefault("StringLike" if like else "StringEquals", {})[f"{GITHUB}:sub"] = sub
    return oidc(GITHUB, conditions)


def check(trust: dict[str, Any], *others: Any) -> list[Finding]:
    return about(audit(CHECK, role("deploy", trust=trust), *others), "deploy")


def severities(trust: dict[str, Any], *others: Any) -> list[Severity]:
    return [f.effective_severity for f in check(trust, *others)]


def test_github_without_sub_is_critical() -> None:
    [finding] = check(github(None))
    assert finding.effective_severity is Severity.critical
    assert "no sub condition" in finding.message
    assert finding.location is not None and finding.statement is not None
    assert finding.actions == ("sts:AssumeRoleWithWebIdentity",)


def test_github_sub_wildcards_by_level() -> None:
    assert severities(github("*")) == [Severity.critical]
    assert severities(github("repo:*")) == [Severity.critical]
    assert severities(github("repo:*/infra:ref:refs/heads/main")) == [Severity.critical]
    assert severities(github("repo:acme/*")) == [Severity.high]
    assert severities(github("repo:acme/model-*:ref:refs/heads/main")) == [Severity.high]
    assert severities(github("repo:acme/trainer:*")) == [Severity.medium]
    assert severities(github("repo:acme/trainer:ref:refs/heads/*")) == [Severity.medium]


def test_github_pinned_to_one_repo_and_branch_is_fine() -> None:
    assert check(github("repo:acme/trainer:ref:refs/heads/main", like=False)) == []
    assert check(github("repo:acme/trainer:environment:prod", like=False)) == []
    assert check(github("repo:acme/trainer:ref:refs/heads/main", like=True)) == []  # no wildcard in it
    assert check(github("repo:acme/*", like=False)) == []  # StringEquals: the star is literal


def test_github_pull_request_subject_is_medium() -> None:
    [finding] = check(github("repo:acme/trainer:pull_request", like=False))
    assert finding.effective_severity is Severity.medium
    assert "pull-request" in finding.message


def test_github_audience() -> None:
    assert severities(github("repo:acme/trainer:ref:refs/heads/main", like=False, aud=None)) == [
        Severity.medium
    ]
    assert severities(github("repo:acme/trainer:ref:refs/heads/main", like=False, aud="api://x")) == [
        Severity.medium
    ]


def test_a_deny_that_pins_the_repository_removes_the_wildcard_finding() -> None:
    trust = github("repo:acme/*")
    trust["Statement"].append(
        {
            "Effect": "Deny",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"},
            "Condition": {"StringNotLike": {f"{GITHUB}:sub": "repo:acme/trainer:*"}},
        }
    )
    assert Severity.high not in severities(trust)


def test_an_extra_claim_condition_restricts() -> None:
    trust = github("repo:acme/*")
    trust["Statement"][0]["Condition"]["StringEquals"][f"{GITHUB}:job_workflow_ref"] = (
        "acme/workflows/.github/workflows/deploy.yml@refs/heads/main"
    )
    assert check(trust) == []


def test_other_ci_providers() -> None:
    gitlab = "gitlab.com"
    assert severities(oidc(gitlab, {"StringEquals": {f"{gitlab}:aud": "https://gitlab.com"}})) == [
        Severity.critical
    ]
    assert severities(
        oidc(
            gitlab,
            {
                "StringEquals": {f"{gitlab}:aud": "https://gitlab.com"},
                "StringLike": {f"{gitlab}:sub": "project_path:acme/*"},
            },
        )
    ) == [Severity.high]
    tfc = "app.terraform.io"
    assert severities(
        oidc(
            tfc,
            {
                "StringEquals": {f"{tfc}:aud": "aws.workload.identity"},
                "StringLike": {f"{tfc}:sub": "organization:acme:*"},
            },
        )
    ) == [Severity.high]
    eks = "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789"
    assert severities(oidc(eks, {"StringEquals": {f"{eks}:aud": "sts.amazonaws.com"}})) == [Severity.high]
    pinned = {
        "StringEquals": {f"{eks}:aud": "sts.amazonaws.com", f"{eks}:sub": "system:serviceaccount:ml:trainer"}
    }
    assert check(oidc(eks, pinned)) == []


def test_cognito_without_audience_is_critical() -> None:
    pool = "cognito-identity.amazonaws.com"
    assert severities(oidc(pool, federated=pool)) == [Severity.critical]
    bound = {
        "StringEquals": {f"{pool}:aud": "us-east-1:11111111-2222-3333-4444-555555555555"},
        "ForAnyValue:StringLike": {f"{pool}:amr": "authenticated"},
    }
    assert check(oidc(pool, bound, federated=pool)) == []


def test_everyone() -> None:
    anyone = doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})
    assert severities(anyone) == [Severity.critical]
    org = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        }
    )
    assert check(org) == []
    ip_only = doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        }
    )
    assert severities(ip_only) == [Severity.high]


def test_other_accounts() -> None:
    assert severities(aws_trust(f"arn:aws:iam::{OTHER}:root")) == [Severity.medium]
    vendor = aws_trust(f"arn:aws:iam::{OTHER}:root", Condition={"StringEquals": {"sts:ExternalId": "x7"}})
    assert check(vendor) == []
    partner = aws_trust(f"arn:aws:iam::{OTHER}:role/partner")
    assert severities(partner) == [Severity.medium]
    # The same trust, when the other account is audited too, is visible and not reported.
    assert check(partner, user("someone", account=OTHER)) == []


def test_same_account_and_services() -> None:
    assert severities(aws_trust(f"arn:aws:iam::{ACCOUNT}:root")) == [Severity.low]
    assert severities(aws_trust(ACCOUNT)) == [Severity.low]
    assert check(aws_trust(f"arn:aws:iam::{ACCOUNT}:role/ci")) == []
    assert check(service_trust("sagemaker.amazonaws.com", "lambda.amazonaws.com")) == []


def test_cloudsplaining_example_trusts() -> None:
    findings = corpus_findings(CHECK)
    [org] = about(findings, "OrganizationAccountAccessRole")  # the management account, not audited here
    assert org.effective_severity is Severity.medium
    [permissive] = about(findings, "privesc-permissive-role-trust")
    assert permissive.effective_severity is Severity.low
    # Service roles, SAML (SSO) and a trust of AWS's own StackSets role are not reported.
    assert about(findings, "AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc") == []
    assert about(findings, "stacksets-exec-b5520cb2730c2f54b523d6375a319abb") == []
    assert about(findings, "privesc-high-priv-service-role") == []
