"""The three commands on the real corpus, and the replay proof of the generated policies."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from polp.iam.context import RequestContext
from polp.iam.dependent_actions import passed_to_service
from polp.iam.evaluate import evaluate
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.usage.commands import UsageSource, generate_command, unused_command, usage_command
from polp.usage.generate import fold_resources, generate_policy, select_rows
from polp.usage.policy_output import render_policy, render_terraform
from polp.usage.store import UsageStore

ACCOUNT = "123837392027"
STEALER = f"arn:aws:iam::{ACCOUNT}:role/stratus-red-team-ec2-steal-credentials-role"
BERT = f"arn:aws:iam::{ACCOUNT}:user/bert-jan"


def _logs(path: Path) -> UsageSource:
    return UsageSource((str(path),), progress=False)


def _run(command: Any, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = command(*args, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_usage_json_on_the_corpus(ct_dir: Path) -> None:
    code, out, _ = _run(usage_command, _logs(ct_dir), output_format="json")
    assert code == 0
    report = orjson.loads(out)
    summary = report["summary"]
    assert (summary["records"], summary["files"]) == (2900, 55)
    assert {s["reason"] for s in summary["skipped"]} == {
        "not CloudTrail: a JSON object without Records, Events or an event",
        "not a log file (expected .json, .json.gz or .jsonl)",
    }
    unmapped = {(u["event_name"], u["kind"]) for u in summary["unmapped_events"]}
    assert ("GetCallerIdentity", "no-permission") in unmapped and ("ConsoleLogin", "not-api-call") in unmapped
    principals = {p["principal"]: p for p in report["principals"]}
    bert = principals[BERT]
    mapped = sum(p["calls"] for p in report["principals"])
    assert mapped + sum(u["count"] for u in summary["unmapped_events"]) == 2900
    decrypts = [a for p in report["principals"] for a in p["actions"] if a["action"] == "kms:Decrypt"]
    assert decrypts and all(
        r["resource"].startswith("arn:aws:kms:") for a in decrypts for r in a["resources"]
    )
    assert bert["denied"] > 0
    assert any(a["action"] == "iam:PassRole" and a["inferred_from"] for a in bert["actions"])
    services = {p["principal"] for p in report["principals"] if p["kind"] == "service"}
    assert "rds.amazonaws.com" in services


def test_usage_filters_and_formats(ct_dir: Path) -> None:
    code, out, _ = _run(usage_command, _logs(ct_dir), principal=STEALER, output_format="markdown")
    assert code == 0 and STEALER in out and "ssm:UpdateInstanceInformation" in out and BERT not in out
    code, out, _ = _run(usage_command, _logs(ct_dir), since="2023-07-11")
    assert code == 0 and "window: 2023-07-11" in out
    code, _, err = _run(usage_command, _logs(ct_dir), since="yesterday")
    assert code == 3 and "--since" in err
    code, _, err = _run(usage_command, _logs(ct_dir / "LICENSE"))
    assert code == 2 and "no CloudTrail log could be read" in err
    code, _, err = _run(usage_command, _logs(ct_dir), output_format="xml")
    assert code == 3


def _delegating_policy(action: str) -> Any:
    """The resource side that hands the decision to the account's IAM policies, where AWS needs one:
    KMS's default key policy, and a trust policy that trusts the account for ``sts:AssumeRole``."""
    if not action.startswith(("kms:", "sts:AssumeRole")):
        return None
    return parse_policy_data(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*" if action.startswith("kms:") else "sts:AssumeRole",
                    "Resource": "*",
                }
            ],
        }
    )


def _replay(policy_document: dict[str, Any], store: UsageStore, principal: str) -> list[str]:
    """Every successful call of the principal, decided by the evaluator against the generated policy.

    KMS keys and role trust need a resource policy too; the replay gives the ones that hand the
    decision to the identity policy (a key's default key policy, a trust policy trusting the account).
    """
    policy = parse_policy_data(policy_document)
    failures = []
    for row in select_rows(store.rows(principal), principal):
        context: dict[str, Any] = {}
        if row.inferred_from:
            service = passed_to_service(row.inferred_from)
            if service:
                context["iam:PassedToService"] = service
        request = Request(
            principal=RequestPrincipal.parse(principal),
            action=row.action,
            resource=row.resource,
            context=RequestContext(context),
            identity_policies=(policy,),
            resource_policy=_delegating_policy(row.action),
        )
        decision = evaluate(request)
        if decision.decision != "Allowed":
            failures.append(f"{row.action} on {row.resource}: {decision.decision}")
    return failures


def test_replay_every_successful_call_against_its_generated_policy(ct_store: UsageStore) -> None:
    principals = [arn for arn, kind in ct_store.principals() if kind in ("user", "role")]
    assert len(principals) >= 10
    replayed = 0
    for principal in principals:
        policy = generate_policy(ct_store.rows(principal), principal)
        if not select_rows(ct_store.rows(principal), principal):
            assert not policy.statements  # only denied calls: nothing to grant
            continue
        assert _replay(policy.document(), ct_store, principal) == []
        replayed += sum(1 for _ in select_rows(ct_store.rows(principal), principal))
    assert replayed > 500


def test_denied_calls_are_not_granted_unless_asked(ct_store: UsageStore) -> None:
    rows = ct_store.rows(BERT)
    denied = {r.action for r in rows if r.outcome == "denied"} - {
        r.action for r in rows if r.outcome == "success"
    }
    assert denied
    policy = generate_policy(rows, BERT)
    granted = {a for s in policy.statements for a in s.actions}
    assert not denied & granted and set(policy.denied_left_out) == denied
    with_denied = generate_policy(rows, BERT, include_denied=True)
    assert denied <= {a for s in with_denied.statements for a in s.actions}


def test_pass_role_is_marked_for_review(ct_store: UsageStore) -> None:
    policy = generate_policy(ct_store.rows(BERT), BERT)
    review = [s for s in policy.statements if s.review]
    assert review and all(
        s.actions == ("iam:PassRole",) and s.sid.startswith("ReviewPassRole") for s in review
    )
    assert any(
        s.condition == (("StringEquals", "iam:PassedToService", ("lambda.amazonaws.com",)),) for s in review
    )
    assert all("*" not in r for s in review for r in s.resources)


def test_generate_command_json_and_terraform(ct_dir: Path) -> None:
    code, out, err = _run(generate_command, _logs(ct_dir), principal=STEALER)
    assert code == 0
    document = orjson.loads(out)
    assert document["Version"] == "2012-10-17" and document["Statement"]
    assert "successful calls" in err
    code, out, _ = _run(generate_command, _logs(ct_dir), principal=BERT, output_format="terraform")
    assert code == 0 and out.count("statement {") >= 5 and 'data "aws_iam_policy_document" "bert_jan"' in out
    code, _, err = _run(generate_command, _logs(ct_dir), principal="arn:aws:iam::1:role/nobody")
    assert code == 1 and "no successful call" in err


def test_terraform_strings_cannot_interpolate(ct_store: UsageStore) -> None:
    policy = generate_policy(ct_store.rows(STEALER), STEALER)
    text = render_terraform(policy)
    assert "${" not in text.replace("$${", "")
    from polp.usage.generate import GeneratedPolicy, PolicyStatement

    hostile = GeneratedPolicy(
        "arn:aws:iam::1:role/x",
        (PolicyStatement("Used", ("s3:GetObject",), ('arn:aws:s3:::b/${x}"%{y}\\',)),),
        (),
        1,
        (),
    )
    rendered = render_policy(hostile, "terraform")
    assert '"arn:aws:s3:::b/$${x}\\"%%{y}\\\\"' in rendered


def test_fold_resources() -> None:
    objects = [f"arn:aws:s3:::data/train/part-{i:04d}.parquet" for i in range(50)]
    assert fold_resources(objects) == ("arn:aws:s3:::data/train/part-00*",)
    assert fold_resources([*objects[:3], "*"]) == ("*",)
    assert fold_resources(objects[:3]) == tuple(objects[:3])


ACCOUNT_DETAILS: dict[str, Any] = {
    "UserDetailList": [
        {
            "Path": "/",
            "UserName": "bert-jan",
            "UserId": "AIDA1",
            "Arn": BERT,
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "UserPolicyList": [
                {
                    "PolicyName": "admin",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": ["ec2:*", "s3:*", "iam:*"], "Resource": "*"}
                        ],
                    },
                }
            ],
        }
    ],
    "GroupDetailList": [],
    "RoleDetailList": [
        {
            "Path": "/",
            "RoleName": "stratus-red-team-ec2-steal-credentials-role",
            "RoleId": "AROA1",
            "Arn": STEALER,
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "RolePolicyList": [
                {
                    "PolicyName": "ssm",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "ssm:UpdateInstanceInformation",
                                    "ssm:ListInstanceAssociations",
                                    "ssm:GetParameter",
                                    "sagemaker:CreateTrainingJob",
                                    "iam:PassRole",
                                    "s3:GetObject",
                                    "ec2:DescribeInstances",
                                    "dynamodb:GetItem",
                                ],
                                "Resource": "*",
                            },
                            {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*"},
                        ],
                    },
                }
            ],
            "AttachedManagedPolicies": [],
            "InstanceProfileList": [],
        },
        {
            "Path": "/",
            "RoleName": "idle",
            "RoleId": "AROA2",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/idle",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "RolePolicyList": [
                {
                    "PolicyName": "p",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
                        ],
                    },
                }
            ],
            "AttachedManagedPolicies": [],
            "InstanceProfileList": [],
        },
    ],
    "Policies": [],
}


@pytest.fixture()
def account_file(tmp_path: Path) -> Path:
    path = tmp_path / "account.json"
    path.write_bytes(orjson.dumps(ACCOUNT_DETAILS))
    return path


def test_unused_on_the_corpus(ct_dir: Path, account_file: Path) -> None:
    code, out, err = _run(unused_command, [str(account_file)], _logs(ct_dir), output_format="json")
    assert code == 1, err
    report = orjson.loads(out)
    assert report["window"] == {
        "since": "2023-04-12",
        "until": "2023-07-10",
        "days": 90,
        "covered_by_logs": False,
    }
    by_arn = {p["principal"]: p for p in report["principals"]}
    stealer = by_arn[STEALER]
    assert set(stealer["used"]) == {
        "ssm:UpdateInstanceInformation",
        "ssm:ListInstanceAssociations",
        "ec2:DescribeInstances",
    }
    assert set(stealer["unused"]) == {"ssm:GetParameter", "sagemaker:CreateTrainingJob"}
    hidden = {n["action"]: n["reason"] for n in stealer["not_observable"]}
    assert set(hidden) == {"iam:PassRole", "s3:GetObject"}  # never "unused"; dynamodb:GetItem is denied
    assert "never logs" in hidden["iam:PassRole"] and "data event" in hidden["s3:GetObject"]
    assert stealer["used_share"] == pytest.approx(3 / 5)
    assert stealer["unused_services"] == ["sagemaker"]
    idle = by_arn[f"arn:aws:iam::{ACCOUNT}:role/idle"]
    assert idle["never_used"] and idle["unused"] == ["secretsmanager:GetSecretValue"]
    bert = by_arn[BERT]
    assert bert["used_share"] is not None and 0 < bert["used_share"] < 0.2


def test_unused_text_and_markdown(ct_dir: Path, account_file: Path) -> None:
    code, out, _ = _run(unused_command, [str(account_file)], _logs(ct_dir), days=1)
    assert code == 1 and "NOT USED AT ALL" in out and "not observable" in out
    code, out, _ = _run(
        unused_command, [str(account_file)], _logs(ct_dir), output_format="markdown", principal=STEALER
    )
    assert code == 1 and out.startswith("# Unused permissions") and "idle" not in out
    code, _, _ = _run(unused_command, [str(ct_dir / "SOURCE.json")], _logs(ct_dir))
    assert code == 2
    code, _, _ = _run(unused_command, [str(account_file)], _logs(ct_dir), days=0)
    assert code == 3
