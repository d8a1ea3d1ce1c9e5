"""POLP-SECRETS-001: reading secrets beyond the named ones."""

from __future__ import annotations

from rule_kit import ACCOUNT, ADMIN, about, allow, audit, corpus_findings, deny, doc, role

from polp.checks.interface import Severity
from polp.checks.rules.secrets_access import CHECK

SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:"
PARAM = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/"


def test_every_secret_is_high() -> None:
    [finding] = audit(CHECK, role("trainer", doc(allow("secretsmanager:GetSecretValue"))))
    assert finding.effective_severity is Severity.high
    assert finding.details == {
        "store": "secretsmanager",
        "scope": "all",
        "statements": ["trainer-inline-0: Statement[0]"],
    }


def test_a_wildcard_prefix_is_medium() -> None:
    [finding] = audit(CHECK, role("trainer", doc(allow("secretsmanager:GetSecretValue", SECRET + "prod/*"))))
    assert finding.effective_severity is Severity.medium
    assert finding.details["scope"] == "wildcard"


def test_named_secrets_are_least_privilege() -> None:
    named = [SECRET + "prod/db-AbCdEf", SECRET + "prod/registry-??????", SECRET + "prod/api-key-*"]
    assert audit(CHECK, role("trainer", doc(allow("secretsmanager:GetSecretValue", named)))) == []


def test_condition_scoped_secrets_are_medium() -> None:
    tagged = allow(
        "secretsmanager:GetSecretValue", Condition={"StringEquals": {"aws:ResourceTag/team": "ml"}}
    )
    [finding] = audit(CHECK, role("trainer", doc(tagged)))
    assert finding.effective_severity is Severity.medium
    assert finding.details["scope"] == "all-conditional"
    assert "aws:ResourceTag/team" in finding.message


def test_parameters() -> None:
    [every] = audit(CHECK, role("app", doc(allow("ssm:GetParameters", "arn:aws:ssm:*:*:parameter/*"))))
    assert every.effective_severity is Severity.high
    [path] = audit(CHECK, role("app", doc(allow("ssm:GetParametersByPath", PARAM + "prod"))))
    assert path.effective_severity is Severity.medium  # a path reads everything below it
    assert audit(CHECK, role("app", doc(allow("ssm:GetParameter", PARAM + "prod/db/password")))) == []


def test_decrypt() -> None:
    [every] = audit(CHECK, role("app", doc(allow("kms:Decrypt", "arn:aws:kms:*:*:key/*"))))
    assert every.details["store"] == "kms" and every.effective_severity is Severity.high
    via = allow(
        "kms:Decrypt",
        Condition={"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}},
    )
    [scoped] = audit(CHECK, role("app", doc(via)))
    assert scoped.effective_severity is Severity.medium
    one_key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert audit(CHECK, role("app", doc(allow("kms:Decrypt", one_key)))) == []


def test_deny_boundary_batch_and_admin() -> None:
    assert (
        audit(CHECK, role("a", doc(allow("secretsmanager:*"), deny("secretsmanager:GetSecretValue")))) == []
    )
    assert audit(CHECK, role("b", doc(allow("secretsmanager:*")), boundary=doc(allow("s3:*")))) == []
    assert audit(CHECK, role("c", doc(allow("secretsmanager:BatchGetSecretValue")))) == []
    assert audit(CHECK, role("d", ADMIN)) == []  # POLP-ADMIN-001 says more


def test_cloudsplaining_example_secrets() -> None:
    findings = corpus_findings(CHECK)
    [secrets] = about(findings, "OverprivilegedEC2")
    assert secrets.details["store"] == "secretsmanager" and secrets.effective_severity is Severity.high
    [params] = about(findings, "AWSReservedSSO_ViewOnlyAccess_0ace44bbc7092ea8")  # ReadOnlyAccess reads them
    assert params.details["store"] == "ssm"
    [kms] = about(findings, "AWS-QuickSetup-EnableCRecording-1clff_us-east-1")
    assert kms.details["store"] == "kms"
    assert about(findings, "obama") == []
