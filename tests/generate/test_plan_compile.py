"""The compiler: exact roles from a manifest, the actions AWS needs alongside, and refusals that name the
manifest line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from polp.generate.compile import Plan, compile_manifest
from polp.generate.validation import plan_findings
from polp.generate.write import FORMATS, render
from polp.manifest.load import load_manifest, load_manifest_text
from polp.manifest.schema import ManifestError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ("demand-forecast", "sagemaker-pipeline", "eks-kserve")


def plan_of(text: str) -> Plan:
    return compile_manifest(load_manifest_text(textwrap.dedent(text), "polp.yaml"))


def example(name: str) -> Plan:
    return compile_manifest(load_manifest(str(EXAMPLES / name / "polp.yaml")))


def statements(plan: Plan, identity: str) -> dict[str, dict[str, Any]]:
    compiled = next(c for c in plan.identities if c.name == identity)
    return {s["Sid"]: s for s in compiled.permissions["Statement"]}


MANIFEST = """\
version: 1
pipeline: demo
account: "111122223333"
region: us-east-1
identities:
  trainer:
    trust: {github_actions: {repository: retail-co/demo, branches: [main]}}
    capabilities:
      - sagemaker_training: {execution_role: service-role/DemoExecution}
"""


def test_training_passes_only_its_execution_role_and_only_to_sagemaker() -> None:
    found = statements(plan_of(MANIFEST), "trainer")
    assert found["PassRoleToSagemaker"] == {
        "Sid": "PassRoleToSagemaker",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": "arn:aws:iam::111122223333:role/service-role/DemoExecution",
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    }
    assert (
        found["StartTrainingJobs"]["Resource"]
        == "arn:aws:sagemaker:us-east-1:111122223333:training-job/demo-*"
    )


def test_deployer_of_the_case_study() -> None:
    found = statements(example("demand-forecast"), "deployer")
    assert found["RollOutEndpoint"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Environment": "Staging"}
    }
    assert found["CreateModelAndEndpointConfig"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/Environment": "Staging"}
    }
    # Creating with tags needs the tagging action too, on the same resources and tags only.
    assert found["CreateModelAndEndpointConfigTags"]["Action"] == "sagemaker:AddTags"
    actions = {
        a for s in found.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not any(a.startswith(("rds:", "dynamodb:", "secretsmanager:")) for a in actions)
    assert {a for a in actions if a.startswith("iam:")} == {"iam:PassRole"}


def test_a_role_passed_twice_to_one_service_is_one_statement() -> None:
    found = statements(example("sagemaker-pipeline"), "pipeline-runner")
    passing = [s for s in found.values() if s["Action"] == "iam:PassRole"]
    assert len(passing) == 1 and len(passing[0]["Resource"]) == 2


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        (
            "    never: [{actions: ['sagemaker:CreateTrainingJob']}]\n",
            "polp.yaml:9: identities.trainer.capabilities[0]: sagemaker_training needs "
            "sagemaker:CreateTrainingJob, which the must-never item 'sagemaker:CreateTrainingJob' "
            "(line 10) forbids",
        ),
        (
            "      - raw: {actions: [s3:GetObjects], resources: ['*']}\n",
            "polp.yaml:10: identities.trainer.capabilities[1]: raw: "
            "s3:GetObjects is not an action in the catalog",
        ),
        (
            "      - sagemaker_processing: {execution_role: 'arn:aws:iam::444455556666:role/Exec'}\n",
            "polp.yaml:10: identities.trainer.capabilities[1]: sagemaker_processing: "
            "the role arn:aws:iam::444455556666:role/Exec is not in the pipeline's account",
        ),
    ],
)
def test_refusals_name_the_manifest_line(addition: str, expected: str) -> None:
    with pytest.raises(ManifestError) as caught:
        plan_of(MANIFEST + addition)
    assert expected in str(caught.value)


def test_never_iam_allows_the_pass_role_a_capability_needs() -> None:
    plan = plan_of(MANIFEST + "    never: [iam, databases, secrets]\n")
    assert "PassRoleToSagemaker" in statements(plan, "trainer")


def test_explicit_denies_of_never_items() -> None:
    plan = plan_of(MANIFEST + "    never: [databases, iam]\n    deny_never: true\n")
    found = statements(plan, "trainer")
    assert found["DenyNever1"]["Effect"] == "Deny" and "rds:*" in found["DenyNever1"]["Action"]
    assert found["DenyNever2"] == {
        "Sid": "DenyNever2",
        "Effect": "Deny",
        "Action": "iam:*",
        "Resource": "*",
        "Condition": {"Null": {"iam:PassedToService": "true"}},
    }


def test_principal_tags_gate_every_allow() -> None:
    plan = plan_of(MANIFEST + "    abac: {principal_tags: {team: ml-platform}}\n")
    for statement in statements(plan, "trainer").values():
        assert statement["Condition"]["StringEquals"]["aws:PrincipalTag/team"] == "ml-platform"
    trust = plan.identities[0].trust["Statement"][0]
    assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    assert trust["Condition"]["StringEquals"]["aws:RequestTag/team"] == "ml-platform"


@pytest.mark.parametrize("name", NAMES)
def test_examples_validate_with_nothing_above_a_suggestion(name: str) -> None:
    assert plan_findings(example(name)) == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_output_is_deterministic(name: str, fmt: str) -> None:
    assert render(example(name), fmt) == render(example(name), fmt)


def test_a_manifest_change_gives_a_small_diff() -> None:
    before = render(plan_of(MANIFEST), "terraform")["trainer.tf"].splitlines()
    after = render(plan_of(MANIFEST.replace("DemoExecution", "OtherExecution")), "terraform")["trainer.tf"]
    changed = [pair for pair in zip(before, after.splitlines(), strict=True) if pair[0] != pair[1]]
    assert len(changed) == 1


def test_policy_documents_stay_within_iam_quotas() -> None:
    for name in NAMES:
        for compiled in example(name).identities:
            assert len(json.dumps(compiled.permissions, separators=(",", ":"))) < 10_240
            assert len(json.dumps(compiled.trust, separators=(",", ":"))) < 2_048


def test_never_items_on_resources_conflict_only_where_they_meet() -> None:
    base = MANIFEST + "      - s3_write: {bucket: models, prefix: demo/}\n"
    elsewhere = "    never: [{actions: ['s3:PutObject'], resources: ['arn:aws:s3:::data/*']}]\n"
    assert plan_of(base + elsewhere).identities
    here = "    never: [{actions: ['s3:Put*'], resources: ['arn:aws:s3:::models/*']}]\n"
    with pytest.raises(ManifestError, match="s3_write needs s3:PutObject"):
        plan_of(base + here)


def test_permissions_boundary_reaches_every_format() -> None:
    boundary = "arn:aws:iam::111122223333:policy/ml-boundary"
    plan = plan_of(MANIFEST + f"    permissions_boundary: {boundary}\n    role_path: /ml/\n")
    assert plan.identities[0].role_arn == "arn:aws:iam::111122223333:role/ml/demo-trainer"
    assert f'permissions_boundary = "{boundary}"' in render(plan, "terraform")["trainer.tf"]
    assert f"PermissionsBoundary: {boundary}" in render(plan, "cloudformation")["template.yaml"]
    role = json.loads(render(plan, "json")["roles.json"])["RoleDetailList"][0]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary and role["Path"] == "/ml/"
