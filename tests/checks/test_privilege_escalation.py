"""POLP-PRIVESC-001: documented escalation methods and assume-role chains to privileged roles."""

from __future__ import annotations

from typing import Any

from rule_kit import (
    ACCOUNT,
    ADMIN,
    OTHER,
    about,
    allow,
    audit,
    aws_trust,
    corpus_findings,
    deny,
    doc,
    role,
    service_trust,
    user,
)

from polp.checks.interface import Confidence, Finding, Severity
from polp.checks.rules.privilege_escalation import CHECK

TRAIN = allow(["iam:PassRole", "sagemaker:CreateTrainingJob"])
ADMIN_SAGEMAKER = role("sm-admin", ADMIN, trust=service_trust("sagemaker.amazonaws.com"))
HARMLESS_SAGEMAKER = role(
    "sm-train",
    doc(allow("s3:GetObject", "arn:aws:s3:::datasets/*")),
    trust=service_trust("sagemaker.amazonaws.com"),
)


def methods(finding: Finding) -> set[Any]:
    return {m["id"] for m in finding.details["methods"]}  # type: ignore[attr-defined]


def test_passrole_to_an_admin_sagemaker_role() -> None:
    [finding] = audit(CHECK, user("ci", doc(TRAIN)), ADMIN_SAGEMAKER, HARMLESS_SAGEMAKER)
    assert finding.effective_severity is Severity.critical
    assert methods(finding) == {"sagemaker-002"}
    assert finding.details["targets"] == [f"arn:aws:iam::{ACCOUNT}:role/sm-admin"]
    assert finding.details["passable_roles"] == sorted([ADMIN_SAGEMAKER.arn, HARMLESS_SAGEMAKER.arn])
    assert finding.actions == ("iam:PassRole", "sagemaker:CreateTrainingJob")
    assert "sm-admin (administrator)" in finding.message


def test_passrole_scoped_to_a_harmless_role_does_not_fire() -> None:
    scoped = doc(allow("sagemaker:CreateTrainingJob"), allow("iam:PassRole", HARMLESS_SAGEMAKER.arn))
    assert audit(CHECK, user("ci", scoped), ADMIN_SAGEMAKER, HARMLESS_SAGEMAKER) == []


def test_passed_to_service_for_another_service_does_not_fire() -> None:
    to_lambda = allow(
        "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    )
    policy = doc(to_lambda, allow("sagemaker:CreateTrainingJob"))
    assert audit(CHECK, user("ci", policy), ADMIN_SAGEMAKER) == []


def test_passed_to_the_right_service_fires_without_lowering_confidence() -> None:
    to_sm = allow(
        "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    )
    [finding] = audit(CHECK, user("ci", doc(to_sm, allow("sagemaker:CreateTrainingJob"))), ADMIN_SAGEMAKER)
    assert finding.effective_confidence is Confidence.high


def test_open_ended_passrole_without_privileged_target_is_medium() -> None:
    [finding] = audit(CHECK, user("ci", doc(TRAIN)), HARMLESS_SAGEMAKER)
    assert finding.effective_severity is Severity.medium
    assert "no privileged target is known" in finding.message


def test_deny_or_boundary_blocks_passrole() -> None:
    assert audit(CHECK, user("ci", doc(TRAIN, deny("iam:PassRole"))), ADMIN_SAGEMAKER) == []
    boxed = user("ci", doc(TRAIN), boundary=doc(allow(["sagemaker:*", "s3:*"])))
    assert audit(CHECK, boxed, ADMIN_SAGEMAKER) == []


def test_deny_on_the_admin_role_leaves_only_the_harmless_one() -> None:
    policy = doc(TRAIN, deny("iam:PassRole", ADMIN_SAGEMAKER.arn))
    [finding] = audit(CHECK, user("ci", policy), ADMIN_SAGEMAKER, HARMLESS_SAGEMAKER)
    assert finding.effective_severity is Severity.medium
    assert finding.details["targets"] == []


def test_roles_of_another_account_cannot_be_passed() -> None:
    foreign = role("sm-admin", ADMIN, trust=service_trust("sagemaker.amazonaws.com"), account=OTHER)
    [finding] = audit(CHECK, user("ci", doc(TRAIN)), foreign)
    assert finding.effective_severity is Severity.medium


def test_bedrock_agentcore_code_interpreter() -> None:
    own = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:code-interpreter-custom/builder-*"
    policy = doc(
        allow(["iam:PassRole", "bedrock-agentcore:CreateCodeInterpreter"]),
        allow(
            ["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"], own
        ),
    )
    agent_admin = role("agent-admin", ADMIN, trust=service_trust("bedrock-agentcore.amazonaws.com"))
    [finding] = about(audit(CHECK, role("builder", policy), agent_admin), "builder")
    assert methods(finding) == {"bedrock-001"}
    assert finding.effective_severity is Severity.critical
    # On every interpreter, running code in existing ones is enough: the smaller method is reported.
    everywhere = doc(allow(["iam:PassRole", "bedrock-agentcore:*"]))
    found = set().union(
        *(methods(f) for f in about(audit(CHECK, role("builder", everywhere), agent_admin), "builder"))
    )
    assert {"bedrock-002", "bedrock-004", "bedrock-006"} <= found
    assert not found & {"bedrock-001", "bedrock-003"}  # supersets of bedrock-002 and bedrock-004


def test_existing_lambda_code_only_on_every_function() -> None:
    lambda_admin = role("fn-admin", ADMIN, trust=service_trust("lambda.amazonaws.com"))
    [finding] = audit(CHECK, user("dev", doc(allow("lambda:UpdateFunctionCode"))), lambda_admin)
    assert methods(finding) == {"lambda-003"}
    assert finding.details["kind"] == "existing"
    named = allow("lambda:UpdateFunctionCode", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scorer")
    assert audit(CHECK, user("dev", doc(named)), lambda_admin) == []


def test_smallest_method_wins() -> None:
    build = allow(["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"])
    cb_admin = role("cb-admin", ADMIN, trust=service_trust("codebuild.amazonaws.com"))
    [finding] = audit(CHECK, user("ci", doc(build)), cb_admin)
    assert methods(finding) == {"codebuild-002"}  # codebuild-001 needs more and adds nothing


def test_iam_method_for_a_user_and_no_double_report_for_a_role() -> None:
    [finding] = audit(CHECK, user("ops", doc(allow("iam:PutRolePolicy"))))
    assert methods(finding) == {"iam-012"}
    assert finding.effective_severity is Severity.critical
    # A role with the same grant can write on itself: POLP-ADMIN-002 reports it, not this rule.
    assert audit(CHECK, role("ops", doc(allow("iam:PutRolePolicy")))) == []


def test_star_only_actions_and_admins_do_not_fire() -> None:
    assert (
        audit(CHECK, role("puller", doc(allow(["ecr:GetAuthorizationToken", "sts:GetCallerIdentity"])))) == []
    )
    assert audit(CHECK, role("admin", ADMIN), ADMIN_SAGEMAKER) == []


def test_assume_role_chain_to_an_admin() -> None:
    start = user("ci", doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/hop")))
    hop = role("hop", trust=aws_trust(start.arn))  # no identity policy: the trust below names it
    top = role("top", ADMIN, trust=aws_trust(hop.arn))
    findings = audit(CHECK, start, hop, top)
    [chain] = about(findings, "ci")
    assert chain.details["chain"] == [start.arn, hop.arn, top.arn]
    assert chain.effective_severity is Severity.critical
    assert "ci → hop → top" in chain.message
    assert [f.details["hops"] for f in about(findings, "hop")] == [1]


def test_assume_chain_blocked_by_deny_or_trust() -> None:
    start = user(
        "ci", doc(allow("sts:AssumeRole"), deny("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/top"))
    )
    top = role("top", ADMIN, trust=aws_trust(f"arn:aws:iam::{ACCOUNT}:root"))
    assert about(audit(CHECK, start, top), "ci") == []
    stranger = user("ci", doc(allow("sts:AssumeRole")))
    pinned = role("top", ADMIN, trust=aws_trust(f"arn:aws:iam::{ACCOUNT}:role/someone-else"))
    assert about(audit(CHECK, stranger, pinned), "ci") == []


def test_whole_account_trust_needs_the_identity_grant() -> None:
    top = role("top", ADMIN, trust=aws_trust(f"arn:aws:iam::{ACCOUNT}:root"))
    [path] = audit(CHECK, user("ci", doc(allow("sts:AssumeRole"))), top)
    assert path.details["chain"] == [f"arn:aws:iam::{ACCOUNT}:user/ci", top.arn]
    assert audit(CHECK, user("ci", doc(allow("s3:GetObject"))), top) == []


def test_cloudsplaining_example_escalations() -> None:
    findings = corpus_findings(CHECK)
    [training] = about(findings, "privesc-sageMakerCreateTrainingJobPassRole-user")
    assert methods(training) == {"sagemaker-002"}
    assert training.effective_severity is Severity.critical
    assert training.details["targets"] == ["arn:aws:iam::200611803367:role/privesc-high-priv-service-role"]
    [partial] = about(findings, "fn1-privesc3-partial-user")  # PassRole and RunInstances in two policies
    assert methods(partial) == {"ec2-001"}
    [lambda_code] = about(findings, "privesc17-EditExistingLambdaFunctionWithRole-user")
    assert methods(lambda_code) == {"lambda-003"}
    [trust] = about(findings, "privesc14-UpdatingAssumeRolePolicy-user")
    assert methods(trust) == {"iam-014"}
    [chain] = about(findings, "privesc-AssumeRole-starting-role")
    assert [a.rsplit("/", 1)[-1] for a in chain.details["chain"]] == [  # type: ignore[attr-defined]
        "privesc-AssumeRole-starting-role",
        "privesc-AssumeRole-intermediate-role",
        "privesc-AssumeRole-ending-role",
    ]
    names = {f.principal.name for f in findings if f.principal}
    assert not names & {
        "fp1-allow-and-deny-user",
        "fp2-allow-and-deny-multiple-policies-user",
        "fp3-deny-iam-user",
        "fp4-nonExploitableResourceConstraint-user",
        "fp5-nonExploitableConditionConstraint-user",
        "obama",
        "privesc-sre-user",
    }
    # Lambda full access, but no role in that account trusts Lambda: an open-ended grant, medium.
    assert {f.effective_severity for f in about(findings, "biden")} == {Severity.medium}
